"""Rebuild the example district's sample returns: examples/demo/inbox/ and the store in examples/demo/returns/.

Run from the repository root: `python examples/build_demo_returns.py`. The answers, file kinds and received
times are fixed, so the demo always shows the same picture as of 2020-11-10: on-time, late and missing
rounds, returns with warnings, namesakes, and one return that is refused (its task text was edited).
石门镇's aid unit, cadres and helpers report to their town: the town's own workspace (`relay kit`) takes their
returns and packs them into one bundle (`relay pack`, inbox/镇汇总上报/), which the district takes in whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from fupin_cli.forms.generate import FormWriter, plan_forms
from fupin_cli.forms.xlsx import workbook_bytes
from fupin_cli.intake.ingest import IngestContext, ingest_files
from fupin_cli.model.glossary import Role
from fupin_cli.model.workspace import load_workspace
from fupin_cli.relay.bundle import ingest_bundle
from fupin_cli.relay.kit import make_kit
from fupin_cli.relay.pack import default_name, pack_town
from fupin_cli.store.roster_file import load_roster

DEMO = Path(__file__).resolve().parent / "demo"
TZ = dt.timezone(dt.timedelta(hours=8))
RELAY_TOWN = "石门镇"  # reports its units' returns through a bundle
rng = random.Random(20201106)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2020, 11, day, hour, minute, tzinfo=TZ)


def fill_rows(rows: list[list[str]], answers: list[tuple[str, str]], date_text: str) -> list[list[str]]:
    """Fill a CSV form's table rows (after the header row, before the 注 line) and its 时间 line."""
    out = [list(r) for r in rows]
    header = next(i for i, r in enumerate(out) if "工作任务" in r)
    done_col = next(i for i, c in enumerate(out[header]) if c.replace("\n", "") == "是否完成")
    for r in out:
        if r and r[0] == "时间":
            r[1:] = [date_text]
    for k, (done, day) in enumerate(answers):
        row = out[header + 1 + k]
        row[done_col] = done
        row[done_col + 1] = day
    return out


def csv_return(data: bytes, answers: list[tuple[str, str]], date_text: str, encoding: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(fill_rows(rows, answers, date_text))
    text = buffer.getvalue()
    return text.encode(encoding) if encoding != "utf-8-sig" else b"\xef\xbb\xbf" + text.encode("utf-8")


def xlsx_return(data: bytes, answers: list[tuple[str, object]], date_text: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 20) if sheet.cell(r, 3).value == "工作任务" or sheet.cell(r, 2).value == "工作任务")
    labels = [str(sheet.cell(header, c).value or "").replace("\n", "") for c in range(1, 8)]
    done_col = labels.index("是否完成") + 1
    for k, (done, day) in enumerate(answers):
        sheet.cell(header + 1 + k, done_col).value = done
        sheet.cell(header + 1 + k, done_col + 1).value = day
    for row in sheet.iter_rows(min_row=1, max_row=header - 1):
        for cell in row:
            if cell.value == "时间：":
                sheet.cell(cell.row, cell.column + 1).value = date_text
    book.properties.modified = book.properties.created = dt.datetime(2020, 11, 1)
    return stable_zip(workbook_bytes(book))


