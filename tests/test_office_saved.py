"""A return saved by an office suite after a row was inserted or deleted is judged by its cells, not its declarations.

LibreOffice writes `<dimension ref="A1:E1048576"/>` and an empty `<row r="1048576">` into an xlsx once any
row was deleted, and an ODS repeats its blank rows and columns to the sheet's end. None of that makes a file
unsafe: a blank row deleted is a return like any other (the unit is on time), a deleted task row is the
normal `缺少第 3 项任务` refusal. The LibreOffice files are made by LibreOffice itself, headless, through a
Basic macro in a private profile (no Python-UNO needed); the exact dimension case is also built by hand.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from typer.testing import CliRunner

from fill import fill_form
from fupin_cli.cli import app
from fupin_cli.intake.readers import UnreadableFile, read_file
from fupin_cli.intake.safety import MAX_ROWS, check_spreadsheet

RECEIVED = "2020-11-06T12:00"  # before the first deadline (11月6日 24 时)
AS_OF = "2020-11-10"
TOWN = "城关镇"
TOWN_ID = "451023100"
CADRE_ID = "Cc32d201e"  # 谭伟, 城关镇东岭村: the cadre form has four columns, A to D
TASK_ROW = 8  # the town form's table header is row 5: task 1 is row 6, task 3 row 8
BLANK_ROW = 25  # below the form's 注 line

# Each job: a file LibreOffice opens, changes (delete or insert one row of the first sheet) and saves.
MACRO = """
Sub Run(jobs As String)
    Dim f As Integer, text As String, parts
    f = FreeFile
    Open jobs For Input As #f
    Do While Not EOF(f)
        Line Input #f, text
        If text <> "" Then
            parts = Split(text, Chr(9))
            Apply(parts(0), parts(1), parts(2), CInt(parts(3)), parts(4))
        End If
    Loop
    Close #f
End Sub

Sub Apply(source As String, target As String, op As String, rowNumber As Integer, filterName As String)
    Dim doc As Object, g As Integer
    On Error GoTo Failed
    Dim load(0) As New com.sun.star.beans.PropertyValue
    load(0).Name = "Hidden"
    load(0).Value = True
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), "_blank", 0, load())
    sheet = doc.Sheets.getByIndex(0)
    sheet.unprotect("")
    If op = "delete" Then
        sheet.Rows.removeByIndex(rowNumber - 1, 1)
    Else
        sheet.Rows.insertByIndex(rowNumber - 1, 1)
    End If
    Dim save(1) As New com.sun.star.beans.PropertyValue
    save(0).Name = "FilterName"
    save(0).Value = filterName
    save(1).Name = "Overwrite"
    save(1).Value = True
    doc.storeToURL(ConvertToURL(target), save())
    doc.close(True)
    Exit Sub
Failed:
    g = FreeFile
    Open target & ".err" For Output As #g
    Print #g, Error$
    Close #g
    If Not IsNull(doc) Then doc.close(True)
