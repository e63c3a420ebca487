"""The author's loop: every mistake of every stage in one run, each with where it is and what to write instead."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import messages

SUMMARY = "report/sections/01-summary.md"


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


FIVE_MISTAKES = """\
data/agreements.yaml:81:11: 'date' is not a valid date (February 2017 has no day 30); got '2017-02-30'
 81 |     date: 2017-02-30
    |           ^^^^^^^^^^
data/trade.yaml:30:12: 'value' must be a number; got the text '695' (in quotes)
 30 |     value: "695"
    |            ^^^^^
    = hint: write 695 without quotes
report/report.yaml:23:5: section file 'report/sections/05-transports.md' does not exist
 23 |   - 05-transports.md
    |     ^^^^^^^^^^^^^^^^
    = hint: did you mean '05-transport.md'?
report/sections/04-economy-energy.md:31:497: unknown name 'valeu'
 31 | …ublished for 2018, so the year is left blank. In 2019 trade recovered to {{ valeu('trade', 2019) }}.
    |                                                                              ^^^^^
    = hint: did you mean 'value'?
report/sections/04-economy-energy.md:43:351: unknown source '@tass-2025-12-13'
 43 | …er cent reported for ten months [@tass-2025-12-13], so the projection is best treated as a target un…
    |                                   ^^^^^^^^^^^^^^^^
    = hint: did you mean '@tass-2025-12-12'?
