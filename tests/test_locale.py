"""The language layer: the engine's words, numbers, amounts, percentages and dates in en, fr, de and ru."""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from briefkit import locale as bl
from briefkit.decimals import Written
from briefkit.locale import (
    Phrases,
    Unit,
    date_span,
    format_amount,
    format_date,
    format_number,
    format_percent,
    format_range,
    format_ticks,
    month_name,
    promote,
)

NBSP = "\u00a0"  # no-break space: ru thousands, the space before % in fr, de, ru, and what joins amounts
NNBSP = "\u202f"  # narrow no-break space: fr thousands, ru "г."
MINUS = "\u2212"

USD_M = Unit(currency="USD", scale="million")
TONNES_M = Unit(name="tonnes", scale="million")
PERCENT = Unit(percent=True)
LANGS = ("en-GB", "fr", "de", "ru")


def nb(expected):
    """An expected amount with "~" for the no-break space that joins a figure, its scale word and its unit."""
    if isinstance(expected, list):
        return [nb(item) for item in expected]
    return expected.replace("~", NBSP)


@dataclass(frozen=True)
class D:
    """Stands in for briefkit's PartialDate: only year, month and day are read."""

    year: int
    month: int | None = None
    day: int | None = None


def catalogue(code: str) -> dict[str, str]:
    path = resources.files("briefkit").joinpath("defaults", "locales", f"{code}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- Catalogues -------------------------------------------------------------------------------------------------


def test_the_four_catalogues_ship() -> None:
    assert bl.shipped_languages() == ["de", "en", "fr", "ru"]


@pytest.mark.parametrize("code", ["fr", "de", "ru"])
def test_every_catalogue_has_exactly_the_english_keys(code: str) -> None:
    english, other = catalogue("en"), catalogue(code)
    assert sorted(set(english) - set(other)) == [], "missing"
    assert sorted(set(other) - set(english)) == [], "extra"


@pytest.mark.parametrize("code", ["fr", "de", "ru"])
def test_every_translation_keeps_the_fields_of_the_english_phrase(code: str) -> None:
    english, other = catalogue("en"), catalogue(code)
    lost = {key: sorted(fields(text) - fields(other[key])) for key, text in english.items()}
    added = {key: sorted(fields(other[key]) - fields(text)) for key, text in english.items()}
    assert {k: v for k, v in lost.items() if v} == {}
    assert {k: v for k, v in added.items() if v} == {}


@pytest.mark.parametrize("code", ["en", "fr", "de", "ru"])
def test_every_phrase_is_text_and_formats(code: str) -> None:
    phrases = Phrases.for_language(code)
    for key, text in catalogue(code).items():
        assert isinstance(text, str) and text.strip(), key
        phrases(key, **{name: "X" for name in fields(text)})


def test_the_brief_keys_are_there() -> None:
    needed = {
        "table", "figure", "contents", "page_of", "sources", "source", "sources_differ", "according_to",
        "no_figure", "see_note", "kind_reported", "kind_approximate", "kind_estimate", "kind_range",
        "kind_projection", "kind_gap", "qualifier_over", "qualifier_about", "qualifier_under", "change_on_year",
        "kind_of_figure", "year", "download_data", "full_references", "data_notes", "change_on_previous",
        "sources_differ_inline", "legend_reported", "legend_approximate", "legend_estimate", "legend_range",
        "legend_projection", "legend_alternative", "legend_gap", "series_break", "chart_note_bar_estimate",
        "alt_line_chart",
        "alt_bar_chart", "to", "and", "skip_to_content", "contents_toggle", "notes", "back_to_text",
    }
    assert needed <= Phrases.known_keys()


# --- Phrases ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "table", "figure", "contents", "page"),
    [
        ("en-GB", "Table", "Figure", "Contents", "Page 3 of 22"),
        ("fr-FR", "Tableau", "Figure", "Sommaire", "Page 3 sur 22"),
        ("de", "Tabelle", "Abbildung", "Inhalt", "Seite 3 von 22"),
        ("ru", "Таблица", "Рисунок", "Содержание", "Страница 3 из 22"),
    ],
)
def test_structure_words(lang: str, table: str, figure: str, contents: str, page: str) -> None:
    phrases = Phrases.for_language(lang)
    assert (phrases("table"), phrases("figure"), phrases("contents")) == (table, figure, contents)
    assert phrases("page_of", page=3, pages=22) == page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en-GB", "Sources differ for 2022"),
        ("fr", "Les sources divergent pour 2022"),
        ("de", "Die Quellen weichen für 2022 voneinander ab"),
        ("ru", "Источники расходятся (2022)"),
    ],
)
def test_sources_differ(lang: str, expected: str) -> None:
    assert Phrases.for_language(lang)("sources_differ", key=2022) == expected


