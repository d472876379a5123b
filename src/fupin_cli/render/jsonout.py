"""JSON for scripts: stable key order, Chinese kept readable."""

from __future__ import annotations

from fupin_cli.model.jsoncodec import pretty


def to_json(data: object) -> str:
    """Pretty JSON with non-ASCII characters kept as they are."""
    return pretty(data)
