"""The `fupin` command line: a thin Typer layer over the core modules; one module per command group."""

from fupin_cli.cli import check, doctor, export, forms, ingest, init, remind, roster, status, templates  # noqa: F401  (each registers its commands on `app`)
from fupin_cli.cli.app import app, main

__all__ = ["app", "main"]
