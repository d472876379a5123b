"""`returns show` of a paper return: per task what was read, each box's ink, and any clerk's confirmation."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

STATES = {"mark": "有勾画", "faint": "很淡", "blank": "空白"}


def _box(measure: dict) -> str:
    return f"{measure['ink']:.1%}（{STATES.get(measure['state'], measure['state'])}）"


def paper_table(review: object) -> Table:
    """One row per task: 序号, 读作, 是框墨迹, 否框墨迹, 现为, 确认."""
    record = review.record  # type: ignore[attr-defined]
    answers = {a.task_id: a for a in record.answers}
    table = Table(title=f"纸质表回执 {escape(record.return_id)}：{escape(record.name)}（第 {record.round} 次）")
    for label in ("序号", "读作", "“是”框墨迹", "“否”框墨迹", "现记为", "完成时间", "人工确认"):
        table.add_column(label)
    for task in review.measures.get("tasks", []):  # type: ignore[attr-defined]
        answer = answers.get(task["task_id"])
        now = "—" if answer is None or answer.done is None else ("是" if answer.done else "否")
        read = {"?": "需确认", "": "未勾"}.get(task["read"], task["read"])
        event = review.confirms.get(task["task_id"])  # type: ignore[attr-defined]
        who = f"{escape(event.get('by') or '')} {event['at'][:16]}".strip() if event else ""
        day = answer.done_on.strftime("%m-%d") if answer is not None and answer.done_on else ""
        table.add_row(str(task["number"]), read, _box(task["yes"]), _box(task["no"]), now, day, who)
    return table


def paper_notes(review: object, folder: str) -> list[str]:
    """The findings still open and where the photo's straightened page and box crops are."""
    lines = [f"⚠ {f.message}" for f in review.record.findings]  # type: ignore[attr-defined]
    lines.append(f"原照片、校正后的整页（page-N.jpg）和每个勾选框的截图在：{folder}")
    return lines