def test_according_to_and_no_figure() -> None:
    fr = Phrases.for_language("fr")
    assert fr("according_to", figure="1,6 milliard USD", sources="TASS 2023") == "1,6 milliard USD selon TASS 2023"
    assert fr("sources_differ_inline", figure="X", sources="Y") == f"Les sources divergent{NBSP}: X selon Y"
    assert Phrases.for_language("de")("no_figure") == "keine Zahl veröffentlicht"
    assert Phrases.for_language("ru")("kind_range") == "диапазон (оценки)"
    assert Phrases.for_language("en-GB")("kind_range") == "range (estimates)"


@pytest.mark.parametrize(
    ("tag", "catalogue_code", "babel"),
    [("en-GB", "en", "en_GB"), ("en", "en", "en"), ("fr-FR", "fr", "fr_FR"), ("fr", "fr", "fr"),
     ("de-CH", "de", "de_CH"), ("ru", "ru", "ru"), ("ru-RU", "ru", "ru_RU"), ("en_GB", "en", "en_GB")],
)
def test_language_tags(tag: str, catalogue_code: str, babel: str) -> None:
    phrases = Phrases.for_language(tag)
    assert (phrases.catalogue, str(phrases.locale), phrases.language) == (catalogue_code, babel, tag)


def test_a_region_cldr_does_not_know_keeps_the_language() -> None:
    assert str(Phrases.for_language("fr-XX").locale) == "fr"


def test_a_language_without_catalogue_speaks_english_with_its_own_numbers() -> None:
    phrases = Phrases.for_language("es")
    assert (phrases.catalogue, phrases("table")) == ("en", "Table")
    assert format_number(1374.5, "es") == "1.374,5"


@pytest.mark.parametrize("tag", ["xx", "", "not a tag!"])
def test_an_unknown_language_is_an_error(tag: str) -> None:
    with pytest.raises(ValueError):
        Phrases.for_language(tag)


def test_an_unknown_key_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no phrase 'tabel'"):
        Phrases.for_language("fr")("tabel")


def test_a_missing_field_is_named() -> None:
    with pytest.raises(KeyError, match="'page_of' needs the field 'pages'"):
        Phrases.for_language("en-GB")("page_of", page=3)


def test_a_key_missing_in_a_catalogue_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bl._catalogue

    def fewer(code: str):
        entries = dict(real(code))
        if code == "fr":
            del entries["series_break"]
        return entries

    monkeypatch.setattr(bl, "_catalogue", fewer)
    phrases = Phrases.for_language("fr")
    assert phrases("series_break") == "series changes here"
    assert phrases("table") == "Tableau"


def test_a_project_override_wins_and_reaches_the_formatters() -> None:
    phrases = Phrases.for_language("en-GB", {"table": "Exhibit", "scale_billion_other": "bn"})
    assert phrases("table") == "Exhibit"
    assert phrases("figure") == "Figure"
    assert format_amount(1600, USD_M, phrases) == nb("USD~1.6~bn")
    assert format_amount(1600, USD_M, "en-GB") == nb("USD~1.6~billion")
    german = Phrases.for_language("de", {"page_of": "S. {page}/{pages}"})
    assert german("page_of", page=3, pages=22) == "S. 3/22"


def test_bad_overrides_are_all_reported() -> None:
    overrides = {"tabel": "Exhibit", "page_of": "Page {page} of {total}", "figure": 3}
    assert Phrases.check_overrides(overrides) == [
        "there is no phrase 'tabel' to override",
        "the phrase 'page_of' uses {total}, but it offers {page}, {pages}",
        "the phrase 'figure' must be text, not int",
    ]
    with pytest.raises(ValueError, match="no phrase 'tabel'"):
        Phrases.for_language("en-GB", overrides)


