"""`fupin remind`: who to chase now, with phone numbers and a ready-to-send message; or send it to group robots."""

from __future__ import annotations

import datetime as dt
import os
import time
from enum import Enum
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app
from fupin_cli.cli.status import AsOf, TownOpt, load_district
from fupin_cli.count.load import Loaded
from fupin_cli.count.reminders import HORIZON_DAYS, Reminder, compute_reminders, mark_reminded, office_name
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.problems import message_for
from fupin_cli.reach.sender import Attempt


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Group(str, Enum):
    town = "town"
    village = "village"


@app.command("remind")
def remind_command(
    ctx: typer.Context,
    town: TownOpt = None,
    as_of: AsOf = None,
    fmt: Annotated[Format, typer.Option(
        "--format", help="输出格式：table、csv（UTF-8 带 BOM，可导入群发短信工具）或 json。")] = Format.table,
    group: Annotated[Group | None, typer.Option(
        "--group", help="按群写消息 (group)：town 每镇一条、village 每村一条，可直接贴到工作群。")] = None,
    send: Annotated[bool, typer.Option("--send", help="发到 fupin.yaml 中配置的企业微信/钉钉群机器人 (send)。")] = False,
    channel: Annotated[str | None, typer.Option("--channel", help="只发到这个群 (channel)：fupin.yaml 中的群名。")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示将要发送的内容（地址中的密钥已隐去），不发送。")] = False,
    force: Annotated[bool, typer.Option("--force", help="今天已催报过的也再催一次。")] = False,
) -> None:
    """催报 (remind)：已逾期未报和 2 天内到期的，列出电话和催报短信；--group 按群写消息，--send 发到群机器人。"""
    from fupin_cli.store.remind_log import read_attempts, reminded_units

    data, district = load_district(ctx, as_of, town)
    attempts = read_attempts(data.workspace.root)
    reminders = mark_reminded(compute_reminders(district, data.campaign, HORIZON_DAYS), reminded_units(attempts))
    if send:
        raise typer.Exit(_send(data, reminders, attempts, group or Group.town, channel, dry_run, force))
    if group is not None:
        _print_groups(data, reminders, group, fmt)
    elif fmt is Format.csv:
        from fupin_cli.render.csvout import reminders_csv

        typer.echo(reminders_csv(reminders), nl=False)
    elif fmt is Format.json:
        from fupin_cli.render.jsonout import to_json

        typer.echo(to_json({"as_of": data.as_of.isoformat(), "reminders": [r.to_dict() for r in reminders]}))
    else:
        from fupin_cli.render.remind import reminders_table

        out.print(reminders_table(reminders))


def _as_of_text(day: dt.date) -> str:
    return month_day(day)


def _print_groups(data: Loaded, reminders: list[Reminder], group: Group, fmt: Format) -> None:
    from fupin_cli.count.groups import group_reminders

    messages = group_reminders(reminders, group.value, office_name(data.campaign), _as_of_text(data.as_of))
    if fmt is Format.json:
        from fupin_cli.render.jsonout import to_json

        typer.echo(to_json({"as_of": data.as_of.isoformat(), "group": group.value,
                            "messages": [m.to_dict() for m in messages]}))
        return
    from fupin_cli.render.remind import group_messages_text

    typer.echo(group_messages_text(messages), nl=False)


def _send(data: Loaded, reminders: list[Reminder], attempts: list[dict], group: Group, channel: str | None,
          dry_run: bool, force: bool) -> int:
    """Post the group messages; the exit code: 0 all sent, 1 any failed (FupinError, 2, before anything is sent)."""
    from fupin_cli.reach.plan import choose_channels, plan_sends, resolve_targets, sent_today
    from fupin_cli.reach.sender import RateLimit, httpx_post, send_all
    from fupin_cli.render.remind import attempt_line, dry_run_text
    from fupin_cli.store.remind_log import append_attempts

    campaign = data.campaign
    targets = resolve_targets(choose_channels(campaign.channels, channel), os.environ)
    today = dt.datetime.now(campaign.tz).date()
    plan = plan_sends(reminders, targets, group.value, office_name(campaign), _as_of_text(data.as_of),
                      sent_today(attempts, today, campaign.tz), force)
    if plan.held_back:
        err.print(f"今天已催报过的 {len(plan.held_back)} 项不再发送（要再发请加 --force）。")
    if dry_run:
        typer.echo(dry_run_text(plan), nl=False)
        return 0
    if not plan.outgoing:
        err.print("没有需要发送的催报。")
        return 0
    root = data.workspace.root

    def logged(attempt: Attempt) -> None:
        append_attempts(root, [attempt.log_entry()])
        err.print(attempt_line(attempt))

    done = send_all(list(plan.outgoing), httpx_post(), RateLimit(time.monotonic, time.sleep),
                    lambda: int(time.time() * 1000), lambda: dt.datetime.now(campaign.tz), logged)
    failed = [a for a in done if not a.ok]
    if failed:
        for a in failed:
            reason = f"{a.errcode} {a.errmsg}".strip()
            text = message_for("send-failed", channel=a.outgoing.target.channel.name, part=a.outgoing.part,
                               reason=reason)
            err.print(f"[bold red]失败：[/]{escape(text)}")
        return 1
    out.print(f"已发送 {len(done)} 条消息。")
    return 0
