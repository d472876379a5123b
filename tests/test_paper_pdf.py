"""`fupin forms generate --format pdf`: one A4 PDF per unit, CJK font embedded, markers, QR and tick boxes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("fpdf")
cv2 = pytest.importorskip("cv2")

from fupin_cli.cli import app  # noqa: E402
from fupin_cli.forms.generate import parse_formats  # noqa: E402
from fupin_cli.forms.pdf import BOX, page_layouts, parse_qr_payload  # noqa: E402
from fupin_cli.model.problems import FupinError  # noqa: E402
from fupin_cli.model.workspace import load_workspace  # noqa: E402
from paper_photos import render_pages  # noqa: E402


def test_format_option_combines() -> None:
    assert parse_formats("both") == ("xlsx", "csv")
    assert parse_formats("xlsx,pdf") == ("xlsx", "pdf")
    assert parse_formats("pdf") == ("pdf",)
    with pytest.raises(FupinError) as caught:
        parse_formats("docx")
    assert caught.value.code == "forms-format-unknown"


def test_generate_pdf_per_unit(demo_workspace: Path, runner) -> None:
    # two helpers show one PDF per unit as well as 42 would (each PDF costs ~0.6 s of font subsetting)
    helpers = demo_workspace / "roster" / "helpers.csv"
    helpers.write_bytes(b"".join(helpers.read_bytes().splitlines(keepends=True)[:3]))
    result = runner.invoke(app, ["--workspace", str(demo_workspace), "forms", "generate", "--role", "helper",
                                 "--format", "xlsx,pdf"])
    assert result.exit_code == 0, result.stdout + result.stderr
    pdfs = sorted((demo_workspace / "forms").rglob("*.pdf"))
    xlsx = sorted((demo_workspace / "forms").rglob("*.xlsx"))
    assert len(pdfs) == len(xlsx) == 2
    assert [p.with_suffix("") for p in pdfs] == [p.with_suffix("") for p in xlsx]  # one PDF beside each XLSX
    assert not list((demo_workspace / "forms").rglob("*.csv"))
    data = [p.read_bytes() for p in pdfs]
    again = runner.invoke(app, ["--workspace", str(demo_workspace), "forms", "generate", "--role", "helper",
                                "--format", "pdf"])
    assert again.exit_code == 0 and [p.read_bytes() for p in pdfs] == data  # the same bytes on every run
    assert data[0] != data[1]  # each unit its own form (its name, its QR)
    page = render_pages(data[0], 150)[0]
    assert page.shape == (round(297 / 25.4 * 150), round(210 / 25.4 * 150)) or abs(page.shape[0] - 1754) < 3
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    _corners, ids, _ = cv2.aruco.ArucoDetector(dictionary).detectMarkers(page)
    assert sorted(ids.flatten().tolist()) == [0, 1, 2, 3]
    text = cv2.QRCodeDetector().detectAndDecode(page[:400, 850:])[0]
    parsed = parse_qr_payload(text)
    assert parsed is not None
    identity, _hash, number, pages = parsed
    workspace = load_workspace(demo_workspace)
    template = workspace.templates()["helper"]
    assert (identity.template_id, number, pages) == ("helper", 1, 1)
    assert template.version.startswith(identity.template_version)
    rows = page_layouts(template)[0].rows
    assert len(rows) == len(template.tasks)
    px = 150 / 25.4
    for row in rows:  # each box: an empty square 7 mm wide, 是 left of 否
        assert row.yes.x < row.no.x and row.yes.w == BOX == 7.0
        inside = page[int((row.yes.y + 1.2) * px):int((row.yes.y + 5.8) * px),
                      int((row.yes.x + 1.2) * px):int((row.yes.x + 5.8) * px)]
        assert inside.min() > 200


def test_longer_form_repeats_markers_and_qr_on_each_page(demo_workspace: Path, runner) -> None:
    result = runner.invoke(app, ["--workspace", str(demo_workspace), "forms", "generate", "--role", "town",
                                 "--town", "城关镇", "--format", "pdf"])
    assert result.exit_code == 0, result.stdout + result.stderr
    (pdf,) = sorted((demo_workspace / "forms").rglob("*.pdf"))
    pages = render_pages(pdf.read_bytes(), 150)
    layouts = page_layouts(load_workspace(demo_workspace).templates()["town"])
    assert len(pages) == len(layouts) >= 2
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for number, page in enumerate(pages, start=1):
        _corners, ids, _ = cv2.aruco.ArucoDetector(dictionary).detectMarkers(page)
        assert sorted(ids.flatten().tolist()) == [0, 1, 2, 3]
        parsed = parse_qr_payload(cv2.QRCodeDetector().detectAndDecode(page[:400, 850:])[0])
        assert parsed is not None and parsed[0].template_id == "town" and parsed[2:] == (number, len(pages))


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) not installed")
def test_pdf_embeds_a_cjk_font(tmp_path: Path, demo_workspace: Path, runner) -> None:
    runner.invoke(app, ["--workspace", str(demo_workspace), "forms", "generate", "--role", "town", "--format", "pdf"])
    pdf = sorted((demo_workspace / "forms").rglob("*.pdf"))[0]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "WenQuanYi" in fonts or "Sim" in fonts
    assert " yes yes " in fonts  # embedded, subset
    assert len(render_pages(pdf.read_bytes(), 72)) == len(page_layouts(load_workspace(demo_workspace)
                                                                       .templates()["town"]))


def test_no_cjk_font_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_cli.forms import pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (("/nonexistent/font.ttc", 0),))
    with pytest.raises(FupinError) as caught:
        pdf.find_cjk_font()
    assert caught.value.code == "pdf-no-cjk-font" and "fonts-noto-cjk" in caught.value.message


@pytest.mark.parametrize("unit_id", ["H9c0e1a5f", "451023100", "A7-2", "村_01", "x+y:z%"])
def test_qr_payload_is_alphanumeric_and_round_trips(unit_id: str) -> None:
    import segno

    from fupin_cli.forms.identity import FormIdentity
    from fupin_cli.forms.pdf import QR_ALNUM, campaign_hash, qr_payload

    identity = FormIdentity("aid_unit", "c5c9ce54c3", unit_id, 2020, "云溪区2020年考核", 2)
    text = qr_payload(identity, 2, 3)
    assert set(text) <= QR_ALNUM
    parsed = parse_qr_payload(text)
    assert parsed is not None
    read, chash, page, pages = parsed
    assert (read.template_id, read.unit_id, read.year, read.round, page, pages) == ("aid_unit", unit_id, 2020, 2, 2, 3)
    assert "c5c9ce54c3".startswith(read.template_version) and chash == campaign_hash(identity)
    if unit_id == "H9c0e1a5f":  # a demo form (no round): a version 2 code (25 modules), error correction M
        demo = qr_payload(FormIdentity("aid_unit", "c5c9ce54c3", unit_id, 2020, "云溪区"), 1, 2)
        assert segno.make(demo, error="m", micro=False).designator == "2-M"


def test_forms_printed_with_the_first_payload_still_read() -> None:
    parsed = parse_qr_payload("F1|2020|38dc|helper|c3fb28|H9c0e1a5f||1/1")
    assert parsed is not None
    identity, chash, page, pages = parsed
    assert (identity.template_id, identity.template_version, identity.unit_id, chash, page, pages) == (
        "helper", "c3fb28", "H9c0e1a5f", "38dc", 1, 1)
    assert parse_qr_payload("https://example.com/x") is None and parse_qr_payload("2020:A:B:C:1/1") is None
