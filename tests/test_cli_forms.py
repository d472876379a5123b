"""`fupin forms generate`: layout on disk, summary, filters, idempotence and unit names that try to escape."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.forms.generate import plan_forms, safe_file_name
from fupin_cli.forms.identity import IDENTITY_SHEET
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
RUNNER = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the example district, with Rich pinned to 120 columns and no colour."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FUPIN_WORKSPACE", raising=False)
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    return root


def _run(ws: Path, *args: str):
    return RUNNER.invoke(app, ["-w", str(ws), "forms", "generate", *args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_whole_district_twice_gives_identical_bytes(ws: Path) -> None:
    result = _run(ws)
    assert result.exit_code == 0, result.output
    first = _snapshot(ws / "forms")
    # 3 towns + 4 leaders + 5 aid units + 27 cadres + 42 helpers, each as XLSX and CSV.
    assert len(first) == 2 * (3 + 4 + 5 + 27 + 42)
    assert "城关镇/镇/城关镇.xlsx" in first and "城关镇/镇/城关镇.csv" in first
    assert "石门镇/处级领导/潘晓东.xlsx" in first
    assert "城关镇/帮扶单位/区教育局.csv" in first
    assert "162" in result.stdout and "空白表生成情况" in result.stdout
    assert "新写入或更新 162 个" in result.stdout
    again = _run(ws)
    assert again.exit_code == 0
    assert "内容未变 162 个" in again.stdout
    assert _snapshot(ws / "forms") == first


def test_namesakes_get_distinct_files(ws: Path) -> None:
    assert _run(ws, "--role", "helper", "--town", "城关镇", "--format", "xlsx").exit_code == 0
    folder = ws / "forms" / "城关镇" / "帮扶责任人"
    wangfang = sorted(p.name for p in folder.glob("王芳*"))
    # Namesakes are told apart by their 工作单位, not by an id.
    assert wangfang == ["王芳（区教育局）.xlsx", "王芳（区财政局）.xlsx"]
    ids = {n: dict(openpyxl.load_workbook(folder / n)[IDENTITY_SHEET].values)["unit_id"] for n in wangfang}
    assert ids == {"王芳（区教育局）.xlsx": "H1b205b1f", "王芳（区财政局）.xlsx": "H1b205b1f-2"}
    assert (folder / "邓春梅.xlsx").is_file()


def test_filters_format_and_out(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(ws, "--role", "town", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(_snapshot(out)) == ["城关镇/镇/城关镇.csv", "石门镇/镇/石门镇.csv", "龙潭镇/镇/龙潭镇.csv"]
    assert not (ws / "forms").exists()
    # --town takes leaders linked to that town too.
    out2 = tmp_path / "out2"
    assert _run(ws, "--town", "石门镇", "--role", "leader", "--out", str(out2)).exit_code == 0
    assert sorted(_snapshot(out2)) == [f"石门镇/处级领导/{n}.{e}" for n in ("何秋月", "潘晓东") for e in ("csv", "xlsx")]


def test_round_is_stamped_into_the_identity(ws: Path) -> None:
    assert _run(ws, "--role", "town", "--round", "2", "--format", "csv").exit_code == 0
    text = (ws / "forms" / "城关镇" / "镇" / "城关镇.csv").read_text(encoding="utf-8-sig")
    assert "round=2" in text


def test_unknown_town_names_the_towns(ws: Path) -> None:
    result = _run(ws, "--town", "不存在镇")
    assert result.exit_code == 2
    assert "不存在镇" in result.stderr and "城关镇、龙潭镇、石门镇" in result.stderr
    assert not (ws / "forms").exists()


def test_round_beyond_a_template_is_refused(ws: Path) -> None:
    result = _run(ws, "--round", "3")
    assert result.exit_code == 2
    assert "--round" in result.stderr


def test_village_fills_only_the_presence_table(ws: Path) -> None:
    """--role village gives each village's presence table (tests/test_presence.py); no --role leaves it out."""
    result = _run(ws, "--role", "village", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert {p.parent.name for p in (ws / "forms").rglob("*.csv")} == {"村"}


def _add_aid_units(ws: Path, names: list[str]) -> None:
    path = ws / "roster" / "aid_units.csv"
    text = path.read_text(encoding="utf-8-sig")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for i, name in enumerate(names):
        writer.writerow([f"AX{i}", name, "城关镇", "", "", ""])
    path.write_text(text.rstrip("\r\n") + "\r\n" + buffer.getvalue(), encoding="utf-8-sig")


def test_no_unit_name_escapes_the_output_folder(ws: Path, tmp_path: Path) -> None:
    names = ["../../evil", "CON", "com1.txt", 'a:*?"<>|b', "..", "尾部点. . ", "/etc/passwd", "\\\\server\\share"]
    _add_aid_units(ws, names)
    out = tmp_path / "deep" / "out"
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    result = _run(ws, "--role", "aid_unit", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert len(created) == 5 + len(names)
    assert all(out.resolve() in p.resolve().parents for p in created)
    folder = out / "城关镇" / "帮扶单位"
    names_on_disk = sorted(p.stem for p in folder.iterdir())
    assert "evil" in names_on_disk and "CON_" in names_on_disk and "com1_.txt" in names_on_disk
    assert "ab" in names_on_disk and "etcpasswd" in names_on_disk
    assert len(names_on_disk) == len(set(names_on_disk)) == 2 + len(names)
    # The pre-filled name is still the roster's, byte for byte.
    ws_evil = openpyxl.load_workbook(folder / "evil.xlsx").worksheets[0]
    assert "../../evil" in [c.value for row in ws_evil.iter_rows(max_row=4) for c in row]


@pytest.mark.parametrize(
    ("name", "safe"),
    [("王芳", "王芳"), ("ＡＢＣ", "ABC"), ("nul", "nul_"), ("LPT9.doc", "LPT9_.doc"), ("CON .x", "CON_.x"), ("", "未命名"), ("...", "未命名"),
     ("a\x00b\u200bc", "abc"), ("x" * 100, "x" * 60)],
)
def test_safe_file_name(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_plan_is_pure_and_ordered(ws: Path) -> None:
    workspace = load_workspace(ws)
    jobs = plan_forms(workspace, load_roster(ws), workspace.templates(), formats=["xlsx"])
    assert [j.unit.role for j in jobs][:3] == [Role.town] * 3
    assert all(j.path.suffix == ".xlsx" for j in jobs)
    assert not (ws / "forms").exists()


def test_help_is_chinese(ws: Path) -> None:
    result = RUNNER.invoke(app, ["forms", "generate", "--help"])
    assert result.exit_code == 0
    assert "生成空白表" in result.stdout and "--format" in result.stdout
