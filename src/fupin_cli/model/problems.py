"""Errors that stop a command, findings that describe bad data, and the table of their messages."""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class FupinError(Exception):
    """A problem that stops the command; its message is Chinese and says what to do. Exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# One table for every data problem: code → (severity, Chinese template).
# Templates are filled with str.format(**context); codes are stable and appear in JSON output.
MESSAGES: dict[str, tuple[Severity, str]] = {
    # roster import
    "missing-column": ("error", "缺少必需的列“{column}”；请在表头加上这一列（也可用别名：{aliases}）"),
    "missing-value": ("error", "“{column}”为空；请填写后重新导入"),
    "unknown-town": ("error", "镇“{value}”不在花名册中；请先导入镇（fupin roster import 文件 --role town），或改正镇名"),
    "unknown-village": ("error", "{town}没有村“{value}”；请先导入村（--role village），或改正村名"),
    "duplicate-unit": ("error", "与第 {other_row} 行重复（{value}）；请删去其中一行"),
    "duplicate-code": ("error", "代码“{value}”已被“{other}”使用；请改正代码"),
    "bad-number": ("error", "“{column}”应为整数，实际为“{value}”"),
    "empty-table": ("error", "表中没有数据行；请检查文件是否选对"),
    # reading files
    "file-unreadable": ("error", "无法读取文件：{reason}"),
    "file-unsafe": ("error", "文件不安全，已拒收：{reason}"),
    "file-empty": ("error", "文件是空的；请让填报人重新发送"),
    "encoding-error": ("error", "第 {offset} 字节无法按 UTF-8、UTF-16 或 GB18030 解码；请用 Excel 另存为“CSV UTF-8”后重发"),
    "unsupported-format": ("error", "不支持的文件类型“{suffix}”；请另存为 .xlsx、.xls、.ods 或 .csv"),
    # recognising the form
    "unknown-template": ("error", "认不出是哪一张工作任务清单（标题、列名或任务文字都对不上）；请用 fupin 生成的表填报"),
    "unknown-unit": ("error", "花名册中找不到“{value}”（{template}）；请核对姓名/单位，或用 --unit 指定编号"),
    "ambiguous-unit": ("error", "“{value}”对应多个填报对象：{candidates}；请用 --unit 指定其中一个编号"),
    "identity-mismatch": ("error", "表中的填报对象编号“{value}”不在花名册中；请核对花名册或用 --unit 指定"),
    "unit-conflict": ("error", "表单身份写明是 {identity}，与 --unit {value} 不符；--unit 只用于认不出或同名的回执，请去掉 --unit 或分开收取"),
    "unit-not-in-roster": ("error", "--unit “{value}”不在花名册中；请用 fupin roster list 查看编号"),
    "unit-wrong-role": ("error", "--unit {value} 是{role}，这张表是《{template}》；请核对编号"),
    "round-out-of-range": ("error", "《{template}》只有 {count} 次报送，没有第 {value} 次；请改正 --round"),
    # the task table
    "column-missing": ("error", "找不到列“{column}”；请勿删除或改名表头"),
    "task-missing": ("error", "缺少第 {number} 项任务：{text}；请勿删除任务行"),
    "task-added": ("error", "多出一行任务“{value}”；请勿增加任务行"),
    "task-reordered": ("error", "第 {number} 项任务的位置被移动了；请按原表顺序填写"),
    "form-blank": ("error", "所有任务的“是否完成”都没有填写，像是未填的空白表；请填写后重发"),
    "task-text-changed": ("error", "第 {number} 项任务的文字被改动：“{value}”；请勿修改任务内容"),
    # answers
    "unknown-done-value": ("warning", "“是否完成”填写为“{value}”，无法识别，按未完成计；请填“是”或“否”"),
    "bad-date": ("warning", "“{column}”填写为“{value}”，无法识别为日期；请按 2020-11-05 或 11月5日 填写"),
    "done-without-date": ("warning", "已填“是”但没有填写完成时间"),
    "date-after-deadline": ("warning", "完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}"),
    "date-after-received": ("warning", "完成时间 {value} 晚于收到回执的时间 {received}"),
    "date-before-campaign": ("warning", "完成时间 {value} 早于本次工作开始的年份 {year}，可能填错了年份"),
    "missing-signature": ("warning", "表头“{column}”未填写"),
    "missing-date": ("warning", "表头“时间”未填写"),
    "formula-no-value": ("warning", "单元格是公式且没有保存计算结果，已按空白处理；请在 Excel 中打开并保存后重发"),
    "number-rounded": ("warning", "数字“{value}”超过 15 位，Excel 已将其舍入，原值无法恢复；请将该格设为文本后重填"),
    # store integrity (fupin doctor)
    "store-record-unreadable": ("error", "回执记录无法读取（{reason}）；请从备份恢复该文件，或删除后重新收取原回执"),
    "store-original-missing": ("error", "回执 {value} 的原始文件 {stored} 不见了；请从备份恢复，或重新收取该回执"),
    "store-checksum-mismatch": ("error", "回执 {value} 的原始文件 {stored} 校验和不符，已被改动或损坏；请从备份恢复，或重新收取该回执"),
    "store-unit-unknown": ("error", "回执 {value} 的填报对象“{unit}”（{unit_id}）已不在花名册中；请恢复花名册中的这一行，或确认后删除该回执"),
    "store-index-rebuilt": ("warning", "索引 index.jsonl 与回执记录不一致（{reason}），已按记录重建"),
    "store-temp-removed": ("warning", "删除了中断写入留下的临时文件（{count} 个）"),
    "store-orphan-file": ("warning", "原始文件没有对应的回执记录（收取时被中断）；重新收取该回执即可"),
    # status and check (deadlines, DESIGN §7)
    "round-missing": ("error", "第 {round} 次报送（{deadline}截止）未报"),
    "round-late": ("warning", "第 {round} 次报送（{deadline}截止）逾期，{received} 才收到"),
    "task-open": ("warning", "第 {number} 项任务在最后截止日 {deadline} 后仍未完成"),
    "task-done-late": ("warning", "第 {number} 项任务完成时间 {value} 晚于第 {round} 次报送截止日 {deadline}"),
}


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
class Finding:
    """一条问题 (finding): a stable code, its severity, where it is and a Chinese message."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""

    def to_dict(self) -> dict:
        """The finding as a JSON-ready dict."""
        return asdict(self)

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


def make_finding(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    value: object = "",
    **context: object,
) -> Finding:
    """Build a finding from the message table, filling the template with the context."""
    severity, template = MESSAGES[code]
    message = template.format(column=column, value=value, **context)
    return Finding(code, severity, message, file, sheet, row, column, "" if value is None else str(value))
