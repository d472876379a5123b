"""CSV for Excel: UTF-8 with BOM, CRLF, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

from fupin_cli.count.reminders import Reminder
from fupin_cli.count.status import DistrictStatus, TownStatus
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.text import csv_bytes
from fupin_cli.render.status import DISTRICT_HEADERS, district_rows

TOWN_HEADERS = ("镇", "角色", "role", "编号", "名称", "村", "批次", "截止日", "状态", "status", "收到时间")


def town_csv(town: TownStatus) -> bytes:
    """One row per unit × round of the town."""
    rows = []
    for us in town.units:
        u = us.unit
        for r in us.rounds:
            received = r.received_at.astimezone(r.deadline.tzinfo).strftime("%Y-%m-%d %H:%M") if r.received_at else ""
            rows.append([town.town.name, u.role.label, u.role.value, u.unit_id, u.name, u.village, r.number,
                         r.day.isoformat(), r.status.label, r.status.value, received])
    return csv_bytes([TOWN_HEADERS, *rows])


def district_csv(district: DistrictStatus) -> bytes:
    """One row per town and the district total."""
    return csv_bytes([DISTRICT_HEADERS, *district_rows(district)])


REMIND_HEADERS = ("状态", "截止日", "镇", "村", "角色", "编号", "名称", "电话", "报送内容", "短信内容")


def reminders_csv(reminders: list[Reminder]) -> bytes:
    """One row per reminder, ready for a bulk-SMS tool."""
    rows = [[r.status.label, month_day(r.round.day), r.unit.town, r.unit.village, r.unit.role.label, r.unit.unit_id,
             r.unit.name, r.unit.phone, f"《{r.title}》第{r.round.number}次", r.message] for r in reminders]
    return csv_bytes([REMIND_HEADERS, *rows])
