"""The append-only `returns/` store: original files byte for byte, readable records, and a rebuildable index."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from fupin_cli.model.jsoncodec import loads
from fupin_cli.model.record import Return, record_line
from fupin_cli.store.atomic import fsync_dir, sync_all, write_bytes_atomic
from fupin_cli.store.events import apply_overrides, received_overrides, retimed
from fupin_cli.store.jsonl import read_lines
from fupin_cli.store.review_log import apply_confirmations, confirmations, confirmed

FILES = "files"
RECORDS = "records"
INDEX = "index.jsonl"


def return_id_for(sha256: str, sheet: int = 0) -> str:
    """A return's id: the first 16 hex digits of its file's sha256 (the same bytes are the same return).

    A workbook holding several filled checklists gives one return per sheet: the first keeps the plain id,
    each later one adds its sheet's position in the workbook (``0123456789abcdef-3``).
    """
    return f"{sha256[:16]}-{sheet}" if sheet else sha256[:16]


def is_return_id_of(return_id: str, sha256: str) -> bool:
    """True when `return_id` is one that `return_id_for` gives these bytes (any sheet)."""
    plain, dash, sheet = return_id.partition("-")
    return plain == sha256[:16] and (not dash or (sheet.isdigit() and sheet[0] != "0"))


def has_record(root: Path, return_id: str) -> bool:
    """True when a return with this id is stored."""
    return (root / "returns" / RECORDS / f"{return_id}.json").is_file()


def stored_file_name(sha256: str, suffix: str) -> str:
    """Where the original bytes live inside returns/files/: named by checksum, keeping the suffix."""
    return f"{sha256}{suffix.lower()}"


def has_return(root: Path, sha256: str) -> bool:
    """True when these bytes are already in the store."""
    return (root / "returns" / RECORDS / f"{return_id_for(sha256)}.json").is_file()


class StoreWriter:
    """Adds a batch of returns to the store: each one whole on its own, flushed to disk in groups.

    Per return: the original bytes, then its record, each by atomic rename, then its index line. A crash
    or kill between steps leaves an unreferenced file or a record the index lacks — both harmless, as
    `load_returns` and `rebuild_index` repair the index from the records. Against power loss the files are
    flushed every `group` returns and when the batch ends, in one sync instead of several fsyncs a return.
    """

    def __init__(self, root: Path, group: int = 0) -> None:
        from fupin_cli.store.index_db import IndexWriter

        self.folder = root / "returns"
        self.group = group  # 0: one sync when the batch ends (then the query index is committed)
        self._db = IndexWriter(root)
        self._pending: list[Path] = []
        self._since_flush = 0
        self._index_fd: int | None = None

    def __enter__(self) -> StoreWriter:
        return self

    def _open_index(self) -> int:
        # Opened on the first return, so a batch that stores nothing leaves the folder as it was.
        path = self.folder / INDEX
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(fd).st_size
        if size:
            # A previous crash may have left a partial last line: start on a fresh line so ours stay whole.
            with open(path, "rb") as existing:
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    os.write(fd, b"\n")
        return fd

    def __exit__(self, *exc: object) -> None:
        try:
            self.flush()
            self._db.commit()  # rows of records already whole and synced; a crash before this: readers repair
        finally:
            self._db.abandon()
            if self._index_fd is not None:
                os.close(self._index_fd)
                self._index_fd = None

    def add(self, record: Return, data: bytes) -> None:
        """Store one return: original bytes, record, index line."""
        original = self.folder / FILES / record.stored_name
        if not original.exists():
            write_bytes_atomic(original, data, durable=False)
            self._pending.append(original)
        path = self.folder / RECORDS / f"{record.return_id}.json"
        line = record_line(record)  # the record file holds its index line: one JSON encoding a return, not two
        write_bytes_atomic(path, (line + "\n").encode("utf-8"), durable=False)
        self._pending.append(path)
        self._write_index_line(line)
        self._db.add(record, line)
        self._since_flush += 1
        if self.group and self._since_flush >= self.group:
            self.flush()

    def _write_index_line(self, line: str) -> None:
        if self._index_fd is None:
            self._index_fd = self._open_index()
        os.write(self._index_fd, (line + "\n").encode("utf-8"))
        self._pending.append(self.folder / INDEX)

    def flush(self) -> None:
        """Make every return added so far durable."""
        sync_all(self._pending)
        self._pending.clear()
        self._since_flush = 0


def add_return(root: Path, record: Return, data: bytes) -> None:
    """Store one return durably (a batch of one)."""
    with StoreWriter(root) as writer:
        writer.add(record, data)


def _read_index(path: Path) -> dict[str, dict]:
    return {data["return_id"]: data for data in read_lines(path, "return_id")}


def _record_ids(folder: Path) -> set[str]:
    try:
        return {name[:-5] for name in os.listdir(folder / RECORDS) if name.endswith(".json")}
    except FileNotFoundError:
        return set()


def read_record(root: Path, return_id: str) -> Return:
    """One stored record, read from returns/records/."""
    path = root / "returns" / RECORDS / f"{return_id}.json"
    return Return.from_dict(loads(path.read_text(encoding="utf-8")))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building many small objects that all stay alive."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_returns(root: Path) -> list[Return]:
    """Every stored return, oldest first, each marked superseded when a newer one exists for its unit and round."""
    # Tens of thousands of dicts, records and answers, none of them garbage: collector passes over them
    # were ~0.1 s of the 0.48 s this takes for 7,000 returns.
    with _gc_paused():
        return _load_returns(root)


def _load_returns(root: Path) -> list[Return]:
    folder = root / "returns"
    index = _read_index(folder / INDEX)
    ids = _record_ids(folder)
    if set(index) != ids:
        # The index is stale (a crash between record and index, or edited by hand): read the records.
        for extra in set(index) - ids:
            del index[extra]
    records = [Return.from_dict(d) for d in index.values()]
    for missing in sorted(ids - set(index)):
        record = _readable_record(root, missing)  # an unreadable one is left to `fupin doctor`
        if record is not None:
            records.append(record)
    records = apply_confirmations(records, confirmations(root))  # paper answers confirmed (review_log.py)
    return mark_superseded(apply_overrides(records, received_overrides(root)))  # retimes of events.jsonl


_LINE_KEYS = re.compile(r'"return_id":"([^"]*)".*?"unit_id":"([^"]*)"')


def iter_returns(root: Path, unit_ids: set[str] | None = None,
                 unreadable: list[str] | None = None) -> Iterator[Return]:
    """Stream the stored returns (of just `unit_ids` when given), in no particular order, superseded unmarked.

    For status-like commands that keep only what they need: lines of other units are skipped before
    their JSON is parsed, and nothing is held beyond the record being yielded. The ids of records that
    had to be read and could not be are added to `unreadable` (a sign for `fupin doctor`).
    """
    folder = root / "returns"
    ids = _record_ids(folder)
    overrides = received_overrides(root)  # corrected received times (events.jsonl)
    confirms = confirmations(root)  # paper answers confirmed by a clerk (review_log.py)
    seen: set[str] = set()
    try:
        handle = open(folder / INDEX, encoding="utf-8")  # noqa: SIM115 — closed in finally
    except FileNotFoundError:
        handle = None
    try:
        for line in handle or ():
            keys = _LINE_KEYS.match(line, 1)
            if keys is None or keys.group(1) not in ids or keys.group(1) in seen:
                continue  # a line cut short by a crash, or a record no longer on disk
            seen.add(keys.group(1))
            if unit_ids is not None and keys.group(2) not in unit_ids:
                continue
            try:
                yield confirmed(retimed(Return.from_dict(loads(line)), overrides), confirms)
            except json.JSONDecodeError:
                seen.discard(keys.group(1))
    finally:
        if handle is not None:
            handle.close()
    for missing in sorted(ids - seen):
        # Records the index lacks (a crash between record and index line): read them from records/.
        record = _readable_record(root, missing)
        if record is None and unreadable is not None:
            unreadable.append(missing)
        if record is not None and (unit_ids is None or record.unit_id in unit_ids):
            yield confirmed(retimed(record, overrides), confirms)


def stored_summary(root: Path, sha256: str, overrides: dict[str, dt.datetime] | None = None) -> Return | None:
    """The stored return with these bytes, without its answers (to say whose a duplicate file is).

    `overrides` are the corrected received times (events.received_overrides), read once by a caller that
    asks for many; left out, they are read here.
    """
    path = root / "returns" / RECORDS / f"{return_id_for(sha256)}.json"
    try:
        data = loads(path.read_text(encoding="utf-8"))
        data["answers"] = []  # not shown for a duplicate: left unparsed
        record = Return.from_dict(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None
    return retimed(record, received_overrides(root) if overrides is None else overrides)


def _readable_record(root: Path, return_id: str) -> Return | None:
    """A record from records/, or None when it cannot be read (`fupin doctor` reports it)."""
    try:
        return read_record(root, return_id)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def mark_superseded(records: list[Return]) -> list[Return]:
    """Sort by received time and flag every return that a later one for the same unit and round replaces."""
    records.sort(key=lambda r: (r.received_at, r.ingested_at or r.received_at, r.return_id))
    latest: dict[tuple[str, str, int], int] = {}
    for i, record in enumerate(records):
        latest[(record.template_id, record.unit_id, record.round)] = i
    current = set(latest.values())
    return [r if (i in current) == (not r.superseded) else replace(r, superseded=i not in current)
            for i, r in enumerate(records)]


def rebuild_index(root: Path) -> int:
    """Rewrite returns/index.jsonl from the record files; returns how many records it holds."""
    folder = root / "returns"
    lines = []
    for return_id in sorted(_record_ids(folder)):
        lines.append(record_line(read_record(root, return_id)))
    write_bytes_atomic(folder / INDEX, ("".join(line + "\n" for line in lines)).encode("utf-8"))
    fsync_dir(folder)
    return len(lines)


REFUSED = "refused.jsonl"


@dataclass(frozen=True)
class Refusal:
    """一份拒收的回执 that names its unit: which checklist and round it was for, when it came and why it was refused.

    Kept (without the file) so that status, check and remind can say the unit did send something.
    """

    unit_id: str
    template_id: str
    round: int
    received_at: dt.datetime
    reason: str
    source_name: str = ""
    sha256: str = ""
    sheet: str = ""
    codes: tuple[str, ...] = ()
    ingested_at: dt.datetime | None = None

    def to_dict(self) -> dict:
        """The refusal as one line of returns/refused.jsonl."""
        return {
            "unit_id": self.unit_id, "template_id": self.template_id, "round": self.round,
            "received_at": self.received_at.isoformat(), "reason": self.reason, "source_name": self.source_name,
            "sha256": self.sha256, "sheet": self.sheet, "codes": list(self.codes),
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Refusal:
        """Rebuild a refusal from its line."""
        ingested = data.get("ingested_at")
        return cls(
            unit_id=str(data["unit_id"]), template_id=str(data["template_id"]), round=int(data["round"]),
            received_at=dt.datetime.fromisoformat(data["received_at"]), reason=str(data.get("reason", "")),
            source_name=str(data.get("source_name", "")), sha256=str(data.get("sha256", "")),
            sheet=str(data.get("sheet", "")), codes=tuple(data.get("codes", ())),
            ingested_at=dt.datetime.fromisoformat(ingested) if ingested else None,
        )


def add_refusals(root: Path, refusals: list[Refusal]) -> None:
    """Append refusals to returns/refused.jsonl: whole lines in one append, made durable."""
    if not refusals:
        return
    path = root / "returns" / REFUSED
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in refusals)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:
            with open(path, "rb") as existing:  # a crash may have cut the last line short: start a fresh one
                existing.seek(size - 1)
                if existing.read(1) != b"\n":
                    lines = "\n" + lines
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def load_refusals(root: Path, unit_ids: set[str] | None = None) -> list[Refusal]:
    """The refusals kept in returns/refused.jsonl (of just `unit_ids` when given); a broken line is skipped."""
    try:
        text = (root / "returns" / REFUSED).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    found: dict[tuple[str, str], Refusal] = {}
    for line in text.splitlines():
        try:
            refusal = Refusal.from_dict(json.loads(line))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            continue
        if unit_ids is None or refusal.unit_id in unit_ids:
            found[(refusal.sha256, refusal.sheet)] = refusal  # the same file refused twice: its last refusal
    return list(found.values())
