"""The print version of a form (A4 PDF): laid out like the XLSX, plus what a phone photo is read back by.

Each page carries four ArUco markers (OpenCV's 4x4 dictionary, ids 0–3 clockwise from top left) with their
outer corners 10 mm inside the page edges, a QR code with the form's identity and page number, and per task
two empty square tick boxes (是 left of 否). The layout is computed here from the template alone, in
millimetres, with a line breaking of its own (not the font's metrics), so that the reader
(intake/paper.py) finds every box again from the QR's template id without the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.forms.identity import FormIdentity
from fupin_cli.model.problems import FupinError
from fupin_cli.model.templates import Template

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 10.0  # the markers' outer corners, inside any printer's unprintable border
MARKER = 12.0
MARKER_IDS = (0, 1, 2, 3)  # top left, top right, bottom right, bottom left
# x, y, size (mm) of the QR with its quiet border, left of the top-right marker and above the header line:
# 31 mm for a version 2 code (25 modules and a border of one) is 1.15 mm a module, read from a blurred 1 MP photo.
# The page around it keeps the quiet zone wider: the margin above, 3 mm to the marker, 1.5 mm to the form code
# on its left and 1.3 mm to the header line's letters below.
QR_BOX = (154.0, 10.0, 31.0)
QR_BORDER = 1  # modules of quiet border inside QR_BOX
TABLE_X, TABLE_W = 15.0, 180.0
TABLE_TOP, TABLE_BOTTOM = 50.0, 270.0
BOX = 7.0  # tick-box side (mm)
FONT_PT = 9.5
LINE_MM = 4.4
MIN_ROW = 12.0
COLUMN_MM = {"number": 10.0, "category": 22.0, "done": 27.0, "done_on": 28.0, "note": 24.0}
DATE_BLANK = "____月____日"
QR_PREFIX = "F1"  # the first payload (byte mode, "|"-separated): still read, no longer printed
VERSION_DIGITS = 6  # of the template version in an F1 payload
QR_VERSION_DIGITS = 4  # of the template version in the QR's payload (as in the form code)
QR_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
TITLE_W = 124.0  # the title's band, from right of the top-left marker to short of the QR

# Fonts with CJK glyphs, in order of preference: (path, face index in a collection).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Debian/Ubuntu fonts-noto-cjk (SC face)
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)


@dataclass(frozen=True)
class Rect:
    """A rectangle on the page in millimetres, from the top-left corner."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class RowLayout:
    """One task row on a page: its task, its band, its two tick boxes and its 完成时间 cell."""

    task_index: int
    y: float
    h: float
    yes: Rect
    no: Rect
    date: Rect | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PageLayout:
    """One page: its number, the table header's band and its task rows; the last page has the 注."""

    number: int
    header_h: float
    rows: tuple[RowLayout, ...]
    note_lines: tuple[str, ...] = ()


def char_em(ch: str) -> float:
    """A character's estimated width in em: CJK and full-width ones 1, others 0.6."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 0.6


def wrap(text: str, width_mm: float, size_pt: float = FONT_PT) -> list[str]:
    """`text` broken into lines no wider than `width_mm` at `size_pt` (estimated widths, never font metrics)."""
    em = size_pt * 0.3528
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line, used = "", 0.0
        for ch in paragraph:
            w = char_em(ch) * em
            if line and used + w > width_mm:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
    return lines


def column_widths(template: Template) -> list[float]:
    """Each table column's width (mm); the task text takes what the others leave of 180 mm."""
    fixed = sum(COLUMN_MM.get(c.field, 20.0) for c in template.columns if c.field != "text")
    return [TABLE_W - fixed if c.field == "text" else COLUMN_MM.get(c.field, 20.0) for c in template.columns]


def _column_x(template: Template) -> dict[str, tuple[float, float]]:
    x, found = TABLE_X, {}
    for column, width in zip(template.columns, column_widths(template), strict=True):
        found[column.field] = (x, width)
        x += width
    return found


def _header_height(template: Template) -> float:
    widths = column_widths(template)
    lines = max(len(wrap(c.label, w - 2, 10)) for c, w in zip(template.columns, widths, strict=True))
    return max(9.0, lines * 4.6 + 2.5)


