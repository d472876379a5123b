"""`fupin doctor`: check the returns store."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import err, out
from fupin_cli.cli.root import app, options
from fupin_cli.render.jsonout import to_json
from fupin_cli.store.roster_file import load_roster


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command("doctor")
def doctor_command(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式：text 或 json。")] = Format.text,
) -> None:
    """检查存档 (doctor)：原始文件在、校验和对、记录可读、填报对象仍在花名册、索引一致（不一致时重建）；有问题时退出码 1。"""
    from fupin_cli.store.doctor import check_store

    workspace = options(ctx).open()
    report = check_store(workspace.root, load_roster(workspace.root))
    if fmt is Format.json:
        typer.echo(to_json({"ok": report.ok, "checked": report.checked,
                            "findings": [f.to_dict() for f in report.findings]}))
    else:
        for finding in report.findings:
            mark = "[red]✗[/]" if finding.severity == "error" else "[yellow]↻[/]"
            out.print(f"{mark} {escape(finding.where())}：{escape(finding.message)}", soft_wrap=True)
        problems = sum(f.severity == "error" for f in report.findings)
        if problems:
            err.print(f"检查了 {report.checked} 份回执：{problems} 个问题需要处理")
        else:
            err.print(f"检查了 {report.checked} 份回执：存档完好")
    if not report.ok:
        raise typer.Exit(1)
