"""花名册 (roster): who must report — units, their columns, ids, and roster rows parsed and checked."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from fupin_cli.model.glossary import HEADER_ALIASES, VILLAGE_SEPARATORS, Role
from fupin_cli.model.problems import FupinError, Problem, make_problem
from fupin_cli.model.roles import ROLES, ColumnSpec
from fupin_cli.model.text import cell_text, csv_bytes, normalize_name, person_key, restore


@dataclass(frozen=True, slots=True)
class Unit:
    """一个填报对象或地名 (unit): a town, village, aid unit, leader, cadre or helper."""

    role: Role
    unit_id: str
    name: str
    town: str = ""
    village: str = ""
    code: str = ""
    head: str = ""
    phone: str = ""
    post: str = ""
    work_unit: str = ""
    households: int | None = None
    villages: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The unit as the JSON of `roster list`."""
        data = {
            "role": self.role.value,
            "unit_id": self.unit_id,
            "name": self.name,
            "town": self.town,
            "village": self.village,
            "phone": self.phone,
        }
        extras = {
            "code": self.code,
            "head": self.head,
            "post": self.post,
            "work_unit": self.work_unit,
            "households": self.households,
            "villages": list(self.villages) if self.role is Role.aid_unit else None,
        }
        data.update({k: v for k, v in extras.items() if v not in ("", None)})
        return data


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊:：()（）]", "", normalize_name(text)).lower()


@dataclass
class Roster:
    """The whole roster: every unit of every role, with lookups by id and by place."""

    units: dict[Role, list[Unit]] = field(default_factory=lambda: {r: [] for r in Role})

    def of(self, role: Role) -> list[Unit]:
        """The units of one role, in roster order."""
        return self.units.get(role, [])

    def all_units(self) -> Iterable[Unit]:
        """Every unit of every role."""
        for role in Role:
            yield from self.of(role)

    def by_id(self) -> dict[str, Unit]:
        """Every unit keyed by its id."""
        return {u.unit_id: u for u in self.all_units()}

    def town_names(self) -> list[str]:
        """The towns' names in roster order."""
        return [u.name for u in self.of(Role.town)]

    def _places(self) -> tuple[dict[str, Unit], dict[tuple[str, str], Unit]]:
        # Rebuilt whenever the lists of towns or villages change length (imports append or replace them).
        towns_list, villages_list = self.units.get(Role.town, ()), self.units.get(Role.village, ())
        stamp = (id(towns_list), len(towns_list), id(villages_list), len(villages_list))
        if getattr(self, "_place_stamp", None) != stamp:
            towns: dict[str, Unit] = {}
            for u in self.of(Role.town):
                towns.setdefault(normalize_name(u.name), u)
                towns.setdefault(u.unit_id, u)
            villages = {(normalize_name(u.town), normalize_name(u.name)): u for u in self.of(Role.village)}
            self._place_cache = (towns, villages)
            self._place_stamp = stamp
        return self._place_cache

    def find_town(self, name: str) -> Unit | None:
        """The town of that name or id (compared after normalisation), if any."""
        towns = self._places()[0]
        return towns.get(normalize_name(name)) or towns.get(name)

    def find_village(self, town: str, name: str) -> Unit | None:
        """The village of that name in that town, if any."""
        return self._places()[1].get((normalize_name(town), normalize_name(name)))


def require_town(roster: Roster, name: str) -> Unit:
    """The roster's town of that name or id; FupinError naming the nearest towns otherwise."""
    town = roster.find_town(name)
    if town is not None:
        return town
    names = roster.town_names()
    near = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
    hint = f"您是不是要找：{'、'.join(near)}？" if near else ""
    listed = "、".join(names[:20]) + ("……" if len(names) > 20 else "") if names else "（无）"
    raise FupinError(f"花名册中没有镇“{name}”。{hint}现有的镇：{listed}；请改正 --town")


# Roles whose name is a person's: a blank inside it (黄 海, padded to line up) is ignored when matching.
# Unit and place names (城关镇, 区水利局, 东岭村) keep their blanks: there a blank may separate two names.
PERSON_ROLES: frozenset[Role] = frozenset({Role.leader, Role.cadre, Role.helper})


def name_key(role: Role, name: str) -> str:
    """A roster name as compared: `person_key` for a person's, `normalize_name` for a unit's or place's."""
    return person_key(name) if role in PERSON_ROLES else normalize_name(name)


def identity_key(unit: Unit) -> tuple[str, ...]:
    """What makes two roster rows the same unit (namesakes in one village differ by phone or work unit)."""
    base = place_key(unit)
    if unit.role in PERSON_ROLES:
        return (*base, unit.phone.strip(), normalize_name(unit.work_unit), normalize_name(unit.post))
    return base


def place_key(unit: Unit) -> tuple[str, ...]:
    """The unit's name and place without phone or work unit: equal for namesakes."""
    return (unit.role.value, normalize_name(unit.town), normalize_name(unit.village), name_key(unit.role, unit.name))


def derive_id(unit: Unit, taken: set[str]) -> str:
    """A stable id: the region code where there is one, else a short hash of role, place and name."""
    if unit.code and unit.role in (Role.town, Role.village):
        return unit.code
    # Hashed as names were compared before blanks inside a person's name were ignored, so ids stay as they were.
    spelled = (unit.role.value, normalize_name(unit.town), normalize_name(unit.village), normalize_name(unit.name))
    digest = hashlib.sha256("|".join(spelled).encode("utf-8")).hexdigest()[:8]
    candidate = f"{ROLES[unit.role].id_prefix}{digest}"
    n = 2
    while candidate in taken:
        candidate = f"{ROLES[unit.role].id_prefix}{digest}-{n}"
        n += 1
    return candidate


