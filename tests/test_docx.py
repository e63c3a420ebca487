"""The DOCX as a Word user meets it: cover, contents, tables, captions, cross-references, notes, properties."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefkit.outputs.docx.openxml import SCHEMA_ORDER, local_name, paragraph_text, style_of, w
from briefkit.outputs.docx.openxml import xpath as find
from briefkit.pipeline import build
from briefkit.project import load_project
from tests.conftest import REPO

NAME = "turkmenistan-russia-briefing"


def part(docx: Path, name: str):
    from lxml import etree

    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read(name))


def fields(paragraph) -> list[tuple[str, str]]:
    """The complex fields of a paragraph as (instruction, cached result)."""
    out, instruction, result, state = [], "", "", None
    for node in paragraph.iter(w("fldChar"), w("instrText"), w("t")):
        if node.tag == w("fldChar"):
            kind = node.get(w("fldCharType"))
            if kind == "begin":
                instruction, result, state = "", "", "instruction"
            elif kind == "separate":
                state = "result"
            else:
                out.append((" ".join(instruction.split()), result))
                state = None
        elif node.tag == w("instrText") and state == "instruction":
            instruction += node.text or ""
        elif node.tag == w("t") and state == "result":
            result += node.text or ""
    return out


def bookmark_text(body, name: str) -> str:
    """The text between a bookmark's start and end (bookmarks here start and end in one paragraph)."""
    [start] = find(body, f".//w:bookmarkStart[@w:name='{name}']")
    ident, text = start.get(w("id")), ""
    node = start.getnext()
    while not (node.tag == w("bookmarkEnd") and node.get(w("id")) == ident):
        text += "".join(t.text or "" for t in node.iter(w("t")))
        node = node.getnext()
    return text


@pytest.fixture(scope="module")
def docx(built_briefing: Path) -> Path:
    return built_briefing / f"{NAME}.docx"


@pytest.fixture(scope="module")
def body(docx: Path):
    return part(docx, "word/document.xml").find(w("body"))


@pytest.fixture(scope="module")
def project():
    return load_project(REPO)


def test_the_cover_shows_the_report_and_the_contents_start_a_new_page(docx: Path, body, project):
    paragraphs = body.findall(w("p"))[:6]
    assert [(style_of(p), paragraph_text(p)) for p in paragraphs] == [
        ("Classification", project.classification),
        ("Organisation", project.organisation),
        ("Title", project.title),
        ("Subtitle", project.subtitle),
        ("Author", " \u00b7 ".join(project.authors)),
        ("Edition", project.edition),  # one date line, as in the PDF
    ]
    assert project.date.long not in "".join(paragraph_text(p) for p in body.findall(w("p"))[:8])
    [toc] = find(body, "./w:sdt")
    assert paragraphs[-1].getnext() is toc
    title = find(toc, ".//w:p")[0]
    assert paragraph_text(title) == "Contents"
    assert find(title, "./w:pPr/w:pageBreakBefore")
    first_heading = next(p for p in toc.itersiblings() if p.tag == w("p"))
    assert paragraph_text(first_heading) == "Key judgements"
    assert find(first_heading, "./w:pPr/w:pageBreakBefore")  # the contents have a page of their own


def test_the_cover_page_is_ink_behind_white_text(docx: Path):
    from docx import Document

    document = Document(str(docx))
    section = document.sections[0]
    [anchor] = find(document.element.body, "w:p[1]//wp:anchor")
    assert not find(section.first_page_header._element, ".//w:drawing")
    assert anchor.get("behindDoc") == "1"
    assert find(anchor, "string(wp:positionH/@relativeFrom)") == find(anchor, "string(wp:positionV/@relativeFrom)")\
        == "page"
    [extent] = find(anchor, "wp:extent")
    assert (int(extent.get("cx")), int(extent.get("cy"))) == (section.page_width, section.page_height)
    [embed] = find(anchor, ".//a:blip/@r:embed")
    image = document.part.related_parts[embed].image
    assert image.content_type == "image/png"
    styles = document.styles.element
    assert find(styles, "string(w:style[@w:styleId='Title']/w:rPr/w:color/@w:val)") == "FFFFFF"


