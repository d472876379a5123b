"""Confirmations of paper returns (`returns confirm`): events of returns/events.jsonl, applied when records are read.

The record of a photo is never rewritten: a clerk's reading of a box is one `confirm` event (the format of
store/events.py), and whoever loads the records sees that task's answer replaced and its `paper-unsure`
finding gone (the latest event for a task wins).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from fupin_cli.model.record import Return
from fupin_cli.store.events import read_events

CONFIRM = "confirm"
CLEARED = frozenset({"paper-unsure", "done-without-date", "paper-date-ocr"})  # what a confirmation settles


def confirmations(root: Path) -> dict[str, dict[str, dict]]:
    """return id → task id → its latest confirm event."""
    found: dict[str, dict[str, dict]] = {}
    for event in read_events(root):
        if event.get("event") == CONFIRM and isinstance(event.get("task_id"), str):
            found.setdefault(event["return_id"], {})[event["task_id"]] = event
    return found


def confirmed(record: Return, confirms: dict[str, dict[str, dict]]) -> Return:
    """The record with its confirmed answers, the findings they settle cleared."""
    mine = confirms.get(record.return_id)
    if not mine:
        return record
    answers, settled = [], set()
    for answer in record.answers:
        event = mine.get(answer.task_id)
        if event is None:
            answers.append(answer)
            continue
        day = event.get("done_on")
        answers.append(replace(answer, done=bool(event.get("done")), raw_done="是" if event.get("done") else "否",
                               done_on=dt.date.fromisoformat(day) if day else answer.done_on))
        if isinstance(event.get("number"), int):
            settled.add(event["number"])
    findings = tuple(f for f in record.findings if not (f.code in CLEARED and f.row in settled))
    return replace(record, answers=tuple(answers), findings=findings)


def apply_confirmations(records: Iterable[Return], confirms: dict[str, dict[str, dict]]) -> list[Return]:
    """Every record with its confirmed answers."""
    return [confirmed(r, confirms) for r in records] if confirms else list(records)
