"""A town's bundle at the district: read safely, checked as a whole, then every return ingested or none.

Checks before anything is stored: zip safety (member count, sizes, ratio, no absolute or `..` names, no
links), the manifest, campaign_id, the town, every member present and nothing extra, every checksum, every
return's unit one that reports through the town (as the manifest says and as the file itself says). Each
return then goes through the normal ingest path, keeping the town's received time for deadlines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import stat
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from fupin_cli.intake.ingest import IngestContext, IngestOutcome, ingest_workbook
from fupin_cli.intake.safety import MAX_FILE_BYTES, MAX_RATIO, RATIO_FLOOR
from fupin_cli.model.problems import Problem, make_problem
from fupin_cli.model.record import Return
from fupin_cli.model.roster import Unit
from fupin_cli.relay.manifest import FORMAT, MANIFEST, SUFFIX, Entry, Manifest, campaign_id_of
from fupin_cli.relay.rollup import relayed_units, rollup_mismatches, town_rollup
from fupin_cli.store.relay_log import append_relay, relayed_bundles

MAX_BUNDLE_ENTRIES = 50_000
MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024  # inflated, all members together


class BundleRefused(Exception):
    """The bundle is refused whole: the first reason, as a problem naming the bundle (and the member)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class BundleOutcome:
    """What became of one bundle: refused whole, taken (each return's outcome), or already taken before."""

    path: Path
    status: str  # taken | duplicate | refused
    sha256: str = ""
    manifest: Manifest | None = None
    town: Unit | None = None
    outcomes: list[IngestOutcome] = field(default_factory=list)
    problem: Problem | None = None
    mismatches: list[Problem] = field(default_factory=list)


def is_bundle(path: Path) -> bool:
    """Whether a file named on the command line is a town's bundle: *.fupin.zip, or a zip holding manifest.json."""
    if path.name.lower().endswith(SUFFIX):
        return True
    if path.suffix.lower() != ".zip" or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return MANIFEST in archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def _refuse(code: str, bundle: str, **args: object) -> BundleRefused:
    return BundleRefused(make_problem(code, file=bundle, bundle=bundle, **args))


def _unsafe_name(name: str) -> bool:
    """An absolute path, a drive, a backslash or a `..` part: a member that could land outside its folder."""
    path = PurePosixPath(name)
    return (not name or name.startswith("/") or "\\" in name or ":" in name or path.is_absolute()
            or any(part in ("..", "") for part in name.rstrip("/").split("/")))


