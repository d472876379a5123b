"""Usage errors say what is wrong in Chinese and exit 2, whatever the parser's own wording."""

from __future__ import annotations

import pytest

from fupin_cli.cli import app
from fupin_cli.cli.usage import usage_message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ingest", "nosuch.csv"], "找不到路径“nosuch.csv”"),
        (["roster", "list", "--role", "xx"], "“xx”不是可选的值"),
        (["roster", "import", "--role", "town"], "缺少参数"),
        (["status", "--bogus"], "没有选项 --bogus"),
        (["nosuchcmd"], "没有命令“nosuchcmd”"),
        (["ingest", "--round", "0", "."], "0 超出范围"),
        (["forms", "generate", "--format", "docx"], "“docx”不是可用的格式"),  # pdf is a format now
    ],
)
def test_usage_errors_are_chinese_with_exit_2(runner, demo_workspace, args, expected):
    result = runner.invoke(app, ["-w", str(demo_workspace), *args])
    assert result.exit_code == 2
    assert "用法错误" in result.output and expected in result.output
    assert "--help" in result.output


def test_unknown_wording_keeps_its_detail():
    assert usage_message("Something new happened.") == "Something new happened."
    assert usage_message("Invalid value for '--x': odd.") == "'--x' 的值无效：odd."
