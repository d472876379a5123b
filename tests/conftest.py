"""Shared fixtures: the example district copied into tmp_path, an empty workspace, a CLI runner, a fixed date."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.store.scaffold import init_workspace

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo"
AS_OF = date(2020, 11, 10)


@pytest.fixture(autouse=True)
def _stable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich at width 120 without colour, and no workspace leaking in from the environment."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("FUPIN_WORKSPACE", raising=False)


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """A private copy of examples/demo with an empty store (the sample returns left out)."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("returns", "inbox"))
    return target


@pytest.fixture
def demo_with_returns(tmp_path: Path) -> Path:
    """A private copy of examples/demo including its sample inbox and ingested returns."""
    target = tmp_path / "demo-returns"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    """A fresh workspace with an empty roster, as `fupin init` writes it."""
    target = tmp_path / "ws"
    init_workspace(target)
    return target


@pytest.fixture
def runner() -> CliRunner:
    """A Typer CLI runner (stdout and stderr kept apart)."""
    return CliRunner()
