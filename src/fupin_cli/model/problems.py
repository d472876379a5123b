"""The one vocabulary of problems: every kind fupin reports, its severity, message and weight, and the value type."""

from __future__ import annotations

import datetime as dt
import errno
from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "violation"]
CheckRule = Literal["always", "strict"]


@dataclass(frozen=True, slots=True)
class Kind:
    """一类问题 (problem kind): its stable code, severity, Chinese message template and how status and check weigh it.

    `kind` is the family named in status and check JSON (``missing``, ``late``, ``open_after_deadline``,
    ``done_late``; a file's warning or error is ``warning``/``error``); `check` says whether `fupin check`
    fails on it always or only with ``--strict``; `rank` orders the problem list, most urgent first; `label`
    is the short word of tables; `check_kind` is check's own family where it differs.
    """

    code: str
    severity: Severity
    template: str
    kind: str = ""
    check: CheckRule = "strict"
    rank: int = 4
    label: str = "提示"
    check_kind: str = ""
    symbol: str = "⚠"
    style: str = "yellow"
    check_label: str = ""

    @property
    def family(self) -> str:
        """The `kind` of status JSON: the row's own, else the severity (a file's warning is `warning`)."""
        return self.kind or ("error" if self.severity == "error" else "warning")

    @property
    def check_family(self) -> str:
        """The `kind` of check JSON (a task done late is reported there as a warning)."""
        return self.check_kind or self.family

    @property
    def check_word(self) -> str:
        """The word of check's lines: its own, else the table label; a warning-family kind is a 提示."""
        if self.check_label:
            return self.check_label
        return "提示" if self.check_family == "warning" else self.label


