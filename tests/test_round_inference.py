"""A return's round is --round, else the form's identity, else the 时间 its filler wrote,
else the received time; ingest says when a return replaces another and when it leaves an earlier round empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox import filled, generate, ingest, ingest_lines, unit_id, unit_round, unit_rounds


@pytest.fixture
def town_form(runner, demo_workspace) -> Path:
    """城关镇's blank xlsx form, generated without --round (its identity carries no round)."""
    return generate(runner, demo_workspace, "--town", "城关镇", "--format", "xlsx", "--role", "town") / "城关镇/镇/城关镇.xlsx"


def test_a_late_first_round_return_is_round_1_by_its_written_date(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    first = filled(town_form, ws / "inbox" / "第1次.xlsx", date="2020年11月6日")
    code, [entry] = ingest(runner, ws, first, received="2020-11-07T08:30")  # 8.5 h after the 11-06 deadline
    assert (code, entry["status"], entry["round"]) == (0, "accepted", 1)
    second = filled(town_form, ws / "inbox" / "第2次.xlsx", date="11月9日", seed=1)
    code, [entry2] = ingest(runner, ws, second, received="2020-11-09T10:00")
    assert (code, entry2["status"], entry2["round"]) == (0, "accepted", 2)
    # The real round-2 return no longer replaces round 1: round 1 is late, not missing.
    assert unit_rounds(runner, ws, town, "2020-11-10") == [(1, "late"), (2, "on_time"), (3, "pending")]
    assert unit_round(runner, ws, town, "2020-11-10", 1)["return_id"] == entry["return_id"]


def test_without_a_written_date_the_received_time_decides_and_an_empty_earlier_round_is_told(
        runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    undated = filled(town_form, ws / "inbox" / "未写时间.xlsx", date=None)
    code, text = ingest_lines(runner, ws, undated, received="2020-11-07T08:30")
    assert code == 0
    assert "⚠" in text and "这份按第2次收下，但第1次报送（11月6日截止）至今没有回执" in text
    assert "用--round1指定批次" in text
    assert unit_rounds(runner, ws, town, "2020-11-10") == [(1, "missing"), (2, "on_time"), (3, "pending")]


def test_a_date_after_the_received_day_is_not_believed(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    typo = filled(town_form, ws / "inbox" / "写错.xlsx", date="2020年11月16日")  # received on the 5th
    code, [entry] = ingest(runner, ws, typo, received="2020-11-05T10:00")
    assert (entry["status"], entry["round"]) == ("accepted", 1)
    assert unit_rounds(runner, ws, town, "2020-11-10") == [(1, "on_time"), (2, "missing"), (3, "pending")]


def test_round_option_and_identity_round_come_before_the_written_date(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    dated = filled(town_form, ws / "inbox" / "a.xlsx", date="2020年11月6日")
    code, [entry] = ingest(runner, ws, dated, received="2020-11-09T09:00", args=["--round", "2"])
    assert entry["round"] == 2
    third = generate(runner, ws, "--town", "城关镇", "--format", "xlsx", "--role", "town", "--round", "3")
    stamped = filled(third / "城关镇/镇/城关镇.xlsx", ws / "inbox" / "b.xlsx", date="2020年11月6日", seed=2)
    code, [entry] = ingest(runner, ws, stamped, received="2020-11-12T09:00")
    assert entry["round"] == 3
    assert unit_rounds(runner, ws, town, "2020-11-13") == [(1, "missing"), (2, "on_time"), (3, "on_time")]


def test_a_return_that_replaces_a_stored_one_says_so(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    late = filled(town_form, ws / "inbox" / "原表.xlsx", date="11月6日")
    ingest(runner, ws, late, received="2020-11-07T08:30")
    fixed = filled(town_form, ws / "inbox" / "重发.xlsx", date="11月6日", seed=3)
    code, text = ingest_lines(runner, ws, fixed, received="2020-11-08T09:00")
    assert code == 0 and "替代11月7日08:30收到的回执（原表.xlsx）；城关镇第1次以这份为准" in text
    code, [entry] = ingest(runner, ws, filled(town_form, ws / "inbox" / "再发.xlsx", date="11月6日", seed=1),
                           received="2020-11-08T10:00", args=["--dry-run"])
    assert [f["code"] for f in entry["findings"]] == ["return-supersedes"]
    stored = unit_round(runner, ws, town, "2020-11-10", 1)
    assert (stored["status"], stored["received_at"]) == ("late", "2020-11-07T08:30:00+08:00")  # first received


def test_a_return_older_than_the_stored_one_is_kept_but_does_not_count(runner, demo_workspace, town_form):
    ws = demo_workspace
    town = unit_id(ws, "town", "城关镇")
    newer = filled(town_form, ws / "inbox" / "新.xlsx", date="11月6日")
    _code, [kept] = ingest(runner, ws, newer, received="2020-11-06T15:00")
    older = filled(town_form, ws / "inbox" / "旧.xlsx", date="11月5日", seed=1)
    code, text = ingest_lines(runner, ws, older, received="2020-11-05T09:00")
    assert code == 0 and "城关镇第1次已有11月6日15:00收到的回执（新.xlsx），比这份晚，仍以那份为准" in text
    counted = unit_round(runner, ws, town, "2020-11-10", 1)
    assert (counted["status"], counted["return_id"]) == ("on_time", kept["return_id"])
    assert unit_rounds(runner, ws, town, "2020-11-10") == [(1, "on_time"), (2, "missing"), (3, "pending")]
