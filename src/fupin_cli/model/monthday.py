"""月-日 (month-day): the one reader of the dates written in templates and fupin.yaml (11-06, 2020-11-20)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from fupin_cli.model.problems import FupinError, Problem, make_problem

# The helper's second visit is due the day before the verification starts (a campaign setting).
BEFORE_ASSESSMENT = "before_assessment"
# A leap year: without a campaign year, 02-29 is a day that some year has.
ANY_YEAR = 2000
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def month_day_problem(text: str, year: int | None = None) -> Problem | None:
    """Why `text` is not a month-day (11-06) of `year` (of some year when None); None when it is one."""
    match = _MONTH_DAY.fullmatch(text.strip())
    if match is None:
        return make_problem("month-day-malformed", value=text)
    return _day_problem(text, year, int(match.group(1)), int(match.group(2)))


def deadline_problem(text: str, year: int | None = None) -> Problem | None:
    """Why a written deadline is neither a month-day of `year` nor before_assessment; None when it is one."""
    return None if text.strip() == BEFORE_ASSESSMENT else month_day_problem(text, year)


def date_problem(text: str) -> Problem | None:
    """Why `text` is not a full date (2020-11-20); None when it is one."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return make_problem("date-malformed", value=text)
    return _day_problem(text, int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _day_problem(text: str, year: int | None, month: int, day: int) -> Problem | None:
    """Why month and day are no day of `year` (of some year when None); None when they are one."""
    if not 1 <= month <= 12:
        return make_problem("date-no-such-month", value=text, month=month)
    days = calendar.monthrange(year or ANY_YEAR, month)[1]
    if 1 <= day <= days:
        return None
    if year is not None and month == 2 and day == 29:
        return make_problem("date-not-leap-year", value=text, year=year)
    return make_problem("date-no-such-day", value=text, month=month, days=days)


def _stop(problem: Problem) -> FupinError:
    """The problem as the error that stops a command."""
    return FupinError(problem.code, value=problem.value, **problem.args)


def parse_month_day(text: str, year: int = ANY_YEAR) -> dt.date:
    """A month-day (11-06) as a date of `year`; FupinError when it is no day of that year."""
    problem = month_day_problem(text, year)
    if problem is not None:
        raise _stop(problem)
    month, day = (int(x) for x in text.strip().split("-"))
    return dt.date(year, month, day)


def parse_date(text: str) -> dt.date:
    """A full date (2020-11-20); FupinError when it is no real day."""
    problem = date_problem(text)
    if problem is not None:
        raise _stop(problem)
    year, month, day = (int(x) for x in text.strip().split("-"))
    return dt.date(year, month, day)
