"""The reference document: pandoc's default restyled with python-docx so that Word matches templates/print.css."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from briefkit import pandoc
from briefkit.outputs.docx.openxml import el, get_or_add, insert_in_order, twips, w, xpath

BODY_FONT = "Charis SIL"
HEADING_FONT = "Lato"
INK = "1F3A5F"
ACCENT = "B5472B"
MUTED = "5B6470"
TEXT = "1B1B1B"
RULE = "C9D1DB"
TINT = "EEF2F7"
BAND = "F6F8FB"
COVER_PALE = "DFE7F2"
# The cover's text block in print.css starts 26 mm from the left and 24 mm from the right of the page: inside
# the DOCX page margins (21 and 19 mm) by this.
COVER_INDENT_MM = 5


@dataclass(frozen=True)
class Look:
    """One style, in the terms of print.css: sizes and spacing in pt, indents in mm, line height as in CSS."""

    font: str | None = None
    size: float | None = None
    bold: bool | None = None
    italic: bool | None = None
    color: str | None = None
    caps: bool | None = None
    before: float | None = None
    after: float | None = None
    line: float | None = None
    align: str | None = None
    keep_next: bool | None = None
    indent: float | None = None
    right: float | None = None
    hanging: float | None = None
    superscript: bool | None = None
    underline: bool | None = None
    letter_spacing: float | None = None


def mm(length: float) -> float:
    """A length given in mm in print.css, in points."""
    return length * 72 / 25.4


LOOKS: dict[str, Look] = {
    "Normal": Look(BODY_FONT, 10, color=TEXT, before=0, after=0, line=1.45),
    "Body Text": Look(BODY_FONT, 10, before=0, after=5.5, line=1.45, align="justify"),
    "First Paragraph": Look(BODY_FONT, 10),
    "Compact": Look(BODY_FONT, 10, before=0, after=mm(1), line=1.45),
    "Block Text": Look(BODY_FONT, 10, color=MUTED, indent=6),
    # The cover, white and pale blue on the ink page (print.css, .cover): positions from the top of the text area.
    "Title": Look(HEADING_FONT, 32, True, color="FFFFFF", before=mm(6), after=mm(4), line=1.1, align="left",
                  indent=COVER_INDENT_MM, right=COVER_INDENT_MM),
    "Subtitle": Look(HEADING_FONT, 15, False, color=COVER_PALE, before=0, after=0, line=1.3, align="left",
                     indent=COVER_INDENT_MM, right=COVER_INDENT_MM + 20, letter_spacing=0),  # at most 140 mm wide
    "Author": Look(HEADING_FONT, 10, False, color=COVER_PALE, before=mm(30), after=0, line=1.3, align="left",
                   indent=COVER_INDENT_MM),
    "Date": Look(HEADING_FONT, 10, False, color=COVER_PALE, before=0, after=0, line=1.3, align="left",
                 indent=COVER_INDENT_MM),
    "Heading 1": Look(HEADING_FONT, 17, True, color=INK, before=mm(8), after=mm(4), line=1.2, keep_next=True),
    "Heading 2": Look(HEADING_FONT, 11.5, True, color=INK, before=mm(5), after=mm(2), line=1.2, keep_next=True),
    "Heading 3": Look(HEADING_FONT, 10, True, color=INK, before=mm(4), after=mm(1.5), line=1.2, keep_next=True),
    "TOC Heading": Look(HEADING_FONT, 16, True, color=INK, before=0, after=mm(4), line=1.2),
    "Caption": Look(HEADING_FONT, 9, True, False, color=INK, before=mm(3), after=mm(2), line=1.3, align="left"),
    "Table Caption": Look(HEADING_FONT, 9, True, False, color=INK, keep_next=True),
    "Image Caption": Look(HEADING_FONT, 9, True, False, color=INK),
    "Figure": Look(before=mm(4), after=mm(1), keep_next=True),
    # Tighter than print.css (7 pt / 1.3, notes run on in a line): Word gives each note a paragraph of its own.
    "Footnote Text": Look(HEADING_FONT, 7, color="333333", before=0, after=0, line=1.2, align="left"),
    "Bibliography": Look(BODY_FONT, 9, before=0, after=mm(1.6), line=1.45, align="left", indent=6, hanging=6),
    "Definition Term": Look(HEADING_FONT, 9, True, color=INK, before=mm(2), after=0, line=1.3, keep_next=True),
    "Definition": Look(BODY_FONT, 10, before=mm(0.5), after=mm(1), line=1.45, indent=6, align="justify"),
}
CHARACTER_LOOKS: dict[str, Look] = {
    "Section Number": Look(color=ACCENT),
    "Footnote Reference": Look(color=ACCENT, superscript=True),
    "Hyperlink": Look(color=INK, underline=False),
}
# Styles pandoc's reference document lacks: (name, based on, look).
NEW_STYLES: list[tuple[str, str, Look]] = [
    ("Classification", "Normal", Look(HEADING_FONT, 8.5, color="F0C8B8", caps=True, letter_spacing=1, line=1.3,
                                      after=mm(28), indent=COVER_INDENT_MM)),
    ("Organisation", "Normal", Look(HEADING_FONT, 10, color="C9D6E8", caps=True, letter_spacing=0.6, line=1.3,
                                    indent=COVER_INDENT_MM)),
    ("Edition", "Date", Look(HEADING_FONT, 10, color=COVER_PALE)),
    ("Table Text", "Normal", Look(HEADING_FONT, 8, before=0, after=0, line=1.3, align="left")),
    # White on the ink of the header row: a paragraph style, since it outranks the table style's colours.
    ("Table Heading", "Table Text", Look(HEADING_FONT, 8, True, color="FFFFFF")),
    ("Exhibit Source", "Normal", Look(HEADING_FONT, 7.5, color=MUTED, before=mm(1), after=mm(5), line=1.35,
                                      align="left")),
    ("Key Judgement", "Compact", Look(BODY_FONT, 10, before=0, after=mm(2), line=1.45, align="justify")),
    # A heading the contents leave out (each dataset's in the data notes): a Heading 2 to the eye, no outline level.
    ("Unlisted Heading", "Normal", Look(HEADING_FONT, 11.5, True, color=INK, before=mm(5), after=mm(2), line=1.2,
                                        keep_next=True)),
    ("TOC 1", "Normal", Look(HEADING_FONT, 9.5, True, before=mm(1.8), after=0, line=1.3)),
    ("TOC 2", "Normal", Look(HEADING_FONT, 8.5, False, before=mm(0.2), after=0, line=1.3, indent=7)),
    ("Header", "Normal", Look(HEADING_FONT, 7.5, color=MUTED, caps=True, letter_spacing=0.3, line=1.2)),
    ("Footer", "Normal", Look(HEADING_FONT, 7.5, color=MUTED, line=1.2)),
]
# Word's own names and ids of the built-in styles above: Word's contents and "Insert Caption" use them by name.
BUILT_IN = {"TOC 1": ("toc 1", "TOC1"), "TOC 2": ("toc 2", "TOC2"), "Header": ("header", "Header"),
            "Footer": ("footer", "Footer"), "Caption": ("caption", "Caption")}
# Where the section number ends and the title starts, in headings and contents entries.
NUMBER_TAB_MM = {"Heading 1": 10, "Heading 2": 12, "TOC 1": 7, "TOC 2": 16}


def reference_docx() -> bytes:
    """pandoc's default reference document, restyled; the bytes of a .docx."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Mm

    document = Document(io.BytesIO(pandoc.default_reference_docx()))
    styles = document.styles
    set_default_font(styles.element)
    for name, look in (LOOKS | CHARACTER_LOOKS).items():
        apply_look(style_named(styles, name), look)
    for name, based_on, look in NEW_STYLES:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[based_on]
        style.quick_style = True
        apply_look(style, look)
    styles["Normal"].paragraph_format.widow_control = True  # orphans and widows: 2 lines (print.css asks 3)
    # Pictures sit on a line of single spacing: any less and LibreOffice cuts off their top.
    styles["Figure"].paragraph_format.line_spacing = 1.0
    styles["Heading 1"].next_paragraph_style = styles["First Paragraph"]
    styles["Heading 2"].next_paragraph_style = styles["First Paragraph"]
    styles["Organisation"].next_paragraph_style = styles["Title"]
    styles["Title"].next_paragraph_style = styles["Subtitle"]
    for name, position in NUMBER_TAB_MM.items():
        styles[name].paragraph_format.tab_stops.add_tab_stop(Mm(position))
    # Columns are as wide as their longest word: nothing in a table is hyphenated.
    insert_in_order(styles["Table Text"].element.get_or_add_pPr(), el("suppressAutoHyphens"))
    key_judgement_box(styles["Key Judgement"].element)
    table_style(styles["Table"].element)
    insert_in_order(styles["TOC Heading"].element.get_or_add_pPr(), el("outlineLvl", {"val": 9}))
    for name, (word_name, style_id) in BUILT_IN.items():
        as_built_in(style_named(styles, name), word_name, style_id)
    # Caption is linked to "Body Text Char" in pandoc's file: a caption applied to a few words would look like body
    # text. Unlinked, as in Word's own Normal template.
    for link in styles.element.get_by_id("Caption").findall(w("link")):
        link.getparent().remove(link)
    match_linked_character_styles(styles.element)
    add_normal_table(styles.element)
    document.core_properties.title = "briefkit reference document"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def match_linked_character_styles(styles: Any) -> None:
    """Each paragraph style's linked character style ("Heading 1 Char", used when the style is applied to part of a
    paragraph) gets the paragraph style's type, not pandoc's Aptos at 20 pt.
    """
    import copy

    for paragraph in xpath(styles, "./w:style[@w:type='paragraph'][w:link]"):
        linked = styles.get_by_id(xpath(paragraph, "string(w:link/@w:val)"))
        if linked is None or linked.get(w("type")) != "character":
            continue
        for old in linked.findall(w("rPr")):
            linked.remove(old)
        rpr = paragraph.find(w("rPr"))
        if rpr is not None:
            linked.append(copy.deepcopy(rpr))


