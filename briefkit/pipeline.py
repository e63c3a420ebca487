"""The build, stage by stage: load, check, draw, render, convert, typeset, publish."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from briefkit import pandoc
from briefkit.citations import csl_json
from briefkit.data import Data, load_data
from briefkit.files import ensure_folder
from briefkit.project import FORMATS, Project, load_project
from briefkit.render import render_sections

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    outputs: dict[str, Path]
    seconds: float


def build(root: Path, out_dir: Path | None = None, formats: tuple[str, ...] = ()) -> BuildResult:
    """Build the briefing in the asked formats (default: those in report.yaml)."""
    started = time.perf_counter()
    project = load_project(root)
    data = load_data(project.data_dir)
    formats = formats or project.formats
    fix_timestamps(project)
    out_dir = ensure_folder(out_dir or project.root / "build")
    with work_folder(out_dir) as work:
        charts = draw_charts(project, data, work)
        inputs, meta_file = write_pandoc_inputs(project, data, work)
        staged: dict[str, Path] = {}
        if "html" in formats or "pdf" in formats:
            markdown = assemble_markdown(project, data, chart_image=f"charts/{charts['svg'].name}")
        if "html" in formats:
            staged["html"] = build_html(project, markdown, inputs, meta_file, work)
        if "pdf" in formats:
            staged["pdf"] = build_pdf(project, data, markdown, inputs, meta_file, work)
        if "docx" in formats:
            # pandoc runs sandboxed and reads no file by itself: the PNG travels inside the Markdown.
            docx_markdown = assemble_markdown(project, data, chart_image=data_uri(charts["png"]))
            staged["docx"] = build_docx(docx_markdown, inputs, meta_file, work)
        outputs = publish(project, staged, out_dir)
    return BuildResult(outputs=outputs, seconds=time.perf_counter() - started)


def check(root: Path) -> tuple[Project, Data]:
    """Validate everything a build reads, without rendering anything."""
    project = load_project(root)
    data = load_data(project.data_dir)
    render_sections(project, data, chart_image="charts/check.svg")
    return project, data


def fix_timestamps(project: Project) -> None:
    """Identical inputs give identical bytes: pandoc and fontTools stamp files with SOURCE_DATE_EPOCH."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(project.epoch))


@contextmanager
def work_folder(out_dir: Path) -> Iterator[Path]:
    """A private folder inside the output folder, so that the final renames stay on one file system."""
    work = Path(tempfile.mkdtemp(prefix=".briefkit-", dir=out_dir))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def draw_charts(project: Project, data: Data, work: Path) -> dict[str, Path]:
    from briefkit.charts import draw_trade_chart

    LOG.info("drawing the trade chart")
    return draw_trade_chart(data, data.trade.points_for_chart(), work / "charts", project.templates_dir / "fonts")


def write_pandoc_inputs(project: Project, data: Data, work: Path) -> tuple[pandoc.PandocInputs, Path]:
    bibliography = work / "sources.json"
    bibliography.write_text(csl_json(data.sources), encoding="utf-8")
    inputs = pandoc.PandocInputs(
        bibliography=bibliography,
        csl=project.templates_dir / "briefkit-note.csl",
        resource_dir=work,
        templates_dir=project.templates_dir,
    )
    meta_file = pandoc.write_metadata(pandoc.metadata(project, exhibit_sources(data)), work / "metadata.json")
    return inputs, meta_file


def data_uri(path: Path) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def exhibit_sources(data: Data) -> list[str]:
    """Sources named in the tables and the chart: listed under Sources even if no sentence cites them."""
    ids = {s for a in data.agreements for s in a.sources}
    for point in data.trade.points_for_chart():
        ids.update(point.sources)
        ids.update(s for alt in point.alternatives for s in alt.sources)
    return sorted(ids)


def assemble_markdown(project: Project, data: Data, chart_image: str) -> str:
    LOG.info("rendering %d sections", len(project.sections))
    sections = render_sections(project, data, chart_image=chart_image)
    return "\n\n".join(s.markdown.strip() for s in sections) + "\n"


def build_html(project: Project, markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, work: Path) -> Path:
    from briefkit.outputs.html import web_page

    LOG.info("converting to HTML")
    toc, body = pandoc.html_body(markdown, inputs, meta_file, footnotes="end")
    target = work / "briefing.html"
    target.write_text(web_page(project, toc, body, work, project.templates_dir), encoding="utf-8")
    return target


def build_pdf(project: Project, data: Data, markdown: str, inputs: pandoc.PandocInputs, meta_file: Path,
              work: Path) -> Path:
    from briefkit.outputs.html import print_page
    from briefkit.outputs.pdf import write_pdf

    LOG.info("typesetting the PDF")
    toc, body = pandoc.html_body(markdown, inputs, meta_file, footnotes="inline")
    target = work / "briefing.pdf"
    attachments = None
    if project.pdf_attach_data:
        attachments = [project.data_dir / "trade.yaml", project.data_dir / "agreements.yaml"]
    allowed = [project.templates_dir, project.root / "report", project.data_dir, work]
    write_pdf(project, print_page(project, toc, body, project.templates_dir), work, allowed, target, attachments)
    return target


def build_docx(markdown: str, inputs: pandoc.PandocInputs, meta_file: Path, work: Path) -> Path:
    from briefkit.outputs.docx import make_reference_docx, write_docx

    LOG.info("converting to DOCX")
    reference = make_reference_docx(work / "reference.docx")
    target = work / "briefing.docx"
    write_docx(markdown, inputs, meta_file, reference, target)
    return target


def publish(project: Project, staged: dict[str, Path], out_dir: Path) -> dict[str, Path]:
    """Move every finished output into place only once all of them were made."""
    outputs = {}
    for fmt in FORMATS:
        if fmt in staged:
            target = out_dir / f"{project.output_name}.{fmt}"
            staged[fmt].replace(target)
            outputs[fmt] = target
    return outputs
