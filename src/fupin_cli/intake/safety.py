"""Checks on a spreadsheet's bytes before any reader sees them: zip bombs, XML entities, huge sheets, encryption.

Readers are native code that trusts the file: python-calamine sizes its cell grid from the cell
references it finds and the zip library inflates whatever the archive holds. A return arrives from
anyone over a chat app, so the container is inspected here first, with hard caps on every count and
byte inflated, and the file is refused (raised as UnreadableFile) before it can hurt the process.
"""

from __future__ import annotations

import os
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class UnreadableFile(Exception):
    """The file cannot be turned into rows; `code` is a finding code, `context` fills its message."""

    def __init__(self, code: str, **context: object) -> None:
        super().__init__(code, context)
        self.code = code
        self.context = context


T = TypeVar("T")

# A checklist return is a few dozen KB; these caps are far above any honest one.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 500
MAX_DECLARED_BYTES = 100 * 1024 * 1024
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed, for entries above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_CELLS = 200_000  # cells holding something, in all sheets together (a checklist has a few hundred)
MAX_ELEMENTS = 500_000  # row and cell tags counted one by one (only where some place is left implied)
MAX_SCANNED_PART = 16 * 1024 * 1024  # worksheet XML kept in memory to look for formulas
CHUNK = 64 * 1024
SMALL_ENTRY = 4 * 1024 * 1024  # entries allowed to inflate to at most this are read in one call

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})

# A DTD is never part of an OOXML or ODF file; any declaration is an entity attack or a broken file.
_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le", "utf-16-be")
)
# Where a sheet's cells lie is counted tag by tag, never taken from what the file declares: LibreOffice
# writes <dimension ref="A1:E1048576"/> and an empty <row r="1048576"> after a row is deleted, and an ODS
# repeats its blank rows and columns to the sheet's end. Only cells holding something size a reader's grid.
# xlsx: <row r=…>, <c r=…> (either may omit r: the next row or column), and a cell's value/text/formula child.
_SHEET_TAG = re.compile(rb"<(/?)(?:\w+:)?(row|c|v|is|f)(?=[\s/>])([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
_CELL_PLACE = re.compile(rb'\br="([A-Za-z]+)([0-9]+)"')
# The common case, kept in the regex engine: every row and cell names its place, and only a cell that could
# be out of bounds (a column past GR, the 200th, or five or more row digits, past 9999) and is not empty
# (<c …/>) reaches Python, which then looks at what follows it.
_UNPLACED = re.compile(rb"<(?:\w+:)?(?:row|c)(?=[\s/>])(?![^>]*?\br=)")
_FAR_CELL = re.compile(rb'<(?:\w+:)?c(?=[\s/>])[^>]*?\br="((?:[A-Za-z]{3,}|[Gg][S-Zs-z]|[H-Zh-z][A-Za-z])(?=[0-9])'
                       rb'|[A-Za-z]{1,2}(?=[0-9]{5}))([0-9]+)"[^>]*?(?<!/)>')
_CLOSED = re.compile(rb"\s*(?:<(?:\w+:)?v\s*/>\s*)?</")  # <c …></c> or <c …><v/></c>: nothing in it
# ODS: a table starts the count again; rows and cells may repeat; a cell with a value or any child holds something.
_ODS_TAG = re.compile(rb"<(/?)(?:\w+:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="([0-9]+)"')
MAX_TAG = 1024 * 1024  # a single tag longer than this is no spreadsheet's
_CELL_BODY = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,8})"')
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>/]*>[^<]|<(?:\w+:)?is\b")  # openpyxl writes an empty <v />


@dataclass(frozen=True)
class CellNote:
    """A cell worth a warning, found in the file's XML: a finding code, the sheet, 1-based row and column."""

    code: str
    sheet: str
    row: int
    column: int


def column_number(letters: bytes | str) -> int:
    """Spreadsheet letters → 1-based column number (A → 1, XFD → 16384)."""
    number = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(ch) - 64
    return number


def _unsafe(reason: str) -> UnreadableFile:
    return UnreadableFile("file-unsafe", reason=reason)


def _unreadable(reason: str) -> UnreadableFile:
    return UnreadableFile("file-unreadable", reason=reason)