def test_the_contents_are_a_real_toc_field_already_listing_every_heading(body):
    [toc] = find(body, "./w:sdt[w:sdtPr/w:docPartObj/w:docPartGallery/@w:val='Table of Contents']")
    entries = [p for p in find(toc, ".//w:p") if style_of(p) in ("TOC1", "TOC2")]
    headings = [p for p in body.findall(w("p")) if style_of(p) in ("Heading1", "Heading2")]
    # The entries show the numbers Word's list gives the headings, as Word's own contents would.
    assert [paragraph_text(e).split("\t")[-1] for e in entries] == [paragraph_text(h) for h in headings]
    assert [style_of(e)[-1] for e in entries] == [style_of(h)[-1] for h in headings]
    assert "1\tIntroduction" in [paragraph_text(e) for e in entries]
    assert "3.4\tTrade: what the figures show" in [paragraph_text(e) for e in entries]
    # One TOC field around all entries; Word updates it (and every field) on opening, by the settings, rather than
    # by a "dirty" flag on this one field.
    instructions = [" ".join(i.text.split()) for i in find(toc, ".//w:instrText")]
    assert instructions == ['TOC \\o "1-2" \\h \\z \\u']
    kinds = [c.get(w("fldCharType")) for c in find(toc, ".//w:fldChar")]
    assert kinds == ["begin", "separate", "end"]
    assert not find(body, ".//w:fldChar[@w:dirty]")
    # Each entry links to a bookmark on its own heading.
    for entry, heading in zip(entries, headings, strict=True):
        [anchor] = find(entry, "./w:hyperlink/@w:anchor")
        before = heading.getprevious()
        assert find(heading, f"./w:bookmarkStart[@w:name='{anchor}']") or (
            before.tag == w("bookmarkStart") and before.get(w("name")) == anchor), paragraph_text(heading)


def test_headings_are_numbered_by_a_word_list_linked_to_their_styles(docx: Path, body):
    styles, numbering = part(docx, "word/styles.xml"), part(docx, "word/numbering.xml")
    [num_id] = {find(styles, f"string(w:style[@w:styleId='Heading{n}']/w:pPr/w:numPr/w:numId/@w:val)")
                for n in (1, 2, 3)}
    abstract = find(numbering, f"string(w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val)")
    [levels] = [find(a, "w:lvl") for a in find(numbering, f"w:abstractNum[@w:abstractNumId='{abstract}']")]
    assert [(find(lvl, "string(w:pStyle/@w:val)"), find(lvl, "string(w:lvlText/@w:val)")) for lvl in levels] == [
        ("Heading1", "%1"), ("Heading2", "%1.%2"), ("Heading3", "%1.%2.%3")]
    headings = [p for p in body.findall(w("p")) if (style_of(p) or "").startswith("Heading")]
    assert not [p for p in headings if find(p, ".//w:rStyle[@w:val='SectionNumber']")]  # no typed numbers
    out_of_list = [paragraph_text(p) for p in headings if find(p, "w:pPr/w:numPr/w:numId[@w:val='0']")]
    assert out_of_list == ["Key judgements", "Data notes", "Sources"]
    # The datasets' headings in the data notes look like headings but are no heading style: no contents entry.
    unlisted = [paragraph_text(p) for p in body.findall(w("p")) if style_of(p) == "UnlistedHeading"]
    assert unlisted == ["Bilateral trade", "Agreements and milestones", "Places on the maps",
                        "Corridors and pipelines on the maps", "Countries on the locator map"]
    assert find(styles, "string(w:style[@w:styleId='TOCHeading']/w:pPr/w:numPr/w:numId/@w:val)") == "0"


def test_libreoffice_numbers_the_headings_and_names_the_chapter_in_the_header(libreoffice_pdf: Path, project):
    pages = [" ".join(page.split()) for page in poppler("pdftotext", str(libreoffice_pdf), "-").split("\f")]
    body = " ".join(pages[2:])  # after the contents
    for heading in ("1 Introduction", "2 Diplomatic relations", "2.3 The 2022 declaration",
                    "8.2.1 Managed deepening"):
        assert heading in body, heading
    assert "Key judgements" in pages[2] and "1 Key judgements" not in pages[2]


def test_the_header_names_the_current_chapter_by_a_styleref_field(docx: Path):
    from docx import Document

    header = Document(str(docx)).sections[0].header.paragraphs[0]._p
    assert [instruction for instruction, _ in fields(header)] == ['STYLEREF "Heading 1" \\n', 'STYLEREF "Heading 1"']
    # Nothing cached: Word fills the fields on every page; LibreOffice before 24.2 shows the cached text on all
    # pages, and no chapter title is better than one that is wrong on most of them.
    assert [result for _, result in fields(header)] == ["", ""]
    assert find(header, "string(.//w:r[w:fldChar]/w:rPr/w:caps/@w:val)") == "0"  # as written, not in capitals


