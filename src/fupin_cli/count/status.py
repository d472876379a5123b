"""报送情况 (status): each unit × round as of a date, task completion and the problems, per town and district."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from fupin_cli.model.deadlines import Round, end_of_day, month_day, rounds_for
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.presence import column_answers, visit_task
from fupin_cli.model.problems import Problem, make_problem, message_for
from fupin_cli.model.record import Answer, Return
from fupin_cli.model.roles import REPORTING_ROLES
from fupin_cli.model.roster import Roster, Unit, require_town
from fupin_cli.model.templates import Template, checklists_for
from fupin_cli.model.workspace import Campaign
from fupin_cli.store.archive import Refusal
from fupin_cli.store.review import REJECTED, Review

# Ingest's own date-after-deadline warning says what done_late says; status keeps only done_late.
_REDUNDANT_FINDINGS = frozenset({"date-after-deadline"})


@dataclass(frozen=True)
class RoundStatus:
    """一个报送批次的状态: the round, its deadline, the status as of the date and the return counted."""

    number: int
    day: dt.date
    deadline: dt.datetime
    status: Status
    received_at: dt.datetime | None = None
    return_id: str = ""
    refused: Refusal | None = None  # a file sent for this round and refused at ingest (no return counts yet)
    review: str | None = None  # "accepted" or "rejected": the review of the return counted (or sent back)
    reason: str = ""  # why it was sent back (or the reviewer's note)
    source: str | None = None  # a helper's round: "self" (its own return) or "village" (its village's count)

    def to_dict(self) -> dict:
        """The round as in `status --format json` (with `refused` when a file for it was refused)."""
        data = {
            "round": self.number,
            "deadline": self.day.isoformat(),
            "status": self.status.value,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "return_id": self.return_id or None,
            "review": self.review,
            "reason": self.reason or None,
        }
        if self.refused is not None:
            data["refused"] = {"received_at": self.refused.received_at.isoformat(), "file": self.refused.source_name,
                               "reason": self.refused.reason}
        return data


@dataclass(frozen=True)
class UnitStatus:
    """一个填报对象的报送情况: its rounds and the returns that count as of the date."""

    unit: Unit
    template: Template
    rounds: tuple[RoundStatus, ...]
    current: tuple[Return, ...] = ()
    latest: Return | None = None

    @property
    def role(self) -> Role:
        """The unit's role."""
        return self.unit.role

    @property
    def checklist(self) -> str:
        """The title of the checklist when it is not the role's own (a second checklist of the role), else ""."""
        return "" if self.template.id == self.unit.role.value else self.template.title

    def to_dict(self) -> dict:
        """The unit as in `status --format json`."""
        return {
            "role": self.unit.role.value,
            "template_id": self.template.id,
            "unit_id": self.unit.unit_id,
            "name": self.unit.name,
            "town": self.unit.town,
            "village": self.unit.village,
            "phone": self.unit.phone,
            "rounds": [{**r.to_dict(), "source": r.source} if self.unit.role is Role.helper else r.to_dict()
                       for r in self.rounds],
        }


@dataclass(frozen=True)
class Counts:
    """应报/按时/逾期/未报/未到期 counts, as DHIS2 reports them."""

    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    returned: int = 0  # 已退回: sent back with a reason, not reported until a newer return arrives
    accepted: int = 0  # 已审核: rounds whose counted return was accepted (a subset of on_time + late)

    @property
    def due(self) -> int:
        """应报: rounds whose deadline has passed or that were reported (on_time + late + missing + returned)."""
        return self.on_time + self.late + self.missing + self.returned

    @property
    def submitted(self) -> int:
        """已报: on time or late."""
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """报送率: submitted / due, None when nothing is due."""
        return self.submitted / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        """按时报送率: on_time / due, None when nothing is due."""
        return self.on_time / self.due if self.due else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.on_time + other.on_time, self.late + other.late, self.missing + other.missing,
                      self.pending + other.pending, self.returned + other.returned, self.accepted + other.accepted)

    def to_dict(self) -> dict:
        """The counts as the `summary` of `status --format json`."""
        return {
            "due": self.due, "on_time": self.on_time, "late": self.late, "missing": self.missing,
            "pending": self.pending, "returned": self.returned, "accepted": self.accepted,
            "submitted": self.submitted,
            "rate": _round(self.rate), "on_time_rate": _round(self.on_time_rate),
        }


