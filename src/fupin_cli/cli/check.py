"""`fupin check`: violations for CI, linter style; exit 1 when any round is missing."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from fupin_cli.cli.console import err
from fupin_cli.cli.root import app
from fupin_cli.cli.status import AsOf, TownOpt, load_district
from fupin_cli.count.check import check_status
from fupin_cli.render.jsonout import to_json


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


@app.command("check")
def check_command(
    ctx: typer.Context,
    as_of: AsOf = None,
    town: TownOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="逾期、截止后仍未完成的任务和收取时的提示也算失败。")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：text、json 或 junit（CI 用 JUnit XML）。")] = Format.text,
) -> None:
    """检查 (check)：每条问题一行；有未报（--strict 时任何问题）退出码 1，否则 0。"""
    _data, district = load_district(ctx, as_of, town)
    report = check_status(district, strict=strict)
    if fmt is Format.json:
        typer.echo(to_json(report.to_dict()))
    elif fmt is Format.junit:
        from fupin_cli.render.junit import junit_xml

        typer.echo(junit_xml(report), nl=False)
    else:
        from fupin_cli.render.check import check_lines, check_summary

        lines = check_lines(report)
        if lines:  # one write: a prefecture's check prints tens of thousands of lines
            typer.echo("\n".join(lines))
        err.print(check_summary(report), markup=False)
    raise typer.Exit(report.exit_code)
