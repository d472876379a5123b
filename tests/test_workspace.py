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


@pytest.mark.parametrize(("year", "problem"), [(2020, None), (2021, "2021 年不是闰年，2 月只有 28 日")])
def test_override_of_february_29_needs_a_leap_year(year, problem):
    doc = {"name": "n", "district": "d", "year": year, "assessment_start": f"{year}-11-20",
           "deadlines": {"town": ["02-29"]}}
    if problem is None:
        assert parse_campaign(doc, "fupin.yaml").deadlines == {"town": ("02-29",)}
        return
    with pytest.raises(FupinError) as info:
        parse_campaign(doc, "fupin.yaml")
    assert info.value.code == "config-invalid"
    assert info.value.message == f"工作区配置有误：\nfupin.yaml: deadlines.town[0]: “02-29”不是真实的日期：{problem}；请改正日子"


def test_every_problem_of_fupin_yaml_is_told_at_once():
    doc = {"name": "", "district": "d", "year": 2020, "assessment_start": "2020-02-30",
           "deadlines": {"town": ["11-06", "11-31"]}}
    with pytest.raises(FupinError) as info:
        parse_campaign(doc, "fupin.yaml")
    assert info.value.message.splitlines() == [
        "工作区配置有误：",
        "fupin.yaml: name: 缺少此项；请填写",
        "fupin.yaml: assessment_start: “2020-02-30”不是真实的日期：2 月只有 1 到 29 日；请改正日子",
        "fupin.yaml: deadlines.town[1]: “11-31”不是真实的日期：11 月只有 1 到 30 日；请改正日子",
    ]


def test_fupin_yaml_not_utf8_exits_2(runner, demo_workspace):
    (demo_workspace / "fupin.yaml").write_bytes("name: 云溪区\n".encode("gb18030"))
    result = runner.invoke(app, ["-w", str(demo_workspace), "roster", "list"])
    assert result.exit_code == 2
    said = "".join(result.stderr.split())  # Rich wraps long lines
    assert "fupin.yaml:第6字节不是UTF-8编码" in said and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--debug", "roster", "list"])
    assert isinstance(result.exception, FupinError)
