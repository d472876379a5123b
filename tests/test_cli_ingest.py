"""`fupin ingest` through the CLI: exit codes 0/1/2, the --format json shape, --dry-run writes nothing, zip bombs.

Each run works on a private copy of examples/demo (with its stored returns) and checks what landed in returns/.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO
from fill import fill_form
from fupin_cli.cli import app
from fupin_cli.forms.generate import FormWriter, plan_forms
from fupin_cli.intake.safety import MAX_DECLARED_BYTES, MAX_RATIO, RATIO_FLOOR
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.store.roster_file import load_roster

RECEIVED = "2020-11-06T18:00"  # round 1 of the town checklist, after the demo's own 城关镇 return (16:00)
FILE_KEYS = {"file", "status", "sha256", "return_id", "unit_id", "template_id", "round", "findings"}


def tree(root: Path) -> dict[str, str]:
    """Every path under `root`: folders as "dir", files as the sha256 of their bytes."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def town_form() -> tuple[str, bytes]:
    """城关镇's generated town form, filled: (its unit id, the xlsx bytes). Planned on examples/demo, nothing written."""
    workspace = load_workspace(DEMO)
    jobs = plan_forms(workspace, load_roster(DEMO), workspace.templates(), DEMO / "forms", role=Role.town,
                      formats=("xlsx",))
    job = next(j for j in jobs if j.unit.name == "城关镇")
    return job.unit.unit_id, fill_form(FormWriter().render(job))


@pytest.fixture
def ws(demo_with_returns: Path) -> Path:
    return demo_with_returns


def ingest(runner: CliRunner, ws: Path, *args: str):
    return runner.invoke(app, ["-w", str(ws), "ingest", *args])