def check_size(data: bytes) -> None:
    """Refuse files far bigger than any checklist return."""
    if len(data) > MAX_FILE_BYTES:
        raise _unsafe(f"文件有 {len(data) // (1024 * 1024)} MB，远超一张工作任务清单的大小（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）")


def looks_like_text(data: bytes) -> bool:
    """True when the bytes read as text (CSV, TSV, HTML) rather than a binary container."""
    head = data[:4096]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            head.decode(codec)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 4 KB window
                return True
    return False


def check_spreadsheet(data: bytes, suffix: str) -> list[CellNote]:
    """Refuse unsafe or mislabelled spreadsheet bytes; return cells worth a warning (formulas without values)."""
    suffix = suffix.lower()
    if not data:
        raise UnreadableFile("file-empty")
    check_size(data)
    if data.startswith(OLE_MAGIC):
        if _is_encrypted_ole(data):
            raise _unreadable("文件已加密，请去掉密码后重发")
        if suffix in ZIP_SUFFIXES:
            return []  # an old .xls saved under a new name; the reader knows it by its content
        return []
    if suffix == ".xls" and data.startswith(ZIP_MAGIC):
        return check_zip(data)  # an .xlsx renamed .xls; the reader knows it by its content
    if suffix == ".xls":
        if looks_like_text(data):
            raise _unreadable("这是文本文件（CSV 或网页），却以 .xls 命名；请在 Excel 中打开并另存为 .xlsx 后重发")
        return []  # let the reader judge other bytes; it reports a broken .xls itself
    if not data.startswith(ZIP_MAGIC):
        if looks_like_text(data):
            raise _unreadable(f"这是文本文件（CSV 或网页），却以 {suffix} 命名；请把扩展名改为 .csv，或用 Excel 另存为 .xlsx 后重发")
        raise _unreadable(f"文件不是 {suffix} 格式（开头不是压缩包标记），可能已损坏或没有传完；请重新发送")
    return check_zip(data)


def _is_encrypted_ole(data: bytes) -> bool:
    # Encrypted OOXML is an OLE file with these streams; an encrypted .xls names its RC4/CryptoAPI header.
    # The directory sector may sit anywhere in the file, so search all of it (files are capped at 20 MB).
    return any(name.encode("utf-16-le") in data for name in ("EncryptedPackage", "EncryptionInfo"))


