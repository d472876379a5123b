"""The command line: options, then build (or reuse) the district, time it, and write the report."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from fupinbench.baselines import run_baselines, set_ratios
from fupinbench.district import SEED, prepare
from fupinbench.measure import Measure
from fupinbench.report import print_summary, run_info, write_json, write_results
from fupinbench.stages import run_stages

BENCH_DIR = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The benchmark's options; --fupin falls back to the `fupin` on PATH when the default is missing."""
    parser = argparse.ArgumentParser(description="District-scale benchmark for fupin (see benchmarks/README.md).")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the district's sizes (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--dir", type=Path, help="where to build the district (kept and reused); default a temp folder")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "RESULTS.md", help="Markdown results file to write")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--ref-limit", type=int, default=1000,
                        help="items per in-process reference (spread evenly; 0 = all)")
    parser.add_argument("--no-xls", action="store_true", help="skip the LibreOffice XLS conversion")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the in-process stage profile of ingest (see fupinbench/profile.py)")
    parser.add_argument("--fupin", default=str(Path(sys.executable).with_name("fupin")),
                        help="the fupin executable to time")
    args = parser.parse_args(argv)
    if not Path(args.fupin).exists():
        args.fupin = shutil.which("fupin") or args.fupin
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a fupin command failed."""
    args = parse_args(argv)
    temp = None
    if args.dir is None:
        temp = tempfile.TemporaryDirectory(prefix="fupin-bench-")
        args.dir = Path(temp.name)
    root = args.dir.resolve()
    try:
        saved = prepare(root, args.scale, args.seed, not args.no_xls, args.fupin)
        measures = run_all(root, saved, args)
    finally:
        if temp is not None:
            temp.cleanup()
    return 0 if all(not m.error for m in measures) else 1


def run_all(root: Path, saved: dict, args: argparse.Namespace) -> list[Measure]:
    """Every measurement (fupin's stages, then the baselines), then the table and RESULTS.md."""
    measures = run_stages(root, saved, args.fupin, args.repeat)
    refs = run_baselines(root, saved, args.repeat, args.ref_limit)
    set_ratios(measures, refs, saved)
    measures += refs.values()
    profile = None
    if not args.no_profile:
        from fupinbench.profile import profile_ingest

        print("stage profile of ingest (in-process):", flush=True)
        profile = profile_ingest(root)
    print_summary(measures, profile, args.scale)
    info = run_info(dt.datetime.now().strftime("%Y-%m-%d %H:%M"), args.scale, args.seed, args.repeat, args.ref_limit,
                    f"--scale {args.scale:g} --repeat {args.repeat}" + (" --no-xls" if args.no_xls else ""), saved)
    write_results(args.results, info, measures, profile)
    if args.json:
        write_json(args.json, info, measures, profile)
    print(f"\nwrote {args.results}")
    return measures
