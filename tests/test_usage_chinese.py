"""Usage errors in Chinese with what to do, -w after the sub-command, --role in Chinese (issue 18, item 14)."""

from __future__ import annotations

import json
import re

import pytest

from fupin_cli.cli import app
from fupin_cli.cli.usage import global_options_first, usage_message
from fupin_cli.intake.readers import UnreadableFile, read_file
from fupin_cli.model.glossary import ROLE_LABELS, Role, role_from_text

# The parser's own English (values the clerk typed and option names are echoed as they are).
PARSER_ENGLISH = re.compile(r"Missing|Invalid|unexpected|requires|is not|valid int|Usage|Try |Error", re.I)


def _run(runner, *args: str):
    return runner.invoke(app, list(args), prog_name="fupin")


def _english_words(text: str) -> list[str]:
    return PARSER_ENGLISH.findall(text)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export"], "缺少选项 --out（输出文件：FILE.xlsx（Excel 汇总表）或 FILE.html（手机上看的汇总页））；"
                     "请写成：fupin export --out 值"),
        (["ingest"], "缺少参数 PATHS（回执文件或文件夹（递归）：.xlsx .xlsm .xls .et .ods .csv .txt）；"
                     "请写成：fupin ingest [选项] PATHS..."),
        (["roster", "import", "--role", "镇"], "缺少参数 FILE（花名册文件：CSV（UTF-8 / GB18030）或 XLSX）；"
                                              "请写成：fupin roster import [选项] FILE"),
        (["ingest", "--round", "x", "a.csv"], "'--round' 的值无效：“x”不是整数；请写一个数字，如 2"),
        (["status", "extra"], "多余的参数：extra（含空格的路径或文字请加引号）"),
    ],
    ids=["missing-option-with-short-name", "missing-argument", "missing-argument-of-a-subgroup", "not-an-int-range",
         "extra-argument"],
)
def test_usage_errors_say_what_is_missing_and_how_to_write_it(runner, demo_workspace, args, expected):
    result = _run(runner, "-w", str(demo_workspace), *args)
    assert result.exit_code == 2
    first = result.output.split("\n请运行")[0].replace("\n", "")
    assert first == f"用法错误：{expected}"
    assert not _english_words(first), first


@pytest.mark.parametrize(("args", "command"), [
    (["ingest", "a.csv", "--received"], "fupin ingest"),
    (["status", "--as-of"], "fupin status"),
    (["roster", "import", "a.csv", "--role"], "fupin roster import"),
])
def test_an_option_without_its_value_points_at_the_sub_commands_help(runner, demo_workspace, args, command):
    result = _run(runner, "-w", str(demo_workspace), *args)
    assert result.exit_code == 2
    option = args[-1]
    assert result.output.replace("\n", "") == f"用法错误：选项 {option} 后面需要一个值请运行 {command} --help 查看用法。"


