"""花名册 (roster): who must report; stored as CSV in roster/, imported from office spreadsheets."""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from fupin_cli.atomic import write_bytes_atomic
from fupin_cli.errors import Finding, FupinError, make_finding
from fupin_cli.glossary import HEADER_ALIASES, VILLAGE_SEPARATORS, Role
from fupin_cli.readers import UnreadableFile, cell_text, read_file
from fupin_cli.safecell import neutralize, restore


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


@dataclass(frozen=True)
class ColumnSpec:
    """A roster column: the Unit field, its canonical header, and whether it must be present and filled."""

    field: str
    header: str
    required: bool


# The columns of each roster role, in the order the stored CSV keeps them.
ROSTER_COLUMNS: dict[Role, tuple[ColumnSpec, ...]] = {
    Role.town: (ColumnSpec("name", "镇", True), ColumnSpec("code", "代码", False),
                ColumnSpec("head", "负责人", False), ColumnSpec("phone", "联系电话", False)),
    Role.village: (ColumnSpec("town", "镇", True), ColumnSpec("name", "村", True), ColumnSpec("code", "代码", False)),
    Role.aid_unit: (ColumnSpec("name", "帮扶单位", True), ColumnSpec("town", "所在镇", True),
                    ColumnSpec("villages", "挂点村", False), ColumnSpec("head", "负责人", False),
                    ColumnSpec("phone", "联系电话", False)),
    Role.leader: (ColumnSpec("name", "姓名", True), ColumnSpec("post", "职务", False),
                  ColumnSpec("town", "挂点镇", True), ColumnSpec("phone", "联系电话", False)),
    Role.cadre: (ColumnSpec("name", "姓名", True), ColumnSpec("post", "职务", False), ColumnSpec("town", "镇", True),
                 ColumnSpec("village", "村", True), ColumnSpec("phone", "联系电话", False)),
    Role.helper: (ColumnSpec("name", "姓名", True), ColumnSpec("work_unit", "工作单位", False),
                  ColumnSpec("town", "镇", True), ColumnSpec("village", "村", True),
                  ColumnSpec("households", "帮扶户数", False), ColumnSpec("phone", "联系电话", False)),
}

ROSTER_FILES: dict[Role, str] = {
    Role.town: "towns.csv", Role.village: "villages.csv", Role.aid_unit: "aid_units.csv",
    Role.leader: "leaders.csv", Role.cadre: "cadres.csv", Role.helper: "helpers.csv",
}

ID_PREFIX: dict[Role, str] = {
    Role.town: "T", Role.village: "V", Role.aid_unit: "A", Role.leader: "L", Role.cadre: "C", Role.helper: "H",
}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@functools.lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """A name as compared: NFKC, zero-width characters removed, blanks (U+3000 too) collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return _BLANKS.sub(" ", text).strip()


_BLANKS = re.compile(r"\s+")


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


def identity_key(unit: Unit) -> tuple[str, ...]:
    """What makes two roster rows the same unit (namesakes in one village differ by phone or work unit)."""
    base = (unit.role.value, normalize_name(unit.town), normalize_name(unit.village), normalize_name(unit.name))
    if unit.role in (Role.cadre, Role.helper, Role.leader):
        return (*base, unit.phone.strip(), normalize_name(unit.work_unit), normalize_name(unit.post))
    return base


def place_key(unit: Unit) -> tuple[str, ...]:
    """The unit's name and place without phone or work unit: equal for namesakes."""
    return (unit.role.value, normalize_name(unit.town), normalize_name(unit.village), normalize_name(unit.name))


def derive_id(unit: Unit, taken: set[str]) -> str:
    """A stable id: the region code where there is one, else a short hash of role, place and name."""
    if unit.code and unit.role in (Role.town, Role.village):
        return unit.code
    digest = hashlib.sha256("|".join(place_key(unit)).encode("utf-8")).hexdigest()[:8]
    candidate = f"{ID_PREFIX[unit.role]}{digest}"
    n = 2
    while candidate in taken:
        candidate = f"{ID_PREFIX[unit.role]}{digest}-{n}"
        n += 1
    return candidate


def _match_headers(
    rows: list[list[object]], role: Role, source: str, with_id: bool
) -> tuple[int, dict[str, int], list[Finding]]:
    """Find the header row (the first of the first ten holding every required column) and map fields to columns."""
    specs = ROSTER_COLUMNS[role]
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
        return 0, {}, [make_finding("empty-table", file=source)]
    index, mapping, missing = best
    findings = [
        make_finding("missing-column", file=source, row=index + 1, column=h, aliases="、".join(HEADER_ALIASES.get(h, (h,))))
        for h in missing
    ]
    return index, mapping, findings


