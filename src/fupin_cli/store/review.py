"""审核与退回 (review): accept or send back a stored return, as events of the store's hash-chained log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.model.problems import FupinError
from fupin_cli.model.record import Return
from fupin_cli.store.archive import load_returns
from fupin_cli.store.events import ACCEPT, REJECT, append_event, read_events
from fupin_cli.store.lock import store_lock
from fupin_cli.store.retime import resolve_return_id

ACCEPTED = "accepted"
REJECTED = "rejected"


@dataclass(frozen=True)
class Review:
    """A return's review: accepted (已审核) or rejected (已退回), by whom, when, and the reason or note."""

    return_id: str
    state: str
    at: dt.datetime
    by: str = ""
    reason: str = ""

    def to_dict(self) -> dict:
        """The review as JSON."""
        return {"return_id": self.return_id, "review": self.state, "at": self.at.isoformat(), "by": self.by or None,
                "reason": self.reason or None}


def reviews(root: Path) -> dict[str, Review]:
    """Each reviewed return's latest review event."""
    found: dict[str, Review] = {}
    for event in read_events(root):
        kind = event.get("event")
        if kind not in (ACCEPT, REJECT):
            continue
        try:
            at = dt.datetime.fromisoformat(str(event.get("at")))
        except ValueError:
            continue
        found[event["return_id"]] = Review(event["return_id"], ACCEPTED if kind == ACCEPT else REJECTED, at,
                                           str(event.get("by") or ""),
                                           str(event.get("reason") or event.get("note") or ""))
    return found


def _newest(records: list[Return], record: Return) -> Return:
    """The newest return for the same checklist, unit and round as `record`."""
    mine = [r for r in records if (r.template_id, r.unit_id, r.round) == (record.template_id, record.unit_id,
                                                                            record.round)]
    return max(mine, key=lambda r: (r.received_at, r.ingested_at or r.received_at, r.return_id))


def _target(root: Path, text: str) -> tuple[Return, Review | None]:
    """The return named (a unique prefix of ≥ 6 characters will do); refused unless it is its round's newest."""
    return_id = resolve_return_id(root, text)
    records = load_returns(root)
    record = next((r for r in records if r.return_id == return_id), None)
    if record is None:
        raise FupinError("return-not-found", value=text)
    newest = _newest(records, record)
    if newest.return_id != record.return_id:
        raise FupinError("review-not-newest", value=record.return_id, newer=newest.return_id, name=record.name,
                         round=record.round)
    return record, reviews(root).get(return_id)


def reject_return(root: Path, text: str, reason: str, by: str, at: dt.datetime) -> tuple[Return, Review]:
    """Send a return back with a reason (退回): its round no longer counts until a newer return arrives."""
    reason = reason.strip()
    if not reason:
        raise FupinError("reject-no-reason")
    with store_lock(root):
        record, review = _target(root, text)
        if review is not None and review.state == REJECTED:
            raise FupinError("review-already-rejected", value=record.return_id, reason=review.reason)
        append_event(root, {"event": REJECT, "return_id": record.return_id, "reason": reason, "by": by.strip(),
                            "at": at.isoformat(timespec="seconds")})
    return record, Review(record.return_id, REJECTED, at, by.strip(), reason)


def accept_return(root: Path, text: str, by: str, note: str, at: dt.datetime) -> tuple[Return, Review]:
    """Mark a return as checked (已审核)."""
    with store_lock(root):
        record, review = _target(root, text)
        if review is not None:
            code = "review-already-rejected" if review.state == REJECTED else "review-already-accepted"
            raise FupinError(code, value=record.return_id, reason=review.reason)
        append_event(root, {"event": ACCEPT, "return_id": record.return_id, "note": note.strip(), "by": by.strip(),
                            "at": at.isoformat(timespec="seconds")})
    return record, Review(record.return_id, ACCEPTED, at, by.strip(), note.strip())


def unit_history(root: Path, unit_id: str) -> list[dict]:
    """Every return of a unit in order and the review events between them: received, superseded, rejected, accepted."""
    records = sorted((r for r in load_returns(root) if r.unit_id == unit_id),
                     key=lambda r: (r.received_at, r.ingested_at or r.received_at, r.return_id))
    events: list[tuple[dt.datetime, int, dict]] = []
    newest: dict[tuple[str, int], Return] = {}
    for r in records:
        key = (r.template_id, r.round)
        events.append((r.received_at, 0, {
            "at": r.received_at.isoformat(), "event": "received", "return_id": r.return_id, "round": r.round,
            "template_id": r.template_id, "file": r.source_name, "recognised_by": r.recognised_by,
            "superseded": r.superseded, "by": None, "reason": None}))
        older = newest.get(key)
        if older is not None:
            events.append((r.received_at, 1, {
                "at": r.received_at.isoformat(), "event": "superseded", "return_id": older.return_id,
                "round": older.round, "template_id": older.template_id, "by": None,
                "reason": None, "superseded_by": r.return_id}))
        newest[key] = r
    mine = {r.return_id: r for r in records}
    for event in read_events(root):
        kind = event.get("event")
        record = mine.get(str(event.get("return_id")))
        if kind not in (ACCEPT, REJECT) or record is None:
            continue
        try:
            at = dt.datetime.fromisoformat(str(event.get("at")))
        except ValueError:
            continue
        events.append((at, 2, {"at": at.isoformat(), "event": ACCEPTED if kind == ACCEPT else REJECTED,
                               "return_id": record.return_id, "round": record.round,
                               "template_id": record.template_id, "by": event.get("by") or None,
                               "reason": event.get("reason") or event.get("note") or None}))
    events.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in events]
