"""群催报 (group reminders): one message per town or village naming everyone to chase, split to fit a chat."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fupin_cli.count.reminders import Reminder
from fupin_cli.model.deadlines import month_day
from fupin_cli.model.glossary import Role, Status

# WeCom's limit for one text message, in bytes of UTF-8 (DingTalk's is larger).
MAX_BYTES = 2048
GROUPS = ("town", "village")
TOWN_LEVEL = "镇直"  # the town itself, its leaders and aid units, in a village-by-village chase
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")


@dataclass(frozen=True)
class GroupMessage:
    """一条群消息: the town (and village) it is for, its parts (each ≤ MAX_BYTES), whom it chases and their phones."""

    town: str
    village: str
    parts: tuple[str, ...]
    reminders: tuple[Reminder, ...]

    @property
    def phones(self) -> tuple[str, ...]:
        """The mobile numbers of those chased (to @ them in the group); numbers Excel mangled are left out."""
        seen = dict.fromkeys(r.unit.phone for r in self.reminders if _PHONE.match(r.unit.phone or ""))
        return tuple(seen)

    def to_dict(self) -> dict:
        """The message as JSON: where it goes, its parts, and the units and rounds it chases."""
        return {
            "town": self.town, "village": self.village or None, "parts": list(self.parts),
            "phones": list(self.phones),
            "units": [{"unit_id": r.unit.unit_id, "name": r.unit.name, "role": r.unit.role.value,
                       "round": r.round.number, "status": r.status.value} for r in self.reminders],
        }


def utf8_len(text: str) -> int:
    """The size of the text as a chat robot counts it: bytes of UTF-8."""
    return len(text.encode("utf-8"))


def group_key(reminder: Reminder, by: str) -> tuple[str, str]:
    """(town, village) of the group a reminder goes to; village is "" when grouping by town."""
    if by == "town":
        return reminder.unit.town, ""
    unit = reminder.unit
    if unit.role is Role.village:  # a village's presence sheet goes to that village's message
        return unit.town, unit.name
    return unit.town, unit.village or TOWN_LEVEL


def group_reminders(reminders: list[Reminder], by: str, office: str, as_of_text: str,
                    keyword: str = "", limit: int = MAX_BYTES) -> list[GroupMessage]:
    """One message per town (by="town") or village (by="village"), in the order the reminders come."""
    grouped: dict[tuple[str, str], list[Reminder]] = {}
    for r in reminders:
        grouped.setdefault(group_key(r, by), []).append(r)
    found = []
    for (town, village), mine in grouped.items():
        place = town if not village else (f"{town}（{village}）" if village == TOWN_LEVEL else f"{town}{village}")
        head = f"【{keyword or '催报'}】{place}：截至{as_of_text}，请以下同志和单位按时报送，已逾期的请尽快补报："
        parts = pack_lines(head, body_lines(mine, by, limit - utf8_len(head) - 64), office, limit)
        found.append(GroupMessage(town, village, tuple(parts), tuple(mine)))
    return found


def body_lines(reminders: list[Reminder], by: str, width: int) -> list[str]:
    """One line per checklist, round and state listing the names; a line too long is broken between names."""
    entries: dict[tuple[str, int, Status, str], list[str]] = {}
    for r in reminders:
        state = {Status.missing: "已逾期", Status.returned: f"已退回：{r.round.reason}"}.get(r.status, "即将到期")
        key = (r.title, r.round.number, r.status, f"{month_day(r.round.day)}截止，{state}")
        entries.setdefault(key, []).append(who(r, by))
    lines = []
    for (title, number, _status, when), names in entries.items():
        label = f"《{title}》第{number}次（{when}）："
        current = label
        for i, name in enumerate(names):
            piece = name if current == label else f"、{name}"
            if utf8_len(current + piece) > width and current != label:
                lines.append(current)
                current = f"{label}（续）{name}"
            else:
                current += piece
            if i == len(names) - 1:
                lines.append(current)
    return lines


def who(reminder: Reminder, by: str) -> str:
    """A name as the group knows it: with the village when the message covers a whole town."""
    unit = reminder.unit
    if by == "town" and unit.village:
        return f"{unit.name}（{unit.village}）"
    return unit.name


def pack_lines(head: str, lines: list[str], office: str, limit: int) -> list[str]:
    """Lines packed into parts of at most `limit` bytes, each with the head; parts marked （1/3）… when split."""
    marker_room = utf8_len("（99/99）")
    budget = limit - utf8_len(head) - utf8_len(office) - 2 - marker_room
    chunks: list[list[str]] = [[]]
    used = 0
    for line in lines:
        size = utf8_len(line) + 1
        if chunks[-1] and used + size > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += size
    total = len(chunks)
    parts = []
    for i, chunk in enumerate(chunks, 1):
        mark = f"（{i}/{total}）" if total > 1 else ""
        parts.append("\n".join([head + mark, *chunk, office]))
    return parts
