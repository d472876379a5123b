"""`fupin remind`: who to chase (overdue, then due within two days), phone and message; CSV with BOM."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from test_status_scenario import store_scenario


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    store_scenario(root)
    return root


def rows(runner: CliRunner, ws: Path, *args: str) -> list[dict[str, str]]:
    result = runner.invoke(app, ["-w", str(ws), "remind", "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))


def test_overdue_first_then_due_within_two_days(runner: CliRunner, ws: Path) -> None:
    got = [(r["状态"], r["名称"], r["截止日"]) for r in rows(runner, ws, "--town", "城关镇", "--as-of", "2020-11-10")]
    assert got == [
        ("未报", "王芳", "11月7日"),       # the 区教育局 王芳 (namesake of the one who reported)
        ("未报", "谭伟", "11月9日"),
        ("未到期", "区教育局", "11月11日"),
        ("未到期", "城关镇", "11月12日"),
        ("未到期", "周立新", "11月12日"),
    ]


def test_messages(runner: CliRunner, ws: Path) -> None:
    by_name = {r["名称"]: r for r in rows(runner, ws, "--town", "城关镇", "--as-of", "2020-11-10")}
    assert by_name["周立新"]["短信内容"] == "【催报】周立新同志：请于11月12日前报送《处级领导工作任务清单》第1次落实情况。测试区扶贫办"
    assert by_name["区教育局"]["短信内容"].startswith("【催报】区教育局蓝海燕同志：请于11月11日前")
    assert by_name["城关镇"]["短信内容"].startswith("【催报】城关镇覃建国同志：")
    assert "至今未收到" in by_name["谭伟"]["短信内容"]
    assert by_name["王芳"]["电话"] == "13600000002"


def test_no_cell_starts_a_formula(runner: CliRunner, ws: Path) -> None:
    lm = [r for r in rows(runner, ws, "--as-of", "2020-11-19") if r["名称"] == "李明"]
    assert lm and lm[0]["电话"] == "'=HYPERLINK(1)"


def test_table(runner: CliRunner, ws: Path) -> None:
    result = runner.invoke(app, ["-w", str(ws), "remind", "--as-of", "2020-11-10"])
    assert result.exit_code == 0
    assert "催报名单（" in result.stdout and "13600000002" in result.stdout
