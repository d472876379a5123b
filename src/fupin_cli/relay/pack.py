"""`relay pack`: the one zip a town sends up — its stored originals byte for byte and a manifest with checksums."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fupin_cli.model.problems import FupinError
from fupin_cli.model.roster import Unit
from fupin_cli.model.workspace import Workspace
from fupin_cli.relay.manifest import MANIFEST, SUFFIX, Entry, Manifest, campaign_id_of
from fupin_cli.relay.rollup import town_rollup
from fupin_cli.store.archive import FILES, load_refusals, load_returns
from fupin_cli.store.atomic import write_bytes_atomic
from fupin_cli.store.events import read_events
from fupin_cli.store.roster_file import load_roster

# Every member gets this time and these permissions, so the same store packs the same bytes.
_STAMP = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Packed:
    """What `relay pack` wrote: the file, its manifest and how many original files it holds."""

    path: Path
    manifest: Manifest
    files: int


def workspace_town(workspace: Workspace) -> Unit:
    """The town of a town workspace; FupinError when this is no town workspace or its town is gone."""
    campaign = workspace.campaign
    if campaign.level != "town":
        raise FupinError("relay-pack-not-town")
    town = load_roster(workspace.root).find_town(campaign.town)
    if town is None:
        raise FupinError("relay-town-gone", value=campaign.town)
    return town


def default_name(town: Unit, packed_at: dt.datetime) -> str:
    """`<镇>-<YYYYMMDD-HHMM>.fupin.zip`."""
    return f"{town.name}-{packed_at:%Y%m%d-%H%M}{SUFFIX}"


def build_manifest(workspace: Workspace, town: Unit, packed_at: dt.datetime) -> Manifest:
    """The manifest of the town's whole store as of `packed_at` (its rollup as of that day)."""
    root, campaign = workspace.root, workspace.campaign
    records = load_returns(root)  # oldest first, retimes applied: the town's received times
    events: dict[str, list[dict]] = {}
    for event in read_events(root):
        events.setdefault(event["return_id"], []).append(event)
    entries = tuple(Entry.of(r, tuple(events.get(r.return_id, ()))) for r in records)
    as_of = packed_at.astimezone(campaign.tz).date()
    rollup = town_rollup(load_roster(root), workspace.templates(), campaign, records, as_of, town,
                         load_refusals(root))
    return Manifest(campaign_id_of(campaign), campaign.name, campaign.district, campaign.year, town.unit_id,
                    town.name, packed_at, entries, rollup)


def bundle_bytes(workspace: Workspace, manifest: Manifest) -> bytes:
    """The zip: manifest.json, then each original once (files/<sha256><suffix>), in a fixed order and stamp."""
    buffer = io.BytesIO()
    members = sorted({e.member: e for e in manifest.entries}.values(), key=lambda e: e.member)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write(archive, MANIFEST, manifest.to_json())
        for entry in members:
            data = (workspace.returns_dir / FILES / entry.stored_name).read_bytes()
            _write(archive, entry.member, data)
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    archive.writestr(info, data)


def pack_town(workspace: Workspace, packed_at: dt.datetime, out: Path | None = None) -> Packed:
    """Write the town's bundle (default `<镇>-<YYYYMMDD-HHMM>.fupin.zip` in the workspace); the store is only read."""
    town = workspace_town(workspace)
    if out is not None and not out.name.endswith(SUFFIX):
        raise FupinError("relay-out-not-bundle", value=out)
    manifest = build_manifest(workspace, town, packed_at)
    data = bundle_bytes(workspace, manifest)
    path = out if out is not None else workspace.root / default_name(town, packed_at.astimezone(workspace.campaign.tz))
    write_bytes_atomic(path, data)
    return Packed(path, manifest, len({e.member for e in manifest.entries}))
