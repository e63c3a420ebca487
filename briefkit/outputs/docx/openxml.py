"""Small builders for WordprocessingML: elements, runs, fields and bookmarks."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W_NS,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
TWIPS_PER_MM = 1440 / 25.4
EMU_PER_INCH = 914400


def w(tag: str) -> str:
    """The qualified name of a w: element or attribute."""
    return f"{{{W_NS}}}{tag}"


def el(tag: str, attrs: dict[str, Any] | None = None, *children: Any) -> Any:
    """A w: element with w: attributes (values turned into text) and children."""
    from lxml import etree

    element = etree.Element(w(tag), nsmap={"w": W_NS})
    for name, value in (attrs or {}).items():
        element.set(w(name), str(value))
    for child in children:
        if child is not None:
            element.append(child)
    return element


def twips(mm: float) -> int:
    """A length in mm in twentieths of a point, Word's unit for page and paragraph measures."""
    return round(mm * TWIPS_PER_MM)


def xpath(node: Any, path: str) -> list:
    """Evaluate an XPath with the w:, wp:, a:, pic: and r: prefixes (on python-docx and plain lxml elements)."""
    return _compiled(path)(node)


@functools.cache
def _compiled(path: str) -> Any:
    from lxml import etree

    return etree.XPath(path, namespaces=NS)


def style_of(paragraph: Any) -> str | None:
    """The style id of a w:p element, or None."""
    found = xpath(paragraph, "./w:pPr/w:pStyle/@w:val")
    return found[0] if found else None


def paragraph_text(paragraph: Any) -> str:
    """What a reader sees of a w:p: its text (with fields' cached results) and tabs."""
    parts = []
    for node in paragraph.iter(w("t"), w("tab")):
        if node.tag == w("t"):
            parts.append(node.text or "")
        elif node.tag == w("tab") and node.getparent().tag == w("r"):
            parts.append("\t")
    return "".join(parts)


def get_or_add(parent: Any, tag: str, first: bool = False) -> Any:
    """The child w:tag of parent, created (as first child if asked) when missing."""
    child = parent.find(w(tag))
    if child is None:
        child = el(tag)
        if first:
            parent.insert(0, child)
        else:
            parent.append(child)
    return child


def paragraph_properties(paragraph: Any) -> Any:
    """The w:pPr of a paragraph, created when missing."""
    return get_or_add(paragraph, "pPr", first=True)


def set_style(paragraph: Any, style_id: str) -> None:
    """Give a w:p the paragraph style `style_id`."""
    ppr = paragraph_properties(paragraph)
    pstyle = get_or_add(ppr, "pStyle", first=True)
    pstyle.set(w("val"), style_id)


def text_run(text: str, rpr: Any = None) -> Any:
    """A w:r holding text (tabs become w:tab), with a copy of the run properties `rpr`."""
    run = el("r")
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for i, piece in enumerate(text.split("\t")):
        if i:
            run.append(el("tab"))
        if piece:
            t = el("t")
            t.text = piece
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.append(t)
    return run


def field_runs(instruction: str, result: Iterable[Any] | str, rpr: Any = None) -> list:
    """The runs of a complex field (begin, instruction, separate, cached result, end).

    The cached result is what Word and LibreOffice show until the field is updated.
    """

    def char(kind: str) -> Any:
        run = el("r")
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        run.append(el("fldChar", {"fldCharType": kind}))
        return run

    instr = el("instrText")
    instr.text = f" {instruction} "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr_run = el("r", None, copy.deepcopy(rpr) if rpr is not None else None, instr)
    shown = [text_run(result, rpr)] if isinstance(result, str) else list(result)
    return [char("begin"), instr_run, char("separate"), *shown, char("end")]


class Bookmarks:
    """Hands out bookmark ids that no bookmark in the document uses yet."""

    def __init__(self, *roots: Any):
        used = [int(i) for root in roots for i in xpath(root, "//w:bookmarkStart/@w:id")]
        self._next = max(used, default=0) + 1

    def pair(self, name: str) -> tuple[Any, Any]:
        """A new bookmarkStart and its bookmarkEnd."""
        ident = self._next
        self._next += 1
        return el("bookmarkStart", {"id": ident, "name": name}), el("bookmarkEnd", {"id": ident})

    def wrap(self, paragraph: Any, name: str, first: Any = None, last: Any = None) -> None:
        """Put a bookmark called `name` around the runs first..last of a paragraph (default: all its content)."""
        start, end = self.pair(name)
        content = [c for c in paragraph if c.tag != w("pPr")]
        first = first if first is not None else (content[0] if content else None)
        last = last if last is not None else (content[-1] if content else None)
        if first is None:
            paragraph.append(start)
            paragraph.append(end)
            return
        first.addprevious(start)
        last.addnext(end)


