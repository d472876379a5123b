"""A person's name padded with a blank (黄 海) is the same person; unit and place names keep theirs;
an unknown name is placed at the cell that holds it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fill import csv_bytes, return_rows, xlsx_bytes
from fupin_cli.intake.ingest import IngestContext, ingest_files
from fupin_cli.intake.roster_import import import_roster
from fupin_cli.model.glossary import Role
from fupin_cli.model.roster import name_key
from fupin_cli.model.text import normalize_name, person_key
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

TZ = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2020, 11, 6, 18, 0, tzinfo=TZ)


def ingest(ws: Path, name: str, data: bytes):
    workspace = load_workspace(ws)
    path = ws / "inbox" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    context = IngestContext(workspace.campaign, load_roster(ws), workspace.templates(), RECEIVED)
    [outcome] = ingest_files(ws, [path], context)
    return outcome


def template(ws: Path, role: str):
    return load_workspace(ws).templates()[role]


@pytest.mark.parametrize("written", ["黄 海", "黄　海", " 黄  海 ", "黄\u200b 海"])
def test_person_key_ignores_every_blank_inside(written):
    assert person_key(written) == "黄海"
    assert normalize_name(written) == "黄 海"  # normalize_name itself keeps one blank, for everyone else


def test_only_person_roles_ignore_blanks():
    assert name_key(Role.helper, "黄 海") == name_key(Role.cadre, "黄海") == name_key(Role.leader, "黄　海") == "黄海"
    # A blank inside a unit or place name may separate two names (挂点村 lists villages by blanks): kept.
    assert name_key(Role.aid_unit, "区 水利局") != name_key(Role.aid_unit, "区水利局")
    assert name_key(Role.town, "城关 镇") != name_key(Role.town, "城关镇")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_return_signed_with_a_padded_name_is_the_roster_person(demo_workspace, fmt):
    rows = return_rows(template(demo_workspace, "helper"), "刘 国庆")
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows, "gb18030")
    outcome = ingest(demo_workspace, f"liu.{fmt}", data)
    assert outcome.status == "accepted", [f.message for f in outcome.findings]
    liu = next(u for u in load_roster(demo_workspace).of(Role.helper) if u.name == "刘国庆")
    assert (outcome.record.unit_id, outcome.record.name) == (liu.unit_id, "刘国庆")  # as the roster writes it


def test_roster_with_a_padded_name_matches_a_return_without(demo_workspace, tmp_path):
    source = tmp_path / "h.csv"
    source.write_bytes("姓名,工作单位,镇,村,帮扶户数,联系电话\r\n黄　海,区财政局,城关镇,北坡村,2,13600000051\r\n"
                       .encode("gbk"))
    assert import_roster(demo_workspace, source, Role.helper).ok
    huang = next(u for u in load_roster(demo_workspace).of(Role.helper) if person_key(u.name) == "黄海")
    assert huang.name == "黄 海"  # kept as written (the ideographic blank read as a blank)
    outcome = ingest(demo_workspace, "huang.csv", csv_bytes(return_rows(template(demo_workspace, "helper"), "黄海")))
    assert outcome.status == "accepted", [f.message for f in outcome.findings]
    assert (outcome.record.unit_id, outcome.record.name) == (huang.unit_id, "黄 海")


def test_reimporting_a_padded_name_is_the_same_person(demo_workspace, tmp_path):
    before = {u.unit_id for u in load_roster(demo_workspace).of(Role.helper)}
    source = tmp_path / "h.csv"
    source.write_bytes("姓名,工作单位,镇,村,帮扶户数,联系电话\r\n刘 国庆,区人力资源和社会保障局,城关镇,东岭村,4,13677710003\r\n"
                       .encode("gbk"))
    result = import_roster(demo_workspace, source, Role.helper)
    assert result.ok
    assert result.added == []
    [updated] = result.updated
    assert (updated.unit_id, updated.name) == ("H7a868ff3", "刘 国庆")
    assert {u.unit_id for u in load_roster(demo_workspace).of(Role.helper)} == before


def test_padded_namesakes_in_one_file_are_duplicates(demo_workspace, tmp_path):
    source = tmp_path / "h.csv"
    source.write_bytes(("姓名,工作单位,镇,村,帮扶户数,联系电话\r\n黄海,区财政局,城关镇,北坡村,2,13600000051\r\n"
                        "黄 海,区财政局,城关镇,北坡村,2,13600000051\r\n").encode("gbk"))
    result = import_roster(demo_workspace, source, Role.helper)
    assert [(f.code, f.row) for f in result.findings] == [("duplicate-unit", 3)]


def test_a_unit_name_keeps_its_blank(demo_workspace):
    rows = return_rows(template(demo_workspace, "aid_unit"), "区 教育局")
    outcome = ingest(demo_workspace, "aid.csv", csv_bytes(rows))
    assert outcome.status == "rejected"
    assert [(f.code, f.value) for f in outcome.errors] == [("unknown-unit", "区 教育局")]


def test_unknown_name_points_at_the_cell_holding_it(demo_workspace):
    rows = return_rows(template(demo_workspace, "helper"), "陌生人")
    outcome = ingest(demo_workspace, "x.csv", csv_bytes(rows))
    [finding] = outcome.errors
    assert (finding.code, finding.row, finding.column) == ("unknown-unit", 3, "B")


def test_unknown_name_in_the_generated_layout_points_at_c3(demo_workspace):
    """The form fupin generates puts 帮扶人签名： in A3 (merged over A3:B3) and the name in C3."""
    rows = return_rows(template(demo_workspace, "helper"), "")
    rows[2] = ["帮扶人签名：", None, "陌生人", "时间：", "2020年11月6日"]
    outcome = ingest(demo_workspace, "x.xlsx", xlsx_bytes(rows))
    [finding] = outcome.errors
    assert (finding.code, finding.row, finding.column, finding.value) == ("unknown-unit", 3, "C", "陌生人")
    assert "第 3 行" in finding.where() and "“C”列" in finding.where()
