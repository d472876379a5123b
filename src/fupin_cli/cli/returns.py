"""`fupin returns retime|reject|accept|history`: corrections and reviews, kept as events; the records untouched."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import out
from fupin_cli.cli.ingest import returns_app
from fupin_cli.cli.root import options
from fupin_cli.model.roster import find_unit
from fupin_cli.render.returns import retime_line
from fupin_cli.store.retime import retime_return


@returns_app.command("retime")
def retime_command(
    ctx: typer.Context,
    return_id: Annotated[str, typer.Argument(help="回执编号 (return_id)，或其前至少 6 位；见 fupin returns list。")],
    received: Annotated[str, typer.Option("--received", help="正确的收到时间，如 2020-11-06T18:30。")],
    reason: Annotated[str, typer.Option("--reason", help="更正的原因（必填），记入存档。")],
) -> None:
    """更正收到时间 (returns retime)：记为存档中的一条更正事件，原记录不变；报送情况按新时间计算。"""
    from fupin_cli.intake.ingest import parse_received

    workspace = options(ctx).open()
    campaign = workspace.campaign
    moment = parse_received(received, campaign)
    result = retime_return(workspace.root, return_id, moment, reason, at=dt.datetime.now(campaign.tz))
    out.print(escape(retime_line(result, campaign.tz)), soft_wrap=True)


By = Annotated[str, typer.Option("--by", help="审核人姓名 (by)，记入存档。")]


@returns_app.command("reject")
def reject_command(
    ctx: typer.Context,
    return_id: Annotated[str, typer.Argument(help="回执编号 (return_id)，或其前至少 6 位；见 fupin returns list。")],
    reason: Annotated[str, typer.Option("--reason", help="退回原因（必填），催报时发给填报人。")] = "",
    by: By = "",
) -> None:
    """退回 (returns reject)：该批次按“已退回”计（不算已报），催报时附上原因，直到收到新的回执。"""
    from fupin_cli.store.review import reject_return

    workspace = options(ctx).open()
    record, review = reject_return(workspace.root, return_id, reason, by, dt.datetime.now(workspace.campaign.tz))
    out.print(escape(f"已退回回执 {record.return_id}（{record.name}第 {record.round} 次）：{review.reason}"),
              soft_wrap=True)


@returns_app.command("accept")
def accept_command(
    ctx: typer.Context,
    return_id: Annotated[str, typer.Argument(help="回执编号 (return_id)，或其前至少 6 位；见 fupin returns list。")],
    by: By = "",
    note: Annotated[str, typer.Option("--note", help="审核意见（可选）。")] = "",
) -> None:
    """审核通过 (returns accept)：标为“已审核”。"""
    from fupin_cli.store.review import accept_return

    workspace = options(ctx).open()
    record, _review = accept_return(workspace.root, return_id, by, note, dt.datetime.now(workspace.campaign.tz))
    out.print(escape(f"已审核回执 {record.return_id}（{record.name}第 {record.round} 次）"), soft_wrap=True)


class HistoryFormat(str, Enum):
    table = "table"
    json = "json"


@returns_app.command("history")
def history_command(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="填报对象的编号或名称（名称须唯一）。")],
    fmt: Annotated[HistoryFormat, typer.Option("--format", help="输出格式：table 或 json。")] = HistoryFormat.table,
) -> None:
    """一个填报对象的全部回执和审核记录 (returns history)，按时间先后。"""
    from fupin_cli.render.jsonout import to_json
    from fupin_cli.render.returns import history_table
    from fupin_cli.store.review import unit_history
    from fupin_cli.store.roster_file import load_roster

    workspace = options(ctx).open()
    found = find_unit(load_roster(workspace.root), unit)
    events = unit_history(workspace.root, found.unit_id)
    if fmt is HistoryFormat.json:
        typer.echo(to_json({"unit_id": found.unit_id, "name": found.name, "role": found.role.value,
                            "events": events}))
    else:
        out.print(history_table(found, events, workspace.campaign.tz))
