"""The page: size and margins as in the PDF, the cover, the running header and footer, the key-judgements box."""

from __future__ import annotations

from typing import Any

from briefkit.outputs.docx_styles import box_border, box_shading
from briefkit.outputs.docx_xml import (
    body_paragraphs,
    el,
    field_runs,
    insert_in_order,
    paragraph_properties,
    set_style,
    style_of,
    text_run,
    twips,
    w,
    xpath,
)
from briefkit.project import Project

# Paper sizes in mm, and the PDF's margins (print.css, @page).
PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGINS_MM = {"top": 21.0, "right": 19.0, "bottom": 21.0, "left": 21.0}
HEADER_DISTANCE_MM = 10.0
TITLE_BLOCK = ("Title", "Subtitle", "Author", "Date", "Abstract", "AbstractTitle")
PLAIN_STYLES = (None, "Normal", "BodyText", "FirstParagraph", "Compact")


def set_page_layout(document: Any, paper: str) -> int:
    """Page size and margins of the PDF, notes numbered through; right tab stops follow the text width (returned,
    in twips).
    """
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Twips

    width_mm, height_mm = PAPER_MM[paper]
    section = document.sections[0]
    section.page_width, section.page_height = Twips(twips(width_mm)), Twips(twips(height_mm))
    section.top_margin, section.bottom_margin = Twips(twips(MARGINS_MM["top"])), Twips(twips(MARGINS_MM["bottom"]))
    section.left_margin, section.right_margin = Twips(twips(MARGINS_MM["left"])), Twips(twips(MARGINS_MM["right"]))
    section.header_distance = section.footer_distance = Twips(twips(HEADER_DISTANCE_MM))
    section.gutter = Twips(0)
    # Notes are numbered through the document, as in the PDF (pandoc asks for a restart in each section, which
    # LibreOffice takes as each chapter).
    for restart in xpath(section._sectPr, "./w:footnotePr/w:numRestart"):
        restart.set(w("val"), "continuous")
    text_width = twips(width_mm - MARGINS_MM["left"] - MARGINS_MM["right"])
    for style_id, leader in (("TOC1", WD_TAB_LEADER.DOTS), ("TOC2", WD_TAB_LEADER.DOTS),
                             ("Header", WD_TAB_LEADER.SPACES), ("Footer", WD_TAB_LEADER.SPACES)):
        tabs = paragraph_style(document, style_id).paragraph_format.tab_stops
        tabs.add_tab_stop(Twips(text_width), WD_TAB_ALIGNMENT.RIGHT, leader)
    return text_width


def paragraph_style(document: Any, style_id: str) -> Any:
    """A style of the document by its id (python-docx looks styles up by name, and Word's names vary in case)."""
    from docx.styles.style import StyleFactory

    element = document.styles.element.get_by_id(style_id)
    if element is None:
        raise KeyError(f"the reference document has no style '{style_id}'")
    return StyleFactory(element)


def add_cover(body: Any, project: Project) -> None:
    """Replace pandoc's title block by a cover page; what follows it starts on a new page."""
    for paragraph in list(body_paragraphs(body)):
        if style_of(paragraph) not in TITLE_BLOCK:
            break
        body.remove(paragraph)
    lines = [
        ("Classification", project.classification),
        ("Organisation", project.organisation),
        ("Title", project.title),
        ("Subtitle", project.subtitle),
        ("Author", "; ".join(project.authors)),
        ("Date", project.date.long),
        ("Edition", project.edition),
    ]
    cover = []
    for style, text in lines:
        if text:
            paragraph = el("p", None, el("pPr", None, el("pStyle", {"val": style})), text_run(text))
            cover.append(paragraph)
    for paragraph in reversed(cover):
        body.insert(0, paragraph)
    following = cover[-1].getnext()
    if following is not None and following.tag == w("sdt"):
        following = xpath(following, ".//w:p")[0]
    if following is not None and following.tag == w("p"):
        insert_in_order(paragraph_properties(following), el("pageBreakBefore"))


def box_key_judgements(body: Any, section_id: str = "key-judgements") -> None:
    """The key judgements in a tinted box with a rule on the left, as #key-judgements in print.css."""
    starts = xpath(body, f"./w:bookmarkStart[@w:name='{section_id}']")
    if not starts:
        return
    ident = starts[0].get(w("id"))
    node = starts[0].getnext()
    while node is not None and not (node.tag == w("bookmarkEnd") and node.get(w("id")) == ident):
        if node.tag == w("p"):
            ppr = paragraph_properties(node)
            if style_of(node) in PLAIN_STYLES:
                set_style(node, "KeyJudgement")
                if ppr.find(w("numPr")) is not None:
                    # Bullets hang in the box's margin rather than at the list's own indent.
                    insert_in_order(ppr, el("ind", {"left": twips(5), "hanging": twips(5)}))
            else:
                # Headings keep their style, with the box's border and shading, so that Word draws one box.
                insert_in_order(ppr, box_border())
                insert_in_order(ppr, box_shading())
        node = node.getnext()


def add_header_footer(document: Any, project: Project) -> None:
    """The title in the header; the edition and 'Page n of N' in the footer; neither on the cover."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    for part in (section.first_page_header, section.first_page_footer):
        part.is_linked_to_previous = False
        part.paragraphs[0].style = paragraph_style(document, "Footer")
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.style = paragraph_style(document, "Header")
    header.add_run(project.title)
    section.footer.is_linked_to_previous = False
    footer = section.footer.paragraphs[0]
    footer.style = paragraph_style(document, "Footer")
    # The cached page numbers are placeholders: both Word and LibreOffice compute PAGE and NUMPAGES as they lay out.
    footer._p.extend([text_run(f"{project.edition}\tPage "), *field_runs("PAGE", "1"), text_run(" of "),
                      *field_runs("NUMPAGES", "1")])


def word_settings(settings: Any) -> None:
    """Hyphenate justified text, as the PDF does; keep the embedded fonts when Word saves the file again (and no
    system font besides); open in Word's current mode, not "Compatibility Mode".
    """
    for unwanted in settings.findall(w("embedSystemFonts")):
        settings.remove(unwanted)
    insert_in_order(settings, el("embedTrueTypeFonts"))
    insert_in_order(settings, el("autoHyphenation", {"val": "true"}))
    if settings.find(w("compat")) is None:
        insert_in_order(settings, el("compat", None, el("compatSetting", {
            "name": "compatibilityMode", "uri": "http://schemas.microsoft.com/office/word", "val": 15})))
