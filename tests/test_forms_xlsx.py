"""The XLSX form as openpyxl reads it back: layout, validations, protection, print settings, identity."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel

from fupin_cli.forms.generate import FormJob, plan_forms, write_forms
from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_SHEET, identity_from_pairs
from fupin_cli.forms.xlsx import XlsxPrototype, date_bounds, form_xlsx
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[Role, FormJob]:
    """Every demo XLSX form written once; the first job of each role."""
    root = tmp_path_factory.mktemp("xlsx") / "demo"
    shutil.copytree(DEMO, root)
    workspace = load_workspace(root)
    jobs = plan_forms(workspace, load_roster(root), workspace.templates(), formats=["xlsx"])
    results = list(write_forms(jobs))
    assert all(r.written for r in results)
    first: dict[Role, FormJob] = {}
    for job in jobs:
        first.setdefault(job.unit.role, job)
    return first


def _cells_by_value(ws) -> dict[object, str]:
    return {c.value: c.coordinate for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("role", [Role.town, Role.leader, Role.aid_unit, Role.cadre, Role.helper])
def test_layout_matches_the_template(generated: dict[Role, FormJob], role: Role) -> None:
    job = generated[role]
    template = job.template
    wb = openpyxl.load_workbook(job.path)
    ws = wb.worksheets[0]
    assert ws["A1"].value == f"附件{template.attachment}"
    assert ws["A2"].value == template.title
    assert ws["A2"].font.b and ws["A2"].font.name == "黑体" and ws["A2"].font.sz > ws["A1"].font.sz
    assert ws["A2"].alignment.horizontal == "center"
    found = _cells_by_value(ws)
    # The unit's field is pre-filled with its name, next to its label; 时间 is blank.
    unit_label = template.header("unit").label
    label_cell = ws[found[f"{unit_label}："]]
    value_cell = ws.cell(row=label_cell.row, column=_value_column(ws, label_cell))
    assert value_cell.value == job.unit.name
    date_label = ws[found["时间："]]
    assert ws.cell(row=date_label.row, column=date_label.column + 1).value is None
    if template.header("head") is not None:
        head_label = ws[found["负责人："]]
        assert ws.cell(row=head_label.row, column=head_label.column + 1).value == (job.unit.head or None)
    # The table header: the columns in order, labels verbatim (是否\n完成 included).
    head_row = ws[found[template.columns[0].label]].row
    labels = [ws.cell(row=head_row, column=i + 1).value for i in range(len(template.columns))]
    assert labels == [c.label for c in template.columns]
    text_col = [c.field for c in template.columns].index("text") + 1
    texts = [ws.cell(row=head_row + 1 + i, column=text_col).value for i in range(len(template.tasks))]
    assert texts == [t.text for t in template.tasks]
    # The 注 line right under the table.
    assert ws.cell(row=head_row + 1 + len(template.tasks), column=1).value == template.note
    # The 类型 cell is merged over all tasks exactly where the source merges it.
    cat_col = [c.field for c in template.columns].index("category") + 1
    merged = {str(r) for r in ws.merged_cells.ranges}
    letter = openpyxl.utils.get_column_letter(cat_col)
    span = f"{letter}{head_row + 1}:{letter}{head_row + len(template.tasks)}"
    assert (span in merged) is template.category_merged
    # Every task row is tall enough for its wrapped text.
    for i in range(len(template.tasks)):
        assert ws.row_dimensions[head_row + 1 + i].height >= 30


def _value_column(ws, label_cell) -> int:
    for rng in ws.merged_cells.ranges:
        if label_cell.coordinate in rng:
            return rng.max_col + 1
    return label_cell.column + 1


def test_validations_protection_and_print(generated: dict[Role, FormJob]) -> None:
    job = generated[Role.town]
    wb = openpyxl.load_workbook(job.path)
    ws = wb.worksheets[0]
    validations = {dv.type: dv for dv in ws.data_validations.dataValidation}
    done, when = validations["list"], validations["date"]
    assert done.formula1 == '"是,否"'
    assert done.showErrorMessage and done.errorStyle == "stop" and done.error and done.errorTitle
    assert str(done.sqref) == "D6:D18"
    start, end = date_bounds(2020)
    assert when.operator == "between"
    assert (when.formula1, when.formula2) == (str(int(to_excel(start))), str(int(to_excel(end))))
    assert when.showErrorMessage and when.showInputMessage and when.prompt and "日期" in when.error
    assert str(when.sqref) == "E6:E18"
    assert ws["E6"].number_format == 'yyyy"年"m"月"d"日"'
    # Protected without a password; only the fill cells and the header's fill fields are unlocked.
    assert ws.protection.sheet and not ws.protection.password
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    fills = {f"{col}{r}" for col in "DE" for r in range(6, 19)}
    assert unlocked == fills | {"C3", "E3", "E4"}
    # A4 landscape, one page wide, the table header repeated on every page.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$5:$5"
    assert f"{FORM_CODE_LABEL}：{job.identity.form_code}" in ws.oddFooter.center.text
    assert {ws["C6"].font.name, ws["A2"].font.name} == {"宋体", "黑体"}


def test_note_column_is_free_text(generated: dict[Role, FormJob]) -> None:
    ws = openpyxl.load_workbook(generated[Role.cadre].path).worksheets[0]
    types = sorted(dv.type for dv in ws.data_validations.dataValidation)
    assert types == ["list"]
    found = _cells_by_value(ws)
    note_col = ws[found["落实情况"]].column
    assert not ws.cell(row=ws[found["落实情况"]].row + 1, column=note_col).protection.locked


@pytest.mark.parametrize("role", [Role.town, Role.helper])
def test_identity_in_hidden_sheet_and_properties(generated: dict[Role, FormJob], role: Role) -> None:
    job = generated[role]
    wb = openpyxl.load_workbook(job.path)
    hidden = wb[IDENTITY_SHEET]
    assert hidden.sheet_state == "veryHidden"
    assert wb.active.title == wb.worksheets[0].title
    pairs = {k: v for k, v in hidden.iter_rows(values_only=True)}
    assert pairs == dict(job.identity.to_pairs())
    assert identity_from_pairs(pairs) == job.identity
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props == dict(job.identity.to_pairs())


def test_stamped_values_are_escaped_and_never_formulas(generated: dict[Role, FormJob]) -> None:
    job = generated[Role.aid_unit]
    template = job.template
    nasty = '=HYPERLINK("http://x","点我")<&>'
    data = form_xlsx(template, job.identity, nasty, "a&b\x01", date_bounds(2020))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    values = [c.value for row in ws.iter_rows(max_row=4) for c in row]
    assert nasty in values and "a&b" in values
    tricky = openpyxl.load_workbook(io.BytesIO(form_xlsx(template, job.identity, "{{FUPIN:head}}", "某", date_bounds(2020))))
    assert "{{FUPIN:head}}" in [c.value for row in tricky.worksheets[0].iter_rows(max_row=4) for c in row]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_stamping_is_deterministic_and_fast_to_reuse(generated: dict[Role, FormJob]) -> None:
    job = generated[Role.helper]
    proto = XlsxPrototype(job.template, job.identity, date_bounds(2020), with_head=False)
    first = proto.stamp(job.unit.name, "", job.unit.unit_id)
    again = XlsxPrototype(job.template, job.identity, date_bounds(2020), with_head=False)
    assert again.stamp(job.unit.name, "", job.unit.unit_id) == first == job.path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"{{FUPIN:" not in b"".join(archive.read(n) for n in archive.namelist())
        core = archive.read("docProps/core.xml").decode()
    assert "2020-01-01T00:00:00Z" in core


@pytest.mark.bench
def test_stamping_beats_a_bare_openpyxl_write(generated: dict[Role, FormJob]) -> None:
    """The performance target: a stamped form costs well under a third of writing the same values with openpyxl."""
    import time

    from openpyxl import Workbook

    job = generated[Role.town]
    proto = XlsxPrototype(job.template, job.identity, date_bounds(2020), with_head=True)
    start = time.perf_counter()
    for i in range(50):
        proto.stamp(job.unit.name, job.head, f"U{i}")
    stamped = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(50):
        wb = Workbook()
        for task in job.template.tasks:
            wb.active.append([task.number, task.category, task.text, None, None])
        wb.save(io.BytesIO())
    bare = time.perf_counter() - start
    assert stamped < 0.3 * bare
