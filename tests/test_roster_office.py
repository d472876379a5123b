"""Rosters as offices keep them — merged cells, several worksheets, --replace of people who
already reported, ignored columns named, phones Excel mangled; and `roster list` / README showing the columns."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from fupin_cli.cli import app
from fupin_cli.intake.roster_import import import_roster, sheet_role
from fupin_cli.model.glossary import HEADER_ALIASES, Role
from fupin_cli.model.roles import ROLES
from fupin_cli.store.archive import load_returns
from fupin_cli.store.roster_file import load_roster

README = Path(__file__).resolve().parents[1] / "README.md"
AID_HEADER = ["帮扶单位", "所在镇", "挂点村", "负责人", "联系电话"]
HELPER_HEADER = ["姓名", "工作单位", "镇", "村", "帮扶户数", "联系电话"]
TOWNS = [["镇", "代码", "负责人", "联系电话"], ["城关镇", "451023100", "覃建国", "13907710101"]]
VILLAGES = [["镇", "村", "代码"], ["城关镇", "东岭村", "451023100200"], ["城关镇", "西江村", "451023100201"]]


def workbook(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None,
             hidden: tuple[str, ...] = ()) -> Path:
    """A real .xlsx with one worksheet per entry, cells merged as Excel merges them (value in the first cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def gbk_csv(path: Path, rows: list[list[object]]) -> Path:
    path.write_bytes("".join(",".join(str(c) for c in row) + "\r\n" for row in rows).encode("gbk"))
    return path


def do_import(runner, ws: Path, path: Path, role: str, *extra: str):
    return runner.invoke(app, ["-w", str(ws), "roster", "import", str(path), "--role", role, *extra])


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def units(ws: Path, role: Role) -> dict[str, object]:
    return {u.name: u for u in load_roster(ws).of(role)}


# ---- merged cells ----------------------------------------------------------------------------------------------


def test_merged_town_cell_is_carried_to_every_row_it_covers(runner, demo_workspace, tmp_path):
    rows = [["云溪区帮扶单位花名册", None, None, None, None], AID_HEADER,
            ["区水利局", "城关镇", "东岭村", "韦一", "13800000001"],
            ["区林业局", None, "西江村", "韦二", "13800000002"],
            ["区气象局", None, "北坡村", "韦三", "13800000003"],
            ["区商务局", "龙潭镇", "新圩村", "韦四", "13800000004"]]
    path = workbook(tmp_path / "aid.xlsx", {"帮扶单位": rows}, {"帮扶单位": ["A1:E1", "B3:B5"]})
    result = do_import(runner, demo_workspace, path, "aid_unit")
    assert result.exit_code == 0, result.output
    found = units(demo_workspace, Role.aid_unit)
    assert [found[n].town for n in ("区水利局", "区林业局", "区气象局", "区商务局")] == ["城关镇"] * 3 + ["龙潭镇"]
    assert found["区气象局"].villages == ("北坡村",)
    said = one_line(result.stdout)
    assert said.count("合并单元格") == 1
    assert "合并单元格的值已填入它覆盖的每一行：“所在镇”第 3–5 行" in said


def test_merged_town_and_village_of_helpers(runner, demo_workspace, tmp_path):
    rows = [HELPER_HEADER,
            ["黎一", "区财政局", "城关镇", "东岭村", 2, 13600000061],
            ["黎二", "区财政局", None, None, 1, 13600000062],
            ["黎三", "区教育局", "龙潭镇", "新圩村", 3, 13600000063],
            ["黎四", "区教育局", None, None, 1, 13600000064]]
    path = workbook(tmp_path / "h.xlsx", {"Sheet1": rows}, {"Sheet1": ["C2:C3", "D2:D3", "C4:C5", "D4:D5"]})
    result = import_roster(demo_workspace, path, Role.helper)
    assert result.ok, [f.message for f in result.findings]
    assert result.carried == [("镇", 2, 3), ("村", 2, 3), ("镇", 4, 5), ("村", 4, 5)]
    found = units(demo_workspace, Role.helper)
    assert (found["黎二"].town, found["黎二"].village) == ("城关镇", "东岭村")
    assert (found["黎四"].town, found["黎四"].village) == ("龙潭镇", "新圩村")


def test_a_blank_cell_that_is_not_merged_is_still_empty(demo_workspace, tmp_path):
    rows = [AID_HEADER, ["区水利局", "城关镇", "东岭村", "韦一", "13800000001"],
            ["区林业局", None, "西江村", "韦二", "13800000002"]]
    result = import_roster(demo_workspace, workbook(tmp_path / "aid.xlsx", {"S": rows}), Role.aid_unit)
    assert [(f.code, f.row, f.column) for f in result.findings] == [("missing-value", 3, "所在镇")]


@pytest.mark.office
def test_merged_cells_survive_libreoffice_xls(demo_workspace, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    rows = [AID_HEADER, ["区水利局", "城关镇", "东岭村", "韦一", "13800000001"],
            ["区林业局", None, "西江村", "韦二", "13800000002"]]
    source = workbook(tmp_path / "aid.xlsx", {"帮扶单位": rows}, {"帮扶单位": ["B2:B3"]})
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xls", "--outdir", str(tmp_path / "out"), str(source)],
                   check=True, capture_output=True, timeout=240)
    result = import_roster(demo_workspace, tmp_path / "out" / "aid.xls", Role.aid_unit)
    assert result.ok, [f.message for f in result.findings]
    assert result.carried == [("所在镇", 2, 3)]
    assert units(demo_workspace, Role.aid_unit)["区林业局"].town == "城关镇"


# ---- several worksheets ----------------------------------------------------------------------------------------

BOOK = {"填表说明": [["请按下列各表填写"]], "镇": TOWNS, "村": VILLAGES,
        "帮扶责任人": [HELPER_HEADER, ["黎明", "区财政局", "城关镇", "东岭村", 2, 13600000071]]}


@pytest.mark.parametrize(("role", "sheet"), [("town", "镇"), ("village", "村"), ("helper", "帮扶责任人")])
def test_the_sheet_named_for_the_role_is_read(runner, empty_workspace, tmp_path, role, sheet):
    path = workbook(tmp_path / "花名册.xlsx", BOOK)
    for earlier in ("town", "village")[: ("town", "village", "helper").index(role)]:
        assert do_import(runner, empty_workspace, path, earlier).exit_code == 0
    result = do_import(runner, empty_workspace, path, role)
    assert result.exit_code == 0, result.output
    assert f"读取的工作表：{sheet}（工作簿中共有：填表说明、镇、村、帮扶责任人" in one_line(result.stdout)
    expected = {"town": ["城关镇"], "village": ["东岭村", "西江村"], "helper": ["黎明"]}[role]
    assert sorted(units(empty_workspace, Role(role))) == sorted(expected)


def test_unnamed_sheets_are_chosen_by_their_header(empty_workspace, tmp_path):
    path = workbook(tmp_path / "b.xlsx", {"Sheet1": TOWNS, "Sheet2": VILLAGES})
    town = import_roster(empty_workspace, path, Role.town)
    assert (town.ok, town.sheet, [u.name for u in town.added]) == (True, "Sheet1", ["城关镇"])
    village = import_roster(empty_workspace, path, Role.village)
    assert (village.ok, village.sheet, [u.name for u in village.added]) == (True, "Sheet2", ["东岭村", "西江村"])


def test_one_sheet_per_town_needs_sheet_and_then_reads_only_that_one(runner, demo_workspace, tmp_path):
    path = workbook(tmp_path / "h.xlsx", {
        "城关镇": [HELPER_HEADER, ["黎一", "区财政局", "城关镇", "东岭村", 2, 13600000081]],
        "龙潭镇": [HELPER_HEADER, ["黎二", "区财政局", "龙潭镇", "新圩村", 1, 13600000082]],
        "旧表": [HELPER_HEADER, ["黎三", "区财政局", "龙潭镇", "新圩村", 1, 13600000083]],
    }, hidden=("旧表",))
    refused = do_import(runner, demo_workspace, path, "helper")
    assert refused.exit_code == 1
    said = one_line(refused.stderr)
    assert "有 2 张工作表都像帮扶责任人名单：城关镇、龙潭镇" in said and "--sheet" in said
    assert "黎一" not in units(demo_workspace, Role.helper)
    chosen = do_import(runner, demo_workspace, path, "helper", "--sheet", "龙潭镇")
    assert chosen.exit_code == 0, chosen.output
    found = units(demo_workspace, Role.helper)
    assert "黎二" in found and "黎一" not in found and "黎三" not in found


def test_an_unknown_sheet_is_a_usage_error_naming_the_sheets(runner, demo_workspace, tmp_path):
    path = workbook(tmp_path / "b.xlsx", BOOK)
    result = do_import(runner, demo_workspace, path, "helper", "--sheet", "帮扶人")
    assert result.exit_code == 2
    assert "“帮扶人”" in result.stderr and "填表说明、镇、村、帮扶责任人" in one_line(result.stderr)


def test_no_sheet_fits_the_role(demo_workspace, tmp_path):
    path = workbook(tmp_path / "b.xlsx", {"镇": TOWNS, "说明": [["备注"], ["无"]]})
    result = import_roster(demo_workspace, path, Role.helper)
    [finding] = result.findings
    assert finding.code == "roster-sheet-none"
    assert "姓名、镇、村" in finding.message and "镇、说明" in finding.message


def test_a_problem_on_a_chosen_sheet_names_the_sheet(runner, demo_workspace, tmp_path):
    book = dict(BOOK, 帮扶责任人=[HELPER_HEADER, ["黎明", "区财政局", "无此镇", "东岭村", 2, 13600000071]])
    result = do_import(runner, demo_workspace, workbook(tmp_path / "b.xlsx", book), "helper")
    assert result.exit_code == 1
    assert "工作表 帮扶责任人，第 2 行" in one_line(result.stderr)


@pytest.mark.parametrize(("name", "role"), [("帮扶责任人名单", Role.helper), ("村干部", Role.cadre), ("各镇", Role.town),
                                            ("行政村", Role.village), ("处级领导挂点", Role.leader),
                                            ("帮扶单位", Role.aid_unit), ("Sheet1", None), ("镇村", None)])
def test_sheet_names_are_read_for_their_role(name, role):
    assert sheet_role(name) is role


# ---- --replace names who goes ----------------------------------------------------------------------------------


def test_replace_names_each_removed_unit_and_its_returns(runner, demo_with_returns, tmp_path):
    ws = demo_with_returns
    helpers = load_roster(ws).of(Role.helper)
    counts = Counter(r.unit_id for r in load_returns(ws))
    keep = [u for u in helpers if u.town != "城关镇"]
    gone = [u for u in helpers if u.town == "城关镇"]
    assert any(counts[u.unit_id] for u in gone) and any(not counts[u.unit_id] for u in gone)
    rows = [HELPER_HEADER] + [[u.name, u.work_unit, u.town, u.village, u.households or "", u.phone] for u in keep]
    path = gbk_csv(tmp_path / "h.csv", rows)
    before = (ws / "roster" / "helpers.csv").read_bytes()
    for dry in (True, False):
        result = do_import(runner, ws, path, "helper", "--replace", *(["--dry-run"] if dry else []))
        assert result.exit_code == 0, result.output
        said = result.stdout
        assert ("将删除" if dry else "已删除") + f"（--replace，文件中没有）{len(gone)} 个：" in said
        for u in gone:
            line = next(x for x in said.splitlines() if f"（{u.unit_id}，" in x)
            assert u.name in line
            assert (f"已有回执 {counts[u.unit_id]} 份" if counts[u.unit_id] else "没有回执") in line
        if dry:
            assert (ws / "roster" / "helpers.csv").read_bytes() == before
    assert {u.unit_id for u in load_roster(ws).of(Role.helper)} == {u.unit_id for u in keep}


# ---- ignored columns, roster list, README ----------------------------------------------------------------------


def test_ignored_columns_are_named(runner, demo_workspace, tmp_path):
    rows = [["序号", *HELPER_HEADER, "备注", "身份证号"],
            ["1", "黎明", "区财政局", "城关镇", "东岭村", "2", "13600000091", "新调入", "450000199001011234"]]
    result = do_import(runner, demo_workspace, gbk_csv(tmp_path / "h.csv", rows), "helper")
    assert result.exit_code == 0, result.output
    assert "已忽略的列：序号、备注、身份证号" in result.stdout


def test_roster_list_shows_head_and_linked_villages_in_their_own_columns(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "roster", "list", "--role", "aid_unit"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "负责人" in line)
    assert "挂点村" in header and "备注" in header
    row = next(line for line in lines if "区教育局" in line)
    cells = [c.strip() for c in re.split(r"[│┃]", row)]
    assert "蓝海燕" in cells and "东岭村、西江村" in cells
    assert max(len(line) for line in lines) <= 120


def test_roster_list_of_people_has_no_empty_head_column(runner, demo_workspace):
    result = runner.invoke(app, ["-w", str(demo_workspace), "roster", "list", "--role", "helper"])
    assert result.exit_code == 0
    assert "负责人" not in result.stdout and "挂点村" not in result.stdout


def test_readme_lists_every_roles_headers_and_aliases():
    text = README.read_text(encoding="utf-8")
    start = text.index("### 花名册的列名")
    section = text[start:text.index("\n## ", start)]
    lines = section.splitlines()
    for info in ROLES.values():
        line = next((x for x in lines if x.startswith(f"| {info.label} | `--role {info.role.value}` |")), None)
        assert line is not None, info.label
        cells = line.split(" | ")[2].strip(" |").split("、")
        assert cells == [f"**{c.header}**" if c.required else c.header for c in info.columns], info.label
    for header, aliases in HEADER_ALIASES.items():
        if header == "编号":
            continue
        line = next(x for x in lines if x.startswith(f"| {header} |") and "`--role" not in x)
        for alias in aliases:
            assert alias in line, (header, alias)


# ---- phones Excel mangled, or missing --------------------------------------------------------------------------


def test_scientific_and_missing_phones_are_warnings_naming_the_row(runner, demo_workspace, tmp_path):
    rows = [HELPER_HEADER, ["黎一", "区财政局", "城关镇", "东岭村", "2", "1.35778E+10"],
            ["黎二", "区财政局", "城关镇", "东岭村", "1", ""],
            ["黎三", "区财政局", "城关镇", "东岭村", "1", "13577812345"]]
    path = gbk_csv(tmp_path / "h.csv", rows)
    result = import_roster(demo_workspace, path, Role.helper, dry_run=True)
    assert result.ok
    assert [(w.code, w.row, w.severity) for w in result.warnings] == [
        ("phone-scientific", 2, "warning"), ("phone-missing", 3, "warning")]
    cli = do_import(runner, demo_workspace, path, "helper")
    assert cli.exit_code == 0, cli.output
    said = one_line(cli.stderr)
    assert "第 2 行" in said and "联系电话被 Excel 改成了科学计数法" in said and "请把该列设为文本后重新导出" in said
    assert "第 3 行" in said and "没有填写联系电话" in said
    assert "已导入" in cli.stdout


def test_numeric_phones_in_a_workbook_are_fine(demo_workspace, tmp_path):
    rows = [HELPER_HEADER, ["黎一", "区财政局", "城关镇", "东岭村", 2, 13577812345]]
    result = import_roster(demo_workspace, workbook(tmp_path / "h.xlsx", {"S": rows}), Role.helper)
    assert result.ok and result.warnings == []
    assert units(demo_workspace, Role.helper)["黎一"].phone == "13577812345"


def test_a_file_without_a_phone_column_warns_once(demo_workspace, tmp_path):
    rows = [HELPER_HEADER[:-1], ["黎一", "区财政局", "城关镇", "东岭村", "2"], ["黎二", "区财政局", "城关镇", "东岭村", "1"]]
    result = import_roster(demo_workspace, gbk_csv(tmp_path / "h.csv", rows), Role.helper, dry_run=True)
    assert result.ok
    assert [(w.code, w.row) for w in result.warnings] == [("phone-column-missing", 1)]


def test_remind_never_offers_a_mangled_number(runner, demo_workspace, tmp_path):
    rows = [HELPER_HEADER, ["黎一", "区财政局", "城关镇", "东岭村", "2", "1.35778E+10"]]
    assert do_import(runner, demo_workspace, gbk_csv(tmp_path / "h.csv", rows), "helper").exit_code == 0
    assert units(demo_workspace, Role.helper)["黎一"].phone == "1.35778E+10"  # the roster keeps what was written
    args = ["-w", str(demo_workspace), "remind", "--town", "城关镇", "--as-of", "2020-11-10"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "黎一" in table.stdout and "1.35778E+10" not in table.stdout
    as_json = runner.invoke(app, [*args, "--format", "json"])
    mine = [r for r in json.loads(as_json.stdout)["reminders"] if r["name"] == "黎一"]
    assert mine and all(r["phone"] == "" for r in mine)
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    assert "黎一" in as_csv.stdout and "1.35778E+10" not in as_csv.stdout
