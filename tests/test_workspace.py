"""Problem the workspace (upwards, -w, FUPIN_WORKSPACE) and refusing a missing or broken fupin.yaml."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from fupin_cli.cli import app
from fupin_cli.model.problems import FupinError
from fupin_cli.model.workspace import find_workspace, load_workspace, parse_campaign

CJK = re.compile(r"[\u4e00-\u9fff]")


def _names(result) -> set[str]:
    import json

    return {u["name"] for u in json.loads(result.stdout)}


def test_demo_campaign():
    root = Path(__file__).resolve().parents[1] / "examples" / "demo"
    campaign = load_workspace(root).campaign
    assert campaign.year == 2020
    assert campaign.timezone == "Asia/Shanghai"
    assert campaign.assessment_start == dt.date(2020, 11, 20)
    assert campaign.tz.key == "Asia/Shanghai"


def test_found_from_a_subdirectory(runner, demo_workspace, monkeypatch):
    deep = demo_workspace / "returns" / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_workspace(Path.cwd()) == demo_workspace.resolve()
    result = runner.invoke(app, ["roster", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "城关镇" in _names(result)


def test_found_with_option(runner, demo_workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for flag in ("-w", "--workspace"):
        result = runner.invoke(app, [flag, str(demo_workspace), "roster", "list", "--format", "json"])
        assert result.exit_code == 0, result.output
        assert "城关镇" in _names(result)


def test_found_with_environment(runner, demo_workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FUPIN_WORKSPACE", str(demo_workspace))
    result = runner.invoke(app, ["roster", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "城关镇" in _names(result)


def test_option_wins_over_environment(runner, demo_workspace, empty_workspace, monkeypatch):
    monkeypatch.setenv("FUPIN_WORKSPACE", str(demo_workspace))
    result = runner.invoke(app, ["-w", str(empty_workspace), "roster", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert _names(result) == set()


def test_no_workspace_exits_2(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["roster", "list"])
    assert result.exit_code == 2
    assert "fupin.yaml" in result.stderr and "--workspace" in result.stderr
    assert CJK.search(result.stderr)
    assert result.stdout == ""


def test_workspace_option_without_config_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path), "roster", "list"])
    assert result.exit_code == 2
    assert "fupin.yaml" in result.stderr and "找不到" in result.stderr


BROKEN = {
    "yaml-syntax": ("name: [未闭合\n", "YAML"),
    "not-a-mapping": ("- 只是一个列表\n", "键值对"),
    "timezone": ("timezone: Asia/Nowhere\n", "timezone"),
    "assessment_start": ("assessment_start: 11月20日\n", "assessment_start"),
    "assessment_start-date": ("assessment_start: 2020-13-40\n", "assessment_start"),
    "deadlines": ("deadlines:\n  town: [\"11-06\", \"13-09\"]\n", "deadlines.town[1]"),
    "deadlines-not-list": ("deadlines:\n  town: 11-06\n", "deadlines.town"),
    "year": ("year: 二〇二〇\n", "year"),
    "name": ("name: ''\n", "name"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_config_exits_2_naming_file_and_key(runner, demo_workspace, monkeypatch, case):
    text, key = BROKEN[case]
    config = demo_workspace / "fupin.yaml"
    if case in ("yaml-syntax", "not-a-mapping"):
        config.write_text(text, encoding="utf-8")
    else:
        lines = [line for line in config.read_text(encoding="utf-8").splitlines()
                 if not line.startswith(text.split(":")[0] + ":")]
        config.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
    monkeypatch.chdir(demo_workspace)
    result = runner.invoke(app, ["-w", ".", "roster", "list"])
    assert result.exit_code == 2, result.output
    assert "fupin.yaml" in result.stderr
    assert key in result.stderr
    assert CJK.search(result.stderr)
    with pytest.raises(FupinError) as info:
        load_workspace(demo_workspace)
    assert "fupin.yaml" in info.value.message and key in info.value.message


def test_deadline_overrides_are_read():
    campaign = parse_campaign({"name": "n", "district": "d", "assessment_start": "2020-11-20",
                               "deadlines": {"town": ["11-05", "11-10"], "helper": ["11-07", "before_assessment"]}},
                              "fupin.yaml")
    assert campaign.deadlines == {"town": ("11-05", "11-10"), "helper": ("11-07", "before_assessment")}
    assert campaign.year == 2020 and campaign.timezone == "Asia/Shanghai"


def test_debug_shows_the_traceback(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--debug", "roster", "list"])
    assert isinstance(result.exception, FupinError)
