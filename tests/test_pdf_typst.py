"""The Typst PDF as a reader sees it, beside the WeasyPrint PDF of the same briefing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.design import Design, css_variables, typst_variables
from briefkit.errors import InputError
from briefkit.outputs import pdf_typst
from briefkit.pipeline import build
from tests.conftest import REPO, copy_project, pdf_text

NAME = "turkmenistan-russia-briefing"


@pytest.fixture(scope="module")
def typst_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped briefing's PDF by Typst, chosen on the command line, built once."""
    root = copy_project(REPO, tmp_path_factory.mktemp("typst") / "project")
    assert main(["--project", str(root), "--format", "pdf", "--pdf-engine", "typst", "-q"]) == 0
    return root / "build" / f"{NAME}.pdf"


@pytest.fixture(scope="module")
def weasyprint_pdf(built_briefing: Path) -> Path:
    return built_briefing / f"{NAME}.pdf"


def outline_pages(path: Path) -> dict[str, int]:
    """Each bookmark's title and the page (1-based) it leads to."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.setdefault(" ".join(item.title.split()), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return pages


def test_page_count_within_ten_percent_of_weasyprint(typst_pdf: Path, weasyprint_pdf: Path):
    typst_pages, weasy_pages = len(pdf_text(typst_pdf)), len(pdf_text(weasyprint_pdf))
    assert abs(typst_pages - weasy_pages) <= 0.1 * weasy_pages


def test_headings_fall_on_the_same_pages_within_one(typst_pdf: Path, weasyprint_pdf: Path):
    typst_pages, weasy_pages = outline_pages(typst_pdf), outline_pages(weasyprint_pdf)
    common = [title for title in weasy_pages if title in typst_pages]
    assert len(common) >= 0.9 * len(weasy_pages), set(weasy_pages) - set(typst_pages)
    assert "Contents" in common
    far = {t: (weasy_pages[t], typst_pages[t]) for t in common if abs(weasy_pages[t] - typst_pages[t]) > 1}
    assert not far


def test_contents_lists_sections_with_their_pages(typst_pdf: Path):
    pages = pdf_text(typst_pdf)
    bookmarks = outline_pages(typst_pdf)
    entries = re.findall(r"^(\d+(?:\.\d+)?\s+)?([A-Z][^\n.]*?)\s*(?:\. ?){3,}\s*(\d+)$", pages[1], re.MULTILINE)
    assert len(entries) > 40
    for _, title, page in entries:
        # Typst writes the bookmarks' smart quotes as straight ones.
        title = " ".join(title.split()).replace("\u2019", "'")
        number = [t for t in bookmarks if t.replace("\u2019", "'").endswith(title)]
        assert number and bookmarks[number[0]] == int(page), title


def test_cover_has_no_header_and_pages_say_page_x_of_n(typst_pdf: Path):
    pages = pdf_text(typst_pdf)
    total = len(pages)
    assert "Page 1 of" not in pages[0]
    assert "Turkmenistan and Russia" in pages[0]
    assert f"Page 2 of {total}" in pages[1]
    assert f"Page {total} of {total}" in pages[-1]
    assert all("December 2025" in page for page in pages[1:]), "the edition in every footer"


def test_running_header_names_the_current_section(typst_pdf: Path):
    pages = pdf_text(typst_pdf)
    bookmarks = outline_pages(typst_pdf)
    page = bookmarks["3 Economic cooperation and energy"]
    assert "3 Economic cooperation and energy" in pages[page].split("\n")[0:3].__str__()


def test_numbered_captions_and_a_working_cross_reference(typst_pdf: Path):
    from pypdf import PdfReader

    pages = pdf_text(typst_pdf)
    text = "\n".join(pages)
    assert "Table 1. Agreements and milestones" in text
    assert "Table 2. Bilateral trade by year" in text
    assert "Figure 2. Bilateral trade, full-year figures, in billions of US dollars" in text
    assert "Figure 3. The North\u2013South corridor, the Caspian crossing and the gas pipelines" in text
    assert "Turkmenbashi" in text and "Astrakhan\u2013Turkmenbashi shipping line" in text
    caption_page = next(i for i, page in enumerate(pages) if "Table 1. Agreements" in page)
    reader = PdfReader(str(typst_pdf))
    targets = set()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                dest = annotation["/Dest"]
                targets.add(reader.get_page_number(dest[0].get_object()) if isinstance(dest, list) else None)
            elif annotation.get("/Subtype") == "/Link" and "/A" in annotation and "/D" in annotation["/A"]:
                dest = annotation["/A"]["/D"]
                if isinstance(dest, list):
                    targets.add(reader.get_page_number(dest[0].get_object()))
    assert caption_page in targets, "a link leads to the page of Table 1"


def test_citations_are_footnotes_on_the_page(typst_pdf: Path):
    pages = pdf_text(typst_pdf)
    key_judgements = next(page for page in pages if "Key judgements" in page and "Neutrality sets the limits" in page)
    assert re.search(r"^1\. United Nations General Assembly", key_judgements, re.MULTILINE)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (Debian poppler-utils)")
def test_footnote_calls_stay_with_their_words_and_every_note_is_printed_once(typst_pdf: Path):
    from tests.test_pdf_notes import problems, read_pages

    found = problems(read_pages(typst_pdf))
    assert found["stranded"] == [] and found["parted"] == [] and found["numbering"] == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (Debian poppler-utils)")
def test_every_note_is_on_the_page_of_its_call(typst_pdf: Path):
    from tests.test_pdf_notes import problems, read_pages

    assert problems(read_pages(typst_pdf))["misplaced"] == []


def test_fonts_are_the_projects_embedded_and_subset(typst_pdf: Path):
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(str(typst_pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert fonts and all(fonts.values())
    families = {re.sub(r"^/?[A-Z]{6}\+", "", name).split("-")[0] for name in fonts}
    assert families <= {"CharisSIL", "Lato"} and "Lato" in families and "CharisSIL" in families
    assert all(re.match(r"^/?[A-Z]{6}\+", name) for name in fonts), "fonts are subset"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts is not installed (Debian poppler-utils)")
def test_pdffonts_lists_only_embedded_project_fonts(typst_pdf: Path):
    listing = subprocess.run(["pdffonts", str(typst_pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows and all(" yes yes yes " in row for row in rows)
    assert all(re.match(r"^[A-Z]{6}\+(CharisSIL|Lato)", row) for row in rows)


def test_tagged_with_language_title_and_chart_alt_text(typst_pdf: Path):
    from pypdf import PdfReader

    reader = PdfReader(str(typst_pdf))
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]).startswith("en")
    assert bool(root["/MarkInfo"]["/Marked"])
    alts = []

    def walk(node, depth=0):
        node = node.get_object()
        if not isinstance(node, dict) or depth > 200:
            return
        if node.get("/S") == "/Figure" and "/Alt" in node:
            alts.append(str(node["/Alt"]))
        children = node.get("/K")
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child, depth + 1)

    walk(root["/StructTreeRoot"])
    assert any(alt.startswith("Line chart of Russia\u2013Turkmenistan trade") for alt in alts)


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (Debian package qpdf)")
def test_qpdf_finds_no_structural_error(typst_pdf: Path):
    result = subprocess.run(["qpdf", "--check", str(typst_pdf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo is not installed (Debian poppler-utils)")
def test_pdfinfo_reports_no_syntax_error(typst_pdf: Path):
    """poppler 22.12 took Typst's valid `/MarkInfo << /Suspects false >>` for a syntax error; the key is left out."""
    result = subprocess.run(["pdfinfo", str(typst_pdf)], capture_output=True, text=True)
    assert result.returncode == 0 and "Tagged:          yes" in result.stdout
    assert "Error" not in result.stderr, result.stderr


