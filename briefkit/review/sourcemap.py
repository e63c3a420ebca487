"""The source map: every character of the rendered Markdown traced to the section text it was copied from, the
expression that made it, and (for a helper's figure, date or table) the dataset field behind it.

The sections are rendered a second time with each `{{ expression }}` wrapped in a call that marks its output,
and with the helpers marking the text they take from a dataset. The marks (private-use characters, which no
briefing contains) are then taken out again: what is left is exactly the Markdown of the build, and where each
mark stood is the map. The text between expressions is found in the section file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPRESSION, DATUM, SEPARATOR, END = "\ue000", "\ue003", "\ue001", "\ue002"
MARKS = frozenset((EXPRESSION, DATUM, SEPARATOR, END))
TRACE_NAME = "_briefkit_trace"


@dataclass(frozen=True)
class Origin:
    """Where a helper's text came from: a field of a dataset's item, or a whole table of a dataset."""

    dataset: str
    file: str  # data/NAME.yaml, the dataset's file
    item_line: int  # the line where the point or record starts (0: the dataset as a whole)
    key: Any = None
    field: str = ""
    rows: tuple = ()  # a table: the key of each body row, in order
    columns: tuple = ()  # a table: the field of each column ("" where a column is made of several)


@dataclass(frozen=True)
class Expression:
    start: int  # offsets in the section's source of '{{' and after '}}'
    end: int
    line: int
    column: int


@dataclass(frozen=True)
class Span:
    start: int  # offsets in the section's rendered Markdown
    end: int
    kind: str  # text (copied from the source), expr (an expression's output), data (a helper's datum)
    ref: int  # text: offset in the source; expr: the expression's index; data: the origin's index
    repeated: bool = False  # text that a loop or a repeated include emitted more than once


@dataclass
class SectionMap:
    path: str  # report/sections/04-economy-energy.md
    source: str
    markdown: str
    spans: list[Span] = field(default_factory=list)  # text and expr spans, in order, not overlapping
    data: list[Span] = field(default_factory=list)  # data spans, inside expr spans
    expressions: list[Expression] = field(default_factory=list)

    def at(self, offset: int) -> Span | None:
        """The text or expr span holding the Markdown offset."""
        import bisect

        index = bisect.bisect_right([s.start for s in self.spans], offset) - 1
        if index >= 0 and self.spans[index].start <= offset < self.spans[index].end:
            return self.spans[index]
        return None

    def datum(self, start: int, end: int) -> Span | None:
        """The data span that holds [start, end) whole."""
        return next((d for d in self.data if d.start <= start and end <= d.end), None)


class Tracer:
    """Handed to the helpers while tracing: marks the text they take from a dataset, and each expression."""

    name = TRACE_NAME

    def __init__(self, data: Any):
        self.origins: list[Origin] = []
        # Points and records by identity, and the objects a field holds (a date), for the filters, which
        # receive only a value.
        self._owners: dict[int, tuple[Any, Any, str]] = {}
        for dataset in getattr(data, "datasets", {}).values():
            for item in _items(dataset):
                self._owners[id(item)] = (dataset, item, "value")
                for name, value in (getattr(item, "values", None) or {}).items():
                    if not isinstance(value, (int, float, str, bool, type(None))):
                        self._owners[id(value)] = (dataset, item, name)

    def mark(self, index: int, value: Any) -> str:
        return f"{EXPRESSION}{index}{SEPARATOR}{value}{END}"

    def datum(self, text: str, origin: Origin | None) -> str:
        if origin is None:
            return text
        self.origins.append(origin)
        return f"{DATUM}{len(self.origins) - 1}{SEPARATOR}{text}{END}"

    def field(self, dataset: Any, item: Any, name: str) -> Origin:
        declaration = dataset.declaration
        if item is None:  # a field of the dataset as a whole (its note)
            return Origin(dataset.name, declaration.display, -1, None, name)
        values = getattr(item, "values", None)
        if isinstance(values, dict):  # a record (whose attributes are its fields)
            key = values.get(declaration.primary_key) if declaration.primary_key else None
        else:
            key = item.key
        return Origin(dataset.name, declaration.display, getattr(item, "line", 0), key, name)

    def owner(self, value: Any) -> Origin | None:
        found = self._owners.get(id(value))
        return self.field(*found) if found else None

    def table(self, dataset: Any, rows: list, columns: list) -> Origin:
        """A table: (key, line) of each body row's point or record, and the field of each column."""
        keyed = tuple((self.field(dataset, item, "").key, getattr(item, "line", 0)) for item in rows)
        return Origin(dataset.name, dataset.declaration.display, 0, rows=keyed, columns=tuple(columns))


def _items(dataset: Any) -> list:
    rows = getattr(dataset, "rows", None)
    if rows is not None:
        return list(rows)
    try:
        return list(dataset)
    except TypeError:
        return []


