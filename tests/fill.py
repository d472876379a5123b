"""Build filled returns the way people send them back: CSV in several encodings, retyped workbooks."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from fupin_cli.forms.identity import FormIdentity
from fupin_cli.model.templates import Template


def return_rows(
    template: Template,
    unit_name: str,
    answers: Sequence[tuple[object, object]] | None = None,
    *,
    identity: FormIdentity | None = None,
    date: str = "2020年11月6日",
    pad: int = 0,
    tasks: Sequence[str] | None = None,
) -> list[list[object]]:
    """The rows of a filled form laid out like the CSV form: key lines, table, 注 line."""
    rows: list[list[object]] = [[f"附件{template.attachment}"], [template.title]]
    for field in template.header_fields:
        value = {"unit": unit_name, "date": date}.get(field.field, "")
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
