"""`fupin status` as Rich renderables: headline, submission matrix, task completion and problems."""

from __future__ import annotations

import datetime as dt

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fupin_cli.count.status import DistrictStatus, TownStatus, VillageCoverage
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.problems import Problem
from fupin_cli.model.roster import Unit

SYMBOLS: dict[Status, tuple[str, str]] = {
    Status.on_time: ("✓", "green"),
    Status.late: ("⚠", "yellow"),
    Status.missing: ("✗", "bold red"),
    Status.pending: ("·", "dim"),
    Status.returned: ("↩", "bold magenta"),
}
MAX_PROBLEMS = 30


def widest(texts: list[str]) -> int:
    """The width in terminal cells of the widest text (CJK characters count two)."""
    return max((cell_len(t) for t in texts), default=1)


def percent(value: float | None) -> str:
    """0.8 → 80.0%; None (nothing due) → —."""
    return "—" if value is None else f"{value * 100:.1f}%"


def status_cell(status: Status) -> Text:
    """✓ 按时 / ⚠ 逾期 / ✗ 未报 / · 未到期, coloured."""
    symbol, style = SYMBOLS[status]
    return Text(f"{symbol} {status.label}", style=style)


def headline(town: TownStatus) -> Text:
    """镇名, as-of date, 报送率 and 按时报送率 with the counts."""
    c = town.counts
    text = Text()
    text.append(f"{town.town.name}", style="bold")
    text.append(f"  报送情况（截至 {town.as_of.year}年{month_day(town.as_of)}）\n")
    text.append("报送率 ")
    text.append(percent(c.rate), style="bold")
    text.append(f"（{c.submitted}/{c.due}）  按时报送率 ")
    text.append(percent(c.on_time_rate), style="bold")
    text.append(f"（{c.on_time}/{c.due}）  任务完成率 {percent(town.task_rate)}\n")
    text.append(f"应报 {c.due} · 已报 {c.submitted} · 按时 {c.on_time} · 逾期 {c.late} · 未报 {c.missing}"
                f" · 未到期 {c.pending}")
    if c.returned or c.accepted:
        text.append(f"\n已审核 {c.accepted} · 已退回 {c.returned}")
    return text


