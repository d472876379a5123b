"""The ingest stage profile: one in-process `ingest_files` of the whole inbox, its wall time split by stage.

fupin's own functions are wrapped (in this process only) with a timer that charges each call's exclusive
time to its stage, so nested stages are not counted twice; whatever is left is "other" (collecting files,
building records, checking answers, the Python around them). The wrappers add ~1 µs a call, a few % here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from fupinbench.stages import RECEIVED

# stage → (module, attribute) pairs whose calls are charged to it; missing ones are skipped (older code).
STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "hashing (sha256)": (("fupin_cli.intake.ingest", "_sha256"),),
    "duplicate checks": (("fupin_cli.intake.ingest", "has_return"), ("fupin_cli.intake.ingest", "has_record"),
                         ("fupin_cli.store.archive", "has_return"), ("fupin_cli.store.archive", "has_record"),
                         ("fupin_cli.store.archive", "stored_summary")),
    "safety checks": (("fupin_cli.intake.readers", "check_size"), ("fupin_cli.intake.readers", "check_spreadsheet")),
    "reading (parse cells)": (("fupin_cli.intake.ingest", "read_file"),),
    "recognising (form, unit)": (("fupin_cli.intake.ingest", "find_identity"), ("fupin_cli.intake.ingest", "find_forms"),
                                 ("fupin_cli.intake.ingest", "_resolve_unit"), ("fupin_cli.intake.ingest", "find_table"),
                                 ("fupin_cli.intake.ingest", "read_header")),
    "normalising (cells)": (("fupin_cli.intake.ingest", "normalize_text"), ("fupin_cli.intake.ingest", "normalize_done"),
                            ("fupin_cli.intake.ingest", "normalize_date"), ("fupin_cli.intake.ingest", "match_text")),
    "checking (cells, answers)": (("fupin_cli.intake.ingest", "_check_cells"), ("fupin_cli.intake.ingest", "_check_answers"),
                                  ("fupin_cli.intake.ingest", "_read_answers")),
    "writing originals": (),  # write_bytes_atomic under returns/files/ (see _write_wrapper)
    "writing records": (("fupin_cli.store.archive", "StoreWriter.add"),),
    "syncing": (("fupin_cli.store.archive", "sync_all"), ("fupin_cli.store.index_db", "commit_durable")),
    "index": (("fupin_cli.store.archive", "StoreWriter._write_index_line"), ("fupin_cli.store.archive", "record_line"),
              ("fupin_cli.store.index_db", "IndexWriter.add"), ("fupin_cli.store.index_db", "IndexWriter.commit")),
    "batch warnings, refusals": (("fupin_cli.intake.ingest", "_batch_warnings"),
                                 ("fupin_cli.store.archive", "add_refusals")),
}


class Clock:
    """Exclusive wall time per stage: a call's time minus the time of the stages called inside it."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[float] = []  # time of nested stages, one slot per open call

    def wrap(self, stage: str, func: Callable) -> Callable:
        """`func`, its calls charged to `stage`."""
        def timed(*args: object, **kwargs: object) -> object:
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                total = time.perf_counter() - start
                inner = self._stack.pop()
                self.spent[stage] = self.spent.get(stage, 0.0) + total - inner
                self.calls[stage] = self.calls.get(stage, 0) + 1
                if self._stack:
                    self._stack[-1] += total
        timed.__wrapped__ = func  # type: ignore[attr-defined]
        return timed


def _patch(clock: Clock) -> list[tuple[object, str, object]]:
    """Wrap every function of STAGES that exists; the (owner, name, original) triples to undo it."""
    undo = []
    for stage, targets in STAGES.items():
        for module_name, attr in targets:
            try:
                owner: object = importlib.import_module(module_name)
            except ImportError:
                continue
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            if owner is None or not callable(getattr(owner, name, None)):
                continue
            original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
            undo.append((owner, name, original))
            setattr(owner, name, clock.wrap(stage, original))
    archive = importlib.import_module("fupin_cli.store.archive")
    write = archive.write_bytes_atomic
    originals = clock.wrap("writing originals", write)
    records = clock.wrap("writing records", write)

    def write_wrapper(path: Path, data: bytes, durable: bool = True) -> None:
        (originals if path.parent.name == archive.FILES else records)(path, data, durable)
    undo.append((archive, "write_bytes_atomic", write))
    archive.write_bytes_atomic = write_wrapper
    ingest = importlib.import_module("fupin_cli.intake.ingest")
    if not hasattr(ingest, "_sha256"):
        hashing = clock.wrap("hashing (sha256)", hashlib.sha256)
        shim = type("hashlib_shim", (), {"sha256": staticmethod(hashing)})
        undo.append((ingest, "hashlib", ingest.hashlib))
        ingest.hashlib = shim
    return undo


def profile_ingest(root: Path) -> dict[str, object]:
    """Ingest the whole inbox into a fresh copy of the empty store, in this process, timed by stage."""
    from fupin_cli.intake.ingest import IngestContext, collect_files, ingest_files, parse_received
    from fupin_cli.model.workspace import load_workspace
    from fupin_cli.store.roster_file import load_roster

    ws = root / "ws"
    shutil.rmtree(ws / "returns")
    shutil.copytree(root / "empty_returns", ws / "returns")
    workspace = load_workspace(ws)
    campaign = workspace.campaign
    clock = Clock()
    undo = _patch(clock)
    try:
        start = time.perf_counter()
        ctx = IngestContext(campaign=campaign, roster=load_roster(ws), templates=workspace.templates(),
                            received_at=parse_received(RECEIVED, campaign), ingested_at=dt.datetime.now(campaign.tz))
        setup = time.perf_counter() - start
        files, _skipped = collect_files([root / "inbox"], ws)
        outcomes = ingest_files(ws, files, ctx, keep_answers=False)
        total = time.perf_counter() - start
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)
    spent = {"workspace, roster, templates": setup, **{s: clock.spent.get(s, 0.0) for s in STAGES}}
    spent["other (collect, build records, Python)"] = total - sum(spent.values())
    return {"total": total, "returns": len(outcomes), "stages": spent, "calls": clock.calls}


def profile_lines(profile: dict[str, object]) -> list[str]:
    """The stage profile as a Markdown table."""
    total, count = profile["total"], profile["returns"] or 1
    lines = [f"In-process `ingest_files` of the whole inbox ({profile['returns']} outcomes, {total:.2f} s, "
             f"{1000 * total / count:.2f} ms a file; wrapped functions' exclusive wall time):", "",
             "| stage | s | ms per file | share |", "|---|---:|---:|---:|"]
    for stage, seconds in profile["stages"].items():
        lines.append(f"| {stage} | {seconds:.3f} | {1000 * seconds / count:.3f} | {100 * seconds / total:.0f} % |")
    return lines
