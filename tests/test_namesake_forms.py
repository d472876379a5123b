"""Namesakes' forms say which is which: 工作单位 (else 职务, 村, 编号) in the file name and printed in the header."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from fill import fill_form
from fupin_cli.forms.generate import FormJob, plan_forms, write_forms
from fupin_cli.intake.ingest import IngestContext, ingest_bytes
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster


def _append(path: Path, rows: list[list[str]]) -> None:
    text = path.read_text(encoding="utf-8-sig").rstrip("\r\n") + "\r\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(text + buffer.getvalue(), encoding="utf-8-sig")


def _jobs(root: Path, role: Role, out: Path) -> list[FormJob]:
    workspace = load_workspace(root)
    return plan_forms(workspace, load_roster(root), workspace.templates(), out, role=role, town="城关镇")


def _written(root: Path, role: Role, out: Path) -> dict[str, FormJob]:
    jobs = _jobs(root, role, out)
    list(write_forms(jobs))
    return {j.path.name: j for j in jobs}


def _header(path: Path) -> dict[str, tuple[object, bool]]:
    """Each header label above the table → (the value beside it, whether that value cell is unlocked)."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    found = {}
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.endswith("："):
                value_col = cell.column + 1
                for rng in ws.merged_cells.ranges:
                    if cell.coordinate in rng:
                        value_col = rng.max_col + 1
                value = ws.cell(row=cell.row, column=value_col)
                found[cell.value[:-1]] = (value.value, not value.protection.locked)
    return found


def test_namesake_files_and_headers_carry_the_work_unit(demo_workspace: Path, tmp_path: Path) -> None:
    jobs = _written(demo_workspace, Role.helper, tmp_path / "out")
    folder = tmp_path / "out" / "城关镇" / "帮扶责任人"
    assert sorted(p.name for p in folder.glob("王芳*")) == [
        "王芳（区教育局）.csv", "王芳（区教育局）.xlsx", "王芳（区财政局）.csv", "王芳（区财政局）.xlsx"]
    assert jobs["王芳（区教育局）.xlsx"].unit.unit_id == "H1b205b1f"
    assert jobs["王芳（区财政局）.xlsx"].unit.unit_id == "H1b205b1f-2"
    # The printed header: the name to sign, then the 工作单位 (printed, not a cell to fill), then 时间.
    assert _header(folder / "王芳（区财政局）.xlsx") == {
        "帮扶人签名": ("王芳", True), "工作单位": ("区财政局", False), "时间": (None, True)}
    assert _header(folder / "王芳（区教育局）.xlsx")["工作单位"] == ("区教育局", False)
    # Someone without a namesake keeps the plain name and the official header.
    assert (folder / "邓春梅.xlsx").is_file() and jobs["邓春梅.xlsx"].tell_apart is None
    assert _header(folder / "邓春梅.xlsx") == {"帮扶人签名": ("邓春梅", True), "时间": (None, True)}
    rows = list(csv.reader(io.StringIO((folder / "王芳（区财政局）.csv").read_text(encoding="utf-8-sig"))))
    assert rows[2:5] == [["帮扶人签名", "王芳"], ["工作单位", "区财政局"], ["时间", ""]]
    plain = list(csv.reader(io.StringIO((folder / "邓春梅.csv").read_text(encoding="utf-8-sig"))))
    assert plain[2:4] == [["帮扶人签名", "邓春梅"], ["时间", ""]]


def test_names_fall_back_to_post_then_id_and_stay_unique_and_reproducible(demo_workspace: Path,
                                                                         tmp_path: Path) -> None:
    # Two more 王芳 of 区财政局 in 东岭村: the work unit no longer tells them apart, so their ids do.
    _append(demo_workspace / "roster" / "helpers.csv", [
        ["HW3", "王芳", "区财政局", "城关镇", "东岭村", "1", ""],
        ["HW4", "王芳", "", "城关镇", "西江村", "1", ""],
    ])
    # Two cadres called 陆文: they have no work unit, their 职务 tells them apart.
    _append(demo_workspace / "roster" / "cadres.csv", [["CX1", "陆文", "第一书记", "城关镇", "西江村", ""]])
    helpers = _jobs(demo_workspace, Role.helper, tmp_path / "out")
    names = {j.unit.unit_id: (j.path.name, j.tell_apart) for j in helpers if j.fmt == "xlsx" and j.unit.name == "王芳"}
    assert names == {
        "H1b205b1f": ("王芳（区教育局）.xlsx", ("工作单位", "区教育局")),
        "H1b205b1f-2": ("王芳（H1b205b1f-2）.xlsx", ("编号", "H1b205b1f-2")),
        "HW3": ("王芳（HW3）.xlsx", ("编号", "HW3")),
        "HW4": ("王芳（西江村）.xlsx", ("村", "西江村")),
    }
    assert len({j.path for j in helpers}) == len(helpers)
    assert [j.path for j in _jobs(demo_workspace, Role.helper, tmp_path / "out")] == [j.path for j in helpers]
    cadres = {j.unit.unit_id: j.path.name for j in _jobs(demo_workspace, Role.cadre, tmp_path / "out")
              if j.fmt == "xlsx" and j.unit.name == "陆文"}
    assert cadres == {"C3e3deae3": "陆文（驻村工作队员）.xlsx", "CX1": "陆文（第一书记）.xlsx"}
    written = _written(demo_workspace, Role.cadre, tmp_path / "out")
    assert _header(written["陆文（第一书记）.xlsx"].path)["职务"] == ("第一书记", False)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_filled_namesake_form_comes_back_to_its_own_unit(demo_workspace: Path, tmp_path: Path, fmt: str) -> None:
    jobs = _written(demo_workspace, Role.helper, tmp_path / "out")
    job = jobs[f"王芳（区财政局）.{fmt}"]
    workspace = load_workspace(demo_workspace)
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(),
                        dt.datetime(2020, 11, 6, 12, tzinfo=workspace.campaign.tz))
    outcome = ingest_bytes(job.path, fill_form(job.path), ctx)
    assert outcome.status == "accepted", outcome.findings
    assert (outcome.record.unit_id, outcome.record.name, outcome.record.recognised_by) == (
        "H1b205b1f-2", "王芳", "identity")
    # The printed 工作单位 line adds no warning: the same as a form without it (时间 was left blank).
    plain = jobs[f"邓春梅.{fmt}"]
    other = ingest_bytes(plain.path, fill_form(plain.path), ctx)
    assert [f.code for f in outcome.findings] == [f.code for f in other.findings] == ["missing-date"]