# Templates are filled with str.format(**args); codes are stable and appear in JSON output.
# A new kind is one row here plus the code that detects it.
KINDS_TABLE: tuple[Kind, ...] = (
    # roster import
    Kind("missing-column", "error", "缺少必需的列“{column}”；请在表头加上这一列（也可用别名：{aliases}）"),
    Kind("missing-value", "error", "“{column}”为空；请填写后重新导入"),
    Kind("unknown-town", "error", "镇“{value}”不在花名册中；请先导入镇（fupin roster import 文件 --role town），或改正镇名"),
    Kind("unknown-village", "error", "{town}没有村“{value}”；请先导入村（--role village），或改正村名"),
    Kind("duplicate-unit", "error", "与第 {other_row} 行重复（{value}）；请删去其中一行"),
    Kind("duplicate-code", "error", "代码“{value}”已被“{other}”使用；请改正代码"),
    Kind("bad-number", "error", "“{column}”应为整数，实际为“{value}”"),
    Kind("empty-table", "error", "表中没有数据行；请检查文件是否选对"),
    # reading files
    Kind("file-unreadable", "error", "无法读取文件：{reason}"),
    Kind("file-unsafe", "error", "文件不安全，已拒收：{reason}"),
    Kind("file-empty", "error", "文件是空的；请让填报人重新发送"),
    Kind("encoding-error", "error", "第 {offset} 字节无法按 UTF-8、UTF-16 或 GB18030 解码；请用 Excel 另存为“CSV UTF-8”后重发"),
    Kind("unsupported-format", "error", "不支持的文件类型“{suffix}”；请另存为 .xlsx、.xls、.ods 或 .csv"),
    # recognising the form
    Kind("unknown-template", "error", "认不出是哪一张工作任务清单（标题、列名或任务文字都对不上）；请用 fupin 生成的表填报"),
    Kind("unknown-unit", "error", "花名册中找不到“{value}”（{template}）；请核对姓名/单位，或用 --unit 指定编号"),
    Kind("ambiguous-unit", "error", "“{value}”对应多个填报对象：{candidates}；请用 --unit 指定其中一个编号"),
    Kind("identity-mismatch", "error", "表中的填报对象编号“{value}”不在花名册中；请核对花名册或用 --unit 指定"),
    Kind("unit-conflict", "error", "表单身份写明是 {identity}，与 --unit {value} 不符；--unit 只用于认不出或同名的回执，请去掉 --unit 或分开收取"),
    Kind("unit-not-in-roster", "error", "--unit “{value}”不在花名册中；请用 fupin roster list 查看编号"),
    Kind("unit-wrong-role", "error", "--unit {value} 是{role}，这张表是《{template}》；请核对编号"),
    Kind("round-out-of-range", "error", "《{template}》只有 {count} 次报送，没有第 {value} 次；请改正 --round"),
    # the task table
    Kind("column-missing", "error", "找不到列“{column}”；请勿删除或改名表头"),
    Kind("task-missing", "error", "缺少第 {number} 项任务：{text}；请勿删除任务行"),
    Kind("task-added", "error", "多出一行任务“{value}”；请勿增加任务行"),
    Kind("task-reordered", "error", "第 {number} 项任务的位置被移动了；请按原表顺序填写"),
    Kind("form-blank", "error", "所有任务的“是否完成”都没有填写，像是未填的空白表；请填写后重发"),
    Kind("task-text-changed", "error", "第 {number} 项任务的文字被改动：“{value}”；请勿修改任务内容"),
    # answers
    Kind("unknown-done-value", "warning", "“是否完成”填写为“{value}”，无法识别，按未完成计；请填“是”或“否”"),
    Kind("bad-date", "warning", "“{column}”填写为“{value}”，无法识别为日期；请按 2020-11-05 或 11月5日 填写"),
    Kind("done-without-date", "warning", "已填“是”但没有填写完成时间"),
    Kind("date-after-deadline", "warning", "完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}"),
    Kind("date-after-received", "warning", "完成时间 {value} 晚于收到回执的时间 {received}"),
    Kind("date-before-campaign", "warning", "完成时间 {value} 早于本次工作开始的年份 {year}，可能填错了年份"),
    Kind("missing-signature", "warning", "表头“{column}”未填写"),
    Kind("missing-date", "warning", "表头“时间”未填写"),
    Kind("formula-no-value", "warning", "单元格是公式且没有保存计算结果，已按空白处理；请在 Excel 中打开并保存后重发"),
    Kind("number-rounded", "warning", "数字“{value}”超过 15 位，Excel 已将其舍入，原值无法恢复；请将该格设为文本后重填"),
    # store integrity (fupin doctor)
    Kind("store-record-unreadable", "error", "回执记录无法读取（{reason}）；请从备份恢复该文件，或删除后重新收取原回执"),
    Kind("store-original-missing", "error", "回执 {value} 的原始文件 {stored} 不见了；请从备份恢复，或重新收取该回执"),
    Kind("store-checksum-mismatch", "error", "回执 {value} 的原始文件 {stored} 校验和不符，已被改动或损坏；请从备份恢复，或重新收取该回执"),
    Kind("store-unit-unknown", "error", "回执 {value} 的填报对象“{unit}”（{unit_id}）已不在花名册中；请恢复花名册中的这一行，或确认后删除该回执"),
    Kind("store-index-rebuilt", "warning", "索引 index.jsonl 与回执记录不一致（{reason}），已按记录重建"),
    Kind("store-temp-removed", "warning", "删除了中断写入留下的临时文件（{count} 个）"),
    Kind("store-orphan-file", "warning", "原始文件没有对应的回执记录（收取时被中断）；重新收取该回执即可"),
    # status and check (deadlines, DESIGN §7)
    Kind("round-missing", "violation", "第 {round} 次报送（{deadline}截止）未报",
         kind="missing", check="always", rank=0, label="未报", symbol="✗", style="bold red"),
    Kind("round-late", "violation", "第 {round} 次报送（{deadline}截止）逾期，{received} 才收到",
         kind="late", rank=1, label="逾期"),
    Kind("task-open", "violation", "第 {number} 项任务在最后截止日 {deadline} 后仍未完成",
         kind="open_after_deadline", rank=2, label="未完成", symbol="✗", style="red",
         check_label="任务未完成"),
    Kind("task-done-late", "violation", "第 {number} 项任务完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}",
         kind="done_late", rank=3, label="完成晚", check_kind="warning"),
)
KINDS: dict[str, Kind] = {k.code: k for k in KINDS_TABLE}


def message_for(code: str, **args: object) -> str:
    """The Chinese message of a kind, its template filled with the arguments."""
    return KINDS[code].template.format(**args)


