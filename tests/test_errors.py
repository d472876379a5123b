"""An error that stops a command: exit code 2, its code and message from the one table, JSON with --format json."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from fupin_cli.cli import app
from fupin_cli.cli.root import asks_json
from fupin_cli.model.problems import KINDS, message_for
from fupin_cli.store.roster_file import load_roster

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fupin_cli"
INBOX = Path(__file__).resolve().parents[1] / "examples" / "demo" / "inbox"


def _json_error(result) -> dict:
    """The `error` object of an exit-2 failure printed as JSON, after checking exit code and no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["error"] and sorted(data["error"]) == ["code", "message"]
    assert data["error"]["code"] in KINDS
    return data["error"]


def _a_return() -> Path:
    """One filled return of the example district."""
    return next(p for p in sorted(INBOX.rglob("*")) if p.suffix in (".xlsx", ".csv"))


def test_status_json_of_an_unknown_town(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "status", "--town", "火星", "--format", "json"])
    towns = load_roster(demo_workspace).town_names()
    assert _json_error(result) == {
        "code": "town-not-found",
        "message": message_for("town-not-found", name="火星", hint="", listed="、".join(towns)),
    }


def test_status_json_names_the_nearest_town(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "status", "--town", "城关", "--format", "json"])
    error = _json_error(result)
    assert error["code"] == "town-not-found"
    assert error["message"].startswith("花名册中没有镇“城关”。您是不是要找：城关镇")
    assert error["message"].endswith("；请改正 --town")


def test_check_json_of_a_bad_as_of(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "check", "--as-of", "2020-13-45", "--format", "json"])
    assert _json_error(result) == {
        "code": "as-of-not-a-date",
        "message": "--as-of “2020-13-45”不是日期；请写成 2020-11-08 或 11月8日",
    }


def test_roster_list_json_without_a_workspace(runner, tmp_path, monkeypatch):
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    monkeypatch.chdir(nowhere)
    error = _json_error(runner.invoke(app, ["roster", "list", "--format", "json"]))
    assert error["code"] == "workspace-not-found"
    assert error["message"].startswith("找不到 fupin.yaml") and "fupin init" in error["message"]


def test_ingest_json_of_a_path_that_does_not_exist(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "ingest", "nosuch.csv", "--format", "json"],
                           prog_name="fupin")
    error = _json_error(result)
    assert error["code"] == "usage"
    assert error["message"] == ("'paths' 的值无效：找不到路径“nosuch.csv”；请检查拼写和所在文件夹\n"
                                "请运行 fupin ingest --help 查看用法。")
    assert not (demo_workspace / "returns").exists()


def test_ingest_json_of_a_bad_received_and_an_unknown_unit(runner, demo_workspace):
    base = ["-w", str(demo_workspace), "ingest", str(_a_return()), "--format=json"]
    assert _json_error(runner.invoke(app, [*base, "--received", "昨天"])) == {
        "code": "received-not-a-date",
        "message": "--received “昨天”不是日期时间；请写成 2020-11-06 18:30、2020/11/6 18:30 或 11月6日18:30"
                   "（只写日期按当天 12:00 计）",
    }
    assert _json_error(runner.invoke(app, [*base, "--unit", "X999"])) == {
        "code": "unit-not-in-roster", "message": message_for("unit-not-in-roster", value="X999"),
    }
    assert not (demo_workspace / "returns").exists()


def test_ingest_json_of_an_empty_folder(runner, demo_workspace, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["-w", str(demo_workspace), "ingest", str(empty), "--format", "json"])
    assert _json_error(result) == {"code": "no-files-to-ingest", "message": message_for("no-files-to-ingest")}


def test_an_os_error_has_a_code_too(runner, demo_workspace):
    (demo_workspace / "returns").write_text("不是文件夹", encoding="utf-8")  # the store cannot be made
    result = runner.invoke(app, ["-w", str(demo_workspace), "ingest", str(_a_return()), "--format", "json"])
    error = _json_error(result)
    assert error["code"] == "os-error"
    assert error["message"].startswith(f"无法读写 {demo_workspace / 'returns'}：")
    assert error["message"].endswith("；请检查路径、权限和磁盘空间后重试")


def test_the_table_format_keeps_the_chinese_message_on_stderr(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "check", "--as-of", "2020-13-45"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == "错误：--as-of “2020-13-45”不是日期；请写成 2020-11-08 或 11月8日"
    result = runner.invoke(app, ["-w", str(demo_workspace), "status", "--town", "火星", "--format", "table"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.replace("\n", "").startswith("错误：花名册中没有镇“火星”。现有的镇：")


def test_a_usage_error_in_the_table_format_says_where_the_help_is(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "ingest", "nosuch.csv"], prog_name="fupin")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == ["用法错误：'paths' 的值无效：找不到路径“nosuch.csv”；请检查拼写和所在文件夹",
                                          "请运行 fupin ingest --help 查看用法。"]


def test_json_error_for_a_command_in_a_sub_app(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "returns", "list", "--town", "火星", "--format", "json"])
    assert _json_error(result)["code"] == "town-not-found"


def test_roster_file_problem_is_one_error_listing_its_lines(runner, demo_workspace):
    towns = demo_workspace / "roster" / "towns.csv"
    towns.write_text(towns.read_text(encoding="utf-8-sig") + ",,,,\nX1,,,,\n", encoding="utf-8")
    result = runner.invoke(app, ["-w", str(demo_workspace), "roster", "list", "--format", "json"])
    error = _json_error(result)
    assert error["code"] == "roster-file-invalid"
    assert error["message"].startswith(f"花名册文件 {towns} 有误；请改正后重试：\n  ")


def test_init_over_a_workspace_names_it(runner, demo_workspace):
    result = runner.invoke(app, ["init", str(demo_workspace)])
    assert result.exit_code == 2
    config = demo_workspace / "fupin.yaml"
    assert result.stderr.replace("\n", "") == f"错误：{config} 已存在；工作区不会被覆盖。请换一个目录，或删除后重试"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["--format", "json"], True),
        (["--format=json"], True),
        (["--town", "x", "--format", "json", "a.csv"], True),
        (["--format", "json", "--format", "table"], False),  # the last one counts, as in parsing
        (["--format", "table"], False),
        (["--format"], False),
        ([], False),
        (["--", "--format", "json"], False),  # after -- they are arguments
    ],
)
def test_which_words_ask_for_json(words, expected):
    assert asks_json(words) is expected


def test_no_raise_builds_its_sentence():
    """Every FupinError in src is given a code (a literal of the table, or a name holding one), not a sentence."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "FupinError":
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and first.value in KINDS
                named = isinstance(first, (ast.Name, ast.Attribute))
                if not (literal or named):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
