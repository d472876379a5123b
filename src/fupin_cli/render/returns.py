"""Ingest outcomes and stored returns as Rich tables and JSON."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from fupin_cli.intake.ingest import IngestOutcome, Skipped
from fupin_cli.model.record import Return
from fupin_cli.render.status import widest
from fupin_cli.store.retime import Retimed

STATUS_TEXT = {"accepted": "[green]已收[/]", "duplicate": "[dim]已收过[/]", "rejected": "[red]拒收[/]",
               "skipped": "[red]未收取[/]"}


ROW_LIMIT = 200


def ingest_table(outcomes: list[IngestOutcome], limit: int = ROW_LIMIT) -> Table | Text:
    """One row per file: file, unit, template, round, result, warnings.

    A batch of more than `limit` files lists only those needing attention (refused first, then those with
    warnings), so the refusals are not lost among thousands of accepted files.
    """
    shown = outcomes
    if len(outcomes) > limit:
        attention = [o for o in outcomes if o.status in ("rejected", "skipped")] + [
            o for o in outcomes if o.status == "accepted" and o.warnings]
        shown = attention[:limit]
    table = Table(title="收取结果")
    if len(shown) < len(outcomes):
        if not shown:  # nothing to list: the sentence alone, not squeezed to the width of an empty table
            return Text(f"收取结果：共 {len(outcomes)} 个文件，均已收下或已收过，没有需要处理的。\n"
                        "完整清单：--format json")
        table.caption = (f"共 {len(outcomes)} 个文件，只列出需要处理的 {len(shown)} 个；"
                         "其余均已收下或已收过、没有提醒。完整清单：--format json")
    table.add_column("文件", overflow="fold", max_width=40)
    for header in ("填报对象", "模板", "批次", "结果", "提醒"):
        table.add_column(header, overflow="fold")
    per_file = Counter(o.path for o in outcomes)
    for o in shown:
        r = o.record
        table.add_row(
            f"{o.path.name}（{o.sheet}）" if per_file[o.path] > 1 and o.sheet else o.path.name,
            f"{r.name}（{r.unit_id}）" if r else "",
            r.template_id if r else "",
            f"第{r.round}次" if r else "",
            STATUS_TEXT[o.status],
            str(len(o.warnings)) if o.warnings else "",
        )
    return table


def finding_lines(outcomes: list[IngestOutcome], limit: int = ROW_LIMIT) -> list[str]:
    """One line (Rich markup) per problem: ✗ for what refused a file, ⚠ for each warning of a file taken.

    Each line says where (file, sheet, row, column) and what; past `limit` warnings the rest are counted.
    """
    lines: list[str] = []
    warned = 0
    for o in outcomes:
        for f in o.errors:
            lines.append(f"[red]✗[/] {escape(f.where())}：{escape(f.message)}")
        if o.status == "rejected":
            continue
        for f in o.warnings:
            warned += 1
            if warned <= limit:
                lines.append(f"[yellow]⚠[/] {escape(f.where())}：{escape(f.message)}")
    if warned > limit:
        lines.append(f"[yellow]⚠[/] 另有 {warned - limit} 条提醒未列出；完整清单：--format json")
    return lines


def ingest_summary(outcomes: list[IngestOutcome], skipped: list[Skipped], dry_run: bool) -> str:
    """The closing line: how many accepted, already there, refused, not read (named above), and noise skipped."""
    counts = Counter(o.status for o in outcomes)
    warnings = sum(len(o.warnings) for o in outcomes if o.status == "accepted")
    text = (f"共 {len(outcomes)} 个文件：收下 {counts['accepted']}，已收过 {counts['duplicate']}，"
            f"拒收 {counts['rejected']}")
    if counts["skipped"]:
        text += f"，未收取 {counts['skipped']}（不是电子表格，见上）"
    text += f"；提醒 {warnings} 条"
    noise = sum(s.problem is None for s in skipped)
    if noise:
        text += f"；另有 {noise} 个锁文件或系统文件（如 ~$ 开头的、Thumbs.db）不是回执，已忽略"
    if dry_run:
        text += "（--dry-run：未写入）"
    return text


def outcomes_json(outcomes: list[IngestOutcome], skipped: list[Skipped], dry_run: bool) -> dict:
    """The batch as JSON: one entry per file with its status, record id and findings."""
    return {
        "dry_run": dry_run,
        "files": [
            {
                "file": str(o.path),
                "sheet": o.sheet or None,
                "status": o.status,
                "sha256": o.sha256,
                "return_id": o.record.return_id if o.record else None,
                "unit_id": o.record.unit_id if o.record else None,
                "template_id": o.record.template_id if o.record else None,
                "round": o.record.round if o.record else None,
                "findings": [f.to_dict() for f in o.findings],
            }
            for o in outcomes
        ],
        "skipped": [str(s.path) for s in skipped],  # noise too; the others are also in "files", status skipped
        "summary": dict(Counter(o.status for o in outcomes)),
    }


def short_ids(ids: list[str], least: int = 8) -> list[str]:
    """Each id by its shortest prefix of at least `least` characters that no other id here shares."""
    ordered = sorted(set(ids))
    need: dict[str, int] = {}
    for i, rid in enumerate(ordered):
        shared = 0
        for other in (ordered[i - 1] if i else "", ordered[i + 1] if i + 1 < len(ordered) else ""):
            shared = max(shared, len(os.path.commonprefix([rid, other])))
        need[rid] = min(len(rid), max(least, shared + 1))
    return [rid[:need[rid]] for rid in ids]


def returns_table(records: list[Return], tz: dt.tzinfo) -> Table:
    """One row per stored return, superseded ones dimmed."""
    table = Table(title=f"已收回执（{len(records)}；⚠n 为提醒条数）", box=box.SIMPLE_HEAD, title_justify="left",
                  pad_edge=False)
    # Wrap, never crop; names, towns and times keep their width. Ids are shown by a prefix that
    # is unique here (any unique prefix of 6 or more characters is accepted by the returns commands).
    shown = short_ids([r.return_id for r in records])
    table.add_column("编号", min_width=max((len(i) for i in shown), default=6))
    table.add_column("填报对象", min_width=widest([r.name for r in records]), overflow="fold")
    table.add_column("镇", min_width=widest([r.town for r in records]), overflow="fold")
    table.add_column("模板·批次", min_width=8, overflow="fold")
    table.add_column("收到时间", min_width=5, overflow="fold")
    table.add_column("原文件名", overflow="fold")
    table.add_column("状态", min_width=8, overflow="fold")
    for r, rid in zip(records, shown, strict=True):
        state = "[dim]已被替代[/]" if r.superseded else "有效"
        if r.findings:
            state += f" ⚠{len(r.findings)}"
        table.add_row(
            rid, r.name, r.town, f"{r.template_id} 第{r.round}次",
            r.received_at.astimezone(tz).strftime("%m-%d %H:%M"), r.source_name, state,
            style="dim" if r.superseded else None,
        )
    return table


def retime_line(result: Retimed, tz: dt.tzinfo) -> str:
    """What `returns retime` did: the return, its old and new received time, and the reason kept."""
    r = result.record
    new = r.received_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if not result.changed:
        return f"回执 {r.return_id}（{r.name}第 {r.round} 次）的收到时间已是 {new}，未作改动"
    old = result.previous.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return (f"已更正回执 {r.return_id}（{r.name}第 {r.round} 次）的收到时间：{old} → {new}；"
            f"原因“{result.reason}”已记入 returns/events.jsonl，原记录不变")


_EVENT_WORDS = {"received": "收到", "superseded": "被替代", "rejected": "退回", "accepted": "审核通过"}


def history_table(unit: object, events: list[dict], tz: dt.tzinfo) -> Table:
    """`returns history`: one row per return received and per review event, oldest first."""
    table = Table(title=f"{unit.name}（{unit.unit_id}）的回执和审核记录（{len(events)}）",  # type: ignore[attr-defined]
                  box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("时间", min_width=11)
    table.add_column("事件", min_width=8)
    table.add_column("回执", min_width=8)
    table.add_column("批次", min_width=5)
    table.add_column("说明", overflow="fold")
    for e in events:
        at = dt.datetime.fromisoformat(e["at"]).astimezone(tz).strftime("%m-%d %H:%M")
        if e["event"] == "received":
            detail = f"{e.get('file') or ''}（{'按表单身份' if e.get('recognised_by') == 'identity' else '按内容'}识别）"
        elif e["event"] == "superseded":
            detail = f"被 {str(e.get('superseded_by', ''))[:8]} 替代"
        else:
            detail = "；".join(x for x in (e.get("by") and f"审核人：{e['by']}", e.get("reason")) if x)
        table.add_row(at, _EVENT_WORDS.get(e["event"], e["event"]), e["return_id"][:8], f"第{e['round']}次", detail)
    return table
