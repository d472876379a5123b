"""`fupin export`: the 汇总表 workbook — submission matrix, task completion, problems and a bar chart per town."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from fupin_cli.count.status import DistrictStatus, TownStatus
from fupin_cli.forms.xlsx import line_count, row_height
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.text import needs_neutralizing
from fupin_cli.model.workspace import Campaign
from fupin_cli.render.status import DISTRICT_HEADERS, district_rows, percent
from fupin_cli.store.atomic import write_bytes_atomic

BODY_FONT, TITLE_FONT = "宋体", "黑体"
FILLS = {
    Status.on_time: PatternFill("solid", fgColor="C6EFCE"),
    Status.late: PatternFill("solid", fgColor="FFEB9C"),
    Status.missing: PatternFill("solid", fgColor="FFC7CE"),
    Status.pending: PatternFill("solid", fgColor="EDEDED"),
}
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WIDTHS = (12, 12, 22, 16, 14, 14, 14, 14)  # columns A–H of a town sheet: round cells hold "11-06 16:00"
INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _font(name: str = BODY_FONT, size: int = 11, bold: bool = False) -> Font:
    return Font(name=name, size=size, bold=bold, charset=134)


def _put(ws: Worksheet, row: int, column: int, value: object, *, header: bool = False, border: bool = True) -> Cell:
    """Write a value; text that looks like a formula stays text."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and needs_neutralizing(value):
        cell.data_type = "s"
    cell.font = _font(TITLE_FONT if header else BODY_FONT, 11, bold=header)
    cell.alignment = CENTER if header else WRAP
    if border:
        cell.border = BORDER
    return cell


