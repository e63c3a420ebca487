"""The PDF as a reader and a PDF checker see it: contents that match the pages, outline, tags, fonts, metadata."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from briefkit.pipeline import build
from tests.conftest import pdf_text

NAME = "turkmenistan-russia-briefing"
GOLDEN = Path(__file__).parent / "golden" / "toc.txt"


def contents_lines(pages: list[str]) -> list[tuple[str, int]]:
    """The entries of the contents page as (title, page number), dot leaders removed."""
    entries = []
    for line in pages[1].splitlines()[1:]:
        match = re.match(r"^(.*?)\s*\.{3,}\s*(\d+)$", line.strip())
        if match:
            entries.append((" ".join(match.group(1).split()), int(match.group(2))))
    return entries


def test_contents_page_matches_golden_text(built_briefing: Path):
    text = "\n".join(f"{title} .... {page}" for title, page in contents_lines(pdf_text(built_briefing / f"{NAME}.pdf")))
    if os.environ.get("BRIEFKIT_UPDATE_GOLDEN"):
        GOLDEN.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == GOLDEN.read_text(encoding="utf-8")


def test_contents_page_numbers_are_where_the_headings_are(built_briefing: Path):
    pages = pdf_text(built_briefing / f"{NAME}.pdf")
    entries = contents_lines(pages)
    assert len(entries) > 40
    for title, number in entries:
        heading = re.sub(r"^[\d.]+\s+", "", title)
        body = " ".join(pages[number - 1].split())
        assert heading in body, f"'{title}' is not on page {number}"


def test_outline_lists_every_heading(built_briefing: Path):
    from pypdf import PdfReader

    reader = PdfReader(str(built_briefing / f"{NAME}.pdf"))
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    toc = [title for title, _ in contents_lines(pdf_text(built_briefing / f"{NAME}.pdf"))]
    assert titles[0] == "Contents"
    assert [t for t in titles if t in toc] == toc


def test_tagged_pdf_with_language_alt_text_and_table_headers(built_briefing: Path):
    from pypdf import PdfReader

    reader = PdfReader(str(built_briefing / f"{NAME}.pdf"))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    kinds: dict[str, list] = {}

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            kinds.setdefault(node["/S"], []).append(node)
        children = node.get("/K")
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child)

    walk(root["/StructTreeRoot"])
    locator, figure, routes = kinds["/Figure"]
    assert str(locator["/Alt"]).startswith("Map: Turkmenistan and its neighbours. Countries shown: Turkmenistan,")
    assert "Astrakhan\u2013Turkmenbashi shipping line: sea route, planned" in str(routes["/Alt"])
    assert str(figure["/Alt"]).startswith(
        "Line chart of Russia\u2013Turkmenistan trade, 2016\u20132025 (billion\u00a0USD).")
    assert "2018: no published figure (gap)" in str(figure["/Alt"])
    assert len(kinds["/TH"]) >= 11  # the header cells of both tables, repeated where a table breaks


def test_metadata_comes_from_report_yaml(built_briefing: Path):
    from pypdf import PdfReader

    info = PdfReader(str(built_briefing / f"{NAME}.pdf")).metadata
    assert info["/Title"].startswith("Turkmenistan and Russia: Neutrality, gas")
    assert info["/Author"] == "Central Asia Programme"
    assert info["/Subject"].startswith("Neutrality, gas")
    assert "Gazprom" in info["/Keywords"]
    assert info["/CreationDate"] == "D:20251220"


def test_fonts_are_the_shipped_ones_embedded_and_subset(built_briefing: Path):
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(str(built_briefing / f"{NAME}.pdf")).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert fonts and all(fonts.values())
    families = {re.sub(r"^/?[A-Z]{6}\+", "", name).split("-")[0] for name in fonts}
    assert families == {"Charis", "Lato"}
    assert all(re.match(r"^/?[A-Z]{6}\+", name) for name in fonts), "fonts are subset"


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (Debian package qpdf)")
def test_qpdf_finds_no_structural_error(built_briefing: Path):
    result = subprocess.run(["qpdf", "--check", str(built_briefing / f"{NAME}.pdf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo is not installed (Debian poppler-utils)")
def test_pdfinfo_reports_no_syntax_error(built_briefing: Path):
    result = subprocess.run(["pdfinfo", str(built_briefing / f"{NAME}.pdf")], capture_output=True, text=True)
    assert result.returncode == 0 and "Tagged:          yes" in result.stdout
    assert "Error" not in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts is not installed (Debian poppler-utils)")
def test_pdffonts_lists_every_font_as_embedded(built_briefing: Path):
    lines = subprocess.run(["pdffonts", str(built_briefing / f"{NAME}.pdf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    assert lines and all(line.split()[-5] == "yes" for line in lines)


def test_same_inputs_give_identical_bytes(mini: Path, tmp_path: Path):
    first = build(mini, out_dir=tmp_path / "one", use_cache=False, parallel=False)
    second = build(mini, out_dir=tmp_path / "two", use_cache=False, parallel=False)
    for fmt in ("pdf", "html", "docx"):
        assert first.outputs[fmt].read_bytes() == second.outputs[fmt].read_bytes(), fmt


def test_letter_paper_and_pdf_a3_with_the_data_attached(mini: Path):
    from pypdf import PdfReader

    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text().replace("paper: A4", "paper: Letter\npdf:\n  attach_data: true"))
    result = build(mini, formats=("pdf",), parallel=False)
    reader = PdfReader(str(result.outputs["pdf"]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    attachments = reader.attachments
    assert sorted(attachments) == ["agreements.yaml", "datapackage.yaml", "sources.yaml", "trade.yaml"]
    assert attachments["trade.yaml"][0] == (mini / "data" / "trade.yaml").read_bytes()
    assert b"pdfaid:part" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()


PLAIN_WEASYPRINT = """
import sys
import briefkit.outputs.pdf_speed as speed
speed.speed_up_weasyprint = lambda: []
from briefkit.cli import main
sys.exit(main(["--project", sys.argv[1], "--out", sys.argv[2], "--format", "pdf", "--no-cache", "-q"]))
"""


def test_weasyprint_speed_ups_are_in_effect_and_leave_every_byte_as_it_was(built_briefing: Path, tmp_path: Path):
    import sys

    from briefkit.outputs.pdf_speed import speed_up_weasyprint

    assert speed_up_weasyprint() == ["remember_line_breaks", "remember_struts", "find_page_values_at_the_ends"]
    # The same briefing typeset by WeasyPrint as it is, in a process of its own.
    root = built_briefing.parent
    plain = tmp_path / "plain"
    subprocess.run([sys.executable, "-c", PLAIN_WEASYPRINT, str(root), str(plain)], check=True)
    assert (plain / f"{NAME}.pdf").read_bytes() == (built_briefing / f"{NAME}.pdf").read_bytes()
