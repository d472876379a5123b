"""Filled returns: the generated forms filled the way they come back, one per unit per round."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

MISSING_SHARE = 0.05  # units that never send a given round (so status and check have something to say)
XLSX_SHARE = 0.15
XLS_PER_SCALE = 40
CSV_ENCODINGS = (("utf-8-sig", ",", 0.80), ("gb18030", ",", 0.10), ("utf-16", "\t", 0.10))
RETYPED_SHARE = 0.01  # round-1 CSV returns retyped without the identity lines (recognised by content)
NOTE = "已入户走访，情况已落实"


@dataclass
class Inbox:
    """The filled returns written for ingest, by kind."""

    csv: list[Path] = field(default_factory=list)
    xlsx: list[Path] = field(default_factory=list)
    xls: list[Path] = field(default_factory=list)
    encodings: dict[str, int] = field(default_factory=dict)
    retyped: int = 0


def answers(rng: random.Random, n: int, typed: bool) -> list[tuple[str, object]]:
    """是否完成 and 完成时间 as people write them; `typed` gives real dates (a workbook) instead of text."""
    result = []
    for _ in range(n):
        r = rng.random()
        done = "是" if r < 0.80 else "否" if r < 0.90 else "√" if r < 0.95 else ""
        day: object = ""
        if done in ("是", "√") and rng.random() < 0.97:
            d = dt.date(2020, 11, rng.randint(1, 5))
            day = d if typed else rng.choice(
                (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.month}月{d.day}日", f"{d.year}年{d.month}月{d.day}日"))
        result.append((done, day))
    return result


def csv_head(rows: list[list[str]], table: int, round_number: int, retyped: bool) -> list[list[str]]:
    """The lines above the table as the clerk leaves them: date filled, round added (or identity dropped)."""
    from fupin_cli.forms.identity import FORM_CODE_LABEL, IDENTITY_MARKER

    head = []
    for row in rows[:table]:
        if row and row[0] == IDENTITY_MARKER:
            if retyped:
                continue
            row = [row[0], f"{row[1]};round={round_number}"]
        elif row and row[0] == FORM_CODE_LABEL and retyped:
            continue
        elif len(row) == 2 and row[0] == "时间":
            row = [row[0], "2020年11月6日"]
        head.append(row)
    return head


def fill_csv(form: Path, template, round_number: int, rng: random.Random, retyped: bool) -> list[list[str]]:
    """A generated CSV form as a clerk fills it in Excel: date, answers, and the round in the identity line."""
    rows = list(csv.reader(io.StringIO(form.read_bytes().decode("utf-8-sig"), newline="")))
    labels = [c.label for c in template.columns]
    fields = [c.field for c in template.columns]
    table = rows.index(labels)
    head = csv_head(rows, table, round_number, retyped)
    filled = head + rows[table:]
    for offset, (done, day) in enumerate(answers(rng, len(template.tasks), typed=False)):
        row = filled[len(head) + 1 + offset]
        for col, fld in enumerate(fields):
            if fld == "done":
                row[col] = done
            elif fld == "done_on":
                row[col] = str(day)
            elif fld == "note":
                row[col] = NOTE if done in ("是", "√") else ""
    return filled


def encode_csv(rows: list[list[str]], encoding: str, delimiter: str) -> bytes:
    """The rows as the bytes of a CSV (or tab-separated TXT) file in that encoding."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def date_cell(sheet, head_row: int):
    """The cell right of 时间： above the table (past its merged range), or None."""
    found = None
    for row in sheet.iter_rows(max_row=head_row - 1):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() == "时间：":
                col = cell.column + 1
                for merged in sheet.merged_cells.ranges:
                    if cell.coordinate in merged:
                        col = merged.max_col + 1
                found = sheet.cell(cell.row, col)
    return found


def fill_xlsx(form: Path, template, rounds: list[int], rng: random.Random, targets: list[Path]) -> None:
    """A generated XLSX form filled with openpyxl (what Excel does to the cells), once per round."""
    import openpyxl

    book = openpyxl.load_workbook(form)
    sheet = book.worksheets[0]
    labels = [c.label for c in template.columns]
    head_row = next(r for r in range(1, 12) if [sheet.cell(r, c + 1).value for c in range(len(labels))] == labels)
    dated = date_cell(sheet, head_row)
    hidden = book["_fupin"]
    round_row = hidden.max_row + 1
    hidden.cell(round_row, 1, "round")
    for round_number, target in zip(rounds, targets, strict=True):
        if dated is not None:
            dated.value = dt.date(2020, 11, 6)
        hidden.cell(round_row, 2, str(round_number))
        for offset, (done, day) in enumerate(answers(rng, len(template.tasks), typed=True)):
            for col, column in enumerate(template.columns, start=1):
                cell = sheet.cell(head_row + 1 + offset, col)
                if column.field == "done":
                    cell.value = done or None
                elif column.field == "done_on":
                    cell.value = day or None
                elif column.field == "note":
                    cell.value = NOTE if done in ("是", "√") else None
        target.parent.mkdir(parents=True, exist_ok=True)
        book.save(target)