def _match_headers(
    rows: list[list[object]], role: Role, source: str, with_id: bool
) -> tuple[int, dict[str, int], list[Problem]]:
    """Find the header row (the first of the first ten holding every required column) and map fields to columns."""
    specs = ROLES[role].columns
    wanted = [("unit_id", "编号", False)] if with_id else []
    wanted += [(s.field, s.header, s.required) for s in specs]
    best: tuple[int, dict[str, int], list[str]] | None = None
    for index, row in enumerate(rows[:10]):
        keys = [_header_key(cell_text(c)) for c in row]
        mapping: dict[str, int] = {}
        for fld, header, _required in wanted:
            for alias in HEADER_ALIASES.get(header, (header,)):
                akey = _header_key(alias)
                hit = next((i for i, k in enumerate(keys) if k == akey and i not in mapping.values()), None)
                if hit is not None:
                    mapping[fld] = hit
                    break
        missing = [header for fld, header, required in wanted if required and fld not in mapping]
        if best is None or len(missing) < len(best[2]):
            best = (index, mapping, missing)
        if not missing:
            break
    if best is None:
        return 0, {}, [make_problem("empty-table", file=source)]
    index, mapping, missing = best
    findings = [
        make_problem("missing-column", file=source, row=index + 1, column=h, aliases="、".join(HEADER_ALIASES.get(h, (h,))))
        for h in missing
    ]
    return index, mapping, findings


def split_villages(text: str) -> tuple[str, ...]:
    """挂点村 cell → village names (separated by 、 ， ; ； or blanks)."""
    parts = re.split("[" + re.escape(VILLAGE_SEPARATORS) + "]+", normalize_name(text))
    return tuple(p for p in parts if p)


def parse_roster_rows(
    rows: list[list[object]], role: Role, roster: Roster, source: str, with_id: bool = False
) -> tuple[list[tuple[int, Unit]], list[Problem]]:
    """Rows of a roster sheet → (row number, Unit) pairs checked against the towns and villages known."""
    header_index, mapping, findings = _match_headers(rows, role, source, with_id)
    if findings:
        return [], findings
    specs = {s.field: s for s in ROLES[role].columns}
    parsed: list[tuple[int, Unit]] = []
    # Towns and villages named in this same file count as known when importing them.
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = {fld: restore(normalize_name(cell_text(row[i]))) if i < len(row) else "" for fld, i in mapping.items()}
        if not any(values.values()):
            continue
        problem = False
        for fld, spec in specs.items():
            if spec.required and not values.get(fld):
                findings.append(make_problem("missing-value", file=source, row=offset, column=spec.header))
                problem = True
        if problem:
            continue
        households = None
        if values.get("households"):
            try:
                households = int(float(values["households"]))
            except ValueError:
                findings.append(make_problem("bad-number", file=source, row=offset, column="帮扶户数",
                                             value=values["households"]))
                continue
        unit = Unit(
            role=role, unit_id=values.get("unit_id", ""), name=values.get("name", ""), town=values.get("town", ""),
            village=values.get("village", ""), code=values.get("code", ""), head=values.get("head", ""),
            phone=values.get("phone", ""), post=values.get("post", ""), work_unit=values.get("work_unit", ""),
            households=households, villages=split_villages(values.get("villages", "")),
        )
        if role is Role.town:
            unit = replace(unit, town=unit.name)
        findings.extend(_check_places(unit, roster, source, offset, ROLES[role].columns))
        parsed.append((offset, _canonical_places(unit, roster)))
    return parsed, findings


def _check_places(unit: Unit, roster: Roster, source: str, row: int, specs: tuple[ColumnSpec, ...]) -> list[Problem]:
    if unit.role is Role.town:
        return []
    town_header = next(s.header for s in specs if s.field == "town")
    town = roster.find_town(unit.town)
    if town is None:
        return [make_problem("unknown-town", file=source, row=row, column=town_header, value=unit.town)]
    found = []
    villages = list(unit.villages) + ([unit.village] if unit.role in (Role.cadre, Role.helper) else [])
    column = "挂点村" if unit.role is Role.aid_unit else "村"
    for village in villages:
        if roster.find_village(town.name, village) is None:
            found.append(make_problem("unknown-village", file=source, row=row, column=column, value=village,
                                      town=town.name))
    return found


def _canonical_places(unit: Unit, roster: Roster) -> Unit:
    """Spell town and village names exactly as the roster does (the file may say 城关镇 with a trailing blank)."""
    town = roster.find_town(unit.town) if unit.role is not Role.town else None
    if town is None:
        return unit
    village = roster.find_village(town.name, unit.village) if unit.village else None
    villages = tuple(
        (v.name if (v := roster.find_village(town.name, name)) else name) for name in unit.villages
    )
    village_name = village.name if village else unit.village
    if (town.name, village_name, villages) == (unit.town, unit.village, unit.villages):
        return unit  # already spelled as the roster does (every row of a stored roster)
    return replace(unit, town=town.name, village=village_name, villages=villages)


def _unit_value(unit: Unit, fld: str) -> str:
    value = getattr(unit, fld)
    if fld == "villages":
        return "、".join(value)
    return "" if value is None else str(value)


def roster_csv(units: list[Unit], role: Role) -> bytes:
    """The stored CSV of one role: UTF-8 with BOM so Excel on Chinese Windows opens it cleanly."""
    specs = ROLES[role].columns
    rows = [["编号", *[s.header for s in specs]]]
    rows += [[unit.unit_id, *[_unit_value(unit, s.field) for s in specs]] for unit in units]
    return csv_bytes(rows)