def _title(ws: Worksheet, row: int, text: str, last_column: int, size: int = 16) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    if needs_neutralizing(text):  # a town named "=1+1" would make the title a formula
        cell.data_type = "s"
    cell.font = _font(TITLE_FONT, size, bold=True)
    cell.alignment = Alignment(horizontal="center" if size > 12 else "left", vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def _print_ready(ws: Worksheet, title_rows: str) -> None:
    """A4 landscape, fit to the page width, the title rows repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5


def _fit_rows(ws: Worksheet, first: int, last: int) -> None:
    """Give each table row the height its wrapped text needs (no office suite grows rows by itself on open)."""
    merged = {rc for rng in ws.merged_cells.ranges for rc in rng.cells}
    for r in range(first, last + 1):
        lines = 0
        for cell in ws[r]:
            if (cell.row, cell.column) in merged:
                continue
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
    width = max([len(us.rounds) for us in town.units] + [1])
    last_col = 4 + width
    last_col = max(last_col, 8)
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.column_dimensions["C"].width = 50  # task text in the completion table shares column C
    _title(ws, 1, f"{town.town.name}工作任务清单落实情况汇总表", last_col)
    c = town.counts
    _title(ws, 2, f"{campaign.name}　截至 {town.as_of.year}年{month_day(town.as_of)}　报送率 {percent(c.rate)}"
                  f"（{c.submitted}/{c.due}）　按时报送率 {percent(c.on_time_rate)}　任务完成率 {percent(town.task_rate)}",
           last_col, size=11)
    row = 4
    _title(ws, row, "一、报送情况", last_col, size=12)
    row += 1
    for col, text in enumerate(["角色", "编号", "名称", "村/职务", *[f"第{n}次" for n in range(1, width + 1)]], 1):
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
            received = f"\n{r.received_at.astimezone(r.deadline.tzinfo):%m-%d %H:%M}" if r.received_at else ""
            cell = _put(ws, row, 5 + i, f"{r.status.label}{received}")
            cell.fill = FILLS[r.status]
            cell.alignment = CENTER
    for v in town.villages:
        row += 1
        for col, value in enumerate([Role.helper.label, "", f"{v.village}（{v.helpers}人）", "到位情况"], 1):
            _put(ws, row, col, value)
        for i, (r, n) in enumerate(zip(v.rounds, v.reported, strict=True)):
            suffix = f"\n{r.status.label}" if r.status in (Status.pending, Status.missing) else ""
            cell = _put(ws, row, 5 + i, f"到位 {n}/{v.helpers}{suffix}")
            cell.fill = FILLS[r.status]
            cell.alignment = CENTER
    row += 1
    deadlines = {}
    for us in town.units:
        deadlines.setdefault(us.role, "、".join(month_day(r.day) for r in us.rounds))
    _title(ws, row, "截止日：" + "；".join(f"{role.label} {days}" for role, days in deadlines.items()), last_col, 10)
    row += 2
    _title(ws, row, "二、任务完成情况", last_col, size=12)
    row += 1
    headers = ["角色", "序号", "工作任务", "本镇是否完成", "完成时间", "已完成", "应完成", "完成率"]
    for col, text in enumerate(headers, 1):
        _put(ws, row, col, text, header=True)
    first_task = row + 1
    for t in town.tasks:
        row += 1
        a = t.answer
        answer = ("是" if a.done is True else "否" if a.done is False else "") if a else ""
        done_on = a.done_on if a and a.done_on else None
        values = [t.role.label, t.number, t.text, answer if t.role is Role.town else "", done_on, t.done, t.total,
                  t.rate]
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            if col == 5 and done_on:
                cell.number_format = "yyyy-mm-dd"
            if col == 8:
                cell.number_format = "0.0%"
        ws.cell(row=row, column=9, value=f"{t.role.label}{t.number}")  # chart category label, outside the print area
    last_task = row
    if town.tasks:
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
        chart.add_data(Reference(ws, min_col=8, min_row=first_task - 1, max_row=last_task), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=9, min_row=first_task, max_row=last_task))
        chart.height = max(7.5, 0.7 * len(town.tasks))  # room for every task label
        chart.width = 24
        chart.x_axis.tickLblSkip = 1  # every task labelled, not every second one
        row += 2
        ws.row_breaks.append(Break(id=row - 1))  # the chart starts a printed page, never split across two
        ws.add_chart(chart, f"A{row}")
        row += int(chart.height / 0.5) + 2
        ws.row_breaks.append(Break(id=row))
    ws.column_dimensions["I"].hidden = True
    row += 1
    _title(ws, row, f"三、问题清单（{len(town.problems)}）", last_col, size=12)
    row += 1
    # 说明 takes the wide column C; the unit id keeps namesakes apart.
    for col, text in enumerate(["序号", "类别", "说明", "角色", "名称（编号）", "村", "批次", "截止日"], 1):
        _put(ws, row, col, text, header=True)
    for n, p in enumerate(town.problems, 1):
        row += 1
        values = [n, p.label, p.message, Role(p.role).label,
                  f"{p.name}（{p.unit_id}）", p.village, f"第{p.round}次" if p.round else "", p.deadline]
        for col, value in enumerate(values, 1):
            cell = _put(ws, row, col, value)
            if col == 8 and p.deadline:
                cell.number_format = "yyyy-mm-dd"
    _fit_rows(ws, 3, row)
    ws.print_area = f"A1:{get_column_letter(last_col)}{row}"
    _print_ready(ws, "1:2")


def write_summary_sheet(ws: Worksheet, district: DistrictStatus, campaign: Campaign) -> None:
    """The district's sheet: one row per town and the total, with a chart of 报送率 per town."""
    last_col = len(DISTRICT_HEADERS)
    _title(ws, 1, f"{campaign.district}工作任务清单报送情况汇总表", last_col)
    _title(ws, 2, f"{campaign.name}　截至 {district.as_of.year}年{month_day(district.as_of)}", last_col, size=11)
    for col, text in enumerate(DISTRICT_HEADERS, 1):
        _put(ws, 4, col, text, header=True)
        ws.column_dimensions[get_column_letter(col)].width = 14 if col == 1 else 10
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
                cell.number_format = "0.0%"
            if values[0] == "全区合计":
                cell.font = _font(TITLE_FONT, 11, bold=True)
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
    import io

    buffer = io.BytesIO()
    build_workbook(district, campaign, summary).save(buffer)
    write_bytes_atomic(path, buffer.getvalue())
