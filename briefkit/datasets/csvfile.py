"""Read a CSV data file into located nodes, typed by the declaration, so that it is checked like YAML."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from briefkit.decimals import written
from briefkit.errors import InputError
from briefkit.yamlfile import Mark, Node, read_text


def load_csv(path: Path, display: str, types: dict[str, str]) -> Node:
    """A list of mapping nodes, one per row; `types` gives each column's declared type (string by default).

    CSV holds only text: numbers, years and booleans are converted here, and what does not convert stays text, so
    that the schema reports it with its line and column. An empty cell is a missing value.
    """
    text = read_text(path, display)
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    rows: list[Node] = []
    header: list[str] = []
    header_marks: list[Mark] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            columns = _columns(lines[line - 1] if line <= len(lines) else "", cells)
            if not header:
                header = [cell.strip() for cell in cells]
                header_marks = [Mark(display, line, column) for column in columns]
                continue
            mapping: dict[str, tuple[Mark, Node]] = {}
            for index, cell in enumerate(cells):
                if index >= len(header):
                    raise InputError.single(display, line, f"this row has {len(cells)} cells; the header names "
                                                           f"{len(header)} columns", columns[index])
                mark = Mark(display, line, columns[index])
                name = header[index]
                # A column's name is located in the header, its value in the row.
                mapping[name] = (header_marks[index], Node(_convert(cell.strip(), types.get(name, "string"), mark),
                                                           mark))
            rows.append(Node(mapping, Mark(display, line, 1)))
    except csv.Error as exc:
        raise InputError.single(display, reader.line_num, f"invalid CSV: {exc}") from None
    return Node(rows, Mark(display, 1, 1))


def _columns(raw: str, cells: list[str]) -> list[int]:
    """The 1-based column where each cell starts (exact for unquoted cells, close for quoted ones)."""
    out, position = [], 0
    for cell in cells:
        out.append(position + 1)
        quoted = raw[position:position + 1] == '"'
        position += len(cell) + 1 + (2 + cell.count('"') if quoted else 0)
    return out


def _convert(cell: str, kind: str, mark: Mark):
    if cell == "":
        return None
    if kind in ("number", "integer", "year"):
        try:
            number = float(cell)
        except ValueError:
            return cell
        if number.is_integer() and kind != "number":
            return int(number)
        return written(cell, number)  # with the decimal it was written as: 0.695 is exactly 0.695
    if kind == "boolean":
        return {"true": True, "false": False}.get(cell.lower(), cell)
    if kind == "sources":
        return [Node(part.strip(), mark) for part in cell.split(";") if part.strip()]
    return cell
