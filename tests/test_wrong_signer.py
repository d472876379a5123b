"""Whose return a filled form is when its identity and its visible name disagree,
a blank signature or 负责人, and a form made for another campaign."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inbox import (
    filled,
    fupin,
    generate,
    ingest,
    ingest_lines,
    load_book,
    squash,
    unit_id,
    unit_rounds,
    workbook_bytes,
)

SIGNATURE = "帮扶人签名"


@pytest.fixture
def helpers(runner, demo_workspace) -> Path:
    """The blank xlsx forms of 城关镇's helpers."""
    return generate(runner, demo_workspace, "--town", "城关镇", "--format", "xlsx", "--role", "helper") / "城关镇/帮扶责任人"


def test_a_form_signed_by_a_colleague_is_refused_naming_both(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner, signer = unit_id(ws, "helper", "邓春梅"), unit_id(ws, "helper", "吴桂芳")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "邓春梅.xlsx", header={SIGNATURE: "吴桂芳"})
    code, text = ingest_lines(runner, ws, path, received="2020-11-06T18:00")
    assert code == 1
    assert f"表是邓春梅的（{owner}），帮扶人签名却是吴桂芳（{signer}）；请确认是谁的回执后用--unit指定编号重新收取" in text
    assert "第3行，“C”列：表是邓春梅的" in text  # the cell holding the name, C3
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "missing"), (2, "pending")]
    assert unit_rounds(runner, ws, signer, "2020-11-08") == [(1, "missing"), (2, "pending")]
    # The clerk asks and learns 吴桂芳 filled it on her colleague's copy: --unit settles it.
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00", args=["--unit", signer])
    assert (code, entry["status"], entry["unit_id"]) == (0, "accepted", signer)
    assert unit_rounds(runner, ws, signer, "2020-11-08") == [(1, "on_time"), (2, "pending")]
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "missing"), (2, "pending")]


def test_unit_may_also_confirm_the_forms_own_unit_but_no_third_one(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner, signer = unit_id(ws, "helper", "邓春梅"), unit_id(ws, "helper", "吴桂芳")
    third = unit_id(ws, "helper", "刘国庆")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "邓春梅.xlsx", header={SIGNATURE: "吴桂芳"})
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00", args=["--unit", third])
    assert (code, [f["code"] for f in entry["findings"] if f["severity"] == "error"]) == (1, ["unit-conflict"])
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00", args=["--unit", owner])
    assert (code, entry["status"], entry["unit_id"]) == (0, "accepted", owner)
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "on_time"), (2, "pending")]
    assert unit_rounds(runner, ws, signer, "2020-11-08") == [(1, "missing"), (2, "pending")]
    assert unit_rounds(runner, ws, third, "2020-11-08") == [(1, "missing"), (2, "pending")]


def test_a_visible_name_that_matches_no_one_is_a_warning(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner = unit_id(ws, "helper", "邓春梅")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "邓春梅.xlsx", header={SIGNATURE: "邓春海"})
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert (code, entry["status"], entry["unit_id"]) == (0, "accepted", owner)
    [warning] = [f for f in entry["findings"] if f["code"] == "signer-unknown"]
    assert warning["message"] == f"帮扶人签名“邓春海”在花名册中找不到，按表单身份记为邓春梅（{owner}）；如不对请核对"
    assert (warning["row"], warning["column"]) == (3, "C")
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "on_time"), (2, "pending")]


def test_a_blank_signature_is_a_warning_and_the_date_is_not_the_signer(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner = unit_id(ws, "helper", "邓春梅")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "邓春梅.xlsx", date="2020年11月6日",
                  header={SIGNATURE: None})
    code, [entry] = ingest(runner, ws, path, received="2020-11-06T18:00")
    assert (code, entry["status"]) == (0, "accepted")
    assert [(f["code"], f["row"], f["message"]) for f in entry["findings"] if f["code"] == "missing-signature"] == [
        ("missing-signature", 3, "表头“帮扶人签名”未填写")]
    listed = json.loads(fupin(runner, ws, "returns", "list", "--format", "json").stdout)
    assert listed[0]["header"]["unit"] == "" and listed[0]["header"]["date"] == "2020年11月6日"
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "on_time"), (2, "pending")]


