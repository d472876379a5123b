"""Two files from one unit and round in one batch (an original and its 更正版) — the one
that counts is never picked silently: a name saying 更正/修改/最新 wins, else the later modification time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inbox import filled, generate, ingest, ingest_lines, status, unit_id, unit_round, unit_rounds

ALL_DONE = [(True, dt.date(2020, 11, 5))] * 13
NONE_DONE = [(False, None)] * 13
MONDAY = dt.datetime(2020, 11, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@pytest.fixture
def town_form(runner, demo_workspace) -> Path:
    return generate(runner, demo_workspace, "--town", "城关镇", "--format", "xlsx", "--role", "town") / "城关镇/镇/城关镇.xlsx"


def town_done(runner, ws: Path, as_of: str) -> int:
    """How many of 城关镇's tasks its counted return says are done."""
    data = status(runner, ws, as_of)
    return sum(t["done"] for t in data["tasks"] if t["role"] == "town")


def test_a_correction_in_the_same_folder_counts_and_the_clerk_is_told(runner, demo_workspace, town_form):
    ws = demo_workspace
    folder = ws / "inbox"
    # The correction was saved first (older modification time): its name still says it is the correction.
    fixed = filled(town_form, folder / "城关镇（更正版）.xlsx", answers=ALL_DONE, mtime=MONDAY)
    original = filled(town_form, folder / "城关镇.xlsx", answers=NONE_DONE, mtime=MONDAY + 600)
    code, entries = ingest(runner, ws, folder, received="2020-11-06T18:00")
    assert code == 0 and [e["status"] for e in entries] == ["accepted", "accepted"]
    chosen = next(e for e in entries if e["file"] == str(fixed))
    [warning] = [f for f in chosen["findings"] if f["code"] == "batch-duplicate"]
    assert warning["message"] == ("同一批次收到城关镇第1次的 2 份回执（城关镇.xlsx、城关镇（更正版）.xlsx），"
                                  "以 城关镇（更正版）.xlsx 为准；如不对请分开收取")
    town = unit_id(ws, "town", "城关镇")
    counted = unit_round(runner, ws, town, "2020-11-08", 1)
    assert (counted["status"], counted["return_id"]) == ("on_time", chosen["return_id"])
    assert unit_rounds(runner, ws, town, "2020-11-08") == [(1, "on_time"), (2, "pending"), (3, "pending")]
    assert town_done(runner, ws, "2020-11-08") == 13
    assert original.exists()


def test_without_a_telling_name_the_later_saved_file_counts(runner, demo_workspace, town_form):
    ws = demo_workspace
    folder = ws / "inbox"
    filled(town_form, folder / "a.xlsx", answers=ALL_DONE, mtime=MONDAY + 600)
    earlier = filled(town_form, folder / "b.xlsx", answers=NONE_DONE, mtime=MONDAY)
    code, text = ingest_lines(runner, ws, folder, received="2020-11-06T18:00")
    assert code == 0
    assert "⚠" in text and "同一批次收到城关镇第1次的2份回执（a.xlsx、b.xlsx），以a.xlsx为准；如不对请分开收取" in text
    town = unit_id(ws, "town", "城关镇")
    assert unit_rounds(runner, ws, town, "2020-11-08") == [(1, "on_time"), (2, "pending"), (3, "pending")]
    assert town_done(runner, ws, "2020-11-08") == 13
    assert earlier.exists()


def test_files_of_different_rounds_in_one_batch_are_no_duplicates(runner, demo_workspace, town_form):
    ws = demo_workspace
    folder = ws / "inbox"
    filled(town_form, folder / "第1次.xlsx", date="11月6日", answers=NONE_DONE, mtime=MONDAY)
    filled(town_form, folder / "第2次.xlsx", date="11月9日", answers=ALL_DONE, mtime=MONDAY + 600)
    code, entries = ingest(runner, ws, folder, received="2020-11-09T18:00")
    assert code == 0 and sorted(e["round"] for e in entries) == [1, 2]
    assert not [f for e in entries for f in e["findings"] if f["code"] in ("batch-duplicate", "round-earlier-missing")]
    assert unit_rounds(runner, ws, unit_id(ws, "town", "城关镇"), "2020-11-10") == [
        (1, "late"), (2, "on_time"), (3, "pending")]
