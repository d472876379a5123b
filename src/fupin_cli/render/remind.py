"""`fupin remind` as a Rich table: who to chase, their phone and the message to send."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from fupin_cli.count.reminders import Reminder
from fupin_cli.model.deadlines import month_day
from fupin_cli.render.status import SYMBOLS


def reminders_table(reminders: list[Reminder]) -> Table:
    """One row per round to chase: overdue first, then due soon."""
    table = Table(title=f"催报名单（{len(reminders)}）", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("状态", no_wrap=True)
    table.add_column("截止", no_wrap=True)
    table.add_column("镇/村", no_wrap=True, max_width=12, overflow="ellipsis")
    table.add_column("名称", no_wrap=True, max_width=14, overflow="ellipsis")
    table.add_column("电话", no_wrap=True)
    table.add_column("短信内容", overflow="fold", min_width=24)
    for r in reminders:
        symbol, style = SYMBOLS[r.status]
        label = "已逾期" if r.status.value == "missing" else "即将到期"
        place = r.unit.town + (f"/{r.unit.village}" if r.unit.village else "")
        table.add_row(Text(f"{symbol} {label}", style=style), month_day(r.round.day), place,
                      f"{r.unit.name}", r.unit.phone or "—", r.message)
    return table
