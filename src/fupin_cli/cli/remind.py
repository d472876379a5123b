"""`fupin remind`: who to chase now, with phone numbers and a ready-to-send message."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from fupin_cli.cli.app import app
from fupin_cli.cli.console import out
from fupin_cli.cli.status import AsOf, TownOpt, load_district
from fupin_cli.count.reminders import HORIZON_DAYS, compute_reminders


class Format(str, Enum):
    table = "table"
    csv = "csv"


@app.command("remind")
def remind_command(
    ctx: typer.Context,
    town: TownOpt = None,
    as_of: AsOf = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table 或 csv（UTF-8 带 BOM，可导入群发短信工具）。")] = Format.table,
) -> None:
    """催报 (remind)：已逾期未报和 2 天内到期的，列出电话和催报短信。"""
    data, district = load_district(ctx, as_of, town)
    reminders = compute_reminders(district, data.campaign, HORIZON_DAYS)
    if fmt is Format.csv:
        from fupin_cli.render.csvout import reminders_csv

        typer.echo(reminders_csv(reminders), nl=False)
    else:
        from fupin_cli.render.remind import reminders_table

        out.print(reminders_table(reminders))
