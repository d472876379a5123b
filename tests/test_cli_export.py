"""`fupin export`: the 汇总表 workbook — sheets, matrix, completion, problems, a native bar chart, print setup."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fupin_cli.cli import app
from fupin_cli.model.glossary import Role
from fupin_cli.store.roster_file import load_roster
from test_status_scenario import store_scenario, unit_id


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    store_scenario(root)
    return root


def test_district_workbook(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["-w", str(ws), "export", "--as-of", "2020-11-13", "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["全区汇总", "城关镇", "龙潭镇"]
    summary = wb["全区汇总"]
    values = [[c.value for c in row] for row in summary.iter_rows(min_row=5, max_row=7)]
    assert values[-1][:6] == ["全区合计", 13, 6, 3, 3, 7]
    town = wb["城关镇"]
    texts = [c.value for row in town.iter_rows() for c in row if isinstance(c.value, str)]
    assert "逾期\n11月10日 09:00" in texts and "未报" in texts and any(t.startswith("到位 1/2") for t in texts)
    assert any(t.startswith("第 3 次报送") for t in texts)
    assert len(town._charts) == 1 and town._charts[0].tagname == "barChart"
    assert town.page_setup.orientation == "landscape" and str(town.page_setup.paperSize) == str(town.PAPERSIZE_A4)
    assert town.sheet_properties.pageSetUpPr.fitToPage and town.print_title_rows == "$1:$2"
    assert town["A1"].font.name == "黑体"


def test_one_town(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "town.xlsx"
    result = runner.invoke(app, ["-w", str(ws), "export", "--town", "龙潭镇", "--as-of", "2020-11-13", "-o", str(out)])
    assert result.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["龙潭镇"]


def test_formula_like_text_stays_text(ws: Path, tmp_path: Path) -> None:
    import datetime as dt

    from fupin_cli.count.status import compute_status
    from fupin_cli.model.workspace import load_workspace
    from fupin_cli.render.export_xlsx import build_workbook
    from fupin_cli.store.roster_file import load_roster

    workspace = load_workspace(ws)
    cadres = ws / "roster" / "cadres.csv"
    cadres.write_text(cadres.read_text(encoding="utf-8-sig").replace("谭伟", "=1+1"), encoding="utf-8-sig")
    roster = load_roster(ws)
    result = compute_status(roster, workspace.templates(), workspace.campaign, [], dt.date(2020, 11, 13))
    wb = build_workbook(result, workspace.campaign)
    path = tmp_path / "f.xlsx"
    wb.save(path)
    found = []
    for ws_ in openpyxl.load_workbook(path).worksheets:
        for row in ws_.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws_.title, c.coordinate, c.value)
                found += [c.value] if c.value == "=1+1" else []
    assert found  # the name is there, as text


def test_unknown_town_exit_2(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(ws), "export", "--town", "无此镇", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and not (tmp_path / "x.xlsx").exists()


def test_charts_print_their_bars_and_rows_fit_their_text(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "汇总.xlsx"
    assert runner.invoke(app, ["-w", str(ws), "export", "--as-of", "2020-11-13", "--out", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # the district's and one per town
    for xml in charts:
        assert '<plotVisOnly val="0"' in xml  # category labels live in a hidden helper column
        assert xml.count('<delete val="0"') == 2  # both axes shown
    town = openpyxl.load_workbook(out)["城关镇"]
    long_rows = [c.row for row in town.iter_rows() for c in row
                 if isinstance(c.value, str) and len(c.value) > 60 and c.column == 3]
    assert long_rows
    assert all(town.row_dimensions[r].height and town.row_dimensions[r].height > 40 for r in long_rows)


def test_export_refuses_a_name_that_is_not_xlsx(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(ws), "export", "--as-of", "2020-11-13", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_problem_list_names_units_and_tells_namesakes_apart(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    assert runner.invoke(app, ["-w", str(ws), "export", "--town", "城关镇", "--as-of", "2020-11-13",
                               "--out", str(out)]).exit_code == 0
    sheet = openpyxl.load_workbook(out)["城关镇"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[2] == "说明")
    assert rows[start][:6] == ("序号", "类别", "说明", "角色", "名称", "村")
    listed = [(r[0], r[1], r[3], r[4], r[5]) for r in rows[start + 1:] if isinstance(r[0], int)]
    roster = load_roster(ws)
    # No internal id is printed: units go by name ...
    town, aid, leader, cadre, li = "城关镇", "区教育局", "周立新", "谭伟", "李明"
    ids = {u.unit_id for u in roster.all_units()}
    assert unit_id(roster, Role.helper, "王芳", "区教育局") in ids and len(ids) == 11  # villages too
    assert not [v for r in rows[start + 1:] for v in r if isinstance(v, str) and any(i in v for i in ids)]
    # ... and the 王芳 who never reported, the one of 区教育局, is told from her namesake by her work unit.
    wang = "王芳（区教育局）"
    assert listed == [
        (1, "未报", "帮扶责任人", wang, "东岭村"), (2, "未报", "村干部", cadre, "东岭村"),
        (3, "未报", "帮扶单位", aid, None), (4, "未报", "镇", town, None),
        (5, "逾期", "帮扶责任人", li, "西江村"), (6, "逾期", "镇", town, None), (7, "逾期", "处级领导", leader, None),
        (8, "未完成", "村干部", cadre, "东岭村"), (9, "未完成", "村干部", cadre, "东岭村"),
        (10, "未完成", "镇", town, None), (11, "未完成", "镇", town, None),
        (12, "完成晚", "村干部", cadre, "东岭村"), (13, "提示", "村干部", cadre, "东岭村"),
    ]
    assert Counter(r[3] for r in listed) == {cadre: 5, town: 4, wang: 1, aid: 1, li: 1, leader: 1}
    assert sheet.row_breaks.brk  # the chart sits on its own printed page
