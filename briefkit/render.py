"""Merge the section files with the data through one sandboxed Jinja environment."""

from __future__ import annotations

import inspect
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from briefkit.citations import CITATION_KEY
from briefkit.datasets import Data, Series, UnknownName, cite_keys, is_broken
from briefkit.errors import InputError, Problem
from briefkit.exhibits import Caption, Context
from briefkit.exhibits.charts import ChartSpec, chart_spec, describe_chart
from briefkit.exhibits.notes import data_notes
from briefkit.exhibits.tables import records_table, series_table
from briefkit.formatting import Formatter
from briefkit.hints import did_you_mean
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
            raise UnknownName(f"{UNKNOWN_LABEL} '{label}'", did_you_mean(label, self.captions, "exhibits placed: {}"))
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


def make_environment(project: Project, rewrite=None, cache: bool = True) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment: sandboxed, strict, with delimiters that leave pandoc's {#id} alone.

    rewrite(name, text): the text to compile instead of a section's (the source map's traced rendering).
    cache: keep the sections' compiled code in the project's cache folder, by their text (a later process,
    `check` above all, then skips Jinja's compiler for every section that did not change).
    """
    sources = {s.display: s.path for s in project.sections}

    def load(name: str):
        path = sources.get(name)
        if path is None:
            return None  # Jinja raises TemplateNotFound: only the listed sections are templates
        # An environment lives for one build: a template compiled once serves every pass and format.
        text = read_text(path, name)
        return (rewrite(name, text) if rewrite else text), str(path), lambda: True

    env = _SectionEnvironment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        autoescape=False,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(project.root) if cache and rewrite is None else None,
    )
    return env


def _bytecode_cache(root: Path) -> jinja2.BytecodeCache | None:
    """Jinja's cache of compiled templates (checked against each section's text), in a folder of this engine's
    code and Jinja's version: the compiled code follows the environment this module sets up."""
    import hashlib

    key = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode()).hexdigest()[:16]
    folder = root / ".cache" / "jinja" / key
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def render_sections(project: Project, data: Data, image_format: str = "svg",
                    charts: dict[str, ChartSpec] | None = None,
                    env: ImmutableSandboxedEnvironment | None = None) -> list[RenderedSection]:
    """Render every section to Markdown; an InputError with all problems at once.

    Charts point at charts/NAME.{image_format}; the charts the sections place are added to `charts` by name.
    """
    rendered, problems = check_sections(project, data, image_format, charts, env)
    if problems:
        raise InputError(problems)
    return rendered


def check_sections(project: Project, data: Data, image_format: str = "svg",
                   charts: dict[str, ChartSpec] | None = None,
                   env: ImmutableSandboxedEnvironment | None = None,
                   tracer=None) -> tuple[list[RenderedSection], list[Problem]]:
    """Render every section, against whatever data did load; the sections and every problem met.

    tracer (briefkit.review.sourcemap.Tracer): the helpers mark the text they take from the data.
    """
    env = env or make_environment(project)
    words = project.words()
    numbering = _Numbering(words=words)
    problems: list[Problem] = []
    charts = {} if charts is None else charts
    _check_citations(project, data, problems)
    problems.extend(p for p in check_images(project) if p.severity == "error")
    context = Context(data, Formatter(words), words, trace=tracer)
    first = _helpers(project, context, numbering, image_format, charts, collecting=True, tracer=tracer)
    env.filters.update({name: first[name] for name in FILTERS})
    # First pass: learn the order of the exhibits, so that references can point forward.
    causes: list[Problem] = []
    _render_all(project, env, first, causes, numbering)
    numbering.placed.clear()
    helpers = _helpers(project, context, numbering, image_format, charts, collecting=False, tracer=tracer)
    env.filters.update({name: helpers[name] for name in FILTERS})
    later: list[Problem] = []
    rendered = _render_all(project, env, helpers, later, numbering)
    # A mistake that stops a section (or a section that could not be read) can keep an exhibit from being placed;
    # a reference to that exhibit then fails in the second pass. The author sees the cause, not its consequence.
    unsure = bool(causes) or not project.sections_complete
    problems.extend(causes)
    problems.extend(p for p in later if p not in causes and not (unsure and p.message.startswith(UNKNOWN_LABEL)))
    return rendered, problems


# After a mistake in an expression the section is rendered again without it, to find the mistakes after it.
MAX_RECOVERIES = 50
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
_STATEMENT = re.compile(r"\{%.*?%\}", re.S)


