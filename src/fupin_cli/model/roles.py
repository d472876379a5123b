"""The roles as one table: roster file and columns, id prefix, to whom each reports, how it rolls up, its checklists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fupin_cli.model.glossary import Role

Rollup = Literal["place", "unit", "village"]


@dataclass(frozen=True)
class ColumnSpec:
    """A roster column: the Unit field, its canonical header, and whether it must be present and filled."""

    field: str
    header: str
    required: bool


@dataclass(frozen=True)
class RoleInfo:
    """一种角色 (role): its roster file and columns, id prefix, to whom it reports and how status rolls it up.

    `rollup` is ``place`` for a town or village (a place, not a reporter of its own in status), ``unit`` for a
    role shown unit by unit, ``village`` for helpers counted per village (到位 n/m). `rank` is the order of the
    reporting roles in rollups; None for a role that fills no checklist. A village fills one table, fupin's
    帮扶责任人到位情况统计表 (presence): it is shown in its village's 到位 row, not as a unit of its own.
    """

    role: Role
    roster_file: str
    id_prefix: str
    columns: tuple[ColumnSpec, ...]
    reports_to: str
    rollup: Rollup
    rank: int | None

    @property
    def reports(self) -> bool:
        """Whether the role fills a checklist of its own."""
        return self.rank is not None

    @property
    def label(self) -> str:
        """The Chinese name of the role."""
        return self.role.label


def _cols(*specs: tuple[str, str, bool]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(*s) for s in specs)


# In roster order (places first, so towns and villages are known before the people linked to them).
ROLES: dict[Role, RoleInfo] = {info.role: info for info in (
    RoleInfo(Role.town, "towns.csv", "T",
             _cols(("name", "镇", True), ("code", "代码", False), ("head", "负责人", False),
                   ("phone", "联系电话", False)),
             reports_to="区扶贫办", rollup="unit", rank=0),
    RoleInfo(Role.village, "villages.csv", "V",
             _cols(("town", "镇", True), ("name", "村", True), ("code", "代码", False)),
             reports_to="所在镇", rollup="place", rank=5),
    RoleInfo(Role.aid_unit, "aid_units.csv", "A",
             _cols(("name", "帮扶单位", True), ("town", "所在镇", True), ("villages", "挂点村", False),
                   ("head", "负责人", False), ("phone", "联系电话", False)),
             reports_to="所在镇", rollup="unit", rank=2),
    RoleInfo(Role.leader, "leaders.csv", "L",
             _cols(("name", "姓名", True), ("post", "职务", False), ("town", "挂点镇", True),
                   ("phone", "联系电话", False)),
             reports_to="区扶贫办", rollup="unit", rank=1),
    RoleInfo(Role.cadre, "cadres.csv", "C",
             _cols(("name", "姓名", True), ("post", "职务", False), ("town", "镇", True), ("village", "村", True),
                   ("phone", "联系电话", False)),
             reports_to="所在镇", rollup="unit", rank=3),
    RoleInfo(Role.helper, "helpers.csv", "H",
             _cols(("name", "姓名", True), ("work_unit", "工作单位", False), ("town", "镇", True),
                   ("village", "村", True), ("households", "帮扶户数", False), ("phone", "联系电话", False)),
             reports_to="所在村", rollup="village", rank=4),
)}

# The roles that fill a checklist, in the order rollups list them.
REPORTING_ROLES: tuple[Role, ...] = tuple(
    info.role for info in sorted((i for i in ROLES.values() if i.reports), key=lambda i: i.rank or 0)
)

