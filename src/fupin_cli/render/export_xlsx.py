"""`fupin export`: the 汇总表 workbook — submission matrix, task completion, problems and a bar chart per town."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.text import Font as TextFont
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from fupin_cli.count.status import DistrictStatus, TaskCompletion, TownStatus
from fupin_cli.forms.namesake import telling_field
from fupin_cli.forms.style import (
    BODY_FONT,
    CENTER,
    PERCENT_FORMAT,
    STATUS_FILLS,
    TITLE_FONT,
    WRAP,
    a4_landscape,
    box,
    font,
    line_count,
    put,
    row_height,
    text_width,
)
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.problems import Problem
from fupin_cli.model.workspace import Campaign
from fupin_cli.render.status import DISTRICT_HEADERS, coverage_text, district_rows, namesakes_of, percent
from fupin_cli.store.atomic import write_bytes_atomic

BORDER = box("808080")
# The one date style of every sheet: 11月6日, as the deadlines and the problems' messages write a date.
DAY_FORMAT = 'm"月"d"日"'
INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})
# Column widths (Excel character units) fitted to the content within these bounds; 说明 and task text wrap.
MIN_WIDTH, MAX_WIDTH, TEXT_WIDTH = 6.0, 24.0, 50.0
TEXT_COLUMN = 3  # column C holds the names, the task text and the problems' 说明
# A4 landscape leaves about 15.9 cm between the default top and bottom margins; the repeated title rows take
# about 1.5 cm of it, so a chart this tall or less prints on one page.
CHART_MAX_HEIGHT = 13.5
CHART_OVERHEAD = 2.5
CHART_LABEL_CHARS = 12


def _put(ws: Worksheet, row: int, column: int, value: object, *, header: bool = False, border: bool = True) -> Cell:
    """Write a value in the sheet's body or header style; text that looks like a formula stays text."""
    cell = put(ws, row, column, value)
    cell.font = font(TITLE_FONT if header else BODY_FONT, 11, bold=header)
    cell.alignment = CENTER if header else WRAP
    if border:
        cell.border = BORDER
    if isinstance(value, dt.date):
        cell.number_format = DAY_FORMAT
    return cell


