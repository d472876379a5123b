"""The roster as a Rich table."""

from __future__ import annotations

from rich.table import Table

from fupin_cli.intake.roster_import import ImportResult
from fupin_cli.model.problems import Problem
from fupin_cli.model.roster import Unit


def roster_table(units: list[Unit]) -> Table:
    """One row per unit: role, id, name, town, village, head, linked villages, phone and the other details.

    负责人 and 挂点村 get columns of their own only when some unit listed has them.
    """
    table = Table(title=f"花名册（{len(units)}）")
    with_head = any(u.head for u in units)
    with_villages = any(u.villages for u in units)
    headers = ["角色", "编号", "名称", "镇", "村"] + ["负责人"] * with_head + ["挂点村"] * with_villages
    for header in [*headers, "电话", "备注"]:
        table.add_column(header, overflow="fold")
    for u in units:
        detail = "、".join(x for x in (u.post, u.work_unit, f"{u.households}户" if u.households else "") if x)
        cells = [u.role.label, u.unit_id, u.name, u.town if u.role.value != "town" else "", u.village]
        cells += [u.head] * with_head + ["、".join(u.villages)] * with_villages
        table.add_row(*cells, u.phone, detail)
    return table


def warning_lines(warnings: list[Problem], limit: int = 30) -> list[str]:
    """One ⚠ line per warning of an import (where, then what), the rest counted after `limit` lines."""
    lines = [f"⚠ {w.where()}：{w.message}" for w in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"……另有 {len(warnings) - limit} 条提醒未列出")
    return lines


def import_lines(result: ImportResult, dry_run: bool) -> list[str]:
    """What `roster import` tells after a file was accepted: counts, sheet, ignored columns, merges, removals."""
    verb = "检查通过（未写入）" if dry_run else "已导入"
    lines = [f"{verb}{result.role.label}：新增 {len(result.added)}，更新 {len(result.updated)}，未变 {result.unchanged}"
             + (f"，删除 {len(result.removed)}" if result.removed else "")]
    if result.sheet:
        lines.append(f"读取的工作表：{result.sheet}（工作簿中共有：{'、'.join(result.sheets)}；可用 --sheet 另选）")
    if result.ignored:
        lines.append(f"已忽略的列：{'、'.join(result.ignored)}")
    if result.carried:
        places = "、".join(f"“{header}”第 {first}–{last} 行" for header, first, last in result.carried)
        lines.append(f"合并单元格的值已填入它覆盖的每一行：{places}")
    if result.removed:
        lines.append(("将删除" if dry_run else "已删除") + f"（--replace，文件中没有）{len(result.removed)} 个：")
        for u in result.removed:
            place = "/".join(x for x in (u.town if u.role.value != "town" else "", u.village) if x)
            count = result.removed_returns.get(u.unit_id, 0)
            held = (f"已有回执 {count} 份，仍在存档中但不再计入报送情况" if count else "没有回执")
            lines.append(f"  {u.name}（{u.unit_id}{'，' + place if place else ''}）：{held}")
    return lines
