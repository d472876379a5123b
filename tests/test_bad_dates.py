"""A deadline that is no real day (02-30, 11-31, 13-01, 1-1x), in a template or in fupin.yaml.

`fupin templates check` exits 1 naming the file, the key and the value; every other command exits 2 with
the same message, and no Python traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEMO, REPO
from fupin_cli.cli import app
from fupin_cli.model.problems import FupinError
from fupin_cli.model.workspace import load_workspace

TOWN = REPO / "templates" / "town.yaml"
# (value written, the words that must explain it)
BAD_DAYS = {
    "02-30": "2 月只有 1 到 29 日",
    "11-31": "11 月只有 1 到 30 日",
    "13-01": "没有 13 月",
    "1-1x": "应写成 月-日",
}


def _squash(text: str) -> str:
    """The text without white space: Rich wraps long lines where it likes."""
    return re.sub(r"\s+", "", text)


def _commands(tmp_path: Path) -> list[list[str]]:
    """Every command that loads the templates (and fupin.yaml), as argument lists."""
    return [["status"], ["check"], ["remind"], ["export", "--out", str(tmp_path / "summary.xlsx")],
            ["forms", "generate"], ["ingest", str(DEMO / "inbox"), "--dry-run"], ["templates", "list"],
            ["templates", "show", "town"]]


def _town_with_third_deadline(ws: Path, value: str) -> Path:
    text = TOWN.read_text(encoding="utf-8")
    assert text.count("deadline: 11-12") == 1
    (ws / "templates").mkdir(exist_ok=True)
    path = ws / "templates" / "town.yaml"
    path.write_text(text.replace("deadline: 11-12", f'deadline: "{value}"'), encoding="utf-8")
    return path


def _with_config(ws: Path, line: str) -> None:
    config = ws / "fupin.yaml"
    key = line.split(":")[0]
    kept = [x for x in config.read_text(encoding="utf-8").splitlines() if not x.startswith(key + ":")]
    config.write_text("\n".join(kept) + "\n" + line + "\n", encoding="utf-8")


def _message(ws: Path) -> str:
    """The message every command gives for this workspace."""
    with pytest.raises(FupinError) as info:
        load_workspace(ws).templates()
    return info.value.message


def _assert_every_command_stops(runner, ws: Path, tmp_path: Path, message: str) -> None:
    for argv in _commands(tmp_path):
        result = runner.invoke(app, ["-w", str(ws), *argv])
        assert result.exit_code == 2, (argv, result.output)
        assert isinstance(result.exception, SystemExit), (argv, result.exception)
        assert "Traceback" not in result.stdout + result.stderr, argv
        assert _squash("错误：" + message) in _squash(result.stderr), (argv, result.stderr)
    assert not (tmp_path / "summary.xlsx").exists()
    assert not (ws / "forms").exists() and not (ws / "returns").exists()  # nothing written on the way


@pytest.mark.parametrize("value", list(BAD_DAYS))
def test_bad_template_deadline(runner, demo_workspace, tmp_path, value):
    _town_with_third_deadline(demo_workspace, value)
    message = _message(demo_workspace)
    key_line = f"templates/town.yaml: reporting.rounds[2].deadline: “{value}”"
    assert message.startswith("模板有误：\n" + key_line)
    assert BAD_DAYS[value] in message

    check = runner.invoke(app, ["-w", str(demo_workspace), "templates", "check"])
    assert check.exit_code == 1, check.output
    assert _squash("✗ " + message) in _squash(check.stderr)
    assert "1 个模板有误" in check.stderr
    assert check.stdout.count("✓") == 6  # the six built-ins (five official, fupin's presence) are fine
    assert "Traceback" not in check.stdout + check.stderr

    _assert_every_command_stops(runner, demo_workspace, tmp_path, message)


CONFIG_CASES = {
    "assessment_start": ("assessment_start: 2020-02-30", "assessment_start", "2020-02-30", "2 月只有 1 到 29 日"),
    "deadlines-02-30": ('deadlines:\n  town: ["11-06", "02-30", "11-12"]', "deadlines.town[1]", "02-30",
                        "2 月只有 1 到 29 日"),
    "deadlines-11-31": ("deadlines:\n  helper: [11-31, before_assessment]", "deadlines.helper[0]", "11-31",
                        "11 月只有 1 到 30 日"),
    "deadlines-13-01": ('deadlines:\n  leader: ["13-01", "11-09"]', "deadlines.leader[0]", "13-01", "没有 13 月"),
    "deadlines-1-1x": ('deadlines:\n  cadre: ["11-06", "1-1x"]', "deadlines.cadre[1]", "1-1x", "应写成 月-日"),
    "deadlines-unknown-id": ('deadlines:\n  镇: ["11-06"]', "deadlines.镇", "镇", "没有编号为“镇”的模板"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_date_in_fupin_yaml(runner, demo_workspace, tmp_path, case):
    line, key, value, words = CONFIG_CASES[case]
    _with_config(demo_workspace, line)
    message = _message(demo_workspace)
    assert message.startswith("工作区配置有误：\n")
    assert f"fupin.yaml: {key}: " in message and f"“{value}”" in message and words in message

    check = runner.invoke(app, ["-w", str(demo_workspace), "templates", "check"])
    assert check.exit_code == 1, check.output
    assert _squash("✗ " + message) in _squash(check.stderr)
    assert "Traceback" not in check.stdout + check.stderr

    _assert_every_command_stops(runner, demo_workspace, tmp_path, message)


def test_february_29_only_in_a_leap_year(runner, demo_workspace):
    _town_with_third_deadline(demo_workspace, "02-29")
    listing = runner.invoke(app, ["-w", str(demo_workspace), "templates", "list"])  # the demo's year is 2020
    assert listing.exit_code == 0, listing.output
    assert "11月6日、11月9日、2月29日" in listing.stdout
    assert runner.invoke(app, ["-w", str(demo_workspace), "templates", "check"]).exit_code == 0

    _with_config(demo_workspace, "year: 2021")
    _with_config(demo_workspace, "assessment_start: 2021-11-20")
    check = runner.invoke(app, ["-w", str(demo_workspace), "templates", "check"])
    assert check.exit_code == 1, check.output
    assert _squash("templates/town.yaml: reporting.rounds[2].deadline: “02-29”不是真实的日期：2021 年不是闰年") \
        in _squash(check.stderr)
    status = runner.invoke(app, ["-w", str(demo_workspace), "status"])
    assert status.exit_code == 2 and "Traceback" not in status.stdout + status.stderr
    assert "2021 年不是闰年" in status.stderr


def _run(ws: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "FUPIN_WORKSPACE"} | {"COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "fupin_cli", *argv], cwd=ws, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def test_a_real_process_exits_without_a_traceback(demo_workspace):
    _town_with_third_deadline(demo_workspace, "02-30")
    message = _message(demo_workspace)
    check = _run(demo_workspace, "templates", "check")
    assert check.returncode == 1, check.stderr
    assert _squash(message) in _squash(check.stderr)
    status = _run(demo_workspace, "status")
    assert status.returncode == 2, status.stderr
    assert "Traceback" not in status.stdout + status.stderr
    assert _squash("错误：" + message) in _squash(status.stderr)
    assert status.stdout == ""


def test_a_real_process_with_a_bad_fupin_yaml(demo_workspace):
    _with_config(demo_workspace, 'deadlines:\n  town: ["11-06", "11-31", "11-12"]')
    status = _run(demo_workspace, "status")
    assert status.returncode == 2, status.stderr
    assert "Traceback" not in status.stdout + status.stderr
    assert _squash("fupin.yaml: deadlines.town[1]: “11-31”不是真实的日期：11 月只有 1 到 30 日") in _squash(status.stderr)
    check = _run(demo_workspace, "templates", "check")
    assert check.returncode == 1 and "deadlines.town[1]" in check.stderr
