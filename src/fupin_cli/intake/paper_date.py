"""完成时间 on paper: the month and day written into "____月____日", read by OCR and kept only when sure.

Only a cell with ink above its two blanks is read. The written line is recognised by rapidocr-onnxruntime with
the models its wheel ships (nothing is downloaded); a reading is taken only when it has the printed shape
(digits, 月, digits, 日), every character is recognised with high confidence, and it is a day of the campaign's
year. Even then it is a reading, not an answer: the record carries it with a finding asking a clerk to confirm.
Without the OCR package, or when unsure, the cell's crop is kept and the date left empty.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from fupin_cli.forms.pdf import Rect, date_blanks
from fupin_cli.intake.normalize import normalize_date

OCR_MIN_CHAR = 0.9  # the least sure character of an accepted reading
INK_SHARE = 0.015  # of a blank's writing area inked: something is written there
BASELINE_GAP = 0.9  # mm above the printed underline left out when looking for ink
DATE_TEXT = re.compile(r"_*(\d{1,2})_*月_*(\d{1,2})_*日?_*")


@dataclass(frozen=True)
class DateRead:
    """What one 完成时间 cell holds: whether it is written in, OCR's text and its least sure character, the day."""

    inked: bool
    text: str = ""
    score: float = 0.0
    day: dt.date | None = None

    @property
    def read_by(self) -> str:
        """"ocr" when the day was taken from OCR, "" when the date is left for a person."""
        return "ocr" if self.day is not None else ""

    def to_dict(self) -> dict:
        """The reading as JSON-ready data."""
        return {"inked": self.inked, "text": self.text, "score": round(self.score, 3),
                "done_on": self.day.isoformat() if self.day else None, "read_by": self.read_by}


@functools.lru_cache(maxsize=1)
def ocr_engine() -> object | None:
    """rapidocr's recogniser with its packaged models, loaded once; None when rapidocr-onnxruntime is missing."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR()


def _px(value: float, scale: float) -> int:
    return int(round(value * scale))


def _crop(page: object, rect: Rect, scale: float) -> object:
    return page[_px(rect.y, scale):_px(rect.y + rect.h, scale), _px(rect.x, scale):_px(rect.x + rect.w, scale)]


def date_band(cell: Rect) -> Rect:
    """The written line of a 完成时间 cell: the blanks, 月 and 日, and room above them for the digits (mm)."""
    month, _day = date_blanks(cell)
    baseline = month.y + month.h
    return Rect(cell.x + 0.8, baseline - 8.0, cell.w - 1.6, 9.8)


def date_inked(page: object, cell: Rect, scale: float) -> bool:
    """Whether anything is written above the month or the day blank (ink against the line's own paper and print)."""
    import numpy as np

    band = _crop(page, date_band(cell), scale)
    if band.size == 0:
        return False
    paper = float(np.percentile(band, 90))
    black = float(np.percentile(band, 1))
    if paper - black < 25:
        return False
    limit = paper - 0.35 * (paper - black)
    for blank in date_blanks(cell):
        area = _crop(page, Rect(blank.x, blank.y, blank.w, blank.h - BASELINE_GAP), scale)
        if area.size and float((area < limit).mean()) >= INK_SHARE:
            return True
    return False


def accept_reading(text: str, score: float, year: int) -> dt.date | None:
    """The day a reading names when it has the printed shape, is sure enough and is a day of `year`; else None."""
    match = DATE_TEXT.fullmatch("".join(text.split()))
    if match is None or score < OCR_MIN_CHAR:
        return None
    day, _raw, recognised = normalize_date(f"{int(match.group(1))}月{int(match.group(2))}日", year)
    return day if recognised else None


def read_dates(page: object, cells: dict[int, Rect], year: int, scale: float) -> dict[int, DateRead]:
    """Every written 完成时间 cell of a straightened page read (key → reading); blank cells are left out."""
    import cv2

    inked = {key: cell for key, cell in cells.items() if date_inked(page, cell, scale)}
    if not inked:
        return {}
    engine = ocr_engine()
    if engine is None:
        return {key: DateRead(True) for key in inked}
    keys = list(inked)
    lines = [cv2.cvtColor(_crop(page, date_band(inked[key]), scale), cv2.COLOR_GRAY2BGR) for key in keys]
    # the recogniser alone (the line's place is known): its per-character confidences come with the words
    results, _elapsed = engine.text_rec(lines, True)  # type: ignore[attr-defined]
    found = {}
    for key, (text, _mean, words) in zip(keys, results, strict=True):
        score = float(min(words[4])) if words and words[4] else 0.0
        found[key] = DateRead(True, text, score, accept_reading(text, score, year))
    return found
