"""`fupin ingest` and `fupin returns list`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.cli.usage import role_option
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError
from fupin_cli.model.roster import require_town
from fupin_cli.model.text import normalize_name
from fupin_cli.render.jsonout import to_json
from fupin_cli.render.returns import finding_lines, ingest_summary, ingest_table, outcomes_json, returns_table
from fupin_cli.store.roster_file import load_roster


class Format(str, Enum):
    table = "table"
    json = "json"


@app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="回执文件或文件夹（递归）：.xlsx .xlsm .xls .et .ods .csv .txt。", exists=True)],
    received: Annotated[str | None, typer.Option("--received", help="收到时间 (received)，如 2020-11-06T18:30；默认现在。")] = None,
    round_: Annotated[int | None, typer.Option("--round", min=1, help="报送批次 (round)；默认按表单或收到时间推断。")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="填报对象编号 (unit_id)：认不出或有同名时指定。")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table 或 json。")] = Format.table,
) -> None:
    """收取回执 (ingest)：识别表单与填报对象、检查内容、原样存档；有拒收时退出码 1。"""
    from fupin_cli.intake.ingest import collect_files, ingest_files, workspace_context

    workspace = options(ctx).open()
    context = workspace_context(workspace, received, round_, unit)
    if unit and unit not in context.roster.by_id():
        raise FupinError("unit-not-in-roster", value=unit)
    from fupin_cli.cli.relay import bundle_lines, take_bundles
    from fupin_cli.relay.bundle import as_outcomes, bundle_json, is_bundle

    bundles = [p for p in paths if not p.is_dir() and is_bundle(p)]  # a town's bundle: taken whole or refused
    files, skipped = collect_files([p for p in paths if p not in bundles], workspace.root)
    found = [s for s in skipped if is_bundle(s.path)]  # a bundle in a folder (an archive to any other reader)
    bundles += [s.path for s in found]
    skipped = [s for s in skipped if s not in found]
    relayed = take_bundles(workspace.root, bundles, context, dry_run)
    named = [s.outcome() for s in skipped if s.problem is not None]  # a photo, an archive … named, not counted
    named += [o for r in relayed for o in as_outcomes(r)]
    if not files and not named:
        raise FupinError("no-files-to-ingest")
    with Progress(TextColumn("收取回执"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=len(files) < 20 or not err.is_terminal) as bar:
        task = bar.add_task("ingest", total=len(files))
        outcomes = ingest_files(workspace.root, files, context, dry_run=dry_run,
                                progress=lambda: bar.advance(task), keep_answers=False) + named
    if fmt is Format.json:
        typer.echo(to_json({**outcomes_json(outcomes, skipped, dry_run), "bundles": [bundle_json(r) for r in relayed]}))
    else:
        out.print(ingest_table(outcomes))
        # ✗ what refused a file; ⚠ each warning, of a file taken or already there (a --received that differs)
        for line in finding_lines(outcomes) + bundle_lines(relayed):
            err.print(line, soft_wrap=True)
        err.print(ingest_summary(outcomes, skipped, dry_run))
    if any(o.status in ("rejected", "skipped") for o in outcomes):
        raise typer.Exit(1)


returns_app = typer.Typer(help="已收回执 (returns)：查看存档。", no_args_is_help=True)
app.add_typer(returns_app, name="returns")


@returns_app.command("list")
def list_command(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="只看此填报对象编号。")] = None,
    role: Annotated[Role | None, role_option("只看此角色")] = None,
    town: Annotated[str | None, typer.Option("--town", help="只看此镇。")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table 或 json。")] = Format.table,
) -> None:
    """列出已收回执 (returns list)，含被新回执替代的旧回执。"""
    from fupin_cli.store.archive import load_returns

    workspace = options(ctx).open()
    records = load_returns(workspace.root)
    if town is not None:
        found = require_town(load_roster(workspace.root), town)
        records = [r for r in records if normalize_name(r.town) == normalize_name(found.name)]
    records = [r for r in records if (unit is None or r.unit_id == unit) and (role is None or r.role == role.value)]
    if fmt is Format.json:
        typer.echo(to_json([r.to_listing() for r in records]))
    else:
        out.print(returns_table(records, workspace.campaign.tz))
