"""The bundle's manifest (manifest.json): format version, campaign identity, the town, its returns and rollup."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from fupin_cli.model.record import Return
from fupin_cli.model.workspace import Campaign

FORMAT = "fupin-relay/1"
MANIFEST = "manifest.json"
FILES = "files/"
SUFFIX = ".fupin.zip"


def campaign_id_of(campaign: Campaign) -> str:
    """The campaign's id: fupin.yaml's own `campaign_id`, else a stable hash of name, district and year."""
    if campaign.campaign_id:
        return campaign.campaign_id
    identity = json.dumps([campaign.name, campaign.district, campaign.year], ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def member_name(record: Return) -> str:
    """Where a return's original bytes lie in the bundle: files/<sha256><suffix>, as in returns/files/."""
    return FILES + record.stored_name


@dataclass(frozen=True)
class Entry:
    """一份回执 as the manifest lists it: its file (member, checksum) and what the town made of it."""

    member: str
    sha256: str
    size: int
    source_name: str
    stored_name: str
    return_id: str
    unit_id: str
    name: str
    role: str
    template_id: str
    template_version: str
    round: int
    received_at: dt.datetime
    recognised_by: str
    events: tuple[dict, ...] = ()

    @classmethod
    def of(cls, record: Return, events: tuple[dict, ...] = ()) -> Entry:
        """The entry of a stored return (its received time as the town's store says, retimes applied)."""
        return cls(member_name(record), record.sha256, record.size, record.source_name, record.stored_name,
                   record.return_id, record.unit_id, record.name, record.role, record.template_id,
                   record.template_version, record.round, record.received_at, record.recognised_by, events)

    def to_dict(self) -> dict:
        """The entry as JSON."""
        return {
            "member": self.member, "sha256": self.sha256, "size": self.size, "source_name": self.source_name,
            "stored_name": self.stored_name, "return_id": self.return_id, "unit_id": self.unit_id,
            "name": self.name, "role": self.role, "template_id": self.template_id,
            "template_version": self.template_version, "round": self.round,
            "received_at": self.received_at.isoformat(), "recognised_by": self.recognised_by,
            "events": list(self.events),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Entry:
        """Rebuild an entry; KeyError, TypeError or ValueError for a malformed one."""
        received = dt.datetime.fromisoformat(str(data["received_at"]))
        if received.tzinfo is None:
            raise ValueError("received_at 缺少时区")
        return cls(str(data["member"]), str(data["sha256"]), int(data["size"]), str(data.get("source_name", "")),
                   str(data.get("stored_name", "")), str(data["return_id"]), str(data["unit_id"]),
                   str(data.get("name", "")), str(data.get("role", "")), str(data["template_id"]),
                   str(data.get("template_version", "")), int(data["round"]), received,
                   str(data.get("recognised_by", "")), tuple(data.get("events") or ()))


@dataclass(frozen=True)
class Manifest:
    """manifest.json: who packed what, when, and the town's own rollup as it saw it then."""

    campaign_id: str
    campaign: str
    district: str
    year: int
    town_id: str
    town: str
    packed_at: dt.datetime
    entries: tuple[Entry, ...]
    rollup: dict = field(default_factory=dict)
    format: str = FORMAT

    def to_json(self) -> bytes:
        """The manifest's bytes: indented, keys in a fixed order, so the same store packs the same."""
        data = {
            "format": self.format, "campaign_id": self.campaign_id, "campaign": self.campaign,
            "district": self.district, "year": self.year, "town_id": self.town_id, "town": self.town,
            "packed_at": self.packed_at.isoformat(), "returns": [e.to_dict() for e in self.entries],
            "rollup": self.rollup,
        }
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse manifest.json; ValueError (with a Chinese reason) when it is not one."""
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"不是 UTF-8 JSON：{exc}") from None
        if not isinstance(doc, dict):
            raise ValueError("应为 JSON 对象")
        try:
            packed = dt.datetime.fromisoformat(str(doc["packed_at"]))
            entries = tuple(Entry.from_dict(e) for e in doc.get("returns") or ())
            rollup = doc.get("rollup") or {}
            if not isinstance(rollup, dict):
                raise ValueError("rollup 应为对象")
            return cls(str(doc["campaign_id"]), str(doc.get("campaign", "")), str(doc.get("district", "")),
                       int(doc.get("year", 0)), str(doc["town_id"]), str(doc.get("town", "")), packed, entries,
                       rollup, str(doc.get("format", "")))
        except KeyError as exc:
            raise ValueError(f"缺少 {exc.args[0]}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(str(exc)) from None
