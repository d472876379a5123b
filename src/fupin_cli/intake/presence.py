"""A village's presence sheet (帮扶责任人到位情况统计表) read: its table found, each row matched to a helper.

A row is the helper whose roster id stands in its 编号 column (hidden in the XLSX form), else the helper of
this village with the row's name (person names compared without blanks; namesakes told apart by 工作单位).
A row naming no helper of the village, or a helper an earlier row already gave, is a warning at its row:
the rest of the sheet still counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fupin_cli.intake.normalize import match_text, normalize_date, normalize_done, normalize_text
from fupin_cli.intake.readers import RawSheet
from fupin_cli.model.presence import answer_key, village_helpers
from fupin_cli.model.record import Answer
from fupin_cli.model.roster import Roster, Unit
from fupin_cli.model.templates import Template
from fupin_cli.model.text import cell_text, normalize_name, person_key

# found.add of intake/ingest.py: (code, row=…, col=…, column=…, **args)
AddFinding = Callable[..., None]


def find_presence_table(sheet: RawSheet, template: Template) -> tuple[int, dict[str, int]] | None:
    """The header row of a presence table and each field's column; a label written twice (入户日期) is taken
    by its columns in order."""
    labels = [(match_text(c.label), c.field) for c in template.columns]
    for index, row in enumerate(sheet.rows[:60]):
        keys = [match_text(cell_text(c)) for c in row]
        mapping: dict[str, int] = {}
        used: set[int] = set()
        for key, fld in labels:
            col = next((i for i, k in enumerate(keys) if k == key and i not in used), None)
            if col is not None:
                mapping[fld] = col
                used.add(col)
        if "helper" in mapping and "present_1" in mapping:
            return index, mapping
    return None


def _rows(sheet: RawSheet, table_row: int, columns: dict[str, int]) -> list[tuple[int, list[object]]]:
    """The rows below the header that name a helper (by name or 编号), up to the 注 line closing the table."""
    found = []
    for r in range(table_row + 1, len(sheet.rows)):
        row = sheet.rows[r]
        lead = next((t for t in (cell_text(c) for c in row) if t), "")
        if lead.startswith("注"):
            break
        if _cell(row, columns, "helper") or _cell(row, columns, "helper_id"):
            found.append((r, row))
    return found


def _cell(row: list[object], columns: dict[str, int], fld: str) -> str:
    col = columns.get(fld)
    return normalize_text(row[col]) if col is not None and col < len(row) else ""


def _raw(row: list[object], columns: dict[str, int], fld: str) -> object:
    col = columns.get(fld)
    return row[col] if col is not None and col < len(row) else None


def match_helper(row: list[object], columns: dict[str, int], helpers: list[Unit]) -> list[Unit]:
    """The village's helpers a row can be: the one of its 编号, else those of its name (narrowed by 工作单位)."""
    helper_id = _cell(row, columns, "helper_id")
    by_id = next((h for h in helpers if h.unit_id == helper_id), None) if helper_id else None
    if by_id is not None:
        return [by_id]
    key = person_key(_cell(row, columns, "helper"))
    named = [h for h in helpers if key and person_key(h.name) == key]
    work_unit = normalize_name(_cell(row, columns, "work_unit"))
    if len(named) > 1 and work_unit:
        named = [h for h in named if normalize_name(h.work_unit) == work_unit] or named
    return named


def read_presence(sheet: RawSheet, template: Template, table_row: int, columns: dict[str, int], village: Unit | None,
                  roster: Roster, year: int, received: dt.date, add: AddFinding) -> list[Answer]:
    """Each matched helper's 是否到位 and 入户日期 per round column, as answers ``<helper id>@<round>``."""
    helpers = village_helpers(roster, village) if village is not None else []
    place = village.name if village is not None else ""
    numbers = sorted(int(f.rsplit("_", 1)[1]) for f in columns if f.startswith("present_"))
    seen: dict[str, int] = {}
    answers: list[Answer] = []
    for r, row in _rows(sheet, table_row, columns):
        name = _cell(row, columns, "helper") or _cell(row, columns, "helper_id")
        candidates = match_helper(row, columns, helpers)
        if len(candidates) != 1:
            code = "presence-helper-ambiguous" if candidates else "presence-helper-unknown"
            add(code, row=r + 1, column=_label(template, "helper"), value=name, village=place or "本村",
                candidates="、".join(f"{h.name}（{h.work_unit or h.unit_id}）" for h in candidates))
            continue
        helper = candidates[0]
        if helper.unit_id in seen:
            add("presence-helper-duplicate", row=r + 1, column=_label(template, "helper"), value=helper.name,
                first=seen[helper.unit_id])
            continue
        seen[helper.unit_id] = r + 1
        note = _cell(row, columns, "note")
        for number in numbers:
            answers.append(_round_answer(template, row, r, columns, number, helper, note, year, received, add))
    if village is not None and not answers:
        add("presence-no-helpers", row=table_row + 2, column=_label(template, "helper"), village=place)
    return answers


def _round_answer(template: Template, row: list[object], r: int, columns: dict[str, int], number: int,
                  helper: Unit, note: str, year: int, received: dt.date, add: AddFinding) -> Answer:
    """One helper's answer in the columns of round `number`, with a warning for what cannot be read."""
    present_field, date_field = f"present_{number}", f"visited_on_{number}"
    present_label = _label(template, present_field)
    done, raw_done, ok_done = normalize_done(_raw(row, columns, present_field))
    if not ok_done:
        add("presence-unknown-value", row=r + 1, col=columns[present_field], column=present_label, value=raw_done)
    visited, raw_date = None, ""
    if date_field in columns:
        date_label = _label(template, date_field)
        visited, raw_date, ok_date = normalize_date(_raw(row, columns, date_field), year)
        if not ok_date:
            add("bad-date", row=r + 1, col=columns[date_field], column=date_label, value=raw_date)
        elif done is True and visited is None:
            add("presence-no-date", row=r + 1, col=columns[date_field], column=date_label, name=helper.name,
                round=number)
        elif visited is not None and visited < dt.date(year, 1, 1):
            add("date-before-campaign", row=r + 1, col=columns[date_field], value=visited.isoformat(), year=year)
        elif visited is not None and visited > received:
            add("date-after-received", row=r + 1, col=columns[date_field], value=visited.isoformat(),
                received=received.isoformat())
    return Answer(answer_key(helper.unit_id, number), done, visited, raw_done, raw_date, note, r + 1)


def _label(template: Template, fld: str) -> str:
    column = template.column(fld)
    return column.label.replace("\n", "") if column else fld
