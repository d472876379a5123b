"""Start-up: `status` imports only what it needs (no spreadsheet readers, no HTTP client). Not a timing test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DEMO

HEAVY = ("openpyxl", "python_calamine", "httpx")

PROBE = """
import contextlib, io, json, sys
sys.argv = ["fupin", *sys.argv[2:]]
out = io.StringIO()
code = 0
with contextlib.redirect_stdout(out):
    try:
        from fupin_cli.cli import main
        main()
    except SystemExit as exc:
        code = exc.code or 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(__import__("os").environ["HEAVY"])))
sys.stdout.write(json.dumps({"code": code, "loaded": loaded, "out": out.getvalue()}))
"""


def run_probe(ws: Path, *args: str) -> dict:
    """Run fupin in a fresh Python; its exit code, which of HEAVY it imported, and its stdout."""
    result = subprocess.run([sys.executable, "-c", PROBE, "-", "-w", str(ws), *args], capture_output=True,
                            timeout=120, check=False, env={"HEAVY": json.dumps(HEAVY), "PATH": "/usr/bin:/bin",
                                                            "COLUMNS": "120", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_status_json_loads_no_spreadsheet_reader_or_http_client(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    shutil.copytree(DEMO, ws)
    probe = run_probe(ws, "status", "--format", "json", "--as-of", "2020-11-10")
    assert probe["code"] == 0
    assert json.loads(probe["out"])  # a real status was computed and printed
    assert probe["loaded"] == []


def test_version_loads_none_of_them(tmp_path: Path) -> None:
    probe = run_probe(tmp_path, "--version")
    assert (probe["code"], probe["out"].strip(), probe["loaded"]) == (0, f"fupin {_version()}", [])


def test_version_draws_no_rich_console(tmp_path: Path) -> None:
    """`--version` prints one line: Rich's console (~9 ms to import) is loaded only by what prints through it."""
    assert "fupin_cli.cli.console" not in _fupin_modules(tmp_path, "--version")
    assert "fupin_cli.cli.console" in _fupin_modules(tmp_path, "status")  # (an error, printed through it)


def _version() -> str:
    from fupin_cli import __version__

    return __version__


COMMANDS_PROBE = """
import sys
sys.argv = ["fupin", *sys.argv[2:]]
try:
    from fupin_cli.cli import main
    main()
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.startswith("fupin_cli."))), file=sys.stderr)
"""


def _fupin_modules(ws: Path, *args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", COMMANDS_PROBE, "-", "-w", str(ws), *args], capture_output=True,
                            timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "COLUMNS": "120"})
    return set(result.stderr.decode().split()[-200:])


def test_a_command_imports_only_its_own_command_modules(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    shutil.copytree(DEMO, ws)
    version = _fupin_modules(ws, "--version")
    assert not {m for m in version if m.startswith("fupin_cli.cli.") and m != "fupin_cli.cli.root"} - {
        "fupin_cli.cli.console", "fupin_cli.cli.usage"}
    assert "fupin_cli.model.workspace" not in version
    status = _fupin_modules(ws, "status", "--as-of", "2020-11-10")
    assert "fupin_cli.cli.status" in status
    assert not {"fupin_cli.cli.ingest", "fupin_cli.cli.forms", "fupin_cli.cli.relay", "fupin_cli.intake.ingest"} & status
    helped = _fupin_modules(ws, "--help")
    assert {"fupin_cli.cli.ingest", "fupin_cli.cli.relay", "fupin_cli.cli.templates"} <= helped
