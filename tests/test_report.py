"""The Snakemake report of the default run, opened in headless Chromium."""

import base64
import html
import json
import re
import zipfile
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hullgen.claims.verdict import OUTCOME_COLOURS, outcome_role

from .helpers.report import chromium, run_chromium
from .helpers.workflow import snakemake

pytestmark = pytest.mark.workflow

# No sandbox (root in CI), no GPU, and nothing that reaches the network.


# Appended to the report page: clicks each figure link of the front page in turn and records
# the view it leads to (the result shown, and whether its caption is on the page).
CLICK_EVERY_FIGURE_LINK = """<script>
window.addEventListener("load", () => setTimeout(async () => {
  const out = [], errors = [];
  window.addEventListener("error", (e) => errors.push(String(e.message)));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const hrefs = [...document.querySelectorAll('a[href^="javascript:app.showResultInfo("]')]
    .map((a) => a.getAttribute("href"));
  for (const href of hrefs) {
    const path = href.match(/showResultInfo\\('(.*)'\\)/)[1];
    app.setView({navbarMode: "menu"});
    await sleep(20);
    document.querySelector(`a[href="${href}"]`).click();
    await sleep(50);
    const caption = new DOMParser().parseFromString(results[path].caption, "text/html")
      .body.textContent.trim().split(/\\s+/).slice(0, 4).join(" ");
    out.push([path, app.state.navbarMode, app.state.resultPath,
              document.body.innerText.includes(caption)]);
  }
  const pre = document.createElement("pre");
  pre.id = "clicks";
  pre.textContent = JSON.stringify({out, errors});
  document.body.appendChild(pre);
}, 500));
</script>"""


def _variable(text: str, name: str):
    """A JSON variable of the report page (``var results = {...};`` in its own script)."""
    start = re.search(rf"<script[^>]*>\s*var {name} = ", text).end()
    return json.JSONDecoder().raw_decode(text, start)[0]


def _results(report: Path) -> dict:
    """The report's embedded results: path -> {mime_type, data_uri, labels, ...}."""
    return _variable(report.read_text(), "results")


def _figures_on_disk(run: Path, suffix: str) -> set[str]:
    return {
        str(p.relative_to(run))
        for p in (run / "results").rglob(f"*{suffix}")
        if "findings" in p.parts or "experiments" in p.parts
    }


@pytest.fixture(scope="module")
def html_report(default_run, tmp_path_factory) -> Path:
    """The self-contained HTML report of the default run."""
    report = tmp_path_factory.mktemp("report") / "report.html"
    snakemake(default_run, "--report", str(report), check=True)
    return report


def test_report_registers_each_png_once_labelled_and_no_pdf(default_run, html_report):
    text = html_report.read_text()
    results = _variable(text, "results")
    figures = {path: r for path, r in results.items() if r["mime_type"].startswith("image/")}
    # Every PNG of the run is in the report, once; no PDF is.
    assert set(figures) == _figures_on_disk(default_run, ".png")
    assert not [p for p, r in results.items() if p.endswith(".pdf") or "pdf" in r["mime_type"]]
    listed = [
        path
        for subcategories in _variable(text, "categories").values()
        for paths in subcategories.values()
        for path in paths
    ]
    assert sorted(listed) == sorted(results)
    # Labels: the figure's kind, and its space or model study.
    config = yaml.safe_load((default_run / "config/config.yaml").read_text())
    spaces = [space["name"] for space in config["spaces"]]
    for path, result in figures.items():
        p = Path(path)
        labels = result["labels"] or {}
        assert labels.get("figure") == p.stem, (path, labels)
        if p.parent.name in spaces:
            assert labels == {"space": p.parent.name, "figure": p.stem}, (path, labels)
        elif "experiments" in p.parts:
            assert labels == {"study": p.parent.name, "figure": p.stem}, (path, labels)
        else:
            assert labels == {"figure": p.stem}, (path, labels)
        assert result["caption"].strip(), path
    # Every result is labelled, so every category lists its results by their labels.
    assert all(r["labels"] for r in results.values())


def test_front_page_shows_dataset_spaces_and_claims_with_figure_links(default_run, html_report):
    text = html_report.read_text()
    results = _variable(text, "results")
    front = _variable(text, "workflow_desc")
    info = json.loads((default_run / "results/digits/data/info.json").read_text())
    assert "digits" in front
    assert f"{info['n_train']:,} training and {info['n_test']:,} test images" in front
    config = yaml.safe_load((default_run / "config/config.yaml").read_text())
    for space in config["spaces"]:
        assert f"<td>{space['name']}</td>" in front, space["name"]
    claims = pd.read_csv(default_run / "results/digits/claims.csv", keep_default_na=False)
    links = re.findall(r"href=\"javascript:app\.showResultInfo\('([^']*)'\)\"", front)
    assert set(links) <= set(results), sorted(set(links) - set(results))
    rows = re.findall(r"<tr>(.*?)</tr>", front, re.S)
    for claim in claims.itertuples():
        (row,) = [r for r in rows if re.match(rf"<td>{re.escape(claim.id)}</td>", r)]
        # The verdict in its colour: a span of the outcome's class, styled on the page.
        role = outcome_role(claim.holds)
        assert f'<span class="{role}">{html.escape(claim.holds)}</span>' in row, claim.id
        assert f"span.{role} {{ background: {OUTCOME_COLOURS[claim.holds]}" in front
        cells = [" ".join(html.unescape(re.sub(r"<[^>]*>", "", c)).split())
                 for c in re.findall(r"<td>(.*?)</td>", row, re.S)]  # fmt: skip
        # The value on this run, the sample it rests on, the criterion.
        expected = [claim.value, claim.sample, claim.criterion]
        assert cells[2:5] == [" ".join(text.split()) for text in expected]
        figures = [p.strip() for p in claim.figure.split(";") if p.strip()]
        linked = re.findall(r"javascript:app\.showResultInfo\('([^']*)'\)", row)
        assert linked == figures, (claim.id, linked, figures)


