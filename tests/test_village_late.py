"""A helper village row whose helpers include a late one is shown late (⚠ yellow), not green; counts unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.count.status import TownStatus, compute_status
from fupin_cli.model.glossary import Role, Status
from fupin_cli.render.status import matrix_table
from fupin_cli.store.archive import add_return
from fupin_cli.store.roster_file import load_roster
from test_status_scenario import _all, _return, at, build_workspace, scenario_returns, store_scenario


@pytest.fixture
def scenario(tmp_path: Path):
    workspace = build_workspace(tmp_path / "ws")
    roster = load_roster(workspace.root)
    return workspace, roster, workspace.templates(), scenario_returns(roster)


def _town(scenario, day: int, extra: tuple = ()) -> TownStatus:
    workspace, roster, templates, returns = scenario
    result = compute_status(roster, templates, workspace.campaign, [*returns, *extra], dt.date(2020, 11, day), "城关镇")
    assert isinstance(result, TownStatus)
    return result


def _village_cells(town: TownStatus) -> dict[str, list[tuple[str, str]]]:
    """The matrix's helper rows: village → (text, style) of each round cell."""
    table = matrix_table(town)
    names, rounds = table.columns[1]._cells, [c._cells for c in table.columns[3:]]
    return {str(name).split("（")[0]: [(str(col[i]), str(col[i].style)) for col in rounds if str(col[i])]
            for i, name in enumerate(names) if str(table.columns[0]._cells[i]) == Role.helper.label}


def test_a_village_whose_only_helper_was_late_is_late(scenario) -> None:
    town = _town(scenario, 13)
    xijiang = next(v for v in town.villages if v.village == "西江村")
    # 李明, the only helper of 西江村, sent round 1 on 11-09 for an 11-07 deadline.
    assert (xijiang.helpers, xijiang.reported) == (1, (1, 0))
    assert [r.status for r in xijiang.rounds] == [Status.late, Status.pending]
    assert _village_cells(town)["西江村"] == [("⚠ 到位 1/1", "yellow"), ("· 到位 0/1", "dim")]
    # The counts stay per helper: 李明's round is counted once, as late.
    c = town.counts
    assert (c.on_time, c.late, c.missing, c.pending) == (3, 3, 4, 4)


def test_all_on_time_is_green_and_one_late_among_them_is_yellow(scenario) -> None:
    roster = scenario[1]
    on_time = _return(roster, Role.helper, "王芳", 1, at(11, 7, 18), _all("helper", 7, dt.date(2020, 11, 7)),
                      work_unit="区教育局")
    late = _return(roster, Role.helper, "王芳", 1, at(11, 8, 9), _all("helper", 7, dt.date(2020, 11, 7)),
                   work_unit="区教育局")
    both_on_time = _town(scenario, 13, (on_time,))
    assert _village_cells(both_on_time)["东岭村"][0] == ("✓ 到位 2/2", "green")
    assert next(v for v in both_on_time.villages if v.village == "东岭村").rounds[0].status is Status.on_time
    one_late = _town(scenario, 13, (late,))
    assert _village_cells(one_late)["东岭村"][0] == ("⚠ 到位 2/2", "yellow")
    # Per helper as ever: the late 王芳 moves one round from 按时 to 逾期, nothing else.
    counts = [(t.counts.on_time, t.counts.late, t.counts.missing, t.counts.pending) for t in (both_on_time, one_late)]
    assert counts == [(4, 3, 3, 4), (3, 4, 3, 4)]


def test_export_colours_the_late_village_yellow(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    store_scenario(root)
    out = tmp_path / "汇总.xlsx"
    assert runner.invoke(app, ["-w", str(root), "export", "--town", "城关镇", "--as-of", "2020-11-13",
                               "--out", str(out)]).exit_code == 0
    sheet = openpyxl.load_workbook(out)["城关镇"]
    row = next(r for r in sheet.iter_rows() if r[2].value == "西江村（1人）")
    assert (row[4].value, row[4].fill.fgColor.rgb) == ("到位 1/1", "00FFEB9C")
    dongling = next(r for r in sheet.iter_rows() if r[2].value == "东岭村（2人）")
    assert (dongling[4].value, dongling[4].fill.fgColor.rgb) == ("到位 1/2\n未报", "00FFC7CE")


def test_status_command_shows_the_late_village(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    store_scenario(root)
    command = ["-w", str(root), "status", "--town", "城关镇", "--as-of", "2020-11-13"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "西江村（1人）" in line)
    assert "⚠ 到位 1/1" in line and "✓" not in line
    add_return(root, _return(load_roster(root), Role.helper, "王芳", 1, at(11, 7, 18),
                             _all("helper", 7, dt.date(2020, 11, 7)), work_unit="区教育局"), b"x")
    again = runner.invoke(app, command)
    line = next(line for line in again.stdout.splitlines() if "东岭村（2人）" in line)
    assert "✓ 到位 2/2" in line