def test_the_agreements_table_repeats_its_header_and_keeps_rows_whole(docx: Path):
    from docx import Document

    document = Document(str(docx))
    [table] = [t for t in document.tables if t.rows[0].cells[1].text == "Agreement or milestone"]
    rows = table._tbl.findall(w("tr"))
    assert find(rows[0], "./w:trPr/w:tblHeader")
    assert not any(find(row, "./w:trPr/w:tblHeader") for row in rows[1:])
    assert all(find(row, "./w:trPr/w:cantSplit") for row in rows)
    section = document.sections[0]
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635
    widths = [int(c) for c in find(table._tbl, "./w:tblGrid/w:gridCol/@w:w")]
    assert abs(sum(widths) - text_width) <= 1
    # The proportions of the Markdown table, as in the PDF: the title and subject columns widest.
    assert widths.index(max(widths)) == 1 and sorted(widths)[-2] == widths[3]
    assert {style_of(p) for p in find(rows[0], ".//w:p")} == {"TableHeading"}
    assert {style_of(p) for row in rows[1:] for p in find(row, ".//w:p")} == {"TableText"}


def test_captions_are_word_captions_numbered_by_seq_fields(body):
    captions = [p for p in find(body, ".//w:p") if style_of(p) == "Caption"]
    assert [fields(p) for p in captions] == [
        [("SEQ Figure \\* ARABIC", "1")], [("SEQ Table \\* ARABIC", "1")], [("SEQ Figure \\* ARABIC", "2")],
        [("SEQ Table \\* ARABIC", "2")], [("SEQ Figure \\* ARABIC", "3")]]
    assert [paragraph_text(p) for p in captions] == [
        "Figure 1. Turkmenistan and its neighbours",
        "Table 1. Agreements and milestones in Russia\u2013Turkmenistan relations",
        "Figure 2. Bilateral trade, full-year figures, in billions of US dollars",
        "Table 2. Bilateral trade by year, with the kind and source of each figure",
        "Figure 3. The North\u2013South corridor, the Caspian crossing and the gas pipelines",
    ]
    # Word's "label and number" bookmark, which cross-references point to.
    assert bookmark_text(body, "_Ref_tbl_agreements") == "Table 1"
    assert bookmark_text(body, "_Ref_fig_trade") == "Figure 2"
    assert bookmark_text(body, "_Ref_fig_locator") == "Figure 1"
    assert find(captions[1], "./w:pPr/w:keepNext")


def test_each_exhibit_is_followed_by_its_source_line_in_its_own_style(body):
    sources = [p for p in find(body, ".//w:p") if style_of(p) == "ExhibitSource"]
    assert len(sources) == 5
    # The maps', the agreements table's and the chart's (the trade table's names the sources of its rows).
    assert all(paragraph_text(sources[i]).startswith("Sources: ") for i in (0, 1, 2, 4))
    assert "Boundaries: Natural Earth admin-0 countries, 1:50m (public domain)" in paragraph_text(sources[0])


def test_prose_references_are_ref_fields_to_the_caption_bookmarks(body):
    references = [f for p in find(body, ".//w:p") for f in fields(p) if f[0].startswith("REF ")]
    assert ("REF _Ref_tbl_agreements \\h", "Table 1") in references
    assert ("REF _Ref_fig_trade \\h", "Figure 2") in references
    assert ("REF _Ref_fig_locator \\h", "Figure 1") in references
    assert ("REF _Ref_tbl_trade \\h", "Table 2") in references
    for instruction, shown in references:
        assert bookmark_text(body, instruction.split()[1]) == shown
    # No mention of an exhibit is left as plain text outside the captions.
    for paragraph in find(body, ".//w:p[not(ancestor::w:sdt)]"):
        if style_of(paragraph) != "Caption":
            plain = "".join(t.text or "" for t in find(paragraph, ".//w:r[not(w:fldChar)]/w:t"))
            shown = "".join(result for _, result in fields(paragraph))
            assert len(re.findall(r"\b(?:Table|Figure) \d", plain)) == len(re.findall(r"(?:Table|Figure) \d", shown))


def test_the_chart_is_an_svg_with_a_png_of_200_dpi_and_its_alt_text(docx: Path, body):
    from docx import Document

    drawings = find(body, ".//w:drawing[wp:inline]")
    assert [d.startswith("Map: ") for d in find(body, ".//w:drawing[wp:inline]//wp:docPr/@descr")] == [
        True, False, True]  # the locator map, the trade chart, the corridors' map
    drawing = drawings[1]
    [description] = find(drawing, ".//wp:docPr/@descr")
    assert description.startswith("Line chart of Russia\u2013Turkmenistan trade, 2016\u20132025")
    assert "2021: USD\u00a0865\u00a0million (reported)" in description
    assert find(drawing, ".//pic:cNvPr/@descr") == [description]  # not pandoc's data: URL
    [embed] = find(drawing, ".//a:blip/@r:embed")
    image = Document(str(docx)).part.related_parts[embed].image
    assert image.content_type == "image/png"
    [extent] = find(drawing, ".//wp:extent")
    assert image.px_width / (int(extent.get("cx")) / 914400) >= 200
    # The vector chart for Word 2016 and later, the PNG above staying the picture for other readers.
    [svg_embed] = find(drawing, ".//a:blip/a:extLst/a:ext[@uri='{96DAC541-7B7A-43D3-8B79-37D633B846F1}']"
                                "/*[local-name()='svgBlip']/@r:embed")
    svg = Document(str(docx)).part.related_parts[svg_embed]
    assert svg.content_type == "image/svg+xml"
    assert b"<svg" in svg.blob[:500] and b"<path" in svg.blob



