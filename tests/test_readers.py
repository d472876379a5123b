"""Real bytes through the readers: every CSV encoding offices write, broken files, and xlsx/xls/ods cells."""

from __future__ import annotations

import codecs
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from fupin_cli.intake.normalize import normalize_date, normalize_done, normalize_text
from fupin_cli.intake.readers import RawSheet, UnreadableFile, read_file, read_text_file

# Key lines padded with trailing commas as Excel writes them, a quoted field with a comma and a line break.
ROWS = [
    ["工作任务清单（帮扶责任人）", "", "", ""],
    ["帮扶责任人", "张𠮷", "", ""],
    ["序号", "工作任务", "是否完成", "完成时间"],
    ["1", "走访贫困户，宣讲“两不愁三保障”政策", "是", "2020年11月5日"],
    ["2", "核实收入\n第二行", "否", ""],
]


def _csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    def field(text: str) -> str:
        if any(c in text for c in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(delimiter.join(field(c) for c in row) + newline for row in rows)


def _unreadable(path: Path, data: bytes | None = None) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read_file(path, data)
    return caught.value


# ---------------------------------------------------------------- text encodings

@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: t.encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8-bom", "utf-8", "gb18030"],
)
def test_comma_csv_in_each_encoding(tmp_path: Path, encode, encoding: str) -> None:
    path = tmp_path / "回执.csv"
    path.write_bytes(encode(_csv(ROWS)))
    [sheet] = read_file(path)
    assert sheet.rows == ROWS
    assert sheet.meta["encoding"] == encoding
    assert sheet.name == "回执"
    assert sheet.visible


def test_gbk_text_is_read_as_gb18030(tmp_path: Path) -> None:
    rows = [row[:] for row in ROWS]
    rows[1][1] = "张三"  # GBK has no 𠮷; GB18030 is a superset and decodes GBK bytes unchanged
    path = tmp_path / "gbk.csv"
    path.write_bytes(_csv(rows).encode("gbk"))
    [sheet] = read_file(path)
    assert sheet.rows == rows
    assert sheet.meta["encoding"] == "gb18030"


@pytest.mark.parametrize(
    "bom_and_codec",
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
    ids=["le", "be"],
)
def test_excel_unicode_text_is_utf16_and_tab_separated(tmp_path: Path, bom_and_codec: tuple[bytes, str]) -> None:
    bom, codec = bom_and_codec
    path = tmp_path / "回执.txt"
    path.write_bytes(bom + _csv(ROWS, delimiter="\t").encode(codec))
    [sheet] = read_file(path)
    assert sheet.rows == ROWS
    assert sheet.meta["encoding"] == "utf-16"


def test_leading_blank_rows_and_padding_are_kept_for_the_ingest_to_skip() -> None:
    data = ("\r\n,,,\r\n" + _csv(ROWS[:2])).encode("utf-8")
    sheet = read_text_file(data, "x.csv")
    assert sheet.rows == [[], ["", "", "", ""], *ROWS[:2]]


def test_utf8_wins_over_gb18030_when_both_decode() -> None:
    # The UTF-8 bytes of 是否完成 are also valid GB18030 (mojibake 鏄惁瀹屾垚): strict UTF-8 must be tried first.
    data = "是否完成,完成时间\n".encode()
    assert data.decode("gb18030").startswith("鏄")
    assert read_text_file(data, "x.csv").rows == [["是否完成", "完成时间"]]


# ---------------------------------------------------------------- unreadable text

@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"abc\xff\xfe\x80def", 3),                                   # neither UTF-8 nor GB18030
        (b"abc\x80", 3),                                              # a lone 0x80 is not GB18030
        (codecs.BOM_UTF8 + b"ab\xffc", 5),                             # the offset counts the BOM
        (codecs.BOM_UTF16_LE + "a".encode("utf-16-le") + b"\x00\xd8b\x00", 4),  # a lone surrogate
        (codecs.BOM_UTF16_LE + b"a\x00b", 4),                          # an odd byte at the end
    ],
    ids=["latin", "lone-0x80", "utf8-bom", "utf16-surrogate", "utf16-truncated"],
)
def test_undecodable_bytes_name_the_offset(tmp_path: Path, data: bytes, offset: int) -> None:
    error = _unreadable(tmp_path / "bad.csv", data)
    assert (error.code, error.context) == ("encoding-error", {"offset": offset})


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\r\n\r\n", "\u3000\n".encode()])
def test_empty_text_file(tmp_path: Path, data: bytes) -> None:
    assert _unreadable(tmp_path / "empty.csv", data).code == "file-empty"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_empty_spreadsheet_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert _unreadable(path).code == "file-empty"


# A .docx is named for what it is (file-document, tests/test_folder_ingest.py); a PDF only by its bytes (%PDF-).
@pytest.mark.parametrize(("name", "suffix"), [("回执.mp4", ".mp4"), ("回执.pdf", ".pdf"), ("回执", "（无扩展名）")])
def test_unsupported_suffix(tmp_path: Path, name: str, suffix: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"something")
    error = _unreadable(path)
    assert (error.code, error.context) == ("unsupported-format", {"suffix": suffix})


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "回执.CSV"
    path.write_bytes(_csv(ROWS).encode("utf-8"))
    assert read_file(path)[0].rows == ROWS


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_csv_renamed_to_a_spreadsheet_is_unreadable(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"回执{suffix}"
    path.write_bytes(_csv(ROWS).encode("utf-8"))
    error = _unreadable(path)
    assert error.code == "file-unreadable"
    assert error.context["reason"]


def test_truncated_xlsx_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "full.xlsx"
    openpyxl.Workbook().save(path)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[:200])
    assert _unreadable(cut).code == "file-unreadable"


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert _unreadable(tmp_path / "gone.xlsx").code == "file-unreadable"


