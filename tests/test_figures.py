"""Figures as a reader gets them: rounded from the decimal as written, half away from zero (or by the project's
rule), never broken across lines; notes that do not repeat a publisher; the web edition named only with its address.

Each test builds a copy of the mini fixture with figures that the binary float would round the wrong way:
695, 865 and 1,005 million are 0.695, 0.865 and 1.005 billion on the chart; 1,695.5 million is 1.6955 billion
and 12.25 million rounds at one decimal.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import FIXTURE, copy_project

NBSP = "\u00a0"
MORE_POINTS = """
  - year: 2023
    kind: reported
    value: 1005
    source: customs
  - year: 2024
    kind: reported
    value: 1695.5
    source: customs
"""
SECTION = """# Figures {#figures}

The latest figure is {{ data.trade.point(2024) | figure }} [@customs], and a small one {{ 12.25 | figure('trade') }}.
The minister spoke of trade [@agency-remarks], and the agency reported on it [@news].

Joined: {% for i in range(36) %}{{ data.trade.point(2021) | figure }} {% endfor %}end.

Control: {% for i in range(36) %}USD 865 million {% endfor %}end.

{{ data_notes() }}
"""
AGENCY = """  - id: agency-remarks
    description: News Agency report of the minister's remarks on trade
    publisher: News Agency
    date: 2023-06-14