def test_every_picture_is_the_real_png_drawn_not_the_stand_in_pandoc_was_given(docx: Path, built_briefing: Path):
    import io
    import zipfile

    from PIL import Image

    with zipfile.ZipFile(docx) as package:
        pngs = {name: package.read(name) for name in package.namelist() if name.endswith(".png")}
    drawn = [png for png in pngs.values() if len(png) > 50_000]
    assert len(drawn) == 3, sorted((n, len(b)) for n, b in pngs.items())  # two maps and the trade chart
    for name, png in pngs.items():
        assert b"briefkit stand-in" not in png, name
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            assert image.getextrema() != ((0, 0),) * len(image.getbands()), f"{name} is blank"


def test_a_stand_in_has_the_size_and_resolution_of_its_png_and_no_two_are_alike(tmp_path: Path):
    import io
    import random

    from PIL import Image

    from briefkit.outputs.docx.stand_ins import blank_png, real_markdown, stand_in_markdown

    buffer = io.BytesIO()
    Image.frombytes("RGBA", (640, 300), random.Random(7).randbytes(640 * 300 * 4)).save(buffer, "PNG",
                                                                                       dpi=(200, 200))
    real = buffer.getvalue()
    first, second = blank_png(real, 0), blank_png(real, 1)
    assert first != second and len(first) < 2_000 < len(real)
    with Image.open(io.BytesIO(first)) as image:
        image.load()
        assert image.size == (640, 300) and round(image.info["dpi"][0]) == 200 and image.mode == "RGBA"
    assert blank_png(b"GIF89a not a PNG", 0) is None
    interlaced = io.BytesIO()
    Image.new("RGB", (10, 10)).save(interlaced, "PNG", interlace=1)  # Pillow writes no interlace: forge the flag
    assert blank_png(interlaced.getvalue()[:28] + b"\x01" + interlaced.getvalue()[29:], 0) is None

    import base64

    uri = "data:image/png;base64," + base64.b64encode(real).decode()
    markdown = f"![A chart]({uri})\n\nText that quotes `data:image/png;base64,AAAA` stays.\n\n![Again]({uri})\n"
    swapped, stand_ins = stand_in_markdown(markdown)
    assert len(stand_ins) == 1 and uri not in swapped and "`data:image/png;base64,AAAA`" in swapped
    assert real_markdown(swapped, stand_ins) == markdown


def test_where_pandoc_changed_the_stand_ins_the_real_pictures_are_converted(tmp_path: Path, monkeypatch):
    import briefkit.outputs.docx.stand_ins as stand_ins
    from briefkit.pipeline import build
    from tests.conftest import FIXTURE, copy_project

    root = copy_project(FIXTURE, tmp_path / "mini")
    build(root, formats=("docx",), parallel=False)
    expected = next((root / "build").glob("*.docx")).read_bytes()
    monkeypatch.setattr(stand_ins, "restore", lambda document, found: False)
    build(root, out_dir=tmp_path / "again", formats=("docx",), use_cache=False, parallel=False)
    assert next((tmp_path / "again").glob("*.docx")).read_bytes() == expected


def test_header_shows_the_title_and_footer_the_page_except_on_the_cover(docx: Path, project):
    from docx import Document

    section = Document(str(docx)).sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text.split("\t")[0] == project.title
    footer = section.footer.paragraphs[0]._p
    assert [instruction for instruction, _ in fields(footer)] == ["PAGE", "NUMPAGES"]
    assert paragraph_text(footer).startswith(f"{project.edition}\tPage ")
    for first in (section.first_page_header, section.first_page_footer):
        assert not first.is_linked_to_previous and not "".join(p.text for p in first.paragraphs)


def test_citations_are_word_footnotes_and_the_sources_close_the_document(docx: Path, body):
    notes = part(docx, "word/footnotes.xml")
    texts = {n.get(w("id")): paragraph_text(n) for n in find(notes, "./w:footnote[not(@w:type)]")}
    calls = find(body, ".//w:footnoteReference/@w:id")
    assert len(calls) > 100 and set(calls) == set(texts)
    assert all(text.strip() for text in texts.values())
    assert find(notes, ".//w:hyperlink[starts-with(@w:anchor, 'ref_')]")  # notes link to the source list
    assert find(body, "string(w:sectPr/w:footnotePr/w:numRestart/@w:val)") in ("", "continuous")  # as in the PDF
    headings = [paragraph_text(p) for p in body.findall(w("p")) if style_of(p) == "Heading1"]
    assert headings[-1] == "Sources"
    entries = [p for p in find(body, ".//w:p") if style_of(p) == "Bibliography"]
    assert len(entries) > 10
    assert paragraph_text(entries[0]).startswith("\u2018Turkmenistan\u2013Russia relations\u2019. 2025.")


