"""Tables, figures and their captions as Word makes them: SEQ-numbered captions, REF cross-references."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefkit.outputs.docx.openxml import (
    EMU_PER_INCH,
    NS,
    Bookmarks,
    el,
    field_runs,
    get_or_add,
    insert_in_order,
    set_style,
    style_of,
    text_run,
    twips,
    w,
    xpath,
)

CAPTION_STYLES = ("TableCaption", "ImageCaption")
KINDS = ("Table", "Figure")


def _caption_pattern(kinds: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"^(" + "|".join(re.escape(k) for k in kinds) + r") (\d+)(?=\.)")


def _reference_pattern(kinds: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(re.escape(k) for k in kinds) + r")[ \u00a0](\d+)\b")
NOT_PROSE = ("Caption", "Bibliography")
# Where a line may break: spaces (not no-break spaces), after dashes and slashes but not inside a range of
# numbers ("13\u201315", which LibreOffice keeps whole).
BREAKS = re.compile(r"[ \t\n]+|(?<=[-\u2013\u2014/])(?!\d)")
# "12 December", "428 million": measured as one, so that a column holds them on one line.
NUMBER_AND_WORD = re.compile(r"(?<=\d) (?=[^\W\d_])")
TABLE_FONT_SIZE = 8  # pt, the "Table Text" style
CELL_PADDING_TWIPS = twips(2 * 1.6 + 1)  # the table style's cell margins, and a little room
# Another renderer's rounding, hinting or kerning may set a word a little wider than the font's advances say.
WIDTH_MARGIN = 1.06
MIN_DPI = 200


@dataclass(frozen=True)
class Caption:
    """A numbered caption: 'Table 1', and the bookmark around that label that references point to."""

    kind: str
    number: int
    bookmark: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.number}"


def format_tables(body: Any, text_width: int, fonts: Path) -> int:
    """Header rows repeat on each page, rows never split, columns share the text width; returns the count."""
    tables = xpath(body, ".//w:tbl")
    for table in tables:
        rows = table.findall(w("tr"))
        for index, row in enumerate(rows):
            trpr = row.find(w("trPr"))
            if trpr is None:
                trpr = el("trPr")
                row.insert(1 if row[0].tag == w("tblPrEx") else 0, trpr)
            for flag in trpr.findall(w("cantSplit")) + trpr.findall(w("tblHeader")):
                trpr.remove(flag)
            trpr.insert(0, el("cantSplit"))
            if index == 0:
                trpr.append(el("tblHeader"))
        widths = _fit_columns(table, text_width, fonts)
        for index, row in enumerate(rows):
            for cell, width in zip(row.findall(w("tc")), widths, strict=False):
                tcpr = get_or_add(cell, "tcPr", first=True)
                for old in tcpr.findall(w("tcW")):
                    tcpr.remove(old)
                tcpr.insert(0, el("tcW", {"w": width, "type": "dxa"}))
                for paragraph in cell.findall(w("p")):
                    if style_of(paragraph) in (None, "Compact"):
                        set_style(paragraph, "TableHeading" if index == 0 else "TableText")
        for row in _kept_rows(rows):
            for paragraph in row.iter(w("p")):
                insert_in_order(get_or_add(paragraph, "pPr", first=True), el("keepNext"))
    return len(tables)


KEPT_ROWS = 3


def _kept_rows(rows: list) -> list:
    """The rows that keep with the next, so that a page break leaves at least three rows at each end of a table
    (the whole of a table of five rows or fewer), as in the PDF: the header row and the first two, the last
    two, and the last row itself, which stays with the source line under the table."""
    header = rows[:1] if rows and rows[0].find(f"{w('trPr')}/{w('tblHeader')}") is not None else []
    body = rows[len(header):]
    if len(body) < 2 * KEPT_ROWS:
        return header + body
    return header + body[:KEPT_ROWS - 1] + body[-KEPT_ROWS:]


def _fit_columns(table: Any, text_width: int, fonts: Path) -> list[int]:
    """Column widths in twips: pandoc's (from the Markdown's dashes, as the PDF has them) scaled to the text width,
    widened where needed so that no word is broken across lines ("supersede-d"), at the expense of the others.
    """
    tblpr = table.find(w("tblPr"))
    width = get_or_add(tblpr, "tblW")
    width.set(w("w"), str(text_width))
    width.set(w("type"), "dxa")
    columns = xpath(table, "./w:tblGrid/w:gridCol")
    total = sum(int(c.get(w("w"), "0")) for c in columns) or 1
    widths = [int(c.get(w("w"), "0")) * text_width / total for c in columns]
    needed = [0.0] * len(columns)
    for index, row in enumerate(table.findall(w("tr"))):
        for column, cell in enumerate(row.findall(w("tc"))[:len(columns)]):
            text = NUMBER_AND_WORD.sub("\u00a0", "".join(t.text or "" for t in cell.iter(w("t"))))
            words = BREAKS.split(text)
            longest = max((_text_width(word, fonts, bold=index == 0) for word in words), default=0)
            needed[column] = max(needed[column], longest * WIDTH_MARGIN + CELL_PADDING_TWIPS)
    for _ in range(len(columns)):
        short = [i for i, (have, need) in enumerate(zip(widths, needed, strict=True)) if have < need]
        spare = {i: have - need for i, (have, need) in enumerate(zip(widths, needed, strict=True)) if have > need}
        if not short or not spare:
            break
        lacking = min(sum(needed[i] - widths[i] for i in short), sum(spare.values()))
        for i in short:
            widths[i] = needed[i]
        total_spare = sum(spare.values())
        for i, room in spare.items():
            widths[i] -= lacking * room / total_spare
    rounded = [round(value) for value in widths]
    rounded[-1] += text_width - sum(rounded)
    for column, value in zip(columns, rounded, strict=True):
        column.set(w("w"), str(value))
    return rounded


def _text_width(text: str, fonts: Path, bold: bool) -> float:
    """The width of text in the table font, in twips."""
    advances, units = _font_metrics(fonts / ("Lato-Bold.ttf" if bold else "Lato-Regular.ttf"))
    return sum(advances.get(ord(char), units // 2) for char in text) / units * TABLE_FONT_SIZE * 20


@functools.cache
def _font_metrics(path: Path) -> tuple[dict[int, int], int]:
    """Advance widths by code point, and units per em, of a TrueType font."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}, font["head"].unitsPerEm