def marked_source(env: Any, source: str) -> tuple[str, list[Expression]]:
    """The section with every {{ expression }} wrapped in the tracing call, and where each one stands."""
    out: list[str] = []
    expressions: list[Expression] = []
    offset = 0
    inside = False
    begin = begin_line = begin_column = 0
    for lineno, kind, value in env.lex(source):
        if kind == "variable_begin":
            inside = True
            begin, begin_line = offset, lineno
            begin_column = offset - (source.rfind("\n", 0, offset) + 1) + 1
            out.append(value + f" {TRACE_NAME}({len(expressions)}, (")
        elif kind == "variable_end" and inside:
            inside = False
            out.append(")) " + value)
            expressions.append(Expression(begin, offset + len(value), begin_line, begin_column))
        else:
            out.append(value)
        offset += len(value)
    return "".join(out), expressions


def unmark(text: str) -> tuple[str, list[tuple[int, int, str, int]]]:
    """The text without marks, and each mark's span: (start, end, 'expr' or 'data', index), outermost first."""
    out: list[str] = []
    spans: list[tuple[int, int, str, int]] = []
    stack: list[tuple[int, str, int]] = []
    length = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char in (EXPRESSION, DATUM):
            j = text.index(SEPARATOR, i)
            stack.append((length, "expr" if char == EXPRESSION else "data", int(text[i + 1:j])))
            i = j + 1
            continue
        if char == END and stack:
            start, kind, index = stack.pop()
            spans.append((start, length, kind, index))
            i += 1
            continue
        out.append(char)
        length += 1
        i += 1
    spans.sort(key=lambda s: (s[0], -s[1]))
    return "".join(out), spans


def section_map(path: str, source: str, rendered: str, expressions: list[Expression]) -> SectionMap:
    """The map of one section from its traced rendering: expression spans as marked, text found in the source."""
    markdown, marks = unmark(rendered)
    result = SectionMap(path, source, markdown, expressions=expressions)
    outer = _outermost([m for m in marks if m[2] == "expr"])
    result.data = [Span(s, e, "data", i) for s, e, kind, i in marks if kind == "data"]
    cursor, position = 0, 0
    used: list[tuple[int, int]] = []
    for start, end, _, index in outer:
        if start > position:
            cursor = _copied(result, position, start, cursor, used)
        result.spans.append(Span(start, end, "expr", index))
        cursor = max(cursor, expressions[index].end) if index < len(expressions) else cursor
        position = end
    if position < len(markdown):
        _copied(result, position, len(markdown), cursor, used)
    result.spans.sort(key=lambda s: s.start)
    return result


def _outermost(spans: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    out: list[tuple[int, int, str, int]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and span[0] < out[-1][1]:
            continue
        out.append(span)
    return out


def _copied(result: SectionMap, start: int, end: int, cursor: int, used: list[tuple[int, int]]) -> int:
    """Find the rendered text [start, end) in the source from `cursor` on (line by line where statements cut
    it), add its text spans, and return where the source was left."""
    text, source = result.markdown[start:end], result.source
    found = source.find(text, cursor)
    if found < 0:
        found = source.find(text)
    if found >= 0:
        _add_text(result, start, end, found, used)
        return found + len(text) if found >= cursor else cursor
    # A statement ({% if %}, {% for %}) or whitespace control stands inside: place it piece by piece.
    offset = start
    for piece in text.splitlines(keepends=True):
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            at = source.find(stripped, cursor)
            if at < 0:
                at = source.find(stripped)
            if at >= 0:
                _add_text(result, offset + lead, offset + lead + len(stripped), at, used)
                cursor = max(cursor, at + len(stripped))
        offset += len(piece)
    return cursor


def _add_text(result: SectionMap, start: int, end: int, source_start: int, used: list[tuple[int, int]]) -> None:
    repeated = any(a < source_start + (end - start) and source_start < b for a, b in used)
    used.append((source_start, source_start + end - start))
    result.spans.append(Span(start, end, "text", source_start, repeated))


def source_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def trace_project(root: Path, charts: dict | None = None) -> tuple[list[SectionMap], list[Origin], str]:
    """The source map of every section of the project in `root`, the origins, and the build's Markdown;
    charts: filled with the charts the sections place, by name."""
    from briefkit.datasets import read_data
    from briefkit.project import load_project
    from briefkit.render import check_sections, make_environment
    from briefkit.yamlfile import read_text

    project = load_project(root)
    data, _ = read_data(project.root / "data")
    env = make_environment(project)
    # Offsets are those of the text with its line endings as "\n" and no byte-order mark, as Jinja sees it.
    sources = {s.display: read_text(s.path, s.display).replace("\r\n", "\n") for s in project.sections}
    marked = {name: marked_source(env, text) for name, text in sources.items()}
    traced_env = make_environment(project, rewrite=lambda name, text: marked[name][0])
    tracer = Tracer(data)
    rendered, problems = check_sections(project, data, "svg", {} if charts is None else charts, traced_env,
                                        tracer=tracer)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        from briefkit.errors import InputError

        raise InputError(errors)
    maps = [section_map(r.section.display, sources[r.section.display], r.markdown, marked[r.section.display][1])
            for r in rendered]
    return maps, tracer.origins, "\n\n".join(m.markdown.strip() for m in maps) + "\n"
