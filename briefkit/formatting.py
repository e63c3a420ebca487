"""How numbers and dates read in prose and tables."""

from __future__ import annotations

from briefkit.data import Alternative, TradePoint
from briefkit.schema import PartialDate

MINUS = "\u2212"
EN_DASH = "\u2013"


def _trim(number: float, places: int = 3) -> str:
    text = f"{number:,.{places}f}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


def money(millions: float) -> str:
    """USD 865 million, USD 1.6 billion (values are held in millions of USD)."""
    if abs(millions) >= 1000:
        return f"USD {_trim(millions / 1000)} billion"
    return f"USD {_trim(millions, 1)} million"


def money_range(low: float, high: float) -> str:
    """USD 1.6–1.8 billion; the unit is written once when both ends share it."""
    if low >= 1000 and high >= 1000:
        return f"USD {_trim(low / 1000)}{EN_DASH}{_trim(high / 1000)} billion"
    if low < 1000 and high < 1000:
        return f"USD {_trim(low, 1)}{EN_DASH}{_trim(high, 1)} million"
    return f"{money(low)} to {money(high)}"


def usd(value: float | TradePoint | Alternative) -> str:
    """Format a trade figure as the source phrased it: 'over USD 1.6 billion'."""
    if isinstance(value, TradePoint):
        if value.kind == "gap":
            raise LookupError(f"data/trade.yaml has no published figure for {value.year}")
        if value.kind == "range":
            text = money_range(value.low, value.high)
        else:
            text = money(value.value)
        return f"{value.qualifier} {text}" if value.qualifier else text
    if isinstance(value, Alternative):
        text = money(value.value)
        return f"{value.qualifier} {text}" if value.qualifier else text
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"usd expects a number or a trade point; got {value!r}")
    return money(float(value))


def pct(value: float | None) -> str:
    """+39.6%, −52.5%."""
    if value is None:
        raise LookupError("no growth rate is recorded for this figure")
    sign = "+" if value > 0 else ""
    return f"{sign}{_trim(value, 1)}%"


def longdate(value: PartialDate) -> str:
    """2 October 2017, October 2017, or 2017, as precise as the date is known."""
    return value.long


def date_span(start: PartialDate, end: PartialDate | None) -> str:
    """A date, or a span such as 12–13 December 2025 for events over several days."""
    if end is None or end == start:
        return start.long
    if start.year == end.year and start.month == end.month and start.day and end.day:
        return f"{start.day}{EN_DASH}{end.long}"
    return f"{start.long} {EN_DASH} {end.long}"