def make_captions(body: Any, bookmarks: Bookmarks, kinds: tuple[str, ...] = KINDS) -> dict[str, Caption]:
    """Turn 'Table 1. …' captions into Word captions: Caption style, a SEQ field, a bookmark for references."""
    captions: dict[str, Caption] = {}
    for paragraph in xpath(body, ".//w:p"):
        if style_of(paragraph) not in CAPTION_STYLES:
            continue
        runs = _plain_runs(paragraph)
        match = _caption_pattern(kinds).match(_run_text(runs[0])) if runs else None
        if not match:
            continue
        kind, number = match.group(1), int(match.group(2))
        caption = Caption(kind, number, _bookmark_name(paragraph, kind, number))
        runs = _split_run(runs[0], 0, match.end(), lambda rpr, c=caption: [
            text_run(f"{c.kind} ", rpr), *field_runs(f"SEQ {c.kind} \\* ARABIC", str(c.number), rpr)])
        bookmarks.wrap(paragraph, caption.bookmark, runs[0], runs[-1])
        set_style(paragraph, "Caption")
        # A table's caption stays with the table under it, a figure's with the source line under it.
        insert_in_order(paragraph.find(w("pPr")), el("keepNext"))
        following = paragraph.getnext()
        if following is not None and following.tag == w("tbl"):
            # Above its table, the caption stands clear of the paragraph before it (6 mm, as in the PDF).
            insert_in_order(paragraph.find(w("pPr")), el("spacing", {"before": twips(6), "after": twips(2)}))
        _describe_table(paragraph, match.end())
        captions[caption.label] = caption
    return captions


def _describe_table(caption: Any, label_end: int) -> None:
    """The table's own title (its alt text) is the caption without the number, which Word may change."""
    table = caption.getnext()
    while table is not None and table.tag == w("bookmarkStart"):
        table = table.getnext()
    if table is None or table.tag != w("tbl"):
        return
    for title in xpath(table, "./w:tblPr/w:tblCaption"):
        title.set(w("val"), title.get(w("val"))[label_end:].lstrip(". "))


def _bookmark_name(paragraph: Any, kind: str, number: int) -> str:
    """'_Ref_tbl_exports' after pandoc's own bookmark on the exhibit, else '_Ref_Table_1'."""
    node = paragraph
    for _ in range(3):
        node = node.getprevious()
        if node is None:
            break
        if node.tag == w("bookmarkStart") and ":" in node.get(w("name"), ""):
            label = re.sub(r"\W", "_", node.get(w("name")))
            return f"_Ref_{label}"[:40]
    return f"_Ref_{kind}_{number}"


def link_references(body: Any, captions: dict[str, Caption], kinds: tuple[str, ...] = KINDS) -> int:
    """Prose mentions of 'Table 1' or 'Figure 1' become REF fields to the captions; returns how many.

    Mentions are found by the labels the captions carry (render.ref() writes exactly these); the source list is
    left alone, where a title could name another document's table.
    """
    count = 0
    for paragraph in xpath(body, ".//w:p[not(ancestor::w:sdt)]"):
        if style_of(paragraph) in NOT_PROSE or not captions:
            continue
        while True:
            match = _first_reference(paragraph, captions, kinds)
            if match is None:
                break
            run, start, end, caption = match
            _split_run(run, start, end, lambda rpr, c=caption: field_runs(
                f"REF {c.bookmark} \\h", [text_run(c.label, rpr)], rpr))
            count += 1
    return count


