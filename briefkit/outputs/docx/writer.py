"""The DOCX: pandoc writes it with a reference document whose styles match the PDF; briefkit then finishes it
the way Word itself would (cover, filled contents, captions and cross-references as fields, header and footer,
properties), so that it can be edited and sent on as it is.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from briefkit import pandoc
from briefkit.project import Project

if TYPE_CHECKING:
    from briefkit.cache import Cache

LOG = logging.getLogger(__name__)
SOURCE_LINE = re.compile(r"^(:{3,}\s*)\{\.exhibit-source\}", re.MULTILINE)


REFERENCE_STAGE = "docx-reference"


def make_reference_docx(target: Path, cache: Cache | None = None) -> Path:
    """Build the reference document from pandoc's default, restyled with python-docx; kept in `cache` by the
    engine's code and versions (it depends on nothing of the project)."""
    from briefkit.cache import code_fingerprint, engine_versions, fingerprint
    from briefkit.outputs.docx.styles import reference_docx, theme_fonts

    key = fingerprint(REFERENCE_STAGE, code_fingerprint(), engine_versions())
    entry = cache.lookup(REFERENCE_STAGE, key) if cache else None
    if entry is not None:
        shutil.copyfile(entry / target.name, target)
        return target
    target.write_bytes(rewrite_zip(reference_docx(), {"word/theme/theme1.xml": theme_fonts}))
    if cache:
        cache.store(REFERENCE_STAGE, key, {target.name: target})
    return target


def write_docx(project: Project, markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, reference_doc: Path,
               target: Path, fonts_dir: Path | None = None, stamp=None, font_cache: Path | None = None) -> None:
    """Convert with pandoc, then finish the document step by step; the fonts (default: the templates' fonts/
    folder) serve to measure the tables and are embedded; stamp (briefkit.buildrecord.Stamp): the build that
    made it, in the custom properties; font_cache: the folder that keeps the fonts' subsets between builds.
    """
    from docx import Document

    from briefkit.exhibits.notes import NOTES_ID
    from briefkit.outputs.docx.contents import prefill_toc, remove_toc, unlist_headings
    from briefkit.outputs.docx.exhibits import (
        add_vector_pictures,
        describe_pictures,
        format_tables,
        link_references,
        make_captions,
    )
    from briefkit.outputs.docx.fonts import embed_fonts
    from briefkit.outputs.docx.headings import number_headings
    from briefkit.outputs.docx.notes import ignorable_w15, note_columns, plain_citation_links
    from briefkit.outputs.docx.openxml import Bookmarks, rename_bookmarks
    from briefkit.outputs.docx.pages import (
        add_cover,
        add_header_footer,
        add_logo,
        box_key_judgements,
        cover_page,
        designed_bullets,
        set_page_layout,
        word_settings,
    )
    from briefkit.outputs.docx.properties import custom_properties, extended_properties, set_properties
    from briefkit.outputs.docx.stand_ins import real_markdown, restore, stand_in_markdown
    from briefkit.outputs.docx.styles import HEADING_FONT

    fonts_dir = fonts_dir or inputs.templates_dir / "fonts"
    markdown, stand_ins = stand_in_markdown(markdown)
    pandoc.docx(style_source_lines(markdown), inputs, meta_file, reference_doc, target)
    document = Document(str(target))
    if not restore(document, stand_ins):
        LOG.debug("docx: pandoc did not keep the pictures' stand-ins as they were; converting the real pictures")
        pandoc.docx(style_source_lines(real_markdown(markdown, stand_ins)), inputs, meta_file, reference_doc, target)
        document = Document(str(target))
    body = document.element.body
    bookmarks = Bookmarks(body)
    text_width = set_page_layout(document, project.paper)
    word_settings(document.settings.element)
    add_cover(body, project)
    add_logo(document, project)
    if project.theme.cover:
        cover_page(document, project.theme.ink.lstrip("#").upper())
    unlist_headings(body, NOTES_ID)
    entries = prefill_toc(body, bookmarks, project.words()("contents")) if project.theme.contents else remove_toc(body)
    numbered = number_headings(document)
    designed_bullets(document.part.numbering_part.element, HEADING_FONT)
    box_key_judgements(body)
    tables = format_tables(body, text_width, fonts_dir)
    words = project.words()
    kinds = (words("table"), words("figure"))
    captions = make_captions(body, bookmarks, kinds)
    references = link_references(body, captions, kinds)
    pictures = describe_pictures(document, text_width)
    vectors = add_vector_pictures(document, inputs.resource_dir)
    add_header_footer(document, project)
    renamed = rename_bookmarks(body)
    note_columns(document.sections[0]._sectPr)
    set_properties(document.core_properties, project)
    LOG.debug("docx: %d contents entries, %d numbered headings, %d tables, %d captions, %d cross-references, "
              "%d pictures (%d with an SVG)", entries, numbered, tables, len(captions), references, pictures, vectors)
    buffer = io.BytesIO()
    document.save(buffer)
    # Stored, not compressed: only the rewrite below reads it, and that one compresses every entry anew.
    package = rewrite_zip(buffer.getvalue(), theme_edits(project, read_parts(buffer.getvalue())),
                          compression=zipfile.ZIP_STORED)
    target.write_bytes(rewrite_zip(package, {
        "docProps/app.xml": lambda _: extended_properties(project),
        "docProps/custom.xml": lambda _: custom_properties(project, stamp.properties() if stamp else ()),
        "word/document.xml": ignorable_w15,
        "word/footnotes.xml": lambda notes: plain_citation_links(notes, renamed),
    }, embed_fonts(read_parts(package), fonts_dir, project.language, font_cache)))


