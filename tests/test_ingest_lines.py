"""Issue 18, case 9: `ingest` prints one ⚠ line per warning (file, row, column, text), as ✗ for refusals."""

from __future__ import annotations

from pathlib import Path

from fill import csv_bytes, return_rows
from fupin_cli.intake.ingest import IngestOutcome
from fupin_cli.model.problems import make_problem
from fupin_cli.model.workspace import load_workspace
from fupin_cli.render.returns import finding_lines
from inbox import fupin, squash, unit_id, unit_rounds


def test_each_warning_is_a_line_with_its_place(runner, demo_workspace):
    ws = demo_workspace
    town = load_workspace(ws).templates()["town"]
    answers = [("是", ""), ("差不多", "")] + [("是", "11月5日")] * 11
    good = ws / "inbox" / "城关镇.csv"
    good.parent.mkdir(parents=True)
    good.write_bytes(csv_bytes(return_rows(town, "城关镇", answers)))
    bad = ws / "inbox" / "桃源镇.csv"
    bad.write_bytes(csv_bytes(return_rows(town, "桃源镇")))
    result = fupin(runner, ws, "ingest", good, bad, "--received", "2020-11-06T18:00")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(("⚠", "✗"))]
    assert lines == [
        f"⚠ {good}，工作表 城关镇，第 9 行，“D”列：“是否完成”填写为“差不多”，无法识别，按未完成计；请填“是”或“否”",
        f"⚠ {good}，工作表 城关镇，第 8 行，“完成时间”列：已填“是”但没有填写完成时间",
        f"✗ {bad}，工作表 桃源镇，第 3 行，“B”列：花名册中找不到“桃源镇”（镇工作任务清单）；请核对姓名/单位，或用 --unit 指定编号",
    ]
    assert "拒收1；提醒2条" in squash(result.stderr)
    assert unit_rounds(runner, ws, unit_id(ws, "town", "城关镇"), "2020-11-08") == [
        (1, "on_time"), (2, "pending"), (3, "pending")]


def test_a_batch_with_thousands_of_warnings_lists_the_first_and_counts_the_rest(tmp_path: Path):
    warning = make_problem("done-without-date", file="a.csv", row=10, column="完成时间")
    outcomes = [IngestOutcome(tmp_path / f"{i}.csv", "accepted", findings=[warning] * 3) for i in range(100)]
    lines = finding_lines(outcomes, limit=200)
    assert len(lines) == 201 and lines[-1] == "[yellow]⚠[/] 另有 100 条提醒未列出；完整清单：--format json"
    assert lines[0] == "[yellow]⚠[/] a.csv，第 10 行，“完成时间”列：已填“是”但没有填写完成时间"