class FupinError(Exception):
    """A problem that stops the command (exit code 2): a kind of the table and its arguments.

    ``FupinError(code, **args)`` fills the kind's template; the message is Chinese and says what to do.
    """

    exit_code = 2

    def __init__(self, code: str, **args: object) -> None:
        if code in KINDS:
            message = message_for(code, **args)
        else:  # a finished sentence (kept while the raise sites move to codes)
            message, code = code, "failed"
        super().__init__(message)
        self.code = code
        self.args_ = args
        self.message = message

    def to_dict(self) -> dict:
        """The error as the JSON of an exit-2 failure: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}


_ERRNO_TEXT = {
    errno.ENOENT: "路径不存在",
    errno.EACCES: "没有权限（文件是否正在 Excel 或 WPS 中打开？请先关闭）",
    errno.EPERM: "没有权限（文件是否正在 Excel 或 WPS 中打开？请先关闭）",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "只读的文件系统",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已经存在",
    errno.EBUSY: "正被其他程序占用",
}


def errno_text(exc: OSError) -> str:
    """What went wrong with a file, in Chinese (the system's own words only for rare errors)."""
    return _ERRNO_TEXT.get(exc.errno or -1, exc.strerror or "无法访问")


def os_error_message(exc: OSError) -> str:
    """An operating-system error in Chinese, naming the path and what to do."""
    what = errno_text(exc)
    where = exc.filename if exc.filename is not None else ""
    return f"无法读写 {where}：{what}；请检查路径、权限和磁盘空间后重试" if where else f"文件操作失败：{what}"


@dataclass(frozen=True, slots=True)
class Problem:
    """一条问题 (problem): a rejected file, a warning on a stored return, a missing round, a late task …

    It carries its kind's code and severity, where it is (file, sheet, row, column, the value found), whom
    it concerns (role, unit, round, deadline, task) and the message, filled from the table with `args`.
    """

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    role: str = ""
    unit_id: str = ""
    name: str = ""
    town: str = ""
    village: str = ""
    round: int | None = None
    deadline: dt.date | None = None
    task_id: str = ""
    args: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        """The family named in status JSON: missing, late, open_after_deadline, done_late, warning or error."""
        return KINDS[self.code].family

    @property
    def check_kind(self) -> str:
        """The family named in check JSON: missing, late, open_after_deadline or warning."""
        return KINDS[self.code].check_family

    @property
    def rank(self) -> int:
        """Its place among "most urgent first"."""
        return KINDS[self.code].rank

    @property
    def label(self) -> str:
        """The short Chinese word of tables (未报, 逾期 …)."""
        return KINDS[self.code].label

    @property
    def look(self) -> tuple[str, str]:
        """How a table shows it: the symbol and the label, and the Rich style."""
        kind = KINDS[self.code]
        return f"{kind.symbol} {kind.label}", kind.style

    def fails_check(self, strict: bool) -> bool:
        """Whether `fupin check` fails on it: always for some kinds, the rest only with --strict."""
        return strict or KINDS[self.code].check == "always"

    def about(self, unit: object, round: int | None = None, deadline: dt.date | None = None,
              task_id: str = "", message: str | None = None) -> Problem:
        """The same problem, told of one unit (a roster Unit) and round; optionally with a message that says more."""
        return replace(self, role=unit.role.value, unit_id=unit.unit_id, name=unit.name,  # type: ignore[attr-defined]
                       town=unit.town, village=unit.village, round=round, deadline=deadline,  # type: ignore[attr-defined]
                       task_id=task_id, message=self.message if message is None else message)

    def to_dict(self) -> dict:
        """The problem as JSON: the fields of status ``problems[]`` and ingest findings alike."""
        return {
            "kind": self.kind,
            "code": self.code,
            "severity": self.severity,
            "role": self.role or None,
            "unit_id": self.unit_id or None,
            "name": self.name or None,
            "town": self.town or None,
            "village": self.village or None,
            "round": self.round,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "task_id": self.task_id or None,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    def where(self) -> str:
        """A short place: file, sheet, row and column, as far as known."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"工作表 {self.sheet}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"“{self.column}”列")
        return "，".join(parts)


def make_problem(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    value: object = "",
    **args: object,
) -> Problem:
    """Build a problem of a kind in the table, filling its template with the column, value and arguments."""
    kind = KINDS[code]
    message = kind.template.format(column=column, value=value, **args)
    return Problem(code, kind.severity, message, file, sheet, row, column, "" if value is None else str(value),
                   args=dict(args))
