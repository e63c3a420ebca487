"""Records: a list of items (treaties, projects, announcements), each with its declared fields and sources."""

from __future__ import annotations

import re
from typing import Any

from briefkit.datasets.broken import Broken
from briefkit.datasets.declaration import Declaration, Field
from briefkit.datasets.sources import cite_keys
from briefkit.errors import Problem
from briefkit.hints import did_you_mean
from briefkit.schema import PartialDate, Reader, check_unique
from briefkit.yamlfile import Mark, Node

MAX_ENTRIES = 1000


class UnknownName(LookupError):
    """A name a section asked for that does not exist; the hint says what does."""

    def __init__(self, message: str, hint: str = "", token: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.token = token  # the name in the section that the caret points at


def errors_in(problems: list[Problem]) -> int:
    return sum(p.severity == "error" for p in problems)


class Record:
    """One item of a records dataset; its fields read as attributes in a section (record.date, record.title)."""

    __slots__ = ("dataset", "values", "sources", "line")

    def __init__(self, dataset: str, values: dict[str, Any], sources: tuple[str, ...], line: int):
        self.dataset = dataset
        self.values = values
        self.sources = sources
        self.line = line

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise UnknownName(f"a record of '{self.dataset}' has no field '{name}'",
                          did_you_mean(name, values, "its fields: {}"), name)

    @property
    def cite(self) -> str:
        return cite_keys(self.sources)

    def __repr__(self) -> str:
        return f"Record({self.dataset!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and (self.dataset, self.values) == (other.dataset, other.values)

    __hash__ = None  # type: ignore[assignment]


class Records:
    """A records dataset as sections see it: data.NAME.record(ID), data.NAME.rows."""

    kind = "records"

    def __init__(self, declaration: Declaration, rows: tuple[Record, ...], broken: frozenset = frozenset(),
                 incomplete: bool = False):
        self.declaration = declaration
        # Records with a mistake in the data file (reported there) are left out; their keys answer with Broken.
        self.rows = rows
        self.broken = broken
        self.incomplete = incomplete

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def title(self) -> str:
        return self.declaration.title

    def record(self, key: Any) -> Record:
        field = self.declaration.primary_key
        if not field:
            raise UnknownName(f"'{self.name}' declares no primaryKey, so its records cannot be looked up by key")
        for row in self.rows:
            if row.values.get(field) == key:
                return row
        if str(key) in self.broken or self.incomplete:
            return Broken(f"{self.name} {key}")  # type: ignore[return-value]
        keys = [r.values.get(field) for r in self.rows]
        raise UnknownName(f"'{self.name}' has no record with {field} '{key}'",
                          did_you_mean(key, keys, f"its {field}s: {{}}"), str(key))

    def source_ids(self) -> set[str]:
        return {s for row in self.rows for s in row.sources}

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def read_records(declaration: Declaration, root: Node, problems: list[Problem],
                 refs: list[tuple[str, Mark]]) -> Records:
    before = errors_in(problems)
    items = _items(declaration, root, problems)
    rows: list[Record] = []
    keys: dict[str, list[tuple[str | None, Mark]]] = {f.name: [] for f in declaration.fields if f.unique}
    if declaration.primary_key:
        keys[declaration.primary_key] = []
    allowed = {f.name for f in declaration.fields}
    broken: set = set()
    for node in items:
        errors = errors_in(problems)
        r = Reader(node, problems, f"a record of '{declaration.name}'")
        r.reject_unknown(allowed)
        values: dict[str, Any] = {}
        sources: list[str] = []
        for field in declaration.fields:
            value = read_value(r, field, problems)
            if field.type == "sources":
                refs.extend((i, r.mark(field.name)) for i in value)
                sources.extend(value)
            values[field.name] = value
            if field.name in keys:
                keys[field.name].append((None if value is None else str(value), r.mark(field.name)))
        for field in declaration.fields:
            earlier = values.get(field.not_before) if field.not_before else None
            later = values.get(field.name)
            if earlier is not None and later is not None and _sort_key(later) < _sort_key(earlier):
                problems.append(r.mark(field.name).problem(
                    f"'{field.name}' ({later}) is before '{field.not_before}' ({earlier})"))
        if errors_in(problems) == errors:
            rows.append(Record(declaration.name, values, tuple(dict.fromkeys(sources)), node.mark.line))
        elif declaration.primary_key and r.ok and node.get(declaration.primary_key) is not None:
            broken.add(str(node.get(declaration.primary_key).plain()))
    for name, entries in keys.items():
        check_unique(entries, name, problems)
    if declaration.sort:
        rows.sort(key=lambda row: _sort_key(row.values.get(declaration.sort.lstrip("-"))),
                  reverse=declaration.sort.startswith("-"))
    return Records(declaration, tuple(rows), frozenset(b for b in broken if b is not None),
                   errors_in(problems) > before)


def _items(declaration: Declaration, root: Node, problems: list[Problem]) -> list[Node]:
    if root.is_list():
        items = root.value
    else:
        reader = Reader(root, problems, declaration.display)
        reader.reject_unknown({"records"})
        items = reader.items("records")
    if len(items) > MAX_ENTRIES:
        problems.append(root.mark.problem(f"{len(items)} records; a briefing holds at most {MAX_ENTRIES}"))
        return []
    return items


def read_value(r: Reader, field: Field, problems: list[Problem]) -> Any:
    """One declared field of a record, checked against its type and constraints; None where missing or wrong."""
    name, required = field.name, field.required
    if field.type == "sources":
        ids = r.text_list(name, required=required)
        return ids
    if field.type == "string":
        value = r.text(name, required=required, choices=field.enum)
        if value is not None and field.pattern and not re.fullmatch(field.pattern, value):
            problems.append(r.mark(name).problem(f"'{name}' must match the pattern {field.pattern}; got '{value}'"))
            return None
        return value
    if field.type == "date":
        return r.date(name, required=required)
    if field.type == "boolean":
        node = r.node.get(name) if r.ok else None
        if node is None or node.value is None:
            if required:
                problems.append(r.mark(name).problem(f"'{name}' is required"))
            return None
        return r.boolean(name, False)
    if field.type in ("integer", "year"):
        value = r.integer(name, required=required)
        if value is not None and field.type == "year" and not 1000 <= value <= 9999:
            problems.append(r.mark(name).problem(f"'{name}' must be a year of four digits; got {value}"))
            return None
    else:
        value = r.number(name, required=required)
    if value is not None:
        if field.minimum is not None and value < field.minimum:
            problems.append(r.mark(name).problem(f"'{name}' must be at least {field.minimum:g}; got {value:g}"))
        if field.maximum is not None and value > field.maximum:
            problems.append(r.mark(name).problem(f"'{name}' must be at most {field.maximum:g}; got {value:g}"))
    return value


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (1, "")
    if isinstance(value, PartialDate):
        return (0, value.sort_key())
    return (0, value)