def _first_reference(paragraph: Any, captions: dict[str, Caption],
                     kinds: tuple[str, ...] = KINDS) -> tuple[Any, int, int, Caption] | None:
    """The first mention of a captioned exhibit in a paragraph: its run, where it starts and ends, the caption."""
    for run in _plain_runs(paragraph):
        text = _run_text(run)
        for match in _reference_pattern(kinds).finditer(text):
            caption = captions.get(f"{match.group(1)} {match.group(2)}")
            if caption is not None:
                return run, match.start(), match.end(), caption
    return None


def _plain_runs(paragraph: Any) -> list:
    """Runs holding text that is not part of a field (neither instruction nor cached result)."""
    runs, depth = [], 0
    for run in xpath(paragraph, ".//w:r"):
        for char in run.findall(w("fldChar")):
            depth += {"begin": 1, "end": -1}.get(char.get(w("fldCharType")), 0)
        if depth == 0 and run.find(w("fldChar")) is None and run.find(w("t")) is not None:
            runs.append(run)
    return runs


def _run_text(run: Any) -> str:
    """The text of a run that holds nothing but text (one w:t), else ''."""
    content = [child for child in run if child.tag != w("rPr")]
    if len(content) == 1 and content[0].tag == w("t"):
        return content[0].text or ""
    return ""


def _split_run(run: Any, start: int, end: int, make: Any) -> list:
    """Split a one-text run into before / make(rPr) / after; returns the new middle runs."""
    text = _run_text(run)
    rpr = run.find(w("rPr"))
    middle = make(rpr)
    pieces = ([text_run(text[:start], rpr)] if start else []) + middle
    if end < len(text):
        pieces.append(text_run(text[end:], rpr))
    for piece in pieces:
        run.addprevious(piece)
    run.getparent().remove(run)
    return middle


def describe_pictures(document: Any, text_width: int) -> int:
    """Each picture: its alt text as its description, and a size that keeps it at 200 dpi or more."""
    body = document.element.body
    drawings = xpath(body, ".//w:drawing[wp:inline]")  # not the cover's ink, anchored behind the text
    for drawing in drawings:
        doc_pr = xpath(drawing, ".//wp:docPr")[0]
        description = doc_pr.get("descr", "")
        for nv_pr in xpath(drawing, ".//pic:cNvPr"):
            # pandoc puts the image's source here (a data: URL or a file path): keep only the alt text.
            nv_pr.set("descr", description)
        blips = xpath(drawing, ".//a:blip/@r:embed")
        if blips:
            _natural_size(drawing, document.part.related_parts[blips[0]].image, text_width)
    return len(drawings)


SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office 2016's extension of a:blip for an SVG picture
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def add_vector_pictures(document: Any, folder: Path) -> int:
    """Each picture drawn from a PNG that has an SVG of the same name beside it in `folder` (the chart) gets the
    SVG as well, the way Word 2016 and later store it: the PNG stays the picture for older readers, the SVG
    hangs on its a:blip as the asvg:svgBlip extension. Returns the number of pictures given one.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    vectors = {png.read_bytes(): svg for png in sorted(folder.rglob("*.png"))
               if (svg := png.with_suffix(".svg")).is_file()}
    count = 0
    for blip in xpath(document.element.body, ".//a:blip[@r:embed]"):
        picture = document.part.related_parts[blip.get(f"{{{NS['r']}}}embed")]
        svg = vectors.get(picture.blob)
        if svg is None or xpath(blip, f"./a:extLst/a:ext[@uri='{SVG_BLIP_URI}']"):
            continue
        count += 1
        part = Part(PackURI(f"/word/media/vector{count}.svg"), "image/svg+xml", svg.read_bytes(),
                    document.part.package)
        rid = document.part.relate_to(part, RT.IMAGE)
        ext_list = blip.find(f"{{{NS['a']}}}extLst")
        if ext_list is None:
            ext_list = etree.SubElement(blip, f"{{{NS['a']}}}extLst")
        ext = etree.SubElement(ext_list, f"{{{NS['a']}}}ext", uri=SVG_BLIP_URI)
        svg_blip = etree.SubElement(ext, f"{{{SVG_NS}}}svgBlip", nsmap={"asvg": SVG_NS})
        svg_blip.set(f"{{{NS['r']}}}embed", rid)
    return count


def _natural_size(drawing: Any, image: Any, text_width: int) -> None:
    """Size the picture at its own resolution (never below MIN_DPI), no wider than the text."""
    dpi = max(image.horz_dpi or MIN_DPI, MIN_DPI)
    width = image.px_width / dpi * EMU_PER_INCH
    limit = text_width / 1440 * EMU_PER_INCH
    width = min(width, limit)
    height = width * image.px_height / image.px_width
    for extent in xpath(drawing, ".//wp:extent | .//a:ext"):
        extent.set("cx", str(round(width)))
        extent.set("cy", str(round(height)))

