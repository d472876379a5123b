"""The returns/ store's event log: corrections kept as appended lines, applied whenever the records are read.

A record file is never rewritten. A correction — so far only a corrected received time (`returns retime`) —
is one JSON line appended to returns/events.jsonl; whoever reads records applies the events, the latest
event for a return winning. A line is written with a single write on an append-only handle and flushed
before the command reports success, so a crash leaves either the whole line or a partial last line, which
readers skip (the next append starts on a fresh line).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from fupin_cli.model.record import Return
from fupin_cli.store.atomic import fsync_dir

EVENTS = "events.jsonl"
RETIME = "retime"


def events_path(root: Path) -> Path:
    """Where the workspace's event log lives."""
    return root / "returns" / EVENTS


def append_event(root: Path, event: dict) -> None:
    """Append one event as one whole JSON line and flush it to disk (call under the store lock)."""
    path = events_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:
            with open(path, "rb") as existing:  # (no pread on Windows)
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    line = b"\n" + line  # a line cut short by a crash stays apart from ours
        written = 0
        while written < len(line):
            written += os.write(fd, line[written:])
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def read_events(root: Path) -> Iterator[dict]:
    """Every whole event of the log, oldest first; a line cut short by a crash is skipped."""
    try:
        text = events_path(root).read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and isinstance(event.get("return_id"), str):
            yield event


def received_overrides(root: Path) -> dict[str, dt.datetime]:
    """The corrected received time of each retimed return (its latest retime event)."""
    found: dict[str, dt.datetime] = {}
    for event in read_events(root):
        if event.get("event") != RETIME:
            continue
        try:
            moment = dt.datetime.fromisoformat(str(event.get("received_at")))
        except ValueError:
            continue
        if moment.tzinfo is not None:
            found[event["return_id"]] = moment
    return found


def retimed(record: Return, overrides: dict[str, dt.datetime]) -> Return:
    """The record with its corrected received time, if it has one."""
    moment = overrides.get(record.return_id)
    return record if moment is None or moment == record.received_at else replace(record, received_at=moment)


def apply_overrides(records: Iterable[Return], overrides: dict[str, dt.datetime]) -> list[Return]:
    """Every record with its corrected received time."""
    return [retimed(r, overrides) for r in records] if overrides else list(records)
