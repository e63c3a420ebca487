"""What a new author reads after a mistake: template syntax, YAML, dates, in the author's words (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import copy_project

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
