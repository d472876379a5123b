"""汇总页 (HTML report): one self-contained page a town head opens from a chat on a phone; CSS and SVG inline."""

from __future__ import annotations

from html import escape

from fupin_cli.count.status import DistrictStatus, TaskCompletion, TownStatus
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status
from fupin_cli.model.workspace import Campaign
from fupin_cli.render.status import coverage_text, percent, role_label

_STATUS_CLASS = {Status.on_time: "ok", Status.late: "late", Status.missing: "miss", Status.pending: "wait",
                 Status.returned: "miss"}
_SYMBOL = {Status.on_time: "✓", Status.late: "⚠", Status.missing: "✗", Status.pending: "·", Status.returned: "↩"}

CSS = """
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.5 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
color:#1f2328;background:#fff;max-width:960px;margin-inline:auto}
h1{font-size:20px;margin:4px 0 2px}h2{font-size:18px;margin:22px 0 6px;border-bottom:2px solid #c00;padding-bottom:2px}
h3{font-size:16px;margin:16px 0 6px}
.asof{color:#57606a;margin:0 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(96px,1fr));gap:8px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:6px 8px}
.card b{display:block;font-size:20px}.card span{color:#57606a;font-size:13px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:6px 0}
table{border-collapse:collapse;min-width:100%}
th,td{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;white-space:nowrap}
td.n{text-align:right;white-space:nowrap}td.nw{white-space:nowrap}
.ok{color:#1a7f37}.late{color:#9a6700}.miss{color:#cf222e;font-weight:600}.wait{color:#6e7781}
td.ok,td.late,td.miss,td.wait{white-space:nowrap}
.bar{fill:#2f81f7}.bartrack{fill:#eaeef2}svg text{font-size:12px;fill:#1f2328}
ul.problems{padding-left:18px;margin:4px 0}ul.problems li{margin:2px 0}
footer{color:#6e7781;font-size:12px;margin-top:24px}
"""


