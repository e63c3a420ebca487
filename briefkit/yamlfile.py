"""Load YAML safely while keeping the line and column of every value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from briefkit.decimals import written
from briefkit.errors import InputError, Problem


@dataclass(frozen=True)
class Mark:
    """Where a value sits in its file (1-based line and column)."""

    path: str
    line: int
    column: int

    def problem(self, message: str, severity: str = "error", hint: str = "") -> Problem:
        return Problem(self.path, self.line, self.column, message, severity, hint)


class Node:
    """A YAML value with its location; mappings and lists hold further nodes."""

    __slots__ = ("value", "mark")

    def __init__(self, value: Any, mark: Mark):
        self.value = value
        self.mark = mark

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def get(self, key: str) -> Node | None:
        if not self.is_map():
            return None
        entry = self.value.get(key)
        return entry[1] if entry else None

    def key_mark(self, key: str) -> Mark:
        entry = self.value.get(key) if self.is_map() else None
        return entry[0] if entry else self.mark

    def keys(self) -> list[str]:
        return list(self.value) if self.is_map() else []

    def plain(self) -> Any:
        """The value without locations, as plain Python data."""
        if self.is_map():
            return {k: v.plain() for k, (_, v) in self.value.items()}
        if self.is_list():
            return [item.plain() for item in self.value]
        return self.value


# Far above any real briefing (its largest file is under 10 kB), far below what makes a build crawl.
MAX_FILE_BYTES = 2_000_000
# Nesting deeper than this is a mistake in a briefing's files, and would exhaust the recursive composer.
MAX_DEPTH = 32
_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_TEXT_TAGS = {_YAML + "merge", _YAML + "value"}  # '<<' and '=' as values: plain text here


def read_text(path: Path, display: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file, reporting an undecodable byte with its line, and refusing a huge file unread."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError.single(
            display, None, f"is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:g} MB for one file; split it"
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.single(
            display, line, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    # Some editors start UTF-8 files with a byte-order mark; it would otherwise glue itself to the first heading.
    return text.removeprefix("\ufeff")


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that briefkit does not accept (aliases, deep nesting)."""


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases (a few lines of them can expand to billions of values) and deep nesting."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(None, None, f"an alias (*{event.anchor}) repeats a value; write the value out instead",
                           event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(None, None, f"values are nested more than {MAX_DEPTH} levels deep",
                           self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# The last tree parsed of each file, by its text: watch mode rebuilds after every save, and a save touches one
# file. Nothing changes a Node after loading, so a tree can be handed out again.
_PARSED: dict[str, tuple[str, Node]] = {}


def load_yaml(path: Path, display: str) -> Node:
    """Parse one YAML file into located nodes; a syntax error names its line."""
    text = read_text(path, display)
    key = f"{path.resolve()}\0{display}"
    known = _PARSED.get(key)
    if known is not None and known[0] == text:
        return known[1]
    node = _parse(text, display)
    _PARSED[key] = (text, node)
    return node


# libyaml's composer, where PyYAML was built with it: the same nodes and marks, ten times as fast as the Python one.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


class _Again(Exception):
    """The fast composer met something the Python one must judge (an alias, deep nesting, an error)."""


def _parse(text: str, display: str) -> Node:
    """The file's nodes, composed by libyaml where present; anything it does not accept, or an alias or deep
    nesting it accepted, is composed again by the Python composer, whose refusals and messages are exact."""
    if _FAST_LOADER is not None:
        try:
            root = yaml.compose(text, Loader=_FAST_LOADER)
            return _nodes(root, display, _seen=set())
        except (yaml.YAMLError, _Again, RecursionError):
            pass
    return _nodes(_compose(text, display), display)


def _nodes(root: yaml.Node | None, display: str, _seen: set[int] | None = None) -> Node:
    if root is None:
        return Node({}, Mark(display, 1, 1))
    problems: list[Problem] = []
    node = _convert(root, display, yaml.SafeLoader(""), problems, _seen)
    if problems:
        raise InputError(problems)
    return node


def _compose(text: str, display: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except _Refused as exc:
        mark = exc.problem_mark
        raise InputError([Problem(display, mark.line + 1, mark.column + 1, exc.problem)]) from None
    except yaml.MarkedYAMLError as exc:
        raise InputError([syntax_problem(exc, text, display)]) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InputError([Problem(display, line, column,
                                  f"invalid YAML: the character U+{ord(char):04X} is not allowed")]) from None
    except yaml.YAMLError as exc:
        raise InputError.single(display, None, f"invalid YAML: {exc}") from None


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, display: str) -> Problem:
    """A YAML syntax error in the author's words, at the line where it went wrong, with what to write instead.

    PyYAML names its parser's states ("expected <block end>, but found '<block mapping start>'"); the commonest
    slips behind them are a line that does not line up with the one above, a missing colon, a tab, an unquoted
    ': ' in a value, a quote or bracket never closed.
    """
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    reason = exc.problem or exc.context or "invalid YAML"
    lines = text.splitlines()

    def at(number: int | None) -> str:
        return lines[number - 1] if number is not None and 0 < number <= len(lines) else ""

    def indent(row: str) -> int:
        return len(row) - len(row.lstrip(" "))

    def above(number: int) -> tuple[int, str]:
        """The nearest line above with something on it (not a comment): its number and text."""
        for earlier in range(number - 1, 0, -1):
            row = at(earlier)
            if row.strip() and not row.lstrip().startswith("#"):
                return earlier, row
        return 0, ""

    def key_column(row: str) -> int:
        """Where the key of a line starts: after the '- ' of a list item."""
        stripped = row.lstrip(" ")
        return indent(row) + (len(stripped) - len(stripped[1:].lstrip(" ")) if stripped.startswith("-") else 0)

    def problem(number: int | None, col: int | None, message: str, hint: str = "") -> Problem:
        return Problem(display, number, col, message, hint=hint)

    context = exc.context or ""
    context_line = exc.context_mark.line + 1 if exc.context_mark else None
    if reason.startswith("found character '\\t'"):
        return problem(line, column, "a tab character: YAML indents and separates with spaces only",
                       "replace the tab with spaces")
    if reason == "but found another document":
        return problem(line, column, "invalid YAML: a second document starts here; a file holds one "
                       "(remove the '---' line)")
    if reason == "could not find expected ':'" and context_line is not None:
        row = at(context_line)
        words = row.strip().split(None, 1)
        example = f"'{words[0]}: {words[1]}'" if len(words) == 2 else f"'{words[0] if words else 'key'}: value'"
        return problem(context_line, exc.context_mark.column + 1, "a colon is missing after the key",
                       f"write {example}")
    if reason == "mapping values are not allowed here" and line is not None:
        row = at(line)
        previous, prior = above(line)
        if previous and indent(row) > key_column(prior) and ":" in prior:
            name = prior.strip().lstrip("- ").split(":")[0]
            return problem(line, indent(row) + 1, f"this line is indented more than '{name}' above it; the keys of "
                           "one mapping line up", f"indent it by {key_column(prior)} spaces, as '{name}' on line "
                           f"{previous}")
        if previous and ":" not in prior.split("#")[0]:
            words = prior.strip().split(None, 1)
            example = f"'{words[0]}: {words[1]}'" if len(words) == 2 else f"'{words[0]}: value'"
            return problem(previous, key_column(prior) + 1, "a colon is missing after the key", f"write {example}")
        key, _, value = row.strip().lstrip("- ").partition(": ")
        quoted = value.strip().replace('"', '\\"')
        return problem(line, column, "a value holding ': ' must be quoted",
                       f'write {key}: "{quoted}"' if value else "put the value in double quotes")
    if "expected <block end>" in reason and line is not None:
        row = at(line)
        previous, prior = above(line)
        if row.lstrip().startswith("-"):
            siblings = [r for r in lines[: line - 1] if r.lstrip().startswith("-") and indent(r) < indent(row)]
            wanted = indent(siblings[-1]) if siblings else 0
            what = "the item above"
        else:
            wanted = key_column(prior) if previous else 0
            what = f"'{prior.strip().lstrip('- ').split(':')[0]}' on line {previous}"
        return problem(line, indent(row) + 1, "this line's indentation does not line up with the lines above",
                       f"indent it by {wanted} spaces, as {what}")
    if "quoted scalar" in context and context_line is not None:
        return problem(context_line, exc.context_mark.column + 1, "a quote opened here is never closed",
                       "close it on the same line with the same quote")
    if "flow sequence" in context or "flow mapping" in context:
        bracket = "]" if "sequence" in context else "}"
        return problem(context_line, exc.context_mark.column + 1 if exc.context_mark else None,
                       f"a '{'[' if bracket == ']' else '{'}' opened here is never closed",
                       f"close it with '{bracket}' on the same line")
    if "<stream end>" in reason:
        opened = [(number, row) for number, row in enumerate(lines, 1)
                  if row.split("#")[0].count("[") > row.split("#")[0].count("]")]
        if opened:
            number, row = opened[-1]
            return problem(number, row.index("[") + 1, "a '[' opened here is never closed",
                           "close it with ']' on the same line")
        return problem(line, column, "the file ends in the middle of a value", "complete or remove its last line")
    return problem(line, column, f"invalid YAML: {reason}")


def _mark(node: yaml.Node, display: str) -> Mark:
    return Mark(display, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, display: str, constructor: yaml.SafeLoader, problems: list[Problem],
             seen: set[int] | None = None, depth: int = 0) -> Node:
    """Located nodes from the composer's. seen: the nodes met so far, where the composer let aliases through (an
    alias is the same node again) and did not count the depth."""
    if seen is not None:
        if id(node) in seen or depth >= MAX_DEPTH:
            raise _Again
        seen.add(id(node))
    mark = _mark(node, display)
    refused = _tag_problem(node, display)
    if refused is not None:
        problems.append(refused)
        return Node(None, mark)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, tuple[Mark, Node]] = {}
        for key_node, value_node in node.value:
            key_mark = _mark(key_node, display)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(key_mark.problem("a key must be a plain word"))
                continue
            key = str(key_node.value)
            if key in mapping:
                problems.append(key_mark.problem(f"'{key}' is given twice"))
            mapping[key] = (key_mark, _convert(value_node, display, constructor, problems, seen, depth + 1))
        return Node(mapping, mark)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, display, constructor, problems, seen, depth + 1) for item in node.value], mark)
    if node.tag == "tag:yaml.org,2002:timestamp" or node.tag in _TEXT_TAGS:
        # Dates stay text: partial dates (2017-02) and impossible ones are checked by the schema.
        return Node(node.value, mark)
    try:
        value = constructor.construct_object(node)
        if isinstance(value, float):  # kept with the decimal it was written as: 0.695 is exactly 0.695
            value = written(str(node.value), value)
        return Node(value, mark)
    except yaml.YAMLError as exc:
        problems.append(mark.problem(f"invalid value: {exc}"))
    except (ValueError, OverflowError):  # a number of thousands of digits
        problems.append(mark.problem(f"invalid value: '{str(node.value)[:20]}...' is too long a number"))
    return Node(None, mark)


def _tag_problem(node: yaml.Node, display: str) -> Problem | None:
    """Explicit tags (!!python/object, !!binary, !custom) are refused: the files hold plain values only."""
    if node.tag in _PLAIN_TAGS or node.tag in _TEXT_TAGS:
        return None
    shown = node.tag.replace(_YAML, "!!")
    return _mark(node, display).problem(f"unsupported YAML tag '{shown}'; write a plain value without a tag")
