"""Append-only JSON-lines files (the index, the event log, relays, reminders): read back their whole lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def read_lines(path: Path, key: str | None = None) -> Iterator[dict]:
    """Each line of `path` that is a whole JSON object (with a string `key`, when given); none if it is missing.

    A line cut short by a crash or not UTF-8, a blank line or a line of another shape is skipped: the writers append whole
    lines, so only the last one can be cut, and the records or originals behind it are the truth.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and (key is None or isinstance(data.get(key), str)):
            yield data
