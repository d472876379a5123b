"""The returns/ store's query index: an SQLite database (WAL) beside the records, rebuilt from them at will.

The record files (and the originals) stay the truth. Each row holds a return's keys (unit, checklist, round,
received and ingest times), the tasks it answers 是, what counting reads of it (`facts`) and its whole record
as compact JSON, so that status-like commands pick the returns they need from light rows and parse only
those, and only as far as they count. Whoever reads compares the index's ids with the record
files on disk first: a row missing (a crash between record and index, an index deleted or older than the
records) is read from its record file, a row without a record is left out, and the repair is written back
when no ingest holds the index. A damaged database file is set aside and rebuilt. A count is never taken
from an index that disagrees with the records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.model.jsoncodec import compact, loads
from fupin_cli.model.record import Return, counted_facts, from_facts, record_line

DB = "index.sqlite"
SCHEMA = 4  # 2: the `done` column and the `meta` table; 3: the keys read from a covering index; 4: `facts`
HINT_FROM = 2000  # records: below this, listing the folder takes a few ms and no stamp is kept
_RACY_NS = 2_000_000_000  # a folder changed this recently may change again within its clock's granularity
_CHUNK = 500  # ids per `IN (...)` query (SQLite allows 32,766 variables; smaller keeps statements cheap)


@dataclass(frozen=True, slots=True)
class Row:
    """A return's keys as the index holds them (no answers)."""

    return_id: str
    unit_id: str
    template_id: str
    round: int
    received_at: dt.datetime
    ingested_at: dt.datetime | None
    done: str = "[]"  # the tasks answered 是, as the `done` column holds them (JSON list)


def db_path(root: Path) -> Path:
    """Where the index of the workspace at `root` lives."""
    return root / "returns" / DB


