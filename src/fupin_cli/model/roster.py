"""花名册 (roster): who must report — units, their columns, ids, and roster rows parsed and checked."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from fupin_cli.model.glossary import HEADER_ALIASES, VILLAGE_SEPARATORS, Role
from fupin_cli.model.problems import DID_YOU_MEAN, FupinError, Problem, make_problem
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

    def named(self, role: Role, name: str) -> list[Unit]:
        """The units of one role whose name equals `name` as compared (`name_key`), in roster order."""
        units = self.of(role)
        stamp = (id(units), len(units))  # rebuilt when an import appends to or replaces the list
        cache: dict = self.__dict__.setdefault("_named_cache", {})
        hit = cache.get(role)
        if hit is None or hit[0] != stamp:
            index: dict[str, list[Unit]] = {}
            for unit in units:
                index.setdefault(name_key(role, unit.name), []).append(unit)
            hit = cache[role] = (stamp, index)
        return list(hit[1].get(name_key(role, name), ()))

    def in_town(self, role: Role, town: str) -> list[Unit]:
        """The units of one role whose town is named `town` (as written in the roster), in roster order."""
        units = self.of(role)
        stamp = (id(units), len(units))  # rebuilt when an import appends to or replaces the list
        cache: dict = self.__dict__.setdefault("_town_cache", {})
        hit = cache.get(role)
        if hit is None or hit[0] != stamp:
            index: dict[str, list[Unit]] = {}
            for unit in units:
                index.setdefault(unit.town, []).append(unit)
            hit = cache[role] = (stamp, index)
        return list(hit[1].get(town, ()))

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
    hint = DID_YOU_MEAN.format(names="、".join(near)) if near else ""
    listed = "、".join(names[:20]) + ("……" if len(names) > 20 else "") if names else "（无）"
    raise FupinError("town-not-found", name=name, hint=hint, listed=listed)


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


@dataclass(frozen=True)
class HeaderMatch:
    """A roster sheet's header row (0-based), the column each field is read from, what is missing and unread."""

    index: int
    mapping: dict[str, int]
    headers: dict[str, str]  # field → its canonical header (编号, 镇, 联系电话 …)
    missing: tuple[str, ...]
    ignored: tuple[str, ...]  # the header texts of columns no field reads (序号, 备注, 身份证号 …)

    @property
    def score(self) -> int:
        """How well the sheet fits the role: the columns read, less the columns left unread."""
        return len(self.mapping) - len(self.ignored)


def match_headers(rows: list[list[object]], role: Role, with_id: bool = False) -> HeaderMatch | None:
    """Find the header row (the first of the first ten holding every required column) and map fields to columns."""
    wanted = [("unit_id", "编号", False)] if with_id else []
    wanted += [(s.field, s.header, s.required) for s in ROLES[role].columns]
    best: HeaderMatch | None = None
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
        missing = tuple(header for fld, header, required in wanted if required and fld not in mapping)
        if best is None or len(missing) < len(best.missing):
            ignored = tuple(normalize_name(cell_text(c)) for i, c in enumerate(row)
                            if cell_text(c) and i not in mapping.values())
            best = HeaderMatch(index, mapping, {f: h for f, h, _r in wanted}, missing, ignored)
        if not missing:
            break
    return best


def _match_headers(
    rows: list[list[object]], role: Role, source: str, with_id: bool
) -> tuple[HeaderMatch | None, list[Problem]]:
    """The header match, or the findings that refuse the sheet (no rows, a required column missing)."""
    match = match_headers(rows, role, with_id)
    if match is None:
        return None, [make_problem("empty-table", file=source)]
    findings = [
        make_problem("missing-column", file=source, row=match.index + 1, column=h,
                     aliases="、".join(HEADER_ALIASES.get(h, (h,))))
        for h in match.missing
    ]
    return match, findings


Carried = tuple[str, int, int]  # a merged cell carried down: its column's header, first and last row (1-based)


def carry_merged(rows: list[list[object]], match: HeaderMatch,
                 merged: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> tuple[list[list[object]], list[Carried]]:
    """Rows with each merged data cell's value copied into every row it covers (the file keeps it in the first).

    Only merges below the header row that start in a column read count; returns the rows and, for the
    import summary, each such merge as (header, first row, last row), rows 1-based.
    """
    header_row = rows[match.index]
    columns = {i: normalize_name(cell_text(header_row[i])) or match.headers[f] for f, i in match.mapping.items()}
    carried: list[Carried] = []
    out = rows
    for (first, col), (last, _last_col) in sorted(merged):
        if first <= match.index or last <= first or col not in columns or first >= len(rows):
            continue
        value = rows[first][col] if col < len(rows[first]) else None
        if cell_text(value) == "":
            continue
        if out is rows:
            out = [list(r) for r in rows]  # never change the caller's rows
        for r in range(first + 1, min(last, len(out) - 1) + 1):
            row = out[r]
            row.extend([None] * (col + 1 - len(row)))
            if cell_text(row[col]) == "":
                row[col] = value
        carried.append((columns[col], first + 1, last + 1))
    return out, carried


# Excel shows a long number in a General cell as 1.35778E+10, and a CSV it saves keeps only that.
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")


def phone_problem(phone: str) -> str:
    """What is wrong with a roster phone number: ``phone-missing``, ``phone-scientific``, or "" when usable."""
    text = phone.strip()
    if not text:
        return "phone-missing"
    return "phone-scientific" if _SCIENTIFIC.fullmatch(text) else ""


def usable_phone(phone: str) -> str:
    """The phone number to offer a clerk (remind), or "" when it is missing or was mangled by Excel."""
    return "" if phone_problem(phone) else phone


def split_villages(text: str) -> tuple[str, ...]:
    """挂点村 cell → village names (separated by 、 ， ; ； or blanks)."""
    parts = re.split("[" + re.escape(VILLAGE_SEPARATORS) + "]+", normalize_name(text))
    return tuple(p for p in parts if p)


@dataclass
class RosterSheet:
    """A roster sheet as read for import: its units by row, the errors and warnings, and what the summary tells."""

    parsed: list[tuple[int, Unit]] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)  # errors: any of them refuses the file
    warnings: list[Problem] = field(default_factory=list)
    ignored: tuple[str, ...] = ()
    carried: list[Carried] = field(default_factory=list)