def _title(ws: Worksheet, row: int, text: str, last_column: int, size: int = 16) -> None:
    cell = put(ws, row, 1, text)  # a town named "=1+1" must not make the title a formula
    cell.font = font(TITLE_FONT, size, bold=True)
    cell.alignment = Alignment(horizontal="center" if size > 12 else "left", vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def _print_ready(ws: Worksheet, title_rows: str) -> None:
    """A4 landscape, fit to the page width, the title rows repeated on every printed page."""
    a4_landscape(ws)
    ws.print_title_rows = title_rows


def _shown(value: object, number_format: str) -> str:
    """A cell's value as the sheet shows it, for measuring its width."""
    if isinstance(value, dt.date):
        return month_day(value)
    if isinstance(value, float) and number_format == PERCENT_FORMAT:
        return f"{value * 100:.1f}%"
    return "" if value is None else str(value)


def _fit_columns(ws: Worksheet, last_column: int) -> None:
    """Give each column the width its widest cell needs (merged titles aside), within MIN_WIDTH–MAX_WIDTH.

    Column C is allowed TEXT_WIDTH: there the task text and the problems' 说明 wrap instead.
    """
    merged = {rc for rng in ws.merged_cells.ranges for rc in rng.cells}
    needed = dict.fromkeys(range(1, last_column + 1), MIN_WIDTH)
    for row in ws.iter_rows(max_col=last_column):
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in merged:
                continue
            wide = max(text_width(line) for line in _shown(cell.value, cell.number_format).split("\n"))
            needed[cell.column] = max(needed[cell.column], wide + 2)
    for column, width in needed.items():
        top = TEXT_WIDTH if column == TEXT_COLUMN else MAX_WIDTH
        ws.column_dimensions[get_column_letter(column)].width = round(min(width, top), 1)


def _fit_rows(ws: Worksheet, first: int, last: int) -> None:
    """Give each table row the height its wrapped text needs (no office suite grows rows by itself on open)."""
    merged = {rc for rng in ws.merged_cells.ranges for rc in rng.cells}
    for r in range(first, last + 1):
        lines = 0
        for cell in ws[r]:
            if (cell.row, cell.column) in merged or ws.column_dimensions[cell.column_letter].hidden:
                continue  # a hidden column (the chart's labels) is never printed
            if not isinstance(cell.value, str):  # numbers and dates show on one line in their format
                lines = max(lines, 1 if cell.value is not None else 0)
                continue
            width = ws.column_dimensions[cell.column_letter].width or 9
            lines = max(lines, line_count(str(cell.value), width))
        if lines:
            ws.row_dimensions[r].height = row_height(lines, 11)


def _sheet_title(name: str, used: set[str]) -> str:
    base = (name.translate(INVALID_TITLE) or "镇")[:28]
    title, n = base, 2
    while title in used:
        title, n = f"{base}{n}", n + 1
    used.add(title)
    return title


def _show_axes(chart: BarChart) -> None:
    # openpyxl 3.1 marks both axes deleted unless told otherwise, and the category labels live in a hidden
    # helper column that a chart skips by default: without these the bars print with no labels, or not at all.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.visible_cells_only = False


def write_town_sheet(ws: Worksheet, town: TownStatus, campaign: Campaign) -> None:
    """One town's 汇总表: headline, submission matrix, task completion with a chart, and the problems."""
    rounds = max([len(us.rounds) for us in town.units] + [1])
    last_col = max(4 + rounds, 8)
    _headline(ws, town, campaign, last_col)
    row = _submission_matrix(ws, town, 4, rounds, last_col)
    first_task, last_task = _task_table(ws, town, row + 2, last_col)
    row, chart = _task_chart(ws, first_task, last_task, label_column=last_col + 1)
    row = _problem_list(ws, town, row + 1, last_col)
    _fit_columns(ws, last_col)
    if chart is not None:
        chart.width = min(chart.width, _printed_width(ws, last_col))  # never wider than the printed columns
    _fit_rows(ws, 3, row)
    ws.print_area = f"A1:{get_column_letter(last_col)}{row}"
    _print_ready(ws, "1:2")


def _headline(ws: Worksheet, town: TownStatus, campaign: Campaign, last_col: int) -> None:
    """The title and the line of rates under it (the rows repeated on every printed page)."""
    _title(ws, 1, f"{town.town.name}工作任务清单落实情况汇总表", last_col)
    c = town.counts
    _title(ws, 2, f"{campaign.name}　截至 {town.as_of.year}年{month_day(town.as_of)}　报送率 {percent(c.rate)}"
                  f"（{c.submitted}/{c.due}）　按时报送率 {percent(c.on_time_rate)}　任务完成率 {percent(town.task_rate)}",
           last_col, size=11)


def _moment(when: dt.datetime) -> str:
    """A received time in the sheet's date style: 11月10日 09:00."""
    return f"{month_day(when)} {when:%H:%M}"


def _status_cell(ws: Worksheet, row: int, column: int, text: str, status: Status) -> None:
    cell = _put(ws, row, column, text)
    cell.fill = STATUS_FILLS[status]
    cell.alignment = CENTER


def _submission_matrix(ws: Worksheet, town: TownStatus, row: int, rounds: int, last_col: int) -> int:
    """一、报送情况: a row per unit (helpers one row per village, 到位 n/m), then the deadlines; returns its row."""
    _title(ws, row, "一、报送情况", last_col, size=12)
    row += 1
    for col, text in enumerate(["角色", "编号", "名称", "村/职务", *[f"第{n}次" for n in range(1, rounds + 1)]], 1):
        _put(ws, row, col, text, header=True)
    for us in town.units:
        if us.role is Role.helper:
            continue
        row += 1
        place = "、".join(us.unit.villages) if us.role is Role.aid_unit else \
            " ".join(x for x in (us.unit.village, us.unit.post) if x)
        for col, value in enumerate([us.role.label, us.unit.unit_id, us.unit.name, place], 1):
            _put(ws, row, col, value)
        for i, r in enumerate(us.rounds):
            received = f"\n{_moment(r.received_at.astimezone(r.deadline.tzinfo))}" if r.received_at else ""
            _status_cell(ws, row, 5 + i, f"{r.status.label}{received}", r.status)
    for v in town.villages:
        row += 1
        for col, value in enumerate([Role.helper.label, "", f"{v.village}（{v.helpers}人）", "到位情况"], 1):
            _put(ws, row, col, value)
        for i, r in enumerate(v.rounds):
            suffix = f"\n{r.status.label}" if r.status in (Status.pending, Status.missing) else ""
            _status_cell(ws, row, 5 + i, f"{coverage_text(v, i)}{suffix}", r.status)
    row += 1
    deadlines = {}
    for us in town.units:
        deadlines.setdefault(us.role, "、".join(month_day(r.day) for r in us.rounds))
    _title(ws, row, "截止日：" + "；".join(f"{role.label} {days}" for role, days in deadlines.items()), last_col, 10)
    return row


def _task_table(ws: Worksheet, town: TownStatus, row: int, last_col: int) -> tuple[int, int]:
    """二、任务完成情况: one row per task of every role; returns its first and last task rows."""
    _title(ws, row, "二、任务完成情况", last_col, size=12)
    row += 1
    headers = ["角色", "序号", "工作任务", "本镇是否完成", "完成时间", "已完成", "应完成", "完成率"]
    for col, text in enumerate(headers, 1):
        _put(ws, row, col, text, header=True)
    first = row + 1
    for t in town.tasks:
        row += 1
        a = t.answer
        answer = ("是" if a.done is True else "否" if a.done is False else "") if a else ""
        done_on = a.done_on if a and a.done_on else None
        values = [t.role.label, t.number, t.text, answer if t.role is Role.town else "", done_on, t.done, t.total,
                  t.rate]
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            if col == 8:
                cell.number_format = PERCENT_FORMAT
        put(ws, row, last_col + 1, _chart_label(t))  # the chart's category, in a hidden column outside the print area
    return first, row


def _chart_label(task: TaskCompletion) -> str:
    """A task as the chart names it: role, number and the first words of its text (镇1 建立健全防止返贫监测…)."""
    text = task.text.splitlines()[0].strip() if task.text else ""
    short = text if len(text) <= CHART_LABEL_CHARS else text[:CHART_LABEL_CHARS] + "…"
    return f"{task.role.label}{task.number} {short}".rstrip()


def _axis_text(size: float) -> RichText:
    """Axis labels in `size` pt of the body font."""
    props = CharacterProperties(sz=int(size * 100), latin=TextFont(typeface=BODY_FONT), ea=TextFont(typeface=BODY_FONT))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _task_chart(ws: Worksheet, first: int, last: int, label_column: int) -> tuple[int, BarChart | None]:
    """The bar chart of 完成率 per task, alone on one printed page; returns the row after it and the chart."""
    if last < first:
        return last, None
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = "各项任务完成率"
    chart.y_axis.title = "完成率"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    chart.legend = None
    _show_axes(chart)
    chart.add_data(Reference(ws, min_col=8, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=label_column, min_row=first, max_row=last))
    count = last - first + 1
    # Room for every label, never past one page. The title and the value axis take about CHART_OVERHEAD cm;
    # LibreOffice drops every second label once they would overlap (more than about 18 pt a cm of room each).
    chart.height = min(CHART_MAX_HEIGHT, max(7.5, CHART_OVERHEAD + 0.5 * count))
    chart.width = 24
    chart.x_axis.tickLblSkip = 1  # every task labelled, not every second one
    chart.x_axis.txPr = _axis_text(max(6, min(9, int(18 * (chart.height - CHART_OVERHEAD) / count))))
    row = last + 2
    ws.row_breaks.append(Break(id=row - 1))  # the chart starts a printed page, never split across two
    ws.add_chart(chart, f"A{row}")
    row += int(chart.height / 0.5) + 2
    ws.row_breaks.append(Break(id=row))
    ws.column_dimensions[get_column_letter(label_column)].hidden = True
    return row, chart


def _printed_width(ws: Worksheet, last_col: int) -> float:
    """The width in cm of columns A to `last_col` as Excel draws them (7 px a character plus 5, at 96 dpi)."""
    chars = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last_col + 1)]
    return round(sum(7 * w + 5 for w in chars) * 2.54 / 96, 1)


