"""工作任务清单 (templates): the YAML checklists, their validation and their version."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from fupin_cli.model.glossary import Role
from fupin_cli.model.monthday import BEFORE_ASSESSMENT as BEFORE_ASSESSMENT
from fupin_cli.model.monthday import deadline_problem
from fupin_cli.model.problems import FupinError, Problem, errno_text, make_problem
from fupin_cli.model.resources import data_path
from fupin_cli.model.roles import REPORTING_ROLES

COLUMN_FIELDS = ("number", "category", "text", "done", "done_on", "note")
HEADER_FIELDS = ("unit", "head", "date")
# A checklist's rows: its tasks (the five official ones), or the village's helpers from the roster (presence).
ROW_KINDS = ("tasks", "helpers")
# The columns of a table whose rows are helpers; present_N / visited_on_N belong to round N.
HELPER_COLUMN_FIELDS = ("number", "helper", "work_unit", "households", "note", "helper_id")
_ROUND_FIELD = re.compile(r"(present|visited_on)_([1-9][0-9]?)")


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
    """一张工作任务清单 (附件N), or a table fupin designed whose rows are the village's helpers (rows: helpers)."""

    id: str
    role: Role
    attachment: int | None
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
    rows: str = "tasks"
    designed_by: str = ""
    source: str = field(default="", compare=False)

    @property
    def from_roster(self) -> bool:
        """Whether the table's rows are the village's helpers from the roster, not tasks."""
        return self.rows == "helpers"

    @property
    def official(self) -> bool:
        """Whether the checklist is one of the source's attachments (not designed by fupin)."""
        return not self.designed_by

    @property
    def mark(self) -> str:
        """What stands where a form says 附件N: the attachment, or who designed an unofficial table."""
        if self.attachment is not None:
            return f"附件{self.attachment}"
        return f"非正式附件（{self.designed_by} 设计）"

    def round_column(self, kind: str, number: int) -> Column | None:
        """A helper table's column of round `number`: kind ``present`` (是否到位) or ``visited_on`` (入户日期)."""
        return self.column(f"{kind}_{number}")

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
            **({"rows": self.rows} if self.from_roster else {}),
            **({"designed_by": self.designed_by} if self.designed_by else {}),
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
    if doc.get("rows") not in (None, "tasks"):
        printed["rows"] = doc.get("rows")
    blob = json.dumps(printed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:10]


