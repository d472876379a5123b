"""The district table's counts-only status (counted returns from the index, no problems) says what the whole one says;
the index skips listing the records folder only while that folder is as the last reader found it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fupin_cli.cli import app
from fupin_cli.count.load import load
from fupin_cli.count.status import DistrictStatus, district_status
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store import doctor, index_db
from fupin_cli.store.archive import load_returns
from fupin_cli.store.doctor import quick_damage
from fupin_cli.store.events import append_event, apply_overrides, received_overrides
from fupin_cli.store.index_db import Index, db_path, stored_meta
from fupin_cli.store.retime import retime_return
from fupin_cli.store.review import reject_return
from fupin_cli.store.review_log import CONFIRM

TZ = ZoneInfo("Asia/Shanghai")
DAYS = ("2020-11-05", "2020-11-06", "2020-11-08", "2020-11-10", "2020-11-13", "2020-11-30")


def _status(root: Path, day: str, counts_only: bool) -> DistrictStatus:
    data = load(load_workspace(root), day, counts_only=counts_only)
    return district_status(data.roster, data.templates, data.campaign, data.returns, data.as_of,
                           refused=data.refused, reviews=data.reviews, problems=not counts_only)


def _counted_view(status: DistrictStatus) -> dict:
    """Everything of a district status but its problems (and the town's own answers, shown in JSON only)."""
    data = status.to_dict()
    data.pop("problems")
    for task in data["tasks"]:
        task.pop("answer", None)
        task.pop("done_on", None)
    towns = [{"counts": t.counts, "villages": [v.to_dict() for v in t.villages],
              "tasks": [(t2.template_id, t2.task_id, t2.done, t2.total) for t2 in t.tasks]} for t in status.towns]
    return {**data, "by_town": towns}


def _returns_of(root: Path, role: str) -> list[str]:
    con = sqlite3.connect(db_path(root))
    try:
        return [rid for (rid, record) in con.execute("SELECT return_id, record FROM returns ORDER BY return_id")
                if json.loads(record)["role"] == role]
    finally:
        con.close()


@pytest.mark.parametrize("day", DAYS)
def test_counts_only_status_is_the_whole_status_without_its_problems(demo_with_returns: Path, day: str) -> None:
    whole, counted = _status(demo_with_returns, day, False), _status(demo_with_returns, day, True)
    assert _counted_view(counted) == _counted_view(whole)
    assert counted.counts.due > 0 or day == DAYS[0]
    assert counted.problems == [] and (whole.problems or day == DAYS[0])


def test_counts_only_follows_reviews_retimes_and_confirmations(demo_with_returns: Path) -> None:
    root = demo_with_returns
    cadres, helpers = _returns_of(root, "cadre"), _returns_of(root, "helper")
    at = dt.datetime(2020, 11, 8, 9, 0, tzinfo=TZ)
    reject_return(root, cadres[0], "第 2 项没有写完成时间", "王会计", at)
    retime_return(root, cadres[1], dt.datetime(2020, 11, 20, 10, 0, tzinfo=TZ), "邮件晚到", at)
    record = json.loads((root / "returns" / "records" / f"{helpers[0]}.json").read_text(encoding="utf-8"))
    first = record["answers"][0]
    # a clerk's confirmation of a paper answer (as `returns confirm` logs it) turns a 是 into 否 or back
    append_event(root, {"event": CONFIRM, "return_id": helpers[0], "task_id": first["task_id"], "number": 1,
                        "done": first["done"] is not True, "done_on": None, "by": "李四", "at": at.isoformat()})
    for day in ("2020-11-07", "2020-11-10", "2020-11-30"):
        assert _counted_view(_status(root, day, True)) == _counted_view(_status(root, day, False))


def test_district_table_and_csv_unchanged_by_counts_only(runner, demo_with_returns: Path) -> None:
    args = ["-w", str(demo_with_returns), "status", "--as-of", "2020-11-10"]
    table = runner.invoke(app, args)
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    assert table.exit_code == 0 and csv_out.exit_code == 0, table.output
    rows = {line.split(",")[0]: line for line in csv_out.stdout.splitlines()}
    whole = _status(demo_with_returns, "2020-11-10", False)
    for town in whole.towns:
        c = town.counts
        assert rows[town.town.name].startswith(f"{town.town.name},{c.due},{c.submitted},{c.on_time},{c.late},")
        assert town.town.name in table.stdout


@pytest.fixture
def hints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stamps kept however few the records (a district keeps them from HINT_FROM records)."""
    monkeypatch.setattr(index_db, "HINT_FROM", 0)
    monkeypatch.setattr(doctor, "HINT_FROM", 0)


def _age(folder: Path, seconds: int = 60) -> None:
    """Make the folder look unchanged for a while (its stamp is trusted only then)."""
    past = os.stat(folder).st_mtime_ns - seconds * 1_000_000_000
    os.utime(folder, ns=(past, past))


def test_index_lists_the_records_again_once_a_record_file_comes(demo_with_returns: Path, hints) -> None:
    root = demo_with_returns
    records = root / "returns" / "records"
    _age(records)
    index = Index(root, [])
    assert index.record_ids is not None  # first look: listed, and the stamp kept
    total = len(index.rows)
    index.close()
    assert stored_meta(root, "records")
    index = Index(root, [])
    assert index.record_ids is None and len(index.rows) == total  # nothing changed: not listed
    index.close()
    # a record written while no index row was added (a crash between the two): the folder changed, it is listed
    source = next(records.iterdir())
    data = json.loads(source.read_text(encoding="utf-8"))
    data["return_id"] = "0" * 16
    (records / f"{'0' * 16}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    index = Index(root, [])
    assert index.record_ids is not None and len(index.rows) == total + 1
    index.close()


def test_a_folder_changed_just_now_is_never_trusted(demo_with_returns: Path, hints) -> None:
    root = demo_with_returns
    (root / "returns" / "records" / "x.tmp").write_text("", encoding="utf-8")  # the folder changes now
    for _ in range(2):
        index = Index(root, [])
        assert index.record_ids is not None
        index.close()


def test_quick_damage_sees_an_original_gone_after_a_clean_look(demo_with_returns: Path, hints) -> None:
    root = demo_with_returns
    for name in ("records", "files"):
        _age(root / "returns" / name)
    Index(root, []).close()  # a reader keeps the records stamp
    assert quick_damage(root) == 0
    assert stored_meta(root, "originals")
    assert quick_damage(root) == 0  # from the stamps alone
    victim = next((root / "returns" / "files").iterdir())
    victim.unlink()
    assert quick_damage(root) >= 1
    _age(root / "returns" / "files")
    assert quick_damage(root) >= 1  # a stale stamp never matches: the folder's mtime moved


def test_a_small_store_keeps_no_stamp(demo_with_returns: Path) -> None:
    _age(demo_with_returns / "returns" / "records")
    Index(demo_with_returns, []).close()
    assert stored_meta(demo_with_returns, "records") is None


def test_counts_only_without_an_index_reads_the_record_files(demo_with_returns: Path) -> None:
    root = demo_with_returns
    whole = _counted_view(_status(root, "2020-11-10", False))
    db_path(root).unlink()
    shutil.rmtree(root / "returns" / ".cache", ignore_errors=True)
    assert _counted_view(_status(root, "2020-11-10", True)) == whole


@pytest.mark.parametrize("day", ("2020-11-06", "2020-11-10", "2020-11-30"))
def test_status_from_the_index_facts_is_the_status_of_the_records(demo_with_returns: Path, day: str) -> None:
    """Every problem, count and answer of the status read from the index's facts is what the record files say."""
    root = demo_with_returns
    at = dt.datetime(2020, 11, 8, 9, 0, tzinfo=TZ)
    reject_return(root, _returns_of(root, "cadre")[0], "第 2 项没有写完成时间", "王会计", at)
    data = load(load_workspace(root), day)
    from_index = district_status(data.roster, data.templates, data.campaign, data.returns, data.as_of,
                                 refused=data.refused, reviews=data.reviews)
    records = apply_overrides(load_returns(root), received_overrides(root))
    from_files = district_status(data.roster, data.templates, data.campaign, records, data.as_of,
                                 refused=data.refused, reviews=data.reviews)
    assert from_index.to_dict() == from_files.to_dict()
    assert from_index.problems and any(p.code not in ("round-missing", "task-open") for p in from_index.problems)


def test_doctor_finds_an_index_row_whose_counted_columns_disagree_with_its_record(runner,
                                                                                demo_with_returns: Path) -> None:
    root = demo_with_returns
    before = _counted_view(_status(root, "2020-11-10", True))
    victims = _returns_of(root, "cadre")
    con = sqlite3.connect(db_path(root))
    with con:  # the cadres' rows say no task done, while their records (and the record column) say otherwise
        con.executemany("UPDATE returns SET done = '[]', facts = ? WHERE return_id = ?",
                        [(json.dumps(["x.csv", [], []]), victim) for victim in victims])
    con.close()
    assert _counted_view(_status(root, "2020-11-10", True)) != before  # status trusts the index's columns
    result = runner.invoke(app, ["-w", str(root), "doctor"])
    # a derived file repaired, not a damaged return: named with the row, a warning, exit 0
    assert result.exit_code == 0 and "index.sqlite" in result.output, result.output
    assert any(victim in result.output for victim in victims) and "已按记录重建" in result.output
    assert _counted_view(_status(root, "2020-11-10", True)) == before  # rebuilt from the records
    assert runner.invoke(app, ["-w", str(root), "doctor"]).exit_code == 0
