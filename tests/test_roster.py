"""Roster import from office spreadsheets: encodings, XLSX, header aliases, refusals, namesakes, idempotence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from fupin_cli.cli import app
from fupin_cli.intake.roster_import import import_roster
from fupin_cli.model.glossary import Role
from fupin_cli.model.roles import ROLES
from fupin_cli.store.roster_file import load_roster

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"

# One small district, role by role, as an office keeps it (canonical headers).
TABLES: dict[str, list[list[object]]] = {
    "town": [["镇", "代码", "负责人", "联系电话"],
             ["城关镇", "451023100", "覃建国", "13907710101"],
             ["龙潭镇", "451023101", "黄永明", "13907710102"]],
    "village": [["镇", "村", "代码"],
                ["城关镇", "东岭村", "451023100200"],
                ["城关镇", "西江村", "451023100201"],
                ["龙潭镇", "新圩村", "451023101201"]],
    "aid_unit": [["帮扶单位", "所在镇", "挂点村", "负责人", "联系电话"],
                 ["区教育局", "城关镇", "东岭村、西江村", "蓝海燕", "13807710201"],
                 ["区农业农村局", "龙潭镇", "新圩村", "莫春华", "13807710203"]],
    "leader": [["姓名", "职务", "挂点镇", "联系电话"],
               ["周立新", "区委常委、常务副区长", "城关镇", "13707710301"]],
    "cadre": [["姓名", "职务", "镇", "村", "联系电话"],
              ["谭伟", "第一书记", "城关镇", "东岭村", "13577710001"],
              ["陈金凤", "村支部书记", "龙潭镇", "新圩村", "13577710003"]],
    "helper": [["姓名", "工作单位", "镇", "村", "帮扶户数", "联系电话"],
               ["邓春梅", "区财政局", "城关镇", "东岭村", "3", "13677710001"],
               ["吴桂芳", "区农业农村局", "龙潭镇", "新圩村", "4", "13677710002"]],
}
ORDER = ["town", "village", "aid_unit", "leader", "cadre", "helper"]


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    """CSV bytes in the given encoding, CRLF as Excel writes them."""
    text = "".join(",".join(str(c) for c in row) + "\r\n" for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str = "花名册") -> Path:
    """A real workbook: numbers as numbers, the way offices type phone numbers and codes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in row])
    book.save(path)
    return path


def roster_bytes(root: Path) -> dict[str, bytes]:
    return {name: (root / "roster" / name).read_bytes() for name in sorted(i.roster_file for i in ROLES.values())}


