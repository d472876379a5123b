"""Command-line usage errors in Chinese: the parser's English messages, matched and retold."""

from __future__ import annotations

import re

import typer

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
    (re.compile(r"No such option: (?P<param>\S+)(?: \(?(?:Did you mean|Possible options:) (?P<hint>[^)?]+)\??\)?)?.*", re.S),
     "没有选项 {param}{hint}"),
    (re.compile(r"No such command '(?P<param>[^']+)'\.?(?: Did you mean '?(?P<hint>[^'?]+)'?\??)?.*", re.S), "没有命令“{param}”{hint}"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<param>.+)\)", re.S),
     "多余的参数：{param}（含空格的路径或文字请加引号）"),
    (re.compile(r"Option '(?P<param>[^']+)' requires an argument\.?", re.S), "选项 {param} 后面需要一个值"),
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


def usage_message(english: str) -> str:
    """The parser's English error retold in Chinese (unknown wordings keep their English detail)."""
    text = english.strip()
    for pattern, template in _WRAPPERS:
        match = pattern.fullmatch(text)
        if match:
            groups = {k: (v or "") for k, v in match.groupdict().items()}
            if "detail" in groups:
                groups["detail"] = _detail(groups["detail"])
            if groups.get("hint"):
                groups["hint"] = f"；可用的有：{' '.join(groups['hint'].split())}"
            return template.format(**groups)
    return _detail(text)
