"""Checks on the sections' prose: figures typed by hand without a source, and sources that nothing cites."""

from __future__ import annotations

import re

from briefkit.citations import CITATION_KEY
from briefkit.data import Data
from briefkit.errors import Problem
from briefkit.project import Project
from briefkit.yamlfile import read_text

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{##.*?##\}", re.S)
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:(?:USD|US\$|\$|€|EUR|RUB|₽)\s?{_NUMBER}(?:\s?(?:billion|million|bn|m|trillion)\b)?"
    rf"|{_NUMBER}\s?(?:billion|million|bn|trillion)\s?(?:US\s)?(?:dollars|USD|euros|roubles|rubles))",
    re.I,
)
_PERCENT = re.compile(rf"[+\-−]?{_NUMBER}\s?(?:%|per\s?cent\b|percent\b)", re.I)
_CITATION_GROUP = re.compile(r"\[[^\]]*@[a-z0-9][a-z0-9-]*[^\]]*\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def literal_figures(project: Project, data: Data) -> list[Problem]:
    """Amounts and percentages typed in a section: each needs a citation in the same sentence,
    and a trade figure must come from data/trade.yaml, not from the keyboard."""
    trade_values = _trade_values(data)
    problems = []
    for section in project.sections:
        text = read_text(section.path, section.display)
        for number, line in enumerate(text.splitlines(), 1):
            prose = _JINJA.sub(lambda m: " " * len(m.group()), line)
            offset = 0
            for sentence in _SENTENCE_END.split(prose):
                start = prose.index(sentence, offset)
                offset = start + len(sentence)
                cited = bool(_CITATION_GROUP.search(sentence))
                for match in list(_MONEY.finditer(sentence)) + list(_PERCENT.finditer(sentence)):
                    column = start + match.start() + 1
                    figure = match.group().strip()
                    if _is_trade_value(figure, trade_values):
                        problems.append(Problem(
                            section.display, number, column,
                            f"trade figure '{figure}' typed by hand; take it from the data, "
                            "e.g. {{ trade_value(YEAR) }} or {{ trade.point(YEAR) | usd }}"))
                    elif not cited:
                        problems.append(Problem(
                            section.display, number, column,
                            f"figure '{figure}' has no citation in its sentence; add [@source-id]"))
    return problems


def uncited_sources(project: Project, data: Data, exhibit_ids: list[str]) -> list[Problem]:
    """Sources that no section cites and no exhibit uses: a warning, since they would not be listed."""
    cited = set(exhibit_ids)
    for section in project.sections:
        cited.update(CITATION_KEY.findall(read_text(section.path, section.display)))
    return [
        Problem("data/sources.yaml", source.line or None, None,
                f"source '{sid}' is cited nowhere", severity="warning")
        for sid, source in data.sources.items()
        if sid not in cited
    ]


def _trade_values(data: Data) -> set[float]:
    values = set()
    for point in data.trade.points:
        values.update(v for v in (point.value, point.low, point.high) if v is not None)
        values.update(alt.value for alt in point.alternatives)
    return values


def _is_trade_value(figure: str, values: set[float]) -> bool:
    """True if a typed amount equals a trade figure (in millions or billions of USD)."""
    match = re.search(_NUMBER, figure)
    if not match or not re.search(r"USD|US\$|\$|dollar", figure, re.I):
        return False
    amount = float(match.group().replace(",", ""))
    lowered = figure.lower()
    if "billion" in lowered or "bn" in lowered:
        amount *= 1000
    elif not ("million" in lowered or re.search(r"\dm\b", lowered)):
        amount /= 1_000_000
    return any(abs(amount - v) < 0.05 for v in values)
