"""Load and check data/*.yaml into typed records: sources, trade by year, agreements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from briefkit.errors import InputError, Problem
from briefkit.schema import PartialDate, Reader, check_unique
from briefkit.yamlfile import Mark, load_yaml

TRADE_KINDS = ("reported", "approximate", "estimate", "range", "projection", "gap")
QUALIFIERS = ("over", "about", "under")
AGREEMENT_KINDS = (
    "treaty", "agreement", "programme", "declaration", "contract",
    "convention", "roadmap", "resolution", "event",
)
SCOPES = ("bilateral", "multilateral")
# A thousand rows already make a 30-second build of 400 MB; nine thousand took 8 minutes and 3 GB.
MAX_ENTRIES = 1000
STATUSES = ("signed", "in force", "expired", "superseded", "completed")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    date: PartialDate | None
    author: str = ""
    short: str = ""
    url: str = ""
    accessed: PartialDate | None = None
    note: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Alternative:
    """A figure for the same year from another source that disagrees."""

    value: float
    qualifier: str
    sources: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class TradePoint:
    year: int
    kind: str
    value: float | None
    qualifier: str
    low: float | None
    high: float | None
    growth: float | None
    sources: tuple[str, ...]
    note: str
    alternatives: tuple[Alternative, ...]

    @property
    def is_gap(self) -> bool:
        return self.kind == "gap"

    @property
    def central(self) -> float | None:
        """The value to plot: the value itself, or the middle of a range."""
        if self.kind == "range" and self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return self.value

    @property
    def cite(self) -> str:
        return cite_keys(self.sources)


@dataclass(frozen=True)
class TradeSeries:
    unit: str
    note: str
    points: tuple[TradePoint, ...]
    period: tuple[int, int] | None = None

    def points_for_chart(self) -> tuple[TradePoint, ...]:
        """The years shown in the chart and its table: the declared period, or every year."""
        if self.period is None:
            return self.points
        return self.between(*self.period)

    def point(self, year: int) -> TradePoint:
        for point in self.points:
            if point.year == year:
                return point
        raise LookupError(f"data/trade.yaml has no entry for {year}")

    def value(self, year: int) -> float:
        point = self.point(year)
        if point.value is None:
            raise LookupError(f"data/trade.yaml has no single value for {year} (kind: {point.kind})")
        return point.value

    def between(self, first: int, last: int) -> tuple[TradePoint, ...]:
        return tuple(p for p in self.points if first <= p.year <= last)


@dataclass(frozen=True)
class Agreement:
    id: str
    date: PartialDate
    end: PartialDate | None
    title: str
    kind: str
    subject: str
    scope: str
    status: str
    sources: tuple[str, ...]
    note: str

    @property
    def cite(self) -> str:
        return cite_keys(self.sources)


@dataclass(frozen=True)
class Data:
    sources: dict[str, Source]
    trade: TradeSeries
    agreements: tuple[Agreement, ...]


def cite_keys(ids: tuple[str, ...]) -> str:
    return "[" + "; ".join(f"@{i}" for i in ids) + "]" if ids else ""


DATA_FILES = ("sources.yaml", "trade.yaml", "agreements.yaml")


def load_data(data_dir: Path) -> Data:
    """Load the three data files, checking each and their cross-references; all problems at once."""
    problems: list[Problem] = []
    source_refs: list[tuple[str, Mark]] = []
    sources = _load_file(data_dir, "sources.yaml", problems, lambda r: _sources(r, problems)) or {}
    trade = _load_file(data_dir, "trade.yaml", problems, lambda r: _trade(r, problems, source_refs))
    agreements = _load_file(
        data_dir, "agreements.yaml", problems, lambda r: _agreements(r, problems, source_refs)
    )
    if sources:
        for ident, mark in source_refs:
            if ident not in sources:
                problems.append(mark.problem(f"unknown source '{ident}'; it is not in data/sources.yaml"))
    if problems:
        raise InputError(problems)
    return Data(sources=sources, trade=trade, agreements=agreements)


def _load_file(data_dir: Path, name: str, problems: list[Problem], read):
    display = f"data/{name}"
    path = data_dir / name
    if not path.is_file():
        problems.append(Problem(display, None, None, "not found"))
        return None
    try:
        node = load_yaml(path, display)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    return read(Reader(node, problems, display))


def _sources(reader: Reader, problems: list[Problem]) -> dict[str, Source]:
    reader.reject_unknown({"sources"})
    out: dict[str, Source] = {}
    ids = []
    for node in reader.items("sources", most=MAX_ENTRIES):
        r = Reader(node, problems, "a source")
        r.reject_unknown({"id", "title", "short", "publisher", "author", "date", "url", "accessed", "note"})
        ident = r.identifier()
        ids.append((ident, r.mark("id")))
        source = Source(
            id=ident or "",
            title=r.text("title") or "",
            publisher=r.text("publisher") or "",
            date=r.date("date", required=False),
            author=r.text("author", required=False) or "",
            short=r.text("short", required=False) or "",
            url=r.text("url", required=False) or "",
            accessed=r.date("accessed", required=False),
            note=r.text("note", required=False) or "",
            line=node.mark.line,
        )
        if ident and ident not in out:
            out[ident] = source
    check_unique(ids, "source id", problems)
    return out


def _source_ids(r: Reader, refs: list[tuple[str, Mark]], required: bool) -> tuple[str, ...]:
    ids = r.text_list("source", required=required)
    refs.extend((i, r.mark("source")) for i in ids)
    return ids


def _trade(reader: Reader, problems: list[Problem], refs: list[tuple[str, Mark]]) -> TradeSeries:
    reader.reject_unknown({"unit", "note", "period", "years"})
    points = []
    years = []
    for node in reader.items("years", most=MAX_ENTRIES):
        point = _trade_point(Reader(node, problems, "a year"), problems, refs)
        if point is not None:
            points.append(point)
            years.append((str(point.year), node.mark))
    check_unique(years, "year", problems)
    unit = reader.text("unit", required=False) or "million USD"
    if unit != "million USD":
        problems.append(reader.mark("unit").problem(f"'unit' must be 'million USD'; got '{unit}'"))
    return TradeSeries(
        unit=unit,
        note=reader.text("note", required=False) or "",
        points=tuple(sorted(points, key=lambda p: p.year)),
        period=_period(reader, problems),
    )


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


def _trade_point(r: Reader, problems: list[Problem], refs: list[tuple[str, Mark]]) -> TradePoint | None:
    r.reject_unknown(
        {"year", "kind", "value", "qualifier", "low", "high", "growth", "source", "note", "alternatives"}
    )
    year = r.integer("year")
    if year is not None and not 1000 <= year <= 9999:
        problems.append(r.mark("year").problem(f"'year' must be a year of four digits; got {year}"))
        year = None
    kind = r.text("kind", choices=TRADE_KINDS)
    value = r.number("value")
    low, high = r.number("low"), r.number("high")
    where = f"in {year}" if year else "here"
    if kind == "range":
        if low is None or high is None:
            problems.append(r.node.mark.problem(f"a range needs 'low' and 'high' {where}"))
        elif low > high:
            problems.append(r.mark("low").problem(f"'low' ({low:g}) is above 'high' ({high:g})"))
    elif kind == "gap":
        if value is not None:
            problems.append(r.mark("value").problem(
                "a gap has no 'value': leave it out, or choose another kind"))
    elif kind is not None and r.node.get("value") is None:
        problems.append(r.node.mark.problem(f"'value' is required for a {kind} figure {where}"))
    for name, number in (("value", value), ("low", low), ("high", high)):
        if number is not None and number < 0:
            problems.append(r.mark(name).problem(f"'{name}' must not be negative; got {number:g}"))
    sources = _source_ids(r, refs, required=kind != "gap")
    note = r.text("note", required=kind == "gap") or ""
    alternatives = tuple(
        _alternative(Reader(n, problems, "an alternative"), problems, refs)
        for n in r.items("alternatives", required=False)
    )
    if year is None or kind is None:
        return None
    return TradePoint(
        year=year, kind=kind, value=value,
        qualifier=r.text("qualifier", required=False, choices=QUALIFIERS) or "",
        low=low, high=high, growth=r.number("growth"), sources=sources, note=note,
        alternatives=alternatives,
    )


def _alternative(r: Reader, problems: list[Problem], refs: list[tuple[str, Mark]]) -> Alternative:
    r.reject_unknown({"value", "qualifier", "source", "note"})
    return Alternative(
        value=r.number("value", required=True) or 0.0,
        qualifier=r.text("qualifier", required=False, choices=QUALIFIERS) or "",
        sources=_source_ids(r, refs, required=True),
        note=r.text("note", required=False) or "",
    )


def _agreements(reader: Reader, problems: list[Problem], refs: list[tuple[str, Mark]]) -> tuple[Agreement, ...]:
    reader.reject_unknown({"agreements"})
    out = []
    ids = []
    for node in reader.items("agreements", most=MAX_ENTRIES):
        r = Reader(node, problems, "an agreement")
        r.reject_unknown(
            {"id", "date", "end", "title", "kind", "subject", "scope", "status", "source", "note"}
        )
        ident = r.identifier()
        ids.append((ident, r.mark("id")))
        date = r.date("date")
        end = r.date("end", required=False)
        if date and end and end.sort_key() < date.sort_key():
            problems.append(r.mark("end").problem(f"'end' ({end}) is before 'date' ({date})"))
        agreement = Agreement(
            id=ident or "", date=date or PartialDate(1), end=end,
            title=r.text("title") or "",
            kind=r.text("kind", choices=AGREEMENT_KINDS) or "",
            subject=r.text("subject") or "",
            scope=r.text("scope", choices=SCOPES) or "",
            status=r.text("status", choices=STATUSES) or "",
            sources=_source_ids(r, refs, required=True),
            note=r.text("note", required=False) or "",
        )
        out.append(agreement)
    check_unique(ids, "agreement id", problems)
    return tuple(sorted(out, key=lambda a: a.date.sort_key()))
