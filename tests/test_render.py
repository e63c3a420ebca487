"""Merging sections with data: figures from the data, numbered exhibits, and template mistakes located."""

from __future__ import annotations

import pytest

from briefkit.datasets import load_data
from briefkit.errors import InputError
from briefkit.project import load_project
from briefkit.render import render_sections
from tests.conftest import messages


def render(root) -> str:
    project = load_project(root)
    sections = render_sections(project, load_data(project.data_dir))
    return "\n".join(s.markdown for s in sections)


def problems(root) -> list[str]:
    with pytest.raises(InputError) as info:
        render(root)
    return [str(p) for p in info.value.problems]


def write_section(root, text: str, name: str = "01-summary.md") -> None:
    (root / "report" / "sections" / name).write_text(text, encoding="utf-8")


def test_figures_in_prose_come_from_the_data(mini):
    text = render(mini)
    assert ("Trade reached USD\u00a0865\u00a0million [@customs] in 2021, after USD\u00a0970.1\u00a0million in 2020."
            in text)
    assert "Growth in 2020 was +39.6% [@customs]." in text
    assert "The treaty of 23 April 2002" in text


def test_exhibits_are_numbered_by_order_and_references_point_forward(mini):
    text = render(mini)
    # The summary refers to the agreements table before it is placed: it is the second table.
    assert "is listed in [Table 2](#tbl:agreements)." in text
    assert "[Figure 1](#fig:trade) shows the series; [Table 1](#tbl:trade) lists it." in text
    assert ": Table 1. Trade {#tbl:trade}" in text
    assert ": Table 2. Agreements and milestones" in text
    assert "{#tbl:agreements}" in text and "{#fig:trade" in text


def test_agreements_table_is_markdown_with_one_row_per_agreement(mini):
    table = render(mini).split(": Table 2. Agreements")[0].strip().rsplit("\n\n", 1)[-1]
    rows = table.splitlines()[2:]
    assert len(rows) == 2
    assert rows[0] == "| 23 April 2002 | Treaty of Friendship and Cooperation | treaty | in force | News Agency 2023 |"
    assert "| February 2017 |" in rows[1]


def test_conflicting_sources_are_marked_in_the_trade_table(mini):
    text = render(mini)
    assert "| 2020 | USD\u00a0970.1\u00a0million\u2020 |" in text
    assert ("\u2020 Sources differ for 2020: USD\u00a01.374\u00a0billion according to News Agency 2023 (officials)."
            in text)
    assert "| 2022 | no figure published | \u2014 |" in text


def test_jinja_comments_do_not_clash_with_pandoc_attributes(mini):
    write_section(mini, "# Summary {#summary .unnumbered}\n\n{## a note for editors ##}Text.\n")
    text = render(mini)
    assert "# Summary {#summary .unnumbered}" in text and "editors" not in text


def test_unknown_exhibit_label_names_file_and_line(mini):
    write_section(mini, "# Summary\n\nSee {{ ref('tbl:nothing') }}.\n")
    assert problems(mini) == [
        "report/sections/01-summary.md:3:13: unknown exhibit label 'tbl:nothing': "
        "exhibits placed: fig:trade, tbl:trade, tbl:agreements"
    ]


def test_undefined_name_and_syntax_error_reported_together(mini):
    write_section(mini, "# Summary\n\nText.\n\n{{ data.trade.valeu(2021) }}\n")
    section = mini / "report" / "sections" / "02-trade.md"
    section.write_text(section.read_text() + "\n{% if %}\n")
    assert problems(mini) == [
        "report/sections/01-summary.md:5:15: a series has no 'valeu': did you mean 'value'?",
        "report/sections/02-trade.md:18: template syntax error: Expected an expression, got 'end of statement block'",
    ]


def test_unknown_citation_names_file_line_and_column(mini):
    write_section(mini, "# Summary\n\nA claim [@nobody].\n")
    assert problems(mini) == [
        "report/sections/01-summary.md:3:10: unknown source '@nobody': it is not in data/sources.yaml"
    ]


def test_gap_year_cannot_be_quoted_as_a_figure(mini):
    write_section(mini, "# Summary\n\nIn 2022 trade was {{ data.trade.point(2022) | figure }}.\n")
    assert problems(mini) == ["report/sections/01-summary.md:3: no figure was published for 2022; it is a gap"]


