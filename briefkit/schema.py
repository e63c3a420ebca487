"""Small declarative checks over located YAML nodes; every problem is collected, none raised."""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass

from briefkit.errors import Problem
from briefkit.hints import did_you_mean, expected
from briefkit.yamlfile import Mark, Node

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MONTHS = [calendar.month_name[m] for m in range(1, 13)]


_DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[./](\d{1,2})(?:[./](\d{1,2}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./](\d{4})$")


def guessed_date(text: str) -> str:
    """The ISO date a date written another way most likely means ('12.08.2018' -> '2018-08-12'), or ''.

    Day first, as in every language briefkit ships (12.08.2018, 12/08/2018); a year first keeps its order.
    """
    text = text.strip()
    if match := _DAY_FIRST.match(text):
        day, month, year = match.groups()
    elif match := _YEAR_FIRST.match(text):
        year, month, day = match.groups()
    elif match := _MONTH_YEAR.match(text):
        (month, year), day = match.groups(), None
    else:
        return ""
    iso = f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    try:
        PartialDate.parse(iso)
    except ValueError:
        return ""
    return iso


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (2017, 2017-02, 2017-02-01)."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _DATE.match(text)
        if not match:
            raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(g) if g else None for g in match.groups())
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        if day is not None:
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise ValueError(f"{calendar.month_name[month]} {year} has no day {day}")
        return cls(year, month, day)

    @property
    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @property
    def long(self) -> str:
        if self.day:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __str__(self) -> str:
        return self.iso


class Reader:
    """Reads the fields of one mapping node, recording every problem it meets."""

    def __init__(self, node: Node, problems: list[Problem], what: str = "this entry"):
        self.node = node
        self.problems = problems
        self.ok = node.is_map()
        if not self.ok:
            self._fail(node.mark, f"{what} must be a mapping of 'key: value' lines")

    def _fail(self, mark: Mark, message: str, hint: str = "") -> None:
        self.problems.append(mark.problem(message, hint=hint))

    def _field(self, key: str, required: bool) -> Node | None:
        if not self.ok:
            return None
        value = self.node.get(key)
        if value is None or value.value is None:
            if required:
                self._fail(value.mark if value else self.node.mark, f"'{key}' is required")
            return None
        return value

    def mark(self, key: str) -> Mark:
        value = self.node.get(key) if self.ok else None
        return value.mark if value else self.node.mark

    def text(self, key: str, required: bool = True, choices: tuple[str, ...] = ()) -> str | None:
        value = self._field(key, required)
        if value is None:
            return None
        if isinstance(value.value, (dict, list)):
            self._fail(value.mark, f"'{key}' must be text; got a {'list' if value.is_list() else 'mapping'}")
            return None
        text = str(value.value).strip()
        if choices and text not in choices:
            self._fail(value.mark, f"'{key}' must be one of {', '.join(choices)}; got '{text}'",
                       did_you_mean(text, choices))
            return None
        if not text and required:
            self._fail(value.mark, f"'{key}' must not be empty")
            return None
        return text

    def identifier(self, key: str = "id") -> str | None:
        text = self.text(key)
        if text is not None and not _ID.match(text):
            self._fail(self.mark(key), f"'{key}' must use lower-case letters, digits and hyphens; got '{text}'")
            return None
        return text

    def number(self, key: str, required: bool = False) -> float | None:
        value = self._field(key, required)
        if value is None:
            return None
        if isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
            self._not_a_number(key, value, "a number")
            return None
        try:
            # A float from a data file keeps its written decimal (a Written); an integer is exact as a float.
            number = value.value if isinstance(value.value, float) else float(value.value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):  # .nan, .inf, or an integer of hundreds of digits
            self._fail(value.mark, f"'{key}' must be a finite number; got '{value.value}'")
            return None
        return number

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self._field(key, required)
        if value is None:
            return None
        if isinstance(value.value, bool) or not isinstance(value.value, int):
            self._not_a_number(key, value, "a whole number")
            return None
        return value.value

    def _not_a_number(self, key: str, value: Node, what: str) -> None:
        text = value.value
        if isinstance(text, str) and _NUMERIC.match(text.strip()):
            # YAML reads 865 as a number and "865" as text: the quotes are the mistake.
            self._fail(value.mark, f"'{key}' must be {what}; got the text '{text}' (in quotes)",
                       f"write {text.strip()} without quotes")
        else:
            self._fail(value.mark, f"'{key}' must be {what}; got '{_shown(value)}'")

    def boolean(self, key: str, default: bool) -> bool:
        value = self._field(key, False)
        if value is None:
            return default
        if not isinstance(value.value, bool):
            self._fail(value.mark, f"'{key}' must be true or false; got '{_shown(value)}'")
            return default
        return value.value

    def date(self, key: str, required: bool = True) -> PartialDate | None:
        value = self._field(key, required)
        if value is None:
            return None
        try:
            return PartialDate.parse(str(value.value))
        except ValueError as exc:
            guess = guessed_date(str(value.value))
            self._fail(value.mark, f"'{key}' is not a valid date ({exc}); got '{_shown(value)}'",
                       hint=f"write {guess}" if guess else "")
            return None

    def text_list(self, key: str, required: bool = True) -> tuple[str, ...]:
        """A list of text items; a single text is taken as a list of one."""
        value = self._field(key, required)
        if value is None:
            return ()
        items = value.value if value.is_list() else [value]
        out = []
        wrong = False
        for item in items:
            if isinstance(item.value, (dict, list)) or item.value is None:
                self._fail(item.mark, f"'{key}' must be text or a list of texts")
                wrong = True
                continue
            out.append(str(item.value).strip())
        if required and not out and not wrong:
            self._fail(value.mark, f"'{key}' must not be empty")
        return tuple(out)

    def items(self, key: str, required: bool = True, most: int | None = None) -> list[Node]:
        value = self._field(key, required)
        if value is None:
            return []
        if not value.is_list():
            self._fail(value.mark, f"'{key}' must be a list")
            return []
        if most is not None and len(value.value) > most:
            self._fail(value.mark, f"'{key}' lists {len(value.value)} entries; a briefing holds at most {most}")
            return []
        return value.value

    def child(self, key: str) -> Reader | None:
        value = self._field(key, False)
        return Reader(value, self.problems, f"'{key}'") if value is not None else None

    def reject_unknown(self, allowed: set[str]) -> None:
        if not self.ok:
            return
        for key in self.node.keys():
            if key not in allowed:
                self._fail(self.node.key_mark(key), f"unknown key '{key}'", expected(key, sorted(allowed)))


def _shown(node: Node) -> object:
    """A value as the user wrote it, for messages (lists and mappings without their locations)."""
    return node.plain()


def check_unique(entries: list[tuple[str | None, Mark]], what: str, problems: list[Problem]) -> None:
    """Report every id that is used more than once, at each repeat."""
    seen: dict[str, Mark] = {}
    for ident, mark in entries:
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident]
            problems.append(mark.problem(f"duplicate {what} '{ident}' (first used on line {first.line})"))
        else:
            seen[ident] = mark

