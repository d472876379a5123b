"""Phone photos of the printed form through `fupin ingest`: exact answers, never a false 是, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
pytest.importorskip("fpdf")

from fupin_cli.cli import app  # noqa: E402
from fupin_cli.forms.generate import FormWriter, plan_forms  # noqa: E402
from fupin_cli.forms.pdf import page_layouts  # noqa: E402
from fupin_cli.model.glossary import Role  # noqa: E402
from fupin_cli.model.workspace import load_workspace  # noqa: E402
from fupin_cli.store.roster_file import load_roster  # noqa: E402
from paper_photos import Damage, draw_date, draw_mark, photograph, render_pages  # noqa: E402

RECEIVED = "2020-11-06T18:00"


def helper_form(root: Path) -> tuple[bytes, object, object]:
    """The first helper's PDF form, its job and template."""
    workspace = load_workspace(root)
    job = plan_forms(workspace, load_roster(root), workspace.templates(), role=Role.helper, formats=["pdf"])[0]
    return FormWriter().render(job), job, job.template


def marked_photo(pdf: bytes, template, marks: dict[int, tuple[str, str]], damage: Damage, seed: int = 0,
                 level: int = 30, stroke: float = 0.6) -> bytes:
    """A photo of the form with marks {task index: (yes|no, tick|cross|fill|circle|faint|scribble)}."""
    rng = np.random.default_rng(seed)
    page = render_pages(pdf, 200)[0]
    rows = page_layouts(template)[0].rows
    for index, (which, kind) in marks.items():
        row = rows[index]
        draw_mark(page, row.yes if which == "yes" else row.no, kind, 200, stroke, level, rng)
    return photograph(page, damage, rng)


