"""前后对比 (diff): what changed between two dates — units newly reported, tasks that moved 否→是 and 是→否."""

from __future__ import annotations

from dataclasses import dataclass

from fupin_cli.count.status import DistrictStatus, UnitStatus
from fupin_cli.model.glossary import Status

REPORTED = (Status.on_time, Status.late)


@dataclass(frozen=True)
class Change:
    """One task of one unit whose latest answer moved between the two dates."""

    unit: UnitStatus
    task_id: str
    number: int
    before: bool | None
    after: bool | None
    return_from: str
    return_to: str

    def to_dict(self) -> dict:
        """The change as JSON (`progress[]` / `regressions[]`)."""
        u = self.unit.unit
        return {"role": u.role.value, "unit_id": u.unit_id, "name": u.name, "town": u.town, "village": u.village,
                "template_id": self.unit.template.id, "task_id": self.task_id, "number": self.number,
                "from": _answer(self.before), "to": _answer(self.after),
                "return_from": self.return_from or None, "return_to": self.return_to or None}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _answer(done: bool | None) -> str:
    return "是" if done is True else ("否" if done is False else "")


@dataclass(frozen=True)
class Reported:
    """A unit × round that was not reported at the first date and is at the second (or still is not)."""

    unit: UnitStatus
    round: int
    before: Status
    after: Status

    def to_dict(self) -> dict:
        """The round as JSON (`newly_reported[]` / `still_missing[]`)."""
        u = self.unit.unit
        return {"role": u.role.value, "unit_id": u.unit_id, "name": u.name, "town": u.town, "village": u.village,
                "template_id": self.unit.template.id, "round": self.round, "from": self.before.value,
                "to": self.after.value}


@dataclass(frozen=True)
class Diff:
    """`fupin diff`: both states and what moved between them."""

    start: DistrictStatus
    end: DistrictStatus
    town: str | None
    newly_reported: tuple[Reported, ...]
    still_missing: tuple[Reported, ...]
    progress: tuple[Change, ...]
    regressions: tuple[Change, ...]

    def towns(self) -> list[dict]:
        """Per town: report rate and task completion rate at both dates."""
        found = []
        for a, b in zip(self.start.towns, self.end.towns, strict=True):
            found.append({"town": a.town.name, "rate_from": _round(a.counts.rate), "rate_to": _round(b.counts.rate),
                          "task_rate_from": _round(a.task_rate), "task_rate_to": _round(b.task_rate)})
        return found

    def to_dict(self) -> dict:
        """The diff as `fupin diff --format json`."""
        return {"from": self.start.as_of.isoformat(), "to": self.end.as_of.isoformat(), "town": self.town,
                "towns": self.towns(), "newly_reported": [r.to_dict() for r in self.newly_reported],
                "still_missing": [r.to_dict() for r in self.still_missing],
                "progress": [c.to_dict() for c in self.progress],
                "regressions": [c.to_dict() for c in self.regressions]}


def _units(district: DistrictStatus) -> dict[tuple[str, str], UnitStatus]:
    return {(us.template.id, us.unit.unit_id): us for t in district.towns for us in t.units}


def _changes(before: UnitStatus, after: UnitStatus) -> tuple[list[Change], list[Change]]:
    """The unit's tasks whose latest answer went to 是 (progress) or away from 是 (regression)."""
    old = {a.task_id: a.done for a in before.latest.answers} if before.latest else {}
    new = {a.task_id: a.done for a in after.latest.answers} if after.latest else {}
    up, down = [], []
    for task in after.template.tasks:
        was, now = old.get(task.id), new.get(task.id)
        if (was is True) == (now is True) or after.latest is None:
            continue
        change = Change(after, task.id, task.number, was, now, before.latest.return_id if before.latest else "",
                        after.latest.return_id)
        (up if now is True else down).append(change)
    return up, down


def compare(start: DistrictStatus, end: DistrictStatus, town: str | None = None) -> Diff:
    """What changed from `start` to `end` (two statuses of the same towns at two dates)."""
    if end.as_of < start.as_of:
        start, end = end, start
    before = _units(start)
    newly, still, up, down = [], [], [], []
    for key, after in _units(end).items():
        earlier = before.get(key)
        if earlier is None:
            continue
        for r0, r1 in zip(earlier.rounds, after.rounds, strict=True):
            if r0.status not in REPORTED and r1.status in REPORTED:
                newly.append(Reported(after, r1.number, r0.status, r1.status))
            elif r1.status in (Status.missing, Status.returned):
                still.append(Reported(after, r1.number, r0.status, r1.status))
        gained, lost = _changes(earlier, after)
        up += gained
        down += lost
    return Diff(start, end, town, tuple(newly), tuple(still), tuple(up), tuple(down))