def _render_all(project: Project, env, helpers: dict, problems: list[Problem],
                numbering: _Numbering) -> list[RenderedSection]:
    out = []
    for section in project.sections:
        text = _render_section(env, section, helpers, problems, numbering)
        if text is None:
            continue
        if not text.strip():
            problems.append(Problem(section.display, 1, None, "the section is empty"))
        out.append(RenderedSection(section, text))
    return out


def _render_section(env, section: Section, helpers: dict, problems: list[Problem],
                    numbering: _Numbering) -> str | None:
    """The section rendered, or None after a mistake; every mistake that can be told apart is recorded."""
    source = None
    found: list[Problem] = []
    placed = len(numbering.placed)
    for _ in range(MAX_RECOVERIES):
        del numbering.placed[placed:]  # a section rendered again places its exhibits again
        try:
            if source is None:
                template = env.get_template(section.display)
            else:
                code = env.compile(source, section.display, str(section.path))
                template = env.template_class.from_code(env, code, env.make_globals(None), None)
            text = template.render(helpers)
        except InputError as exc:
            problems.extend(exc.problems)
            return None
        except jinja2.TemplateSyntaxError as exc:
            if source is None:
                problems.append(syntax_problem(exc, section.display, read_text(section.path, section.display), env))
            return None
        except Exception as exc:  # noqa: BLE001 - any failure inside a template is the author's to fix
            if source is None:
                source = read_text(section.path, section.display)
            problem = _located(exc, section, source, helpers)
            if any((f.line, f.message) == (problem.line, problem.message) for f in found):
                break
            found.append(problem)
            problems.append(problem)
            source = _without_expression(source, problem)
            if source is None:
                break
            continue
        return None if found else text
    return None


# The tags a section may open, and the words that close or divide them.
TAGS = ("if", "for", "set", "macro", "call", "filter", "with", "block", "raw", "print")
_END_TAGS = ("elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endwith", "endblock",
             "endraw")
_NO_FILTER = re.compile(r"^No filter named '([^']+)'")
_NO_TEST = re.compile(r"^No test named '([^']+)'")
_UNKNOWN_TAG = re.compile(r"^Encountered unknown tag '([^']+)'\.(?: Jinja was looking for the following tags: (.*?)\."
                          r" The innermost block that needs to be closed is '(\w+)'\.)?")
_UNCLOSED = re.compile(r"^Unexpected end of template\. Jinja was looking for the following tags: (.*?)\. "
                       r"The innermost block that needs to be closed is '(\w+)'\.")
_EXPECTED = re.compile(r"^expected token '([^']+)', got '([^']+)'")
_WORDS = {"end of statement block": "the end of the tag ('%}')", "end of print statement": "the end of the "
          "expression ('}}')", "name": "a name"}


def syntax_problem(exc: jinja2.TemplateSyntaxError, display: str, source: str, env) -> Problem:
    """A template that does not parse, in the author's words: what is wrong, where on its line, what to write.

    A misspelt filter, test, tag or keyword gets its column, a caret and the closest name, as a misspelt helper does.
    """
    message, hint, pattern = f"template syntax error: {exc.message}", "", None
    text, line = exc.message or "", exc.lineno
    if match := _NO_FILTER.match(text):
        name = match.group(1)
        message = f"unknown filter '{name}'"
        hint = did_you_mean(name, [*FILTERS, *sorted(set(env.filters) - set(FILTERS))], "filters: {}")
        pattern = rf"\|\s*({re.escape(name)})(?!\w)"
    elif match := _NO_TEST.match(text):
        message, hint, pattern = _unknown_test(match.group(1), env)
    elif match := _UNKNOWN_TAG.match(text):
        name, wanted, inner = match.groups()
        expected = re.findall(r"'(\w+)'", wanted or "")
        message = f"unknown tag '{name}'"
        if inner:
            message += f" inside the '{inner}' block"
        hint = did_you_mean(name, expected or [*TAGS, *_END_TAGS])
        if not hint and inner:
            hint = f"the '{inner}' block ends with {{% {expected[0] if expected else 'end' + inner} %}}"
        pattern = rf"\{{%[-+]?\s*({re.escape(name)})(?!\w)"
    elif match := _UNCLOSED.match(text):
        wanted, inner = match.groups()
        ends = re.findall(r"'(\w+)'", wanted)
        end = next((e for e in ends if e.startswith("end")), "end" + inner)
        message = f"the '{inner}' block is never closed"
        hint = f"close it with {{% {end} %}}"
        opened = _unclosed(source, inner)
        if opened is not None:
            line, pattern = opened, rf"\{{%[-+]?\s*({inner})(?!\w)"
    elif match := _EXPECTED.match(text):
        wanted, got = match.groups()
        message = f"expected {_WORDS.get(wanted, repr(wanted))} here, found '{got}'"
        hint = did_you_mean(got, [wanted]) if wanted not in _WORDS else ""
        pattern = rf"(?<!\w)({re.escape(got)})(?!\w)"
    column, width = None, 0
    lines = source.splitlines()
    if pattern and line is not None and 0 < line <= len(lines):
        starts = [m.start(1) for m in re.finditer(pattern, lines[line - 1])]
        if len(starts) == 1:  # where the name is there more than once, the line is all that is known
            column, width = starts[0] + 1, len(re.search(pattern, lines[line - 1]).group(1))
    return Problem(display, line, column, message, hint=hint, width=width)