def add_normal_table(styles: Any) -> None:
    """Word's "Normal Table", which pandoc's "Table" style is based on but its reference document lacks."""
    if styles.get_by_id("TableNormal") is not None:
        return
    margins = [el(side, {"w": 108 if side in ("left", "right") else 0, "type": "dxa"})
               for side in ("top", "left", "bottom", "right")]
    style = el("style", {"type": "table", "default": 1, "styleId": "TableNormal"},
               el("name", {"val": "Normal Table"}), el("uiPriority", {"val": 99}), el("semiHidden"),
               el("unhideWhenUsed"),
               el("tblPr", None, el("tblInd", {"w": 0, "type": "dxa"}), el("tblCellMar", None, *margins)))
    table = styles.get_by_id("Table")
    if table is not None:
        table.attrib.pop(w("default"), None)  # one default table style, Word's
        table.addprevious(style)
    else:
        styles.append(style)


def style_named(styles: Any, name: str) -> Any:
    """The style called `name` (python-docx's styles[...] mistakes pandoc's 'Caption' for a style id)."""
    for style in styles:
        if style.name == name:
            return style
    raise KeyError(name)


def as_built_in(style: Any, word_name: str, style_id: str) -> None:
    """Give a style Word's own name and id for it, so that Word takes it for its built-in style."""
    element = style.element
    element.find(w("name")).set(w("val"), word_name)
    element.set(w("styleId"), style_id)
    element.attrib.pop(w("customStyle"), None)


