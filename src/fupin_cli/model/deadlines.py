"""截止时间 (deadlines): each template's rounds turned into moments in the campaign's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fupin_cli.model.monthday import BEFORE_ASSESSMENT, parse_month_day
from fupin_cli.model.templates import Template
from fupin_cli.model.workspace import Campaign


@dataclass(frozen=True)
class Round:
    """报送批次 (round): its number, the last day and the deadline (the end of that day, campaign time)."""

    number: int
    day: dt.date
    deadline: dt.datetime
    label: str = ""


def end_of_day(day: dt.date, campaign: Campaign) -> dt.datetime:
    """The last moment of `day` in the campaign's time zone (a deadline is the end of its day)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=campaign.tz) - dt.timedelta(microseconds=1)


def round_day(spec: str, campaign: Campaign) -> dt.date:
    """A template's month-day (or `before_assessment`) as a date of the campaign year; FupinError if none."""
    if spec == BEFORE_ASSESSMENT:
        return campaign.assessment_start - dt.timedelta(days=1)
    return parse_month_day(spec, campaign.year)


def rounds_for(template: Template, campaign: Campaign) -> list[Round]:
    """The template's rounds with the campaign's year and overrides applied."""
    override = campaign.deadlines.get(template.id)
    specs = list(override) if override else [r.deadline for r in template.rounds]
    labels = {r.round: r.label for r in template.rounds}
    rounds = []
    for number, spec in enumerate(specs, start=1):
        day = round_day(spec, campaign)
        rounds.append(Round(number, day, end_of_day(day, campaign), labels.get(number, "")))
    return rounds


def infer_round(rounds: list[Round], received_at: dt.datetime) -> int:
    """The earliest round whose deadline is not before `received_at`; after the last deadline, the last round."""
    for r in rounds:
        if received_at <= r.deadline:
            return r.number
    return rounds[-1].number if rounds else 1


def month_day(day: dt.date) -> str:
    """A date as people write a deadline: 11月6日."""
    return f"{day.month}月{day.day}日"
