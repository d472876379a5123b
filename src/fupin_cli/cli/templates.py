"""`fupin templates list | show | check`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.model.deadlines import month_day, rounds_for
from fupin_cli.model.monthday import BEFORE_ASSESSMENT, parse_month_day
from fupin_cli.model.problems import FupinError
from fupin_cli.model.templates import (
    Template,
    builtin_template_dir,
    load_template_file,
    load_templates,
    shown_name,
    template_files,
)
from fupin_cli.model.workspace import Campaign, Workspace, find_workspace
from fupin_cli.render.jsonout import to_json

templates_app = typer.Typer(help="工作任务清单模板 (templates)：查看与校验。", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


class ShowFormat(str, Enum):
    yaml = "yaml"
    json = "json"


def _available(ctx: typer.Context) -> tuple[dict[str, Template], Campaign | None]:
    """The templates in force, and the campaign whose deadlines apply (none outside a workspace)."""
    opts = options(ctx)
    try:
        workspace = opts.open()
    except FupinError as exc:
        if exc.code != "workspace-not-found":  # a workspace named or found, but broken: say so
            raise
        return load_templates(), None  # outside a workspace: the built-in templates
    return workspace.templates(), workspace.campaign


def _rounds(template: Template, campaign: Campaign | None) -> str:
    """The rounds' last days as people write them (11月6日、…)."""
    if campaign is not None:  # this workspace's dates, overrides and assessment start applied
        return "、".join(month_day(r.day) for r in rounds_for(template, campaign))
    return "、".join("核验前一天" if r.deadline == BEFORE_ASSESSMENT else month_day(parse_month_day(r.deadline))
                    for r in template.rounds)


@templates_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """列出模板 (list)：编号、附件、标题、任务数、报送批次（在工作区中按本工作区的截止日）。"""
    templates, campaign = _available(ctx)
    table = Table(title="工作任务清单模板", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    # Wrap, never crop: ids and attachment numbers keep their width, titles and rounds fold.
    table.add_column("编号 id", min_width=max((len(t) for t in templates), default=4))
    table.add_column("附件", min_width=5, overflow="fold")
    table.add_column("标题", min_width=max((cell_len(t.title) for t in templates.values()), default=4),
                     overflow="fold")
    for header in ("任务", "报送批次 (rounds)"):
        table.add_column(header, overflow="fold")
    for t in templates.values():
        # A table fupin designed: 非正式附件 here, its rows the village's helpers (templates show tells more).
        mark, rows = (t.mark, str(len(t.tasks))) if t.official else ("非正式附件", "按村")
        table.add_row(t.id, mark, t.title, rows, _rounds(t, campaign))
    out.print(table)


@templates_app.command("show")
def show_command(
    ctx: typer.Context,
    template_id: Annotated[str, typer.Argument(metavar="ID", help="模板编号，如 town、helper。")],
    fmt: Annotated[ShowFormat, typer.Option("--format", help="输出格式：yaml 或 json。")] = ShowFormat.yaml,
) -> None:
    """显示一个模板的全部内容 (show)：yaml 为模板文件原文（可复制到工作区 templates/ 修改），json 供脚本使用。"""
    templates, _campaign = _available(ctx)
    if template_id not in templates:
        raise FupinError("template-unknown-id", value=template_id, choices=", ".join(templates))
    data = templates[template_id].to_dict()
    if fmt is ShowFormat.json:
        typer.echo(to_json(data))
        return
    # The template file itself: saved into a workspace's templates/ it loads as it is, the way next
    # year's checklist starts.
    source = Path(templates[template_id].source) if templates[template_id].source else None
    if source is not None and source.is_file():
        typer.echo(source.read_text(encoding="utf-8").rstrip())
    else:
        typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).rstrip())


@templates_app.command("check")
def check_command(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="要校验的模板文件或目录；默认校验内置模板和工作区 templates/。")] = None,
) -> None:
    """校验模板文件 (check)：有误时指出文件、键和写错的值，退出码 1；在工作区中也校验 fupin.yaml 的日期。"""
    root, workspace, config_error = _workspace_to_check(ctx)
    if paths:
        files = [f for path in paths for f in (sorted(path.glob("*.yaml")) if path.is_dir() else [path])]
    else:
        files = template_files(root / "templates" if root is not None else None)
    if not files:
        raise FupinError("template-none-found")
    year = workspace.campaign.year if workspace is not None else None
    builtin_ids = {path.stem for path in template_files()}
    bad = 0
    for path in files:
        try:
            template = load_template_file(path, year, _shown(path, root))
        except FupinError as exc:
            bad += 1
            err.print(f"[red]✗[/] {escape(exc.message)}", soft_wrap=True)
            continue
        out.print(f"[green]✓[/] {escape(_described(path, template, root, builtin_ids))}", soft_wrap=True)
    if bad:
        err.print(f"{bad} 个模板有误")
    if config_error is None and workspace is not None and not paths and not bad:
        try:
            workspace.templates()  # across the files: each id under fupin.yaml's deadlines: is a template in force
        except FupinError as exc:
            config_error = exc
    if config_error is not None:
        err.print(f"[red]✗[/] {escape(config_error.message)}", soft_wrap=True)
    if bad or config_error is not None:
        raise typer.Exit(1)


def _workspace_to_check(ctx: typer.Context) -> tuple[Path | None, Workspace | None, FupinError | None]:
    """The workspace's folder, the workspace, and why its fupin.yaml does not load (outside one: all None)."""
    opts = options(ctx)
    try:
        workspace = opts.open()
    except FupinError as exc:
        if exc.code == "workspace-not-found":
            return None, None, None
        if exc.code == "config-missing":
            raise
        return (opts.workspace or find_workspace(Path.cwd())).resolve(), None, exc  # fupin.yaml is broken
    return workspace.root, workspace, None


def _shown(path: Path, root: Path | None) -> str:
    """How to name a file checked: from the workspace when it lies inside it, else as it was given."""
    return shown_name(path.resolve(), root) if root is not None and path.resolve().is_relative_to(root) else str(path)


def _described(path: Path, template: Template, root: Path | None, builtin_ids: set[str]) -> str:
    """One line of a good template: 内置 or its file, its id, 附件 and title, and whether it replaces a built-in."""
    rows = "本村帮扶责任人逐人一行" if template.from_roster else f"{len(template.tasks)} 项任务"
    what = f"{template.id}（{template.mark}《{template.title}》，{rows}，版本 {template.version}"
    if path.resolve().parent == builtin_template_dir().resolve():
        return f"内置：{what}）"
    in_workspace = root is not None and path.resolve().parent == root / "templates"
    replaces = f"；替换内置 {template.id}" if in_workspace and template.id in builtin_ids else ""
    return f"{_shown(path, root)}：{what}{replaces}）"