def _unclosed(source: str, tag: str) -> int | None:
    """The line of the last {% tag %} that no {% endtag %} closes."""
    opened: list[int] = []
    for match in re.finditer(rf"\{{%[-+]?\s*(end)?{tag}(?!\w)", source):
        if match.group(1):
            if opened:
                opened.pop()
        else:
            opened.append(source.count("\n", 0, match.start()) + 1)
    return opened[-1] if opened else None


def _unknown_test(name: str, env) -> tuple[str, str, str]:
    return (f"unknown test '{name}'", did_you_mean(name, sorted(env.tests), "tests: {}"),
            rf"\bis\s+(?:not\s+)?({re.escape(name)})(?!\w)")


def _located(exc: Exception, section: Section, source: str, helpers: dict) -> Problem:
    """The mistake, with its line and, where the name it is about can be found on that line, its column."""
    line = _template_line(exc, section.path)
    message, hint, token = _describe(exc, helpers)
    column = width = None
    if line is not None and token:
        text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
        spans = [m.span() for m in (*_EXPRESSION.finditer(text), *_STATEMENT.finditer(text))]
        starts = [m.start() for m in re.finditer(rf"(?<![\w]){re.escape(token)}(?![\w])", text)
                  if any(a <= m.start() < b for a, b in spans)]
        if len(starts) == 1:  # where the name is there more than once, the line is all that is known
            column, width = starts[0] + 1, len(token)
    return Problem(section.display, line, column, message, hint=hint, width=width or 0)


def _without_expression(source: str, problem: Problem) -> str | None:
    """The source with the failing {{ expression }} blanked out (the one at the column, or all on the line)."""
    if problem.line is None:
        return None
    lines = source.split("\n")
    if problem.line > len(lines):
        return None
    text = lines[problem.line - 1]
    if problem.column is not None and any(a < problem.column <= b for a, b in
                                          (m.span() for m in _STATEMENT.finditer(text))):
        return None  # inside {% ... %}: blanking it would break the blocks of the section
    spans = [m for m in _EXPRESSION.finditer(text)
             if problem.column is None or m.start() < problem.column <= m.end()]
    if not spans:
        return None
    for match in reversed(spans):
        text = text[:match.start()] + "??" + text[match.end():]
    lines[problem.line - 1] = text
    return "\n".join(lines)


def _describe(exc: Exception, helpers: dict) -> tuple[str, str, str]:
    """What went wrong in the author's terms: the message, the hint, and the name to point the caret at."""
    if isinstance(exc, jinja2.UndefinedError):
        return _undefined(exc.message or "")
    if isinstance(exc, jinja2.TemplateNotFound):
        return ("sections cannot include or import files", f"remove the include of '{exc.name}'", exc.name or "")
    if isinstance(exc, jinja2.TemplateRuntimeError) and (match := _NO_TEST.match(str(exc))):
        from jinja2.tests import TESTS

        message, hint, _ = _unknown_test(match.group(1), type("Tests", (), {"tests": TESTS}))
        return message, hint, match.group(1)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}", "", ""
    if isinstance(exc, UnknownName):
        return exc.message, exc.hint, exc.token or _quoted_token(exc.message)
    if isinstance(exc, LookupError):
        return (str(exc.args[0]) if exc.args else "not found"), "", ""
    if isinstance(exc, TypeError):
        return _call_mistake(str(exc), helpers)
    return f"{type(exc).__name__}: {exc}", "", ""