def test_a_blank_head_of_a_town_is_a_warning(runner, demo_workspace):
    ws = demo_workspace
    forms = generate(runner, ws, "--town", "城关镇", "--format", "xlsx", "--role", "town")
    path = filled(forms / "城关镇/镇/城关镇.xlsx", ws / "inbox" / "城关镇.xlsx", header={"负责人": None})
    code, text = ingest_lines(runner, ws, path, received="2020-11-06T18:00")
    assert code == 0 and "第3行，“负责人”列：表头“负责人”未填写" in text
    assert unit_rounds(runner, ws, unit_id(ws, "town", "城关镇"), "2020-11-08") == [
        (1, "on_time"), (2, "pending"), (3, "pending")]


def _other_campaign(path: Path, target: Path, **identity: str) -> Path:
    """The filled form with its hidden identity changed as another campaign's form would have it."""
    book = load_book(path)
    sheet = book["_fupin"]
    for row in sheet.iter_rows():
        if row[0].value in identity:
            row[1].value = identity[row[0].value]
    target.write_bytes(workbook_bytes(book))
    return target


def test_a_form_of_another_campaign_says_so_and_unit_does_not_loop(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner = unit_id(ws, "helper", "邓春梅")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "x.xlsx")
    last_year = _other_campaign(path, ws / "inbox" / "去年.xlsx", year="2019",
                                campaign="云溪区2019年脱贫攻坚“四合一”考核迎检工作")
    want = squash("这张表是为另一次工作（云溪区2019年脱贫攻坚“四合一”考核迎检工作）生成的，不是本次工作"
                  "（云溪区2020年脱贫攻坚“四合一”考核迎检工作）的表，--unit 也不能改用它；"
                  "请把本次工作的空白表（fupin forms generate）发给填报人重新填写")
    for args in ([], ["--unit", owner]):
        code, text = ingest_lines(runner, ws, last_year, received="2020-11-06T18:00", args=args)
        assert code == 1 and want in text, args
        assert "--unit指定" not in text and "去掉--unit" not in text
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "missing"), (2, "pending")]


def test_a_same_year_form_of_another_campaign_naming_no_one_here(runner, demo_workspace, helpers):
    ws = demo_workspace
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "x.xlsx")
    other = _other_campaign(path, ws / "inbox" / "春季.xlsx", unit_id="H00000000", campaign="2020年春季督查")
    code, [entry] = ingest(runner, ws, other, received="2020-11-06T18:00", args=["--unit", unit_id(ws, "helper", "邓春梅")])
    assert code == 1 and [f["code"] for f in entry["findings"]] == ["form-other-campaign"]
    assert "（2020年春季督查）" in entry["findings"][0]["message"]


def test_an_identity_naming_no_one_here_is_settled_by_unit(runner, demo_workspace, helpers):
    ws = demo_workspace
    owner = unit_id(ws, "helper", "邓春梅")
    path = filled(helpers / "邓春梅.xlsx", ws / "inbox" / "x.xlsx")
    stranger = _other_campaign(path, ws / "inbox" / "旧编号.xlsx", unit_id="H00000000")
    code, [entry] = ingest(runner, ws, stranger, received="2020-11-06T18:00")
    assert code == 1 and [f["code"] for f in entry["findings"]] == ["identity-mismatch"]
    code, [entry] = ingest(runner, ws, stranger, received="2020-11-06T18:00", args=["--unit", owner])
    assert (code, entry["status"], entry["unit_id"]) == (0, "accepted", owner)
    assert unit_rounds(runner, ws, owner, "2020-11-08") == [(1, "on_time"), (2, "pending")]
