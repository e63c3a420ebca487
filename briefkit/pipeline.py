"""The build, stage by stage: load, check, plan, draw, convert and typeset (in parallel), publish."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefkit import pandoc
from briefkit.cache import CACHE_DIR, Cache, code_fingerprint, engine_versions, fingerprint, package_version
from briefkit.citations import csl_json
from briefkit.datasets import Data, growth_mismatches, read_data
from briefkit.errors import InputError, OutputError, Problem
from briefkit.exports import csv_files
from briefkit.files import ensure_folder
from briefkit.fonts import shared_subsets
from briefkit.images import check_images, data_uri, inline_images
from briefkit.lint import literal_figures, uncited_sources
from briefkit.lock import LOCK_NAME, build_lock, remove_leftovers
from briefkit.project import FORMATS, Project, read_project
from briefkit.render import check_sections, make_environment, render_sections

LOG = logging.getLogger(__name__)
PROGRESS = logging.getLogger("briefkit.progress")
_PNG_LINK = re.compile(r"\]\((charts/[A-Za-z0-9_-]+\.png)\)")


@dataclass(frozen=True)
class BuildResult:
    outputs: dict[str, Path]
    seconds: float
    rebuilt: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What to make and the key of each product: everything a stage reads goes into its key."""

    project: Project
    data: Data
    formats: tuple[str, ...]
    markdown: dict[str, str]
    charts: dict[str, tuple[object, str]]
    templates: dict[str, Path]
    keys: dict[str, str]
    bibliography: str
    metadata: str
    # The DOCX's stamp (build id, commit) and the sources it was made from, kept for `briefkit review`.
    stamp: object = None
    snapshot: tuple[dict[str, str], list[str]] = ({}, [])


@dataclass
class Workspace:
    """The private folder of one build and the files every format reads."""

    root: Path
    templates: Path = field(init=False)
    inputs: pandoc.PandocInputs = field(init=False)
    meta_file: Path = field(init=False)
    warm: Path | None = None  # the lasting folder of a kept-alive Typst compiler (watch mode)
    font_cache: Path | None = None  # where the fonts' subsets are kept between builds (none with --no-cache)


