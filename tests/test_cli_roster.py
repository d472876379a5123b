"""`fupin roster list`: JSON shape, --role and --town filters, exit codes."""

from __future__ import annotations

import json

from fupin_cli.cli import app
from fupin_cli.model.glossary import Role
from fupin_cli.store.roster_file import load_roster


def _list(runner, root, *args):
    return runner.invoke(app, ["-w", str(root), "roster", "list", *args])


def test_json_is_the_roster(runner, demo_workspace):
    result = _list(runner, demo_workspace, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for unit in data:
        assert {"role", "unit_id", "name", "town", "village", "phone"} <= set(unit)
    assert data == [u.to_dict() for u in load_roster(demo_workspace).all_units()]
    assert len({u["unit_id"] for u in data}) == len(data)
    assert result.stderr == ""


def test_role_filter(runner, demo_workspace):
    data = json.loads(_list(runner, demo_workspace, "--role", "village", "--format", "json").stdout)
    assert {u["role"] for u in data} == {"village"}
    assert len(data) == len(load_roster(demo_workspace).of(Role.village))


def test_town_filter(runner, demo_workspace):
    data = json.loads(_list(runner, demo_workspace, "--town", "龙潭镇", "--format", "json").stdout)
    assert data and {u["town"] for u in data} == {"龙潭镇"}
    roles = {u["role"] for u in data}
    assert {"town", "village", "helper", "cadre", "leader", "aid_unit"} <= roles


def test_town_with_ideographic_space(runner, demo_workspace):
    plain = _list(runner, demo_workspace, "--town", "城关镇", "--format", "json")
    spaced = _list(runner, demo_workspace, "--town", "城关镇\u3000", "--format", "json")
    assert spaced.exit_code == 0, spaced.output
    assert json.loads(spaced.stdout) == json.loads(plain.stdout) != []


def test_unknown_town_exits_2(runner, demo_workspace):
    result = _list(runner, demo_workspace, "--town", "无此镇")
    assert result.exit_code == 2
    assert "无此镇" in result.stderr and "城关镇" in result.stderr
    assert result.stdout == ""


def test_bad_format_exits_2(runner, demo_workspace):
    assert _list(runner, demo_workspace, "--format", "xml").exit_code == 2


def test_table(runner, demo_workspace):
    result = _list(runner, demo_workspace, "--role", "town")
    assert result.exit_code == 0, result.output
    for name in ("城关镇", "龙潭镇", "石门镇"):
        assert name in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 120


def test_empty_roster(runner, empty_workspace):
    result = _list(runner, empty_workspace, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
