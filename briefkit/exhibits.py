"""The generated exhibits, emitted as pandoc Markdown so each format gets a native table or figure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefkit.data import Data, Source, TradePoint
from briefkit.formatting import date_span, pct, usd

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|@$~^])")
KIND_LABELS = {
    "reported": "reported",
    "approximate": "approximate",
    "estimate": "estimate",
    "range": "range (estimates)",
    "projection": "projection",
    "gap": "no figure published",
}
DAGGER = "\u2020"


def md_escape(text: str) -> str:
    """Escape text so that pandoc reads it literally (no emphasis, links or citations)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def source_labels(sources: dict[str, Source]) -> dict[str, str]:
    """Short labels such as 'TASS 2023' (or the source's own short name), made unique where they would clash."""
    base = {
        sid: s.short or (f"{s.publisher} {s.date.year}" if s.date else s.publisher) for sid, s in sources.items()
    }
    counts: dict[str, int] = {}
    for label in base.values():
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    labels = {}
    for sid in sorted(sources):
        label = base[sid]
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}{chr(ord('a') + seen[label] - 1)}"
        labels[sid] = label
    return labels


@dataclass(frozen=True)
class Caption:
    label: str
    number: str
    text: str

    @property
    def full(self) -> str:
        return f"{self.number}. {self.text}"


def _pipe_table(header: list[str], widths: list[int], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * w for w in widths) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _source_line(text: str) -> str:
    return f"::: {{.exhibit-source}}\n{text}\n:::"


def agreements_table(data: Data, caption: Caption) -> str:
    labels = source_labels(data.sources)
    rows = [
        [
            md_escape(date_span(a.date, a.end)),
            md_escape(a.title),
            md_escape(a.kind),
            md_escape(f"{a.subject} ({a.scope})"),
            md_escape(a.status),
            md_escape("; ".join(labels[s] for s in a.sources)),
        ]
        for a in data.agreements
    ]
    table = _pipe_table(
        ["Date", "Agreement or milestone", "Kind", "Subject and scope", "Status", "Source"],
        [12, 28, 12, 26, 10, 12],
        rows,
    )
    used = sorted({s for a in data.agreements for s in a.sources})
    return "\n\n".join([
        table,
        f": {md_escape(caption.full)} {{#{caption.label}}}",
        _source_line(
            "Sources: " + "; ".join(md_escape(labels[s]) for s in used)
            + ". Full references are listed under Sources. Dates are given to the day where known. "
            + download_link("agreements.csv")
        ),
    ])


def trade_table(data: Data, points: tuple[TradePoint, ...], caption: Caption) -> str:
    labels = source_labels(data.sources)
    rows, notes = [], []
    for point in points:
        figure = "no figure published" if point.is_gap else md_escape(usd(point))
        if point.alternatives:
            mark = DAGGER * (len(notes) + 1)
            figure += mark
            others = "; ".join(
                f"{usd(alt)} according to {'; '.join(labels[s] for s in alt.sources)}"
                + (f" ({alt.note})" if alt.note else "")
                for alt in point.alternatives
            )
            notes.append(f"{mark} Sources differ for {point.year}: {others}.")
        rows.append([
            str(point.year),
            figure,
            md_escape(KIND_LABELS[point.kind]),
            md_escape(pct(point.growth)) if point.growth is not None else "",
            md_escape("; ".join(labels[s] for s in point.sources)) or md_escape("(see note)"),
        ])
    table = _pipe_table(["Year", "Bilateral trade", "Kind of figure", "Change on year", "Source"],
                        [6, 22, 18, 12, 30], rows)
    parts = [table, f": {md_escape(caption.full)} {{#{caption.label}}}"]
    lines = [md_escape(n) for n in notes]
    lines.append(
        "Values in current US dollars as published; the kind says how firm each figure is. "
        "Gaps are years for which no level was published. " + download_link("trade.csv")
    )
    parts.append(_source_line("\\\n".join(lines)))
    return "\n\n".join(parts)


def chart_figure(image: str, caption: Caption, alt: str, source: str) -> str:
    alt_attr = alt.replace("\\", "\\\\").replace('"', '\\"')
    return "\n\n".join([
        f'![{md_escape(caption.full)}]({image}){{#{caption.label} alt="{alt_attr}"}}',
        _source_line(md_escape(source) + " " + download_link("trade.csv")),
    ])


def download_link(file_name: str) -> str:
    """A marker the web page turns into a download of the CSV; the PDF and DOCX leave it out."""
    return f"[Download the data ({file_name})]{{.download file=\"{file_name}\"}}"


def data_notes(data: Data) -> str:
    """Every trade figure and every agreement with its kind, source and caveats: the path from number to source."""
    labels = source_labels(data.sources)

    def named(ids: tuple[str, ...]) -> str:
        return md_escape("; ".join(labels[s] for s in ids))

    lines = ["## Trade figures {.unnumbered}", ""]
    if data.trade.note:
        lines += [md_escape(data.trade.note), ""]
    for point in data.trade.points:
        if point.is_gap:  # the kind of a gap says nothing more than the figure
            lines.append(f"**{point.year}: {md_escape(KIND_LABELS['gap'])}**")
        else:
            lines.append(f"**{point.year}: {md_escape(usd(point))}** ({md_escape(KIND_LABELS[point.kind])})")
        details = []
        if point.sources:
            details.append(f"Source: {named(point.sources)}.")
        if point.growth is not None:
            details.append(f"Change on the previous year: {md_escape(pct(point.growth))}.")
        if point.note:
            details.append(md_escape(point.note))
        for alt in point.alternatives:
            details.append(f"Sources differ: {md_escape(usd(alt))} according to {named(alt.sources)}"
                           + (f" ({md_escape(alt.note)})." if alt.note else "."))
        lines.append(":   " + " ".join(details))
        lines.append("")
    lines += ["## Agreements and milestones {.unnumbered}", ""]
    for agreement in data.agreements:
        lines.append(f"**{md_escape(date_span(agreement.date, agreement.end))}: {md_escape(agreement.title)}**")
        detail = f"Source: {named(agreement.sources)}."
        if agreement.note:
            detail += " " + md_escape(agreement.note)
        lines.append(":   " + detail)
        lines.append("")
    return "\n".join(lines)