def build(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = (), use_cache: bool = True,
          parallel: bool = True, pdf_engine: str | None = None, strict: bool = False,
          warm: bool = False) -> BuildResult:
    """Build the briefing in the asked formats (default: those in report.yaml); pdf_engine overrides report.yaml.

    An InputError with every finding where there is an error (or, with `strict`, a warning); the warnings of a
    build that goes ahead are in its result. warm (watch mode): the Typst compiler stays alive between builds in
    this process, its sources in the cache folder.
    """
    with fewer_collections():
        return _build(root, out_dir, formats, use_cache, parallel, pdf_engine, strict, warm)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often during a build (the format workers inherit it).

    A build makes millions of short-lived objects (WeasyPrint's boxes and styles above all), and at Python's
    default thresholds the collector runs about a thousand times during one briefing and takes nearly a tenth of
    the PDF's time; run a hundredth as often, it finds the same garbage (boxes die with their page), so memory
    peaks barely move.
    """
    import gc

    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build(root: Path, out_dir: Path | None, formats: tuple[str, ...], use_cache: bool, parallel: bool,
           pdf_engine: str | None, strict: bool, warm: bool) -> BuildResult:
    from briefkit import uptodate

    started = time.perf_counter()
    # What the inputs are before they are read: the stamp of a no-op build (briefkit.uptodate).
    before = uptodate.inputs(root) if use_cache else None
    project, data, findings = load_inputs(root)
    if project is None or data is None or _stops(findings, strict):
        # Render the sections too, against what did load, so that their mistakes come in the same run.
        raise InputError(findings + (section_problems(project, data) if project and data else []))
    findings += lint_findings(project, data)
    if _stops(findings, strict):
        raise InputError(findings + section_problems(project, data))
    if pdf_engine:
        project = replace(project, pdf_engine=pdf_engine)
    out_dir = ensure_folder(out_dir or project.root / "build")
    cache = Cache(project.root / CACHE_DIR, enabled=use_cache)
    with source_date_epoch(project):
        try:
            plan = plan_build(project, data, formats or project.formats, use_cache)
        except InputError as exc:
            raise InputError(findings + exc.problems) from None
        with build_lock(out_dir), work_folder(out_dir) as work:
            workspace = prepare_workspace(plan, work)
            if use_cache:
                workspace.font_cache = shared_subsets()
            if warm:
                workspace.warm = project.root / CACHE_DIR / "typst-watch"
            cached = {fmt: cache.lookup(fmt, plan.keys[fmt]) for fmt in plan.formats}
            staged = {fmt: entry / f"briefing.{fmt}" for fmt, entry in cached.items() if entry is not None}
            missing = tuple(fmt for fmt in plan.formats if cached[fmt] is None)
            rebuilt: list[str] = []
            if missing:
                with early_docx(plan, cache, workspace, missing, parallel) as docx:
                    others = tuple(fmt for fmt in missing if docx is None or fmt != "docx")
                    drawn, bodies = prepare_formats(plan, cache, workspace, others, parallel)
                    if drawn:
                        rebuilt.append("chart")
                    made = make_formats(plan, workspace, others, parallel, bodies, cache)
                    if docx is not None:
                        made["docx"] = docx()
                for fmt, path in made.items():
                    cache.store(fmt, plan.keys[fmt], {f"briefing.{fmt}": path})
                staged.update(made)
                rebuilt.extend(missing)
            keep_review_record(plan, staged)
            outputs = publish(project, data, staged, out_dir)
    warnings = tuple(p for p in findings if p.severity == "warning")
    if before is not None:
        leave_stamp(plan, uptodate.request(root, out_dir, formats, pdf_engine, strict), before, outputs, warnings)
    return BuildResult(outputs=outputs, seconds=time.perf_counter() - started, rebuilt=tuple(rebuilt),
                       warnings=warnings)


def leave_stamp(plan: Plan, asked: dict, before: dict, outputs: dict[str, Path], warnings: tuple[Problem, ...]) -> None:
    """The stamp by which the next build of the same request, with nothing changed, is known to have nothing to do."""
    from dataclasses import asdict

    from briefkit import uptodate
    from briefkit.buildrecord import record_path

    record = str(record_path(plan.project.root, plan.stamp.build)) if plan.stamp is not None else None
    commit = plan.stamp.commit if plan.stamp is not None else None
    logo = (plan.project.theme.logo,) if plan.project.theme.logo else ()
    uptodate.write(asked, before, outputs, [asdict(p) for p in warnings], record, commit, logo)


def _stops(findings: list[Problem], strict: bool) -> bool:
    return any(p.severity == "error" or strict for p in findings)


def load_inputs(root: Path) -> tuple[Project | None, Data | None, list[Problem]]:
    """What could be loaded of report.yaml and data/, and the problems of both (errors and warnings)."""
    project, problems = read_project(root)
    data, data_problems = read_data(root.resolve() / "data")
    return project, data, problems + data_problems


def section_problems(project: Project, data: Data, charts: dict | None = None) -> list[Problem]:
    return check_sections(project, data, charts=charts)[1]


def check(root: Path, notes: list[str] | None = None) -> list[Problem]:
    """Validate everything a build reads, rendering the sections but nothing else; every finding, all at once.

    `notes`, where given, receives what the author may want to know and is no mistake: a chart drawn in another
    scale than its values are declared in.
    """
    project, data, findings = load_inputs(root)
    if project is None:
        return findings
    charts: dict = {}
    found = findings + section_problems(project, data, charts) + lint_findings(project, data)
    if notes is not None:
        # Said on a terminal: the units' no-break spaces as plain ones, as an author would type them.
        notes += [f"chart {name.replace('-', ':', 1)}: '{spec.title}' is declared in {spec.declared} and drawn on "
                  f"an axis in {spec.axis}".replace("\u00a0", " ") for name, spec in charts.items()
                  if getattr(spec, "declared", "")]  # maps have no axis
    return found


def lint_findings(project: Project, data: Data) -> list[Problem]:
    """The warnings about the prose and the data: a build goes ahead with them (unless strict)."""
    return (literal_figures(project, data) + uncited_sources(project, data, data.source_ids() | data.cited)
            + [p for p in check_images(project) if p.severity == "warning"]
            + [p for series in data.series() for p in growth_mismatches(series)])


def clean(root: Path, out_dir: Path | None = None) -> list[Path]:
    """Remove the outputs and the cache."""
    removed = []
    out_dir = out_dir or root / "build"
    if out_dir.is_dir():
        with build_lock(out_dir):
            for child in sorted(out_dir.iterdir()):
                if child.name == LOCK_NAME:
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        out_dir.rmdir()
        removed.append(out_dir)
    if (root / CACHE_DIR).exists():
        from briefkit.outputs.docx.layout import end_kept_offices

        end_kept_offices(root / CACHE_DIR)  # the LibreOffice kept for the layouts runs on a profile in the cache
        shutil.rmtree(root / CACHE_DIR)
        removed.append(root / CACHE_DIR)
    return removed


@contextmanager
def source_date_epoch(project: Project) -> Iterator[None]:
    """Identical inputs give identical bytes: pandoc and fontTools stamp files with SOURCE_DATE_EPOCH.

    The user's own SOURCE_DATE_EPOCH wins; otherwise the report's date, for this build only.
    """
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = before or str(project.epoch)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def plan_build(project: Project, data: Data, formats: tuple[str, ...], use_cache: bool = True) -> Plan:
    """Render the sections and compute each product's key; cheap, so a no-op build stops here (use_cache: keep the
    sections' compiled code in the cache folder)."""
    from briefkit.templates import PRINT_ADDITIONS, SCREEN_ADDITIONS, template_files

    templates = template_files(project.templates_dir)
    markdown: dict[str, str] = {}
    specs: dict = {}
    env = make_environment(project, cache=use_cache)
    # The sections are rendered once: the DOCX's Markdown differs only in pointing at the charts' PNG files.
    svg = assemble_markdown(project, data, "svg", specs, env)
    if "html" in formats or "pdf" in formats:
        markdown["svg"] = svg
    if "docx" in formats:
        markdown["png"] = png_markdown(svg, specs)
    bibliography = csl_json(data.sources, project.language)
    meta = json.dumps(pandoc.metadata(project, sorted(data.source_ids())), ensure_ascii=False, sort_keys=True)
    code, versions = code_fingerprint(), engine_versions()
    chart_fonts = _chart_fonts(templates, project.theme.heading_font)
    charts = {name: (spec, fingerprint("chart", code, versions, repr(spec), *chart_fonts))
              for name, spec in sorted(specs.items())}
    chart = fingerprint(*(key for _, key in charts.values()))
    theme = repr(project.theme) + (fingerprint(project.theme.logo) if project.theme.logo else "")
    # Keyed by what the project says, not where it is: an earlier edition's checkout elsewhere (build --compare)
    # finds what the same sources built here.
    where = str(project.root)
    common = (code, versions, chart, bibliography, meta, repr(project.__dict__ | {"root": ""}).replace(where, ""),
              theme.replace(where, ""),
              *_read_by(templates, "briefkit-note.csl", "filters/"), os.environ.get("SOURCE_DATE_EPOCH", ""))
    keys = {}
    if "html" in formats:
        keys["html"] = fingerprint("html", *common, markdown["svg"], *csv_files(data).values(),
                                   *_read_by(templates, "pandoc-body.html", "briefing.html.j2", "screen.css",
                                             SCREEN_ADDITIONS, "fonts/"))
    if "pdf" in formats and project.pdf_engine == "typst":
        keys["pdf"] = fingerprint("pdf-typst", *common, markdown["svg"], _attachments(project, data),
                                  *_read_by(templates, "briefing.typ", "fonts/"), package_version("typst"),
                                  package_version("pikepdf"))
    elif "pdf" in formats:
        keys["pdf"] = fingerprint("pdf", *common, markdown["svg"], _attachments(project, data),
                                  *_read_by(templates, "pandoc-body.html", "briefing.html.j2", "print.css",
                                            PRINT_ADDITIONS, "fonts/"))
    stamp, snapshot = None, ({}, [])
    if "docx" in formats:
        stamp, snapshot = review_stamp(project)
        # The DOCX embeds the fonts and measures its table columns with them.
        # And its contents' page numbers come from the layout program there is (briefkit/outputs/docx/layout.py).
        from briefkit.outputs.docx.layout import layout_key

        layout = layout_key(project.docx_layout) if project.theme.contents else "none"
        keys["docx"] = fingerprint("docx", *common, markdown["png"], *_read_by(templates, "fonts/"), repr(stamp),
                                   layout)
    return Plan(project, data, formats, markdown, charts, templates, keys, bibliography, meta, stamp, snapshot)


def review_stamp(project: Project) -> tuple[object, tuple[dict[str, str], list[str]]]:
    """The stamp a DOCX carries (which sources made it) and those sources, for `briefkit review`."""
    from briefkit.buildrecord import snapshot, stamp_for

    files, binary = snapshot(project.root)
    return stamp_for(project.root, project.output_name, files), (files, binary)


def _read_by(templates: dict[str, Path], *names: str) -> list[str]:
    """The key of the template files a product reads: those named, and every file under a name ending in '/'."""
    return [f"{name}={fingerprint(path)}" for name, path in sorted(templates.items())
            if any(name == n or (n.endswith("/") and name.startswith(n)) for n in names)]


def _chart_fonts(templates: dict[str, Path], family: str) -> list[Path]:
    """The font files of a family (Lato-Bold.ttf for 'Lato'): what a chart and the DOCX widths are measured with."""
    stem = family.replace(" ", "")
    fonts = [path for name, path in sorted(templates.items()) if name.startswith("fonts/")]
    return [p for p in fonts if p.name.startswith(stem)] or fonts


def _attachments(project: Project, data: Data) -> list[Path]:
    """The data files a PDF/A carries: the sources, the declarations and every dataset."""
    if not project.pdf_attach_data:
        return []
    return list(data.files)


@contextmanager
def work_folder(out_dir: Path) -> Iterator[Path]:
    """A private folder inside the output folder, so that the final renames stay on one file system.

    Call under the build lock: it first removes what a killed build may have left.
    """
    remove_leftovers(out_dir)
    if (out_dir / "data").is_dir():
        remove_leftovers(out_dir / "data")
    work = Path(tempfile.mkdtemp(prefix=".briefkit-", dir=out_dir))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def prepare_workspace(plan: Plan, work: Path) -> Workspace:
    from briefkit.templates import materialize

    workspace = Workspace(work)
    workspace.templates = materialize(plan.templates, work / "templates")
    bibliography = work / "sources.json"
    bibliography.write_text(plan.bibliography, encoding="utf-8")
    workspace.inputs = pandoc.PandocInputs(
        bibliography=bibliography,
        csl=workspace.templates / "briefkit-note.csl",
        resource_dir=work,
        templates_dir=workspace.templates,
    )
    workspace.meta_file = work / "metadata.json"
    workspace.meta_file.write_text(plan.metadata, encoding="utf-8")
    return workspace


def prepare_formats(plan: Plan, cache: Cache, workspace: Workspace, formats: tuple[str, ...],
                    parallel: bool) -> tuple[bool, dict[str, object]]:
    """What the formats read before they typeset, made side by side; (whether a chart was drawn, pandoc's output).

    Three things that do not wait for each other: the charts (drawn in a child process), pandoc's conversions of
    the web page and the PDF (pandoc runs outside Python, so threads suffice), and the PDF engine's import in
    this process (the format workers are forked from it, so none imports it again). Nothing runs when this
    returns: the format workers are forked from a process without threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    conversions = {fmt: convert for fmt in formats if (convert := conversion(plan, workspace, fmt))}
    with start_charts(plan, cache, workspace.root, formats, parallel) as charts, \
            ThreadPoolExecutor(max_workers=max(1, len(conversions))) as threads:
        converting = {fmt: threads.submit(convert) for fmt, convert in conversions.items()}
        preload_engines(plan.project, formats)
        drawn = charts()
        converted = {fmt: future.result() for fmt, future in converting.items()}
    return drawn, converted


@contextmanager
def early_docx(plan: Plan, cache: Cache, workspace: Workspace, formats: tuple[str, ...],
               parallel: bool) -> Iterator[Callable[[], Path] | None]:
    """The DOCX begun first, in a child process of its own, where it is one of several formats and its charts are
    all in the cache: its chain (pandoc, python-docx, LibreOffice's layout) is a build's longest, and it waits for
    nothing the other formats make. Yields the wait for its file, or None: it is then made with the others.

    Not in a process with other threads (watch mode's server): a fork copies only the thread that forks.
    """
    import threading

    if (not parallel or "docx" not in formats or len(formats) < 2 or (os.cpu_count() or 1) < 2
            or threading.active_count() > 1 or charts_to_draw(plan, cache, formats)):
        yield None
        return
    ensure_charts(plan, cache, workspace.root, formats)
    with _forked("the DOCX", build_docx, plan.project, plan.markdown.get("png"), workspace, plan.stamp,
                 cache) as wait:
        yield wait


@contextmanager
def _forked(what: str, job: Callable[..., Path], *args: object) -> Iterator[Callable[[], Path]]:
    """`job(*args)`, making `what`, in a forked child; yields the wait for its result, which raises what the job
    raised. An interrupted build ends the child at once.

    A plain fork, not an executor (it would leave a thread of its own behind, and the format workers are forked
    after). Ctrl-C and SIGTERM are held back across the fork: the child inherits the build's handlers, which raise
    KeyboardInterrupt, and one raised before the child has put its own in place would leave it running the build's
    code. The child always ends with os._exit.
    """
    import signal
    from multiprocessing import Pipe

    stops = {signal.SIGINT, signal.SIGTERM}
    receive, send = Pipe(duplex=False)  # its ends pickle what they carry, between this process and its child
    held = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        receive.close()
        send.close()
        raise
    if pid == 0:
        _run_forked(receive, send, held, job, args)
    send.close()
    reaped = []

    def wait() -> Path:
        try:
            done, value = receive.recv()
        except EOFError:
            done, value = None, None
        status = os.waitpid(pid, 0)[1]
        reaped.append(pid)
        if done is None:
            code = os.waitstatus_to_exitcode(status)
            raise OutputError(f"the process making {what} ended without a result (exit code {code})")
        if done:
            return value
        raise value

    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield wait
    finally:
        receive.close()
        if not reaped:  # interrupted, or the build failed before it waited
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def _run_forked(receive, send, held: set, job: Callable[..., Path], args: tuple) -> None:
    """The child of _forked: its own signals first, then the job; its result (or what it raised) sent down the
    pipe. It never returns."""
    import signal

    code = 1
    try:
        receive.close()
        _worker_signals()
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            result = (True, job(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the build, which raises it
            result = (False, exc)
        try:
            send.send(result)
        except Exception as exc:  # noqa: BLE001 - what does not pickle is handed on as its text
            send.send((False, OutputError(f"{type(result[1]).__name__}: {exc}")))
        send.close()
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream: nothing to flush
                pass
        os._exit(code)


def conversion(plan: Plan, workspace: Workspace, fmt: str) -> Callable[[], object] | None:
    """pandoc's part of a format, to run ahead of it: the web page's and the WeasyPrint PDF's HTML bodies, the
    Typst PDF's Typst markup; None for the DOCX (its Markdown waits for the charts' PNG files)."""
    from functools import partial

    markdown, inputs, meta = plan.markdown.get("svg"), workspace.inputs, workspace.meta_file
    if fmt == "html":
        return partial(pandoc.html_body, markdown, inputs, meta, footnotes="end")
    if fmt == "pdf" and plan.project.pdf_engine == "typst":
        from briefkit.outputs.pdf_typst import typst_markup

        return partial(typst_markup, markdown, inputs, meta, workspace.root)
    if fmt == "pdf":
        return partial(pandoc.html_body, markdown, inputs, meta, footnotes="inline")
    return None


@contextmanager
def start_charts(plan: Plan, cache: Cache, work: Path, formats: tuple[str, ...],
                 parallel: bool) -> Iterator[Callable[[], bool]]:
    """Draw the charts that changed in a child process; yields the wait for it (True if a chart was drawn).

    Without `parallel`, with nothing to draw, or in a process with other threads (watch mode's server: a fork
    copies only the thread that forks, and the locks the others hold), the charts are put in place before the yield.
    """
    import threading

    if not parallel or threading.active_count() > 1 or not charts_to_draw(plan, cache, formats):
        drawn = ensure_charts(plan, cache, work, formats)
        yield lambda: drawn
        return
    with _process_pool(1) as child:
        yield child.submit(ensure_charts, plan, cache, work, formats).result


def charts_to_draw(plan: Plan, cache: Cache, formats: tuple[str, ...]) -> list[str]:
    """The charts that no cache entry holds in the kinds `formats` read."""
    return [name for name, (_, key) in plan.charts.items() if cached_chart(cache, key, formats) is None]


def cached_chart(cache: Cache, key: str, formats: tuple[str, ...]) -> Path | None:
    """The cache entry of a chart with the files `formats` read: the PNG too for a DOCX ("chart"), else the SVG."""
    return cache.lookup("chart", key) or (cache.lookup("chart-svg", key) if "docx" not in formats else None)


def preload_engines(project: Project, formats: tuple[str, ...]) -> None:
    """Import the PDF engine now, while pandoc and the charts run, rather than in the PDF's own time."""
    if "pdf" in formats and project.pdf_engine != "typst":
        import pyphen
        import weasyprint  # noqa: F401
        import weasyprint.text.fonts  # noqa: F401

        # pyphen keeps the hyphenation patterns it reads for the process; WeasyPrint reads them at its first word.
        if language := pyphen.language_fallback(project.language.replace("-", "_")):
            pyphen.Pyphen(lang=language)


def ensure_charts(plan: Plan, cache: Cache, work: Path, formats: tuple[str, ...] = ("docx",)) -> bool:
    """Put the chart files in the work folder, drawing only those whose inputs changed; True if any was drawn.

    The PNG is drawn only for a DOCX among `formats`; a chart drawn without it is kept apart ("chart-svg").
    """
    folder = work / "charts"
    folder.mkdir(exist_ok=True)
    kinds = ("svg", "png") if "docx" in formats else ("svg",)
    stage = "chart" if "png" in kinds else "chart-svg"
    drawn = False
    for name, (spec, key) in plan.charts.items():
        files = tuple(f"{name}.{kind}" for kind in kinds)
        entry = cached_chart(cache, key, formats)
        if entry is None:
            PROGRESS.info("drawing the chart %s", name)
            draw_chart(spec, folder, [p for n, p in sorted(plan.templates.items()) if n.startswith("fonts/")], kinds)
            cache.store(stage, key, {f: folder / f for f in files})
            drawn = True
        else:
            for f in files:
                shutil.copyfile(entry / f, folder / f)
    return drawn


def draw_chart(spec, folder: Path, fonts: list[Path], kinds: tuple[str, ...] = ("svg", "png")) -> dict[str, Path]:
    """A chart or a map (a MapSpec), drawn in the kinds asked."""
    from briefkit.exhibits.maps import MapSpec

    if isinstance(spec, MapSpec):
        from briefkit.exhibits.maps import draw_map

        return draw_map(spec, folder, fonts, kinds)
    from briefkit.exhibits.charts import draw_chart as draw

    return draw(spec, folder, fonts, kinds)


def make_formats(plan: Plan, workspace: Workspace, formats: tuple[str, ...], parallel: bool,
                 bodies: dict[str, tuple[str, str]] | None = None, cache: Cache | None = None) -> dict[str, Path]:
    """Convert and typeset each format, in separate processes when there is more than one to make.

    bodies: pandoc's HTML bodies already made (prepare_formats), by format; the others are converted here.
    cache: where the DOCX's layout (the contents' page numbers) is kept by the DOCX's content.
    """
    bodies = bodies or {}
    jobs: dict[str, tuple[Callable[..., Path], tuple]] = {
        "html": (build_html, (plan.project, plan.data, plan.markdown.get("svg"), workspace, bodies.get("html"))),
        "pdf": (build_pdf, (plan.project, plan.data, plan.markdown.get("svg"), workspace, bodies.get("pdf"))),
        "docx": (build_docx, (plan.project, plan.markdown.get("png"), workspace, plan.stamp, cache)),
    }
    # The PDF takes longest: start it first.
    order = sorted(formats, key=lambda f: f != "pdf")
    workers = min(len(order), os.cpu_count() or 1)
    if not parallel or workers < 2:
        return {fmt: jobs[fmt][0](*jobs[fmt][1]) for fmt in order}
    from concurrent.futures import Future

    # Typst's compiler keeps threads of its own once it has run in this process (a build of one format runs
    # here): a child forked afterwards would wait for them forever. Its PDF is then made here, beside the others.
    here = ("pdf",) if "pdf" in order and plan.project.pdf_engine == "typst" and "typst" in sys.modules else ()
    with _process_pool(workers) as pool:
        futures: dict[str, Future] = {fmt: pool.submit(jobs[fmt][0], *jobs[fmt][1]) for fmt in order
                                      if fmt not in here}
        made = {fmt: jobs[fmt][0](*jobs[fmt][1]) for fmt in here}
        return made | {fmt: future.result() for fmt, future in futures.items()}


def _worker_signals() -> None:
    """A worker leaves Ctrl-C to the build that started it, and ends without a word when that build ends it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def _process_pool(workers: int) -> Iterator[object]:
    """Forked workers; an interrupted build (Ctrl-C, SIGTERM) ends them at once instead of waiting for them."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"), initializer=_worker_signals)
    try:
        yield pool
    except BaseException:
        # The executor has no public way to end its workers before Python 3.14 (terminate_workers).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def png_markdown(svg_markdown: str, charts: dict) -> str:
    """The Markdown of the SVG charts, pointing at their PNG files instead (for the DOCX)."""
    if not charts:
        return svg_markdown
    names = "|".join(re.escape(name) for name in charts)
    return re.sub(rf"\]\(charts/({names})\.svg\)", r"](charts/\1.png)", svg_markdown)


