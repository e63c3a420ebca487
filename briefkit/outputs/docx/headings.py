"""Headings as Word numbers them: a multilevel list linked to the heading styles, so that a section an editor
inserts is numbered, and the ones after it renumbered, by Word itself.
"""

from __future__ import annotations

import logging
from typing import Any

from briefkit.outputs.docx.openxml import el, insert_in_order, paragraph_properties, style_of, twips, w, xpath
from briefkit.outputs.docx.styles import ACCENT, NUMBER_TAB_MM

LOG = logging.getLogger(__name__)
LEVELS = {"Heading1": 0, "Heading2": 1, "Heading3": 2}
NUMBER_STYLE = "SectionNumber"


def number_headings(document: Any) -> int:
    """Replace pandoc's typed section numbers ("2.3" and a tab) by list numbering of the heading styles; headings
    pandoc left unnumbered stay so. Returns the number of numbered headings, 0 if Word's count would not give
    pandoc's numbers (then the typed numbers stay).
    """
    body = document.element.body
    headings = [(p, LEVELS[style_of(p)]) for p in xpath(body, "./w:p") if style_of(p) in LEVELS]
    typed = [_typed_number(p) for p, _ in headings]
    if not any(typed) or _count(headings, typed) != typed:
        LOG.debug("docx: heading numbers left as text")
        return 0
    num_id = _add_heading_list(document.part.numbering_part.element)
    styles = document.styles.element
    for style_id, level in LEVELS.items():
        style = styles.get_by_id(style_id)
        if style is not None:
            insert_in_order(style.get_or_add_pPr(), _num_pr(level, num_id))
    # Styles built on a heading's (TOC Heading on Heading 1) would inherit its number.
    for style in xpath(styles, "./w:style[@w:type='paragraph']"):
        if style.get(w("styleId")) not in LEVELS and xpath(style, "string(w:basedOn/@w:val)") in LEVELS:
            insert_in_order(style.get_or_add_pPr(), _num_pr(0, 0))
    for (paragraph, _), number in zip(headings, typed, strict=True):
        if number is None:
            # Out of the list: "Key judgements", "Sources".
            insert_in_order(paragraph_properties(paragraph), _num_pr(0, 0))
            continue
        run = _number_run(paragraph)
        following = run.getnext()
        paragraph.remove(run)
        if following is not None and following.tag == w("r") and _is_separator(following):
            paragraph.remove(following)
    return sum(1 for number in typed if number)


def _typed_number(paragraph: Any) -> str | None:
    run = _number_run(paragraph)
    return "".join(t.text or "" for t in run.iter(w("t"))) if run is not None else None


def _number_run(paragraph: Any) -> Any:
    found = xpath(paragraph, f"./w:r[w:rPr/w:rStyle/@w:val='{NUMBER_STYLE}']")
    return found[0] if found else None


def _is_separator(run: Any) -> bool:
    """A run holding only the tab (or space) pandoc puts between the number and the title."""
    content = [c for c in run if c.tag != w("rPr")]
    return all(c.tag == w("tab") or (c.tag == w("t") and not (c.text or "").strip()) for c in content)


def _count(headings: list[tuple[Any, int]], typed: list[str | None]) -> list[str | None]:
    """The numbers Word's list gives the headings that carry one."""
    counters = [0] * len(LEVELS)
    shown: list[str | None] = []
    for (_, level), number in zip(headings, typed, strict=True):
        if number is None:
            shown.append(None)
            continue
        counters[level] += 1
        counters[level + 1:] = [0] * (len(LEVELS) - level - 1)
        shown.append(".".join(str(c) for c in counters[:level + 1]))
    return shown


def _num_pr(level: int, num_id: int) -> Any:
    return el("numPr", None, el("ilvl", {"val": level}), el("numId", {"val": num_id}))


def _add_heading_list(numbering: Any) -> int:
    """A multilevel list "1", "1.1", "1.1.1" whose levels belong to Heading 1 to 3; returns its w:numId."""
    abstract_id = max((int(i) for i in xpath(numbering, "./w:abstractNum/@w:abstractNumId")), default=0) + 1
    num_id = max((int(i) for i in xpath(numbering, "./w:num/@w:numId")), default=0) + 1
    levels = []
    for style_id, level in LEVELS.items():
        tab = twips(NUMBER_TAB_MM.get(style_id.replace("Heading", "Heading "), 12))
        levels.append(el(
            "lvl", {"ilvl": level},
            el("start", {"val": 1}),
            el("numFmt", {"val": "decimal"}),
            el("pStyle", {"val": style_id}),
            el("suff", {"val": "tab"}),
            el("lvlText", {"val": ".".join(f"%{n}" for n in range(1, level + 2))}),
            el("lvlJc", {"val": "left"}),
            el("pPr", None, el("tabs", None, el("tab", {"val": "num", "pos": tab})),
               el("ind", {"left": 0, "firstLine": 0})),
            el("rPr", None, el("color", {"val": ACCENT})),
        ))
    abstract = el("abstractNum", {"abstractNumId": abstract_id},
                  el("nsid", {"val": f"{0xB0000000 + abstract_id:08X}"}),
                  el("multiLevelType", {"val": "multilevel"}),
                  el("name", {"val": "Headings"}),
                  *levels)
    last_abstract = xpath(numbering, "./w:abstractNum[last()]")
    if last_abstract:
        last_abstract[0].addnext(abstract)
    else:
        numbering.insert(0, abstract)
    numbering.append(el("num", {"numId": num_id}, el("abstractNumId", {"val": abstract_id})))
    return num_id
