"""A hand-built district whose statuses were worked out by hand; shared by the status/check/remind/export tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

from fupin_cli.intake.roster_import import import_roster
from fupin_cli.model.glossary import Role
from fupin_cli.model.problems import make_problem
from fupin_cli.model.record import Answer, Return
from fupin_cli.model.roster import Roster
from fupin_cli.model.workspace import Workspace, load_workspace
from fupin_cli.store.archive import add_return
from fupin_cli.store.roster_file import load_roster
from fupin_cli.store.scaffold import init_workspace

TZ = ZoneInfo("Asia/Shanghai")
ROSTER_FILES = {
    Role.town: "镇,代码,负责人,联系电话\n城关镇,100,覃建国,13900000001\n龙潭镇,101,黄永明,13900000002\n",
    Role.village: "镇,村\n城关镇,东岭村\n城关镇,西江村\n龙潭镇,龙潭村\n",
    Role.aid_unit: "帮扶单位,所在镇,挂点村,负责人,联系电话\n区教育局,城关镇,东岭村,蓝海燕,13800000001\n",
    Role.leader: "姓名,职务,挂点镇,联系电话\n周立新,常务副区长,城关镇,13700000001\n",
    Role.cadre: "姓名,职务,镇,村,联系电话\n谭伟,第一书记,城关镇,东岭村,13500000001\n",
    # Two helpers called 王芳 in one village: namesakes told apart by work unit and phone.
    Role.helper: ("姓名,工作单位,镇,村,帮扶户数,联系电话\n王芳,区财政局,城关镇,东岭村,3,13600000001\n"
                  "王芳,区教育局,城关镇,东岭村,2,13600000002\n李明,区水利局,城关镇,西江村,2,=HYPERLINK(1)\n"),
}
# Deadlines (2020, assessment 11-20): town 11-6/11-9/11-12, leader 11-12/11-18, aid_unit 11-11,
# cadre 11-6/11-9, helper 11-7/11-19.


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in campaign time."""
    return dt.datetime(2020, month, day, hour, minute, tzinfo=TZ)


def build_workspace(root: Path) -> Workspace:
    """The scenario's workspace: roster imported from CSV files the way an office does it."""
    init_workspace(root, name="测试工作", district="测试区")
    for role, text in ROSTER_FILES.items():
        path = root / f"import-{role.value}.csv"
        path.write_text(text, encoding="utf-8")
        result = import_roster(root, path, role)
        assert result.ok, result.findings
    return load_workspace(root)


def unit_id(roster: Roster, role: Role, name: str, work_unit: str = "") -> str:
    """The id the roster gave a unit."""
    return next(u.unit_id for u in roster.of(role) if u.name == name and (not work_unit or u.work_unit == work_unit))


def _return(roster: Roster, role: Role, name: str, rnd: int, received: dt.datetime, answers: list[Answer],
            work_unit: str = "", findings: tuple = ()) -> Return:
    uid = unit_id(roster, role, name, work_unit)
    data = _original(uid, rnd, received)
    sha = hashlib.sha256(data).hexdigest()
    return Return(return_id=sha[:16], role=role.value, unit_id=uid, name=name, town="城关镇", village="",
                  template_id=role.value, template_version="v", round=rnd, received_at=received, sha256=sha,
                  source_name=f"{name}.xlsx", stored_name=f"{sha}.xlsx", size=len(data), answers=tuple(answers),
                  findings=findings)


def _original(uid: str, rnd: int, received: dt.datetime) -> bytes:
    """The bytes stored as a return's original: its checksum and size are the record's, so `fupin doctor` passes."""
    return f"{uid}{rnd}{received.isoformat()}".encode()


def _all(prefix: str, count: int, done_on: dt.date | None) -> list[Answer]:
    return [Answer(f"{prefix}-{n:02d}", True, done_on) for n in range(1, count + 1)]


def scenario_returns(roster: Roster) -> list[Return]:
    """The returns of the scenario, each commented with what it is there to test."""
    nov = lambda d: dt.date(2020, 11, d)  # noqa: E731
    return [
        # Town round 1 on the deadline day at 23:00 campaign time: on time.
        _return(roster, Role.town, "城关镇", 1, at(11, 6, 23), [Answer("town-01", True, nov(5)), *[
            Answer(f"town-{n:02d}", None, None) for n in range(2, 14)]]),
        # Town round 2 received the day after its deadline: late; 12 blank and 13 否 stay open after 11-12.
        _return(roster, Role.town, "城关镇", 2, at(11, 10, 9), _all("town", 11, nov(8)) + [
            Answer("town-12", None, None), Answer("town-13", False, None)]),
        # Leader round 1 received after the 11-12 deadline: not counted as of 11-12, late as of 11-13.
        _return(roster, Role.leader, "周立新", 1, at(11, 13, 8), _all("leader", 2, nov(10))),
        # Cadre round 1 on time, task 3 done after the deadline (done_late), tasks 2 and 4 open, two ingest warnings.
        _return(roster, Role.cadre, "谭伟", 1, at(11, 6, 12), [
            Answer("cadre-01", True, None), Answer("cadre-02", False, None), Answer("cadre-03", True, nov(8)),
            Answer("cadre-04", None, None)],
            findings=(make_problem("missing-signature", row=2, column="签名"),
                      make_problem("date-after-deadline", row=5, column="落实情况", value="11月8日", round=1,
                                   deadline="11月6日"))),
        # 王芳 (区财政局) round 1: a first return with task 2 否, then a corrected one that supersedes it.
        _return(roster, Role.helper, "王芳", 1, at(11, 6, 10), [
            Answer("helper-01", True, nov(6)), Answer("helper-02", False, None),
            *[Answer(f"helper-{n:02d}", True, nov(6)) for n in range(3, 8)]], work_unit="区财政局"),
        _return(roster, Role.helper, "王芳", 1, at(11, 7, 20), _all("helper", 7, nov(6)), work_unit="区财政局"),
        # 李明 round 1 two days late.
        _return(roster, Role.helper, "李明", 1, at(11, 9, 9), _all("helper", 7, nov(7))),
    ]


def store_scenario(root: Path) -> Workspace:
    """Build the workspace and put the scenario's returns into its store."""
    workspace = build_workspace(root)
    roster = load_roster(root)
    for ret in scenario_returns(roster):
        add_return(root, ret, _original(ret.unit_id, ret.round, ret.received_at))
    return workspace