def matrix_table(town: TownStatus) -> Table:
    """Rows: the town, its leaders, aid units, cadres; helpers one row per village as 到位 n/m."""
    width = max((len(us.rounds) for us in town.units), default=1)
    table = Table(title="报送情况", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    # Names and status words keep their whole width; only the place column wraps (never crops).
    shown = [us for us in town.units if us.role is not Role.helper]
    roles = [role_label(us.role, us.checklist) for us in shown] + ([Role.helper.label] if town.villages else [])
    names = [us.unit.name for us in shown] + [f"{v.village}（{v.helpers}人）" for v in town.villages]
    table.add_column("角色", min_width=widest(roles), overflow="fold")
    table.add_column("名称", min_width=widest(names), overflow="fold")
    table.add_column("村/职务", overflow="fold")
    status_width = max(widest([f"{SYMBOLS[s][0]} {s.label}" for s in Status]),
                       widest([f"✗ 到位 {v.helpers}/{v.helpers}" for v in town.villages]),
                       widest([coverage_text(v, i) for v in town.villages for i in range(len(v.rounds))]))
    for n in range(1, width + 1):
        table.add_column(f"第{n}次", min_width=status_width, overflow="fold")
    previous: Role | None = None
    for us in town.units:
        if us.role is Role.helper:
            continue
        if previous is not None and us.role is not previous:
            table.add_section()
        previous = us.role
        place = " ".join(x for x in (us.unit.village, us.unit.post) if x) if us.role is not Role.aid_unit \
            else "、".join(us.unit.villages)
        cells = [status_cell(r.status) for r in us.rounds] + [Text("")] * (width - len(us.rounds))
        table.add_row(role_label(us.role, us.checklist), us.unit.name, place, *cells)
    if town.villages:
        table.add_section()
    for v in town.villages:
        cells = []
        for i, r in enumerate(v.rounds):
            symbol, style = SYMBOLS[r.status]
            cells.append(Text(f"{symbol} {coverage_text(v, i)}", style=style))
        cells += [Text("")] * (width - len(cells))
        table.add_row(Role.helper.label, f"{v.village}（{v.helpers}人）", "", *cells)
    table.caption = "截止日：" + "；".join(_deadlines(town))
    sheets = village_sheet_lines(town)
    if sheets:
        table.caption += "\n村统计表（帮扶责任人到位情况统计表）：" + "；".join(sheets)
    table.caption_justify = "left"
    return table


def coverage_text(v: VillageCoverage, index: int) -> str:
    """到位 n/m of one round, with （村统计 k） when k of them were reported by the village's own count."""
    counted = v.from_village[index] if index < len(v.from_village) else 0
    text = f"到位 {v.reported[index]}/{v.helpers}"
    return f"{text}（村统计 {counted}）" if counted else text


def village_sheet_lines(town: TownStatus) -> list[str]:
    """Each village's presence sheet per round (第1次 按时 …), once any village of the town has sent one."""
    sheets = [v.sheet for v in town.villages if v.sheet is not None]
    if not any(r.return_id for s in sheets for r in s.rounds):
        return []
    return [f"{s.unit.name} " + " ".join(f"第{r.number}次{r.status.label}" for r in s.rounds) for s in sheets]


def role_label(role: Role, checklist: str = "") -> str:
    """The role's Chinese name; with a second checklist of the role, its title too."""
    return f"{role.label}（{checklist}）" if checklist else role.label


def _deadlines(town: TownStatus) -> list[str]:
    seen: dict[tuple[Role, str], str] = {}
    for us in town.units:
        if (us.role, us.template.id) not in seen:
            seen[(us.role, us.template.id)] = (f"{role_label(us.role, us.checklist)} "
                                               + "、".join(month_day(r.day) for r in us.rounds))
    return list(seen.values())


def own_tasks_table(town: TownStatus) -> Table | None:
    """The town's own checklist: latest 是/否 and 完成时间 per task."""
    tasks = [t for t in town.tasks if t.role is Role.town]
    if not tasks:
        return None
    table = Table(title="本镇工作任务（最新一次报送）", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("序号", justify="right", min_width=2)
    table.add_column("工作任务", overflow="fold")
    table.add_column("是否完成", min_width=4, overflow="fold")
    table.add_column("完成时间", min_width=widest(["11月30日"]), overflow="fold")
    for t in tasks:
        a = t.answer
        done = Text("是", style="green") if a and a.done is True else (
            Text("否", style="red") if a and a.done is False else Text("—", style="dim"))
        table.add_row(str(t.number), _first_line(t.text), done, month_day(a.done_on) if a and a.done_on else "")
    return table


def role_tasks_table(town: TownStatus) -> Table | None:
    """Other roles: done/total and 完成率 per task."""
    tasks = [t for t in town.tasks if t.role is not Role.town]
    if not tasks:
        return None
    table = Table(title="各类填报对象任务完成情况", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("角色", min_width=widest([role_label(t.role, t.checklist) for t in tasks]), overflow="fold")
    table.add_column("序号", justify="right", min_width=2)
    table.add_column("工作任务", overflow="fold")
    table.add_column("完成", justify="right", min_width=widest([f"{t.done}/{t.total}" for t in tasks]))
    table.add_column("完成率", justify="right", min_width=widest(["100.0%"]))
    previous = None
    for t in tasks:
        if previous is not None and t.template_id != previous:
            table.add_section()
        style = "green" if t.rate == 1 else ("red" if not t.done else "")
        table.add_row(role_label(t.role, t.checklist) if t.template_id != previous else "", str(t.number),
                      _first_line(t.text), f"{t.done}/{t.total}", Text(percent(t.rate), style=style))
        previous = t.template_id
    return table


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def problem_who(p: Problem, namesakes: dict[str, Unit] | None = None) -> str:
    """角色 名称（村）; namesakes also show their work unit (or id) to tell them apart."""
    place = [p.village] if p.village else []
    unit = (namesakes or {}).get(p.unit_id)
    if unit is not None:
        place.append(unit.work_unit or unit.post or unit.unit_id)
    return f"{Role(p.role).label} {p.name}" + (f"（{'·'.join(place)}）" if place else "")


def namesakes_of(town: TownStatus) -> dict[str, Unit]:
    """The units of the town (by id) whose role and name another unit of the town shares."""
    seen: dict[tuple[Role, str], set[str]] = {}
    for us in town.units:  # a unit with two checklists is listed twice, and is no namesake of itself
        seen.setdefault((us.role, us.unit.name), set()).add(us.unit.unit_id)
    return {us.unit.unit_id: us.unit for us in town.units if len(seen[(us.role, us.unit.name)]) > 1}


def problems_view(problems: tuple[Problem, ...] | list[Problem], limit: int = MAX_PROBLEMS,
                  namesakes: dict[str, Unit] | None = None) -> RenderableType:
    """The problems, most urgent first, at most `limit` of them."""
    if not problems:
        return Text("问题：无", style="green")
    # One paragraph per problem, folded at the terminal's width: nothing is cropped, and the message can be
    # read (and copied) whole by joining the lines.
    text = Text(f"问题（{len(problems)}，最紧急的在前）\n", style="bold")
    for n, p in enumerate(problems[:limit], 1):
        label, style = p.look
        text.append(f"{n:>2}．")
        text.append(label, style=style)
        text.append(f"  {problem_who(p, namesakes)}：{p.message}\n")
    if len(problems) > limit:
        text.append(f"…… 另有 {len(problems) - limit} 条；全部问题：fupin check --town {problems[0].town}\n")
    return text


def town_view(town: TownStatus) -> Group:
    """Everything `fupin status --town X` shows."""
    parts: list[RenderableType] = [headline(town), Text(""), matrix_table(town)]
    for table in (own_tasks_table(town), role_tasks_table(town)):
        if table is not None:
            parts += [Text(""), table]
    parts += [Text(""), problems_view(town.problems, namesakes=namesakes_of(town))]
    return Group(*parts)


DISTRICT_HEADERS = ("镇", "应报", "已报", "按时", "逾期", "未报", "未到期", "报送率", "按时报送率", "任务完成率")


def district_rows(district: DistrictStatus) -> list[list[str]]:
    """One row per town and the district total, as text (table and CSV)."""
    rows = []
    for t in district.towns:
        c = t.counts
        rows.append([t.town.name, str(c.due), str(c.submitted), str(c.on_time), str(c.late), str(c.missing),
                     str(c.pending), percent(c.rate), percent(c.on_time_rate), percent(t.task_rate)])
    c = district.counts
    rows.append(["全区合计", str(c.due), str(c.submitted), str(c.on_time), str(c.late), str(c.missing),
                 str(c.pending), percent(c.rate), percent(c.on_time_rate), percent(district.task_rate)])
    return rows


def district_table(district: DistrictStatus, relays: dict[str, dict] | None = None) -> Table:
    """`fupin status` without --town: one row per town and a district total row.

    `relays` (town id → `last_relay_at`, `relayed`) adds a line naming each town's last bundle.
    """
    table = Table(title=f"全区报送情况（截至 {district.as_of.year}年{month_day(district.as_of)}）",
                  box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, collapse_padding=True)
    for i, header in enumerate(DISTRICT_HEADERS):
        # min_width: a narrow terminal must not cut 应报/未到期 down to 应…
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=True,
                         min_width=max(cell_len(header), 8 if i == 0 else 4))
    rows = district_rows(district)
    for row in rows[:-1]:
        missing = row[5] != "0"
        table.add_row(*row[:5], Text(row[5], style="bold red" if missing else ""), *row[6:])
    table.add_section()
    table.add_row(*rows[-1], style="bold")
    captions = []
    reviewed = [t for t in district.towns if t.counts.accepted or t.counts.returned]
    if reviewed:
        captions.append("审核：" + "；".join(f"{t.town.name} 已审核 {t.counts.accepted}、已退回 {t.counts.returned}"
                                           for t in reviewed))
    bundles = [(t.town.name, (relays or {}).get(t.town.unit_id) or {}) for t in district.towns]
    bundles = [(name, r) for name, r in bundles if r.get("last_relay_at")]
    if bundles:
        captions.append("镇汇总包：" + "；".join(
            f"{name} 最近一包 {_relay_time(r['last_relay_at'])} 收到，共转来回执 {r.get('relayed', 0)} 份"
            for name, r in bundles))
    if captions:
        table.caption = "\n".join(captions)
        table.caption_justify = "left"
    return table


def _relay_time(text: str) -> str:
    """11月10日 18:00 for an ISO time."""
    at = dt.datetime.fromisoformat(text)
    return f"{month_day(at)} {at:%H:%M}"
