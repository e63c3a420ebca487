"""The table of contents: a real TOC field whose cached result already lists the headings."""

from __future__ import annotations

import copy
from typing import Any

from briefkit.outputs.docx.openxml import (
    Bookmarks,
    el,
    field_runs,
    insert_in_order,
    paragraph_properties,
    set_style,
    style_of,
    text_run,
    w,
    xpath,
)

TOC_TITLE = "Contents"
HEADING_LEVELS = {"Heading1": 1, "Heading2": 2}
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'


def unlist_headings(body: Any, prefix: str) -> int:
    """The headings whose section's bookmark starts with `prefix` (the datasets' in the data notes) take the style
    Unlisted Heading: Word's contents, listing the heading styles, leave them out. Returns how many."""
    count = 0
    for start in xpath(body, f"./w:bookmarkStart[starts-with(@w:name, '{prefix}')]"):
        heading = start.getnext()
        if heading is not None and heading.tag == w("p") and style_of(heading) in HEADING_LEVELS:
            set_style(heading, "UnlistedHeading")
            count += 1
    return count


def prefill_toc(body: Any, bookmarks: Bookmarks, title_text: str = TOC_TITLE) -> int:
    """Fill pandoc's empty TOC field with one linked entry per heading; returns the number of entries.

    Each entry links to a bookmark on its heading, as Word's own entries do. The page numbers come later, from a
    layout of the finished file (briefkit/outputs/docx/layout.py: LibreOffice's, where it is installed), as a
    PAGEREF field in each entry; without one, Word, told by the settings to update fields on opening, rebuilds
    the table with its numbers (in LibreOffice, Tools > Update > Update All does the same).
    """
    found = xpath(body, "./w:sdt[w:sdtPr/w:docPartObj/w:docPartGallery/@w:val='Table of Contents']")
    if not found:
        return 0
    content = found[0].find(w("sdtContent"))
    paragraphs = content.findall(w("p"))
    title = paragraphs[0]
    for run in title.findall(w("r")):
        title.remove(run)
    title.append(text_run(title_text))
    for paragraph in paragraphs[1:]:
        content.remove(paragraph)
    headings = [p for p in found[0].itersiblings() if p.tag == w("p") and style_of(p) in HEADING_LEVELS]
    entries = [toc_entry(heading, f"_Toc{n:08d}", bookmarks) for n, heading in enumerate(headings, 1)]
    if not entries:  # still a field, for the headings an editor adds
        entries = [el("p", None, el("pPr", None, el("pStyle", {"val": "TOC1"})))]
    begin, instruction, separate, end = field_runs(TOC_INSTRUCTION, [])
    first = entries[0]
    first.insert(1, separate)
    first.insert(1, instruction)
    first.insert(1, begin)
    entries[-1].append(end)
    content.extend(entries)
    # The contents have a page of their own, as in the PDF.
    following = found[0].getnext()
    if following is not None and following.tag == w("bookmarkStart"):
        following = next((p for p in following.itersiblings() if p.tag == w("p")), None)
    if following is not None and following.tag == w("p"):
        insert_in_order(paragraph_properties(following), el("pageBreakBefore"))
    return len(headings)


def toc_entry(heading: Any, bookmark: str, bookmarks: Bookmarks) -> Any:
    """The contents line of one heading: its number and title, linked to the bookmark pandoc put on the heading's
    section (one bookmark a heading), else to a new one called `bookmark`.
    """
    section = heading.getprevious()
    if section is not None and section.tag == w("bookmarkStart"):
        bookmark = section.get(w("name"))
    else:
        bookmarks.wrap(heading, bookmark)
    level = HEADING_LEVELS[style_of(heading)]
    link = el("hyperlink", {"anchor": bookmark, "history": 1})
    for run in xpath(heading, ".//w:r[not(w:footnoteReference)]"):
        link.append(copy.deepcopy(run))
    return el("p", None, el("pPr", None, el("pStyle", {"val": f"TOC{level}"})), link)


def remove_toc(body: Any) -> int:
    """No contents where the theme has none (a short note); returns 0 entries."""
    for found in xpath(body, "./w:sdt[w:sdtPr/w:docPartObj/w:docPartGallery/@w:val='Table of Contents']"):
        body.remove(found)
    return 0
