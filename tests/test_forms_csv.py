"""The CSV form parses back, with the csv module, to the template's tasks, header fields and identity."""

from __future__ import annotations

import csv
import io

import pytest

from fupin_cli.forms.csv import form_csv
from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_MARKER, FormIdentity, identity_from_line
from fupin_cli.model.templates import load_templates
from fupin_cli.model.text import neutralize

TEMPLATES = load_templates()


def _parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# The task checklists; fupin's presence table (rows are helpers) is tested in tests/test_presence.py.
@pytest.mark.parametrize("template_id", sorted(t for t in TEMPLATES if not TEMPLATES[t].from_roster))
def test_csv_parses_back_to_the_template(template_id: str) -> None:
    template = TEMPLATES[template_id]
    identity = FormIdentity(template.id, template.version, "T1", 2020, "云溪区迎检", round=2)
    data = form_csv(template, identity, "城关镇", "覃建国")
    assert b"\r\n" in data and data.count(b"\n") >= data.count(b"\r\n")
    rows = _parse(data)
    assert rows[0] == [f"附件{template.attachment}"]
    assert rows[1] == [template.title]
    header = {r[0]: r[1] for r in rows[2:2 + len(template.header_fields)]}
    assert list(header) == [h.label for h in template.header_fields]
    assert header[template.header("unit").label] == "城关镇"
    assert header["时间"] == ""
    if template.header("head") is not None:
        assert header["负责人"] == "覃建国"
    lines = {r[0]: r[1] for r in rows if len(r) == 2}
    assert lines[FORM_CODE_LABEL] == identity.form_code
    assert identity_from_line(lines[IDENTITY_MARKER]) == FormIdentity(template.id, template.version, "T1", 2020,
                                                                          round=2)
    blank = rows.index([])
    assert rows[blank + 1] == [c.label for c in template.columns]
    fields = [c.field for c in template.columns]
    tasks = rows[blank + 2:blank + 2 + len(template.tasks)]
    assert [r[fields.index("text")] for r in tasks] == [t.text for t in template.tasks]
    assert [r[fields.index("category")] for r in tasks] == [t.category for t in template.tasks]
    if "number" in fields:
        assert [r[fields.index("number")] for r in tasks] == [str(t.number) for t in template.tasks]
    assert rows[blank + 2 + len(template.tasks)] == [template.note]


def test_formula_like_names_are_neutralised() -> None:
    template = TEMPLATES["town"]
    identity = FormIdentity(template.id, template.version, "T1", 2020)
    rows = _parse(form_csv(template, identity, '=HYPERLINK("http://x")', "＋86"))
    assert ["单位", "'=HYPERLINK(\"http://x\")"] in rows
    assert ["负责人", "'＋86"] in rows


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1", "＠x", "－1"])
def test_neutralize_risky(text: str) -> None:
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", ["", "城关镇", "1.检查", "'=已带引号"])
def test_neutralize_leaves_safe_text(text: str) -> None:
    assert neutralize(text) == text