"""


def figures_project(root: Path, language: str = "en-GB", extra: str = "") -> Path:
    project = copy_project(FIXTURE, root)
    trade = project / "data" / "trade.yaml"
    trade.write_text(trade.read_text(encoding="utf-8").replace("period: [2019, 2022]", "period: [2019, 2024]")
                     + MORE_POINTS, encoding="utf-8")
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8") + AGENCY, encoding="utf-8")
    (project / "report" / "sections" / "03-figures.md").write_text(SECTION, encoding="utf-8")
    report = project / "report" / "report.yaml"
    text = report.read_text(encoding="utf-8").replace("language: en-GB", f"language: {language}")
    report.write_text(text.replace("  - 02-trade.md", "  - 02-trade.md\n  - 03-figures.md") + extra,
                      encoding="utf-8")
    return project


def pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")


def docx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def docx_svgs(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".svg"))


def svg_texts(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", html, re.S)]


def point_labels(texts: list[str]) -> list[str]:
    """The labels over the chart's points, in order: the numbers that follow the chart's title ("Trade")."""
    labels = []
    for text in texts[texts.index("Trade") + 1:]:
        if not re.fullmatch(r"[\d.,]+", text):
            break
        labels.append(text)
    return labels


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = figures_project(tmp_path_factory.mktemp("figures") / "en")
    assert main(["--project", str(project), "-q"]) == 0
    return project / "build"


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = figures_project(tmp_path_factory.mktemp("figures") / "de", "de", "url: https://example.org/mini/\n")
    assert main(["--project", str(project), "-q"]) == 0
    return project / "build"


# --- Rounding -------------------------------------------------------------------------------------------------


def test_chart_labels_round_the_written_figure_half_up_in_every_format(english: Path):
    # 2019, 2020, 2021, 2023 and 2024: 695, 970.1, 865, 1,005 and 1,695.5 million on an axis in billions.
    assert point_labels(svg_texts((english / "mini.html").read_text(encoding="utf-8"))) == [
        "0.70", "0.97", "0.87", "1.01", "1.70"]
    pdf = "\n".join(pdf_pages(english / "mini.pdf"))
    assert re.search(r"\b0\.70\b", pdf) and re.search(r"\b0\.87\b", pdf) and re.search(r"\b1\.01\b", pdf)
    assert not re.search(r"\b0\.69\b|\b0\.86\b", pdf)
    assert point_labels(svg_texts(docx_svgs(english / "mini.docx"))) == ["0.70", "0.97", "0.87", "1.01", "1.70"]


def test_prose_tables_and_notes_round_half_up_in_every_format(english: Path):
    html = (english / "mini.html").read_text(encoding="utf-8")
    assert f"The latest figure is USD{NBSP}1.696{NBSP}billion" in html
    assert f"a small one USD{NBSP}12.3{NBSP}million." in html
    assert f"<td>USD{NBSP}1.696{NBSP}billion</td>" in html
    assert f"2024: USD{NBSP}1.696{NBSP}billion" in html  # the data notes
    assert "1.695" not in html and "12.2" not in html
    pdf = " ".join(" ".join(pdf_pages(english / "mini.pdf")).split())
    assert "The latest figure is USD 1.696 billion" in pdf and "USD 12.3 million" in pdf
    assert pdf.count("USD 1.696 billion") >= 3 and "1.695" not in pdf
    document = docx_part(english / "mini.docx", "word/document.xml")
    assert document.count(f"USD{NBSP}1.696{NBSP}billion") >= 3 and f"USD{NBSP}12.3{NBSP}million" in document


def test_german_rounds_alike_with_its_own_signs(german: Path):
    html = (german / "mini.html").read_text(encoding="utf-8")
    assert point_labels(svg_texts(html)) == ["0,70", "0,97", "0,87", "1,01", "1,70"]
    assert f"1,696{NBSP}Mrd.{NBSP}USD" in html and f"12,3{NBSP}Mio.{NBSP}USD" in html
    pdf = " ".join(" ".join(pdf_pages(german / "mini.pdf")).split())
    assert "1,696 Mrd. USD" in pdf and "1,695" not in pdf and re.search(r"\b0,70\b", pdf)
    document = docx_part(german / "mini.docx", "word/document.xml")
    assert f"1,696{NBSP}Mrd.{NBSP}USD" in document


def test_another_rounding_rule_on_request(tmp_path: Path):
    project = figures_project(tmp_path / "even", "fr", "rounding: half-even\n")
    trade = project / "data" / "trade.yaml"
    trade.write_text(trade.read_text(encoding="utf-8").replace("value: 1695.5", "value: 1696.5"), encoding="utf-8")
    assert main(["--project", str(project), "-q", "--format", "html"]) == 0
    html = (project / "build" / "mini.html").read_text(encoding="utf-8")
    # Half to even: 1.6965 -> 1.696, 12.25 -> 12.2, 0.865 -> 0.86, 0.695 -> 0.70 (the even digit is 0).
    assert f"1,696{NBSP}milliard{NBSP}USD" in html and f"12,2{NBSP}millions{NBSP}USD" in html
    assert point_labels(svg_texts(html)) == ["0,70", "0,97", "0,86", "1,00", "1,70"]


def test_an_unknown_rounding_rule_is_an_error_at_its_line(mini: Path, capsys):
    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + "rounding: bankers\n", encoding="utf-8")
    line = report.read_text(encoding="utf-8").splitlines().index("rounding: bankers") + 1
    assert main(["--project", str(mini)]) == 1
    err = capsys.readouterr().err
    assert (f"report/report.yaml:{line}:11: 'rounding' must be one of half-up, half-even, half-down; "
            "got 'bankers'") in err
    assert "Traceback" not in err and not (mini / "build").exists()


# --- No-break spaces ------------------------------------------------------------------------------------------


def _paragraph_lines(pages: list[str], start: str, stop: str) -> list[str]:
    lines, inside = [], False
    for line in "\n".join(pages).splitlines():
        text = line.strip()
        if text.startswith(start):
            inside, text = True, text[len(start):].strip()
        elif text.startswith(stop):
            break
        if inside and text:
            lines.append(text)
    return lines


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_a_figure_never_breaks_across_lines_in_the_pdf(tmp_path: Path, engine: str):
    project = figures_project(tmp_path / engine)
    assert main(["--project", str(project), "-q", "--format", "pdf", "--pdf-engine", engine]) == 0
    pages = pdf_pages(project / "build" / "mini.pdf")
    joined = _paragraph_lines(pages, "Joined:", "Control:")
    assert len(joined) >= 4
    # Every line of the paragraph holds whole figures: it starts with the currency code and ends with the scale.
    for line in joined:
        assert re.fullmatch(r"(USD 865 million\s*)+(end\.)?", line), line
    # The same words typed with plain spaces do break inside a figure: the test sees the difference.
    control = _paragraph_lines(pages, "Control:", "Data notes")
    assert any(not re.fullmatch(r"(USD 865 million\s*)+(end\.)?", line) for line in control)


def test_figures_are_joined_by_no_break_spaces_in_html_and_docx(english: Path, german: Path):
    for build, figure in ((english, f"USD{NBSP}865{NBSP}million"), (german, f"865{NBSP}Mio.{NBSP}USD")):
        html = (build / "mini.html").read_text(encoding="utf-8")
        assert html.count(figure) >= 36
        document = docx_part(build / "mini.docx", "word/document.xml")
        assert document.count(figure) >= 36
        # The table cell holds the figure whole, the axis label its scale and currency joined.
        assert f"<td>{figure}</td>" in html
    assert "billion\u00a0USD" in " ".join(svg_texts((english / "mini.html").read_text(encoding="utf-8")))


# --- Notes that name a publisher once ---------------------------------------------------------------------------


def test_a_publisher_named_by_its_source_description_is_not_repeated(english: Path):
    html = (english / "mini.html").read_text(encoding="utf-8")
    notes = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "News Agency report of the minister’s remarks on trade, 14 June 2023." in notes
    assert "News Agency, News Agency report" not in notes
    assert "News Agency, ‘Trade report’" in notes  # a title that does not begin with the publisher keeps it
    # In the list of sources too, filed under the publisher's name among the others.
    assert "News Agency. ‘Trade report’. 12 June 2023. News Agency report of the minister’s remarks on trade. " \
           "14 June 2023." in notes
    pdf = " ".join(" ".join(pdf_pages(english / "mini.pdf")).split())
    assert "News Agency report of the minister’s remarks on trade, 14 June 2023" in pdf
    assert "News Agency, News Agency" not in pdf and "News Agency. News Agency" not in pdf
    footnotes = re.sub(r"<[^>]+>", "", docx_part(english / "mini.docx", "word/footnotes.xml"))
    assert "News Agency report of the minister’s remarks on trade, 14 June 2023" in footnotes
    assert "News Agency, News Agency" not in footnotes
    document = re.sub(r"<[^>]+>", "", docx_part(english / "mini.docx", "word/document.xml"))
    assert "News Agency. News Agency" not in document


# --- The web edition ---------------------------------------------------------------------------------------------


def test_the_web_edition_is_named_with_its_address_or_not_at_all(english: Path, german: Path):
    html = (german / "mini.html").read_text(encoding="utf-8")
    assert ('Die Webausgabe unter <a href="https://example.org/mini/" class="uri">https://example.org/mini/</a> '
            "bietet die Daten dieser Anmerkungen als CSV-Dateien.") in html
    pdf = " ".join(" ".join(pdf_pages(german / "mini.pdf")).split())
    assert "Die Webausgabe unter https://example.org/mini/ bietet" in pdf
    assert "https://example.org/mini/" in docx_part(german / "mini.docx", "word/document.xml")
    for text in ((english / "mini.html").read_text(encoding="utf-8"), "\n".join(pdf_pages(english / "mini.pdf")),
                 docx_part(english / "mini.docx", "word/document.xml")):
        assert "web edition" not in text.lower()


def test_a_web_address_that_is_not_one_is_an_error(mini: Path, capsys):
    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8") + "url: www.example.org\n", encoding="utf-8")
    assert main(["--project", str(mini)]) == 1
    err = capsys.readouterr().err
    assert "report/report.yaml:16:6: 'url' must be the web edition's address, such as https://example.org/briefing/; " \
           "got 'www.example.org'" in err
    assert not (mini / "build").exists()
