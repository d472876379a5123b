"""Namesakes told apart: the roster field that says which of two people with one name a form is for."""

from __future__ import annotations

from fupin_cli.model.roster import Unit

# Tried in this order; the unit id (which means nothing to a clerk) only when the roster has none of them.
TELLING_FIELDS = (("work_unit", "工作单位"), ("post", "职务"), ("village", "村"))
ID_LABEL = "编号"


def telling_field(unit: Unit) -> tuple[str, str]:
    """(label, value) of the first field that can tell `unit` from a namesake: 工作单位, else 职务, else 村, else 编号."""
    for name, label in TELLING_FIELDS:
        value = str(getattr(unit, name) or "").strip()
        if value:
            return label, value
    return ID_LABEL, unit.unit_id