BOOKMARK_LENGTH = 40  # Word's limit


def word_bookmark_name(name: str, taken: set[str]) -> str:
    """A bookmark name Word accepts (a letter, or the underscore of its hidden bookmarks, then letters, digits and
    underscores, at most 40), unique among `taken`: "tbl:exports" becomes "tbl_exports".
    """
    valid = re.sub(r"\W", "_", name)
    if not (valid[:1].isalpha() or valid.startswith("_")):
        valid = f"b_{valid}"
    valid = valid[:BOOKMARK_LENGTH]
    candidate, n = valid, 1
    while candidate in taken:
        n += 1
        candidate = f"{valid[:BOOKMARK_LENGTH - len(str(n)) - 1]}_{n}"
    return candidate


def rename_bookmarks(root: Any) -> dict[str, str]:
    """Give every bookmark of a part a name Word accepts, and its links and references the new name; returns the
    renaming, for the links of other parts (`relink`).
    """
    starts = xpath(root, "//w:bookmarkStart")
    names = [start.get(w("name")) for start in starts]
    taken = {name for name in names if word_bookmark_name(name, set()) == name}
    renamed = {}
    for start, name in zip(starts, names, strict=True):
        if name in taken:
            continue
        renamed[name] = new = word_bookmark_name(name, taken)
        taken.add(new)
        start.set(w("name"), new)
    relink(root, renamed)
    return renamed


def relink(root: Any, renamed: dict[str, str]) -> None:
    """Point hyperlinks and REF / PAGEREF fields at renamed bookmarks."""
    if not renamed:
        return
    for link in xpath(root, "//w:hyperlink[@w:anchor]"):
        anchor = link.get(w("anchor"))
        link.set(w("anchor"), renamed.get(anchor, anchor))
    for instruction in xpath(root, "//w:instrText"):
        instruction.text = re.sub(r"(\b(?:REF|PAGEREF)\s+)(\S+)",
                                  lambda m: m.group(1) + renamed.get(m.group(2), m.group(2)), instruction.text or "")


def body_paragraphs(body: Any) -> Iterator[Any]:
    """The paragraphs directly in the body, outside tables and content controls."""
    yield from (child for child in body if child.tag == w("p"))


# The order of the children of w:pPr and w:rPr in the schema (Word refuses a file whose order is wrong).
SCHEMA_ORDER = {
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
            "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
            "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
            "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
            "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"],
    "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
            "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w",
            "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign",
            "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"],
    "settings": [
        "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
        "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
        "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
        "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
        "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
        "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
        "stylePaneSortMethod", "documentType", "mailMerge", "revisionView", "trackRevisions", "doNotTrackMoves",
        "doNotTrackFormatting", "documentProtection", "autoFormatOverride", "styleLockTheme", "styleLockQFSet",
        "defaultTabStop", "autoHyphenation", "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps",
        "showEnvelope", "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
        "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets", "drawingGridHorizontalSpacing",
        "drawingGridVerticalSpacing", "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
        "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin",
        "doNotShadeFormData", "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne",
        "strictFirstAndLastChars", "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
        "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText",
        "doNotDemarcateInvalidXml", "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
        "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr", "compat",
        "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
        "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator"],
}


def local_name(node: Any) -> str:
    return node.tag.split("}")[1]


def insert_in_order(parent: Any, child: Any) -> Any:
    """Put `child` into a w:pPr, w:rPr or w:settings where the schema wants it, replacing one of the same kind."""
    existing = parent.find(child.tag)
    if existing is not None:
        parent.replace(existing, child)
        return child
    order = SCHEMA_ORDER[local_name(parent)]
    rank = order.index(local_name(child))
    for sibling in parent:
        if local_name(sibling) in order and order.index(local_name(sibling)) > rank:
            sibling.addprevious(child)
            return child
    parent.append(child)
    return child
