"""A refused file that says whose return and which round it was is remembered, so status,
check and remind say it came and was refused (and why) instead of "not received"; the round stays missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fill import csv_bytes
from inbox import filled, fupin, generate, ingest, problems_of, unit_id, unit_round, unit_rounds

REFUSED = "第 1 次报送（11月6日截止）未报：11月6日 18:00 已收到但拒收（缺少第 3 项任务），请按原表重新填报"


def drop_task_3(sheet) -> None:
    """Delete the row of task 3 (as someone tidying the table would)."""
    row = next(c.row for c in sheet["A"] if c.value == 3)
    sheet.delete_rows(row)


@pytest.fixture
def town_form(runner, demo_workspace) -> Path:
    return generate(runner, demo_workspace, "--town", "城关镇", "--format", "xlsx", "--role", "town") / "城关镇/镇/城关镇.xlsx"


def refused_lines(ws: Path) -> list[dict]:
    path = ws / "returns" / "refused.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def reminders(runner, ws: Path, as_of: str) -> list[dict]:
    result = fupin(runner, ws, "remind", "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["reminders"]


def test_a_refused_return_is_told_by_status_check_and_remind_until_one_is_taken(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    broken = filled(town_form, ws / "inbox" / "城关镇.xlsx", edit=drop_task_3)
    code, [entry] = ingest(runner, ws, broken, received="2020-11-06T18:00")
    assert (code, entry["status"]) == (1, "rejected")
    [kept] = refused_lines(ws)
    assert (kept["unit_id"], kept["template_id"], kept["round"], kept["reason"]) == (town, "town", 1, "缺少第 3 项任务")
    # status: still missing (the counts do not change), but the problem says what happened
    assert unit_rounds(runner, ws, town, "2020-11-08") == [(1, "missing"), (2, "pending"), (3, "pending")]
    assert unit_round(runner, ws, town, "2020-11-08", 1)["refused"] == {
        "received_at": "2020-11-06T18:00:00+08:00", "file": "城关镇.xlsx", "reason": "缺少第 3 项任务"}
    assert ("round-missing", 1, REFUSED) in problems_of(runner, ws, town, "2020-11-08")
    # check: the same message, the same exit code as for any missing round
    check = fupin(runner, ws, "check", "--as-of", "2020-11-08", "--format", "json")
    assert check.exit_code == 1
    [violation] = [v for v in json.loads(check.stdout)["violations"] if v["unit_id"] == town and v["round"] == 1]
    assert (violation["code"], violation["kind"], violation["message"]) == ("round-missing", "missing", REFUSED)
    text = fupin(runner, ws, "check", "--as-of", "2020-11-08")
    assert "已收到但拒收（缺少第 3 项任务），请按原表重新填报" in text.stdout
    # remind: not "至今未收到"
    [mine] = [r for r in reminders(runner, ws, "2020-11-08") if r["unit_id"] == town and r["round"] == 1]
    assert "至今未收到" not in mine["message"]
    assert "第1次落实情况11月6日 18:00已收到但拒收（缺少第 3 项任务），请按原表重新填报，尽快报送。" in mine["message"]
    # the town sends the form again, whole: the refusal is moot
    good = filled(town_form, ws / "inbox" / "城关镇（重填）.xlsx")
    code, [entry] = ingest(runner, ws, good, received="2020-11-08T09:00")
    assert (code, entry["status"], entry["round"]) == (0, "accepted", 1)
    assert unit_rounds(runner, ws, town, "2020-11-08") == [(1, "late"), (2, "pending"), (3, "pending")]
    assert "refused" not in unit_round(runner, ws, town, "2020-11-08", 1)
    assert not [p for p in problems_of(runner, ws, town, "2020-11-08") if "拒收" in p[2]]
    assert not [r for r in reminders(runner, ws, "2020-11-08") if r["unit_id"] == town and r["round"] == 1]
    # …but as of a day before the good one came, the refusal still shows
    assert ("round-missing", 1, REFUSED) in problems_of(runner, ws, town, "2020-11-07")


def test_a_refusal_of_a_round_not_yet_due_is_chased_now(runner, demo_workspace):
    ws = demo_workspace
    forms = generate(runner, ws, "--town", "城关镇", "--format", "xlsx", "--role", "helper")
    helper = unit_id(ws, "helper", "邓春梅")
    path = filled(forms / "城关镇/帮扶责任人/邓春梅.xlsx", ws / "inbox" / "邓春梅.xlsx", date="11月10日",
                  answers=[(False, None)] * 7, edit=lambda s: [setattr(c, "value", None) for c in s["D"][4:11]])
    code, [entry] = ingest(runner, ws, path, received="2020-11-10T09:00")
    assert code == 1 and [f["code"] for f in entry["findings"]] == ["form-blank"]
    assert unit_rounds(runner, ws, helper, "2020-11-10") == [(1, "missing"), (2, "pending")]
    second = unit_round(runner, ws, helper, "2020-11-10", 2)
    assert second["refused"]["reason"] == "所有任务的“是否完成”都没有填写，像是未填的空白表"
    [mine] = [r for r in reminders(runner, ws, "2020-11-10") if r["unit_id"] == helper and r["round"] == 2]
    assert mine["status"] == "pending"
    assert mine["message"] == ("【催报】邓春梅同志：《帮扶责任人入户帮扶活动工作任务清单》第2次落实情况11月10日 09:00"
                               "已收到但拒收（所有任务的“是否完成”都没有填写，像是未填的空白表），"
                               "请按原表重新填报，于11月19日前报送。云溪区扶贫办")
    # without the refusal a round due in 9 days is not chased yet
    assert not [r for r in reminders(runner, ws, "2020-11-10") if r["round"] == 2 and r["unit_id"] != helper
                and r["role"] == "helper"]


def test_only_files_that_name_their_unit_are_kept_and_a_dry_run_keeps_none(runner, demo_workspace, town_form):
    ws = demo_workspace
    broken = filled(town_form, ws / "inbox" / "城关镇.xlsx", edit=drop_task_3)
    code, _ = ingest(runner, ws, broken, received="2020-11-06T18:00", args=["--dry-run"])
    assert code == 1 and refused_lines(ws) == []
    stranger = ws / "inbox" / "名单.csv"
    stranger.write_bytes(csv_bytes([["姓名", "电话"], ["张三", "1"]]))
    code, _ = ingest(runner, ws, stranger, received="2020-11-06T18:00")
    assert code == 1 and refused_lines(ws) == []
    first = unit_round(runner, ws, unit_id(ws, "town", "城关镇"), "2020-11-08", 1)
    assert (first["status"], first["return_id"], "refused" in first) == ("missing", None, False)
    assert fupin(runner, ws, "doctor").exit_code == 0


def test_a_big_batch_with_nothing_to_list_says_so_in_one_readable_sentence() -> None:
    """7,000 files all stored before: no empty table whose caption breaks “--format json” across lines."""
    import io
    from pathlib import Path

    from rich.console import Console

    from fupin_cli.intake.ingest import IngestOutcome
    from fupin_cli.render.returns import ROW_LIMIT, ingest_table

    outcomes = [IngestOutcome(Path(f"inbox/{i}.csv"), "duplicate") for i in range(ROW_LIMIT + 1)]
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(ingest_table(outcomes))
    text = console.file.getvalue()
    assert f"共 {ROW_LIMIT + 1} 个文件" in text and "--format json" in text and "┏" not in text
