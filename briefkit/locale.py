"""The language layer: the engine's own words, numbers, amounts, percentages and dates in the report's language.

Words come from one catalogue per language (``briefkit/defaults/locales/<lang>.yaml``), falling back key by key
to English, with the project's overrides on top. Numbers, percentages, month names and dates come from CLDR
through Babel, so separators, the place of the percent sign and the order of day and month follow the locale.

Every formatting function takes ``lang``: either a language tag such as ``"en-GB"``, ``"fr"`` or ``"de-CH"``, or
a :class:`Phrases` object, whose overrides then apply to the words it writes (scale words, qualifiers, "to").
The catalogue is chosen by the tag's primary subtag (``fr-FR`` -> ``fr.yaml``); Babel's locale keeps the region
when one is given (``en-GB`` -> ``en_GB``: "2 October 2017", where a bare ``en`` is CLDR's American English).
"""

from __future__ import annotations

import datetime as _dt
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import yaml
from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_skeleton as _babel_format_skeleton
from babel.numbers import format_decimal, get_minus_sign_symbol, parse_pattern

from briefkit.decimals import DEFAULT_ROUNDING, exact, rounding_mode

__all__ = [
    "EN_DASH",
    "MINUS",
    "NBSP",
    "SCALES",
    "DateLike",
    "Phrases",
    "Unit",
    "date_span",
    "format_amount",
    "format_date",
    "format_number",
    "format_percent",
    "format_range",
    "month_name",
    "promote",
    "shipped_languages",
]

MINUS = "\u2212"
EN_DASH = "\u2013"
# Joins a figure to its scale word, currency code or unit, so that a line never ends inside "USD 695 million".
NBSP = "\u00a0"
SCALES: tuple[str, ...] = ("", "thousand", "million", "billion")
QUALIFIERS: tuple[str, ...] = ("", "over", "about", "under")
FALLBACK = "en"
_NEXT_SCALE = {"thousand": "million", "million": "billion"}
_LOCALES = ("defaults", "locales")
_PACKAGE = Path(__file__).resolve().parent  # a folder on disk: the package is never zipped (its fonts are read)
# libyaml's loader where PyYAML has it: the catalogues are read on every run.
_CATALOGUE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DateLike(Protocol):
    """A date known to the year, the month or the day (briefkit's PartialDate fits)."""

    @property
    def year(self) -> int: ...

    @property
    def month(self) -> int | None: ...

    @property
    def day(self) -> int | None: ...


# --- Language tags and catalogues -------------------------------------------------------------------------------


def _split_tag(language: str) -> tuple[str, str | None, str | None]:
    """(primary, territory, script) of a tag such as 'en-GB', 'en_GB', 'zh-Hant-TW'; ValueError if malformed."""
    if not isinstance(language, str) or not language.strip():
        raise ValueError(f"a language tag is expected, such as 'en-GB' or 'fr'; got {language!r}")
    tag = language.strip()
    try:
        parts = parse_locale(tag, sep="-" if "-" in tag else "_")
    except ValueError as error:
        raise ValueError(f"{language!r} is not a language tag such as 'en-GB' or 'fr' ({error})") from None
    return parts[0], parts[1], parts[2]


@lru_cache(maxsize=64)
def _babel_locale(language: str) -> Locale:
    """Babel's locale for a tag, with its region and script when CLDR knows them, else the language alone."""
    primary, territory, script = _split_tag(language)
    for args in ((primary, territory, script), (primary, territory, None), (primary, None, script)):
        try:
            return Locale(*args)
        except (UnknownLocaleError, ValueError):
            continue
    try:
        return Locale(primary)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"language {language!r} is not one that CLDR knows") from None


