"""The Typer app, the global options and the one place that turns a FupinError into exit code 2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from fupin_cli import __version__
from fupin_cli.cli.usage import UsageError, global_options_first, usage_line, usage_message
from fupin_cli.model.problems import FupinError, os_error
from fupin_cli.render.jsonout import to_json

if TYPE_CHECKING:
    from fupin_cli.model.workspace import Workspace


@dataclass
class Options:
    """The global options, passed to every command through the Typer context."""

    workspace: Path | None = None
    debug: bool = False

    def open(self) -> Workspace:
        """The workspace named by -w, FUPIN_WORKSPACE, or found upwards from the current folder."""
        from fupin_cli.model.workspace import open_workspace  # not needed by --version or --help

        return open_workspace(self.workspace, None, Path.cwd())


# Where the group keeps the words of the command line after the sub-command's name (ctx.meta is shared
# with every sub-context).
_WORDS = "fupin_cli.words"


def asks_json(words: Sequence[str]) -> bool:
    """Whether the command's words ask for ``--format json`` (the last --format counts, as in parsing)."""
    value = None
    rest = iter(words)
    for word in rest:
        if word == "--":
            break
        if word == "--format":
            value = next(rest, None)
        elif word.startswith("--format="):
            value = word.partition("=")[2]
    return value == "json"


class FupinGroup(TyperGroup):
    """Turns the project's own error into exit code 2 and a Chinese message on stderr.

    A command given ``--format json`` gets ``{"error": {"code", "message"}}`` on stdout instead.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if ctx.parent is None:  # `fupin status -w 目录` is taken as `fupin -w 目录 status`
            args = global_options_first(args, _own_options(self, args))
        rest = super().parse_args(ctx, args)
        # Kept from the words, not the parsed options: a usage error stops before --format is parsed.
        ctx.meta[_WORDS] = list(rest)
        return rest

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except FupinError as exc:
            if isinstance(ctx.obj, Options) and ctx.obj.debug:
                raise
            _stop(ctx, exc)
        except OSError as exc:
            # A folder that cannot be written, a disk that is full, a file another program holds open.
            if isinstance(ctx.obj, Options) and ctx.obj.debug:
                raise
            _stop(ctx, os_error(exc))
        except UsageError as exc:
            # Wrong options or arguments of a sub-command: say it in Chinese, with where to find the usage.
            sub = getattr(exc, "ctx", None)
            where = sub.command_path if sub is not None else _command_path(self, ctx)
            usage = usage_line(where, sub.command.params) if sub is not None else ""
            detail = usage_message(exc.format_message(), getattr(exc, "param", None), usage)
            _stop(ctx, FupinError("usage", detail=detail, command=where), "用法错误")


def _own_options(group: TyperGroup, words: list[str]) -> set[str]:
    """The options of the sub-command the words name (a group's sub-commands followed), to leave where they are."""
    command: object = group
    names: set[str] = set()
    for word in words:
        commands = getattr(command, "commands", None)
        if word.startswith("-") or not isinstance(commands, dict) or word not in commands:
            continue
        command = commands[word]
        for param in getattr(command, "params", ()):
            names.update(getattr(param, "opts", ()))
    return names


def _command_path(group: TyperGroup, ctx: typer.Context) -> str:
    """`fupin ingest` for an error the parser raised without its context: the sub-commands the words name."""
    path = [ctx.command_path or "fupin"]
    command: object = group
    for word in [ctx.invoked_subcommand or "", *ctx.meta.get(_WORDS, ())]:
        commands = getattr(command, "commands", None)
        if not isinstance(commands, dict) or word not in commands:
            break
        command = commands[word]
        path.append(word)
    return " ".join(path)


def _stop(ctx: typer.Context, error: FupinError, title: str = "错误") -> NoReturn:
    """Report the error in the command's format and exit with its code."""
    if asks_json(ctx.meta.get(_WORDS, ())):
        typer.echo(to_json({"error": error.to_dict()}))
    else:
        from rich.markup import escape

        from fupin_cli.cli.console import err  # Rich's console: not loaded by `--version`, which prints none

        err.print(f"[bold red]{title}：[/]{escape(error.message)}")
    raise typer.Exit(error.exit_code) from None


HELP_TEXT = "显示此帮助并退出 (help)。"

# The fixed words of typer's help screens, in Chinese; set only when a help screen is drawn (the module
# that draws them costs 40 ms to import, which status and check never pay).
HELP_SCREEN_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "参数 (arguments)",
    "OPTIONS_PANEL_TITLE": "选项 (options)",
    "COMMANDS_PANEL_TITLE": "命令 (commands)",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "ABORTED_TEXT": "已中止。",
}


def _chinese_help(command_class: type) -> None:
    """Give every help screen Chinese words: the -h/--help line and the panel titles."""
    original_option = command_class.get_help_option
    original_format = command_class.format_help
    if getattr(original_option, "_fupin", False):
        return

    def get_help_option(self, ctx):  # type: ignore[no-untyped-def]
        option = original_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_help(self, ctx, formatter):  # type: ignore[no-untyped-def]
        from typer import rich_utils

        for name, text in HELP_SCREEN_WORDS.items():
            if hasattr(rich_utils, name):
                setattr(rich_utils, name, text)
        return original_format(self, ctx, formatter)

    get_help_option._fupin = True  # type: ignore[attr-defined]
    command_class.get_help_option = get_help_option
    command_class.format_help = format_help


for _command_class in (TyperCommand, TyperGroup):
    _chinese_help(_command_class)


app = typer.Typer(
    cls=FupinGroup,
    help="fupin：区扶贫办“四合一”考核工作任务清单工具——生成填报表 (forms)、收取回执 (ingest)、统计报送情况 (status)。",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fupin {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="FUPIN_WORKSPACE", help="工作区目录 (workspace)；默认从当前目录向上查找 fupin.yaml。",
                     file_okay=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的调用栈 (traceback)。")] = False,
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号。")] = None,
) -> None:
    """fupin 全局选项。"""
    ctx.obj = Options(workspace=workspace, debug=debug)


def options(ctx: typer.Context) -> Options:
    """The global options of this invocation."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Options) else Options()