class KeyProblems:
    """The problems of one YAML file, each at its key (``reporting.rounds[2].deadline``), told together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def add(self, code: str, key: str, **args: object) -> None:
        """A problem of a kind of the table, at `key`."""
        self.add_problem(key, make_problem(code, **args))

    def add_problem(self, key: str, problem: Problem) -> None:
        """A problem already made (a month-day's, say), at `key`."""
        self.lines.append(f"{self.source}: {key}: {problem.message}")

    def stop(self, code: str) -> None:
        """Raise FupinError `code` listing every problem, one a line, if there is any."""
        if self.lines:
            raise FupinError(code, path=self.source, details="\n".join(self.lines))


class _Checker(KeyProblems):
    """A template's problems, with readers of its texts and lists."""

    def text(self, node: dict, key: str, path: str, required: bool = True) -> str:
        """The text at `key`; a problem when missing (if required) or not text."""
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add("template-key-missing", f"{path}{key}")
            return ""
        if not isinstance(value, str):
            self.add("template-not-text", f"{path}{key}", found=kind_of(value))
            return str(value)
        return value

    def mapping_list(self, node: dict, key: str, path: str) -> list[dict]:
        """The key-value items of the list at `key`; a problem for an empty list and each other item."""
        value = node.get(key)
        if not isinstance(value, list) or not value:
            self.add("template-not-list", f"{path}{key}")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.add("template-item-not-mapping", f"{path}{key}[{i}]")
        return good


def parse_template(doc: object, source: str, year: int | None = None, shown: str = "") -> Template:
    """Validate a loaded YAML document and build the Template; FupinError lists every problem.

    `year` is the campaign's when known (then 02-29 is a deadline only in a leap year); `shown` is how the
    messages name the file (default: `source`, the path the template is read from again by `templates show`).
    """
    shown = shown or source
    if not isinstance(doc, dict):
        raise FupinError("template-not-mapping", path=shown, found=kind_of(doc))
    check = _Checker(shown)
    rows = _row_kind(doc, check)
    tid, role, attachment, title, designed_by = _identity(doc, check, rows)
    headers = _header_fields(doc, check)
    columns = _columns(doc, check) if rows == "tasks" else _helper_columns(doc, check, _round_count(doc))
    merged = doc.get("category_merged", False)
    if not isinstance(merged, bool):
        check.add("template-not-bool", "category_merged")
    if rows == "helpers":
        tasks: tuple[Task, ...] = ()
        if doc.get("tasks"):
            check.add("template-helpers-tasks", "tasks")
    else:
        tasks = tuple(_task(t, i, check) for i, t in enumerate(check.mapping_list(doc, "tasks", "")))
    _no_repeated_ids(tasks, check)
    note = check.text(doc, "note", "", required=False)
    report_to, chain, rounds = _reporting(doc, check, year)
    version = compute_version(doc)
    declared = doc.get("version")
    if declared is not None and str(declared) != version:
        check.add("template-version-mismatch", "version", version=version)
    check.stop("template-invalid")
    return Template(
        id=tid, role=role, attachment=attachment, title=title, header_fields=headers,
        columns=columns, category_merged=bool(merged), tasks=tasks, note=note,
        report_to=report_to, report_chain=chain, rounds=rounds, version=version, rows=rows,
        designed_by=designed_by, source=source,
    )


def _row_kind(doc: dict, check: _Checker) -> str:
    """What the table's rows are: ``tasks`` (default) or ``helpers`` (the village's helpers from the roster)."""
    rows = doc.get("rows", "tasks")
    if rows not in ROW_KINDS:
        check.add("template-bad-rows", "rows", value=kind_of(rows), choices=", ".join(ROW_KINDS))
        return "tasks"
    return str(rows)


def _identity(doc: dict, check: _Checker, rows: str = "tasks") -> tuple[str, Role, int | None, str, str]:
    """The template's id, the role that fills it, its 附件 number (None for a table fupin designed), its title
    and who designed it when it is no official attachment."""
    tid = check.text(doc, "id", "")
    if tid and not re.fullmatch(r"[a-z][a-z0-9_]*", tid):
        check.add("template-bad-id", "id", value=tid)
    role_name = check.text(doc, "role", "")
    role = Role.town
    choices = ", ".join(r.value for r in REPORTING_ROLES)
    if role_name:
        try:
            role = Role(role_name)
        except ValueError:
            check.add("template-bad-role", "role", value=role_name, choices=choices)
        if role_name == Role.village.value and rows != "helpers":
            check.add("template-village-role", "role", choices=choices)
        elif rows == "helpers" and role_name != Role.village.value:
            check.add("template-helpers-role", "role")
    designed_by = check.text(doc, "designed_by", "", required=False).strip()
    attachment = doc.get("attachment")
    if attachment is None and designed_by:
        return tid, role, None, check.text(doc, "title", ""), designed_by
    if not isinstance(attachment, int) or isinstance(attachment, bool):
        check.add("template-bad-attachment", "attachment")
        attachment = 0
    return tid, role, attachment, check.text(doc, "title", ""), designed_by


def _header_fields(doc: dict, check: _Checker) -> tuple[HeaderField, ...]:
    """The header's fields (姓名、时间 …): one must hold the unit."""
    headers = []
    for i, h in enumerate(check.mapping_list(doc, "header_fields", "")):
        label = check.text(h, "label", f"header_fields[{i}].")
        fld = check.text(h, "field", f"header_fields[{i}].")
        if fld and fld not in HEADER_FIELDS:
            check.add("template-bad-field", f"header_fields[{i}].field", value=fld, choices=", ".join(HEADER_FIELDS))
        headers.append(HeaderField(label, fld))
    if headers and not any(h.field == "unit" for h in headers):
        check.add("template-no-unit-header", "header_fields")
    return tuple(headers)


def _columns(doc: dict, check: _Checker) -> tuple[Column, ...]:
    """The table's columns: each field once, the task text and 是否完成 among them."""
    columns = []
    for i, c in enumerate(check.mapping_list(doc, "columns", "")):
        label = check.text(c, "label", f"columns[{i}].")
        fld = check.text(c, "field", f"columns[{i}].")
        if fld and fld not in COLUMN_FIELDS:
            check.add("template-bad-field", f"columns[{i}].field", value=fld, choices=", ".join(COLUMN_FIELDS))
        columns.append(Column(label, fld))
    fields = [c.field for c in columns]
    for needed in ("text", "done"):
        if columns and needed not in fields:
            check.add("template-column-missing", "columns", field=needed)
    if len(set(fields)) != len(fields):
        check.add("template-duplicate-field", "columns")
    return tuple(columns)


def _round_count(doc: dict) -> int:
    """How many rounds the template's reporting lists (its problems are told by `_reporting`)."""
    reporting = doc.get("reporting")
    rounds = reporting.get("rounds") if isinstance(reporting, dict) else None
    return len(rounds) if isinstance(rounds, list) else 0


def _helper_columns(doc: dict, check: _Checker, rounds: int) -> tuple[Column, ...]:
    """A helper table's columns: 帮扶责任人 and each round's 是否到位 among them, each field once."""
    columns = []
    choices = ", ".join([*HELPER_COLUMN_FIELDS, "present_N", "visited_on_N"])
    for i, c in enumerate(check.mapping_list(doc, "columns", "")):
        label = check.text(c, "label", f"columns[{i}].")
        fld = check.text(c, "field", f"columns[{i}].")
        numbered = _ROUND_FIELD.fullmatch(fld)
        if fld and fld not in HELPER_COLUMN_FIELDS and not (numbered and int(numbered.group(2)) <= max(rounds, 1)):
            check.add("template-bad-field", f"columns[{i}].field", value=fld, choices=choices)
        columns.append(Column(label, fld))
    fields = [c.field for c in columns]
    for needed in ("helper", *(f"present_{n}" for n in range(1, rounds + 1))):
        if columns and needed not in fields:
            check.add("template-column-missing", "columns", field=needed)
    if len(set(fields)) != len(fields):
        check.add("template-duplicate-field", "columns")
    return tuple(columns)


def _task(t: dict, i: int, check: _Checker) -> Task:
    """The i-th task: its id, number, category and text (or numbered items)."""
    path = f"tasks[{i}]."
    task_id = check.text(t, "id", path)
    number = t.get("number", i + 1)
    if not isinstance(number, int) or isinstance(number, bool):
        check.add("template-not-integer", f"{path}number")
        number = i + 1
    category = check.text(t, "category", path)
    items = t.get("items") or []
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        check.add("template-not-text-list", f"{path}items")
        items = []
    text = t.get("text")
    if text is None and items:
        text = "\n".join(items)
    elif not isinstance(text, str) or not text.strip():
        check.add("template-no-task-text", f"{path}text")
        text = ""
    elif items and text != "\n".join(items):
        check.add("template-text-items-differ", f"{path}text")
    return Task(task_id, number, category, text, tuple(items))


def _no_repeated_ids(tasks: tuple[Task, ...], check: _Checker) -> None:
    """A problem for every task whose id an earlier task has."""
    seen: set[str] = set()
    for i, task in enumerate(tasks):
        if task.id in seen:
            check.add("template-duplicate-task", f"tasks[{i}].id", value=task.id)
        seen.add(task.id)


def _reporting(doc: dict, check: _Checker, year: int | None) -> tuple[str, tuple[str, ...], tuple[RoundSpec, ...]]:
    """报送要求: to whom, through whom, and the rounds, each due on a real day (of `year` when known)."""
    reporting = doc.get("reporting")
    if not isinstance(reporting, dict):
        check.add("template-no-reporting", "reporting")
        return "", (), ()
    report_to = check.text(reporting, "to", "reporting.")
    raw_chain = reporting.get("chain") or [report_to]
    chain = tuple(str(x) for x in raw_chain) if isinstance(raw_chain, list) else (report_to,)
    rounds = []
    for i, r in enumerate(check.mapping_list(reporting, "rounds", "reporting.")):
        path = f"reporting.rounds[{i}]."
        if r.get("round") != i + 1:
            check.add("template-round-number", f"{path}round", expected=i + 1)
        deadline = check.text(r, "deadline", path).strip()
        problem = deadline_problem(deadline, year) if isinstance(r.get("deadline"), str) and deadline else None
        if problem is not None:
            check.add_problem(f"{path}deadline", problem)
        rounds.append(RoundSpec(i + 1, deadline, str(r.get("label") or "")))
    return report_to, chain, tuple(rounds)


def load_template_file(path: Path, year: int | None = None, shown: str = "") -> Template:
    """Read and validate one template YAML file (its deadlines days of `year` when given; named `shown`)."""
    doc = read_yaml(path, "template-unreadable", shown)
    return parse_template(doc, str(path), year, shown)


def read_yaml(path: Path, unreadable: str, shown: str = "") -> object:
    """A YAML file's document, its dates left as text; FupinError names the file (as `shown`) and the fault.

    `unreadable` is the code of the error when the file cannot be read at all.
    """
    shown = shown or str(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=TextDateLoader)
    except UnicodeDecodeError as exc:
        raise FupinError("yaml-not-utf8", path=shown, offset=exc.start) from None
    except OSError as exc:
        raise FupinError(unreadable, path=shown, reason=errno_text(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        detail = getattr(exc, "problem", None) or exc
        if mark is None:
            raise FupinError("yaml-syntax-somewhere", path=shown, detail=detail) from None
        raise FupinError("yaml-syntax", path=shown, line=mark.line + 1, col=mark.column + 1, detail=detail) from None


def builtin_template_dir() -> Path:
    """The folder of the templates shipped with fupin: the five official ones and fupin's presence table."""
    return data_path("templates")


def template_files(workspace_templates: Path | None = None) -> list[Path]:
    """The built-in template files, then the workspace's own (*.yaml), each folder in name order."""
    files = sorted(builtin_template_dir().glob("*.yaml"))
    if workspace_templates is not None and workspace_templates.is_dir():
        files += sorted(workspace_templates.glob("*.yaml"))
    return files


def shown_name(path: Path, root: Path | None) -> str:
    """How messages name a template file: from the workspace `root` when it lies inside it, else as it is."""
    if root is not None and path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)


def load_templates(workspace_templates: Path | None = None, year: int | None = None,
                   root: Path | None = None) -> dict[str, Template]:
    """The built-in templates, then the workspace's own (same id replaces, new id adds), by id.

    With the campaign's `year` every deadline must be a day of that year; messages name the workspace's
    files from its `root`.
    """
    found: dict[str, Template] = {}
    for path in template_files(workspace_templates):
        template = load_template_file(path, year, shown_name(path, root))
        found[template.id] = template
    # The official attachments in their order, then the tables fupin designed.
    return dict(sorted(found.items(), key=lambda kv: (kv[1].attachment is None, kv[1].attachment or 0, kv[0])))


def checklists_for(templates: dict[str, Template], role: Role) -> list[Template]:
    """Every checklist a role fills: the one whose id is the role first, then the others naming that role."""
    mine = [t for t in templates.values() if t.role is role]
    return sorted(mine, key=lambda t: (t.id != role.value, t.attachment is None, t.attachment or 0, t.id))


def template_for_role(templates: dict[str, Template], role: Role) -> Template | None:
    """A role's main checklist: the template whose id is the role, else the first naming that role."""
    found = checklists_for(templates, role)
    return found[0] if found else None
