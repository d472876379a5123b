"""`returns confirm`: a clerk's reading of a paper return's task, kept as a confirm event (the record untouched)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.model.problems import FupinError
from fupin_cli.model.record import Return
from fupin_cli.store.archive import read_record
from fupin_cli.store.events import append_event
from fupin_cli.store.lock import store_lock
from fupin_cli.store.paper_files import read_measures
from fupin_cli.store.retime import resolve_return_id
from fupin_cli.store.review_log import CONFIRM, confirmations, confirmed


@dataclass(frozen=True)
class PaperReview:
    """A stored paper return as `returns show` prints it: the record (confirmations applied) and the measures."""

    record: Return
    measures: dict
    confirms: dict[str, dict]


def _load(root: Path, text: str) -> tuple[str, Return, dict]:
    return_id = resolve_return_id(root, text)
    try:
        record = read_record(root, return_id)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise FupinError("store-record-unreadable", reason=type(exc).__name__) from None
    measures = read_measures(root, return_id)
    if measures is None:
        raise FupinError("returns-not-paper", value=return_id)
    return return_id, record, measures


def paper_review(root: Path, text: str) -> PaperReview:
    """What was read from a paper return, per task, with each box's ink measure and any confirmation."""
    return_id, record, measures = _load(root, text)
    confirms = confirmations(root)
    return PaperReview(confirmed(record, confirms), measures, confirms.get(return_id, {}))


def parse_done(text: str) -> bool:
    """--done: 是 or 否 (yes/no, y/n, 1/0 also)."""
    value = text.strip().lower()
    if value in ("是", "yes", "y", "1", "√", "✓"):
        return True
    if value in ("否", "no", "n", "0", "×"):
        return False
    raise FupinError("confirm-done-invalid", value=text)


def parse_day(text: str, year: int) -> dt.date:
    """--date MM-DD (or YYYY-MM-DD) as a day of the campaign year."""
    value = text.strip().replace("/", "-").replace("月", "-").replace("日", "")
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 2:
            return dt.date(year, int(parts[0]), int(parts[1]))
    except ValueError:
        pass
    raise FupinError("confirm-date-invalid", value=text)


def confirm_answer(root: Path, text: str, number: int, done: bool, day: dt.date | None, by: str,
                   at: dt.datetime) -> PaperReview:
    """Record a clerk's answer for task `number` of a paper return as one confirm event; the record is untouched."""
    with store_lock(root):
        return_id, record, _measures = _load(root, text)
        numbers = {t["number"]: t["task_id"] for t in _measures.get("tasks", [])}
        if number not in numbers:
            raise FupinError("confirm-task-unknown", value=return_id, number=number)
        append_event(root, {"event": CONFIRM, "return_id": return_id, "task_id": numbers[number], "number": number,
                            "done": done, "done_on": day.isoformat() if day else None, "by": by.strip(),
                            "at": at.isoformat()})
    return paper_review(root, return_id)