def test_footnotes_are_small_tight_and_grey_in_two_columns_for_word(docx: Path, body):
    styles = part(docx, "word/styles.xml")
    [note] = find(styles, "w:style[@w:styleId='FootnoteText']")
    assert find(note, "string(w:rPr/w:sz/@w:val)") == "14"  # 7 pt
    assert find(note, "string(w:rPr/w:color/@w:val)") == "333333"
    spacing = find(note, "w:pPr/w:spacing")[0]
    assert (spacing.get(w("line")), spacing.get(w("lineRule")), spacing.get(w("after"))) == ("168", "exact", "0")
    notes = part(docx, "word/footnotes.xml")
    assert find(notes, ".//w:hyperlink//w:t")  # the citations still link to the source list ...
    assert not find(notes, ".//w:hyperlink//w:rStyle[@w:val='Hyperlink']")  # ... in the note's grey
    w15 = "http://schemas.microsoft.com/office/word/2012/wordml"
    assert body.find(f"{w('sectPr')}/{{{w15}}}footnoteColumns").get(w("val")) == "2"
    document = part(docx, "word/document.xml")
    assert "w15" in document.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable").split()


def test_libreoffice_prints_the_notes_in_grey(libreoffice_pdf: Path):
    """The darkest pixels of a note's citation are neutral grey, not the navy of links."""
    from lxml import etree

    layout = etree.fromstring(poppler("pdftotext", "-f", "4", "-l", "4", "-bbox-layout", str(libreoffice_pdf),
                                      "-").encode())
    words = [word for word in layout.iter("{*}word") if word.text == "Analytical"]
    note = max(words, key=lambda word: float(word.get("yMin")))  # the lowest on the page: in the notes
    box = [float(note.get(k)) * 300 / 72 for k in ("xMin", "yMin", "xMax", "yMax")]
    pixels = subprocess.run(["pdftoppm", "-r", "300", "-f", "4", "-l", "4", "-x", str(int(box[0])), "-y",
                             str(int(box[1])), "-W", str(int(box[2] - box[0])), "-H", str(int(box[3] - box[1])),
                             str(libreoffice_pdf)], check=True, capture_output=True, timeout=60).stdout
    raster = pixels.split(b"\n255\n", 1)[1]
    rgb = [raster[i:i + 3] for i in range(0, len(raster) - 2, 3)]
    darkest = sorted(rgb, key=sum)[:20]
    assert all(abs(r - b) < 16 for r, _, b in darkest), darkest[:3]


def test_properties_come_from_report_yaml_dated_on_the_report(docx: Path, project):
    from docx import Document

    core = Document(str(docx)).core_properties
    assert (core.title, core.subject, core.author) == (project.title, project.subtitle, "; ".join(project.authors))
    assert core.keywords == ", ".join(project.keywords)
    assert core.language == project.language
    assert core.created == core.modified == datetime(2025, 12, 20, tzinfo=UTC)
    assert find(part(docx, "docProps/app.xml"), "string(//*[local-name()='Company'])") == project.organisation
    custom = {p.get("name"): p.xpath("string(.)") for p in part(docx, "docProps/custom.xml")}
    assert custom["subtitle"] == project.subtitle and custom["date"] == project.date.long


def test_word_opens_it_in_its_current_mode_with_hyphenation(docx: Path):
    settings = part(docx, "word/settings.xml")
    assert find(settings, "string(w:compat/w:compatSetting[@w:name='compatibilityMode']/@w:val)") == "15"
    assert find(settings, "w:autoHyphenation/@w:val") == ["true"]
    assert find(settings, "w:updateFields/@w:val") == ["true"]  # the contents get Word's page numbers


