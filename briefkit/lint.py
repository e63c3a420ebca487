"""Checks on the sections' prose: figures typed by hand without a source, and sources that nothing cites.

All are warnings, in a check and in a build alike: the author may go on, and `--strict` makes them errors.
"""

from __future__ import annotations

import re

from briefkit.citations import CITATION_KEY
from briefkit.datasets import Data
from briefkit.errors import InputError, Problem
from briefkit.hints import closest
from briefkit.project import Project
from briefkit.yamlfile import read_text

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{##.*?##\}", re.S)
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:(?:USD|US\$|\$|€|EUR|RUB|₽)\s?{_NUMBER}(?:\s?(?:billion|million|bn|m|trillion)\b)?"
    rf"|{_NUMBER}\s?(?:billion|million|bn|trillion)\s?(?:US\s)?(?:dollars|USD|euros|roubles|rubles))",
    re.I,
)
_SCALED = re.compile(rf"{_NUMBER}\s?(?:thousand|million|billion|trillion)\b", re.I)
_PERCENT = re.compile(rf"[+\-−]?{_NUMBER}\s?(?:%|per\s?cent\b|percent\b)", re.I)
_CITATION_GROUP = re.compile(r"\[[^\]]*@[a-z0-9][a-z0-9-]*[^\]]*\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def literal_figures(project: Project, data: Data) -> list[Problem]:
    """Amounts and percentages typed in a section: each needs a citation in its sentence or later in its paragraph
    (one note may cover a paragraph's figures before it), and a figure that a dataset holds must come from the
    dataset, not from the keyboard."""
    known = _dataset_values(data)
    problems = []
    for section in project.sections:
        text = _section_text(section)
        for first, prose in _paragraphs(text):
            starts = [0] + [m.end() for m in re.finditer("\n", prose)]
            citations = [m.start() for m in _CITATION_GROUP.finditer(prose)]
            offset = 0
            for sentence in _SENTENCE_END.split(prose):
                start = prose.index(sentence, offset)
                offset = start + len(sentence)
                cited = bool(_CITATION_GROUP.search(sentence))
                for match in _figures(sentence):
                    at = start + match.start()
                    row = next(i for i in range(len(starts) - 1, -1, -1) if starts[i] <= at)
                    number, column = first + row, at - starts[row] + 1
                    figure = " ".join(match.group().split())  # a figure wrapped over two lines reads as one
                    line_end = prose.find("\n", at)
                    width = min(len(match.group().strip()), (len(prose) if line_end < 0 else line_end) - at)
                    found = _dataset_value(figure, known)
                    if found is not None:
                        name, expression = found
                        problems.append(Problem(
                            section.display, number, column, f"figure '{figure}' typed by hand; it is in the "
                            f"dataset '{name}'", "warning",
                            f"write {{{{ {expression} }}}} so that it stays in step with the data", width))
                    elif cited or any(c > at for c in citations):
                        continue
                    elif citations:
                        problems.append(Problem(
                            section.display, number, column, f"figure '{figure}' comes after the last citation of "
                            "its paragraph", "warning",
                            "add [@source-id] after it: a citation covers only the figures before it", width))
                    else:
                        problems.append(Problem(
                            section.display, number, column, f"figure '{figure}' has no citation in its paragraph",
                            "warning", "add [@source-id] after it, in its sentence or at the paragraph's end",
                            width))
    return problems


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """A section's prose (Jinja expressions blanked out) in paragraphs, each with the number of its first line.
    A blank line ends a paragraph; a heading and a table row are each one of their own, and each item of a list
    begins one (as in pandoc, a list needs a blank line before it to interrupt a paragraph)."""
    lines = text.splitlines()  # numbered as everywhere else, whatever the line ends
    prose = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), "\n".join(lines))
    out: list[tuple[int, list[str]]] = []
    state = None  # None (no open paragraph), "text" or "item"
    for number, line in enumerate(prose.split("\n"), 1):
        stripped = line.lstrip()
        item = bool(_LIST_ITEM.match(line))
        if not stripped:
            state = None
            continue
        if state is None or stripped.startswith(("#", "|")) or (item and state == "item"):
            out.append((number, []))
            state = "item" if item else "text"
        out[-1][1].append(line)
        if stripped.startswith(("#", "|")):
            state = None
    return [(number, "\n".join(block)) for number, block in out]


