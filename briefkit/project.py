"""Load report/report.yaml into a typed Project and check it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from briefkit.decimals import DEFAULT_ROUNDING, ROUNDINGS
from briefkit.errors import FORMATS, PDF_ENGINES, InputError, Problem
from briefkit.hints import did_you_mean
from briefkit.schema import PartialDate, Reader
from briefkit.yamlfile import MAX_FILE_BYTES, load_yaml

PAPERS = ("A4", "Letter")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REPORT_FILE = "report/report.yaml"
MAX_NAME = 120  # file systems refuse names over 255 bytes; leave room for the extension and temporary prefixes


@dataclass(frozen=True)
class Section:
    """One section file, listed in report.yaml."""

    path: Path
    display: str


@dataclass(frozen=True)
class Theme:
    """A house style: colours, logo, fonts and which front pages there are; every format honours it."""

    ink: str = "#1f3a5f"
    accent: str = "#b5472b"
    tint: str = "#eef2f7"
    logo: Path | None = None
    body_font: str = "Charis SIL"
    heading_font: str = "Lato"
    cover: bool = True
    contents: bool = True
    header: str = ""


@dataclass(frozen=True)
class Project:
    """Everything report.yaml says, with paths resolved against the project root."""

    root: Path
    title: str
    subtitle: str
    authors: tuple[str, ...]
    organisation: str
    date: PartialDate
    edition: str
    language: str
    classification: str
    paper: str
    keywords: tuple[str, ...]
    output_name: str
    formats: tuple[str, ...]
    sections: tuple[Section, ...]
    pdf_attach_data: bool
    theme: Theme = Theme()
    phrases: tuple[tuple[str, str], ...] = ()
    pdf_engine: str = PDF_ENGINES[0]
    # False where a listed section could not be read: references to its exhibits cannot be checked.
    sections_complete: bool = True
    # The git revision (a tag such as edition-2025-12) or folder of the edition before this one (--compare).
    previous_edition: str = ""
    # What lays the DOCX out for its contents' page numbers: "auto" (LibreOffice's soffice on PATH), "none" or a
    # program's path.
    docx_layout: str = "auto"
    # How figures are rounded (report.yaml `rounding:`): half away from zero unless the project asks otherwise.
    rounding: str = DEFAULT_ROUNDING
    # The address of the web edition (report.yaml `url:`), printed wherever the engine mentions it.
    url: str = ""

    @property
    def epoch(self) -> int:
        """The report's date as seconds since 1970, the fixed time stamp of reproducible outputs."""
        import calendar

        d = self.date
        return calendar.timegm((d.year, d.month or 1, d.day or 1, 0, 0, 0))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def templates_dir(self) -> Path:
        """The project's own templates/ folder, which overrides the engine's defaults file by file."""
        return self.root / "templates"

    @property
    def header(self) -> str:
        return self.theme.header or self.title

    @property
    def long_date(self) -> str:
        """The report's date in its language: '20 December 2025', '4 mars 2025'."""
        from briefkit.locale import format_date

        return format_date(self.date, self.language)

    @property
    def edition_line(self) -> str:
        """The one date line of covers and footers: the edition, or else the date."""
        return self.edition or self.long_date

    def page_words(self) -> tuple[str, str, str]:
        """'Page {page} of {pages}' in the report's language, cut around its two numbers: ('Page ', ' of ', '')."""
        before, _, rest = self.words()("page_of", page="\0", pages="\1").partition("\0")
        between, _, after = rest.partition("\1")
        return before, between, after

    def words(self):
        """The engine's phrases in the report's language, with the project's own overrides."""
        from briefkit.locale import Phrases

        return Phrases.for_language(self.language, dict(self.phrases), self.rounding)


def load_project(root: Path) -> Project:
    """Read and check report.yaml; an InputError with every problem at once."""
    project, problems = read_project(root)
    if problems or project is None:
        raise InputError(problems)
    return project


