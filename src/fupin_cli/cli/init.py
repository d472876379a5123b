"""`fupin init`: create a workspace, empty or as the example district."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import out
from fupin_cli.cli.root import app
from fupin_cli.model.workspace import CONFIG_NAME
from fupin_cli.store.scaffold import DEFAULT_DISTRICT, init_workspace


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="要创建的工作区目录 (DIR)。", file_okay=False)] = Path("."),
    example: Annotated[bool, typer.Option("--example", help="写入示例区（花名册、示例回执），用于试用。")] = False,
    name: Annotated[str, typer.Option("--name", help="本次工作名称 (name)。")] = "脱贫攻坚“四合一”考核迎检工作",
    district: Annotated[str, typer.Option("--district", help="区名 (district)，每张表的标题都用它，如 云溪区。")] = DEFAULT_DISTRICT,
    year: Annotated[int, typer.Option("--year", help="年份 (year)。")] = 2020,
) -> None:
    """新建工作区 (init)：写入 fupin.yaml 和空花名册；--example 写入示例区。"""
    created = init_workspace(directory, example=example, name=name, district=district, year=year)
    out.print(f"已创建工作区：{escape(str(directory))}（{len(created)} 个文件）")
    for line in next_steps(directory, district, example):
        out.print(escape(line), soft_wrap=True)  # a command is never broken across lines


def _shell_word(text: str) -> str:
    """A path as typed in a terminal (quoted when it holds blanks), the same in cmd, PowerShell and bash."""
    return f'"{text}"' if any(c.isspace() for c in text) else text


def next_steps(directory: Path, district: str, example: bool) -> list[str]:
    """The lines after `fupin init`: cd into the workspace, the first command, and the district name to set."""
    cd = [f"  cd {_shell_word(str(directory))}"] if directory.resolve() != Path.cwd().resolve() else []
    if example:
        return ["试试：", *cd, "  fupin status --town 城关镇 --as-of 2020-11-10"]
    config = directory / CONFIG_NAME
    lines = ["下一步：", *cd, "  fupin roster import 镇.xlsx --role town",
             "  （再依次导入 village 村、aid_unit 帮扶单位、leader 处级领导、cadre 村干部、helper 帮扶责任人）"]
    if district.strip() in ("", DEFAULT_DISTRICT):
        lines.append(f"区名还是“{DEFAULT_DISTRICT}”：每张表和汇总表的标题都用它。请在 {config} 中把 "
                     f"“district: {DEFAULT_DISTRICT}”改成贵区的名称（如 district: 云溪区），再生成空白表。")
    else:
        lines.append(f"标题中的区名：{district.strip()}（在 {config} 的 district 中修改）")
    return lines
