"""Every file of a folder is counted or named: archives, documents and other kinds are listed with their reason
(exit 1); only lock and system files pass unnamed. WPS .et/.ett files are read as the spreadsheet they hold,
and photos are called photos whatever their name (issue 18, items 3 and 11)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from fupin_cli.intake.ingest import collect_files
from fupin_cli.intake.readers import UnreadableFile, not_readable, read_file
from fupin_cli.model.problems import message_for
from inbox import filled, fupin, generate, ingest, squash, unit_id, unit_round

RECEIVED = "2020-11-06T12:00"
AS_OF = "2020-11-10"
DATA = Path(__file__).parent / "data"
NOISE = ["~$城关镇.xlsx", ".~lock.城关镇.xlsx#", ".DS_Store", "Thumbs.db", "desktop.ini", "._城关镇.xlsx"]
PHOTO_ADVICE = "拍照的回执暂不能自动读取，请让填报人发送电子表格，或按表手工录入"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx() -> bytes:
    """A Word document's container: [Content_Types].xml and word/document.xml in a zip."""
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


@pytest.fixture
def town_form(runner, demo_workspace: Path) -> Path:
    return next(generate(runner, demo_workspace, "--role", "town", "--format", "xlsx").rglob("城关镇.xlsx"))


@pytest.fixture
def inbox(demo_workspace: Path, town_form: Path) -> Path:
    """A clerk's inbox: one good return, four files of other kinds, and the noise folders collect."""
    folder = demo_workspace / "inbox"
    filled(town_form, folder / "城关镇.xlsx")
    inner = (folder / "城关镇.xlsx").read_bytes()
    (folder / "回执打包.zip").write_bytes(_zip({"城关镇.xlsx": inner}))
    (folder / "报表.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    (folder / "通知.docx").write_bytes(_docx())
    (folder / "录像.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    for name in NOISE:
        (folder / name).write_bytes(b"\x0bowner")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    return folder


NAMED = {"回执打包.zip": "file-archive", "报表.rar": "file-archive", "通知.docx": "file-document",
         "录像.mp4": "unsupported-format"}


def test_every_skipped_file_is_named_with_its_code_and_the_batch_exits_1(runner, demo_workspace, inbox):
    code, files = ingest(runner, demo_workspace, inbox, received=RECEIVED)
    assert code == 1
    by_name = {Path(f["file"]).name: f for f in files}
    assert by_name["城关镇.xlsx"]["status"] == "accepted"
    assert {name: (f["status"], [x["code"] for x in f["findings"]]) for name, f in by_name.items()
            if name != "城关镇.xlsx"} == {name: ("skipped", [c]) for name, c in NAMED.items()}
    assert not set(NOISE) & set(by_name)  # lock and system files are never listed as files
    town = unit_id(demo_workspace, "town", "城关镇")
    assert unit_round(runner, demo_workspace, town, AS_OF, 1)["status"] == "on_time"


def test_the_json_keeps_every_skipped_path(runner, demo_workspace, inbox):
    result = fupin(runner, demo_workspace, "ingest", inbox, "--received", RECEIVED, "--dry-run", "--format", "json")
    data = json.loads(result.stdout)
    assert sorted(Path(p).name for p in data["skipped"]) == sorted([*NOISE, *NAMED])
    assert data["summary"] == {"accepted": 1, "skipped": 4}
    [archive] = [f for f in data["files"] if f["file"].endswith("回执打包.zip")]
    assert archive["findings"][0]["message"] == message_for("file-archive", format=".zip")
    assert archive["findings"][0]["file"] == str(inbox / "回执打包.zip")


def test_the_table_and_the_lines_name_each_file_and_why(runner, demo_workspace, inbox):
    result = fupin(runner, demo_workspace, "ingest", inbox, "--received", RECEIVED, "--dry-run")
    assert result.exit_code == 1
    table = squash(result.stdout)
    for name in NAMED:
        assert f"{name}││││未收取│" in table  # no unit, checklist or round: only the result
    lines = squash(result.stderr)
    assert squash(f"✗ {inbox / '通知.docx'}：{message_for('file-document', format='文字文档（.docx）')}") in lines
    assert squash(f"✗ {inbox / '录像.mp4'}：{message_for('unsupported-format', suffix='.mp4')}") in lines
    assert "未收取4（不是电子表格，见上）" in lines
    assert f"另有{len(NOISE)}个锁文件或系统文件" in lines
    assert ".git" not in result.stdout + result.stderr


def test_a_folder_holding_only_an_archive_is_named_and_exits_1(runner, demo_workspace, tmp_path, town_form):
    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "全部回执.zip").write_bytes(_zip({"a.xlsx": filled(town_form, tmp_path / "a.xlsx").read_bytes()}))
    (folder / "Thumbs.db").write_bytes(b"x")
    code, files = ingest(runner, demo_workspace, folder, received=RECEIVED)
    assert code == 1
    assert [(Path(f["file"]).name, f["status"], f["findings"][0]["code"]) for f in files] == [
        ("全部回执.zip", "skipped", "file-archive")]
    assert not list((demo_workspace / "returns").glob("records/*.json"))


def test_a_folder_of_noise_alone_has_nothing_to_ingest(runner, demo_workspace, tmp_path):
    folder = tmp_path / "noise"
    folder.mkdir()
    for name in NOISE:
        (folder / name).write_bytes(b"x")
    result = fupin(runner, demo_workspace, "ingest", folder, "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "no-files-to-ingest"


def test_collect_files_tells_noise_from_files_of_another_kind(inbox):
    taken, skipped = collect_files([inbox])
    assert [p.name for p in taken] == ["城关镇.xlsx"]
    assert sorted(s.name for s in skipped if s.problem is None) == sorted(NOISE)
    assert {s.name: s.problem.code for s in skipped if s.problem is not None} == NAMED


def test_an_archive_named_on_the_command_line_is_refused_as_an_archive(runner, demo_workspace, inbox):
    code, [entry] = ingest(runner, demo_workspace, inbox / "回执打包.zip", received=RECEIVED)
    assert (code, entry["status"], [f["code"] for f in entry["findings"]]) == (1, "rejected", ["file-archive"])


# ---------------------------------------------------------------- WPS 表格 .et / .ett

@pytest.mark.parametrize("suffix", [".et", ".ett"])
def test_an_xlsx_shaped_wps_file_is_read_and_counted(runner, demo_workspace, town_form, tmp_path, suffix):
    folder = tmp_path / "wps"
    path = filled(town_form, folder / f"城关镇{suffix}")
    assert path.read_bytes().startswith(b"PK\x03\x04")
    code, [entry] = ingest(runner, demo_workspace, folder, received=RECEIVED)
    assert (code, entry["status"]) == (0, "accepted"), entry["findings"]
    town = unit_id(demo_workspace, "town", "城关镇")
    assert (entry["unit_id"], entry["round"]) == (town, 1)
    assert unit_round(runner, demo_workspace, town, AS_OF, 1)["status"] == "on_time"


def test_an_xls_shaped_wps_file_is_read_like_the_xls_it_is(tmp_path):
    # A real .xls (LibreOffice's, tests/data) under the name WPS gives its own files.
    path = tmp_path / "城关镇.et"
    path.write_bytes((DATA / "town-form-libreoffice.xls").read_bytes())
    as_et = read_file(path)
    as_xls = read_file(DATA / "town-form-libreoffice.xls")
    assert [(s.name, s.rows) for s in as_et] == [(s.name, s.rows) for s in as_xls]
    assert as_et[0].name == "镇工作任务清单"


def test_a_wps_file_holding_neither_is_named_with_what_to_do(runner, demo_workspace, tmp_path):
    folder = tmp_path / "wps"
    folder.mkdir()
    (folder / "坏表.et").write_bytes(b"WPS garbage" * 10)
    code, [entry] = ingest(runner, demo_workspace, folder, received=RECEIVED)
    assert (code, entry["status"], entry["findings"][0]["code"]) == (1, "rejected", "file-unreadable")
    assert "请在 WPS 中打开，另存为 .xlsx 后重发" in entry["findings"][0]["message"]


# ---------------------------------------------------------------- photos, whatever they are called

def _photos() -> dict[str, bytes]:
    """A small white page saved by Pillow in each format a phone or scanner gives."""
    image_module = pytest.importorskip("PIL.Image")
    page = image_module.new("RGB", (60, 40), "white")
    found = {}
    for fmt in ("JPEG", "PNG", "GIF", "BMP", "WEBP", "PDF", "TIFF"):
        buffer = io.BytesIO()
        page.save(buffer, fmt)
        found[fmt] = buffer.getvalue()
    try:
        import pillow_heif

        buffer = io.BytesIO()
        pillow_heif.from_pillow(page).save(buffer, format="HEIF")
        found["HEIC"] = buffer.getvalue()
    except (ImportError, ValueError, RuntimeError):  # no encoder: an iPhone photo's opening box, as it is
        found["HEIC"] = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    return found


WHAT = {"JPEG": "一张照片（JPEG）", "PNG": "一张图片（PNG）", "GIF": "一张图片（GIF）", "BMP": "一张图片（BMP）",
        "WEBP": "一张图片（WebP）", "PDF": "一个 PDF 文件（扫描件或打印件）", "TIFF": "一张扫描图（TIFF）",
        "HEIC": "一张照片（HEIC，苹果手机拍的）"}


@pytest.mark.parametrize("name", ["回执.xlsx", "回执.xls", "回执.csv", "回执.jpg", "回执"])
def test_a_photo_is_called_a_photo_whatever_its_name(name: str) -> None:
    for fmt, data in _photos().items():
        with pytest.raises(UnreadableFile) as caught:
            read_file(Path(name), data)
        assert (caught.value.code, caught.value.context) == ("file-photo", {"format": WHAT[fmt]}), (name, fmt)
        message = message_for(caught.value.code, **caught.value.context)
        assert message.endswith(PHOTO_ADVICE)
        assert "损坏" not in message and "另存为" not in message


def test_a_jpeg_renamed_xlsx_is_never_told_it_is_broken(runner, demo_workspace, tmp_path):
    photo = tmp_path / "城关镇.xlsx"
    photo.write_bytes(_photos()["JPEG"])
    code, [entry] = ingest(runner, demo_workspace, photo, received=RECEIVED)
    assert (code, entry["status"]) == (1, "rejected")
    [finding] = entry["findings"]
    # Read as a paper return when fupin[paper] is installed (this blank page is none), else named a photo.
    assert finding["code"] == "file-photo" or finding["code"].startswith("paper-")
    assert "可能已损坏" not in finding["message"] and "另存为 .xlsx" not in finding["message"]


def test_files_of_other_kinds_are_named_by_name_and_bytes() -> None:
    assert not_readable(".zip", b"PK\x03\x04").code == "file-archive"
    assert not_readable("", b"7z\xbc\xaf\x27\x1c\x00\x04").code == "file-archive"
    assert not_readable(".gz", b"\x1f\x8b\x08").code == "file-archive"
    assert (not_readable(".wps", b"\xd0\xcf\x11\xe0").code, not_readable(".pptx", b"PK").context) == (
        "file-document", {"format": "演示文稿（.pptx）"})
    assert not_readable(".dat", b"\x00\x01").context == {"suffix": ".dat"}
    assert not_readable(".xlsx", b"\xff\xd8\xff\xdb").code == "file-photo"


def test_walking_a_folder_skips_hidden_folders_the_workspace_and_symlinked_folders(tmp_path):
    """A workspace ingesting its own folder takes the inbox only: never returns/, roster/, .git/ nor a link out."""
    ws = tmp_path / "ws"
    for folder in ("inbox/镇", "inbox/.git", "returns/files", "roster", "elsewhere"):
        (ws / folder).mkdir(parents=True)
    for name in ("inbox/a.csv", "inbox/镇/b.xlsx", "inbox/.git/c.csv", "returns/files/d.csv", "roster/e.csv",
                 "elsewhere/f.csv", "top.csv"):
        (ws / name).write_text("x", encoding="utf-8")
    (ws / "inbox" / "link").symlink_to(ws / "elsewhere", target_is_directory=True)
    (ws / "inbox" / "g.csv").symlink_to(ws / "returns" / "files" / "d.csv")  # a link into the store
    taken, skipped = collect_files([ws], ws)
    assert [p.relative_to(ws).as_posix() for p in taken] == ["elsewhere/f.csv", "inbox/a.csv", "inbox/镇/b.xlsx",
                                                              "top.csv"]
    assert skipped == []
    assert collect_files([ws / "returns"], ws) == ([], [])  # the store itself, named: nothing of it is taken
