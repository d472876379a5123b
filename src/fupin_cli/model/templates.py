"""工作任务清单 (templates): the YAML checklists, their validation and their version."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from fupin_cli.model.glossary import Role
from fupin_cli.model.monthday import BEFORE_ASSESSMENT, deadline_problem
from fupin_cli.model.problems import FupinError, Problem, errno_text, make_problem
from fupin_cli.model.resources import data_path
from fupin_cli.model.roles import REPORTING_ROLES

__all__ = ["BEFORE_ASSESSMENT", "Template", "load_template_file", "load_templates", "parse_template"]

COLUMN_FIELDS = ("number", "category", "text", "done", "done_on", "note")
HEADER_FIELDS = ("unit", "head", "date")


# libyaml's parser where PyYAML was built with it (every wheel on PyPI is): parsing the five templates
# drops from ~20 ms to ~3 ms of every command.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextDateLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that leaves dates as text: PyYAML turns 2020-13-40 into a bare ValueError, not a YAMLError,
    so the validators must see the text to name the key in their message."""


TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Column:
    """表格的一列: its printed label and the field it holds."""

    label: str
    field: str


@dataclass(frozen=True)
class HeaderField:
    """表头填写项 (姓名、时间 …): its printed label and what it holds (unit, head, date)."""

    label: str
    field: str


@dataclass(frozen=True)
class Task:
    """一项工作任务: category (类型), text and its numbered sub-items."""

    id: str
    number: int
    category: str
    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundSpec:
    """报送批次 as the template states it: a month-day, or the day before the assessment."""

    round: int
    deadline: str
    label: str = ""


@dataclass(frozen=True)
class Template:
    """一张工作任务清单 (附件N)."""

    id: str
    role: Role
    attachment: int
    title: str
    header_fields: tuple[HeaderField, ...]
    columns: tuple[Column, ...]
    category_merged: bool
    tasks: tuple[Task, ...]
    note: str
    report_to: str
    report_chain: tuple[str, ...]
    rounds: tuple[RoundSpec, ...]
    version: str
    source: str = field(default="", compare=False)

    def column(self, name: str) -> Column | None:
        """The column holding field `name`, if the template has one."""
        return next((c for c in self.columns if c.field == name), None)

    def header(self, name: str) -> HeaderField | None:
        """The header field holding `name`, if the template has one."""
        return next((h for h in self.header_fields if h.field == name), None)

    def to_dict(self) -> dict:
        """The template as the JSON of `templates show`."""
        return {
            "id": self.id,
            "role": self.role.value,
            "attachment": self.attachment,
            "title": self.title,
            "header_fields": [h.label for h in self.header_fields],
            "header_field_keys": [{"label": h.label, "field": h.field} for h in self.header_fields],
            "columns": [c.label for c in self.columns],
            "column_keys": [{"label": c.label, "field": c.field} for c in self.columns],
            "category_merged": self.category_merged,
            "tasks": [
                {"id": t.id, "number": t.number, "category": t.category, "text": t.text, "items": list(t.items)}
                for t in self.tasks
            ],
            "reporting": {
                "to": self.report_to,
                "chain": list(self.report_chain),
                "rounds": [{"round": r.round, "deadline": r.deadline, "label": r.label} for r in self.rounds],
            },
            "note": self.note,
            "version": self.version,
        }


def kind_of(value: object) -> str:
    """What a YAML value is, in the words of the error messages."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "是/否值"
    if isinstance(value, (int, float)):
        return f"数字 {value}"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "键值对"
    return f"“{value}”"


def compute_version(doc: dict) -> str:
    """A short hash of everything printed on the form: title, header, columns, tasks and note."""
    printed = {k: doc.get(k) for k in ("title", "header_fields", "columns", "tasks", "note")}
    blob = json.dumps(printed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:10]


class _Checker:
    """Collects validation errors with their key paths."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def fail(self, path: str, what: str) -> None:
        self.problems.append(f"{self.source}: {path}: {what}")

    def text(self, node: dict, key: str, path: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{path}{key}", "缺少此项或为空")
            return ""
        if not isinstance(value, str):
            self.fail(f"{path}{key}", f"应为文字，实际为{kind_of(value)}")
            return str(value)
        return value

    def mapping_list(self, node: dict, key: str, path: str) -> list[dict]:
        value = node.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"{path}{key}", "应为非空列表")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.fail(f"{path}{key}[{i}]", "应为键值对（label/field …）")
        return good


