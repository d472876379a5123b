"""帮扶责任人到位情况统计表 (presence): a village's sheet, generated, filled as real XLSX and CSV files and ingested,
credits its helpers' rounds (source village), and a sheet contradicting a helper's own return is presence_mismatch."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fill import fill_form
from fupin_cli.cli import app
from fupin_cli.model.templates import load_templates

TOWN = "城关镇"
# 东岭村's six helpers in roster order (two namesakes 王芳, told apart by 工作单位).
DONGLING = ["邓春梅", "吴桂芳", "刘国庆", "王秀英", "王芳", "王芳"]


def fupin(runner: CliRunner, ws: Path, *args: object):
    """Run the CLI in a workspace."""
    return runner.invoke(app, ["-w", str(ws), *map(str, args)])


def as_json(runner: CliRunner, ws: Path, *args: object) -> dict:
    """A command's JSON output."""
    result = fupin(runner, ws, *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture
def ws(runner: CliRunner, demo_workspace: Path) -> Path:
    """The demo district with an empty store and the blank forms of 城关镇's villages and helpers."""
    for role in ("village", "helper"):
        result = fupin(runner, demo_workspace, "forms", "generate", "--role", role, "--town", TOWN)
        assert result.exit_code == 0, result.output
    return demo_workspace


def village_form(ws: Path, village: str, fmt: str) -> Path:
    """The generated presence form of a village of 城关镇."""
    return ws / "forms" / TOWN / "村" / f"{village}.{fmt}"


def _header_row(rows: list[list[object]]) -> int:
    return next(i for i, row in enumerate(rows) if row and "帮扶责任人" in [str(c or "") for c in row])


def fill_xlsx(path: Path, marks: dict[int, tuple[str, object, str, object]], date: str = "2020-11-06") -> bytes:
    """The village's XLSX form filled in with openpyxl: helper row n (1-based) → (第1次, 日期, 第2次, 日期)."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows()]
    values = [[c.value for c in r] for r in rows]
    head = _header_row(values)
    for row in rows[:head]:
        for i, cell in enumerate(row):
            if str(cell.value or "").startswith("统计人"):
                row[i + 1].value = "陈金凤"
            if str(cell.value or "").startswith("时间"):
                row[i + 1].value = date
    for n, (first, first_on, second, second_on) in marks.items():
        row = rows[head + n]
        row[4].value, row[5].value, row[6].value, row[7].value = first, first_on, second, second_on
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    """Write the filled file where a clerk saves it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def helper_return(ws: Path, tmp_path: Path, name: str, visit_done: bool, file_name: str) -> Path:
    """A helper's own return (its generated XLSX form, every task 是, task 2 入户 as given)."""
    form = ws / "forms" / TOWN / "帮扶责任人" / f"{name}.xlsx"
    answers = [(True, dt.date(2020, 11, 5))] * 7
    answers[1] = (visit_done, dt.date(2020, 11, 5) if visit_done else None)
    return write(tmp_path / "inbox" / file_name, fill_form(form, answers))


def units_of(status: dict, village: str) -> dict[str, dict]:
    """The helper units of a village in status JSON, by unit id."""
    return {u["unit_id"]: u for u in status["units"] if u["role"] == "helper" and u["village"] == village}


def test_the_presence_template_is_fupins_own_and_lists_the_villages_helpers(runner: CliRunner, ws: Path) -> None:
    template = load_templates()["presence"]
    assert (template.role.value, template.attachment, template.designed_by, template.rows) == \
        ("village", None, "fupin", "helpers")
    assert [c.label for c in template.columns] == [
        "序号", "帮扶责任人", "工作单位", "帮扶户数", "第1次入户（11月7日前）是否到位", "入户日期",
        "第2次入户（核验前）是否到位", "入户日期", "备注", "编号"]
    assert [h.label for h in template.header_fields] == ["村", "统计人", "时间"]
    assert [r.deadline for r in template.rounds] == ["11-07", "before_assessment"]
    listing = fupin(runner, ws, "templates", "list")
    assert listing.exit_code == 0 and "presence" in listing.stdout and "非正式附件" in listing.stdout
    check = fupin(runner, ws, "templates", "check")
    assert check.exit_code == 0, check.output
    assert "presence（非正式附件（fupin 设计）《帮扶责任人到位情况统计表》，本村帮扶责任人逐人一行" in check.stdout
    # One form per village of the town (xlsx and csv), each listing the village's helpers from the roster.
    assert sorted(p.name for p in (ws / "forms" / TOWN / "村").iterdir()) == sorted(
        f"{v}.{f}" for v in ("东岭村", "西江村", "北坡村") for f in ("xlsx", "csv"))
    rows = list(csv.reader(io.StringIO(village_form(ws, "东岭村", "csv").read_text(encoding="utf-8-sig"))))
    head = _header_row(rows)
    assert [r[1] for r in rows[head + 1:head + 7]] == DONGLING
    assert rows[head + 5][2] == "区教育局" and rows[head + 6][2] == "区财政局"  # the namesakes' 工作单位
    book = openpyxl.load_workbook(village_form(ws, "东岭村", "xlsx"))
    sheet = book.worksheets[0]
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.column_dimensions["J"].hidden  # 编号: hidden, read back at ingest
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert lists and {"E", "G"} <= {str(r)[0] for dv in lists for r in dv.sqref.ranges}
    dates = [dv for dv in sheet.data_validations.dataValidation if dv.type == "date"]
    assert dates and {"F", "H"} <= {str(r)[0] for dv in dates for r in dv.sqref.ranges}
    again = fupin(runner, ws, "forms", "generate", "--role", "village", "--town", TOWN)
    assert "内容未变 6 个" in again.stdout  # byte-identical on a second run
    pdf = fupin(runner, ws, "forms", "generate", "--role", "village", "--format", "pdf")
    assert "暂无 PDF 纸质表" in pdf.stderr


def test_a_village_sheet_credits_its_helpers(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    # 东岭村 says its first three helpers were there for the first visit; 王秀英 not; the rest left blank.
    filled = fill_xlsx(village_form(ws, "东岭村", "xlsx"), {
        1: ("是", dt.date(2020, 11, 5), None, None), 2: ("是", dt.date(2020, 11, 4), None, None),
        3: ("是", dt.date(2020, 11, 6), None, None), 4: ("否", None, None, None)})
    sheet = write(tmp_path / "inbox" / "东岭村到位情况.xlsx", filled)
    ingest = as_json(runner, ws, "ingest", sheet, "--received", "2020-11-06T18:00")
    outcome = ingest["files"][0] if "files" in ingest else ingest["outcomes"][0]
    assert outcome["status"] == "accepted", outcome
    status = as_json(runner, ws, "status", "--town", TOWN, "--as-of", "2020-11-10")
    helpers = units_of(status, "东岭村")
    first = [u["rounds"][0] for u in helpers.values()]
    assert [(r["status"], r["source"]) for r in first] == [("on_time", "village")] * 3 + [("missing", None)] * 3
    assert {r["received_at"] for r in first[:3]} == {"2020-11-06T18:00:00+08:00"}
    assert all(u["rounds"][1]["source"] is None for u in helpers.values())
    dongling = next(v for v in status["villages"] if v["village"] == "东岭村")
    assert (dongling["rounds"][0]["reported"], dongling["rounds"][0]["from_village"]) == (3, 3)
    assert dongling["rounds"][0]["sheet"]["status"] == "on_time"
    assert dongling["rounds"][1]["sheet"]["status"] == "pending"
    xijiang = next(v for v in status["villages"] if v["village"] == "西江村")
    assert xijiang["rounds"][0]["sheet"]["status"] == "missing"  # the village as a reporter of its own
    # Other units are not touched: the sheet is no unit of the town's counts.
    assert all(u["role"] != "village" for u in status["units"])
    wide = runner.invoke(app, ["-w", str(ws), "status", "--town", TOWN, "--as-of", "2020-11-10"],
                         env={"COLUMNS": "160"})
    squashed = "".join(wide.stdout.split())
    assert "✗到位3/6（村统计3）" in squashed and "✗到位0/5·到位0/5" in squashed
    assert "东岭村第1次按时第2次未到期；西江村第1次未报第2次未到期" in squashed
    exported = tmp_path / "城关镇.xlsx"
    assert fupin(runner, ws, "export", "--town", TOWN, "--as-of", "2020-11-10", "--out", exported).exit_code == 0
    cells = {str(c.value) for sheet_ in openpyxl.load_workbook(exported).worksheets for row in sheet_.iter_rows()
             for c in row if c.value is not None}
    assert "到位 3/6（村统计 3）\n未报" in cells
    # Reminders no longer chase the three credited helpers for round 1; they chase 西江村's missing sheet.
    remind = as_json(runner, ws, "remind", "--town", TOWN, "--as-of", "2020-11-10")
    chased = {(r["name"], r["round"]) for r in remind["reminders"]} if "reminders" in remind else \
        {(r["name"], r["round"]) for r in remind}
    assert not {("邓春梅", 1), ("吴桂芳", 1), ("刘国庆", 1)} & chased
    assert ("王秀英", 1) in chased and ("西江村", 1) in chased and ("东岭村", 1) not in chased


def test_a_contradicting_sheet_is_presence_mismatch(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    # 邓春梅's own return says task 2 (入户) 否, and 王秀英's own return came: the village says 是 and 否.
    mine = [helper_return(ws, tmp_path, "邓春梅", False, "邓春梅.xlsx"),
            helper_return(ws, tmp_path, "王秀英", True, "王秀英.xlsx")]
    assert fupin(runner, ws, "ingest", *mine, "--received", "2020-11-06T09:00").exit_code == 0
    filled = fill_xlsx(village_form(ws, "东岭村", "xlsx"), {
        1: ("是", dt.date(2020, 11, 5), None, None), 4: ("否", None, None, None)})
    sheet = write(tmp_path / "inbox" / "东岭村.xlsx", filled)
    assert fupin(runner, ws, "ingest", sheet, "--received", "2020-11-06T18:00").exit_code == 0
    status = as_json(runner, ws, "status", "--town", TOWN, "--as-of", "2020-11-10")
    helpers = units_of(status, "东岭村")
    by_name = {u["name"]: u for u in helpers.values() if u["name"] != "王芳"}
    assert by_name["邓春梅"]["rounds"][0]["source"] == "self"  # its own return counts, with its own time
    assert by_name["邓春梅"]["rounds"][0]["received_at"] == "2020-11-06T09:00:00+08:00"
    mismatches = [p for p in status["problems"] if p["code"] == "presence-mismatch"]
    assert sorted(p["name"] for p in mismatches) == ["王秀英", "邓春梅"]
    assert all(p["kind"] == "presence_mismatch" and p["severity"] == "warning" and p["round"] == 1
               for p in mismatches)
    deng = next(p for p in mismatches if p["name"] == "邓春梅")
    assert "东岭村的到位统计表（东岭村.xlsx 第 5 行）说邓春梅第 1 次已到位（是）" in deng["message"]
    assert "第 2 项（入户）填的是“否”" in deng["message"]
    wang = next(p for p in mismatches if p["name"] == "王秀英")
    assert "说王秀英第 1 次未到位（否）" in wang["message"] and "11月6日 09:00 收到" in wang["message"]
    # A warning: it fails `check` only with --strict.
    plain = as_json(runner, ws, "check", "--town", TOWN, "--as-of", "2020-11-10")
    strict = as_json(runner, ws, "check", "--town", TOWN, "--as-of", "2020-11-10", "--strict")
    assert [v["failing"] for v in plain["violations"] if v["code"] == "presence-mismatch"] == [False, False]
    assert [v["failing"] for v in strict["violations"] if v["code"] == "presence-mismatch"] == [True, True]
    assert strict["counts"]["presence_mismatch"] == 2


def test_check_strict_fails_on_a_mismatch_alone(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    """Before any deadline nothing is missing: only the village's contradicting 是 makes --strict fail."""

    def dated(sheet) -> None:
        for row in sheet.iter_rows():
            for i, cell in enumerate(row):
                if str(cell.value or "").startswith("时间"):
                    row[i + 1].value = "2020-11-05"

    form = ws / "forms" / TOWN / "帮扶责任人" / "邓春梅.xlsx"
    answers = [(True, dt.date(2020, 11, 5))] * 7
    answers[1] = (False, None)  # task 2, 入户: 否
    own = write(tmp_path / "inbox" / "邓春梅.xlsx", fill_form(form, answers, edit=dated))
    assert fupin(runner, ws, "ingest", own, "--received", "2020-11-05T09:00").exit_code == 0
    args = ("check", "--town", TOWN, "--as-of", "2020-11-05")
    assert fupin(runner, ws, *args, "--strict").exit_code == 0
    sheet = write(tmp_path / "inbox" / "东岭村.xlsx", fill_xlsx(
        village_form(ws, "东岭村", "xlsx"), {1: ("是", dt.date(2020, 11, 5), None, None)}, date="2020-11-05"))
    assert fupin(runner, ws, "ingest", sheet, "--received", "2020-11-05T18:00").exit_code == 0
    strict = fupin(runner, ws, *args, "--strict")
    assert strict.exit_code == 1 and "不一致" in strict.stdout and "邓春梅" in strict.stdout
    plain = fupin(runner, ws, *args)
    assert plain.exit_code == 0 and "（不计失败）" in plain.stdout


def test_unknown_and_duplicate_helper_rows_are_findings_with_their_rows(runner: CliRunner, ws: Path,
                                                                           tmp_path: Path) -> None:
    text = village_form(ws, "西江村", "csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    head = _header_row(rows)
    for row in rows:
        if row and row[0] == "时间":
            row[1] = "2020-11-06"
        if row and row[0] == "统计人":
            row[1] = "谭丽"
    body = rows[head + 1:]
    note = next(i for i, r in enumerate(body) if r and r[0].startswith("注"))
    helpers, tail = body[:note], body[note:]
    helpers[0][4:6] = ["是", "2020-11-05"]
    # A row retyped by hand without the 编号 (matched by name), a stranger, and the first helper again.
    retyped = ["2", helpers[1][1], "", "", "是", "11月5日", "", "", "", ""]
    stranger = ["9", "赵无名", "区某局", "2", "是", "2020-11-05", "", "", "", ""]
    again = ["10", helpers[0][1], "", "", "否", "", "", "", "", helpers[0][9]]
    table = [helpers[0], retyped, *helpers[2:], stranger, again]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([*rows[:head + 1], *table, *tail])
    path = write(tmp_path / "inbox" / "西江村.csv", out.getvalue().encode("utf-8-sig"))
    ingest = fupin(runner, ws, "ingest", path, "--received", "2020-11-06T20:00", "--format", "json")
    assert ingest.exit_code == 0, ingest.output
    report = json.loads(ingest.stdout)
    outcome = (report.get("files") or report.get("outcomes"))[0]
    assert outcome["status"] == "accepted"
    found = {f["code"]: f for f in outcome["findings"]}
    first_row = head + 2
    stranger_row = head + 1 + len(helpers) + 1
    assert found["presence-helper-unknown"]["row"] == stranger_row
    assert "“赵无名”不是西江村花名册中的帮扶责任人" in found["presence-helper-unknown"]["message"]
    assert found["presence-helper-duplicate"]["row"] == stranger_row + 1
    assert f"在第 {first_row} 行已填过" in found["presence-helper-duplicate"]["message"]
    assert found["presence-helper-unknown"]["column"] == "帮扶责任人"
    status = as_json(runner, ws, "status", "--town", TOWN, "--as-of", "2020-11-10")
    credited = sorted(u["name"] for u in units_of(status, "西江村").values() if u["rounds"][0]["source"] == "village")
    assert credited == sorted([helpers[0][1], helpers[1][1]])  # the first row counts, not the repeated one
    # The sheet's warnings are the village's problems in status, with their rows.
    warned = [p for p in status["problems"] if p["code"].startswith("presence-helper")]
    assert {p["name"] for p in warned} == {"西江村"} and len(warned) == 2


def test_a_round_two_sheet_fills_in_round_one_late_and_a_rejected_sheet_credits_nobody(
        runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    filled = fill_xlsx(village_form(ws, "北坡村", "xlsx"), {
        1: ("是", dt.date(2020, 11, 6), "是", dt.date(2020, 11, 15)), 2: (None, None, "是", dt.date(2020, 11, 16))},
        date="2020-11-16")
    sheet = write(tmp_path / "inbox" / "北坡村第2次.xlsx", filled)
    result = as_json(runner, ws, "ingest", sheet, "--received", "2020-11-16T10:00")
    outcome = (result.get("files") or result.get("outcomes"))[0]
    assert outcome["status"] == "accepted" and outcome["round"] == 2, outcome
    status = as_json(runner, ws, "status", "--town", TOWN, "--as-of", "2020-11-17")
    helpers = list(units_of(status, "北坡村").values())
    # Its 第2次 column credits round 2 on time; its 第1次 column fills in round 1 (no round-1 sheet): late.
    assert [(r["status"], r["source"]) for r in helpers[0]["rounds"]] == [("late", "village"), ("on_time", "village")]
    assert [(r["status"], r["source"]) for r in helpers[1]["rounds"]] == [("missing", None), ("on_time", "village")]
    rid = helpers[0]["rounds"][1]["return_id"]
    rejected = fupin(runner, ws, "returns", "reject", rid, "--reason", "日期不对")
    assert rejected.exit_code == 0, rejected.output
    status = as_json(runner, ws, "status", "--town", TOWN)  # today: the review is later than any day of 2020
    assert all(r["source"] is None for u in units_of(status, "北坡村").values() for r in u["rounds"])
