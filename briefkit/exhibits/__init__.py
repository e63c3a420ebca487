"""Generic exhibits over any dataset, emitted as pandoc Markdown so each format gets a native table or figure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefkit.datasets import Data, source_labels
from briefkit.formatting import Formatter

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|@$~^])")
DAGGER = "\u2020"


def md_escape(text: str) -> str:
    """Escape text so that pandoc reads it literally (no emphasis, links or citations)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


@dataclass(frozen=True)
class Caption:
    label: str
    number: str
    text: str

    @property
    def full(self) -> str:
        return f"{self.number}. {self.text}"


@dataclass(frozen=True)
class Context:
    """What every exhibit needs: the data, the formatter and the phrases of the report's language."""

    data: Data
    fmt: Formatter
    words: object
    # briefkit.review.sourcemap.Tracer while the source map is made: marks the text taken from a dataset's field.
    trace: object = None

    def traced(self, text: str, dataset, item, field: str) -> str:
        """`text` (taken from `field` of a dataset's point or record, or of the dataset itself where item is
        None), marked for the source map when one is being made."""
        if self.trace is None or not text:
            return text
        return self.trace.datum(text, self.trace.field(dataset, item, field))

    @property
    def labels(self) -> dict[str, str]:
        return source_labels(self.data.sources)

    def named(self, ids) -> str:
        labels = self.labels
        return "; ".join(labels[s] for s in ids if s in labels)

    def kind(self, kind: str) -> str:
        return self.words(f"kind_{kind}")


def pipe_table(header: list[str], widths: list[int], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * max(w, 3) for w in widths) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def source_line(text: str) -> str:
    return f"::: {{.exhibit-source}}\n{text}\n:::"


def download_link(words, file_name: str) -> str:
    """A marker the web page turns into a download of the CSV; the PDF and DOCX leave it out."""
    return f"[{md_escape(words('download_data', file=file_name))}]{{.download file=\"{file_name}\"}}"


def column_widths(header: list[str], rows: list[list[str]]) -> list[int]:
    """Relative widths for pandoc (the dashes of a pipe table): the longer a column's text, the wider it is,
    but never narrower than its longest word."""
    widths = []
    for index, title in enumerate(header):
        cells = [row[index] for row in rows] + [title]
        # A figure joined by no-break spaces ("USD 970.1 million") is one word: it is never broken.
        longest_word = max((len(word) for cell in cells for word in re.split(r"[ \t\n]+", cell)), default=3)
        average = sum(len(cell) for cell in cells) / len(cells)
        widths.append(max(longest_word + 1, min(round(average * 0.8), 40), 5))
    return widths
