"""A series over categories in German and Russian, in every format; and the scaffold in each language (issue 24)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from briefkit.cli import main
from tests.conftest import copy_project

FIXTURES = Path(__file__).resolve().parent / "fixtures"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The language, the fixture, the output's name, the table's header and its keys.
CASES = {
    "de": ("category-de", "flaechen", ["Land", "Fläche (Mio.\u00a0km²)", "Art der Angabe", "Quelle"],
           ["Russland", "Kasachstan", "Turkmenistan", "Aserbaidschan"], "gemeldet"),
    "ru": ("category-ru", "ploshchadi", ["Страна", "Площадь (млн\u00a0км²)", "Характер данных", "Источник"],
           ["Россия", "Казахстан", "Туркменистан", "Азербайджан"], "опубликованные"),
}
FIGURES = ["17,098", "2,725", "0,491", "0,087"]  # one scale, millions, for 17,098.2 to 86.6 thousand km²


@pytest.fixture(scope="module", params=sorted(CASES))
def built(request, tmp_path_factory) -> tuple[str, Path]:
    language = request.param
    root = copy_project(FIXTURES / CASES[language][0], tmp_path_factory.mktemp(language) / "project")
    assert main(["build", "--project", str(root), "-q"]) == 0
    assert main(["build", "--project", str(root), "-q", "--format", "pdf", "--pdf-engine", "typst",
                 "--out", str(root / "typst")]) == 0
    return language, root


def html_table(page: Path) -> tuple[list[str], list[list[str]], list[str]]:
    tree = html.parse(str(page))
    [table] = tree.xpath("//table[@aria-labelledby='tbl:area-caption']")
    header = [th.text_content().strip() for th in table.xpath(".//thead//th")]
    rows = [[td.text_content().strip() for td in tr.xpath("./td")] for tr in table.xpath(".//tbody/tr")]
    widths = table.xpath("./colgroup/col/@style")
    return header, rows, widths


def test_the_table_has_no_change_on_year_column_one_scale_in_its_header_and_no_empty_column(built):
    language, root = built
    _, name, header, keys, kind = CASES[language]
    got_header, rows, widths = html_table(root / "build" / f"{name}.html")
    assert got_header == header
    source = "Central Intelligence Agency 2018"
    assert rows == [[key, figure, kind, source] for key, figure in zip(keys, FIGURES, strict=True)]
    assert all(any(row[i] for row in rows) for i in range(len(header)))
    # The key column is as wide as its longest word, not 6 % of the page.
    shares = [int(re.search(r"(\d+)%", w).group(1)) for w in widths]
    assert len(shares) == 4 and shares[0] >= 15


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_the_pdf_table_keeps_every_key_whole(built, engine):
    language, root = built
    _, name, header, keys, kind = CASES[language]
    pdf = root / ("build" if engine == "weasyprint" else "typst") / f"{name}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    table = text[text.index(header[0]):]
    for key, figure in zip(keys, FIGURES, strict=True):
        assert re.search(rf"^\s*{key}\s+{re.escape(figure)}\s+{kind}\s", table, re.M), (engine, key)
    assert "\u2010\n" not in table[:600] and "-\n" not in table[:600]
    assert "Vorjahr" not in text and "предыдущ" not in text


def test_the_docx_table_has_the_same_columns_and_a_key_column_wide_enough(built):
    language, root = built
    _, name, header, keys, kind = CASES[language]
    with zipfile.ZipFile(root / "build" / f"{name}.docx") as package:
        document = etree.fromstring(package.read("word/document.xml"))
    table = next(t for t in document.iter(f"{W}tbl") if header[0] in "".join(t.itertext()))
    rows = [["".join(cell.itertext()) for cell in row.iter(f"{W}tc")] for row in table.iter(f"{W}tr")]
    assert rows[0] == header
    assert [row[:2] for row in rows[1:]] == [[k, f] for k, f in zip(keys, FIGURES, strict=True)]
    widths = [int(col.get(f"{W}w")) for col in table.iter(f"{W}gridCol")]
    assert len(widths) == 4 and widths[0] / sum(widths) >= 0.15


def test_check_says_which_scale_the_chart_draws_values_declared_in_thousands_in(built, capsys):
    language, root = built
    assert main(["check", "--project", str(root)]) == 0
    unit = {"de": ("Fläche", "Tsd. km²", "Mio. km²"), "ru": ("Площадь", "тыс. км²", "млн км²")}[language]
    assert capsys.readouterr().out == (f"note: chart fig:area: '{unit[0]}' is declared in {unit[1]} and drawn on an "
                                       f"axis in {unit[2]}\ncheck: no errors\n")


def test_a_year_series_without_stated_changes_has_no_change_on_year_column(tmp_path, capsys):
    assert main(["new", str(tmp_path / "note"), "-q"]) == 0
    assert main(["build", "--project", str(tmp_path / "note"), "--format", "html", "-q"]) == 0
    header, rows, _ = html_table_named(tmp_path / "note" / "build" / "note.html", "tbl:exports")
    assert header == ["Year", "Example series", "Kind of figure", "Source"]
    assert rows[1] == ["2021", "no figure published", "\u2014", "(see note)"]


def html_table_named(page: Path, label: str) -> tuple[list[str], list[list[str]], list[str]]:
    tree = html.parse(str(page))
    [table] = tree.xpath(f"//table[@aria-labelledby='{label}-caption']")
    header = [th.text_content().strip() for th in table.xpath(".//thead//th")]
    rows = [[td.text_content().strip() for td in tr.xpath("./td")] for tr in table.xpath(".//tbody/tr")]
    return header, rows, table.xpath("./colgroup/col/@style")


SCAFFOLD = {
    "de-DE": ("Ein kurzes Briefing, erstellt mit briefkit", ["Zusammenfassung", "1 Die Zahlen",
              "Anmerkungen zu den Daten", "Quellen"], "Abbildung 1. Beispielreihe nach Jahren", "Ihr Name"),
    "fr": ("Une courte note réalisée avec briefkit", ["Résumé", "1 Les chiffres", "Notes sur les données",
           "Sources"], "Figure 1. Série d’exemple par année", "Votre nom"),
    "ru": ("Краткая справка, подготовленная с briefkit", ["Резюме", "1 Цифры", "Примечания к данным",
           "Источники"], "Рисунок 1. Примерный ряд по годам", "Ваше имя"),
}


@pytest.mark.parametrize("language", sorted(SCAFFOLD))
def test_a_new_project_speaks_its_language(tmp_path, language):
    subtitle, headings, caption, author = SCAFFOLD[language]
    root = tmp_path / "note"
    assert main(["new", str(root), "--language", language, "-q"]) == 0
    assert main(["check", "--project", str(root), "--strict"]) == 0
    assert main(["build", "--project", str(root), "--format", "html", "-q"]) == 0
    page = html.parse(str(root / "build" / "note.html"))
    assert page.xpath("string(//p[@class='subtitle'])").strip() == subtitle
    shown = [" ".join(h.text_content().split()) for h in page.xpath("//main//h1 | //main//h2 | //main//h3")]
    assert [h for h in shown if h in headings] == headings
    assert caption in " ".join(page.xpath("string(//body)").split())
    assert author in page.xpath("string(//body)")
    english = {"Summary", "The figures", "Data notes", "Example series", "Your name", "A short briefing"}
    text = page.xpath("string(//main)")
    assert not [word for word in english if word in text]


def test_the_contents_list_the_data_notes_but_not_each_dataset_in_them(built):
    language, root = built
    _, name, *_ = CASES[language]
    notes, dataset = {"de": ("Anmerkungen zu den Daten", "Fläche"), "ru": ("Примечания к данным", "Площадь")}[language]
    for pdf in (root / "build" / f"{name}.pdf", root / "typst" / f"{name}.pdf"):
        contents = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
        entries = [re.sub(r"[\s.]*\d+$", "", line).strip() for line in contents.splitlines()
                   if re.search(r"\.\s?\.\s*\d+$", line)]
        assert notes in entries and dataset not in entries and len(entries) == 4, (pdf, entries)
    page = html.parse(str(root / "build" / f"{name}.html"))
    listed = [a.text_content() for a in page.xpath("//nav[@id='toc']//a")]
    assert notes in listed and dataset not in listed
    # Still a heading on the page.
    assert page.xpath("//section[@id='data-notes-area']/*[1][self::h2 or self::h3]/text()") == [dataset]
    with zipfile.ZipFile(root / "build" / f"{name}.docx") as package:
        document = etree.fromstring(package.read("word/document.xml"))
    styles = {p.find(f"{W}pPr/{W}pStyle").get(f"{W}val"): "".join(p.itertext())
              for p in document.iter(f"{W}p") if p.find(f"{W}pPr/{W}pStyle") is not None}
    toc = [text for style, text in styles.items() if style.startswith("TOC")]
    assert styles.get("UnlistedHeading") == dataset and dataset not in " ".join(toc)