def read_project(root: Path) -> tuple[Project | None, list[Problem]]:
    """What report.yaml says, as far as it could be read (None if not at all), and every problem in it."""
    root = root.resolve()
    path = root / REPORT_FILE
    if not path.is_file():
        return None, [Problem(REPORT_FILE, None, None, "not found: every project needs report/report.yaml")]
    problems: list[Problem] = []
    try:
        node = load_yaml(path, REPORT_FILE)
    except InputError as exc:
        return None, exc.problems
    reader = Reader(node, problems, "report.yaml")
    reader.reject_unknown(
        {"title", "subtitle", "authors", "organisation", "date", "edition", "language",
         "classification", "paper", "keywords", "output", "sections", "pdf", "theme", "phrases", "previous_edition",
         "docx", "rounding", "url"}
    )
    output = reader.child("output")
    name, formats = "briefing", FORMATS
    if output is not None:
        output.reject_unknown({"name", "formats"})
        name = output.text("name") or name
        if not _SAFE_NAME.match(name) or ".." in name:
            problems.append(output.mark("name").problem(
                f"'name' must be a plain file name without folders; got '{name}'"))
        elif len(name) > MAX_NAME:
            problems.append(output.mark("name").problem(
                f"'name' must be at most {MAX_NAME} characters long; got {len(name)}"))
        formats = _formats(output, problems)
    pdf = reader.child("pdf")
    attach, engine = False, PDF_ENGINES[0]
    if pdf is not None:
        pdf.reject_unknown({"attach_data", "engine"})
        attach = pdf.boolean("attach_data", False)
        engine = pdf.text("engine", required=False, choices=PDF_ENGINES) or engine
    layout = _docx_layout(reader.child("docx"), root, problems)
    before = len(problems)
    sections = tuple(_sections(reader, root, problems))
    sections_complete = len(problems) == before
    theme_reader = reader.child("theme")
    theme = _theme(theme_reader, root, problems) if theme_reader else Theme()
    phrases = _phrases(reader.child("phrases"), problems)
    language = _language(reader, problems)
    project = Project(
        root=root,
        title=reader.text("title") or "",
        subtitle=reader.text("subtitle", required=False) or "",
        authors=reader.text_list("authors"),
        organisation=reader.text("organisation") or "",
        date=reader.date("date") or PartialDate(1970),
        edition=reader.text("edition", required=False) or "",
        language=language,
        classification=reader.text("classification", required=False) or "",
        paper=(theme_reader.text("paper", required=False, choices=PAPERS) if theme_reader else None)
        or reader.text("paper", required=False, choices=PAPERS) or "A4",
        keywords=reader.text_list("keywords", required=False),
        output_name=name,
        formats=formats,
        sections=sections,
        pdf_attach_data=attach,
        theme=theme,
        phrases=phrases,
        pdf_engine=engine,
        sections_complete=sections_complete,
        previous_edition=reader.text("previous_edition", required=False) or "",
        docx_layout=layout,
        rounding=reader.text("rounding", required=False, choices=tuple(ROUNDINGS)) or DEFAULT_ROUNDING,
        url=_url(reader, problems),
    )
    return project, problems


def _docx_layout(docx: Reader | None, root: Path, problems: list[Problem]) -> str:
    """docx: layout: "auto", "none" or the path of a program that lays a DOCX out (LibreOffice's soffice),
    relative to the project's root or absolute."""
    if docx is None:
        return "auto"
    docx.reject_unknown({"layout"})
    layout = docx.text("layout", required=False) or "auto"
    if layout in ("auto", "none"):
        return layout
    program = (root / Path(layout).expanduser()).resolve()
    if not program.is_file() or not os.access(program, os.X_OK):
        problems.append(docx.mark("layout").problem(
            f"'layout' must be auto, none or the path of a program that converts a DOCX to PDF (LibreOffice's "
            f"soffice); '{layout}' is no program here"))
        return "none"
    return str(program)
def _url(reader: Reader, problems: list[Problem]) -> str:
    """The web edition's address: an absolute http(s) URL, or nothing."""
    url = reader.text("url", required=False) or ""
    if url and not re.fullmatch(r"https?://[^\s/<>]+\.[^\s/<>]+(/[^\s<>]*)?", url):
        problems.append(reader.mark("url").problem(
            f"'url' must be the web edition's address, such as https://example.org/briefing/; got '{url}'"))
        return ""
    return url


def _formats(output: Reader, problems: list[Problem]) -> tuple[str, ...]:
    formats = output.text_list("formats", required=False) or FORMATS
    for fmt in formats:
        if fmt not in FORMATS:
            problems.append(output.mark("formats").problem(
                f"'formats' must list some of {', '.join(FORMATS)}; got '{fmt}'", hint=did_you_mean(fmt, FORMATS)))
    return tuple(f for f in FORMATS if f in formats)


