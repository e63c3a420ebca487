"""Where a change to the build's text belongs: a section's line and column, a dataset's field, a source's entry
or report.yaml; or, where that cannot be told for sure, the closest place with the reason.

The build's DOCX text is aligned with the Markdown of its sections (briefkit.review.align), the Markdown with the
section files (briefkit.review.sourcemap). Text no section wrote (the cover, the notes citeproc makes, a
helper's text without a declared field) is looked up in the files themselves: found once, it is placed there.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefkit.review.align import char_map, map_range, masked, normalized
from briefkit.review.sourcemap import Origin, SectionMap, source_position


@dataclass(frozen=True)
class Place:
    """A range of a file of the build's sources, and what kind of file it is."""

    file: str
    start: int
    end: int
    target: str  # section, data, sources, report
    exact: bool = True  # False: the closest place that could be told; `reason` says why
    reason: str = ""
    origin: Origin | None = None
    field_start: int = -1  # data: the offsets of the field's value in its file
    field_end: int = -1


# The cover's paragraphs (briefkit.outputs.docx.pages) come from report.yaml.
COVER_STYLES = frozenset({"Title", "Subtitle", "Author", "Date", "Edition", "Organisation", "Classification"})
_NOTE_OR_CITATION = re.compile(r"\^\[|\[\^[^\]\s]+\](?!:)|\[[^\[\]]*-?@[\w:.#$%&+?<>~/-]+[^\[\]]*\]")
_KEY = re.compile(r"@([\w][\w:.#$%&+?<>~/-]*[\w])")


def target_of(file: str) -> str:
    if file.startswith("report/sections/") or (file.startswith("report/") and file.endswith(".md")):
        return "section"
    if file == "report/report.yaml":
        return "report"
    if file == "data/sources.yaml":
        return "sources"
    return "data"


