"""`fupin doctor` through the CLI: the stores the tests stand on pass it; damage exits 1; usage errors exit 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from test_status_scenario import store_scenario


def doctor(runner: CliRunner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), "doctor", *args])


def records(ws: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ws / "returns" / "records").glob("*.json"))]


# Files doctor may create or refresh on a sound store: the lock it holds, and the SQLite query index, which is
# derived from the records and rebuilt from them at will.
DERIVED = {"returns/.lock", "returns/index.sqlite", "returns/index.sqlite-wal", "returns/index.sqlite-shm",
           "returns/index.sqlite-journal"}


def tree(root: Path) -> dict[str, str]:
    """Every path under `root` but DERIVED ones: folders as "dir", files as the sha256 of their bytes."""
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.relative_to(root).as_posix() not in DERIVED}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """The hand-built store of test_status_scenario (status, check, remind and export tests)."""
    root = tmp_path / "scenario"
    store_scenario(root)
    return root


# ---------------------------------------------------------------- the fixture stores are sound

@pytest.mark.parametrize(("store", "count"), [("demo_with_returns", 79), ("scenario", 7), ("empty_workspace", 0)],
                         ids=["examples-demo", "status-scenario", "empty"])
def test_the_stores_the_tests_use_pass_doctor(runner: CliRunner, request: pytest.FixtureRequest, store: str,
                                              count: int) -> None:
    ws = request.getfixturevalue(store)
    before = tree(ws)
    result = doctor(runner, ws, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "checked": count, "findings": []}
    assert len(records(ws)) == count
    text = doctor(runner, ws)
    assert (text.exit_code, text.stdout) == (0, "")  # nothing to report, nothing printed on stdout
    assert f"检查了 {count} 份回执" in text.stderr
    assert tree(ws) == before  # a sound store is left as it was: originals, records, index.jsonl, roster


# ---------------------------------------------------------------- damage: exit 1, named in the JSON

def test_a_tampered_original_exits_1(runner: CliRunner, demo_with_returns: Path) -> None:
    ws = demo_with_returns
    record = records(ws)[0]
    original = ws / "returns" / "files" / record["stored_name"]
    original.write_bytes(original.read_bytes()[:-1] + bytes([original.read_bytes()[-1] ^ 1]))  # one bit flipped
    result = doctor(runner, ws, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["ok"], report["checked"]) == (False, 79)
    assert [(f["code"], f["severity"], f["value"], Path(f["file"]).name) for f in report["findings"]] == [
        ("store-checksum-mismatch", "error", record["return_id"], record["stored_name"])]
    text = doctor(runner, ws)
    assert text.exit_code == 1
    assert record["stored_name"] in text.stdout and "✗" in text.stdout


def test_a_missing_original_exits_1(runner: CliRunner, demo_with_returns: Path) -> None:
    record = records(demo_with_returns)[-1]
    (demo_with_returns / "returns" / "files" / record["stored_name"]).unlink()
    result = doctor(runner, demo_with_returns, "--format", "json")
    assert result.exit_code == 1
    assert [(f["code"], f["value"]) for f in json.loads(result.stdout)["findings"]] == [
        ("store-original-missing", record["return_id"])]


def test_a_repaired_index_is_a_warning_exit_0(runner: CliRunner, demo_with_returns: Path) -> None:
    index = demo_with_returns / "returns" / "index.jsonl"
    lines = sorted(index.read_text(encoding="utf-8").splitlines())
    index.unlink()
    result = doctor(runner, demo_with_returns, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("store-index-rebuilt", "warning")]
    assert sorted(index.read_text(encoding="utf-8").splitlines()) == lines  # rebuilt from the records: same lines
    assert json.loads(doctor(runner, demo_with_returns, "--format", "json").stdout)["findings"] == []


def test_json_shape(runner: CliRunner, scenario: Path) -> None:
    (scenario / "returns" / "files" / records(scenario)[0]["stored_name"]).write_bytes(b"changed")
    report = json.loads(doctor(runner, scenario, "--format", "json").stdout)
    assert set(report) == {"ok", "checked", "findings"}
    assert isinstance(report["ok"], bool) and isinstance(report["checked"], int)
    [finding] = report["findings"]
    assert {"code", "severity", "message", "file", "value"} <= set(finding)
    assert all(isinstance(finding[k], str) and finding[k] for k in ("code", "severity", "message", "file"))


# ---------------------------------------------------------------- usage errors: exit 2

def test_bad_format_exits_2(runner: CliRunner, scenario: Path) -> None:
    result = doctor(runner, scenario, "--format", "xml")
    assert result.exit_code == 2 and result.stdout == "" and "--format" in result.stderr


def test_no_workspace_exits_2_with_a_json_error(runner: CliRunner, tmp_path: Path) -> None:
    result = doctor(runner, tmp_path / "nowhere", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "config-missing" and "fupin.yaml" in error["message"]
    assert not (tmp_path / "nowhere").exists()