def theme_edits(project: Project, parts: dict[str, bytes]) -> dict[str, Callable[[bytes], bytes]]:
    """The reference document's colours and typefaces replaced by the theme's, in every XML part."""
    from briefkit.outputs.docx.styles import ACCENT, BODY_FONT, HEADING_FONT, INK, TINT

    theme = project.theme
    pairs = [(f'"{old}"'.encode(), f'"{new.lstrip("#").upper()}"'.encode())
             for old, new in ((INK, theme.ink), (ACCENT, theme.accent), (TINT, theme.tint))]
    pairs += [(f'"{old}"'.encode(), f'"{new}"'.encode())
              for old, new in ((BODY_FONT, theme.body_font), (HEADING_FONT, theme.heading_font))]
    pairs = [(old, new) for old, new in pairs if old != new]
    if not pairs:
        return {}

    def replace(content: bytes) -> bytes:
        for old, new in pairs:
            content = content.replace(old, new)
        return content

    return {name: replace for name in parts if name.endswith(".xml")}


def style_source_lines(markdown: str) -> str:
    """The source line under each exhibit (a .exhibit-source div) gets the "Exhibit Source" paragraph style:
    pandoc's DOCX writer gives a div's custom-style to the paragraphs inside it.
    """
    return SOURCE_LINE.sub(r'\1{.exhibit-source custom-style="Exhibit Source"}', markdown)


def read_parts(data: bytes) -> dict[str, bytes]:
    """The entries of a .docx by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def rewrite_zip(data: bytes, edits: dict[str, Callable[[bytes], bytes]] | None = None,
                replaced: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The same archive with some entries rewritten, some replaced or added (after the others, in the order
    given) and every entry dated 1980-01-01, so that identical inputs give identical bytes; compression: how
    every entry is written (an archive that only another rewrite reads need not be compressed).
    """
    edits, replaced = edits or {}, dict(replaced or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as dest:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
        entries = [(name, replaced.pop(name, content)) for name, content in entries] + list(replaced.items())
        for name, content in entries:
            if name in edits:
                content = edits[name](content)
            dest.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=compression)
    return out.getvalue()
