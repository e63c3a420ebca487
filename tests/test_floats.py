"""Figures that float, in both PDF engines: where a chart does not fit at the foot of a page, the text after it
flows in before it and fills the page, and the chart still comes after the paragraph that first refers to it.

The fixture (tests/fixtures/float) is a page of text, a paragraph that refers to the chart, the chart, and three
paragraphs after it; as written, the chart is too tall for the rest of the page and would leave a third of it
blank. The pages are read as a reader sees them, with word positions from poppler's `pdftotext -bbox-layout`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import copy_project
from tests.test_pdf_notes import MM, Word, page_words

FLOAT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "float"
MARGIN = 21 * MM  # the design's top and bottom page margins (briefkit/design.py)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")


def build(tmp_path: Path, engine: str) -> Path:
    root = copy_project(FLOAT_FIXTURE, tmp_path / engine)
    assert main(["--project", str(root), "--pdf-engine", engine, "-q"]) == 0
    return root / "build" / "float.pdf"


def find(pages: list[tuple[float, list[Word]]], *phrase: str) -> tuple[int, float]:
    """The page (from 0) and top of the first place where the words of `phrase` follow one another."""
    for number, (_, words) in enumerate(pages):
        texts = [w.text for w in words]
        for i in range(len(texts) - len(phrase) + 1):
            if tuple(texts[i:i + len(phrase)]) == phrase:
                return number, words[i].y0
    raise AssertionError(f"{' '.join(phrase)!r} is not in the PDF")


def largest_blank(height: float, words: list[Word]) -> float:
    """The tallest stretch of the text area with no word in it, as a share of the text area."""
    top, bottom = MARGIN, height - MARGIN
    inside = sorted((w for w in words if w.y0 >= top - 1 and w.y1 <= bottom + 1), key=lambda w: w.y0)
    blank, reached = 0.0, top
    for word in inside:
        blank = max(blank, word.y0 - reached)
        reached = max(reached, word.y1)
    return max(blank, bottom - reached) / (bottom - top)


def layout(pdf: Path) -> dict:
    pages = page_words(pdf)
    figure = find(pages, "Figure", "1.", "Trade")
    return {
        "pages": pages,
        "figure": figure,
        "reference": find(pages, "Figure", "1", "shows", "the", "series,"),
        "after": find(pages, "Text", "after", "the", "chart:"),
        "blank before": largest_blank(*pages[figure[0] - 1]),
    }


@pytest.fixture(params=["weasyprint", "typst"])
def engine(request) -> str:
    return request.param


def test_text_after_a_figure_fills_the_page_it_would_leave_blank(tmp_path: Path, engine: str):
    seen = layout(build(tmp_path, engine))
    figure_page = seen["figure"][0]
    # The chart starts a page, the page before it is full: no blank of a quarter of its text area.
    assert seen["blank before"] < 0.25, seen["blank before"]
    # The paragraph after the chart in the sources now comes before it, on the page it would have left blank.
    assert seen["after"][0] == figure_page - 1
    # And the chart still comes after the paragraph that first refers to it.
    assert seen["reference"] < seen["after"] < seen["figure"]


def test_without_floating_the_fixture_leaves_a_third_of_a_page_blank(tmp_path: Path, engine: str,
                                                                    monkeypatch: pytest.MonkeyPatch):
    """The fixture does what it is for: with no figure moved, the chart leaves the gap the other test sees filled."""
    from briefkit.outputs import pdf_floats, pdf_typst

    monkeypatch.setattr(pdf_floats, "MOVES", ())
    monkeypatch.setattr(pdf_typst, "MOVES", 0)
    seen = layout(build(tmp_path, engine))
    assert seen["blank before"] > 0.25, seen["blank before"]
    assert seen["reference"][0] == seen["figure"][0] - 1
    assert seen["figure"] < seen["after"]


def test_a_figure_moves_only_later_and_never_past_a_heading():
    from briefkit.outputs.pdf_floats import move_figures

    page = ('<!DOCTYPE html><html><body><section><p>See Figure 1.</p>'
            '<figure id="fig:a"><img src="a.svg" alt="A"/><figcaption>Figure 1. A</figcaption></figure>'
            '<div class="exhibit-source"><p>Source: a.</p></div>'
            '<p>First after.</p><h2>Next</h2><p>Under the heading.</p></section></body></html>')
    import lxml.html

    def order(html: str) -> list[str]:
        root = lxml.html.document_fromstring(html)
        return [(e.get("id") or e.get("class") or e.text_content()) for e in root.find("body/section")]

    moved = move_figures(page, {"fig:a": 2})
    assert order(moved) == ["See Figure 1.", "First after.", "fig:a", "exhibit-source", "Next",
                            "Under the heading."]
    # Nothing to move over (a heading comes next): nothing changes.
    assert move_figures(moved, {"fig:a": 1}) is None
