"""A clerk's inbox for the ingest cases: forms `fupin forms generate` wrote, filled with fill.py,
ingested from the command line, and each unit's rounds read back from `status --format json`."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from fill import fill_form
from fupin_cli.cli import app
from fupin_cli.store.roster_file import load_roster


def fupin(runner: CliRunner, ws: Path, *args: object):
    """Run `fupin -w WS ARGS…` and return the result (stdout and stderr apart)."""
    return runner.invoke(app, ["-w", str(ws), *(str(a) for a in args)])


def generate(runner: CliRunner, ws: Path, *args: object) -> Path:
    """The blank forms of the workspace (both formats unless `args` say otherwise), in WS/blank."""
    out = ws / "blank"
    result = fupin(runner, ws, "forms", "generate", "--out", out, *args)
    assert result.exit_code == 0, result.output
    return out


def unit_id(ws: Path, role: str, name: str) -> str:
    """The roster id of the (first) unit of `role` called `name`."""
    return next(u.unit_id for u in load_roster(ws).all_units() if u.role.value == role and u.name == name)


def header_cell(sheet, label: str):
    """The cell that holds the value of the header field whose label starts with `label` (after a merged label)."""
    for row in sheet.iter_rows(max_row=8):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(label):
                column = cell.column
                for merged in sheet.merged_cells.ranges:
                    if cell.coordinate in merged:
                        column = merged.max_col
                return sheet.cell(cell.row, column + 1)
    raise AssertionError(f"no header label {label}")


def filled(form: Path, target: Path, *, date: str | None = "2020年11月6日", header: dict[str, object] | None = None,
           answers: Sequence | None = None, seed: int = 0, edit: Callable[[object], None] | None = None,
           mtime: float | None = None) -> Path:
    """A generated xlsx form answered, its 时间 (and other header cells: label → value) written, saved at `target`."""

    def change(sheet) -> None:
        for label, value in {"时间": date, **(header or {})}.items():
            header_cell(sheet, label).value = value
        if edit is not None:
            edit(sheet)

    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(fill_form(form, answers, seed=seed, edit=change))
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def ingest(runner: CliRunner, ws: Path, *paths: Path, received: str | None = None, args: Sequence[str] = ()):
    """`fupin ingest --format json`: (exit code, the files' entries)."""
    extra = ["--received", received] if received else []
    result = fupin(runner, ws, "ingest", *paths, *extra, *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["files"]


def ingest_lines(runner: CliRunner, ws: Path, *paths: Path, received: str | None = None,
                 args: Sequence[str] = ()) -> tuple[int, str]:
    """`fupin ingest` as the clerk sees it: (exit code, stderr without blanks or line breaks)."""
    extra = ["--received", received] if received else []
    result = fupin(runner, ws, "ingest", *paths, *extra, *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, squash(result.stderr)


def squash(text: str) -> str:
    """Text without blanks and line breaks (Rich wraps long lines)."""
    return re.sub(r"\s+", "", text)


def status(runner: CliRunner, ws: Path, as_of: str) -> dict:
    """`fupin status --as-of DAY --format json` (the district)."""
    result = fupin(runner, ws, "status", "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def unit_rounds(runner: CliRunner, ws: Path, unit: str, as_of: str) -> list[tuple[int, str]]:
    """The unit's (round, status) pairs as of the day, from `status --format json`."""
    [entry] = [u for u in status(runner, ws, as_of)["units"] if u["unit_id"] == unit]
    return [(r["round"], r["status"]) for r in entry["rounds"]]


def unit_round(runner: CliRunner, ws: Path, unit: str, as_of: str, number: int) -> dict:
    """One round of the unit as `status --format json` gives it."""
    [entry] = [u for u in status(runner, ws, as_of)["units"] if u["unit_id"] == unit]
    return next(r for r in entry["rounds"] if r["round"] == number)


def problems_of(runner: CliRunner, ws: Path, unit: str, as_of: str) -> list[tuple[str, int | None, str]]:
    """The unit's problems in status JSON: (code, round, message)."""
    return [(p["code"], p["round"], p["message"]) for p in status(runner, ws, as_of)["problems"]
            if p["unit_id"] == unit]


def workbook_bytes(book) -> bytes:
    """An openpyxl workbook saved to bytes."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load_book(path: Path):
    """An xlsx file opened with openpyxl (to edit it as Excel would)."""
    return openpyxl.load_workbook(path)