def forms_by_unit(ws: Path) -> tuple[object, list[dict[str, object]]]:
    """The workspace and, per unit, its form job and the paths of its CSV and XLSX forms."""
    from fupin_cli.forms.generate import plan_forms
    from fupin_cli.model.workspace import load_workspace
    from fupin_cli.store.roster_file import load_roster

    workspace = load_workspace(ws)
    jobs = plan_forms(workspace, load_roster(ws), workspace.templates(), out=ws / "forms", formats=("csv", "xlsx"))
    by_unit: dict[str, dict[str, object]] = {}
    for job in jobs:
        by_unit.setdefault(job.unit.unit_id, {"job": job})[job.fmt] = job.path
    return workspace, list(by_unit.values())


def write_csv_returns(inbox: Inbox, entry: dict, rounds: list[int], stem: Path, rng: random.Random) -> None:
    """One unit's CSV/TXT returns, each round in an encoding drawn from CSV_ENCODINGS."""
    job = entry["job"]
    for k in rounds:
        encoding, delimiter, _share = rng.choices(CSV_ENCODINGS, weights=[c[2] for c in CSV_ENCODINGS])[0]
        retyped = k == 1 and rng.random() < RETYPED_SHARE and job.unit.role.value != "helper"
        rows = fill_csv(entry["csv"], job.template, k, rng, retyped)
        path = stem.parent / f"{stem.name}_r{k}.{'txt' if delimiter == chr(9) else 'csv'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_csv(rows, encoding, delimiter))
        inbox.csv.append(path)
        inbox.encodings[encoding] = inbox.encodings.get(encoding, 0) + 1
        inbox.retyped += retyped


def write_returns(ws: Path, inbox_dir: Path, scratch: Path, seed: int, scale: float, with_xls: bool) -> Inbox:
    """Fill the generated forms: one return per unit per round, most CSV, some XLSX, a few XLS."""
    from fupin_cli.model.deadlines import rounds_for

    rng = random.Random(seed + 1)
    workspace, units = forms_by_unit(ws)
    inbox = Inbox()
    staged: list[tuple[Path, object, list[int], list[Path]]] = []
    for index, entry in enumerate(units):
        job = entry["job"]
        n_rounds = len(rounds_for(job.template, workspace.campaign))
        rounds = [k for k in range(1, n_rounds + 1) if rng.random() >= MISSING_SHARE]
        stem = f"{job.unit.role.value}_{index:06d}"
        if rng.random() < XLSX_SHARE:
            targets = [inbox_dir / "xlsx" / f"{stem}_r{k}.xlsx" for k in rounds]
            staged.append((entry["xlsx"], job.template, rounds, targets))
        else:
            write_csv_returns(inbox, entry, rounds, inbox_dir / "csv" / stem, rng)
    for form, template, rounds, targets in staged:
        fill_xlsx(form, template, rounds, rng, targets)
        inbox.xlsx.extend(targets)
    if with_xls and shutil.which("soffice") and inbox.xlsx:
        add_xls(inbox, inbox_dir / "xls", scratch, rng, scale)
    return inbox


def add_xls(inbox: Inbox, out: Path, scratch: Path, rng: random.Random, scale: float) -> None:
    """Turn `XLS_PER_SCALE × scale` of the XLSX returns into XLS (the XLSX originals are removed)."""
    picked = sorted(rng.sample(inbox.xlsx, min(len(inbox.xlsx), max(2, round(XLS_PER_SCALE * scale)))))
    for source in convert_to_xls(picked, out, scratch):
        inbox.xlsx.remove(source)
        source.unlink()
        inbox.xls.append(out / f"{source.stem}.xls")


def convert_to_xls(files: list[Path], out: Path, scratch: Path) -> list[Path]:
    """XLSX → XLS through LibreOffice (its own profile, so a running soffice is not disturbed)."""
    out.mkdir(parents=True, exist_ok=True)
    profile = (scratch / "lo-profile").resolve().as_uri()
    try:
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xls",
                        "--outdir", str(out), *map(str, files)],
                       check=False, capture_output=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [f for f in files if (out / f"{f.stem}.xls").is_file()]
