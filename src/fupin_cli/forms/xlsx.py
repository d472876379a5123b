"""The XLSX form: laid out like the official attachment, protected, validated, stamped per unit.

A template's workbook is built once with openpyxl, holding placeholders where the unit's values go;
each unit's file is that workbook's XML with the placeholders replaced, zipped with fixed timestamps.
That keeps a form at a few milliseconds and makes every run byte-identical.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_SHEET, FormIdentity
from fupin_cli.forms.style import (
    BODY_FONT,
    CENTER,
    DATE_FORMAT,
    FILL_FONT,
    TITLE_FONT,
    UNLOCKED,
    a4_landscape,
    box,
    font,
    line_count,
    put,
    row_height,
    underline,
)
from fupin_cli.model.roster import Unit
from fupin_cli.model.templates import Template

# Every file carries the same timestamps, so re-running gives the same bytes.
FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
# 1980-01-01 00:00 in the zip format's DOS date and time fields.
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_DOS_TIME = 0

# Column widths (Excel character units) by field; the task text takes what is left of the page.
PAGE_WIDTH = 132
FIELD_WIDTHS = {"number": 6, "category": 16, "done": 10, "done_on": 17, "note": 34}
MIN_TEXT_WIDTH = 40
# A table whose rows are helpers (presence): its columns' widths by field, 是否到位 and 入户日期 by their kind.
HELPER_WIDTHS = {"number": 6, "helper": 12, "work_unit": 26, "households": 9, "present": 15, "visited_on": 16,
                 "note": 24, "helper_id": 12}

_BOX = box()
_UNDERLINE = underline()
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Placeholders for the per-unit values; ASCII so openpyxl and XML escaping leave them intact.
PH_NAME = "{{FUPIN:unit_name}}"
PH_HEAD = "{{FUPIN:head}}"
PH_UNIT_ID = "{{FUPIN:unit_id}}"
PH_FOOTER_UNIT_ID = "{{FUPIN:footer_unit_id}}"
PH_TELL_LABEL = "{{FUPIN:tell_label}}"
PH_TELL = "{{FUPIN:tell}}"
_PLACEHOLDER = re.compile(r"\{\{FUPIN:[a-z_]+\}\}")


@dataclass(frozen=True)
class _HeaderEntry:
    """One label/value pair of the header line: `fill` when the filler writes the value in."""

    key: str
    label: str
    value: str | None
    fill: bool = True


def date_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The dates 完成时间 accepts: the campaign year (ingest flags dates before it the same way)."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def column_widths(template: Template) -> list[float]:
    """The width of each table column, the task text filling the page width."""
    if template.from_roster:
        return [float(HELPER_WIDTHS.get(c.field.rsplit("_", 1)[0] if c.field[-1:].isdigit() else c.field, 12))
                for c in template.columns]
    fixed = sum(FIELD_WIDTHS.get(c.field, 12) for c in template.columns if c.field != "text")
    text = max(MIN_TEXT_WIDTH, PAGE_WIDTH - fixed)
    return [float(text if c.field == "text" else FIELD_WIDTHS.get(c.field, 12)) for c in template.columns]


def _header_slots(count: int, columns: int) -> list[tuple[int, int, int, int]]:
    """(row offset, first label column, last label column, value column) of each header field.

    The official line puts every field on one line; where the table has too few columns for all
    label/value pairs, the rest go on a second line, aligned to the right edge like 时间 is.
    """
    per_row = max(1, columns // 2)
    extra = columns - 2 * per_row
    slots = []
    for index in range(count):
        line, place = divmod(index, per_row)
        if line == 0:
            first = 1 if place == 0 else 1 + extra + 2 * place
            last = 1 + extra if place == 0 else first
        else:
            remaining = min(per_row, count - line * per_row)
            position = per_row - remaining + place
            first = 1 if position == 0 else 1 + extra + 2 * position
            last = 1 + extra if position == 0 else first
        slots.append((line, first, last, last + 1))
    return slots


def build_workbook(
    template: Template, identity: FormIdentity, unit_name: str, head: str, date_range: tuple[dt.date, dt.date],
    tell_apart: tuple[str, str] | None = None, helpers: tuple[Unit, ...] = (),
) -> Workbook:
    """The form as an openpyxl workbook for one unit (or, with placeholders, for every unit).

    `tell_apart` is the (label, value) printed beside the name on a namesake's form (工作单位：区水利局);
    `helpers` are the rows of a table whose rows are the village's helpers (presence).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(template.title)
    ncols = len(template.columns)
    widths = column_widths(template)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _put_title(ws, template, widths)
    entries = _header_entries(template, unit_name, head, tell_apart)
    head_row = 3 + _put_header(ws, entries, ncols)
    _put_table_header(ws, template, widths, head_row)
    first_task = head_row + 1
    by_field = {c.field: i for i, c in enumerate(template.columns, start=1)}
    if template.from_roster:
        last_task = _put_helpers(ws, template, widths, first_task, helpers)
        _add_presence_validations(ws, template, by_field, first_task, max(last_task, first_task), date_range)
    else:
        last_task = _put_tasks(ws, template, widths, first_task)
        _add_validations(ws, template, by_field, f"{first_task}:{last_task}", date_range)
    note_row = _put_note(ws, template, widths, last_task)
    _set_print(ws, identity, head_row, f"A1:{get_column_letter(ncols)}{note_row or last_task}")
    _protect(ws)
    _add_identity(wb, identity, template)
    return wb


