"""Any briefing, not only the shipped one: a French project with a CSV dataset, two series on one chart, a bar
chart of categories, a records table of other fields and a theme without cover or contents; and `briefkit new`."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.datasets import load_data
from briefkit.errors import InputError
from tests.conftest import pdf_text

GRAIN = Path(__file__).resolve().parent / "fixtures" / "grain"


@pytest.fixture(scope="module")
def grain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("grain") / "project"
    shutil.copytree(GRAIN, root)
    assert main(["build", "--project", str(root), "-q"]) == 0
    return root / "build"


def test_french_words_numbers_and_dates_in_the_pdf(grain: Path):
    pages = [page.replace("\xa0", " ").replace("\u202f", " ") for page in pdf_text(grain / "cereales.pdf")]
    text = "\n".join(pages)
    assert "environ 1,9 million de tonnes" in text and "1,4 million de tonnes en 2022" in text
    assert "31,5 %" in text and "4 mars 2025" in text
    assert "Tableau 1. Acheteurs" in text and "Figure 2. Volumes par port" in text
    assert "(Tableau 1)" in text  # the cross-reference, in French
    assert "Sources : Office des tests 2025." in text
    assert pages[0].rstrip().endswith(f"Page 1 sur {len(pages)}")
    assert "Table " not in text and "Contents" not in text and "Page 1 of" not in text


def test_a_theme_without_cover_or_contents_and_with_a_short_header(grain: Path):
    first = pdf_text(grain / "cereales.pdf")[0].replace("\xa0", " ")
    assert "NOTE CÉRÉALES" in first  # the short header, in the running header's capitals
    assert "Les exportations de céréales" in first and "Résumé" in first  # the masthead, then the text
    assert "Sommaire" not in first
    html = (grain / "cereales.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "--ink: #21433a" in html and 'class="masthead"' in html


def test_records_table_of_other_fields_in_the_docx(grain: Path):
    from docx import Document

    document = Document(str(grain / "cereales.docx"))
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "Pays"]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Pays", "Part", "Depuis", "Source"]
    assert [r[0] for r in rows[1:]] == ["Égypte", "Maroc", "Chine"]  # sort='-share'
    assert rows[1][1] == "31,5\u00a0%" and rows[3][3] == "Office des tests 2025; Douanes"
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert "Tableau 1. Acheteurs" in captions


def test_bars_and_both_series_are_drawn(grain: Path):
    html = (grain / "cereales.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="c\d+-point-([^"]+)"', html))
    # Two series on one chart: exports (0) with its estimate, imports (1) with its range drawn as a range.
    assert {"0-2021-reported", "0-2022-reported", "0-2024-estimate", "1-2021-reported", "1-2022-range"} <= ids
    assert "0-2023-gap" not in ids  # a gap is never drawn as a point
    # The bar chart of categories: one bar per port, in the order of the file.
    assert {"0-Rouen-reported", "0-La-Rochelle-reported", "0-Dunkerque-approximate"} <= ids


def test_every_dataset_is_exported_as_csv(grain: Path):
    names = sorted(p.name for p in (grain / "data").iterdir())
    assert names == ["buyers.csv", "exports.csv", "imports.csv", "ports.csv"]
    with (grain / "data" / "buyers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[2] == {"id": "china", "country": "Chine", "share": "12.25", "since": "2021", "source": "stat;douane"}
    with (grain / "data" / "exports.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["year", "kind", "value_million_tonnes"]


def messages(root: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_data(root / "data")
    return [str(p) for p in info.value.problems if p.severity == "error"]


CSV_RULES = [
    ("exports.csv", "2022,reported,1.4,", "2022,reported,lots,",
     "data/exports.csv:3:15: 'value' must be a number; got 'lots'"),
    ("exports.csv", "year,kind,value,qualifier,growth,source,note", "year,kind,value,qualifier,growth,source,remark",
     "data/exports.csv:1:41: unknown key 'remark': expected one of alternatives, growth, high, kind, low, note, "
     "period, qualifier, series_change, source, value, year"),
    ("exports.csv", "2021,reported,1.1,,,stat,", "2021,reported,1.1,,,stat,,extra",
     "data/exports.csv:2:27: this row has 8 cells; the header names 7 columns"),
    ("buyers.csv", "morocco,Maroc,22,", "morocco,Maroc,122,",
     "data/buyers.csv:3:15: 'share' must be at most 100; got 122"),
    ("buyers.csv", "china,Chine,12.25,2021,stat;douane", "china,Chine,12.25,2021,stat;customs",
     "data/buyers.csv:4:24: unknown source 'customs': it is not in data/sources.yaml"),
    ("buyers.csv", "china,Chine,12.25,2021", "egypt,Chine,12.25,2021",
     "data/buyers.csv:4:1: duplicate id 'egypt' (first used on line 2)"),
    ("datapackage.yaml", "key: {name: port, type: string", "key: {name: port, type: place",
     "data/datapackage.yaml:16:29: 'type' must be one of year, string; got 'place'"),
    ("datapackage.yaml", "unit: {percent: true}", "unit: {percent: true, currency: USD}",
     "data/datapackage.yaml:27:68: a unit in per cent has no 'currency', 'scale' or 'name'"),
    ("datapackage.yaml", "type: year, title: Depuis", "type: year, title: Depuis, unit: {name: years}",
     "data/datapackage.yaml:28:58: only a number or integer field has a 'unit'; 'since' is year"),
    ("datapackage.yaml", "  - name: ports", "  - name: Ports",
     "data/datapackage.yaml:12:11: 'name' must start with a letter and use lower-case letters, digits and '_'; "
     "got 'Ports'"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CSV_RULES, ids=[r[3][:50] for r in CSV_RULES])
def test_each_new_schema_rule_gives_its_located_message(tmp_path: Path, name, old, new, expected):
    root = tmp_path / "grain"
    shutil.copytree(GRAIN, root)
    path = root / "data" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert expected in messages(root)


def test_an_undeclared_data_file_is_a_warning(tmp_path: Path, capsys):
    root = tmp_path / "grain"
    shutil.copytree(GRAIN, root)
    (root / "data" / "prices.csv").write_text("year,value\n2024,3\n", encoding="utf-8")
    assert main(["check", "--project", str(root)]) == 0
    assert "data/prices.csv: warning: not declared in data/datapackage.yaml, so no section can use it" in \
        capsys.readouterr().err


def test_a_stated_rate_the_levels_contradict_is_a_warning(tmp_path: Path, capsys):
    root = tmp_path / "grain"
    shutil.copytree(GRAIN, root)
    path = root / "data" / "exports.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",27.3,", ",52.5,"), encoding="utf-8")
    assert main(["check", "--project", str(root)]) == 0
    assert ("data/exports.csv:3: warning: the stated change for 2022 (+52.5%) disagrees with the levels: 1.1 in 2021 "
            "to 1.4 in 2022 is +27.3%; say so in the note and in the text") in capsys.readouterr().err


def test_new_project_builds_at_once(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "grain-note"]) == 0
    assert "briefkit build --project grain-note" in capsys.readouterr().out
    for name in ("report/report.yaml", "report/sections/01-summary.md", "data/datapackage.yaml",
                 "data/exports.csv", "data/sources.yaml", "README.md"):
        assert (tmp_path / "grain-note" / name).is_file(), name
    assert main(["check", "--project", "grain-note"]) == 0
    assert main(["build", "--project", "grain-note", "-q"]) == 0
    built = sorted(p.name for p in (tmp_path / "grain-note" / "build").iterdir())
    assert built == ["data", "grain-note.docx", "grain-note.html", "grain-note.pdf"]
    text = "\n".join(pdf_text(tmp_path / "grain-note" / "build" / "grain-note.pdf")).replace("\xa0", " ")
    assert "Grain note" in text and "1.9 million tonnes" in text and "Figure 1. Example series by year" in text
    assert main(["new", "grain-note"]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


@pytest.mark.skipif(not DEJAVU.is_file(), reason="no DejaVu Serif on this machine (Debian package fonts-dejavu-core)")
def test_a_house_font_and_logo_from_the_project_reach_the_pdfs_and_the_page(tmp_path: Path):
    import subprocess

    root = tmp_path / "grain"
    shutil.copytree(GRAIN, root)
    (root / "templates" / "fonts").mkdir(parents=True)
    shutil.copyfile(DEJAVU, root / "templates" / "fonts" / DEJAVU.name)
    (root / "report" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#a8741a"/>'
        "</svg>", encoding="utf-8")
    report = root / "report" / "report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace(
        "theme:\n", "theme:\n  logo: report/logo.svg\n  fonts: {body: DejaVu Serif}\n"), encoding="utf-8")
    for engine in ("weasyprint", "typst"):
        out = tmp_path / engine
        assert main(["build", "--project", str(root), "--format", "pdf", "--pdf-engine", engine, "--out", str(out),
                     "-q"]) == 0
        if shutil.which("pdffonts"):
            fonts = subprocess.run(["pdffonts", str(out / "cereales.pdf")], capture_output=True, text=True).stdout
            assert re.search(r"DejaVu-?Serif", fonts) and "Charis" not in fonts, (engine, fonts)
    assert main(["build", "--project", str(root), "--format", "html", "--out", str(tmp_path / "web"), "-q"]) == 0
    html = (tmp_path / "web" / "cereales.html").read_text(encoding="utf-8")
    assert '<img class="logo" src="data:image/svg+xml' in html and 'font-family: "DejaVu Serif"' in html
