"""Filled returns the way people send them back: a generated form answered (`fill_form`, xlsx or csv), or a
return typed from scratch (`return_rows` → `csv_bytes` / `xlsx_bytes`) in several encodings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from fupin_cli.forms.identity import FormIdentity
from fupin_cli.intake.normalize import match_text
from fupin_cli.model.templates import Template

# ---- a generated form, answered as a clerk would ----------------------------------------------------------

Answer = tuple[bool, dt.date | None]  # (done, the day it was done)
# How a filled CSV goes back: encoding, delimiter, and whether Excel padded every line to the table's width.
CSV_KINDS = {
    "utf-8-sig": ("utf-8-sig", ",", False),
    "utf-8": ("utf-8", ",", False),
    "gb18030": ("gb18030", ",", False),
    "utf-16-tab": ("utf-16", "\t", False),  # Excel's “Unicode 文本”
    "utf-8-sig-padded": ("utf-8-sig", ",", True),
}
IDENTITY_LINES = ("表单编号", "fupin_identity")


def answers_for(count: int, seed: int = 0) -> list[Answer]:
    """A varied but predictable answer per task: mostly done with a date, every fourth one not done."""
    return [(False, None) if (i + seed) % 4 == 3 else (True, dt.date(2020, 11, 1 + (i + seed) % 5))
            for i in range(count)]


def households(k: int, done: bool, day: dt.date | None) -> str:
    """What a cadre writes under 落实情况 by default."""
    return f"已落实{day.day}户" if day else "正在推进"


def fill_form(
    form: bytes | Path,
    answers: Sequence[Answer] | None = None,
    *,
    seed: int = 0,
    marks: tuple[str, str] = ("是", "否"),
    day: Callable[[int, dt.date], object] | None = None,
    note: Callable[[int, bool, dt.date | None], str | None] = households,
    date_format: str | None = "yyyy-mm-dd",
    csv_kind: str = "utf-8-sig",
    keep_identity: bool = True,
    edit: Callable[[object], None] | None = None,
) -> bytes:
    """A form `fupin forms generate` wrote (xlsx or csv bytes, or its path) with every task row answered.

    是否完成 gets `marks[0]`/`marks[1]`; the column after it gets the day (`day(k, date)` or the date itself,
    an xlsx cell formatted `date_format` unless None) or, under 落实情况, `note(k, done, date)`. Without
    `answers`, `answers_for(tasks, seed)`. CSV only: `csv_kind` (CSV_KINDS) and `keep_identity`; xlsx only:
    `edit(sheet)` after filling.
    """
    data = form.read_bytes() if isinstance(form, Path) else form
    fill = _fill_xlsx if data.startswith(b"PK\x03\x04") else _fill_csv
    options = {"marks": marks, "day": day, "note": note, "date_format": date_format, "csv_kind": csv_kind,
               "keep_identity": keep_identity, "edit": edit}
    return fill(data, answers, seed, options)


def _columns(cells: Sequence[object]) -> tuple[int, int, bool] | None:
    """(是否完成, the column after it, whether that one is 落实情况) when `cells` is the table's header."""
    keys = [match_text("" if c is None else str(c)) for c in cells]
    if match_text("是否完成") not in keys:
        return None
    done = keys.index(match_text("是否完成"))
    return done, done + 1, done + 1 < len(keys) and keys[done + 1] == match_text("落实情况")


def _answered(tasks: list, answers: Sequence[Answer] | None, seed: int) -> list[tuple[int, tuple[object, Answer]]]:
    """Each task row with its answer, numbered; as many answers as task rows."""
    chosen = answers_for(len(tasks), seed) if answers is None else answers
    return list(enumerate(zip(tasks, chosen, strict=True)))


def _cells(k: int, answer: Answer, is_note: bool, options: dict) -> tuple[str, object]:
    """The two cells of task `k`: the mark, and the day or note (None leaves the cell as it is)."""
    done, day = answer
    mark = options["marks"][0 if done else 1]
    if is_note:
        return mark, options["note"](k, done, day)
    if day is None:
        return mark, None
    return mark, options["day"](k, day) if options["day"] else day


def _fill_xlsx(data: bytes, answers: Sequence[Answer] | None, seed: int, options: dict) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    r, (done_col, next_col, is_note) = next((r, c) for r, row in enumerate(rows)
                                             if (c := _columns([x.value for x in row])) is not None)
    tasks = []
    for row in rows[r + 1:]:
        if str(row[0].value or "").startswith("注"):
            break
        tasks.append(row)
    for k, (row, answer) in _answered(tasks, answers, seed):
        mark, value = _cells(k, answer, is_note, options)
        row[done_col].value = mark
        if value is not None:
            row[next_col].value = value
            if isinstance(value, dt.date) and options["date_format"]:
                row[next_col].number_format = options["date_format"]
    if options["edit"]:
        options["edit"](sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill_csv(data: bytes, answers: Sequence[Answer] | None, seed: int, options: dict) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    if not options["keep_identity"]:
        rows = [r for r in rows if not (r and r[0] in IDENTITY_LINES)]
    r, (done_col, next_col, is_note) = next((r, c) for r, row in enumerate(rows) if (c := _columns(row)) is not None)
    tasks = []
    for row in rows[r + 1:]:
        if not row or row[0].startswith("注"):
            break
        tasks.append(row)
    for k, (row, answer) in _answered(tasks, answers, seed):
        mark, value = _cells(k, answer, is_note, options)
        row[done_col] = mark
        if value is not None:
            row[next_col] = value.isoformat() if isinstance(value, dt.date) else str(value)
    encoding, delimiter, padded = CSV_KINDS[options["csv_kind"]]
    if padded:
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# ---- a return typed from scratch ---------------------------------------------------------------------------


def return_rows(
    template: Template,
    unit_name: str,
    answers: Sequence[tuple[object, object]] | None = None,
    *,
    identity: FormIdentity | None = None,
    date: str = "2020年11月6日",
    head: str = "张伟",
    pad: int = 0,
    tasks: Sequence[str] | None = None,
) -> list[list[object]]:
    """The rows of a filled form laid out like the CSV form: key lines, table, 注 line."""
    rows: list[list[object]] = [[f"附件{template.attachment}"], [template.title]]
    for field in template.header_fields:
        value = {"unit": unit_name, "date": date, "head": head}.get(field.field, "")
        rows.append([field.label, value])
    if identity is not None:
        rows.append(["表单编号", identity.form_code])
        rows.append(["fupin_identity", identity.to_line()])
    rows = [r + [""] * pad for r in rows]
    rows.append([])
    rows.append([c.label for c in template.columns])
    texts = list(tasks) if tasks is not None else [t.text for t in template.tasks]
    answers = list(answers or [("是", "2020-11-05")] * len(texts))
    for i, text in enumerate(texts):
        task = template.tasks[min(i, len(template.tasks) - 1)]
        done, day = answers[i] if i < len(answers) else ("", "")
        cells = {"number": str(i + 1), "category": task.category, "text": text, "done": done,
                 "done_on": day, "note": day}
        rows.append([cells[c.field] for c in template.columns])
    rows.append(["注", template.note])
    return rows


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    """Rows as CSV bytes in the given encoding (utf-16 gives Excel's tab-separated “Unicode 文本”)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if c is None else str(c) for c in r] for r in rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """Rows typed into a brand-new workbook (no identity), as a retyped return would be."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in rows:
        sheet.append(list(r) if r else [None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
