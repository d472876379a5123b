"""Create a workspace: a fresh fupin.yaml with an empty roster, or a copy of the example district."""

from __future__ import annotations

import shutil
from pathlib import Path

from fupin_cli.model.problems import FupinError
from fupin_cli.model.resources import data_path
from fupin_cli.model.roster import Roster
from fupin_cli.model.workspace import CONFIG_NAME, default_config
from fupin_cli.store.atomic import write_bytes_atomic
from fupin_cli.store.roster_file import save_roster

# The district of a new workspace until the clerk names it (reminders then sign as 区扶贫办).
DEFAULT_DISTRICT = "本区"


def init_workspace(directory: Path, *, example: bool = False, name: str = "", district: str = "",
                   year: int = 2020) -> list[Path]:
    """Write a new workspace into `directory` (created if needed); refuse to overwrite an existing one."""
    config = directory / CONFIG_NAME
    if config.exists():
        raise FupinError("workspace-exists", path=config)
    if directory.exists() and not directory.is_dir():
        raise FupinError("not-a-folder", path=directory)
    directory.mkdir(parents=True, exist_ok=True)
    if example:
        demo = data_path("demo")
        created = []
        for source in sorted(demo.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            target = directory / source.relative_to(demo)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            created.append(target)
        return created
    write_bytes_atomic(config, default_config(name or "脱贫攻坚“四合一”考核迎检工作", district or DEFAULT_DISTRICT, year).encode("utf-8"))
    save_roster(directory, Roster())
    for folder in ("forms", "returns", "templates"):
        (directory / folder).mkdir(exist_ok=True)
    return [config, *sorted((directory / "roster").glob("*.csv"))]
