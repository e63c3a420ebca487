"""Load report/report.yaml into a typed Project and check it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefkit.errors import InputError, Problem
from briefkit.schema import PartialDate, Reader
from briefkit.yamlfile import load_yaml

FORMATS = ("pdf", "docx", "html")
PAPERS = ("A4", "Letter")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REPORT_FILE = "report/report.yaml"


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
        formats = _formats(output, problems)
    pdf = reader.child("pdf")
    attach = False
    if pdf is not None:
        pdf.reject_unknown({"attach_data"})
        attach = pdf.boolean("attach_data", False)
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
    for item in reader.items("sections"):
        name = str(item.value)
        path = (sections_dir / name).resolve()
        display = f"report/sections/{name}"
        if not path.is_relative_to(sections_dir):
            problems.append(item.mark.problem(f"section '{name}' must be a file inside report/sections/"))
        elif not path.is_file():
            problems.append(item.mark.problem(f"section file '{display}' does not exist"))
        else:
            out.append(Section(path, display))
    return out
