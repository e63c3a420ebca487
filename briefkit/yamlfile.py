"""Load YAML safely while keeping the line and column of every value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from briefkit.errors import InputError, Problem


@dataclass(frozen=True)
class Mark:
    """Where a value sits in its file (1-based line and column)."""

    path: str
    line: int
    column: int

    def problem(self, message: str, severity: str = "error") -> Problem:
        return Problem(self.path, self.line, self.column, message, severity)


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


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 text file, reporting an undecodable byte with its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.single(
            display, line, f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def load_yaml(path: Path, display: str) -> Node:
    """Parse one YAML file into located nodes; a syntax error names its line."""
    text = read_text(path, display)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(display, line, column, f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise InputError.single(display, None, f"invalid YAML: {exc}") from None
    if root is None:
        return Node({}, Mark(display, 1, 1))
    problems: list[Problem] = []
    node = _convert(root, display, yaml.SafeLoader(""), problems)
    if problems:
        raise InputError(problems)
    return node


def _mark(node: yaml.Node, display: str) -> Mark:
    return Mark(display, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, display: str, constructor: yaml.SafeLoader, problems: list[Problem]) -> Node:
    mark = _mark(node, display)
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
            mapping[key] = (key_mark, _convert(value_node, display, constructor, problems))
        return Node(mapping, mark)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, display, constructor, problems) for item in node.value], mark)
    if node.tag == "tag:yaml.org,2002:timestamp":
        # Dates stay text: partial dates (2017-02) and impossible ones are checked by the schema.
        return Node(node.value, mark)
    try:
        return Node(constructor.construct_object(node), mark)
    except yaml.YAMLError as exc:
        problems.append(mark.problem(f"invalid value: {exc}"))
        return Node(None, mark)