End Sub
"""
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}
JOBS = {  # output name → (op, row)
    "blank-deleted": ("delete", BLANK_ROW),
    "task-deleted": ("delete", TASK_ROW),
    "row-inserted": ("insert", TASK_ROW),
}


def _module(source: str) -> str:
    body = escape(source, {'"': "&quot;"})
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
            '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
            f'script:language="StarBasic">{body}</script:module>\n')


def _soffice(profile: Path, *args: str, timeout: float = 240) -> None:
    """Run soffice headless with a private profile; on a hang, its whole process group is killed."""
    command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise


def _workspace(tmp: Path, name: str) -> Path:
    from conftest import DEMO

    target = tmp / name
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("returns", "inbox"))
    return target


def _filled_forms(ws: Path, out: Path) -> dict[str, bytes]:
    """The town's and the cadre's forms as `fupin forms generate` writes them, answered by tests/fill.py."""
    result = CliRunner().invoke(app, ["-w", str(ws), "forms", "generate", "--town", TOWN, "--format", "xlsx",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    town = next(out.rglob(f"{TOWN}.xlsx"))
    cadre = next(p for p in out.rglob("*.xlsx") if "谭伟" in p.name)
    return {"town": fill_form(town), "cadre": fill_form(cadre)}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The filled town form, and LibreOffice's own copies of it with a row deleted or inserted (xlsx and ods)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed; these files must be saved by LibreOffice itself")
    root = tmp_path_factory.mktemp("office-saved")
    filled = root / "filled.xlsx"
    filled.write_bytes(_filled_forms(_workspace(root, "forms-ws"), root / "forms")["town"])
    profile = root / f"lo-profile-{os.getpid()}"
    _soffice(profile, "--convert-to", "ods", "--outdir", str(root / "converted"), str(filled))  # makes the profile
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.is_file(), "LibreOffice did not create its Basic library in the private profile"
    module.write_text(_module(MACRO), encoding="utf-8")
    jobs = root / "jobs.txt"
    targets = {f"{name}{suffix}": root / f"{name}{suffix}" for name in JOBS for suffix in FILTERS}
    jobs.write_text("".join(f"{filled}\t{path}\t{JOBS[path.stem][0]}\t{JOBS[path.stem][1]}\t{FILTERS[path.suffix]}\n"
                            for path in targets.values()), encoding="utf-8")
    started = time.monotonic()
    _soffice(profile, f'macro:///Standard.Module1.Run("{jobs}")')
    errors = {p.name: p.read_text(errors="replace") for p in root.glob("*.err")}
    assert not errors, errors
    missing = [name for name, path in targets.items() if not path.is_file()]
    assert not missing, f"LibreOffice wrote no {missing} in {time.monotonic() - started:.0f} s"
    return {"filled": filled, **targets}


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def _ingest(ws: Path, path: Path) -> dict:
    result = CliRunner().invoke(app, ["-w", str(ws), "ingest", str(path), "--received", RECEIVED, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    [entry] = json.loads(result.stdout)["files"]
    return entry


def _round_one(ws: Path, unit_id: str) -> dict:
    result = CliRunner().invoke(app, ["-w", str(ws), "status", "--town", TOWN, "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    [unit] = [u for u in json.loads(result.stdout)["units"] if u["unit_id"] == unit_id]
    return unit["rounds"][0]


# ---------------------------------------------------------------- LibreOffice's own files

@pytest.mark.office
def test_libreoffice_declares_the_whole_sheet_after_a_row_is_deleted(saved: dict[str, Path]) -> None:
    # What the safety check used to refuse: the declared range and an empty last row, both LibreOffice's own.
    for name in ("blank-deleted.xlsx", "task-deleted.xlsx"):
        xml = _sheet_xml(saved[name])
        assert b'<dimension ref="A1:E1048576"/>' in xml, name
        assert re.search(rb'<row r="1048576"[^>]*>\s*</row>', xml), name
    # The ODS repeats the blank rest of the sheet, rows and columns, by the million.
    with zipfile.ZipFile(saved["blank-deleted.ods"]) as archive:
        content = archive.read("content.xml")
    repeats = [int(n) for n in re.findall(rb'number-rows-repeated="([0-9]+)"', content)]
    assert max(repeats) > 1_000_000
    assert max(int(n) for n in re.findall(rb'number-columns-repeated="([0-9]+)"', content)) > 16_000


@pytest.mark.office
@pytest.mark.parametrize("name", ["blank-deleted.xlsx", "blank-deleted.ods", "row-inserted.xlsx", "row-inserted.ods"])
def test_a_blank_row_deleted_or_inserted_by_libreoffice_is_an_on_time_return(
        saved: dict[str, Path], tmp_path: Path, name: str) -> None:
    ws = _workspace(tmp_path, "ws")
    entry = _ingest(ws, saved[name])
    assert entry["status"] == "accepted", entry["findings"]
    assert entry["unit_id"] == TOWN_ID and entry["round"] == 1
    assert not [f for f in entry["findings"] if f["code"] in ("file-unsafe", "file-unreadable")]
    assert _round_one(ws, TOWN_ID)["status"] == "on_time"


@pytest.mark.office
@pytest.mark.parametrize("name", ["task-deleted.xlsx", "task-deleted.ods"])
def test_a_task_row_deleted_by_libreoffice_is_refused_as_task_missing(
        saved: dict[str, Path], tmp_path: Path, name: str) -> None:
    ws = _workspace(tmp_path, "ws")
    entry = _ingest(ws, saved[name])
    assert entry["status"] == "rejected"
    assert [f["code"] for f in entry["findings"] if f["severity"] == "error"] == ["task-missing"]
    [missing] = [f for f in entry["findings"] if f["code"] == "task-missing"]
    assert missing["message"].startswith("缺少第 3 项任务：")
    assert "不安全" not in missing["message"]
    round_one = _round_one(ws, TOWN_ID)
    assert (round_one["status"], round_one["return_id"]) == ("missing", None)


@pytest.mark.office
def test_libreoffice_files_read_as_their_real_cells(saved: dict[str, Path]) -> None:
    original = read_file(saved["filled"])[0]
    for name in ("blank-deleted.xlsx", "blank-deleted.ods"):
        sheet = read_file(saved[name])[0]
        assert len(sheet.rows) == len(original.rows), name  # not a million rows
        assert max(len(r) for r in sheet.rows) == 5
    assert len(read_file(saved["task-deleted.xlsx"])[0].rows) == len(original.rows) - 1


# ---------------------------------------------------------------- the same declarations, built by hand

def _declare_whole_sheet(data: bytes, dimension: str) -> bytes:
    """An openpyxl workbook whose first sheet declares `dimension` and ends with an empty row 1048576."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body, count = re.subn(rb"<dimension ref=\"[^\"]*\" ?/>", f'<dimension ref="{dimension}"/>'.encode(),
                                      body)
                assert count == 1
                body = body.replace(b"</sheetData>", b'<row r="1048576" ht="12.8"></row></sheetData>')
            target.writestr(info, body)
    return out.getvalue()