class Placer:
    """Places ranges of the build's DOCX blocks in the build's sources."""

    def __init__(self, maps: list[SectionMap], origins: list[Origin], blocks: list[dict[str, Any]],
                 files: dict[str, str], base: Path):
        self.maps, self.origins, self.blocks, self.files, self.base = maps, origins, blocks, files, base
        # The body's text (not the contents, which the build makes from the headings) and the sections' Markdown.
        self.block_start: dict[int, int] = {}
        text: list[str] = []
        length = 0
        for index, block in enumerate(blocks):
            if block["kind"] in ("body", "cell") and not block["contents"]:
                self.block_start[index] = length
                text.append(block["base"])
                length += len(block["base"]) + 1
        self.text = "\n".join(text)
        self.section_start: list[int] = []
        markdown: list[str] = []
        length = 0
        for section in maps:
            self.section_start.append(length)
            markdown.append(section.markdown)
            length += len(section.markdown) + 2
        self.markdown = "\n\n".join(markdown)
        self.visible = masked(self.markdown)
        self.mapping = char_map(self.text, self.markdown, self.visible)
        self._nodes: dict[str, Any] = {}
        self.notes = _note_sources(self.markdown)
        self._raw: dict[str, tuple[int, list[int]]] = {}
        self.language = "en"  # the report's, in which its figures are written

    def placed_share(self) -> float:
        """How much of the body's text the alignment placed in the Markdown (0 to 1)."""
        letters = [i for i, c in enumerate(self.text) if c.isalnum()]
        return sum(self.mapping[i] is not None for i in letters) / len(letters) if letters else 1.0

    def place(self, index: int, start: int, end: int, old: str) -> Place | None:
        """The place of [start, end) of block `index` (holding `old`), or None where nothing can be told."""
        block = self.blocks[index]
        found = None
        if index in self.block_start:
            offset = self.block_start[index]
            md = map_range(self.mapping, offset + start, offset + end)
            if md is not None:
                found = self._in_markdown(md[0], md[1], old, block)
        if found is None:
            found = self._searched(old, block, start)
        return found

    def raw(self, file: str, offset: int) -> int:
        """An offset of a section's text as the source map has it ("\n" line ends, no BOM) in the file's bytes."""
        if file not in self._raw:
            text = self.files.get(file, "")
            bom = 1 if text.startswith("\ufeff") else 0
            positions, removed = [], 0
            for index, char in enumerate(text):
                if char == "\r" and text.startswith("\n", index + 1):
                    positions.append(index - bom - removed)
                    removed += 1
            self._raw[file] = (bom, positions)
        bom, positions = self._raw[file]
        return offset + bom + bisect.bisect_left(positions, offset)

    def _section_place(self, file: str, start: int, end: int, **kwargs: Any) -> Place:
        return Place(file, self.raw(file, start), self.raw(file, end), "section", **kwargs)

    def _in_markdown(self, start: int, end: int, old: str, block: dict[str, Any]) -> Place | None:
        number = bisect.bisect_right(self.section_start, start) - 1
        section = self.maps[number]
        local_start, local_end = start - self.section_start[number], end - self.section_start[number]
        if local_end > len(section.markdown):
            return None
        seen = self.visible[start:end]
        if old and " ".join(normalized(seen).split()) != " ".join(normalized(old).split()):
            return None
        first = section.at(local_start if local_end > local_start else max(local_start - 1, 0))
        if first is None:
            return None
        if first.kind == "expr":
            return self._in_expression(section, first, local_start, local_end, old, block)
        last = section.at(max(local_end - 1, local_start))
        if last is None or last.kind != "text":
            return None
        source_start = first.ref + (local_start - first.start)
        source_end = last.ref + (local_end - last.start)
        if local_end == local_start and local_start == first.end:
            source_start = source_end = first.ref + (first.end - first.start)
        if first is not last:
            # Only a deletion may cross an expression or markup, and only where the source runs on in order.
            spans = [s for s in section.spans if first.start <= s.start <= last.start]
            if any(s.repeated for s in spans) or any(b.ref < a.ref for a, b in zip(spans, spans[1:], strict=False)
                                                     if a.kind == b.kind == "text"):
                return None
            return self._section_place(section.path, source_start, source_end, exact=False,
                                       reason="the text runs across an expression or markup")
        if first.repeated:
            return self._section_place(section.path, source_start, source_end, exact=False,
                                       reason="a loop in the section writes this text more than once")
        if section.source[source_start:source_end] != section.markdown[local_start:local_end]:
            return None
        return self._section_place(section.path, source_start, source_end)

    def _in_expression(self, section: SectionMap, span, start: int, end: int, old: str,
                       block: dict[str, Any]) -> Place | None:
        expression = section.expressions[span.ref]
        datum = section.datum(start, end) if end > start else section.datum(start, start + 1)
        if datum is not None:
            origin = self.origins[datum.ref]
            if origin.rows:
                return self._in_table(origin, block, section, expression)
            return self._datum(origin, section, datum, start, end, old)
        source = section.source[expression.start:expression.end]
        if old and source.count(old) == 1:  # a caption or a note given in the expression itself
            at = expression.start + source.index(old)
            return self._section_place(section.path, at, at + len(old))
        searched = self._searched(old, block, None) if old else None
        if searched is not None and searched.exact:
            return searched
        return self._section_place(section.path, expression.start, expression.end, exact=False,
                                   reason="the text is made by this expression; change what it reads")

    def _in_table(self, origin: Origin, block: dict[str, Any], section: SectionMap, expression) -> Place:
        row, column = block.get("row"), block.get("column")
        if row is not None and column is not None and 1 <= row <= len(origin.rows) and \
                column < len(origin.columns) and origin.columns[column]:
            field = origin.columns[column]
            key, line = origin.rows[row - 1]
            item = Origin(origin.dataset, origin.file, line, key, field)
            located = self._field(item)
            if located is not None:
                return located
        return self._section_place(section.path, expression.start, expression.end, exact=False,
                                   reason=f"a cell of the table of '{origin.dataset}' whose field cannot be told")

    def _datum(self, origin: Origin, section: SectionMap, datum, start: int, end: int, old: str = "") -> Place:
        located = self._field(origin)
        if located is None:
            expression = section.expressions[section.at(start).ref]
            return self._section_place(section.path, expression.start, expression.end, exact=False,
                                       reason=f"from {origin.dataset}, whose field could not be found in its file")
        text = self.files[located.file]
        # In a text field (a note), the words themselves, where they stand once in the field's first lines.
        window = text[located.start: located.start + len(section.markdown[datum.start:datum.end]) + 400]
        if old and len(old) > 2 and window.count(old) == 1 and window.find(old) > 0:
            at = located.start + window.index(old)
            return Place(located.file, at, at + len(old), "data", origin=origin, field_start=located.field_start,
                         field_end=located.field_end)
        return located

    def _field(self, origin: Origin) -> Place | None:
        node = self._item(origin.file, origin.item_line)
        if node is None:
            return None
        value = node.get(origin.field)
        if value is None or origin.file not in self.files:
            return None
        text = self.files[origin.file]
        start = _offset(text, value.mark.line, value.mark.column)
        end = _scalar_end(text, start, origin.file.endswith(".csv"))
        return Place(origin.file, start, end, "data", origin=origin, field_start=start, field_end=end)

    def _item(self, file: str, line: int) -> Any:
        root = self._root(file)
        if line == -1:
            return root
        return next((n for n in _mappings(root) if n.mark.line == line), None) if root is not None else None

    def _root(self, file: str) -> Any:
        if file not in self._nodes:
            from briefkit.errors import InputError
            from briefkit.yamlfile import load_yaml

            try:
                if file.endswith(".csv"):
                    from briefkit.datasets.csvfile import load_csv

                    self._nodes[file] = load_csv(self.base / file, file, {})
                else:
                    self._nodes[file] = load_yaml(self.base / file, file)
            except (InputError, OSError):
                self._nodes[file] = None
        return self._nodes[file]

    def _searched(self, old: str, block: dict[str, Any], start: int | None) -> Place | None:
        """The text looked up in the sources themselves: placed where it stands exactly once (a cover line in
        report.yaml, a citation's note in the entries of the sources it cites)."""
        ranges = None
        if block.get("style") in COVER_STYLES:
            ranges = {"report/report.yaml": [(0, len(self.files.get("report/report.yaml", "")))]}
        elif block.get("kind") in ("footnote", "endnote") and block.get("note"):
            cited = self.notes[block["note"] - 1] if block["note"] <= len(self.notes) else None
            if cited:  # a citation's note: the entries of its sources, and nothing else
                ranges = {"data/sources.yaml": self._entries(cited)}
        if not old.strip() or len(old.strip()) < 3:
            if ranges and "data/sources.yaml" in ranges and ranges["data/sources.yaml"]:
                begin = ranges["data/sources.yaml"][0][0]
                return Place("data/sources.yaml", begin, begin, "sources", exact=False,
                             reason="a change to a citation's note: write it into the source's entry")
            return None
        hits = [(name, at) for name, text in self.files.items() if name.endswith((".md", ".yaml", ".yml", ".csv"))
                and (ranges is None or name in ranges)
                for at in _find_all(text, old)
                if ranges is None or any(a <= at < b for a, b in ranges[name])]
        if len(hits) == 1:
            name, at = hits[0]
            return Place(name, at, at + len(old), target_of(name))
        if ranges and len(hits) > 1:
            name, at = hits[0]
            return Place(name, at, at + len(old), target_of(name), exact=False,
                         reason="the text stands more than once in the entries this note cites")
        return None

    def _entries(self, ids: list[str]) -> list[tuple[int, int]]:
        """The ranges of data/sources.yaml that hold the entries of these ids."""
        root = self._root("data/sources.yaml")
        text = self.files.get("data/sources.yaml", "")
        items = root.get("sources") if root is not None and root.is_map() else None
        if items is None or not items.is_list():
            return []
        starts = [(_offset(text, item.mark.line, 1), item.get("id").value if item.get("id") else None)
                  for item in items.value if item.is_map()]
        ends = [s for s, _ in starts[1:]] + [len(text)]
        return [(start, end) for (start, name), end in zip(starts, ends, strict=False) if name in ids]


