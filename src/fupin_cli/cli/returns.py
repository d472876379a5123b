"""`fupin returns retime`: correct a stored return's received time (kept as an event, the record untouched)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.app import options
from fupin_cli.cli.console import out
from fupin_cli.cli.ingest import returns_app
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
