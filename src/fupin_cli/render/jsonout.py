"""JSON for scripts: stable key order, Chinese kept readable."""

from __future__ import annotations

import json


def to_json(data: object) -> str:
    """Pretty JSON with non-ASCII characters kept as they are."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