def test_the_fonts_travel_inside_the_package_as_word_embeds_them(docx: Path):
    import io

    from fontTools.ttLib import TTFont

    from briefkit.outputs.docx.fonts import obfuscate

    settings = part(docx, "word/settings.xml")
    assert find(settings, "w:embedTrueTypeFonts") and not find(settings, "w:embedSystemFonts")
    table = part(docx, "word/fontTable.xml")
    relationships = {r.get("Id"): r.get("Target") for r in part(docx, "word/_rels/fontTable.xml.rels")}
    types = part(docx, "[Content_Types].xml")
    assert "application/vnd.openxmlformats-officedocument.obfuscatedFont" in [
        d.get("ContentType") for d in types if d.get("Extension") == "odttf"]
    embedded, cmaps = {}, {}
    with zipfile.ZipFile(docx) as package:
        for font in find(table, "w:font[w:embedRegular]"):
            family = font.get(w("name"))
            assert find(font, "string(w:family/@w:val)") == {"Charis SIL": "roman", "Lato": "swiss"}[family]
            assert len(find(font, "string(w:panose1/@w:val)")) == 20  # for viewers that substitute a font
            for slot in find(font, "w:embedRegular | w:embedBold | w:embedItalic | w:embedBoldItalic"):
                target = relationships[slot.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
                data = obfuscate(package.read(f"word/{target}"), slot.get(w("fontKey")))
                font = TTFont(io.BytesIO(data))
                names = font["name"]
                embedded[(family, local_name(slot))] = (names.getDebugName(1), names.getDebugName(2), len(data))
                cmaps[(family, local_name(slot))] = set(font.getBestCmap())
    assert {key: value[:2] for key, value in embedded.items()} == {
        ("Charis SIL", "embedRegular"): ("Charis SIL", "Regular"),
        ("Charis SIL", "embedBold"): ("Charis SIL", "Bold"),
        ("Charis SIL", "embedItalic"): ("Charis SIL", "Italic"),
        ("Charis SIL", "embedBoldItalic"): ("Charis SIL", "Bold Italic"),
        ("Lato", "embedRegular"): ("Lato", "Regular"),
        ("Lato", "embedBold"): ("Lato", "Bold"),
        ("Lato", "embedItalic"): ("Lato", "Italic"),
    }
    # Subsets: each face well under the 650-800 kB of its file.
    assert all(size < 150_000 for *_, size in embedded.values())
    # ... that keep every character of the text and every bullet.
    text = {ord(c) for t in find(part(docx, "word/document.xml"), "//w:t/text()") for c in t}
    levels = find(part(docx, "word/numbering.xml"), "//w:lvl[w:numFmt/@w:val='bullet']/w:lvlText/@w:val")
    bullets = {ord(c) for v in levels for c in v.strip()}
    assert text <= cmaps[("Charis SIL", "embedRegular")] and text <= cmaps[("Lato", "embedRegular")]
    assert bullets == {0x2022, 0x25E6, 0x25AA} and bullets <= cmaps[("Lato", "embedRegular")]
    # A colleague editing the DOCX types letters of Latin-1 and Latin Extended-A and punctuation the briefing
    # does not use: every embedded face has them.
    typed = set(map(ord, "ÆÐÞßåøñçÿ¿¡«»ĀăĘęĞğİıŁłŐőŘřŚśŠšŢţŮůŽžŒœ‰‹›„‚‡•…€£¥№™½⅓→≤≥≠"))
    assert not typed & text
    for key, cmap in cmaps.items():
        assert typed <= cmap, (key, sorted(map(chr, typed - cmap)))


def test_no_local_path_is_left_in_the_package(docx: Path):
    root = str(docx.parent.parent)
    with zipfile.ZipFile(docx) as package:
        for name in package.namelist():
            content = package.read(name)
            if name.endswith((".xml", ".rels")):
                text = content.decode("utf-8")
                assert root not in text and str(REPO) not in text, name
                assert not re.search(r"file:|/tmp/|\.briefkit-|[A-Z]:\\\\|data:image", text), name


def test_word_can_read_every_part(docx: Path):
    """What Word checks strictly: children of w:pPr and w:rPr in schema order, unique bookmarks, resolvable links."""
    with zipfile.ZipFile(docx) as package:
        names = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
    for name in names:
        root = part(docx, name)
        for parent in root.iter(w("pPr"), w("rPr")):
            order = SCHEMA_ORDER[local_name(parent)]
            ranks = [order.index(local_name(c)) for c in parent]
            assert ranks == sorted(set(ranks)), (name, [local_name(c) for c in parent])
    body = part(docx, "word/document.xml")
    ids = find(body, "//w:bookmarkStart/@w:id")
    names_ = find(body, "//w:bookmarkStart/@w:name")
    assert len(ids) == len(set(ids)) and len(names_) == len(set(names_))
    assert sorted(ids) == sorted(find(body, "//w:bookmarkEnd/@w:id"))
    assert set(find(body, "//w:hyperlink/@w:anchor")) <= set(names_)
    # Word's rule for bookmark names: a letter (or the underscore of hidden ones), letters, digits, underscores.
    assert all(re.fullmatch(r"[^\W\d_]\w{0,39}|_\w{1,39}", n) for n in names_), [
        n for n in names_ if not re.fullmatch(r"[^\W\d_]\w{0,39}|_\w{1,39}", n)]
    notes = part(docx, "word/footnotes.xml")
    assert set(find(notes, "//w:hyperlink/@w:anchor")) <= set(names_)
    # One bookmark a heading: pandoc's on its section, which the contents link to.
    for heading in [p for p in body.iter(w("p")) if style_of(p) in ("Heading1", "Heading2")]:
        around = find(heading, "w:bookmarkStart") + [n for n in [heading.getprevious()] if n.tag == w("bookmarkStart")]
        assert len(around) == 1, paragraph_text(heading)


def test_styles_are_whole_for_an_editor(docx: Path):
    """Every style is based on one that exists; linked character styles look like their paragraph styles."""
    styles = part(docx, "word/styles.xml")
    ids = set(find(styles, "w:style/@w:styleId"))
    assert set(find(styles, "w:style/w:basedOn/@w:val")) <= ids
    assert find(styles, "string(w:style[@w:styleId='Table']/w:basedOn/@w:val)") == "TableNormal"
    assert find(styles, "count(w:style[@w:type='table'][@w:default='1'])") == 1
    assert not find(styles, "w:style[@w:styleId='Caption']/w:link")
    for n in (1, 2, 3):
        char = find(styles, f"w:style[@w:styleId='Heading{n}Char']/w:rPr")[0]
        assert find(char, "string(w:rFonts/@w:ascii)") == "Lato" and not find(char, "w:rFonts/@w:asciiTheme")
        size = find(styles, f"string(w:style[@w:styleId='Heading{n}']/w:rPr/w:sz/@w:val)")
        assert find(char, "string(w:sz/@w:val)") == size
    for header in ("header1.xml", "header2.xml"):
        assert find(part(docx, f"word/{header}"), "string(//w:pStyle/@w:val)") == "Header"


def test_letter_paper_sets_the_page_and_the_contents_tab_stop(mini: Path):
    from docx import Document

    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text().replace("paper: A4", "paper: Letter"))
    result = build(mini, formats=("docx",), use_cache=False, parallel=False)
    document = Document(str(result.outputs["docx"]))
    section = document.sections[0]
    assert (round(section.page_width.inches, 2), round(section.page_height.inches, 2)) == (8.5, 11.0)
    text_width = (section.page_width - section.left_margin - section.right_margin) // 635
    toc1 = document.styles.element.get_by_id("TOC1")
    assert int(find(toc1, ".//w:tab[@w:val='right']/@w:pos")[0]) == text_width


