"""What a status-like command reads from a workspace: roster, templates, the as-of date and a stream of returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from fupin_cli.count.query import current_stream
from fupin_cli.count.status import DistrictStatus, district_status, town_units, town_villages, whole_returns
from fupin_cli.intake.normalize import normalize_date
from fupin_cli.model.deadlines import end_of_day
from fupin_cli.model.problems import FupinError
from fupin_cli.model.record import Return
from fupin_cli.model.roster import Roster, Unit, require_town
from fupin_cli.model.templates import Template
from fupin_cli.model.workspace import Campaign, Workspace
from fupin_cli.store.archive import Refusal, load_refusals
from fupin_cli.store.review import Review, reviews
from fupin_cli.store.roster_file import load_roster


@dataclass
class Loaded:
    """Everything a status-like command reads from the workspace; `returns` is a one-pass stream."""

    workspace: Workspace
    roster: Roster
    templates: dict[str, Template]
    returns: Iterable[Return]
    as_of: dt.date
    town: Unit | None = None
    refused: tuple[Refusal, ...] = ()  # files refused at ingest that named their unit and round
    reviews: dict[str, Review] = field(default_factory=dict)  # return id → its review (accepted or sent back)
    unreadable: list[str] = field(default_factory=list)  # records the stream could not read, once it has run
    counts_only: bool = False  # the stream brings counted returns (keys and tasks done), not whole records

    @property
    def campaign(self) -> Campaign:
        return self.workspace.campaign

    def damaged(self) -> int:
        """How many stored returns `fupin doctor` would find damaged, as far as a cheap look tells (after the stream)."""
        from fupin_cli.store.doctor import quick_damage

        return quick_damage(self.workspace.root, self.unreadable)


def parse_as_of(text: str | None, campaign: Campaign) -> dt.date:
    """--as-of as a date (2020-11-08, 2020/11/8, 11月8日 …); today in the campaign's time zone when left out."""
    if text is None:
        return dt.datetime.now(campaign.tz).date()
    day, _raw, ok = normalize_date(text, campaign.year)
    if not ok or day is None:
        raise FupinError("as-of-not-a-date", value=text, year=campaign.year)
    return day


def load(workspace: Workspace, as_of: str | None, town: str | None = None, counts_only: bool = False) -> Loaded:
    """Open the workspace and read roster and templates; stream the stored returns (of one town's units).

    `counts_only`: for counts and completion alone (a district table), most returns come without their answers
    beyond the tasks done, so the status must be computed with `problems=False`.
    """
    roster = load_roster(workspace.root)
    found = require_town(roster, town) if town is not None else None
    unit_ids = ({u.unit_id for u in (*town_units(roster, found), *town_villages(roster, found))}
                if found is not None else None)  # the villages too: their presence sheets credit helpers
    unreadable: list[str] = []
    day = parse_as_of(as_of, workspace.campaign)
    reviewed = reviews(workspace.root)
    templates = workspace.templates()
    # Only the returns that count as of the day, picked from the store's index (count/query.py).
    returns = current_stream(workspace.root, unit_ids, end_of_day(day, workspace.campaign), unreadable, reviewed,
                             whole_returns(templates) if counts_only else None)
    return Loaded(workspace, roster, templates, returns,
                  day, found, tuple(load_refusals(workspace.root, unit_ids)),
                  unreadable=unreadable, reviews=reviewed, counts_only=counts_only)


def load_district(workspace: Workspace, as_of: str | None, town: str | None) -> tuple[Loaded, DistrictStatus]:
    """The district's status as of the date, or just one town's when `town` is given."""
    data = load(workspace, as_of, town)
    towns = None if data.town is None else [data.town]
    return data, district_status(data.roster, data.templates, data.campaign, data.returns, data.as_of, towns,
                                 refused=data.refused, reviews=data.reviews)