def _problem_list(ws: Worksheet, town: TownStatus, row: int, last_col: int) -> int:
    """三、问题清单, most urgent first; namesakes told apart by their 工作单位/职务, not an id. Returns the last row."""
    _title(ws, row, f"三、问题清单（{len(town.problems)}）", last_col, size=12)
    row += 1
    for col, text in enumerate(["序号", "类别", "说明", "角色", "名称", "村", "批次", "截止日"], 1):
        _put(ws, row, col, text, header=True)
    namesakes = namesakes_of(town)
    for n, p in enumerate(town.problems, 1):
        row += 1
        values = [n, p.label, p.message, Role(p.role).label, _who(p, namesakes), p.village,
                  f"第{p.round}次" if p.round else "", p.deadline]
        for col, value in enumerate(values, 1):
            _put(ws, row, col, value)
    return row


def _who(p: Problem, namesakes: dict) -> str:
    """The problem's unit by name; a namesake with what tells it apart: 王芳（区财政局）."""
    unit = namesakes.get(p.unit_id)
    return p.name if unit is None else f"{p.name}（{telling_field(unit)[1]}）"


def write_summary_sheet(ws: Worksheet, district: DistrictStatus, campaign: Campaign) -> None:
    """The district's sheet: one row per town and the total, with a chart of 报送率 per town."""
    last_col = len(DISTRICT_HEADERS)
    _title(ws, 1, f"{campaign.district}工作任务清单报送情况汇总表", last_col)
    _title(ws, 2, f"{campaign.name}　截至 {district.as_of.year}年{month_day(district.as_of)}", last_col, size=11)
    for col, text in enumerate(DISTRICT_HEADERS, 1):
        _put(ws, 4, col, text, header=True)
    rows = district_rows(district)
    rates = [(t.counts.rate, t.counts.on_time_rate, t.task_rate) for t in district.towns]
    rates.append((district.counts.rate, district.counts.on_time_rate, district.task_rate))
    for r, (values, numbers) in enumerate(zip(rows, rates, strict=True), start=5):
        for col, value in enumerate(values, 1):
            if 2 <= col <= 7:
                value = int(value)
            elif col >= 8:
                value = numbers[col - 8]
            cell = _put(ws, r, col, value)
            if col >= 8:
                cell.number_format = PERCENT_FORMAT
            if values[0] == "全区合计":
                cell.font = font(TITLE_FONT, 11, bold=True)
    last = 4 + len(rows)
    if district.towns:
        chart = BarChart()
        chart.title = "各镇报送率与任务完成率"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.number_format = "0%"
        _show_axes(chart)
        chart.add_data(Reference(ws, min_col=8, min_row=4, max_row=last - 1), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=10, min_row=4, max_row=last - 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last - 1))
        chart.width = 24
        ws.add_chart(chart, f"A{last + 2}")
    _fit_columns(ws, last_col)
    _fit_rows(ws, 4, last)
    _print_ready(ws, "1:4")


def build_workbook(district: DistrictStatus, campaign: Campaign, summary: bool | None = None) -> Workbook:
    """The workbook: a district summary sheet (when several towns) and one sheet per town."""
    wb = Workbook()
    used: set[str] = set()
    first = wb.active
    if summary is None:
        summary = len(district.towns) != 1
    if summary:
        first.title = _sheet_title("全区汇总", used)
        write_summary_sheet(first, district, campaign)
    for i, town in enumerate(district.towns):
        ws = first if (not summary and i == 0) else wb.create_sheet()
        ws.title = _sheet_title(town.town.name, used)
        write_town_sheet(ws, town, campaign)
    return wb


def write_workbook(district: DistrictStatus, campaign: Campaign, path: Path, summary: bool | None = None) -> None:
    """Save the export atomically (a half-written workbook never replaces a good one)."""
    buffer = io.BytesIO()
    build_workbook(district, campaign, summary).save(buffer)
    write_bytes_atomic(path, buffer.getvalue())