check: 5 problems to fix
"""


def test_five_ordinary_mistakes_are_reported_together_each_with_its_fix(real: Path, capsys):
    economy = "report/sections/04-economy-energy.md"
    edit(real, economy, "In 2019 trade recovered to {{ value('trade', 2019) }}.",
         "In 2019 trade recovered to {{ valeu('trade', 2019) }}.")
    edit(real, economy, "ten months [@tass-2025-12-12]", "ten months [@tass-2025-12-13]")
    edit(real, "data/trade.yaml", "value: 695\n", 'value: "695"\n')
    edit(real, "data/agreements.yaml", "date: 2017-10-02", "date: 2017-02-30")
    edit(real, "report/report.yaml", "05-transport.md", "05-transports.md")
    code, out, err = run(["--project", str(real), "--check"], capsys)
    # The table that section 04 places after the misspelled name is still placed: no 'unknown exhibit label';
    # the broken trade point and agreement do not make the sections that use them fail again.
    assert (code, out, err) == (1, "", FIVE_MISTAKES)


def test_a_build_reports_the_same_mistakes(real: Path, capsys):
    edit(real, "data/trade.yaml", "value: 695\n", 'value: "695"\n')
    edit(real, "report/sections/04-economy-energy.md", "{{ data.trade.point(2020) | figure }} for 2020",
         "{{ data.trade.piont(2020) | figure }} for 2020")
    code, _, err = run(["--project", str(real), "--format", "html"], capsys)
    assert code == 1
    assert messages(err) == [
        "data/trade.yaml:30:12: 'value' must be a number; got the text '695' (in quotes)",
        "    = hint: write 695 without quotes",
        "report/sections/04-economy-energy.md:33:33: a series has no 'piont'",
        "    = hint: did you mean 'point' or 'points'?",
        "build stopped: 2 problems to fix",
    ]
    assert not (real / "build" / "turkmenistan-russia-briefing.html").exists()


def test_a_data_file_that_cannot_be_read_is_reported_once(mini: Path, capsys):
    (mini / "data" / "trade.yaml").write_text("points: [\n")
    code, _, err = run(["--project", str(mini), "--check"], capsys)
    # Every section uses 'trade': none of them says so again.
    assert (code, messages(err)) == (1, [
        "data/trade.yaml:1:9: a '[' opened here is never closed", "   = hint: close it with ']' on the same line",
        "check: 1 problem to fix"])


def test_the_caret_sits_under_the_column(mini: Path, capsys):
    edit(mini, SUMMARY, "{{ value('trade', 2021) }}", "{{ value('trade', 2021, unit='bn') }}")
    code, _, err = run(["--project", str(mini), "--check"], capsys)
    assert (code, err.splitlines()) == (1, [
        f"{SUMMARY}:3:41: value() has no option 'unit'",
        " 3 | … reached {{ value('trade', 2021, unit='bn') }} in 2021, after {{ data.trade.point(2020) | figure }} …",
        "   |                                   ^^^^",
        "   = hint: value() takes: dataset, key, field",
        "check: 1 problem to fix"])


HINTS = {
    "a misspelled helper": (SUMMARY, "{{ value('trade', 2021) }}", "{{ valeu('trade', 2021) }}",
                            [f"{SUMMARY}:3:20: unknown name 'valeu'", "   = hint: did you mean 'value'?"]),
    "a misspelled attribute": (SUMMARY, "data.trade.point(2020)", "data.trade.piont(2020)",
                               [f"{SUMMARY}:3:73: a series has no 'piont'",
                                "   = hint: did you mean 'point' or 'points'?"]),
    "an option a helper does not take": (
        SUMMARY, "{{ value('trade', 2021) }}", "{{ value('trade', 2021, feild='x') }}",
        [f"{SUMMARY}:3:41: value() has no option 'feild'",
         "   = hint: did you mean 'field'? value() takes: dataset, key, field"]),
    "an unknown dataset": (SUMMARY, "value('trade', 2021)", "value('trades', 2021)",
                           [f"{SUMMARY}:3:27: unknown dataset 'trades'", "   = hint: did you mean 'trade'?"]),
    "an unknown record id": (SUMMARY, "record('treaty-2002')", "record('treaty-2020')",
                             [f"{SUMMARY}:4:44: 'agreements' has no record with id 'treaty-2020'",
                              "   = hint: did you mean 'treaty-2002'?"]),
    "an unknown exhibit label": (SUMMARY, "ref('tbl:agreements')", "ref('tbl:agreement')",
                                 [f"{SUMMARY}:4:98: unknown exhibit label 'tbl:agreement'",
                                  "   = hint: did you mean 'tbl:agreements'?"]),
    "an unknown source in a section": ("report/sections/02-trade.md", "[@customs]", "[@custom]",
                                       ["report/sections/02-trade.md:3:67: unknown source '@custom'",
                                        "   = hint: did you mean '@customs'?"]),
    "an unknown source in a data file": ("data/trade.yaml", "source: customs", "source: custom",
                                         ["data/trade.yaml:8:13: unknown source 'custom'",
                                          "   = hint: did you mean 'customs'?"]),
    "an unknown key": ("data/trade.yaml", "    source: customs", "    sourse: customs",
                       ["data/trade.yaml:5:5: 'source' is required", "data/trade.yaml:8:5: unknown key 'sourse'",
                        "   = hint: did you mean 'source'?"]),
    "an unknown choice": ("data/trade.yaml", "kind: reported", "kind: reportd",
                          ["data/trade.yaml:6:11: 'kind' must be one of reported, approximate, estimate, range, "
                           "projection, gap; got 'reportd'", "   = hint: did you mean 'reported'?"]),
    "an unknown field of a record": (SUMMARY, "record('treaty-2002').date", "record('treaty-2002').dat",
                                     [f"{SUMMARY}:4:58: a record of 'agreements' has no field 'dat'",
                                      "   = hint: did you mean 'date'?"]),
    "an unknown phrase": ("report/report.yaml", "paper: A4\n", "paper: A4\nphrases:\n  figur: Chart\n",
                          ["report/report.yaml:11:3: unknown phrase 'figur'", "    = hint: did you mean 'figure'?"]),
    "an unknown output format": ("report/report.yaml", "formats: [pdf, docx, html]", "formats: [pfd, docx, html]",
                                 ["report/report.yaml:12:12: 'formats' must list some of pdf, docx, html; got 'pfd'",
                                  "    = hint: did you mean 'pdf'?"]),
    "a missing section file": ("report/report.yaml", "  - 02-trade.md", "  - 02-trades.md",
                               ["report/report.yaml:15:5: section file 'report/sections/02-trades.md' does not exist",
                                "    = hint: did you mean '02-trade.md'?"]),
    "a quoted number": ("data/trade.yaml", "value: 695\n", "value: '695'\n",
                        ["data/trade.yaml:7:12: 'value' must be a number; got the text '695' (in quotes)",
                         "   = hint: write 695 without quotes"]),
}


@pytest.mark.parametrize("case", list(HINTS))
def test_each_kind_of_unknown_name_gets_the_closest_known_one(mini: Path, capsys, case: str):
    name, old, new, expected = HINTS[case]
    edit(mini, name, old, new)
    code, _, err = run(["--project", str(mini), "--check"], capsys)
    count = sum(not line.startswith(" ") for line in expected)
    assert (code, messages(err)) == (1, expected + [f"check: {count} problem{'s' * (count > 1)} to fix"])


def test_json_lines_for_editors_and_ci(mini: Path, capsys):
    edit(mini, SUMMARY, "{{ value('trade', 2021) }}", "{{ valeu('trade', 2021) }}")
    edit(mini, SUMMARY, "in 2021,", "in 2021 (USD 1.2 billion),")
    code, out, err = run(["check", "--project", str(mini), "--format", "json"], capsys)
    assert (code, err) == (1, "")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"file": SUMMARY, "line": 3, "column": 20, "severity": "error", "message": "unknown name 'valeu'",
         "hint": "did you mean 'value'?",
         "source_line": "- Trade reached {{ valeu('trade', 2021) }} in 2021 (USD 1.2 billion), after "
                        "{{ data.trade.point(2020) | figure }} in 2020."},
        {"file": SUMMARY, "line": 3, "column": 53, "severity": "warning",
         "message": "figure 'USD 1.2 billion' has no citation in its paragraph",
         "hint": "add [@source-id] after it, in its sentence or at the paragraph's end",
         "source_line": "- Trade reached {{ valeu('trade', 2021) }} in 2021 (USD 1.2 billion), after "
                        "{{ data.trade.point(2020) | figure }} in 2020."},
    ]


def test_a_warning_is_a_warning_in_check_and_build_and_an_error_with_strict(mini: Path, capsys, tmp_path: Path):
    edit(mini, SUMMARY, "in 2021,", "in 2021 (USD 1.2 billion),")
    warning = [f"{SUMMARY}:3:53: warning: figure 'USD 1.2 billion' has no citation in its paragraph",
               "   = hint: add [@source-id] after it, in its sentence or at the paragraph's end"]
    code, out, err = run(["--project", str(mini), "--check"], capsys)
    assert (code, messages(err), out) == (0, warning, "note: chart fig:trade: 'Trade' is declared in million USD and "
                                                      "drawn on an axis in billion USD\ncheck: no errors, 1 warning\n")
    code, _, err = run(["--project", str(mini), "--format", "html", "--out", str(tmp_path / "out")], capsys)
    lines = messages(err)
    assert code == 0 and lines[lines.index(warning[0]):][:2] == warning  # among the build's own lines
    code, _, err = run(["--project", str(mini), "--format", "html", "--out", str(tmp_path / "out"), "-q"], capsys)
    assert (code, err) == (0, "")  # -q: errors only
    error = [warning[0].replace("warning: ", ""), warning[1]]
    code, out, err = run(["check", "--project", str(mini), "--strict"], capsys)
    assert (code, messages(err), out) == (1, error + ["check: 1 problem to fix"], "")
    code, _, err = run(["--project", str(mini), "--format", "html", "--out", str(tmp_path / "strict"), "--strict"],
                       capsys)
    assert (code, messages(err)) == (1, error + ["build stopped: 1 problem to fix"])
    assert not (tmp_path / "strict" / "mini.html").exists()


def test_colour_only_at_a_terminal_without_no_color(monkeypatch):
    from briefkit.cli import _colour

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _colour(Terminal())


def test_a_taken_port_is_named_and_the_next_free_one_taken(caplog):
    from briefkit.watch import WatchState, make_server

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    try:
        with caplog.at_level("WARNING", logger="briefkit.progress"):
            server = make_server(WatchState(Path("page.html")), taken)
        try:
            assert server.server_port > taken
            assert [r.getMessage() for r in caplog.records] == [
                f"port {taken} is taken; serving on port {server.server_port} instead"]
        finally:
            server.server_close()
    finally:
        holder.close()