def _note_sources(markdown: str) -> list[list[str] | None]:
    """The notes of the document in order: the source ids of a citation's note, None for an author's note."""
    notes: list[list[str] | None] = []
    position = 0
    while True:
        match = _NOTE_OR_CITATION.search(markdown, position)
        if match is None:
            return notes
        if match.group() == "^[":
            notes.append(None)
            position = _closing(markdown, match.end())  # citations inside an author's note make no note
        elif match.group().startswith("[^"):
            notes.append(None)
            position = match.end()
        else:
            notes.append(_KEY.findall(match.group()))
            position = match.end()


def _closing(text: str, start: int) -> int:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "[" and text[index - 1] != "\\":
            depth += 1
        elif text[index] == "]" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _mappings(root: Any):
    if root is None:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_map():
            yield node
            stack.extend(node.get(k) for k in node.keys())
        elif node.is_list():
            stack.extend(node.value)


def _find_all(text: str, needle: str, limit: int = 3) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0 and len(found) < limit:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _scalar_end(text: str, start: int, csv: bool) -> int:
    """Where a plain scalar or a CSV cell that starts at `start` ends on its line."""
    end = start
    quote = text[start] if start < len(text) and text[start] in "\"'" else ""
    if quote:
        end = text.find(quote, start + 1)
        return len(text) if end < 0 else end + 1
    stops = "\n," if csv else "\n"
    while end < len(text) and text[end] not in stops and not text.startswith(" #", end):
        end += 1
    return len(text[:end].rstrip()) if text[start:end].strip() else end


def where(text: str, offset: int) -> tuple[int, int]:
    return source_position(text, offset)
