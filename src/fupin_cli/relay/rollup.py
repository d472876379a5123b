"""A town's rollup as the bundle claims it (per role, checklist and round) and the district's recount of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from fupin_cli.count.status import TownStatus, town_status
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.problems import Problem, make_problem
from fupin_cli.model.record import Return
from fupin_cli.model.roster import Roster, Unit
from fupin_cli.model.templates import Template
from fupin_cli.model.workspace import Campaign
from fupin_cli.store.archive import Refusal

# Who reports through a town: its units but the leaders, who report to the district directly.
RELAYED_ROLES = (Role.town, Role.aid_unit, Role.cadre, Role.helper)
FIGURES = ("due", "on_time", "late", "missing")
FIGURE_LABELS = {"due": "应报", "on_time": "按时", "late": "逾期", "missing": "未报"}


def relayed_units(roster: Roster, town: Unit) -> list[Unit]:
    """The units that report through the town: the town, its villages, aid units, cadres and helpers."""
    villages = [v for v in roster.of(Role.village) if v.town == town.name]
    return [town, *villages, *(u for role in RELAYED_ROLES[1:] for u in roster.of(role) if u.town == town.name)]


def rollup_rows(status: TownStatus) -> list[dict]:
    """Per role, checklist and round of the relayed roles: due, on_time, late, missing and pending."""
    rows: dict[tuple[str, str, int], dict[str, int]] = {}
    for us in status.units:
        if us.unit.role not in RELAYED_ROLES:
            continue
        for r in us.rounds:
            tally = rows.setdefault((us.unit.role.value, us.template.id, r.number),
                                    {"due": 0, "on_time": 0, "late": 0, "missing": 0, "pending": 0})
            tally[r.status.value] += 1
            if r.status is not Status.pending:
                tally["due"] += 1
    return [{"role": role, "template_id": tid, "round": number, **tally}
            for (role, tid, number), tally in rows.items()]


def town_rollup(roster: Roster, templates: dict[str, Template], campaign: Campaign, returns: Iterable[Return],
                as_of: dt.date, town: Unit, refused: Iterable[Refusal] = ()) -> dict:
    """The rollup of a town as of a day: the day and one row per role, checklist and round."""
    status = town_status(roster, templates, campaign, returns, as_of, town, refused=refused)
    return {"as_of": as_of.isoformat(), "rows": rollup_rows(status)}


def rollup_mismatches(claimed: dict, recount: dict, town: Unit, source: str) -> list[Problem]:
    """`rollup-mismatch` for each role and round where the town's claim and the district's recount differ."""
    mine = {(r.get("role"), r.get("template_id"), r.get("round")): r for r in claimed.get("rows") or ()
            if isinstance(r, dict)}
    found = []
    ours = {(r["role"], r["template_id"], r["round"]): r for r in recount.get("rows") or ()}
    for key in sorted(set(mine) | set(ours), key=lambda k: tuple(str(p) for p in k)):
        theirs, counted = mine.get(key, {}), ours.get(key, {})
        fields = [f"{FIGURE_LABELS[f]} 镇报 {theirs.get(f, 0)} / 区核 {counted.get(f, 0)}"
                  for f in FIGURES if theirs.get(f, 0) != counted.get(f, 0)]
        if fields:
            role = key[0]
            label = Role(role).label if role in Role._value2member_map_ else str(role)
            found.append(make_problem("rollup-mismatch", file=source, town=town.name, role=label, round=key[2],
                                      fields="，".join(fields)))
    return found
