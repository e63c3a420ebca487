"""Series: a quantity over years or categories, each point with its kind, qualifier, sources and caveats.

Every series gets the same honest treatment: gaps stay gaps, ranges stay ranges, projections are marked, figures
from sources that disagree travel with the point as alternatives, and a change of source or definition inside the
series is recorded where it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from briefkit.datasets.broken import Broken
from briefkit.datasets.declaration import POINT_FIELDS, Declaration
from briefkit.datasets.records import UnknownName, errors_in
from briefkit.datasets.sources import cite_keys
from briefkit.errors import Problem
from briefkit.locale import Unit
from briefkit.schema import Reader, check_unique
from briefkit.yamlfile import Mark, Node

POINT_KINDS = ("reported", "approximate", "estimate", "range", "projection", "gap")
QUALIFIERS = ("over", "about", "under")
MAX_POINTS = 1000


@dataclass(frozen=True)
class Alternative:
    """A figure for the same point from another source that disagrees."""

    value: float
    qualifier: str
    sources: tuple[str, ...]
    note: str
    unit: Unit = field(default_factory=Unit, compare=False)


@dataclass(frozen=True)
class Point:
    key: int | str
    kind: str
    value: float | None
    qualifier: str
    low: float | None
    high: float | None
    growth: float | None
    sources: tuple[str, ...]
    note: str
    alternatives: tuple[Alternative, ...]
    period: str = ""
    series_change: str = ""
    unit: Unit = field(default_factory=Unit, compare=False)
    line: int = field(default=0, compare=False)
    growth_line: int = field(default=0, compare=False)

    @property
    def is_gap(self) -> bool:
        return self.kind == "gap"

    @property
    def is_range(self) -> bool:
        return self.kind == "range"

    @property
    def cite(self) -> str:
        return cite_keys(self.sources)

    @property
    def top(self) -> float | None:
        """The highest figure drawn for the point: its value, or the top of its range."""
        return self.high if self.is_range else self.value

    def all_sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.sources + tuple(s for a in self.alternatives for s in a.sources)))


@dataclass(frozen=True)
class Series:
    """A series as sections see it: data.NAME.point(KEY), data.NAME.points, data.NAME.unit."""

    declaration: Declaration
    note: str
    points: tuple[Point, ...]
    period: tuple[int, int] | None = None
    # The keys of points with a mistake in the data file, and whether the file had any: reported there.
    broken: frozenset = frozenset()
    incomplete: bool = False
    kind = "series"

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def title(self) -> str:
        return self.declaration.title

    @property
    def unit(self) -> Unit:
        return self.declaration.unit or Unit()

    @property
    def key_field(self) -> str:
        return self.declaration.key.name if self.declaration.key else "year"

    @property
    def by_year(self) -> bool:
        return self.declaration.key is None or self.declaration.key.type == "year"

    def shown(self) -> tuple[Point, ...]:
        """The points shown by default in charts and tables: the declared period, or every point."""
        if self.period is None:
            return self.points
        return self.between(*self.period)

    def point(self, key: int | str) -> Point:
        for point in self.points:
            if point.key == key:
                return point
        if key in self.broken or self.incomplete:
            return Broken(f"{self.name} {key}")  # type: ignore[return-value]
        from briefkit.hints import did_you_mean

        keys = [p.key for p in self.points]
        hint = did_you_mean(key, keys) if isinstance(key, str) else ""
        raise UnknownName(f"'{self.name}' has no point for {key!r}",
                          hint or "its points: " + ", ".join(str(k) for k in keys), str(key))

    def value(self, key: int | str) -> float:
        point = self.point(key)
        if point.value is None:
            raise UnknownName(f"'{self.name}' has no single value for {key!r} (kind: {point.kind})")
        return point.value

    def between(self, first: int | str | None, last: int | str | None) -> tuple[Point, ...]:
        """The points from `first` to `last`, both included: years by value, categories by their order."""
        keys = [p.key for p in self.points]
        if self.by_year:
            return tuple(p for p in self.points if (first is None or p.key >= first)
                         and (last is None or p.key <= last))
        start = keys.index(first) if first in keys else 0
        end = keys.index(last) + 1 if last in keys else len(keys)
        return self.points[start:end]

    def source_ids(self) -> set[str]:
        return {s for p in self.points for s in p.all_sources()}

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)


def read_series(declaration: Declaration, root: Node, problems: list[Problem],
                refs: list[tuple[str, Mark]]) -> Series:
    key = declaration.key
    key_name = key.name if key else "year"
    before = errors_in(problems)
    if root.is_list():  # a CSV file: rows are the points
        items, reader = root.value, None
    else:
        reader = Reader(root, problems, declaration.display)
        reader.reject_unknown({"note", "period", "points"})
        items = reader.items("points", most=MAX_POINTS)
    unit = declaration.unit or Unit()
    points, keys, broken = [], [], set()
    for node in items:
        errors = errors_in(problems)
        point = _point(Reader(node, problems, "a point"), key_name, key.type if key else "year", unit, problems, refs)
        if point is not None:
            keys.append((str(point.key), node.mark))
            if errors_in(problems) > errors:
                broken.add(point.key)  # left out: its mistake is reported in the data file
            else:
                points.append(point)
    check_unique(keys, key_name, problems)
    by_year = key is None or key.type == "year"
    if by_year:
        points.sort(key=lambda p: p.key)
    note = (reader.text("note", required=False) if reader else None) or declaration.description
    period = _period(reader, problems) if reader and by_year else None
    return Series(declaration, note, tuple(points), period, frozenset(broken), errors_in(problems) > before)


def _period(reader: Reader, problems: list[Problem]) -> tuple[int, int] | None:
    items = reader.items("period", required=False)
    if not items:
        return None
    values = [i.plain() for i in items]
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values) \
            or values[0] > values[1]:
        problems.append(reader.mark("period").problem(
            f"'period' must be two years, first and last, such as [2017, 2025]; got {values}"))
        return None
    return (values[0], values[1])


def _point(r: Reader, key_name: str, key_type: str, unit: Unit, problems: list[Problem],
           refs: list[tuple[str, Mark]]) -> Point | None:
    r.reject_unknown({key_name, *POINT_FIELDS})
    if key_type == "year":
        key = r.integer(key_name)
        if key is not None and not 1000 <= key <= 9999:
            problems.append(r.mark(key_name).problem(f"'{key_name}' must be a year of four digits; got {key}"))
            key = None
    else:
        key = r.text(key_name)
    kind = r.text("kind", choices=POINT_KINDS)
    value = r.number("value")
    low, high = r.number("low"), r.number("high")
    where = f"in {key}" if key is not None else "here"
    if kind == "range":
        if low is None or high is None:
            problems.append(r.node.mark.problem(f"a range needs 'low' and 'high' {where}"))
        elif low > high:
            problems.append(r.mark("low").problem(f"'low' ({low:g}) is above 'high' ({high:g})"))
        if value is not None:
            problems.append(r.mark("value").problem(
                "a range has no single 'value': give 'low' and 'high' only, since no source gives a middle"))
    elif kind == "gap":
        if value is not None:
            problems.append(r.mark("value").problem("a gap has no 'value': leave it out, or choose another kind"))
    elif kind is not None and r.ok and r.node.get("value") is None:
        problems.append(r.node.mark.problem(f"'value' is required for a {kind} figure {where}"))
    if kind not in (None, "range"):
        for name in ("low", "high"):
            if r.ok and r.node.get(name) is not None:
                problems.append(r.mark(name).problem(f"only a range has '{name}'; this point is {kind}"))
    for name, number in (("value", value), ("low", low), ("high", high)):
        if number is not None and number < 0 and not unit.percent:
            problems.append(r.mark(name).problem(f"'{name}' must not be negative; got {number:g}"))
    ids = r.text_list("source", required=kind != "gap")
    refs.extend((i, r.mark("source")) for i in ids)
    note = r.text("note", required=kind == "gap") or ""
    alternatives = tuple(
        _alternative(Reader(n, problems, "an alternative"), unit, refs)
        for n in r.items("alternatives", required=False)
    )
    qualifier = r.text("qualifier", required=False, choices=QUALIFIERS) or ""
    growth = r.number("growth")
    period = r.text("period", required=False) or ""
    change = r.text("series_change", required=False) or ""
    if key is None or kind is None:
        return None
    return Point(key=key, kind=kind, value=value, qualifier=qualifier, low=low, high=high, growth=growth,
                 sources=ids, note=note, alternatives=alternatives, period=period, series_change=change, unit=unit,
                 line=r.node.mark.line, growth_line=r.mark("growth").line)


def _alternative(r: Reader, unit: Unit, refs: list[tuple[str, Mark]]) -> Alternative:
    r.reject_unknown({"value", "qualifier", "source", "note"})
    ids = r.text_list("source", required=True)
    refs.extend((i, r.mark("source")) for i in ids)
    return Alternative(
        value=r.number("value", required=True) or 0.0,
        qualifier=r.text("qualifier", required=False, choices=QUALIFIERS) or "",
        sources=ids,
        note=r.text("note", required=False) or "",
        unit=unit,
    )


def growth_mismatches(series: Series, tolerance: float = 1.0) -> list[Problem]:
    """Stated rates that the levels contradict: a warning where they differ by more than `tolerance` points."""
    if not series.by_year:
        return []
    by_key = {p.key: p for p in series.points}
    problems = []
    for point in series.points:
        before = by_key.get(point.key - 1) if isinstance(point.key, int) else None
        if point.growth is None or point.value is None or before is None or not before.value:
            continue
        computed = (point.value / before.value - 1) * 100
        if abs(computed - point.growth) > tolerance:
            problems.append(Problem(
                series.declaration.display, point.growth_line or point.line, None,
                f"the stated change for {point.key} ({point.growth:+g}%) disagrees with the levels: "
                f"{before.value:g} in {before.key} to {point.value:g} in {point.key} is {computed:+.1f}%; "
                "say so in the note and in the text", severity="warning"))
    return problems