def test_marked_as_tagged_without_default_entries(typst_pdf: Path):
    import pikepdf

    with pikepdf.open(typst_pdf) as pdf:
        assert dict(pdf.Root.MarkInfo.items()) == {"/Marked": True}
        assert pdf.Root.StructTreeRoot.get("/K") is not None


def test_metadata_comes_from_report_yaml(typst_pdf: Path):
    from pypdf import PdfReader

    info = PdfReader(str(typst_pdf)).metadata
    assert info["/Title"].startswith("Turkmenistan and Russia: Neutrality, gas")
    assert info["/Author"] == "Central Asia Programme"
    assert "Gazprom" in info["/Keywords"]
    assert str(info["/CreationDate"]).startswith("D:20251220")


def test_no_bigger_than_1_2_times_the_weasyprint_pdf(typst_pdf: Path, weasyprint_pdf: Path):
    assert typst_pdf.stat().st_size <= 1.2 * weasyprint_pdf.stat().st_size


def test_same_inputs_give_identical_bytes(mini: Path, tmp_path: Path):
    first = build(mini, tmp_path / "a", ("pdf",), use_cache=False, pdf_engine="typst").outputs["pdf"].read_bytes()
    second = build(mini, tmp_path / "b", ("pdf",), use_cache=False, pdf_engine="typst").outputs["pdf"].read_bytes()
    assert first == second


def test_pdf_a3b_and_ua1_with_the_data_attached(mini: Path):
    import pikepdf

    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + "pdf:\n  engine: typst\n  attach_data: true\n",
                      encoding="utf-8")
    target = build(mini, None, ("pdf",), use_cache=False).outputs["pdf"]
    with pikepdf.open(target) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance"), meta.get("pdfuaid:part")) == ("3", "B", "1")
        assert set(pdf.attachments) == {"trade.yaml", "agreements.yaml", "datapackage.yaml", "sources.yaml"}