_OFFICE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def check_zip(data: bytes) -> list[CellNote]:
    """Zip container checks: entry count, declared and actually inflated sizes, ratios, DTDs, sheet extents."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise _unreadable(f"压缩包结构损坏，文件可能没有传完（{exc}）；请重新发送") from None
    if len(entries) > MAX_ENTRIES:
        raise _unsafe(f"压缩包内有 {len(entries)} 个部件，远超正常电子表格（上限 {MAX_ENTRIES}）")
    declared = sum(max(info.file_size, 0) for info in entries)
    if declared > MAX_DECLARED_BYTES:
        raise _unsafe(f"压缩包声明解压后有 {declared // (1024 * 1024)} MB（疑似“压缩炸弹”）")
    for info in entries:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _unsafe(f"部件 {info.filename} 的压缩比超过 {MAX_RATIO}:1（疑似“压缩炸弹”）")
    if any(info.flag_bits & 0x1 for info in entries):
        raise _unreadable("文件已加密，请去掉密码后重发")
    # zipfile inflates a bzip2 or LZMA chunk whole before it cuts the output, so a few KB could take
    # gigabytes of memory; no office suite writes such parts.
    odd = next((info for info in entries if info.compress_type not in _OFFICE_COMPRESSION), None)
    if odd is not None:
        raise _unsafe(f"部件 {odd.filename} 使用了办公软件不会用的压缩方式（编号 {odd.compress_type}）")
    names = {info.filename for info in entries}
    is_ods = "content.xml" in names and "xl/workbook.xml" not in names
    sheet_names = {} if is_ods else _sheet_parts(archive, names)
    notes: list[CellNote] = []
    total = 0
    extent = _Extent()
    for info in entries:
        keep = info.filename in sheet_names and info.file_size <= MAX_SCANNED_PART
        inflated, body = _inflate(archive, info, MAX_INFLATED_BYTES - total, keep)
        total += inflated
        if info.filename in sheet_names:
            _check_extent(body, archive, info, extent)
            notes.extend(_formula_notes(body, sheet_names[info.filename]))
        elif is_ods and info.filename == "content.xml":
            _check_ods_extent(archive, info, extent)
    return notes


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, keep: bool) -> tuple[int, bytes]:
    """Inflate one entry, never past `budget` bytes nor the ratio limit, scanning for DTDs; the bytes only when `keep`."""
    # What this entry may inflate to before it counts as a bomb: the budget left, and the ratio limit.
    limit = min(budget, max(RATIO_FLOOR, MAX_RATIO * max(info.compress_size, 1)))
    if limit > SMALL_ENTRY:
        return _inflate_in_chunks(archive, info, budget, keep)
    try:
        with archive.open(info) as stream:
            body = stream.read(limit + 1)  # one bounded read: a well-formed checklist part is a few KB
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _unreadable(f"部件 {info.filename} 无法解压，文件已损坏或大小与声明不符（{exc}）；请重新发送") from None
    if len(body) > limit:
        if len(body) > budget:
            raise _unsafe(f"解压后超过 {MAX_INFLATED_BYTES // (1024 * 1024)} MB（疑似“压缩炸弹”）")
        raise _unsafe(f"部件 {info.filename} 的实际压缩比超过 {MAX_RATIO}:1（疑似“压缩炸弹”）")
    if any(marker in body for marker in _DTD_MARKERS):
        raise _unsafe(f"部件 {info.filename} 含 XML 实体/文档类型声明（DOCTYPE/ENTITY），可能是实体扩展攻击")
    return len(body), body if keep else b""


def _inflate_in_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, keep: bool) -> tuple[int, bytes]:
    """Inflate one entry in chunks, never past `budget` bytes, scanning for DTDs; the bytes only when `keep`."""
    size = 0
    tail = b""
    kept: list[bytes] = []
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > budget:
                    raise _unsafe(f"解压后超过 {MAX_INFLATED_BYTES // (1024 * 1024)} MB（疑似“压缩炸弹”）")
                if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                    raise _unsafe(f"部件 {info.filename} 的实际压缩比超过 {MAX_RATIO}:1（疑似“压缩炸弹”）")
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    raise _unsafe(f"部件 {info.filename} 含 XML 实体/文档类型声明（DOCTYPE/ENTITY），可能是实体扩展攻击")
                tail = window[-32:]
                if keep:
                    kept.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _unreadable(f"部件 {info.filename} 无法解压，文件已损坏或大小与声明不符（{exc}）；请重新发送") from None
    return size, b"".join(kept)


def _parse_small(archive: zipfile.ZipFile, name: str) -> object | None:
    """A small XML part parsed with defusedxml (no DTD, no entities); None when absent."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > 4 * 1024 * 1024:
        raise _unsafe(f"部件 {name} 大得异常（{info.file_size // 1024} KB）")
    _, body = _inflate(archive, info, 4 * 1024 * 1024, keep=True)
    try:
        return fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise _unsafe(f"部件 {name} 含 XML 实体/文档类型声明，可能是实体扩展攻击") from None
    except ParseError as exc:
        raise _unreadable(f"部件 {name} 不是有效的 XML（{exc}）") from None


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part → sheet name, from xl/workbook.xml and its relationships."""
    workbook = _parse_small(archive, "xl/workbook.xml")
    rels = _parse_small(archive, "xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels:  # type: ignore[attr-defined]
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id", "")] = target
    parts: dict[str, str] = {}
    if workbook is not None:
        for element in workbook.iter():  # type: ignore[attr-defined]
            if element.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
            if targets.get(rid) in names:
                parts[targets[rid]] = element.get("name", "")
    for name in names:  # worksheets the workbook does not list are still read by some readers
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parts.setdefault(name, name.rsplit("/", 1)[-1][:-4])
    return parts


def _number(digits: bytes) -> int:
    # More digits than any sheet has rows: past every limit (and int() of a huge digit run is refused).
    return int(digits) if len(digits) <= 9 else 10**9


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Extent:
    """The cells a sheet really holds, counted as its XML streams past; refuses the file at the first limit passed."""

    def __init__(self) -> None:
        self.elements = 0
        self.cells = 0

    def tag(self) -> None:
        """One more row or cell tag scanned."""
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise _unsafe(f"工作表有超过 {MAX_ELEMENTS} 个行或单元格，远超一张工作任务清单")

    def holds(self, last_row: int, last_column: int, count: int = 1) -> None:
        """`count` cells holding something, the last of them at (last_row, last_column)."""
        if last_row > MAX_ROWS or last_column > MAX_COLUMNS:
            where = f"第 {last_row} 行" if last_row > MAX_ROWS else f"第 {last_column} 列"
            cell = f"{_letters(last_column)}{last_row}" if last_column <= 16384 and last_row < 10**9 else ""
            raise _unsafe(f"工作表在{where}有内容{f'（{cell}）' if cell else ''}，远超一张工作任务清单")
        self.cells += count
        if self.cells > MAX_CELLS:
            raise _unsafe(f"工作表有超过 {MAX_CELLS} 个有内容的单元格，远超一张工作任务清单")


def _windows(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    """Each chunk with the unfinished tag of the one before, and how far its tags are whole: (data, end)."""
    rest = b""
    for chunk in chunks:
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"<")
        if cut < 0 or data.find(b">", cut) >= 0:
            cut = len(data)  # the last tag is complete
        elif len(data) - cut > MAX_TAG:
            raise _unsafe(f"工作表中有一个超过 {MAX_TAG // 1024} KB 的标记，不是正常的电子表格")
        yield data, cut
        rest = data[cut:]
    if rest:
        yield rest, len(rest)


def _check_extent(body: bytes, archive: zipfile.ZipFile, info: zipfile.ZipInfo, extent: _Extent) -> None:
    """Refuse a worksheet holding cells beyond a checklist's possible size; what it declares is not judged."""
    def source() -> Iterable[bytes]:
        return [body] if body else _stream(archive, info)

    for data, end in _windows(source()):
        if _UNPLACED.search(data, 0, end):
            _count_cells(source(), extent)  # some row or cell is placed by counting: count them all
            return
        for match in _FAR_CELL.finditer(data, 0, end):
            row, column = _number(match.group(2)), column_number(match.group(1).upper()[:4])
            # A cell cut off at the window's end is taken as holding something: refusing is the safe side.
            if (row > MAX_ROWS or column > MAX_COLUMNS) and not _CLOSED.match(data, match.end()):
                extent.holds(row, column)