def count_rounds(rounds: Iterable[RoundStatus]) -> Counts:
    """Count the statuses of unit × rounds."""
    tally = {s: 0 for s in Status}
    accepted = 0
    for r in rounds:
        tally[r.status] += 1
        accepted += r.review == "accepted"
    return Counts(tally[Status.on_time], tally[Status.late], tally[Status.missing], tally[Status.pending],
                  tally[Status.returned], accepted)


@dataclass(frozen=True)
class TaskCompletion:
    """一项任务的完成情况: done / total over a role's units (each unit's latest return as of the date)."""

    role: Role
    task_id: str
    number: int
    text: str
    done: int
    total: int
    answer: Answer | None = None  # the town's own latest answer (role town only)
    template_id: str = ""
    checklist: str = ""  # the checklist's title when it is not the role's own, as UnitStatus.checklist

    @property
    def rate(self) -> float | None:
        """完成率, None when the role has no units here."""
        return self.done / self.total if self.total else None

    def to_dict(self) -> dict:
        """The task as in `status --format json`."""
        data = {"role": self.role.value, "template_id": self.template_id, "task_id": self.task_id,
                "number": self.number, "done": self.done,
                "total": self.total, "rate": _round(self.rate)}
        if self.role is Role.town:
            data["answer"] = None if self.answer is None else self.answer.done
            data["done_on"] = self.answer.done_on.isoformat() if self.answer and self.answer.done_on else None
        return data


@dataclass(frozen=True)
class VillageCoverage:
    """帮扶责任人到位情况 of one village: helpers reported per round (到位 n/m), how many of them only by the
    village's own count (村统计 k), and the village's presence sheet as a reporter of its own."""

    village: str
    helpers: int
    reported: tuple[int, ...]
    rounds: tuple[RoundStatus, ...]  # deadlines and whether due, one per round (status of the village as a whole)
    from_village: tuple[int, ...] = ()  # per round: helpers reported by the village's presence sheet
    sheet: UnitStatus | None = None  # the village's presence sheet, round by round (None: no village unit)

    def to_dict(self) -> dict:
        """The village as in `status --town X --format json`."""
        counted = self.from_village or (0,) * len(self.rounds)
        sheets = self.sheet.rounds if self.sheet is not None else (None,) * len(self.rounds)
        return {
            "village": self.village, "village_id": self.sheet.unit.unit_id if self.sheet else None,
            "helpers": self.helpers,
            "rounds": [{"round": r.number, "deadline": r.day.isoformat(), "reported": n, "from_village": k,
                        "sheet": None if s is None else {"status": s.status.value,
                                                         "received_at": s.received_at.isoformat()
                                                         if s.received_at else None,
                                                         "return_id": s.return_id or None}}
                       for r, n, k, s in zip(self.rounds, self.reported, counted, sheets, strict=True)],
        }