def parse_template(doc: object, source: str) -> Template:
    """Validate a loaded YAML document and build the Template; FupinError lists every problem."""
    check = _Checker(source)
    if not isinstance(doc, dict):
        raise FupinError(f"{source}: 模板应为 YAML 键值对，实际为{kind_of(doc)}")
    tid = check.text(doc, "id", "")
    if tid and not re.fullmatch(r"[a-z][a-z0-9_]*", tid):
        check.fail("id", f"“{tid}”只能用小写英文字母、数字和下划线")
    role_name = check.text(doc, "role", "")
    role = Role.town
    if role_name:
        try:
            role = Role(role_name)
        except ValueError:
            check.fail("role", f"“{role_name}”不是填报角色；可选：{', '.join(r.value for r in REPORTING_ROLES)}")
        if role_name == Role.village.value:
            check.fail("role", "村不单独填表；可选：" + ", ".join(r.value for r in REPORTING_ROLES))
    attachment = doc.get("attachment")
    if not isinstance(attachment, int) or isinstance(attachment, bool):
        check.fail("attachment", "应为附件编号（整数）")
        attachment = 0
    title = check.text(doc, "title", "")
    headers = []
    for i, h in enumerate(check.mapping_list(doc, "header_fields", "")):
        label = check.text(h, "label", f"header_fields[{i}].")
        fld = check.text(h, "field", f"header_fields[{i}].")
        if fld and fld not in HEADER_FIELDS:
            check.fail(f"header_fields[{i}].field", f"“{fld}”不可用；可选：{', '.join(HEADER_FIELDS)}")
        headers.append(HeaderField(label, fld))
    if headers and not any(h.field == "unit" for h in headers):
        check.fail("header_fields", "需要一个 field: unit 的表头项（姓名/单位/签名）")
    columns = []
    for i, c in enumerate(check.mapping_list(doc, "columns", "")):
        label = check.text(c, "label", f"columns[{i}].")
        fld = check.text(c, "field", f"columns[{i}].")
        if fld and fld not in COLUMN_FIELDS:
            check.fail(f"columns[{i}].field", f"“{fld}”不可用；可选：{', '.join(COLUMN_FIELDS)}")
        columns.append(Column(label, fld))
    fields = [c.field for c in columns]
    for needed in ("text", "done"):
        if columns and needed not in fields:
            check.fail("columns", f"缺少 field: {needed} 的列")
    if len(set(fields)) != len(fields):
        check.fail("columns", "有重复的 field")
    merged = doc.get("category_merged", False)
    if not isinstance(merged, bool):
        check.fail("category_merged", "应为 true 或 false")
    tasks = []
    seen_ids: set[str] = set()
    for i, t in enumerate(check.mapping_list(doc, "tasks", "")):
        path = f"tasks[{i}]."
        task_id = check.text(t, "id", path)
        if task_id in seen_ids:
            check.fail(f"{path}id", f"任务编号“{task_id}”重复")
        seen_ids.add(task_id)
        number = t.get("number", i + 1)
        if not isinstance(number, int) or isinstance(number, bool):
            check.fail(f"{path}number", "应为整数")
            number = i + 1
        category = check.text(t, "category", path)
        items = t.get("items") or []
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            check.fail(f"{path}items", "应为文字列表")
            items = []
        text = t.get("text")
        if text is None and items:
            text = "\n".join(items)
        elif not isinstance(text, str) or not text.strip():
            check.fail(f"{path}text", "缺少任务文字（text 或 items）")
            text = ""
        elif items and text != "\n".join(items):
            check.fail(f"{path}text", "text 与 items 不一致；只写其中一项即可")
        tasks.append(Task(task_id, number, category, text, tuple(items)))
    note = check.text(doc, "note", "", required=False)
    reporting = doc.get("reporting")
    rounds: list[RoundSpec] = []
    report_to, chain = "", ()
    if not isinstance(reporting, dict):
        check.fail("reporting", "缺少报送要求（to、rounds）")
    else:
        report_to = check.text(reporting, "to", "reporting.")
        raw_chain = reporting.get("chain") or [report_to]
        chain = tuple(str(x) for x in raw_chain) if isinstance(raw_chain, list) else (report_to,)
        for i, r in enumerate(check.mapping_list(reporting, "rounds", "reporting.")):
            path = f"reporting.rounds[{i}]."
            number = r.get("round")
            if number != i + 1:
                check.fail(f"{path}round", f"应为 {i + 1}（批次从 1 起连续编号）")
            deadline = str(r.get("deadline", "")).strip()
            if deadline != BEFORE_ASSESSMENT and not _valid_month_day(deadline):
                check.fail(f"{path}deadline", f"“{deadline}”应为 月-日（如 11-06）或 {BEFORE_ASSESSMENT}")
            rounds.append(RoundSpec(i + 1, deadline, str(r.get("label") or "")))
    version = compute_version(doc)
    declared = doc.get("version")
    if declared is not None and str(declared) != version:
        check.fail("version", f"与任务文字不符：文字改动后版本应为 {version}（或删去 version 一行自动计算）")
    if check.problems:
        raise FupinError("模板有误：\n" + "\n".join(check.problems))
    return Template(
        id=tid, role=role, attachment=attachment, title=title, header_fields=tuple(headers),
        columns=tuple(columns), category_merged=bool(merged), tasks=tuple(tasks), note=note,
        report_to=report_to, report_chain=chain, rounds=tuple(rounds), version=version, source=source,
    )


