"""Sources as CSL JSON, so that pandoc's citeproc renders citations in every format alike.

Each date goes to citeproc both as its parts, which the source list sorts by, and as the text it prints, written
by the engine's own date formatting (Babel, as in the body): citeproc's bundled locales put the month in the wrong
form for some languages (Russian "12 август 2018" for "12 августа 2018 г.") and their day and month order in
others, while a citation should read as the text around it does.
"""

from __future__ import annotations

import json
import re

from briefkit.datasets import Source
from briefkit.schema import PartialDate

# A citation key as pandoc reads it in a section: @id, not part of an e-mail address or a word.
CITATION_KEY = re.compile(r"(?<![\w.@])@([a-z0-9][a-z0-9-]*)")


def _date(date: PartialDate, language: str) -> dict:
    from briefkit.locale import format_date

    parts = [date.year] + ([date.month] if date.month else []) + ([date.day] if date.day else [])
    return {"date-parts": [parts], "literal": format_date(date, language)}


def names_publisher(source: Source) -> bool:
    """Whether the title or description begins with the publisher's name ("TASS report of ..." by TASS)."""
    publisher = source.publisher.strip().casefold()
    if not publisher:
        return False
    for text in (source.title, source.description):
        start = text.strip().casefold()
        if start.startswith(publisher) and not start[len(publisher):len(publisher) + 1].isalnum():
            return True
    return False


def to_csl(source: Source, language: str) -> dict:
    """The source as a CSL item, its dates written in `language` (a tag such as de-DE). A publisher that its own
    title or description names at the start is not printed again (no "TASS, TASS report of ..."): it is kept as
    'original-publisher', which the style sorts by only."""
    item: dict = {"id": source.id, "type": "report"}
    if source.title:
        item["title"] = source.title
    if source.description:
        item["genre"] = source.description  # printed as it is, without the quotation marks of a headline
    if source.publisher:
        item["original-publisher" if names_publisher(source) else "publisher"] = source.publisher
    if source.short:
        item["title-short"] = source.short
    if source.author:
        item["author"] = [{"literal": source.author}]
    if source.date:
        item["issued"] = _date(source.date, language)
    if source.url:
        item["URL"] = source.url
    if source.accessed:
        item["accessed"] = _date(source.accessed, language)
    if source.note:
        item["note"] = source.note
    return item


def csl_json(sources: dict[str, Source], language: str) -> str:
    """The bibliography file handed to pandoc, in a stable order, its dates in the report's language."""
    return json.dumps([to_csl(sources[k], language) for k in sorted(sources)], ensure_ascii=False, indent=1)
