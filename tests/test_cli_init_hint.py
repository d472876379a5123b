"""`fupin init` ends with whole commands (cd DIR first) and tells to set the district of the
titles; the header-only roster CSVs it writes end with a newline."""

from __future__ import annotations

import pytest

from fupin_cli.cli import app
from fupin_cli.model.roles import ROLES
from fupin_cli.model.workspace import load_workspace


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 40-column terminal: every command must still come out on one line."""
    monkeypatch.setenv("COLUMNS", "40")


def test_hint_starts_with_cd_and_keeps_each_command_whole(runner, tmp_path, narrow):
    target = tmp_path / "a-rather-long-folder-name-for-the-district" / "云溪区2020"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"  cd {target}" in lines
    assert "  fupin roster import 镇.xlsx --role town" in lines
    assert lines.index(f"  cd {target}") < lines.index("  fupin roster import 镇.xlsx --role town")
    assert not any(line.startswith(("--role", "town", "import")) for line in lines)


def test_a_folder_with_a_blank_is_quoted(runner, tmp_path, narrow):
    target = tmp_path / "云溪区 2020"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert f'  cd "{target}"' in result.stdout.splitlines()


def test_the_default_district_is_to_be_set(runner, tmp_path):
    target = tmp_path / "w"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert load_workspace(target).campaign.district == "本区"
    [line] = [x for x in result.stdout.splitlines() if "“district: 本区”" in x]
    assert str(target / "fupin.yaml") in line and "标题" in line and "改成贵区的名称" in line


def test_a_district_given_is_shown_not_asked(runner, tmp_path):
    target = tmp_path / "w"
    result = runner.invoke(app, ["init", str(target), "--district", "云溪区"])
    assert result.exit_code == 0, result.output
    assert "标题中的区名：云溪区" in result.stdout
    assert "本区" not in result.stdout


def test_init_here_needs_no_cd(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert not any(line.strip().startswith("cd ") for line in result.stdout.splitlines())
    assert "  fupin roster import 镇.xlsx --role town" in result.stdout.splitlines()


def test_example_hint_is_cd_then_status(runner, tmp_path, narrow):
    target = tmp_path / "试用"
    result = runner.invoke(app, ["init", str(target), "--example"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2:] == [f"  cd {target}", "  fupin status --town 城关镇 --as-of 2020-11-10"]


def test_header_only_roster_csvs_end_with_a_newline(runner, tmp_path):
    target = tmp_path / "w"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    for info in ROLES.values():
        data = (target / "roster" / info.roster_file).read_bytes()
        assert data.endswith(b"\r\n"), info.roster_file
        assert data.count(b"\n") == 1, info.roster_file
        header = data.decode("utf-8-sig").rstrip("\r\n").split(",")
        assert header == ["编号", *[c.header for c in info.columns]]
