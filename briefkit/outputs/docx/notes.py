"""Footnotes as compact as Word allows: small type set tight, grey like the PDF's, in two columns in Word."""

from __future__ import annotations

import re

from briefkit.outputs.docx.openxml import relink, w, xpath

W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NOTE_COLUMNS = 2


def plain_citation_links(footnotes: bytes, renamed: dict[str, str]) -> bytes:
    """The citations in the notes stay links to the source list (to its bookmarks as `renamed`), in the note's
    grey rather than the navy of hyperlinks in the text (each whole citation is a link, which would colour every
    note).
    """
    from lxml import etree

    root = etree.fromstring(footnotes)
    relink(root, renamed)
    for style in xpath(root, "//w:hyperlink//w:rPr/w:rStyle[@w:val='Hyperlink']"):
        rpr = style.getparent()
        rpr.remove(style)
        if len(rpr) == 0:
            rpr.getparent().remove(rpr)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def note_columns(sect_pr, columns: int = NOTE_COLUMNS) -> None:
    """Word 2013 and later set the notes of each page in columns (w15:footnoteColumns): short citations then take
    half the lines. Other readers ignore it (the document marks w15 ignorable, see `ignorable_w15`).
    """
    from lxml import etree

    for old in sect_pr.findall(f"{{{W15_NS}}}footnoteColumns"):
        sect_pr.remove(old)
    element = etree.SubElement(sect_pr, f"{{{W15_NS}}}footnoteColumns", nsmap={"w15": W15_NS})
    element.set(w("val"), str(columns))
    # The schema puts Word's extensions after the standard children, before w:sectPrChange.
    change = sect_pr.find(w("sectPrChange"))
    if change is not None:
        change.addprevious(element)


def ignorable_w15(document: bytes) -> bytes:
    """document.xml declares the Word 2012 namespace on its root and marks it ignorable, so that readers that do
    not know it (Word 2010, older tools) skip its elements instead of refusing the file.
    """
    head, sep, rest = document.partition(b"<w:document ")
    if not sep or b"mc:Ignorable" in rest.split(b">", 1)[0]:
        return document
    declarations = f'xmlns:mc="{MC_NS}" xmlns:w15="{W15_NS}" mc:Ignorable="w15" '.encode()
    rest = re.sub(rb'\sxmlns:(?:mc|w15)="[^"]*"', b"", rest.split(b">", 1)[0]) + b">" + rest.split(b">", 1)[1]
    return head + sep + declarations + rest
