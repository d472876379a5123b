"""`fupin check --format junit`: one testcase per unit × round, a failure per violation, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fupin_cli.count.check import CheckReport, is_skipped
from fupin_cli.model.glossary import Status
from fupin_cli.render.check import violation_line


def junit_xml(report: CheckReport) -> str:
    """JUnit XML: a testsuite per town, classname town.role; violations that fail the run are failures."""
    root = ET.Element("testsuites", name="fupin check", tests="0", failures="0", skipped="0")
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for case in report.cases:
        suite = suites.get(case.town)
        if suite is None:
            suite = ET.SubElement(root, "testsuite", name=case.town, tests="0", failures="0", skipped="0",
                                  timestamp=f"{report.as_of.isoformat()}T23:59:59")  # as of the end of that day
            suites[case.town] = suite
        unit = case.unit.unit
        element = ET.SubElement(suite, "testcase", classname=f"{case.town}.{unit.role.value}",
                                name=f"{unit.unit_id} {unit.name} 第{case.round.number}次")
        counts = {"tests": 1, "failures": 0, "skipped": 0}
        failing = [v for v in case.violations if v.failing]
        other = [v for v in case.violations if not v.failing]
        if failing:
            counts["failures"] = 1
            failure = ET.SubElement(element, "failure", type=failing[0].kind,
                                    message="；".join(v.word for v in failing))
            failure.text = "\n".join(violation_line(v) for v in failing)
        elif is_skipped(case) and not case.violations:
            counts["skipped"] = 1
            ET.SubElement(element, "skipped", message=f"{Status.pending.label}（{case.round.day.isoformat()} 截止）")
        if other:
            ET.SubElement(element, "system-out").text = "\n".join(violation_line(v) for v in other)
        for key, n in counts.items():
            suite.set(key, str(int(suite.get(key, "0")) + n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
