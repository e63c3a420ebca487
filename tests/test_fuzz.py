"""Property-based tests: whatever YAML or Markdown a user writes, briefkit either succeeds or says why.

Every run either succeeds or raises the project's own InputError, whose problems each name a file and
say something; never another exception (a traceback for the user). Examples are few, so the file runs
in seconds; hypothesis prints the smallest failing input when one is found.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefkit.datasets import load_data
from briefkit.errors import EngineError, InputError
from briefkit.images import check_images, find_images, inline_images
from briefkit.project import load_project
from briefkit.render import render_sections
from briefkit.yamlfile import load_yaml
from tests.conftest import FIXTURE, copy_project

# BRIEFKIT_FUZZ=20 runs twenty times as many examples, to hunt rather than to guard.
SCALE = int(os.environ.get("BRIEFKIT_FUZZ", "1"))
FUZZ = settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=8 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the fixture project for the module; each example rewrites the file it fuzzes."""
    return copy_project(FIXTURE, tmp_path_factory.mktemp("fuzz") / "mini")


def restored(project: Path, relative: str) -> Path:
    """The path of one project file, put back as in the fixture (an earlier example may have changed it)."""
    shutil.copyfile(FIXTURE / relative, project / relative)
    return project / relative


def assert_own_error(exc: InputError) -> None:
    assert exc.problems, "an InputError must carry at least one problem"
    for problem in exc.problems:
        assert problem.path and problem.message.strip()
        assert problem.line is None or problem.line >= 1


# --- Strategies ---------------------------------------------------------------------------------------------

FIELD_NAMES = [
    "id", "title", "publisher", "date", "url", "note", "year", "kind", "value", "qualifier", "low", "high", "growth",
    "source", "alternatives", "unit", "period", "years", "sources", "agreements", "end", "subject", "scope",
    "status", "authors", "sections", "output", "name", "formats", "paper", "pdf", "attach_data", "keywords",
]
TRICKY_TEXT = [
    "2025-02-30", "2017-02", "2017", "0000", "9999-12-31", "reported", "gap", "range", "over", "customs", "news",
    "../../x", "/etc/passwd", "01-summary.md", "02-trade.md", "A4", "pdf", "html", "docx", "nan", ".inf", "~", "",
    "\u00e9", "\u202e", "\x85", "{{ x }}", "[@customs]", "a" * 300,
]
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=1990, max_value=2030)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20) | st.sampled_from(TRICKY_TEXT)
    | st.dates().map(lambda d: d.isoformat())
)
keys = st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=8)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
YAML_PIECES = [
    ":", ": ", "- ", "-", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ", "!!binary ", "!x ",
    "? ", "|", ">", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\n", "\n  ", "\t", "<<: ", "\\", "\x00",
    "year", "value", "2021", "2025-02-30", "sources", "id", "years", "kind: gap", "\ufeff", "&a [*a]",
    "[" * 40, "{a: " * 40, "1" * 5000, "1.0e+400",
]
yaml_text = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=6), max_size=40).map("".join)


@st.composite
def edited(draw, original: str) -> str:
    """The original text after a few random insertions, deletions and replacements."""
    text = original
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        cut = draw(st.integers(min_value=0, max_value=8))
        insert = draw(st.sampled_from(YAML_PIECES) | st.text(max_size=4))
        text = text[:at] + insert + text[at + cut:]
    return text


MARKDOWN_PIECES = [
    "# Title {#t}\n", "## Sub\n", "\n\n", "- item\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "[@customs]", "[@nobody]",
    "@news", "![x](images/x.png)", "![y](/etc/passwd)", "![z](http://h/z.png)", "<img src='file:///etc/passwd'>",
    "`code`", "```\n", "~~~\n", "{{ ", " }}", "{% ", " %}", "{## ", " ##}", "{{ value('trade', 2021) }}",
    "{{ data.trade.point(2020) | figure }}", "{{ data.trade.point(2022) | figure }}",
    "{{ ref('tbl:trade') }}", "{{ ref('x') }}",
    "{{ table('agreements') }}", "{{ table('trade') }}", "{{ chart('trade') }}", "{{ bibliography() }}",
    "{{ chart('trade', style='bar') }}", "{{ table('agreements', columns=['kind', {'text': '{nothing}'}]) }}",
    "{{ value('agreements', 'treaty-2002', 'date') }}", "{{ 5 | figure('trade') }}", "{{ 5 | figure }}",
    "{% for a in data.agreements %}{{ a.title }}{{ a.nothing }}{% endfor %}", "{% if true %}", "{% endif %}",
    "{{ nothing }}",
    "{{ ''.__class__ }}", "{{ 1/0 }}", "{{ 10**5000 }}", "{% raw %}", "{% endraw %}",
    "{{ data.agreements.record('x') }}",
    "{{ (data.trade.points | first).growth | percent }}", "::: note\n", ":::\n", "[^1]\n\n[^1]: a note\n", "\\", "\x00",
    "\ufeff", "\u202e", "---\ntitle: x\n---\n",
]
markdown = st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(max_size=10), max_size=30).map("".join)


# --- Loaders ------------------------------------------------------------------------------------------------

