"""At 80, 100 and 120 columns every name, status word and message shows whole: wrapped, never cropped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fupin_cli.cli import app
from fupin_cli.model.glossary import Status

AS_OF = ["--as-of", "2020-11-10"]
WIDTHS = [80, 100, 120]


def _run(runner, root: Path, width: int, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(root), *args], env={"COLUMNS": str(width)})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _json(runner, root: Path, *args: str) -> dict:
    return json.loads(_run(runner, root, 200, *args, "--format", "json"))


def _flat(text: str) -> str:
    """The output with every blank and line break removed (a folded paragraph joins up again)."""
    return re.sub(r"\s+", "", text)


def _assert_whole(output: str, texts: list[str]) -> None:
    assert "…" not in output
    flat = _flat(output)
    missing = [t for t in texts if _flat(t) not in flat]
    assert missing == []


@pytest.mark.parametrize("width", WIDTHS)
def test_status_town(demo_with_returns: Path, runner, width: int) -> None:
    data = _json(runner, demo_with_returns, "status", "--town", "城关镇", *AS_OF)
    output = _run(runner, demo_with_returns, width, "status", "--town", "城关镇", *AS_OF)
    names = [u["name"] for u in data["units"] if u["role"] != "helper"]
    names += [f"{v['village']}（{v['helpers']}人）" for v in data["villages"]]
    words = {Status(r["status"]).label for u in data["units"] if u["role"] != "helper" for r in u["rounds"]}
    messages = [p["message"] for p in data["problems"][:30]]
    lines = output.splitlines()
    assert all(any(n in line for line in lines) for n in names)  # a name is never broken across lines
    _assert_whole(output, [*names, *words, *messages])
    assert f"到位 {data['villages'][0]['rounds'][0]['reported']}/{data['villages'][0]['helpers']}" in output


@pytest.mark.parametrize("width", WIDTHS)
def test_status_district(demo_with_returns: Path, runner, width: int) -> None:
    data = _json(runner, demo_with_returns, "status", *AS_OF)
    output = _run(runner, demo_with_returns, width, "status", *AS_OF)
    for town in data["towns"]:
        row = next(line for line in output.splitlines() if line.strip().startswith(town["town"]))
        assert row.split()[1:6] == [str(town[k]) for k in ("due", "submitted", "on_time", "late", "missing")]
    _assert_whole(output, ["应报", "未到期", "报送率", "按时报送率", "任务完成率", "全区合计"])


@pytest.mark.parametrize("width", WIDTHS)
def test_remind(demo_with_returns: Path, runner, width: int) -> None:
    data = _json(runner, demo_with_returns, "remind", "--town", "城关镇", *AS_OF)
    output = _run(runner, demo_with_returns, width, "remind", "--town", "城关镇", *AS_OF)
    assert data["reminders"]
    texts = [r["name"] for r in data["reminders"]] + [r["phone"] for r in data["reminders"] if r["phone"]]
    _assert_whole(output, texts + [r["message"] for r in data["reminders"]])
    for n, r in enumerate(data["reminders"], 1):  # each message joins up whole in its numbered paragraph
        block = output.split(f"{n}．", 1)[1]
        assert _flat(block).startswith(_flat(r["message"]))


@pytest.mark.parametrize("width", WIDTHS)
def test_returns_list(demo_with_returns: Path, runner, width: int) -> None:
    data = _json(runner, demo_with_returns, "returns", "list")
    output = _run(runner, demo_with_returns, width, "returns", "list")
    records = data["returns"] if isinstance(data, dict) else data
    lines = output.splitlines()
    for r in records:
        assert any(r["name"] in line and r["return_id"][:8] in line for line in lines)
    _assert_whole(output, ["有效"])


@pytest.mark.parametrize("width", WIDTHS)
def test_templates_list(demo_with_returns: Path, runner, width: int) -> None:
    output = _run(runner, demo_with_returns, width, "templates", "list")
    titles = ["处级领导工作任务清单", "帮扶单位工作任务清单", "镇工作任务清单",
              "第一书记、驻村工作队员、村“两委”干部工作任务清单", "帮扶责任人入户帮扶活动工作任务清单"]
    lines = output.splitlines()
    assert all(any(t in line for line in lines) for t in titles)
    _assert_whole(output, titles)


@pytest.mark.parametrize("width", WIDTHS)
def test_check(demo_with_returns: Path, runner, width: int) -> None:
    data = _json(runner, demo_with_returns, "check", *AS_OF)
    output = _run(runner, demo_with_returns, width, "check", *AS_OF)
    texts = [v["name"] for v in data["violations"]] + [v["message"] for v in data["violations"]
                                                      if v["kind"] != "missing"]
    _assert_whole(output, texts)
