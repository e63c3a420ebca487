"""Numbers as the data wrote them, and the rules for rounding them.

A figure read from a data file is a :class:`Written`: a float for every computation (charts, checks, growth
rates), which also carries the exact decimal of its literal, so that ``695`` million shown in billions is exactly
0.695 and rounds to 0.70, not to the 0.69 that the binary float 0.69499999... gives.
"""

from __future__ import annotations

from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["DEFAULT_ROUNDING", "ROUNDINGS", "Written", "exact", "rounding_mode"]

# The rules a project may ask for in report.yaml (`rounding:`), by the name it writes.
ROUNDINGS: dict[str, str] = {
    "half-up": ROUND_HALF_UP,  # half away from zero, as statistical offices publish: 0.865 -> 0.87, -0.5 -> -1
    "half-even": ROUND_HALF_EVEN,  # half to the even digit (banker's rounding): 0.865 -> 0.86
    "half-down": ROUND_HALF_DOWN,  # half towards zero: 0.865 -> 0.86
}
DEFAULT_ROUNDING = "half-up"


class Written(float):
    """A float read from a data file, with ``exact``, the Decimal of the text it was written as."""

    __slots__ = ("exact",)

    def __new__(cls, text: str) -> Written:
        number = Decimal(text.strip().replace("_", ""))
        if not number.is_finite():
            raise ValueError(f"{text!r} is not a finite number")
        self = super().__new__(cls, float(number))
        self.exact = number
        return self

    def __reduce__(self):
        return (Written, (str(self.exact),))


def written(text: str, value: float) -> float:
    """``value`` (what a parser made of ``text``) as a :class:`Written` when the text is a plain decimal of it."""
    try:
        number = Written(text)
    except (InvalidOperation, ValueError):
        return value
    return number if float(number) == value else value


def exact(value: float | int | Decimal) -> Decimal:
    """The decimal a number stands for: a Written's literal, an int or Decimal as it is, and a float computed by
    the engine by its shortest repr (``0.1 + 0.2`` is 0.30000000000000004, ``695 / 1000`` is 0.695)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"a number is expected; got {value!r}")
    if isinstance(value, Written):
        return value.exact
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def rounding_mode(name: str | None) -> str:
    """The decimal module's rounding constant for a rule's name (None: the default, half away from zero)."""
    if name is None:
        return ROUNDINGS[DEFAULT_ROUNDING]
    try:
        return ROUNDINGS[name]
    except KeyError:
        raise ValueError(f"rounding {name!r} is not one of: {', '.join(ROUNDINGS)}") from None
