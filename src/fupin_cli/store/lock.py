"""One writer at a time: the store's lock file, held through the operating system (fcntl or msvcrt)."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from fupin_cli.model.problems import FupinError

LOCK = ".lock"

# The lock is the operating system's: released by the kernel when the holder exits, even after kill -9.
_BUSY = {errno.EAGAIN, errno.EACCES, getattr(errno, "EDEADLK", -1), getattr(errno, "EDEADLOCK", -1)}

if os.name == "nt":  # the clerks' Windows PCs
    import msvcrt

    def _lock_nowait(handle: BinaryIO) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock_nowait(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextlib.contextmanager
def store_lock(root: Path, wait_seconds: float = 30.0) -> Iterator[None]:
    """Hold the store's lock; a second ingest waits up to `wait_seconds`, then stops with a clear message."""
    folder = root / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK, "a+b")  # noqa: SIM115 — held for the whole block
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                _lock_nowait(handle)
                break
            except OSError as exc:
                if exc.errno not in _BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise FupinError("store-locked", folder=folder, seconds=f"{wait_seconds:.0f}") from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()
