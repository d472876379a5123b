"""Command-line usage in Chinese: the parser's English errors retold, --role in either language, -w anywhere."""

from __future__ import annotations

import re

import typer

from fupin_cli.model.glossary import Role, role_from_text
from fupin_cli.model.problems import message_for

# The parser's own error class (typer vendors its parser in newer releases and uses Click in older ones):
# found through the one error class typer exports, so no private module is imported.
UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

_KINDS = {"path": "路径", "file": "文件", "directory": "文件夹"}

# (pattern of the English detail, Chinese template); named groups fill the template.
_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?P<kind>Path|File|Directory) '(?P<value>.*)' does not exist\."), "找不到{kind}“{value}”；请检查拼写和所在文件夹"),
    (re.compile(r"(?P<kind>Path|File|Directory) '(?P<value>.*)' is a directory\."), "“{value}”是文件夹，这里需要一个文件"),
    (re.compile(r"(?P<kind>Path|File|Directory) '(?P<value>.*)' is a file\."), "“{value}”是文件，这里需要一个文件夹"),
    (re.compile(r"'(?P<value>.*)' is not one of (?P<choices>.*)\."), "“{value}”不是可选的值；可选：{choices}"),
    (re.compile(r"'(?P<value>.*)' is not a valid int(?:eger)?(?: range)?\.?"), "“{value}”不是整数；请写一个数字，如 2"),
    (re.compile(r"(?P<value>-?\d+) is not in the range (?P<range>.*)\."), "{value} 超出范围（{range}）"),
    (re.compile(r"'(?P<value>.*)' is not a valid float\.?"), "“{value}”不是数字"),
)
_WRAPPERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Invalid value for (?P<param>.+?): (?P<detail>.*)", re.S), "{param} 的值无效：{detail}"),
    (re.compile(r"Missing argument '(?P<param>[^']+)'.*", re.S), "缺少参数 {param}"),
    (re.compile(r"Missing option '(?P<param>[^']+)'(?: / '[^']+')*\.?(?: Choose from:?\s*(?P<hint>.*))?", re.S),
     "缺少选项 {param}{hint}"),
    (re.compile(r"Missing parameter: (?P<param>.+)", re.S), "缺少参数 {param}"),
    (re.compile(r"No such option: (?P<param>-w|--workspace)\b.*", re.S), "{param} 后面要写工作区目录：fupin -w 目录 status"),
    (re.compile(r"No such option: (?P<param>\S+)(?: \(?(?:Did you mean|Possible options:) (?P<hint>[^)?]+)\??\)?)?.*", re.S),
     "没有选项 {param}{hint}"),
    (re.compile(r"No such command '(?P<param>[^']+)'\.?(?: Did you mean '?(?P<hint>[^'?]+)'?\??)?.*", re.S), "没有命令“{param}”{hint}"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<param>.+)\)", re.S),
     "多余的参数：{param}（含空格的路径或文字请加引号）"),
    (re.compile(r"Option '(?P<param>[^']+)' requires an argument\.?", re.S), "选项 {param} 后面需要一个值"),
    (re.compile(r"Missing command\.?", re.S), "缺少命令；请在 fupin 后面写上要做的事，如 fupin status"),
)
def _detail(text: str) -> str:
    for pattern, template in _DETAILS:
        match = pattern.fullmatch(text.strip())
        if match:
            groups = match.groupdict()
            if "kind" in groups:
                groups["kind"] = _KINDS.get(groups["kind"].lower(), groups["kind"])
            return template.format(**groups)
    return text