def read_bundle(path: Path, data: bytes) -> tuple[Manifest, dict[str, bytes]]:
    """The manifest and the members' bytes of a bundle, after the zip safety checks; BundleRefused otherwise."""
    bundle = path.name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise _refuse("bundle-unreadable", bundle, reason=f"压缩包结构损坏（{exc}）") from None
    if len(entries) > MAX_BUNDLE_ENTRIES:
        raise _refuse("bundle-unsafe", bundle, reason=f"有 {len(entries)} 个部件，超过上限 {MAX_BUNDLE_ENTRIES}")
    members: dict[str, bytes] = {}
    total = 0
    for info in entries:
        name = info.filename
        if _unsafe_name(name):
            raise _refuse("bundle-unsafe", bundle, reason=f"部件名“{name}”指向包外")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse("bundle-unsafe", bundle, reason=f"部件“{name}”是链接")
        if info.flag_bits & 0x1:
            raise _refuse("bundle-unsafe", bundle, reason=f"部件“{name}”已加密")
        if name in members:
            raise _refuse("bundle-unsafe", bundle, reason=f"部件“{name}”出现两次")
        if info.is_dir():
            continue
        limit = MAX_FILE_BYTES if name != MANIFEST else 64 * MAX_FILE_BYTES
        if info.file_size > limit or info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1):
            raise _refuse("bundle-unsafe", bundle, reason=f"部件“{name}”解压后过大（疑似“压缩炸弹”）")
        members[name] = _inflate(archive, info, min(limit, MAX_BUNDLE_BYTES - total), bundle)
        total += len(members[name])
    if MANIFEST not in members:
        raise _refuse("bundle-no-manifest", bundle)
    try:
        manifest = Manifest.from_json(members.pop(MANIFEST))
    except ValueError as exc:
        raise _refuse("bundle-manifest-invalid", bundle, reason=str(exc)) from None
    if manifest.format != FORMAT:
        raise _refuse("bundle-format", bundle, value=manifest.format, supported=FORMAT)
    return manifest, members


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, bundle: str) -> bytes:
    """A member's bytes, stopping past `budget` (a size the header understated is not trusted)."""
    try:
        with archive.open(info) as handle:
            body = handle.read(budget + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _refuse("bundle-unreadable", bundle, reason=f"部件“{info.filename}”无法解压（{exc}）") from None
    if len(body) > budget:
        raise _refuse("bundle-unsafe", bundle, reason=f"部件“{info.filename}”解压后过大（疑似“压缩炸弹”）")
    return body


def verify_bundle(bundle: str, manifest: Manifest, members: dict[str, bytes], ctx: IngestContext) -> Unit:
    """The bundle's town once campaign, town, members, checksums and units all agree; BundleRefused otherwise."""
    expected = campaign_id_of(ctx.campaign)
    if manifest.campaign_id != expected:
        raise _refuse("bundle-other-campaign", bundle, value=manifest.campaign_id, expected=expected)
    town = ctx.roster.find_town(manifest.town_id)
    if town is None or town.unit_id != manifest.town_id:
        raise _refuse("bundle-town-unknown", bundle, value=manifest.town or manifest.town_id)
    ours = {u.unit_id for u in relayed_units(ctx.roster, town)}
    by_id = ctx.roster.by_id()
    for number, entry in enumerate(manifest.entries, 1):
        where = {"number": number, "member": entry.source_name or entry.member}
        if entry.member not in members:
            raise _refuse("bundle-member-missing", bundle, **where)
        if hashlib.sha256(members[entry.member]).hexdigest() != entry.sha256:
            raise _refuse("bundle-checksum-mismatch", bundle, **where)
        _check_unit(bundle, entry.unit_id, by_id, ours, town, where)
    extra = sorted(set(members) - {e.member for e in manifest.entries})
    if extra:
        raise _refuse("bundle-member-extra", bundle, member=extra[0])
    return town


def _check_unit(bundle: str, unit_id: str, by_id: dict[str, Unit], ours: set[str], town: Unit,
                where: dict) -> None:
    unit = by_id.get(unit_id)
    if unit is None:
        raise _refuse("bundle-unit-unknown", bundle, unit_id=unit_id, **where)
    if unit_id not in ours:
        raise _refuse("bundle-unit-other-town", bundle, unit=unit.name, unit_id=unit_id, town=town.name, **where)


def read_returns(path: Path, manifest: Manifest, members: dict[str, bytes], town: Unit, ctx: IngestContext,
                 sha: str) -> list[IngestOutcome]:
    """Each member through the normal ingest path (nothing written), with the town's received times.

    A return whose file says it is a unit not reporting through the town refuses the bundle whole.
    """
    by_id, ours = ctx.roster.by_id(), {u.unit_id for u in relayed_units(ctx.roster, town)}
    entries = {e.return_id: e for e in manifest.entries}
    relayed_at = ctx.received_at
    outcomes: list[IngestOutcome] = []
    firsts: dict[str, tuple[int, Entry]] = {}
    for number, entry in enumerate(manifest.entries, 1):
        firsts.setdefault(entry.member, (number, entry))
    for index, (number, entry) in enumerate(firsts.values()):
        stamp = (ctx.ingested_at or relayed_at) + dt.timedelta(microseconds=1000 * index)
        member_ctx = replace(ctx, received_at=entry.received_at, ingested_at=stamp)
        for outcome in ingest_workbook(Path(path.name) / entry.source_name, members[entry.member], member_ctx,
                                       sha256=entry.sha256):
            record = outcome.record
            if record is not None:
                _check_unit(path.name, record.unit_id, by_id, ours, town,
                            {"number": number, "member": entry.source_name or entry.member})
                own = entries.get(record.return_id)
                outcome.record = replace(record, received_at=own.received_at if own else entry.received_at,
                                         via=town.unit_id, relayed_at=relayed_at, bundle=sha)
            if outcome.refusal is not None:
                outcome.refusal = replace(outcome.refusal, received_at=entry.received_at)
            outcomes.append(outcome)
    return outcomes


def ingest_bundle(root: Path, path: Path, ctx: IngestContext, dry_run: bool = False) -> BundleOutcome:
    """Take a bundle whole or refuse it whole; the same bundle twice stores nothing the second time."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = make_problem("bundle-unreadable", file=path.name, bundle=path.name, reason=exc.strerror or exc)
        return BundleOutcome(path, "refused", problem=problem)
    sha = hashlib.sha256(data).hexdigest()
    try:
        manifest, members = read_bundle(path, data)
        town = verify_bundle(path.name, manifest, members, ctx)
        outcomes = read_returns(path, manifest, members, town, ctx, sha)
    except BundleRefused as exc:
        return BundleOutcome(path, "refused", sha, problem=exc.problem)
    result = BundleOutcome(path, "taken", sha, manifest, town, outcomes)
    from fupin_cli.store.lock import store_lock

    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(store_lock(root))
        if sha in relayed_bundles(root):
            for outcome in outcomes:
                if outcome.status == "accepted":
                    outcome.status, outcome.findings = "duplicate", []
            result.status = "duplicate"
            return result
        fresh = _store(root, result, members, ctx, dry_run)
        result.mismatches = _recount(root, result, ctx, fresh)
        if not dry_run:
            _log_relay(root, result, ctx, len(fresh))
    return result


def _store(root: Path, result: BundleOutcome, members: dict[str, bytes], ctx: IngestContext,
           dry_run: bool) -> list[Return]:
    """Store every accepted return not yet held (under the store lock); keep the refusals. The new records."""
    from fupin_cli.store.archive import StoreWriter, add_refusals, has_record, stored_summary
    from fupin_cli.store.events import RETIME, append_event

    manifest = result.manifest
    assert manifest is not None
    data_of = {e.sha256: members[e.member] for e in manifest.entries}
    fresh: list[Return] = []
    if dry_run:
        return [o.record for o in result.outcomes if o.status == "accepted" and o.record is not None
                and not has_record(root, o.record.return_id)]
    with StoreWriter(root) as writer:  # the caller holds the store lock
        for outcome in result.outcomes:
            record = outcome.record
            if outcome.status != "accepted" or record is None:
                continue
            if has_record(root, record.return_id):
                outcome.status, outcome.findings = "duplicate", []
                held = stored_summary(root, record.sha256)
                if held is not None and held.return_id == record.return_id and record.received_at < held.received_at:
                    # Held directly but received later than the town received it: the earliest time counts.
                    append_event(root, {"event": RETIME, "return_id": record.return_id,
                                        "received_at": record.received_at.isoformat(),
                                        "previous": held.received_at.isoformat(),
                                        "reason": f"{result.town.name if result.town else ''}镇汇总包：镇收到时间更早",
                                        "at": (ctx.ingested_at or ctx.received_at).isoformat()})
                continue
            writer.add(record, data_of[record.sha256])
            fresh.append(record)
        add_refusals(root, [o.refusal for o in result.outcomes if o.refusal is not None])
    return fresh


def _recount(root: Path, result: BundleOutcome, ctx: IngestContext, fresh: list[Return]) -> list[Problem]:
    """The district's recount of the town as of the bundle's packing day, against the town's claim."""
    from fupin_cli.store.archive import iter_returns, load_refusals

    manifest, town = result.manifest, result.town
    assert manifest is not None and town is not None
    units = {u.unit_id for u in relayed_units(ctx.roster, town)}
    returns = {r.return_id: r for r in iter_returns(root, units)}
    returns.update({r.return_id: r for r in fresh})
    as_of = manifest.packed_at.astimezone(ctx.campaign.tz).date()
    recount = town_rollup(ctx.roster, ctx.templates, ctx.campaign, list(returns.values()), as_of, town,
                          load_refusals(root, units))
    return rollup_mismatches(manifest.rollup, recount, town, result.path.name)


def _log_relay(root: Path, result: BundleOutcome, ctx: IngestContext, stored: int) -> None:
    """Append one line for the bundle taken: which, from whom, when, how many stored, and any mismatch."""
    manifest, town = result.manifest, result.town
    assert manifest is not None and town is not None
    entry = {"bundle": result.sha256, "file": result.path.name, "town_id": town.unit_id, "town": town.name,
             "packed_at": manifest.packed_at.isoformat(), "relayed_at": ctx.received_at.isoformat(),
             "returns": len(manifest.entries), "stored": stored,
             "mismatches": [p.message for p in result.mismatches]}
    append_relay(root, entry)


def as_outcomes(result: BundleOutcome) -> list[IngestOutcome]:
    """The bundle as ingest outcomes: one refused entry naming the bundle, else one per return in it."""
    if result.status == "refused":
        return [IngestOutcome(result.path, "rejected", findings=[result.problem] if result.problem else [],
                              sha256=result.sha256)]
    return result.outcomes


def bundle_json(result: BundleOutcome) -> dict:
    """The bundle in `ingest --format json` (`bundles`): status, town, counts and the rollup mismatches."""
    manifest = result.manifest
    return {
        "file": str(result.path), "status": result.status, "sha256": result.sha256 or None,
        "town_id": result.town.unit_id if result.town else None,
        "packed_at": manifest.packed_at.isoformat() if manifest else None,
        "returns": len(manifest.entries) if manifest else 0,
        "stored": sum(o.status == "accepted" for o in result.outcomes) if result.status == "taken" else 0,
        "problem": result.problem.to_dict() if result.problem else None,
        "mismatches": [p.to_dict() for p in result.mismatches],
    }