def _valid_month_day(text: str) -> bool:
    match = _MONTH_DAY.match(text)
    return bool(match) and 1 <= int(match.group(1)) <= 12 and 1 <= int(match.group(2)) <= 31


def load_template_file(path: Path) -> Template:
    """Read and validate one template YAML file."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=TextDateLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise FupinError(f"{path}: 无法读取模板文件：{exc}") from None
    except yaml.YAMLError as exc:
        raise FupinError(yaml_error_message(path, exc)) from None
    return parse_template(doc, str(path))


def yaml_error_message(path: Path, exc: yaml.YAMLError) -> str:
    """A YAML syntax error in Chinese: the file, the line and column, and the usual causes."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近" if mark is not None else "某处"
    return (f"{path}: YAML 格式错误，{where}；请检查缩进（用空格，不要用 Tab）、冒号后的空格和成对的引号、括号"
            f"（解析器原文：{getattr(exc, 'problem', None) or exc}）")


def builtin_template_dir() -> Path:
    """The folder of the five official templates shipped with fupin."""
    return data_path("templates")


def load_templates(workspace_templates: Path | None = None) -> dict[str, Template]:
    """The built-in templates, then the workspace's own (same id replaces, new id adds), by id."""
    found: dict[str, Template] = {}
    folders = [builtin_template_dir()]
    if workspace_templates is not None and workspace_templates.is_dir():
        folders.append(workspace_templates)
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            template = load_template_file(path)
            found[template.id] = template
    return dict(sorted(found.items(), key=lambda kv: (kv[1].attachment, kv[0])))


def checklists_for(templates: dict[str, Template], role: Role) -> list[Template]:
    """Every checklist a role fills: the one whose id is the role first, then the others naming that role."""
    mine = [t for t in templates.values() if t.role is role]
    return sorted(mine, key=lambda t: (t.id != role.value, t.attachment, t.id))


def template_for_role(templates: dict[str, Template], role: Role) -> Template | None:
    """A role's main checklist: the template whose id is the role, else the first naming that role."""
    found = checklists_for(templates, role)
    return found[0] if found else None