def page_layouts(template: Template) -> list[PageLayout]:
    """Where every row and box goes on every page, from the template alone (the writer and reader share it)."""
    xs = _column_x(template)
    text_x, text_w = xs.get("text", (TABLE_X, TABLE_W))
    done_x, _done_w = xs.get("done", (TABLE_X + TABLE_W - COLUMN_MM["done"], COLUMN_MM["done"]))
    header_h = _header_height(template)
    note_lines = tuple(wrap(template.note, TABLE_W, 9.5)) if template.note.strip() else ()
    note_h = len(note_lines) * LINE_MM + 3 if note_lines else 0.0
    pages: list[PageLayout] = []
    rows: list[RowLayout] = []
    y = TABLE_TOP + header_h
    for index, task in enumerate(template.tasks):
        lines = tuple(wrap(task.text, text_w - 3))
        category = len(wrap(task.category, xs["category"][1] - 2)) if "category" in xs else 0
        h = max(MIN_ROW, max(len(lines), category) * LINE_MM + 3)
        last = index == len(template.tasks) - 1
        if rows and y + h + (note_h if last else 0) > TABLE_BOTTOM:
            pages.append(PageLayout(len(pages) + 1, header_h, tuple(rows)))
            rows, y = [], TABLE_TOP + header_h
        box_y = y + (h - BOX) / 2
        yes = Rect(done_x + 5.0, box_y, BOX, BOX)
        no = Rect(done_x + 18.0, box_y, BOX, BOX)
        date = Rect(xs["done_on"][0], y, xs["done_on"][1], h) if "done_on" in xs else None
        rows.append(RowLayout(index, y, h, yes, no, date, lines))
        y += h
    pages.append(PageLayout(len(pages) + 1, header_h, tuple(rows), note_lines))
    return pages


def campaign_hash(identity: FormIdentity) -> str:
    """Four hex digits standing for the campaign (its year and name) in the QR code."""
    return hashlib.sha256(f"{identity.year}|{identity.campaign}".encode()).hexdigest()[:4]


