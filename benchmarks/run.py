#!/usr/bin/env python3
"""District-scale benchmark for fupin: forms, ingest, status and check on a synthetic district.

    python benchmarks/run.py                      # ~3,700 forms and ~7,000 returns, 3 runs each
    python benchmarks/run.py --scale 4 --repeat 1 # a prefecture-sized district, once
    python benchmarks/run.py --dir DIR            # keep (and on the next run reuse) the district in DIR

Every fupin command is timed as a whole subprocess of the installed `fupin` (Python start-up
included); its peak memory is measured by GNU time (os.wait4 where it is missing). Reference points (a bare
openpyxl write of the same cell values, openpyxl read-only and the csv module reading the same
returns) run in this process on the same files, so the ratios hold across machines.
The code is in benchmarks/fupinbench/; see benchmarks/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from fupinbench.cli import main  # noqa: E402
from fupinbench.measure import Measure  # noqa: E402
from fupinbench.report import machine, write_results  # noqa: E402

__all__ = ["Measure", "machine", "main", "write_results"]

if __name__ == "__main__":
    sys.exit(main())
