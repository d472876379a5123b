"""The export as a clerk prints it: one date style a sheet, a chart on one page named by task, no internal ids in
the problem list, and columns as wide as their content."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.forms.style import text_width
from fupin_cli.render.export_xlsx import CHART_MAX_HEIGHT, DAY_FORMAT, MAX_WIDTH, MIN_WIDTH, TEXT_WIDTH
from fupin_cli.store.roster_file import load_roster
from test_status_scenario import store_scenario

EMU_PER_CM = 360000


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The scenario's district exported as of 11-13: (workspace, workbook)."""
    root = tmp_path_factory.mktemp("export") / "ws"
    store_scenario(root)
    out = root.parent / "汇总.xlsx"
    result = CliRunner().invoke(app, ["-w", str(root), "export", "--as-of", "2020-11-13", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return root, out


def _rows_after(sheet, first: str, third: str) -> list[tuple]:
    """The table rows under the header row whose first and third cells are `first` and `third`."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == first and r[2] == third)
    found = []
    for r in rows[start + 1:]:
        if r[0] is None or (isinstance(r[0], str) and r[0].startswith(("一、", "二、", "三、", "截止日"))):
            break
        found.append(r)
    return found


def test_one_date_style_a_sheet(exported: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(exported[1])
    for sheet in wb.worksheets:
        formats = {c.number_format for row in sheet.iter_rows() for c in row if isinstance(c.value, dt.date)}
        assert formats <= {DAY_FORMAT}, (sheet.title, formats)
        for row in sheet.iter_rows():
            for c in row:
                if isinstance(c.value, str):  # no 11-06 or 2020-11-06 next to 11月6日
                    assert not re.search(r"\d{1,2}-\d{1,2}\b", c.value), (sheet.title, c.coordinate, c.value)
    town = wb["城关镇"]
    dated = [c for row in town.iter_rows() for c in row if isinstance(c.value, dt.date)]
    assert len(dated) == 11 + 13  # 完成时间 of the town's 11 done tasks, 截止日 of the 13 problems
    matrix = {r[2]: r[4:7] for r in _rows_after(town, "角色", "名称")}
    assert matrix["城关镇"] == ("按时\n11月6日 23:00", "逾期\n11月10日 09:00", "未报")
    assert matrix["周立新"][0] == "逾期\n11月13日 08:00"


def _categories(wb: openpyxl.Workbook, sheet, chart) -> list[str]:
    ref = chart.series[0].cat.strRef or chart.series[0].cat.numRef
    title, cells = ref.f.rsplit("!", 1)
    assert title.strip("'") == sheet.title
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [sheet.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]


def test_the_chart_names_its_tasks_and_fits_on_one_page(exported: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(exported[1])
    town = wb["城关镇"]
    [chart] = town._charts
    labels = _categories(wb, town, chart)
    tasks = _rows_after(town, "角色", "工作任务")
    assert len(labels) == len(tasks) == 28
    assert labels[:3] == ["镇1 建档立卡今年脱贫贫困人口…", "镇2 摘帽村“十一有一低于”台…", "镇3 1.对脱贫不稳定户监测帮…"]
    assert labels[12] == "镇13 是否开展“四合一”迎检工…"
    assert labels[-1] == "帮扶责任人7 在督查组督查到所帮扶联系…"
    for label, task in zip(labels, tasks, strict=True):
        assert label.startswith(f"{task[0]}{task[1]} {task[2][:12]}")
    # The labels' column is hidden and outside the print area.
    label_col = range_boundaries((chart.series[0].cat.strRef or chart.series[0].cat.numRef).f.split("!")[1]
                                 .replace("$", ""))[0]
    area = town.print_area.split("!")[1].replace("$", "")
    assert label_col > range_boundaries(area)[2]
    assert town.column_dimensions[get_column_letter(label_col)].hidden
    # One page: a break right above the chart, another below its last row, no taller than a page holds.
    height_cm, width_cm = chart.anchor.ext.height / EMU_PER_CM, chart.anchor.ext.width / EMU_PER_CM
    assert height_cm <= CHART_MAX_HEIGHT and width_cm <= 24
    top = chart.anchor._from.row  # 0-based: the chart starts on row top + 1
    breaks = sorted(b.id for b in town.row_breaks.brk)
    assert top in breaks  # the page ends on the row above the chart
    rows_below = [b for b in breaks if b > top]
    assert rows_below and (rows_below[0] - top) * 0.5 >= height_cm  # default rows are at least 0.5 cm tall
    assert all(town.row_dimensions[r].height is None for r in range(top + 1, rows_below[0] + 1))


def test_the_problem_list_carries_no_internal_ids(exported: tuple[Path, Path]) -> None:
    root, out = exported
    town = openpyxl.load_workbook(out)["城关镇"]
    problems = _rows_after(town, "序号", "说明")
    header = next(r for r in town.iter_rows(values_only=True) if r[0] == "序号" and r[2] == "说明")
    assert header[:8] == ("序号", "类别", "说明", "角色", "名称", "村", "批次", "截止日")
    ids = {u.unit_id for u in load_roster(root).all_units()}
    for row in problems:
        for value in row:
            assert not (isinstance(value, str) and any(i in value for i in ids)), value
    # The namesake 王芳 who never reported is told apart by her 工作单位; the others by name alone.
    assert [(r[1], r[3], r[4], r[5]) for r in problems[:5]] == [
        ("未报", "帮扶责任人", "王芳（区教育局）", "东岭村"), ("未报", "村干部", "谭伟", "东岭村"),
        ("未报", "帮扶单位", "区教育局", None), ("未报", "镇", "城关镇", None), ("逾期", "帮扶责任人", "李明", "西江村")]
    assert len(problems) == 13


def test_columns_are_as_wide_as_their_content(exported: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(exported[1])
    for sheet in wb.worksheets:
        merged = {rc for rng in sheet.merged_cells.ranges for rc in rng.cells}
        # A town sheet prints A to H (its chart's labels sit in a hidden column after); the district sheet all.
        last = range_boundaries(sheet.print_area.split("!")[1].replace("$", ""))[2] if sheet.print_area else \
            sheet.max_column
        for col in range(1, last + 1):
            letter = get_column_letter(col)
            width = sheet.column_dimensions[letter].width
            widest = max((text_width(_as_shown(c.value)) for row in sheet.iter_rows(min_col=col, max_col=col)
                          for c in row if c.value is not None and (c.row, c.column) not in merged), default=0)
            if widest > TEXT_WIDTH:  # the task text and 说明 share column C: as wide as allowed, long ones wrap
                assert (letter, width) == ("C", TEXT_WIDTH), (sheet.title, width, widest)
                continue
            assert widest + 1 <= width, (sheet.title, letter, width, widest)  # nothing cut off or shown as ###
            assert width <= max(widest + 2, MIN_WIDTH) + 0.1, (sheet.title, letter, width, widest)  # no padding
            assert width <= MAX_WIDTH
    town = wb["城关镇"]
    # 批次 (第1次) needs less room than 截止日 of a round cell (逾期 11月10日 09:00), unlike the old fixed widths.
    assert town.column_dimensions["G"].width < town.column_dimensions["E"].width


def _as_shown(value: object) -> str:
    """The widest line of a cell as the sheet shows it (dates 11月6日, rates 66.7%)."""
    if isinstance(value, dt.date):
        return f"{value.month}月{value.day}日"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return max(str(value).split("\n"), key=text_width)
