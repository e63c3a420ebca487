"""The PDF by Typst: pandoc writes the body as Typst markup, the template sets the pages, the compiler typesets.

Everything Typst reads is in the build's work folder (its root): the template, the design tokens, the body,
the chart and the section images as files, the data files to attach. It imports no package and reads no
system font, so a build is offline and the same on every machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from briefkit import pandoc
from briefkit.design import Design, font_families, typst_variables
from briefkit.errors import EngineError, InputError, Problem
from briefkit.outputs.pdf import project_design
from briefkit.project import Project

LOG = logging.getLogger(__name__)
TEMPLATE = "briefing.typ"
BODY = "body.typ"
MAIN = "main.typ"
_DATA_IMAGE = re.compile(r"\]\(data:(?P<type>image/[a-z+.-]+);base64,(?P<data>[A-Za-z0-9+/=]+)\)")
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/svg+xml": "svg"}
_WHERE = re.compile(r"┌─ (?P<file>[^\n:]+):(?P<line>\d+):(?P<column>\d+)")
_PACKAGE = re.compile(r'(?:import|include)\s*\(?\s*"(@[^"]*)"')
_UNSETTLED = re.compile(r"did not (stabilize|converge)")
_MEDIA_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".csv": "text/csv",
                ".json": "application/json"}
# The body's first line imports the template's block functions; Typst's line numbers count it.
_BODY_PREAMBLE = f'#import "{TEMPLATE}": bk-section, bk-div, bk-change, bk-change-block, bk-text-end\n'


@dataclass(frozen=True)
class TypstJob:
    """The files of one Typst compilation, all inside `root`, and how to compile them."""

    root: Path
    main: Path
    fonts: Path
    standards: tuple[str, ...]
    timestamp: int


def write_pdf(project: Project, markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, work: Path,
              target: Path, attachments: list[Path], timestamp: int, design: Design | None = None,
              warm: Path | None = None, body: str | None = None) -> Path:
    """Typeset the PDF with Typst: tagged (PDF/UA-1), and PDF/A-3b as well with the data attached when asked.

    With `warm` (a folder that stays, for watch mode) the sources are written there and the compiler is kept alive
    between builds, so that a rebuild after an edit recompiles only what changed. body: the Typst markup of
    `markdown` (typst_markup) when it was made beforehand.
    """
    design = design or project_design(project)
    if warm is None:
        job = prepare(project, markdown, inputs, meta_file, work, attachments, timestamp, design, body)
        compiler = make_compiler(job)
        pdf = compile_pdf(project, job, compiler)
        try:
            pdf = float_figures(project, job, compiler, pdf, lambda plan: prepare(
                project, markdown, inputs, meta_file, work, attachments, timestamp, design,
                typst_body(image_files(markdown, work / "images"), inputs, meta_file, _filters_of(body), plan)),
                warm=False)
        finally:
            # Nothing compiles again in this build: what Typst memoised goes back to the rest of it.
            free_typst_caches()
        target.write_bytes(compact(pdf))
        return target
    from briefkit.cache import fingerprint

    warm.mkdir(parents=True, exist_ok=True)
    if (work / "charts").is_dir():
        shutil.copytree(work / "charts", warm / "charts", dirs_exist_ok=True)
    job = prepare(project, markdown, inputs, meta_file, warm, attachments, timestamp, design, body)
    # The fonts too get a lasting place (the build's own copy goes with its work folder); new fonts, new compiler.
    fonts = fingerprint(job.fonts)
    if not (warm / "fonts" / fonts).is_file():
        shutil.rmtree(warm / "fonts", ignore_errors=True)
        shutil.copytree(job.fonts, warm / "fonts")
        (warm / "fonts" / fonts).touch()
    job = replace(job, fonts=warm / "fonts")
    compiler = warm_compiler(job, fonts)
    pdf = compile_pdf(project, job, compiler)
    pdf = float_figures(project, job, compiler, pdf, lambda plan: replace(prepare(
        project, markdown, inputs, meta_file, warm, attachments, timestamp, design,
        typst_body(image_files(markdown, warm / "images"), inputs, meta_file, _filters_of(body), plan)),
        fonts=warm / "fonts"))
    target.write_bytes(compact(pdf))
    return target


GAP = 0.25  # a blank page foot larger than this share of the text area is a gap (as outputs/pdf_floats.py)
TOP = 18.0  # a figure within this many points of the top of the text area starts its page
MOVES = 2  # a figure moves after at most this many of the paragraphs that follow it
# Pages: a longer report, built once (not warm), makes its figures' second and third layouts cold, each after
# Typst's memo of the one before is dropped. Kept, the memo of each layout adds most of a layout's memory (at 10x the
# briefing, 0.88 GB, then 1.33, then 1.61 GB) for a recompilation twice as fast.
LONG = 100


def float_figures(project: Project, job: TypstJob, compiler, pdf: bytes, remake, warm: bool = True) -> bytes:
    """The PDF, or one made again with figures moved after the text that follows them where they left a gap.

    Each figure that starts a page after a page whose foot is blank for more than a quarter of its text area moves
    after the next paragraph, then the next two (filters/floats.lua), as in the WeasyPrint PDF; the text that refers
    to it stays before it. The result with the least blank before figures is kept, if it has no more pages.
    remake(plan): the job with the markup made again with the figures of `plan` moved. warm: Typst's memo is kept
    for the next build (watch); otherwise, over LONG pages, each layout after the first starts with it empty, so that
    memory holds one layout at a time.
    """
    gaps = figure_gaps(compiler, job)
    if not gaps:
        return pdf
    pages = _page_count(pdf)
    cold = not warm and pages > LONG
    best, best_gaps = pdf, gaps
    for count in range(1, MOVES + 1):
        plan = dict.fromkeys(gaps, count)
        remake(plan)
        if cold:
            free_typst_caches()
        candidate, settled = compile_settled(project, job, compiler, quiet=True)
        if not settled:
            LOG.debug("figures moved %s: the layout did not settle", plan)
            continue  # never one whose page numbers may be wrong
        candidate_gaps = figure_gaps(compiler, job)
        LOG.debug("figures moved %s: gaps %s", plan, candidate_gaps)
        if _page_count(candidate) <= pages and sum(candidate_gaps.values()) < sum(best_gaps.values()):
            best, best_gaps = candidate, candidate_gaps
        if not candidate_gaps:
            break
    return best


def free_typst_caches() -> None:
    """Drop all that Typst has memoised in this process (its layouts, shaped text, decoded images).

    typst-py evicts, after each compilation, what the last ten did not use, and offers no call to evict more; so
    eleven compilations of an empty document, with no fonts to load (a millisecond each), leave nothing of the ones
    before.
    """
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[])
    for _ in range(11):
        typst.compile(b"", format="pdf", font_paths=fonts, ignore_system_fonts=True)
    release_free_memory()


def release_free_memory() -> None:
    """Give the memory that the C allocator keeps free back to the system (glibc's malloc_trim; elsewhere nothing).

    Typst allocates through it: after a long layout is dropped, glibc keeps most of it for the next allocations,
    and the next layout (the figure pass's) is laid over it. At 20x the briefing, 160 MB less at the peak.
    """
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)  # the symbols of the process, the C library's among them
    except (OSError, AttributeError):
        pass


def figure_gaps(compiler, job: TypstJob) -> dict[str, float]:
    """Each figure that starts a page after a page with a blank foot: its id and the blank's share of the area."""
    ends = {entry["value"]["id"]: entry["value"] for entry in _query(compiler, job, "<bk-text-end>")}
    gaps = {}
    for entry in _query(compiler, job, "<bk-figure-at>"):
        figure = entry["value"]
        end = ends.get(figure["id"])
        if end is None or figure["page"] != end["page"] + 1 or figure["top"] > TOP:
            continue
        share = (end["bottom"] - end["y"]) / end["area"]
        if share > GAP:
            gaps[figure["id"]] = share
    return gaps


def _query(compiler, job: TypstJob, selector: str) -> list[dict]:
    return json.loads(compiler.query(selector, format="json"))


def _page_count(pdf: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def _filters_of(body: str | None) -> tuple[str, ...]:
    """The extra filters a markup made beforehand was made with: changes.lua for a marked edition."""
    return ("changes.lua",) if body is not None and "#bk-change" in body else ()


_WARM: dict[tuple[str, str, str], object] = {}


def warm_compiler(job: TypstJob, fonts: str):
    """The compiler of this job's main file, root and fonts (by their fingerprint), made once and kept."""
    key = (str(job.main), str(job.root), fonts)
    if key not in _WARM:
        _WARM.clear()  # one project at a time: a compiler holds its fonts and sources in memory
        _WARM[key] = make_compiler(job)
    return _WARM[key]


def prepare(project: Project, markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, work: Path,
            attachments: list[Path], timestamp: int, design: Design, body: str | None = None) -> TypstJob:
    """Write the Typst sources into the work folder: body, template, design tokens, metadata, main file."""
    fonts = inputs.templates_dir / "fonts"
    check_fonts(design, fonts)
    markdown = image_files(markdown, work / "images")
    if body is None:
        body = typst_body(markdown, inputs, meta_file)
    (work / BODY).write_text(_BODY_PREAMBLE + body, encoding="utf-8")
    template = (inputs.templates_dir / TEMPLATE).read_text(encoding="utf-8")
    check_offline(template)
    (work / TEMPLATE).write_text(template, encoding="utf-8")
    (work / "design.typ").write_text(typst_variables(design), encoding="utf-8")
    meta = typst_metadata(project)
    if project.theme.logo is not None:
        # The theme's logo, copied beside the sources: Typst reads only the work folder.
        meta["logo"] = "logo" + project.theme.logo.suffix.lower()
        shutil.copyfile(project.theme.logo, work / meta["logo"])
    (work / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    lines = [f'#import "{TEMPLATE}": briefing', '#show: briefing.with(json("meta.json"))']
    if attachments:
        folder = work / "attachments"
        folder.mkdir(exist_ok=True)
        for path in attachments:
            shutil.copyfile(path, folder / path.name)
            media = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            lines.append(f'#pdf.attach("{path.name}", read("attachments/{path.name}", encoding: none),'
                         f' relationship: "data", mime-type: "{media}",'
                         f' description: "The data file {path.name} behind the exhibits")')
    lines.append(f'#include "{BODY}"')
    main = work / MAIN
    main.write_text("\n".join(lines) + "\n", encoding="utf-8")
    standards = ("a-3b", "ua-1") if attachments else ("ua-1",)
    return TypstJob(root=work, main=main, fonts=fonts, standards=standards, timestamp=timestamp)


def typst_markup(markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, work: Path,
                 filters: tuple[str, ...] = ()) -> str:
    """The sections as Typst markup, their images written into `work` (what prepare() writes, made ahead);
    filters: more Lua filters of the templates' filters/ folder, run before the template's own."""
    return typst_body(image_files(markdown, work / "images"), inputs, meta_file, filters)


def typst_body(markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, extra: tuple[str, ...] = (),
               floats: dict[str, int] | None = None) -> str:
    """The sections as Typst markup: citations become footnotes, divs and sections calls of the template.
    floats: figures (by id) to move after that many of the paragraphs that follow them (filters/floats.lua)."""
    filters = inputs.templates_dir / "filters"
    plan = ",".join(f"{figure}={count}" for figure, count in sorted((floats or {}).items()))
    args = pandoc._common_args(inputs, meta_file) + [f"--lua-filter={filters / name}" for name in extra] + [
        f"--lua-filter={filters / 'floats.lua'}",
        *([f"--metadata=bk-floats:{plan}"] if plan else []),
        f"--lua-filter={filters / 'drop-downloads.lua'}",
        f"--lua-filter={filters / 'typst-blocks.lua'}",
        "--wrap=preserve",
    ]
    return pandoc._convert(markdown, "typst", args)


def typst_metadata(project: Project) -> dict:
    region = project.language.partition("-")[2]
    words = project.words()
    return {
        "header": project.header,
        "show-cover": project.theme.cover,
        "show-contents": project.theme.contents,
        "contents-title": words("contents"),
        "page-words": list(project.page_words()),
        "title": project.title,
        "subtitle": project.subtitle,
        "authors": list(project.authors),
        "organisation": project.organisation,
        "classification": project.classification,
        "edition": project.edition_line,
        "keywords": list(project.keywords),
        "date": [project.date.year, project.date.month or 1, project.date.day or 1],
        "lang": project.language.partition("-")[0].lower(),
        "region": region.upper() if len(region) == 2 else None,
    }


def image_files(markdown: str, folder: Path) -> str:
    """Turn each data: image back into a file of the work folder: Typst reads images from files only."""

    def to_file(match: re.Match) -> str:
        content = base64.b64decode(match.group("data"))
        name = f"{hashlib.sha256(content).hexdigest()[:16]}.{_EXTENSIONS.get(match.group('type'), 'bin')}"
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)
        return f"](images/{name})"

    return _DATA_IMAGE.sub(to_file, markdown)


def check_offline(template: str) -> None:
    """A package import would make Typst download it: the template must bring everything with it."""
    for number, line in enumerate(template.splitlines(), start=1):
        match = _PACKAGE.search(line)
        if match:
            raise InputError.single(f"templates/{TEMPLATE}", number,
                                    f"imports the Typst package '{match.group(1)}', which a build would have to"
                                    " download; copy what it needs into the template instead",
                                    match.start() + 1)


def check_fonts(design: Design, fonts: Path) -> None:
    """Each family the design names must be among the project's font files: Typst would only warn."""
    import typst

    found = set(typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                            font_paths=[str(fonts)]).families())
    missing = [family for family in font_families(design) if family not in found]
    if missing:
        names = ", ".join(sorted(found)) or "none"
        raise InputError([Problem("templates/fonts", None, None,
                                  f"no font files of the family '{family}', which the design names;"
                                  f" the families there are: {names}") for family in missing])


def compile_pdf(project: Project, job: TypstJob, compiler=None) -> bytes:
    """Run the Typst compiler; its errors and font warnings become the author's problems."""
    return compile_settled(project, job, compiler)[0]


def compile_settled(project: Project, job: TypstJob, compiler=None, quiet: bool = False) -> tuple[bytes, bool]:
    """The PDF, and whether its layout settled: Typst lays a document out again until nothing it asked of the last
    pass (a page, a position, a measure) changed, five passes at most; one that never settled may have wrong page
    numbers, notes or headers. quiet: say nothing of a layout that did not settle (the caller drops it)."""
    import typst

    if compiler is None:
        compiler = make_compiler(job)
    try:
        pdf, warnings = compiler.compile_with_warnings(
            format="pdf", pdf_standards=list(job.standards), timestamp=job.timestamp)
    except typst.TypstError as exc:
        raise describe_failure(project, job, exc) from None
    unsettled = 0
    for warning in warnings:
        message = str(getattr(warning, "message", warning))
        if "unknown font family" in message:
            raise InputError([Problem("templates/fonts", None, None,
                                      f"{message}: add its files to templates/fonts or name another family")])
        if _UNSETTLED.search(message):
            unsettled += 1
        else:
            LOG.warning("typst: %s", message)
    if unsettled and not quiet:
        LOG.warning("typst: the layout did not settle in five passes (%d elements still moved); page numbers, "
                    "notes or running headers may be wrong", unsettled)
    return pdf, not unsettled


def make_compiler(job: TypstJob):
    """A compiler that sees only the work folder and the project's fonts; kept alive, it recompiles fast."""
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(job.fonts)])
    return typst.Compiler(input=str(job.main), root=str(job.root), font_paths=fonts, ignore_system_fonts=True,
                          package_path=str(job.root / ".no-packages"),
                          package_cache_path=str(job.root / ".no-packages"))