def qr_field(text: str) -> str:
    """A payload field in the QR's alphanumeric set: lower case → upper, an upper-case letter after "+",
    "_" → space, digits "-" "." as they are, anything else as "%" and the hex of its UTF-8 bytes."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(ch.upper())
        elif "A" <= ch <= "Z":
            out.append("+" + ch)
        elif ch.isascii() and (ch.isdigit() or ch in "-."):
            out.append(ch)
        elif ch == "_":
            out.append(" ")
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out)


def qr_unfield(text: str) -> str | None:
    """The text qr_field wrote; None when `text` is not one it could have written."""
    data, i = bytearray(), 0
    while i < len(text):
        ch = text[i]
        if ch == "+" and i + 1 < len(text) and "A" <= text[i + 1] <= "Z":
            data += text[i + 1].encode()
            i += 2
            continue
        pair = text[i + 1:i + 3]
        if ch == "%" and len(pair) == 2 and all(c in "0123456789ABCDEF" for c in pair):
            data.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        if "A" <= ch <= "Z":
            data += ch.lower().encode()
        elif ch.isdigit() or ch in "-.":
            data += ch.encode()
        elif ch == " ":
            data += b"_"
        else:
            return None
        i += 1
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def qr_payload(identity: FormIdentity, page: int, pages: int) -> str:
    """The QR's text, in its alphanumeric set (half the bits a character of byte mode takes, so that a version 2
    code holds it): year and campaign hash:template:version prefix:unit:page/pages[/round], e.g.
    "202038DC:HELPER:C3FB:+H9C0E1A5F:1/1"."""
    tail = f"{page}/{pages}" + (f"/{identity.round}" if identity.round is not None else "")
    parts = [f"{identity.year:04d}{campaign_hash(identity).upper()}", qr_field(identity.template_id),
             identity.template_version[:QR_VERSION_DIGITS].upper(), qr_field(identity.unit_id), tail]
    return ":".join(parts)


def parse_qr_payload(text: str) -> tuple[FormIdentity, str, int, int] | None:
    """(identity without campaign name, campaign hash, page, pages) from a QR's text (this payload or the
    first, F1 one); None when it is not ours."""
    text = text.strip()
    if text.startswith(QR_PREFIX + "|"):
        return _parse_f1(text)
    parts = text.split(":")
    if len(parts) != 5:
        return None
    head, template_text, version, unit_text, tail = parts
    numbers = tail.split("/")
    hexdigits = "0123456789ABCDEF"
    if not (len(head) == 8 and head[:4].isdigit() and all(c in hexdigits for c in head[4:])
            and version and all(c in hexdigits for c in version)
            and len(numbers) in (2, 3) and all(n.isdigit() for n in numbers)):
        return None
    template_id, unit_id = qr_unfield(template_text), qr_unfield(unit_text)
    if not template_id or not unit_id:
        return None
    round_ = int(numbers[2]) if len(numbers) == 3 else None
    identity = FormIdentity(template_id, version.lower(), unit_id, int(head[:4]), "", round_)
    return identity, head[4:].lower(), int(numbers[0]), int(numbers[1])


def _parse_f1(text: str) -> tuple[FormIdentity, str, int, int] | None:
    """The first payload: F1|year|campaign hash|template|version prefix|unit|round|page/pages."""
    parts = text.split("|")
    if len(parts) != 8 or parts[0] != QR_PREFIX:
        return None
    _prefix, year, chash, template_id, version, unit_id, round_text, page_text = parts
    page, _sep, pages = page_text.partition("/")
    if not (year.isdigit() and page.isdigit() and pages.isdigit() and template_id and unit_id):
        return None
    identity = FormIdentity(template_id, version, unit_id, int(year), "",
                            int(round_text) if round_text.isdigit() else None)
    return identity, chash, int(page), int(pages)


def find_cjk_font() -> tuple[str, int]:
    """The first CJK font of FONT_CANDIDATES on this machine; a FupinError naming what to install if none."""
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise FupinError("pdf-no-cjk-font")


# --- writing (fpdf2, segno and OpenCV imported only here) ---

FIXED_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


def _marker_png(marker_id: int) -> bytes:
    """One ArUco marker of OpenCV's 4x4 dictionary as PNG bytes (with its white quiet border)."""
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    image = cv2.aruco.generateImageMarker(dictionary, marker_id, 120, borderBits=1)
    ok, png = cv2.imencode(".png", image)
    return png.tobytes()


def marker_positions() -> list[tuple[int, float, float]]:
    """(marker id, x, y) of each marker's top-left corner, in mm."""
    far_x, far_y = PAGE_W - MARGIN - MARKER, PAGE_H - MARGIN - MARKER
    return [(0, MARGIN, MARGIN), (1, far_x, MARGIN), (2, far_x, far_y), (3, MARGIN, far_y)]


def _draw_machine_marks(pdf: object, payload: str, markers: dict[int, bytes]) -> None:
    import io

    import segno

    for marker_id, x, y in marker_positions():
        pdf.image(io.BytesIO(markers[marker_id]), x=x, y=y, w=MARKER, h=MARKER)  # type: ignore[attr-defined]
    qr = segno.make(payload, error="m", micro=False)
    x0, y0, size = QR_BOX
    matrix = list(qr.matrix_iter(border=QR_BORDER))
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)  # type: ignore[attr-defined]
    for r, line in enumerate(matrix):
        for c, dark in enumerate(line):
            if dark:
                pdf.rect(x0 + c * cell, y0 + r * cell, cell, cell, style="F")  # type: ignore[attr-defined]


