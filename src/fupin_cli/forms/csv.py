"""The CSV form: UTF-8 with BOM for Excel on Chinese Windows; header fields and identity above the table."""

from __future__ import annotations

import csv
import io

from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_MARKER, FormIdentity
from fupin_cli.model.templates import Template
from fupin_cli.model.text import neutralize

BOM = b"\xef\xbb\xbf"


def form_rows(template: Template, identity: FormIdentity, unit_name: str, head: str) -> list[list[str]]:
    """The form's lines as rows of text, before CSV quoting."""
    rows: list[list[str]] = [[f"附件{template.attachment}"], [template.title]]
    for field_ in template.header_fields:
        value = {"unit": unit_name, "head": head}.get(field_.field, "")
        rows.append([field_.label, value])
    rows.append([FORM_CODE_LABEL, identity.form_code])
    rows.append([IDENTITY_MARKER, identity.to_line()])
    rows.append([])
    rows.append([c.label for c in template.columns])
    for task in template.tasks:
        cells = {"number": str(task.number), "category": task.category, "text": task.text}
        rows.append([cells.get(c.field, "") for c in template.columns])
    if template.note:
        rows.append([template.note])
    return rows


def form_csv(template: Template, identity: FormIdentity, unit_name: str, head: str) -> bytes:
    """One unit's CSV form: BOM, CRLF line ends, every text cell safe from formula injection."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in form_rows(template, identity, unit_name, head):
        writer.writerow([neutralize(cell) for cell in row])
    return BOM + buffer.getvalue().encode("utf-8")
