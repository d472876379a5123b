"""催报 (reminders): who to chase now, with a ready-to-send Chinese message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from fupin_cli.count.status import DistrictStatus, RoundStatus, TownStatus
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.roster import Unit, usable_phone
from fupin_cli.model.workspace import Campaign

# The texts sent by SMS or chat; {who} is 姓名同志 for a person, the unit (and its head) for an organisation.
REMIND_PENDING = "【催报】{who}：请于{deadline}前报送《{title}》第{round}次落实情况。{office}"
REMIND_RETURNED = ("【催报】{who}：您报送的《{title}》第{round}次已退回，原因：{reason}，请修改后重新报送"
                   "（{deadline}截止）。{office}")
REMIND_MISSING = "【催报】{who}：《{title}》第{round}次落实情况应于{deadline}前报送，至今未收到，请尽快报送。{office}"
# A file sent for the round was refused at ingest: say so, and why, instead of "not received".
REMIND_REFUSED_MISSING = ("【催报】{who}：《{title}》第{round}次落实情况{received}已收到但拒收（{reason}），"
                          "请按原表重新填报，尽快报送。{office}")
REMIND_REFUSED_PENDING = ("【催报】{who}：《{title}》第{round}次落实情况{received}已收到但拒收（{reason}），"
                          "请按原表重新填报，于{deadline}前报送。{office}")
# A village's presence sheet is chased only while some of its helpers have not reported the round themselves.
REMIND_VILLAGE_MISSING = ("【催报】{who}：《{title}》第{round}次应于{deadline}前报送，至今未收到；本村还有 {left} 名"
                          "帮扶责任人未报第{round}次入户情况，请统计到位情况后报镇。{office}")
# Pending rounds are chased when their deadline is at most this many days after the as-of date.
HORIZON_DAYS = 2
ORGANISATIONS = (Role.town, Role.aid_unit, Role.village)


@dataclass(frozen=True)
class Reminder:
    """一条催报: the unit, the round to chase (missing or due soon) and the message to send."""

    unit: Unit
    title: str
    round: RoundStatus
    message: str
    reminded: int = 0
    last_reminded_at: dt.datetime | None = None

    @property
    def status(self) -> Status:
        """missing (overdue) or pending (due soon)."""
        return self.round.status

    def to_dict(self) -> dict:
        """The reminder as a flat record (CSV and JSON)."""
        u = self.unit
        return {
            "status": self.status.value, "role": u.role.value, "unit_id": u.unit_id, "name": u.name,
            "town": u.town, "village": u.village, "phone": u.phone, "head": u.head, "title": self.title,
            "round": self.round.number, "deadline": self.round.day.isoformat(), "message": self.message,
            "reminded": self.reminded,
            "last_reminded_at": self.last_reminded_at.isoformat() if self.last_reminded_at else None,
        }


def office_name(campaign: Campaign) -> str:
    """The sender: the district's 扶贫办 (区扶贫办 when the workspace names no district)."""
    district = campaign.district.strip()
    return f"{district}扶贫办" if district and district not in ("本区", "区") else "区扶贫办"


def addressee(unit: Unit) -> str:
    """XX同志 for a person; the organisation (with its head, if known) for a town or aid unit."""
    if unit.role in ORGANISATIONS:
        return f"{unit.name}{unit.head}同志" if unit.head else unit.name
    return f"{unit.name}同志"


def compute_reminders(district: DistrictStatus, campaign: Campaign, horizon_days: int = HORIZON_DAYS) -> list[Reminder]:
    """Missing rounds and rounds due within `horizon_days` of the as-of date: overdue first, oldest first.

    A round whose file was refused at ingest is chased whatever its deadline: its sender thinks it is done.
    """
    last_day = district.as_of + dt.timedelta(days=horizon_days)
    office = office_name(campaign)
    found: list[tuple[tuple, Reminder]] = []
    for town_rank, town in enumerate(district.towns):
        for unit_rank, us in enumerate(town.units):
            for r in us.rounds:
                due_soon = r.status is Status.pending and (r.day <= last_day or r.refused is not None)
                # a round sent back is chased at once, whatever its deadline: its sender thinks it is done
                if r.status not in (Status.missing, Status.returned) and not due_soon:
                    continue
                message = _message(r, us.unit, us.template.title, office)
                key = (r.status not in (Status.missing, Status.returned), r.day, town_rank, unit_rank, r.number)
                # Never offer a number Excel turned into 1.35778E+10: no number rather than a wrong one.
                unit = us.unit if usable_phone(us.unit.phone) == us.unit.phone else replace(us.unit, phone="")
                found.append((key, Reminder(unit, us.template.title, r, message)))
        found += _village_reminders(town, town_rank, len(town.units), office)
    found.sort(key=lambda kv: kv[0])
    return [rem for _, rem in found]


def _village_reminders(town: TownStatus, town_rank: int, offset: int, office: str) -> list[tuple[tuple, Reminder]]:
    """A village's overdue presence sheet, while some of its helpers still have not reported that round.

    Only in a town that uses the table (one of its villages has sent a presence sheet). Villages have no
    phone in the roster: the message is for the village's group (remind --group village).
    """
    found: list[tuple[tuple, Reminder]] = []
    if not any(r.return_id for v in town.villages if v.sheet is not None for r in v.sheet.rounds):
        return found
    for rank, v in enumerate(town.villages):
        if v.sheet is None:
            continue
        for r, reported in zip(v.sheet.rounds, v.reported, strict=False):
            if r.status is not Status.missing or reported >= v.helpers:
                continue
            message = REMIND_VILLAGE_MISSING.format(who=addressee(v.sheet.unit), title=v.sheet.template.title,
                                                    round=r.number, deadline=month_day(r.day),
                                                    left=v.helpers - reported, office=office)
            found.append(((False, r.day, town_rank, offset + rank, r.number),
                          Reminder(v.sheet.unit, v.sheet.template.title, r, message)))
    return found


def _message(r: RoundStatus, unit: Unit, title: str, office: str) -> str:
    """The text to send for one round: not received, due soon, or received and refused (and why)."""
    missing = r.status is Status.missing
    fields = {"who": addressee(unit), "deadline": month_day(r.day), "title": title, "round": r.number,
              "office": office}
    if r.status is Status.returned:
        return REMIND_RETURNED.format(**fields, reason=r.reason)
    if r.refused is None:
        return (REMIND_MISSING if missing else REMIND_PENDING).format(**fields)
    when = r.refused.received_at.astimezone(r.deadline.tzinfo)
    return (REMIND_REFUSED_MISSING if missing else REMIND_REFUSED_PENDING).format(
        **fields, received=f"{month_day(when.date())} {when:%H:%M}", reason=r.refused.reason)


def mark_reminded(reminders: list[Reminder], history: Mapping[tuple[str, int], object]) -> list[Reminder]:
    """The reminders with how often each (unit, round) was chased through a group robot, and when last."""
    found = []
    for r in reminders:
        seen = history.get((r.unit.unit_id, r.round.number))
        found.append(r if seen is None else replace(r, reminded=seen.count,  # type: ignore[attr-defined]
                                                    last_reminded_at=seen.last_at))  # type: ignore[attr-defined]
    return found
