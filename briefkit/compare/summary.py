"""The summary of what changed between two editions, in the report's words: the first section of the changes
documents, and what the `changes_since()` helper prints in a plain edition."""

from __future__ import annotations

from pathlib import Path

from briefkit.compare.figures import DataChanges, data_changes
from briefkit.compare.text import TextChanges
from briefkit.exhibits import Context, md_escape


def changes_section(words, edition: str, data: DataChanges, text: TextChanges, titles: dict[str, str]) -> str:
    """The section "Changes in this edition", made from the data and the text compared, never by hand."""
    lines = [f"# {md_escape(words('changes_heading'))} {{#changes-in-this-edition .unnumbered}}", "",
             md_escape(words("changes_compared", edition=edition)), "", data_summary(words, data)]
    changed = [s for s in text.sections if s.status != "unchanged"]
    lines += [f"## {md_escape(words('changes_sections'))} {{.unnumbered}}", ""]
    for section in changed:
        title = titles.get(section.title, section.title)
        if section.status == "rewritten":
            lines.append("- " + md_escape(words("changes_section_rewritten", title=title,
                                                 share=f"{max(1, round(section.share * 100))} %")))
        else:
            lines.append("- " + md_escape(words(f"changes_section_{section.status}", title=title)))
    if not changed:
        lines.append(md_escape(words("changes_no_text")))
    return "\n".join(lines).rstrip() + "\n"


def data_summary(words, data: DataChanges, level: int = 2) -> str:
    """Every figure, record and source that changed, as Markdown: its headings at `level`."""
    mark = "#" * level
    lines: list[str] = []
    if data.figures:
        lines += [f"{mark} {md_escape(words('changes_figures'))} {{.unnumbered}}", ""]
        for change in data.figures:
            same = change.old_sources == change.new_sources
            sources = words("sources_line", sources=change.new_sources) if same else words(
                "changes_figure_sources", old=change.old_sources or "—", new=change.new_sources or "—")
            key = change.key if change.field == "value" else f"{change.key}, {change.field}"
            line = words("changes_figure", dataset=change.dataset, key=key, old=change.old, new=change.new)
            if not change.sources_field:  # a change of the sources themselves says them already
                line = line.rstrip(".") + ". " + sources
            lines.append("- " + md_escape(line))
        lines.append("")
    if data.added or data.removed:
        lines += [f"{mark} {md_escape(words('changes_records'))} {{.unnumbered}}", ""]
        lines += ["- " + md_escape(words("changes_added", dataset=d, item=i)) for d, i in data.added]
        lines += ["- " + md_escape(words("changes_removed", dataset=d, item=i)) for d, i in data.removed]
        lines.append("")
    if data.sources_added or data.sources_dropped:
        lines += [f"{mark} {md_escape(words('changes_sources'))} {{.unnumbered}}", ""]
        if data.sources_added:
            lines.append("- " + md_escape(words("changes_sources_added", sources="; ".join(data.sources_added))))
        if data.sources_dropped:
            lines.append("- " + md_escape(words("changes_sources_dropped", sources="; ".join(data.sources_dropped))))
        lines.append("")
    if not data:
        lines += [md_escape(words("changes_no_data")), ""]
    return "\n".join(lines)


def changes_since(root: Path, revision: str, data, ctx: Context) -> str:
    """The figures, records and sources that changed since an earlier edition (a git revision or a folder),
    for a section of the plain edition; LookupError where the edition cannot be found."""
    import tempfile

    from briefkit.compare import EditionError, earlier_edition
    from briefkit.datasets import read_data
    from briefkit.formatting import Formatter
    from briefkit.project import load_project

    with tempfile.TemporaryDirectory(prefix="briefkit-since-") as scratch:
        try:
            old_root = earlier_edition(root, revision, Path(scratch))
        except EditionError as exc:
            raise LookupError(str(exc).replace("--compare ", "changes_since: ", 1)) from None
        old_data, _ = read_data(old_root / "data")
        words = load_project(old_root).words()
        changes = data_changes(old_data, data, Context(old_data, Formatter(words), words), ctx)
    return data_summary(ctx.words, changes, level=3) if changes else md_escape(ctx.words("changes_no_data"))