def _draw_top(pdf: object, template: Template, identity: FormIdentity, entries: list[tuple[str, str]],
              page: int, pages: int) -> None:
    """附件N, the title, the form code and page, the pre-filled header line."""
    p = pdf
    p.set_font("cjk", size=12)  # type: ignore[attr-defined]
    p.text(MARGIN + MARKER + 3, 17, f"附件{template.attachment}")  # type: ignore[attr-defined]
    title = wrap(template.title, TITLE_W, 15)[:2]
    p.set_font("cjk", size=15)  # type: ignore[attr-defined]
    for i, line in enumerate(title):
        width = sum(char_em(ch) for ch in line) * 15 * 0.3528
        p.text(MARGIN + MARKER + 3 + (TITLE_W - width) / 2, 27 + i * 6.5, line)  # type: ignore[attr-defined]
    p.set_font("cjk", size=7)  # type: ignore[attr-defined]
    code = f"{identity.form_code}  第 {page}/{pages} 页"  # under the title, ending short of the QR's quiet border
    code_w = sum(char_em(ch) for ch in code) * 7 * 0.3528
    p.text(QR_BOX[0] - 1.5 - code_w, QR_BOX[1] + QR_BOX[2] - 1.0, code)  # type: ignore[attr-defined]
    text = "    ".join(f"{label}：{value}" for label, value in entries)
    size = 10.5
    while size > 7 and sum(char_em(ch) for ch in text) * size * 0.3528 > TABLE_W:
        size -= 0.5
    p.set_font("cjk", size=size)  # type: ignore[attr-defined]
    p.text(TABLE_X, TABLE_TOP - 4, text)  # type: ignore[attr-defined]


def _draw_table(pdf: object, template: Template, layout: PageLayout) -> None:
    """The table header row and the page's task rows: borders, text, the tick boxes and the date blank."""
    p = pdf
    widths = column_widths(template)
    xs = _column_x(template)
    p.set_draw_color(0, 0, 0)  # type: ignore[attr-defined]
    p.set_line_width(0.25)  # type: ignore[attr-defined]
    p.set_font("cjk", size=10)  # type: ignore[attr-defined]
    x = TABLE_X
    for column, width in zip(template.columns, widths, strict=True):
        p.rect(x, TABLE_TOP, width, layout.header_h)  # type: ignore[attr-defined]
        lines = wrap(column.label, width - 2, 10)
        top = TABLE_TOP + (layout.header_h - len(lines) * 4.6) / 2 + 3.6
        for i, line in enumerate(lines):
            w = sum(char_em(ch) for ch in line) * 10 * 0.3528
            p.text(x + (width - w) / 2, top + i * 4.6, line)  # type: ignore[attr-defined]
        x += width
    previous_category = None
    for row in layout.rows:
        task = template.tasks[row.task_index]
        for column in template.columns:
            cx, cw = xs[column.field]
            merged_below = (column.field == "category" and template.category_merged
                            and task.category == previous_category)
            _cell_border(p, cx, row.y, cw, row.h, top=not merged_below)
            _cell_text(p, template, column.field, task, row, cx, cw, show=not merged_below)
        previous_category = task.category
        p.set_line_width(0.3)  # type: ignore[attr-defined]
        for box, label in ((row.yes, "是"), (row.no, "否")):
            p.rect(box.x, box.y, box.w, box.h)  # type: ignore[attr-defined]
            p.set_font("cjk", size=10)  # type: ignore[attr-defined]
            p.text(box.x - 4.3, box.y + box.h / 2 + 1.3, label)  # type: ignore[attr-defined]
        p.set_line_width(0.25)  # type: ignore[attr-defined]


def _cell_border(p: object, x: float, y: float, w: float, h: float, top: bool) -> None:
    p.line(x, y + h, x + w, y + h)  # type: ignore[attr-defined]
    p.line(x, y, x, y + h)  # type: ignore[attr-defined]
    p.line(x + w, y, x + w, y + h)  # type: ignore[attr-defined]
    if top:
        p.line(x, y, x + w, y)  # type: ignore[attr-defined]


def _cell_text(p: object, template: Template, field_: str, task: object, row: RowLayout, x: float, w: float,
               show: bool) -> None:
    p.set_font("cjk", size=FONT_PT)  # type: ignore[attr-defined]
    if field_ == "text":
        top = row.y + (row.h - len(row.lines) * LINE_MM) / 2 + 3.3
        for i, line in enumerate(row.lines):
            p.text(x + 1.5, top + i * LINE_MM, line)  # type: ignore[attr-defined]
        return
    if field_ == "number":
        text = str(task.number)  # type: ignore[attr-defined]
    elif field_ == "category" and show:
        lines = wrap(task.category, w - 2)  # type: ignore[attr-defined]
        top = row.y + 4.5
        for i, line in enumerate(lines[:6]):
            p.text(x + 1, top + i * LINE_MM, line)  # type: ignore[attr-defined]
        return
    elif field_ == "done_on":
        # each piece where the layout puts it (date_blanks), not where the font's own widths would carry it
        for piece, (left, _width) in zip(_date_pieces(), _date_piece_spans(x, w), strict=True):
            p.text(left, row.y + row.h / 2 + 1.3, piece)  # type: ignore[attr-defined]
        return
    else:
        return
    width = sum(char_em(ch) for ch in text) * FONT_PT * 0.3528
    p.text(x + (w - width) / 2, row.y + row.h / 2 + 1.3, text)  # type: ignore[attr-defined]