def html_report(district: DistrictStatus, campaign: Campaign, town: str | None = None) -> str:
    """The page: one town's report when `town` is given, else the district's totals and a section per town."""
    title = f"{campaign.district or '区'}扶贫工作任务报送情况"
    if town is not None and district.towns:
        title = f"{district.towns[0].town.name}报送情况"
    body = [f"<h1>{escape(title)}</h1>",
            f'<p class="asof">截至 {district.as_of.year}年{escape(month_day(district.as_of))}（{escape(campaign.name)}）</p>']
    if town is None:
        body += [_cards(district.counts, district.task_rate), _district_table(district)]
    for t in district.towns:
        body.append(_town_section(t, heading=town is None))
    body.append(f"<footer>由 fupin 生成 · {escape(campaign.name)}</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _cards(counts, task_rate: float | None) -> str:
    items = [("报送率", percent(counts.rate)), ("按时报送率", percent(counts.on_time_rate)),
             ("任务完成率", percent(task_rate)), ("应报", str(counts.due)), ("已报", str(counts.submitted)),
             ("逾期", str(counts.late)), ("未报", str(counts.missing)), ("未到期", str(counts.pending))]
    cells = "".join(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in items)
    return f'<div class="cards">{cells}</div>'


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are already escaped HTML, wrapped to scroll sideways inside itself."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></div>'


def _td(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"


def _district_table(district: DistrictStatus) -> str:
    rows = []
    for t in district.towns:
        c = t.counts
        rows.append([_td(t.town.name), _td(str(c.due), "n"), _td(str(c.submitted), "n"),
                     _td(str(c.late), "n late" if c.late else "n"), _td(str(c.missing), "n miss" if c.missing else "n"),
                     _td(percent(c.rate), "n"), _td(percent(t.task_rate), "n")])
    return "<h3>各镇</h3>" + _table(["镇", "应报", "已报", "逾期", "未报", "报送率", "任务完成率"], rows)


def _status_td(status: Status, text: str = "") -> str:
    return _td(f"{_SYMBOL[status]} {text or status.label}", _STATUS_CLASS[status])


def _matrix(town: TownStatus) -> str:
    width = max((len(us.rounds) for us in town.units), default=1)
    rows = []
    for us in town.units:
        if us.role is Role.helper:
            continue
        place = "、".join(us.unit.villages) if us.role is Role.aid_unit else " ".join(
            x for x in (us.unit.village, us.unit.post) if x)
        cells = [_status_td(r.status) for r in us.rounds] + [_td("")] * (width - len(us.rounds))
        rows.append([_td(role_label(us.role, us.checklist), "nw"), _td(us.unit.name, "nw"), _td(place), *cells])
    for v in town.villages:
        cells = [_status_td(r.status, coverage_text(v, i)) for i, r in enumerate(v.rounds)]
        cells += [_td("")] * (width - len(cells))
        rows.append([_td(Role.helper.label, "nw"), _td(f"{v.village}（{v.helpers}人）", "nw"), _td(""), *cells])
    headers = ["角色", "名称", "村/职务", *[f"第{n}次" for n in range(1, width + 1)]]
    return "<h3>报送情况</h3>" + _table(headers, rows)


def _task_chart(tasks: list[TaskCompletion]) -> str:
    """Per-task completion as horizontal SVG bars (no script, no external file)."""
    if not tasks:
        return ""
    bar_h, gap, label_w, width = 16, 8, 150, 340
    height = len(tasks) * (bar_h + gap) + gap
    parts = [f'<svg viewBox="0 0 {label_w + width + 50} {height}" width="100%" role="img" '
             f'aria-label="任务完成率">']
    for i, t in enumerate(tasks):
        y = gap + i * (bar_h + gap)
        filled = int(width * (t.rate or 0))
        name = f"{role_label(t.role, t.checklist)} {t.number}"
        parts.append(f'<text x="0" y="{y + 12}">{escape(name)}</text>'
                     f'<rect class="bartrack" x="{label_w}" y="{y}" width="{width}" height="{bar_h}"/>'
                     f'<rect class="bar" x="{label_w}" y="{y}" width="{filled}" height="{bar_h}"/>'
                     f'<text x="{label_w + width + 4}" y="{y + 12}">{escape(percent(t.rate))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tasks(town: TownStatus) -> str:
    rows = [[_td(role_label(t.role, t.checklist)), _td(str(t.number), "n"), _td(t.text),
             _td(f"{t.done}/{t.total}", "n"), _td(percent(t.rate), "n ok" if t.rate == 1 else "n")]
            for t in town.tasks]
    open_rows = [r for r, t in zip(rows, town.tasks, strict=True) if t.done < t.total]
    return ("<h3>仍未完成的任务</h3>" + (_table(["角色", "序号", "工作任务", "完成", "完成率"], open_rows)
                                   if open_rows else '<p class="ok">全部完成</p>')
            + "<h3>任务完成率</h3>" + _task_chart(list(town.tasks)))


def _problems(town: TownStatus) -> str:
    if not town.problems:
        return '<h3>问题</h3><p class="ok">无</p>'
    items = []
    for p in town.problems:
        cls = {"missing": "miss", "returned": "miss", "late": "late"}.get(p.kind, "")
        who = f"{Role(p.role).label} {p.name}" + (f"（{p.village}）" if p.village else "")
        items.append(f'<li><span class="{cls}">{escape(p.label)}</span> {escape(who)}：{escape(p.message)}</li>')
    return f"<h3>问题（{len(town.problems)}，最紧急的在前）</h3><ul class=\"problems\">{''.join(items)}</ul>"


def _town_section(town: TownStatus, heading: bool) -> str:
    parts = [f"<section><h2>{escape(town.town.name)}</h2>" if heading else "<section>",
             _cards(town.counts, town.task_rate), _matrix(town), _tasks(town), _problems(town), "</section>"]
    return "\n".join(parts)
