"""镇汇总包记录 (relay log): every bundle the district took, appended to returns/relays.jsonl, never rewritten."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from fupin_cli.store.jsonl import read_lines

RELAYS = "relays.jsonl"


def append_relay(root: Path, entry: dict) -> None:
    """Append one bundle's line (which, from whom, when, how many stored) and make it durable."""
    path = root / "returns" / RELAYS
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def relayed_bundles(root: Path) -> dict[str, dict]:
    """The bundles taken so far (returns/relays.jsonl), by their sha256."""
    return {entry["bundle"]: entry for entry in read_lines(root / "returns" / RELAYS, "bundle")}


def relay_summary(root: Path) -> dict[str, dict]:
    """Per town id: when its last bundle was taken (`last_relay_at`) and how many returns came through (`relayed`)."""
    found: dict[str, dict] = {}
    for entry in relayed_bundles(root).values():
        town = found.setdefault(str(entry.get("town_id", "")), {"last_relay_at": None, "relayed": 0})
        when = entry.get("relayed_at")
        if isinstance(when, str) and (town["last_relay_at"] is None
                                      or dt.datetime.fromisoformat(when) > dt.datetime.fromisoformat(
                                          town["last_relay_at"])):
            town["last_relay_at"] = when
        town["relayed"] += int(entry.get("stored") or 0)
    return found


def with_relays(district_json: dict, root: Path) -> dict:
    """`status --format json` of the district with `towns[].last_relay_at` and `towns[].relayed`."""
    relays = relay_summary(root)
    for town in district_json.get("towns", ()):
        town.update(relays.get(town.get("town_id"), {"last_relay_at": None, "relayed": 0}))
    return district_json