def test_a_declared_range_to_row_1048576_is_no_reason_to_refuse(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "ws")
    forms = _filled_forms(ws, tmp_path / "forms")
    path = tmp_path / "谭伟.xlsx"
    path.write_bytes(_declare_whole_sheet(forms["cadre"], "A1:D1048576"))
    assert b'<dimension ref="A1:D1048576"/>' in _sheet_xml(path)
    assert check_spreadsheet(path.read_bytes(), ".xlsx") == []
    entry = _ingest(ws, path)
    assert entry["status"] == "accepted", entry["findings"]
    assert (entry["unit_id"], entry["round"]) == (CADRE_ID, 1)
    assert _round_one(ws, CADRE_ID)["status"] == "on_time"


@pytest.mark.parametrize("declared", ["A1:XFD1048576", "A1:D1048576", "A1"])
def test_declarations_alone_are_read_quickly_as_the_cells_they_hold(declared: str) -> None:
    from test_safety import SIMPLE_CELLS, sheet_xml, xlsx

    started = time.monotonic()
    sheets = read_file(Path("a.xlsx"), xlsx(sheet_xml(SIMPLE_CELLS + '<row r="1048576"/>', declared)))
    assert [len(s.rows) for s in sheets] == [1]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        ('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>', "第 1048576 行"),
        ('<row r="1048576"><c r="A1048576"><f>1+1</f></c></row>', "第 1048576 行"),
        (f'<row r="{MAX_ROWS + 1}"><c t="inlineStr"><is><t>x</t></is></c></row>', f"第 {MAX_ROWS + 1} 行"),
        ("<row>" + "<c><v>1</v></c>" * 201 + "</row>", "第 201 列"),
    ],
    ids=["empty-text-at-XFD1048576", "formula-at-A1048576", "unplaced-cell-past-row-limit", "unplaced-column-201"],
)
def test_cells_that_really_hold_something_far_away_are_still_refused(cells: str, where: str) -> None:
    from test_safety import SIMPLE_CELLS, sheet_xml, xlsx

    with pytest.raises(UnreadableFile) as caught:
        read_file(Path("a.xlsx"), xlsx(sheet_xml(SIMPLE_CELLS + cells, "A1")))
    assert caught.value.code == "file-unsafe"
    assert where in str(caught.value.context["reason"])


def _ods(rows: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
    return buffer.getvalue()


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


VALUE = '<table:table-cell office:value-type="string"><text:p>是</text:p></table:table-cell>'
BLANK_REST = ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
              'table:number-columns-repeated="16384"/></table:table-row>')


def test_ods_blank_rows_and_columns_repeated_to_the_sheet_end_are_read() -> None:
    rows = (f'<table:table-row>{VALUE}<table:table-cell table:number-columns-repeated="16383"/></table:table-row>'
            + BLANK_REST)
    [sheet] = read_file(Path("a.ods"), _ods(rows))
    assert sheet.rows == [["是"]]


@pytest.mark.parametrize(
    "rows",
    [
        BLANK_REST + f"<table:table-row>{VALUE}</table:table-row>",  # a value after a million blank rows
        '<table:table-row table:number-rows-repeated="20000">' + VALUE + "</table:table-row>",
        '<table:table-row><table:table-cell table:number-columns-repeated="300"/>' + VALUE + "</table:table-row>",
    ],
    ids=["value-after-repeated-blank-rows", "value-row-repeated-20000", "value-past-column-300"],
)
def test_ods_values_placed_past_the_limits_by_repeats_are_refused(rows: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_file(Path("a.ods"), _ods(rows))
    assert caught.value.code == "file-unsafe"
