"""The parsed roster kept beside the store for big workspaces: used while the roster files are unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DEMO
from fupin_cli.model.glossary import Role
from fupin_cli.store import roster_file
from fupin_cli.store.roster_file import CACHE, load_roster


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    monkeypatch.setattr(roster_file, "CACHE_FROM", 10)  # the example has ~90 units; a prefecture 40,000
    return root


def _units(roster) -> list:
    return [u for units in roster.units.values() for u in units]


def test_a_second_load_reads_the_cache_and_gives_the_same_roster(ws: Path) -> None:
    first = load_roster(ws)
    assert (ws / CACHE).is_file()
    (ws / CACHE).touch()
    cached = load_roster(ws)
    assert _units(cached) == _units(first) and len(_units(first)) > 80
    assert cached.find_town("城关镇") is not None
    helper = first.of(Role.helper)[0]
    assert [u.unit_id for u in cached.named(Role.helper, helper.name)] == [
        u.unit_id for u in first.named(Role.helper, helper.name)]


def test_an_edited_roster_file_is_parsed_again(ws: Path) -> None:
    load_roster(ws)
    helpers = ws / "roster" / "helpers.csv"
    text = helpers.read_text(encoding="utf-8-sig")
    first_name = load_roster(ws).of(Role.helper)[0].name
    helpers.write_text(text.replace(first_name, "新名字", 1), encoding="utf-8-sig")
    names = [u.name for u in load_roster(ws).of(Role.helper)]
    assert names[0] == "新名字"


def test_a_damaged_or_foreign_cache_is_ignored(ws: Path) -> None:
    expected = _units(load_roster(ws))
    for junk in (b"", b"{not json", b'{"key": "other", "units": {}}', b'{"key": 1}', b"[]"):
        (ws / CACHE).write_bytes(junk)
        assert _units(load_roster(ws)) == expected


def test_a_small_roster_leaves_no_cache_file(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_file, "CACHE_FROM", 2000)
    load_roster(ws)
    assert not (ws / CACHE).exists()