# --- Numbers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en-GB", "1,374.5"), ("fr", f"1{NNBSP}374,5"), ("de", "1.374,5"), ("ru", f"1{NBSP}374,5"),
     ("de-CH", "1'374.5")],
)
def test_format_number_separators(lang: str, expected: str) -> None:
    assert format_number(1374.5, lang) == expected


def test_format_number_places_and_signs() -> None:
    assert format_number(2.0, "en-GB") == "2"
    assert format_number(1.25, "en-GB", max_places=3) == "1.25"
    assert format_number(1374.56, "de", max_places=0) == "1.375"
    assert format_number(-52.5, "en-GB") == f"{MINUS}52.5"
    assert format_number(-0.04, "en-GB") == "0"
    assert format_number(3500, "en-GB") == "3,500"
    with pytest.raises(TypeError):
        format_number(True, "en-GB")


@pytest.mark.parametrize(
    ("lang", "values", "expected"),
    [("de", [0, 2.5, 17.5, 20], ["0,0", "2,5", "17,5", "20,0"]),
     ("ru", [0, 2.5, 17.5, 20], ["0,0", "2,5", "17,5", "20,0"]),
     ("en-GB", [0, 2.5, 17.5, 20], ["0.0", "2.5", "17.5", "20.0"]),
     ("en-GB", [0, 5000, 10000], ["0", "5,000", "10,000"]),
     ("de", [0, 5000, 12500], ["0", "5.000", "12.500"]),
     ("ru", [0, 12500.5], ["0,0", f"12{NBSP}500,5"]),
     ("fr", [-0.25, 0, 0.1 + 0.2], [f"{MINUS}0,25", "0,00", "0,30"]),
     ("de", [], [])],
)
def test_axis_ticks_share_their_decimals_and_take_the_locale_s_signs(lang: str, values: list[float],
                                                                     expected: list[str]) -> None:
    assert format_ticks(values, lang) == expected


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=3))
def test_a_written_number_rounds_half_away_from_zero(value: Decimal, places: int) -> None:
    """A figure as written in a data file is rounded as decimal arithmetic does it, half away from zero."""
    number = Written(str(value))
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    expected = f"{rounded:,f}"
    expected = (expected.rstrip("0").rstrip(".") if "." in expected else expected).replace("-", MINUS)
    assert format_number(number, "en-GB", places) == ("0" if expected in (MINUS + "0", "0") else expected)


@pytest.mark.parametrize("lang", LANGS)
def test_halves_round_up_from_the_figure_as_written(lang: str) -> None:
    """0.695 rounds to 0.70 whatever its float (0.69499999...) says; 695 / 1000 is 0.695 too."""
    comma = "," if lang != "en-GB" else "."
    assert format_number(Written("0.695"), lang, 2, min_places=2) == f"0{comma}70"
    assert format_number(Written("0.865"), lang, 2, min_places=2) == f"0{comma}87"
    assert format_number(Written("1.005"), lang, 2, min_places=2) == f"1{comma}01"
    assert format_number(Written("695") / 1000, lang, 2) == f"0{comma}7"
    assert format_number(0.865, lang, 2) == f"0{comma}87"
    assert format_number(Written("-0.865"), lang, 2) == f"{MINUS}0{comma}87"
    assert format_amount(Written("1695.5"), USD_M, lang).replace(NBSP, " ").startswith(
        {"en-GB": "USD 1.696 "}.get(lang, f"1{comma}696 "))
    assert format_percent(Written("0.25"), lang, signed=False).startswith(f"0{comma}3")


@pytest.mark.parametrize("lang", LANGS)
def test_another_rounding_rule_on_request(lang: str) -> None:
    comma = "," if lang != "en-GB" else "."
    even = Phrases.for_language(lang, rounding="half-even")
    assert even.rounding == "half-even"
    assert format_number(Written("0.865"), even, 2) == f"0{comma}86"
    assert format_number(Written("0.875"), even, 2) == f"0{comma}88"
    assert format_amount(Written("1696.5"), USD_M, even).replace(NBSP, " ").startswith(
        {"en-GB": "USD 1.696 "}.get(lang, f"1{comma}696 "))
    assert format_amount(Written("1696.5"), USD_M, lang).replace(NBSP, " ").startswith(
        {"en-GB": "USD 1.697 "}.get(lang, f"1{comma}697 "))
    assert format_number(Written("0.865"), lang, 2, rounding="half-down") == f"0{comma}86"
    with pytest.raises(ValueError, match="rounding 'bankers' is not one of: half-up, half-even, half-down"):
        Phrases.for_language(lang, rounding="bankers")