def set_default_font(styles: Any) -> None:
    """The document defaults and the theme fonts name Charis SIL, so that new styles start from it."""
    defaults = styles.find(w("docDefaults"))
    fonts = defaults.find(f"{w('rPrDefault')}/{w('rPr')}/{w('rFonts')}")
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(w(attr), BODY_FONT)
    for size in ("sz", "szCs"):
        defaults.find(f"{w('rPrDefault')}/{w('rPr')}/{w(size)}").set(w("val"), "20")
    ppr = defaults.find(f"{w('pPrDefault')}/{w('pPr')}")
    spacing = get_or_add(ppr, "spacing")
    spacing.set(w("after"), "0")


def theme_fonts(theme: bytes) -> bytes:
    """Theme fonts Lato (headings) and Charis SIL (body), as Word lists them in its font menu."""
    text = theme.decode("utf-8")
    text = re.sub(r'(<a:majorFont>\s*<a:latin typeface=")[^"]*("[^/]*/>)',
                  lambda m: m.group(1) + HEADING_FONT + '" panose="020F0502020204030203"/>', text, count=1)
    text = re.sub(r'(<a:minorFont>\s*<a:latin typeface=")[^"]*("[^/]*/>)',
                  lambda m: m.group(1) + BODY_FONT + '" panose="02000500060000020004"/>', text, count=1)
    return text.encode("utf-8")


