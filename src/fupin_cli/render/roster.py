"""The roster as a Rich table."""

from __future__ import annotations

from rich.table import Table

from fupin_cli.model.roster import Unit


def roster_table(units: list[Unit]) -> Table:
    """One row per unit: role, id, name, town, village, phone and the role's own details."""
    table = Table(title=f"花名册（{len(units)}）")
    for header in ("角色", "编号", "名称", "镇", "村", "电话", "备注"):
        table.add_column(header, overflow="fold")
    for u in units:
        detail = "、".join(x for x in (u.post, u.work_unit, u.head, "、".join(u.villages),
                                        f"{u.households}户" if u.households else "") if x)
        table.add_row(u.role.label, u.unit_id, u.name, u.town if u.role.value != "town" else "",
                      u.village, u.phone, detail)
    return table
