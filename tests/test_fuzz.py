"""Fuzzing: random cell values into normalisation, random and mutated bytes into the readers and ingest.

Nothing may escape but UnreadableFile from the readers, and nothing at all from ingest_bytes (a finding instead).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fill import fill_form
from fupin_cli.forms.generate import FormWriter, plan_forms
from fupin_cli.intake.ingest import IngestContext, ingest_bytes
from fupin_cli.intake.normalize import match_text, normalize_date, normalize_done, normalize_text
from fupin_cli.intake.readers import UnreadableFile, read_file
from fupin_cli.model.glossary import Role
from fupin_cli.model.text import cell_text, normalize_name
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cells = st.one_of(
    st.none(), st.booleans(), st.text(max_size=40), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(), st.times(),
    st.sampled_from(["是", "否", "√", "×", "已完成", "2020-11-05", "11月5日", "２０２０年１１月５日", "44140", "  ",
                     "2020.13.40", "0000-00-00", "9999999999999"]),
)


@settings(max_examples=500, deadline=None)
@given(cells)
def test_normalisation_takes_any_cell(value: object) -> None:
    done, raw, ok = normalize_done(value)
    assert done in (True, False, None) and isinstance(raw, str)
    if not ok:
        assert done is not True  # an unknown answer is never counted as done
    day, raw_date, ok_date = normalize_date(value, 2020)
    assert day is None or isinstance(day, dt.date)
    assert isinstance(raw_date, str) and isinstance(ok_date, bool)
    assert isinstance(normalize_text(value), str)
    assert isinstance(match_text(value), str)
    assert isinstance(cell_text(value), str)
    if isinstance(value, str):
        assert normalize_name(normalize_name(value)) == normalize_name(value)


SUFFIXES = [".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"]
HEADS = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe"]


def read_or_refuse(name: str, data: bytes) -> None:
    try:
        sheets = read_file(Path(name), data)
    except UnreadableFile as exc:
        assert exc.code in ("file-unreadable", "file-unsafe", "file-empty", "encoding-error", "unsupported-format",
                            "file-photo", "file-archive", "file-document")
        return
    assert isinstance(sheets, list)


@FUZZ
@given(st.sampled_from(HEADS), st.binary(max_size=2048), st.sampled_from(SUFFIXES))
def test_random_bytes_into_the_readers(head: bytes, body: bytes, suffix: str) -> None:
    read_or_refuse(f"回执{suffix}", head + body)


@pytest.fixture(scope="module")
def form_bytes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A real generated and filled town form, and the workspace it belongs to."""
    import shutil

    from conftest import DEMO

    ws = tmp_path_factory.mktemp("fuzz") / "demo"
    shutil.copytree(DEMO, ws)
    workspace = load_workspace(ws)
    job = plan_forms(workspace, load_roster(ws), workspace.templates(), ws / "forms", role=Role.town,
                     formats=("xlsx",))[0]
    return ws, fill_form(FormWriter().render(job))


def _context(ws: Path) -> IngestContext:
    workspace = load_workspace(ws)
    return IngestContext(workspace.campaign, load_roster(ws), workspace.templates(),
                         dt.datetime(2020, 11, 6, 12, tzinfo=workspace.campaign.tz))


def test_the_unmutated_form_is_accepted(form_bytes) -> None:
    ws, data = form_bytes
    assert ingest_bytes(Path("ok.xlsx"), data, _context(ws)).status == "accepted"


@FUZZ
@given(st.data())
def test_byte_mutations_of_a_real_form(form_bytes, data) -> None:
    ws, original = form_bytes
    blob = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if kind == "flip" and blob:
            blob[at] ^= data.draw(st.integers(1, 255))
        elif kind == "cut":
            del blob[at:]
        elif kind == "insert":
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        elif blob:
            del blob[at:at + data.draw(st.integers(1, 64))]
    suffix = data.draw(st.sampled_from([".xlsx", ".xls", ".ods", ".csv"]))
    read_or_refuse(f"m{suffix}", bytes(blob))
    outcome = ingest_bytes(Path(f"m{suffix}"), bytes(blob), _context(ws))
    assert outcome.status in ("accepted", "rejected")


@FUZZ
@given(st.data())
def test_xml_mutations_inside_a_valid_zip(form_bytes, data) -> None:
    # Byte flips mostly break the zip; these reach the XML parser of the reader behind a valid container.
    ws, original = form_bytes
    source = zipfile.ZipFile(io.BytesIO(original))
    names = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
    target = data.draw(st.sampled_from(names))
    text = bytearray(source.read(target))
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.sampled_from([b"<", b">", b'"', b"&", b"\x00", b"r=\"ZZZ9\"", b"<c r=\"A0\">",
                                           b"<v>1e400</v>", b"t=\"s\"", b"<v>99999</v>", b"</row>", b"\xff\xfe"]))
        if data.draw(st.booleans()):
            text[at:at] = piece
        else:
            del text[at:at + data.draw(st.integers(1, 40))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, bytes(text) if info.filename == target else source.read(info))
    read_or_refuse("x.xlsx", buffer.getvalue())
    outcome = ingest_bytes(Path("x.xlsx"), buffer.getvalue(), _context(ws))
    assert outcome.status in ("accepted", "rejected")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), min_size=1, max_size=10))
def test_byte_flips_of_a_libreoffice_xls(flips: list[tuple[int, int]]) -> None:
    # The legacy reader is native code that aborted the process on such files; it now runs contained.
    blob = bytearray((Path(__file__).parent / "data" / "town-form-libreoffice.xls").read_bytes())
    for at, mask in flips:
        blob[at % len(blob)] ^= mask
    read_or_refuse("m.xls", bytes(blob))
