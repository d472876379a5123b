"""`fupin check`: the problems of the district as a CI report with an exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fupin_cli.count.status import DistrictStatus, RoundStatus, UnitStatus
from fupin_cli.model.glossary import Status
from fupin_cli.model.problems import KINDS, KINDS_TABLE, Problem
from fupin_cli.model.roles import REPORTING_ROLES

# check's JSON families and their words, in the order of its counts (most urgent first, warnings last).
_VIOLATIONS = sorted((k for k in KINDS_TABLE if k.kind), key=lambda k: k.rank)
CHECK_FAMILIES: dict[str, str] = {k.check_family: k.check_word for k in _VIOLATIONS if k.check_family != "warning"}
CHECK_FAMILIES["warning"] = "提示"


@dataclass(frozen=True)
class Verdict:
    """A problem as `check` judges it: whether it fails the run (missing always; the rest with --strict)."""

    problem: Problem
    failing: bool

    @property
    def kind(self) -> str:
        """check's family: missing, late, open_after_deadline or warning."""
        return self.problem.check_kind

    @property
    def word(self) -> str:
        """check's word for it: 未报, 逾期, 任务未完成 or 提示."""
        return KINDS[self.problem.code].check_word

    def to_dict(self) -> dict:
        """The violation as in `check --format json`: the problem's own fields, check's kind and the verdict."""
        return {**self.problem.to_dict(), "kind": self.kind, "failing": self.failing}


@dataclass(frozen=True)
class Case:
    """一个检查项 (one unit × round, a JUnit testcase) and the problems that belong to it."""

    town: str
    unit: UnitStatus
    round: RoundStatus
    violations: tuple[Verdict, ...]


@dataclass(frozen=True)
class CheckReport:
    """`fupin check`'s result: problems sorted by town, role, unit, with their verdicts, and the cases for JUnit."""

    as_of: dt.date
    strict: bool
    violations: tuple[Verdict, ...]
    cases: tuple[Case, ...]

    @property
    def ok(self) -> bool:
        """True when no problem fails the run."""
        return not any(v.failing for v in self.violations)

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 otherwise."""
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        """Problems per check family."""
        found = dict.fromkeys(CHECK_FAMILIES, 0)
        for v in self.violations:
            found[v.kind] = found.get(v.kind, 0) + 1
        return found

    def to_dict(self) -> dict:
        """The report as `check --format json`."""
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "strict": self.strict,
            "counts": self.counts(),
            "violations": [v.to_dict() for v in self.violations],
        }


def check_status(district: DistrictStatus, strict: bool = False) -> CheckReport:
    """Judge the district's problems: the kinds the table marks `always` fail, the rest only with `strict`."""
    role_rank = {r: i for i, r in enumerate(REPORTING_ROLES)}
    role_value_rank = {r.value: i for r, i in role_rank.items()}
    verdicts: list[tuple[tuple, Verdict]] = []
    cases: list[Case] = []
    for town_rank, town in enumerate(district.towns):
        unit_rank = {us.unit.unit_id: i for i, us in enumerate(town.units)}
        by_case: dict[tuple[str, int], list[Verdict]] = {}
        for p in town.problems:
            v = Verdict(p, p.fails_check(strict))
            key = (town_rank, role_value_rank.get(p.role, 99), unit_rank.get(p.unit_id, 0), p.round or 0,
                   p.rank, p.task_id)
            verdicts.append((key, v))
            by_case.setdefault((p.unit_id, p.template_id, p.round or 0), []).append(v)
        for us in sorted(town.units, key=lambda u: (role_rank.get(u.role, 99), unit_rank[u.unit.unit_id])):
            for r in us.rounds:
                found = sorted(by_case.get((us.unit.unit_id, us.template.id, r.number), []),
                               key=lambda v: (v.problem.rank, v.problem.task_id))
                cases.append(Case(town.town.name, us, r, tuple(found)))
    verdicts.sort(key=lambda kv: kv[0])
    return CheckReport(district.as_of, strict, tuple(v for _, v in verdicts), tuple(cases))


def is_skipped(case: Case) -> bool:
    """A round not yet due and not returned: nothing to check yet."""
    return case.round.status is Status.pending