def assemble_markdown(project: Project, data: Data, image_format: str, charts: dict, env=None) -> str:
    sections = render_sections(project, data, image_format, charts, env)
    markdown = "\n\n".join(s.markdown.strip() for s in sections) + "\n"
    # Images of the sections travel inside the Markdown: pandoc is sandboxed and the web page self-contained.
    return inline_images(markdown, project.root / "report")


def build_html(project: Project, data: Data, markdown: str, workspace: Workspace,
               converted: tuple[str, str] | None = None) -> Path:
    from briefkit.outputs.html import web_page

    PROGRESS.info("html: converting with pandoc")
    toc, body = converted or pandoc.html_body(markdown, workspace.inputs, workspace.meta_file, footnotes="end")
    target = workspace.root / "briefing.html"
    page = web_page(project, toc, body, workspace.root, workspace.templates, csv_files(data),
                    font_cache=workspace.font_cache)
    target.write_text(page, encoding="utf-8")
    return target


def build_pdf(project: Project, data: Data, markdown: str, workspace: Workspace,
              converted: tuple[str, str] | str | None = None) -> Path:
    """The PDF, by the project's engine; converted: pandoc's output for it, when made beforehand."""
    if project.pdf_engine == "typst":
        return build_pdf_typst(project, data, markdown, workspace, converted)
    from briefkit.outputs.html import print_page
    from briefkit.outputs.pdf import write_pdf

    PROGRESS.info("pdf: typesetting with WeasyPrint")
    toc, body = converted or pandoc.html_body(markdown, workspace.inputs, workspace.meta_file, footnotes="inline")
    target = workspace.root / "briefing.pdf"
    allowed = [project.root / "report", workspace.root]
    if project.pdf_attach_data:
        allowed.append(project.data_dir)
    page = print_page(project, toc, body, workspace.templates)
    write_pdf(project, page, workspace.root, allowed, target, _attachments(project, data), workspace.templates)
    return target