def ingest(runner, root: Path, path: Path) -> tuple[int, dict]:
    result = runner.invoke(app, ["--workspace", str(root), "ingest", str(path), "--received", RECEIVED,
                                 "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def stored_answers(root: Path, return_id: str) -> list[object]:
    record = json.loads((root / "returns" / "records" / f"{return_id}.json").read_text(encoding="utf-8"))
    return [a["done"] for a in record["answers"]]


MARKS = {0: ("yes", "tick"), 1: ("no", "cross"), 3: ("yes", "fill"), 4: ("no", "tick"), 6: ("yes", "circle")}
EXPECTED = [True, False, None, True, False, None, True]


@pytest.mark.parametrize("damage", [
    Damage(megapixels=3, rotation=3, tilt=8, jpeg=85),
    Damage(megapixels=8, rotation=92, tilt=25, blur=1.0, noise=6, shadow=0.35, jpeg=45),
    Damage(megapixels=5, rotation=181, tilt=15, blur=0.6, noise=4, shadow=0.2, jpeg=70),
    Damage(megapixels=3, rotation=45, tilt=18, blur=0.8, noise=4, shadow=0.25, jpeg=60),
    Damage(megapixels=6, rotation=200, tilt=22, blur=0.5, noise=3, jpeg=75),
], ids=["plain", "rotated-90-dark-blurred", "upside-down", "turned-45", "turned-200"])
def test_photo_reads_exactly(demo_workspace: Path, runner, tmp_path: Path, damage: Damage) -> None:
    pdf, job, template = helper_form(demo_workspace)
    photo = tmp_path / "微信图片_20201106.jpg"
    photo.write_bytes(marked_photo(pdf, template, MARKS, damage))
    code, data = ingest(runner, demo_workspace, photo)
    entry = data["files"][0]
    assert (code, entry["status"], entry["unit_id"]) == (0, "accepted", job.unit.unit_id), entry["findings"]
    assert stored_answers(demo_workspace, entry["return_id"]) == EXPECTED
    assert not [f for f in entry["findings"] if f["code"] == "paper-unsure"]
    stored = demo_workspace / "returns" / "files" / f"{entry['sha256']}.jpg"
    assert stored.read_bytes() == photo.read_bytes()  # the original, byte for byte
    folder = demo_workspace / "returns" / "paper" / entry["return_id"]
    assert (folder / "page-1.jpg").is_file() and (folder / "task-01-yes.png").is_file()
    status = runner.invoke(app, ["--workspace", str(demo_workspace), "status", "--format", "json"])
    assert job.unit.unit_id in status.stdout


def test_blank_and_faint_are_never_yes(demo_workspace: Path, runner, tmp_path: Path) -> None:
    pdf, job, template = helper_form(demo_workspace)
    marks = {0: ("yes", "faint"), 1: ("no", "tick"), 2: ("yes", "scribble"), 3: ("yes", "tick")}
    marks_no = {2: ("no", "tick")}  # 是 crossed out, 否 ticked
    rng = np.random.default_rng(3)
    page = render_pages(pdf, 200)[0]
    rows = page_layouts(template)[0].rows
    for source in (marks, marks_no):
        for index, (which, kind) in source.items():
            draw_mark(page, rows[index].yes if which == "yes" else rows[index].no, kind, 200, 0.5, 40, rng)
    photo = tmp_path / "faint.jpg"
    photo.write_bytes(photograph(page, Damage(megapixels=4, rotation=-4, tilt=10, noise=3, jpeg=75), rng))
    code, data = ingest(runner, demo_workspace, photo)
    entry = data["files"][0]
    assert code == 0 and entry["status"] == "accepted"
    answers = stored_answers(demo_workspace, entry["return_id"])
    assert answers[:5] == [None, False, None, True, None]
    unsure = sorted(f["row"] for f in entry["findings"] if f["code"] == "paper-unsure")
    assert unsure == [1, 3]  # the faint brush (task 1) and the crossed-out 是 beside a ticked 否 (task 3)
    assert all(f["kind"] == "warning" for f in entry["findings"] if f["code"] == "paper-unsure")

    # a clerk confirms task 3 as 否: an event in returns/events.jsonl, the finding gone, the record untouched
    record_file = demo_workspace / "returns" / "records" / f"{entry['return_id']}.json"
    before = record_file.read_bytes()
    shown = runner.invoke(app, ["--workspace", str(demo_workspace), "returns", "show", entry["return_id"]])
    assert shown.exit_code == 0 and "需确认" in shown.stdout and "%" in shown.stdout
    done = runner.invoke(app, ["--workspace", str(demo_workspace), "returns", "confirm", entry["return_id"][:8],
                               "--task", "3", "--done", "否", "--date", "11-05", "--by", "王会计"])
    assert done.exit_code == 0, done.stdout + done.stderr
    assert record_file.read_bytes() == before
    events = (demo_workspace / "returns" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(events[-1])["event"] == "confirm" and json.loads(events[-1])["by"] == "王会计"
    from fupin_cli.store.archive import load_returns

    record = next(r for r in load_returns(demo_workspace) if r.return_id == entry["return_id"])
    assert [a.done for a in record.answers][2] is False
    assert sorted(f.row for f in record.findings if f.code == "paper-unsure") == [1]


def test_blank_photo_is_refused_as_blank_form(demo_workspace: Path, runner, tmp_path: Path) -> None:
    pdf, _job, template = helper_form(demo_workspace)
    photo = tmp_path / "blank.png"
    photo.write_bytes(marked_photo(pdf, template, {}, Damage(megapixels=2, rotation=1, jpeg=90)))
    code, data = ingest(runner, demo_workspace, photo)
    assert code == 1 and data["files"][0]["findings"][0]["code"] == "form-blank"


@pytest.mark.parametrize(("make", "code_expected"), [
    ("small", "paper-too-small"), ("no-markers", "paper-no-markers"), ("dark", "paper-too-dark"),
    ("blurred", "paper-blurred"), ("no-qr", "paper-qr-unreadable"),
])
def test_refusals_name_the_photo(demo_workspace: Path, runner, tmp_path: Path, make: str,
                                 code_expected: str) -> None:
    pdf, _job, template = helper_form(demo_workspace)
    rng = np.random.default_rng(5)
    page = render_pages(pdf, 200)[0]
    draw_mark(page, page_layouts(template)[0].rows[0].yes, "tick", 200, rng=rng)
    if make == "small":
        image = cv2.resize(page, (600, 850))
    elif make == "no-markers":
        image = page[300:1900, 100:1500]  # the corners cut off
        image = cv2.resize(image, None, fx=1.2, fy=1.2)
    elif make == "dark":
        image = (page * 0.12).astype(np.uint8)
    elif make == "blurred":
        image = cv2.GaussianBlur(page, (0, 0), 14)
    else:
        image = page.copy()
        image[60:320, 1200:1460] = 255  # the QR code torn off
    photo = tmp_path / f"{make}.jpg"
    photo.write_bytes(cv2.imencode(".jpg", image)[1].tobytes())
    code, data = ingest(runner, demo_workspace, photo)
    finding = data["files"][0]["findings"][0]
    assert (code, data["files"][0]["status"], finding["code"]) == (1, "rejected", code_expected)
    assert finding["file"].endswith(f"{make}.jpg")
    assert not (demo_workspace / "returns" / "records").exists() or not list(
        (demo_workspace / "returns" / "records").iterdir())


def test_photo_without_the_extra_says_what_to_install(demo_workspace: Path, runner, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_cli.intake import paper

    monkeypatch.setattr(paper, "paper_ready", lambda: False)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    code, data = ingest(runner, demo_workspace, photo)
    finding = data["files"][0]["findings"][0]
    assert (code, finding["code"]) == (1, "paper-extra-missing")
    assert 'pip install "fupin[paper]"' in finding["message"]


def test_handwritten_dates_read_by_ocr_are_kept_to_confirm(demo_workspace: Path, runner, tmp_path: Path) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    pdf, _job, template = helper_form(demo_workspace)
    rng = np.random.default_rng(11)
    page = render_pages(pdf, 200)[0]
    rows = page_layouts(template)[0].rows
    written = {0: (11, 5), 3: (10, 28), 4: (9, 16)}
    for index in (0, 1, 3, 4):
        draw_mark(page, rows[index].yes, "tick", 200, 0.6, 30, rng)
    for index, (month, day) in written.items():
        draw_date(page, rows[index].date, month, day, 200, 25, rng)  # task 2 ticked, its date left blank
    photo = tmp_path / "dates.jpg"
    photo.write_bytes(photograph(page, Damage(megapixels=6, rotation=2, tilt=8, noise=3, jpeg=80), rng))
    code, data = ingest(runner, demo_workspace, photo)
    entry = data["files"][0]
    assert (code, entry["status"]) == (0, "accepted"), entry["findings"]
    record = json.loads((demo_workspace / "returns" / "records" / f"{entry['return_id']}.json").read_text("utf-8"))
    stored = [a["done_on"] for a in record["answers"]]
    to_confirm = {f["row"] for f in entry["findings"] if f["code"] == "paper-date-ocr"}
    assert all(f["kind"] == "warning" for f in entry["findings"] if f["code"] == "paper-date-ocr")
    unread = next(f for f in entry["findings"] if f["code"] == "paper-dates-unread")
    assert "第 2" in unread["message"] and stored[1] is None
    read = json.loads((demo_workspace / "returns" / "paper" / entry["return_id"] / "read.json").read_text("utf-8"))
    for index, (month, day) in written.items():
        if stored[index] is None:  # not sure enough: left for a person, named in the unread finding
            assert str(index + 1) in unread["message"] and index + 1 not in to_confirm
        else:  # read: right, recorded as OCR's, and waiting for a clerk's confirm
            assert stored[index] == f"2020-{month:02d}-{day:02d}" and index + 1 in to_confirm
            assert read["tasks"][index]["date"]["read_by"] == "ocr"
    assert to_confirm, "OCR read none of three clearly written dates"
    assert read["tasks"][1]["date"] is None  # nothing written: not read at all
    # the clerk confirms one date OCR read: its finding is settled, the others still wait
    def waiting() -> set[str]:
        shown = runner.invoke(app, ["--workspace", str(demo_workspace), "status", "--town", "城关镇",
                                    "--as-of", "2020-11-30", "--format", "json"])
        return {p["row"] for p in json.loads(shown.stdout)["problems"]
                if p["code"] == "paper-date-ocr" and p["unit_id"] == record["unit_id"]}

    assert waiting() == to_confirm
    number = min(to_confirm)
    month, day = written[number - 1]
    done = runner.invoke(app, ["--workspace", str(demo_workspace), "returns", "confirm", entry["return_id"][:8],
                               "--task", str(number), "--done", "是", "--date", f"{month:02d}-{day:02d}",
                               "--by", "王会计"])
    assert done.exit_code == 0, done.output
    assert waiting() == to_confirm - {number}


def test_dates_without_ocr_are_left_for_a_person(demo_workspace: Path, runner, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_cli.intake import paper_date

    monkeypatch.setattr(paper_date, "ocr_engine", lambda: None)  # rapidocr not installed
    pdf, _job, template = helper_form(demo_workspace)
    rng = np.random.default_rng(12)
    page = render_pages(pdf, 200)[0]
    rows = page_layouts(template)[0].rows
    draw_mark(page, rows[0].yes, "tick", 200, 0.6, 30, rng)
    draw_date(page, rows[0].date, 11, 5, 200, 25, rng)
    photo = tmp_path / "dates.jpg"
    photo.write_bytes(photograph(page, Damage(megapixels=4, rotation=-3, tilt=5, jpeg=85), rng))
    code, data = ingest(runner, demo_workspace, photo)
    entry = data["files"][0]
    assert code == 0 and not [f for f in entry["findings"] if f["code"] == "paper-date-ocr"]
    assert [f["code"] for f in entry["findings"]].count("paper-dates-unread") == 1
    assert stored_answers(demo_workspace, entry["return_id"])[0] is True
    folder = demo_workspace / "returns" / "paper" / entry["return_id"]
    assert (folder / "task-01-date.png").is_file()


def test_markers_read_with_relaxed_bits_must_sit_where_the_layout_puts_them(demo_workspace: Path) -> None:
    from fupin_cli.intake.paper import _markers_fit, find_markers

    pdf, _job, _template = helper_form(demo_workspace)
    page = render_pages(pdf, 150)[0]
    markers = find_markers(page)
    assert sorted(markers) == [0, 1, 2, 3] and _markers_fit(markers)
    # a fourth "marker" 5 mm from where the three others put it (a mark on the page misread as one) is not taken
    moved = dict(markers)
    moved[2] = markers[2] + np.float32([5 * 150 / 25.4, 0])
    sure = {i: markers[i] for i in (0, 1, 3)}
    assert _markers_fit(markers, sure) and not _markers_fit(moved, sure)
    # nor, beside two, one whose own corners are not the square the layout prints
    bent = dict(markers)
    bent[2] = markers[2] + np.float32([[0, 0], [0, 0], [40, 0], [0, 0]])
    assert not _markers_fit(bent)
