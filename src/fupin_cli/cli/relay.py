"""`fupin relay kit | pack | ingest`: a town workspace made by the district, the town's bundle, its intake."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.render.jsonout import to_json

relay_app = typer.Typer(help="镇汇总上报 (relay)：区生成镇工作区，镇打包回执报区，区整包收取。", no_args_is_help=True)
app.add_typer(relay_app, name="relay")


class Format(str, Enum):
    table = "table"
    json = "json"


@relay_app.command("kit")
def kit_command(
    ctx: typer.Context,
    town: Annotated[str, typer.Option("--town", help="镇名或镇编号。")],
    out_dir: Annotated[Path, typer.Option("--out", help="写入镇工作区的目录（须不存在或为空）。")],
    forms: Annotated[bool, typer.Option("--forms", help="同时生成本镇各填报对象的空白表。")] = False,
) -> None:
    """生成镇工作区 (relay kit)：同一项工作、本镇的花名册（不含处级领导）、模板，可带空白表。"""
    from fupin_cli.relay.kit import make_kit

    kit = make_kit(options(ctx).open(), town, out_dir, with_forms=forms)
    out.print(escape(f"已为{kit.town.name}生成镇工作区 {kit.root}：花名册 {kit.units} 个单位，模板 {len(kit.templates)} 个"
                     + (f"，空白表 {len(kit.forms)} 份" if forms else "") + f"；campaign_id {kit.campaign_id}"),
              soft_wrap=True)
    out.print(escape(f"请把该文件夹交给{kit.town.name}：在其中运行 fupin ingest 收取回执，fupin relay pack 打包报区。"),
              soft_wrap=True)


@relay_app.command("pack")
def pack_command(
    ctx: typer.Context,
    out_file: Annotated[Path | None, typer.Option("--out", help="汇总包文件（.fupin.zip）；默认 <镇>-<年月日-时分>.fupin.zip。")] = None,
    at: Annotated[str | None, typer.Option("--at", help="打包时间，如 2020-11-12T17:00；默认现在（同一时间、同一存档得到相同的包）。")] = None,
) -> None:
    """打包报区 (relay pack)：本镇收到的回执原件、清单（校验和、收到时间）和本镇汇总；存档不变。"""
    from fupin_cli.intake.ingest import parse_received
    from fupin_cli.relay.pack import pack_town

    workspace = options(ctx).open()
    campaign = workspace.campaign
    packed_at = parse_received(at, campaign) if at else dt.datetime.now(campaign.tz).replace(microsecond=0)
    packed = pack_town(workspace, packed_at, out_file)
    out.print(escape(f"已打包 {packed.path}：回执 {len(packed.manifest.entries)} 份（原件 {packed.files} 个）；"
                     f"请把这个文件报送{campaign.district}扶贫办（fupin ingest 该文件）"), soft_wrap=True)


def take_bundles(root: Path, bundles: list[Path], context: object, dry_run: bool) -> list:
    """Ingest each bundle whole or refuse it whole (relay/bundle.py); the results in order."""
    from fupin_cli.relay.bundle import ingest_bundle

    return [ingest_bundle(root, path, context, dry_run) for path in bundles]  # type: ignore[arg-type]


def bundle_lines(results: list) -> list[str]:
    """One line per bundle taken or already taken, and ⚠ for each rollup mismatch (a refusal is a ✗ above)."""
    lines = []
    for result in results:
        if result.status == "refused":
            continue
        town = result.town.name if result.town else ""
        stored = sum(o.status == "accepted" for o in result.outcomes)
        word = "已收过，未重复存档" if result.status == "duplicate" else f"新存 {stored} 份"
        lines.append(escape(f"{result.path.name}：{town}汇总包，回执 {len(result.manifest.entries)} 份，{word}"))
        lines += [f"[yellow]⚠[/] {escape(p.where())}：{escape(p.message)}" for p in result.mismatches]
    return lines


@relay_app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    bundles: Annotated[list[Path], typer.Argument(help="镇汇总包（.fupin.zip）。", exists=True, dir_okay=False)],
    received: Annotated[str | None, typer.Option("--received", help="区收到汇总包的时间 (relayed_at)；默认现在。")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：table 或 json。")] = Format.table,
) -> None:
    """收取镇汇总包 (relay ingest)：整包核验后逐份收取，截止按镇收到的时间计；有拒收时退出码 1。"""
    from fupin_cli.intake.ingest import workspace_context
    from fupin_cli.relay.bundle import as_outcomes, bundle_json
    from fupin_cli.render.returns import finding_lines, ingest_table

    workspace = options(ctx).open()
    context = workspace_context(workspace, received)
    results = take_bundles(workspace.root, bundles, context, dry_run)
    outcomes = [o for r in results for o in as_outcomes(r)]
    if fmt is Format.json:
        typer.echo(to_json({"dry_run": dry_run, "bundles": [bundle_json(r) for r in results]}))
    else:
        out.print(ingest_table(outcomes))
        for line in finding_lines(outcomes) + bundle_lines(results):
            err.print(line, soft_wrap=True)
    if any(r.status == "refused" for r in results) or any(o.status == "rejected" for o in outcomes):
        raise typer.Exit(1)
