"""Tables of any dataset: records with chosen columns, series with the kind and source of every figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from briefkit.datasets import Point, Records, Series, UnknownName
from briefkit.exhibits import DAGGER, Caption, Context, column_widths, download_link, md_escape, pipe_table, source_line


def records_table(ctx: Context, records: Records, caption: Caption, columns: Sequence | None = None,
                  sort: str | None = None, where: Mapping | None = None, note: str = "",
                  widths: Sequence[int] | None = None, layout: list | None = None) -> str:
    """A records table; layout, where given, receives the record of each row and the field of each column."""
    declaration = records.declaration
    chosen = list(columns or _default_columns(records))
    specs = [_column(declaration, c) for c in chosen]
    rows = [row for row in records.rows if _matches(row, where or {}, declaration)]
    if sort:
        field = sort.lstrip("-")
        if declaration.field(field) is None:
            raise UnknownName(f"sort='{sort}' names no field of '{records.name}'; fields: "
                              f"{', '.join(f.name for f in declaration.fields)}")
        from briefkit.datasets.records import _sort_key

        rows.sort(key=lambda r: _sort_key(r.values.get(field)), reverse=sort.startswith("-"))
    header = [md_escape(title) for title, _ in specs]
    body = [[md_escape(cell(ctx, row)) for _, cell in specs] for row in rows]
    if layout is not None:
        layout += [rows, [spec.get("field", "") if isinstance(spec, Mapping) else spec for spec in chosen]]
    used = sorted({s for row in rows for s in row.sources}, key=lambda s: ctx.labels.get(s, s))
    line = (md_escape(ctx.words("sources_line", sources=ctx.named(used))) + " " + ctx.words("full_references")
            if used else "")
    if note:
        line = (line + " " + md_escape(note)).strip()
    return "\n\n".join([
        pipe_table(header, list(widths) if widths else column_widths(header, body), body),
        f": {md_escape(caption.full)} {{#{caption.label}}}",
        source_line(line + " " + download_link(ctx.words, f"{records.name}.csv")),
    ])


def _default_columns(records: Records) -> list[str]:
    # The key is left out where it is an identifier ('id'), kept where it names the row ('country').
    key = records.declaration.primary_key
    fields = [f for f in records.declaration.fields if f.name != "note" and not (f.name == key and key == "id")]
    return [f.name for f in fields]


def _column(declaration, spec: Any):
    """(header, cell function) for a column: a field name, or a mapping with title and field, text or span."""
    if isinstance(spec, str):
        spec = {"field": spec}
    if not isinstance(spec, Mapping):
        raise UnknownName(f"a column is a field name or a mapping such as {{'title': 'Date', 'span': ['date', 'end']}};"
                          f" got {spec!r}")
    unknown = set(spec) - {"field", "title", "text", "span"}
    if unknown:
        raise UnknownName(f"a column may have field, title, text or span; got {', '.join(sorted(unknown))}")
    names = [f.name for f in declaration.fields]

    def known(name: str) -> str:
        if name not in names:
            raise UnknownName(f"'{declaration.name}' has no field '{name}'; its fields: {', '.join(names)}")
        return name

    if "span" in spec:
        start, end = (known(n) for n in spec["span"])
        return spec.get("title", declaration.field(start).title), \
            lambda ctx, row: ctx.fmt.span(row.values[start], row.values[end]) if row.values[start] else ""
    if "text" in spec:
        template = spec["text"]
        import string

        for _, name, _, _ in string.Formatter().parse(template):
            if name is not None:
                known(name)
        return spec.get("title", ""), lambda ctx, row: template.format(
            **{k: _cell(ctx, declaration.field(k), v) for k, v in row.values.items()})
    name = known(spec.get("field", ""))
    field = declaration.field(name)
    return spec.get("title", field.title), lambda ctx, row: _cell(ctx, field, row.values[name])


def _cell(ctx: Context, field, value: Any) -> str:
    if value is None or value == ():
        return ""
    if field.type == "sources":
        return ctx.named(value)
    if field.unit is not None and isinstance(value, (int, float)):
        return ctx.fmt.figure(value, field.unit)
    return ctx.fmt.plain(value)


def _matches(row, where: Mapping, declaration) -> bool:
    for name, wanted in where.items():
        if declaration.field(name) is None:
            raise UnknownName(f"where= names no field '{name}' of '{declaration.name}'; fields: "
                              f"{', '.join(f.name for f in declaration.fields)}")
        value = row.values.get(name)
        allowed = wanted if isinstance(wanted, (list, tuple)) else [wanted]
        if value not in allowed and str(value) not in [str(a) for a in allowed]:
            return False
    return True


def figure_text(ctx: Context, point: Point) -> str:
    """A point's figure, or 'no figure published'; with its period where it is not the whole of its key."""
    text = ctx.words("no_figure") if point.is_gap else ctx.fmt.figure(point)
    return f"{text} ({point.period})" if point.period else text


def series_table(ctx: Context, series: Series, points: tuple[Point, ...], caption: Caption, note: str = "",
                 widths: Sequence[int] | None = None, layout: list | None = None) -> str:
    """A series table; layout, where given, receives the point of each row and the field of each column."""
    if layout is not None:
        layout += [list(points), [series.key_field, "value", "kind", "growth", "source"]]
    rows, notes = [], []
    for point in points:
        figure = md_escape(figure_text(ctx, point))
        if point.alternatives:
            mark = DAGGER * (len(notes) + 1)
            figure += mark
            others = "; ".join(
                ctx.words("according_to", figure=ctx.fmt.figure(alt), sources=ctx.named(alt.sources))
                + (f" ({alt.note})" if alt.note else "")
                for alt in point.alternatives
            )
            notes.append(f"{mark} {ctx.words('sources_differ', key=point.key)}: {others}.")
        rows.append([
            str(point.key),
            figure,
            "\u2014" if point.is_gap else md_escape(ctx.kind(point.kind)),
            md_escape(ctx.fmt.percent(point.growth)) if point.growth is not None else "",
            md_escape(ctx.named(point.sources)) or md_escape(ctx.words("see_note")),
        ])
    key_title = series.declaration.key.title if series.declaration.key else ctx.words("year")
    header = [md_escape(key_title), md_escape(series.title), ctx.words("kind_of_figure"), ctx.words("change_on_year"),
              ctx.words("source")]
    lines = [md_escape(n) for n in notes]
    lines += [md_escape(f"{p.key}: {p.series_change}") for p in points if p.series_change]
    lines.append((md_escape(note) + " " if note else "") + download_link(ctx.words, f"{series.name}.csv"))
    return "\n\n".join([
        pipe_table(header, list(widths) if widths else [6, 22, 18, 12, 30], rows),
        f": {md_escape(caption.full)} {{#{caption.label}}}",
        source_line("\\\n".join(lines)),
    ])