@dataclass(frozen=True)
class TownStatus:
    """一个镇的报送汇总 (rollup): units, task completion, helpers per village and problems."""

    town: Unit
    as_of: dt.date
    units: tuple[UnitStatus, ...]
    tasks: tuple[TaskCompletion, ...]
    villages: tuple[VillageCoverage, ...]
    problems: tuple[Problem, ...]
    counts: Counts

    @property
    def task_done(self) -> int:
        """Tasks done, summed over every role's units."""
        return sum(t.done for t in self.tasks)

    @property
    def task_total(self) -> int:
        """Tasks to do, summed over every role's units."""
        return sum(t.total for t in self.tasks)

    @property
    def task_rate(self) -> float | None:
        """任务完成率 over all tasks of all units of the town."""
        return self.task_done / self.task_total if self.task_total else None

    def to_dict(self) -> dict:
        """The town as `status --town X --format json` (field names stable: scripts and CI read them)."""
        return {
            "as_of": self.as_of.isoformat(),
            "town": self.town.name,
            "town_id": self.town.unit_id,
            "summary": {**self.counts.to_dict(), "task_done": self.task_done, "task_total": self.task_total,
                        "task_rate": _round(self.task_rate)},
            "units": [u.to_dict() for u in self.units],
            "villages": [v.to_dict() for v in self.villages],
            "tasks": [t.to_dict() for t in self.tasks],
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class DistrictStatus:
    """全区汇总: every town's status and the district totals."""

    as_of: dt.date
    towns: tuple[TownStatus, ...]
    counts: Counts = field(default_factory=Counts)

    @property
    def task_done(self) -> int:
        """Tasks done over the district."""
        return sum(t.task_done for t in self.towns)

    @property
    def task_total(self) -> int:
        """Tasks to do over the district."""
        return sum(t.task_total for t in self.towns)

    @property
    def task_rate(self) -> float | None:
        """任务完成率 over the district."""
        return self.task_done / self.task_total if self.task_total else None

    @property
    def problems(self) -> list[Problem]:
        """Every town's problems, town by town."""
        return [p for t in self.towns for p in t.problems]

    def to_dict(self) -> dict:
        """The district as `status --format json`: the town's shape over all towns plus one summary per town."""
        tasks: dict[tuple[str, str], dict] = {}
        for town in self.towns:
            for t in town.tasks:
                entry = tasks.setdefault((t.template_id, t.task_id), {
                    "role": t.role.value, "template_id": t.template_id, "task_id": t.task_id, "number": t.number,
                    "done": 0, "total": 0})
                entry["done"] += t.done
                entry["total"] += t.total
        for entry in tasks.values():
            entry["rate"] = _round(entry["done"] / entry["total"]) if entry["total"] else None
        return {
            "as_of": self.as_of.isoformat(),
            "town": None,
            "summary": {**self.counts.to_dict(), "task_done": self.task_done, "task_total": self.task_total,
                        "task_rate": _round(self.task_rate)},
            "towns": [
                {"town": t.town.name, "town_id": t.town.unit_id, **t.counts.to_dict(), "task_done": t.task_done,
                 "task_total": t.task_total, "task_rate": _round(t.task_rate)}
                for t in self.towns
            ],
            "units": [u.to_dict() for t in self.towns for u in t.units],
            "tasks": list(tasks.values()),
            "problems": [p.to_dict() for p in self.problems],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


Plan = dict[Role, list[tuple[Template, list[Round]]]]


def role_rounds(templates: dict[str, Template], campaign: Campaign) -> Plan:
    """Each reporting role's checklists (its main one first) and their rounds; roles without one are left out."""
    found: Plan = {}
    for role in REPORTING_ROLES:
        mine = [(t, rounds_for(t, campaign)) for t in checklists_for(templates, role)]
        if mine:
            found[role] = mine
    return found


def town_villages(roster: Roster, town: Unit) -> list[Unit]:
    """The villages of a town, in roster order: each may send its presence sheet (帮扶责任人到位情况统计表)."""
    return roster.in_town(Role.village, town.name)


def town_units(roster: Roster, town: Unit) -> list[Unit]:
    """Who reports in a town: the town, its leaders, its aid units, its villages' cadres and helpers."""
    name = town.name
    order = {v.name: i for i, v in enumerate(roster.in_town(Role.village, name))}
    last = len(order)

    def by_village(role: Role) -> list[Unit]:
        return sorted(roster.in_town(role, name), key=lambda u: order.get(u.village, last))  # stable

    return [town, *roster.in_town(Role.leader, name), *roster.in_town(Role.aid_unit, name),
            *by_village(Role.cadre), *by_village(Role.helper)]


class CurrentReturns(dict):
    """(role, unit, round) → the latest return received by the cutoff; `first` holds when the round was first reported."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[tuple[str, str, int], dt.datetime] = {}


def current_returns(returns: Iterable[Return], cutoff: dt.datetime,
                    reviews: Mapping[str, Review] | None = None) -> CurrentReturns:
    """For each (checklist, unit, round), the latest return received by `cutoff` (supersede recomputed as of then).

    A correction sent after the deadline replaces the answers, but the round still counts as reported when
    its first return arrived (on time if a return for the round was received by its deadline). A return sent
    back (rejected by the cutoff) resets that: a newer one is judged by its own received time.
    """
    best = CurrentReturns()
    if reviews:
        returns = list(returns)
        barrier = rejected_before(returns, reviews, cutoff)
    else:
        barrier = {}
    for r in returns:
        if r.received_at > cutoff:
            continue
        key = (r.template_id, r.unit_id, r.round)
        old = best.get(key)
        if old is None or _newer(r, old):
            best[key] = r
        if key in barrier and r.received_at <= barrier[key]:
            continue  # sent back, or before one sent back: the round is reported anew from the next return
        first = best.first.get(key)
        if first is None or r.received_at < first:
            best.first[key] = r.received_at
    return best


def review_as_of(reviews: Mapping[str, Review] | None, return_id: str, cutoff: dt.datetime) -> Review | None:
    """The review of a return as it stood at the cutoff (a review made later does not count yet)."""
    found = reviews.get(return_id) if reviews else None
    return found if found is not None and found.at <= cutoff else None


def rejected_before(returns: list[Return], reviews: Mapping[str, Review], cutoff: dt.datetime) -> dict[tuple, dt.datetime]:
    """(checklist, unit, round) → the received time of its latest return sent back by the cutoff."""
    found: dict[tuple, dt.datetime] = {}
    for r in returns:
        review = review_as_of(reviews, r.return_id, cutoff)
        if review is None or review.state != REJECTED or r.received_at > cutoff:
            continue
        key = (r.template_id, r.unit_id, r.round)
        if key not in found or r.received_at > found[key]:
            found[key] = r.received_at
    return found


def _newer(a: Return, b: Return) -> bool:
    """A is the later return (received time, then ingest time, then id for a stable tie-break)."""
    far = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return (a.received_at, a.ingested_at or far, a.return_id) > (b.received_at, b.ingested_at or far, b.return_id)


def unit_status(unit: Unit, template: Template, rounds: list[Round],
                current: dict[tuple[str, str, int], Return], cutoff: dt.datetime,
                reviews: Mapping[str, Review] | None = None) -> UnitStatus:
    """One unit's rounds as of the cutoff: on time, late, missing, pending, or returned (sent back)."""
    statuses = []
    returned = []
    first_of = getattr(current, "first", None) or {}
    tid, uid = template.id, unit.unit_id
    for rnd in rounds:
        key = (tid, uid, rnd.number)
        ret = current.get(key)
        if ret is None:
            status = Status.missing if rnd.deadline < cutoff else Status.pending
            statuses.append(RoundStatus(rnd.number, rnd.day, rnd.deadline, status))
            continue
        review = review_as_of(reviews, ret.return_id, cutoff) if reviews else None
        if review is not None and review.state == REJECTED:
            statuses.append(RoundStatus(rnd.number, rnd.day, rnd.deadline, Status.returned, ret.received_at,
                                        ret.return_id, review=REJECTED, reason=review.reason))
            continue
        first = first_of.get(key, ret.received_at)
        status = Status.on_time if first <= rnd.deadline else Status.late
        statuses.append(RoundStatus(rnd.number, rnd.day, rnd.deadline, status, first, ret.return_id,
                                    review=review.state if review else None,
                                    reason=review.reason if review else ""))
        returned.append(ret)
    latest = None
    for ret in returned:
        if latest is None or _newer(ret, latest):
            latest = ret
    return UnitStatus(unit, template, tuple(statuses), tuple(returned), latest)


def unit_problems(us: UnitStatus, cutoff: dt.datetime) -> list[Problem]:
    """The problems of one unit: missing and late rounds, tasks open after the last deadline, done late, warnings."""
    unit, tid = us.unit, us.template.id
    found: list[Problem] = []
    for r in us.rounds:
        if r.status is Status.missing:
            found.append(_missing(r).about(unit, r.number, r.day, template_id=tid))
        elif r.status is Status.returned:
            code = "round-returned" if r.deadline < cutoff else "round-returned-open"
            found.append(make_problem(code, round=r.number, deadline=month_day(r.day), reason=r.reason)
                         .about(unit, r.number, r.day, template_id=tid))
        elif r.status is Status.late and r.received_at is not None:
            received = r.received_at.astimezone(r.deadline.tzinfo)
            found.append(make_problem("round-late", round=r.number, deadline=month_day(r.day),
                                      received=f"{month_day(received.date())} {received:%H:%M}")
                         .about(unit, r.number, r.day, template_id=tid))
    tasks = {t.id: t for t in us.template.tasks}
    last = us.rounds[-1] if us.rounds else None
    if us.latest is not None and last is not None and last.deadline < cutoff:
        answers = {a.task_id: a for a in us.latest.answers}
        for task in us.template.tasks:
            answer = answers.get(task.id)
            if answer is None or answer.done is not True:
                found.append(make_problem("task-open", number=task.number, deadline=month_day(last.day))
                             .about(unit, last.number, last.day, task.id, template_id=tid))
    by_round = {r.number: r for r in us.rounds}
    for ret in us.current:
        rnd = by_round[ret.round]
        for answer in ret.answers:
            if answer.done_on is not None and answer.done_on > rnd.day and answer.task_id in tasks:
                found.append(make_problem("task-done-late", number=tasks[answer.task_id].number,
                                          value=month_day(answer.done_on), round=rnd.number,
                                          deadline=month_day(rnd.day))
                             .about(unit, rnd.number, rnd.day, answer.task_id, template_id=tid))
        for f in ret.findings:
            if f.code in _REDUNDANT_FINDINGS:
                continue
            # A warning on a task row names the task, not only the row of the file it came from.
            task_id = next((a.task_id for a in ret.answers if f.row is not None and a.row == f.row), None)
            number = next((t.number for t in us.template.tasks if t.id == task_id), None)
            if number is not None:
                where = f"第 {number} 项任务（第 {f.row} 行）："
            else:
                where = f"第 {f.row} 行：" if f.row is not None else ""
            found.append(f.about(unit, rnd.number, rnd.day, task_id or "", f"{where}{f.message}", template_id=tid))
    found.extend(p.about(unit, p.round, by_round[p.round].day, p.task_id, template_id=tid) for p in regressions(us))
    return found


def regressions(us: UnitStatus) -> list[Problem]:
    """Tasks the unit reported 是 in an earlier round and 否 (or blank) in its latest return: `regressed`."""
    if us.latest is None:
        return []
    latest = {a.task_id: a for a in us.latest.answers}
    numbers = {t.id: t.number for t in us.template.tasks}
    found = []
    for earlier in sorted((r for r in us.current if r.round < us.latest.round), key=lambda r: -r.round):
        for answer in earlier.answers:
            now = latest.get(answer.task_id)
            if answer.done is True and (now is None or now.done is not True) and answer.task_id in numbers \
                    and all(p.task_id != answer.task_id for p in found):
                found.append(make_problem("task-regressed", number=numbers[answer.task_id], earlier=earlier.round,
                                          round=us.latest.round, value=now.raw_done if now and now.raw_done else "空白")
                             .about_round(us.latest.round, answer.task_id))
    return found


def _missing(r: RoundStatus) -> Problem:
    """A missing round; when a file for it came and was refused, the message says so and why (args `refused`)."""
    problem = make_problem("round-missing", round=r.number, deadline=month_day(r.day))
    if r.refused is None:
        return problem
    when = r.refused.received_at.astimezone(r.deadline.tzinfo)
    refused = message_for("round-refused", received=f"{month_day(when.date())} {when:%H:%M}", reason=r.refused.reason)
    return replace(problem, message=f"{problem.message}：{refused}", args={**problem.args, "refused": refused})


RefusedRounds = dict[tuple[str, str, int], Refusal]


def refused_rounds(refused: Iterable[Refusal], cutoff: dt.datetime) -> RefusedRounds:
    """(checklist, unit, round) → the latest file refused for it by the cutoff."""
    found: RefusedRounds = {}
    for refusal in refused:
        key = (refusal.template_id, refusal.unit_id, refusal.round)
        if refusal.received_at <= cutoff and (key not in found or refusal.received_at >= found[key].received_at):
            found[key] = refusal
    return found


def _mark_refused(us: UnitStatus, refused: RefusedRounds) -> UnitStatus:
    """The unit's rounds that no return counts for yet, each with the file refused for it (if any)."""
    if not refused:
        return us
    tid, uid = us.template.id, us.unit.unit_id
    if not any((tid, uid, r.number) in refused for r in us.rounds if r.status in (Status.missing, Status.pending)):
        return us
    rounds = tuple(
        replace(r, refused=refused.get((tid, uid, r.number)))
        if r.status in (Status.missing, Status.pending) else r for r in us.rounds)
    return replace(us, rounds=rounds)


def sort_problems(problems: Iterable[Problem], unit_order: dict[str, int]) -> list[Problem]:
    """Most urgent first (the table's rank: missing, late, tasks open, done late, warnings), oldest deadline first."""
    far = dt.date.max
    return sorted(problems, key=lambda p: (p.rank, p.deadline or far, unit_order.get(p.unit_id, 0), p.round or 0,
                                           p.task_id))


def town_status(roster: Roster, templates: dict[str, Template], campaign: Campaign, returns: Iterable[Return],
                as_of: dt.date, town: Unit, *, refused: Iterable[Refusal] = (),
                reviews: Mapping[str, Review] | None = None, _prepared: tuple | None = None,
                _refused: RefusedRounds | None = None, problems: bool = True) -> TownStatus:
    """The status of one town as of the end of day `as_of` in the campaign's time zone.

    `refused` are the files refused at ingest that named their unit and round: a round still without a
    return says a file came for it and why it was refused. `reviews` (return id → its review) send rejected
    returns back: their rounds are `returned` until a newer return comes. With `problems` False only the
    counts, completion and coverage are worked out (the returns may then be counted ones, see count/query.py).
    """
    cutoff = end_of_day(as_of, campaign)
    plan, current = _prepared or (role_rounds(templates, campaign), current_returns(returns, cutoff, reviews))
    refusals = _refused if _refused is not None else refused_rounds(refused, cutoff)
    units: list[UnitStatus] = []
    for unit in town_units(roster, town):
        for template, rounds in plan.get(unit.role, ()):
            units.append(_mark_refused(unit_status(unit, template, rounds, current, cutoff, reviews), refusals))
    sheets = village_sheets(roster, town, plan, current, cutoff, reviews, refusals)
    units, mismatches = credit_helpers(units, sheets, plan, current, cutoff, problems)
    found: list[Problem] = []
    if problems:
        found.extend(mismatches)
        for us in units:
            found.extend(unit_problems(us, cutoff))
        for sheet in sheets.values():
            found.extend(sheet_problems(sheet, cutoff))
    order = {us.unit.unit_id: i for i, us in enumerate(units)}
    return TownStatus(
        town=town, as_of=as_of, units=tuple(units), tasks=tuple(task_completion(units, plan)),
        villages=tuple(helper_coverage(roster, town, units, plan, cutoff, sheets)),
        problems=tuple(sort_problems(found, order)), counts=count_rounds(r for us in units for r in us.rounds),
    )


def presence_plan(plan: Plan) -> tuple[Template, list[Round]] | None:
    """The village's presence table and its rounds, when the templates have one (rows: helpers)."""
    return next(((t, rounds) for t, rounds in plan.get(Role.village, ()) if t.from_roster), None)


def village_sheets(roster: Roster, town: Unit, plan: Plan, current: dict[tuple[str, str, int], Return],
                   cutoff: dt.datetime, reviews: Mapping[str, Review] | None,
                   refusals: RefusedRounds) -> dict[str, UnitStatus]:
    """Village name → its presence sheet's rounds (on time, late, missing …) as of the cutoff."""
    found = presence_plan(plan)
    if found is None or Role.helper not in plan:
        return {}
    template, rounds = found
    return {v.name: _mark_refused(unit_status(v, template, rounds, current, cutoff, reviews), refusals)
            for v in town_villages(roster, town)}


def sheet_problems(sheet: UnitStatus, cutoff: dt.datetime) -> list[Problem]:
    """A village sheet's own problems: the warnings of its stored returns (unknown or repeated helper rows …).

    Its missing or late rounds are shown in the village's 到位 row, not as problems: a helper's own return
    is what the checklist asks for, the village's count only fills in for it.
    """
    return [p for p in unit_problems(sheet, cutoff) if not p.code.startswith("round-")]


def _village_answer(sheet: UnitStatus | None, number: int, current: dict[tuple[str, str, int], Return],
                    cutoff: dt.datetime) -> Return | None:
    """The village sheet whose column of round `number` counts: the sheet of that round, else (when the round
    has none) the latest sheet of another round; a sheet sent back counts for nothing."""
    if sheet is None:
        return None
    own = [r for r in sheet.rounds if r.number == number and r.return_id]
    others = sorted((r for r in sheet.rounds if r.number != number and r.return_id),
                    key=lambda r: r.received_at or cutoff, reverse=True)
    for r in own or others:  # a sheet of the round itself (even one sent back) leaves no room for another's
        if r.status in (Status.on_time, Status.late):
            ret = current.get((sheet.template.id, sheet.unit.unit_id, r.number))
            if ret is not None and ret.return_id == r.return_id:
                return ret
        if own:
            break
    return None


def credit_helpers(units: list[UnitStatus], sheets: dict[str, UnitStatus], plan: Plan,
                   current: dict[tuple[str, str, int], Return], cutoff: dt.datetime,
                   mismatches_too: bool = True) -> tuple[list[UnitStatus], list[Problem]]:
    """Helpers' rounds with their source: `self` (own return), else `village` when the village's sheet says
    到位 是 (on time when that sheet came by the round's deadline); and (unless told not to) `presence-mismatch`
    wherever the village's 是/否 contradicts the helper's own return (否 though it came, 是 though its 入户 task
    says 否)."""
    if Role.helper not in plan:
        return units, []
    main = plan[Role.helper][0][0]
    visit = visit_task(main)
    found: list[UnitStatus] = []
    mismatches: list[Problem] = []
    columns: dict[tuple[str, int], tuple[Return | None, dict[str, Answer]]] = {}  # read once per village and round
    for us in units:
        if us.template.id != main.id:
            found.append(us)
            continue
        village, uid = us.unit.village, us.unit.unit_id
        sheet = sheets.get(village)
        rounds = []
        for r in us.rounds:
            key = (village, r.number)
            pair = columns.get(key)
            if pair is None:
                ret = _village_answer(sheet, r.number, current, cutoff)
                pair = columns[key] = (ret, column_answers(ret, r.number) if ret is not None else {})
            ret, column = pair
            answer = column.get(uid)
            if r.status is Status.on_time or r.status is Status.late:  # its own return
                r = RoundStatus(r.number, r.day, r.deadline, r.status, r.received_at, r.return_id, r.refused,
                                r.review, r.reason, source="self")
                if mismatches_too and answer is not None:
                    mine = current.get((main.id, uid, r.number))
                    problem = _mismatch(us, r, ret, answer, mine, visit, sheet)
                    if problem is not None:
                        mismatches.append(problem)
            elif answer is not None and answer.done is True and r.status in (Status.missing, Status.pending) \
                    and ret is not None:
                status = Status.on_time if ret.received_at <= r.deadline else Status.late
                r = replace(r, status=status, received_at=ret.received_at, return_id=ret.return_id, source="village",
                            refused=None)
            rounds.append(r)
        found.append(UnitStatus(us.unit, us.template, tuple(rounds), us.current, us.latest))
    return found, mismatches


def _mismatch(us: UnitStatus, r: RoundStatus, sheet_return: Return | None, answer: Answer | None,
              mine: Return | None, visit: str | None, sheet: UnitStatus | None) -> Problem | None:
    """`presence-mismatch` when the village says 否 for a helper whose own return came, or 是 while that return
    says its 入户 task is 否; None when they agree or the village said nothing."""
    if sheet_return is None or answer is None or answer.done is None or sheet is None:
        return None
    when = r.received_at.astimezone(r.deadline.tzinfo) if r.received_at else None
    if answer.done is False:
        said = f"说{us.unit.name}第 {r.number} 次未到位（否）"
        but = (f"本人第 {r.number} 次的回执已于 {month_day(when.date())} {when:%H:%M} 收到" if when
               else f"本人第 {r.number} 次的回执已收到")
    else:
        own = next((a for a in mine.answers if a.task_id == visit), None) if mine is not None and visit else None
        if own is None or own.done is not False:
            return None
        number = next(t.number for t in us.template.tasks if t.id == visit)
        said = f"说{us.unit.name}第 {r.number} 次已到位（是）"
        but = f"本人第 {r.number} 次回执第 {number} 项（入户）填的是“{own.raw_done or '否'}”"
    return (make_problem("presence-mismatch", file=sheet_return.source_name, row=answer.row,
                         village=sheet.unit.name, source=sheet_return.source_name, line=answer.row, said=said, but=but)
            .about(us.unit, r.number, r.day, template_id=us.template.id))


def task_completion(units: list[UnitStatus], plan: Plan) -> list[TaskCompletion]:
    """Per checklist and task: units whose latest return says 是, over the units here that fill it."""
    found = []
    for role, checklists in plan.items():
        for index, (template, _rounds) in enumerate(checklists):
            mine = [us for us in units if us.template.id == template.id]
            if not mine:
                continue
            latest = [{a.task_id: a for a in us.latest.answers} if us.latest else {} for us in mine]
            for task in template.tasks:
                done = sum(1 for answers in latest if (a := answers.get(task.id)) is not None and a.done is True)
                own = latest[0].get(task.id) if role is Role.town and index == 0 else None
                found.append(TaskCompletion(role, task.id, task.number, task.text, done, len(mine), own,
                                            template.id, mine[0].checklist))
    return found


def helper_coverage(roster: Roster, town: Unit, units: list[UnitStatus], plan: Plan, cutoff: dt.datetime,
                    sheets: Mapping[str, UnitStatus] | None = None) -> list[VillageCoverage]:
    """帮扶责任人到位情况 per village: helpers reported (own return or the village's count) per round."""
    if Role.helper not in plan:
        return []
    main = plan[Role.helper][0][0]
    helpers = [us for us in units if us.template.id == main.id]
    villages = [v.name for v in roster.of(Role.village) if v.town == town.name]
    villages += sorted({us.unit.village for us in helpers} - set(villages))
    found = []
    for village in villages:
        mine = [us for us in helpers if us.unit.village == village]
        if not mine:
            continue
        rounds = mine[0].rounds
        reported = tuple(
            sum(1 for us in mine if us.rounds[i].status in (Status.on_time, Status.late)) for i in range(len(rounds))
        )
        summary = tuple(
            RoundStatus(r.number, r.day, r.deadline, _village_status(r, n, len(mine), cutoff,
                                                                     any(us.rounds[i].status is Status.late
                                                                         for us in mine)))
            for i, (r, n) in enumerate(zip(rounds, reported, strict=True))
        )
        counted = tuple(sum(1 for us in mine if us.rounds[i].source == "village") for i in range(len(rounds)))
        found.append(VillageCoverage(village, len(mine), reported, summary, counted, (sheets or {}).get(village)))
    return found


def _village_status(r: RoundStatus, reported: int, total: int, cutoff: dt.datetime, late: bool = False) -> Status:
    """All helpers reported: on time, or late when any of them was (colour only; the counts stay per helper);
    else missing once the deadline passed, pending before."""
    if reported == total:
        return Status.late if late else Status.on_time
    return Status.missing if r.deadline < cutoff else Status.pending


def compute_status(roster: Roster, templates: dict[str, Template], campaign: Campaign, returns: Iterable[Return],
                   as_of: dt.date, town: str | None = None, *, refused: Iterable[Refusal] = (),
                   reviews: Mapping[str, Review] | None = None, problems: bool = True) -> TownStatus | DistrictStatus:
    """`fupin status`: one town's status when `town` is given, else the district's, as of end of day `as_of`."""
    if town is not None:
        return town_status(roster, templates, campaign, returns, as_of, require_town(roster, town), refused=refused,
                           reviews=reviews, problems=problems)
    return district_status(roster, templates, campaign, returns, as_of, refused=refused, reviews=reviews,
                           problems=problems)


def whole_returns(templates: dict[str, Template]) -> Callable[[str], bool]:
    """The checklists whose returns counts-only status still reads whole: a village's presence sheet (its
    columns credit helpers) and the town's own (its answers are shown beside the completion)."""
    wanted = {t.id for t in templates.values() if t.from_roster or t.role is Role.town}
    return wanted.__contains__


def district_status(roster: Roster, templates: dict[str, Template], campaign: Campaign, returns: Iterable[Return],
                    as_of: dt.date, towns: Iterable[Unit] | None = None, *, refused: Iterable[Refusal] = (),
                    reviews: Mapping[str, Review] | None = None, problems: bool = True) -> DistrictStatus:
    """Every town's status (or the towns given) and the district totals (without problems when told)."""
    cutoff = end_of_day(as_of, campaign)
    prepared = (role_rounds(templates, campaign), current_returns(returns, cutoff, reviews))
    refusals = refused_rounds(refused, cutoff)
    done = tuple(town_status(roster, templates, campaign, (), as_of, t, reviews=reviews, _prepared=prepared,
                             _refused=refusals, problems=problems)
                 for t in (roster.of(Role.town) if towns is None else towns))
    return DistrictStatus(as_of, done, sum((t.counts for t in done), Counts()))
