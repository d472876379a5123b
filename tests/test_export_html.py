"""The report for phones: one self-contained HTML page, rendered by a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fupin_cli.cli import app

AS_OF = "2020-11-10"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt: chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120, check=True)


def page_path(tmp_path: Path) -> Path:
    """Where the parametrised tests write the report."""
    return tmp_path / "report.html"


def _export(runner, root: Path, out: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(root), "export", "--as-of", AS_OF, "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def _unit_names(runner, root: Path, *args: str) -> list[str]:
    result = runner.invoke(app, ["-w", str(root), "status", "--as-of", AS_OF, "--format", "json", *args])
    return [u["name"] for u in json.loads(result.stdout)["units"] if u["role"] != "helper"]


def test_page_is_self_contained_and_escapes_names(demo_with_returns: Path, runner, tmp_path: Path) -> None:
    towns = demo_with_returns / "roster" / "aid_units.csv"
    text = towns.read_text(encoding="utf-8-sig")
    towns.write_text(text.replace("区教育局", "<script>alert(1)</script>局", 1), encoding="utf-8-sig")
    page = _export(runner, demo_with_returns, tmp_path / "城关镇.html", "--town", "城关镇")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;局" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched from elsewhere
    assert "<style>" in page and "<svg" in page and 'name="viewport"' in page


def test_xlsx_still_and_other_suffixes_refused(demo_with_returns: Path, runner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(demo_with_returns), "export", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and ".html" in result.stderr
    result = runner.invoke(app, ["-w", str(demo_with_returns), "export", "--as-of", AS_OF,
                                 "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "x.xlsx").read_bytes()[:2] == b"PK"


@needs_chromium
@pytest.mark.parametrize("town", ["城关镇", None])
def test_every_unit_is_on_the_page_and_fits_a_phone(demo_with_returns: Path, runner, tmp_path: Path,
                                                     town: str | None) -> None:
    args = ("--town", town) if town else ()
    assert _export(runner, demo_with_returns, page_path(tmp_path), *args)
    # The page has no script of its own: a frame page of the test's holds it at a phone's width and measures it
    # (a headless window is never narrower than 500 px, a frame is).
    dom = _chromium(tmp_path, "--window-size=1280,900", "--dump-dom", page_path(tmp_path).as_uri()).stdout
    for name in _unit_names(runner, demo_with_returns, *args):
        assert name in dom
    for phone in (360, 390):
        probe = tmp_path / f"probe{phone}.html"
        probe.write_text(f'<!DOCTYPE html><html><body><iframe src="report.html" width="{phone}" height="844" '
                         "onload=\"document.body.dataset.sw=this.contentDocument.documentElement.scrollWidth"
                         "+'/'+this.contentWindow.innerWidth\"></iframe></body></html>", encoding="utf-8")
        measured = _chromium(tmp_path, "--allow-file-access-from-files", "--window-size=1280,900", "--dump-dom",
                             probe.as_uri()).stdout
        content, viewport = map(int, re.search(r'data-sw="(\d+)/(\d+)"', measured).groups())
        assert viewport <= phone and content <= viewport  # no sideways scrolling; wide tables scroll inside


@needs_chromium
@pytest.mark.parametrize("size", ["390,844", "1280,800"])
def test_screenshot_is_not_blank(demo_with_returns: Path, runner, tmp_path: Path, size: str) -> None:
    from PIL import Image

    page = _export(runner, demo_with_returns, tmp_path / "城关镇.html", "--town", "城关镇")
    assert page
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--window-size={size}", f"--screenshot={shot}", (tmp_path / "城关镇.html").as_uri())
    image = Image.open(shot).convert("L")
    assert image.size == tuple(int(x) for x in size.split(","))
    low, high = image.getextrema()
    dark = image.histogram()[:128]
    dark = sum(dark)
    assert high - low > 100 and dark > 0.01 * image.size[0] * image.size[1]  # text drawn, not a blank page
