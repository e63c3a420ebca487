"""Merge the section files with the data through one sandboxed Jinja environment."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from briefkit.charts import chart_source_line, describe_trade
from briefkit.citations import CITATION_KEY
from briefkit.data import Agreement, Data, cite_keys
from briefkit.errors import InputError, Problem
from briefkit.exhibits import Caption, agreements_table, chart_figure, data_notes, trade_table
from briefkit.formatting import longdate, pct, usd
from briefkit.images import check_images
from briefkit.project import Project, Section
from briefkit.yamlfile import read_text

# The default label and caption of each generated exhibit; a section may place one again under another label.
DEFAULTS = {
    "agreements_table": ("tbl:agreements", "Agreements and milestones in Russia\u2013Turkmenistan relations"),
    "trade_table": ("tbl:trade", "Bilateral trade by year, with the kind and source of each figure"),
    "trade_chart": ("fig:trade", "Bilateral trade, in billions of US dollars"),
}
KINDS = {"tbl": "Table", "fig": "Figure"}
_LABEL = re.compile(r"^(tbl|fig):[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    markdown: str


@dataclass
class _Numbering:
    """Exhibit numbers by order of appearance; filled in a first pass, read in the second."""

    captions: dict[str, str] = field(default_factory=dict)
    placed: list[str] = field(default_factory=list)

    def place(self, label: str, caption: str, strict: bool, prefix: str) -> Caption:
        match = _LABEL.match(label)
        if not match or match.group(1) != prefix:
            raise LookupError(f"exhibit label '{label}' must look like '{prefix}:some-name'")
        if label in self.placed and strict:
            raise LookupError(f"the exhibit '{label}' is placed twice; give the second one another label")
        self.placed.append(label)
        self.captions.setdefault(label, caption)
        return self.caption(label)

    def caption(self, label: str) -> Caption:
        kind = KINDS[label.split(":")[0]]
        same_kind = [lab for lab in self.captions if lab.split(":")[0] == label.split(":")[0]]
        return Caption(label, f"{kind} {same_kind.index(label) + 1}", self.captions[label])

    def ref(self, label: str) -> str:
        if label not in self.captions:
            known = ", ".join(self.captions) or "none"
            raise LookupError(f"unknown exhibit label '{label}'; exhibits placed: {known}")
        return self.caption(label).number


class _SectionEnvironment(ImmutableSandboxedEnvironment):
    """Sections cannot change the data other sections see, nor build huge strings with * or **."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator: str, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise jinja2.exceptions.SecurityError(f"the exponent {right} is too large")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and \
                        len(sequence) * count > 1_000_000:
                    raise jinja2.exceptions.SecurityError("the result would be too long (over a million items)")
        return super().call_binop(context, operator, left, right)


def make_environment(project: Project) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment: sandboxed, strict, with delimiters that leave pandoc's {#id} alone."""
    sources = {s.display: s.path for s in project.sections}

    def load(name: str):
        path = sources.get(name)
        if path is None:
            return None  # Jinja raises TemplateNotFound: only the listed sections are templates
        # An environment lives for one build: a template compiled once serves every pass and format.
        return read_text(path, name), str(path), lambda: True

    env = _SectionEnvironment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters.update(usd=usd, pct=pct, longdate=longdate)
    return env


def render_sections(project: Project, data: Data, image_format: str = "svg",
                    charts: set[tuple[int, int]] | None = None,
                    env: ImmutableSandboxedEnvironment | None = None) -> list[RenderedSection]:
    """Render every section to Markdown; all problems at once.

    Charts point at charts/trade-chart-FIRST-LAST.{image_format}; the periods asked for are added to `charts`.
    """
    env = env or make_environment(project)
    numbering = _Numbering()
    problems: list[Problem] = []
    charts = set() if charts is None else charts
    _check_citations(project, data, problems)
    problems.extend(p for p in check_images(project) if p.severity == "error")
    # First pass: learn the order of the exhibits, so that references can point forward.
    _render_all(project, env, _helpers(data, numbering, image_format, charts, collecting=True), [])
    numbering.placed.clear()
    helpers = _helpers(data, numbering, image_format, charts, collecting=False)
    rendered = _render_all(project, env, helpers, problems)
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
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"sections cannot include or import files; remove the include of '{exc.name}'"
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
        try:
            text = read_text(section.path, section.display)
        except InputError:
            continue  # reported once, when the section is rendered
        for number, line in enumerate(text.splitlines(), 1):
            for match in CITATION_KEY.finditer(line):
                if match.group(1) not in data.sources:
                    problems.append(Problem(
                        section.display, number, match.start() + 1,
                        f"unknown source '@{match.group(1)}'; it is not in data/sources.yaml"))


def chart_name(first: int, last: int) -> str:
    return f"trade-chart-{first}-{last}"


def _helpers(data: Data, numbering: _Numbering, image_format: str, charts: set[tuple[int, int]],
             collecting: bool) -> dict:
    def ref(label: str) -> str:
        # A link to the exhibit: clickable in HTML and PDF, a cross-reference field in the DOCX.
        return "??" if collecting else f"[{numbering.ref(label)}](#{label})"

    def agreement(ident: str) -> Agreement:
        for item in data.agreements:
            if item.id == ident:
                return item
        raise LookupError(f"unknown agreement '{ident}'; it is not in data/agreements.yaml")

    def trade_value(year: int) -> str:
        point = data.trade.point(year)
        return f"{usd(point)} {point.cite}".strip()

    def place(helper: str, label: str | None, caption: str | None) -> Caption:
        default_label, default_caption = DEFAULTS[helper]
        return numbering.place(label or default_label, caption or default_caption, not collecting,
                               default_label.split(":")[0])

    def period(first: int | None, last: int | None) -> tuple:
        points = data.trade.points_for_chart()
        first = points[0].year if first is None else first
        last = points[-1].year if last is None else last
        chosen = data.trade.between(first, last)
        if not chosen:
            raise LookupError(f"data/trade.yaml has no years between {first} and {last}")
        return chosen

    def agreements_exhibit(label: str | None = None, caption: str | None = None) -> str:
        return agreements_table(data, place("agreements_table", label, caption))

    def trade_table_exhibit(first: int | None = None, last: int | None = None, label: str | None = None,
                            caption: str | None = None) -> str:
        return trade_table(data, period(first, last), place("trade_table", label, caption))

    def trade_chart_exhibit(first: int | None = None, last: int | None = None, label: str | None = None,
                            caption: str | None = None) -> str:
        points = period(first, last)
        charts.add((points[0].year, points[-1].year))
        image = f"charts/{chart_name(points[0].year, points[-1].year)}.{image_format}"
        return chart_figure(image, place("trade_chart", label, caption), describe_trade(points),
                            chart_source_line(data, points))

    return {
        "trade": data.trade,
        "agreements": data.agreements,
        "sources": data.sources,
        "agreement": agreement,
        "trade_value": trade_value,
        "cite": cite_keys,
        "ref": ref,
        "agreements_table": agreements_exhibit,
        "trade_table": trade_table_exhibit,
        "trade_chart": trade_chart_exhibit,
        "data_notes": lambda: data_notes(data),
        "bibliography": lambda: "::: {#refs}\n:::",
    }
