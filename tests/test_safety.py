"""Hostile and broken files, each built by hand: refused in one line, the batch going on, the process unharmed."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from fill import fill_form
from fupin_cli.forms.generate import FormWriter, plan_forms
from fupin_cli.intake.ingest import IngestContext, collect_files, ingest_bytes, ingest_files
from fupin_cli.intake.readers import UnreadableFile, read_file
from fupin_cli.intake.safety import MAX_COLUMNS, MAX_ROWS, OLE_MAGIC, check_spreadsheet
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

TZ = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2020, 11, 6, 18, 0, tzinfo=TZ)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="回执" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(cells: str, dimension: str = "A1:B2", prolog: str = "") -> str:
    """A worksheet part around hand-written <row>/<c> elements."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>'
    )


SIMPLE_CELLS = '<row r="1"><c r="A1" t="inlineStr"><is><t>是</t></is></c><c r="B1"><v>5</v></c></row>'


def xlsx(sheet: str | bytes = sheet_xml(SIMPLE_CELLS), workbook: str = WORKBOOK, extra: dict | None = None) -> bytes:
    """A minimal xlsx, every part written by hand."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, suffix: str = ".xlsx") -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read_file(Path(f"回执{suffix}"), data)
    return caught.value


def test_hand_built_xlsx_is_read() -> None:
    [sheet] = read_file(Path("ok.xlsx"), xlsx())
    assert sheet.rows == [["是", 5.0]]


# ---------------------------------------------------------------- XML entities

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_entities_in_a_sheet_are_refused(prolog: str) -> None:
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;&xxe;</t></is></c></row>'
    error = refused(xlsx(sheet_xml(cells, prolog=prolog)))
    assert error.code == "file-unsafe"
    assert "ENTITY" in error.context["reason"]


def test_entities_in_the_workbook_part_are_refused() -> None:
    workbook = WORKBOOK.replace("<workbook", EXTERNAL + "<workbook", 1)
    assert refused(xlsx(workbook=workbook)).code == "file-unsafe"


def test_utf16_encoded_doctype_is_refused() -> None:
    part = sheet_xml(SIMPLE_CELLS, prolog=EXTERNAL).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert refused(xlsx(b"\xff\xfe" + part.encode("utf-16-le"))).code == "file-unsafe"


def test_entities_in_an_ods_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", f'<?xml version="1.0"?>{BILLION_LAUGHS}<office:document-content/>')
    assert refused(buffer.getvalue(), ".ods").code == "file-unsafe"


# ---------------------------------------------------------------- zip bombs

def test_zip_bomb_by_ratio_is_refused_quickly() -> None:
    started = time.monotonic()
    bomb = xlsx(extra={"xl/media/padding.bin": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert refused(bomb).code == "file-unsafe"
    assert time.monotonic() - started < 10


def test_too_many_entries_are_refused() -> None:
    extra = {f"xl/media/image{i}.bin": b"x" for i in range(600)}
    error = refused(xlsx(extra=extra))
    assert (error.code, "605" in error.context["reason"]) == ("file-unsafe", True)


def _lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """Rewrite the uncompressed size of `name` in its local header and the central directory."""
    blob = bytearray(data)
    encoded = name.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := blob.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", blob, start + name_offset - (2 if signature == b"PK\x03\x04" else 18))[0]
            if bytes(blob[start + name_offset:start + name_offset + length]) == encoded:
                struct.pack_into("<I", blob, start + size_offset, declared)
            start += 4
    return bytes(blob)


def test_declared_sizes_that_lie_are_caught_by_inflating() -> None:
    # The archive claims 1 KB; the entry inflates to 40 MB at a ratio any reader trusting the header would miss.
    bomb = _lie_about_size(xlsx(extra={"xl/media/big.bin": b"\0" * (40 * 1024 * 1024)}), "xl/media/big.bin", 1024)
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/media/big.bin")
    assert info.file_size == 1024
    assert refused(bomb).code in ("file-unsafe", "file-unreadable")


def test_declared_total_over_the_cap_is_refused_before_inflating() -> None:
    bomb = _lie_about_size(xlsx(extra={"xl/media/a.bin": b"abc"}), "xl/media/a.bin", 3_000_000_000)
    error = refused(bomb)
    assert error.code == "file-unsafe"


# ---------------------------------------------------------------- sheets claiming or holding huge extents

@pytest.mark.parametrize(
    ("dimension", "cells"),
    [
        # What a sheet only declares (<dimension>, an empty last row) is what LibreOffice writes after a row is
        # deleted: accepted, see test_office_saved.py. Cells placed without r="" are counted into place.
        ("A1", SIMPLE_CELLS + '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'),
        ("A1:B2", SIMPLE_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
        ("A1:B2", SIMPLE_CELLS + f'<row r="2"><c r="{"GS"}2"><v>1</v></c></row>'),  # column 201
        ("A1:B2", SIMPLE_CELLS + f'<row r="{MAX_ROWS + 1}"><c r="A{MAX_ROWS + 1}"><v>1</v></c></row>'),
        ("A1", SIMPLE_CELLS + '<row r="2">' + "<c><v>1</v></c>" * (MAX_COLUMNS + 1) + "</row>"),
    ],
    ids=["unplaced-cell-in-row-1048576", "cell-at-XFD1048576", "column-201", "row-10001", "unplaced-column-201"],
)
def test_sheets_beyond_a_checklist_are_refused(dimension: str, cells: str) -> None:
    assert MAX_COLUMNS == 200
    started = time.monotonic()
    error = refused(xlsx(sheet_xml(cells, dimension)))
    assert error.code == "file-unsafe"
    assert time.monotonic() - started < 5


def test_ods_repeating_a_value_over_a_huge_area_is_refused() -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="S"><table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    assert refused(buffer.getvalue(), ".ods").code == "file-unsafe"


# ---------------------------------------------------------------- encrypted, mislabelled, truncated, empty

def fake_encrypted_ooxml() -> bytes:
    """The start of an OLE compound file whose directory names the EncryptedPackage stream, as Excel writes it."""
    header = OLE_MAGIC + b"\0" * 16 + struct.pack("<HHH", 0x3E, 3, 0xFFFE) + b"\0" * (512 - 30)
    entry = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    directory = entry.ljust(128, b"\0") + "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0")
    return header + directory + b"\0" * 1024


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".xlsm"])
def test_encrypted_files_are_refused_with_the_password_hint(suffix: str) -> None:
    error = refused(fake_encrypted_ooxml(), suffix)
    assert error.code == "file-unreadable"
    assert error.context["reason"] == "文件已加密，请去掉密码后重发"


def test_zip_with_encrypted_entries_is_refused() -> None:
    data = bytearray(xlsx())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_offset] |= 1
            start += 4
    assert refused(bytes(data)).context["reason"] == "文件已加密，请去掉密码后重发"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
def test_csv_renamed_xlsx_is_refused_with_the_fix(encoding: str) -> None:
    data = "单位,城关镇\r\n序号,工作任务,是否完成\r\n1,核实,是\r\n".encode(encoding)
    error = refused(data)
    assert error.code == "file-unreadable"
    assert ".csv" in error.context["reason"]


@pytest.mark.parametrize("cut", [10, 100, 400, -30])
def test_truncated_xlsx_is_refused(cut: int) -> None:
    assert refused(xlsx()[:cut]).code == "file-unreadable"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv"])
def test_empty_files_are_refused(suffix: str) -> None:
    assert refused(b"", suffix).code == "file-empty"


def test_oversized_csv_is_refused() -> None:
    assert refused(b"a,b\r\n" * (5 * 1024 * 1024), ".csv").code == "file-unsafe"


def test_office_lock_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "~$城关镇.xlsx").write_bytes(b"\x0bowner")
    (tmp_path / ".~lock.城关镇.xlsx#").write_bytes(b"x")
    (tmp_path / "城关镇.xlsx").write_bytes(xlsx())
    taken, skipped = collect_files([tmp_path])
    assert [p.name for p in taken] == ["城关镇.xlsx"]
    assert {p.name for p in skipped} == {"~$城关镇.xlsx", ".~lock.城关镇.xlsx#"}


def test_safety_is_silent_on_a_generated_form(demo_workspace: Path) -> None:
    assert check_spreadsheet(town_form(demo_workspace), ".xlsx") == []


# ---------------------------------------------------------------- warnings on a real filled form

def town_form(ws: Path, name: str = "城关镇") -> bytes:
    workspace = load_workspace(ws)
    jobs = plan_forms(workspace, load_roster(ws), workspace.templates(), ws / "forms", role=Role.town,
                      formats=("xlsx",))
    return FormWriter().render(next(j for j in jobs if j.unit.name == name))


def fill(data: bytes, edit) -> bytes:
    """The town form with all 13 tasks 是 on 11月5日, then `edit(sheet)`."""
    return fill_form(data, [(True, dt.date(2020, 11, 5))] * 13, date_format=None, edit=edit)


def context(ws: Path) -> IngestContext:
    workspace = load_workspace(ws)
    return IngestContext(workspace.campaign, load_roster(ws), workspace.templates(), RECEIVED)


def codes(outcome) -> set[tuple[str, int | None, str]]:
    return {(f.code, f.row, f.column) for f in outcome.findings}


def test_formula_without_cached_value_is_reported(demo_workspace: Path) -> None:
    def edit(sheet) -> None:
        sheet["E7"] = "=DATE(2020,11,5)"  # openpyxl saves the formula and no result, like a script would

    outcome = ingest_bytes(Path("f.xlsx"), fill(town_form(demo_workspace), edit), context(demo_workspace))
    assert outcome.status == "accepted"
    assert ("formula-no-value", 7, "E") in codes(outcome)
    assert outcome.record.answers[1].done_on is None


def test_rounded_eighteen_digit_number_is_reported(demo_workspace: Path) -> None:
    def edit(sheet) -> None:
        sheet["G3"] = 450102199001011234  # Excel keeps 15 digits: stored as 4.50102199001011e17

    outcome = ingest_bytes(Path("n.xlsx"), fill(town_form(demo_workspace), edit), context(demo_workspace))
    assert outcome.status == "accepted"
    assert ("number-rounded", 3, "G") in codes(outcome)


def test_rounded_number_in_an_excel_csv_is_reported(demo_workspace: Path) -> None:
    from fill import csv_bytes, return_rows

    template = load_workspace(demo_workspace).templates()["town"]
    rows = return_rows(template, "城关镇")
    rows[3] = ["负责人", "4.50102E+17"]
    outcome = ingest_bytes(Path("n.csv"), csv_bytes(rows), context(demo_workspace))
    assert outcome.status == "accepted", outcome.findings
    assert ("number-rounded", 4, "B") in codes(outcome)


# ---------------------------------------------------------------- the whole batch through the real CLI

@pytest.mark.skipif(sys.platform == "win32", reason="caps the child's memory with resource.setrlimit (POSIX only)")
def test_batch_with_hostile_files_refuses_each_in_one_line_and_keeps_going(demo_workspace: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    hostile = {
        "bomb.xlsx": xlsx(extra={"xl/media/padding.bin": b"\0" * (40 * 1024 * 1024)}),
        "laughs.xlsx": xlsx(sheet_xml(SIMPLE_CELLS, prolog=BILLION_LAUGHS)),
        "huge.xlsx": xlsx(sheet_xml(SIMPLE_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        "locked.xlsx": fake_encrypted_ooxml(),
        "renamed.xlsx": "单位,城关镇\r\n".encode("utf-8-sig"),
        "cut.xlsx": xlsx()[:300],
        "empty.xls": b"",
    }
    for name, data in hostile.items():
        (inbox / name).write_bytes(data)
    (inbox / "城关镇.xlsx").write_bytes(fill(town_form(demo_workspace), lambda s: None))
    (inbox / "~$城关镇.xlsx").write_bytes(b"lock")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024,) * 2); "
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", limit + "from fupin_cli.cli import main; main()", "-w", str(demo_workspace),
         "ingest", str(inbox), "--received", "2020-11-06", "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    outcomes = {Path(o["file"]).name: o for o in report["files"]}
    assert outcomes["城关镇.xlsx"]["status"] == "accepted"
    for name in hostile:
        assert outcomes[name]["status"] == "rejected", name
    assert "~$城关镇.xlsx" not in outcomes
    assert len(list((demo_workspace / "returns" / "records").glob("*.json"))) == 1


@pytest.mark.skipif(sys.platform == "win32",
                    reason="runs the child with a bare POSIX environment (PATH=/usr/bin, no SYSTEMROOT)")
def test_refusals_print_one_line_naming_file_and_reason(demo_workspace: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "laughs.xlsx").write_bytes(xlsx(sheet_xml(SIMPLE_CELLS, prolog=BILLION_LAUGHS)))
    (inbox / "locked.xlsx").write_bytes(fake_encrypted_ooxml())
    result = subprocess.run(
        [sys.executable, "-m", "fupin_cli", "-w", str(demo_workspace), "ingest", str(inbox)],
        capture_output=True, text=True, timeout=60, env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin"},
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(lines) == 2
    assert any("laughs.xlsx" in line and "文件不安全" in line for line in lines)
    assert any("locked.xlsx" in line and "文件已加密，请去掉密码后重发" in line for line in lines)


def test_outcomes_keep_going_in_the_core_too(demo_workspace: Path, tmp_path: Path) -> None:
    bad = tmp_path / "a.xlsx"
    bad.write_bytes(xlsx(sheet_xml(SIMPLE_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')))
    good = tmp_path / "b.xlsx"
    good.write_bytes(fill(town_form(demo_workspace), lambda s: None))
    first, second = ingest_files(demo_workspace, [bad, good], context(demo_workspace))
    assert (first.status, first.errors[0].code, second.status) == ("rejected", "file-unsafe", "accepted")


# ---------------------------------------------------------------- the legacy .xls reader, contained

DATA = Path(__file__).parent / "data"
# The reader is contained in a forked child with an RLIMIT_AS cap; without fork (Windows) it runs in-process,
# where an abort or a 30 s sleep would take the test run down with it.
needs_fork = pytest.mark.skipif(sys.platform == "win32", reason="containment forks a child (os.fork, POSIX only)")


@needs_fork
def test_xls_that_aborts_the_native_reader_is_refused_and_the_process_lives() -> None:
    # A LibreOffice .xls with a few bytes flipped (found by fuzzing): in-process, calamine tries to
    # allocate 600 GB and aborts the whole interpreter.
    error = refused((DATA / "xls-reader-abort.xls").read_bytes(), ".xls")
    assert error.code == "file-unreadable"


def test_xls_that_panics_the_native_reader_is_refused() -> None:
    assert refused((DATA / "xls-reader-panic.xls").read_bytes(), ".xls").code == "file-unreadable"


def test_the_unmutated_libreoffice_xls_still_reads() -> None:
    sheets = read_file(DATA / "town-form-libreoffice.xls")
    assert any("镇工作任务清单" in str(c) for s in sheets for r in s.rows for c in r)


def _sleep(data: bytes) -> None:
    time.sleep(30)


def _abort(data: bytes) -> None:
    os.abort()


def _grab(data: bytes) -> bytes:
    return b"x" * (4 * 1024 * 1024 * 1024)


@needs_fork
def test_contained_reader_limits_time_memory_and_crashes() -> None:
    from fupin_cli.intake.safety import run_contained

    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        run_contained(_sleep, b"", timeout=1)
    assert caught.value.code == "file-unsafe" and time.monotonic() - started < 5
    with pytest.raises(UnreadableFile) as caught:
        run_contained(_abort, b"")
    assert caught.value.code == "file-unreadable"
    with pytest.raises(UnreadableFile) as caught:
        run_contained(_grab, b"")
    assert caught.value.code == "file-unsafe"
    assert run_contained(len, b"abc") == 3