# --- Amounts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(865, "USD~865~million"), (1600, "USD~1.6~billion"), (1374, "USD~1.374~billion"),
     (687.2, "USD~687.2~million"), (2000, "USD~2~billion"), (12.34, "USD~12.3~million"),
     (999.96, "USD~1~billion")],
)
def test_amounts_in_english_as_today(value: float, expected: str) -> None:
    assert format_amount(value, USD_M, "en-GB") == nb(expected)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en-GB", ["USD~865~million", "USD~1.6~billion", "USD~2~billion", "USD~1.374~billion", "USD~1~million"]),
        ("fr", ["865~millions~USD", "1,6~milliard~USD", "2~milliards~USD", "1,374~milliard~USD", "1~million~USD"]),
        ("de", ["865~Mio.~USD", "1,6~Mrd.~USD", "2~Mrd.~USD", "1,374~Mrd.~USD", "1~Mio.~USD"]),
        ("ru", ["865~млн~USD", "1,6~млрд~USD", "2~млрд~USD", "1,374~млрд~USD", "1~млн~USD"]),
    ],
)
def test_currency_amounts(lang: str, expected: list[str]) -> None:
    assert [format_amount(v, USD_M, lang) for v in (865, 1600, 2000, 1374, 1)] == nb(expected)


@pytest.mark.parametrize(
    ("lang", "over", "about", "under"),
    [
        ("en-GB", "over USD~1.6~billion", "about USD~865~million", "under USD~1.2~billion"),
        ("fr", "plus de 1,6~milliard~USD", "environ 865~millions~USD", "moins de 1,2~milliard~USD"),
        ("de", "über 1,6~Mrd.~USD", "etwa 865~Mio.~USD", "unter 1,2~Mrd.~USD"),
        ("ru", "более 1,6~млрд~USD", "около 865~млн~USD", "менее 1,2~млрд~USD"),
    ],
)
def test_qualifiers(lang: str, over: str, about: str, under: str) -> None:
    assert format_amount(1600, USD_M, lang, "over") == nb(over)
    assert format_amount(865, USD_M, lang, "about") == nb(about)
    assert format_amount(1200, USD_M, lang, "under") == nb(under)


def test_an_unknown_qualifier_is_an_error() -> None:
    with pytest.raises(ValueError, match="'roughly'"):
        format_amount(1, USD_M, "en-GB", "roughly")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en-GB", ["1.2~million~tonnes", "3,500~students", "350~thousand~tonnes", "1.2~million~tonnes"]),
        ("fr", ["1,2~million~de~tonnes", f"3{NNBSP}500~étudiants", "350~mille~tonnes", "1,2~million~d’étudiants"]),
        ("de", ["1,2~Mio.~Tonnen", "3.500~Studierende", "350~Tsd.~Tonnen", "1,2~Mio.~Studierende"]),
        ("ru", ["1,2~млн~тонн", f"3{NBSP}500~студентов", "350~тыс.~тонн", "1,2~млн~студентов"]),
    ],
)
def test_named_units(lang: str, expected: list[str]) -> None:
    tonnes, students = {"en-GB": ("tonnes", "students"), "fr": ("tonnes", "étudiants"),
                        "de": ("Tonnen", "Studierende"), "ru": ("тонн", "студентов")}[lang]
    got = [
        format_amount(1.2, Unit(name=tonnes, scale="million"), lang),
        format_amount(3500, Unit(name=students), lang),
        format_amount(350, Unit(name=tonnes, scale="thousand"), lang),
        format_amount(1200, Unit(name=students if lang != "en-GB" else tonnes, scale="thousand"), lang),
    ]
    assert got == nb(expected)


def test_plain_and_other_currencies() -> None:
    assert format_amount(865, Unit(currency="EUR"), "en-GB") == nb("EUR~865")
    assert format_amount(865, Unit(currency="EUR"), "fr") == nb("865~EUR")
    assert format_amount(12_500, Unit(currency="RUB", scale="thousand"), "ru") == nb("12,5~млн~RUB")
    assert format_amount(1_500_000, Unit(currency="RUB", scale="thousand"), "de") == nb("1,5~Mrd.~RUB")
    assert format_amount(3500, Unit(scale="million"), "en-GB") == nb("3.5~billion")
    assert format_amount(-865, USD_M, "en-GB") == nb(f"USD~{MINUS}865~million")


