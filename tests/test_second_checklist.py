"""A role with two checklists: a workspace template with a new id and `role: cadre` is a second one for cadres."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fill import csv_bytes, return_rows

from fupin_cli.cli import app
from fupin_cli.forms.identity import FormIdentity
from fupin_cli.model.glossary import Role
from fupin_cli.model.roles import REPORTING_ROLES, ROLES
from fupin_cli.model.templates import checklists_for, template_for_role
from fupin_cli.model.workspace import open_workspace
from fupin_cli.store.roster_file import load_roster

SURVEY = """\
id: cadre_survey
role: cadre
attachment: 7
title: 村干部入户走访情况清单
header_fields:
- label: 签名
  field: unit
- label: 时间
  field: date
columns:
- label: 序号
  field: number
- label: 类型
  field: category
- label: 工作任务
  field: text
- label: 是否完成
  field: done
- label: 完成时间
  field: done_on
tasks:
- id: survey-01
  number: 1
  category: 入户走访
  text: 走访本村全部贫困户，核对家庭人口和收入情况。
- id: survey-02
  number: 2
  category: 问题登记
  text: 将走访发现的问题登记造册并报所在镇。
note: 注：村干部于11月8日前将走访情况报所在镇。
reporting:
  to: 所在镇
  rounds:
  - round: 1
    deadline: 11-08
"""


@pytest.fixture
def two_checklists(demo_workspace: Path) -> Path:
    """The demo district with a second checklist for cadres in the workspace's templates/."""
    (demo_workspace / "templates").mkdir(exist_ok=True)
    (demo_workspace / "templates" / "cadre_survey.yaml").write_text(SURVEY, encoding="utf-8")
    return demo_workspace


def test_roles_table_holds_every_role_fact() -> None:
    assert list(ROLES) == list(Role)
    assert (Role.town, Role.leader, Role.aid_unit, Role.cadre, Role.helper, Role.village) == REPORTING_ROLES
    assert ROLES[Role.helper].roster_file == "helpers.csv"
    # A village fills fupin's presence table only, shown in its village's 到位 row (a place, not a unit).
    assert ROLES[Role.village].reports and ROLES[Role.village].rollup == "place"
    assert ROLES[Role.helper].rollup == "village"
    assert [c.header for c in ROLES[Role.town].columns] == ["镇", "代码", "负责人", "联系电话"]


def test_the_role_own_checklist_comes_first(two_checklists: Path) -> None:
    templates = open_workspace(two_checklists, None, two_checklists).templates()
    assert [t.id for t in checklists_for(templates, Role.cadre)] == ["cadre", "cadre_survey"]
    assert template_for_role(templates, Role.cadre).id == "cadre"
    assert [t.id for t in checklists_for(templates, Role.leader)] == ["leader"]


def test_forms_are_made_for_both_checklists(two_checklists: Path, runner) -> None:
    result = runner.invoke(app, ["-w", str(two_checklists), "forms", "generate", "--role", "cadre",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    cadres = load_roster(two_checklists).of(Role.cadre)
    made = sorted((two_checklists / "forms").rglob("*.csv"))
    survey = [p for p in made if p.parent.name == "村干部入户走访情况清单"]
    assert len(made) == 2 * len(cadres)
    assert len(survey) == len(cadres)
    assert all("template=cadre_survey" in p.read_text(encoding="utf-8-sig") for p in survey)


def _status(runner, root: Path, *args: str) -> dict:
    result = runner.invoke(app, ["-w", str(root), *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_ingest_status_and_check_count_each_checklist(two_checklists: Path, runner, tmp_path: Path) -> None:
    workspace = open_workspace(two_checklists, None, two_checklists)
    survey = workspace.templates()["cadre_survey"]
    cadre = load_roster(two_checklists).of(Role.cadre)[0]
    identity = FormIdentity(survey.id, survey.version, cadre.unit_id, workspace.campaign.year,
                            workspace.campaign.name, None)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "走访.csv"
    path.write_bytes(csv_bytes(return_rows(survey, cadre.name, [("是", "11月7日"), ("否", "")],
                                           identity=identity, date="2020年11月7日")))
    result = runner.invoke(app, ["-w", str(two_checklists), "ingest", str(path), "--received", "2020-11-07T10:00"])
    assert result.exit_code == 0, result.output

    town = _status(runner, two_checklists, "status", "--town", cadre.town, "--as-of", "2020-11-10")
    mine = {u["template_id"]: u for u in town["units"] if u["unit_id"] == cadre.unit_id}
    assert sorted(mine) == ["cadre", "cadre_survey"]
    assert [r["status"] for r in mine["cadre_survey"]["rounds"]] == ["on_time"]
    assert [r["status"] for r in mine["cadre"]["rounds"]] == ["missing", "missing"]
    tasks = {(t["template_id"], t["task_id"]): t for t in town["tasks"]}
    cadres_here = sum(1 for u in town["units"] if u["template_id"] == "cadre_survey")
    assert tasks[("cadre_survey", "survey-01")]["done"] == 1
    assert tasks[("cadre_survey", "survey-01")]["total"] == cadres_here
    assert tasks[("cadre_survey", "survey-02")]["done"] == 0

    check = _status(runner, two_checklists, "check", "--town", cadre.town, "--as-of", "2020-11-10")
    survey_missing = [v for v in check["violations"] if v["template_id"] == "cadre_survey" and v["kind"] == "missing"]
    assert len(survey_missing) == cadres_here - 1
    assert cadre.unit_id not in {v["unit_id"] for v in survey_missing}
    # the second checklist's open task is its own problem, not the first checklist's
    opened = [v for v in check["violations"] if v["unit_id"] == cadre.unit_id and v["template_id"] == "cadre_survey"]
    assert [(v["kind"], v["task_id"]) for v in opened] == [("open_after_deadline", "survey-02")]
