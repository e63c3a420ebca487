"""The changes documents of `briefkit build --compare REV`: <name>-changes.docx (a Word redline), .html and .pdf
(the new edition with its changes marked, after a section "Changes in this edition")."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from briefkit.compare import EditionError, author_of_changes, earlier_edition
from briefkit.compare.figures import DataChanges, data_changes
from briefkit.compare.summary import changes_section
from briefkit.compare.text import compare_sections
from briefkit.errors import InputError
from briefkit.exhibits import md_escape

T = TypeVar("T")


def build_changes(root: Path, revision: str = "", out_dir: Path | None = None) -> dict[str, Path]:
    """Write the three changes documents beside the plain edition's outputs; their paths by format."""
    with tempfile.TemporaryDirectory(prefix="briefkit-compare-") as folder:
        prepared = prepare_changes(root, revision, Path(folder))
        return finish_changes(prepared, out_dir)


def build_with_changes(build: Callable[[], T], root: Path, revision: str, out_dir: Path | None) -> tuple[T, dict]:
    """The plain edition (`build`) and its changes documents side by side: the earlier edition, the comparison and
    the marked page and PDF are made in a forked process while this one builds the plain edition; the redline,
    which reads the new edition's DOCX, follows. A mistake on either side is raised here, the other side ended."""
    import multiprocessing
    import sys

    if "typst" in sys.modules:
        # Typst's compiler, once it has run in this process, leaves threads that a forked child lacks: its PDF
        # would wait for them forever. One after the other, then.
        result = build()
        return result, build_changes(root, revision, out_dir)
    with tempfile.TemporaryDirectory(prefix="briefkit-compare-") as folder:
        receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
        worker = multiprocessing.get_context("fork").Process(
            target=_prepare_in_child, args=(sending, root, revision, Path(folder)), daemon=False)
        worker.start()
        sending.close()
        try:
            result = build()
        except BaseException:
            worker.terminate()
            raise
        finally:
            if not worker.is_alive():
                worker.join()
        try:
            outcome, value = receiving.recv()
        except EOFError:  # the process ended without a word (killed)
            outcome, value = "error", EditionError(f"--compare {revision}: the comparison was stopped")
        finally:
            worker.join()
            receiving.close()
        if outcome == "error":
            raise value
        # The plain edition's own DOCX, where this build made one, is the new edition's: not made again.
        return result, finish_changes(value, out_dir, getattr(result, "outputs", {}).get("docx"))


def _prepare_in_child(sending, root: Path, revision: str, scratch: Path) -> None:
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends this process
    try:
        sending.send(("ok", prepare_changes(root, revision, scratch)))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which reports it as it reports its own
        sending.send(("error", exc))
    finally:
        sending.close()
        os._exit(0)  # no atexit handlers of the parent's (its logging, its locks) run twice


@dataclass
class Prepared:
    """What the changes documents need of both editions, made before the new edition's DOCX is there."""

    root: Path
    revision: str
    old_docx: Path
    staged: dict[str, Path]  # the marked web page and PDF
    author: str
    date: str
    captions: list[tuple[str, str]]


def prepare_changes(root: Path, revision: str, scratch: Path) -> Prepared:
    """The earlier edition's DOCX, both editions compared, and the marked page and PDF, in `scratch`."""
    from briefkit import pipeline
    from briefkit.cache import CACHE_DIR, Cache
    from briefkit.project import load_project

    project = load_project(root)
    revision = revision or project.previous_edition
    if not revision:
        raise EditionError("--compare needs the earlier edition: a git revision or a folder (--compare "
                           "edition-2025-12), or previous_edition in report/report.yaml")
    old_root = earlier_edition(project.root, revision, scratch)
    share_cache(project.root, old_root)
    old_docx = _docx_of(old_root, scratch / "old", revision)
    old, new = _edition(old_root), _edition(project.root)
    data = data_changes(old["data"], new["data"], old["context"], new["context"])
    text = compare_sections(old["sections"], new["sections"])
    words = project.words()
    edition = _edition_name(old["project"], revision)
    notes = chart_notes(old["charts"], new["charts"], data, words, edition)
    titles = old["titles"] | new["titles"]
    marked = changes_section(words, edition, data, text, titles) + "\n\n" + with_chart_notes(text.marked, notes)
    author, date = author_of_changes(project.root, revision)
    work = scratch / "marked"
    work.mkdir()
    with pipeline.source_date_epoch(project):
        staged = _marked_formats(project, new["data"], marked, words, Cache(project.root / CACHE_DIR), work)
    captions = [(_caption(new["sections"], name), note) for name, (_, note) in notes.items()]
    return Prepared(project.root, revision, old_docx, staged, author, date or _report_date(project), captions)


