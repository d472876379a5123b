"""What `remind --send` will post: which channel gets which town's message, minus what was already sent today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from fupin_cli.count.groups import group_reminders
from fupin_cli.count.reminders import Reminder
from fupin_cli.model.channels import Channel
from fupin_cli.model.problems import FupinError
from fupin_cli.reach.sender import Outgoing, Target


@dataclass(frozen=True)
class SendPlan:
    """The parts to send, and the reminders held back because they were sent already today."""

    outgoing: tuple[Outgoing, ...]
    held_back: tuple[Reminder, ...]


def choose_channels(channels: tuple[Channel, ...], name: str | None) -> tuple[Channel, ...]:
    """Every configured channel, or the one named; FupinError when there is none or the name is unknown."""
    if not channels:
        raise FupinError("channel-none")
    if name is None:
        return channels
    chosen = tuple(c for c in channels if c.name == name)
    if not chosen:
        raise FupinError("channel-unknown", value=name, choices="、".join(c.name for c in channels))
    return chosen


def resolve_targets(channels: tuple[Channel, ...], environ: Mapping[str, str]) -> list[Target]:
    """Each channel with its URL and secret from the environment given; FupinError naming a missing variable."""
    found = []
    for channel in channels:
        url = environ.get(channel.webhook_env, "").strip()
        if not url:
            raise FupinError("channel-env-missing", channel=channel.name, variable=channel.webhook_env)
        if not url.startswith(("http://", "https://")):
            raise FupinError("channel-url-invalid", channel=channel.name, variable=channel.webhook_env)
        secret = ""
        if channel.secret_env:
            secret = environ.get(channel.secret_env, "").strip()
            if not secret:
                raise FupinError("channel-env-missing", channel=channel.name, variable=channel.secret_env)
        found.append(Target(channel, url, secret))
    return found


def sent_today(attempts: list[dict], today: dt.date, tz: dt.tzinfo) -> set[tuple[str, int]]:
    """(unit_id, round) pairs a reminder reached successfully on the calendar day `today` (campaign time zone)."""
    found = set()
    for entry in attempts:
        if entry.get("ok") and dt.datetime.fromisoformat(entry["at"]).astimezone(tz).date() == today:
            found.update((u["unit_id"], int(u["round"])) for u in entry.get("units", []))
    return found


def plan_sends(reminders: list[Reminder], targets: list[Target], group_by: str, office: str, as_of_text: str,
               already: set[tuple[str, int]], force: bool = False) -> SendPlan:
    """The parts each channel sends for its towns; without `force`, units chased today already are left out."""
    held = tuple(r for r in reminders if not force and (r.unit.unit_id, r.round.number) in already)
    kept = [r for r in reminders if force or (r.unit.unit_id, r.round.number) not in already]
    outgoing = []
    for target in targets:
        mine = [r for r in kept if target.channel.covers(r.unit.town)]
        for message in group_reminders(mine, group_by, office, as_of_text, target.channel.keyword):
            outgoing.extend(Outgoing(target, message, i) for i in range(1, len(message.parts) + 1))
    return SendPlan(tuple(outgoing), held)
