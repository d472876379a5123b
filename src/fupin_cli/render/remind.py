"""`fupin remind` as a Rich table: who to chase, their phone and the message to send."""

from __future__ import annotations

import datetime as dt

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from fupin_cli.count.reminders import Reminder
from fupin_cli.model.deadlines import month_day
from fupin_cli.render.status import SYMBOLS


def reminders_table(reminders: list[Reminder]) -> Group:
    """One row per round to chase (overdue first, then due soon), the messages in full in a numbered block below.

    The table wraps and never crops: every name, phone and status word shows whole at any width, and each
    message stays one unbroken paragraph so it can be copied from the screen as it is.
    """
    table = Table(title=f"催报名单（{len(reminders)}）", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("序号", justify="right", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    table.add_column("截止", no_wrap=True)
    table.add_column("镇/村", overflow="fold")
    table.add_column("名称", overflow="fold")
    table.add_column("电话", no_wrap=True)
    table.add_column("已催报", overflow="fold")
    for n, r in enumerate(reminders, 1):
        symbol, style = SYMBOLS[r.status]
        label = {"missing": "已逾期", "returned": "已退回"}.get(r.status.value, "即将到期") + (
            "·已拒收" if r.round.refused else "")
        place = r.unit.town + (f"/{r.unit.village}" if r.unit.village else "")
        chased = "—" if not r.reminded else f"{r.reminded} 次（{_when(r.last_reminded_at)}）"
        table.add_row(str(n), Text(f"{symbol} {label}", style=style), month_day(r.round.day), place,
                      r.unit.name, r.unit.phone or "—", chased)
    if not reminders:
        return Group(table)
    messages = Text("短信内容：\n", style="bold")
    for n, r in enumerate(reminders, 1):
        # no blank after the number: a message has no spaces, so the line folds instead of jumping down
        messages.append(f"{n}．", style="bold")
        messages.append(r.message + "\n")
    return Group(table, Text(""), messages)


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{month_day(moment.date())} {moment:%H:%M}"

def group_messages_text(messages: list) -> str:
    """The group messages as plain text to copy: each part whole, separated by a blank line and a rule."""
    blocks = []
    for m in messages:
        for part in m.parts:
            blocks.append(part)
    return ("\n\n" + "-" * 20 + "\n\n").join(blocks) + ("\n" if blocks else "（没有需要催报的）\n")


def dry_run_text(plan) -> str:
    """What `remind --send --dry-run` shows: for every part, the channel, the URL with its key hidden and the body."""
    import json

    from fupin_cli.reach.robots import masked, signed_url

    lines = []
    for item in plan.outgoing:
        target = item.target
        url = masked(signed_url(target.url, target.secret, 0) if target.secret else target.url)
        lines.append(f"# {target.channel.name}（{target.channel.kind}，{target.channel.webhook_env}） "
                     f"第 {item.part}/{len(item.message.parts)} 条 → POST {url}")
        lines.append(json.dumps(item.body(), ensure_ascii=False, indent=2))
    if not lines:
        lines.append("# 没有需要发送的催报")
    return "\n".join(lines) + "\n"


def attempt_line(attempt) -> str:
    """One line per part sent: channel, town, part and the outcome."""
    o = attempt.outgoing
    where = o.message.town + (f"/{o.message.village}" if o.message.village else "")
    state = "✓ 已发送" if attempt.ok else f"✗ 失败（{attempt.errcode} {attempt.errmsg}）"
    retry = f"，重试 {attempt.tries - 1} 次" if attempt.tries > 1 else ""
    return f"{o.target.channel.name} · {where} · 第 {o.part}/{len(o.message.parts)} 条：{state}{retry}"
