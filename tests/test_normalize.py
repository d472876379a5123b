"""是否完成 and 完成时间 spellings, typed and from real date cells read back through python-calamine."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

from fupin_cli.intake.normalize import match_text, normalize_date, normalize_done, normalize_text
from fupin_cli.intake.readers import read_file
from fupin_cli.model.glossary import DONE_NO, DONE_YES

YEAR = 2020
NOV5 = date(2020, 11, 5)


# ---------------------------------------------------------------- 是否完成

@pytest.mark.parametrize(
    "value",
    ["是", "√", "✓", "✔", "☑", "✅", "已完成", "完成", "Y", "y", "yes", "YES", "1", "True", "TRUE", "ok",
     " 是 ", "是\u3000", "\u200b是", "已 完成", "已完成。", "Ｙ", "ｙｅｓ", "１", "✔\ufe0f"],
)
def test_done_yes_spellings(value: str) -> None:
    assert normalize_done(value) == (True, value.strip(), True)


@pytest.mark.parametrize(
    "value",
    ["否", "×", "✗", "✘", "✕", "✖", "❌", "x", "X", "未完成", "没有完成", "没完成", "尚未完成", "N", "n", "no",
     "0", "False", "FALSE", "Ｎ", "０", "未 完成", "否。", "ｘ"],
)
def test_done_no_spellings(value: str) -> None:
    assert normalize_done(value) == (False, value.strip(), True)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\n", "\u200b"])
def test_done_blank_is_not_answered(value: object) -> None:
    assert normalize_done(value) == (None, "", True)


@pytest.mark.parametrize(
    ("value", "raw"),
    [("差不多", "差不多"), ("基本完成", "基本完成"), ("是否", "是否"), ("。", "。"), ("2", "2"),
     (" 待定 ", "待定"), ("是（部分）", "是（部分）")],
)
def test_done_unknown_text_never_counts_as_done(value: str, raw: str) -> None:
    assert normalize_done(value) == (None, raw, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, (True, "TRUE", True)), (False, (False, "FALSE", True)),
     (1, (True, "1", True)), (0, (False, "0", True)),
     (1.0, (True, "1", True)), (0.0, (False, "0", True)),
     (2, (None, "2", False)), (0.5, (None, "0.5", False)),
     (NOV5, (None, "2020-11-05", False))],
)
def test_done_from_typed_cells(value: object, expected: tuple) -> None:
    assert normalize_done(value) == expected


def test_done_spellings_do_not_overlap() -> None:
    assert not DONE_YES & DONE_NO


# ---------------------------------------------------------------- 完成时间, typed

@pytest.mark.parametrize(
    "value",
    ["2020-11-05", "2020-11-5", "2020/11/5", "2020/11/05", "2020.11.5", "2020.11.05",
     "2020年11月5日", "2020年11月05日", "2020年11月5号", "2020年11月5",
     "11月5日", "11月5号", "11月5", "11-5", "11/5", "11.5", "11.05", "20201105",
     "２０２０年１１月５日", "１１．５", "２０２０－１１－０５", "２０２０／１１／５", "１１月５日",
     " 2020-11-05 ", "2020 年 11 月 5 日", "2020-11-05 00:00:00", "2020-11-05T08:30", "2020/11/5 8:30",
     "11月5日前", "11月5日左右", "2020年11月5日之前"],
)
def test_typed_dates(value: str) -> None:
    assert normalize_date(value, YEAR) == (NOV5, value.strip(), True)


def test_date_without_year_takes_the_campaign_year() -> None:
    assert normalize_date("11月5日", 2021) == (date(2021, 11, 5), "11月5日", True)
    assert normalize_date(11.5, 2021) == (date(2021, 11, 5), "11.5", True)


@pytest.mark.parametrize("value", ["2020-02-30", "2021-02-29", "2月30日", "13.5", "11.31", "20201305", "2020-13-01"])
def test_invalid_dates_are_not_recognised(value: str) -> None:
    assert normalize_date(value, YEAR) == (None, value, False)


@pytest.mark.parametrize("value", ["差不多", "近期", "11月上旬", "2020年11月", "44140", "2020", "11", "5/11/2020"])
def test_unknown_date_text(value: str) -> None:
    assert normalize_date(value, YEAR) == (None, value, False)


@pytest.mark.parametrize("value", ["—", "/", "／", "无", "--", "暂无"])
def test_placeholders_mean_no_date(value: str) -> None:
    assert normalize_date(value, YEAR) == (None, value, True)


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000", "\r\n"])
def test_blank_date(value: object) -> None:
    assert normalize_date(value, YEAR) == (None, "", True)


def test_leap_day() -> None:
    assert normalize_date("2月29日", 2020) == (date(2020, 2, 29), "2月29日", True)
    assert normalize_date("2月29日", 2021) == (None, "2月29日", False)


# ---------------------------------------------------------------- 完成时间, numbers from cells

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (11.5, (NOV5, "11.5", True)),          # 11.5 is 11月5日, never a float
        (11.05, (NOV5, "11.05", True)),
        (11.15, (date(2020, 11, 15), "11.15", True)),
        (2.3, (date(2020, 2, 3), "2.3", True)),  # 2.30 would be 2月30日, so only one reading
        (11.1, (None, "11.1", False)),         # 11月1日 or 11.10 → 11月10日: ambiguous
        (11.3, (None, "11.3", False)),
        (44140, (NOV5, "44140", True)),        # an Excel serial in a cell formatted 常规
        (44140.0, (NOV5, "44140", True)),
        (44140.75, (NOV5, "44140.75", True)),
        (20201105, (NOV5, "20201105", True)),
        (20201105.0, (NOV5, "20201105", True)),
        (13.0, (None, "13", False)),
        (0, (None, "0", False)),
        (-11.5, (None, "-11.5", False)),
        (float("nan"), (None, "nan", False)),
        (True, (None, "TRUE", False)),
    ],
)
def test_dates_from_numbers(value: object, expected: tuple) -> None:
    assert normalize_date(value, YEAR) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOV5, (NOV5, "2020-11-05", True)),
        (datetime(2020, 11, 5), (NOV5, "2020-11-05", True)),
        (datetime(2020, 11, 5, 14, 30), (NOV5, "2020-11-05 14:30:00", True)),
        (time(14, 30), (None, "14:30:00", False)),
        (timedelta(hours=3), (None, "3:00:00", False)),
    ],
)
def test_dates_from_date_objects(value: object, expected: tuple) -> None:
    assert normalize_date(value, YEAR) == expected


# ---------------------------------------------------------------- 完成时间, real workbooks through python-calamine

def _date_cells(path: Path, epoch: datetime) -> None:
    book = openpyxl.Workbook()
    book.epoch = epoch
    sheet = book.active
    sheet["A1"] = NOV5
    sheet["A2"] = datetime(2020, 11, 5, 9, 15)
    sheet["A3"] = NOV5
    sheet["A3"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["A4"] = NOV5
    sheet["A4"].number_format = '[DBNum1][$-804]yyyy"年"m"月"d"日"'
    sheet["A5"] = NOV5
    sheet["A5"].number_format = 'm"月"d"日";@'
    sheet["A6"] = 11.5
    sheet["A7"] = "11.5"
    book.save(path)


@pytest.mark.parametrize("epoch", [CALENDAR_WINDOWS_1900, CALENDAR_MAC_1904], ids=["1900", "1904"])
def test_date_cells_of_both_date_systems(tmp_path: Path, epoch: datetime) -> None:
    path = tmp_path / "dates.xlsx"
    _date_cells(path, epoch)
    with zipfile.ZipFile(path) as archive:  # the workbook really is in the system under test
        assert (b'date1904="1"' in archive.read("xl/workbook.xml")) is (epoch is CALENDAR_MAC_1904)
    rows = read_file(path)[0].rows
    results = [normalize_date(row[0], YEAR) for row in rows]
    assert results == [
        (NOV5, "2020-11-05", True),
        (NOV5, "2020-11-05 09:15:00", True),
        (NOV5, "2020-11-05", True),
        (NOV5, "2020-11-05", True),
        (NOV5, "2020-11-05", True),
        (NOV5, "11.5", True),
        (NOV5, "11.5", True),
    ]


def _with_builtin_format(number_format_id: int) -> bytes:
    """A workbook whose A1 (serial 44140) uses a built-in number format openpyxl cannot write by itself."""
    book = openpyxl.Workbook()
    book.active["A1"] = 44140
    book.active["A1"].number_format = "0.00"  # built-in id 2, swapped below
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = data.replace(b'xf numFmtId="2"', f'xf numFmtId="{number_format_id}"'.encode())
            target.writestr(item, data)
    return out.getvalue()


# 14 is the default short date; 27–31 and 50–58 are the CJK built-ins a Chinese Excel writes without a format string.
@pytest.mark.parametrize("number_format_id", [14, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58])
def test_cjk_builtin_date_formats(tmp_path: Path, number_format_id: int) -> None:
    path = tmp_path / "builtin.xlsx"
    path.write_bytes(_with_builtin_format(number_format_id))
    value = read_file(path)[0].rows[0][0]
    assert normalize_date(value, YEAR) == (NOV5, "2020-11-05", True)


# ---------------------------------------------------------------- text

@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("", ""), ("  落实情况 ", "落实情况"), ("一\r\n二\r三", "一\n二\n三"), (13.0, "13"), (13, "13"),
     (13.5, "13.5"), (1.234567890123457e16, "12345678901234570"), (True, "TRUE"), (NOV5, "2020-11-05"),
     ("１１．５", "１１．５"), ("“是”", "“是”")],
)
def test_normalize_text_keeps_what_people_wrote(value: object, expected: str) -> None:
    assert normalize_text(value) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("帮扶责任人：", "帮扶责任人:"),
        ("落实 “两不愁三保障”", "落实\"两不愁三保障\""),
        ("落实‘两不愁’", "落实'两不愁'"),
        ("落实「两不愁」", "落实「两不愁」"),
        ("走访\n贫困户", "走访 贫困户"),
        ("走访\u3000贫困户\u200b", "走访贫困户"),
        ("（一）入户走访", "(一)入户走访"),
        ("第１项", "第1项"),
        ("”落实“", "\"落实\""),
    ],
)
def test_match_text_ignores_blanks_quotes_and_width(left: str, right: str) -> None:
    assert match_text(left) == match_text(right)


@pytest.mark.parametrize(("left", "right"), [("入户走访", "入户走访。"), ("走访贫困户", "走访贫困村"), ("Abc", "abc")])
def test_match_text_still_tells_different_texts_apart(left: str, right: str) -> None:
    assert match_text(left) != match_text(right)


def test_a_number_typed_into_a_date_cell_is_read_as_month_and_day(tmp_path) -> None:
    import io

    import openpyxl
    from python_calamine import CalamineWorkbook

    book = openpyxl.Workbook()
    for row, value in enumerate([11.5, 11.15, 11.1], start=1):
        cell = book.active.cell(row, 1, value)
        cell.number_format = 'yyyy"年"m"月"d"日"'  # the forms format 完成时间 as a date
    buffer = io.BytesIO()
    book.save(buffer)
    cells = [r[0] for r in CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0).to_python()]
    assert [c.year for c in cells] == [1900, 1900, 1900]  # what the reader sees: Excel's day 11
    assert normalize_date(cells[0], YEAR) == (date(YEAR, 11, 5), "11.5", True)
    assert normalize_date(cells[1], YEAR) == (date(YEAR, 11, 15), "11.15", True)
    assert normalize_date(cells[2], YEAR) == (None, "11.1", False)  # 11月1日 or 11月10日: reported, not guessed