def test_the_json_of_a_usage_error_is_chinese_too(runner, demo_workspace):
    result = _run(runner, "-w", str(demo_workspace), "ingest", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error == {"code": "usage", "message": "缺少参数 PATHS（回执文件或文件夹（递归）：.xlsx .xlsm .xls .et .ods .csv "
                                                 ".txt）；请写成：fupin ingest [选项] PATHS...\n"
                                                 "请运行 fupin ingest --help 查看用法。"}


# ---------------------------------------------------------------- -w after the sub-command

@pytest.mark.parametrize("where", [["-w", "{ws}"], ["--workspace", "{ws}"], ["--workspace={ws}"], ["-w{ws}"]])
def test_the_workspace_may_follow_the_sub_command(runner, demo_with_returns, where):
    words = [w.format(ws=demo_with_returns) for w in where]
    before = _run(runner, *words, "status", "--as-of", "2020-11-10", "--format", "json")
    after = _run(runner, "status", "--as-of", "2020-11-10", *words, "--format", "json")
    assert before.exit_code == after.exit_code == 0, after.output
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(after.stdout)["summary"]["submitted"] > 0


def test_the_workspace_may_follow_a_nested_sub_command(runner, demo_workspace):
    result = _run(runner, "roster", "list", "--role", "镇", "-w", str(demo_workspace), "--format", "json")
    assert result.exit_code == 0, result.output
    assert {u["role"] for u in json.loads(result.stdout)} == {"town"}


def test_moving_global_options_leaves_everything_else_alone():
    assert global_options_first(["status", "-w", "d", "--town", "x"]) == ["-w", "d", "status", "--town", "x"]
    assert global_options_first(["-w", "d", "status"]) == ["-w", "d", "status"]
    assert global_options_first(["ingest", "--", "-w", "x"]) == ["ingest", "--", "-w", "x"]
    assert global_options_first(["status", "--debug"]) == ["--debug", "status"]
    assert global_options_first(["status", "-w"]) == ["status", "-w"]  # no value: left for the parser
    assert global_options_first(["tool", "-w", "x"], clashes={"-w"}) == ["tool", "-w", "x"]


def test_w_without_a_directory_says_where_it_goes(runner, demo_workspace):
    result = _run(runner, "status", "-w")
    assert result.exit_code == 2
    assert "-w 后面要写工作区目录：fupin -w 目录 status" in result.output.replace("\n", "")


# ---------------------------------------------------------------- --role in Chinese

def test_every_role_is_known_by_its_chinese_name():
    for role, label in ROLE_LABELS.items():
        assert role_from_text(label) is role
        assert role_from_text(role.value) is role
        assert role_from_text(f" {role.value.upper()} ") is role
    assert role_from_text("帮扶 责任人") is Role.helper
    assert role_from_text("第一书记") is Role.cadre
    assert role_from_text("乡镇") is Role.town
    assert role_from_text("县") is None


@pytest.mark.parametrize(("word", "role"), [("镇", "town"), ("村", "village"), ("帮扶单位", "aid_unit"),
                                            ("处级领导", "leader"), ("村干部", "cadre"), ("帮扶责任人", "helper")])
def test_roster_list_takes_the_chinese_role(runner, demo_workspace, word, role):
    result = _run(runner, "-w", str(demo_workspace), "roster", "list", "--role", word, "--format", "json")
    assert result.exit_code == 0, result.output
    units = json.loads(result.stdout)
    assert units and {u["role"] for u in units} == {role}


def test_forms_generate_takes_the_chinese_role(runner, demo_workspace, tmp_path):
    out = tmp_path / "forms"
    result = _run(runner, "-w", str(demo_workspace), "forms", "generate", "--role", "镇", "--format", "xlsx",
                  "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.rglob("*.xlsx")) == ["城关镇.xlsx", "石门镇.xlsx", "龙潭镇.xlsx"]


def test_roster_import_and_returns_list_take_the_chinese_role(runner, demo_with_returns, tmp_path):
    csv = tmp_path / "镇.csv"
    csv.write_text("镇,代码,负责人,联系电话\n城关镇,451023100,覃建国,13907710101\n", encoding="utf-8-sig")
    imported = _run(runner, "-w", str(demo_with_returns), "roster", "import", str(csv), "--role", "镇", "--dry-run")
    assert imported.exit_code == 0, imported.output
    listed = _run(runner, "-w", str(demo_with_returns), "returns", "list", "--role", "帮扶责任人", "--format", "json")
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.stdout)
    assert records and {r["role"] for r in records} == {"helper"}


def test_an_unknown_role_lists_both_spellings(runner, demo_workspace):
    result = _run(runner, "-w", str(demo_workspace), "roster", "list", "--role", "县")
    assert result.exit_code == 2
    text = result.output.replace("\n", "")
    assert "“县”不是可选的值；角色可写：town 或 镇、village 或 村、aid_unit 或 帮扶单位、leader 或 处级领导、" \
           "cadre 或 村干部、helper 或 帮扶责任人" in text


# ---------------------------------------------------------------- a reader's own English

def test_a_zip_that_is_no_spreadsheet_is_told_in_chinese_with_what_to_do(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile) as caught:
        read_file(tmp_path / "回执.xlsx", buffer.getvalue())
    reason = caught.value.context["reason"]
    assert reason == ("看不出是哪一种电子表格（扩展名与内容不符，或文件已损坏、没有传完）；"
                      "请在 Excel 或 WPS 中打开原表，另存为 .xlsx 后重发；打不开的话，请填报人重新发送")
    assert "Cannot detect" not in reason


def test_unknown_parser_wordings_still_pass_through():
    assert usage_message("Missing option '--out' / '-o'.") == "缺少选项 --out"
    assert usage_message("Got unexpected extra arguments (a b)") == "多余的参数：a b（含空格的路径或文字请加引号）"
    assert usage_message("Missing command.") == "缺少命令；请在 fupin 后面写上要做的事，如 fupin status"
