"""`fupin init`: create a workspace, empty or as the example district."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.app import app
from fupin_cli.cli.console import out
from fupin_cli.store.scaffold import init_workspace


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="要创建的工作区目录 (DIR)。", file_okay=False)] = Path("."),
    example: Annotated[bool, typer.Option("--example", help="写入示例区（花名册、示例回执），用于试用。")] = False,
    name: Annotated[str, typer.Option("--name", help="本次工作名称 (name)。")] = "脱贫攻坚“四合一”考核迎检工作",
    district: Annotated[str, typer.Option("--district", help="区名 (district)。")] = "本区",
    year: Annotated[int, typer.Option("--year", help="年份 (year)。")] = 2020,
) -> None:
    """新建工作区 (init)：写入 fupin.yaml 和空花名册；--example 写入示例区。"""
    created = init_workspace(directory, example=example, name=name, district=district, year=year)
    out.print(f"已创建工作区：{escape(str(directory))}（{len(created)} 个文件）")
    if example:
        out.print(f"试试：fupin -w {escape(str(directory))} status --town 城关镇 --as-of 2020-11-10")
    else:
        out.print("下一步：fupin roster import 花名册.xlsx --role town（依次导入镇、村、帮扶单位、领导、村干部、帮扶责任人）")