def parse_roster_rows(
    rows: list[list[object]], role: Role, roster: Roster, source: str, with_id: bool = False
) -> tuple[list[tuple[int, Unit]], list[Problem]]:
    """Rows of a roster sheet → (row number, Unit) pairs checked against the towns and villages known."""
    sheet = read_roster_sheet(rows, role, roster, source, with_id, warn=False)
    return sheet.parsed, sheet.findings


def read_roster_sheet(
    rows: list[list[object]], role: Role, roster: Roster, source: str, with_id: bool = False,
    merged: Iterable[tuple[tuple[int, int], tuple[int, int]]] = (), warn: bool = True,
) -> RosterSheet:
    """Rows of a roster sheet → its units checked against the known places, with errors, warnings and notes."""
    match, findings = _match_headers(rows, role, source, with_id)
    if match is None or findings:
        return RosterSheet(findings=findings)
    rows, carried = carry_merged(rows, match, merged)
    sheet = RosterSheet(ignored=match.ignored, carried=carried)
    has_phone = warn and any(s.field == "phone" for s in ROLES[role].columns)
    if has_phone and "phone" not in match.mapping:
        sheet.warnings.append(make_problem("phone-column-missing", file=source, row=match.index + 1,
                                           column="联系电话", aliases="、".join(HEADER_ALIASES["联系电话"])))
    for offset, row in enumerate(rows[match.index + 1:], start=match.index + 2):
        unit = _row_unit(row, role, roster, source, offset, match.mapping, sheet.findings)
        if unit is None:
            continue
        if has_phone and "phone" in match.mapping and (code := phone_problem(unit.phone)):
            sheet.warnings.append(make_problem(code, file=source, row=offset, column="联系电话", value=unit.phone,
                                               name=unit.name))
        sheet.parsed.append((offset, unit))
    return sheet


def _row_unit(row: list[object], role: Role, roster: Roster, source: str, offset: int, mapping: dict[str, int],
              findings: list[Problem]) -> Unit | None:
    """One data row as a Unit, its problems added to `findings`; None for a blank row or one refused."""
    values = {fld: restore(normalize_name(cell_text(row[i]))) if i < len(row) else "" for fld, i in mapping.items()}
    if not any(values.values()):
        return None
    problem = False
    for spec in ROLES[role].columns:
        if spec.required and not values.get(spec.field):
            findings.append(make_problem("missing-value", file=source, row=offset, column=spec.header))
            problem = True
    if problem:
        return None
    households = None
    if values.get("households"):
        try:
            households = int(float(values["households"]))
        except ValueError:
            findings.append(make_problem("bad-number", file=source, row=offset, column="帮扶户数",
                                         value=values["households"]))
            return None
    unit = Unit(
        role=role, unit_id=values.get("unit_id", ""), name=values.get("name", ""), town=values.get("town", ""),
        village=values.get("village", ""), code=values.get("code", ""), head=values.get("head", ""),
        phone=values.get("phone", ""), post=values.get("post", ""), work_unit=values.get("work_unit", ""),
        households=households, villages=split_villages(values.get("villages", "")),
    )
    if role is Role.town:
        unit = replace(unit, town=unit.name)
    # Towns and villages named in this same file count as known when importing them.
    findings.extend(_check_places(unit, roster, source, offset, ROLES[role].columns))
    return _canonical_places(unit, roster)


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




def find_unit(roster: Roster, text: str) -> Unit:
    """The unit that `text` names: its id, or a name only one unit of the roster has; FupinError otherwise."""
    wanted = text.strip()
    by_id = roster.by_id()
    if wanted in by_id:
        return by_id[wanted]
    hits = [u for u in roster.all_units() if u.role.value not in ("village",)
            and name_key(u.role, u.name) == name_key(u.role, wanted)]
    if not hits:
        raise FupinError("unit-not-found", value=text)
    if len(hits) > 1:
        raise FupinError("unit-ambiguous", value=text, candidates="、".join(
            f"{u.unit_id}（{u.role.label}，{u.village or u.town}）" for u in hits[:10]))
    return hits[0]
