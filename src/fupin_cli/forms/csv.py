"""The CSV form: UTF-8 with BOM for Excel on Chinese Windows; header fields and identity above the table."""

from __future__ import annotations

from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_MARKER, FormIdentity
from fupin_cli.model.roster import Unit
from fupin_cli.model.templates import Template
from fupin_cli.model.text import csv_bytes


def form_rows(template: Template, identity: FormIdentity, unit_name: str, head: str,
              tell_apart: tuple[str, str] | None = None, helpers: tuple[Unit, ...] = ()) -> list[list[str]]:
    """The form's lines as rows of text, before CSV quoting; a namesake's telling field follows the name.

    A presence table has a row per helper of the village (`helpers`) where a checklist has its tasks.
    """
    rows: list[list[str]] = [[template.mark], [template.title]]
    for field_ in template.header_fields:
        value = {"unit": unit_name, "head": head}.get(field_.field, "")
        rows.append([field_.label, value])
        if field_.field == "unit" and tell_apart is not None:
            rows.append(list(tell_apart))
    rows.append([FORM_CODE_LABEL, identity.form_code])
    rows.append([IDENTITY_MARKER, identity.to_line()])
    rows.append([])
    rows.append([c.label for c in template.columns])
    for task in template.tasks:
        cells = {"number": str(task.number), "category": task.category, "text": task.text}
        rows.append([cells.get(c.field, "") for c in template.columns])
    for index, helper in enumerate(helpers):
        cells = {"number": str(index + 1), "helper": helper.name, "work_unit": helper.work_unit,
                 "households": "" if helper.households is None else str(helper.households),
                 "helper_id": helper.unit_id}
        rows.append([cells.get(c.field, "") for c in template.columns])
    if template.note:
        rows.append([template.note])
    return rows


def form_csv(template: Template, identity: FormIdentity, unit_name: str, head: str,
             tell_apart: tuple[str, str] | None = None, helpers: tuple[Unit, ...] = ()) -> bytes:
    """One unit's CSV form: BOM, CRLF line ends, every text cell safe from formula injection."""
    return csv_bytes(form_rows(template, identity, unit_name, head, tell_apart, helpers))