def split_villages(text: str) -> tuple[str, ...]:
    """挂点村 cell → village names (separated by 、 ， ; ； or blanks)."""
    parts = re.split("[" + re.escape(VILLAGE_SEPARATORS) + "]+", normalize_name(text))
    return tuple(p for p in parts if p)


def parse_roster_rows(
    rows: list[list[object]], role: Role, roster: Roster, source: str, with_id: bool = False
) -> tuple[list[tuple[int, Unit]], list[Finding]]:
    """Rows of a roster sheet → (row number, Unit) pairs checked against the towns and villages known."""
    header_index, mapping, findings = _match_headers(rows, role, source, with_id)
    if findings:
        return [], findings
    specs = {s.field: s for s in ROSTER_COLUMNS[role]}
    parsed: list[tuple[int, Unit]] = []
    # Towns and villages named in this same file count as known when importing them.
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = {fld: restore(normalize_name(cell_text(row[i]))) if i < len(row) else "" for fld, i in mapping.items()}
        if not any(values.values()):
            continue
        problem = False
        for fld, spec in specs.items():
            if spec.required and not values.get(fld):
                findings.append(make_finding("missing-value", file=source, row=offset, column=spec.header))
                problem = True
        if problem:
            continue
        households = None
        if values.get("households"):
            try:
                households = int(float(values["households"]))
            except ValueError:
                findings.append(make_finding("bad-number", file=source, row=offset, column="帮扶户数",
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
        findings.extend(_check_places(unit, roster, source, offset, ROSTER_COLUMNS[role]))
        parsed.append((offset, _canonical_places(unit, roster)))
    return parsed, findings


def _check_places(unit: Unit, roster: Roster, source: str, row: int, specs: tuple[ColumnSpec, ...]) -> list[Finding]:
    if unit.role is Role.town:
        return []
    town_header = next(s.header for s in specs if s.field == "town")
    town = roster.find_town(unit.town)
    if town is None:
        return [make_finding("unknown-town", file=source, row=row, column=town_header, value=unit.town)]
    found = []
    villages = list(unit.villages) + ([unit.village] if unit.role in (Role.cadre, Role.helper) else [])
    column = "挂点村" if unit.role is Role.aid_unit else "村"
    for village in villages:
        if roster.find_village(town.name, village) is None:
            found.append(make_finding("unknown-village", file=source, row=row, column=column, value=village,
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


@dataclass
class ImportResult:
    """What `roster import` did: counts, or the findings that made it refuse the file."""

    role: Role
    added: list[Unit] = field(default_factory=list)
    updated: list[Unit] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Unit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was accepted."""
        return not self.findings


def duplicate_findings(incoming: list[tuple[int, Unit]], source: str) -> list[Finding]:
    """Rows that repeat a unit (same name, place, phone and work unit) or a region code of another place."""
    findings = []
    seen: dict[tuple[str, ...], int] = {}
    codes: dict[str, str] = {}
    for row, unit in incoming:
        key = identity_key(unit)
        if key in seen:
            findings.append(make_finding("duplicate-unit", file=source, row=row, value=unit.name, other_row=seen[key]))
        else:
            seen[key] = row
        if unit.code and unit.role in (Role.town, Role.village):
            if unit.code in codes and codes[unit.code] != unit.name:
                findings.append(make_finding("duplicate-code", file=source, row=row, value=unit.code,
                                             other=codes[unit.code]))
            codes[unit.code] = unit.name
    return findings


def merge_units(roster: Roster, role: Role, incoming: list[tuple[int, Unit]], source: str,
                replace_all: bool = False) -> ImportResult:
    """Merge imported units into the roster: same unit keeps its id, namesakes get distinct ids."""
    result = ImportResult(role, findings=duplicate_findings(incoming, source))
    if result.findings:
        return result
    existing = list(roster.of(role))
    by_key = {identity_key(u): u for u in existing}
    by_place: dict[tuple[str, ...], list[Unit]] = {}
    for u in existing:
        by_place.setdefault(place_key(u), []).append(u)
    incoming_places: dict[tuple[str, ...], int] = {}
    for _, u in incoming:
        incoming_places[place_key(u)] = incoming_places.get(place_key(u), 0) + 1
    taken = {u.unit_id for u in roster.all_units()}
    kept_ids: set[str] = set()
    merged: list[Unit | None] = []
    fresh: list[tuple[int, Unit]] = []
    for _, unit in incoming:
        old = by_key.get(identity_key(unit))
        if old is None and unit.role in (Role.town, Role.village, Role.aid_unit):
            old = next(iter(by_place.get(place_key(unit), [])), None)
        if old is None:
            # A single person whose phone or work unit changed is still the same person.
            same_place = [u for u in by_place.get(place_key(unit), []) if u.unit_id not in kept_ids]
            if len(same_place) == 1 and incoming_places[place_key(unit)] == 1:
                old = same_place[0]
        if old is not None and old.unit_id not in kept_ids:
            new = replace(unit, unit_id=old.unit_id)
            kept_ids.add(old.unit_id)
            if new == old:
                result.unchanged += 1
            else:
                result.updated.append(new)
            merged.append(new)
            continue
        fresh.append((len(merged), unit))
        merged.append(None)
    # New namesakes get their -2, -3 … in the order of phone and work unit, not of rows, so the
    # same people sorted differently in the file still get the same ids.
    for position, unit in sorted(fresh, key=lambda pu: identity_key(pu[1])):
        unit_id = unit.unit_id if unit.unit_id and unit.unit_id not in taken else derive_id(unit, taken)
        new = replace(unit, unit_id=unit_id)
        taken.add(unit_id)
        kept_ids.add(unit_id)
        merged[position] = new
    result.added = [u for (position, _) in fresh if (u := merged[position]) is not None]
    units = [u for u in merged if u is not None]
    final_ids = {u.unit_id for u in units}
    if replace_all:
        result.removed = [u for u in existing if u.unit_id not in final_ids]
        roster.units[role] = units
    else:
        replaced = {u.unit_id: u for u in units}
        kept = [replaced.pop(u.unit_id, u) for u in existing]
        roster.units[role] = kept + [u for u in units if u.unit_id in replaced]
    return result


def import_roster(root: Path, path: Path, role: Role, replace_all: bool = False, dry_run: bool = False) -> ImportResult:
    """Import an office spreadsheet into the workspace roster; a file with any problem changes nothing."""
    roster = load_roster(root)
    source = str(path)
    try:
        sheets = read_file(path)
    except UnreadableFile as exc:
        return ImportResult(role, findings=[make_finding(exc.code, file=source, **exc.context)])
    sheet = next((s for s in sheets if s.visible and any(any(c not in (None, "") for c in r) for r in s.rows)), None)
    if sheet is None:
        return ImportResult(role, findings=[make_finding("empty-table", file=source)])
    parsed, findings = parse_roster_rows(sheet.rows, role, roster, source)
    if findings:  # report every problem of the file at once, duplicates included
        findings += duplicate_findings(parsed, source)
        return ImportResult(role, findings=sorted(findings, key=lambda f: (f.row or 0, f.code)))
    if not parsed:
        return ImportResult(role, findings=[make_finding("empty-table", file=source)])
    result = merge_units(roster, role, parsed, source, replace_all)
    if result.ok and not dry_run and (result.added or result.updated or result.removed):
        save_roster(root, roster, [role])
    return result


def _unit_value(unit: Unit, fld: str) -> str:
    value = getattr(unit, fld)
    if fld == "villages":
        return "、".join(value)
    return "" if value is None else str(value)


def roster_csv(units: list[Unit], role: Role) -> bytes:
    """The stored CSV of one role: UTF-8 with BOM so Excel on Chinese Windows opens it cleanly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    specs = ROSTER_COLUMNS[role]
    writer.writerow(["编号", *[s.header for s in specs]])
    for unit in units:
        writer.writerow([neutralize(v) for v in (unit.unit_id, *[_unit_value(unit, s.field) for s in specs])])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def save_roster(root: Path, roster: Roster, roles: Iterable[Role] | None = None) -> None:
    """Write the roster CSVs (all roles, or just those given), each atomically."""
    folder = root / "roster"
    folder.mkdir(parents=True, exist_ok=True)
    for role in roles or Role:
        write_bytes_atomic(folder / ROSTER_FILES[role], roster_csv(roster.of(role), role))


def load_roster(root: Path) -> Roster:
    """Read roster/*.csv of the workspace; a broken roster file is a FupinError naming file and row."""
    roster = Roster()
    folder = root / "roster"
    for role in (Role.town, Role.village, Role.aid_unit, Role.leader, Role.cadre, Role.helper):
        path = folder / ROSTER_FILES[role]
        if not path.is_file():
            continue
        try:
            sheets = read_file(path)
        except UnreadableFile as exc:
            finding = make_finding(exc.code, file=str(path), **exc.context)
            raise FupinError(f"花名册文件 {path} 无法读取：{finding.message}") from None
        rows = sheets[0].rows
        if not any(any(c not in (None, "") for c in r) for r in rows):
            continue
        parsed, findings = parse_roster_rows(rows, role, roster, str(path), with_id=True)
        problems = [f for f in findings if f.severity == "error"]
        if problems:
            lines = "\n".join(f"  {f.where()}：{f.message}" for f in problems[:20])
            raise FupinError(f"花名册文件 {path} 有误；请改正后重试：\n{lines}")
        units = []
        for row, unit in parsed:
            if not unit.unit_id:
                raise FupinError(f"{path} 第 {row} 行：缺少“编号”；请用 fupin roster import 导入而不要手工删除编号列")
            units.append(unit)
        roster.units[role] = units
    return roster
