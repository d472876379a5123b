"""`fupin status`: who has reported, who is late and which task is open, per town or for the district."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated

import typer

from fupin_cli.cli.app import app, options
from fupin_cli.console import out
from fupin_cli.errors import FupinError
from fupin_cli.record import Return
from fupin_cli.render.jsonout import to_json
from fupin_cli.roster import Roster, Unit, load_roster, require_town
from fupin_cli.status import DistrictStatus, compute_status, district_status, town_units
from fupin_cli.templates import Template
from fupin_cli.workspace import Campaign, Workspace

AsOf = Annotated[str | None, typer.Option("--as-of", help="统计截至哪一天 (as-of)，如 2020-11-08；按该日 24 时计，默认今天。")]
TownOpt = Annotated[str | None, typer.Option("--town", help="只看此镇 (town)：镇名或编号。")]


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass
class Loaded:
    """Everything a status-like command reads from the workspace; `returns` is a one-pass stream."""

    workspace: Workspace
    roster: Roster
    templates: dict[str, Template]
    returns: Iterable[Return]
    as_of: dt.date
    town: Unit | None = None

    @property
    def campaign(self) -> Campaign:
        return self.workspace.campaign


def parse_as_of(text: str | None, campaign: Campaign) -> dt.date:
    """--as-of as a date (2020-11-08, 2020/11/8, 11月8日 …); today in the campaign's time zone when left out."""
    if text is None:
        return dt.datetime.now(campaign.tz).date()
    from fupin_cli.normalize import normalize_date

    day, _raw, ok = normalize_date(text, campaign.year)
    if not ok or day is None:
        raise FupinError(f"--as-of “{text}”不是日期；请写成 {campaign.year}-11-08 或 11月8日")
    return day


def load(ctx: typer.Context, as_of: str | None, town: str | None = None) -> Loaded:
    """Open the workspace and read roster and templates; stream the stored returns (of one town's units)."""
    from fupin_cli.store import iter_returns

    workspace = options(ctx).open()
    roster = load_roster(workspace.root)
    found = require_town(roster, town) if town is not None else None
    unit_ids = {u.unit_id for u in town_units(roster, found)} if found is not None else None
    return Loaded(workspace, roster, workspace.templates(), iter_returns(workspace.root, unit_ids),
                  parse_as_of(as_of, workspace.campaign), found)


def load_district(ctx: typer.Context, as_of: str | None, town: str | None) -> tuple[Loaded, DistrictStatus]:
    """The district's status as of the date, or just one town's when `town` is given."""
    data = load(ctx, as_of, town)
    towns = None if data.town is None else [data.town]
    return data, district_status(data.roster, data.templates, data.campaign, data.returns, data.as_of, towns)


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

    data = load(ctx, as_of, town)
    result = compute_status(data.roster, data.templates, data.campaign, data.returns, data.as_of,
                            None if data.town is None else data.town.unit_id)
    if fmt is Format.json:
        typer.echo(to_json(result.to_dict()))
    elif fmt is Format.csv:
        typer.echo(csvout.district_csv(result) if isinstance(result, DistrictStatus) else csvout.town_csv(result),
                   nl=False)
    else:
        out.print(district_table(result) if isinstance(result, DistrictStatus) else town_view(result))