def build_pdf_typst(project: Project, data: Data, markdown: str, workspace: Workspace,
                    converted: str | None = None) -> Path:
    from briefkit.outputs.pdf_typst import write_pdf

    PROGRESS.info("pdf: typesetting with Typst")
    target = workspace.root / "briefing.pdf"
    timestamp = int(os.environ.get("SOURCE_DATE_EPOCH") or project.epoch)
    return write_pdf(project, markdown, workspace.inputs, workspace.meta_file, workspace.root, target,
                     _attachments(project, data), timestamp, warm=workspace.warm, body=converted)


def build_docx(project: Project, markdown: str, workspace: Workspace, stamp=None, cache: Cache | None = None) -> Path:
    """The DOCX, stamped with the build that made it (for `briefkit review`), its contents numbered from a layout
    of the finished file where a layout program is available (in the DOCX's own process, beside the other formats).
    """
    from briefkit.outputs.docx.layout import number_contents, start_office
    from briefkit.outputs.docx.writer import make_reference_docx, write_docx

    # The layout program starts now, beside pandoc: its start is most of what a layout costs.
    office = start_office(project.docx_layout, cache) if project.theme.contents else None
    try:
        PROGRESS.info("docx: converting with pandoc")
        # pandoc runs sandboxed and reads no file by itself: the PNG travels inside the Markdown.
        markdown = _PNG_LINK.sub(lambda m: f"]({data_uri(workspace.root / m.group(1))})", markdown)
        reference = make_reference_docx(workspace.root / "reference.docx", cache)
        target = workspace.root / "briefing.docx"
        write_docx(project, markdown, workspace.inputs, workspace.meta_file, reference, target, stamp=stamp,
                   font_cache=workspace.font_cache)
        if project.theme.contents:
            number_contents(target, project.docx_layout, cache, office)
    finally:
        if office is not None:
            office.close()
    return target


