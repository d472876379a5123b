"""`fupin forms generate`: blank forms for every reporting unit."""

from __future__ import annotations

from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.cli.usage import role_option
from fupin_cli.forms.generate import FormResult, parse_formats, pdf_skipped, plan_forms, write_forms
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError
from fupin_cli.model.roles import REPORTING_ROLES
from fupin_cli.store.roster_file import load_roster

forms_app = typer.Typer(help="空白表 (forms)：为每个填报对象生成可打印、可填写的工作任务清单。", no_args_is_help=True)
app.add_typer(forms_app, name="forms")


class FormFormat(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    both = "both"


def _formats_option(value: str) -> str:
    """--format checked while the options are parsed, so a wrong one is a usage error (exit 2)."""
    try:
        parse_formats(value)
    except FupinError as exc:
        raise typer.BadParameter(exc.message) from None
    return value


@forms_app.command("generate")
def generate_command(
    ctx: typer.Context,
    role: Annotated[Role | None, role_option("只生成此角色的表：town 镇、leader 处级领导、aid_unit 帮扶单位、cadre 村干部、helper 帮扶责任人、village 村（帮扶责任人到位情况统计表）")] = None,
    town: Annotated[str | None, typer.Option("--town", help="只生成此镇（及挂点此镇的处级领导）的表。")] = None,
    fmt: Annotated[str, typer.Option("--format", callback=_formats_option, help="文件格式：xlsx、csv、pdf（打印用，可拍照回收；需 fupin[paper]），可用逗号组合如 xlsx,pdf；both（默认）即 xlsx,csv。")] = "both",
    out_dir: Annotated[Path | None, typer.Option("--out", help="输出目录；默认为工作区的 forms/。", file_okay=False)] = None,
    round_number: Annotated[int | None, typer.Option("--round", help="在表单身份中记下报送批次 (round)，如 2。", min=1)] = None,
) -> None:
    """生成空白表 (generate)：按 输出目录/镇/角色/名称.xlsx|.csv 存放；重复运行得到完全相同的文件。"""
    workspace = options(ctx).open()
    roster = load_roster(workspace.root)
    formats = parse_formats(fmt.value if isinstance(fmt, FormFormat) else fmt)
    target = out_dir if out_dir is not None else workspace.forms_dir
    jobs = plan_forms(workspace, roster, workspace.templates(), out=target, role=role, town=town,
                      formats=formats, round_number=round_number)
    for template in pdf_skipped(workspace.templates(), role, formats):
        err.print(f"《{escape(template.title)}》（{escape(template.mark)}）的行是各村的帮扶责任人，暂无 PDF 纸质表，"
                  "未生成 PDF；请用 --format xlsx 或 csv 生成。", soft_wrap=True)
    results: list[FormResult] = []
    progress = Progress(
        TextColumn("生成空白表"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("forms", total=len(jobs))
        for result in write_forms(jobs):
            results.append(result)
            progress.advance(task)
    if not results:
        out.print("没有需要生成的表（花名册中没有符合条件的填报对象）。")
        return
    out.print(summary_table(results))
    written = sum(r.written for r in results)
    out.print(f"共 {len(results)} 个文件：新写入或更新 {written} 个，内容未变 {len(results) - written} 个。")
    out.print(f"目录：{escape(str(target))}", soft_wrap=True)


def summary_table(results: list[FormResult]) -> Table:
    """Files per town (rows) and role (columns), with totals."""
    counts = Counter((r.job.town, r.job.unit.role) for r in results)
    towns = list(dict.fromkeys(r.job.town for r in results))
    roles = [role for role in REPORTING_ROLES if any(r.job.unit.role is role for r in results)]
    table = Table(title="空白表生成情况（文件数）")
    table.add_column("所在镇")
    for role in roles:
        table.add_column(role.label, justify="right")
    table.add_column("合计", justify="right")
    for town in towns:
        row = [counts[(town, role)] for role in roles]
        table.add_row(escape(town), *map(str, row), str(sum(row)))
    totals = [sum(counts[(town, role)] for town in towns) for role in roles]
    table.add_row("合计", *map(str, totals), str(sum(totals)), style="bold")
    return table
