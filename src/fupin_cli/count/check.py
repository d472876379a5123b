"""违规清单 (violations) for `fupin check`: the problems of the district as a CI report with an exit code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fupin_cli.count.status import PROBLEM_KINDS, DistrictStatus, Problem, RoundStatus, UnitStatus
from fupin_cli.model.glossary import REPORTING_ROLES, Status

# check's JSON kinds (DESIGN §9); a task done after its deadline is reported as a warning.
CHECK_KIND = {"missing": "missing", "late": "late", "open_after_deadline": "open_after_deadline",
              "done_late": "warning", "warning": "warning"}


@dataclass(frozen=True)
class Violation:
    """一条违规: a problem of one unit, with the kind `check` reports and whether it fails the run."""

    problem: Problem
    failing: bool

    @property
    def kind(self) -> str:
        """missing, late, open_after_deadline or warning."""
        return CHECK_KIND[self.problem.kind]

    def to_dict(self) -> dict:
        """The violation as in `check --format json` (DESIGN §9)."""
        # The problem's own fields, with check's kind (done_late reported as a warning) and the verdict.
        return {**self.problem.to_dict(), "kind": self.kind, "code": self.problem.code or self.problem.kind,
                "failing": self.failing}


@dataclass(frozen=True)
class Case:
    """一个检查项 (one unit × round, a JUnit testcase) and the violations that belong to it."""

    town: str
    unit: UnitStatus
    round: RoundStatus
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class CheckReport:
    """`fupin check`'s result: violations sorted by town, role, unit, and the cases for JUnit."""

    as_of: dt.date
    strict: bool
    violations: tuple[Violation, ...]
    cases: tuple[Case, ...]

    @property
    def ok(self) -> bool:
        """True when no violation fails the run."""
        return not any(v.failing for v in self.violations)

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 otherwise."""
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        """Violations per check kind."""
        found = {k: 0 for k in ("missing", "late", "open_after_deadline", "warning")}
        for v in self.violations:
            found[v.kind] += 1
        return found

    def to_dict(self) -> dict:
        """The report as `check --format json` (DESIGN §9)."""
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "strict": self.strict,
            "counts": self.counts(),
            "violations": [v.to_dict() for v in self.violations],
        }


def check_status(district: DistrictStatus, strict: bool = False) -> CheckReport:
    """Turn the district's problems into violations: missing always fails, the rest only with `strict`."""
    role_rank = {r: i for i, r in enumerate(REPORTING_ROLES)}
    kind_rank = {k: i for i, k in enumerate(PROBLEM_KINDS)}
    violations: list[tuple[tuple, Violation]] = []
    cases: list[Case] = []
    for town_rank, town in enumerate(district.towns):
        unit_rank = {us.unit.unit_id: i for i, us in enumerate(town.units)}
        by_case: dict[tuple[str, int], list[Violation]] = {}
        for p in town.problems:
            v = Violation(p, strict or p.kind == "missing")
            key = (town_rank, role_rank.get(p.unit.role, 99), unit_rank.get(p.unit.unit_id, 0), p.round or 0,
                   kind_rank[p.kind], p.task_id)
            violations.append((key, v))
            by_case.setdefault((p.unit.unit_id, p.round or 0), []).append(v)
        for us in sorted(town.units, key=lambda u: (role_rank.get(u.role, 99), unit_rank[u.unit.unit_id])):
            for r in us.rounds:
                found = sorted(by_case.get((us.unit.unit_id, r.number), []),
                               key=lambda v: (kind_rank[v.problem.kind], v.problem.task_id))
                cases.append(Case(town.town.name, us, r, tuple(found)))
    violations.sort(key=lambda kv: kv[0])
    return CheckReport(district.as_of, strict, tuple(v for _, v in violations), tuple(cases))


def is_skipped(case: Case) -> bool:
    """A round not yet due and not returned: nothing to check yet."""
    return case.round.status is Status.pending
