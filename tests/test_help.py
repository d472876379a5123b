"""Every command and sub-command has Chinese help text."""

from __future__ import annotations

import re

import pytest
import typer

from fupin_cli.cli import app

CJK = re.compile(r"[\u4e00-\u9fff]")


def _walk(command, path=()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(typer.main.get_command(app)))


def test_the_tree_has_the_foundation_commands():
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"", "init", "roster", "roster import", "roster list", "templates", "templates list", "templates show",
            "templates check"} <= paths


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "fupin" for p, _ in COMMANDS])
def test_chinese_help(runner, path, command):
    assert command.help and CJK.search(command.help), f"{' '.join(path)}: no Chinese help"
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        if "--help" in getattr(param, "opts", []):
            continue
        assert param.help and CJK.search(param.help), f"{' '.join(path)} {param.name}: no Chinese help"
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert CJK.search(result.stdout)


def test_the_help_option_itself_is_chinese(runner):
    for args in (["--help"], ["status", "--help"], ["roster", "--help"], ["forms", "generate", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "显示此帮助并退出" in result.output and "Show this message" not in result.output
