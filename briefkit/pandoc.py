"""Everything that runs pandoc (through pypandoc): Markdown to an HTML body, Markdown to DOCX."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from briefkit.errors import EngineError
from briefkit.project import Project

READER = "markdown+pipe_tables+fenced_divs+bracketed_spans+implicit_figures-raw_html-raw_attribute-raw_tex"
BODY_MARKER = "<!-- briefkit:body -->"


@dataclass(frozen=True)
class PandocInputs:
    """The files pandoc reads besides the Markdown itself: all inside the project or the work folder."""

    bibliography: Path
    csl: Path
    resource_dir: Path
    templates_dir: Path



def metadata(project: Project, nocite: list[str]) -> dict:
    meta = {
        "title": project.title,
        "subtitle": project.subtitle,
        "author": list(project.authors),
        "date": project.long_date,
        "lang": project.language,
        "nocite": " ".join(f"@{i}" for i in nocite),
        "link-citations": True,
        "suppress-bibliography": False,
    }
    if project.keywords:
        meta["keywords"] = list(project.keywords)
    return meta


def _common_args(inputs: PandocInputs, meta_file: Path) -> list[str]:
    return [
        f"--metadata-file={meta_file}",
        "--citeproc",
        f"--bibliography={inputs.bibliography}",
        f"--csl={inputs.csl}",
        f"--lua-filter={inputs.templates_dir / 'filters' / 'clean-metadata.lua'}",
        "--number-sections",
        f"--resource-path={inputs.resource_dir}",
    ]


def _convert(markdown: str, to: str, args: list[str], outputfile: Path | None = None) -> str:
    import pypandoc

    try:
        return pypandoc.convert_text(
            markdown, to, format=READER, extra_args=args, outputfile=str(outputfile) if outputfile else None,
            sandbox=True,
        )
    except RuntimeError as exc:
        raise EngineError(f"pandoc failed: {exc}") from None


def write_metadata(meta: dict, path: Path) -> Path:
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return path


def html_body(markdown: str, inputs: PandocInputs, meta_file: Path, footnotes: str,
              filters: tuple[str, ...] = ()) -> tuple[str, str]:
    """Convert to an HTML fragment; returns (table of contents, body).

    footnotes='inline' keeps each note at its call (for WeasyPrint's float: footnote);
    footnotes='end' collects them at the end (for the web page). The web page's sections are also one level below
    its title, its only h1 (h2, with their subsections h3), as the PDF's outline has them; the print HTML keeps
    pandoc's levels, which its CSS and the PDF's tags follow.
    """
    web = footnotes == "end"
    args = _common_args(inputs, meta_file) + [
        "--section-divs",
        "--toc",
        "--toc-depth=3" if web else "--toc-depth=2",
        "--standalone",
        f"--template={inputs.templates_dir / 'pandoc-body.html'}",
        "--wrap=none",
    ]
    if web:
        args.append("--shift-heading-level-by=1")
    if footnotes == "inline":
        args.append(f"--lua-filter={inputs.templates_dir / 'filters' / 'inline-footnotes.lua'}")
        args.append(f"--lua-filter={inputs.templates_dir / 'filters' / 'drop-downloads.lua'}")
    args += [f"--lua-filter={inputs.templates_dir / 'filters' / name}" for name in filters]
    out = _convert(markdown, "html5", args)
    toc, _, body = out.partition(BODY_MARKER)
    return toc.strip(), body.strip()


def docx(markdown: str, inputs: PandocInputs, meta_file: Path, reference_doc: Path, out: Path) -> None:
    args = _common_args(inputs, meta_file) + [
        f"--reference-doc={reference_doc}",
        f"--lua-filter={inputs.templates_dir / 'filters' / 'drop-downloads.lua'}",
        "--toc",
        "--toc-depth=2",
    ]
    _convert(markdown, "docx", args, outputfile=out)


def default_reference_docx() -> bytes:
    """pandoc's own reference.docx, the starting point of ours."""
    import subprocess

    import pypandoc

    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True, check=True,
    )
    return result.stdout
