"""Files fupin writes: readable by colleagues (umask respected), and a path it cannot write is a clear error."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from fupin_cli.cli import app
from fupin_cli.store.atomic import write_bytes_atomic


@pytest.mark.skipif(sys.platform == "win32", reason="file modes and the umask are POSIX; Windows has neither")
def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "x.csv"
        write_bytes_atomic(target, b"a")
        assert stat.S_IMODE(target.stat().st_mode) & 0o044 == 0o044  # group and others can read
    finally:
        os.umask(old)


def test_a_path_that_cannot_be_written_is_a_chinese_error_with_exit_2(runner, demo_workspace, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    out = blocker / "汇总.xlsx"  # a folder that is really a file
    result = runner.invoke(app, ["-w", str(demo_workspace), "export", "--as-of", "2020-11-10", "--out", str(out)])
    assert result.exit_code == 2
    assert "无法读写" in result.output and str(out) in result.output.replace("\n", "")
    assert "Traceback" not in result.output
