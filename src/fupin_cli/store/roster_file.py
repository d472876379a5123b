"""The workspace's roster/ folder: one CSV per role, written atomically, read back with its ids."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError, message_for
from fupin_cli.model.roles import ROLES
from fupin_cli.model.roster import Roster, parse_roster_rows, roster_csv
from fupin_cli.model.text import UndecodableText, decode_text, parse_text
from fupin_cli.store.atomic import write_bytes_atomic


def save_roster(root: Path, roster: Roster, roles: Iterable[Role] | None = None) -> None:
    """Write the roster CSVs (all roles, or just those given), each atomically."""
    folder = root / "roster"
    folder.mkdir(parents=True, exist_ok=True)
    for role in roles or Role:
        write_bytes_atomic(folder / ROLES[role].roster_file, roster_csv(roster.of(role), role))


def load_roster(root: Path) -> Roster:
    """Read roster/*.csv of the workspace; a broken roster file is a FupinError naming file and row."""
    roster = Roster()
    folder = root / "roster"
    for role, info in ROLES.items():
        path = folder / info.roster_file
        if not path.is_file():
            continue
        rows = _read_rows(path)
        if not any(any(c not in (None, "") for c in r) for r in rows):
            continue
        parsed, findings = parse_roster_rows(rows, role, roster, str(path), with_id=True)
        problems = [f for f in findings if f.severity == "error"]
        if problems:
            lines = "\n".join(f"  {f.where()}：{f.message}" for f in problems[:20])
            raise FupinError("roster-file-invalid", path=path, lines=lines)
        units = []
        for row, unit in parsed:
            if not unit.unit_id:
                raise FupinError("roster-id-missing", path=path, line=row)
            units.append(unit)
        roster.units[role] = units
    return roster


def _read_rows(path: Path) -> list[list[object]]:
    """A stored roster CSV as rows; one re-saved by Excel as GBK or tab-separated Unicode text reads as well."""
    try:
        text, _encoding = decode_text(path.read_bytes())
        return parse_text(text)
    except UndecodableText as exc:
        reason = message_for("encoding-error", offset=exc.offset)
        raise FupinError("roster-file-unreadable", path=path, reason=reason) from None
    except csv.Error as exc:
        reason = message_for("file-unreadable", reason=f"CSV 格式错误：{exc}")
        raise FupinError("roster-file-unreadable", path=path, reason=reason) from None