def stable_zip(data: bytes) -> bytes:
    """The same zip with every timestamp fixed, so rebuilding the demo gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)),
                            source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def answers_for(n: int, day: str, done_share: float = 0.8) -> list[tuple[str, str]]:
    return [("是", day) if rng.random() < done_share else ("否", "") for _ in range(n)]


def main() -> None:
    workspace = load_workspace(DEMO)
    roster = load_roster(DEMO)
    templates = workspace.templates()
    inbox = DEMO / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    shutil.rmtree(DEMO / "returns", ignore_errors=True)
    writer = FormWriter()
    forms = {(j.unit.unit_id, j.fmt): writer.render(j) for j in plan_forms(workspace, roster, templates)}
    plan: list[tuple[Path, bytes, dt.datetime, int | None, str]] = []

    def add(unit_id: str, folder: str, name: str, received: dt.datetime, answers, date_text: str,
            kind: str = "csv", round_number: int | None = None) -> None:
        if kind == "xlsx":
            data = xlsx_return(forms[(unit_id, "xlsx")], answers, date_text)
        else:
            data = csv_return(forms[(unit_id, "csv")], answers, date_text, "gb18030" if kind == "gbk" else "utf-8-sig")
        path = inbox / folder / f"{name}.{'xlsx' if kind == 'xlsx' else 'csv'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        plan.append((path, data, received, round_number, unit_id))

    town = {u.name: u for u in roster.of(Role.town)}
    n_town = len(templates["town"].tasks)
    # 镇: 城关镇 on time then late; 龙潭镇 on time then missing; 石门镇 late then on time at 23:00 on the deadline day.
    add(town["城关镇"].unit_id, "11月6日", "城关镇-第1次", at(6, 16), answers_for(n_town, "2020-11-05", 0.6), "2020年11月6日")
    add(town["城关镇"].unit_id, "11月10日", "城关镇-第2次", at(10, 9, 30), answers_for(n_town, "11月9日", 0.8),
        "2020年11月10日", "xlsx", round_number=2)
    add(town["龙潭镇"].unit_id, "11月6日", "龙潭镇-第1次", at(6, 11), answers_for(n_town, "2020/11/5", 0.7), "11月6日", "gbk")
    add(town["石门镇"].unit_id, "11月7日", "石门镇-第1次", at(7, 10), answers_for(n_town, "2020.11.6", 0.5), "11月7日",
        round_number=1)
    add(town["石门镇"].unit_id, "11月9日", "石门镇-第2次", at(9, 23), answers_for(n_town, "11月9日", 0.9), "11月9日", "xlsx")
    # 村干部: round 1 mostly on time, a few late, some missing; round 2 about half by 11-09.
    for i, cadre in enumerate(roster.of(Role.cadre)):
        if i % 9 == 8:
            continue  # never reported
        received = at(7, 9) if i % 7 == 3 else at(rng.choice([5, 6]), rng.randint(8, 20))
        answers = [(a, "已完成，见台账" if a == "是" else "正在核对") for a, _ in answers_for(4, "", 0.75)]
        if i == 4:
            answers[1] = ("差不多", "基本完成")  # an answer that is neither 是 nor 否: a warning, never counted done
        add(cadre.unit_id, "村干部", f"{cadre.village}-{cadre.name}-第1次", received, answers,
            "" if i == 10 else "11月6日",  # 时间 left blank: a warning
            "xlsx" if i % 4 == 0 else "csv", round_number=1)
        if i % 2 == 0:
            add(cadre.unit_id, "村干部", f"{cadre.village}-{cadre.name}-第2次", at(9, rng.randint(8, 20)),
                [("是", "已完成") for _ in range(4)], "11月9日")
    # 帮扶责任人: first visit by 11-07; a few missing; one says 是 without a date; the namesakes both report.
    for i, helper in enumerate(roster.of(Role.helper)):
        if i % 6 == 5:
            continue
        received = at(8, 10) if i % 10 == 4 else at(rng.choice([6, 7]), rng.randint(8, 21))
        answers = answers_for(7, f"11月{min(received.day, 7) - (i % 2)}日", 0.85)
        if i == 2:
            answers[0] = ("是", "")  # 是 without a date
        if i == 7:
            answers[3] = ("是", "11月28日")  # a date after the return was received
        if i == 13:
            answers[5] = ("√", "2019年11月5日")  # the wrong year
        suffix = f"-{helper.unit_id}" if helper.name == "王芳" else ""
        add(helper.unit_id, f"帮扶责任人/{helper.village}", f"{helper.name}{suffix}", received, answers,
            f"2020.11.{received.day}", "xlsx" if i % 5 == 0 else "csv", round_number=1)
    # 帮扶单位 and 处级领导: a few early returns before their deadlines (11-11, 11-12).
    for unit in roster.of(Role.aid_unit)[:2]:
        add(unit.unit_id, "帮扶单位", unit.name, at(10, 15), answers_for(2, "11月10日", 1.0), "11月10日")
    leader = roster.of(Role.leader)[1]
    add(leader.unit_id, "处级领导", leader.name, at(10, 17), answers_for(2, "11月10日", 1.0), "11月10日", "xlsx")
    # One return refused: the helper edited a task text.
    refused = roster.of(Role.helper)[5]
    data = csv_return(forms[(refused.unit_id, "csv")], answers_for(7, "11月7日", 1.0), "11月7日", "utf-8-sig")
    data = data.replace("陪同督查考核".encode(), "陪同检查".encode()).replace(
        "在督查组督查到所帮扶联系村后".encode(), "督查组来了以后".encode())
    bad = inbox / "帮扶责任人" / refused.village / f"{refused.name}（改过任务文字）.csv"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(data)
    plan.append((bad, data, at(7, 20), None, ""))

    relayed = {u.unit_id for role in (Role.aid_unit, Role.cadre, Role.helper) for u in roster.of(role)
               if u.town == RELAY_TOWN}
    accepted = rejected = 0
    for path, _data, received, round_number, unit_id in plan:
        if unit_id in relayed:
            continue
        ctx = IngestContext(workspace.campaign, roster, templates, received, round=round_number, ingested_at=received)
        [outcome] = ingest_files(DEMO, [path], ctx)
        accepted += outcome.status == "accepted"
        rejected += outcome.status == "rejected"
    print(f"样例回执：{len(plan)} 个文件，区直接收下 {accepted}，拒收 {rejected}")
    relay(workspace, [p for p in plan if p[4] in relayed])


def relay(district, entries: list[tuple[Path, bytes, dt.datetime, int | None, str]]) -> None:
    """石门镇 takes its units' returns in its own workspace and sends one bundle; the district takes it whole."""
    with tempfile.TemporaryDirectory() as scratch:
        town_root = Path(scratch) / RELAY_TOWN
        make_kit(district, RELAY_TOWN, town_root)  # the district's fupin.yaml gains its campaign_id
        town = load_workspace(town_root)
        town_roster, town_templates = load_roster(town_root), town.templates()
        for path, _data, received, round_number, _unit in entries:
            ctx = IngestContext(town.campaign, town_roster, town_templates, received, round=round_number,
                                ingested_at=received)
            ingest_files(town_root, [path], ctx)
            path.unlink()  # these reached the town, not the district: the district has them in the bundle
        packed_at = at(10, 17)
        folder = DEMO / "inbox" / "镇汇总上报"
        folder.mkdir(parents=True, exist_ok=True)
        packed = pack_town(town, packed_at, out=folder / default_name(town_roster.find_town(RELAY_TOWN), packed_at))
    for empty in sorted({p.parent for p, *_ in entries}, key=lambda p: len(p.parts), reverse=True):
        if empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    district = load_workspace(DEMO)
    ctx = IngestContext(district.campaign, load_roster(DEMO), district.templates(), at(10, 18), ingested_at=at(10, 18))
    result = ingest_bundle(DEMO, packed.path, ctx)
    print(f"{RELAY_TOWN}汇总包 {packed.path.name}：{len(entries)} 份回执，区收取结果 {result.status}")


if __name__ == "__main__":
    main()
