"""Figures that float in the WeasyPrint PDF: text flows in before a figure that does not fit at the foot of a page.

WeasyPrint has no page floats: a chart, a map or a table too tall for what is left of a page goes to the next one
and leaves the rest of the page blank. As a print designer would, the document is laid out, and each figure that
starts a page after a page whose foot is blank for more than a quarter of its text area is moved after the
paragraph (then the two paragraphs) that follow it in the HTML, within its section and never past a heading. The
text that refers to a figure comes before it and stays before it: a figure only ever moves later. The layout with
the least blank before figures is kept, and only if it has no more pages. Nothing is laid out again where no figure
leaves such a gap, so a briefing without one costs nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

LOG = logging.getLogger(__name__)

GAP = 0.25  # a blank foot larger than this share of the text area is a gap
TOP = 24.0  # a figure whose top is within this many CSS px of the page's top starts the page
MOVES = (1, 2)  # the paragraphs a figure is moved after, tried in turn


@dataclass(frozen=True)
class Gap:
    figure: str  # the id of the figure that starts the page
    page: int  # the page (from 0) whose foot is blank
    share: float  # the blank's share of that page's text area


def float_figures(page_html: str, render: Callable[[str], object]) -> object:
    """The rendered document of `page_html`, or of a copy whose figures are moved so that text fills the gaps."""
    document = render(page_html)
    gaps = figure_gaps(document)
    if not gaps:
        return document
    best, best_gaps = document, gaps
    for count in MOVES:
        html = move_figures(page_html, {gap.figure: count for gap in gaps})
        if html is None:
            break
        candidate = render(html)
        candidate_gaps = figure_gaps(candidate)
        LOG.debug("figures moved after %d paragraphs: gaps %s", count, candidate_gaps)
        if len(candidate.pages) <= len(document.pages) and _blank(candidate_gaps) < _blank(best_gaps):
            best, best_gaps = candidate, candidate_gaps
        if not candidate_gaps:
            break
    return best


def _blank(gaps: list[Gap]) -> float:
    return sum(gap.share for gap in gaps)


def figure_gaps(document) -> list[Gap]:
    """Each figure (a <figure>, or a <table> with an id) that starts a page after a page with a blank foot."""
    from weasyprint.formatting_structure import boxes

    gaps = []
    previous = None  # (page index, share of blank) of the page before
    seen: set[str] = set()  # the figures met on earlier pages (a table goes on over pages)
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        top = page_box.content_box_y()
        limit = top + page_box.height
        flow = [child for child in page_box.children
                if not isinstance(child, (boxes.MarginBox, boxes.FootnoteAreaBox))]
        notes = [child for child in page_box.children if isinstance(child, boxes.FootnoteAreaBox) and child.children]
        if notes:
            limit = min(limit, notes[0].position_y)
        first, bottom = _first_and_bottom(flow, boxes)
        if previous is not None and first is not None and previous[1] > GAP:
            element_id, y = first
            if y - top < TOP and element_id not in seen:
                gaps.append(Gap(element_id, previous[0], previous[1]))
        seen.update(_ids(flow, boxes))
        share = (limit - bottom) / page_box.height if bottom is not None and page_box.height else 0.0
        previous = (index, share)
    return gaps


def _first_and_bottom(flow: list, boxes) -> tuple[tuple[str, float] | None, float | None]:
    """The first figure box on the page and its top, if nothing of the text comes before it; the flow's bottom."""
    bottom = None
    first_content = None  # the top of the first line, row or picture
    first_figure = None
    stack = list(reversed(flow))
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        if first_figure is None and first_content is None and element is not None and tag in ("figure", "table") \
                and element.get("id"):
            first_figure = (element.get("id"), box.position_y)
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox)):
            end = box.position_y + box.margin_height()
            bottom = end if bottom is None else max(bottom, end)
            if first_content is None:
                first_content = box.position_y
            continue
        if isinstance(box, boxes.ParentBox):
            stack.extend(reversed(box.children))
    return first_figure, bottom


def _ids(flow: list, boxes) -> set[str]:
    found = set()
    stack = list(flow)
    while stack:
        box = stack.pop()
        if getattr(box, "element_tag", None) in ("figure", "table") and box.element.get("id"):
            found.add(box.element.get("id"))
        elif isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
            stack.extend(box.children)
    return found


def move_figures(page_html: str, plan: dict[str, int]) -> str | None:
    """The HTML with each figure of `plan` (id: n) moved after the n paragraphs that follow it; None if none moves.

    A figure travels with its source line (the div.exhibit-source after it); it moves only over paragraphs of its
    own section, never past a heading, a list or another figure, and never earlier.
    """
    import lxml.html

    root = lxml.html.document_fromstring(page_html)
    changed = False
    for figure_id, count in plan.items():
        found = root.xpath("//*[@id=$id]", id=figure_id)
        if not found or count < 1:
            continue
        figure = found[0]
        if figure.tag == "table" and figure.getparent() is not None and figure.getparent().tag == "figure":
            figure = figure.getparent()
        block = [figure]
        after = figure.getnext()
        if after is not None and "exhibit-source" in (after.get("class") or "").split():
            block.append(after)
            after = after.getnext()
        last = None
        for _ in range(count):
            if after is None or after.tag != "p" or after.get("class"):
                break
            last, after = after, after.getnext()
        if last is None:
            continue
        anchor = last
        for element in block:
            anchor.addnext(element)  # addnext moves the element, with its tail
            anchor = element
        changed = True
    if not changed:
        return None
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