def _connect(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")  # rebuildable from the records: durability comes from those
    if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
        con.execute("BEGIN IMMEDIATE")
        con.execute("DROP TABLE IF EXISTS returns")
        con.execute("DROP TABLE IF EXISTS meta")
        # `done`: the ids of the tasks answered 是, as a JSON list — all a count of completion reads of a return.
        # `facts`: what counting reads of a return beyond its keys (model/record.py counted_facts), a fifth
        # of the record's length and read in a third of its time.
        con.execute("CREATE TABLE returns (return_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, "
                    "template_id TEXT NOT NULL, round INTEGER NOT NULL, received_at TEXT NOT NULL, "
                    "ingested_at TEXT, record TEXT NOT NULL, done TEXT NOT NULL, facts TEXT NOT NULL)")
        # Every key a reader lists, in an index of their own: a scan of them never reads the records' pages.
        con.execute("CREATE INDEX returns_keys ON returns (unit_id, return_id, template_id, round, received_at, "
                    "ingested_at, done)")
        # `meta`: what a reader last found the folders to be (see folder_stamp), so the next may skip listing them.
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute(f"PRAGMA user_version={SCHEMA}")
        con.execute("COMMIT")
    return con


def _row_values(record: Return, line: str) -> tuple:
    return (record.return_id, record.unit_id, record.template_id, record.round, record.received_at.isoformat(),
            record.ingested_at.isoformat() if record.ingested_at else None, line,
            compact(done_tasks(record)), compact(counted_facts(record)))


def done_tasks(record: Return) -> list[str]:
    """The ids of the tasks a return answers 是 (its index row's `done`)."""
    return [a.task_id for a in record.answers if a.done is True]


_INSERT = "INSERT OR REPLACE INTO returns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


def folder_stamp(folder: Path) -> str | None:
    """The folder's identity and last change (inode, mtime in ns), or None when missing or changed too recently
    to trust (a file added within the clock's granularity would leave the stamp as it was)."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    if time.time_ns() - info.st_mtime_ns < _RACY_NS:
        return None
    return f"{info.st_dev}:{info.st_ino}:{info.st_mtime_ns}"


def read_meta(con: sqlite3.Connection | None, key: str) -> str | None:
    """A value of the index's meta table, None when absent or unreadable."""
    if con is None:
        return None
    try:
        row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def write_meta(con: sqlite3.Connection | None, key: str, value: str | None) -> None:
    """Set a meta value (or drop it, for None) unless another writer holds the index: it is only a hint."""
    if con is None:
        return
    try:
        con.execute("PRAGMA busy_timeout=0")
        if value is None:
            con.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
    except sqlite3.DatabaseError:
        pass


def stored_meta(root: Path, key: str) -> str | None:
    """A meta value of the workspace's index, read without waiting or creating anything; None when absent."""
    path = db_path(root)
    if not path.is_file():
        return None
    try:
        # not read-only: the last connection of a WAL database to close removes its -wal and -shm files
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.DatabaseError:
        return None
    try:
        return read_meta(con, key)
    finally:
        con.close()


def store_meta(root: Path, key: str, value: str) -> None:
    """Set a meta value of the workspace's index, unless it is missing, busy or not of this version (a hint only)."""
    path = db_path(root)
    if not path.is_file():
        return
    try:
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.DatabaseError:
        return
    try:
        if read_meta(con, "records") is not None:  # a table of this version, kept by a reader
            write_meta(con, key, value)
    finally:
        con.close()


class IndexWriter:
    """Rows added during an ingest batch, in one transaction committed after the batch's records are durable."""

    def __init__(self, root: Path) -> None:
        self.path = db_path(root)
        self._con: sqlite3.Connection | None = None

    def add(self, record: Return, line: str | None = None) -> None:
        """Add (or replace) a stored return's row; visible to readers once `commit` runs."""
        if self._con is None:
            try:
                self._con = _connect(self.path)
                self._con.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError:
                self._con = None
                return  # an unusable index is rebuilt by the next reader; the records are the truth
        self._con.execute(_INSERT, _row_values(record, line or record_line(record)))

    def commit(self) -> None:
        """Make the batch's rows visible (after the records were synced)."""
        if self._con is not None:
            try:
                self._con.execute("COMMIT")
            except sqlite3.DatabaseError:
                pass
            self._con.close()
            self._con = None

    def abandon(self) -> None:
        """Drop the uncommitted rows (the batch stopped before its records were made durable)."""
        if self._con is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._con.execute("ROLLBACK")
            self._con.close()
            self._con = None


def _record_ids(root: Path) -> set[str]:
    try:
        return {name[:-5] for name in os.listdir(root / "returns" / "records") if name.endswith(".json")}
    except FileNotFoundError:
        return set()


def _read_record_file(root: Path, return_id: str) -> tuple[Return, str] | None:
    path = root / "returns" / "records" / f"{return_id}.json"
    try:
        record = Return.from_dict(loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None
    if record.return_id != return_id:
        return None
    return record, record_line(record)


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class Index:
    """The index, brought in line with the record files on disk for the length of one read."""

    def __init__(self, root: Path, unreadable: list[str] | None = None, unit_ids: set[str] | None = None) -> None:
        self.root = root
        self._extra: dict[str, tuple[Return, str]] = {}  # records the index lacked, read from their files
        self.record_ids: set[str] | None = None  # the record files listed, None when the folder's stamp spared it
        self._con = self._open()
        self.rows = self._reconcile(unreadable, unit_ids)

    def _open(self) -> sqlite3.Connection | None:
        path = db_path(self.root)
        if not path.parent.is_dir():
            return None
        try:
            con = _connect(path)
            con.execute("SELECT count(*) FROM returns").fetchone()
            return con
        except sqlite3.OperationalError:
            return None  # locked for longer than the timeout: read around it from the records
        except sqlite3.DatabaseError:
            _set_aside(path)  # not a database (damaged): rebuilt from the records below
            try:
                return _connect(path)
            except sqlite3.DatabaseError:
                return None

    def _reconcile(self, unreadable: list[str] | None, unit_ids: set[str] | None) -> dict[str, Row]:
        """The rows (of `unit_ids`' returns, or all) whose record is on disk, the index repaired where it lags.

        When the records folder is as the last reader left it (same stamp, see folder_stamp) and that reader
        found index and records alike, the folder is not listed again: no record came or went since.
        """
        stamp = folder_stamp(self.root / "returns" / "records")
        if stamp is not None and read_meta(self._con, "records") == stamp:
            self.record_ids = None
            return {rid: Row(rid, unit, tid, rnd, dt.datetime.fromisoformat(received), _when(ingested), done)
                    for rid, unit, tid, rnd, received, ingested, done in self._select(unit_ids)}
        on_disk = _record_ids(self.root)
        self.record_ids = on_disk
        in_db: set[str] = set()
        if self._con is not None:
            in_db = {rid for (rid,) in self._con.execute("SELECT return_id FROM returns")}
        rows: dict[str, Row] = {}
        for rid, unit, tid, rnd, received, ingested, done in self._select(unit_ids):
            if rid in on_disk:
                rows[rid] = Row(rid, unit, tid, rnd, dt.datetime.fromisoformat(received), _when(ingested), done)
        for rid in sorted(on_disk - in_db):
            found = _read_record_file(self.root, rid)
            if found is None:
                if unreadable is not None:
                    unreadable.append(rid)
                continue
            record, _line = found
            self._extra[rid] = found
            if unit_ids is None or record.unit_id in unit_ids:
                rows[rid] = Row(rid, record.unit_id, record.template_id, record.round, record.received_at,
                                record.ingested_at, compact(done_tasks(record)))
        whole = len(self._extra) == len(on_disk - in_db)  # every record file read: the index can be made whole
        if len(on_disk) < HINT_FROM:
            stamp = None
        if self._extra or in_db - on_disk:
            whole = self._persist((in_db & on_disk) | self._extra.keys(), stamp if whole else None) and whole
        elif whole and stamp is not None:
            write_meta(self._con, "records", stamp)
        return rows

    def _select(self, unit_ids: set[str] | None) -> Iterator[tuple]:
        """The key columns of every row, or of the rows of these units (through the unit_id index)."""
        if self._con is None:
            return
        columns = "SELECT return_id, unit_id, template_id, round, received_at, ingested_at, done FROM returns"
        if unit_ids is None:
            yield from self._con.execute(columns)
            return
        units = sorted(unit_ids)
        for start in range(0, len(units), _CHUNK):
            chunk = units[start:start + _CHUNK]
            yield from self._con.execute(f"{columns} WHERE unit_id IN ({','.join('?' * len(chunk))})", chunk)

    def _persist(self, keep: set[str], stamp: str | None = None) -> bool:
        """Write the repair back (and the records folder's stamp, when given), unless an ingest holds the index
        (it will be repaired by a later read); whether it was written."""
        if self._con is None:
            return False
        try:
            self._con.execute("PRAGMA busy_timeout=0")
            self._con.execute("BEGIN IMMEDIATE")
            gone = [(rid,) for (rid,) in self._con.execute("SELECT return_id FROM returns") if rid not in keep]
            self._con.executemany("DELETE FROM returns WHERE return_id = ?", gone)
            self._con.executemany(_INSERT, [_row_values(r, line) for r, line in self._extra.values()])
            if stamp is not None:
                self._con.execute("INSERT OR REPLACE INTO meta VALUES ('records', ?)", (stamp,))
            self._con.execute("COMMIT")
            return True
        except sqlite3.DatabaseError:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._con.execute("ROLLBACK")
            return False

    def counted(self, return_ids: Iterable[str]) -> Iterator[Return]:
        """These returns as counting reads them (keys and facts, see model/record.py from_facts); ids not in
        `rows` are skipped, a damaged row is read from its record file."""
        wanted = [rid for rid in return_ids if rid in self.rows]
        from_db = [rid for rid in wanted if rid not in self._extra]
        for rid in wanted:
            if rid in self._extra:
                yield self._extra[rid][0]
        for start in range(0, len(from_db), _CHUNK):
            chunk = from_db[start:start + _CHUNK]
            lines = [] if self._con is None else self._con.execute(
                f"SELECT return_id, facts FROM returns WHERE return_id IN ({','.join('?' * len(chunk))})",
                chunk).fetchall()
            got = set()
            for rid, text in lines:
                row = self.rows[rid]
                try:
                    record = from_facts(rid, row.unit_id, row.template_id, row.round, row.received_at,
                                        row.ingested_at, loads(text))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError):
                    continue
                got.add(rid)
                yield record
            for rid in chunk:
                if rid not in got:  # a damaged row: its record file is the truth
                    found = _read_record_file(self.root, rid)
                    if found is not None:
                        yield found[0]

    def done(self, return_ids: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
        """(id, the tasks answered 是) of these returns, from their rows' `done` (ids not in `rows` skipped)."""
        for rid in return_ids:
            row = self.rows.get(rid)
            if row is None:
                continue
            try:
                tasks = loads(row.done)
            except (json.JSONDecodeError, TypeError, ValueError):
                tasks = None
            if type(tasks) is list:
                yield rid, tasks
                continue
            found = _read_record_file(self.root, rid)  # a damaged row: its record file is the truth
            if found is not None:
                yield rid, done_tasks(found[0])

    def close(self) -> None:
        """Close the database."""
        if self._con is not None:
            self._con.close()
            self._con = None


def _set_aside(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.replace(f"{path}{suffix}", f"{path}{suffix}.damaged")


def rebuild(root: Path, records: Iterable[Return] | None = None) -> int:
    """Rewrite the index from the record files (or the records doctor already read); how many rows it holds."""
    path = db_path(root)
    if not path.parent.is_dir():
        return 0
    try:
        con = _connect(path)
    except sqlite3.DatabaseError:
        _set_aside(path)
        con = _connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("DELETE FROM returns")
        con.execute("DELETE FROM meta")
        count = 0
        if records is None:
            found = (_read_record_file(root, rid) for rid in sorted(_record_ids(root)))
        else:
            found = ((r, record_line(r)) for r in records)
        for pair in found:
            if pair is not None:
                con.execute(_INSERT, _row_values(*pair))
                count += 1
        con.execute("COMMIT")
    finally:
        con.close()
    return count


def query_index_mismatch(root: Path, records: dict[str, Return]) -> str:
    """Why an existing index disagrees with these records (doctor's reading of them), or "" (also when absent,
    or of an older layout: the next reader rebuilds that one). Every column is compared: status counts from
    `done` and `facts`, not only from the record."""
    path = db_path(root)
    if not path.is_file():
        return ""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
                return ""
            rows = {row[0]: row for row in con.execute("SELECT * FROM returns")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"无法读取：{exc}"
    missing, extra = records.keys() - rows.keys(), rows.keys() - records.keys()
    if missing:
        return f"缺少 {len(missing)} 份回执"
    if extra:
        return f"多出 {len(extra)} 份没有记录的回执"
    for return_id, record in records.items():
        expected = _row_values(record, record_line(record))
        found = rows[return_id]
        try:  # keys as text; the record, done and facts as the JSON they hold
            same = len(found) == len(expected) and found[:6] == expected[:6] and all(
                json.loads(a) == json.loads(b) for a, b in zip(found[6:], expected[6:], strict=True))
        except (json.JSONDecodeError, TypeError):
            same = False
        if not same:
            return f"回执 {return_id} 的索引行与记录不同"
    return ""
