"""The returns/ store's event log: corrections kept as appended lines, applied whenever the records are read.

A record file is never rewritten. A correction — so far only a corrected received time (`returns retime`) —
is one JSON line appended to returns/events.jsonl; whoever reads records applies the events, the latest
event for a return winning. A line is written with a single write on an append-only handle and flushed
before the command reports success, so a crash leaves either the whole line or a partial last line, which
readers skip (the next append starts on a fresh line).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from fupin_cli.model.record import Return
from fupin_cli.store.atomic import fsync_dir
from fupin_cli.store.jsonl import read_lines

EVENTS = "events.jsonl"
RETIME = "retime"
REJECT = "reject"
ACCEPT = "accept"


def events_path(root: Path) -> Path:
    """Where the workspace's event log lives."""
    return root / "returns" / EVENTS


def line_hash(line: bytes) -> str:
    """The sha256 of one log line as stored (without its line break): the next line's `prev`."""
    return hashlib.sha256(line.rstrip(b"\r\n")).hexdigest()


def sealed(event: dict) -> dict:
    """The event with `sha`: the sha256 of its own content, so an edit of any line (the last too) shows."""
    body = {k: v for k, v in event.items() if k != "sha"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {**body, "sha": hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def last_whole_line(path: Path) -> bytes:
    """The last complete line of the log (b"" for none); a line cut short by a crash is not one."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            chunk = 4096
            while True:
                start = max(0, size - chunk)
                handle.seek(start)
                tail = handle.read(size - start)
                lines = tail.split(b"\n")
                # lines[-1] follows the last newline: empty, or a line cut short by a crash; when the chunk
                # starts mid-file, lines[0] may be the end of a longer line and is no whole line either
                whole = [x for x in lines[(1 if start else 0):-1] if x.strip()]
                if whole:
                    return whole[-1]
                if start == 0:
                    return b""
                chunk *= 4
    except FileNotFoundError:
        return b""


def append_event(root: Path, event: dict) -> dict:
    """Append one event as one whole JSON line and flush it to disk (call under the store lock).

    Each line carries `prev`, the sha256 of the line before it, and `sha`, the sha256 of its own content:
    `fupin doctor` finds any line edited, dropped or moved. Returns the event as written.
    """
    path = events_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    last = last_whole_line(path)
    event = sealed({**event, "prev": line_hash(last) if last else ""})
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
    return event


def read_events(root: Path) -> Iterator[dict]:
    """Every whole event of the log, oldest first; a line cut short by a crash is skipped."""
    yield from read_lines(events_path(root), "return_id")


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


def chain_problems(root: Path) -> list[tuple[str, int, str]]:
    """The log's breaks as (code, line number, detail): an edited line, a line dropped or moved, a torn line.

    A line cut short by a crash (not JSON, and the chain goes on past it unbroken) is only a warning.
    """
    try:
        raw = events_path(root).read_bytes()
    except FileNotFoundError:
        return []
    found: list[tuple[str, int, str]] = []
    previous = b""
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            found.append(("events-line-torn", number, ""))
            continue
        if not isinstance(event, dict) or sealed(event).get("sha") != event.get("sha"):
            found.append(("events-line-edited", number, ""))
        elif event.get("prev", "") != (line_hash(previous) if previous else ""):
            found.append(("events-chain-broken", number, ""))
        previous = line
    return found