def finish_changes(prepared: Prepared, out_dir: Path | None, new_docx: Path | None = None) -> dict[str, Path]:
    """The redline of the two editions' DOCX files (new_docx: the new edition's, where it is made already), then
    the three changes documents published."""
    from briefkit import pipeline
    from briefkit.files import ensure_folder
    from briefkit.lock import build_lock
    from briefkit.outputs.docx.redline import write_redline
    from briefkit.project import load_project

    project = load_project(prepared.root)
    out_dir = ensure_folder(out_dir or project.root / "build")
    new_docx = new_docx or _docx_of(project.root, prepared.old_docx.parent.parent / "new", "")
    with build_lock(out_dir), pipeline.source_date_epoch(project), pipeline.work_folder(out_dir) as work:
        staged = {fmt: shutil.copyfile(path, work / path.name) for fmt, path in prepared.staged.items()}
        staged["docx"] = work / "changes.docx"
        write_redline(prepared.old_docx, new_docx, staged["docx"], prepared.author, prepared.date, prepared.captions)
        return _publish(project, {fmt: Path(path) for fmt, path in staged.items()}, out_dir)


def share_cache(root: Path, earlier: Path) -> None:
    """The earlier edition is built with the project's own cache: its entries are keyed by what they were made
    from, so what this checkout built of that edition before is not made again."""
    from briefkit.cache import CACHE_DIR

    (root / CACHE_DIR).mkdir(exist_ok=True)
    if not (earlier / CACHE_DIR).exists():
        (earlier / CACHE_DIR).symlink_to((root / CACHE_DIR).resolve(), target_is_directory=True)


def _docx_of(root: Path, out: Path, revision: str) -> Path:
    from briefkit import pipeline

    try:
        pipeline.build(root, out, formats=("docx",), parallel=False)
    except InputError as exc:
        if not revision:
            raise
        first = "\n".join(str(p) for p in exc.errors[:5])
        raise EditionError(f"--compare {revision}: the earlier edition does not build:\n{first}") from None
    return next(out.glob("*.docx"))


def _edition(root: Path) -> dict:
    """What the comparison reads of one edition: its sections' Markdown, data, phrases and charts."""
    from briefkit.datasets import read_data
    from briefkit.exhibits import Context
    from briefkit.formatting import Formatter
    from briefkit.project import load_project
    from briefkit.review.sourcemap import trace_project

    project = load_project(root)
    data, _ = read_data(project.root / "data")
    charts: dict = {}
    maps, _, _ = trace_project(project.root, charts)
    words = project.words()
    sections = [(m.path, m.markdown.strip()) for m in maps]
    titles = {path: _heading(text) or Path(path).stem for path, text in sections}
    return {"project": project, "data": data, "context": Context(data, Formatter(words), words),
            "sections": sections, "charts": charts, "titles": titles}


def _heading(markdown: str) -> str:
    import re

    match = re.search(r"^#\s+(.*?)\s*(\{[^{}]*\})?\s*$", markdown, re.M)
    return match.group(1).replace("\\", "") if match else ""


def _caption(sections: list[tuple[str, str]], name: str) -> str:
    """The caption a chart has in the DOCX ("Figure 1. …"), from its picture's Markdown."""
    import re

    for _, text in sections:
        match = re.search(rf"!\[((?:[^\]\\]|\\.)*)\]\(charts/{re.escape(name)}\.svg\)", text)
        if match:
            return re.sub(r"\\(.)", r"\1", match.group(1))
    return ""


def _edition_name(project, revision: str) -> str:
    return project.edition or revision