def test_a_wrong_engine_is_a_located_error(mini: Path):
    report = mini / "report" / "report.yaml"
    lines = report.read_text(encoding="utf-8").splitlines()
    report.write_text("\n".join(lines + ["pdf:", "  engine: prince"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build(mini, None, ("pdf",))
    assert str(caught.value) == (f"report/report.yaml:{len(lines) + 2}:11: 'engine' must be one of weasyprint, typst;"
                                 " got 'prince'")


def test_a_link_to_nothing_is_reported_at_the_section_line(mini: Path):
    section = sorted((mini / "report" / "sections").glob("*.md"))[-1]
    text = section.read_text(encoding="utf-8")
    section.write_text(text + "\nSee [the annex](#no-such-annex).\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build(mini, None, ("pdf",), use_cache=False, pdf_engine="typst")
    line = len(text.splitlines()) + 2
    assert str(caught.value) == (f"report/sections/{section.name}:{line}: link to '#no-such-annex', but nothing in"
                                 " the briefing has that id")


def test_a_missing_font_family_is_an_error(tmp_path: Path):
    with pytest.raises(InputError, match="no font files of the family 'Garamond'"):
        pdf_typst.check_fonts(Design(body_font="Garamond"), REPO / "briefkit" / "defaults" / "templates" / "fonts")


def test_the_template_imports_no_package():
    template = (REPO / "briefkit" / "defaults" / "templates" / "briefing.typ").read_text(encoding="utf-8")
    assert "@preview" not in template
    pdf_typst.check_offline(template)
    with pytest.raises(InputError, match="templates/briefing.typ:2:2: imports the Typst package '@preview/x:1.0.0'"):
        pdf_typst.check_offline('// a\n#import "@preview/x:1.0.0": *\n')


def test_one_design_feeds_both_engines():
    design = Design(accent="#aa0000", body_font="Lato")
    css, typ = css_variables(design), typst_variables(design)
    assert "--accent: #aa0000;" in css and '--body-font: "Lato";' in css
    assert 'accent: rgb("#aa0000")' in typ and 'body-font: "Lato"' in typ
    assert Design().problems() == []
    assert Design(accent="red", paper="A3").problems() == [
        "'accent' must be a colour such as #1f3a5f; got 'red'", "'paper' must be one of A4, Letter; got 'A3'"]
    print_css = (REPO / "briefkit" / "defaults" / "templates" / "print.css").read_text(encoding="utf-8")
    assert "#b5472b" not in print_css and "var(--accent)" in print_css


class _Compiler:
    """A stand-in for typst.Compiler: each compilation gives the next of `runs` (its PDF, its warnings); the figure
    queries find one figure after a blank page foot in the first layout, and none once the figures moved."""

    def __init__(self, runs: list[tuple[bytes, list[str]]]):
        self.runs = runs
        self.compiled = 0

    def compile_with_warnings(self, **_: object) -> tuple[bytes, list[str]]:
        self.compiled += 1
        return self.runs[self.compiled - 1]

    def query(self, selector: str, format: str) -> str:
        import json

        if self.compiled > 1:
            return "[]"  # moved: no gap
        if selector == "<bk-text-end>":
            return json.dumps([{"value": {"id": "fig:a", "page": 2, "y": 100.0, "bottom": 700.0, "area": 700.0}}])
        return json.dumps([{"value": {"id": "fig:a", "page": 3, "top": 0.0}}])


def _pdf(pages: int) -> bytes:
    import io

    import pikepdf

    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


UNSETTLED = ["document did not converge within five attempts", "heading position did not stabilize"]


def test_a_layout_that_never_settled_is_one_warning_and_never_wins_the_figure_pass(
        mini: Path, caplog: pytest.LogCaptureFixture):
    from briefkit.project import load_project

    project = load_project(mini)
    job = pdf_typst.TypstJob(root=mini, main=mini / "main.typ", fonts=mini, standards=(), timestamp=0)
    first, moved = _pdf(3), _pdf(3) + b"\n% moved"
    with caplog.at_level("WARNING", logger="briefkit.outputs.pdf_typst"):
        assert pdf_typst.compile_settled(project, job, _Compiler([(first, UNSETTLED)])) == (first, False)
    assert [r.getMessage() for r in caplog.records] == [
        "typst: the layout did not settle in five passes (2 elements still moved); page numbers, notes or running"
        " headers may be wrong"]
    # The figure moved leaves no gap, but its layout did not settle: the first one stays.
    unsettled = _Compiler([(first, []), (moved, UNSETTLED), (moved, UNSETTLED)])
    pdf_typst.compile_pdf(project, job, unsettled)
    assert pdf_typst.float_figures(project, job, unsettled, first, lambda plan: None) == first
    # Settled, it wins.
    settled = _Compiler([(first, []), (moved, [])])
    pdf_typst.compile_pdf(project, job, settled)
    assert pdf_typst.float_figures(project, job, settled, first, lambda plan: None) == moved
