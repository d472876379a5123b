"""The one month-day reader (model/monthday.py): what is a real deadline, and what each wrong one is told."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from fupin_cli.model.deadlines import round_day
from fupin_cli.model.monthday import (
    BEFORE_ASSESSMENT,
    date_problem,
    deadline_problem,
    month_day_problem,
    parse_date,
    parse_month_day,
)
from fupin_cli.model.problems import KINDS, FupinError
from fupin_cli.model.workspace import Campaign

SRC = Path(__file__).resolve().parents[1] / "src" / "fupin_cli"


@pytest.mark.parametrize(("text", "year", "day"), [
    ("11-06", 2020, dt.date(2020, 11, 6)),
    ("1-1", 2020, dt.date(2020, 1, 1)),
    (" 11-12 ", 2020, dt.date(2020, 11, 12)),
    ("02-29", 2020, dt.date(2020, 2, 29)),
    ("12-31", 2021, dt.date(2021, 12, 31)),
])
def test_real_month_days(text, year, day):
    assert month_day_problem(text, year) is None
    assert month_day_problem(text) is None
    assert parse_month_day(text, year) == day


@pytest.mark.parametrize(("text", "year", "code", "words"), [
    ("02-30", None, "date-no-such-day", "“02-30”不是真实的日期：2 月只有 1 到 29 日；请改正日子"),
    ("02-30", 2021, "date-no-such-day", "“02-30”不是真实的日期：2 月只有 1 到 28 日；请改正日子"),
    ("11-31", 2020, "date-no-such-day", "“11-31”不是真实的日期：11 月只有 1 到 30 日；请改正日子"),
    ("11-00", 2020, "date-no-such-day", "“11-00”不是真实的日期：11 月只有 1 到 30 日；请改正日子"),
    ("13-01", 2020, "date-no-such-month", "“13-01”不是真实的日期：没有 13 月；请改正月份"),
    ("00-10", None, "date-no-such-month", "“00-10”不是真实的日期：没有 0 月；请改正月份"),
    ("02-29", 2021, "date-not-leap-year", "“02-29”不是真实的日期：2021 年不是闰年，2 月只有 28 日；请改正日子"),
    ("1-1x", 2020, "month-day-malformed", "“1-1x”应写成 月-日（如 11-06），或 before_assessment（核验前一天）"),
    ("11月6日", 2020, "month-day-malformed", "“11月6日”应写成 月-日（如 11-06），或 before_assessment（核验前一天）"),
    ("2020-11-06", 2020, "month-day-malformed", "“2020-11-06”应写成 月-日（如 11-06），或 before_assessment（核验前一天）"),
    ("", 2020, "month-day-malformed", "“”应写成 月-日（如 11-06），或 before_assessment（核验前一天）"),
])
def test_wrong_month_days_are_told_in_chinese(text, year, code, words):
    problem = month_day_problem(text, year)
    assert problem is not None
    assert (problem.code, problem.severity, problem.message, problem.value) == (code, "error", words, text)
    assert code in KINDS
    with pytest.raises(FupinError) as info:
        parse_month_day(text, year or 2020)
    if year is not None:  # the error that stops a command says the same
        assert (info.value.code, info.value.message) == (code, words)


def test_before_assessment_is_a_deadline_but_no_month_day():
    assert deadline_problem(BEFORE_ASSESSMENT) is None
    assert deadline_problem(f" {BEFORE_ASSESSMENT} ", 2021) is None
    assert month_day_problem(BEFORE_ASSESSMENT).code == "month-day-malformed"
    assert deadline_problem("02-30", 2020).code == "date-no-such-day"
    assert deadline_problem("11-06", 2020) is None


@pytest.mark.parametrize(("text", "code"), [
    ("2020-11-20", None), ("2020-2-29", None), ("2020-02-30", "date-no-such-day"), ("2021-02-29", "date-not-leap-year"),
    ("2020-13-40", "date-no-such-month"), ("11月20日", "date-malformed"), ("11-20", "date-malformed"), ("", "date-malformed"),
])
def test_full_dates(text, code):
    problem = date_problem(text)
    assert (problem.code if problem else None) == code
    if code is None:
        assert parse_date(text) == dt.date(*(int(x) for x in text.split("-")))
    else:
        with pytest.raises(FupinError) as info:
            parse_date(text)
        assert info.value.code == code and f"“{text}”" in info.value.message


def _campaign(year: int) -> Campaign:
    return Campaign("n", "d", year, "Asia/Shanghai", dt.date(year, 11, 20))


def test_round_day_reads_with_the_same_reader():
    assert round_day("11-06", _campaign(2020)) == dt.date(2020, 11, 6)
    assert round_day(BEFORE_ASSESSMENT, _campaign(2020)) == dt.date(2020, 11, 19)
    with pytest.raises(FupinError) as info:  # never a bare ValueError out of a deadline
        round_day("02-29", _campaign(2021))
    assert info.value.code == "date-not-leap-year"


def test_no_other_month_day_reader_in_the_package():
    copies = []
    for path in SRC.rglob("*.py"):
        if path.name == "monthday.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\\d\{1,2\}\)-\(\\d\{1,2\}", text) or "_valid_month_day" in text:
            copies.append(str(path.relative_to(SRC)))
    assert copies == []