def _report_date(project) -> str:
    return f"{project.date.iso}T00:00:00Z" if len(project.date.iso) == 10 else ""


def chart_notes(old: dict, new: dict, data: DataChanges, words, edition: str) -> dict[str, tuple[str, str]]:
    """For each chart whose points changed: (its caption's chart name, the note that says what changed)."""
    from briefkit.exhibits.charts import ChartSpec

    notes = {}
    for name, spec in new.items():
        before = old.get(name)
        if not isinstance(spec, ChartSpec):
            continue  # a map: its places and routes are records, whose changes the record tables show
        if before is not None and [s.points for s in before.series] == [s.points for s in spec.series]:
            continue
        titles = {s.title for s in spec.series}
        changes = [f"{c.key}: {c.old} → {c.new}" for c in data.figures if c.dataset in titles]
        changes += [item for dataset, item in data.added + data.removed if dataset in titles]
        if changes:
            notes[name] = (name, words("changes_chart", edition=edition, changes="; ".join(changes)))
    return notes


def with_chart_notes(markdown: str, notes: dict[str, tuple[str, str]]) -> str:
    """A marked note right under each changed chart (after its picture)."""
    import re

    for name, (_, note) in notes.items():
        pattern = re.compile(rf"(!\[[^\n]*\]\(charts/{re.escape(name)}\.svg\)\{{[^\n]*\}})")
        markdown = pattern.sub(lambda m, n=note: f"{m.group(1)}\n\n[{md_escape(n)}]{{.bk-ins}}", markdown, count=1)
    return markdown


def _marked_formats(project, data, marked: str, words, cache, work: Path) -> dict[str, Path]:
    """The marked web page and PDF, made as the plain ones are, from the marked Markdown."""
    from briefkit import pipeline
    from briefkit.images import inline_images

    plan = pipeline.plan_build(project, data, ("html", "pdf"))
    markdown = inline_images(marked, project.root / "report")
    meta = json.loads(plan.metadata) | {"changes-inserted": words("changes_inserted"),
                                        "changes-deleted": words("changes_deleted"),
                                        "changes-moved-from": words("changes_moved_from"),
                                        "changes-moved-to": words("changes_moved_to")}
    plan = replace(plan, markdown={"svg": markdown}, metadata=json.dumps(meta, ensure_ascii=False))
    workspace = pipeline.prepare_workspace(plan, work)
    pipeline.ensure_charts(plan, cache, work, ("html", "pdf"))
    from concurrent.futures import ThreadPoolExecutor

    # pandoc's two conversions side by side (it runs outside Python), then the page and the PDF in two processes.
    with ThreadPoolExecutor(max_workers=2) as threads:
        converting = {fmt: threads.submit(_marked_body, plan, workspace, markdown, fmt) for fmt in ("html", "pdf")}
        pipeline.preload_engines(project, ("pdf",))
        bodies = {fmt: future.result() for fmt, future in converting.items()}
    made = pipeline.make_formats(plan, workspace, ("html", "pdf"), True, bodies)
    return {fmt: path.rename(work / f"changes.{fmt}") for fmt, path in made.items()}


def _marked_body(plan, workspace, markdown: str, fmt: str):
    """pandoc's part of a marked format, with changes.lua: the web page's or the WeasyPrint PDF's HTML body (the
    marks are <ins> and <del>, styled by screen.css and print.css), or the Typst PDF's markup (calls of
    briefing.typ's bk-change)."""
    from briefkit import pandoc

    if fmt == "pdf" and plan.project.pdf_engine == "typst":
        from briefkit.outputs.pdf_typst import typst_markup

        return typst_markup(markdown, workspace.inputs, workspace.meta_file, workspace.root, ("changes.lua",))
    footnotes = "end" if fmt == "html" else "inline"
    return pandoc.html_body(markdown, workspace.inputs, workspace.meta_file, footnotes, ("changes.lua",))


def _publish(project, staged: dict[str, Path], out_dir: Path) -> dict[str, Path]:
    import os

    targets = {}
    for fmt, path in staged.items():
        target = out_dir / f"{project.output_name}-changes.{fmt}"
        os.chmod(path, 0o644)
        path.replace(target)
        targets[fmt] = target
    return targets
