"""`fupin check`: linter lines, JSON with its stable field names, JUnit XML, exit codes 0/1/2."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from test_status_scenario import store_scenario


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    store_scenario(root)
    return root


def run(runner: CliRunner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), "check", *args])


def test_ok_before_anything_is_due_but_strict_sees_warnings(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "--as-of", "2020-11-06")
    assert result.exit_code == 0, result.output
    assert "检查通过" in result.stderr
    assert run(runner, ws, "--as-of", "2020-11-06", "--strict").exit_code == 1  # the cadre's ingest warnings


def test_missing_fails_with_one_line_each(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "--as-of", "2020-11-08")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    missing = [line for line in lines if line.endswith(": 未报")]
    assert len(missing) == 3  # 王芳 (区教育局), 李明, and 龙潭镇 itself
    assert lines[0].startswith("城关镇/cadre/")  # sorted by town, role, unit: the cadre's warnings come first
    assert any(line.startswith("城关镇/helper/") and "王芳（东岭村） 第1次 11月7日: 未报" in line for line in lines)
    assert lines[-1].startswith("龙潭镇/town/")


def test_json(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "--as-of", "2020-11-13", "--format", "json", "--town", "城关镇")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["as_of"] == "2020-11-13"
    kinds = [v["kind"] for v in data["violations"]]
    assert kinds.count("missing") == 4 and kinds.count("late") == 3 and kinds.count("open_after_deadline") == 4
    assert kinds.count("warning") == 2  # done_late and the missing signature
    for v in data["violations"]:
        assert {"kind", "role", "unit_id", "name", "town", "round", "deadline", "message"} <= v.keys()


def test_junit(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "--as-of", "2020-11-13", "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == 14 + 3  # every unit × round of both towns
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 7  # 4 missing in 城关镇, all 3 of 龙潭镇's rounds
    assert {c.get("classname") for c in failed} >= {"城关镇.helper", "城关镇.town", "龙潭镇.town"}
    assert root.get("failures") == "7"
    strict = ET.fromstring(run(runner, ws, "--as-of", "2020-11-13", "--format", "junit", "--strict").stdout)
    assert strict.get("failures") == str(7 + 3 + 1)  # + 3 late rounds + the cadre's round 1 (done late, warning)


def test_broken_workspace_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "fupin.yaml").write_text("year: [", encoding="utf-8")
    result = runner.invoke(app, ["-w", str(tmp_path), "check"])
    assert result.exit_code == 2