def describe_failure(project: Project, job: TypstJob, exc: Exception) -> Exception:
    """A Typst error as the author's mistake, at the section line it comes from when it can be found."""
    message = str(getattr(exc, "message", "") or exc).strip().splitlines()[0]
    diagnostic = str(getattr(exc, "diagnostic", ""))
    where = _WHERE.search(diagnostic)
    if where is None:
        return EngineError(f"the Typst engine failed: {message}")
    name, line = Path(where.group("file")).name, int(where.group("line"))
    if name == TEMPLATE:
        return InputError.single(f"templates/{TEMPLATE}", line, message, int(where.group("column")))
    if name == BODY:
        source = job.root / BODY
        text = source.read_text(encoding="utf-8").splitlines() if source.is_file() else []
        origin = locate(project, _culprit(message, text[line - 1] if 0 < line <= len(text) else ""))
        if origin is not None:
            return InputError.single(origin[0], origin[1], _author_message(message))
        return EngineError(f"the Typst engine failed in the section text: {_author_message(message)}")
    return EngineError(f"the Typst engine failed: {message}")


def _culprit(message: str, line: str) -> str:
    """The piece of the author's text the message is about: a label, a file name, else the line's words."""
    label = re.search(r"label `<([^>]+)>`", message)
    if label:
        return f"#{label.group(1)}"
    missing = re.search(r"file not found \(searched at ([^)]+)\)", message)
    if missing:
        return Path(missing.group(1)).name
    words = re.sub(r"#[a-z.-]+\(|[\[\]#<>\"]", " ", line).split()
    return " ".join(words[:4])


