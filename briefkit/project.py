"""Load report/report.yaml into a typed Project and check it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefkit.errors import InputError, Problem
from briefkit.schema import PartialDate, Reader
from briefkit.yamlfile import MAX_FILE_BYTES, load_yaml

FORMATS = ("pdf", "docx", "html")
PAPERS = ("A4", "Letter")
PDF_ENGINES = ("weasyprint", "typst")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REPORT_FILE = "report/report.yaml"
MAX_NAME = 120  # file systems refuse names over 255 bytes; leave room for the extension and temporary prefixes


@dataclass(frozen=True)
class Section:
    """One section file, listed in report.yaml."""

    path: Path
    display: str


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
    pdf_engine: str = PDF_ENGINES[0]

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
        return self.root / "templates"


def load_project(root: Path) -> Project:
    """Read and check report.yaml; every problem is reported at once."""
    root = root.resolve()
    path = root / REPORT_FILE
    if not path.is_file():
        raise InputError.single(REPORT_FILE, None, "not found: every project needs report/report.yaml")
    problems: list[Problem] = []
    reader = Reader(load_yaml(path, REPORT_FILE), problems, "report.yaml")
    reader.reject_unknown(
        {"title", "subtitle", "authors", "organisation", "date", "edition", "language",
         "classification", "paper", "keywords", "output", "sections", "pdf"}
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
    sections = tuple(_sections(reader, root, problems))
    project = Project(
        root=root,
        title=reader.text("title") or "",
        subtitle=reader.text("subtitle", required=False) or "",
        authors=reader.text_list("authors"),
        organisation=reader.text("organisation") or "",
        date=reader.date("date") or PartialDate(1970),
        edition=reader.text("edition", required=False) or "",
        language=reader.text("language", required=False) or "en",
        classification=reader.text("classification", required=False) or "",
        paper=reader.text("paper", required=False, choices=PAPERS) or "A4",
        keywords=reader.text_list("keywords", required=False),
        output_name=name,
        formats=formats,
        sections=sections,
        pdf_attach_data=attach,
        pdf_engine=engine,
    )
    if problems:
        raise InputError(problems)
    return project


def _formats(output: Reader, problems: list[Problem]) -> tuple[str, ...]:
    formats = output.text_list("formats", required=False) or FORMATS
    for fmt in formats:
        if fmt not in FORMATS:
            problems.append(output.mark("formats").problem(
                f"'formats' must list some of {', '.join(FORMATS)}; got '{fmt}'"))
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
            problems.append(item.mark.problem(f"section file '{display}' does not exist"))
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
