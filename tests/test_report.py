"""The Snakemake report of the default run, opened in headless Chromium."""

import base64
import html
import json
import os
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from .conftest import snakemake

pytestmark = pytest.mark.workflow

# No sandbox (root in CI), no GPU, and nothing that reaches the network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium missing: .ci/run installs Debian's chromium")
    pytest.skip("apt-get install chromium to run the report test")


def _run(chromium: str, *args: str, profile: Path) -> str:
    proc = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _results(report: Path) -> dict:
    """The report's embedded results: path -> {mime_type, data_uri, ...}."""
    text = report.read_text()
    start = text.index("var results = {") + len("var results = ")
    return json.JSONDecoder().raw_decode(text, start)[0]


def test_report_opens_with_every_figure_and_the_claims_table(default_run, tmp_path):
    chromium = _chromium()
    report = tmp_path / "report.html"
    snakemake(default_run, "--report", str(report), check=True)
    results = _results(report)
    figures = {path: r for path, r in results.items() if r["mime_type"].startswith("image/")}
    # Every registered PNG of the run is in the report.
    expected = {
        str(p.relative_to(default_run))
        for p in (default_run / "results").rglob("*.png")
        if "findings" in p.parts or "experiments" in p.parts
    }
    assert expected <= set(figures), sorted(expected - set(figures))[:5]

    # The report itself renders: a screenshot, and its categories in the DOM.
    screenshot = tmp_path / "report.png"
    _run(
        chromium,
        f"--screenshot={screenshot}",
        "--window-size=1400,1000",
        "--virtual-time-budget=15000",
        report.as_uri(),
        profile=tmp_path / "profile-1",
    )
    assert screenshot.stat().st_size > 20_000
    dom = _run(chromium, "--dump-dom", "--virtual-time-budget=15000", report.as_uri(),
               profile=tmp_path / "profile-2")  # fmt: skip
    for category in ("Claims", "Spaces", "Model studies"):
        assert category in dom

    # Every figure decodes in the browser: load each data URI as an image and read its size.
    page = tmp_path / "figures.html"
    uris = [html.escape(r["data_uri"]) for r in figures.values()]
    imgs = "".join(f'<img id="f{i}" src="{uri}">' for i, uri in enumerate(uris))
    page.write_text(
        "<html><body>" + imgs + "<script>window.onload = () => { const out = [];"
        "for (const img of document.images) out.push([img.id, img.naturalWidth]);"
        "const pre = document.createElement('pre'); pre.id = 'out';"
        "pre.textContent = JSON.stringify(out); document.body.appendChild(pre); };"
        "</script></body></html>"
    )
    dom = _run(chromium, "--dump-dom", "--virtual-time-budget=30000", page.as_uri(),
               profile=tmp_path / "profile-3")  # fmt: skip
    sizes = json.loads(html.unescape(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)[1]))
    names = list(figures)
    broken = [names[int(i[1:])] for i, width in sizes if width == 0]
    assert len(sizes) == len(figures) and not broken, broken

    # The claims table is in the report, whole.
    (claims_path,) = [p for p in results if p.endswith("claims.csv")]
    payload = results[claims_path]["data_uri"].split("base64,", 1)[1]
    claims = pd.read_csv(StringIO(base64.b64decode(payload).decode()))
    on_disk = pd.read_csv(default_run / claims_path)
    pd.testing.assert_frame_equal(claims, on_disk)
    assert "holds" in claims.columns and len(claims) >= 10
