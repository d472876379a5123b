"""`fupin roster import | list`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.cli.usage import role_option
from fupin_cli.intake.roster_import import import_roster
from fupin_cli.model.glossary import Role
from fupin_cli.model.roster import require_town
from fupin_cli.model.text import normalize_name
from fupin_cli.render.jsonout import to_json
from fupin_cli.render.roster import import_lines, roster_table, warning_lines
from fupin_cli.store.roster_file import load_roster

roster_app = typer.Typer(help="花名册 (roster)：导入与查看应报送的单位和人员。", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


class ListFormat(str, Enum):
    table = "table"
    json = "json"


@roster_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="花名册文件：CSV（UTF-8 / GB18030）或 XLSX。", exists=True, dir_okay=False)],
    role: Annotated[Role, role_option("导入的角色：town 镇、village 村、aid_unit 帮扶单位、leader 处级领导、cadre 村干部、helper 帮扶责任人")],
    replace: Annotated[bool, typer.Option("--replace", help="用此文件替换该角色的全部名单（默认只增改，不删除）。")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="工作簿中要导入的工作表名称；默认选名称或表头与角色相符的一张。")] = None,
) -> None:
    """导入花名册 (import)：按表头名称匹配列；有任何问题则整份拒收、花名册不变，退出码 1。"""
    workspace = options(ctx).open()
    result = import_roster(workspace.root, file, role, replace_all=replace, dry_run=dry_run, sheet_name=sheet)
    if not result.ok:
        for finding in result.findings:
            err.print(f"[red]✗[/] {escape(finding.where())}：{escape(finding.message)}")
        err.print(f"{escape(str(file))} 未导入（{len(result.findings)} 个问题）；花名册没有改动。")
        raise typer.Exit(1)
    for line in warning_lines(result.warnings):
        err.print(escape(line), style="yellow", soft_wrap=True)
    for line in import_lines(result, dry_run):
        out.print(escape(line), soft_wrap=True)


@roster_app.command("list")
def list_command(
    ctx: typer.Context,
    role: Annotated[Role | None, role_option("只列出此角色")] = None,
    town: Annotated[str | None, typer.Option("--town", help="只列出此镇。")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", help="输出格式：table 或 json。")] = ListFormat.table,
) -> None:
    """列出花名册 (list)。"""
    workspace = options(ctx).open()
    roster = load_roster(workspace.root)
    units = [u for u in roster.all_units() if role is None or u.role is role]
    if town is not None:
        found = require_town(roster, town)
        units = [u for u in units if normalize_name(u.town) == normalize_name(found.name)]
    if fmt is ListFormat.json:
        typer.echo(to_json([u.to_dict() for u in units]))
    else:
        out.print(roster_table(units))