def keep_review_record(plan: Plan, staged: dict[str, Path]) -> None:
    """Keep what `briefkit review` needs of this build's DOCX (its sources and its text), once per build id."""
    from briefkit.buildrecord import record_path, write_record

    if plan.stamp is None or "docx" not in staged or record_path(plan.project.root, plan.stamp.build).exists():
        return
    write_record(plan.project.root, plan.stamp, *plan.snapshot, staged["docx"])


def _unchanged(target: Path, content: bytes) -> bool:
    try:
        return target.stat().st_size == len(content) and target.read_bytes() == content
    except OSError:
        return False


def publish(project: Project, data: Data, staged: dict[str, Path], out_dir: Path) -> dict[str, Path]:
    """Put every output in place only once all were made: write each beside its target, then rename them all.

    An output whose bytes are unchanged keeps its file and modification time (sync tools, make and open viewers
    see no change that is not there).
    """
    contents = {fmt: (out_dir / f"{project.output_name}.{fmt}", staged[fmt].read_bytes())
                for fmt in FORMATS if fmt in staged}
    contents.update({name: (out_dir / "data" / name, text.encode("utf-8")) for name, text in csv_files(data).items()})
    try:
        (out_dir / "data").mkdir(exist_ok=True)
        ready = []
        for target, content in contents.values():
            if _unchanged(target, content):
                continue
            tmp = target.parent / f".{target.name}.publish"
            tmp.write_bytes(content)
            os.chmod(tmp, 0o644)
            ready.append((tmp, target))
        for tmp, target in ready:
            tmp.replace(target)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the outputs ({exc.strerror or exc})") from None
    return {name: target for name, (target, _) in contents.items()}
