"""How figures and dates read in the report's language: one formatter per build, bound to report.yaml's language."""

from __future__ import annotations

from dataclasses import dataclass

from briefkit.datasets import Alternative, Point, UnknownName
from briefkit.locale import Unit, date_span, format_amount, format_date, format_percent, format_range
from briefkit.schema import PartialDate

EN_DASH = "\u2013"


@dataclass(frozen=True)
class Formatter:
    """`lang` is the report's Phrases (so a project's own wording of 'over' or 'million' applies)."""

    lang: object

    @property
    def language(self) -> str:
        return self.lang.language

    def figure(self, value: float | Point | Alternative, unit: Unit | None = None) -> str:
        """A figure as its source phrased it, in its unit: 'over USD 1.6 billion', 'USD 1.6–1.8 billion'."""
        if isinstance(value, Point):
            if value.is_gap:
                raise UnknownName(f"no figure was published for {value.key}; it is a gap")
            if value.is_range:
                return format_range(value.low, value.high, value.unit, self.lang, value.qualifier)
            return format_amount(value.value, value.unit, self.lang, value.qualifier)
        if isinstance(value, Alternative):
            return format_amount(value.value, value.unit, self.lang, value.qualifier)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UnknownName(f"'figure' formats a number or a point of a series; got {value!r}")
        if unit is None:
            raise UnknownName("a bare number has no unit: write value | figure('DATASET') to give it the unit of a "
                              "dataset, or format the point itself (data.DATASET.point(KEY) | figure)")
        return format_amount(value, unit, self.lang)

    def percent(self, value: float | None, signed: bool = True) -> str:
        if value is None:
            raise UnknownName("no rate is recorded for this figure")
        return format_percent(value, self.lang, signed)

    def date(self, value: PartialDate) -> str:
        if not isinstance(value, PartialDate):
            raise UnknownName(f"'longdate' formats a date; got {value!r}")
        return format_date(value, self.lang)

    def span(self, start: PartialDate, end: PartialDate | None) -> str:
        return date_span(start, end, self.lang)

    def plain(self, value) -> str:
        """Any field value as text in a table or note."""
        if value is None:
            return ""
        if isinstance(value, PartialDate):
            return self.date(value)
        if isinstance(value, bool):
            return "\u2713" if value else ""
        if isinstance(value, float):
            return format_amount(value, Unit(), self.lang)
        if isinstance(value, tuple):
            return "; ".join(str(v) for v in value)
        return str(value)
