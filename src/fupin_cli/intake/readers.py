"""Files to raw rows: xlsx/xlsm/xls/ods (and WPS .et) through python-calamine, csv/txt in any supported encoding.

Photos, archives and documents are named for what they are, whatever their file is called.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from fupin_cli.intake.safety import (
    OLE_MAGIC,
    ZIP_MAGIC,
    UnreadableFile,
    check_size,
    check_spreadsheet,
    run_contained,
)
from fupin_cli.model.problems import errno_text
from fupin_cli.model.text import UndecodableText, decode_text, parse_text

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
# WPS 表格 saves .et (and .ett templates) as the bytes of an .xls or, in newer versions, an .xlsx.
WPS_SUFFIXES = frozenset({".et", ".ett"})
READABLE_SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES | WPS_SUFFIXES

# What a photo or a scan starts with (checked whatever the file is called): magic bytes → what to call it.
_PHOTO_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "一张照片（JPEG）"),
    (b"\x89PNG\r\n\x1a\n", "一张图片（PNG）"),
    (b"GIF87a", "一张图片（GIF）"),
    (b"GIF89a", "一张图片（GIF）"),
    (b"%PDF-", "一个 PDF 文件（扫描件或打印件）"),
    (b"II*\x00", "一张扫描图（TIFF）"),
    (b"MM\x00*", "一张扫描图（TIFF）"),
)
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz"})
_ARCHIVE_MAGIC = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")
DOCUMENT_SUFFIXES = {
    **dict.fromkeys((".doc", ".docx", ".docm", ".dot", ".dotx", ".wps", ".wpt", ".rtf", ".odt"), "文字文档"),
    **dict.fromkeys((".ppt", ".pptx", ".dps", ".odp"), "演示文稿"),
}


@dataclass
class RawSheet:
    """One sheet as read: its name, visibility and cell values (str, int, float, date, datetime, bool or None)."""

    name: str
    rows: list[list[object]]
    visible: bool = True
    meta: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, int, int]] = field(default_factory=list)  # (finding code, 1-based row, column)
    # Merged ranges as ((first row, first column), (last row, last column)), 0-based; xlsx and xls only.
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def read_text_file(data: bytes, name: str = "") -> RawSheet:
    """A CSV/TXT file's bytes as one sheet of string rows."""
    if not data:
        raise UnreadableFile("file-empty")
    try:
        text, encoding = decode_text(data)
    except UndecodableText as exc:
        raise UnreadableFile("encoding-error", offset=exc.offset) from None
    if not text.strip():  # a lone BOM or blank lines: nothing was filled in
        raise UnreadableFile("file-empty")
    try:
        rows = parse_text(text)
    except csv.Error as exc:
        raise UnreadableFile("file-unreadable", reason=f"CSV 格式错误：{exc}") from None
    return RawSheet(name=Path(name).stem if name else "csv", rows=rows, meta={"encoding": encoding})


def read_spreadsheet(data: bytes) -> list[RawSheet]:
    """Every sheet of an xlsx/xlsm/xls/ods file, hidden ones included, through python-calamine."""
    from python_calamine import CalamineWorkbook  # heavy import kept out of commands that never read

    if not data:
        raise UnreadableFile("file-empty")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            visible = str(meta.visible).rsplit(".", 1)[-1] == "Visible"
            sheets.append(RawSheet(name=meta.name, rows=[list(r) for r in rows], visible=visible,
                                   merged=list(sheet.merged_cell_ranges or [])))
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 — calamine raises its own assorted errors for broken files
        raise UnreadableFile("file-unreadable", reason=_calamine_reason(exc)) from None
    except BaseException as exc:
        # A Rust panic inside calamine surfaces as pyo3's PanicException, a BaseException subclass.
        if type(exc).__name__ != "PanicException":
            raise
        raise UnreadableFile("file-unreadable", reason=_calamine_reason(exc)) from None
    return sheets


