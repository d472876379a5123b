"""The status engine on the hand-built scenario: every status, finding and count worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fupin_cli.count.status import DistrictStatus, TownStatus, compute_status
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.problems import FupinError
from fupin_cli.store.roster_file import load_roster
from test_status_scenario import build_workspace, scenario_returns, unit_id

S = Status


@pytest.fixture
def scenario(tmp_path: Path):
    workspace = build_workspace(tmp_path / "ws")
    roster = load_roster(workspace.root)
    return workspace, roster, workspace.templates(), scenario_returns(roster)


def town(scenario, day: int, name: str = "城关镇") -> TownStatus:
    workspace, roster, templates, returns = scenario
    result = compute_status(roster, templates, workspace.campaign, returns, dt.date(2020, 11, day), name)
    assert isinstance(result, TownStatus)
    return result


def matrix(ts: TownStatus) -> dict[tuple[str, str], tuple[Status, ...]]:
    return {(u.role.value, u.unit.unit_id): tuple(r.status for r in u.rounds) for u in ts.units}


def ids(scenario) -> dict[str, tuple[str, str]]:
    roster = scenario[1]
    return {
        "town": ("town", unit_id(roster, Role.town, "城关镇")),
        "leader": ("leader", unit_id(roster, Role.leader, "周立新")),
        "aid": ("aid_unit", unit_id(roster, Role.aid_unit, "区教育局")),
        "cadre": ("cadre", unit_id(roster, Role.cadre, "谭伟")),
        "wf1": ("helper", unit_id(roster, Role.helper, "王芳", "区财政局")),
        "wf2": ("helper", unit_id(roster, Role.helper, "王芳", "区教育局")),
        "lm": ("helper", unit_id(roster, Role.helper, "李明")),
    }


EXPECTED = {
    # as of 11-06: the town's 23:00 return is on time; 11-6 deadlines are not yet passed at the end of 11-6.
    6: {"town": (S.on_time, S.pending, S.pending), "leader": (S.pending, S.pending), "aid": (S.pending,),
        "cadre": (S.on_time, S.pending), "wf1": (S.on_time, S.pending), "wf2": (S.pending, S.pending),
        "lm": (S.pending, S.pending)},
    # as of 11-08: the town's round 2 (received 11-10) and 李明 (11-09) do not count yet.
    8: {"town": (S.on_time, S.pending, S.pending), "leader": (S.pending, S.pending), "aid": (S.pending,),
        "cadre": (S.on_time, S.pending), "wf1": (S.on_time, S.pending), "wf2": (S.missing, S.pending),
        "lm": (S.missing, S.pending)},
    10: {"town": (S.on_time, S.late, S.pending), "leader": (S.pending, S.pending), "aid": (S.pending,),
         "cadre": (S.on_time, S.missing), "wf1": (S.on_time, S.pending), "wf2": (S.missing, S.pending),
         "lm": (S.late, S.pending)},
    # as of 11-12: the leader's return came 11-13 08:00, so round 1 is still pending on its deadline day.
    12: {"town": (S.on_time, S.late, S.pending), "leader": (S.pending, S.pending), "aid": (S.missing,),
         "cadre": (S.on_time, S.missing), "wf1": (S.on_time, S.pending), "wf2": (S.missing, S.pending),
         "lm": (S.late, S.pending)},
    13: {"town": (S.on_time, S.late, S.missing), "leader": (S.late, S.pending), "aid": (S.missing,),
         "cadre": (S.on_time, S.missing), "wf1": (S.on_time, S.pending), "wf2": (S.missing, S.pending),
         "lm": (S.late, S.pending)},
}
COUNTS = {6: (3, 0, 0, 11), 8: (3, 0, 2, 9), 10: (3, 2, 2, 7), 12: (3, 2, 3, 6), 13: (3, 3, 4, 4)}


@pytest.mark.parametrize("day", sorted(EXPECTED))
def test_every_status_at_several_dates(scenario, day: int) -> None:
    ts = town(scenario, day)
    key = ids(scenario)
    assert matrix(ts) == {key[k]: v for k, v in EXPECTED[day].items()}
    c = ts.counts
    assert (c.on_time, c.late, c.missing, c.pending) == COUNTS[day]
    assert c.due == c.on_time + c.late + c.missing


def test_rates_as_dhis2_counts_them(scenario) -> None:
    c = town(scenario, 10).counts
    assert (c.due, c.submitted, c.rate, c.on_time_rate) == (7, 5, 5 / 7, 3 / 7)
    assert town(scenario, 6, "龙潭镇").counts.rate is None  # nothing due yet: no rate, not 0 %


def test_units_in_order_and_namesakes_kept_apart(scenario) -> None:
    ts = town(scenario, 8)
    assert [(u.role.value, u.unit.name) for u in ts.units] == [
        ("town", "城关镇"), ("leader", "周立新"), ("aid_unit", "区教育局"), ("cadre", "谭伟"),
        ("helper", "王芳"), ("helper", "王芳"), ("helper", "李明")]
    assert len({u.unit.unit_id for u in ts.units}) == 7


def test_received_on_deadline_day_at_23_is_on_time(scenario) -> None:
    r = town(scenario, 6).units[0].rounds[0]
    assert r.received_at == dt.datetime(2020, 11, 6, 23, tzinfo=r.deadline.tzinfo)
    assert r.status is S.on_time


def test_helpers_per_village(scenario) -> None:
    assert [(v.village, v.helpers, v.reported) for v in town(scenario, 8).villages] == [
        ("东岭村", 2, (1, 0)), ("西江村", 1, (0, 0))]
    assert [(v.village, v.reported) for v in town(scenario, 10).villages] == [("东岭村", (1, 0)), ("西江村", (1, 0))]


def test_supersede_is_recomputed_as_of_the_date(scenario) -> None:
    def helper_02(day: int) -> tuple[int, int]:
        t = next(t for t in town(scenario, day).tasks if t.task_id == "helper-02")
        return t.done, t.total

    assert helper_02(6) == (0, 3)  # only the first return (task 2 否) existed at the end of 11-06
    assert helper_02(8) == (1, 3)  # the 11-07 20:00 correction counts; 李明 has not reported yet
    assert helper_02(10) == (2, 3)


def test_task_completion_and_the_towns_own_answers(scenario) -> None:
    tasks = {(t.role.value, t.task_id): t for t in town(scenario, 13).tasks}
    assert (tasks["town", "town-01"].done, tasks["town", "town-01"].total) == (1, 1)
    assert tasks["town", "town-01"].answer.done_on == dt.date(2020, 11, 8)  # latest return: round 2
    assert tasks["town", "town-13"].answer.done is False
    assert tasks["town", "town-12"].answer.done is None
    assert (tasks["cadre", "cadre-02"].done, tasks["aid_unit", "aid_unit-01"].done) == (0, 0)
    assert (tasks["leader", "leader-01"].done, tasks["leader", "leader-01"].rate) == (1, 1.0)


def test_problems_most_urgent_first(scenario) -> None:
    key = ids(scenario)
    got = [(p.kind, key_of(key, p.unit_id), p.round, p.task_id, p.code) for p in town(scenario, 13).problems]
    assert got == [
        ("missing", "wf2", 1, "", "round-missing"),       # 11-07
        ("missing", "cadre", 2, "", "round-missing"),     # 11-09
        ("missing", "aid", 1, "", "round-missing"),       # 11-11
        ("missing", "town", 3, "", "round-missing"),      # 11-12
        ("late", "lm", 1, "", "round-late"),
        ("late", "town", 2, "", "round-late"),
        ("late", "leader", 1, "", "round-late"),
        ("open_after_deadline", "cadre", 2, "cadre-02", "task-open"),
        ("open_after_deadline", "cadre", 2, "cadre-04", "task-open"),
        ("open_after_deadline", "town", 3, "town-12", "task-open"),
        ("open_after_deadline", "town", 3, "town-13", "task-open"),
        ("done_late", "cadre", 1, "cadre-03", "task-done-late"),
        ("warning", "cadre", 1, "", "missing-signature"),  # ingest's date-after-deadline is the done_late above
    ]


def key_of(key: dict[str, tuple[str, str]], uid: str) -> str:
    return next(k for k, (_role, i) in key.items() if i == uid)


def test_no_task_open_before_the_last_deadline(scenario) -> None:
    kinds = {p.kind for p in town(scenario, 12).problems}
    assert "open_after_deadline" in kinds  # cadre's last deadline 11-09 passed
    assert not [p for p in town(scenario, 12).problems if p.kind == "open_after_deadline" and p.role is Role.town]


def test_district_totals(scenario) -> None:
    workspace, roster, templates, returns = scenario
    result = compute_status(roster, templates, workspace.campaign, returns, dt.date(2020, 11, 8))
    assert isinstance(result, DistrictStatus)
    assert [t.town.name for t in result.towns] == ["城关镇", "龙潭镇"]
    c = result.counts
    assert (c.on_time, c.late, c.missing, c.pending) == (3, 0, 3, 11)


def test_unknown_town_names_the_nearest(scenario) -> None:
    with pytest.raises(FupinError, match="城关镇"):
        town(scenario, 8, "城关")


def test_json_shape_keeps_its_stable_field_names(scenario) -> None:
    data = town(scenario, 10).to_dict()
    assert {"as_of", "town", "summary", "units", "tasks", "problems"} <= data.keys()
    assert {"due", "on_time", "late", "missing", "pending"} <= data["summary"].keys()
    assert {"role", "unit_id", "name", "town", "village", "rounds"} <= data["units"][0].keys()
    assert {"round", "deadline", "status", "received_at"} <= data["units"][0]["rounds"][0].keys()
    assert {"role", "task_id", "done", "total", "rate"} <= data["tasks"][0].keys()
    assert {"kind", "role", "unit_id", "round", "task_id", "message"} <= data["problems"][0].keys()
    assert data["summary"]["due"] == 7 and data["as_of"] == "2020-11-10"


def test_a_correction_after_the_deadline_keeps_the_round_on_time(scenario) -> None:
    from test_status_scenario import _all, _return, at

    workspace, roster, templates, returns = scenario
    # 城关镇 round 1 came on time (11-06 23:00); a corrected return for round 1 arrives on 11-12.
    fixed = _return(roster, Role.town, "城关镇", 1, at(11, 12, 10), _all("town", 13, dt.date(2020, 11, 11)))
    result = compute_status(roster, templates, workspace.campaign, [*returns, fixed], dt.date(2020, 11, 13), "城关镇")
    first = result.units[0].rounds[0]
    assert first.status is S.on_time
    assert first.received_at == dt.datetime(2020, 11, 6, 23, tzinfo=first.deadline.tzinfo)
    own = {t.task_id: t for t in result.tasks if t.role is Role.town}
    assert own["town-01"].answer.done_on == dt.date(2020, 11, 11)  # the answers are the correction's


def test_a_warning_on_a_task_row_names_the_task(scenario) -> None:
    from fupin_cli.model.problems import make_problem
    from fupin_cli.model.record import Answer
    from test_status_scenario import _return, at

    workspace, roster, templates, returns = scenario
    answers = [Answer(f"helper-{n:02d}", True, dt.date(2020, 11, 6), row=9 + n) for n in range(1, 8)]
    ret = _return(roster, Role.helper, "李明", 2, at(11, 12, 9), answers,
                  findings=(make_problem("done-without-date", row=12, column="完成时间"),))
    result = compute_status(roster, templates, workspace.campaign, [*returns, ret], dt.date(2020, 11, 13), "城关镇")
    [warning] = [p for p in result.problems if p.code == "done-without-date"]
    assert warning.task_id == "helper-03" and warning.message.startswith("第 3 项任务（第 12 行）")
