"""`fupin export`: the 汇总表 as an XLSX workbook a town can send upward."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import out
from fupin_cli.cli.root import app
from fupin_cli.cli.status import AsOf, TownOpt, load_district
from fupin_cli.model.problems import FupinError


@app.command("export")
def export_command(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="输出文件：FILE.xlsx（Excel 汇总表）或 FILE.html（手机上看的汇总页）。", dir_okay=False)],
    town: TownOpt = None,
    as_of: AsOf = None,
) -> None:
    """导出汇总表 (export)：报送情况、任务完成率、问题清单和图表；.xlsx 每镇一个工作表，.html 是手机上看的一页。"""
    suffix = out_file.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".html", ".htm"):
        raise FupinError("export-not-xlsx", value=out_file, stem=out_file.stem)
    data, district = load_district(ctx, as_of, town)
    if suffix in (".html", ".htm"):
        from fupin_cli.render.export_html import html_report
        from fupin_cli.store.atomic import write_bytes_atomic

        write_bytes_atomic(out_file, html_report(district, data.campaign, town).encode("utf-8"))
        out.print(f"已导出：{escape(str(out_file))}（手机上可直接打开，截至 {district.as_of.isoformat()}）")
        return
    from fupin_cli.render.export_xlsx import write_workbook

    write_workbook(district, data.campaign, out_file)
    sheets = len(district.towns) + (1 if town is None else 0)
    out.print(f"已导出：{escape(str(out_file))}（{sheets} 个工作表，截至 {district.as_of.isoformat()}）")
