"""The page: size and margins as in the PDF, the cover, the running header and footer, the key-judgements box."""

from __future__ import annotations

import io
from typing import Any

from briefkit.outputs.docx.openxml import (
    NS,
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
from briefkit.outputs.docx.styles import INK, box_border, box_shading
from briefkit.project import Project

# Paper sizes in mm, and the PDF's margins (print.css, @page).
PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGINS_MM = {"top": 21.0, "right": 19.0, "bottom": 21.0, "left": 21.0}
HEADER_DISTANCE_MM = 10.0
COVER_TOP_MM = 70.0
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
    """Replace pandoc's title block by a cover page, on which what follows starts on a new page; or, where the
    theme has no cover, by a masthead in the theme's ink at the top of the first page."""
    on_band = project.theme.cover
    for paragraph in list(body_paragraphs(body)):
        if style_of(paragraph) not in TITLE_BLOCK:
            break
        body.remove(paragraph)
    lines = [
        ("Classification", project.classification),
        ("Organisation", project.organisation),
        ("Title", project.title),
        ("Subtitle", project.subtitle),
        ("Author", " \u00b7 ".join(project.authors)),
        # One date line, as in the PDF: the edition ("December 2025") or else the date.
        ("Edition", project.edition_line),
    ]
    cover = []
    for style, text in lines:
        if text:
            # Off the cover's band, the cover's white and pale text takes the theme's ink.
            colour = None if on_band else el("rPr", None, el("color", {"val": project.theme.ink.lstrip("#").upper()}))
            paragraph = el("p", None, el("pPr", None, el("pStyle", {"val": style})), text_run(text, colour))
            cover.append(paragraph)
    if not on_band:
        # A masthead: the cover's styles, set close together at the head of the first page.
        for paragraph in cover:
            last = paragraph is cover[-1]
            insert_in_order(paragraph.find(w("pPr")), el("spacing", {"before": 0, "after": twips(8 if last else 1)}))
        for paragraph in reversed(cover):
            body.insert(0, paragraph)
        return
    # The text block starts 70 mm from the top of the page, as in the PDF.
    insert_in_order(cover[0].find(w("pPr")), el("spacing", {"before": twips(COVER_TOP_MM - MARGINS_MM["top"])}))
    for paragraph in reversed(cover):
        body.insert(0, paragraph)
    following = cover[-1].getnext()
    if following is not None and following.tag == w("sdt"):
        following = xpath(following, ".//w:p")[0]
    if following is not None and following.tag == w("p"):
        insert_in_order(paragraph_properties(following), el("pageBreakBefore"))


def add_logo(document: Any, project: Project) -> bool:
    """The theme's logo at the head of the cover or masthead; True if placed.

    Word takes raster pictures here; an SVG logo (which python-docx cannot embed with its PNG fallback) is left to
    the PDF and the web page.
    """
    logo = project.theme.logo
    if logo is None or logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        return False
    from docx.shared import Mm
    from docx.text.paragraph import Paragraph

    first = Paragraph(next(body_paragraphs(document.element.body)), document.part)
    paragraph = first.insert_paragraph_before()
    set_style(paragraph._p, style_of(first._p) or "Normal")
    paragraph.add_run().add_picture(str(logo), height=Mm(14 if project.theme.cover else 10))
    return True


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
    """The title and the current chapter in the header; the edition and 'Page n of N' in the footer; neither on
    the cover.
    """
    section = document.sections[0]
    section.different_first_page_header_footer = True
    for part, style in ((section.first_page_header, "Header"), (section.first_page_footer, "Footer")):
        part.is_linked_to_previous = False
        part.paragraphs[0].style = paragraph_style(document, style)
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.style = paragraph_style(document, "Header")
    header.add_run(project.header)
    # On the right, the current chapter as in the PDF (its number and title, in their own case): STYLEREF fields,
    # which Word evaluates on each page. LibreOffice 7.4 shows their cached text instead, on every page: it is left
    # empty, since any chapter title would be wrong on most pages.
    as_written = el("rPr", None, el("caps", {"val": 0}))
    header._p.extend([text_run("\t", as_written),
                      *field_runs('STYLEREF "Heading 1" \\n', "", as_written), text_run(" ", as_written),
                      *field_runs('STYLEREF "Heading 1"', "", as_written)])
    section.footer.is_linked_to_previous = False
    footer = section.footer.paragraphs[0]
    footer.style = paragraph_style(document, "Footer")
    # The cached page numbers are placeholders: both Word and LibreOffice compute PAGE and NUMPAGES as they lay out.
    before, between, after = project.page_words()
    footer._p.extend([text_run(f"{project.edition_line}\t{before}"), *field_runs("PAGE", "1"), text_run(between),
                      *field_runs("NUMPAGES", "1")] + ([text_run(after)] if after else []))


def cover_page(document: Any, colour: str = INK) -> None:
    """The cover's ink: a picture of one colour over the whole first page, behind the text, anchored in the
    cover's first paragraph (pictures are what every version of Word and LibreOffice draws alike; in the header,
    Word would show it dimmed while the body is edited).
    """
    from lxml import etree

    section = document.sections[0]
    rid, _ = document.part.get_or_add_image(io.BytesIO(solid_png(colour)))
    ids = [int(i) for i in xpath(document.element.body, ".//wp:docPr/@id")]
    parser = etree.XMLParser(remove_blank_text=True)
    anchor = etree.fromstring(COVER_ANCHOR.format(cx=section.page_width, cy=section.page_height, rid=rid,
                                                  id=max(ids, default=0) + 1, **NS), parser)
    first = document.element.body.find(w("p"))
    first.append(el("r", None, el("drawing", None, anchor)))


def solid_png(colour: str, size: int = 8) -> bytes:
    """A small PNG of one colour (RRGGBB), written byte for byte the same each time."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes.fromhex(colour) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * size, 9))
            + chunk(b"IEND", b""))


# Anchored to the page's corner, behind the text, marked decorative (no alt text for a screen reader to read).
COVER_ANCHOR = """<wp:anchor xmlns:wp="{wp}" xmlns:a="{a}" xmlns:pic="{pic}" xmlns:r="{r}" distT="0" distB="0"
 distL="0" distR="0" simplePos="0" relativeHeight="0" behindDoc="1" locked="1" layoutInCell="1" allowOverlap="1">
<wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionV>
<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>
<wp:docPr id="{id}" name="Cover" descr=""><a:extLst><a:ext uri="{{C183D7F6-B498-43B3-948B-1728B52AA6E4}}">
<adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/2017/decorative" val="1"/></a:ext>
</a:extLst></wp:docPr>
<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>
<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>
<pic:nvPicPr><pic:cNvPr id="{id}" name="cover.png" descr=""/><pic:cNvPicPr/></pic:nvPicPr>
<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>
</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:anchor>"""


# pandoc's bullets are private-use characters of Symbol, Courier New and Wingdings, which a reader may lack and
# LibreOffice replaces by OpenSymbol: the same shapes as Unicode characters in the heading font, which travels.
BULLETS = {"\uf0b7": "\u2022", "o": "\u25e6", "\uf0a7": "\u25aa"}


def designed_bullets(numbering: Any, font: str) -> int:
    """Bullet levels in the embedded `font`; returns how many were changed."""
    count = 0
    for level in xpath(numbering, ".//w:lvl[w:numFmt/@w:val='bullet']"):
        text = level.find(w("lvlText"))
        bullet = BULLETS.get(text.get(w("val")) if text is not None else "")
        if bullet is None:
            continue
        text.set(w("val"), bullet)
        rpr = level.find(w("rPr"))
        if rpr is None:
            rpr = el("rPr")
            level.append(rpr)
        insert_in_order(rpr, el("rFonts", {"ascii": font, "hAnsi": font, "cs": font, "hint": "default"}))
        count += 1
    return count


def word_settings(settings: Any) -> None:
    """Hyphenate justified text, as the PDF does; update the fields on opening; keep the embedded fonts when
    Word saves the file again (and no system font besides); open in Word's current mode, not "Compatibility
    Mode".
    """
    for unwanted in settings.findall(w("embedSystemFonts")):
        settings.remove(unwanted)
    insert_in_order(settings, el("embedTrueTypeFonts"))
    insert_in_order(settings, el("autoHyphenation", {"val": "true"}))
    # Word updates the fields on opening (asking first): the contents get their page numbers. Where a layout of the
    # finished file gave them (briefkit/outputs/docx/layout.py), this is taken out again: nothing is left to update.
    insert_in_order(settings, el("updateFields", {"val": "true"}))
    if settings.find(w("compat")) is None:
        insert_in_order(settings, el("compat", None, el("compatSetting", {
            "name": "compatibilityMode", "uri": "http://schemas.microsoft.com/office/word", "val": 15})))
