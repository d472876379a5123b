"""Review and correction: reject/accept with the hash-chained log, history, diff and regressions."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fupin_cli.cli import app
from fupin_cli.store.events import EVENTS
from fupin_cli.store.review import reject_return

TZ = ZoneInfo("Asia/Shanghai")
TOWN = "451023100"  # 城关镇 in the example district
FIRST = "88a1cb02a2923044"  # its 第1次 return, received 11-06 16:00
SECOND = "2123b55f2cd19e7a"  # its 第2次 return, received 11-10 09:30


def invoke(runner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), *args])


def as_json(runner, ws: Path, *args: str) -> dict:
    result = invoke(runner, ws, *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def town_rounds(runner, ws: Path, as_of: str) -> list[dict]:
    data = as_json(runner, ws, "status", "--town", "城关镇", "--as-of", as_of)
    return next(u for u in data["units"] if u["unit_id"] == TOWN)["rounds"]


def log_lines(ws: Path) -> list[str]:
    return (ws / "returns" / EVENTS).read_text(encoding="utf-8").splitlines()


def test_reject_needs_a_reason_and_writes_nothing_without(runner, demo_with_returns: Path) -> None:
    for reason in ("", "   "):
        result = invoke(runner, demo_with_returns, "returns", "reject", FIRST[:6], "--reason", reason)
        assert result.exit_code == 2 and "退回必须写明原因" in result.stderr
    assert not (demo_with_returns / "returns" / EVENTS).exists()
    result = invoke(runner, demo_with_returns, "returns", "reject", "ffffff", "--reason", "x")
    assert result.exit_code == 2 and "ffffff" in result.stderr


def test_rejected_round_is_returned_checked_and_chased(runner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    before = town_rounds(runner, ws, "2020-11-10")
    assert before[0]["status"] == "on_time" and before[0]["review"] is None
    reject_return(ws, FIRST, "第 3 项写了“是”但没有完成时间", "李四", dt.datetime(2020, 11, 7, 9, 0, tzinfo=TZ))
    # as of the day before the rejection nothing changed; from that day on the round is 已退回
    assert town_rounds(runner, ws, "2020-11-06")[0]["status"] == "on_time"
    after = town_rounds(runner, ws, "2020-11-10")
    assert (after[0]["status"], after[0]["review"], after[0]["reason"]) == (
        "returned", "rejected", "第 3 项写了“是”但没有完成时间")
    summary = as_json(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-10")["summary"]
    assert summary["returned"] == 1 and summary["submitted"] == 27 and summary["due"] == 37
    check = as_json(runner, ws, "check", "--town", "城关镇", "--as-of", "2020-11-10")
    returned = [v for v in check["violations"] if v["kind"] == "returned"]
    assert [(v["unit_id"], v["round"], v["failing"]) for v in returned] == [(TOWN, 1, True)]
    assert check["counts"]["returned"] == 1
    remind = as_json(runner, ws, "remind", "--town", "城关镇", "--as-of", "2020-11-10")
    mine = [r for r in remind["reminders"] if r["unit_id"] == TOWN and r["round"] == 1]
    assert len(mine) == 1 and "您报送的《镇工作任务清单》第1次已退回，原因：第 3 项写了“是”但没有完成时间，请修改后重新报送" \
        in mine[0]["message"]


@pytest.mark.parametrize(("received", "status"), [("2020-11-06T22:00", "on_time"), ("2020-11-07T10:00", "late")])
def test_resubmission_is_judged_by_its_own_time(runner, demo_with_returns: Path, tmp_path: Path,
                                                received: str, status: str) -> None:
    ws = demo_with_returns
    reject_return(ws, FIRST, "数据有误", "", dt.datetime(2020, 11, 6, 20, 0, tzinfo=TZ))
    resend_first(runner, ws, tmp_path, received)
    assert town_rounds(runner, ws, "2020-11-10")[0]["status"] == status


def test_refusals_of_accept_and_reject(runner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    assert invoke(runner, ws, "returns", "accept", SECOND[:8], "--by", "王五").exit_code == 0
    twice = invoke(runner, ws, "returns", "accept", SECOND)
    assert twice.exit_code == 2 and "已经审核通过" in twice.stderr
    assert invoke(runner, ws, "returns", "reject", FIRST, "--reason", "错").exit_code == 0
    again = invoke(runner, ws, "returns", "reject", FIRST, "--reason", "又错")
    assert again.exit_code == 2 and "已经退回过" in again.stderr
    accept_rejected = invoke(runner, ws, "returns", "accept", FIRST)
    assert accept_rejected.exit_code == 2 and "已经退回过" in accept_rejected.stderr
    assert len(log_lines(ws)) == 2
    summary = as_json(runner, ws, "status", "--town", "城关镇")["summary"]
    assert (summary["accepted"], summary["returned"]) == (1, 1)


def resend_first(runner, ws: Path, tmp_path: Path, received: str) -> None:
    """The town sends its 第1次 return again (a slightly different file), received at `received`."""
    record = json.loads((ws / "returns" / "records" / f"{FIRST}.json").read_text(encoding="utf-8"))
    data = (ws / "returns" / "files" / record["stored_name"]).read_bytes()
    again = tmp_path / "城关镇-第1次-修改.csv"
    again.write_bytes(data + b"\r\n")
    result = invoke(runner, ws, "ingest", str(again), "--received", received, "--round", "1")
    assert result.exit_code == 0, result.output


def test_only_the_newest_return_of_a_round_can_be_reviewed(runner, demo_with_returns: Path, tmp_path: Path) -> None:
    resend_first(runner, demo_with_returns, tmp_path, "2020-11-07T10:00")
    result = invoke(runner, demo_with_returns, "returns", "reject", FIRST, "--reason", "x")
    assert result.exit_code == 2 and "替代" in result.stderr
    result = invoke(runner, demo_with_returns, "returns", "accept", FIRST)
    assert result.exit_code == 2 and "替代" in result.stderr


def test_history_lists_returns_and_reviews_in_order(runner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    reject_return(ws, FIRST, "第 3 项没有时间", "李四", dt.datetime(2020, 11, 7, 9, 0, tzinfo=TZ))
    data = as_json(runner, ws, "returns", "history", "城关镇")
    assert (data["unit_id"], data["name"]) == (TOWN, "城关镇")
    assert [(e["event"], e["return_id"], e["round"]) for e in data["events"]] == [
        ("received", FIRST, 1), ("rejected", FIRST, 1), ("received", SECOND, 2)]
    rejected = data["events"][1]
    assert (rejected["by"], rejected["reason"], rejected["at"]) == ("李四", "第 3 项没有时间", "2020-11-07T09:00:00+08:00")
    assert invoke(runner, ws, "returns", "history", "没有这个人").exit_code == 2


def test_doctor_finds_an_edited_and_a_truncated_line(runner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    for rid, reason in ((FIRST, "甲"), (SECOND, "乙")):
        reject_return(ws, rid, reason, "", dt.datetime(2020, 11, 10, 12, 0, tzinfo=TZ))
    assert invoke(runner, ws, "doctor").exit_code == 0
    path = ws / "returns" / EVENTS
    good = path.read_bytes()
    path.write_bytes(good.replace("甲".encode(), "丙".encode()))
    edited = invoke(runner, ws, "doctor", "--format", "json")
    assert edited.exit_code == 1
    found = [(f["code"], f["row"]) for f in json.loads(edited.stdout)["findings"] if f["code"].startswith("events")]
    assert found == [("events-line-edited", 1), ("events-chain-broken", 2)]  # and the line after it no longer links
    lines = good.split(b"\n")
    path.write_bytes(lines[1] + b"\n" + lines[0] + b"\n")  # two lines swapped
    swapped = json.loads(invoke(runner, ws, "doctor", "--format", "json").stdout)["findings"]
    assert [(f["code"], f["row"]) for f in swapped if f["code"].startswith("events")] == [
        ("events-chain-broken", 1), ("events-chain-broken", 2)]
    path.write_bytes(good[:-20])  # the last line cut short
    truncated = invoke(runner, ws, "doctor", "--format", "json")
    assert truncated.exit_code == 1
    assert [(f["code"], f["row"]) for f in json.loads(truncated.stdout)["findings"]
            if f["code"].startswith("events")] == [("events-line-torn", 2)]


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 (SIGKILL) is POSIX")
def test_kill_during_reject_leaves_a_log_doctor_passes(runner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    for delay in (0.05, 0.2, 0.35, 0.5, 0.8):
        proc = subprocess.Popen([sys.executable, "-m", "fupin_cli", "-w", str(ws), "returns", "reject", SECOND,
                                 "--reason", "中断测试"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        result = invoke(runner, ws, "doctor")
        assert result.exit_code == 0, result.output
        if (ws / "returns" / EVENTS).exists() and log_lines(ws):
            break  # the reject got through whole before the kill: the log is still sound
    for line in log_lines(ws) if (ws / "returns" / EVENTS).exists() else []:
        assert json.loads(line)["reason"] == "中断测试"


def test_diff_between_two_dates(runner, demo_with_returns: Path) -> None:
    data = as_json(runner, demo_with_returns, "diff", "--from", "2020-11-06", "--to", "2020-11-10", "--town", "城关镇")
    start = as_json(runner, demo_with_returns, "status", "--town", "城关镇", "--as-of", "2020-11-06")
    end = as_json(runner, demo_with_returns, "status", "--town", "城关镇", "--as-of", "2020-11-10")
    reported = ("on_time", "late")
    expected = sorted((u1["unit_id"], r1["round"]) for u0, u1 in zip(start["units"], end["units"], strict=True)
                      for r0, r1 in zip(u0["rounds"], u1["rounds"], strict=True)
                      if r0["status"] not in reported and r1["status"] in reported)
    assert sorted((r["unit_id"], r["round"]) for r in data["newly_reported"]) == expected
    assert len(expected) == 13  # counted by hand on the example: 城关镇第2次, 2 aid units, 5 cadres, 5 helpers
    assert [(c["task_id"], c["from"], c["to"]) for c in data["regressions"]] == [("town-09", "是", "否"),
                                                                                ("town-12", "是", "否")]
    town_progress = [(c["task_id"], c["from"], c["to"]) for c in data["progress"] if c["unit_id"] == TOWN]
    assert town_progress == [("town-05", "否", "是"), ("town-10", "否", "是"), ("town-13", "否", "是")]
    assert data["towns"] == [{"town": "城关镇", "rate_from": 1.0, "rate_to": 0.7568, "task_rate_from": 0.4437,
                              "task_rate_to": 0.7188}]
    csv = invoke(runner, demo_with_returns, "diff", "--from", "2020-11-06", "--to", "2020-11-10", "--format", "csv")
    assert csv.exit_code == 0 and csv.stdout.startswith("\ufeff类别")


def test_a_task_gone_back_is_one_regressed_problem(runner, demo_with_returns: Path) -> None:
    data = as_json(runner, demo_with_returns, "status", "--town", "城关镇", "--as-of", "2020-11-10")
    regressed = [(p["unit_id"], p["task_id"], p["round"]) for p in data["problems"] if p["kind"] == "regressed"]
    assert regressed == [(TOWN, "town-09", 2), (TOWN, "town-12", 2)]
    plain = invoke(runner, demo_with_returns, "check", "--town", "城关镇", "--as-of", "2020-11-10", "--format", "json")
    assert not any(v["failing"] for v in json.loads(plain.stdout)["violations"] if v["kind"] == "regressed")
    strict = invoke(runner, demo_with_returns, "check", "--town", "城关镇", "--as-of", "2020-11-10", "--strict",
                    "--format", "json")
    assert strict.exit_code == 1
    assert sum(1 for v in json.loads(strict.stdout)["violations"] if v["kind"] == "regressed" and v["failing"]) == 2
