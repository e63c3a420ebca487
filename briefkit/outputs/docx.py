"""The DOCX: pandoc writes it with a reference document whose styles match the PDF."""

from __future__ import annotations

import io
from pathlib import Path

from briefkit import pandoc

BODY_FONT = "Charis SIL"
HEADING_FONT = "Lato"
INK = "1F3A5F"
MUTED = "5B6470"


def make_reference_docx(target: Path) -> Path:
    """Build the reference document from pandoc's default, restyled with python-docx."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document(io.BytesIO(pandoc.default_reference_docx()))
    styles = document.styles

    def restyle(name: str, font: str, size: float, bold: bool | None = None, color: str | None = None) -> None:
        try:
            style = styles[name]
        except KeyError:
            return
        style.font.name = font
        style.font.size = Pt(size)
        if bold is not None:
            style.font.bold = bold
        if color:
            style.font.color.rgb = RGBColor.from_string(color)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rFonts")
        if fonts is not None:
            for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
                fonts.set(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{attr}", font)
            for attr in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
                fonts.attrib.pop(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{attr}", None)

    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Bibliography"):
        restyle(name, BODY_FONT, 10.5)
    restyle("Title", HEADING_FONT, 28, True, INK)
    restyle("Subtitle", HEADING_FONT, 15, False, MUTED)
    restyle("Author", HEADING_FONT, 11, False, MUTED)
    restyle("Date", HEADING_FONT, 11, False, MUTED)
    restyle("Heading 1", HEADING_FONT, 17, True, INK)
    restyle("Heading 2", HEADING_FONT, 12.5, True, INK)
    restyle("Heading 3", HEADING_FONT, 11, True, INK)
    restyle("Table Caption", HEADING_FONT, 9.5, True, INK)
    restyle("Image Caption", HEADING_FONT, 9.5, True, INK)
    restyle("Footnote Text", HEADING_FONT, 8.5)
    restyle("Table", HEADING_FONT, 8.5)
    document.core_properties.title = "briefkit reference document"
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(_fixed_zip(buffer.getvalue()))
    return target


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01, so that identical styles give identical bytes."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            dest.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), source.read(info),
                          compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_docx(markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, reference_doc: Path, target: Path) -> None:
    pandoc.docx(markdown, inputs, meta_file, reference_doc, target)
