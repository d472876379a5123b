"""JSON in and out of the store and the command line, through orjson (several times the standard library's speed).

A prefecture's store holds ~100 MB of record JSON that every status reads, and `status --format json` writes
~70 MB; with the standard library these two are a third of the command. The text is the same as
`json.dumps(..., ensure_ascii=False)` would write (tests compare them); what orjson refuses (a lone surrogate,
an integer beyond 64 bits) is written by the standard library instead; only a float's exponent may be
written differently (1e-7, not 1e-07).
"""

from __future__ import annotations

import json

import orjson

_PASS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


def loads(text: str | bytes) -> object:
    """Parse JSON text (raises ValueError, as json.loads does, when it is not JSON)."""
    return orjson.loads(text)


def compact(data: object) -> str:
    """One line, no spaces: `json.dumps(data, ensure_ascii=False, separators=(",", ":"))`."""
    try:
        return orjson.dumps(data, option=_PASS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def pretty(data: object) -> str:
    """Indented by two, anything unknown as its str(): `json.dumps(data, ensure_ascii=False, indent=2, default=str)`."""
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2 | _PASS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