_RESAVE = "请在 Excel 或 WPS 中打开原表，另存为 .xlsx 后重发；打不开的话，请填报人重新发送"
# The reader's own words (English) → what happened, in Chinese; the advice follows.
_CALAMINE_REASONS: tuple[tuple[str, str], ...] = (
    ("cannot detect file format", "看不出是哪一种电子表格（扩展名与内容不符，或文件已损坏、没有传完）"),
    ("zip", "表格的压缩结构已损坏，文件可能没有传完"),
    ("ole", "旧版 .xls 文件的结构已损坏，文件可能没有传完"),
    ("xml", "表格内部的数据已损坏"),
    ("utf", "表格里的文字编码已损坏"),
)


def _calamine_reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "password" in lowered or "encrypt" in lowered:  # an .xls saved with a password
        return "文件已加密，请去掉密码后重发"
    for key, what in _CALAMINE_REASONS:
        if key in lowered:
            return f"{what}；{_RESAVE}"
    return f"读取程序读不懂这个电子表格；{_RESAVE}（读取程序的原话：{text[:120]}）"


def photo_kind(head: bytes) -> str | None:
    """What a photo or scan is called when the bytes start like one (JPEG, PNG, HEIC, GIF, BMP, WebP, PDF, TIFF)."""
    for magic, what in _PHOTO_MAGIC:
        if head.startswith(magic):
            return what
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "一张照片（HEIC，苹果手机拍的）"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "一张图片（WebP）"
    if head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00" and len(head) >= 26:
        return "一张图片（BMP）"
    return None


def not_readable(suffix: str, head: bytes) -> UnreadableFile:
    """Why a file of another kind is no return: a photo or scan, an archive, a document, or another type."""
    photo = photo_kind(head)
    if photo:
        return UnreadableFile("file-photo", format=photo)
    if suffix in ARCHIVE_SUFFIXES or head.startswith(_ARCHIVE_MAGIC):
        return UnreadableFile("file-archive", format=suffix or "（无扩展名）")
    if suffix in DOCUMENT_SUFFIXES:
        return UnreadableFile("file-document", format=f"{DOCUMENT_SUFFIXES[suffix]}（{suffix}）")
    return UnreadableFile("unsupported-format", suffix=suffix or "（无扩展名）")


def _wps_suffix(data: bytes, suffix: str) -> str:
    """The spreadsheet format a WPS .et/.ett file holds, by its first bytes: .xls or .xlsx."""
    if data.startswith(OLE_MAGIC):
        return ".xls"
    if data.startswith(ZIP_MAGIC):
        return ".xlsx"
    if not data:
        raise UnreadableFile("file-empty")
    raise UnreadableFile("file-unreadable", reason=f"这个 {suffix} 文件既不是 .xls 也不是 .xlsx 格式的 WPS 表格，可能已损坏；"
                                                    "请在 WPS 中打开，另存为 .xlsx 后重发")


def read_file(path: Path, data: bytes | None = None) -> list[RawSheet]:
    """Read a file of any supported kind into sheets of raw rows."""
    suffix = path.suffix.lower()
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile("file-unreadable", reason=errno_text(exc)) from None

    photo = photo_kind(data[:32])
    if photo:  # a photo of the filled form, whatever it is called (a JPEG renamed .xlsx is no broken workbook)
        raise UnreadableFile("file-photo", format=photo)
    if suffix in TEXT_SUFFIXES:
        check_size(data)
        return [read_text_file(data, path.name)]
    if suffix in WPS_SUFFIXES:
        suffix = _wps_suffix(data, suffix)
    if suffix in SPREADSHEET_SUFFIXES:
        notes = check_spreadsheet(data, suffix)  # refuse hostile files before native code sees them
        if data.startswith(OLE_MAGIC):  # legacy .xls cannot be pre-checked: read it in a contained child
            sheets = run_contained(read_spreadsheet, data)
        else:
            sheets = read_spreadsheet(data)
        for note in notes:
            for sheet in sheets:
                if sheet.name == note.sheet:
                    sheet.notes.append((note.code, note.row, note.column))
        return sheets
    raise not_readable(suffix, data[:32])
