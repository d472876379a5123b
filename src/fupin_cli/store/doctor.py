"""Store integrity (`fupin doctor`): every stored return whole, its original intact, its index consistent.

Problems the clerk must act on are error findings; what doctor repairs itself (a stale index,
temporary files left by an interrupted write, a damaged record whose index copy and original still
agree) is reported as warnings. Each damaged record is told once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from fupin_cli.model.problems import Problem, make_problem
from fupin_cli.model.record import Return, record_line
from fupin_cli.model.roster import Roster
from fupin_cli.store.archive import FILES, INDEX, RECORDS, is_return_id_of, rebuild_index
from fupin_cli.store.atomic import write_bytes_atomic
from fupin_cli.store.events import chain_problems, events_path
from fupin_cli.store.index_db import (
    HINT_FROM,
    db_path,
    folder_stamp,
    query_index_mismatch,
    store_meta,
    stored_meta,
)
from fupin_cli.store.index_db import rebuild as rebuild_query_index
from fupin_cli.store.jsonl import read_lines
from fupin_cli.store.lock import store_lock


@dataclass
class DoctorReport:
    """What doctor found: how many returns it checked, problems (errors) and repairs (warnings)."""

    checked: int = 0
    findings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing needs the clerk's attention."""
        return not any(f.severity == "error" for f in self.findings)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _read_record(path: Path) -> tuple[Return | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = Return.from_dict(data)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    except UnicodeDecodeError:
        return None, "不是 UTF-8 文本"
    except json.JSONDecodeError as exc:
        return None, f"JSON 格式错误，第 {exc.lineno} 行"
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return None, f"缺少或写错了字段 {exc}"
    if record.return_id != path.stem:
        return None, f"记录编号 {record.return_id} 与文件名不符"
    return record, ""


def _record_problems(folder: Path, path: Path, record: Return, units: dict) -> list[Problem]:
    """What is wrong around one readable record: its original missing or changed, its unit gone from the roster."""
    found = []
    original = folder / FILES / record.stored_name
    if not record.stored_name or not original.is_file():
        found.append(make_problem("store-original-missing", file=str(path), value=record.return_id,
                                  stored=f"files/{record.stored_name}"))
    elif _sha256(original) != record.sha256 or not is_return_id_of(record.return_id, record.sha256):
        found.append(make_problem("store-checksum-mismatch", file=str(original), value=record.return_id,
                                  stored=f"files/{record.stored_name}"))
    if record.unit_id not in units:
        found.append(make_problem("store-unit-unknown", file=str(path), value=record.return_id, unit=record.name,
                                  unit_id=record.unit_id))
    return found


def _index_copies(folder: Path) -> dict[str, dict]:
    """The records as index.jsonl holds them (a copy of each record file), by return id; {} when unreadable."""
    try:
        return {data["return_id"]: data for data in read_lines(folder / INDEX, "return_id")}
    except OSError:
        return {}


def _restore(folder: Path, path: Path, copy: dict | None) -> Return | None:
    """Rewrite a damaged record from its index copy when that copy is whole and its original file checks out."""
    if copy is None:
        return None
    try:
        record = Return.from_dict(copy)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    original = folder / FILES / record.stored_name
    if record.return_id != path.stem or not record.stored_name or not original.is_file() \
            or not is_return_id_of(record.return_id, record.sha256) or _sha256(original) != record.sha256:
        return None
    # The index line is the record as it was written (record_line): written back the way StoreWriter wrote it.
    write_bytes_atomic(path, (json.dumps(copy, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    return record


def quick_damage(root: Path, unreadable: list[str] | tuple[str, ...] = ()) -> int:
    """How many stored returns `check_store` would find damaged, from the folder listings alone (no file is read).

    `unreadable` are records a reader already failed to read; to them are added the records whose original
    file is not in returns/files/. A record damaged while its index line is whole is only found by doctor.
    When neither folder changed since a look found nothing wrong (their stamps, kept in the query index),
    they are not listed again.
    """
    folder = root / "returns"
    stamps = (folder_stamp(folder / RECORDS), folder_stamp(folder / FILES))
    seen = None if None in stamps else f"{stamps[0]}|{stamps[1]}"
    if seen is not None and not unreadable and stored_meta(root, "originals") == seen:
        return 0
    try:
        ids = {name[:-5] for name in os.listdir(folder / RECORDS) if name.endswith(".json")}
    except OSError:
        return len(set(unreadable))
    try:
        originals = {name[:16] for name in os.listdir(folder / FILES) if not name.endswith(".tmp")}
    except OSError:
        originals = set()
    without_original = {i for i in ids if i.partition("-")[0] not in originals}
    damaged = len(without_original | set(unreadable))
    if damaged == 0 and seen is not None and len(ids) >= HINT_FROM:
        store_meta(root, "originals", seen)
    return damaged


def _index_problem(folder: Path, records: dict[str, Return]) -> str:
    """Why index.jsonl does not match the records, or "" when it does."""
    try:
        text = (folder / INDEX).read_text(encoding="utf-8")
    except FileNotFoundError:
        return "索引文件不存在" if records else ""
    except (OSError, UnicodeDecodeError) as exc:
        return f"无法读取：{exc}"
    seen: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            return_id = data["return_id"]
        except (json.JSONDecodeError, KeyError, TypeError):
            return "有一行不完整"
        if return_id in seen:
            return f"回执 {return_id} 出现了两次"
        seen[return_id] = line
    missing = set(records) - set(seen)
    if missing:
        return f"缺少 {len(missing)} 份回执"
    extra = set(seen) - set(records)
    if extra:
        return f"多出 {len(extra)} 份没有记录的回执"
    for return_id, record in records.items():
        if json.loads(seen[return_id]) != json.loads(record_line(record)):
            return f"回执 {return_id} 的索引行与记录不同"
    return ""


def check_store(root: Path, roster: Roster) -> DoctorReport:
    """Verify every stored return under the store lock; rebuild a stale index and drop leftover temp files."""
    folder = root / "returns"
    report = DoctorReport()
    if not folder.is_dir():
        return report
    with store_lock(root):
        temps = [p for sub in (folder, folder / FILES, folder / RECORDS) if sub.is_dir()
                 for p in sub.iterdir() if p.name.endswith(".tmp")]
        if temps:
            for path in temps:
                path.unlink(missing_ok=True)
            report.findings.append(make_problem("store-temp-removed", file=str(folder), count=len(temps)))
        units = roster.by_id()
        records: dict[str, Return] = {}
        unreadable: set[str] = set()  # the file-name prefix (sha256[:16]) of each record that cannot be read
        record_dir = folder / RECORDS
        names = sorted(os.listdir(record_dir)) if record_dir.is_dir() else []
        index: dict[str, dict] | None = None
        for name in names:
            if not name.endswith(".json"):
                continue
            path = record_dir / name
            record, reason = _read_record(path)
            report.checked += 1
            if record is None:
                index = _index_copies(folder) if index is None else index
                record = _restore(folder, path, index.get(path.stem))
                if record is None:
                    unreadable.add(path.stem.partition("-")[0])
                    report.findings.append(make_problem("store-record-unreadable", file=str(path), reason=reason))
                    continue
                report.findings.append(make_problem("store-record-restored", file=str(path), value=record.return_id,
                                                    reason=reason))
            records[record.return_id] = record
            report.findings.extend(_record_problems(folder, path, record, units))
        referenced = {r.stored_name for r in records.values()}
        files_dir = folder / FILES
        for path in sorted(files_dir.iterdir()) if files_dir.is_dir() else []:
            # The original of a record that cannot be read is that record's problem, told once above.
            if path.is_file() and not path.name.endswith(".tmp") and path.name not in referenced \
                    and path.name[:16] not in unreadable:
                report.findings.append(make_problem("store-orphan-file", file=str(path)))
        if not any(f.code == "store-record-unreadable" for f in report.findings):
            problem = _index_problem(folder, records)
            if problem:
                rebuild_index(root)
                report.findings.append(make_problem("store-index-rebuilt", file=str(folder / INDEX), reason=problem))
            reason = query_index_mismatch(root, records)
            if reason:  # the SQLite query index (index_db.py), when there is one, rebuilt from the records
                rebuild_query_index(root, records.values())
                report.findings.append(make_problem("store-index-rebuilt", file=str(db_path(root)), reason=reason))
        # The event log (corrections, reviews): every line whole, unedited, in its place in the chain.
        log = str(events_path(root))
        report.findings.extend(make_problem(code, file=log, row=number) for code, number, _ in chain_problems(root))
    return report
