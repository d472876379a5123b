"""回执记录 (return record): one ingested return, normalised, as stored and indexed."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field

from fupin_cli.model.jsoncodec import compact
from fupin_cli.model.problems import Problem

# Thousands of returns repeat the same short strings (task ids, 是/否, towns, dates): keep one copy of each.
_DAYS: dict[str, dt.date] = {}
_intern = sys.intern


def _share(value: str) -> str:
    return value if len(value) > 40 else _intern(value)


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    day = _DAYS.get(text)
    if day is None:
        day = _DAYS[text] = dt.date.fromisoformat(text)
    return day


@dataclass(frozen=True, slots=True)
class Answer:
    """One task's answer: 是否完成 and 完成时间 normalised, with the raw text kept beside them."""

    task_id: str
    done: bool | None
    done_on: dt.date | None
    raw_done: str = ""
    raw_date: str = ""
    note: str = ""
    row: int | None = None

    def to_dict(self) -> dict:
        """The answer as JSON-ready data."""
        return {
            "task_id": self.task_id,
            "done": self.done,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "raw_done": self.raw_done,
            "raw_date": self.raw_date,
            "note": self.note,
            "row": self.row,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """Rebuild an answer from its JSON form."""
        get = data.get  # a prefecture's status rebuilds half a million of these: one lookup each, no helpers
        note = get("note", "")
        return cls(_intern(data["task_id"]), get("done"), _day(get("done_on")), _intern(get("raw_done", "")),
                   _intern(get("raw_date", "")), note if len(note) > 40 else _intern(note), get("row"))


@dataclass(frozen=True, slots=True)
class Return:
    """一份回执 (return): who sent which checklist for which round, when, and what it said."""

    return_id: str
    role: str
    unit_id: str
    name: str
    town: str
    village: str
    template_id: str
    template_version: str
    round: int
    received_at: dt.datetime
    sha256: str
    source_name: str
    stored_name: str
    size: int
    answers: tuple[Answer, ...]
    findings: tuple[Problem, ...] = ()
    header: dict[str, str] = field(default_factory=dict)
    recognised_by: str = "identity"
    ingested_at: dt.datetime | None = None
    superseded: bool = False
    via: str | None = None  # the town id when it came in a town's bundle (relay), None when received directly
    relayed_at: dt.datetime | None = None  # when the district received that bundle
    bundle: str = ""  # the sha256 of that bundle

    def to_dict(self) -> dict:
        """The return as JSON-ready data (the stored record and `returns list --format json`)."""
        return {
            "return_id": self.return_id,
            "role": self.role,
            "unit_id": self.unit_id,
            "name": self.name,
            "town": self.town,
            "village": self.village,
            "template_id": self.template_id,
            "template_version": self.template_version,
            "round": self.round,
            "received_at": self.received_at.isoformat(),
            "sha256": self.sha256,
            "source_name": self.source_name,
            "stored_name": self.stored_name,
            "size": self.size,
            "recognised_by": self.recognised_by,
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
            "superseded": self.superseded,
            **self._relay(),
            "header": dict(self.header),
            "answers": [a.to_dict() for a in self.answers],
            "findings": [
                {"code": f.code, "severity": f.severity, "sheet": f.sheet, "row": f.row, "column": f.column,
                 "value": f.value, "message": f.message}
                for f in self.findings
            ],
        }

    def _relay(self) -> dict:
        """via, relayed_at and bundle of a return that came in a town's bundle; nothing for one received directly
        (so the records of direct returns stay as they were written)."""
        if self.via is None:
            return {}
        return {"via": self.via, "relayed_at": self.relayed_at.isoformat() if self.relayed_at else None,
                "bundle": self.bundle or None}

    def to_listing(self) -> dict:
        """The return as `returns list --format json`: its record, with via and relayed_at null when received directly."""
        return {**self.to_dict(), **({} if self.via else {"via": None, "relayed_at": None, "bundle": None})}

    @classmethod
    def from_dict(cls, data: dict) -> Return:
        """Rebuild a return from its JSON form."""
        ingested = data.get("ingested_at")
        return cls(
            return_id=data["return_id"],
            role=_share(data["role"]),
            unit_id=data["unit_id"],
            name=data.get("name", ""),
            town=_share(data.get("town", "")),
            village=_share(data.get("village", "")),
            template_id=_share(data["template_id"]),
            template_version=_share(data.get("template_version", "")),
            round=int(data["round"]),
            received_at=dt.datetime.fromisoformat(data["received_at"]),
            sha256=data["sha256"],
            source_name=data.get("source_name", ""),
            stored_name=data.get("stored_name", ""),
            size=int(data.get("size", 0)),
            answers=tuple(Answer.from_dict(a) for a in data.get("answers", [])),
            findings=tuple(
                Problem(_share(f["code"]), _share(f.get("severity", "warning")), f.get("message", ""),
                        data.get("source_name", ""), _share(f.get("sheet", "")), f.get("row"),
                        _share(f.get("column", "")), _share(f.get("value", "")))
                for f in data.get("findings", [])
            ),
            header=dict(data.get("header", {})),
            recognised_by=_share(data.get("recognised_by", "identity")),
            ingested_at=dt.datetime.fromisoformat(ingested) if ingested else None,
            superseded=bool(data.get("superseded", False)),
            via=_share(data["via"]) if data.get("via") else None,
            relayed_at=dt.datetime.fromisoformat(data["relayed_at"]) if data.get("relayed_at") else None,
            bundle=data.get("bundle") or "",
        )


def counted_facts(record: Return) -> list:
    """What counting reads of a return beyond its keys, as compact lists (the index's `facts`, see from_facts):
    its file's name, per answer task id, 是否, 完成时间, raw 是否 and row, per finding its fields."""
    return [record.source_name,
            [[a.task_id, a.done, a.done_on.isoformat() if a.done_on else None, a.raw_done, a.row]
             for a in record.answers],
            [[f.code, f.severity, f.message, f.sheet, f.row, f.column, f.value] for f in record.findings]]


def from_facts(return_id: str, unit_id: str, template_id: str, round_number: int, received_at: dt.datetime,
               ingested_at: dt.datetime | None, facts: list) -> Return:
    """A return as counting reads it: its keys and `counted_facts`; the rest (header, notes, hashes) left empty."""
    source, answers, findings = facts
    return Return(
        return_id, "", unit_id, "", "", "", _share(template_id), "", round_number, received_at, "", source, "", 0,
        tuple([Answer(_intern(a[0]), a[1], _day(a[2]), _intern(a[3]), "", "", a[4]) for a in answers]),
        tuple([Problem(_share(f[0]), _share(f[1]), f[2], source, _share(f[3]), f[4], _share(f[5]), _share(f[6]))
               for f in findings]),
        {}, "identity", ingested_at)


def record_line(record: Return) -> str:
    """The record as stored (its file and its index row alike): compact JSON, `superseded` left out (it is
    derived when reading)."""
    data = record.to_dict()
    data.pop("superseded", None)
    return compact(data)
