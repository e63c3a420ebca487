"""What a new author reads after a mistake: template syntax, YAML, dates, in the author's words (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import copy_project, messages

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUMMARY = "report/sections/01-zusammenfassung.md"
LONG = ("Russland ist mit {{ value('area', 'Russland') }} das größte Land am Kaspischen Meer "
        "({{ ref('fig:area') }}); Aserbaidschan misst {{ value('area', 'Aserbaidschan') }}")


@pytest.fixture
def german(tmp_path: Path) -> Path:
    return copy_project(FIXTURES / "category-de", tmp_path / "de")


def check(root: Path, capsys) -> tuple[int, str]:
    code = main(["check", "--project", str(root)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def write_summary(root: Path, body: str) -> None:
    (root / SUMMARY).write_text(f"# Zusammenfassung {{#z .unnumbered}}\n\n{body}\n", encoding="utf-8")


def test_a_misspelt_filter_far_along_a_long_line_gets_its_column_caret_and_the_closest_filter(german, capsys):
    write_summary(german, LONG + ", Stand {{ data.area.point('Russland').sources | longdat }}.")
    code, err = check(german, capsys)
    assert code == 1
    assert err == (
        f"{SUMMARY}:3:215: unknown filter 'longdat'\n"
        " 3 | …sst {{ value('area', 'Aserbaidschan') }}, Stand {{ data.area.point('Russland').sources | longdat }}.\n"
        "   |                                                                                           ^^^^^^^\n"
        "   = hint: did you mean 'longdate'?\n"
        "check: 1 problem to fix\n")


@pytest.mark.parametrize(("body", "expected"), [
    ("{% if 1 is odd1 %}x{% endif %}",
     [f"{SUMMARY}:3:12: unknown test 'odd1'", " 3 | {% if 1 is odd1 %}x{% endif %}",
      "   |            ^^^^", "   = hint: did you mean 'odd'?"]),
    ("{% if 1 is definedd %}x{% endif %}",
     [f"{SUMMARY}:3:12: unknown test 'definedd'", " 3 | {% if 1 is definedd %}x{% endif %}",
      "   |            ^^^^^^^^", "   = hint: did you mean 'defined'?"]),
    ("Text {% for p in data.area %}{{ p.key }}{% endfo %} Ende.",
     [f"{SUMMARY}:3:44: unknown tag 'endfo' inside the 'for' block",
      " 3 | Text {% for p in data.area %}{{ p.key }}{% endfo %} Ende.",
      "   |                                            ^^^^^", "   = hint: did you mean 'endfor'?"]),
    ("{% iff 1 %}x{% endif %}",
     [f"{SUMMARY}:3:4: unknown tag 'iff'", " 3 | {% iff 1 %}x{% endif %}", "   |    ^^^",
      "   = hint: did you mean 'if'?"]),
    ("{% for p inn data.area %}x{% endfor %}",
     [f"{SUMMARY}:3:10: expected 'in' here, found 'inn'", " 3 | {% for p inn data.area %}x{% endfor %}",
      "   |          ^^^", "   = hint: did you mean 'in'?"]),
    ("{% for p in data.area %}x\nZweite Zeile.",
     [f"{SUMMARY}:3:4: the 'for' block is never closed", " 3 | {% for p in data.area %}x", "   |    ^^^",
      "   = hint: close it with {% endfor %}"]),
], ids=["test", "test-runtime", "end-tag", "tag", "keyword", "unclosed"])
def test_a_misspelt_test_tag_or_keyword_is_told_as_a_misspelt_helper_is(german, capsys, body, expected):
    write_summary(german, body)
    code, err = check(german, capsys)
    assert (code, err.splitlines()) == (1, [*expected, "check: 1 problem to fix"])


SOURCES = "data/sources.yaml"
GOOD_SOURCES = ("sources:\n  - id: factbook\n    title: The World Factbook\n"
                "    publisher: Central Intelligence Agency\n    date: 2018-08-12\n")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    publisher:", "     publisher:",
     ["data/sources.yaml:4:6: this line is indented more than 'title' above it; the keys of one mapping line up",
      "   = hint: indent it by 4 spaces, as 'title' on line 3"]),
    ("    publisher:", "   publisher:",
     ["data/sources.yaml:4:4: this line's indentation does not line up with the lines above",
      "   = hint: indent it by 4 spaces, as 'title' on line 3"]),
    ("title: The World", "title The World",
     ["data/sources.yaml:3:5: a colon is missing after the key", "   = hint: write 'title: The World Factbook'"]),
    ("    publisher:", "\tpublisher:",
     ["data/sources.yaml:4:1: a tab character: YAML indents and separates with spaces only",
      "   = hint: replace the tab with spaces"]),
    ("title: The World Factbook", "title: Factbook: The World",
     ["data/sources.yaml:3:20: a value holding ': ' must be quoted",
      "   = hint: write title: \"Factbook: The World\""]),
    ("title: The World Factbook", 'title: "The World Factbook',
     ["data/sources.yaml:3:12: a quote opened here is never closed",
      "   = hint: close it on the same line with the same quote"]),
], ids=["indented-more", "indented-less", "missing-colon", "tab", "colon-in-value", "open-quote"])
def test_a_yaml_mistake_is_told_in_the_authors_words_at_its_line(german, capsys, old, new, expected):
    text = (german / SOURCES).read_text(encoding="utf-8")
    assert text == GOOD_SOURCES and old in text
    (german / SOURCES).write_text(text.replace(old, new, 1), encoding="utf-8")
    code, err = check(german, capsys)
    assert (code, messages(err)) == (1, [*expected, "check: 1 problem to fix"])


def test_a_broken_declaration_adds_no_warning_that_its_files_are_not_declared(german, capsys):
    (german / "data" / "datapackage.yaml").write_text(
        "resources:\n  - name: area\n    path: area.csv\n   kind: series\n", encoding="utf-8")
    code, err = check(german, capsys)
    assert code == 1
    assert "not declared" not in err
    assert err.splitlines()[0] == "data/datapackage.yaml:4:4: this line's indentation does not line up with the " \
                                  "lines above"
    assert err.splitlines()[-1] == "check: 1 problem to fix"


def test_a_broken_sources_file_does_not_hide_an_unknown_source_in_a_section(german, capsys):
    (german / SOURCES).write_text(GOOD_SOURCES.replace("title: The", "title The"), encoding="utf-8")
    summary = german / SUMMARY
    summary.write_text(summary.read_text(encoding="utf-8").replace("misst {{", "misst [@factbok] {{"),
                       encoding="utf-8")
    code, err = check(german, capsys)
    assert code == 1
    assert messages(err) == [
        "data/sources.yaml:3:5: a colon is missing after the key",
        "   = hint: write 'title: The World Factbook'",
        f"{SUMMARY}:3:131: unknown source '@factbok'",
        "   = hint: did you mean '@factbook'?",
        "check: 2 problems to fix"]


def test_a_date_written_day_first_gets_the_iso_date_it_means(german, capsys):
    sources = german / SOURCES
    sources.write_text(GOOD_SOURCES.replace("2018-08-12", "12.08.2018"), encoding="utf-8")
    code, err = check(german, capsys)
    assert (code, messages(err)) == (1, [
        "data/sources.yaml:5:11: 'date' is not a valid date (expected a date as YYYY, YYYY-MM or YYYY-MM-DD); "
        "got '12.08.2018'", "   = hint: write 2018-08-12", "check: 1 problem to fix"])
    sources.write_text(GOOD_SOURCES.replace("2018-08-12", "31.02.2018"), encoding="utf-8")
    code, err = check(german, capsys)
    assert "hint" not in err  # no day 31 in February: nothing to guess


def test_quiet_prints_errors_only(german, capsys):
    summary = german / SUMMARY
    summary.write_text(summary.read_text(encoding="utf-8") + "\nDas sind 12 % der Fläche.\n", encoding="utf-8")
    assert main(["check", "--project", str(german)]) == 0
    assert "warning: figure '12 %' has no citation in its paragraph" in capsys.readouterr().err
    for command in (["check"], ["build", "--format", "html"]):
        assert main([*command, "--project", str(german), "-q"]) == 0
        assert capsys.readouterr() == ("", "")
    (german / SOURCES).write_text(GOOD_SOURCES.replace("title: The", "title The"), encoding="utf-8")
    for command in (["check"], ["build", "--format", "html"]):
        assert main([*command, "--project", str(german), "-q"]) == 1
        out, err = capsys.readouterr()
        assert out == "" and "warning" not in err
        assert messages(err)[0] == "data/sources.yaml:3:5: a colon is missing after the key"


@pytest.mark.parametrize(("style", "kinds", "note"), [
    ("bar", ("estimate",), "Gepunktete offene Balken sind Schätzungen."),
    ("bar", ("estimate", "projection"), "Gepunktete offene Balken sind Schätzungen oder Prognosen."),
    ("bar", ("gap",), "Für grau hinterlegte Felder ist keine Zahl veröffentlicht."),
    ("line", ("estimate", "projection"), "Offene Kreise sind Schätzungen. Offene Rauten sind Prognosen."),
    ("bar", (), ""),
])
def test_a_chart_note_names_the_marks_the_chart_draws(german, capsys, style, kinds, note):
    rows = {"estimate": "Kasachstan,estimate,2724.9,about,factbook,",
            "projection": "Turkmenistan,projection,491.2,,factbook,",
            "gap": "Aserbaidschan,gap,,,,Keine Zahl."}
    area = german / "data" / "area.csv"
    text = area.read_text(encoding="utf-8")
    for kind in kinds:
        key = rows[kind].split(",")[0]
        text = "\n".join(rows[kind] if line.startswith(key + ",") else line for line in text.splitlines()) + "\n"
    area.write_text(text, encoding="utf-8")
    figures = german / "report" / "sections" / "02-flaechen.md"
    figures.write_text(figures.read_text(encoding="utf-8").replace("style='bar'", f"style='{style}'"),
                       encoding="utf-8")
    (german / SUMMARY).write_text("# Zusammenfassung {#z .unnumbered}\n\nSiehe {{ ref('fig:area') }}.\n",
                                  encoding="utf-8")
    assert main(["build", "--project", str(german), "--format", "html", "-q"]) == 0
    from lxml import html

    page = html.parse(str(german / "build" / "flaechen.html"))
    [source] = page.xpath("//figure[@id='fig:area']/following-sibling::div[@class='exhibit-source'][1]")
    assert " ".join(source.text_content().split()) == " ".join(
        f"Quellen: Central Intelligence Agency 2018. {note} Daten herunterladen (area.csv)".split())
