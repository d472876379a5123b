"""`fupin status`: who has reported, who is late and which task is open, per town or for the district."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.count.load import Loaded
from fupin_cli.count.load import load as load_workspace
from fupin_cli.count.load import load_district as load_district_status
from fupin_cli.count.status import DistrictStatus, compute_status
from fupin_cli.model.problems import message_for
from fupin_cli.render.jsonout import to_json

AsOf = Annotated[str | None, typer.Option("--as-of", help="统计截至哪一天 (as-of)，如 2020-11-08；按该日 24 时计，默认今天。")]
TownOpt = Annotated[str | None, typer.Option("--town", help="只看此镇 (town)：镇名或编号。")]


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def load(ctx: typer.Context, as_of: str | None, town: str | None = None, counts_only: bool = False) -> Loaded:
    """The workspace of the command line, loaded for a status-like command."""
    return load_workspace(options(ctx).open(), as_of, town, counts_only)


def load_district(ctx: typer.Context, as_of: str | None, town: str | None) -> tuple[Loaded, DistrictStatus]:
    """The district's (or one town's) status as of the date, for the workspace of the command line."""
    return load_district_status(options(ctx).open(), as_of, town)


@app.command("status")
def status_command(
    ctx: typer.Context,
    town: TownOpt = None,
    as_of: AsOf = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table、json 或 csv（UTF-8 带 BOM，Excel 可直接打开）。")] = Format.table,
) -> None:
    """报送情况 (status)：按时/逾期/未报/未到期、任务完成率和问题清单；不带 --town 时按镇汇总。"""
    from fupin_cli.render import csvout
    from fupin_cli.render.status import district_table, town_view

    # The district's table and CSV show counts and completion per town only: no problem is worked out for them.
    data = load(ctx, as_of, town, counts_only=town is None and fmt is not Format.json)
    result = compute_status(data.roster, data.templates, data.campaign, data.returns, data.as_of,
                            None if data.town is None else data.town.unit_id, refused=data.refused,
                            reviews=data.reviews, problems=not data.counts_only)
    if fmt is Format.json:
        if isinstance(result, DistrictStatus):  # per town: its last bundle and how many returns came through it
            from fupin_cli.store.relay_log import with_relays

            typer.echo(to_json(with_relays(result.to_dict(), data.workspace.root)))
        else:
            typer.echo(to_json(result.to_dict()))
    elif fmt is Format.csv:
        typer.echo(csvout.district_csv(result) if isinstance(result, DistrictStatus) else csvout.town_csv(result),
                   nl=False)
    elif isinstance(result, DistrictStatus):
        from fupin_cli.store.relay_log import relay_summary

        out.print(district_table(result, relay_summary(data.workspace.root)))
    else:
        out.print(town_view(result))
    damaged = data.damaged()  # a warning on stderr only: the counts stand and the exit code is unchanged
    if damaged:
        err.print(f"[yellow]⚠[/] {message_for('store-damaged', count=damaged)}", soft_wrap=True)