def _quoted_token(message: str) -> str:
    match = re.search(r"'([^'\s]+)'", message)
    return match.group(1) if match else ""


_NO_ATTRIBUTE = re.compile(r"^'(?:[\w.]+\.)?(\w+)(?: object)?' has no attribute '(\w+)'$")
_UNDEFINED = re.compile(r"^'(\w+)' is undefined$")
FRIENDLY = {"Series": "a series", "Point": "a point of a series", "Alternative": "a figure from another source",
            "Records": "a records dataset", "PartialDate": "a date", "Source": "a source", "str": "a text",
            "int": "a number", "float": "a number", "list": "a list", "tuple": "a list", "dict": "a mapping",
            "None": "an empty value", "bool": "true or false"}


def _undefined(message: str) -> tuple[str, str, str]:
    """An undefined name or attribute, said in the author's terms, with the closest names that exist."""
    match = _NO_ATTRIBUTE.match(message)
    if match:
        kind, name = match.groups()
        what = FRIENDLY.get(kind, "this value")
        cls = _KNOWN_TYPES().get(kind)
        if cls is None:
            return f"{what} has no '{name}'", "", name
        import dataclasses

        names = set(dir(cls)) | ({f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set())
        known = sorted(n for n in names if not n.startswith("_") and n not in ("declaration", "line", "growth_line"))
        return f"{what} has no '{name}'", did_you_mean(name, known, "it has: {}"), name
    match = _UNDEFINED.match(message)
    if match:
        name = match.group(1)
        return f"unknown name '{name}'", did_you_mean(name, HELPER_NAMES, "a section may use: {}"), name
    return f"undefined name: {message}", "", ""


def _KNOWN_TYPES() -> dict:
    from briefkit.datasets import Alternative, Point, Records, Series, Source
    from briefkit.schema import PartialDate

    return {"Series": Series, "Point": Point, "Alternative": Alternative, "Records": Records,
            "PartialDate": PartialDate, "Source": Source}


HELPER_NAMES = ("data", "sources", "value", "table", "chart", "map", "cite", "ref", "data_notes", "bibliography",
                "figure", "percent", "longdate", "changes_since")
_CALL = re.compile(r"^(?:[\w.<>]+\.)?(\w+)\(\) (.*)$")
_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")
_MISSING = re.compile(r"missing \d+ required (?:positional|keyword-only) arguments?: (.*)")
_TOO_MANY = re.compile(r"takes (?:from \d+ to )?(\d+) positional arguments? but (\d+) (?:was|were) given")


def _call_mistake(message: str, helpers: dict) -> tuple[str, str, str]:
    """A helper called with the wrong arguments, said with the helper's own options, without Python's internals."""
    match = _CALL.match(message)
    by_function = {getattr(f, "__name__", ""): (name, f) for name, f in helpers.items() if callable(f)}
    if not match or match.group(1) not in by_function:
        return "wrong value in an expression", message, ""
    name, function = by_function[match.group(1)]
    what = match.group(2)
    options = list(inspect.signature(function).parameters)[1 if name in FILTERS else 0:]
    takes = f"{name}() takes: {', '.join(options)}"
    if unexpected := _UNEXPECTED.search(what):
        option = unexpected.group(1)
        close = did_you_mean(option, options)
        return f"{name}() has no option '{option}'", f"{close} {takes}" if close else takes, option
    if missing := _MISSING.search(what):
        return f"{name}() is missing {missing.group(1)}", takes, name
    if many := _TOO_MANY.search(what):
        implicit = 1 if name in FILTERS else 0  # a filter's first value is the one before the |
        most, given = int(many.group(1)) - implicit, int(many.group(2)) - implicit
        return f"{name}() takes at most {most} value{'s' * (most != 1)} without a name; got {given}", takes, name
    return f"{name}(): {what}", takes, name


def _template_line(exc: BaseException, path: Path) -> int | None:
    """The line of the section where the error happened, from Jinja's rewritten traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line


def _check_citations(project: Project, data: Data, problems: list[Problem]) -> None:
    # Where data/sources.yaml could not be read, its mistake is reported, and the citations are checked against
    # the ids its lines still show; with none readable, they cannot be checked.
    known, listing = data.known_source_ids()
    if not known and not data.sources_complete:
        return
    for section in project.sections:
        try:
            text = read_text(section.path, section.display)
        except InputError:
            continue  # reported once, when the section is rendered
        for number, line in enumerate(text.splitlines(), 1):
            for match in CITATION_KEY.finditer(line):
                if match.group(1) not in known:
                    problems.append(Problem(
                        section.display, number, match.start() + 1, f"unknown source '@{match.group(1)}'",
                        hint=did_you_mean(match.group(1), sorted(known) if not data.sources_complete else data.sources,
                                          listing, "@"),
                        width=len(match.group())))


def chart_marks_note(words, style: str, by_year: bool, ranges) -> str:
    """What the marks of a chart mean, for the marks it draws: open circles and diamonds on a line, dotted open
    bars, shaded slots of gaps; empty where it draws only firm figures."""
    kinds = {p.kind for ps in ranges for p in ps}
    notes = []
    if style == "bar":
        both = {"estimate", "projection"} <= kinds
        notes += ["chart_note_bar_both"] if both else [f"chart_note_bar_{k}" for k in ("estimate", "projection")
                                                       if k in kinds]
    else:
        notes += [f"chart_note_line_{k}" for k in ("estimate", "projection") if k in kinds]
    if "gap" in kinds:
        notes.append("chart_note_gap_years" if by_year else "chart_note_gap_categories")
    return " ".join(words(key) for key in notes)


def _helpers(project: Project, ctx: Context, numbering: _Numbering, image_format: str,
             charts: dict[str, ChartSpec], collecting: bool, tracer=None) -> dict:
    data, fmt = ctx.data, ctx.fmt
    theme = project.theme

    def traced(text: str, origin) -> str:
        return tracer.datum(text, origin()) if tracer is not None else text

    def ref(label: str) -> str:
        # A link to the exhibit: clickable in HTML and PDF, a cross-reference field in the DOCX.
        return "??" if collecting else f"[{numbering.ref(label)}](#{label})"

    def place(label: str, caption: str, prefix: str) -> Caption:
        return numbering.place(label, caption, not collecting, prefix)

    def series_of(name) -> Series:
        dataset = data.dataset(name) if isinstance(name, str) else name
        if is_broken(dataset):
            return dataset
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
        if is_broken(found):
            return str(found)
        if isinstance(found, Series):
            if field is not None:
                raise UnknownName("a series point is given whole: value(DATASET, KEY); for one attribute write "
                                  "data.DATASET.point(KEY).growth | percent")
            point = found.point(key)
            if is_broken(point):
                return str(point)
            return f"{traced(fmt.figure(point), lambda: tracer.field(found, point, 'value'))} {point.cite}".strip()
        record = found.record(key)
        if is_broken(record):
            return str(record)
        if field is None:
            raise UnknownName(f"name the field of the record: value('{dataset}', {key!r}, FIELD); fields: "
                              f"{', '.join(record.values)}")
        declared = found.declaration.field(field)
        shown = getattr(record, field)
        if declared is not None and declared.unit is not None and isinstance(shown, (int, float)):
            text = fmt.figure(shown, declared.unit)
        else:
            text = fmt.plain(shown)
        return f"{traced(text, lambda: tracer.field(found, record, field))} {record.cite}".strip()

    def table(dataset: str, columns=None, sort: str | None = None, where=None, first=None, last=None,
              label: str | None = None, caption: str | None = None, note: str = "", widths=None) -> str:
        found = data.dataset(dataset)
        if is_broken(found) or found.incomplete:
            # The data has a mistake, reported in its file: the table is placed, so references to it still work.
            place(label or f"tbl:{dataset}", caption or dataset, "tbl")
            return "??"
        caption_ = place(label or f"tbl:{found.name}", caption or found.title, "tbl")
        layout: list = []
        if isinstance(found, Series):
            if columns is not None or where is not None or sort is not None:
                raise UnknownName("a series table has fixed columns (key, figure, kind, change, source); "
                                  "choose its points with first= and last=")
            text = series_table(ctx, found, points(found, first, last), caption_, note, widths, layout)
        else:
            if first is not None or last is not None:
                raise UnknownName("first= and last= choose the points of a series; filter records with where=")
            text = records_table(ctx, found, caption_, columns, sort, where, note, widths, layout)
        return traced(text, lambda: tracer.table(found, *layout))

    def chart(datasets, style: str = "line", first=None, last=None, label: str | None = None,
              caption: str | None = None, title: str | None = None, note: str = "") -> str:
        names = [datasets] if isinstance(datasets, (str, Series)) else list(datasets)
        if style not in ("line", "bar"):
            raise UnknownName(f"style='{style}' is not a chart style; use 'line' or 'bar'")
        chosen = [series_of(n) for n in names]
        if any(is_broken(s) or s.incomplete for s in chosen):
            place(label or "fig:" + "-".join(str(n if isinstance(n, str) else n.name) for n in names),
                  caption or "??", "fig")
            return "??"
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
        line = " ".join(x for x in (
            words("sources_line", sources=ctx.named(sources)), chart_marks_note(words, style, chosen[0].by_year,
                                                                                  ranges),
            " ".join(changes), note) if x)
        return chart_figure(f"charts/{name}.{image_format}", caption_, describe_chart(ctx, spec, chosen), line,
                            ctx.words, [s.name for s in chosen])

    def map_exhibit(name: str, places=None, routes=None, areas=None, show=None, extent=None, label: str | None = None,
                    caption: str | None = None, title: str | None = None, note: str = "") -> str:
        """A map of places, routes and countries from records datasets (briefkit/exhibits/maps.py)."""
        from briefkit.exhibits.maps import SHIPPED_BOUNDARIES, boundaries_file, describe_map, map_spec

        label = label or f"fig:{name}"
        chosen = [data.dataset(n) for n in (places, routes, areas) if isinstance(n, str)]
        if any(is_broken(d) or getattr(d, "incomplete", False) for d in chosen):
            place(label, caption or name, "fig")
            return "??"
        file_name = label.replace(":", "-")
        spec, rows = map_spec(ctx, file_name, places, routes, areas, show, extent, title or "",
                              (theme.ink, theme.accent), theme.heading_font, project.data_dir)
        charts[file_name] = spec
        caption_ = place(label, caption or name, "fig")
        sources = sorted({s for row in rows for s in row.sources}, key=lambda s: ctx.labels.get(s, s))
        shipped = boundaries_file(project.data_dir)[0] == SHIPPED_BOUNDARIES
        boundaries = words("map_boundaries", boundaries=words("map_natural_earth" if shipped else "map_own_boundaries"))
        line = " ".join(x for x in (words("sources_line", sources=ctx.named(sources)) if sources else "", note,
                                    boundaries) if x)
        return chart_figure(f"charts/{file_name}.{image_format}", caption_, describe_map(ctx, spec, caption_.text),
                            line, ctx.words, [d.name for d in chosen])

    map_exhibit.__name__ = "map"
    words = ctx.words

    def figure_filter(value, dataset: str | None = None) -> str:
        if is_broken(value):
            return str(value)
        unit = None
        if dataset is not None:
            found = data.dataset(dataset)
            if is_broken(found):
                return str(found)
            if not isinstance(found, Series):
                raise UnknownName(f"figure('{dataset}') takes the unit of a series; '{dataset}' is records")
            unit = found.unit
        return traced(fmt.figure(_defined(value), unit), lambda: tracer.owner(value))

    def percent_filter(value, signed: bool = True) -> str:
        return str(value) if is_broken(value) else fmt.percent(_defined(value), signed)

    def date_filter(value) -> str:
        return str(value) if is_broken(value) else traced(fmt.date(_defined(value)), lambda: tracer.owner(value))

    def cite(ids) -> str:
        return cite_keys((ids,) if isinstance(ids, str) else tuple(ids))

    def notes() -> str:
        return data_notes(ctx, project.url)

    def bibliography() -> str:
        return "::: {#refs}\n:::"

    def changes_since(revision: str) -> str:
        """What changed in the data since an earlier edition (a git revision or a folder)."""
        if collecting:
            return ""  # the first pass only numbers the exhibits
        from briefkit.compare.summary import changes_since as summary

        return summary(project.root, str(revision), data, ctx)

    helpers = {
        "data": data.datasets,
        "sources": data.sources,
        "value": value,
        "table": table,
        "chart": chart,
        "map": map_exhibit,
        "cite": cite,
        "ref": ref,
        "data_notes": notes,
        "bibliography": bibliography,
        "changes_since": changes_since,
        "figure": figure_filter,
        "percent": percent_filter,
        "longdate": date_filter,
    }
    if tracer is not None:
        helpers[tracer.name] = tracer.mark  # the call the traced sections wrap each expression in
    return helpers


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
