"""Issue 18, case 13: a retyped form whose task texts were shortened is not "unrecognisable": title and columns
are the checklist's, so the refusal says which task rows differ from the official text."""

from __future__ import annotations

from fill import return_rows, xlsx_bytes
from fupin_cli.model.workspace import load_workspace
from inbox import fupin, ingest, unit_id, unit_round, unit_rounds


def test_every_shortened_task_row_is_named(runner, demo_workspace):
    ws = demo_workspace
    town = load_workspace(ws).templates()["town"]
    short = [t.text[:12] for t in town.tasks]
    path = ws / "inbox" / "城关镇（手抄）.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(xlsx_bytes(return_rows(town, "城关镇", tasks=short)))
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert code == 1
    errors = [(f["code"], f["row"], f["column"]) for f in entry["findings"] if f["severity"] == "error"]
    first = 8  # 附件, title, three header lines, a blank row and the table header: task 1 is on row 8
    assert errors == [("task-text-changed", first + k, "C") for k in range(13)]
    messages = [f["message"] for f in entry["findings"]]
    assert messages[0] == f"第 1 项任务的文字被改动：“{short[0]}”；请勿修改任务内容"
    assert messages[12].startswith("第 13 项任务的文字被改动")
    assert not any(f["code"] == "unknown-template" for f in entry["findings"])
    # the file names 城关镇: status tells the refusal, the round stays missing
    unit = unit_id(ws, "town", "城关镇")
    assert unit_rounds(runner, ws, unit, "2020-11-08") == [(1, "missing"), (2, "pending"), (3, "pending")]
    refused = unit_round(runner, ws, unit, "2020-11-08", 1)["refused"]
    assert refused["reason"] == "第 1 项任务的文字被改动、第 2 项任务的文字被改动、第 3 项任务的文字被改动"


def test_a_shortened_row_among_a_deleted_one_is_named_by_its_task(runner, demo_workspace):
    ws = demo_workspace
    town = load_workspace(ws).templates()["town"]
    texts = [t.text for t in town.tasks]
    texts[4] = texts[4][:20]  # task 5 shortened
    texts[8] = texts[8][5:40] + "……"  # task 9: a piece of it
    texts.insert(6, "新增的一项任务")  # and a row added: 14 rows for 13 tasks
    path = ws / "inbox" / "城关镇.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(xlsx_bytes(return_rows(town, "城关镇", tasks=texts)))
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert code == 1
    got = [(f["code"], f["message"].split("；")[0]) for f in entry["findings"] if f["severity"] == "error"]
    assert got == [("task-text-changed", f"第 5 项任务的文字被改动：“{texts[4]}”"),
                   ("task-added", "多出一行任务“新增的一项任务”"),
                   ("task-text-changed", f"第 9 项任务的文字被改动：“{texts[9][:40]}”")]
    assert unit_rounds(runner, ws, unit_id(ws, "town", "城关镇"), "2020-11-08") == [
        (1, "missing"), (2, "pending"), (3, "pending")]
    assert fupin(runner, ws, "doctor").exit_code == 0
