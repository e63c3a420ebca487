"""Loading data/*.yaml: typed records, and every mistake reported with file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefkit.data import load_data
from briefkit.errors import InputError


def messages(data_dir: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_data(data_dir)
    return [str(p) for p in info.value.problems]


def test_real_data_loads_into_records():
    data = load_data(Path(__file__).resolve().parent.parent / "data")
    assert len(data.agreements) >= 18
    dates = [a.date.sort_key() for a in data.agreements]
    assert dates == sorted(dates)
    assert data.trade.point(2018).is_gap and data.trade.point(2023).is_gap
    assert data.trade.point(2024).kind == "range"
    assert data.trade.point(2022).alternatives, "2022's conflicting figure must be recorded"
    years = [p.year for p in data.trade.points_for_chart()]
    assert years[0] == 2017 and years[-1] == 2025


def test_partial_dates_are_kept_as_partial(mini):
    data = load_data(mini / "data")
    programme = next(a for a in data.agreements if a.id == "programme-2017")
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
        "data/agreements.yaml:10:9: duplicate agreement id 'treaty-2002' (first used on line 2)",
        "data/agreements.yaml:17:13: unknown source 'nowhere'; it is not in data/sources.yaml",
        "data/trade.yaml:20:12: 'value' must be a number; got 'lots'",
    ]


def test_malformed_yaml_names_its_line(mini):
    (mini / "data" / "sources.yaml").write_text("sources:\n  - id: a\n    title: [unclosed\n")
    [message] = messages(mini / "data")
    assert message.startswith("data/sources.yaml:4:1: invalid YAML:")


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
