"""Reference points run in this process on the same files: plain openpyxl and csv reads and writes."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from fupinbench.measure import Measure, fmt


def measure_inprocess(m: Measure, work: Callable[[], None], repeat: int) -> Measure:
    """Time a reference in this process, median of `repeat`."""
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        m.runs.append(time.perf_counter() - start)
    print(f"  {m.name:<34} {fmt(m.seconds, 3):>8} s  ({m.count} {m.unit})", flush=True)
    return m


def sample(items: list, limit: int) -> list:
    """At most `limit` items spread evenly over the list (all of them when limit is 0)."""
    if not limit or len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def bare_write(forms: list[tuple[object, object, str, str]], out: Path) -> Callable[[], None]:
    """Reference: each form's cell values in a plain openpyxl workbook (no styles, no validation)."""
    from openpyxl import Workbook

    from fupin_cli.forms.csv import form_rows

    def work() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for i, (template, identity, name, head) in enumerate(forms):
            book = Workbook()
            sheet = book.active
            for row in form_rows(template, identity, name, head):
                sheet.append(row or [None])
            book.save(out / f"{i}.xlsx")
    return work


def read_xlsx(files: list[Path]) -> Callable[[], None]:
    """Reference: every sheet of every XLSX read with openpyxl read_only=True."""
    import openpyxl

    def work() -> None:
        for path in files:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                for _row in sheet.iter_rows(values_only=True):
                    pass
            book.close()
    return work


def read_csv(files: list[Path]) -> Callable[[], None]:
    """Reference: every CSV/TXT decoded (BOM, else UTF-8, else GB18030) and split by the csv module."""
    def work() -> None:
        for path in files:
            data = path.read_bytes()
            if data.startswith(b"\xff\xfe"):
                text, delimiter = data.decode("utf-16"), "\t"
            else:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = data.decode("gb18030")
                delimiter = ","
            list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return work


def planned_forms(ws: Path, out: Path) -> list[tuple[object, object, str, str]]:
    """(template, identity, unit name, head) of every XLSX form fupin would write (nothing is written)."""
    from fupin_cli.forms.generate import plan_forms
    from fupin_cli.model.workspace import load_workspace
    from fupin_cli.store.roster_file import load_roster

    workspace = load_workspace(ws)
    jobs = plan_forms(workspace, load_roster(ws), workspace.templates(), out=out, formats=("xlsx",))
    return [(j.template, j.identity, j.unit.name, j.head) for j in jobs]


def run_baselines(root: Path, saved: dict, repeat: int, limit: int) -> dict[str, Measure]:
    """The references, on up to `limit` items each: keyed "write", "xlsx" (absent without XLSX returns), "csv"."""
    scratch = root / "scratch"
    print("references (in-process, median of the same runs):", flush=True)
    forms = sample(planned_forms(root / "ws", scratch / "x"), limit)
    refs = {"write": measure_inprocess(Measure("reference: bare openpyxl write", len(forms), "forms"),
                                       bare_write(forms, scratch / "bare"), repeat)}
    shutil.rmtree(scratch / "bare", ignore_errors=True)
    xlsx_sample = sample([root / p for p in saved["xlsx"]], limit)
    if xlsx_sample:
        refs["xlsx"] = measure_inprocess(Measure("reference: openpyxl read-only XLSX", len(xlsx_sample), "returns"),
                                         read_xlsx(xlsx_sample), repeat)
    csv_sample = sample([root / p for p in saved["csv"]], limit)
    refs["csv"] = measure_inprocess(Measure("reference: csv module CSV/TXT", len(csv_sample), "returns"),
                                    read_csv(csv_sample), repeat)
    return refs


def set_ratios(measures: list[Measure], refs: dict[str, Measure], saved: dict) -> None:
    """Give fupin's forms and ingest figures their reference and their ratio (ms per item over the reference's)."""
    by = {m.name: m for m in measures}
    gen, write = by["forms generate --format xlsx"], refs["write"]
    if gen.ms_per_item and write.ms_per_item:
        gen.ref, gen.ratio = "bare openpyxl write", gen.ms_per_item / write.ms_per_item
    ingx, ref_xlsx = by.get("ingest (XLSX returns only)"), refs.get("xlsx")
    if ingx and ingx.ms_per_item and ref_xlsx and ref_xlsx.ms_per_item:
        ingx.ref, ingx.ratio = "openpyxl read-only", ingx.ms_per_item / ref_xlsx.ms_per_item
    ing, ref_csv = by["ingest (all returns)"], refs["csv"]
    if ing.ms_per_item and ref_csv.ms_per_item:
        # XLS has no openpyxl reader: it is counted at the XLSX read cost of the same forms.
        xlsx_ms = ref_xlsx.ms_per_item if ref_xlsx else 0.0
        n_csv, n_workbooks = len(saved["csv"]), len(saved["xlsx"]) + len(saved["xls"])
        mix = (ref_csv.ms_per_item * n_csv + xlsx_ms * n_workbooks) / (n_csv + n_workbooks)
        ing.ref, ing.ratio = "same mix read by openpyxl ro + csv", ing.ms_per_item / mix
        again = by.get("ingest again (all stored)")
        if again and again.ms_per_item:
            again.ref, again.ratio = "same mix read by openpyxl ro + csv", again.ms_per_item / mix
    start, ref_start = by.get("start-up: fupin --version"), by.get("reference: import typer, rich, yaml")
    if start and start.seconds and ref_start and ref_start.seconds:
        start.ref, start.ratio = "python importing typer, rich, yaml", start.seconds / ref_start.seconds