@FUZZ
@given(text=yaml_text)
def test_load_yaml_on_arbitrary_text(project: Path, text: str):
    path = project / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_yaml(path, "fuzz.yaml")
    except InputError as exc:
        assert_own_error(exc)


@FUZZ
@given(data=st.binary(max_size=200))
def test_load_yaml_on_arbitrary_bytes(project: Path, data: bytes):
    path = project / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load_yaml(path, "fuzz.yaml")
    except InputError as exc:
        assert_own_error(exc)


@FUZZ
@given(name=st.sampled_from(["sources.yaml", "trade.yaml", "agreements.yaml", "datapackage.yaml"]),
       document=documents)
def test_load_data_on_arbitrary_documents(project: Path, name: str, document):
    for other in ("sources.yaml", "trade.yaml", "agreements.yaml", "datapackage.yaml"):
        restored(project, f"data/{other}")
    (project / "data" / name).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_data(project / "data")
    except InputError as exc:
        assert_own_error(exc)


trade_years = st.lists(st.fixed_dictionaries(
    {"year": st.integers(min_value=-5, max_value=10**20) | st.sampled_from([2019, 2020, 2021]) | scalars},
    optional={"kind": st.sampled_from(["reported", "range", "gap", "estimate", "bogus"]) | scalars,
              "value": scalars, "low": scalars, "high": scalars, "growth": scalars, "qualifier": scalars,
              "source": st.sampled_from(["customs", "news", "nobody"]) | st.lists(scalars, max_size=2),
              "note": scalars, "alternatives": st.lists(documents, max_size=2)}), max_size=5)


@FUZZ
@given(years=trade_years, period=st.none() | st.lists(scalars, max_size=3))
def test_load_data_on_trade_files_shaped_like_the_real_one(project: Path, years, period):
    for other in ("sources.yaml", "agreements.yaml", "datapackage.yaml"):
        restored(project, f"data/{other}")
    document = {"points": years}
    if period is not None:
        document["period"] = period
    (project / "data" / "trade.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_data(project / "data")
    except InputError as exc:
        assert_own_error(exc)


@FUZZ
@given(data=st.data())
def test_load_project_on_edited_report_yaml(project: Path, data):
    original = restored(project, "report/report.yaml").read_text(encoding="utf-8")
    (project / "report" / "report.yaml").write_text(data.draw(edited(original)), encoding="utf-8")
    try:
        load_project(project)
    except InputError as exc:
        assert_own_error(exc)


@FUZZ
@given(document=documents)
def test_load_project_on_arbitrary_documents(project: Path, document):
    (project / "report" / "report.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_project(project)
    except InputError as exc:
        assert_own_error(exc)


# --- Renderer -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(project: Path):
    restored(project, "report/report.yaml")
    for name in ("sources.yaml", "trade.yaml", "agreements.yaml"):
        restored(project, f"data/{name}")
    fixture_project = load_project(project)
    return fixture_project, load_data(project / "data")


@FUZZ
@given(first=markdown, second=markdown)
def test_render_sections_on_arbitrary_markdown(project: Path, loaded, first: str, second: str):
    fixture_project, data = loaded
    (project / "report" / "sections" / "01-summary.md").write_text(first, encoding="utf-8")
    (project / "report" / "sections" / "02-trade.md").write_text(second, encoding="utf-8")
    try:
        rendered = render_sections(fixture_project, data)
    except InputError as exc:
        assert_own_error(exc)
    else:
        assert len(rendered) == 2


@FUZZ
@given(text=markdown)
def test_image_scanner_on_arbitrary_markdown(project: Path, loaded, text: str):
    fixture_project, _ = loaded
    restored(project, "report/sections/02-trade.md")
    (project / "report" / "sections" / "01-summary.md").write_text(text, encoding="utf-8")
    for image in find_images(text):
        assert 1 <= image.line <= text.count("\n") + 1 and image.start <= image.end
    for problem in check_images(fixture_project):
        assert problem.path == "report/sections/01-summary.md" and problem.line
    assert inline_images(text, project / "report").count("\n") == text.count("\n")


@FEW
@given(text=markdown)
def test_pandoc_on_arbitrary_markdown(project: Path, text: str):
    """pandoc either converts what the renderer made, or fails with the project's EngineError."""
    from briefkit import pandoc
    from briefkit.citations import csl_json

    data = load_data(FIXTURE / "data")
    work = project / "work"
    work.mkdir(exist_ok=True)
    bibliography = work / "sources.json"
    bibliography.write_text(csl_json(data.sources, "en-GB"), encoding="utf-8")
    from briefkit.templates import DEFAULT_TEMPLATES

    inputs = pandoc.PandocInputs(bibliography, DEFAULT_TEMPLATES / "briefkit-note.csl", work, DEFAULT_TEMPLATES)
    meta = pandoc.write_metadata({"title": "Fuzz", "lang": "en"}, work / "metadata.json")
    try:
        toc, body = pandoc.html_body(text, inputs, meta, footnotes="end")
    except EngineError as exc:
        assert str(exc).startswith("pandoc failed")
    else:
        # Raw HTML is off: a tag a user types stays text.
        assert "<script" not in body and "<img src='file:" not in body
