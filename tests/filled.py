"""Fill forms that `fupin forms generate` wrote, as a clerk would: 是否完成 and 完成时间/落实情况 on every task row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from fupin_cli.intake.normalize import match_text

DONE = "是否完成"
DATE = "完成时间"
NOTE = "落实情况"


def answers_for(count: int, seed: int = 0) -> list[tuple[str, dt.date | None]]:
    """A varied but predictable answer per task: mostly 是 with a date, some 否 without."""
    return [("否", None) if (i + seed) % 4 == 3 else ("是", dt.date(2020, 11, 1 + (i + seed) % 5))
            for i in range(count)]


def _columns(cells: Sequence[object]) -> dict[str, int] | None:
    keys = [match_text("" if c is None else str(c)) for c in cells]
    found = {label: keys.index(match_text(label)) for label in (DONE, DATE, NOTE) if match_text(label) in keys}
    return found if DONE in found else None


def fill_xlsx(data: bytes, seed: int = 0) -> bytes:
    """The generated workbook with every task row answered (dates as real date cells)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    for r, row in enumerate(rows):
        columns = _columns([c.value for c in row])
        if columns is None:
            continue
        tasks = [x for x in rows[r + 1:] if not str(x[0].value or "").startswith("注")]
        for task_row, (done, day) in zip(tasks, answers_for(len(tasks), seed), strict=True):
            task_row[columns[DONE]].value = done
            if DATE in columns and day:
                task_row[columns[DATE]].value = day
                task_row[columns[DATE]].number_format = "yyyy-mm-dd"
            if NOTE in columns:
                task_row[columns[NOTE]].value = f"已落实{day.day}户" if day else "正在推进"
        break
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill_csv(data: bytes, seed: int = 0) -> bytes:
    """The generated CSV form with every task row answered, kept UTF-8 with BOM."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for r, row in enumerate(rows):
        columns = _columns(row)
        if columns is None:
            continue
        tasks = [i for i in range(r + 1, len(rows)) if rows[i] and not rows[i][0].startswith("注")]
        for i, (done, day) in zip(tasks, answers_for(len(tasks), seed), strict=True):
            rows[i][columns[DONE]] = done
            if DATE in columns and day:
                rows[i][columns[DATE]] = day.isoformat()
            if NOTE in columns:
                rows[i][columns[NOTE]] = f"已落实{day.day}户" if day else "正在推进"
        break
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def fill_file(path: Path, target: Path, seed: int = 0) -> Path:
    """Write the filled copy of a generated form to `target`."""
    filler = fill_csv if path.suffix == ".csv" else fill_xlsx
    target.write_bytes(filler(path.read_bytes(), seed))
    return target
