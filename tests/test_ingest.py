"""Ingest: recognising returns, normalising answers, every finding code, the append-only store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from fill import csv_bytes, return_rows, xlsx_bytes
from fupin_cli.forms.identity import FormIdentity
from fupin_cli.intake.ingest import IngestContext, ingest_files
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store import archive as store
from fupin_cli.store.archive import load_returns
from fupin_cli.store.roster_file import load_roster

TZ = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2020, 11, 6, 18, 0, tzinfo=TZ)


def context(ws: Path, received: dt.datetime = RECEIVED, **kw) -> IngestContext:
    workspace = load_workspace(ws)
    return IngestContext(workspace.campaign, load_roster(ws), workspace.templates(), received, **kw)


def unit(ws: Path, role: str, name: str):
    return next(u for u in load_roster(ws).all_units() if u.role.value == role and u.name == name)


def identity_for(ws: Path, role: str, name: str) -> FormIdentity:
    template = load_workspace(ws).templates()[role]
    return FormIdentity(role, template.version, unit(ws, role, name).unit_id, 2020)


def put(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / "inbox" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run(ws: Path, *paths: Path, **kw):
    return ingest_files(ws, list(paths), context(ws, **kw))


@pytest.fixture
def town(demo_workspace):
    return load_workspace(demo_workspace).templates()["town"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("utf-16", "\t")],
)
def test_csv_in_every_encoding_with_padded_key_lines(demo_workspace, town, encoding, delimiter):
    rows = return_rows(town, "城关镇", identity=identity_for(demo_workspace, "town", "城关镇"), pad=4)
    path = put(demo_workspace, f"cg.{'txt' if delimiter == chr(9) else 'csv'}", csv_bytes(rows, encoding, delimiter))
    [outcome] = run(demo_workspace, path)
    assert outcome.status == "accepted", outcome.findings
    record = outcome.record
    assert (record.unit_id, record.template_id, record.round, record.recognised_by) == (
        "451023100", "town", 1, "identity")
    assert len(record.answers) == 13
    assert all(a.done is True and a.done_on == dt.date(2020, 11, 5) for a in record.answers)
    stored = demo_workspace / "returns" / "files" / record.stored_name
    assert stored.read_bytes() == path.read_bytes()


def test_retyped_workbook_without_identity_is_recognised_by_content(demo_workspace, town):
    answers = [("√", dt.datetime(2020, 11, 4)), ("×", None), ("已完成", "2020.11.5")] + [("是", "11月5日")] * 10
    rows = return_rows(town, "", answers)
    rows[2] = ["单位：龙潭镇        负责人：黄永明        时间：2020年11月6日"]
    path = put(demo_workspace, "lt.xlsx", xlsx_bytes(rows))
    [outcome] = run(demo_workspace, path)
    assert outcome.status == "accepted", outcome.findings
    record = outcome.record
    assert (record.name, record.recognised_by) == ("龙潭镇", "content")
    first, second, third = record.answers[:3]
    assert (first.done, first.done_on) == (True, dt.date(2020, 11, 4))
    assert (second.done, second.done_on, second.raw_done) == (False, None, "×")
    assert (third.done, third.done_on, third.raw_date) == (True, dt.date(2020, 11, 5), "2020.11.5")
    assert record.header["head"] == "黄永明"


def test_namesakes_are_ambiguous_until_unit_is_given(demo_workspace):
    helper = load_workspace(demo_workspace).templates()["helper"]
    path = put(demo_workspace, "wf.csv", csv_bytes(return_rows(helper, "王芳")))
    [outcome] = run(demo_workspace, path)
    assert outcome.status == "rejected"
    [finding] = outcome.errors
    assert finding.code == "ambiguous-unit"
    ids = sorted(u.unit_id for u in load_roster(demo_workspace).all_units() if u.name == "王芳")
    assert all(i in finding.message for i in ids)
    [outcome] = run(demo_workspace, path, unit_id=ids[1])
    assert outcome.status == "accepted" and outcome.record.unit_id == ids[1]


def test_formula_like_names_survive_the_round_trip(demo_workspace, tmp_path):
    from fupin_cli.forms.csv import form_csv
    from fupin_cli.intake.roster_import import import_roster

    source = tmp_path / "aid.csv"
    source.write_text("帮扶单位,所在镇,挂点村,负责人,联系电话\n=1+1扶贫办,城关镇,东岭村,@张三,+86 13900000000\n",
                      encoding="utf-8")
    assert import_roster(demo_workspace, source, Role.aid_unit).ok
    stored = (demo_workspace / "roster" / "aid_units.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1扶贫办" in stored and "'+86 13900000000" in stored
    [aid] = [u for u in load_roster(demo_workspace).of(Role.aid_unit) if u.name == "=1+1扶贫办"]
    assert (aid.head, aid.phone) == ("@张三", "+86 13900000000")
    template = load_workspace(demo_workspace).templates()["aid_unit"]
    ident = FormIdentity("aid_unit", template.version, aid.unit_id, 2020)
    text = form_csv(template, ident, aid.name, aid.head).decode("utf-8-sig")
    lines = [line for line in text.split("\r\n") if not line.startswith(("表单编号", "fupin_identity"))]
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines)))]
    header = next(i for i, r in enumerate(rows) if "工作任务" in r)
    for r in rows[header + 1: header + 3]:
        r[2:4] = ["是", "2020-11-05"]
    path = put(demo_workspace, "aid.csv", csv_bytes(rows))
    [outcome] = run(demo_workspace, path)
    assert outcome.status == "accepted", outcome.findings
    assert (outcome.record.unit_id, outcome.record.recognised_by) == (aid.unit_id, "content")


def test_unknown_unit_and_unknown_template(demo_workspace, town):
    unknown = put(demo_workspace, "x.csv", csv_bytes(return_rows(town, "桃源镇")))
    other = put(demo_workspace, "y.csv", csv_bytes([["姓名", "电话"], ["张三", "1"]]))
    outcomes = run(demo_workspace, unknown, other)
    assert [o.errors[0].code for o in outcomes] == ["unknown-unit", "unknown-template"]
    assert not (demo_workspace / "returns" / "records").exists()


def _codes(outcome) -> list[str]:
    return [f.code for f in outcome.findings]


def test_task_rows_changed_are_refused(demo_workspace, town):
    texts = [t.text for t in town.tasks]
    changed = texts.copy()
    changed[4] = "随便改的任务文字"
    cases = {
        "added": (texts + ["新增的一项任务"], "task-added"),
        "removed": (texts[:-1], "task-missing"),
        "reordered": ([texts[1], texts[0], *texts[2:]], "task-reordered"),
        "changed": (changed, "task-text-changed"),
    }
    ident = identity_for(demo_workspace, "town", "城关镇")
    for name, (tasks, code) in cases.items():
        path = put(demo_workspace, f"{name}.csv", csv_bytes(return_rows(town, "城关镇", identity=ident, tasks=tasks)))
        [outcome] = run(demo_workspace, path)
        assert outcome.status == "rejected", name
        assert code in _codes(outcome), (name, _codes(outcome))
    assert load_returns(demo_workspace) == []


def test_warnings_are_kept_with_the_return(demo_workspace, town):
    answers = [("是", ""), ("是", "2020-11-20"), ("是", "2019-11-01"), ("差不多", ""), ("是", "下周"),
               ("是", "11月8日")] + [("否", "")] * 7
    rows = return_rows(town, "城关镇", answers, identity=identity_for(demo_workspace, "town", "城关镇"), date="")
    path = put(demo_workspace, "w.csv", csv_bytes(rows))
    [outcome] = run(demo_workspace, path, received=dt.datetime(2020, 11, 9, 10, tzinfo=TZ), round=1)
    assert outcome.status == "accepted"
    got = {(f.code, f.row) for f in outcome.record.findings}
    table = 9  # key lines (7) + blank + header → first task on row 10
    assert ("done-without-date", table + 1) in got
    assert ("date-after-received", table + 2) in got
    assert ("date-before-campaign", table + 3) in got
    assert ("unknown-done-value", table + 4) in got
    assert ("bad-date", table + 5) in got
    assert ("date-after-deadline", table + 6) in got
    assert ("missing-date", 5) in got
    unknown = outcome.record.answers[3]
    assert (unknown.done, unknown.raw_done) == (None, "差不多")


def test_placeholder_dates_are_blank_not_bad(demo_workspace, town):
    answers = [("否", "/"), ("否", "—"), ("是", "无"), ("否", "无")] + [("是", "11月5日")] * 9
    rows = return_rows(town, "城关镇", answers)
    [outcome] = run(demo_workspace, put(demo_workspace, "p.csv", csv_bytes(rows)))
    assert outcome.status == "accepted"
    assert [(f.code, f.row) for f in outcome.record.findings] == [("done-without-date", 10)]
    assert [a.raw_date for a in outcome.record.answers[:4]] == ["/", "—", "无", "无"]


def test_missing_signature(demo_workspace):
    cadre = load_workspace(demo_workspace).templates()["cadre"]
    some = unit(demo_workspace, "cadre", load_roster(demo_workspace).of(
        next(r for r in load_roster(demo_workspace).units if r.value == "cadre"))[0].name)
    ident = FormIdentity("cadre", cadre.version, some.unit_id, 2020)
    path = put(demo_workspace, "c.csv", csv_bytes(return_rows(cadre, "", [("是", "已入户")] * 4, identity=ident)))
    [outcome] = run(demo_workspace, path)
    assert outcome.status == "accepted"
    assert "missing-signature" in _codes(outcome)
    assert outcome.record.answers[0].note == "已入户"


def test_a_blank_form_is_refused(demo_workspace, town):
    rows = return_rows(town, "城关镇", [("", "")] * 13)
    [outcome] = run(demo_workspace, put(demo_workspace, "blank.csv", csv_bytes(rows)))
    assert outcome.status == "rejected"
    assert _codes(outcome) == ["form-blank"]


def test_same_bytes_twice_is_a_duplicate_and_changes_nothing(demo_workspace, town):
    path = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    run(demo_workspace, path)
    before = sorted((p, p.read_bytes()) for p in (demo_workspace / "returns").rglob("*") if p.is_file())
    [again] = run(demo_workspace, path)
    assert again.status == "duplicate"
    after = sorted((p, p.read_bytes()) for p in (demo_workspace / "returns").rglob("*") if p.is_file())
    assert before == after


def test_newer_return_supersedes_older_and_both_stay(demo_workspace, town):
    first = put(demo_workspace, "a.csv", csv_bytes(return_rows(town, "城关镇", [("否", "")] * 13)))
    second = put(demo_workspace, "b.csv", csv_bytes(return_rows(town, "城关镇")))
    run(demo_workspace, first, received=dt.datetime(2020, 11, 5, 9, tzinfo=TZ))
    run(demo_workspace, second, received=dt.datetime(2020, 11, 6, 9, tzinfo=TZ))
    records = load_returns(demo_workspace)
    assert [(r.source_name, r.round, r.superseded) for r in records] == [("a.csv", 1, True), ("b.csv", 1, False)]


def test_round_is_inferred_from_received_time(demo_workspace, town):
    # Without a written 时间 (which would decide first: tests/test_round_inference.py)
    late = put(demo_workspace, "late.csv", csv_bytes(return_rows(town, "城关镇", date="")))
    [outcome] = run(demo_workspace, late, received=dt.datetime(2020, 11, 30, tzinfo=TZ))
    assert outcome.record.round == 3  # after the last deadline: the last round
    mid = put(demo_workspace, "mid.csv", csv_bytes(return_rows(town, "石门镇", date="")))
    [outcome] = run(demo_workspace, mid, received=dt.datetime(2020, 11, 9, 23, 59, tzinfo=TZ))
    assert outcome.record.round == 2


def test_dry_run_writes_nothing(demo_workspace, town):
    path = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    [outcome] = ingest_files(demo_workspace, [path], context(demo_workspace), dry_run=True)
    assert outcome.status == "accepted"
    assert not (demo_workspace / "returns" / "records").exists()


def test_crash_between_two_files_leaves_whole_returns(demo_workspace, town, monkeypatch):
    a = put(demo_workspace, "a.csv", csv_bytes(return_rows(town, "城关镇")))
    b = put(demo_workspace, "b.csv", csv_bytes(return_rows(town, "龙潭镇")))
    calls = {"n": 0}
    real = store.StoreWriter._write_index_line

    def crash_on_second(self, line):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C after b's record, before its index line
        real(self, line)

    monkeypatch.setattr(store.StoreWriter, "_write_index_line", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run(demo_workspace, a, b)
    monkeypatch.undo()
    folder = demo_workspace / "returns"
    assert not list(folder.rglob("*.tmp"))
    records = load_returns(demo_workspace)
    assert sorted(r.source_name for r in records) == ["a.csv", "b.csv"]
    for r in records:
        assert (folder / "files" / r.stored_name).read_bytes() == (a if r.source_name == "a.csv" else b).read_bytes()
    assert store.rebuild_index(demo_workspace) == 2
    lines = (folder / "index.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(x)["source_name"] for x in lines) == ["a.csv", "b.csv"]


def test_cli_ingest_and_returns_list(runner, demo_workspace, town):
    from fupin_cli.cli import app

    good = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    bad = put(demo_workspace, "bad.csv", csv_bytes(return_rows(town, "桃源镇")))
    (demo_workspace / "inbox" / "~$cg.xlsx").write_bytes(b"lock")
    args = ["-w", str(demo_workspace), "ingest", str(demo_workspace / "inbox"), "--received", "2020-11-06T18:00"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert sorted(f["status"] for f in data["files"]) == ["accepted", "rejected"]
    assert any(s.endswith("~$cg.xlsx") for s in data["skipped"])
    bad.unlink()
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    listed = runner.invoke(app, ["-w", str(demo_workspace), "returns", "list", "--format", "json"])
    [item] = json.loads(listed.stdout)
    for key in ("return_id", "role", "unit_id", "name", "town", "round", "received_at", "sha256", "source_name",
                "superseded", "answers", "findings"):
        assert key in item
    assert set(item["answers"][0]) >= {"task_id", "done", "done_on", "raw_done", "raw_date", "note"}
    assert item["source_name"] == good.name


def test_a_large_batch_lists_only_the_files_needing_attention(tmp_path):
    from fupin_cli.intake.ingest import IngestOutcome
    from fupin_cli.model.problems import make_problem
    from fupin_cli.render.returns import ingest_table

    outcomes = [IngestOutcome(tmp_path / f"{i}.csv", "accepted") for i in range(250)]
    outcomes.insert(100, IngestOutcome(tmp_path / "bad.csv", "rejected", findings=[make_problem("file-empty")]))
    table = ingest_table(outcomes)
    assert table.row_count == 1
    assert "251" in str(table.caption)
    assert ingest_table(outcomes[:150]).row_count == 150


def test_a_typed_form_code_names_the_unit_even_among_namesakes(demo_workspace):
    helper = load_workspace(demo_workspace).templates()["helper"]
    second = sorted(u.unit_id for u in load_roster(demo_workspace).all_units() if u.name == "王芳")[1]
    code = FormIdentity("helper", helper.version, second, 2020).form_code
    rows = return_rows(helper, "王芳")
    rows.append([f"表单编号：{code}"])  # retyped from the printed footer, at the bottom of the sheet
    [outcome] = run(demo_workspace, put(demo_workspace, "wf.xlsx", xlsx_bytes(rows)))
    assert outcome.status == "accepted", outcome.findings
    assert (outcome.record.unit_id, outcome.record.recognised_by) == (second, "content")


def test_a_mistyped_form_code_falls_back_to_the_name(demo_workspace, town):
    rows = return_rows(town, "龙潭镇")
    rows.insert(3, ["表单编号", "FP2020-45102310X-30b1"])
    [outcome] = run(demo_workspace, put(demo_workspace, "lt.csv", csv_bytes(rows)))
    assert outcome.status == "accepted", outcome.findings
    assert outcome.record.name == "龙潭镇"


def test_unit_never_relabels_a_return_that_says_whose_it_is(demo_workspace, town):
    ident = identity_for(demo_workspace, "town", "城关镇")
    other = unit(demo_workspace, "town", "龙潭镇").unit_id
    with_identity = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇", identity=ident)))
    [outcome] = run(demo_workspace, with_identity, unit_id=other)
    assert [f.code for f in outcome.errors] == ["unit-conflict"]
    [same] = run(demo_workspace, with_identity, unit_id=ident.unit_id)
    assert same.status == "accepted" and same.record.unit_id == ident.unit_id
    helper_id = load_roster(demo_workspace).of(Role.helper)[0].unit_id
    anonymous = put(demo_workspace, "anon.csv", csv_bytes(return_rows(town, "")))
    [wrong] = run(demo_workspace, anonymous, unit_id=helper_id)
    assert [f.code for f in wrong.errors] == ["unit-wrong-role"]


def test_a_round_the_checklist_does_not_have_is_refused(demo_workspace, town):
    path = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    [outcome] = run(demo_workspace, path, round=5)
    assert [f.code for f in outcome.errors] == ["round-out-of-range"]
    assert load_returns(demo_workspace) == []


def test_an_unreadable_record_missing_from_the_index_does_not_stop_status(demo_workspace, town, runner):
    from fupin_cli.cli import app

    path = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    run(demo_workspace, path)
    (demo_workspace / "returns" / "records" / "0000000000000000.json").write_text("{bad", encoding="utf-8")
    assert len(load_returns(demo_workspace)) == 1
    for args in (["status", "--as-of", "2020-11-10"], ["returns", "list"], ["check", "--as-of", "2020-11-05"]):
        result = runner.invoke(app, ["-w", str(demo_workspace), *args])
        assert result.exit_code in (0, 1), (args, result.output)
    doctor = runner.invoke(app, ["-w", str(demo_workspace), "doctor"])
    assert doctor.exit_code == 1 and "0000000000000000" in doctor.output


def test_a_duplicate_says_whose_return_it_already_is(demo_workspace, town):
    path = put(demo_workspace, "cg.csv", csv_bytes(return_rows(town, "城关镇")))
    copy = put(demo_workspace, "cg-copy.csv", path.read_bytes())
    first, again = run(demo_workspace, path, copy)
    assert (first.status, again.status) == ("accepted", "duplicate")
    assert again.record.unit_id == first.record.unit_id
    [later] = run(demo_workspace, path)
    assert later.status == "duplicate" and later.record.name == "城关镇" and later.record.round == 1
