"""Find the data that ships with fupin: the official templates and the example district."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_path(name: str) -> Path:
    """The folder of shipped data `name` ("templates" or "demo"), from the wheel or a source checkout."""
    packaged = Path(str(resources.files("fupin_cli"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    # Running from a source checkout (editable install, tests from the tree): the repository's own folders.
    root = Path(__file__).resolve().parents[3]
    source = root / ("examples/demo" if name == "demo" else name)
    if source.is_dir():
        return source
    raise FileNotFoundError(f"fupin 安装不完整：找不到随包数据 {name}；请重新安装（pip install .）")
