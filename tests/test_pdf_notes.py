"""Footnotes in the WeasyPrint PDF as a reader meets them: each note on the page of its call, each call next to
its word, every note printed once.

The pages are read with word positions from poppler's `pdftotext -bbox-layout`. A footnote call is a word of
digits set smaller than the text around it (a superscript); a note starts with "N." in the footnote area, the
rows of small type at the foot of the page, above the running footer, whose top row starts with such a number.

Run as a script (`python tests/test_pdf_notes.py some.pdf`) to print what is misplaced in any PDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NAME = "turkmenistan-russia-briefing"
MM = 72 / 25.4
CALL = re.compile(r"^[0-9]+$")
MARKER = re.compile(r"^([0-9]+)\.$")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Page:
    number: int
    calls: list[tuple[int, Word]] = field(default_factory=list)  # (note number, the call's word)
    notes: list[int] = field(default_factory=list)  # note numbers in the footnote area
    stranded: list[int] = field(default_factory=list)  # calls that start a line
    parted: list[int] = field(default_factory=list)  # notes whose number ends a line, the text on the next


def page_words(pdf: Path) -> list[tuple[float, list[Word]]]:
    """Every page as (height, words) from pdftotext -bbox-layout."""
    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    xhtml = re.sub(r"<!DOCTYPE[^>]*>", "", xhtml)
    root = ET.fromstring(xhtml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in root.iterfind(".//x:page", ns):
        words = [Word(w.text or "", float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")),
                      float(w.get("yMax"))) for w in page.iterfind(".//x:word", ns)]
        pages.append((float(page.get("height")), words))
    return pages


def rows(words: list[Word], small: set[int]) -> list[list[Word]]:
    """Words grouped into rows of type (top to bottom, each left to right); a superscript (`small`, by id) joins
    the row it is raised in, since its middle lies within that row's full-size words."""
    full = sorted((w for w in words if id(w) not in small), key=lambda w: (w.y0, w.x0))
    grouped: list[list[Word]] = []
    for word in full:
        if grouped and abs(grouped[-1][0].y0 - word.y0) < 0.5 and abs(grouped[-1][0].y1 - word.y1) < 0.5:
            grouped[-1].append(word)
        else:
            grouped.append([word])
    for word in words:
        if id(word) not in small:
            continue
        host = [row for row in grouped if row[0].y0 - 0.5 <= word.middle <= row[0].y1 + 0.5]
        if host:
            min(host, key=lambda row: abs(row[0].middle - word.middle)).append(word)
        else:
            grouped.append([word])
    grouped.sort(key=lambda row: min(w.y0 for w in row))
    return [sorted(row, key=lambda w: w.x0) for row in grouped]


def small_digits(words: list[Word]) -> set[int]:
    """The ids of the words of digits set clearly smaller than their neighbour: the word they touch on the left,
    or (at the start of a line) the word that follows them: footnote calls."""
    found = set()
    for word in words:
        if not CALL.match(word.text):
            continue
        row = [w for w in words if w is not word and w.y0 <= word.middle <= w.y1]
        left = [w for w in row if -0.5 <= word.x0 - w.x1 <= 1.0]
        right = [w for w in row if 0 <= w.x0 - word.x1 <= 8.0]
        beside = left or sorted(right, key=lambda w: w.x0)[:1]
        if beside and word.height < 0.8 * max(w.height for w in beside):
            found.add(id(word))
    return found


def foot_rows(lines: list[list[Word]]) -> list[list[Word]]:
    """The rows of one small size at the foot of the page, topped by a row that starts with a note number: the
    footnote area if the page has one (top to bottom)."""
    area: list[list[Word]] = []
    for row in reversed(lines):
        size = row[0].height
        if any(abs(w.height - size) > 0.3 for w in row):
            break
        if area and (abs(size - area[-1][0].height) > 0.3 or area[-1][0].y0 - row[0].y1 > 3 * size):
            break
        area.append(row)
    while area and not MARKER.match(area[-1][0].text):
        area.pop()
    return area[::-1]


