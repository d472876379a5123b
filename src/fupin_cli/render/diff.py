"""`fupin diff` as tables and CSV: rates at both dates, units newly reported, progress and regressions."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fupin_cli.count.diff import Change, Diff
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.text import csv_bytes
from fupin_cli.render.status import percent, role_label, widest


def _title(diff: Diff) -> str:
    return f"{month_day(diff.start.as_of)} → {month_day(diff.end.as_of)}"


def _who(c: Change) -> str:
    u = c.unit.unit
    return f"{role_label(u.role, c.unit.checklist)} {u.name}" + (f"（{u.village}）" if u.village else "")


def diff_view(diff: Diff) -> Group:
    """Everything `fupin diff` shows in the terminal."""
    rates = Table(title=f"前后对比（{_title(diff)}）", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    rates.add_column("镇", min_width=widest([t["town"] for t in diff.towns()]))
    for header in ("报送率（前）", "报送率（后）", "任务完成率（前）", "任务完成率（后）"):
        rates.add_column(header, justify="right", overflow="fold")
    for t in diff.towns():
        rates.add_row(t["town"], percent(t["rate_from"]), percent(t["rate_to"]), percent(t["task_rate_from"]),
                      percent(t["task_rate_to"]))
    parts: list[RenderableType] = [rates, Text("")]
    newly = Text(f"新报送（{len(diff.newly_reported)}）：", style="bold")
    newly.append("、".join(f"{r.unit.unit.name}第{r.round}次" for r in diff.newly_reported) or "无", style="")
    parts += [newly, Text("")]
    for title, changes, style in (("进步（否→是）", diff.progress, "green"), ("退步（是→否）", diff.regressions, "red")):
        block = Text(f"{title}（{len(changes)}）\n", style=f"bold {style}")
        for c in changes:
            block.append(f"  {_who(c)}：第 {c.number} 项 {c.to_dict()['from'] or '空白'}→{c.to_dict()['to'] or '空白'}\n")
        parts.append(block)
    return Group(*parts)


def diff_csv(diff: Diff) -> str:
    """The changes as CSV (UTF-8 with BOM): one row per unit round newly reported and per task that moved."""
    rows: list[list[object]] = [["类别", "镇", "角色", "编号", "名称", "村", "批次/任务", "之前", "之后"]]
    for r in diff.newly_reported:
        u = r.unit.unit
        rows.append(["新报送", u.town, u.role.label, u.unit_id, u.name, u.village, f"第{r.round}次", r.before.label,
                     r.after.label])
    for label, changes in (("进步", diff.progress), ("退步", diff.regressions)):
        for c in changes:
            u, d = c.unit.unit, c.to_dict()
            rows.append([label, u.town, u.role.label, u.unit_id, u.name, u.village, f"第{c.number}项", d["from"],
                         d["to"]])
    return csv_bytes(rows).decode("utf-8")