def _put_title(ws: Worksheet, template: Template, widths: list[float]) -> None:
    """附件N, top left, and the title centred over the table."""
    put(ws, 1, 1, template.mark).font = font(TITLE_FONT, 14)
    ws.row_dimensions[1].height = 22
    title = put(ws, 2, 1, template.title)
    title.font = font(TITLE_FONT, 18, bold=True)
    title.alignment = CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    ws.row_dimensions[2].height = max(36, row_height(line_count(template.title, sum(widths) / 1.7), 18))


def _header_entries(template: Template, unit_name: str, head: str,
                    tell_apart: tuple[str, str] | None) -> list[_HeaderEntry]:
    """The header line's fields, pre-filled with what the roster knows; a namesake's telling field after the name."""
    entries = []
    for field_ in template.header_fields:
        value = {"unit": unit_name, "head": head}.get(field_.field) or None
        entries.append(_HeaderEntry(field_.field, field_.label.strip(), value))
        if field_.field == "unit" and tell_apart is not None:
            entries.append(_HeaderEntry("tell_apart", tell_apart[0], tell_apart[1], fill=False))
    return entries


def _put_header(ws: Worksheet, entries: list[_HeaderEntry], ncols: int) -> int:
    """The header-fields line: label, then the cell to fill; returns how many lines it takes."""
    slots = _header_slots(len(entries), ncols)
    for entry, (line, first, last, value_col) in zip(entries, slots, strict=True):
        row = 3 + line
        label = put(ws, row, first, f"{entry.label}：")
        label.font = font(FILL_FONT, 12, bold=True)
        label.alignment = Alignment(horizontal="right", vertical="bottom")
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = put(ws, row, value_col, entry.value)
        cell.font = font(FILL_FONT, 12)
        cell.alignment = Alignment(horizontal="left", vertical="bottom", shrink_to_fit=True)
        if entry.fill:  # a namesake's 工作单位 is the roster's, printed, not a cell to fill
            cell.border = _UNDERLINE
            cell.protection = UNLOCKED
        if entry.key == "date":
            cell.number_format = DATE_FORMAT
    lines = 1 + (slots[-1][0] if slots else 0)
    for line in range(lines):
        ws.row_dimensions[3 + line].height = 24
    return lines


def _put_table_header(ws: Worksheet, template: Template, widths: list[float], row: int) -> None:
    """The table's header: the source's columns in order, labels verbatim (是否\\n完成 keeps its line break)."""
    lines = 1
    for col, column in enumerate(template.columns, start=1):
        cell = put(ws, row, col, column.label)
        cell.font = font(BODY_FONT, 12, bold=True)
        cell.alignment = CENTER
        cell.border = _BOX
        lines = max(lines, line_count(column.label, widths[col - 1] / 1.1))
    ws.row_dimensions[row].height = row_height(lines, 12)


