"""Text in and out: decoding CSV bytes, invisible characters, names as compared, CSV cells no spreadsheet runs."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable

# Characters that are invisible but come along when text is pasted from chats and web pages (the soft
# hyphen U+00AD too); U+FE0F/FE0E are the emoji variation selectors phones append to ✔ and ✖.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f"))
_BLANKS = re.compile(r"\s+")


class UndecodableText(Exception):
    """The bytes are in none of the supported encodings; `offset` is the first byte that fails."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV/TXT bytes: BOM first, then strict UTF-8, then GB18030; never with replacement characters."""
    for bom, encoding, label in (
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ):
        if data.startswith(bom):
            # Decode past the BOM ourselves so the reported offset counts the BOM's bytes too.
            try:
                return data[len(bom):].decode(encoding), label
            except UnicodeDecodeError as exc:
                raise UndecodableText(exc.start + len(bom)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UndecodableText(exc.start) from None


def sniff_delimiter(text: str) -> str:
    """Tab when the first lines hold more tabs than commas (Excel's “Unicode 文本”), else comma."""
    head = text[:4096]
    return "\t" if head.count("\t") > head.count(",") else ","


def parse_text(text: str, delimiter: str | None = None) -> list[list[object]]:
    """Split decoded CSV/TXT text into rows of strings."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    return [list(row) for row in reader]


def cell_text(value: object) -> str:
    """A cell as trimmed text; whole floats lose their “.0” (Excel stores 13 as 13.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@functools.lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """A name as compared: NFKC, invisible characters removed, blanks (U+3000 too) collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return _BLANKS.sub(" ", text).strip()


@functools.lru_cache(maxsize=65536)
def person_key(text: str) -> str:
    """A person's name as compared: `normalize_name` without any blank inside (黄 海 and 黄　海 are 黄海).

    Offices pad two-character names to line up with three-character ones; a blank never tells two
    people apart. Unit and place names keep theirs (a blank separates the villages of a 挂点村 cell).
    """
    return _BLANKS.sub("", normalize_name(text))

# Excel, WPS and LibreOffice start a formula (or DDE) with these, full-width forms included.
_RISKY_START = frozenset("=+-@\t\r\n＝＋－＠")


def needs_neutralizing(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    return bool(text) and text[0] in _RISKY_START


def neutralize(text: str) -> str:
    """`text` with a leading apostrophe when it could be read as a formula; else unchanged."""
    return "'" + text if needs_neutralizing(text) else text


def restore(text: str) -> str:
    """Undo `neutralize`: drop the apostrophe fupin put before formula-like text (a CSV keeps it literally)."""
    return text[1:] if text.startswith("'") and needs_neutralizing(text[1:]) else text


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Rows as CSV in UTF-8 with BOM (Excel on Chinese Windows opens it cleanly), formula-like text neutralized."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralize(v) if isinstance(v, str) else v for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