def usage_message(english: str, param: object | None = None, usage: str = "") -> str:
    """The parser's English error retold in Chinese (unknown wordings keep their English detail).

    For a missing argument or option, `param` (the parser's parameter) adds what it is, from its help
    text, and `usage` (the command's usage line) how the command is written.
    """
    text = english.strip()
    for pattern, template in _WRAPPERS:
        match = pattern.fullmatch(text)
        if match:
            groups = {k: (v or "") for k, v in match.groupdict().items()}
            if "detail" in groups:
                groups["detail"] = _detail(groups["detail"])
            if groups.get("hint"):
                groups["hint"] = f"；可用的有：{' '.join(groups['hint'].split())}"
            missing = template.startswith("缺少") and param is not None
            if missing and getattr(param, "param_type_name", "") == "argument":
                groups["param"] = str(getattr(param, "name", "") or groups["param"]).upper()
            message = template.format(**groups)
            return message + _missing_detail(param, usage) if missing else message
    return _detail(text)


def _missing_detail(param: object, usage: str) -> str:
    """（what the missing parameter is, from its help）；请写成：how the command is written."""
    about = " ".join(str(getattr(param, "help", None) or "").split()).rstrip("。.")
    text = f"（{about}）" if about else ""
    if getattr(param, "param_type_name", "") == "option" and usage:
        opts = sorted(getattr(param, "opts", ()) or ["?"], key=len)
        value = "" if getattr(param, "is_flag", False) else f" {getattr(param, 'metavar', None) or '值'}"
        return f"{text}；请写成：{usage.split(' [选项]')[0]} {opts[-1]}{value}"
    return text + (f"；请写成：{usage}" if usage else "")


def usage_line(command_path: str, params: object) -> str:
    """The command's usage line with Chinese words: fupin ingest [选项] PATHS..."""
    words = [command_path, "[选项]"]
    for param in params or ():  # type: ignore[attr-defined]
        if getattr(param, "param_type_name", "") == "argument":
            name = str(getattr(param, "name", "")).upper()
            words.append(f"{name}..." if getattr(param, "nargs", 1) == -1 else name)
    return " ".join(words)


# ---------------------------------------------------------------- --role, in English or Chinese

ROLE_METAVAR = "角色"


def parse_role(text: str) -> str:
    """--role: town … helper, or the Chinese name (镇、村、帮扶单位、处级领导、村干部、帮扶责任人) and its usual aliases.

    Gives the role's value (``cadre``): typer turns it into the Role the option is annotated with.
    """
    role = text if isinstance(text, Role) else role_from_text(str(text))
    if role is None:
        raise typer.BadParameter(message_for("unknown-role", value=text, roles=ROLE_CHOICES))
    return role.value


ROLE_CHOICES = "、".join(f"{role.value} 或 {role.label}" for role in Role)


def role_option(text: str) -> object:
    """The --role option of every command (`text` is its help): English or Chinese role names, one parser."""
    return typer.Option("--role", parser=parse_role, metavar=ROLE_METAVAR, help=f"{text}（英文或中文均可，如 town 或 镇）")


# ---------------------------------------------------------------- global options after the sub-command

GLOBAL_WITH_VALUE = ("-w", "--workspace")
GLOBAL_FLAGS = ("--debug",)


def global_options_first(words: list[str], clashes: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The command line with -w DIR (and --debug) written after the sub-command moved before it.

    `fupin status -w 目录` then means `fupin -w 目录 status`. Words after `--` stay; so does an option the
    sub-command defines itself (`clashes`).
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        take = _global_words(words, i)
        if word == "--":
            rest.extend(words[i:])
            break
        name = word.split("=", 1)[0] if word.startswith("--") else word[:2]
        if take and (not rest or name not in clashes):
            front.extend(words[i:i + take])  # before the sub-command it is where it belongs; after, it moves
            i += take
            continue
        rest.append(word)
        i += 1
    return front + rest


def _global_words(words: list[str], i: int) -> int:
    """How many words from `i` are one global option (-w DIR, -wDIR, --workspace=DIR, --debug), or 0."""
    word = words[i]
    if word in GLOBAL_FLAGS:
        return 1
    if word in GLOBAL_WITH_VALUE:
        return 2 if i + 1 < len(words) else 0  # no value: left for the parser to say so
    if word.startswith("--workspace=") or (word.startswith("-w") and not word.startswith("--") and len(word) > 2):
        return 1
    return 0