def test_zip_report_holds_every_png_and_no_pdf(default_run, tmp_path):
    report = tmp_path / "report.zip"
    snakemake(default_run, "--report", str(report), check=True)
    with zipfile.ZipFile(report) as archive:
        names = archive.namelist()
        page = archive.read("report/report.html").decode()
    results = _variable(page, "results")
    assert {p for p, r in results.items() if r["mime_type"] == "image/png"} == _figures_on_disk(
        default_run, ".png"
    )
    for result in results.values():
        assert f"report/{result['data_uri']}" in names, result["data_uri"]
    assert not [name for name in names if name.endswith(".pdf")]
    assert "The paper's claims on this run" in _variable(page, "workflow_desc")


def test_report_opens_with_every_figure_and_the_claims_table(default_run, html_report, tmp_path):
    browser = chromium()
    report = html_report
    results = _results(report)
    figures = {path: r for path, r in results.items() if r["mime_type"].startswith("image/")}

    # The report itself renders: a screenshot, and its categories in the DOM.
    screenshot = tmp_path / "report.png"
    run_chromium(
        browser,
        f"--screenshot={screenshot}",
        "--window-size=1400,1000",
        "--virtual-time-budget=15000",
        report.as_uri(),
        profile=tmp_path / "profile-1",
    )
    assert screenshot.stat().st_size > 20_000
    dom = run_chromium(browser, "--dump-dom", "--virtual-time-budget=15000", report.as_uri(),
               profile=tmp_path / "profile-2")  # fmt: skip
    for category in ("Claims", "Spaces", "Model studies"):
        assert category in dom
    # The front page opens the report: the dataset, the spaces, the claims table.
    for heading in ("The dataset", "The spaces", "claims on this run"):
        assert heading in dom, heading
    assert dom.count("javascript:app.showResultInfo(") >= 10

    # Each figure link of the front page opens that figure's entry (its labels and caption).
    clicker = tmp_path / "clicker.html"
    head, body_end, tail = report.read_text().rpartition("</body>")
    clicker.write_text(head + CLICK_EVERY_FIGURE_LINK + body_end + tail)
    dom = run_chromium(browser, "--dump-dom", "--virtual-time-budget=60000", clicker.as_uri(),
               profile=tmp_path / "profile-4")  # fmt: skip
    clicks = json.loads(html.unescape(re.search(r'<pre id="clicks">(.*?)</pre>', dom, re.S)[1]))
    assert not clicks["errors"] and len(clicks["out"]) >= 10, clicks["errors"]
    for path, mode, shown, caption_shown in clicks["out"]:
        assert (mode, shown, caption_shown) == ("resultinfo", path, True), path

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
    dom = run_chromium(browser, "--dump-dom", "--virtual-time-budget=30000", page.as_uri(),
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


def test_class_names_a_font_lacks_draw_from_another_or_are_said_once(caplog):
    """A class name's characters that the default font lacks are drawn from an installed
    font that has them; those no font has are said once in the log, and matplotlib's
    per-glyph warnings are not repeated for every figure."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    from hullgen.figures import use_figure_options, use_fonts_for

    def draw(text):
        fig, ax = plt.subplots()
        ax.set_title(text)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        plt.close(fig)
        return [str(w.message) for w in caught if "missing from" in str(w.message)]

    with matplotlib.rc_context():
        # Modifier letters that matplotlib's DejaVu Sans lacks and its DejaVu Serif has.
        assert draw("˯ᴥ") != []
        assert use_fonts_for(["cat ˯ᴥ"]) == []
        assert "DejaVu Serif" in matplotlib.rcParams["font.family"]
        assert draw("˯ᴥ") == []
    with matplotlib.rc_context(), warnings.catch_warnings():
        caplog.set_level("WARNING", logger="hullgen")
        use_figure_options({"dpi": 50}, ["猫", "chien", "犬"])
        said = [r.getMessage() for r in caplog.records if "no installed font" in r.getMessage()]
        assert len(said) == 1 and said[0].startswith("no installed font draws 犬 猫 "), said
        fig, ax = plt.subplots()
        ax.set_title("猫")
        with warnings.catch_warnings(record=True) as caught:
            fig.canvas.draw()
        plt.close(fig)
        assert not [w for w in caught if "missing from" in str(w.message)]
