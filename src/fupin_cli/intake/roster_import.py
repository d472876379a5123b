"""Import a roster from the office's own spreadsheet: a file with any problem changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from fupin_cli.intake.readers import RawSheet, UnreadableFile, read_file
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError, Problem, make_problem
from fupin_cli.model.roles import ROLES
from fupin_cli.model.roster import (
    Carried,
    Roster,
    Unit,
    derive_id,
    identity_key,
    match_headers,
    place_key,
    read_roster_sheet,
)
from fupin_cli.model.text import normalize_name
from fupin_cli.store.archive import iter_returns
from fupin_cli.store.roster_file import load_roster, save_roster


@dataclass
class ImportResult:
    """What `roster import` did: counts, or the findings that made it refuse the file."""

    role: Role
    added: list[Unit] = field(default_factory=list)
    updated: list[Unit] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Unit] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)  # errors: the file was refused
    warnings: list[Problem] = field(default_factory=list)  # imported all the same (a phone missing …)
    ignored: tuple[str, ...] = ()  # header texts of the columns no field reads
    carried: list[Carried] = field(default_factory=list)  # merged cells whose value was carried down
    sheet: str = ""  # the worksheet read, when the workbook has several
    sheets: tuple[str, ...] = ()  # every worksheet of the workbook
    removed_returns: dict[str, int] = field(default_factory=dict)  # unit id → returns stored for it

    @property
    def ok(self) -> bool:
        """True when the file was accepted."""
        return not self.findings


def duplicate_findings(incoming: list[tuple[int, Unit]], source: str) -> list[Problem]:
    """Rows that repeat a unit (same name, place, phone and work unit) or a region code of another place."""
    findings = []
    seen: dict[tuple[str, ...], int] = {}
    codes: dict[str, str] = {}
    for row, unit in incoming:
        key = identity_key(unit)
        if key in seen:
            findings.append(make_problem("duplicate-unit", file=source, row=row, value=unit.name, other_row=seen[key]))
        else:
            seen[key] = row
        if unit.code and unit.role in (Role.town, Role.village):
            if unit.code in codes and codes[unit.code] != unit.name:
                findings.append(make_problem("duplicate-code", file=source, row=row, value=unit.code,
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


# Words in a worksheet's name that say whose list it is; the longest one found decides (村干部 over 村).
SHEET_WORDS: dict[Role, tuple[str, ...]] = {
    Role.town: ("镇", "乡镇", "镇街", "街道"),
    Role.village: ("村", "行政村", "村委", "村社区"),
    Role.aid_unit: ("帮扶单位", "单位"),
    Role.leader: ("处级领导", "领导", "处级干部"),
    Role.cadre: ("村干部", "驻村干部", "第一书记", "干部"),
    Role.helper: ("帮扶责任人", "责任人", "帮扶人", "结对帮扶"),
}


def sheet_role(name: str) -> Role | None:
    """The role a worksheet's name speaks of (帮扶责任人名单 → helper), or None when it names none or several."""
    text = normalize_name(name)
    hits = [(len(w), r) for r, words in SHEET_WORDS.items() for w in words if w in text]
    if not hits:
        return None
    longest = max(n for n, _ in hits)
    roles = {r for n, r in hits if n == longest}
    return roles.pop() if len(roles) == 1 else None


def _has_cells(sheet: RawSheet) -> bool:
    return any(any(c not in (None, "") for c in r) for r in sheet.rows)


def choose_sheet(sheets: list[RawSheet], role: Role, wanted: str | None,
                 source: str) -> tuple[RawSheet | None, list[Problem]]:
    """The worksheet to import (by --sheet, as the only filled one, or by name and header), or why none.

    Of the sheets whose header has every required column, one named for the role wins; else the one whose
    header fits best (most columns read, fewest left over). A tie or no fit is a finding naming the sheets.
    """
    listed = "、".join(s.name for s in sheets) or "（无）"
    if wanted is not None:
        hit = next((s for s in sheets if normalize_name(s.name) == normalize_name(wanted)), None)
        if hit is None:
            raise FupinError("roster-sheet-unknown", path=source, value=wanted, sheets=listed)
        return hit, []
    filled = [s for s in sheets if s.visible and _has_cells(s)]
    if len(filled) <= 1:
        return (filled[0], []) if filled else (None, [make_problem("empty-table", file=source)])
    matches = {s.name: m for s in filled if (m := match_headers(s.rows, role)) is not None and not m.missing}
    fitting = [s for s in filled if s.name in matches]
    if not fitting:
        columns = "、".join(c.header for c in ROLES[role].columns if c.required)
        return None, [make_problem("roster-sheet-none", file=source, role=role.label, columns=columns, sheets=listed)]
    named = [s for s in fitting if sheet_role(s.name) is role]
    pool = named or [s for s in fitting if sheet_role(s.name) is None] or fitting
    best = max(matches[s.name].score for s in pool)
    top = [s for s in pool if matches[s.name].score == best]
    if len(top) == 1:
        return top[0], []
    return None, [make_problem("roster-sheet-ambiguous", file=source, count=len(top), role=role.label,
                               candidates="、".join(s.name for s in top), sheets=listed)]


def import_roster(root: Path, path: Path, role: Role, replace_all: bool = False, dry_run: bool = False,
                  sheet_name: str | None = None) -> ImportResult:
    """Import an office spreadsheet into the workspace roster; a file with any problem changes nothing."""
    roster = load_roster(root)
    source = str(path)
    try:
        sheets = read_file(path)
    except UnreadableFile as exc:
        return ImportResult(role, findings=[make_problem(exc.code, file=source, **exc.context)])
    sheet, findings = choose_sheet(sheets, role, sheet_name, source)
    names = tuple(s.name for s in sheets)
    if sheet is None:
        return ImportResult(role, findings=findings, sheets=names)
    read = read_roster_sheet(sheet.rows, role, roster, source, merged=sheet.merged)
    several = sum(1 for s in sheets if _has_cells(s)) > 1  # Excel's empty Sheet2, Sheet3 do not count
    findings, warnings = read.findings, read.warnings
    if several:  # say on which worksheet each problem is
        findings, warnings = ([replace(f, sheet=sheet.name) for f in fs] for fs in (findings, warnings))
    base = dict(warnings=warnings, ignored=read.ignored, carried=read.carried, sheet=sheet.name if several else "",
                sheets=names)
    if findings:  # report every problem of the file at once, duplicates included
        findings += duplicate_findings(read.parsed, source)
        return ImportResult(role, findings=sorted(findings, key=lambda f: (f.row or 0, f.code)), **base)
    if not read.parsed:
        return ImportResult(role, findings=[make_problem("empty-table", file=source, sheet=base["sheet"])], **base)
    result = replace(merge_units(roster, role, read.parsed, source, replace_all), **base)
    if result.ok and result.removed:
        ids = {u.unit_id for u in result.removed}
        result.removed_returns = dict(Counter(r.unit_id for r in iter_returns(root, ids)))
    if result.ok and not dry_run and (result.added or result.updated or result.removed):
        save_roster(root, roster, [role])
    return result
