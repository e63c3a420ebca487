"""The web page in a real headless Chromium: on a phone and a desktop, with axe-core, and --watch's live reload.

Skips where Debian's chromium and chromium-driver, Selenium or axe-core (from `.ci/run`) are absent.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from briefkit.cli import describe_error
from briefkit.pipeline import build
from briefkit.watch import watch
from tests.conftest import FIXTURE, REPO, copy_project

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = REPO / ".ci" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "build" / "screenshots"
WIDTHS = {"phone": 390, "desktop": 1280}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# No network on the test machines: without these, chromium waits on refused connections.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[test])")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip("chromium and chromium-driver are not installed (.ci/run installs them with apt-get)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module, on a fresh profile; Selenium Manager is given the driver, so fetches nothing."""
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="briefkit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped briefing's web page, the tiny fixture's and the German map fixture's, each built once."""
    from tests.test_maps import ATLAS

    built = {}
    for name, source in (("briefing", REPO), ("mini", FIXTURE), ("atlas", ATLAS)):
        root = copy_project(source, tmp_path_factory.mktemp(name) / "project")
        result = build(root, out_dir=root / "build", formats=("html",), use_cache=False)
        built[name] = result.outputs["html"]
    built["changes"] = changes_page(tmp_path_factory.mktemp("changes") / "project")
    return built


def changes_page(root: Path) -> Path:
    """The web page of `build --compare`: the review fixture's second edition, marked against its first."""
    from briefkit.compare.changes import build_changes
    from tests.conftest import REVIEW_FIXTURE, committed_copy, git
    from tests.test_compare import second_edition

    committed_copy(REVIEW_FIXTURE, root, "first")
    git(root, "tag", "edition-1")
    second_edition(root)
    return build_changes(root, "edition-1")["html"]


def show(driver, url: str, width: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 844 if width < 600 else 900, "deviceScaleFactor": 1, "mobile": width < 600,
    })
    driver.get(url)
    driver.execute_script("return document.fonts.ready.then(() => true)")


def screenshot(driver, path: Path, full_page: bool) -> None:
    params = {"format": "png", "captureBeyondViewport": full_page}
    if full_page:
        size = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module", params=[(p, w) for p in ("briefing", "mini", "atlas", "changes") for w in WIDTHS])
def loaded(request, browser, pages):
    """The page open at one width; the briefing's screenshots are written to build/screenshots/."""
    name, width_name = request.param
    show(browser, pages[name].as_uri(), WIDTHS[width_name])
    if name in ("briefing", "changes"):
        screenshot(browser, SCREENSHOTS / f"{name}-{width_name}.png", full_page=width_name == "phone")
        if width_name == "phone":
            screenshot(browser, SCREENSHOTS / f"{name}-{width_name}-top.png", full_page=False)
    return browser, name, WIDTHS[width_name]


def test_no_horizontal_overflow(loaded):
    driver, _, width = loaded
    scroll_width, inner = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner == width
    wider = driver.execute_script("""
        return [...document.querySelectorAll('body *')].filter(e => {
          const r = e.getBoundingClientRect();
          if (!r.width || e.closest('.table-scroll') || e.closest('svg') !== null && e.tagName !== 'svg') return false;
          return r.right > document.documentElement.clientWidth + 0.5 || r.left < -0.5;
        }).map(e => e.tagName + '.' + e.getAttribute('class')).slice(0, 5);""")
    assert wider == []


def test_chart_text_readable(loaded):
    """The smallest text in the visible chart, in CSS px: the chart's real text, scaled as the screen shows it."""
    driver, name, width = loaded
    sizes = driver.execute_script(r"""
        const out = [];
        for (const svg of document.querySelectorAll('figure svg')) {
          if (!svg.getBoundingClientRect().width) continue;
          for (const t of svg.querySelectorAll('text')) {
            const m = t.getScreenCTM();
            if (m && t.getBoundingClientRect().width)
              out.push(parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.c, m.d));
          }
        }
        return out;""")
    if name in ("briefing", "atlas"):
        assert sizes, "the page has a chart or a map"
    if sizes and width < 600:
        assert min(sizes) >= 9, f"smallest chart text {min(sizes):.1f} px"


