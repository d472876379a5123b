"""催报记录 (reminder log): every attempt to send a reminder, appended to returns/reminders.jsonl, never rewritten."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.store.jsonl import read_lines

LOG = "reminders.jsonl"


@dataclass(frozen=True)
class Reminded:
    """How often a (unit, round) was chased successfully, and when last."""

    count: int
    last_at: dt.datetime


def log_path(root: Path) -> Path:
    """Where the workspace keeps its reminder log."""
    return root / "returns" / LOG


def append_attempts(root: Path, entries: list[dict]) -> None:
    """Append attempts as JSON lines and flush them to disk (one write per line, O_APPEND)."""
    if not entries:
        return
    path = log_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        for entry in entries:
            os.write(fd, (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_attempts(root: Path) -> list[dict]:
    """Every attempt logged; a line cut short by a crash is skipped."""
    return list(read_lines(log_path(root)))


def reminded_units(attempts: list[dict]) -> dict[tuple[str, int], Reminded]:
    """(unit_id, round) → how many successful reminders reached it and when the last one was sent."""
    found: dict[tuple[str, int], Reminded] = {}
    for entry in attempts:
        if not entry.get("ok"):
            continue
        at = dt.datetime.fromisoformat(entry["at"])
        for unit in entry.get("units", []):
            key = (unit["unit_id"], int(unit["round"]))
            old = found.get(key)
            found[key] = Reminded((old.count if old else 0) + 1, max(at, old.last_at) if old else at)
    return found
