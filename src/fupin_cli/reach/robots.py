"""群机器人的消息格式 (robot payloads): the JSON WeCom and DingTalk expect, DingTalk's 加签, and URLs with the key hidden."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import urllib.parse

# errcodes that mean "too many messages, try again later".
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101}}
_SECRET_QUERY = re.compile(r"((?:key|access_token|sign)=)[^&]+")


def payload(kind: str, content: str, phones: tuple[str, ...]) -> dict:
    """The request body of a text message that @-mentions the people chased."""
    if kind == "wecom":
        return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": list(phones)}}
    return {"msgtype": "text", "text": {"content": content}, "at": {"atMobiles": list(phones), "isAtAll": False}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: URL-encoded base64 of HMAC-SHA256(secret, "{timestamp}\\n{secret}")."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with timestamp and sign added (DingTalk with a secret); unchanged without one."""
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def masked(url: str) -> str:
    """The URL as it may be shown: the key, access token and signature replaced by ***."""
    return _SECRET_QUERY.sub(r"\1***", url)


def with_keyword(content: str, keyword: str) -> str:
    """The message with the robot's 自定义关键词 in it (prepended when missing)."""
    if not keyword or keyword in content:
        return content
    return f"{keyword} {content}"
