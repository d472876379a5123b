"""Files to raw rows: xlsx/xlsm/xls/ods through python-calamine, csv/txt in any supported encoding."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from fupin_cli.intake.safety import OLE_MAGIC, UnreadableFile, check_size, check_spreadsheet, run_contained
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


def _calamine_reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "password" in text.lower() or "encrypt" in text.lower():  # an .xls saved with a password
        return "文件已加密，请去掉密码后重发"
    return f"电子表格已损坏或不是所称的格式（{text[:160]}）"


def read_file(path: Path, data: bytes | None = None) -> list[RawSheet]:
    """Read a file of any supported kind into sheets of raw rows."""
    suffix = path.suffix.lower()
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile("file-unreadable", reason=errno_text(exc)) from None

    if suffix in TEXT_SUFFIXES:
        check_size(data)
        return [read_text_file(data, path.name)]
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
    raise UnreadableFile("unsupported-format", suffix=suffix or "（无扩展名）")
