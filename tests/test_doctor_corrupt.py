"""A corrupt record is told once, for what it is; status warns (exit unchanged) when doctor would find damage (item 24)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.model.problems import message_for

AS_OF = "2020-11-10"


def _run(ws: Path, *args: str):
    return CliRunner().invoke(app, ["-w", str(ws), *args])


def _doctor(ws: Path) -> tuple[int, list[dict]]:
    result = _run(ws, "doctor", "--format", "json")
    return result.exit_code, json.loads(result.stdout)["findings"]


@pytest.fixture
def store(demo_with_returns: Path) -> Path:
    """The demo's store after one doctor run (which brings its index up to the current record format)."""
    code, _ = _doctor(demo_with_returns)
    assert code == 0
    assert _doctor(demo_with_returns) == (0, [])
    return demo_with_returns


def _record(ws: Path) -> tuple[Path, dict]:
    path = sorted((ws / "returns" / "records").glob("*.json"))[0]
    return path, json.loads(path.read_text(encoding="utf-8"))


def _drop_index_line(ws: Path, return_id: str) -> None:
    index = ws / "returns" / "index.jsonl"
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line)["return_id"] != return_id]
    assert len(kept) == len(lines) - 1
    index.write_text("".join(kept), encoding="utf-8")


def test_a_corrupt_record_whose_index_copy_is_whole_is_restored_once(store):
    path, record = _record(store)
    before = path.read_bytes()
    path.write_text("{broken", encoding="utf-8")
    code, findings = _doctor(store)
    assert code == 0
    assert [(f["code"], f["severity"], f["file"]) for f in findings] == [
        ("store-record-restored", "warning", str(path))]
    assert findings[0]["message"] == message_for("store-record-restored", value=record["return_id"],
                                                 reason="JSON 格式错误，第 1 行")
    assert json.loads(path.read_text(encoding="utf-8")) == record
    assert path.read_bytes() == before  # written back as the store writes records
    assert _doctor(store) == (0, [])


def test_a_corrupt_record_without_a_copy_is_one_error_not_also_an_orphan(store):
    path, record = _record(store)
    path.write_text('{"return_id": ', encoding="utf-8")
    _drop_index_line(store, record["return_id"])
    code, findings = _doctor(store)
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings] == [("store-record-unreadable", str(path))]
    assert findings[0]["message"] == message_for("store-record-unreadable", reason="JSON 格式错误，第 1 行")
    assert (store / "returns" / "files" / record["stored_name"]).is_file()  # its original is kept, not called orphan
    text = _run(store, "doctor")
    assert text.exit_code == 1
    assert text.stdout.count(record["return_id"]) == 1
    assert "收取时被中断" not in text.stdout


def test_a_copy_whose_original_changed_is_not_trusted(store):
    path, record = _record(store)
    path.write_text("{broken", encoding="utf-8")
    original = store / "returns" / "files" / record["stored_name"]
    original.write_bytes(original.read_bytes() + b" ")
    code, findings = _doctor(store)
    assert code == 1
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["store-record-unreadable"]
    assert path.read_text(encoding="utf-8") == "{broken"


def _status(ws: Path, *args: str):
    return _run(ws, "status", "--as-of", AS_OF, *args)


def test_status_warns_on_stderr_when_a_record_cannot_be_read(store):
    sound = _status(store, "--format", "json")
    path, record = _record(store)
    path.write_text("{broken", encoding="utf-8")
    _drop_index_line(store, record["return_id"])
    for derived in (store / "returns").glob("index.sqlite*"):  # the query index, rebuilt from the records
        derived.unlink()
    result = _status(store, "--format", "json")
    assert result.exit_code == sound.exit_code == 0
    assert result.stderr.strip() == f"⚠ {message_for('store-damaged', count=1)}"
    assert result.stderr.strip() == "⚠ 存档有 1 份记录无法读取或缺少原始文件；请运行 fupin doctor"
    data = json.loads(result.stdout)  # the warning never mixes into the output
    assert data["summary"]["submitted"] <= json.loads(sound.stdout)["summary"]["submitted"]
    table = _status(store)
    assert table.exit_code == 0 and "请运行 fupin doctor" in table.stderr


def test_status_warns_when_an_original_is_gone(store):
    _path, record = _record(store)
    (store / "returns" / "files" / record["stored_name"]).unlink()
    result = _status(store, "--town", record["town"])
    assert result.exit_code == 0
    assert message_for("store-damaged", count=1) in result.stderr
    assert _doctor(store)[0] == 1


def test_status_is_silent_on_a_sound_store(store):
    result = _status(store)
    assert result.exit_code == 0
    assert "fupin doctor" not in result.stderr