def _task_value(template: Template, field_: str, offset: int) -> object:
    """What a task row shows in a column: 序号, 类型 (once when merged), the task text; blank to fill."""
    task = template.tasks[offset]
    if field_ == "number":
        return task.number
    if field_ == "category" and (not template.category_merged or offset == 0):
        return task.category
    return task.text if field_ == "text" else None


def _task_alignment(field_: str) -> Alignment:
    if field_ == "text":
        return Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
    if field_ == "note":
        return Alignment(horizontal="left", vertical="top", wrap_text=True)
    return CENTER


def _put_tasks(ws: Worksheet, template: Template, widths: list[float], first: int) -> int:
    """One row per task, the fill cells unlocked; returns the last task row."""
    for offset in range(len(template.tasks)):
        row = first + offset
        lines = 1
        for col, column in enumerate(template.columns, start=1):
            value = _task_value(template, column.field, offset)
            cell = put(ws, row, col, value)
            cell.font = font()
            cell.border = _BOX
            cell.alignment = _task_alignment(column.field)
            if column.field in ("done", "done_on", "note"):
                cell.protection = UNLOCKED
            if column.field == "done_on":
                cell.number_format = DATE_FORMAT
            if isinstance(value, str) and not (column.field == "category" and template.category_merged):
                lines = max(lines, line_count(value, widths[col - 1], 1 if column.field == "text" else 0))
        ws.row_dimensions[row].height = max(row_height(lines), 30)
    last = first + len(template.tasks) - 1
    fields = [c.field for c in template.columns]
    if template.category_merged and "category" in fields and template.tasks:
        col = fields.index("category") + 1
        ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
        _grow_for_merged(ws, template.tasks[0].category, widths[col - 1], first, last)
    return last


def _helper_value(field_: str, index: int, helper: Unit) -> object:
    """What a helper row shows in a column: 序号, the roster's name, 工作单位, 帮扶户数 and (hidden) 编号."""
    return {"number": index + 1, "helper": helper.name, "work_unit": helper.work_unit or None,
            "households": helper.households, "helper_id": helper.unit_id}.get(field_)


def _put_helpers(ws: Worksheet, template: Template, widths: list[float], first: int,
                 helpers: tuple[Unit, ...]) -> int:
    """One row per helper of the village, 是否到位/入户日期/备注 unlocked; returns the last row (the header's
    row when there is none). The 编号 column is hidden: ingest matches rows to helpers by it."""
    for index, helper in enumerate(helpers):
        row = first + index
        lines = 1
        for col, column in enumerate(template.columns, start=1):
            value = _helper_value(column.field, index, helper)
            cell = put(ws, row, col, value)
            if column.field == "helper_id":
                cell.data_type = "s"
            cell.font = font()
            cell.border = _BOX
            cell.alignment = _task_alignment("text" if column.field == "work_unit" else column.field)
            if column.field.startswith(("present_", "visited_on_")) or column.field == "note":
                cell.protection = UNLOCKED
            if column.field.startswith("visited_on_"):
                cell.number_format = DATE_FORMAT
            if isinstance(value, str):
                lines = max(lines, line_count(value, widths[col - 1]))
        ws.row_dimensions[row].height = max(row_height(lines), 26)
    for col, column in enumerate(template.columns, start=1):
        if column.field == "helper_id":
            ws.column_dimensions[get_column_letter(col)].hidden = True
    return first + len(helpers) - 1


def _add_presence_validations(ws: Worksheet, template: Template, by_field: dict[str, int], first: int, last: int,
                              date_range: tuple[dt.date, dt.date]) -> None:
    """是/否 lists in every 是否到位 column and campaign-year dates in every 入户日期 column."""
    start, end = date_range
    span = f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    present = DataValidation(
        type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True, showInputMessage=True,
        errorStyle="stop", errorTitle="是否到位填写有误", error="“是否到位”只能填“是”或“否”，请从下拉列表中选择。",
        promptTitle="是否到位", prompt="请从下拉列表中选择“是”或“否”。",
    )
    when = DataValidation(
        type="date", operator="between", formula1=str(int(to_excel(start))), formula2=str(int(to_excel(end))),
        allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
        errorTitle="入户日期填写有误", error=f"“入户日期”须为{span}之间的日期，请按 {end.year}-11-05 的格式填写。",
        promptTitle="入户日期", prompt=f"请填写入户日期，如 {end.year}-11-05（{span}）。",
    )
    for fld, col in by_field.items():
        letter = get_column_letter(col)
        if fld.startswith("present_"):
            present.add(f"{letter}{first}:{letter}{last}")
        elif fld.startswith("visited_on_"):
            when.add(f"{letter}{first}:{letter}{last}")
    ws.add_data_validation(present)
    ws.add_data_validation(when)