def read_pages(pdf: Path, margin_bottom: float = 21 * MM) -> list[Page]:
    """Each page's footnote calls and note numbers. The footnote area has one type size throughout the document:
    the size of most candidate areas; a list at the foot of a page in another size (the sources) is not one."""
    read = []
    for height, words in page_words(pdf):
        content = [w for w in words if w.y0 < height - margin_bottom]  # the running footer left out
        small = small_digits(content)
        lines = rows(content, small)
        read.append((content, small, lines, foot_rows(lines)))
    sizes = [round(area[0][0].height, 1) for *_, area in read if area]
    size = max(set(sizes), key=sizes.count) if sizes else 0.0
    pages = []
    for number, (_content, small, lines, area) in enumerate(read, start=1):
        if area and abs(area[0][0].height - size) > 0.3:
            area = []
        page = Page(number)
        in_area = {id(w) for row in area for w in row}
        # A note starts with its number, after the wider gap between two notes or at the start of a row; there
        # only as the number after the last note's, since run-in notes wrap and a year ending a sentence of a
        # note ("September 2024.") can start a row too.
        for row in area:
            for index, word in enumerate(row):
                marker = MARKER.match(word.text)
                if not marker:
                    continue
                if index == 0 and page.notes and int(marker.group(1)) != page.notes[-1] + 1:
                    continue
                if index == 0 or word.x0 - row[index - 1].x1 > 4.0:
                    page.notes.append(int(marker.group(1)))
                    if index == len(row) - 1:
                        page.parted.append(page.notes[-1])
        for row in lines:
            for index, word in enumerate(row):
                if id(word) in in_area or id(word) not in small:
                    continue
                page.calls.append((int(word.text), word))
                before = [w for w in row[:index] if id(w) not in small]
                if not before or word.x0 - before[-1].x1 > 1.0:
                    page.stranded.append(int(word.text))
        pages.append(page)
    return pages


def problems(pages: list[Page]) -> dict[str, list[str]]:
    """What a reader would trip over, by kind: notes away from their call, calls starting a line, a note's number
    parted from its text by a line break, note numbers missing or printed twice."""
    found: dict[str, list[str]] = {"misplaced": [], "stranded": [], "parted": [], "numbering": []}
    note_pages: dict[int, list[int]] = {}
    for page in pages:
        for number in page.notes:
            note_pages.setdefault(number, []).append(page.number)
    calls = [number for page in pages for number, _ in page.calls]
    for page in pages:
        for number, _ in page.calls:
            if number not in page.notes:
                where = note_pages.get(number)
                found["misplaced"].append(f"call {number} on page {page.number}: note "
                                          + (f"on page {', '.join(map(str, where))}" if where else "not printed"))
        for number in page.stranded:
            found["stranded"].append(f"call {number} starts a line on page {page.number}")
        for number in page.parted:
            found["parted"].append(f"note {number} on page {page.number}: its number ends a line")
    last = max(calls + list(note_pages), default=0)
    for number in range(1, last + 1):
        if len(note_pages.get(number, [])) != 1:
            found["numbering"].append(f"note {number} printed {len(note_pages.get(number, []))} times")
        if calls.count(number) != 1:
            found["numbering"].append(f"call {number} printed {calls.count(number)} times")
    return found


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext is not installed (Debian poppler-utils)")


@pytest.fixture(scope="module")
def notes_found(built_briefing: Path) -> tuple[list[Page], dict[str, list[str]]]:
    pages = read_pages(built_briefing / f"{NAME}.pdf")
    return pages, problems(pages)


@needs_poppler
def test_the_briefing_has_footnotes_to_check(notes_found):
    pages, _ = notes_found
    assert sum(len(page.calls) for page in pages) > 100
    assert sum(len(page.notes) for page in pages) > 100


@needs_poppler
def test_every_note_is_on_the_page_of_its_call(notes_found):
    _, found = notes_found
    assert found["misplaced"] == []


@needs_poppler
def test_no_footnote_call_starts_a_line(notes_found):
    _, found = notes_found
    assert found["stranded"] == []


@needs_poppler
def test_no_note_number_ends_a_line_without_its_text(notes_found):
    _, found = notes_found
    assert found["parted"] == []


@needs_poppler
def test_every_note_number_is_printed_once(notes_found):
    _, found = notes_found
    assert found["numbering"] == []


if __name__ == "__main__":
    for path in sys.argv[1:]:
        read = read_pages(Path(path))
        report = problems(read)
        print(f"{path}: {len(read)} pages, {sum(len(p.calls) for p in read)} calls,"
              f" {sum(len(p.notes) for p in read)} notes; " + ", ".join(f"{k} {len(v)}" for k, v in report.items()))
        for kind, lines in report.items():
            for line in lines:
                print(f"  {kind}: {line}")
