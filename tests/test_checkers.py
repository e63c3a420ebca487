"""The web pages as checkers that nobody here wrote see them: the W3C Nu HTML Checker (vnu) on both briefings.

vnu comes from the npm package vnu-jar, which `.ci/run` installs into .ci/node_modules; it runs on the machine's
Java. The test skips, saying which, where either is missing. The PDF's outside checkers (qpdf, pdfinfo) are in
test_pdf.py and test_pdf_typst.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from briefkit import pandoc
from briefkit.pipeline import build
from tests.conftest import REPO, copy_project

VNU_JAR = REPO / ".ci" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
EXAMPLE = REPO / "examples" / "state-visit-2025"


def nu_checker_messages(pages: list[Path]) -> list[dict]:
    """vnu's errors and warnings on the pages (its plain `info` notes, such as on `<br />`, left out)."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (Debian default-jre-headless); the Nu HTML Checker needs it")
    if not VNU_JAR.is_file():
        pytest.skip(f"the Nu HTML Checker is not installed at {VNU_JAR.relative_to(REPO)} (.ci/run installs "
                    "the npm package vnu-jar there)")
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, pages)],
                            capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no report (exit {result.returncode}): {result.stderr[-2000:]}")
    return [m for m in messages if m.get("type") != "info" or m.get("subType") == "warning"]


def describe(messages: list[dict]) -> str:
    return "\n".join(f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('type')}"
                     f"{'/' + m['subType'] if 'subType' in m else ''}: {m.get('message')}" for m in messages)


@pytest.fixture(scope="module")
def note_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state-visit note's web page, built on its own."""
    root = copy_project(EXAMPLE, tmp_path_factory.mktemp("note") / "state-visit-2025")
    return build(root, out_dir=root / "build", formats=("html",), use_cache=False).outputs["html"]


def test_both_web_pages_are_clean_in_the_nu_html_checker(built_briefing: Path, note_page: Path):
    pages = [built_briefing / "turkmenistan-russia-briefing.html", note_page]
    found = nu_checker_messages(pages)
    assert not found, f"{len(found)} errors and warnings:\n{describe(found)}"


def test_the_title_is_the_web_pages_only_h1(built_briefing: Path, note_page: Path):
    for page in (built_briefing / "turkmenistan-russia-briefing.html", note_page):
        html = page.read_text(encoding="utf-8")
        assert re.findall(r"<h1\b[^>]*>", html) == ['<h1 class="title">'], page.name
        main = html[html.index("<main>"):]
        # The sections, the notes' heading among them, one level below the title, their subsections below them.
        assert re.search(r'<section id="[^"]+" class="level2', main) and "<h2" in main
        assert not re.search(r'class="level1\b', main)


def test_the_inline_charts_carry_no_rdf_metadata(built_briefing: Path, note_page: Path):
    import xml.etree.ElementTree as ET

    for page in (built_briefing / "turkmenistan-russia-briefing.html", note_page):
        html = page.read_text(encoding="utf-8")
        assert "<svg" in html and "<metadata" not in html and "rdf:RDF" not in html, page.name
    drawn = sorted((built_briefing.parent / ".cache").rglob("*.svg"))
    assert drawn
    for svg in drawn:
        root = ET.fromstring(svg.read_text(encoding="utf-8"))  # still well-formed SVG
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.find("{*}metadata") is None, svg


def test_only_the_web_page_shifts_its_headings(tmp_path: Path):
    """The print HTML (and so the PDF's tags and outline) keeps the sections as h1."""
    (tmp_path / "sources.json").write_text("[]", encoding="utf-8")
    meta = pandoc.write_metadata({"title": "T", "lang": "en"}, tmp_path / "meta.json")
    templates = REPO / "briefkit" / "defaults" / "templates"
    inputs = pandoc.PandocInputs(tmp_path / "sources.json", templates / "briefkit-note.csl", tmp_path, templates)
    markdown = "# One {#one}\n\n## Part\n\nText.\n\n### Detail\n\nMore.\n"
    web_toc, web = pandoc.html_body(markdown, inputs, meta, footnotes="end")
    print_toc, printed = pandoc.html_body(markdown, inputs, meta, footnotes="inline")
    assert re.findall(r"<(h\d)\b", web) == ["h2", "h3", "h4"]
    assert re.findall(r"<(h\d)\b", printed) == ["h1", "h2", "h3"]
    # Both contents list the sections and their subsections, numbered alike.
    for toc in (web_toc, print_toc):
        assert re.findall(r'toc-section-number">([\d.]+)<', toc) == ["1", "1.1"]
