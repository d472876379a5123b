"""`fupin status` on the stored scenario: table, JSON (equal to the core result), CSV, exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.count.status import compute_status
from fupin_cli.store.archive import load_returns
from fupin_cli.store.roster_file import load_roster
from test_status_scenario import store_scenario


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    store_scenario(root)
    return root


def run(runner: CliRunner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), *args])


def test_town_table(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-10")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "报送率 71.4%（5/7）" in text and "按时报送率 42.9%（3/7）" in text
    assert "✓ 按时" in text and "⚠ 逾期" in text and "✗ 未报" in text and "· 未到期" in text
    assert "到位 1/2" in text  # 东岭村: one of the two 王芳 reported
    assert max(len(line) for line in text.splitlines()) <= 120


def test_fits_100_columns(runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "100")
    result = run(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-13")
    assert result.exit_code == 0
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 100


def test_json_equals_core(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-13", "--format", "json")
    assert result.exit_code == 0
    from fupin_cli.model.workspace import load_workspace

    workspace = load_workspace(ws)
    core = compute_status(load_roster(ws), workspace.templates(), workspace.campaign, load_returns(ws),
                          dt.date(2020, 11, 13), "城关镇")
    assert json.loads(result.stdout) == json.loads(json.dumps(core.to_dict(), default=str))
    data = json.loads(result.stdout)
    # As of 11-13, of 城关镇's 10 due reports: on time town r1, 谭伟 r1, 王芳 (区财政局); late town r2, 周立新 r1,
    # 李明; missing town r3, 区教育局, 谭伟 r2, 王芳 (区教育局). Pending: 周立新 r2 and the helpers' second round.
    # Tasks: town 11 of 13, leader 2/2, aid 0/2, cadre 2/4 (one done late), helpers 7 + 0 + 7 of 21.
    assert data["summary"] == {"due": 10, "on_time": 3, "late": 3, "missing": 4, "pending": 4, "returned": 0, "accepted": 0, "submitted": 6,
                               "rate": 0.6, "on_time_rate": 0.3, "task_done": 29, "task_total": 42,
                               "task_rate": 0.6905}


def test_district_table_and_csv(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--as-of", "2020-11-08")
    assert result.exit_code == 0
    assert "全区合计" in result.stdout and "龙潭镇" in result.stdout
    result = run(runner, ws, "status", "--as-of", "2020-11-08", "--format", "csv")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0][:6] == ["镇", "应报", "已报", "按时", "逾期", "未报"]
    assert rows[-1][:6] == ["全区合计", "6", "3", "3", "0", "3"]


def test_town_csv(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--town", "城关镇", "--as-of", "2020-11-10", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert len(rows) == 14
    assert [r["status"] for r in rows if r["role"] == "town"] == ["on_time", "late", "pending"]


def test_unknown_town_exit_2(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--town", "城关", "--as-of", "2020-11-10")
    assert result.exit_code == 2
    assert "城关镇" in result.stderr and result.stdout == ""


def test_bad_as_of_exit_2(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--as-of", "昨天")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_as_of_defaults_to_today(runner: CliRunner, ws: Path) -> None:
    result = run(runner, ws, "status", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["as_of"] == dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
