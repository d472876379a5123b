"""The returns a status-like command needs, picked from the store's index before any record is parsed.

`current_returns` (count/status.py) keeps, for each (checklist, unit, round), the latest return received by
the cutoff and the time the round was first reported. `current_stream` yields just what gives it the same
answer: per key the latest return as counting reads it (keys, answers, findings, from the index's `facts`;
corrections of received time and confirmed paper answers applied), and — when another return of that key
came earlier — the earliest one as a stub without answers. Every other return is left unparsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from fupin_cli.model.record import Answer, Return
from fupin_cli.store.events import received_overrides, retimed
from fupin_cli.store.index_db import Index, Row
from fupin_cli.store.review_log import confirmations, confirmed

_FAR = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _order(row: Row, received: dt.datetime) -> tuple:
    """The order of count/status.py's `_newer`: received time, then ingest time, then id."""
    return (received, row.ingested_at or _FAR, row.return_id)


def _stub(row: Row, received: dt.datetime, answers: tuple[Answer, ...] = ()) -> Return:
    """A return's keys and received time (and the answers given): what `current_returns` reads of an earlier
    return of a round, or of a counted one (its 是 answers only)."""
    return Return(return_id=row.return_id, role="", unit_id=row.unit_id, name="", town="", village="",
                  template_id=row.template_id, template_version="", round=row.round, received_at=received,
                  sha256="", source_name="", stored_name="", size=0, answers=answers, ingested_at=row.ingested_at)


class _Done(dict):
    """Task id → one (immutable) 是 answer, made once and shared by every counted return."""

    def __missing__(self, task_id: str) -> Answer:
        answer = self[task_id] = Answer(task_id, True, None)
        return answer


def _sent_back(rows: Iterator[Row], overrides: dict, rejected: dict[str, dt.datetime],
               cutoff: dt.datetime) -> dict[tuple[str, str, int], dt.datetime]:
    """(checklist, unit, round) → received time of its latest return sent back by the cutoff."""
    found: dict[tuple[str, str, int], dt.datetime] = {}
    for row in rows:
        at = rejected.get(row.return_id)
        received = overrides.get(row.return_id, row.received_at)
        if at is None or at > cutoff or received > cutoff:
            continue
        key = (row.template_id, row.unit_id, row.round)
        found[key] = max(received, found.get(key, received))
    return found


def current_stream(root: Path, unit_ids: set[str] | None, cutoff: dt.datetime,
                   unreadable: list[str] | None = None, reviews: dict | None = None,
                   whole: Callable[[str], bool] | None = None) -> Iterator[Return]:
    """The latest return (whole) and the earliest (a stub) of each checklist, unit and round by `cutoff`.

    With `reviews`, "earliest" counts from after the latest return sent back (a resubmission is judged by
    its own received time); the sent-back return itself may still be the latest (the round is `returned`).
    With `whole` (template id → read whole?), the latest returns of the other checklists come as their keys
    and the tasks they answer 是 only (from the index's `done` column): enough for counts, not for problems.
    """
    index = Index(root, unreadable, unit_ids)
    try:
        overrides = received_overrides(root)
        rejected = {rid: r.at for rid, r in (reviews or {}).items() if r.state == "rejected"}
        barrier = _sent_back(iter(index.rows.values()), overrides, rejected, cutoff) if rejected else {}
        latest: dict[tuple[str, str, int], tuple[tuple, Row]] = {}
        first: dict[tuple[str, str, int], tuple[dt.datetime, Row]] = {}
        for row in index.rows.values():
            if unit_ids is not None and row.unit_id not in unit_ids:
                continue
            received = overrides.get(row.return_id, row.received_at)
            if received > cutoff:
                continue
            key = (row.template_id, row.unit_id, row.round)
            order = _order(row, received)
            if key not in latest or order > latest[key][0]:
                latest[key] = (order, row)
            if key in barrier and received <= barrier[key]:
                continue
            if key not in first or received < first[key][0]:
                first[key] = (received, row)
        for key, (received, row) in first.items():
            if row.return_id != latest[key][1].return_id and received > barrier.get(key, _FAR):
                yield _stub(row, received)
        confirms = confirmations(root)
        picked = [row for _order_, row in latest.values()]
        light = {row.return_id: row for row in picked
                 if whole is not None and not whole(row.template_id) and row.return_id not in confirms}
        for record in index.counted(row.return_id for row in picked if row.return_id not in light):
            yield confirmed(retimed(record, overrides), confirms)
        answers = _Done()
        for return_id, done in index.done(light):
            row = light[return_id]
            yield _stub(row, overrides.get(return_id, row.received_at), tuple(map(answers.__getitem__, done)))
    finally:
        index.close()
