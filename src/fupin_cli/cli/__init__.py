"""The `fupin` command line: a thin Typer layer over the core modules; one module per command group."""

from fupin_cli.cli import (  # noqa: F401  (each registers its commands on `app`)
    check,
    diff,
    doctor,
    export,
    forms,
    ingest,
    init,
    paper,
    relay,
    remind,
    returns,
    roster,
    status,
    templates,
)
from fupin_cli.cli.app import app, main

__all__ = ["app", "main"]
