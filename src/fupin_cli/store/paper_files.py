"""A paper return's images beside its record: returns/paper/<return_id>/ (page-N.jpg, box crops, read.json)."""

from __future__ import annotations

import json
from pathlib import Path

from fupin_cli.store.atomic import sync_all, write_bytes_atomic

PAPER = "paper"


def paper_folder(root: Path, return_id: str) -> Path:
    """Where a paper return's straightened pages, box crops and measures are kept."""
    return root / "returns" / PAPER / return_id


def add_paper_files(root: Path, return_id: str, files: dict[str, bytes]) -> None:
    """Write a paper return's images and measures (each atomically), made durable together."""
    folder = paper_folder(root, return_id)
    paths = []
    for name, data in sorted(files.items()):
        path = folder / Path(name).name  # a bare file name, never a path of its own
        write_bytes_atomic(path, data, durable=False)
        paths.append(path)
    sync_all(paths)


def read_measures(root: Path, return_id: str) -> dict | None:
    """The box measures kept with a paper return (read.json), or None when it is no paper return."""
    try:
        return json.loads((paper_folder(root, return_id) / "read.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
