"""The `fupin` command line: a thin Typer layer over the core modules; one module per command group.

A command's module is imported only when that command runs (`fupin status` never imports the ingest code,
`fupin --version` imports none): each module registers its commands on `app` when imported, and `main` loads
the ones the command line names. `from fupin_cli.cli import app` loads them all.
"""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

# Every command module, in the order the help screen lists their commands.
COMMAND_MODULES: tuple[str, ...] = (
    "check", "diff", "doctor", "export", "forms", "ingest", "init", "paper", "relay", "remind", "returns",
    "roster", "status", "templates",
)
# A top-level command word → the modules that register it (its sub-commands included).
MODULES_OF: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in COMMAND_MODULES if name not in ("paper", "returns")},
    "returns": ("ingest", "returns", "paper"),
}
# A command builds tens of thousands of small records and frees few: the default collector (every 700
# allocations) spends half of a prefecture's `status` re-scanning them. Collect less often, as mypy does.
GC_THRESHOLD = (200_000, 30, 30)
# Global options that take a value: the word after them is not a command.
_VALUED = frozenset({"-w", "--workspace"})


def load_commands(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """Import the command modules (each registers its commands) and return the app."""
    for name in modules:
        import_module(f"fupin_cli.cli.{name}")
    from fupin_cli.cli.root import app

    return app


def modules_for(words: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: its command's, none for a bare --version, else all."""
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return MODULES_OF.get(word, COMMAND_MODULES)
    return () if "--version" in words and not {"-h", "--help"} & set(words) else COMMAND_MODULES


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    gc.set_threshold(*GC_THRESHOLD)
    load_commands(modules_for(sys.argv[1:]))()


def __getattr__(name: str) -> object:
    if name == "app":
        return load_commands()
    raise AttributeError(name)


__all__ = ["app", "load_commands", "main", "modules_for"]
