"""The district benchmark runs end to end at a tiny scale and writes a results table that parses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = {
    "forms generate --format xlsx", "forms generate --format csv", "ingest (all returns)",
    "status --town", "status (district)", "check", "reference: bare openpyxl write",
    "reference: csv module CSV/TXT",
}


def _table(text: str) -> dict[str, list[str]]:
    """Rows of the figures table in RESULTS.md, keyed by operation."""
    start = text.index("| operation |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    return rows


def test_bench_runs_at_tiny_scale(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--scale", "0.02", "--repeat", "1", "--no-xls",
         "--dir", str(tmp_path / "district"), "--results", str(results), "--ref-limit", "50"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = results.read_text(encoding="utf-8")
    rows = _table(text)
    assert set(rows) >= OPERATIONS
    for name in OPERATIONS:
        cells = rows[name]
        assert int(cells[1].split()[0]) > 0
        assert float(cells[2]) > 0  # total seconds: a number, not “failed”
    assert float(rows["forms generate --format xlsx"][5]) > 0  # ratio to the bare openpyxl write
    assert "| target | measured | verdict |" in text
    assert "cores" in text and "openpyxl" in text
    # Re-writing keeps notes written outside the generated block and replaces the block itself.
    results.write_text(text + "\nnotes kept\n", encoding="utf-8")
    bench = _load_harness()
    info = {"when": "now", "scale": 0.02, "seed": 1, "repeat": 1, "ref_limit": 0, "args": "", "machine": bench.machine(),
            "counts": {"roster": {}, "forms": 0, "returns": 0, "csv": 0, "xlsx": 0, "xls": 0, "encodings": {},
                       "retyped": 0}}
    bench.write_results(results, info, [bench.Measure("check", 1, "district", runs=[0.25])])
    refreshed = results.read_text(encoding="utf-8")
    assert refreshed.count("<!-- bench:begin -->") == 1 and "notes kept" in refreshed
    assert _table(refreshed)["check"][2] == "0.250"


def _load_harness():
    spec = importlib.util.spec_from_file_location("fupin_bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while building the class
    spec.loader.exec_module(module)
    return module