def put(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


# ---------------------------------------------------------------- exit 0: a good return

def test_a_good_return_is_stored_exit_0(runner: CliRunner, ws: Path, tmp_path: Path, town_form) -> None:
    unit_id, data = town_form
    path = put(tmp_path / "inbox", "城关镇.xlsx", data)
    result = ingest(runner, ws, str(path), "--received", RECEIVED)
    assert result.exit_code == 0, result.output
    assert "城关镇.xlsx" in result.stdout and f"城关镇（{unit_id}）" in result.stdout
    assert "✗" not in result.stderr
    sha = hashlib.sha256(data).hexdigest()
    assert (ws / "returns" / "files" / f"{sha}.xlsx").read_bytes() == data  # the original, byte for byte
    listed = json.loads(runner.invoke(app, ["-w", str(ws), "returns", "list", "--unit", unit_id,
                                            "--format", "json"]).stdout)
    # It is 城关镇's round 1 now; the demo's own round-1 CSV (received 16:00) is kept, superseded.
    assert sorted((r["round"], r["source_name"], r["superseded"]) for r in listed) == [
        (1, "城关镇-第1次.csv", True), (1, "城关镇.xlsx", False), (2, "城关镇-第2次.xlsx", False)]
    assert next(r["sha256"] for r in listed if r["source_name"] == "城关镇.xlsx") == sha


def test_json_of_an_accepted_return(runner: CliRunner, ws: Path, tmp_path: Path, town_form) -> None:
    unit_id, data = town_form
    path = put(tmp_path / "inbox", "城关镇.xlsx", data)
    result = ingest(runner, ws, str(path), "--received", RECEIVED, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"dry_run", "files", "skipped", "summary"} <= set(report)
    assert report["dry_run"] is False and report["skipped"] == []
    assert report["summary"]["accepted"] == 1 and sum(report["summary"].values()) == 1
    [entry] = report["files"]
    assert set(entry) >= FILE_KEYS
    sha = hashlib.sha256(data).hexdigest()
    assert (entry["file"], entry["status"], entry["sha256"], entry["return_id"]) == (str(path), "accepted", sha, sha[:16])
    assert (entry["unit_id"], entry["template_id"], entry["round"]) == (unit_id, "town", 1)
    assert isinstance(entry["findings"], list)
    for finding in entry["findings"]:
        assert {"code", "severity", "message", "file", "row", "column"} <= set(finding)
        assert isinstance(finding["code"], str) and isinstance(finding["message"], str)
        assert finding["severity"] == "warning"  # an accepted return carries warnings only
    assert (ws / "returns" / "records" / f"{sha[:16]}.json").is_file()


def test_the_same_file_twice_is_a_duplicate_and_stored_once(runner: CliRunner, ws: Path, tmp_path: Path,
                                                             town_form) -> None:
    path = put(tmp_path / "inbox", "城关镇.xlsx", town_form[1])
    assert ingest(runner, ws, str(path), "--received", RECEIVED).exit_code == 0
    before = tree(ws / "returns")
    again = ingest(runner, ws, str(path), "--received", RECEIVED, "--format", "json")
    assert again.exit_code == 0
    assert [f["status"] for f in json.loads(again.stdout)["files"]] == ["duplicate"]
    assert tree(ws / "returns") == before


# ---------------------------------------------------------------- exit 1: a refused file, the store untouched

def test_a_refused_file_exits_1_and_leaves_the_store_as_it_was(runner: CliRunner, ws: Path, tmp_path: Path) -> None:
    path = put(tmp_path / "inbox", "空.csv", b"")
    before = tree(ws / "returns")
    result = ingest(runner, ws, str(path), "--received", RECEIVED, "--format", "json")
    assert result.exit_code == 1, result.output
    [entry] = json.loads(result.stdout)["files"]
    assert set(entry) >= FILE_KEYS
    assert (entry["status"], [f["code"] for f in entry["findings"]]) == ("rejected", ["file-empty"])
    assert (entry["return_id"], entry["unit_id"], entry["template_id"], entry["round"]) == (None, None, None, None)
    assert entry["findings"][0]["severity"] == "error"
    assert tree(ws / "returns") == before


def test_refusal_is_one_line_on_stderr_and_a_good_file_beside_it_is_kept(runner: CliRunner, ws: Path,
                                                                          tmp_path: Path, town_form) -> None:
    inbox = tmp_path / "inbox"
    put(inbox, "a-空.csv", b"")
    put(inbox, "b-城关镇.xlsx", town_form[1])
    result = ingest(runner, ws, str(inbox), "--received", RECEIVED)
    assert result.exit_code == 1
    refusals = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(refusals) == 1 and "a-空.csv" in refusals[0]
    assert (ws / "returns" / "files" / f"{hashlib.sha256(town_form[1]).hexdigest()}.xlsx").is_file()


# ---------------------------------------------------------------- exit 2: usage errors, nothing written

@pytest.mark.parametrize(
    "args",
    [
        ["{tmp}/没有这个文件.xlsx"],
        ["{inbox}", "--round", "0"],
        ["{inbox}", "--format", "xml"],
        ["{inbox}", "--received", "昨天"],
        ["{inbox}", "--unit", "NOBODY"],
        ["{inbox}", "--no-such-option"],
        ["{tmp}/empty-folder"],
    ],
    ids=["missing-path", "round-0", "bad-format", "bad-received", "unknown-unit", "unknown-option", "no-files"],
)
def test_usage_errors_exit_2_and_write_nothing(runner: CliRunner, ws: Path, tmp_path: Path, town_form,
                                               args: list[str]) -> None:
    inbox = tmp_path / "inbox"
    put(inbox, "城关镇.xlsx", town_form[1])
    (tmp_path / "empty-folder").mkdir()
    before = tree(ws)
    result = ingest(runner, ws, *[a.format(tmp=tmp_path, inbox=inbox) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.strip()
    assert "Traceback" not in result.stderr
    assert tree(ws) == before


def test_a_usage_error_with_format_json_is_a_json_error(runner: CliRunner, ws: Path, tmp_path: Path,
                                                         town_form) -> None:
    path = put(tmp_path / "inbox", "城关镇.xlsx", town_form[1])
    result = ingest(runner, ws, str(path), "--unit", "NOBODY", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert set(error) >= {"code", "message"}
    assert isinstance(error["code"], str) and error["code"] and "NOBODY" in error["message"]


# ---------------------------------------------------------------- --dry-run writes nothing

@pytest.mark.parametrize("store", ["demo_with_returns", "demo_workspace"], ids=["with-returns", "empty-store"])
def test_dry_run_writes_nothing(runner: CliRunner, request: pytest.FixtureRequest, town_form, store: str) -> None:
    ws = request.getfixturevalue(store)
    inbox = ws / "来件"
    put(inbox, "城关镇.xlsx", town_form[1])
    put(inbox, "空.csv", b"")
    before = tree(ws)
    result = ingest(runner, ws, str(inbox), "--received", RECEIVED, "--dry-run", "--format", "json")
    assert result.exit_code == 1  # the empty file would be refused: the exit code says so, dry run or not
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert sorted((Path(f["file"]).name, f["status"]) for f in report["files"]) == [
        ("城关镇.xlsx", "accepted"), ("空.csv", "rejected")]
    assert tree(ws) == before
    table = ingest(runner, ws, str(inbox / "城关镇.xlsx"), "--received", RECEIVED, "--dry-run")
    assert table.exit_code == 0
    assert tree(ws) == before


# ---------------------------------------------------------------- zip bombs through `fupin ingest`

def with_part(data: bytes, name: str, payload: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The xlsx with one more part, `name`, holding `payload`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr(zipfile.ZipInfo(name), payload, compress_type=compression)
    return buffer.getvalue()


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with part `name` claiming `size` bytes uncompressed, in its local header and central directory."""
    blob = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        position = archive.start_dir
    struct.pack_into("<I", blob, info.header_offset + 22, size)  # local file header: uncompressed size
    while blob[position:position + 4] == b"PK\x01\x02":  # central directory entries
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", blob, position + 28)
        if bytes(blob[position + 46:position + 46 + name_length]) == name.encode():
            struct.pack_into("<I", blob, position + 24, size)
        position += 46 + name_length + extra_length + comment_length
    return bytes(blob)


OVER_FLOOR = RATIO_FLOOR + 64 * 1024
# The town form with one extra part: (its payload, the uncompressed size its headers declare or None for the truth,
# the outcome, the code of the refusal, whether the message names the part).
BOMBS = {
    # Honest headers: a part above RATIO_FLOOR that inflates more than MAX_RATIO:1 (zeros: about 1000:1).
    "over-ratio": (lambda: b"\0" * OVER_FLOOR, None, "rejected", "file-unsafe", True),
    # Just as big but barely compressible (about 1:1), like a photo: kept.
    "big-but-incompressible": (lambda: random.Random(0).randbytes(OVER_FLOOR), None, "accepted", None, False),
    # A thousand to one but not above RATIO_FLOOR: too small to be a bomb, kept.
    "at-ratio-floor": (lambda: b"\0" * RATIO_FLOOR, None, "accepted", None, False),
    # Declared 1 KB, inflating to 8 MB: zipfile never inflates a part past its declared size, and the part's
    # checksum then fails, so it is refused as damaged before anything big is in memory.
    "declared-small-inflates-big": (lambda: b"\0" * (8 << 20), 1024, "rejected", "file-unreadable", True),
    # More than MAX_DECLARED_BYTES claimed: refused before anything is inflated.
    "declared-over-the-total": (lambda: b"abc", MAX_DECLARED_BYTES + 1, "rejected", "file-unsafe", False),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_zip_parts_that_inflate_too_far_are_refused_and_the_store_is_unchanged(
        runner: CliRunner, ws: Path, tmp_path: Path, town_form, bomb: str) -> None:
    payload, declared, status, code, names_part = BOMBS[bomb]
    assert (MAX_RATIO, RATIO_FLOOR) == (200, 1024 * 1024)
    started = time.monotonic()
    part = "xl/media/image9.bin"
    data = with_part(town_form[1], part, payload())
    if declared is not None:
        data = declare_size(data, part, declared)
    assert len(data) < 1_200_000
    path = put(tmp_path / "inbox", "城关镇.xlsx", data)
    before = tree(ws / "returns")
    result = ingest(runner, ws, str(path), "--received", RECEIVED, "--format", "json")
    assert time.monotonic() - started < 2
    [entry] = json.loads(result.stdout)["files"]
    assert entry["status"] == status, entry["findings"]
    if status == "rejected":
        assert result.exit_code == 1
        assert [f["code"] for f in entry["findings"]] == [code]
        assert (part in entry["findings"][0]["message"]) is names_part
        assert tree(ws / "returns") == before  # byte for byte
    else:
        assert result.exit_code == 0
        assert (ws / "returns" / "files" / f"{entry['sha256']}.xlsx").read_bytes() == data


def test_a_bzip2_part_is_refused_before_it_inflates(runner: CliRunner, ws: Path, tmp_path: Path, town_form) -> None:
    bomb = declare_size(with_part(town_form[1], "xl/media/big.bin", b"\0" * (8 << 20), zipfile.ZIP_BZIP2),
                        "xl/media/big.bin", 1024)
    assert len(bomb) < 12_000
    path = put(tmp_path / "inbox", "城关镇.xlsx", bomb)
    before = tree(ws / "returns")
    result = ingest(runner, ws, str(path), "--received", RECEIVED, "--format", "json")
    assert result.exit_code == 1
    assert tree(ws / "returns") == before
    [entry] = json.loads(result.stdout)["files"]
    assert [f["code"] for f in entry["findings"]] == ["file-unsafe"]
