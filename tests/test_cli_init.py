"""`fupin init`: a new workspace, the example district, and never overwriting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from fupin_cli.cli import app
from fupin_cli.model.roles import ROLES
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_writes_config_and_empty_roster(runner, tmp_path):
    target = tmp_path / "new"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load((target / "fupin.yaml").read_text(encoding="utf-8"))
    assert {"name", "district", "year", "timezone", "assessment_start"} <= set(doc)
    assert doc["year"] == 2020
    assert doc["timezone"] == "Asia/Shanghai"
    assert isinstance(doc["assessment_start"], dt.date)
    assert doc["name"] and doc["district"]
    campaign = load_workspace(target).campaign
    assert (campaign.year, campaign.timezone, campaign.assessment_start) == (2020, "Asia/Shanghai", dt.date(2020, 11, 20))
    assert sorted(p.name for p in (target / "roster").iterdir()) == sorted(i.roster_file for i in ROLES.values())
    assert list(load_roster(target).all_units()) == []
    for data in (target / "roster" / name for name in (i.roster_file for i in ROLES.values())):
        assert data.read_bytes().startswith(b"\xef\xbb\xbf")


def test_init_options(runner, tmp_path):
    target = tmp_path / "w"
    result = runner.invoke(app, ["init", str(target), "--name", "测试工作", "--district", "测试区", "--year", "2021"])
    assert result.exit_code == 0, result.output
    campaign = load_workspace(target).campaign
    assert (campaign.name, campaign.district, campaign.year) == ("测试工作", "测试区", 2021)
    assert campaign.assessment_start == dt.date(2021, 11, 20)


def test_init_example_is_the_demo(runner, tmp_path):
    target = tmp_path / "ex"
    result = runner.invoke(app, ["init", str(target), "--example"])
    assert result.exit_code == 0, result.output
    assert _files(target) == _files(DEMO)
    listing = runner.invoke(app, ["-w", str(target), "roster", "list", "--format", "json"])
    assert listing.exit_code == 0, listing.output


def test_init_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "w"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    (target / "fupin.yaml").write_text("name: 已改动\n", encoding="utf-8")
    before = _files(target)
    for extra in ([], ["--example"]):
        result = runner.invoke(app, ["init", str(target), *extra])
        assert result.exit_code == 2
        assert "fupin.yaml" in result.stderr and "已存在" in result.stderr
        assert _files(target) == before


def test_init_in_current_directory(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fupin.yaml").is_file()


def test_demo_is_a_realistic_district():
    roster = load_roster(DEMO)
    counts = {role.value: len(roster.of(role)) for role in ROLES}
    assert counts["town"] >= 3 and counts["village"] >= 8
    assert counts["aid_unit"] >= 1 and counts["leader"] >= 1 and counts["cadre"] >= 1
    assert counts["helper"] >= 24
