"""Import a roster from the office's own spreadsheet: a file with any problem changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from fupin_cli.intake.readers import UnreadableFile, read_file
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import Problem, make_problem
from fupin_cli.model.roster import Roster, Unit, derive_id, identity_key, parse_roster_rows, place_key
from fupin_cli.store.roster_file import load_roster, save_roster


@dataclass
class ImportResult:
    """What `roster import` did: counts, or the findings that made it refuse the file."""

    role: Role
    added: list[Unit] = field(default_factory=list)
    updated: list[Unit] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Unit] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)

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


def import_roster(root: Path, path: Path, role: Role, replace_all: bool = False, dry_run: bool = False) -> ImportResult:
    """Import an office spreadsheet into the workspace roster; a file with any problem changes nothing."""
    roster = load_roster(root)
    source = str(path)
    try:
        sheets = read_file(path)
    except UnreadableFile as exc:
        return ImportResult(role, findings=[make_problem(exc.code, file=source, **exc.context)])
    sheet = next((s for s in sheets if s.visible and any(any(c not in (None, "") for c in r) for r in s.rows)), None)
    if sheet is None:
        return ImportResult(role, findings=[make_problem("empty-table", file=source)])
    parsed, findings = parse_roster_rows(sheet.rows, role, roster, source)
    if findings:  # report every problem of the file at once, duplicates included
        findings += duplicate_findings(parsed, source)
        return ImportResult(role, findings=sorted(findings, key=lambda f: (f.row or 0, f.code)))
    if not parsed:
        return ImportResult(role, findings=[make_problem("empty-table", file=source)])
    result = merge_units(roster, role, parsed, source, replace_all)
    if result.ok and not dry_run and (result.added or result.updated or result.removed):
        save_roster(root, roster, [role])
    return result
