"""kill -9 during an ingest batch's commit: in its one sync, and between the sync and the index commit."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fupin_cli.count.query import current_stream
from fupin_cli.store.archive import load_returns
from fupin_cli.store.index_db import db_path
from test_crash import RECEIVED, _check_after_crash, inbox, returns_40  # noqa: F401  (returns_40 is a fixture)

# The real `fupin ingest`, in a Python that first makes the chosen step of the commit announce itself and wait
# there: the test kills the process at that moment (nothing is mocked; the wait only holds the moment open).
CHILD = """
import os, sys, time
from pathlib import Path
marker, point = Path(sys.argv[1]), sys.argv[2]
def hold(original):
    def held(*args, **kwargs):
        marker.write_text("here")
        time.sleep(60)
        return original(*args, **kwargs)
    return held
if point == "sync":
    os.sync = hold(os.sync)
else:
    from fupin_cli.store import index_db
    index_db.IndexWriter.commit = hold(index_db.IndexWriter.commit)
sys.argv = ["fupin", *sys.argv[3:]]
from fupin_cli.cli import main
main()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 (SIGKILL) is a POSIX signal; Windows has no such signal")
@pytest.mark.parametrize("point", ["sync", "index-commit"])
def test_kill_9_during_the_batch_commit(tmp_path: Path, returns_40: list[Path], point: str) -> None:  # noqa: F811
    from conftest import DEMO

    folder = inbox(tmp_path, returns_40)
    names = {p.name for p in folder.iterdir()}
    ws = tmp_path / "ws"
    shutil.copytree(DEMO, ws)
    marker = tmp_path / "marker"
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), point, "-w", str(ws), "ingest",
                                str(folder), "--received", RECEIVED],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Every return of the batch was whole on disk before the commit began: all 40 are there, and status
    # counts them although the index never received its rows (it is repaired from the records).
    counted = {r.return_id for r in current_stream(ws, None, dt_max()) if r.source_name}  # stubs name no file
    assert counted == {r.return_id for r in load_returns(ws) if not r.superseded}
    assert _check_after_crash(ws, names) == 40
    # The index, repaired by that read, now holds every record: doctor finds nothing to rebuild.
    rows = json.loads(subprocess.run([sys.executable, "-m", "fupin_cli", "-w", str(ws), "doctor", "--format", "json"],
                                     capture_output=True, check=False).stdout)
    assert rows["ok"] is True and rows["findings"] == []
    assert db_path(ws).is_file()
    again = subprocess.run([sys.executable, "-m", "fupin_cli", "-w", str(ws), "ingest", str(folder), "--received",
                            RECEIVED], capture_output=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr.decode()
    assert _check_after_crash(ws, names) == 40


def dt_max():
    """A cutoff after every return."""
    import datetime as dt

    return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