def test_percent_units() -> None:
    assert format_amount(45.25, PERCENT, "en-GB") == "45.3%"  # half away from zero, not to even
    assert format_amount(-3, PERCENT, "fr", "about") == f"environ {MINUS}3{NBSP}%"


@pytest.mark.parametrize(
    ("lang", "same", "mixed", "millions"),
    [
        ("en-GB", "USD~1.6–1.8~billion", "USD~900~million to USD~1.2~billion", "USD~600–650~million"),
        ("fr", "1,6–1,8~milliard~USD", "de 900~millions~USD à 1,2~milliard~USD", "600–650~millions~USD"),
        ("de", "1,6–1,8~Mrd.~USD", "900~Mio.~USD bis 1,2~Mrd.~USD", "600–650~Mio.~USD"),
        ("ru", "1,6–1,8~млрд~USD", "от 900~млн~USD до 1,2~млрд~USD", "600–650~млн~USD"),
    ],
)
def test_ranges(lang: str, same: str, mixed: str, millions: str) -> None:
    assert format_range(1600, 1800, USD_M, lang) == nb(same)
    assert format_range(900, 1200, USD_M, lang) == nb(mixed)
    assert format_range(600, 650, USD_M, lang) == nb(millions)


@pytest.mark.parametrize(
    ("lang", "same", "mixed"),
    [
        ("en-GB", "about USD~1.6–2.25~billion", "about USD~900~million to USD~1.2~billion"),
        ("fr", "environ 1,6–2,25~milliards~USD", "environ 900~millions~USD à 1,2~milliard~USD"),
        ("de", "etwa 1,6–2,25~Mrd.~USD", "etwa 900~Mio.~USD bis 1,2~Mrd.~USD"),
        ("ru", "около 1,6–2,25~млрд~USD", "около 900~млн~USD — 1,2~млрд~USD"),
    ],
)
def test_qualified_ranges(lang: str, same: str, mixed: str) -> None:
    assert format_range(1600, 2250, USD_M, lang, "about") == nb(same)
    assert format_range(900, 1200, USD_M, lang, "about") == nb(mixed)


def test_ranges_of_named_units_and_percentages() -> None:
    assert format_range(1.2, 1.5, TONNES_M, "en-GB") == nb("1.2–1.5~million~tonnes")
    assert format_range(1.2, 1.5, Unit(name="étudiants", scale="million"), "fr") == nb("1,2–1,5~million~d’étudiants")
    assert format_range(5, 7.5, PERCENT, "en-GB") == "5–7.5%"
    assert format_range(5, 7.5, PERCENT, "de") == f"5–7,5{NBSP}%"
    assert format_range(-2, 3, PERCENT, "en-GB") == f"{MINUS}2% to 3%"
    assert format_range(-200, 300, USD_M, "en-GB") == nb(f"USD~{MINUS}200~million to USD~300~million")


def test_promote() -> None:
    assert promote(1600, "million") == (1.6, "billion")
    assert promote(865, "million") == (865, "million")
    assert promote(2_500_000, "thousand") == (2.5, "billion")
    assert promote(5000, "billion") == (5000, "billion")
    assert promote(5000, "") == (5000, "")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en-GB", ["million~USD", "billion~USD", "million~tonnes", "USD", "per cent", "tonnes"]),
        ("fr", ["millions~USD", "milliards~USD", "millions~de~tonnes", "USD", "%", "tonnes"]),
        ("de", ["Mio.~USD", "Mrd.~USD", "Mio.~tonnes", "USD", "%", "tonnes"]),
        ("ru", ["млн~USD", "млрд~USD", "млн~tonnes", "USD", "%", "tonnes"]),
    ],
)
def test_describe(lang: str, expected: list[str]) -> None:
    got = [USD_M.describe(lang), USD_M.describe(lang, scale="billion"), TONNES_M.describe(lang),
           Unit(currency="USD").describe(lang), PERCENT.describe(lang), Unit(name="tonnes").describe(lang)]
    assert got == nb(expected)