def test_the_same_inputs_give_the_same_docx_bytes(mini: Path, tmp_path: Path):
    first = build(mini, out_dir=tmp_path / "one", formats=("docx",), use_cache=False, parallel=False)
    second = build(mini, out_dir=tmp_path / "two", formats=("docx",), use_cache=False, parallel=False)
    assert first.outputs["docx"].read_bytes() == second.outputs["docx"].read_bytes()
    with zipfile.ZipFile(first.outputs["docx"]) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.fixture(scope="module")
def libreoffice_pdf(docx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DOCX as LibreOffice lays it out, printed to PDF."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)")
    folder = tmp_path_factory.mktemp("libreoffice")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "pdf", "--outdir", str(folder), str(docx)],
                   check=True, capture_output=True, timeout=300)
    return folder / f"{NAME}.pdf"


def poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def test_libreoffice_shows_cover_contents_captions_and_footers(libreoffice_pdf: Path, project):
    from tests.conftest import pdf_text

    pages = [" ".join(page.split()) for page in pdf_text(libreoffice_pdf)]
    total = len(pages)
    assert project.title in pages[0] and "Page 1 of" not in pages[0]
    # The cover is ink from edge to edge: its pixels, at 10 dpi, are nearly all #1F3A5F.
    pixels = subprocess.run(["pdftoppm", "-r", "10", "-f", "1", "-l", "1", str(libreoffice_pdf)],
                            check=True, capture_output=True, timeout=60).stdout
    header, raster = pixels.split(b"\n255\n", 1)
    ink = sum(1 for i in range(0, len(raster) - 2, 3) if abs(raster[i] - 0x1F) + abs(raster[i + 2] - 0x5F) < 12)
    assert ink / (len(raster) / 3) > 0.9
    assert pages[1].startswith(f"{project.title.upper()} Contents Key judgements 1 Introduction")
    assert pages[1].endswith(f"Page 2 of {total}")
    assert all(f"Page {n} of {total}" in page for n, page in enumerate(pages[1:], 2))
    # The agreements table runs over a page break, its header row repeated on the next page.
    header = "Date Agreement or milestone Kind Subject and scope Status Source"
    with_header = [n for n, page in enumerate(pages) if header in page]
    assert len(with_header) >= 2 and with_header[1] == with_header[0] + 1
    assert " superseded " in pages[with_header[0]]  # columns are wide enough for their longest word
    assert any("Figure 2. Bilateral trade" in page for page in pages)
    assert any("Figure 1. Turkmenistan and its neighbours" in page and "Ashgabat" in page for page in pages)
    # A cross-reference, as LibreOffice shows it.
    assert any("Table 1 at the end of this section lists" in page for page in pages)
    assert any("Sources" in page for page in pages[-3:])  # the list of sources ends the document


