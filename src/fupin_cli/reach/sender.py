"""发送 (sending): post group messages to the robots, at most 20 a minute per channel, retrying when told to wait."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from fupin_cli.count.groups import GroupMessage
from fupin_cli.model.channels import Channel
from fupin_cli.reach.robots import RATE_LIMITED, payload, signed_url, with_keyword

PER_MINUTE = 20
WINDOW = 60.0
RETRIES = 3
BACKOFF = (2.0, 5.0, 10.0)  # seconds before the 1st, 2nd, 3rd retry


class Unreachable(Exception):
    """The robot could not be reached (network error, timeout); the attempt may be retried."""


# post(url, body) → (HTTP status, the JSON answer or None); raises Unreachable on a network error.
Post = Callable[[str, dict], tuple[int, "dict | None"]]


@dataclass(frozen=True)
class Target:
    """A channel with its URL and secret, read from the environment by the caller (never stored or logged)."""

    channel: Channel
    url: str
    secret: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One message part for one channel: the text, whom it @-mentions and the reminders it carries."""

    target: Target
    message: GroupMessage
    part: int

    @property
    def content(self) -> str:
        """The text as sent (with the channel's keyword)."""
        return with_keyword(self.message.parts[self.part - 1], self.target.channel.keyword)

    def body(self) -> dict:
        """The JSON body posted."""
        return payload(self.target.channel.kind, self.content, self.message.phones)


@dataclass(frozen=True)
class Attempt:
    """The outcome of sending one part: ok, or the errcode/HTTP status and the service's words; tries made."""

    outgoing: Outgoing
    ok: bool
    tries: int
    errcode: int | None = None
    errmsg: str = ""
    sent_at: dt.datetime | None = None

    def log_entry(self) -> dict:
        """The attempt as a line of the reminder log: channel and variable names only, no URL, no secret."""
        o = self.outgoing
        return {
            "at": (self.sent_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
            "channel": o.target.channel.name, "webhook_env": o.target.channel.webhook_env,
            "town": o.message.town, "village": o.message.village or None, "part": o.part,
            "parts": len(o.message.parts), "ok": self.ok, "errcode": self.errcode, "errmsg": self.errmsg,
            "tries": self.tries,
            "units": [{"unit_id": r.unit.unit_id, "round": r.round.number} for r in o.message.reminders],
        }


@dataclass
class RateLimit:
    """At most `per_minute` posts in any 60 seconds for one channel, on the clock given."""

    clock: Callable[[], float]
    sleep: Callable[[float], None]
    per_minute: int = PER_MINUTE
    sent: dict[str, collections.deque] = field(default_factory=dict)

    def wait(self, channel: str) -> None:
        """Sleep until the channel may post again, then count the post."""
        times = self.sent.setdefault(channel, collections.deque())
        now = self.clock()
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if len(times) >= self.per_minute:
            self.sleep(WINDOW - (now - times[0]))
            now = self.clock()
            times.popleft()
        times.append(now)


def send_one(outgoing: Outgoing, post: Post, limit: RateLimit, now_ms: Callable[[], int]) -> Attempt:
    """Post one part, retrying (at most RETRIES times, with backoff) on rate limits, 429/5xx and network errors."""
    kind = outgoing.target.channel.kind
    errcode: int | None = None
    errmsg = ""
    for attempt in range(RETRIES + 1):
        if attempt:
            limit.sleep(BACKOFF[attempt - 1])
        limit.wait(outgoing.target.channel.name)
        url = signed_url(outgoing.target.url, outgoing.target.secret, now_ms())
        try:
            status, answer = post(url, outgoing.body())
        except Unreachable as exc:
            errcode, errmsg = None, f"网络错误：{exc}"
            continue
        code = (answer or {}).get("errcode") if isinstance(answer, dict) else None
        if status == 200 and code == 0:
            return Attempt(outgoing, True, attempt + 1)
        errcode = code if code is not None else status
        errmsg = str((answer or {}).get("errmsg", "")) if isinstance(answer, dict) else f"HTTP {status}"
        retryable = status == 429 or status >= 500 or code in RATE_LIMITED.get(kind, set())
        if not retryable:
            return Attempt(outgoing, False, attempt + 1, errcode, errmsg)
    return Attempt(outgoing, False, RETRIES + 1, errcode, errmsg)


def send_all(outgoing: list[Outgoing], post: Post, limit: RateLimit, now_ms: Callable[[], int],
             stamp: Callable[[], dt.datetime], progress: Callable[[Attempt], None] | None = None) -> list[Attempt]:
    """Send every part in order; each attempt is stamped with the time it ended."""
    done = []
    for item in outgoing:
        result = send_one(item, post, limit, now_ms)
        result = Attempt(result.outgoing, result.ok, result.tries, result.errcode, result.errmsg, stamp())
        done.append(result)
        if progress is not None:
            progress(result)
    return done


def httpx_post(timeout: float = 10.0) -> Post:
    """A `post` through httpx with timeouts; a network error becomes Unreachable."""
    import httpx

    client = httpx.Client(timeout=timeout, trust_env=False)

    def post(url: str, body: dict) -> tuple[int, dict | None]:
        try:
            response = client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise Unreachable(type(exc).__name__) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return response.status_code, answer if isinstance(answer, dict) else None

    return post
