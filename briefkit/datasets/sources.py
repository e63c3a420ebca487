"""data/sources.yaml: every source a briefing cites."""

from __future__ import annotations

from dataclasses import dataclass, field

from briefkit.errors import Problem
from briefkit.schema import PartialDate, Reader, check_unique

# A thousand rows already make a 30-second build of 400 MB; nine thousand took 8 minutes and 3 GB.
MAX_ENTRIES = 1000
SOURCES_FILE = "data/sources.yaml"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    date: PartialDate | None
    author: str = ""
    short: str = ""
    description: str = ""
    url: str = ""
    accessed: PartialDate | None = None
    note: str = ""
    line: int = field(default=0, compare=False)


def read_sources(reader: Reader, problems: list[Problem]) -> dict[str, Source]:
    reader.reject_unknown({"sources"})
    out: dict[str, Source] = {}
    ids = []
    for node in reader.items("sources", most=MAX_ENTRIES):
        r = Reader(node, problems, "a source")
        r.reject_unknown({"id", "title", "description", "short", "publisher", "author", "date", "url", "accessed",
                          "note"})
        ident = r.identifier()
        ids.append((ident, r.mark("id")))
        has_title = r.ok and r.node.get("title") is not None
        has_description = r.ok and r.node.get("description") is not None
        if r.ok and has_title == has_description:
            problems.append(r.node.mark.problem(
                "a source has a 'title' (its headline, printed in quotation marks) or a 'description' (what it is, "
                "where no headline is known), not both" if has_title else
                "a source needs a 'title' (its headline) or, where no headline is known, a 'description'"))
        publisher = r.text("publisher", required=False) or ""
        author = r.text("author", required=False) or ""
        short = r.text("short", required=False) or ""
        if r.ok and not (publisher or author or short):
            problems.append(r.node.mark.problem(
                "a source without 'publisher' or 'author' needs a 'short' name for repeat citations and tables"))
        source = Source(
            id=ident or "",
            title=(r.text("title") if has_title else "") or "",
            description=(r.text("description") if has_description else "") or "",
            publisher=publisher,
            date=r.date("date", required=False),
            author=author,
            short=short,
            url=r.text("url", required=False) or "",
            accessed=r.date("accessed", required=False),
            note=r.text("note", required=False) or "",
            line=node.mark.line,
        )
        if ident and ident not in out:
            out[ident] = source
    check_unique(ids, "source id", problems)
    return out


def cite_keys(ids: tuple[str, ...]) -> str:
    """The pandoc citation of some sources: [@a; @b]."""
    return "[" + "; ".join(f"@{i}" for i in ids) + "]" if ids else ""


def source_labels(sources: dict[str, Source]) -> dict[str, str]:
    """Short labels such as 'TASS 2023' (or the source's own short name), made unique where they would clash."""
    base = {
        sid: s.short or (f"{s.publisher} {s.date.year}" if s.date else s.publisher) for sid, s in sources.items()
    }
    counts: dict[str, int] = {}
    for label in base.values():
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    labels = {}
    for sid in sorted(sources):
        label = base[sid]
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}{chr(ord('a') + seen[label] - 1)}"
        labels[sid] = label
    return labels
