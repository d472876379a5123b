"""`fupin returns list` through the CLI: table and JSON of the stored returns, filters, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.render.jsonout import to_json
from fupin_cli.store.archive import load_returns

RETURN_KEYS = {"return_id", "role", "unit_id", "name", "town", "village", "template_id", "template_version", "round",
               "received_at", "sha256", "source_name", "stored_name", "size", "recognised_by", "ingested_at",
               "superseded", "header", "answers", "findings"}


def listed(runner: CliRunner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), "returns", "list", *args])


def test_table_of_the_demo_store(runner: CliRunner, demo_with_returns: Path) -> None:
    result = listed(runner, demo_with_returns)
    assert result.exit_code == 0, result.output
    assert re.search(r"已收回执（79[）；]", result.stdout) and result.stderr == ""
    names = [r.source_name for r in load_returns(demo_with_returns)]
    assert all(name in result.stdout for name in names)  # one row per return, none superseded
    assert result.stdout.count("有效") == 79 and "已被替代" not in result.stdout


def test_json_equals_the_store(runner: CliRunner, demo_with_returns: Path) -> None:
    result = listed(runner, demo_with_returns, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == json.loads(to_json([r.to_listing() for r in load_returns(demo_with_returns)]))
    # received directly, or through 石门镇's bundle (the example's relayed town)
    assert {(r["via"], r["relayed_at"]) for r in data} == {(None, None), ("451023102", "2020-11-10T18:00:00+08:00")}
    assert all(r["town"] == "石门镇" and r["role"] != "town" for r in data if r["via"])
    assert len(data) == len(list((demo_with_returns / "returns" / "records").glob("*.json"))) == 79
    assert Counter(r["role"] for r in data) == {"cadre": 36, "helper": 35, "town": 5, "aid_unit": 2, "leader": 1}


def test_json_shape(runner: CliRunner, demo_with_returns: Path) -> None:
    data = json.loads(listed(runner, demo_with_returns, "--format", "json").stdout)
    assert isinstance(data, list) and data
    for r in data:
        assert set(r) >= RETURN_KEYS
        assert len(r["return_id"]) == 16 and r["sha256"].startswith(r["return_id"]) and len(r["sha256"]) == 64
        assert isinstance(r["round"], int) and r["round"] >= 1
        assert isinstance(r["superseded"], bool) and isinstance(r["size"], int)
        assert dt.datetime.fromisoformat(r["received_at"]).utcoffset() == dt.timedelta(hours=8)
        assert isinstance(r["header"], dict) and isinstance(r["findings"], list)
        assert r["answers"] and all({"task_id", "done", "done_on"} <= set(a) for a in r["answers"])
        assert all(a["done"] in (True, False, None) for a in r["answers"])


@pytest.mark.parametrize(
    ("args", "count", "check"),
    [
        (["--role", "helper"], 35, lambda r: r["role"] == "helper"),
        (["--town", "城关镇"], 28, lambda r: r["town"] == "城关镇"),
        (["--town", "城关镇", "--role", "town"], 2, lambda r: (r["town"], r["role"]) == ("城关镇", "town")),
        (["--town", "城关镇", "--role", "village"], 0, lambda r: False),
    ],
    ids=["role", "town", "town-and-role", "nothing-matches"],
)
def test_filters(runner: CliRunner, demo_with_returns: Path, args: list[str], count: int, check) -> None:
    result = listed(runner, demo_with_returns, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == count and all(check(r) for r in data)


def test_filter_by_unit(runner: CliRunner, demo_with_returns: Path) -> None:
    town = next(r for r in load_returns(demo_with_returns) if r.role == "town" and r.name == "城关镇")
    data = json.loads(listed(runner, demo_with_returns, "--unit", town.unit_id, "--format", "json").stdout)
    assert sorted((r["unit_id"], r["round"]) for r in data) == [(town.unit_id, 1), (town.unit_id, 2)]


def test_an_empty_store_lists_nothing(runner: CliRunner, demo_workspace: Path) -> None:
    result = listed(runner, demo_workspace, "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    table = listed(runner, demo_workspace)
    assert table.exit_code == 0 and re.search(r"已收回执（0[）；]", table.stdout) and "有效" not in table.stdout


@pytest.mark.parametrize(
    "args", [["--role", "boss"], ["--format", "xml"], ["--town", "无此镇"], ["--no-such-option"]],
    ids=["bad-role", "bad-format", "unknown-town", "unknown-option"],
)
def test_usage_errors_exit_2(runner: CliRunner, demo_with_returns: Path, args: list[str]) -> None:
    result = listed(runner, demo_with_returns, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.strip() and "Traceback" not in result.stderr


def test_unknown_town_with_format_json_is_a_json_error(runner: CliRunner, demo_with_returns: Path) -> None:
    result = listed(runner, demo_with_returns, "--town", "无此镇", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "town-not-found" and "无此镇" in error["message"]