def _sections(reader: Reader, root: Path, problems: list[Problem]) -> list[Section]:
    sections_dir = (root / "report" / "sections").resolve()
    out = []
    seen: dict[Path, int] = {}
    items = reader.items("sections")
    listed = reader.node.get("sections")
    if listed is not None and listed.is_list() and not items:
        problems.append(reader.mark("sections").problem("'sections' must list at least one section file"))
    for item in items:
        if isinstance(item.value, (dict, list)) or item.value is None or "\0" in str(item.value):
            problems.append(item.mark.problem("each entry of 'sections' must be a file name, such as 01-summary.md"))
            continue
        name = str(item.value)
        display = f"report/sections/{name}"
        try:
            path = (sections_dir / name).resolve()
            inside = path.is_relative_to(sections_dir)
            size = path.stat().st_size if inside and path.is_file() else None
        except OSError as exc:  # a name too long for the file system, a symlink loop
            problems.append(item.mark.problem(f"section file '{display}' cannot be read ({exc.strerror})"))
            continue
        if not inside:
            problems.append(item.mark.problem(f"section '{name}' must be a file inside report/sections/"))
        elif size is None:
            present = sorted(p.name for p in sections_dir.glob("*.md")) if sections_dir.is_dir() else []
            problems.append(item.mark.problem(f"section file '{display}' does not exist",
                                              hint=did_you_mean(name, present, "report/sections/ holds: {}")))
        elif path in seen:
            problems.append(item.mark.problem(f"section '{name}' is listed twice (first on line {seen[path]})"))
        elif size > MAX_FILE_BYTES:
            problems.append(item.mark.problem(
                f"section file '{display}' is {size / 1e6:.1f} MB, over the limit of {MAX_FILE_BYTES / 1e6:g} MB"
                " for one file; split it"))
        else:
            seen[path] = item.mark.line
            out.append(Section(path, display))
    total = sum(section.path.stat().st_size for section in out)
    if total > MAX_FILE_BYTES:
        problems.append(reader.mark("sections").problem(
            f"the sections add up to {total / 1e6:.1f} MB, over the limit of {MAX_FILE_BYTES / 1e6:g} MB"
            " for a briefing"))
    return out


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOGO_TYPES = (".svg", ".png", ".jpg", ".jpeg")


def _theme(r: Reader, root: Path, problems: list[Problem]) -> Theme:
    r.reject_unknown({"ink", "accent", "tint", "logo", "fonts", "cover", "contents", "header", "paper"})
    colours = {}
    for key in ("ink", "accent", "tint"):
        value = r.text(key, required=False)
        if value is not None and not _COLOUR.match(value):
            problems.append(r.mark(key).problem(f"'{key}' must be a colour such as #1f3a5f; got '{value}'"))
            value = None
        if value:
            colours[key] = value
    logo = None
    name = r.text("logo", required=False)
    if name:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or path.suffix.lower() not in _LOGO_TYPES:
            problems.append(r.mark("logo").problem(
                f"'logo' must be an SVG, PNG or JPEG file inside the project, such as report/logo.svg; got '{name}'"))
        elif not path.is_file():
            problems.append(r.mark("logo").problem(f"the logo '{name}' does not exist"))
        else:
            logo = path
    fonts = {}
    font_reader = r.child("fonts")
    if font_reader is not None:
        font_reader.reject_unknown({"body", "heading"})
        for key in ("body", "heading"):
            value = font_reader.text(key, required=False)
            if value:
                fonts[f"{key}_font"] = value
    return Theme(**colours, **fonts, logo=logo, cover=r.boolean("cover", True), contents=r.boolean("contents", True),
                 header=r.text("header", required=False) or "")


def _language(reader: Reader, problems: list[Problem]) -> str:
    """The report's language, a tag that CLDR knows (en-GB, fr, de, ru); English where it is not."""
    from briefkit.locale import Phrases

    language = reader.text("language", required=False) or "en"
    try:
        Phrases.for_language(language)
    except ValueError as exc:
        problems.append(reader.mark("language").problem(str(exc), hint="write a tag such as en-GB, fr, de or ru"))
        return "en"
    return language


def _phrases(r: Reader | None, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """The project's own wording of some of the engine's phrases."""
    if r is None or not r.ok:
        return ()
    from briefkit.locale import Phrases

    known = Phrases.known_keys()
    out = []
    for key in r.node.keys():
        if key not in known:
            problems.append(r.node.key_mark(key).problem(f"unknown phrase '{key}'",
                                                         hint=did_you_mean(key, sorted(known))))
            continue
        value = r.text(key)
        if value is None:
            continue
        for message in Phrases.check_overrides({key: value}):
            problems.append(r.mark(key).problem(message))
        out.append((key, value))
    return tuple(out)