def _put_note(ws: Worksheet, template: Template, widths: list[float], last_task: int) -> int | None:
    """The 注 line under the table; returns its row (None when the template has no note)."""
    if not template.note:
        return None
    row = last_task + 1
    note = put(ws, row, 1, template.note)
    note.font = font(FILL_FONT, 12)
    note.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    ws.row_dimensions[row].height = row_height(line_count(template.note, sum(widths) / 1.1), 12)
    return row


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "", title).strip("'") or "工作任务清单"
    return cleaned[:31]


def _grow_for_merged(ws: Worksheet, text: str, width: float, first: int, last: int) -> None:
    """Make the merged 类型 cell tall enough for its text by growing the rows it spans if needed."""
    needed = row_height(line_count(text, width))
    have = sum(ws.row_dimensions[r].height or 15 for r in range(first, last + 1))
    if needed > have:
        extra = (needed - have) / (last - first + 1)
        for r in range(first, last + 1):
            ws.row_dimensions[r].height = round((ws.row_dimensions[r].height or 15) + extra, 1)


def _add_validations(
    ws: Worksheet, template: Template, by_field: dict[str, int], rows: str, date_range: tuple[dt.date, dt.date]
) -> None:
    first, last = rows.split(":")
    if "done" in by_field:
        letter = get_column_letter(by_field["done"])
        done = DataValidation(
            type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True, showInputMessage=True,
            errorStyle="stop", errorTitle="是否完成填写有误", error="“是否完成”只能填“是”或“否”，请从下拉列表中选择。",
            promptTitle="是否完成", prompt="请从下拉列表中选择“是”或“否”。",
        )
        done.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(done)
    if "done_on" in by_field:
        letter = get_column_letter(by_field["done_on"])
        start, end = date_range
        span = f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
        when = DataValidation(
            type="date", operator="between", formula1=str(int(to_excel(start))), formula2=str(int(to_excel(end))),
            allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
            errorTitle="完成时间填写有误", error=f"“完成时间”须为{span}之间的日期，请按 {end.year}-11-05 的格式填写。",
            promptTitle="完成时间", prompt=f"请填写完成日期，如 {end.year}-11-05（{span}）。",
        )
        when.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(when)


def _set_print(ws: Worksheet, identity: FormIdentity, head_row: int, area: str) -> None:
    a4_landscape(ws)
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.footer = 0.3
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.print_area = area
    # "&" starts a header/footer code, so a literal one is doubled; the prototype's unit id gets its own
    # placeholder because it is escaped that way when stamped.
    if identity.unit_id == PH_UNIT_ID:
        code = identity.form_code.replace(PH_UNIT_ID, PH_FOOTER_UNIT_ID)
    else:
        code = identity.form_code.replace("&", "&&")
    ws.oddFooter.center.text = f"{FORM_CODE_LABEL}：{code}    第 &P 页 共 &N 页"
    ws.oddFooter.center.font = f"{BODY_FONT},Regular"
    ws.oddFooter.center.size = 9


def _protect(ws: Worksheet) -> None:
    # No password: the point is that task text is not changed by accident, not secrecy.
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _add_identity(wb: Workbook, identity: FormIdentity, template: Template) -> None:
    hidden = wb.create_sheet(IDENTITY_SHEET)
    for row, (key, value) in enumerate(identity.to_pairs(), start=1):
        hidden.cell(row=row, column=1, value=key)
        hidden.cell(row=row, column=2, value=value).data_type = "s"
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    for key, value in identity.to_pairs():
        wb.custom_doc_props.append(StringProperty(name=key, value=value))
    wb.properties.creator = "fupin"
    wb.properties.lastModifiedBy = "fupin"
    wb.properties.title = template.title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.active = 0


