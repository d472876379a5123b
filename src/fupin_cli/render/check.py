"""`fupin check` as linter-style lines: 镇/角色/编号 名称 第N次 截止日: 问题."""

from __future__ import annotations

from fupin_cli.count.check import CheckReport, Violation
from fupin_cli.model.deadlines import month_day

KIND_TEXT = {"missing": "未报", "late": "逾期", "open_after_deadline": "任务未完成", "warning": "提示"}


def violation_line(v: Violation) -> str:
    """One violation on one line, e.g. 城关镇/helper/H1234 王芳 第1次 11月7日: 未报."""
    p = v.problem
    where = f"{p.unit.town}/{p.unit.role.value}/{p.unit.unit_id} {p.unit.name}"
    if p.unit.village:
        where += f"（{p.unit.village}）"
    when = f" 第{p.round}次 {month_day(p.deadline)}" if p.round and p.deadline else ""
    detail = "" if p.kind == "missing" else f" {p.message}"
    level = "" if v.failing else "（不计失败）"
    return f"{where}{when}: {KIND_TEXT[v.kind]}{detail}{level}"


def check_lines(report: CheckReport) -> list[str]:
    """Every violation as a line, sorted by town, role, unit."""
    return [violation_line(v) for v in report.violations]


def check_summary(report: CheckReport) -> str:
    """The last line: counts and the verdict."""
    c = report.counts()
    verdict = "通过" if report.ok else "不通过"
    mode = "（严格模式）" if report.strict else ""
    return (f"截至 {report.as_of.isoformat()}：未报 {c['missing']}，逾期 {c['late']}，"
            f"任务未完成 {c['open_after_deadline']}，提示 {c['warning']}——检查{verdict}{mode}")
