"""Merge the section files with the data through one sandboxed Jinja environment."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from briefkit.charts import chart_source_line, describe_trade
from briefkit.data import Agreement, Data, cite_keys
from briefkit.errors import InputError, Problem
from briefkit.exhibits import Caption, agreements_table, chart_figure, data_notes, trade_table
from briefkit.formatting import longdate, pct, usd
from briefkit.project import Project, Section
from briefkit.yamlfile import read_text

# label -> (kind, caption text); the number comes from the order of appearance.
EXHIBITS = {
    "tbl:agreements": ("Table", "Agreements and milestones in Russia\u2013Turkmenistan relations"),
    "tbl:trade": ("Table", "Bilateral trade by year, with the kind and source of each figure"),
    "fig:trade": ("Figure", "Bilateral trade, in billions of US dollars"),
}
_CITATION = re.compile(r"(?<![\w.@])@([a-z0-9][a-z0-9-]*)")


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    markdown: str


@dataclass
class _Numbering:
    """Exhibit numbers by order of appearance; filled in a first pass, read in the second."""

    order: list[str] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)

    def place(self, label: str, strict: bool) -> Caption:
        if label in self.placed and strict:
            raise LookupError(f"the exhibit '{label}' is placed twice")
        self.placed.append(label)
        if label not in self.order:
            self.order.append(label)
        return self.caption(label)

    def caption(self, label: str) -> Caption:
        kind, text = EXHIBITS[label]
        same_kind = [lab for lab in self.order if EXHIBITS[lab][0] == kind]
        number = same_kind.index(label) + 1 if label in same_kind else 0
        return Caption(label, f"{kind} {number}", text)

    def ref(self, label: str) -> str:
        if label not in EXHIBITS:
            raise LookupError(f"unknown exhibit label '{label}'; known labels: {', '.join(EXHIBITS)}")
        if label not in self.order:
            raise LookupError(f"'{label}' is referred to but its exhibit is placed in no section")
        return self.caption(label).number


def make_environment(project: Project) -> SandboxedEnvironment:
    """The one Jinja environment: sandboxed, strict, with delimiters that leave pandoc's {#id} alone."""
    sources = {s.display: s.path for s in project.sections}

    def load(name: str):
        path = sources[name]
        return read_text(path, name), str(path), lambda: False

    env = SandboxedEnvironment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters.update(usd=usd, pct=pct, longdate=longdate)
    return env


def render_sections(project: Project, data: Data, chart_image: str) -> list[RenderedSection]:
    """Render every section to Markdown, the chart pointing at `chart_image`; all problems at once."""
    env = make_environment(project)
    numbering = _Numbering()
    problems: list[Problem] = []
    _check_citations(project, data, problems)
    # First pass: learn the order of the exhibits, so that references can point forward.
    _render_all(project, env, _helpers(data, numbering, chart_image, collecting=True), [])
    numbering.placed.clear()
    rendered = _render_all(project, env, _helpers(data, numbering, chart_image, collecting=False), problems)
    if problems:
        raise InputError(problems)
    return rendered


def _render_all(project: Project, env, helpers: dict, problems: list[Problem]) -> list[RenderedSection]:
    out = []
    for section in project.sections:
        try:
            text = env.get_template(section.display).render(helpers)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(section.display, exc.lineno, None, f"template syntax error: {exc.message}"))
            continue
        except Exception as exc:  # noqa: BLE001 - any failure inside a template is the author's to fix
            problems.append(Problem(section.display, _template_line(exc, section.path), None, _describe(exc)))
            continue
        if not text.strip():
            problems.append(Problem(section.display, 1, None, "the section is empty"))
        out.append(RenderedSection(section, text))
    return out


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined name: {exc.message}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, LookupError):
        return str(exc.args[0]) if exc.args else "not found"
    return f"{type(exc).__name__}: {exc}"


def _template_line(exc: BaseException, path: Path) -> int | None:
    """The line of the section where the error happened, from Jinja's rewritten traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line


def _check_citations(project: Project, data: Data, problems: list[Problem]) -> None:
    for section in project.sections:
        text = read_text(section.path, section.display)
        for number, line in enumerate(text.splitlines(), 1):
            for match in _CITATION.finditer(line):
                if match.group(1) not in data.sources:
                    problems.append(Problem(
                        section.display, number, match.start() + 1,
                        f"unknown source '@{match.group(1)}'; it is not in data/sources.yaml"))


def _helpers(data: Data, numbering: _Numbering, chart_image: str, collecting: bool) -> dict:
    period = data.trade.points_for_chart()

    def ref(label: str) -> str:
        return "??" if collecting else numbering.ref(label)

    def agreement(ident: str) -> Agreement:
        for item in data.agreements:
            if item.id == ident:
                return item
        raise LookupError(f"unknown agreement '{ident}'; it is not in data/agreements.yaml")

    def trade_value(year: int) -> str:
        point = data.trade.point(year)
        return f"{usd(point)} {point.cite}".strip()

    return {
        "trade": data.trade,
        "agreements": data.agreements,
        "sources": data.sources,
        "agreement": agreement,
        "trade_value": trade_value,
        "cite": cite_keys,
        "ref": ref,
        "agreements_table": lambda: agreements_table(data, numbering.place("tbl:agreements", not collecting)),
        "trade_table": lambda: trade_table(data, period, numbering.place("tbl:trade", not collecting)),
        "trade_chart": lambda: chart_figure(
            chart_image,
            numbering.place("fig:trade", not collecting),
            describe_trade(period),
            chart_source_line(data, period),
        ),
        "data_notes": lambda: data_notes(data),
        "bibliography": lambda: "::: {#refs}\n:::",
    }