def workbook_bytes(wb: Workbook) -> bytes:
    """Save a workbook to bytes without openpyxl stamping the current time into it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return buffer.getvalue()


def xml_text(value: str) -> str:
    """A value safe inside an XML text node: illegal control characters dropped, & < > escaped."""
    return escape(_ILLEGAL_XML.sub("", value))


@dataclass(frozen=True)
class _Member:
    """One zip member, compressed: the parts that do not change per unit are compressed only once."""

    name: bytes
    crc: int
    size: int
    compressed: bytes


def _member(name: str, data: bytes) -> _Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return _Member(name.encode("ascii"), zlib.crc32(data), len(data), packer.compress(data) + packer.flush())


def _zip(members: list[_Member]) -> bytes:
    """A plain deflate zip with every timestamp 1980-01-01 00:00 and no extra fields: same input, same bytes."""
    body = bytearray()
    central = bytearray()
    for m in members:
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, _DOS_TIME, _DOS_DATE, m.crc, len(m.compressed),
                            m.size, len(m.name), 0)
        body += m.name + m.compressed
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, _DOS_TIME, _DOS_DATE, m.crc,
                               len(m.compressed), m.size, len(m.name), 0, 0, 0, 0, 0, offset)
        central += m.name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(body), 0)
    return bytes(body + central + end)


class XlsxPrototype:
    """One template's form built once with placeholders; `stamp` makes each unit's file from it."""

    def __init__(self, template: Template, identity: FormIdentity, date_range: tuple[dt.date, dt.date],
                 with_head: bool, with_tell: bool = False, helpers: tuple[Unit, ...] = ()) -> None:
        self.template = template
        proto_identity = FormIdentity(identity.template_id, identity.template_version, PH_UNIT_ID, identity.year,
                                      identity.campaign, identity.round)
        wb = build_workbook(template, proto_identity, PH_NAME, PH_HEAD if with_head else "", date_range,
                            (PH_TELL_LABEL, PH_TELL) if with_tell else None, helpers)
        source = zipfile.ZipFile(io.BytesIO(workbook_bytes(wb)))
        # Each entry: the ready member, or (name, text) when the member holds placeholders.
        self.members: list[_Member | tuple[str, str]] = []
        for name in source.namelist():
            data = source.read(name)
            self.members.append((name, data.decode("utf-8")) if b"{{FUPIN:" in data else _member(name, data))

    def stamp(self, unit_name: str, head: str, unit_id: str, tell_apart: tuple[str, str] | None = None) -> bytes:
        """The unit's form: placeholders replaced by its XML-escaped values, zipped deterministically."""
        tell_label, tell = tell_apart or ("", "")
        values = {PH_NAME: xml_text(unit_name.strip()), PH_HEAD: xml_text(head.strip()), PH_UNIT_ID: xml_text(unit_id),
                  PH_FOOTER_UNIT_ID: xml_text(unit_id.replace("&", "&&")), PH_TELL_LABEL: xml_text(tell_label),
                  PH_TELL: xml_text(tell.strip())}
        members = []
        for entry in self.members:
            if isinstance(entry, _Member):
                members.append(entry)
                continue
            name, text = entry
            # One pass, so a value that itself looks like a placeholder is never replaced again.
            text = _PLACEHOLDER.sub(lambda m: values[m.group(0)], text)
            members.append(_member(name, text.encode("utf-8")))
        return _zip(members)


def form_xlsx(template: Template, identity: FormIdentity, unit_name: str, head: str,
              date_range: tuple[dt.date, dt.date], tell_apart: tuple[str, str] | None = None,
              helpers: tuple[Unit, ...] = ()) -> bytes:
    """One unit's XLSX form (builds the prototype; use XlsxPrototype directly for many units); `helpers` are
    the rows of a village's presence table."""
    prototype = XlsxPrototype(template, identity, date_range, with_head=bool(head.strip()),
                              with_tell=tell_apart is not None, helpers=helpers)
    return prototype.stamp(unit_name, head, identity.unit_id, tell_apart)
