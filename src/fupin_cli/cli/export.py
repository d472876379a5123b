"""`fupin export`: the 汇总表 as an XLSX workbook a town can send upward."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.app import app
from fupin_cli.cli.console import out
from fupin_cli.cli.status import AsOf, TownOpt, load_district
from fupin_cli.model.problems import FupinError


@app.command("export")
def export_command(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="输出的 XLSX 文件 (FILE.xlsx)。", dir_okay=False)],
    town: TownOpt = None,
    as_of: AsOf = None,
) -> None:
    """导出汇总表 (export)：报送情况、任务完成率、问题清单和柱状图；不带 --town 时每镇一个工作表。"""
    from fupin_cli.render.export_xlsx import write_workbook

    if out_file.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FupinError("export-not-xlsx", value=out_file, stem=out_file.stem)
    data, district = load_district(ctx, as_of, town)
    write_workbook(district, data.campaign, out_file)
    sheets = len(district.towns) + (1 if town is None else 0)
    out.print(f"已导出：{escape(str(out_file))}（{sheets} 个工作表，截至 {district.as_of.isoformat()}）")