def _fields(text: str) -> set[str]:
    """The {fields} a phrase uses."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            names.add(name.split(".")[0].split("[")[0])
    return names


def _catalogue_path(code: str):
    return _PACKAGE.joinpath(*_LOCALES, f"{code}.yaml")


@lru_cache(maxsize=16)
def _catalogue(code: str) -> Mapping[str, str] | None:
    """The shipped catalogue of one primary language, or None when briefkit ships none for it."""
    path = _catalogue_path(code)
    if not path.is_file():
        return None
    loader = _CATALOGUE_LOADER(path.read_text(encoding="utf-8"))  # a safe loader: plain values only
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ValueError(f"the phrase catalogue {code}.yaml is not a mapping of keys to phrases")
    bad = [str(k) for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise ValueError(f"the phrase catalogue {code}.yaml has entries that are not text: {', '.join(bad)}")
    return MappingProxyType(dict(data))


def shipped_languages() -> list[str]:
    """The primary languages that briefkit ships a catalogue for ('de', 'en', 'fr', 'ru')."""
    folder = _PACKAGE.joinpath(*_LOCALES)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _english() -> Mapping[str, str]:
    english = _catalogue(FALLBACK)
    if english is None:
        raise RuntimeError("briefkit's English phrase catalogue is missing from the installation")
    return english


class Phrases:
    """The engine's own words in one language: ``phrases("page_of", page=3, pages=22)`` -> "Page 3 of 22".

    Built by :meth:`for_language`: the language's catalogue, any key it lacks taken from English, and the
    project's overrides on top. ``language`` is the tag as given, ``locale`` Babel's locale for it, and
    ``catalogue`` the primary language whose catalogue was used ("en" when briefkit ships none for the tag), and
    ``rounding`` the project's rule for rounding figures (see :data:`briefkit.decimals.ROUNDINGS`).
    """

    def __init__(self, language: str, entries: Mapping[str, str], catalogue: str,
                 rounding: str = DEFAULT_ROUNDING):
        rounding_mode(rounding)
        self.language = language
        self.rounding = rounding
        self.locale: Locale = _babel_locale(language)
        self.catalogue = catalogue
        self._entries: dict[str, str] = dict(entries)

    @classmethod
    def for_language(cls, language: str, overrides: Mapping[str, str] | None = None,
                     rounding: str = DEFAULT_ROUNDING) -> Phrases:
        """The phrases for a tag such as 'fr-FR', with a project's overrides (key -> phrase) on top, rounding
        figures by the rule named ``rounding`` ('half-up' unless the project asks for another).

        ValueError for a tag CLDR does not know, and for overrides naming an unknown key, holding something
        other than text, or using a {field} that the English phrase does not offer (see :meth:`check_overrides`).
        """
        _babel_locale(language)
        primary = _split_tag(language)[0]
        own = _catalogue(primary)
        entries = dict(_english())
        if own is not None:
            entries.update(own)
        if overrides:
            problems = cls.check_overrides(overrides)
            if problems:
                raise ValueError("; ".join(problems))
            entries.update(overrides)
        return cls(language, entries, primary if own is not None else FALLBACK, rounding)

    @staticmethod
    def known_keys() -> frozenset[str]:
        """Every key a catalogue or an override may set: the keys of the English catalogue."""
        return frozenset(_english())

    @staticmethod
    def check_overrides(overrides: Mapping[str, object]) -> list[str]:
        """One message per problem in a project's phrase overrides, for the caller to locate; empty if none."""
        english = _english()
        problems = []
        for key, value in overrides.items():
            if key not in english:
                problems.append(f"there is no phrase {key!r} to override")
            elif not isinstance(value, str):
                problems.append(f"the phrase {key!r} must be text, not {type(value).__name__}")
            else:
                try:
                    extra = _fields(value) - _fields(english[key])
                except ValueError as error:
                    problems.append(f"the phrase {key!r} has unbalanced braces ({error})")
                    continue
                if extra:
                    offered = ", ".join("{" + f + "}" for f in sorted(_fields(english[key]))) or "no fields"
                    used = ", ".join("{" + f + "}" for f in sorted(extra))
                    problems.append(f"the phrase {key!r} uses {used}, but it offers {offered}")
        return problems

    def __call__(self, key: str, /, **fields: object) -> str:
        """The phrase for ``key`` with its {fields} filled in; KeyError naming the key if there is none."""
        try:
            text = self._entries[key]
        except KeyError:
            raise KeyError(f"no phrase {key!r} in the {self.language} catalogue") from None
        try:
            return text.format(**fields)
        except KeyError as error:
            raise KeyError(f"the phrase {key!r} needs the field {error.args[0]!r}") from None

    def joined(self, key: str, /, **fields: object) -> str:
        """The phrase with the spaces of its own text made no-break (U+00A0): an amount's pattern such as
        "{currency} {number} {scale}" then never breaks across lines. The fields keep their own spaces."""
        try:
            text = self._entries[key]
        except KeyError:
            raise KeyError(f"no phrase {key!r} in the {self.language} catalogue") from None
        parts = []
        for literal, name, spec, conversion in string.Formatter().parse(text):
            parts.append(literal.replace(" ", NBSP).replace("{", "{{").replace("}", "}}"))
            if name is not None:
                parts.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                             + "}")
        try:
            return "".join(parts).format(**fields)
        except KeyError as error:
            raise KeyError(f"the phrase {key!r} needs the field {error.args[0]!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __repr__(self) -> str:
        return f"Phrases({self.language!r}, catalogue={self.catalogue!r})"


@lru_cache(maxsize=32)
def _default_phrases(language: str) -> Phrases:
    return Phrases.for_language(language)


def _phrases(lang: str | Phrases) -> Phrases:
    return lang if isinstance(lang, Phrases) else _default_phrases(lang)


def _elide(phrases: Phrases, text: str) -> str:
    """French elision of 'de' before a vowel or mute h: '1,2 million d’étudiants'."""
    if phrases.locale.language != "fr":
        return text
    return re.sub(r"\bde[ \u00a0]([aeiouyhàâæéèêëîïôœùûüAEIOUYHÀÂÆÉÈÊËÎÏÔŒÙÛÜ])", "d\u2019\\1", text)


# --- Numbers --------------------------------------------------------------------------------------------------


def _round(value: float | Decimal, places: int, rounding: str = DEFAULT_ROUNDING) -> Decimal:
    """The value rounded to at most ``places`` decimals, trailing zeros dropped, never a negative zero.

    The value is taken as the decimal it stands for (:func:`briefkit.decimals.exact`: a figure from a data file
    as it was written, not its binary float), and rounded by the rule named ``rounding``: half away from zero
    by default, so 0.695 -> 0.7 at two places and 0.865 -> 0.87.
    """
    if places < 0:
        raise ValueError("max_places cannot be negative")
    number = exact(value).quantize(Decimal(1).scaleb(-places), rounding=rounding_mode(rounding))
    if number == 0:
        return Decimal(0)
    number = number.normalize()
    return number.quantize(Decimal(1)) if number.as_tuple().exponent > 0 else number


def _number_text(number: Decimal, locale: Locale, places: int = 0) -> str:
    """The number in the locale's signs, with at least ``places`` decimals (a chart's labels: "0.70")."""
    if places and number.as_tuple().exponent > -places:
        number = number.quantize(Decimal(1).scaleb(-places))
        pattern = parse_pattern(locale.decimal_formats[None].pattern)
        pattern.frac_prec = (places, places)
        text = pattern.apply(number, locale)
    else:
        text = format_decimal(number, locale=locale, decimal_quantization=False)
    return text.replace(get_minus_sign_symbol(locale), MINUS)


def format_number(value: float | Decimal, lang: str | Phrases, max_places: int = 1, *, min_places: int = 0,
                  rounding: str | None = None) -> str:
    """A number with the locale's separators, at most ``max_places`` decimals, trailing zeros dropped down to
    ``min_places`` (a chart's labels keep them all: "0.70" beside "0.69").

    en-GB 1374.5 -> "1,374.5", fr "1 374,5" (narrow no-break space), de "1.374,5", ru "1 374,5" (no-break
    space), de-CH "1'374.5"; negative numbers take the minus sign U+2212. ``rounding`` names the rule (by
    default that of ``lang``'s Phrases, else half away from zero).
    """
    phrases = _phrases(lang)
    number = _round(value, max_places, rounding or phrases.rounding)
    return _number_text(number, phrases.locale, min(min_places, max_places))


def format_ticks(values: Sequence[float], lang: str | Phrases, max_places: int = 6) -> list[str]:
    """Numbers of an axis, all with the same decimals: the fewest that show every one of them exactly.

    de [0, 2.5, 17.5, 20] -> ["0,0", "2,5", "17,5", "20,0"]; en-GB [0, 5000, 10000] -> ["0", "5,000", "10,000"];
    the locale's grouping and decimal signs and the minus sign U+2212, as format_number has them.
    """
    import copy

    locale = _phrases(lang).locale
    numbers = [Decimal(repr(float(v))) for v in values]
    places = next((n for n in range(max_places + 1)
                   if all(abs(x - round(x, n)) <= abs(x) * Decimal("1e-9") for x in numbers)), max_places)
    pattern = copy.copy(locale.decimal_formats[None])
    pattern.frac_prec = (places, places)
    out = []
    for number in numbers:
        rounded = round(number, places)
        out.append(pattern.apply(abs(rounded), locale) if rounded != 0 else pattern.apply(Decimal(0), locale))
        if rounded < 0:
            out[-1] = MINUS + out[-1]
    return out


def _percent_affixes(locale: Locale) -> tuple[str, str]:
    """What stands before and after the number in the locale's percent pattern ('', '%') or ('', '\\xa0%')."""
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    symbols = locale.number_symbols
    table = symbols["latn"] if "latn" in symbols else symbols  # keyed by numbering system since Babel 2.14
    sign = table.get("percentSign", "%")
    return pattern.prefix[0].replace("%", sign), pattern.suffix[0].replace("%", sign)


def format_percent(value: float, lang: str | Phrases, signed: bool = True) -> str:
    """A value given in per cent (39.6 means 39.6 %), to one decimal, in the locale's percent pattern.

    "+39.6%" and "−52.5%" in English; "+39,6 %" in fr, de and ru (a no-break space, as CLDR has
    it). ``signed`` puts "+" before positive values, for changes; zero never has a sign.
    """
    phrases = _phrases(lang)
    number = _round(value, 1, phrases.rounding)
    prefix, suffix = _percent_affixes(phrases.locale)
    sign = ""
    if number > 0 and signed:
        sign = "+"
    elif number < 0:
        sign = MINUS
    return f"{sign}{prefix}{_number_text(abs(number), phrases.locale)}{suffix}"


# --- Amounts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """What a dataset's values measure, and the scale they are held in.

    ``currency`` is an ISO 4217 code ("USD", "EUR", "RUB"); ``name`` a word the project writes in its own
    language ("tonnes", "students"), used as written (briefkit does not inflect it); ``scale`` the scale the
    values are held in ("", "thousand", "million", "billion"); ``percent`` marks values in per cent.
    """

    currency: str = ""
    name: str = ""
    scale: str = ""
    percent: bool = False

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale {self.scale!r} is not one of: thousand, million, billion (or none)")
        if self.currency and not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO 4217 code such as USD, EUR or RUB")
        if self.currency and self.name:
            raise ValueError("a unit is either a currency or a named unit, not both")
        if self.percent and (self.currency or self.name or self.scale):
            raise ValueError("a unit in per cent has no currency, name or scale")

    def describe(self, lang: str | Phrases, scale: str | None = None) -> str:
        """The unit as a phrase for axis labels and column headers.

        "million USD", "billion USD" / "milliards USD" / "Mrd. USD" / "млрд USD"; "million tonnes" /
        "millions de tonnes" / "Mio. Tonnen" / "млн тонн"; "per cent" or "%" for percent units. ``scale`` names
        the scale the values are shown in, when a chart shows them promoted (see :func:`promote`); by default
        the scale they are held in.
        """
        phrases = _phrases(lang)
        shown = self.scale if scale is None else scale
        if shown not in SCALES:
            raise ValueError(f"scale {shown!r} is not one of: thousand, million, billion (or none)")
        if self.percent:
            return phrases("label_percent")
        word = phrases(f"label_{shown}") if shown else ""
        if self.currency:
            if shown:
                return phrases.joined("label_currency_scaled", scale=word, currency=self.currency)
            return phrases.joined("label_currency", currency=self.currency)
        if self.name:
            return _elide(phrases, phrases.joined("label_unit_scaled", scale=word, name=self.name)) if shown \
                else self.name
        return word


def promote(value: float | Decimal, scale: str) -> tuple[float, str]:
    """The value and scale to show: held in millions, 1600 shows as 1.6 billion; thousands become millions alike.

    A value that would round to 1,000 or more at one decimal moves up, up to billions. The value is divided in
    decimal, from the number as written (:func:`briefkit.decimals.exact`): 695 million is exactly 0.695 billion.
    """
    shown, promoted_scale, _ = _promote(value, scale)
    return float(shown), promoted_scale


def _promote(value: float | Decimal, scale: str, rounding: str = DEFAULT_ROUNDING) -> tuple[Decimal, str, bool]:
    if scale not in SCALES:
        raise ValueError(f"scale {scale!r} is not one of: thousand, million, billion (or none)")
    promoted = False
    number = exact(value)
    while scale in _NEXT_SCALE and abs(_round(number, 1, rounding)) >= 1000:
        number, scale, promoted = number / 1000, _NEXT_SCALE[scale], True
    return number, scale, promoted


def scaled_number(value: float, unit: Unit, scale: str, lang: str | Phrases) -> str:
    """A value held in ``unit`` as a bare number in ``scale`` (a column's one scale, said in its header): held in
    thousands, 86.6 in millions is "0.087"; three decimals where the scale is above the held one, else one."""
    if scale not in SCALES or unit.scale not in SCALES:
        raise ValueError(f"scale {scale!r} is not one of: thousand, million, billion (or none)")
    steps = SCALES.index(scale) - SCALES.index(unit.scale) if scale and unit.scale else 0
    return _number_text(_round(value / 1000 ** steps, 3 if steps > 0 else 1), _phrases(lang).locale)


def _scale_word(phrases: Phrases, scale: str, count: Decimal) -> str:
    form = "one" if phrases.locale.plural_form(abs(count)) == "one" else "other"
    return phrases(f"scale_{scale}_{form}")


def _compose(phrases: Phrases, unit: Unit, number: str, scale: str, count: Decimal) -> str:
    """The number with its scale word and currency or unit name, in the catalogue's order."""
    word = _scale_word(phrases, scale, count) if scale else ""
    if unit.currency:
        key = "amount_currency_scaled" if scale else "amount_currency"
        return phrases.joined(key, number=number, scale=word, currency=unit.currency)
    if not unit.name:
        return f"{number}{NBSP}{word}" if scale else number
    if not scale:
        return phrases.joined("amount_unit", number=number, name=unit.name)
    key = "amount_unit_thousand" if scale == "thousand" else "amount_unit_scaled"
    return _elide(phrases, phrases.joined(key, number=number, scale=word, name=unit.name))


def _qualify(phrases: Phrases, qualifier: str, text: str) -> str:
    if qualifier not in QUALIFIERS:
        raise ValueError(f"qualifier {qualifier!r} is not one of: over, about, under (or none)")
    if not qualifier:
        return text
    return phrases("qualified", qualifier=phrases(f"qualifier_{qualifier}"), amount=text)


def format_amount(value: float, unit: Unit, lang: str | Phrases, qualifier: str = "") -> str:
    """A value held in ``unit``, as a reader expects it: "USD 865 million", "over USD 1.6 billion".

    Held in millions, 1,000 or more shows in billions (thousands in millions alike) with up to three
    decimals; otherwise one decimal. fr "865 millions USD", "1,6 milliard USD"; de "865 Mio. USD";
    ru "865 млн USD"; named units "1.2 million tonnes", "3,500 students", "1,2 million de tonnes".
    ``qualifier`` ("over", "about", "under") is translated and put before the amount.
    """
    phrases = _phrases(lang)
    if unit.percent:
        return _qualify(phrases, qualifier, format_percent(value, phrases, signed=False))
    shown, scale, promoted = _promote(value, unit.scale, phrases.rounding)
    number = _round(shown, 3 if promoted else 1, phrases.rounding)
    return _qualify(phrases, qualifier, _compose(phrases, unit, _number_text(number, phrases.locale), scale, number))


def format_range(low: float, high: float, unit: Unit, lang: str | Phrases, qualifier: str = "") -> str:
    """A range of two values: "USD 1.6–1.8 billion" with the unit once when both ends show at one scale,
    else "USD 900 million to USD 1.2 billion" (the catalogue's "range" phrase; a negative end takes it too).
    """
    phrases = _phrases(lang)
    locale = phrases.locale
    if unit.percent:
        if low < 0 or high < 0:
            ends = format_percent(low, phrases, signed=False), format_percent(high, phrases, signed=False)
            return _two_ends(phrases, qualifier, *ends)
        prefix, suffix = _percent_affixes(locale)
        low_text = _number_text(_round(low, 1, phrases.rounding), locale)
        high_text = _number_text(_round(high, 1, phrases.rounding), locale)
        return _qualify(phrases, qualifier, f"{prefix}{low_text}{EN_DASH}{high_text}{suffix}")
    low_shown, low_scale, promoted = _promote(low, unit.scale, phrases.rounding)
    high_shown, high_scale, _ = _promote(high, unit.scale, phrases.rounding)
    if low_scale == high_scale and low >= 0 and high >= 0:
        places = 3 if promoted else 1
        low_number, high_number = _round(low_shown, places, phrases.rounding), _round(high_shown, places,
                                                                                     phrases.rounding)
        number = f"{_number_text(low_number, locale)}{EN_DASH}{_number_text(high_number, locale)}"
        text = _compose(phrases, unit, number, high_scale, high_number)
        return _qualify(phrases, qualifier, text)
    return _two_ends(phrases, qualifier, format_amount(low, unit, phrases), format_amount(high, unit, phrases))


def _two_ends(phrases: Phrases, qualifier: str, low: str, high: str) -> str:
    """'USD 900 million to USD 1.2 billion'; with a qualifier, the catalogue's 'range_qualified' phrase."""
    if qualifier not in QUALIFIERS:
        raise ValueError(f"qualifier {qualifier!r} is not one of: over, about, under (or none)")
    if not qualifier:
        return phrases("range", low=low, high=high)
    return phrases("range_qualified", qualifier=phrases(f"qualifier_{qualifier}"), low=low, high=high)


# --- Dates ----------------------------------------------------------------------------------------------------


def _check_date(date: DateLike) -> None:
    if date.day is not None and date.month is None:
        raise ValueError(f"a date with a day needs a month: {date!r}")
    if date.month is not None and not 1 <= date.month <= 12:
        raise ValueError(f"month {date.month} does not exist")


def format_date(date: DateLike, lang: str | Phrases) -> str:
    """A date as precisely as it is known, in the locale's long form.

    en-GB "2 October 2017", "October 2017", "2017"; fr "2 octobre 2017"; de "2. Oktober 2017";
    ru "2 октября 2017 г.", "октябрь 2017 г." (CLDR puts a narrow no-break space before "г.").
    """
    locale = _phrases(lang).locale
    _check_date(date)
    if date.day:
        return _babel_format_skeleton("yMMMMd", _dt.date(date.year, date.month, date.day), locale=locale)
    if date.month:
        return _babel_format_skeleton("yMMMM", _dt.date(date.year, date.month, 1), locale=locale)
    return _babel_format_skeleton("y", _dt.date(date.year, 1, 1), locale=locale)


_DAY_FIELD = re.compile(r"'(?:[^']|'')*'|(d+\.?)")


def _day_range(start: DateLike, end: DateLike, locale: Locale) -> str | None:
    """'12–13 December 2025' from the locale's own day-month-year pattern, or None if it has no day field."""
    pattern = locale.datetime_skeletons["yMMMMd"]
    pattern = getattr(pattern, "pattern", pattern)
    for match in _DAY_FIELD.finditer(pattern):
        if match.group(1):
            first = _babel_format_date(_dt.date(start.year, start.month, start.day), match.group(1), locale=locale)
            literal = "'" + (first + EN_DASH).replace("'", "''") + "'"
            ranged = pattern[: match.start()] + literal + pattern[match.start():]
            return _babel_format_date(_dt.date(end.year, end.month, end.day), ranged, locale=locale)
    return None


def date_span(start: DateLike, end: DateLike | None, lang: str | Phrases) -> str:
    """A date, or a span: "12–13 December 2025" for days of one month ("12.–13. Dezember 2025"), otherwise
    the catalogue's "date_span" phrase, "30 November 2025 – 2 December 2025".
    """
    phrases = _phrases(lang)
    if end is None or (start.year, start.month, start.day) == (end.year, end.month, end.day):
        return format_date(start, phrases)
    _check_date(start)
    _check_date(end)
    if start.year == end.year and start.month and start.month == end.month and start.day and end.day:
        text = _day_range(start, end, phrases.locale)
        if text is not None:
            return text
    return phrases("date_span", start=format_date(start, phrases), end=format_date(end, phrases))


def month_name(month: int, lang: str | Phrases) -> str:
    """The month's full name as it stands alone (a column header): "October", "octobre", "Oktober", "октябрь"."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"month {month!r} does not exist")
    return _phrases(lang).locale.months["stand-alone"]["wide"][month]
