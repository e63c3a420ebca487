"""Merge the section files with the data through one sandboxed Jinja environment."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from briefkit.citations import CITATION_KEY
from briefkit.datasets import Data, Series, UnknownName, cite_keys
from briefkit.errors import InputError, Problem
from briefkit.exhibits import Caption, Context
from briefkit.exhibits.charts import ChartSpec, chart_spec, describe_chart
from briefkit.exhibits.notes import data_notes
from briefkit.exhibits.tables import records_table, series_table
from briefkit.formatting import Formatter
from briefkit.images import check_images
from briefkit.project import Project, Section
from briefkit.yamlfile import read_text

FILTERS = ("figure", "percent", "longdate")
UNKNOWN_LABEL = "unknown exhibit label"
_LABEL = re.compile(r"^(tbl|fig):[a-z0-9][a-z0-9_-]*$")


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

    words: object = None

    def caption(self, label: str) -> Caption:
        kind = self.words("table" if label.startswith("tbl:") else "figure")
        same_kind = [lab for lab in self.captions if lab.split(":")[0] == label.split(":")[0]]
        return Caption(label, f"{kind} {same_kind.index(label) + 1}", self.captions[label])

    def ref(self, label: str) -> str:
        if label not in self.captions:
            known = ", ".join(self.captions) or "none"
            raise LookupError(f"{UNKNOWN_LABEL} '{label}'; exhibits placed: {known}")
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
    return env


def render_sections(project: Project, data: Data, image_format: str = "svg",
                    charts: dict[str, ChartSpec] | None = None,
                    env: ImmutableSandboxedEnvironment | None = None) -> list[RenderedSection]:
    """Render every section to Markdown; all problems at once.

    Charts point at charts/NAME.{image_format}; the charts the sections place are added to `charts` by name.
    """
    env = env or make_environment(project)
    words = project.words()
    numbering = _Numbering(words=words)
    problems: list[Problem] = []
    charts = {} if charts is None else charts
    _check_citations(project, data, problems)
    problems.extend(p for p in check_images(project) if p.severity == "error")
    context = Context(data, Formatter(words), words)
    first = _helpers(project, context, numbering, image_format, charts, collecting=True)
    env.filters.update({name: first[name] for name in FILTERS})
    # First pass: learn the order of the exhibits, so that references can point forward.
    causes: list[Problem] = []
    _render_all(project, env, first, causes)
    numbering.placed.clear()
    helpers = _helpers(project, context, numbering, image_format, charts, collecting=False)
    later: list[Problem] = []
    rendered = _render_all(project, env, helpers, later)
    # A mistake in an exhibit stops its section in the first pass; a reference to that exhibit then fails in the
    # second. The author sees the cause, not its consequence.
    problems.extend(causes)
    problems.extend(p for p in later if p not in causes and not (causes and p.message.startswith(UNKNOWN_LABEL)))
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
        return _undefined(exc.message or "")
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"sections cannot include or import files; remove the include of '{exc.name}'"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, LookupError):
        return str(exc.args[0]) if exc.args else "not found"
    if isinstance(exc, TypeError):
        return _call_mistake(str(exc))
    return f"{type(exc).__name__}: {exc}"


_NO_ATTRIBUTE = re.compile(r"^'(?:[\w.]+\.)?(\w+) object' has no attribute '(\w+)'$")
_UNDEFINED = re.compile(r"^'(\w+)' is undefined$")
FRIENDLY = {"Series": "a series", "Point": "a point of a series", "Alternative": "a figure from another source",
            "Records": "a records dataset", "PartialDate": "a date", "Source": "a source"}


def _undefined(message: str) -> str:
    """An undefined name or attribute, said in the author's terms, with the closest names that exist."""
    from difflib import get_close_matches

    match = _NO_ATTRIBUTE.match(message)
    if match and match.group(1) in FRIENDLY:
        kind, name = match.groups()
        import dataclasses

        cls = _KNOWN_TYPES()[kind]
        names = set(dir(cls)) | ({f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set())
        known = sorted(n for n in names if not n.startswith("_") and n not in ("declaration", "line", "growth_line"))
        close = get_close_matches(name, known, n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; it has: {', '.join(known)}"
        return f"undefined name: {FRIENDLY[kind]} has no '{name}'{hint}"
    match = _UNDEFINED.match(message)
    if match:
        close = get_close_matches(match.group(1), HELPER_NAMES, n=2)
        if close:
            return f"undefined name: '{match.group(1)}' is undefined; did you mean {' or '.join(close)}?"
    return f"undefined name: {message}"


def _KNOWN_TYPES() -> dict:
    from briefkit.datasets import Alternative, Point, Records, Series, Source
    from briefkit.schema import PartialDate

    return {"Series": Series, "Point": Point, "Alternative": Alternative, "Records": Records,
            "PartialDate": PartialDate, "Source": Source}


HELPER_NAMES = ("data", "sources", "value", "table", "chart", "cite", "ref", "data_notes", "bibliography", "figure",
                "percent", "longdate")
_CALL = re.compile(r"^(?:\w+\.<locals>\.)?(\w+)\(\) (.*)$")


def _call_mistake(message: str) -> str:
    """A helper called with the wrong arguments, said without Python's internals."""
    match = _CALL.match(message)
    if not match:
        return f"wrong value in an expression: {message}"
    name, what = match.groups()
    what = what.replace("positional argument", "argument").replace("keyword argument", "option")
    return f"{name}(): {what}; see docs/authoring.md for what {name}() takes"


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


def _helpers(project: Project, ctx: Context, numbering: _Numbering, image_format: str,
             charts: dict[str, ChartSpec], collecting: bool) -> dict:
    data, fmt = ctx.data, ctx.fmt
    theme = project.theme

    def ref(label: str) -> str:
        # A link to the exhibit: clickable in HTML and PDF, a cross-reference field in the DOCX.
        return "??" if collecting else f"[{numbering.ref(label)}](#{label})"

    def place(label: str, caption: str, prefix: str) -> Caption:
        return numbering.place(label, caption, not collecting, prefix)

    def series_of(name) -> Series:
        dataset = data.dataset(name) if isinstance(name, str) else name
        if not isinstance(dataset, Series):
            raise UnknownName(f"'{dataset.name}' is a records dataset; a chart shows series: "
                              f"{', '.join(s.name for s in data.series()) or 'none declared'}")
        return dataset

    def points(series: Series, first, last) -> tuple:
        chosen = series.shown() if first is None and last is None else series.between(first, last)
        if not chosen:
            raise UnknownName(f"'{series.name}' has no points between {first} and {last}")
        return chosen

    def value(dataset: str, key, field: str | None = None) -> str:
        """A figure with its citation: value('exports', 2021), or a field of a record: value('deals', 'x', 'date')."""
        found = data.dataset(dataset)
        if isinstance(found, Series):
            if field is not None:
                raise UnknownName("a series point is given whole: value(DATASET, KEY); for one attribute write "
                                  "data.DATASET.point(KEY).growth | percent")
            point = found.point(key)
            return f"{fmt.figure(point)} {point.cite}".strip()
        record = found.record(key)
        if field is None:
            raise UnknownName(f"name the field of the record: value('{dataset}', {key!r}, FIELD); fields: "
                              f"{', '.join(record.values)}")
        declared = found.declaration.field(field)
        shown = getattr(record, field)
        if declared is not None and declared.unit is not None and isinstance(shown, (int, float)):
            text = fmt.figure(float(shown), declared.unit)
        else:
            text = fmt.plain(shown)
        return f"{text} {record.cite}".strip()

    def table(dataset: str, columns=None, sort: str | None = None, where=None, first=None, last=None,
              label: str | None = None, caption: str | None = None, note: str = "", widths=None) -> str:
        found = data.dataset(dataset)
        caption_ = place(label or f"tbl:{found.name}", caption or found.title, "tbl")
        if isinstance(found, Series):
            if columns is not None or where is not None or sort is not None:
                raise UnknownName("a series table has fixed columns (key, figure, kind, change, source); "
                                  "choose its points with first= and last=")
            return series_table(ctx, found, points(found, first, last), caption_, note, widths)
        if first is not None or last is not None:
            raise UnknownName("first= and last= choose the points of a series; filter records with where=")
        return records_table(ctx, found, caption_, columns, sort, where, note, widths)

    def chart(datasets, style: str = "line", first=None, last=None, label: str | None = None,
              caption: str | None = None, title: str | None = None, note: str = "") -> str:
        names = [datasets] if isinstance(datasets, (str, Series)) else list(datasets)
        if style not in ("line", "bar"):
            raise UnknownName(f"style='{style}' is not a chart style; use 'line' or 'bar'")
        chosen = [series_of(n) for n in names]
        if len({(s.unit.currency, s.unit.name, s.unit.scale, s.unit.percent) for s in chosen}) > 1:
            raise UnknownName("the series of one chart must share their unit")
        ranges = [points(s, first, last) for s in chosen]
        label = label or "fig:" + "-".join(s.name for s in chosen)
        name = label.replace(":", "-")
        default_title = " / ".join(s.title for s in chosen)
        spec = chart_spec(ctx, name, style, chosen, ranges, title or default_title,
                          (theme.ink, theme.accent, "#5b8c3a", "#8a5a9e"), theme.heading_font)
        charts[name] = spec
        caption_ = place(label, caption or default_title, "fig")
        sources = sorted({s for ps in ranges for p in ps for s in p.all_sources()},
                         key=lambda s: ctx.labels.get(s, s))
        changes = [f"{p.key}: {p.series_change}" for ps in ranges for p in ps if p.series_change]
        # The note on open markers and shaded slots, only where the chart has them.
        marked = any(p.kind in ("estimate", "projection", "gap") for ps in ranges for p in ps)
        line = " ".join(x for x in (
            words("sources_line", sources=ctx.named(sources)), words("chart_notes") if marked else "",
            " ".join(changes), note) if x)
        return chart_figure(f"charts/{name}.{image_format}", caption_, describe_chart(ctx, spec, chosen), line,
                            ctx.words, [s.name for s in chosen])

    words = ctx.words

    def figure_filter(value, dataset: str | None = None) -> str:
        unit = None
        if dataset is not None:
            found = data.dataset(dataset)
            if not isinstance(found, Series):
                raise UnknownName(f"figure('{dataset}') takes the unit of a series; '{dataset}' is records")
            unit = found.unit
        return fmt.figure(_defined(value), unit)

    def percent_filter(value, signed: bool = True) -> str:
        return fmt.percent(_defined(value), signed)

    def date_filter(value) -> str:
        return fmt.date(_defined(value))

    return {
        "data": data.datasets,
        "sources": data.sources,
        "value": value,
        "table": table,
        "chart": chart,
        "cite": lambda ids: cite_keys((ids,) if isinstance(ids, str) else tuple(ids)),
        "ref": ref,
        "data_notes": lambda: data_notes(ctx),
        "bibliography": lambda: "::: {#refs}\n:::",
        "figure": figure_filter,
        "percent": percent_filter,
        "longdate": date_filter,
    }


def _defined(value):
    """An undefined name given to a filter is the author's mistake, reported as such (not as a wrong type)."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


def chart_figure(image: str, caption: Caption, alt: str, source: str, words, files: list[str]) -> str:
    from briefkit.exhibits import download_link, md_escape, source_line

    alt_attr = alt.replace("\\", "\\\\").replace('"', '\\"')
    links = " ".join(download_link(words, f"{name}.csv") for name in files)
    return "\n\n".join([
        f'![{md_escape(caption.full)}]({image}){{#{caption.label} alt="{alt_attr}"}}',
        source_line(md_escape(source) + " " + links),
    ])