def test_libreoffice_sets_the_designed_fonts_from_the_embedded_files(libreoffice_pdf: Path):
    fonts = {line.split()[0].split("+")[-1] for line in poppler("pdffonts", str(libreoffice_pdf)).splitlines()[2:]}
    assert {"CharisSIL", "CharisSIL-Bold", "Lato-Regular", "Lato-Bold"} <= fonts, fonts
    assert all(f.startswith(("CharisSIL", "Lato")) for f in fonts), fonts  # no substitute, not even for bullets


TOKEN = re.compile(r"[^\W\d_]+-?")


def test_libreoffice_breaks_no_word(docx: Path, libreoffice_pdf: Path):
    """Every word of LibreOffice's text is a word of the document: none is cut in two ("supersede d") by a narrow
    table column; pdftotext joins words hyphenated at the end of a line, which are no fault.
    """
    vocabulary = set()
    with zipfile.ZipFile(docx) as package:
        for name in package.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                for text in find(part(docx, name), ".//w:t/text()"):
                    vocabulary.update(token.rstrip("-").lower() for token in TOKEN.findall(text))

    def known(token: str) -> bool:
        token = token.lower()
        return token in vocabulary or any(token[:i] in vocabulary and token[i:] in vocabulary
                                          for i in range(1, len(token)))

    tokens = TOKEN.findall(poppler("pdftotext", str(libreoffice_pdf), "-"))
    cut = [(tokens[i - 1], token) for i, token in enumerate(tokens)
           if not token.endswith("-") and not tokens[i - 1].endswith("-") and not known(token)]
    assert len(tokens) > 5000 and not cut


def test_body_lines_are_spaced_in_points_as_in_the_pdf(docx: Path, libreoffice_pdf: Path):
    from collections import Counter

    from lxml import etree

    styles = part(docx, "word/styles.xml")
    normal = find(styles, "w:style[@w:styleId='Normal']/w:pPr/w:spacing")[0]
    assert (normal.get(w("line")), normal.get(w("lineRule"))) == ("290", "exact")  # 10 pt / 1.45, print.css
    # LibreOffice's layout: the pitch of the lines of the body text.
    layout = etree.fromstring(poppler("pdftotext", "-bbox-layout", str(libreoffice_pdf), "-").encode())
    pitches = Counter()
    for block in layout.iter("{*}block"):
        tops = [float(line.get("yMin")) for line in block.iter("{*}line")
                if float(line.get("xMax")) - float(line.get("xMin")) > 400]
        pitches.update(round(b - a, 1) for a, b in zip(tops, tops[1:], strict=False))
    assert pitches.most_common(1)[0][0] == 14.5, pitches.most_common(3)


def test_the_data_notes_name_a_gap_once(body):
    notes = [paragraph_text(p) for p in body.iter(w("p")) if paragraph_text(p).startswith("2018: ")]
    assert notes and notes[0].startswith("2018: no figure published") and "(no figure published)" not in notes[0]


def test_outputs_whose_bytes_are_unchanged_keep_their_file_and_time(mini: Path):
    """Two builds, then a change to the print CSS: only the PDF is written again."""
    import os

    first = build(mini, parallel=False)
    past = 1_000_000_000
    for path in first.outputs.values():
        os.utime(path, ns=(past, past))
    inodes = {fmt: path.stat().st_ino for fmt, path in first.outputs.items()}
    build(mini, use_cache=False, parallel=False)  # everything made again, to the same bytes
    assert {fmt: path.stat().st_mtime_ns for fmt, path in first.outputs.items()} == dict.fromkeys(first.outputs, past)
    from briefkit.templates import DEFAULT_TEMPLATES

    css = mini / "templates" / "print.css"
    css.parent.mkdir(exist_ok=True)
    css.write_text((DEFAULT_TEMPLATES / "print.css").read_text() + "\nh1 { letter-spacing: 0.01em; }\n")
    third = build(mini, parallel=False)
    changed = {fmt for fmt, path in third.outputs.items() if path.stat().st_mtime_ns != past}
    assert changed == {"pdf"}
    assert all(first.outputs[fmt].stat().st_ino == inodes[fmt] for fmt in ("docx", "html"))