def _author_message(message: str) -> str:
    label = re.search(r"label `<([^>]+)>` does not exist in the document", message)
    if label:
        return f"link to '#{label.group(1)}', but nothing in the briefing has that id"
    return message


def locate(project: Project, needle: str) -> tuple[str, int] | None:
    """The section file and line where `needle` first appears."""
    if not needle:
        return None
    for section in project.sections:
        try:
            lines = section.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, text in enumerate(lines, start=1):
            if needle in text:
                return section.display, number
    return None


def compact(pdf: bytes) -> bytes:
    """Pack the objects into compressed object streams: tagged Typst PDFs are many small objects.

    The file identifier is derived from the content, so identical inputs still give identical bytes.
    """
    import io

    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        drop_default_mark_info(document)
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
                      recompress_flate=True, deterministic_id=True, linearize=False)
    return out.getvalue()


def drop_default_mark_info(document) -> None:
    """Leave out the catalogue's /MarkInfo entries that only repeat their default, false.

    Typst writes `/Suspects false`: valid PDF (ISO 32000-1, table 321) and what PDF/UA-1 asks for where the key
    is present, but poppler 22.12 (Debian 12's) reports every false one as "Syntax Error: Suspects object is wrong
    type (boolean)" in pdfinfo and the viewers built on it. Without the key the meaning is the same.
    """
    import pikepdf

    mark_info = document.Root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary):
        return
    for key in ("/Suspects", "/UserProperties"):
        if key in mark_info and mark_info[key] is False:
            del mark_info[key]
