"""TEMPORARY English-only stand-in for the language layer (replaced by the Babel-based module)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass

_EN = {
    "table": "Table", "figure": "Figure", "contents": "Contents", "page_of": "Page {page} of {pages}",
    "sources": "Sources", "source": "Source", "sources_differ": "Sources differ for {key}",
    "according_to": "{figure} according to {sources}", "no_figure": "no figure published", "see_note": "(see note)",
    "kind_reported": "reported", "kind_approximate": "approximate", "kind_estimate": "estimate",
    "kind_range": "range (estimates)", "kind_projection": "projection", "kind_gap": "no figure published",
    "qualifier_over": "over", "qualifier_about": "about", "qualifier_under": "under",
    "change_on_year": "Change on year", "kind_of_figure": "Kind of figure", "year": "Year",
    "download_data": "Download the data ({file})", "full_references": "Full references are listed under Sources.",
    "data_notes": "Data notes", "change_on_previous": "Change on the previous year: {change}.",
    "sources_differ_inline": "Sources differ: {figure} according to {sources}",
    "legend_reported": "reported", "legend_approximate": "approximate", "legend_estimate": "estimate",
    "legend_range": "range", "legend_projection": "projection", "legend_alternative": "figure from another source",
    "legend_gap": "no figure published", "series_break": "series changes here",
    "chart_notes": "Open markers are estimates or projections; shaded years have no published figure.",
    "alt_line": "Line chart of {title}, in {unit}.", "alt_bar": "Bar chart of {title}, in {unit}.",
    "data_behind": "Data behind the exhibits:",
    "to": "to", "and": "and", "notes": "Notes",
}


@dataclass(frozen=True)
class Unit:
    currency: str = ""
    name: str = ""
    scale: str = ""
    percent: bool = False

    def describe(self, lang: str) -> str:
        return " ".join(x for x in (self.scale, self.currency or self.name) if x)


class Phrases:
    def __init__(self, table: dict[str, str]):
        self.table = table

    @classmethod
    def for_language(cls, language: str, overrides: Mapping[str, str] | None = None) -> Phrases:
        return cls({**_EN, **(overrides or {})})

    def keys(self):
        return self.table.keys()

    def __call__(self, key: str, /, **fields) -> str:
        return self.table[key].format(**fields)


def _trim(number: float, places: int) -> str:
    return f"{number:,.{places}f}".rstrip("0").rstrip(".").replace("-", "\u2212")


def format_number(value: float, lang: str, max_places: int = 1) -> str:
    return _trim(value, max_places)


_UP = {"thousand": "million", "million": "billion"}


def _scaled(value: float, unit: Unit) -> tuple[str, str]:
    if unit.scale in _UP and abs(value) >= 1000:
        return _trim(value / 1000, 3), _UP[unit.scale]
    return _trim(value, 1), unit.scale


def format_amount(value: float, unit: Unit, lang: str, qualifier: str = "") -> str:
    if unit.percent:
        text = format_percent(value, lang, signed=False)
    else:
        number, scale = _scaled(value, unit)
        if unit.currency:
            text = " ".join(x for x in (unit.currency, number, scale) if x)
        else:
            text = " ".join(x for x in (number, scale, unit.name) if x)
    return f"{_EN['qualifier_' + qualifier]} {text}" if qualifier else text


def format_range(low: float, high: float, unit: Unit, lang: str, qualifier: str = "") -> str:
    (a, sa), (b, sb) = _scaled(low, unit), _scaled(high, unit)
    if sa == sb and not unit.percent:
        text = format_amount(high, unit, lang).replace(b, f"{a}\u2013{b}", 1)
    else:
        text = f"{format_amount(low, unit, lang)} to {format_amount(high, unit, lang)}"
    return f"{_EN['qualifier_' + qualifier]} {text}" if qualifier else text


def format_percent(value: float, lang: str, signed: bool = True) -> str:
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{_trim(value, 1)}%"


def month_name(month: int, lang: str) -> str:
    return calendar.month_name[month]


def format_date(date, lang: str) -> str:
    if date.day:
        return f"{date.day} {month_name(date.month, lang)} {date.year}"
    if date.month:
        return f"{month_name(date.month, lang)} {date.year}"
    return str(date.year)


def date_span(start, end, lang: str) -> str:
    if end is None or end == start:
        return format_date(start, lang)
    if start.year == end.year and start.month == end.month and start.day and end.day:
        return f"{start.day}\u2013{format_date(end, lang)}"
    return f"{format_date(start, lang)} \u2013 {format_date(end, lang)}"
