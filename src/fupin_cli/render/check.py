"""`fupin check` as linter-style lines: 镇/角色/编号 名称 第N次 截止日: 问题."""

from __future__ import annotations

from fupin_cli.count.check import CHECK_FAMILIES, CheckReport, Verdict
from fupin_cli.model.deadlines import month_day


def violation_line(v: Verdict) -> str:
    """One problem on one line, e.g. 城关镇/helper/H1234 王芳 第1次 11月7日: 未报."""
    p = v.problem
    where = f"{p.town}/{p.role}/{p.unit_id} {p.name}"
    if p.village:
        where += f"（{p.village}）"
    when = f" 第{p.round}次 {month_day(p.deadline)}" if p.round and p.deadline else ""
    detail = "" if p.kind == "missing" else f" {p.message}"
    if p.args.get("refused"):  # a file for the round came and was refused: say so, not only 未报
        detail = f"（{p.args['refused']}）"
    level = "" if v.failing else "（不计失败）"
    return f"{where}{when}: {v.word}{detail}{level}"


def check_lines(report: CheckReport) -> list[str]:
    """Every problem as a line, sorted by town, role, unit."""
    return [violation_line(v) for v in report.violations]


def check_summary(report: CheckReport) -> str:
    """The last line: counts and the verdict."""
    counts = report.counts()
    verdict = "通过" if report.ok else "不通过"
    mode = "（严格模式）" if report.strict else ""
    listed = "，".join(f"{word} {counts.get(family, 0)}" for family, word in CHECK_FAMILIES.items())
    return f"截至 {report.as_of.isoformat()}：{listed}——检查{verdict}{mode}"
