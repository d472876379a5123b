"""Unit names people type: unsafe for file names, full-width, with U+3000 or zero-width spaces — safe and matched."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fill import fill_form, return_rows, xlsx_bytes
from fupin_cli.forms.generate import _RESERVED, NAME_LIMIT, plan_forms, safe_file_name, write_forms
from fupin_cli.intake.ingest import IngestContext, ingest_bytes
from fupin_cli.intake.roster_import import import_roster
from fupin_cli.model.glossary import Role
from fupin_cli.model.text import normalize_name
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

HOSTILE = [
    "../../evil", "..\\..\\evil", "/etc/passwd", "C:\\Windows\\x", "a:b*c?d\"e<f>g|h", "CON", "nul", "COM1",
    "com1.txt", "LPT9.doc", "CON .x", "尾部点...", "尾部空格   ", "．．／上级", "全角／斜杠", "城关镇\u3000",
    "零\u200b宽\u200d字\ufeff符", "..", ".", "．", "\u3000", "-rf", "~user", "$HOME", "x" * 200,
]
WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(i) for i in range(32)}


def assert_safe(name: str) -> None:
    assert name and name not in (".", "..")
    assert not set(name) & WINDOWS_FORBIDDEN
    assert name == name.rstrip(" ."), name  # Windows drops trailing dots and spaces
    assert name.split(".")[0].strip().upper() not in _RESERVED
    assert len(name) <= NAME_LIMIT + 30 and len(name.encode()) < 255  # + a unit id and the suffix
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name)
    assert PureWindowsPath(name).name == name and Path(name).name == name


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_become_safe_file_names(name: str) -> None:
    assert_safe(safe_file_name(name))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_becomes_a_safe_file_name(name: str) -> None:
    safe = safe_file_name(name)
    assert_safe(safe)
    assert safe_file_name(safe) == safe  # stable: a second pass changes nothing


def test_full_width_and_invisible_characters_fold_like_matching() -> None:
    assert safe_file_name("城关镇\u3000") == safe_file_name("城关\u200b镇") == "城关镇"
    assert safe_file_name("全角／斜杠") == "全角斜杠"


def _append(path: Path, rows: list[list[str]]) -> None:
    text = path.read_text(encoding="utf-8-sig").rstrip("\r\n") + "\r\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(text + buffer.getvalue(), encoding="utf-8-sig")


def test_forms_for_hostile_names_stay_inside_the_output_folder(demo_workspace: Path, tmp_path: Path) -> None:
    _append(demo_workspace / "roster" / "towns.csv", [["T9", "．．／新区", "", "王五", ""]])
    _append(demo_workspace / "roster" / "helpers.csv",
            [[f"HX{i}", name, "区财政局", "城关镇", "东岭村", "1", ""] for i, name in enumerate(HOSTILE)
             if normalize_name(name)])  # a blank name is refused by the roster itself
    workspace = load_workspace(demo_workspace)
    out = tmp_path / "deep" / "out"
    jobs = plan_forms(workspace, load_roster(demo_workspace), workspace.templates(), out)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    results = list(write_forms(jobs))
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert len(created) == len(results) == len(jobs)
    for path in created:
        assert out.resolve() in path.resolve().parents
        for part in path.relative_to(out).parts:
            assert_safe(part)
    assert (out / "新区" / "镇" / "新区.xlsx").is_file()
    assert len({p.as_posix().casefold() for p in created}) == len(created)  # distinct on Windows/macOS too


# ---------------------------------------------------------------- matching: 城关镇 and 城关镇 + U+3000 are one unit

@pytest.mark.parametrize("variant", ["城关镇\u3000", "\u3000城关镇", "城关\u200b镇", "城关镇 ", "城关镇\ufeff", "城关镇\u00a0"])
def test_variants_normalise_to_the_same_name(variant: str) -> None:
    assert normalize_name(variant) == normalize_name("城关镇") == "城关镇"


@pytest.mark.parametrize("variant", ["城关镇\u3000", "城关\u200b镇", "\u3000城关镇\u3000"])
def test_retyped_return_with_a_padded_unit_name_finds_the_unit(demo_workspace: Path, variant: str) -> None:
    workspace = load_workspace(demo_workspace)
    template = workspace.templates()["town"]
    data = xlsx_bytes(return_rows(template, variant))
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(),
                        dt.datetime(2020, 11, 6, 12, tzinfo=workspace.campaign.tz))
    outcome = ingest_bytes(Path("retyped.xlsx"), data, ctx)
    assert outcome.status == "accepted", outcome.findings
    assert (outcome.record.name, outcome.record.recognised_by) == ("城关镇", "content")


def test_roster_import_treats_the_padded_town_as_the_same_town(demo_workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "villages.csv"
    source.write_text("镇,村\r\n城关镇\u3000,新村\u200b\r\n", encoding="utf-8-sig")
    result = import_roster(demo_workspace, source, Role.village)
    assert result.ok, result.findings
    roster = load_roster(demo_workspace)
    assert roster.find_village("城关镇", "新村") is not None
    assert roster.find_village("城关镇\u3000", "新村\u3000") is not None
    assert len([u for u in roster.of(Role.town) if normalize_name(u.name) == "城关镇"]) == 1


def test_generated_form_for_a_padded_name_comes_back_to_the_same_unit(demo_workspace: Path, tmp_path: Path) -> None:
    _append(demo_workspace / "roster" / "helpers.csv", [["HZ1", "零\u200b宽\u3000", "区财政局", "城关镇", "东岭村", "1", ""]])
    workspace = load_workspace(demo_workspace)
    jobs = [j for j in plan_forms(workspace, load_roster(demo_workspace), workspace.templates(), tmp_path / "out",
                                  role=Role.helper, formats=("xlsx",)) if j.unit.unit_id == "HZ1"]
    [result] = list(write_forms(jobs))
    assert result.job.path.name == "零宽.xlsx"
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(),
                        dt.datetime(2020, 11, 6, 12, tzinfo=workspace.campaign.tz))
    outcome = ingest_bytes(result.job.path, fill_form(result.job.path), ctx)
    assert outcome.status == "accepted", outcome.findings
    assert outcome.record.unit_id == "HZ1"