def listing(runner, root: Path, *args: str) -> list[dict]:
    result = runner.invoke(app, ["-w", str(root), "roster", "list", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def do_import(runner, root: Path, path: Path, role: str):
    return runner.invoke(app, ["-w", str(root), "roster", "import", str(path), "--role", role])


# ---- encodings and XLSX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "xlsx"])
def test_import_every_role(runner, empty_workspace, tmp_path, encoding):
    for role in ORDER:
        if encoding == "xlsx":
            path = write_xlsx(tmp_path / f"{role}.xlsx", TABLES[role])
        else:
            path = write_csv(tmp_path / f"{role}.csv", TABLES[role], encoding)
            if encoding == "utf-8-sig":
                assert path.read_bytes().startswith(b"\xef\xbb\xbf")
            if encoding in ("gb18030", "gbk"):
                with pytest.raises(UnicodeDecodeError):
                    path.read_bytes().decode("utf-8")
        result = do_import(runner, empty_workspace, path, role)
        assert result.exit_code == 0, result.output
        assert "已导入" in result.stdout
    units = listing(runner, empty_workspace)
    by_role: dict[str, list[dict]] = {}
    for unit in units:
        assert {"role", "unit_id", "name", "town", "village", "phone"} <= set(unit)
        by_role.setdefault(unit["role"], []).append(unit)
    assert {r: len(v) for r, v in by_role.items()} == {r: len(TABLES[r]) - 1 for r in ORDER}
    towns = {u["name"]: u for u in by_role["town"]}
    assert towns["城关镇"]["unit_id"] == "451023100" and towns["城关镇"]["phone"] == "13907710101"
    aid = {u["name"]: u for u in by_role["aid_unit"]}
    assert aid["区教育局"]["villages"] == ["东岭村", "西江村"]
    helper = {u["name"]: u for u in by_role["helper"]}["邓春梅"]
    assert (helper["town"], helper["village"], helper["phone"], helper["households"], helper["work_unit"]) == (
        "城关镇", "东岭村", "13677710001", 3, "区财政局")
    cadre = {u["name"]: u for u in by_role["cadre"]}["谭伟"]
    assert (cadre["village"], cadre["post"]) == ("东岭村", "第一书记")
    assert {u["name"]: u for u in by_role["leader"]}["周立新"]["town"] == "城关镇"
    # The stored roster is UTF-8 with BOM whatever the file came in.
    for data in roster_bytes(empty_workspace).values():
        assert data.startswith(b"\xef\xbb\xbf")


def test_gb18030_only_characters(runner, demo_workspace, tmp_path):
    rows = [["姓名", "工作单位", "镇", "村", "帮扶户数", "联系电话"], ["李𠮷", "区财政局", "城关镇", "东岭村", "2", "13600000001"]]
    path = write_csv(tmp_path / "h.csv", rows, "gb18030")
    result = do_import(runner, demo_workspace, path, "helper")
    assert result.exit_code == 0, result.output
    assert "李𠮷" in {u["name"] for u in listing(runner, demo_workspace, "--role", "helper")}


# ---- headers -------------------------------------------------------------------------------------------------


def test_headers_in_any_order_with_aliases_title_row_and_extra_columns(runner, demo_workspace, tmp_path):
    rows = [
        ["云溪区帮扶责任人花名册（2020年11月）", "", "", "", "", "", ""],
        ["备注", "手机", "村委", "帮扶责任人", "镇街", "工作单位", "帮扶户数"],
        ["新来的", "13600000011", "东岭村", "黎明", "城关镇", "区财政局", "2"],
    ]
    path = write_xlsx(tmp_path / "h.xlsx", rows)
    result = do_import(runner, demo_workspace, path, "helper")
    assert result.exit_code == 0, result.output
    unit = next(u for u in listing(runner, demo_workspace, "--role", "helper") if u["name"] == "黎明")
    assert (unit["town"], unit["village"], unit["phone"], unit["households"]) == ("城关镇", "东岭村", "13600000011", 2)
    assert "新来的" not in json.dumps(unit, ensure_ascii=False)


@pytest.mark.parametrize(
    ("role", "header"),
    [
        ("cadre", ["帮扶人", "职务", "乡镇", "行政村", "电话"]),
        ("cadre", ["姓名", "职务", "镇", "村委", "手机"]),
        ("helper", ["帮扶人", "工作单位", "乡镇", "行政村", "帮扶户数", "电话"]),
    ],
)
def test_header_aliases(runner, demo_workspace, tmp_path, role, header):
    row = ["黎明", "区财政局" if role == "helper" else "驻村工作队员", "城关镇", "东岭村"]
    row += ["1"] if role == "helper" else []
    row += ["13600000012"]
    path = write_csv(tmp_path / "f.csv", [header, row], "gbk")
    result = do_import(runner, demo_workspace, path, role)
    assert result.exit_code == 0, result.output
    unit = next(u for u in listing(runner, demo_workspace, "--role", role) if u["name"] == "黎明")
    assert (unit["town"], unit["village"], unit["phone"]) == ("城关镇", "东岭村", "13600000012")


@pytest.mark.parametrize("separator", ["、", "，", ";", "；"])
def test_aid_unit_villages_split(runner, demo_workspace, tmp_path, separator):
    rows = [["帮扶单位", "所在镇", "挂点村", "负责人", "联系电话"], ["区水利局", "城关镇", f"东岭村{separator}北坡村", "韦一", "13800000001"]]
    # A CSV cell holding ; or ， is still one cell; quote the field for safety.
    rows[1][2] = f'"{rows[1][2]}"'
    result = do_import(runner, demo_workspace, write_csv(tmp_path / "a.csv", rows), "aid_unit")
    assert result.exit_code == 0, result.output
    unit = next(u for u in listing(runner, demo_workspace, "--role", "aid_unit") if u["name"] == "区水利局")
    assert unit["villages"] == ["东岭村", "北坡村"]


def test_ideographic_space_in_a_town_name(runner, demo_workspace, tmp_path):
    rows = [["姓名", "职务", "挂点镇", "联系电话"], ["覃一", "副区长", "城关镇\u3000", "13700000001"]]
    result = do_import(runner, demo_workspace, write_csv(tmp_path / "l.csv", rows), "leader")
    assert result.exit_code == 0, result.output
    unit = next(u for u in listing(runner, demo_workspace, "--role", "leader") if u["name"] == "覃一")
    assert unit["town"] == "城关镇"


# ---- refusals ------------------------------------------------------------------------------------------------

HELPER_HEADER = ["姓名", "工作单位", "镇", "村", "帮扶户数", "联系电话"]
GOOD = ["黎明", "区财政局", "城关镇", "东岭村", "2", "13600000021"]

REFUSALS = {
    "unknown-town": ([HELPER_HEADER, GOOD, ["韦二", "区财政局", "无此镇", "东岭村", "1", "13600000022"]],
                     [("unknown-town", 3)]),
    "unknown-village": ([HELPER_HEADER, GOOD, ["韦二", "区财政局", "城关镇", "无此村", "1", "13600000022"]],
                        [("unknown-village", 3)]),
    "duplicate-unit": ([HELPER_HEADER, GOOD, ["韦二", "区财政局", "城关镇", "西江村", "1", "13600000022"], GOOD],
                       [("duplicate-unit", 4)]),
    "missing-column": ([["姓名", "工作单位", "镇", "帮扶户数", "联系电话"], ["黎明", "区财政局", "城关镇", "2", "13600000021"]],
                       [("missing-column", 1)]),
    "missing-value": ([HELPER_HEADER, GOOD, ["", "区财政局", "城关镇", "东岭村", "1", "13600000022"],
                       ["韦三", "区财政局", "城关镇", "", "1", "13600000023"]],
                      [("missing-value", 3), ("missing-value", 4)]),
    "several": ([HELPER_HEADER, ["韦二", "区财政局", "无此镇", "东岭村", "1", "1"], GOOD,
                 ["韦三", "区财政局", "龙潭镇", "东岭村", "1", "2"]],
                [("unknown-town", 2), ("unknown-village", 4)]),
    "all-at-once": ([HELPER_HEADER, ["韦二", "区财政局", "无此镇", "东岭村", "1", "1"], GOOD, GOOD],
                    [("unknown-town", 2), ("duplicate-unit", 4)]),
}


@pytest.mark.parametrize("case", list(REFUSALS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_refusals_name_the_row_and_change_nothing(runner, demo_workspace, tmp_path, monkeypatch, case, fmt):
    rows, expected = REFUSALS[case]
    path = write_xlsx(tmp_path / "h.xlsx", rows) if fmt == "xlsx" else write_csv(tmp_path / "h.csv", rows, "gb18030")
    monkeypatch.chdir(tmp_path)  # a short relative path keeps Rich from wrapping the message
    path = Path(path.name)
    before = roster_bytes(demo_workspace)
    result = import_roster(demo_workspace, path, Role.helper)
    assert not result.ok
    assert [(f.code, f.row) for f in result.findings] == expected
    assert all(f.severity == "error" for f in result.findings)
    cli = do_import(runner, demo_workspace, path, "helper")
    assert cli.exit_code == 1
    stderr = re.sub(r"\s+", " ", cli.stderr)  # Rich wraps long lines at blanks
    for _code, row in expected:
        assert f"第 {row} 行" in stderr
    assert "已导入" not in cli.stdout
    assert roster_bytes(demo_workspace) == before


def test_unknown_role_is_bad_usage(runner, demo_workspace, tmp_path):
    path = write_csv(tmp_path / "h.csv", [HELPER_HEADER, GOOD])
    result = do_import(runner, demo_workspace, path, "mayor")
    assert result.exit_code == 2


def test_missing_file_is_bad_usage(runner, demo_workspace, tmp_path):
    result = do_import(runner, demo_workspace, tmp_path / "nope.csv", "helper")
    assert result.exit_code == 2


def test_unsupported_file_is_refused(runner, demo_workspace, tmp_path):
    path = tmp_path / "h.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    before = roster_bytes(demo_workspace)
    result = do_import(runner, demo_workspace, path, "helper")
    assert result.exit_code == 1
    assert roster_bytes(demo_workspace) == before


# ---- namesakes and idempotence --------------------------------------------------------------------------------

NAMESAKES = [HELPER_HEADER,
             ["王芳", "区财政局", "城关镇", "东岭村", "2", "13600000031"],
             ["王芳", "区教育局", "城关镇", "东岭村", "3", "13600000032"],
             ["黎明", "区财政局", "城关镇", "西江村", "1", "13600000033"]]


def _ids(runner, root: Path) -> dict[str, str]:
    return {u["phone"]: u["unit_id"] for u in listing(runner, root, "--role", "helper") if u["name"] in ("王芳", "黎明")}


def _with_places(runner, root: Path, tmp_path: Path) -> None:
    for role in ("town", "village"):
        assert do_import(runner, root, write_csv(tmp_path / f"{role}.csv", TABLES[role]), role).exit_code == 0


def test_namesakes_get_distinct_stable_ids(runner, empty_workspace, tmp_path):
    _with_places(runner, empty_workspace, tmp_path)
    path = write_csv(tmp_path / "h.csv", NAMESAKES)
    assert do_import(runner, empty_workspace, path, "helper").exit_code == 0
    ids = _ids(runner, empty_workspace)
    assert len(ids) == 3 and len(set(ids.values())) == 3
    after_first = roster_bytes(empty_workspace)
    again = do_import(runner, empty_workspace, path, "helper")
    assert again.exit_code == 0
    assert _ids(runner, empty_workspace) == ids
    assert roster_bytes(empty_workspace) == after_first
    reordered = write_xlsx(tmp_path / "h.xlsx", [NAMESAKES[0], NAMESAKES[3], NAMESAKES[2], NAMESAKES[1]])
    assert do_import(runner, empty_workspace, reordered, "helper").exit_code == 0
    assert _ids(runner, empty_workspace) == ids
    assert roster_bytes(empty_workspace) == after_first


def test_namesake_ids_do_not_depend_on_row_order_in_a_fresh_roster(runner, tmp_path):
    from fupin_cli.store.scaffold import init_workspace

    seen = []
    for n, rows in enumerate([NAMESAKES, [NAMESAKES[0], NAMESAKES[2], NAMESAKES[3], NAMESAKES[1]]]):
        root = tmp_path / f"ws{n}"
        init_workspace(root)
        _with_places(runner, root, tmp_path)
        assert do_import(runner, root, write_csv(tmp_path / f"h{n}.csv", rows), "helper").exit_code == 0
        seen.append(_ids(runner, root))
    assert seen[0] == seen[1]


def test_namesake_whose_phone_changes_is_not_a_new_person(runner, empty_workspace, tmp_path):
    _with_places(runner, empty_workspace, tmp_path)
    assert do_import(runner, empty_workspace, write_csv(tmp_path / "h.csv", NAMESAKES[:2]), "helper").exit_code == 0
    (only,) = _ids(runner, empty_workspace).values()
    moved = [HELPER_HEADER, ["王芳", "区财政局", "城关镇", "东岭村", "2", "13600000099"]]
    result = do_import(runner, empty_workspace, write_csv(tmp_path / "h2.csv", moved), "helper")
    assert result.exit_code == 0
    assert "更新 1" in result.stdout
    assert list(_ids(runner, empty_workspace).items()) == [("13600000099", only)]


def test_demo_namesakes():
    wang = [u for u in load_roster(DEMO).of(Role.helper) if u.name == "王芳"]
    assert len(wang) == 2 and len({u.unit_id for u in wang}) == 2
    assert {(u.town, u.village) for u in wang} == {("城关镇", "东岭村")}


@pytest.mark.parametrize("role", ORDER)
def test_importing_the_same_file_twice_changes_nothing(runner, empty_workspace, tmp_path, role):
    for earlier in ORDER[: ORDER.index(role)]:
        assert do_import(runner, empty_workspace, write_csv(tmp_path / f"{earlier}.csv", TABLES[earlier]), earlier).exit_code == 0
    path = write_csv(tmp_path / f"{role}.csv", TABLES[role], "gbk")
    assert do_import(runner, empty_workspace, path, role).exit_code == 0
    first = roster_bytes(empty_workspace)
    result = do_import(runner, empty_workspace, path, role)
    assert result.exit_code == 0
    assert "新增 0，更新 0" in result.stdout
    assert roster_bytes(empty_workspace) == first


@pytest.mark.parametrize("role", ORDER)
def test_the_demo_roster_reimports_unchanged(demo_workspace, role):
    """The stored CSV is itself an importable office file: importing it back changes nothing."""
    before = roster_bytes(demo_workspace)
    result = import_roster(demo_workspace, DEMO / "roster" / ROLES[Role(role)].roster_file, Role(role))
    assert result.ok, result.findings
    assert (result.added, result.updated, result.unchanged) == ([], [], len(load_roster(DEMO).of(Role(role))))
    assert roster_bytes(demo_workspace) == before