def _figures(sentence: str) -> list[re.Match]:
    """Money, per cent and scaled amounts ('1.2 million tonnes'), each once, in order."""
    matches = sorted([*_MONEY.finditer(sentence), *_PERCENT.finditer(sentence), *_SCALED.finditer(sentence)],
                     key=lambda m: (m.start(), -m.end()))
    out, end = [], -1
    for match in matches:
        if match.start() >= end:
            out.append(match)
            end = match.end()
    return out


def uncited_sources(project: Project, data: Data, exhibit_ids: set[str]) -> list[Problem]:
    """Sources that no section cites and no exhibit uses: a warning, since they would not be listed."""
    if not data.complete or not data.sources_complete:
        return []  # a data file could not be read: what it cites is unknown
    cited = set(exhibit_ids)
    for section in project.sections:
        cited.update(CITATION_KEY.findall(_section_text(section)))
    # A citation one slip away from a source is that source misspelled (reported as such), not a second mistake.
    cited.update(near for ident in cited - set(data.sources) for near in closest(ident, data.sources, n=1))
    if not project.sections_complete:
        return []
    return [
        Problem("data/sources.yaml", source.line or None, None,
                f"source '{sid}' is cited nowhere", severity="warning")
        for sid, source in data.sources.items()
        if sid not in cited
    ]


def _section_text(section) -> str:
    try:
        return read_text(section.path, section.display)
    except InputError:
        return ""  # reported when the section is rendered


SCALES = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}


def _dataset_values(data: Data) -> list[tuple[float, str, str, str]]:
    """Every figure of every series, in base units: (amount, kind of unit, dataset, the expression that gives it)."""
    out = []
    for series in data.series():
        factor = SCALES.get(series.unit.scale, 1.0)
        kind = "percent" if series.unit.percent else "money" if series.unit.currency else "amount"
        for point in series.points:
            key = repr(point.key)
            where = f"data.{series.name}.point({key})"
            figures = [(point.value, f"value('{series.name}', {key})")]
            figures += [(point.low, f"{where}.low | figure('{series.name}')"),
                        (point.high, f"{where}.high | figure('{series.name}')")]
            figures += [(alt.value, f"{where}.alternatives[{i}] | figure") for i, alt in enumerate(point.alternatives)]
            out += [(value * factor, kind, series.name, expression) for value, expression in figures
                    if value is not None]
    return out


def _dataset_value(figure: str, known: list[tuple[float, str, str, str]]) -> tuple[str, str] | None:
    """The dataset and key of a typed amount that equals a figure of a series (in any scale), or None."""
    match = re.search(_NUMBER, figure)
    if not match:
        return None
    amount = float(match.group().replace(",", ""))
    lowered = figure.lower()
    if "%" in figure or re.search(r"per\s?cent", figure, re.I):
        kind = "percent"
    else:
        kind = "money" if re.search(r"USD|US\$|\$|€|EUR|RUB|₽|dollar|euro|rouble|ruble", figure, re.I) else "amount"
    if "trillion" in lowered:
        amount *= 1e12
    elif "billion" in lowered or re.search(r"\dbn\b|\sbn\b", lowered):
        amount *= 1e9
    elif "million" in lowered or re.search(r"\dm\b|\sm\b", lowered):
        amount *= 1e6
    elif "thousand" in lowered:
        amount *= 1e3
    if kind == "percent":
        # A rate is typed as it is held: 21.4% is the point 21.4 of a series in per cent.
        return next(((name, expression) for value, k, name, expression in known
                     if k == "percent" and abs(amount - value) < 1e-9), None)
    for value, k, name, expression in known:
        if k == kind and abs(amount - value) <= abs(value) * 1e-4 + 1e-9:
            return name, expression
    return None