# ---------------------------------------------------------------- xlsx through python-calamine

def _workbook(path: Path) -> None:
    """A small return: merged title, leading blank row, numbers, dates, a bool, hidden and very hidden sheets."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "清单"
    sheet["A2"] = "工作任务清单"
    sheet.merge_cells("A2:D2")
    sheet.append(["序号", "工作任务", "是否完成", "完成时间"])
    sheet.append([1, "走访贫困户", "是", date(2020, 11, 5)])
    sheet.append([2, "核实收入\n第二行", True, datetime(2020, 11, 6, 9, 30)])
    sheet.append([3, "  前后有空格  ", "√", 11.5])
    sheet.append([4, "", None, "11月5日"])
    hidden = book.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "h"
    secret = book.create_sheet("fupin")
    secret.sheet_state = "veryHidden"
    secret["A1"] = "form_id"
    secret["B1"] = "X-1"
    book.save(path)


EXPECTED = [
    ["", "", "", ""],
    ["工作任务清单", "", "", ""],
    ["序号", "工作任务", "是否完成", "完成时间"],
    [1, "走访贫困户", "是", date(2020, 11, 5)],
    [2, "核实收入\n第二行", True, datetime(2020, 11, 6, 9, 30)],
    [3, "  前后有空格  ", "√", 11.5],
    [4, "", "", "11月5日"],
]


def _check_return(sheets: list[RawSheet]) -> None:
    assert [(s.name, s.visible) for s in sheets] == [("清单", True), ("隐藏", False), ("fupin", False)]
    rows = sheets[0].rows
    assert rows == EXPECTED  # 1 == 1.0 and True == 1.0, so the types are checked below
    assert [normalize_text(r[0]) for r in rows[3:]] == ["1", "2", "3", "4"]
    assert [normalize_done(r[2])[0] for r in rows[3:]] == [True, True, True, None]
    assert [normalize_date(r[3], 2020)[0] for r in rows[3:]] == [
        date(2020, 11, 5), date(2020, 11, 6), date(2020, 11, 5), date(2020, 11, 5)]
    assert sheets[1].rows == [["h"]]
    assert sheets[2].rows == [["form_id", "X-1"]]


def test_xlsx_cells_and_sheet_visibility(tmp_path: Path) -> None:
    path = tmp_path / "回执.xlsx"
    _workbook(path)
    sheets = read_file(path)
    _check_return(sheets)
    rows = sheets[0].rows
    assert rows[3][0] == 1.0 and isinstance(rows[3][0], float)  # xlsx numbers all come back as float
    assert rows[4][2] is True
    # read_file with the bytes in hand gives the same (the ingest reads once, hashes and parses)
    assert read_file(path, path.read_bytes())[0].rows == rows


def test_xlsm_suffix_reads_like_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "回执.xlsx"
    _workbook(path)
    renamed = tmp_path / "回执.xlsm"
    renamed.write_bytes(path.read_bytes())
    _check_return(read_file(renamed))


def test_formulas_without_cached_values_and_error_cells_read_as_empty(tmp_path: Path) -> None:
    # openpyxl writes formulas without a cached result, as a script-built return would arrive;
    # calamine reports those, and error cells such as #N/A, as "" — indistinguishable from a blank cell.
    book = openpyxl.Workbook()
    book.active.append(["=1+1", "=1/0", "#N/A", "x"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    assert read_file(path)[0].rows == [["", "", "", "x"]]


def test_long_digit_strings_survive_only_as_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["441802199001011234", 441802199001011234])
    path = tmp_path / "id.xlsx"
    book.save(path)
    text, number = read_file(path)[0].rows[0]
    assert text == "441802199001011234"
    assert normalize_text(number) != "441802199001011234"  # Excel keeps 15 significant digits


# ---------------------------------------------------------------- xls and ods written by LibreOffice

def _convert(source: Path, target_format: str, outdir: Path) -> Path:
    profile = outdir / f"profile-{target_format}"  # a private profile: other soffice runs must not collide
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", target_format, "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    converted = outdir / f"{source.stem}.{target_format}"
    assert converted.exists(), f"LibreOffice did not write {converted.name}"
    return converted


@pytest.fixture(scope="module")
def office_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test workbook saved by LibreOffice as .xls and .ods (one conversion each for the module)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("office")
    source = folder / "return.xlsx"
    _workbook(source)
    return {fmt: _convert(source, fmt, folder) for fmt in ("xls", "ods")}


@pytest.mark.office
def test_xls_from_libreoffice_reads_the_same_cells(office_copies: dict[str, Path]) -> None:
    sheets = read_file(office_copies["xls"])
    _check_return(sheets)
    rows = sheets[0].rows
    assert isinstance(rows[3][0], int)  # BIFF keeps whole numbers as integers
    assert rows[4][2] is True
    assert isinstance(rows[3][3], date) and isinstance(rows[4][3], datetime)


@pytest.mark.office
def test_ods_from_libreoffice_reads_the_same_cells(office_copies: dict[str, Path]) -> None:
    sheets = read_file(office_copies["ods"])
    _check_return(sheets)
    rows = sheets[0].rows
    assert rows[4][2] == 1.0 and not isinstance(rows[4][2], bool)  # ODS booleans come back as 1.0
    assert normalize_done(rows[4][2]) == (True, "1", True)
    assert isinstance(rows[3][3], date) and isinstance(rows[4][3], datetime)