def apply_look(style: Any, look: Look) -> None:
    """Set what `look` gives on a style, leaving the rest as pandoc had it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    font = style.font
    if look.font:
        font.name = look.font
        rfonts = style.element.get_or_add_rPr().find(w("rFonts"))
        for attr in list(rfonts.attrib):
            del rfonts.attrib[attr]
        for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
            rfonts.set(w(attr), look.font)
    if look.size is not None:
        font.size = Pt(look.size)
        insert_in_order(style.element.get_or_add_rPr(), el("szCs", {"val": round(look.size * 2)}))
    for attr in ("bold", "italic", "superscript"):
        if getattr(look, attr) is not None:
            setattr(font, attr, getattr(look, attr))
    if look.bold is not None:
        insert_in_order(style.element.get_or_add_rPr(), el("bCs", {"val": int(look.bold)}))
    if look.caps is not None:
        font.all_caps = look.caps
    if look.underline is not None:
        font.underline = look.underline
    if look.color:
        font.color.rgb = RGBColor.from_string(look.color)
        color = style.element.get_or_add_rPr().find(w("color"))
        for attr in ("themeColor", "themeShade", "themeTint"):
            color.attrib.pop(w(attr), None)
    if look.letter_spacing is not None:
        insert_in_order(style.element.get_or_add_rPr(), el("spacing", {"val": round(look.letter_spacing * 20)}))
    if not hasattr(style, "paragraph_format"):
        return
    paragraph = style.paragraph_format
    if look.before is not None:
        paragraph.space_before = Pt(look.before)
    if look.after is not None:
        paragraph.space_after = Pt(look.after)
    if look.line is not None:
        # An exact pitch in points, as CSS sets it: Word's "multiple" spacing is a multiple of the font's own line
        # (1.64 em for Charis SIL), which collapses or swells with a substitute font.
        paragraph.line_spacing = Pt(round(look.line * (look.size or _size_of(style)), 1))
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if look.align:
        paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[look.align]
    if look.keep_next is not None:
        paragraph.keep_with_next = look.keep_next
    if look.indent is not None:
        paragraph.left_indent = Mm(look.indent)
    if look.right is not None:
        paragraph.right_indent = Mm(look.right)
    if look.hanging is not None:
        paragraph.first_line_indent = Mm(-look.hanging)


def _size_of(style: Any) -> float:
    """The font size in pt a style ends up with, through the styles it is based on (10 pt, Normal's, if none)."""
    while style is not None:
        if style.font.size is not None:
            return style.font.size.pt
        style = style.base_style
    return 10.0


def box_border() -> Any:
    """The 3 pt ink rule on the left of the key-judgements box."""
    return el("pBdr", None, el("left", {"val": "single", "sz": 24, "space": 12, "color": INK}))


def box_shading() -> Any:
    """The tint of the key-judgements box."""
    return el("shd", {"val": "clear", "color": "auto", "fill": TINT})


def key_judgement_box(style: Any) -> None:
    """The key judgements in a tinted box with a rule on the left, as in the PDF."""
    ppr = style.get_or_add_pPr()
    insert_in_order(ppr, box_border())
    insert_in_order(ppr, box_shading())


def table_style(style: Any) -> None:
    """Header row in white on ink, a hairline under each row, every other row tinted (print.css, Exhibits)."""
    from lxml import etree

    for child in style.findall(w("tblStylePr")) + style.findall(w("rPr")) + style.findall(w("tblPr")):
        style.remove(child)
    hairline = {"val": "single", "sz": 3, "space": 0, "color": RULE}
    vertical, horizontal = {"w": twips(1.2), "type": "dxa"}, {"w": twips(1.6), "type": "dxa"}
    style.append(el("rPr", None, el("rFonts", {a: HEADING_FONT for a in ("ascii", "hAnsi", "cs", "eastAsia")}),
                    el("sz", {"val": 16}), el("szCs", {"val": 16})))
    style.append(el(
        "tblPr", None,
        el("tblStyleRowBandSize", {"val": 1}),
        el("tblInd", {"w": 0, "type": "dxa"}),
        el("tblBorders", None, el("bottom", hairline), el("insideH", hairline)),
        el("tblCellMar", None, el("top", vertical), el("left", horizontal), el("bottom", vertical),
           el("right", horizontal)),
    ))
    style.append(el(
        "tblStylePr", {"type": "firstRow"},
        el("rPr", None, el("b"), el("bCs"), el("color", {"val": "FFFFFF"})),
        el("tblPr"),
        el("tcPr", None, el("shd", {"val": "clear", "color": "auto", "fill": INK}), el("vAlign", {"val": "bottom"})),
    ))
    style.append(el(
        "tblStylePr", {"type": "band2Horz"},
        el("tblPr"),
        el("tcPr", None, el("shd", {"val": "clear", "color": "auto", "fill": BAND})),
    ))
    etree.cleanup_namespaces(style)
