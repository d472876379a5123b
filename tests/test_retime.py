"""A stored return's received time is corrected by an event (`returns retime`), never by editing
its record; re-sending the same bytes with another --received says so and names the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_cli.cli import app
from fupin_cli.store.archive import load_returns
from fupin_cli.store.events import EVENTS, received_overrides

RETURN_ID = "2123b55f2cd19e7a"  # the example district's 城关镇 第2次, received 11-10 09:30 (late)
SOURCE = Path("inbox") / "11月10日" / "城关镇-第2次.xlsx"


def invoke(runner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), *args])


def town_round(runner, ws: Path, number: int) -> dict:
    result = invoke(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-10", "--format", "json")
    assert result.exit_code == 0, result.output
    unit = next(u for u in json.loads(result.stdout)["units"] if u["role"] == "town")
    return next(r for r in unit["rounds"] if r["round"] == number)


def store_bytes(ws: Path) -> dict[str, bytes]:
    folder = ws / "returns"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (EVENTS, ".lock")}


def test_retime_makes_a_late_round_on_time(runner, demo_with_returns):
    ws = demo_with_returns
    before = town_round(runner, ws, 2)
    assert (before["status"], before["return_id"]) == ("late", RETURN_ID)
    kept = store_bytes(ws)
    result = invoke(runner, ws, "returns", "retime", RETURN_ID[:6], "--received", "2020-11-09T17:00",
                    "--reason", "邮件 11月9日 17:00 已到，当时漏收")
    assert result.exit_code == 0, result.output
    assert "2020-11-10 09:30 → 2020-11-09 17:00" in result.stdout
    after = town_round(runner, ws, 2)
    assert (after["status"], after["received_at"], after["return_id"]) == (
        "on_time", "2020-11-09T17:00:00+08:00", RETURN_ID)
    assert store_bytes(ws) == kept  # records, index and originals untouched: the correction is an event
    [event] = [json.loads(line) for line in (ws / "returns" / EVENTS).read_text(encoding="utf-8").splitlines()]
    assert (event["event"], event["return_id"], event["received_at"], event["previous"], event["reason"]) == (
        "retime", RETURN_ID, "2020-11-09T17:00:00+08:00", "2020-11-10T09:30:00+08:00", "邮件 11月9日 17:00 已到，当时漏收")
    listed = json.loads(invoke(runner, ws, "returns", "list", "--unit", "451023100", "--format", "json").stdout)
    assert {r["return_id"]: r["received_at"] for r in listed}[RETURN_ID] == "2020-11-09T17:00:00+08:00"
    assert invoke(runner, ws, "doctor").exit_code == 0


def test_the_latest_retime_wins_and_the_log_only_grows(runner, demo_with_returns):
    ws = demo_with_returns
    for moment in ("2020-11-09T17:00", "2020-11-10T08:00"):
        result = invoke(runner, ws, "returns", "retime", RETURN_ID, "--received", moment, "--reason", "核对邮件")
        assert result.exit_code == 0, result.output
    lines = (ws / "returns" / EVENTS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["previous"] == "2020-11-09T17:00:00+08:00"
    assert town_round(runner, ws, 2)["status"] == "late"
    # The same time again writes nothing.
    again = invoke(runner, ws, "returns", "retime", RETURN_ID, "--received", "2020-11-10T08:00", "--reason", "重复")
    assert again.exit_code == 0 and "未作改动" in again.stdout
    assert len((ws / "returns" / EVENTS).read_text(encoding="utf-8").splitlines()) == 2


def test_a_line_cut_short_by_a_crash_is_skipped_and_the_next_starts_fresh(runner, demo_with_returns):
    ws = demo_with_returns
    (ws / "returns" / EVENTS).write_bytes(b'{"event":"retime","return_id":"2123b55f2cd19e7a","receiv')
    assert received_overrides(ws) == {}
    result = invoke(runner, ws, "returns", "retime", RETURN_ID, "--received", "2020-11-09T17:00", "--reason", "补记")
    assert result.exit_code == 0, result.output
    assert [r.received_at.isoformat() for r in load_returns(ws) if r.return_id == RETURN_ID] == [
        "2020-11-09T17:00:00+08:00"]
    assert town_round(runner, ws, 2)["status"] == "on_time"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([RETURN_ID, "--received", "2020-11-09T17:00", "--reason", ""], ["--reason"]),
        ([RETURN_ID, "--received", "2020-11-09T17:00", "--reason", "   "], ["--reason"]),
        (["ffffff0000", "--received", "2020-11-09T17:00", "--reason", "x"], ["ffffff0000", "returns list"]),
        ([RETURN_ID[:5], "--received", "2020-11-09T17:00", "--reason", "x"], [RETURN_ID[:5], "6 位"]),
        ([RETURN_ID, "--received", "昨天", "--reason", "x"], ["昨天"]),
    ],
    ids=["empty-reason", "blank-reason", "unknown-id", "short-prefix", "bad-time"],
)
def test_refusals_exit_2_and_write_nothing(runner, demo_with_returns, args, words):
    ws = demo_with_returns
    result = invoke(runner, ws, "returns", "retime", *args)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr
    assert not (ws / "returns" / EVENTS).exists()
    assert town_round(runner, ws, 2)["status"] == "late"


def test_an_ambiguous_prefix_is_refused(runner, demo_with_returns):
    ws = demo_with_returns
    records = ws / "returns" / "records"
    twin = records / f"{RETURN_ID[:8]}00000000.json"
    data = json.loads((records / f"{RETURN_ID}.json").read_text(encoding="utf-8"))
    twin.write_text(json.dumps({**data, "return_id": twin.stem}, ensure_ascii=False), encoding="utf-8")
    result = invoke(runner, ws, "returns", "retime", RETURN_ID[:8], "--received", "2020-11-09T17:00", "--reason", "x")
    assert result.exit_code == 2
    assert RETURN_ID in result.stderr and twin.stem in result.stderr
    ok = invoke(runner, ws, "returns", "retime", RETURN_ID[:9], "--received", "2020-11-09T17:00", "--reason", "x")
    assert ok.exit_code == 0, ok.output


def test_resending_the_same_bytes_with_another_received_time_names_the_fix(runner, demo_with_returns):
    ws = demo_with_returns
    result = invoke(runner, ws, "ingest", str(ws / SOURCE), "--received", "2020-11-09T17:00", "--format", "json")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["files"]
    assert entry["status"] == "duplicate"
    [finding] = entry["findings"]
    assert finding["code"] == "received-differs" and finding["severity"] == "warning"
    command = f"fupin returns retime {RETURN_ID} --received 2020-11-09T17:00 --reason"
    assert "2020-11-10 09:30" in finding["message"] and command in finding["message"]
    table = invoke(runner, ws, "ingest", str(ws / SOURCE), "--received", "2020-11-09T17:00")
    assert table.exit_code == 0
    assert command in table.stderr  # on one line: never broken inside the command
    assert town_round(runner, ws, 2)["status"] == "late"  # nothing was changed by the re-send
    fix = invoke(runner, ws, "returns", "retime", RETURN_ID, "--received", "2020-11-09T17:00", "--reason", "按邮件时间")
    assert fix.exit_code == 0, fix.output
    assert town_round(runner, ws, 2)["status"] == "on_time"
    again = invoke(runner, ws, "ingest", str(ws / SOURCE), "--received", "2020-11-09T17:00", "--format", "json")
    assert json.loads(again.stdout)["files"][0]["findings"] == []  # the stored time now agrees


def test_resending_without_received_says_only_already_received(runner, demo_with_returns):
    ws = demo_with_returns
    result = invoke(runner, ws, "ingest", str(ws / SOURCE), "--format", "json")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["files"]
    assert (entry["status"], entry["findings"]) == ("duplicate", [])
