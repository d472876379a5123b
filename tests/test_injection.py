"""Formula injection: no CSV or XLSX fupin writes holds a text cell a spreadsheet would run; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_cli.cli import app
from fupin_cli.forms.generate import plan_forms, write_forms
from fupin_cli.model.text import needs_neutralizing, neutralize
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

RISKY = ["=1+1", "@SUM(A1)", "+86 139 0771 0101", "－1", "-2+3", "＝HYPERLINK(\"x\")", "＋1", "＠A1",
         "\t=1", "\r=1", "\n=1", "=cmd|' /C calc'!A0"]
SAFE = ["城关镇", "1+1", "a=b", "'=1", " 张三", "１２３"]
STARTS = tuple("=+-@\t\r\n＝＋－＠")


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_gets_an_apostrophe(text: str) -> None:
    assert needs_neutralizing(text)
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", SAFE + [""])
def test_other_text_is_untouched(text: str) -> None:
    assert neutralize(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    safe = neutralize(text)
    assert not safe.startswith(STARTS)
    assert safe.removeprefix("'") == text or safe == text


def _add_units(ws: Path) -> None:
    """A town and helpers whose names and phones look like formulas."""
    def append(name: str, rows: list[list[str]]) -> None:
        path = ws / "roster" / name
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        path.write_text(path.read_text(encoding="utf-8-sig").rstrip("\r\n") + "\r\n" + buffer.getvalue(),
                        encoding="utf-8-sig")

    append("towns.csv", [["T9", "=1+1", "", "@SUM(A1)", "+86 139 0771 0101"]])
    append("helpers.csv", [[f"HI{i}", name, "－1", "城关镇", "东岭村", "2", "+86 13907710101"]
                           for i, name in enumerate(RISKY)])


def _csv_cells(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


def _assert_no_formula_text(cells: list[str]) -> None:
    bad = [c for c in cells if c.startswith(STARTS)]
    assert not bad, bad


@pytest.fixture
def risky_ws(demo_workspace: Path) -> Path:
    _add_units(demo_workspace)
    return demo_workspace


def test_csv_forms_neutralise_names_and_keep_numbers(risky_ws: Path, tmp_path: Path) -> None:
    workspace = load_workspace(risky_ws)
    jobs = [j for j in plan_forms(workspace, load_roster(risky_ws), workspace.templates(), tmp_path / "out",
                                  formats=("csv",)) if j.unit.unit_id.startswith(("HI", "T9"))]
    assert len(jobs) == len(RISKY) + 1
    list(write_forms(jobs))
    for job in jobs:
        cells = _csv_cells(job.path.read_bytes())
        _assert_no_formula_text(cells)
        assert "'" + job.unit.name in cells
        assert [c for c in cells if c.isdigit()][:3] == ["1", "2", "3"]  # 序号 stay plain numbers


def test_xlsx_forms_store_risky_names_as_text_never_formulas(risky_ws: Path, tmp_path: Path) -> None:
    workspace = load_workspace(risky_ws)
    jobs = [j for j in plan_forms(workspace, load_roster(risky_ws), workspace.templates(), tmp_path / "out",
                                  formats=("xlsx",)) if j.unit.unit_id.startswith(("HI", "T9"))]
    list(write_forms(jobs))
    for job in jobs:
        archive = zipfile.ZipFile(job.path)
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(?:\w+:)?f[ >]", archive.read(name)), name
        sheet = openpyxl.load_workbook(job.path).worksheets[0]
        cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
        name = job.unit.name.strip()
        assert name in cells and cells[name].data_type == "s"
        number = cells["序号"]  # 序号 1…n under it stay numbers, not text
        count = len(job.template.tasks)
        below = [sheet.cell(number.row + 1 + k, number.column) for k in range(count)]
        assert [(c.value, c.data_type) for c in below] == [(k, "n") for k in range(1, count + 1)]


def test_status_and_remind_csv_are_neutralised(risky_ws: Path, runner) -> None:
    for args in (["status", "--format", "csv"], ["status", "--town", "=1+1", "--format", "csv"],
                 ["status", "--town", "城关镇", "--format", "csv"], ["remind", "--format", "csv"]):
        result = runner.invoke(app, ["-w", str(risky_ws), *args, "--as-of", "2020-11-20"])
        assert result.exit_code in (0, 1), (args, result.output)
        cells = _csv_cells(result.stdout_bytes)
        _assert_no_formula_text(cells)
        if args[0] == "remind":
            assert "'+86 13907710101" in cells
            assert "'@SUM(A1)" in cells
    district = runner.invoke(app, ["-w", str(risky_ws), "status", "--format", "csv", "--as-of", "2020-11-20"])
    assert any(c.isdigit() for c in _csv_cells(district.stdout_bytes))  # counts stay numbers


def test_export_xlsx_holds_no_formula_cells(risky_ws: Path, tmp_path: Path, runner) -> None:
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["-w", str(risky_ws), "export", "--out", str(out), "--as-of", "2020-11-20"])
    assert result.exit_code in (0, 1), result.output
    archive = zipfile.ZipFile(out)
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert not re.search(rb"<(?:\w+:)?f[ >]", archive.read(name)), name
    book = openpyxl.load_workbook(out)
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(t.startswith("=1+1") for t in texts)