def _date_pieces() -> list[str]:
    """"____月____日" cut where a run of blanks meets a character: ["____", "月", "____", "日"]."""
    pieces: list[str] = []
    for ch in DATE_BLANK:
        if pieces and (ch == "_") == (pieces[-1][-1] == "_"):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def _date_piece_spans(x: float, w: float) -> list[tuple[float, float]]:
    """(left, width) in mm of each piece of the date blank in a cell at x of width w, centred by estimated widths."""
    em = FONT_PT * 0.3528
    widths = [sum(char_em(ch) for ch in piece) * em for piece in _date_pieces()]
    left = x + (w - sum(widths)) / 2
    spans = []
    for width in widths:
        spans.append((left, width))
        left += width
    return spans


def date_blanks(cell: Rect) -> tuple[Rect, Rect]:
    """Where the month and the day are written in a 完成时间 cell: above the two blanks of "____月____日" (mm).

    Each area spans its blank and reaches 6.5 mm above the baseline (1.3 mm below the cell's middle), ending on it.
    """
    baseline = cell.y + cell.h / 2 + 1.3
    blanks = [span for piece, span in zip(_date_pieces(), _date_piece_spans(cell.x, cell.w), strict=True)
              if piece.startswith("_")]
    (month_x, month_w), (day_x, day_w) = blanks
    return Rect(month_x, baseline - 6.5, month_w, 6.5), Rect(day_x, baseline - 6.5, day_w, 6.5)


def form_pdf(template: Template, identity: FormIdentity, unit_name: str, head: str = "",
             tell_apart: tuple[str, str] | None = None) -> bytes:
    """One unit's form as A4 PDF bytes (the same inputs always give the same bytes)."""
    from fpdf import FPDF

    font_path, face = find_cjk_font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title(template.title)
    pdf.set_producer("fupin")
    pdf.add_font("cjk", fname=font_path, collection_font_number=face)
    entries = []
    for field_ in template.header_fields:
        value = {"unit": unit_name, "head": head}.get(field_.field) or ""
        if field_.field == "date":
            value = "____月____日"
        entries.append((field_.label.strip(), value or "________"))
        if field_.field == "unit" and tell_apart is not None:
            entries.append(tell_apart)
    markers = {i: _marker_png(i) for i in MARKER_IDS}
    layouts = page_layouts(template)
    for layout in layouts:
        pdf.add_page()
        _draw_machine_marks(pdf, qr_payload(identity, layout.number, len(layouts)), markers)
        _draw_top(pdf, template, identity, entries, layout.number, len(layouts))
        _draw_table(pdf, template, layout)
        if layout.note_lines:
            pdf.set_font("cjk", size=9.5)
            last = layout.rows[-1] if layout.rows else None
            y = (last.y + last.h if last else TABLE_TOP + layout.header_h) + 5
            for i, line in enumerate(layout.note_lines):
                pdf.text(TABLE_X, y + i * LINE_MM, line)
    return bytes(pdf.output())


def form_pdf_checked(template: Template, identity: FormIdentity, unit_name: str, head: str = "",
                     tell_apart: tuple[str, str] | None = None) -> bytes:
    """form_pdf, or a FupinError naming `pip install "fupin[paper]"` when the extra is not installed."""
    try:
        import cv2  # noqa: F401
        import fpdf  # noqa: F401
        import segno  # noqa: F401
    except ImportError:
        raise FupinError("paper-extra-missing-forms") from None
    return form_pdf(template, identity, unit_name, head, tell_apart)
