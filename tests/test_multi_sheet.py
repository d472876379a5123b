"""A workbook holding one filled checklist per sheet (a village's collected returns) gives
one return per sheet, each with its own unit and checks; the file is stored once; unreadable sheets are named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from fill import return_rows
from fupin_cli.model.workspace import load_workspace
from inbox import filled, fupin, generate, ingest, load_book, unit_id, unit_rounds, workbook_bytes

PEOPLE = ("邓春梅", "吴桂芳", "刘国庆")  # three helpers of 城关镇 东岭村


def copy_sheet(book, source: Path, title: str, index: int | None = None):
    """The first sheet of `source` copied into `book` as a sheet called `title` (values and merged cells)."""
    src = load_book(source).worksheets[0]
    dst = book.create_sheet(title, index)
    for row in src.iter_rows():
        for cell in row:
            if cell.value is not None:
                dst.cell(cell.row, cell.column).value = cell.value
    for merged in src.merged_cells.ranges:
        dst.merge_cells(str(merged))
    return dst


def odd_sheet(book, title: str) -> None:
    """A sheet that looks like a checklist (its table header) but is none of fupin's."""
    sheet = book.create_sheet(title)
    sheet.append(["村级自查表"])
    sheet.append(["序号", "工作任务", "是否完成", "完成时间"])
    sheet.append([1, "打扫村部卫生", "是", "2020-11-05"])
    sheet.append([2, "整理会议记录", "是", "2020-11-05"])


@pytest.fixture
def filled_helpers(runner, demo_workspace) -> dict[str, Path]:
    """Each helper's own generated form, filled (时间 11月6日)."""
    folder = generate(runner, demo_workspace, "--town", "城关镇", "--format", "xlsx", "--role", "helper")
    return {name: filled(folder / f"城关镇/帮扶责任人/{name}.xlsx", demo_workspace / "filled" / f"{name}.xlsx", seed=n)
            for n, name in enumerate(PEOPLE)}


def test_every_checklist_sheet_is_its_own_return_and_the_file_is_stored_once(runner, demo_workspace, filled_helpers):
    ws = demo_workspace
    book = load_book(filled_helpers["邓春梅"])  # the collector starts from her own form (its identity is hers)
    book.worksheets[0].title = "邓春梅"
    for name in PEOPLE[1:]:
        copy_sheet(book, filled_helpers[name], name)
    summary = book.create_sheet("汇总")
    summary.append(["姓名", "是否到位"])
    odd_sheet(book, "王小")
    path = ws / "inbox" / "东岭村帮扶责任人.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(workbook_bytes(book))
    assert load_book(path).sheetnames == ["邓春梅", "_fupin", "吴桂芳", "刘国庆", "汇总", "王小"]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    code, entries = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert code == 1  # one sheet could not be read
    got = [(e["sheet"], e["status"], e["unit_id"], e["return_id"]) for e in entries]
    ids = [unit_id(ws, "helper", name) for name in PEOPLE]
    assert got == [("邓春梅", "accepted", ids[0], sha[:16]), ("吴桂芳", "accepted", ids[1], f"{sha[:16]}-3"),
                   ("刘国庆", "accepted", ids[2], f"{sha[:16]}-4"), ("王小", "rejected", None, None)]
    [error] = entries[3]["findings"]
    assert (error["code"], error["sheet"]) == ("unknown-template", "王小")
    stored = list((ws / "returns" / "files").iterdir())
    assert [p.read_bytes() for p in stored] == [path.read_bytes()]  # once, byte for byte
    for unit in ids:
        assert unit_rounds(runner, ws, unit, "2020-11-08") == [(1, "on_time"), (2, "pending")]
    doctor = fupin(runner, ws, "doctor")
    assert doctor.exit_code == 0, doctor.output
    code, again = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert [e["status"] for e in again] == ["duplicate"]  # the first sheet's return: the whole file is known
    assert fupin(runner, ws, "doctor").exit_code == 0


def test_the_identity_goes_to_the_sheet_that_names_its_unit(runner, demo_workspace, filled_helpers):
    ws = demo_workspace
    book = load_book(filled_helpers["邓春梅"])
    copy_sheet(book, filled_helpers["吴桂芳"], "吴桂芳", index=0)  # a colleague's sheet before hers
    path = ws / "inbox" / "合并.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(workbook_bytes(book))
    code, entries = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert code == 0
    ids = {name: unit_id(ws, "helper", name) for name in PEOPLE[:2]}
    assert [(e["unit_id"], e["status"]) for e in entries] == [(ids["吴桂芳"], "accepted"), (ids["邓春梅"], "accepted")]
    for unit in ids.values():
        assert unit_rounds(runner, ws, unit, "2020-11-08") == [(1, "on_time"), (2, "pending")]
    records = {r["unit_id"]: r["recognised_by"] for r in __import__("json").loads(
        fupin(runner, ws, "returns", "list", "--format", "json").stdout)}
    assert records == {ids["邓春梅"]: "identity", ids["吴桂芳"]: "content"}


def test_a_retyped_workbook_of_several_towns(runner, demo_workspace):
    ws = demo_workspace
    town = load_workspace(ws).templates()["town"]
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("城关镇", "龙潭镇"):
        sheet = book.create_sheet(name)
        for row in return_rows(town, name, date="2020年11月6日"):
            sheet.append(list(row) if row else [None])
    path = ws / "inbox" / "两个镇.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(workbook_bytes(book))
    code, entries = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert code == 0 and [e["status"] for e in entries] == ["accepted", "accepted"]
    for name in ("城关镇", "龙潭镇"):
        assert unit_rounds(runner, ws, unit_id(ws, "town", name), "2020-11-08") == [
            (1, "on_time"), (2, "pending"), (3, "pending")]
    assert unit_rounds(runner, ws, unit_id(ws, "town", "石门镇"), "2020-11-08") == [
        (1, "missing"), (2, "pending"), (3, "pending")]
    assert fupin(runner, ws, "doctor").exit_code == 0