def test_captions_fully_visible(loaded):
    driver, _, _ = loaded
    clipped = driver.execute_script("""
        const bad = [];
        for (const cap of document.querySelectorAll('figcaption, caption, .exhibit-source')) {
          const r = cap.getBoundingClientRect();
          let e = cap.parentElement;
          while (e && e !== document.body) {
            const style = getComputedStyle(e);
            if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
              const c = e.getBoundingClientRect();
              if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5)
                bad.push(cap.textContent.slice(0, 60));
            }
            e = e.parentElement;
          }
          if (r.right > document.documentElement.clientWidth + 0.5 || cap.scrollWidth > cap.clientWidth + 1)
            bad.push(cap.textContent.slice(0, 60));
        }
        return bad;""")
    assert clipped == []


def test_scroll_regions_focusable_and_labelled(loaded):
    driver, _, _ = loaded
    regions = driver.execute_script("""
        return [...document.querySelectorAll('.table-scroll')].map(e => [e.tabIndex, e.getAttribute('role'),
          (document.getElementById(e.getAttribute('aria-labelledby') || '') || {}).textContent
          || e.getAttribute('aria-label')]);""")
    for tab_index, role, label in regions:
        assert tab_index == 0 and role == "region" and label


def test_contents_entries_hang_after_their_numbers(loaded):
    driver, _, _ = loaded
    ragged = driver.execute_script("""
        const contents = document.querySelector('details.contents');
        if (contents) contents.open = true;
        const bad = [];
        for (const number of document.querySelectorAll('.contents .toc-section-number')) {
          const text = number.nextSibling;
          if (!text) continue;
          const range = document.createRange();
          range.selectNodeContents(text);
          const lefts = [...range.getClientRects()].filter(r => r.width > 1).map(r => Math.round(r.left));
          if (new Set(lefts).size > 1) bad.push(number.parentElement.textContent);
        }
        if (contents) contents.open = false;
        return bad;""")
    assert ragged == []


def test_no_axe_violations(loaded):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (.ci/run: npm install --prefix .ci axe-core)")
    driver, _, _ = loaded
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length,"
        " v.nodes.slice(0, 2).map(n => n.target.join(' '))])), e => done([['error', String(e), 0, []]]));",
        WCAG_22_AA)
    assert violations == []


def test_note_opens_where_cited_and_links_back(loaded):
    driver, _, _ = loaded
    refs = driver.find_elements("css selector", "a.footnote-ref")
    if not refs:
        pytest.skip("no notes on this page")
    ref = refs[0]
    note_id = ref.get_attribute("href").rsplit("#", 1)[1]
    note = driver.find_element("id", note_id)
    assert not note.is_displayed()
    ref_box = driver.execute_script("return arguments[0].getBoundingClientRect().height", ref)
    line = driver.execute_script("return parseFloat(getComputedStyle(arguments[0].parentElement).lineHeight)", ref)
    assert ref_box >= 20 and ref_box <= line * 1.3
    driver.execute_script("arguments[0].click()", ref)
    assert note.is_displayed()
    gap = driver.execute_script(
        "return arguments[1].getBoundingClientRect().top - arguments[0].getBoundingClientRect().bottom", ref, note)
    assert 0 <= gap < 60, "the note opens just under its call"
    back = note.find_element("css selector", "a.note-back")
    driver.execute_script("arguments[0].click()", back)
    assert not note.is_displayed()
    assert driver.execute_script("return location.hash") == "#" + ref.get_attribute("id")
    assert driver.find_element("id", "notes-heading").text


@pytest.fixture
def watched(tmp_path: Path):
    root = copy_project(FIXTURE, tmp_path / "mini")
    stop = threading.Event()
    ports: list[int] = []
    run = partial(build, root, root / "build", parallel=False)
    thread = threading.Thread(
        target=watch, args=(root, run, root / "build" / "mini.html", ("html",), 0, describe_error),
        kwargs={"stop": stop, "ready": ports.append}, daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not ports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ports, "the watch server did not start"
    yield root, ports[0]
    stop.set()
    thread.join(timeout=10)


def test_watch_reloads_the_open_page(browser, watched):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    root, port = watched
    show(browser, f"http://127.0.0.1:{port}/", WIDTHS["desktop"])
    assert "Trade reached" in browser.find_element("tag name", "main").text
    browser.execute_script("window.briefkitMarker = 1")
    section = root / "report" / "sections" / "01-summary.md"
    section.write_text(section.read_text(encoding="utf-8").replace("Trade reached", "Trade climbed to"),
                       encoding="utf-8")
    # The page may reload between finding <main> and reading it: that try is stale, the next one reads the new page.
    WebDriverWait(browser, 30, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Trade climbed to" in d.find_element("tag name", "main").text)
    assert browser.execute_script("return window.briefkitMarker") is None, "the page reloaded itself"
