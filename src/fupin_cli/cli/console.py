"""The two Rich consoles: data to stdout, messages to stderr."""

from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
