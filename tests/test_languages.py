"""Briefings in German, Russian and French, as a reader gets them: citation dates and chart axes in their language.

The test projects tests/fixtures/lang-de and lang-ru (besides the French one in fixtures/grain) each have a series by
year and a category series, a records table, a bar chart and a line chart, and sources dated to the day and to the
month, one of them with the day it was read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NAMES = {"de": "getreide", "ru": "zerno"}

# In each language: the date of a note (after a comma), the same source in the list (after a full stop, so the
# month's name there starts a sentence), and the day it was read; then what the English default would have printed.
DATES = {
    "de": {
        "note": "„Bilanz der Getreideausfuhren“, 12. August 2018",
        "month note": "Vermerk des Zolls zu den Mengen je Käufer, März 2019",
        "list": "„Bilanz der Getreideausfuhren“. 12. August 2018. Zugegriffen 3. Januar 2025",
        "month list": "Vermerk des Zolls zu den Mengen je Käufer. März 2019",
        "wrong": ("12 August 2018", "3 Januar 2025"),
    },
    "ru": {
        "note": "«Итоги вывоза зерна», 12 августа 2018 г.",
        "month note": "Справка таможни об объёмах по покупателям, март 2019 г.",
        "list": "«Итоги вывоза зерна». 12 августа 2018 г. Просмотрено 3 января 2025 г.",
        "month list": "Справка таможни об объёмах по покупателям. Март 2019 г.",
        "wrong": ("12 август 2018", "3 январь 2025"),
    },
}


def _plain(text: str) -> str:
    """Text with its lines joined and the no-break spaces of CLDR's forms read as spaces."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module", params=["de", "ru"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A language's test project built in all three formats with WeasyPrint, and its PDF once more with Typst."""
    language = request.param
    root = tmp_path_factory.mktemp(f"lang-{language}") / "project"
    shutil.copytree(FIXTURES / f"lang-{language}", root)
    assert main(["build", "--project", str(root), "-q"]) == 0
    assert main(["build", "--project", str(root), "-q", "--format", "pdf", "--pdf-engine", "typst",
                 "--out", str(root / "typst")]) == 0
    return language, root


def _pdf(path: Path) -> str:
    return _plain(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout)


def _docx(path: Path) -> str:
    """The DOCX's text as Word shows it: the runs of the body and of the footnotes, from their XML."""
    from lxml import etree

    text = []
    with zipfile.ZipFile(path) as docx:
        for part in ("word/document.xml", "word/footnotes.xml"):
            root = etree.fromstring(docx.read(part))
            ns = {"w": root.nsmap["w"]}
            text += ["".join(p.xpath(".//w:t/text()", namespaces=ns)) for p in root.iterfind(".//w:p", ns)]
    return _plain("\n".join(text))


def _html(path: Path) -> str:
    import lxml.html

    return _plain(lxml.html.fromstring(path.read_text(encoding="utf-8")).text_content())


@pytest.mark.parametrize("output", ["pdf", "typst", "docx", "html"])
def test_citation_dates_in_the_notes_and_the_source_list_follow_the_language(built, output: str):
    language, root = built
    name = NAMES[language]
    text = {"pdf": lambda: _pdf(root / "build" / f"{name}.pdf"), "typst": lambda: _pdf(root / "typst" / f"{name}.pdf"),
            "docx": lambda: _docx(root / "build" / f"{name}.docx"),
            "html": lambda: _html(root / "build" / f"{name}.html")}[output]()
    expected = DATES[language]
    for key in ("note", "month note", "list", "month list"):
        assert expected[key] in text, (output, key)
    for wrong in expected["wrong"]:
        assert wrong not in text, (output, wrong)


def _ticks(svg, axis: str) -> list[str]:
    """The labels of an axis's ticks, read from the SVG's text elements (matplotlib's groups ytick_N)."""
    return ["".join(group.itertext()).strip()
            for group in svg.iter("g") if re.fullmatch(rf"c\d+n?-{axis}tick_\d+", group.get("id") or "")]


def test_chart_axes_use_the_locale_s_decimal_sign(built):
    """The value axis of both charts, wide and narrow, in the web page, the DOCX and both PDFs, reads 0,0 … 17,5 …
    20,0, as the points' labels read 17,1."""
    import lxml.html

    language, root = built
    name = NAMES[language]
    page = lxml.html.fromstring((root / "build" / f"{name}.html").read_text(encoding="utf-8"))
    charts = page.xpath("//svg[contains(@class, 'chart-')]")
    assert sorted(svg.get("class") for svg in charts) == ["chart-narrow", "chart-narrow", "chart-wide", "chart-wide"]
    steps = ["0,0", "2,5", "5,0", "7,5", "10,0", "12,5", "15,0", "17,5", "20,0"]
    for svg in charts:
        assert _ticks(svg, "y") == steps, svg.get("class")
        words = [t.strip() for t in svg.xpath(".//text//text()") if t.strip()]
        assert "17,1" in words  # the points' own labels, as before
        assert not [w for w in words if re.search(r"\d\.\d", w)]
    from lxml import etree

    with zipfile.ZipFile(root / "build" / f"{name}.docx") as docx:  # Word's vector copy of each chart
        drawings = [etree.fromstring(docx.read(n)) for n in sorted(docx.namelist()) if n.endswith(".svg")]
    assert len(drawings) == 2
    for svg in drawings:
        assert ["".join(g.itertext()).strip() for g in svg.iter("{*}g")
                if re.fullmatch(r"ytick_\d+", g.get("id") or "")] == steps
    for pdf in (root / "build" / f"{name}.pdf", root / "typst" / f"{name}.pdf"):
        text = _pdf(pdf)
        assert "17,5" in text and "20,0" in text and "17.5" not in text and "20.0" not in text


def test_citation_dates_in_french(tmp_path: Path):
    """The French test project, its main source dated to the day: "12 août 2018" in the notes and the list."""
    root = tmp_path / "grain"
    shutil.copytree(FIXTURES / "grain", root)
    sources = root / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("date: 2025-02", "date: 2018-08-12"),
                       encoding="utf-8")
    assert main(["build", "--project", str(root), "-q", "--format", "html"]) == 0
    text = _html(root / "build" / "cereales.html")
    assert "« Bilan des exportations de céréales », 12 août 2018" in text  # a note
    assert "« Bilan des exportations de céréales ». 12 août 2018." in text  # the list of sources
    assert "12 August 2018" not in text and "Août" not in text
