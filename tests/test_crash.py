"""Store integrity: `fupin doctor` on damaged stores, `kill -9` of a real ingest, two ingests at once."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fill import fill_form
from fupin_cli.cli import app
from fupin_cli.forms.generate import plan_forms, write_forms
from fupin_cli.intake.ingest import IngestContext, ingest_files
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.archive import load_returns
from fupin_cli.store.doctor import check_store
from fupin_cli.store.roster_file import load_roster

RECEIVED = "2020-11-06"


@pytest.fixture(scope="module")
def returns_40(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """40 small returns (20 XLSX, 20 CSV forms of different units), generated once."""
    from conftest import DEMO

    ws = tmp_path_factory.mktemp("gen") / "demo"
    shutil.copytree(DEMO, ws)
    workspace = load_workspace(ws)
    jobs = plan_forms(workspace, load_roster(ws), workspace.templates(), ws / "forms")
    list(write_forms(jobs))
    xlsx = [j.path for j in jobs if j.fmt == "xlsx"][:20]
    csv = [j.path for j in jobs if j.fmt == "csv"][-20:]
    filled = ws.parent / "filled"
    filled.mkdir()
    paths = [filled / f"{i:02d}_{path.name}" for i, path in enumerate(xlsx + csv)]
    for i, (path, target) in enumerate(zip(xlsx + csv, paths, strict=True)):
        target.write_bytes(fill_form(path, seed=i))
    return paths


def inbox(tmp_path: Path, files: list[Path], name: str = "inbox") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i, path in enumerate(files):
        shutil.copyfile(path, folder / f"r{i:02d}_{path.name}")
    return folder


def fupin(*args: str) -> list[str]:
    return [sys.executable, "-m", "fupin_cli", *args]


def doctor(ws: Path):
    return check_store(ws, load_roster(ws))


def store_files(ws: Path) -> list[Path]:
    return [p for p in (ws / "returns").rglob("*") if p.is_file()]


def ingested(ws: Path, folder: Path) -> None:
    workspace = load_workspace(ws)
    import datetime as dt

    ctx = IngestContext(workspace.campaign, load_roster(ws), workspace.templates(),
                        dt.datetime(2020, 11, 6, 12, tzinfo=workspace.campaign.tz))
    outcomes = ingest_files(ws, sorted(folder.iterdir()), ctx)
    assert all(o.status == "accepted" for o in outcomes), [o.findings for o in outcomes if o.status != "accepted"]


# ---------------------------------------------------------------- doctor on a clean and a damaged store

@pytest.fixture
def stored(demo_workspace: Path, tmp_path: Path, returns_40: list[Path]) -> Path:
    ingested(demo_workspace, inbox(tmp_path, returns_40[18:24]))
    return demo_workspace


def test_clean_store_passes(stored: Path, runner) -> None:
    report = doctor(stored)
    assert (report.ok, report.findings) == (True, [])
    assert report.checked == len(list((stored / "returns" / "records").glob("*.json")))
    result = runner.invoke(app, ["-w", str(stored), "doctor"])
    assert result.exit_code == 0, result.output
    assert f"{report.checked} 份回执" in result.stderr


def test_empty_workspace_passes(empty_workspace: Path) -> None:
    assert doctor(empty_workspace).ok


def _a_record_path(ws: Path) -> Path:
    """A record of a return this module ingested (the demo's own stored returns name other units)."""
    for path in sorted((ws / "returns" / "records").glob("*.json")):
        if json.loads(path.read_text(encoding="utf-8"))["source_name"].startswith("r"):
            return path
    raise AssertionError("no record of ours")


def _a_record(ws: Path) -> dict:
    path = _a_record_path(ws)
    return json.loads(path.read_text(encoding="utf-8"))


def test_missing_original(stored: Path, runner) -> None:
    record = _a_record(stored)
    (stored / "returns" / "files" / record["stored_name"]).unlink()
    report = doctor(stored)
    assert [(f.code, f.value) for f in report.findings] == [("store-original-missing", record["return_id"])]
    result = runner.invoke(app, ["-w", str(stored), "doctor"])
    assert result.exit_code == 1
    assert record["stored_name"] in result.stdout


def test_checksum_mismatch(stored: Path) -> None:
    record = _a_record(stored)
    original = stored / "returns" / "files" / record["stored_name"]
    original.write_bytes(original.read_bytes() + b" ")
    assert [f.code for f in doctor(stored).findings] == ["store-checksum-mismatch"]


def test_unreadable_record(stored: Path, runner) -> None:
    path = _a_record_path(stored)
    path.write_text('{"return_id": ', encoding="utf-8")
    # Its copy in index.jsonl gone too (else doctor restores the record from it: tests/test_doctor_corrupt.py).
    index = stored / "returns" / "index.jsonl"
    index.write_text("".join(line for line in index.read_text(encoding="utf-8").splitlines(keepends=True)
                             if f'"return_id":"{path.stem}"' not in line), encoding="utf-8")
    report = doctor(stored)
    assert [(f.code, f.file) for f in report.findings if f.severity == "error"] == [
        ("store-record-unreadable", str(path))]
    result = runner.invoke(app, ["-w", str(stored), "doctor", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False


def test_unit_no_longer_in_roster(stored: Path) -> None:
    record = _a_record(stored)
    for csv in (stored / "roster").glob("*.csv"):
        lines = csv.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(record["unit_id"] + ",")]
        csv.write_text("\ufeff" + "".join(kept), encoding="utf-8")
    findings = doctor(stored).findings
    assert [(f.code, f.value) for f in findings] == [("store-unit-unknown", record["return_id"])]


@pytest.mark.parametrize("damage", ["delete", "cut-last-line", "drop-line", "duplicate-line", "edited"])
def test_inconsistent_index_is_rebuilt(stored: Path, damage: str) -> None:
    index = stored / "returns" / "index.jsonl"
    before = load_returns(stored)
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    text = {
        "delete": None,
        "cut-last-line": "".join(lines)[:-40],
        "drop-line": "".join(lines[1:]),
        "duplicate-line": "".join(lines + lines[:1]),
        "edited": "".join(lines).replace('"round":1', '"round":2', 1),
    }[damage]
    if text is None:
        index.unlink()
    else:
        index.write_text(text, encoding="utf-8")
    report = doctor(stored)
    assert report.ok
    assert [f.code for f in report.findings] == ["store-index-rebuilt"]
    assert doctor(stored).findings == []
    assert load_returns(stored) == before


def test_leftover_temp_files_are_removed(stored: Path) -> None:
    (stored / "returns" / "records" / ".abc.json.x1.tmp").write_text("{", encoding="utf-8")
    (stored / "returns" / "files" / ".f.xlsx.x2.tmp").write_bytes(b"PK")
    report = doctor(stored)
    assert report.ok
    assert [f.code for f in report.findings] == ["store-temp-removed"]
    assert not [p for p in store_files(stored) if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- kill -9 at random moments

def _check_after_crash(ws: Path, accepted_names: set[str]) -> int:
    """Every file in the store is whole; doctor passes and leaves no temp file; returns how many were kept."""
    for path in (ws / "returns" / "records").glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # a final-named record is never partial
    leftovers = [p for p in store_files(ws) if p.name.endswith(".tmp")]
    assert all(p.name.startswith(".") for p in leftovers)  # only the atomic writer's own temp names
    report = doctor(ws)
    assert report.ok, [f.message for f in report.findings]
    assert not [p for p in store_files(ws) if p.name.endswith(".tmp")]
    # An original stored just before the kill, without its record, is harmless: the next ingest claims it.
    assert {f.code for f in doctor(ws).findings} <= {"store-orphan-file"}
    records = [r for r in load_returns(ws) if r.source_name in accepted_names]
    return len(records)


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 (SIGKILL) is a POSIX signal; Windows has no such signal")
def test_kill_9_mid_ingest_leaves_a_store_doctor_passes(tmp_path: Path, returns_40: list[Path]) -> None:
    from conftest import DEMO

    folder = inbox(tmp_path, returns_40)
    names = {p.name for p in folder.iterdir()}
    # How long a whole run takes here, so the kills land across the run rather than before it starts.
    timing = tmp_path / "timing"
    shutil.copytree(DEMO, timing)
    started = time.monotonic()
    subprocess.run(fupin("-w", str(timing), "ingest", str(folder), "--received", RECEIVED), capture_output=True,
                   timeout=120, check=False)
    whole = time.monotonic() - started
    assert _check_after_crash(timing, names) == 40

    seed = int(os.environ.get("FUPIN_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    kept_counts = []
    for run in range(5):
        ws = tmp_path / f"run{run}"
        shutil.copytree(DEMO, ws)
        process = subprocess.Popen(fupin("-w", str(ws), "ingest", str(folder), "--received", RECEIVED),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.15, 0.95) * whole)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        kept_counts.append(_check_after_crash(ws, names))
        # The interrupted batch, sent again, completes: nothing stored twice, nothing lost.
        again = subprocess.run(fupin("-w", str(ws), "ingest", str(folder), "--received", RECEIVED),
                               capture_output=True, timeout=120, check=False)
        assert again.returncode == 0, (seed, again.stderr.decode())
        assert _check_after_crash(ws, names) == 40, seed
    assert any(n < 40 for n in kept_counts), (seed, kept_counts, whole)  # at least one kill landed mid-run


def test_two_ingests_started_together_lose_nothing(tmp_path: Path, demo_workspace: Path, returns_40: list[Path]):
    first = inbox(tmp_path, returns_40[:20], "first")
    second = inbox(tmp_path, returns_40[20:], "second")
    processes = [subprocess.Popen(fupin("-w", str(demo_workspace), "ingest", str(folder), "--received", RECEIVED),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for folder in (first, second)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    records = load_returns(demo_workspace)
    ours = {p.name for folder in (first, second) for p in folder.iterdir()}
    records = [r for r in records if r.source_name in ours]
    assert len(records) == 40
    assert len({r.sha256 for r in records}) == 40
    assert doctor(demo_workspace).findings == []
