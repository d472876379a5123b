"""是否完成 and 完成时间 as people write them, turned into values; the raw text is always returned beside."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from fupin_cli.model.glossary import DATE_PLACEHOLDERS, DONE_NO, DONE_YES
from fupin_cli.model.text import INVISIBLE

# Straight, curly and low quotes all compare as one; NFKC already turned full-width ＂＇ into " '.
_QUOTES = dict.fromkeys(map(ord, "“”„‟‘’‚‛'`´″′〝〞"), '"')
# Trailing punctuation people add after an answer (“是。”); stripped only when something is left.
_ANSWER_PUNCTUATION = "。.，,；;！!、"

# Whole numbers in this range from a numeric cell are Excel serial dates (2000-01-01 .. 2099-12-31);
# calamine already converts cells formatted as dates, so these come from cells formatted “常规”.
_SERIAL_MIN, _SERIAL_MAX = 36526, 73050
_EXCEL_EPOCH = date(1899, 12, 30)

_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = (
    # (pattern, has_year): groups are year?, month, day
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"), True),
    (re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})[日号]?"), True),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), True),
    (re.compile(r"(\d{1,2})月(\d{1,2})[日号]?"), False),
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})[日号]?"), False),
)
# “11月5日前”, “11月5日左右”: the date is still the date written.
_DATE_SUFFIXES = ("之前", "以前", "左右", "前")


def normalize_text(value: object) -> str:
    """A cell as text people wrote: trimmed, CRLF → LF, whole floats without “.0”; no NFKC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def match_text(value: object) -> str:
    """The comparison form of a template text: NFKC, no whitespace or invisible characters, one kind of quote."""
    try:
        return _match_text_cached(value)
    except TypeError:  # an unhashable value cannot be cached
        return _match_text(value)


def _match_text(value: object) -> str:
    text = unicodedata.normalize("NFKC", normalize_text(value)).translate(INVISIBLE)
    return "".join(text.split()).translate(_QUOTES)


# Every return repeats the same task texts and labels: ~60 calls a file, nearly all of them hits.
# typed=True keeps True, 1 and 1.0 apart (they normalise to different text).
_match_text_cached = functools.lru_cache(maxsize=8192, typed=True)(_match_text)


def _squash(text: str) -> str:
    """NFKC, invisible characters and all blanks removed, lower case: the form spellings are compared in."""
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return "".join(text.split()).lower()


def normalize_done(value: object) -> tuple[bool | None, str, bool]:
    """是否完成 → (done, raw_text, recognised); blank is (None, "", True), unknown text (None, raw, False)."""
    raw = normalize_text(value)
    if isinstance(value, bool):
        return value, raw, True
    if isinstance(value, (int, float)):
        if value == 1:
            return True, raw, True
        if value == 0:
            return False, raw, True
        return None, raw, False
    if not isinstance(value, str):  # a date or time typed into 是否完成
        return (None, "", True) if value is None else (None, raw, False)
    key = _squash(raw)
    if not key:
        return None, "", True
    trimmed = key.strip(_ANSWER_PUNCTUATION) or key
    for candidate in (key, trimmed):
        if candidate in DONE_YES:
            return True, raw, True
        if candidate in DONE_NO:
            return False, raw, True
    return None, raw, False


def normalize_date(value: object, year: int) -> tuple[date | None, str, bool]:
    """完成时间 → (date, raw_text, recognised); dates without a year take `year`; blank is (None, "", True)."""
    raw = normalize_text(value)
    if value is None or (isinstance(value, str) and not _squash(raw)):
        return None, "", True
    if isinstance(value, date) and value.year < 1901:
        # A number typed into a date-formatted cell (the forms format 完成时间 as a date): 11.5 shows as
        # 1900-01-11 and reads back as that date. Take the number back and read it as people meant it.
        stamp = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
        # Excel counts 1900-01-01 as day 1 and invents a 29 February 1900 (day 60).
        epoch = datetime(1899, 12, 31) if stamp < datetime(1900, 3, 1) else datetime(1899, 12, 30)
        number = round((stamp - epoch).total_seconds() / 86400, 6)
        found = _date_from_number(number, year) if number < 13 else None
        return found, f"{number:g}", found is not None
    if isinstance(value, datetime):
        return value.date(), raw, True
    if isinstance(value, date):
        return value, raw, True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        found = _date_from_number(value, year)
    elif isinstance(value, str):
        if _squash(raw) in DATE_PLACEHOLDERS:
            return None, raw, True  # "/", "—", "无": the filler's way of leaving it blank
        found = _date_from_text(raw, year)
    else:  # TRUE/FALSE, a time of day or a duration: no date in it
        found = None
    return found, raw, found is not None


def _date_from_number(value: float, year: int) -> date | None:
    """A number from a cell: yyyymmdd, an Excel serial date, or m.d of `year` (11.5 is 11月5日)."""
    if not math.isfinite(value) or value <= 0:
        return None
    if float(value).is_integer():
        whole = int(value)
        if 10_000_000 <= whole <= 99_999_999:
            return _date_from_text(str(whole), year)
        if _SERIAL_MIN <= whole <= _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=whole)
        return None
    if _SERIAL_MIN <= value <= _SERIAL_MAX + 1:  # a date and time in a cell formatted “常规”
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if value >= 13 or round(value, 2) != round(value, 9):
        return None
    month, day = f"{value:.2f}".split(".")
    # A number cell forgets a trailing zero: 11.1 may have been typed 11.10. Accept only when one reading is a date.
    readings = {_safe_date(year, int(month), int(day))}
    if day.endswith("0"):
        readings.add(_safe_date(year, int(month), int(day[0])))
    readings.discard(None)
    return readings.pop() if len(readings) == 1 else None


def _date_from_text(raw: str, year: int) -> date | None:
    """Typed dates: 2020-11-05, 2020/11/5, 2020.11.5, 2020年11月5日/号, 11月5日, 11-5, 11/5, 11.5, 20201105."""
    text = unicodedata.normalize("NFKC", raw).translate(INVISIBLE).strip()
    text = _TIME_SUFFIX.sub("", text)
    text = "".join(text.split())
    for suffix in _DATE_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    for pattern, has_year in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = [g for g in match.groups() if g.isdigit()]
        if has_year:
            return _safe_date(int(parts[0]), int(parts[1]), int(parts[2]))
        return _safe_date(year, int(parts[0]), int(parts[1]))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
