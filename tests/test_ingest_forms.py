"""Round trips: every generated form of the demo district, filled as people fill them, ingests to the same answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fill import fill_form
from fupin_cli.forms.generate import FormWriter, plan_forms
from fupin_cli.intake.ingest import IngestContext, ingest_files
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

TZ = dt.timezone(dt.timedelta(hours=8))
RECEIVED = dt.datetime(2020, 11, 20, 9, tzinfo=TZ)
CSV_KINDS = ("gb18030", "utf-8", "utf-16-tab", "utf-8-sig-padded")


def expected_answers(n: int, seed: int) -> list[tuple[bool, dt.date | None]]:
    """Task i is done on 11月(1+i) except every third one, which is not done."""
    return [(False, None) if (i + seed) % 3 == 0 else (True, dt.date(2020, 11, 1 + i)) for i in range(n)]


def _typed(k: int, day: dt.date) -> str:
    """A date typed as text, in the ways people type them."""
    return (f"2020年{day.month}月{day.day}日", f"{day.month}.{day.day}", f"{day.month}月{day.day}日",
            f"2020/{day.month}/{day.day}")[k % 4]


def _date_cell(k: int, day: dt.date) -> dt.datetime:
    """A real date cell, as Excel stores one (a datetime at midnight)."""
    return dt.datetime.combine(day, dt.time())


def _implemented(k: int, done: bool, day: dt.date | None) -> str | None:
    """落实情况 of a cadre: what was done, left blank when it was not."""
    return f"第{k + 1}项已落实" if done else None


def fill_xlsx(data: bytes, answers: list[tuple[bool, dt.date | None]], typed: bool) -> bytes:
    """Half the forms get real date cells, half dates typed as text."""
    return fill_form(data, answers, day=_typed if typed else _date_cell, note=_implemented, date_format=None)


def fill_csv(data: bytes, answers: list[tuple[bool, dt.date | None]], kind: str, keep_identity: bool = True) -> bytes:
    """是否完成 ticked √/×, saved in one of CSV_KINDS."""
    return fill_form(data, answers, marks=("√", "×"), note=_implemented, csv_kind=kind, keep_identity=keep_identity)


@pytest.fixture
def forms(demo_workspace):
    workspace = load_workspace(demo_workspace)
    roster = load_roster(demo_workspace)
    writer = FormWriter()
    return [(job, writer.render(job)) for job in plan_forms(workspace, roster, workspace.templates())]


def test_every_generated_form_round_trips(demo_workspace, forms):
    workspace = load_workspace(demo_workspace)
    inbox = demo_workspace / "inbox"
    expected: dict[str, tuple[str, list[tuple[bool, dt.date | None]]]] = {}
    paths: list[Path] = []
    for n, (job, data) in enumerate(forms):
        answers = expected_answers(len(job.template.tasks), n)
        if job.fmt == "xlsx":
            filled = fill_xlsx(data, answers, typed=n % 4 < 2)
        else:
            filled = fill_csv(data, answers, CSV_KINDS[n % len(CSV_KINDS)])
        path = inbox / f"{n:03d}-{job.unit.unit_id}.{'txt' if job.fmt == 'csv' and n % 4 == 2 else job.fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(filled)
        paths.append(path)
        expected[path.name] = (job.unit.unit_id, answers)
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(), RECEIVED)
    outcomes = ingest_files(demo_workspace, paths, ctx)
    assert len(outcomes) == len(forms) > 150
    # An XLSX and a CSV of the same unit hold the same answers only when n has the same residue,
    # so each file is compared with what was written into it.
    for outcome in outcomes:
        assert outcome.status in ("accepted", "duplicate"), (outcome.path.name, outcome.findings)
        if outcome.status == "duplicate":
            continue
        unit_id, answers = expected[outcome.path.name]
        record = outcome.record
        assert (record.unit_id, record.recognised_by) == (unit_id, "identity")
        got = [(a.done, a.done_on) for a in record.answers]
        if record.template_id == "cadre":
            assert [a.done for a in record.answers] == [d for d, _ in answers]
            assert all((a.note != "") == d for a, (d, _) in zip(record.answers, answers, strict=True))
        else:
            assert got == answers, outcome.path.name


def test_a_csv_without_its_identity_lines_is_matched_by_content(demo_workspace, forms):
    workspace = load_workspace(demo_workspace)
    job, data = next((j, d) for j, d in forms if j.fmt == "csv" and j.template.id == "leader")
    answers = expected_answers(len(job.template.tasks), 1)
    path = demo_workspace / "retyped.csv"
    path.write_bytes(fill_csv(data, answers, "gb18030", keep_identity=False))
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(), RECEIVED)
    [outcome] = ingest_files(demo_workspace, [path], ctx)
    assert outcome.status == "accepted", outcome.findings
    assert (outcome.record.unit_id, outcome.record.recognised_by) == (job.unit.unit_id, "content")


def test_identity_naming_no_roster_unit_and_a_renamed_column_are_refused(demo_workspace, forms):
    workspace = load_workspace(demo_workspace)
    job, data = next((j, d) for j, d in forms if j.fmt == "csv" and j.template.id == "town")
    text = fill_csv(data, expected_answers(13, 0), "utf-8").decode("utf-8")
    stranger = demo_workspace / "stranger.csv"
    stranger.write_text(text.replace(f"unit_id={job.unit.unit_id}", "unit_id=NOBODY"), encoding="utf-8")
    renamed = demo_workspace / "renamed.csv"
    renamed.write_text(text.replace("是否完成", "完成了吗"), encoding="utf-8")
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(), RECEIVED)
    outcomes = ingest_files(demo_workspace, [stranger, renamed], ctx)
    assert [(o.status, [f.code for f in o.errors]) for o in outcomes] == [
        ("rejected", ["identity-mismatch"]), ("rejected", ["column-missing"])]
    assert outcomes[1].errors[0].column == "是否完成"


def test_unreadable_files_are_refused_one_by_one_and_the_batch_goes_on(demo_workspace, forms):
    workspace = load_workspace(demo_workspace)
    job, data = next((j, d) for j, d in forms if j.fmt == "csv" and j.template.id == "town")
    folder = demo_workspace / "mixed"
    folder.mkdir()
    (folder / "a-empty.csv").write_bytes(b"")
    (folder / "b-bytes.csv").write_bytes(b"\xe5\x90\x8d,\x81\xff\x30")  # neither UTF-8 nor GB18030
    (folder / "c-renamed.xlsx").write_bytes(fill_csv(data, expected_answers(13, 0), "utf-8"))
    (folder / "d-good.csv").write_bytes(fill_csv(data, expected_answers(13, 0), "utf-8"))
    (folder / "e-notes.pdf").write_bytes(b"%PDF-1.4")
    ctx = IngestContext(workspace.campaign, load_roster(demo_workspace), workspace.templates(), RECEIVED)
    files = sorted(folder.iterdir())
    outcomes = ingest_files(demo_workspace, files, ctx)
    got = [(o.path.name, o.status, [f.code for f in o.errors]) for o in outcomes]
    assert got[0] == ("a-empty.csv", "rejected", ["file-empty"])
    assert got[1][1:] == ("rejected", ["encoding-error"])
    assert got[2][1] == "rejected" and got[2][2][0] in ("file-unreadable", "file-unsafe")
    assert got[3] == ("d-good.csv", "accepted", [])
    # a .pdf is read as a scanned paper form (fupin[paper]); one that is no PDF says so
    assert got[4][:2] == ("e-notes.pdf", "rejected")
    assert got[4][2] in (["paper-unreadable-scan"], ["paper-extra-missing"])
    assert outcomes[3].record.header.get("date_on") is None  # 时间 left blank on the form
