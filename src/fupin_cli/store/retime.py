"""`returns retime`: correct a stored return's received time by an event, and say when a re-sent file's differs."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from fupin_cli.model.problems import FupinError, Problem, make_problem
from fupin_cli.model.record import Return
from fupin_cli.store.archive import RECORDS, read_record
from fupin_cli.store.events import RETIME, append_event, received_overrides
from fupin_cli.store.lock import store_lock

MIN_PREFIX = 6


@dataclass(frozen=True)
class Retimed:
    """What `returns retime` did: the return with its new received time, the time it had, whether it changed."""

    record: Return
    previous: dt.datetime
    reason: str

    @property
    def changed(self) -> bool:
        """False when the return already had that received time (no event was written)."""
        return self.previous != self.record.received_at


def resolve_return_id(root: Path, text: str) -> str:
    """The stored return that `text` names: its whole id, or a prefix of at least 6 characters only it has."""
    value = text.strip().lower()
    try:
        ids = sorted(n[:-5] for n in os.listdir(root / "returns" / RECORDS) if n.endswith(".json"))
    except FileNotFoundError:
        ids = []
    if value in ids:
        return value
    hits = [i for i in ids if value and i.startswith(value)]
    if not hits:
        raise FupinError("return-not-found", value=text)
    if len(value) < MIN_PREFIX:
        raise FupinError("return-id-too-short", value=text)
    if len(hits) > 1:
        raise FupinError("return-id-ambiguous", value=text, candidates="、".join(hits[:10]))
    return hits[0]


def retime_return(root: Path, text: str, received: dt.datetime, reason: str, at: dt.datetime) -> Retimed:
    """Correct the received time of a stored return: one event in returns/events.jsonl, the record untouched."""
    reason = reason.strip()
    if not reason:
        raise FupinError("retime-no-reason")
    with store_lock(root):
        return_id = resolve_return_id(root, text)
        try:
            record = read_record(root, return_id)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FupinError("store-record-unreadable", reason=type(exc).__name__) from None
        previous = received_overrides(root).get(return_id, record.received_at)
        result = Retimed(replace(record, received_at=received), previous, reason)
        if result.changed:
            append_event(root, {"event": RETIME, "return_id": return_id, "received_at": received.isoformat(),
                                "previous": previous.isoformat(), "reason": reason, "at": at.isoformat()})
    return result


def received_differs(source: str, stored: Return | None, given: dt.datetime, tz: dt.tzinfo) -> list[Problem]:
    """A warning for a file already stored with another received time, naming the command that corrects it."""
    if stored is None or stored.received_at == given:
        return []
    local = given.astimezone(tz)
    return [make_problem("received-differs", file=source, value=local.strftime("%Y-%m-%d %H:%M"),
                         stored=stored.received_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                         return_id=stored.return_id, unit=stored.name, round=stored.round,
                         given=local.strftime("%Y-%m-%dT%H:%M"))]
