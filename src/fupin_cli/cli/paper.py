"""`fupin returns show` and `fupin returns confirm`: what a paper return's photo was read as, and a clerk's correction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from fupin_cli.cli.console import out
from fupin_cli.cli.ingest import returns_app
from fupin_cli.cli.root import options
from fupin_cli.render.paper import paper_notes, paper_table
from fupin_cli.store.confirm import confirm_answer, paper_review, parse_day, parse_done
from fupin_cli.store.paper_files import paper_folder


@returns_app.command("show")
def show_command(
    ctx: typer.Context,
    return_id: Annotated[str, typer.Argument(help="回执编号 (return_id)，或其前至少 6 位；见 fupin returns list。")],
) -> None:
    """查看纸质表回执 (returns show)：每项任务读作什么，“是”“否”两框各自的墨迹比例。"""
    workspace = options(ctx).open()
    review = paper_review(workspace.root, return_id)
    out.print(paper_table(review))
    for line in paper_notes(review, str(paper_folder(workspace.root, review.record.return_id))):
        out.print(escape(line), soft_wrap=True)


@returns_app.command("confirm")
def confirm_command(
    ctx: typer.Context,
    return_id: Annotated[str, typer.Argument(help="回执编号 (return_id)，或其前至少 6 位。")],
    task: Annotated[int, typer.Option("--task", help="任务序号，如 3。", min=1)],
    done: Annotated[str, typer.Option("--done", help="是否完成：是 或 否。")],
    date: Annotated[str | None, typer.Option("--date", help="完成时间，如 11-05。")] = None,
    by: Annotated[str, typer.Option("--by", help="确认人姓名，记入存档。")] = "",
) -> None:
    """确认纸质表的一项 (returns confirm)：记为存档中的一条确认事件，原记录不变；该项的“需人工确认”随之消除。"""
    workspace = options(ctx).open()
    campaign = workspace.campaign
    day = parse_day(date, campaign.year) if date else None
    review = confirm_answer(workspace.root, return_id, task, parse_done(done), day, by,
                            at=dt.datetime.now(campaign.tz))
    out.print(f"已记录：回执 {escape(review.record.return_id)} 第 {task} 项 = {'是' if parse_done(done) else '否'}"
              + (f"，完成时间 {day:%m-%d}" if day else "") + "。")
    out.print(paper_table(review))
