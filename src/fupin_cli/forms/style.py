"""The look shared by the forms and the export: fonts, borders, fills, alignments, sizes and the A4 page."""

from __future__ import annotations

import math
import unicodedata

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from fupin_cli.model.glossary import Status
from fupin_cli.model.text import needs_neutralizing

# Fonts every Chinese Windows and WPS install has; charset 134 (GB2312) tells Excel they are Chinese.
BODY_FONT = "宋体"
FILL_FONT = "仿宋"
TITLE_FONT = "黑体"
BODY_SIZE = 11

# One date style for every date a clerk reads on paper (forms and export alike).
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
PERCENT_FORMAT = "0.0%"

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="center")
UNLOCKED = Protection(locked=False)

# 按时 green, 逾期 yellow, 未报 red, 未到期 grey: the colours Excel's own conditional formats use.
STATUS_FILLS = {
    Status.on_time: PatternFill("solid", fgColor="C6EFCE"),
    Status.late: PatternFill("solid", fgColor="FFEB9C"),
    Status.missing: PatternFill("solid", fgColor="FFC7CE"),
    Status.pending: PatternFill("solid", fgColor="EDEDED"),
    Status.returned: PatternFill("solid", fgColor="F4CCFF"),
}


def font(name: str = BODY_FONT, size: int = BODY_SIZE, bold: bool = False) -> Font:
    """A font marked as Chinese (GB2312 charset) so Excel and WPS pick the right glyphs."""
    return Font(name=name, size=size, bold=bold, charset=134)


def box(color: str = "000000") -> Border:
    """A thin border on all four sides."""
    side = Side(style="thin", color=color)
    return Border(left=side, right=side, top=side, bottom=side)


def underline(color: str = "000000") -> Border:
    """A thin line under the cell: where a header field is written in."""
    return Border(bottom=Side(style="thin", color=color))


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a value; text that looks like a formula is forced to stay text."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and needs_neutralizing(value):
        cell.data_type = "s"
    return cell


def text_width(text: str) -> float:
    """Display width in Excel character units: CJK and full-width characters count about two."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def line_count(text: str, column_width: float, indent: int = 0) -> int:
    """How many lines `text` wraps to in a column of that width (each paragraph starts a line)."""
    usable = max(column_width - 1.5 - 3 * indent, 2.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def row_height(lines: int, size: int = BODY_SIZE) -> float:
    """Row height in points for that many lines of text (with room for LibreOffice's taller CJK lines)."""
    return round(lines * size * 1.5 + 8, 1)


def a4_landscape(ws: Worksheet) -> None:
    """Print on A4 landscape, one page wide, centred, with half-inch side margins."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