def test_sandbox_refuses_python_internals(mini):
    write_section(mini, "# Summary\n\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    [message] = problems(mini)
    assert message.startswith("report/sections/01-summary.md:3: ")
    assert "__class__" in message


def test_empty_section_is_an_error(mini):
    write_section(mini, "{## nothing yet ##}\n")
    assert problems(mini) == ["report/sections/01-summary.md:1: the section is empty"]


def test_exhibit_placed_twice_is_an_error(mini):
    write_section(mini, "# Summary\n\n{{ chart('trade') }}\n")
    assert problems(mini) == [
        "report/sections/02-trade.md:6: the exhibit 'fig:trade' is placed twice; give the second one another label"
    ]


def test_an_exhibit_can_be_placed_again_under_its_own_label_and_period(mini):
    write_section(mini, "# Summary\n\nSee {{ ref('fig:early') }} and {{ ref('fig:trade') }}.\n\n"
                        "{{ chart('trade', first=2019, last=2020, label='fig:early', caption='Early years') }}\n")
    charts: dict = {}
    project = load_project(mini)
    text = "\n".join(s.markdown for s in render_sections(project, load_data(project.data_dir), "svg", charts))
    assert sorted(charts) == ["fig-early", "fig-trade"]
    assert [p.key for p in charts["fig-early"].series[0].points] == [2019, 2020]
    assert "See [Figure 1](#fig:early) and [Figure 2](#fig:trade)." in text
    assert "![Figure 1. Early years](charts/fig-early.svg){#fig:early" in text
    assert "2021" not in text.split("{#fig:early")[1].split("\n")[0]


def test_an_exhibit_label_must_match_its_kind(mini):
    write_section(mini, "# Summary\n\n{{ chart('trade', label='tbl:oops') }}\n")
    assert problems(mini)[0] == (
        "report/sections/01-summary.md:3: exhibit label 'tbl:oops' must look like 'fig:some-name'")


def check_messages(root, capsys) -> tuple[int, list[str]]:
    from briefkit.cli import main

    code = main(["--project", str(root), "--check"])
    return code, messages(capsys.readouterr().err)


def test_check_catches_a_literal_amount_without_citation(mini, capsys):
    write_section(mini, "# Summary\n\nTrade was worth $1.6 billion in 2022.\n\nGrowth was 12 per cent [@news].\n")
    code, lines = check_messages(mini, capsys)
    # A warning, in a check as in a build: the author may go on (--strict makes it an error).
    # The next paragraph's citation does not cover it.
    assert (code, lines) == (0, [
        "report/sections/01-summary.md:3:17: warning: figure '$1.6 billion' has no citation in its paragraph",
        "   = hint: add [@source-id] after it, in its sentence or at the paragraph's end"])


def test_a_paragraphs_one_note_covers_the_figures_before_it(mini, capsys):
    write_section(mini, "# Summary\n\nTrade was worth $1.6 billion in 2022. Exports rose 12 per cent,\n"
                        "imports 4% [@news]. Officials spoke of growth.\n\n"
                        "- Trade was worth $1.5 billion in 2021. Prices rose 3% [@news].\n")
    code, lines = check_messages(mini, capsys)
    assert (code, lines) == (0, [])


def test_a_figure_after_the_paragraphs_last_citation_is_still_caught(mini, capsys):
    write_section(mini, "# Summary\n\nExports rose 12 per cent [@news]. Then trade\nreached $1.6 billion.\n\n"
                        "- Trade was worth $1.5 billion in 2021.\n- Prices rose 3% [@news].\n\n"
                        "Imports rose 4% [@news]. Trade with the region reached USD 3.2\nbillion.\n")
    code, lines = check_messages(mini, capsys)
    # Line and column are those of the figure, on the paragraph's second line; a list item is a paragraph of its own;
    # a figure wrapped over two lines is one figure.
    assert (code, lines) == (0, [
        "report/sections/01-summary.md:4:9: warning: figure '$1.6 billion' comes after the last citation of its "
        "paragraph", "   = hint: add [@source-id] after it: a citation covers only the figures before it",
        "report/sections/01-summary.md:6:19: warning: figure '$1.5 billion' has no citation in its paragraph",
        "   = hint: add [@source-id] after it, in its sentence or at the paragraph's end",
        "report/sections/01-summary.md:9:56: warning: figure 'USD 3.2 billion' comes after the last citation of its "
        "paragraph", "   = hint: add [@source-id] after it: a citation covers only the figures before it"])
    from briefkit.cli import main

    assert main(["check", "--project", str(mini), "--strict"]) == 1
    assert messages(capsys.readouterr().err)[-1] == "check: 3 problems to fix"


def test_check_catches_a_dataset_figure_typed_by_hand_even_with_a_citation(mini, capsys):
    write_section(mini, "# Summary\n\nIn 2021 trade was USD 865 million [@customs].\n")
    code, lines = check_messages(mini, capsys)
    assert code == 0
    assert lines[:2] == [
        "report/sections/01-summary.md:3:19: warning: figure 'USD 865 million' typed by hand; it is in the dataset "
        "'trade'", "   = hint: write {{ value('trade', 2021) }} so that it stays in step with the data"]


def test_check_accepts_cited_figures_and_jinja_expressions(mini, capsys):
    write_section(mini, "# Summary\n\nExports rose 12 per cent [@news]. Trade was {{ value('trade', 2021) }}.\n")
    code, lines = check_messages(mini, capsys)
    assert (code, lines) == (0, [])


def test_check_warns_about_a_source_nothing_cites(mini, capsys):
    sources = mini / "data" / "sources.yaml"
    sources.write_text(sources.read_text() + "  - id: unused\n    title: Never cited\n    publisher: Nobody\n")
    code, lines = check_messages(mini, capsys)
    assert code == 0
    assert lines == ["data/sources.yaml:10: warning: source 'unused' is cited nowhere"]