def test_describe_elides_in_french() -> None:
    assert Unit(name="habitants", scale="thousand").describe("fr") == nb("milliers~d’habitants")


@pytest.mark.parametrize(
    "kwargs",
    [{"scale": "lakh"}, {"currency": "usd"}, {"currency": "USD", "name": "tonnes"},
     {"percent": True, "scale": "million"}],
)
def test_units_that_make_no_sense_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Unit(**kwargs)


# --- Percentages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "up", "down"),
    [
        ("en-GB", "+39.6%", f"{MINUS}52.5%"),
        ("fr", f"+39,6{NBSP}%", f"{MINUS}52,5{NBSP}%"),
        ("de", f"+39,6{NBSP}%", f"{MINUS}52,5{NBSP}%"),
        ("ru", f"+39,6{NBSP}%", f"{MINUS}52,5{NBSP}%"),
    ],
)
def test_format_percent(lang: str, up: str, down: str) -> None:
    assert format_percent(39.6, lang) == up
    assert format_percent(-52.5, lang) == down


def test_format_percent_signs_and_rounding() -> None:
    assert format_percent(39.6, "en-GB", signed=False) == "39.6%"
    assert format_percent(0, "en-GB") == "0%"
    assert format_percent(-0.04, "en-GB") == "0%"
    assert format_percent(12.0, "en-GB") == "+12%"
    assert format_percent(1234.5, "fr") == f"+1{NNBSP}234,5{NBSP}%"


# --- Dates ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "day", "month", "year"),
    [
        ("en-GB", "2 October 2017", "October 2017", "2017"),
        ("en", "October 2, 2017", "October 2017", "2017"),
        ("fr", "2 octobre 2017", "octobre 2017", "2017"),
        ("de", "2. Oktober 2017", "Oktober 2017", "2017"),
        ("ru", f"2 октября 2017{NNBSP}г.", f"октябрь 2017{NNBSP}г.", "2017"),
    ],
)
def test_format_date_as_precisely_as_known(lang: str, day: str, month: str, year: str) -> None:
    assert format_date(D(2017, 10, 2), lang) == day
    assert format_date(D(2017, 10), lang) == month
    assert format_date(D(2017), lang) == year


@pytest.mark.parametrize(
    ("lang", "days", "months"),
    [
        ("en-GB", "12–13 December 2025", "30 November 2025 – 2 December 2025"),
        ("fr", "12–13 décembre 2025", "30 novembre 2025 – 2 décembre 2025"),
        ("de", "12.–13. Dezember 2025", "30. November 2025 – 2. Dezember 2025"),
        ("ru", f"12–13 декабря 2025{NNBSP}г.", f"30 ноября 2025{NNBSP}г. — 2 декабря 2025{NNBSP}г."),
        ("en", "December 12–13, 2025", "November 30, 2025 – December 2, 2025"),
    ],
)
def test_date_span(lang: str, days: str, months: str) -> None:
    assert date_span(D(2025, 12, 12), D(2025, 12, 13), lang) == days
    assert date_span(D(2025, 11, 30), D(2025, 12, 2), lang) == months


def test_date_span_of_one_date_and_of_partial_dates() -> None:
    assert date_span(D(2025, 12, 12), None, "en-GB") == "12 December 2025"
    assert date_span(D(2025, 12, 12), D(2025, 12, 12), "en-GB") == "12 December 2025"
    assert date_span(D(2017, 10), D(2018), "en-GB") == "October 2017 – 2018"
    assert date_span(D(2025, 12), D(2025, 12, 13), "fr") == "décembre 2025 – 13 décembre 2025"


@pytest.mark.parametrize(
    ("lang", "october", "may"),
    [("en-GB", "October", "May"), ("fr", "octobre", "mai"), ("de", "Oktober", "Mai"), ("ru", "октябрь", "май")],
)
def test_month_name(lang: str, october: str, may: str) -> None:
    assert (month_name(10, lang), month_name(5, lang)) == (october, may)


def test_month_name_out_of_range() -> None:
    with pytest.raises(ValueError):
        month_name(13, "en-GB")


def test_dates_with_impossible_parts_are_refused() -> None:
    with pytest.raises(ValueError):
        format_date(D(2017, None, 3), "en-GB")
