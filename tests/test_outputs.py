"""What a reader gets: the text of the PDF, the tables of the DOCX, the HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.datasets import load_data
from tests.conftest import REPO, pdf_text

NAME = "turkmenistan-russia-briefing"


def squash(text: str) -> str:
    """Text without spaces, line breaks or hyphens, so that wrapped and hyphenated words still match."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text).replace("\u2019", "'")


def section_headings() -> list[str]:
    headings = []
    for path in sorted((REPO / "report" / "sections").glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                headings.append(re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip())
    return headings


def test_all_three_formats_are_built(built_briefing: Path):
    expected = ["data"] + [f"{NAME}.{ext}" for ext in ("docx", "html", "pdf")]
    assert sorted(p.name for p in built_briefing.iterdir()) == expected
    assert sorted(p.name for p in (built_briefing / "data").iterdir()) == [
        "agreements.csv", "countries.csv", "places.csv", "routes.csv", "trade.csv"]


def test_pdf_holds_every_heading_and_every_agreement(built_briefing: Path):
    text = squash("\n".join(pdf_text(built_briefing / f"{NAME}.pdf")))
    for heading in section_headings():
        assert squash(heading) in text, heading
    for agreement in load_data(REPO / "data").datasets["agreements"]:
        assert squash(agreement.title) in text, agreement.title


def test_pdf_length_is_that_of_a_briefing(built_briefing: Path):
    pages = pdf_text(built_briefing / f"{NAME}.pdf")
    assert 12 <= len(pages) <= 24


def test_docx_has_a_native_agreements_table_with_one_row_per_agreement(built_briefing: Path):
    from docx import Document

    document = Document(str(built_briefing / f"{NAME}.docx"))
    agreements = load_data(REPO / "data").datasets["agreements"]
    [table] = [t for t in document.tables if t.rows[0].cells[1].text == "Agreement or milestone"]
    assert len(table.rows) == len(agreements) + 1
    titles = [row.cells[1].text.replace("\u2019", "'") for row in table.rows[1:]]
    assert titles == [a.title for a in agreements]


def test_docx_holds_the_chart_as_a_picture(built_briefing: Path):
    from docx import Document

    document = Document(str(built_briefing / f"{NAME}.docx"))
    pictures = [r for r in document.part.rels.values() if r.reltype.endswith("/image")]
    # The chart's PNG, and the SVG Word 2016 and later show in its place; the cover's ink.
    # and the two maps' likewise.
    assert sorted(p.target_part.content_type for p in pictures) == ["image/png"] * 4 + ["image/svg+xml"] * 3


def test_html_is_self_contained_with_the_chart_as_svg(built_briefing: Path):
    html = (built_briefing / f"{NAME}.html").read_text(encoding="utf-8")
    assert '<svg role="img" aria-label="Line chart of Russia' in html
    assert "<style>" in html and 'name="viewport"' in html
    assert not re.search(r'(src|href)="(?!#|data:|https?://)[^"]+"', html), "every resource must be inline"
    for heading in section_headings():
        assert heading.replace("–", "–") in html


def test_changing_one_number_changes_prose_tables_and_chart_everywhere(mini: Path, capsys):
    trade = mini / "data" / "trade.yaml"
    trade.write_text(trade.read_text().replace("value: 865", "value: 777.7"))
    assert main(["--project", str(mini), "-q"]) == 0
    build = mini / "build"
    pdf = "\n".join(pdf_text(build / "mini.pdf"))
    assert "Trade reached USD 777.7 million" in " ".join(pdf.split())
    assert pdf.count("777.7") >= 2  # the prose and the table
    html = (build / "mini.html").read_text(encoding="utf-8")
    assert "Trade reached USD\u00a0777.7\u00a0million" in html and "<td>USD\u00a0777.7\u00a0million</td>" in html
    assert "2021: USD\u00a0777.7\u00a0million (reported)" in html  # the chart's description
    from docx import Document

    document = Document(str(build / "mini.docx"))
    assert any("Trade reached USD\u00a0777.7\u00a0million" in p.text for p in document.paragraphs)
    assert any(row.cells[1].text == "USD\u00a0777.7\u00a0million" for t in document.tables for row in t.rows)
    assert "USD\u00a0865\u00a0million" not in html


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx"])
def test_a_failed_build_leaves_earlier_outputs_untouched(mini: Path, fmt: str):
    assert main(["--project", str(mini), "-q", "--format", fmt]) == 0
    output = mini / "build" / f"mini.{fmt}"
    before = output.read_bytes()
    (mini / "report" / "sections" / "01-summary.md").write_text("# Summary\n\n{{ nothing }}\n")
    assert main(["--project", str(mini), "-q", "--format", fmt]) == 1
    assert output.read_bytes() == before
    assert sorted(p.name for p in (mini / "build").iterdir()) == ["data", f"mini.{fmt}"]


def test_conflicting_figures_are_marked_in_pdf_and_docx(built_briefing: Path):
    text = " ".join("\n".join(pdf_text(built_briefing / f"{NAME}.pdf")).split())
    assert "over USD 1.6 billion\u2020\u2020" in text
    assert "\u2020\u2020 Sources differ for 2022: about USD 1 billion, source:" in text  # the phrase of report.yaml
    from docx import Document

    document = Document(str(built_briefing / f"{NAME}.docx"))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "over USD\u00a01.6\u00a0billion\u2020\u2020" in cells
    assert any("Sources differ for 2022" in p.text for p in document.paragraphs)


def test_csv_files_match_the_yaml(built_briefing: Path):
    import csv

    data = load_data(REPO / "data")
    with (built_briefing / "data" / "trade.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["year"]) for r in rows] == [p.key for p in data.datasets["trade"].points]
    for row, point in zip(rows, data.datasets["trade"].points, strict=True):
        assert row["kind"] == point.kind
        assert (float(row["value_million_usd"]) if row["value_million_usd"] else None) == point.value
        assert row["sources"].split(";") == list(point.sources) or (not point.sources and row["sources"] == "")
    with (built_briefing / "data" / "agreements.csv").open(encoding="utf-8") as handle:
        agreements = list(csv.DictReader(handle))
    assert [(r["id"], r["date"], r["title"]) for r in agreements] == [
        (a.id, a.date.iso, a.title) for a in data.datasets["agreements"]]


def test_web_page_offers_the_data_for_download(built_briefing: Path):
    import base64

    html = (built_briefing / f"{NAME}.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="download" download="(trade|agreements)\.csv" href="data:text/csv;charset=utf-8;'
                       r'base64,([A-Za-z0-9+/=]+)"', html)
    assert {name for name, _ in links} == {"trade", "agreements"}
    for name, payload in links:
        assert base64.b64decode(payload).decode("utf-8") == (built_briefing / "data" / f"{name}.csv").read_text()
    pdf = "\n".join(pdf_text(built_briefing / f"{NAME}.pdf"))
    assert "Download the data" not in pdf


def test_data_notes_trace_every_trade_year_to_its_source(built_briefing: Path):
    html = (built_briefing / f"{NAME}.html").read_text(encoding="utf-8")
    notes = html[html.index('id="data-notes"'):html.index('id="sources"')]
    for point in load_data(REPO / "data").datasets["trade"].points:
        assert f"<strong>{point.key}:" in notes
    assert "Sources differ:" in notes
