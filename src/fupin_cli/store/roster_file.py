"""The workspace's roster/ folder: one CSV per role, written atomically, read back with its ids."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from fupin_cli import __version__
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import FupinError, message_for
from fupin_cli.model.roles import ROLES
from fupin_cli.model.roster import Roster, Unit, parse_roster_rows, roster_csv
from fupin_cli.model.text import UndecodableText, decode_text, parse_text
from fupin_cli.store.atomic import write_bytes_atomic


def save_roster(root: Path, roster: Roster, roles: Iterable[Role] | None = None) -> None:
    """Write the roster CSVs (all roles, or just those given), each atomically."""
    folder = root / "roster"
    folder.mkdir(parents=True, exist_ok=True)
    for role in roles or Role:
        write_bytes_atomic(folder / ROLES[role].roster_file, roster_csv(roster.of(role), role))


# The parsed roster, kept beside the store so that status at prefecture scale (40,000 units) does not
# re-check every row on every command. Keyed by the roster files' bytes: any edit, by fupin or by hand,
# makes it stale, and a stale, unreadable or foreign cache is ignored and rewritten.
CACHE = Path("returns") / ".cache" / "roster.json"
CACHE_FORMAT = 1
CACHE_FROM = 2000  # units: below this, parsing takes a few ms and the workspace is left without a cache file
_FIELDS = ("unit_id", "name", "town", "village", "code", "head", "phone", "post", "work_unit", "households")


def load_roster(root: Path) -> Roster:
    """Read roster/*.csv of the workspace; a broken roster file is a FupinError naming file and row."""
    folder = root / "roster"
    files: dict[Role, bytes] = {}
    for role, info in ROLES.items():
        try:
            files[role] = (folder / info.roster_file).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
    key = _cache_key(files)
    cached = _read_cache(root, key)
    if cached is not None:
        return cached
    roster = Roster()
    for role, data in files.items():
        path = folder / ROLES[role].roster_file
        rows = _read_rows(path, data)
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
    _write_cache(root, key, roster)
    return roster


def _cache_key(files: dict[Role, bytes]) -> str:
    digest = hashlib.sha256(f"{__version__}/{CACHE_FORMAT}".encode())
    for role, data in files.items():
        digest.update(f"\0{role.value}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _read_cache(root: Path, key: str) -> Roster | None:
    """The cached roster when its key matches the roster files; None otherwise (never an error)."""
    try:
        data = json.loads((root / CACHE).read_bytes())
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        roster = Roster()
        for value, rows in data["units"].items():
            role = Role(value)
            roster.units[role] = [Unit(role, *row[:10], villages=tuple(row[10])) for row in rows]
        return roster
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def _write_cache(root: Path, key: str, roster: Roster) -> None:
    """Keep the parsed roster for the next command; a workspace that cannot be written simply has no cache."""
    if not (root / "returns").is_dir() or sum(len(units) for units in roster.units.values()) < CACHE_FROM:
        return
    units = {role.value: [[getattr(u, f) for f in _FIELDS] + [list(u.villages)] for u in roster.of(role)]
             for role in Role if roster.of(role)}
    payload = json.dumps({"key": key, "units": units}, ensure_ascii=False, separators=(",", ":"))
    with contextlib.suppress(OSError):
        write_bytes_atomic(root / CACHE, payload.encode("utf-8"), durable=False)


def _read_rows(path: Path, data: bytes) -> list[list[object]]:
    """A stored roster CSV as rows; one re-saved by Excel as GBK or tab-separated Unicode text reads as well."""
    try:
        text, _encoding = decode_text(data)
        return parse_text(text)
    except UndecodableText as exc:
        reason = message_for("encoding-error", offset=exc.offset)
        raise FupinError("roster-file-unreadable", path=path, reason=reason) from None
    except csv.Error as exc:
        reason = message_for("file-unreadable", reason=f"CSV 格式错误：{exc}")
        raise FupinError("roster-file-unreadable", path=path, reason=reason) from None
