"""Loading data/*.yaml: typed records, and every mistake reported with file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefkit.datasets import load_data
from briefkit.errors import InputError

REPO = Path(__file__).resolve().parent.parent


def messages(data_dir: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_data(data_dir)
    return [str(p) for p in info.value.problems]


def test_real_data_loads_into_records():
    data = load_data(Path(__file__).resolve().parent.parent / "data")
    agreements, trade = data.datasets["agreements"], data.datasets["trade"]
    assert len(agreements) >= 18
    dates = [a.date.sort_key() for a in agreements]
    assert dates == sorted(dates)
    assert trade.point(2018).is_gap and trade.point(2023).is_gap
    assert trade.point(2024).kind == "range"
    assert trade.point(2022).alternatives, "2022's conflicting figure must be recorded"
    assert trade.unit.currency == "USD" and trade.unit.scale == "million"


def test_partial_dates_are_kept_as_partial(mini):
    data = load_data(mini / "data")
    programme = data.datasets["agreements"].record("programme-2017")
    assert programme.date.iso == "2017-02"
    assert programme.date.long == "February 2017"


def test_wrong_kind_names_file_line_column_and_choices(mini):
    path = mini / "data" / "trade.yaml"
    path.write_text(path.read_text().replace("kind: reported\n    value: 695", "kind: guess\n    value: 695"))
    assert messages(mini / "data") == [
        "data/trade.yaml:6:11: 'kind' must be one of reported, approximate, estimate, range, projection, gap;"
        " got 'guess'"
    ]


def test_impossible_date(mini):
    path = mini / "data" / "agreements.yaml"
    path.write_text(path.read_text().replace("2002-04-23", "2025-02-30"))
    assert messages(mini / "data") == [
        "data/agreements.yaml:3:11: 'date' is not a valid date (February 2025 has no day 30); got '2025-02-30'"
    ]


def test_every_mistake_in_every_file_at_once(mini):
    agreements = mini / "data" / "agreements.yaml"
    agreements.write_text(agreements.read_text().replace("id: programme-2017", "id: treaty-2002")
                          .replace("source: customs", "source: nowhere"))
    trade = mini / "data" / "trade.yaml"
    trade.write_text(trade.read_text().replace("value: 865", "value: lots"))
    assert messages(mini / "data") == [
        "data/agreements.yaml:10:9: duplicate id 'treaty-2002' (first used on line 2)",
        "data/agreements.yaml:17:13: unknown source 'nowhere': it is not in data/sources.yaml",
        "data/trade.yaml:20:12: 'value' must be a number; got 'lots'",
    ]


def test_malformed_yaml_names_its_line(mini):
    sources = mini / "data" / "sources.yaml"
    sources.write_text(sources.read_text().replace("title: Trade report", "title: [unclosed"))
    # The ids its lines still show are checked against: the datasets cite 'customs' and 'news', both readable.
    [message] = messages(mini / "data")
    assert message == "data/sources.yaml:7:12: a '[' opened here is never closed: close it with ']' on the same line"


def test_a_source_cited_in_the_data_is_checked_against_the_ids_a_broken_sources_file_still_shows(mini):
    sources = mini / "data" / "sources.yaml"
    sources.write_text(sources.read_text().replace("title: Trade report", "title: [unclosed")
                       .replace("id: news", "id: newz"))
    assert messages(mini / "data") == [
        "data/agreements.yaml:9:13: unknown source 'news': did you mean 'newz'?",
        "data/sources.yaml:7:12: a '[' opened here is never closed: close it with ']' on the same line",
        "data/trade.yaml:16:17: unknown source 'news': did you mean 'newz'?",
    ]


def test_missing_required_field_and_range_rules(mini):
    trade = mini / "data" / "trade.yaml"
    trade.write_text(trade.read_text().replace(
        "  - year: 2021\n    kind: reported\n    value: 865\n    source: customs\n",
        "  - year: 2021\n    kind: range\n    low: 900\n    source: customs\n",
    ))
    assert messages(mini / "data") == ["data/trade.yaml:18:5: a range needs 'low' and 'high' in 2021"]


def test_a_gap_cannot_carry_a_value(mini):
    trade = mini / "data" / "trade.yaml"
    trade.write_text(trade.read_text().replace("kind: gap\n", "kind: gap\n    value: 444\n"))
    assert messages(mini / "data") == [
        "data/trade.yaml:24:12: a gap has no 'value': leave it out, or choose another kind"
    ]


def test_non_utf8_file(mini):
    (mini / "data" / "sources.yaml").write_bytes(b"sources:\n  - id: caf\xe9\n")
    assert messages(mini / "data") == [
        "data/sources.yaml:2: is not UTF-8 text (byte 0xe9); save the file as UTF-8"
    ]


# Each schema rule, with the exact message: (file, old text, new text, expected message).
RULES = [
    ("trade.yaml", "kind: reported\n    value: 695", "kind: reported\n    value: 695\n    colour: red",
     "data/trade.yaml:8:5: unknown key 'colour': expected one of alternatives, growth, high, kind, low, note, "
     "period, qualifier, series_change, source, value, year"),
    ("trade.yaml", "  - year: 2019\n", "  - year: twenty\n",
     "data/trade.yaml:5:11: 'year' must be a whole number; got 'twenty'"),
    ("trade.yaml", "value: 695\n", "value: [695]\n", "data/trade.yaml:7:12: 'value' must be a number; got '[695]'"),
    ("trade.yaml", "  - year: 2019\n    kind: reported\n    value: 695\n", "  - year: 2019\n    value: 695\n",
     "data/trade.yaml:5:5: 'kind' is required"),
    ("trade.yaml", "value: 695\n    source: customs", "source: customs",
     "data/trade.yaml:5:5: 'value' is required for a reported figure in 2019"),
    ("trade.yaml", "value: 695\n    source: customs", "value: 695",
     "data/trade.yaml:5:5: 'source' is required"),
    ("trade.yaml", "value: 695\n", "value: -695\n", "data/trade.yaml:7:12: 'value' must not be negative; got -695"),
    ("trade.yaml", "value: 695\n", "value: 695\n    qualifier: roughly\n",
     "data/trade.yaml:8:16: 'qualifier' must be one of over, about, under; got 'roughly'"),
    ("trade.yaml", "  - year: 2021\n", "  - year: 2020\n",
     "data/trade.yaml:18:5: duplicate year '2020' (first used on line 9)"),
    ("datapackage.yaml", "unit: {currency: USD", "unit: {currency: usd",
     "data/datapackage.yaml:9:22: 'currency' must be an ISO 4217 code of three capital letters, such as USD or EUR; "
     "got 'usd'"),
    ("datapackage.yaml", "    path: agreements.yaml", "    path: deals.yaml",
     "data/datapackage.yaml:12:11: the data file 'data/deals.yaml' does not exist"),
    ("datapackage.yaml", "    kind: records", "    kind: table",
     "data/datapackage.yaml:13:11: 'kind' must be one of records, series; got 'table'"),
    ("datapackage.yaml", "type: sources, title: Source", "type: source, title: Source",
     "data/datapackage.yaml:35:32: 'type' must be one of string, number, integer, boolean, date, year, sources; "
     "got 'source': did you mean 'sources'?"),
    ("datapackage.yaml", "primaryKey: id", "primaryKey: ident",
     "data/datapackage.yaml:17:19: 'primaryKey' must be one of the fields (id, date, end, title, kind, subject, scope, "
     "status, source, note); got 'ident'"),
    ("trade.yaml", "    value: 695\n", "    value: '695'\n",
     "data/trade.yaml:7:12: 'value' must be a number; got the text '695' (in quotes): write 695 without quotes"),
    ("trade.yaml", "period: [2019, 2022]", "period: [2022, 2019]",
     "data/trade.yaml:3:9: 'period' must be two years, first and last, such as [2017, 2025]; got [2022, 2019]"),
    ("trade.yaml", "      - value: 1374\n        source: news", "      - source: news",
     "data/trade.yaml:15:9: 'value' is required"),
    ("trade.yaml", "source: news\n        note: officials", "source: elsewhere\n        note: officials",
     "data/trade.yaml:16:17: unknown source 'elsewhere': it is not in data/sources.yaml"),
    ("agreements.yaml", "kind: treaty", "kind: pact",
     "data/agreements.yaml:5:11: 'kind' must be one of treaty, agreement, programme, declaration, contract, "
     "convention, roadmap, resolution, event; got 'pact'"),
    ("agreements.yaml", "scope: bilateral\n    status: in force", "scope: global\n    status: in force",
     "data/agreements.yaml:7:12: 'scope' must be one of bilateral, multilateral; got 'global'"),
    ("agreements.yaml", "status: in force", "status: pending",
     "data/agreements.yaml:8:13: 'status' must be one of signed, in force, expired, superseded, completed; "
     "got 'pending'"),
    ("agreements.yaml", "date: 2002-04-23", "date: 2002-04-23\n    end: 2001-01",
     "data/agreements.yaml:4:10: 'end' (2001-01) is before 'date' (2002-04-23)"),
    ("agreements.yaml", "date: 2017-02", "date: 2017-13",
     "data/agreements.yaml:11:11: 'date' is not a valid date (month 13 does not exist); got '2017-13'"),
    ("agreements.yaml", "date: 2017-02", "date: February 2017",
     "data/agreements.yaml:11:11: 'date' is not a valid date (expected a date as YYYY, YYYY-MM or YYYY-MM-DD);"
     " got 'February 2017'"),
    ("agreements.yaml", "  - id: treaty-2002", "  - id: Treaty 2002",
     "data/agreements.yaml:2:9: 'id' must match the pattern [a-z0-9][a-z0-9-]*; got 'Treaty 2002'"),
    ("agreements.yaml", "    title: Treaty of Friendship and Cooperation\n", "",
     "data/agreements.yaml:2:5: 'title' is required"),
    ("agreements.yaml", "    subject: general relations", "    subject: [general, relations]",
     "data/agreements.yaml:6:14: 'subject' must be text; got a list"),
    ("sources.yaml", "  - id: news", "  - id: customs", "data/sources.yaml:6:9: duplicate source id 'customs' "
     "(first used on line 2)"),
    ("sources.yaml", "publisher: News Agency", "publisher: ''",
     "data/sources.yaml:6:5: a source without 'publisher' or 'author' needs a 'short' name for repeat citations "
     "and tables"),
    ("sources.yaml", "    title: Trade report\n", "    title: Trade report\n    description: A report on trade\n",
     "data/sources.yaml:6:5: a source has a 'title' (its headline, printed in quotation marks) or a 'description' "
     "(what it is, where no headline is known), not both"),
    ("sources.yaml", "sources:\n", "sources:\n  - just a string\n",
     "data/sources.yaml:2:5: a source must be a mapping of 'key: value' lines"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), RULES, ids=[r[3].split(": ", 1)[1][:40] for r in RULES])
def test_each_schema_rule_gives_its_exact_message(mini, name, old, new, expected):
    path = mini / "data" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert expected in messages(mini / "data")


def test_libyaml_gives_the_nodes_and_places_of_the_python_composer():
    """The fast composer (libyaml, where PyYAML has it) and the exact one agree on every value and its place."""
    import yaml

    from briefkit import yamlfile

    assert yamlfile._FAST_LOADER is yaml.CSafeLoader

    def located(node):
        value = node.value
        if node.is_map():
            value = {k: (m.line, m.column, located(v)) for k, (m, v) in value.items()}
        elif node.is_list():
            value = [located(item) for item in value]
        return node.mark.line, node.mark.column, value

    files = sorted(REPO.glob("data/*.yaml")) + sorted(REPO.glob("report/*.yaml"))
    assert len(files) >= 3
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yamlfile._parse(text, path.name)
        exact = yamlfile._nodes(yamlfile._compose(text, path.name), path.name)
        assert located(fast) == located(exact), path.name
    # What libyaml lets through and the Python composer refuses is judged by the latter, with its message.
    for text, message in (("a: &x 1\nb: *x\n", "an alias (*x) repeats a value"),
                          ("a: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 levels deep")):
        with pytest.raises(InputError) as caught:
            yamlfile._parse(text, "x.yaml")
        assert message in caught.value.problems[0].message
