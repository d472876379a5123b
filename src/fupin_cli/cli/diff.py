"""`fupin diff`: what changed between two dates (newly reported units, tasks moved 否→是 and 是→否)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from fupin_cli.cli.console import out
from fupin_cli.cli.root import app, options
from fupin_cli.cli.status import TownOpt


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    date_from: Annotated[str, typer.Option("--from", help="较早的日期，如 2020-11-06（按该日 24 时计）。")],
    date_to: Annotated[str, typer.Option("--to", help="较晚的日期，如 2020-11-10。")],
    town: TownOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table、json 或 csv。")] = Format.table,
) -> None:
    """前后对比 (diff)：两个日期之间新报送的单位、“否→是”的进步和“是→否”的退步，及各镇报送率、完成率的变化。"""
    from fupin_cli.count.diff import compare
    from fupin_cli.count.load import load_district

    workspace = options(ctx).open()
    _data, start = load_district(workspace, date_from, town)
    _data, end = load_district(workspace, date_to, town)
    diff = compare(start, end, town)
    if fmt is Format.json:
        from fupin_cli.render.jsonout import to_json

        typer.echo(to_json(diff.to_dict()))
    elif fmt is Format.csv:
        from fupin_cli.render.diff import diff_csv

        typer.echo(diff_csv(diff), nl=False)
    else:
        from fupin_cli.render.diff import diff_view

        out.print(diff_view(diff))
