"""The data notes: every figure and record of every dataset with its kind, sources and caveats."""

from __future__ import annotations

from briefkit.datasets import Records, Series
from briefkit.exhibits import Context, md_escape
from briefkit.exhibits.tables import figure_text

NOTES_ID = "data-notes-"


def data_notes(ctx: Context, url: str = "") -> str:
    """Every dataset's notes; opened, where the project gives the web edition's address, by where to find the
    data as CSV files (and nothing is said of a web edition otherwise)."""
    parts = []
    if url:
        parts.append(md_escape(ctx.words("data_notes_web", url="\0")).replace("\0", f"<{url}>"))
    for dataset in ctx.data.datasets.values():
        # Unlisted: the contents list the data notes, not each dataset in them (the DOCX is told by the id).
        lines = [f"## {md_escape(dataset.title)} {{#{NOTES_ID}{dataset.name} .unnumbered .unlisted}}", ""]
        lines += _series_notes(ctx, dataset) if isinstance(dataset, Series) else _records_notes(ctx, dataset)
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _series_notes(ctx: Context, series: Series) -> list[str]:
    lines = [ctx.traced(md_escape(series.note), series, None, "note"), ""] if series.note else []
    for point in series.points:
        kind = "" if point.is_gap else f" ({md_escape(ctx.kind(point.kind))})"
        lines.append(f"**{point.key}: {md_escape(figure_text(ctx, point))}**{kind}")
        details = []
        if point.sources:
            details.append(md_escape(ctx.words("source_line", source=ctx.named(point.sources))))
        if point.growth is not None:
            details.append(md_escape(ctx.words("change_on_previous", change=ctx.fmt.percent(point.growth))))
        if point.series_change:
            details.append(md_escape(point.series_change))
        if point.note:
            details.append(ctx.traced(md_escape(point.note), series, point, "note"))
        for alt in point.alternatives:
            details.append(md_escape(ctx.words("sources_differ_inline", figure=ctx.fmt.figure(alt),
                                               sources=ctx.named(alt.sources)))
                           + (f" ({md_escape(alt.note)})." if alt.note else "."))
        lines += [":   " + " ".join(details), ""]
    return lines


def _records_notes(ctx: Context, records: Records) -> list[str]:
    declaration = records.declaration
    dates = [f.name for f in declaration.fields if f.type == "date"]
    texts = [f.name for f in declaration.fields if f.type == "string" and f.name != declaration.primary_key]
    title = "title" if declaration.field("title") else (texts[0] if texts else declaration.primary_key)
    has_note = declaration.field("note") is not None and declaration.field("note").type == "string"
    lines = []
    for row in records.rows:
        head = []
        if dates and row.values.get(dates[0]):
            end = row.values.get(dates[1]) if len(dates) > 1 else None
            head.append(ctx.fmt.span(row.values[dates[0]], end))
        if title and row.values.get(title) is not None:
            head.append(str(row.values[title]))
        detail = md_escape(ctx.words("source_line", source=ctx.named(row.sources))) if row.sources else ""
        if has_note and row.values.get("note"):
            detail += " " + ctx.traced(md_escape(row.values["note"]), records, row, "note")
        lines += [f"**{md_escape(': '.join(head))}**", ":   " + (detail.strip() or "\u2014"), ""]
    return lines
