"""群机器人 (channels): the WeCom and DingTalk group robots fupin.yaml names; their secrets stay in the environment."""

from __future__ import annotations

from dataclasses import dataclass

from fupin_cli.model.problems import message_for

KINDS = {"wecom": "企业微信群机器人", "dingtalk": "钉钉自定义机器人"}
ALL_TOWNS = "all"


@dataclass(frozen=True)
class Channel:
    """一个催报群 (channel): a group robot, the environment variables holding its URL (and secret), its towns.

    `towns` is empty for every town (``towns: all``); `keyword` is put in every message for a DingTalk robot
    secured by 自定义关键词.
    """

    name: str
    kind: str
    webhook_env: str
    secret_env: str = ""
    towns: tuple[str, ...] = ()
    keyword: str = ""

    def covers(self, town: str) -> bool:
        """Whether the channel's group is the place to chase this town's units."""
        return not self.towns or town in self.towns


def parse_channels(raw: object, source: str) -> tuple[tuple[Channel, ...], list[str]]:
    """The `channels:` of fupin.yaml, and the problems found (each naming the file and the key)."""
    if raw in (None, {}):
        return (), []
    if not isinstance(raw, dict):
        return (), [message_for("config-channels-shape", source=source)]
    found: list[Channel] = []
    problems: list[str] = []
    for name, spec in raw.items():
        where = f"{source}: channels.{name}"
        if not isinstance(spec, dict):
            problems.append(message_for("config-channel-shape", where=where))
            continue
        kind = str(spec.get("kind", "")).strip()
        if kind not in KINDS:
            problems.append(message_for("config-channel-kind", where=where, value=kind,
                                        choices="、".join(f"{k}（{v}）" for k, v in KINDS.items())))
        webhook_env = str(spec.get("webhook_env", "")).strip()
        if not webhook_env:
            problems.append(message_for("config-channel-env", where=where))
        if "webhook" in spec or "url" in spec or "secret" in spec:
            problems.append(message_for("config-channel-secret-in-file", where=where))
        towns = spec.get("towns", ALL_TOWNS)
        if towns == ALL_TOWNS:
            towns = ()
        elif isinstance(towns, list) and all(isinstance(t, str) and t.strip() for t in towns):
            towns = tuple(t.strip() for t in towns)
        else:
            problems.append(message_for("config-channel-towns", where=where))
            towns = ()
        found.append(Channel(str(name), kind, webhook_env, str(spec.get("secret_env", "") or "").strip(),
                             towns, str(spec.get("keyword", "") or "").strip()))
    return tuple(found), problems
