"""The stages: fupin's own commands, each timed as a whole subprocess (Python start-up included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fupinbench.measure import Measure, fmt

RECEIVED = "2020-11-06T12:00"
AS_OF = "2020-11-20"
GNU_TIME = shutil.which("time") if Path("/usr/bin/time").exists() else None


def run_command(argv: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Run one command; (wall seconds, peak RSS in MB of that child alone, exit code, stderr tail)."""
    # Linux carries a process's peak RSS across exec, so a child forked from this (large) harness would report
    # the harness's size. Where GNU time exists the command runs under it: forked from a 2 MB process, its
    # figure is fupin's own. Otherwise the child's ru_maxrss from os.wait4 is used (an upper bound).
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *argv] if GNU_TIME else argv
        with open(Path(scratch) / "err", "w+b") as errfile:
            start = time.perf_counter()
            proc = subprocess.Popen(wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errfile,
                                    env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"})
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            errfile.seek(0)
            tail = errfile.read().decode("utf-8", "replace")[-600:]
        peak_kb = usage.ru_maxrss
        if GNU_TIME:
            try:
                peak_kb = int(peak_file.read_text().strip().splitlines()[-1])
            except (OSError, ValueError, IndexError):
                pass
    return elapsed, peak_kb / 1024, proc.returncode, tail


def measure_command(m: Measure, argv: list[str], cwd: Path, repeat: int, before: Callable[[], None] | None = None,
                    ok_codes: tuple[int, ...] = (0, 1)) -> Measure:
    """Time a command `repeat` times (each in a fresh process); a crash or usage error is reported, not timed."""
    for _ in range(repeat):
        if before:
            before()
        seconds, peak, code, tail = run_command(argv, cwd)
        m.exit_codes.append(code)
        if code not in ok_codes:
            m.error = f"exit {code}: {tail.strip().splitlines()[-1] if tail.strip() else ''}"
            m.runs.clear()
            break
        m.runs.append(seconds)
        m.peak_mb = max(m.peak_mb or 0.0, peak)
    print(f"  {m.name:<34} {fmt(m.seconds, 3):>8} s  {fmt(m.peak_mb, 0):>5} MB  {m.error}", flush=True)
    return m


def remover(folder: Path) -> Callable[[], None]:
    """A step that removes `folder` (a fresh output folder for each run)."""
    def remove() -> None:
        shutil.rmtree(folder, ignore_errors=True)
    return remove


def generate_stages(ws: Path, scratch: Path, fupin: str, repeat: int, n_forms: int) -> list[Measure]:
    """`forms generate` in XLSX and in CSV, each into a fresh folder, removed after the runs."""
    measures = []
    for fmt_ in ("xlsx", "csv"):
        out = scratch / f"forms_{fmt_}"
        measures.append(measure_command(
            Measure(f"forms generate --format {fmt_}", n_forms, "forms"),
            [fupin, "forms", "generate", "--format", fmt_, "--out", str(out)], ws, repeat,
            before=remover(out), ok_codes=(0,)))
        remover(out)()
    return measures


def ingest_stages(root: Path, saved: dict, fupin: str, repeat: int) -> list[Measure]:
    """`ingest` of the XLSX returns alone, then of the whole inbox, each into a fresh copy of the empty store."""
    ws = root / "ws"

    def empty_store() -> None:
        shutil.rmtree(ws / "returns")
        shutil.copytree(root / "empty_returns", ws / "returns")

    ingest = [fupin, "ingest", "--received", RECEIVED]
    n_returns = sum(len(saved[kind]) for kind in ("csv", "xlsx", "xls"))
    measures = []
    if saved["xlsx"]:
        measures.append(measure_command(Measure("ingest (XLSX returns only)", len(saved["xlsx"]), "returns"),
                                        [*ingest, str(root / "inbox" / "xlsx")], ws, repeat, before=empty_store))
    # The last run leaves the store full of every return: status and check read it.
    measures.append(measure_command(Measure("ingest (all returns)", n_returns, "returns"),
                                    [*ingest, str(root / "inbox")], ws, repeat, before=empty_store))
    # The same inbox again onto the full store: every file a duplicate, the store left as it was.
    measures.append(measure_command(Measure("ingest again (all stored)", n_returns, "returns"),
                                    [*ingest, str(root / "inbox")], ws, repeat))
    return measures


def startup_stages(ws: Path, fupin: str, repeat: int) -> list[Measure]:
    """`fupin --version`, and the reference: a Python that imports only typer, rich and yaml."""
    python = sys.executable  # the Python that runs the harness: the one fupin is installed in
    return [measure_command(Measure("start-up: fupin --version", 1, "run"), [fupin, "--version"], ws, repeat,
                            ok_codes=(0,)),
            measure_command(Measure("reference: import typer, rich, yaml", 1, "run"),
                            [python, "-c", "import typer, rich, yaml"], ws, repeat, ok_codes=(0,))]


def report_stages(ws: Path, town: str, fupin: str, repeat: int) -> list[Measure]:
    """`status --town`, `status` and `check` on the full store (check's exit 1 is expected)."""
    return [
        measure_command(Measure("status --town", 1, "town"),
                        [fupin, "status", "--town", town, "--as-of", AS_OF], ws, repeat),
        measure_command(Measure("status (district)", 1, "district"), [fupin, "status", "--as-of", AS_OF], ws, repeat),
        measure_command(Measure("check", 1, "district"), [fupin, "check", "--as-of", AS_OF], ws, repeat),
    ]


def run_stages(root: Path, saved: dict, fupin: str, repeat: int) -> list[Measure]:
    """Every fupin command of the benchmark, in the order that leaves each one the store it needs."""
    ws, scratch = root / "ws", root / "scratch"
    print(f"measuring (median of {repeat}):", flush=True)
    return [*startup_stages(ws, fupin, repeat), *generate_stages(ws, scratch, fupin, repeat, saved["forms"]),
            *ingest_stages(root, saved, fupin, repeat), *report_stages(ws, saved["town"], fupin, repeat)]