def _count_cells(chunks: Iterable[bytes], extent: _Extent) -> None:
    """Place every cell as a reader would, tag by tag (a row or cell without r= is the next one)."""
    row = column = 0
    open_cell: tuple[int, int] | None = None  # the cell whose content is not yet seen
    for data, end in _windows(chunks):
        for match in _SHEET_TAG.finditer(data, 0, end):
            row, column, open_cell = _place(match, row, column, open_cell, extent)


def _place(match: re.Match[bytes], row: int, column: int, open_cell: tuple[int, int] | None,
           extent: _Extent) -> tuple[int, int, tuple[int, int] | None]:
    """One xlsx tag: where the next cell goes, and which cell is open; a cell with content is counted."""
    closing, name, attributes, empty = match.groups()
    if name != b"row" and name != b"c":  # a value, inline text or formula: the open cell is part of the grid
        if open_cell is not None and not closing and not (name == b"v" and empty):
            extent.holds(*open_cell)
            return row, column, None
        return row, column, open_cell
    if closing:
        return row, column, None
    extent.tag()
    if name == b"row":
        found = _ROW_NUMBER.search(attributes)
        return (_number(found.group(1)) if found else row + 1), 0, None
    place = _CELL_PLACE.search(attributes)
    column = column_number(place.group(1).upper()[:4]) if place else column + 1
    return row, column, None if empty else ((_number(place.group(2)) if place else row), column)


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part too big to keep whole, inflated chunk by chunk."""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _unreadable(f"部件 {info.filename} 无法解压，文件已损坏（{exc}）；请重新发送") from None


def _check_ods_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, extent: _Extent) -> None:
    """Refuse an ODS table holding cells beyond a checklist's size; repeats of blank rows and columns are free.

    LibreOffice writes the empty rest of a sheet as rows repeated a million times over cells repeated
    16,384 times; only a repeat over a cell holding something would make a reader build that grid.
    """
    next_row = 1
    row_start = row_count = column = 0
    matches = (m for data, end in _windows(_stream(archive, info)) for m in _ODS_TAG.finditer(data, 0, end))
    for match in matches:
        closing, name, attributes, empty = match.groups()
        if closing:
            continue
        if name == b"table":
            next_row = 1
            continue
        extent.tag()
        found = _ODS_REPEAT.search(attributes)
        repeat = max(_number(found.group(1)), 1) if found else 1
        if name == b"table-row":
            row_start, row_count, column = next_row, repeat, 0
            next_row += repeat
            continue
        column += repeat
        if not empty or b"value-type=" in attributes:
            extent.holds(row_start + row_count - 1, column, row_count * repeat)


def _formula_notes(body: bytes, sheet: str) -> list[CellNote]:
    """Cells holding a formula but no saved result (a script wrote them; Excel never opened the file)."""
    notes = []
    if not body or not _HAS_FORMULA.search(body):
        return notes
    for match in _CELL_BODY.finditer(body):
        inner = match.group(2)
        if _HAS_FORMULA.search(inner) and not _HAS_VALUE.search(inner):
            ref = _REF_ATTR.search(match.group(1))
            if ref:
                notes.append(CellNote("formula-no-value", sheet, int(ref.group(2)), column_number(ref.group(1))))
    return notes


# ---------------------------------------------------------------- containing a native reader

CONTAINED_TIMEOUT = 30.0  # seconds one file may take to read
CONTAINED_MEMORY = 1024 * 1024 * 1024  # bytes of address space a reader may add


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_contained(read: Callable[[bytes], T], data: bytes, timeout: float = CONTAINED_TIMEOUT) -> T:
    """`read(data)` in a forked child with a memory cap and a time limit.

    The legacy .xls reader is native code that can abort the whole process on a corrupt file (a
    "memory allocation of 343596831280 bytes failed" abort, or a panic). Run in a child, such a file
    costs one refusal instead of the batch. Where fork is missing (Windows) the read runs in-process.
    """
    if not hasattr(os, "fork"):
        return read(data)
    import pickle
    import resource
    import select
    import signal

    base = _address_space()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send the outcome, leave without running the parent's cleanup
        try:
            os.close(reader)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)  # a native abort prints its own backtrace; the refusal says enough
            import faulthandler

            faulthandler.disable()  # it writes to its own copy of stderr
            if base:
                resource.setrlimit(resource.RLIMIT_AS, (base + CONTAINED_MEMORY, base + CONTAINED_MEMORY))
            try:
                outcome: tuple = ("ok", read(data))
            except UnreadableFile as exc:
                outcome = ("refused", exc.code, exc.context)
            except MemoryError:
                outcome = ("refused", "file-unsafe", {"reason": "读取时需要的内存超出上限，文件可能是恶意构造的"})
            except BaseException:  # noqa: BLE001 — a bug: carried to the parent, which raises it
                import traceback

                outcome = ("bug", traceback.format_exc())
            with os.fdopen(writer, "wb") as out:
                out.write(pickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(writer)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    with os.fdopen(reader, "rb", buffering=0) as incoming:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([incoming], [], [], left)[0]:
                timed_out = True
                break
            chunk = incoming.read(1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        raise _unsafe(f"读取超过 {timeout:.0f} 秒仍未完成，文件可能是恶意构造的")
    if not chunks or os.waitstatus_to_exitcode(status) != 0:
        raise _unreadable("文件已损坏，读取时读取程序异常退出；请在 Excel/WPS 中打开并另存为 .xlsx 后重发")
    outcome = pickle.loads(b"".join(chunks))  # our own child's bytes
    if outcome[0] == "bug":
        raise RuntimeError(f"读取电子表格的子进程出错：\n{outcome[1]}")
    if outcome[0] == "refused":
        raise UnreadableFile(outcome[1], **outcome[2])
    return outcome[1]
