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
    """A series table; layout, where given, receives the point of each row and the field of each column.

    The change on the previous year is a column only over years and only where some point has one: no column is
    empty in every row. Over categories the figures are compared with one another, so the figure column takes one
    scale, said in its header ("Area (million km²)"), and the key column is as wide as its longest word.
    """
    growth = series.by_year and any(p.growth is not None for p in points)
    fields = [series.key_field, "value", "kind", *(["growth"] if growth else []), "source"]
    if layout is not None:
        layout += [list(points), fields]
    scale = None if series.by_year else column_scale(series.unit, points)
    rows, notes = [], []
    for point in points:
        figure = md_escape(figure_text(ctx, point) if scale is None else bare_figure(ctx, point, scale))
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
            md_escape(str(point.key)),
            figure,
            "\u2014" if point.is_gap else md_escape(ctx.kind(point.kind)),
            *([md_escape(ctx.fmt.percent(point.growth)) if point.growth is not None else ""] if growth else []),
            md_escape(ctx.named(point.sources)) or md_escape(ctx.words("see_note")),
        ])
    key_title = series.declaration.key.title if series.declaration.key else ctx.words("year")
    value_title = series.title if scale is None else f"{series.title} ({series.unit.describe(ctx.fmt.lang, scale)})"
    header = [md_escape(key_title), md_escape(value_title), ctx.words("kind_of_figure"),
              *([ctx.words("change_on_year")] if growth else []), ctx.words("source")]
    lines = [md_escape(n) for n in notes]
    lines += [md_escape(f"{p.key}: {p.series_change}") for p in points if p.series_change]
    lines.append((md_escape(note) + " " if note else "") + download_link(ctx.words, f"{series.name}.csv"))
    if widths:
        sizes = list(widths)
    elif series.by_year:
        sizes = [6, 22, 18, 12, 30] if growth else [6, 26, 20, 34]
    else:
        # Scaled to a hundred: pandoc keeps the widths of a pipe table only when its dashes are long.
        # The key as wide as its longest word; the figures as wide as their header; the sources take the rest.
        sizes = column_widths(header, rows)
        sizes[1] = max(sizes[1], len(value_title) + 1)
        sizes[2] = max(sizes[2], len(header[2]) + 1)
        sizes[-1] = max(sizes[-1], 30)
        sizes = [max(3, round(100 * w / sum(sizes))) for w in sizes]
    return "\n\n".join([
        pipe_table(header, sizes, rows),
        f": {md_escape(caption.full)} {{#{caption.label}}}",
        source_line("\\\n".join(lines)),
    ])


def column_scale(unit, points: Sequence[Point]) -> str | None:
    """The one scale a column of these figures is shown in (that of its largest), or None where the unit has none."""
    from briefkit.locale import promote

    if unit is None or unit.percent or not unit.scale:
        return None
    values = [abs(v) for p in points for v in (p.value, p.low, p.high) if v is not None]
    return promote(max(values), unit.scale)[1] if values else unit.scale


def bare_figure(ctx: Context, point: Point, scale: str) -> str:
    """A point's figure as a number in `scale`, its unit left to the column's header: 'about 17.098', '1.6–1.8'."""
    from briefkit.locale import scaled_number

    if point.is_gap:
        return figure_text(ctx, point)
    lang = ctx.fmt.lang
    if point.is_range:
        low, high = (scaled_number(v, point.unit, scale, lang) for v in (point.low, point.high))
        text = f"{low}\u2013{high}"
    else:
        text = scaled_number(point.value, point.unit, scale, lang)
    if point.qualifier:
        text = lang("qualified", qualifier=lang(f"qualifier_{point.qualifier}"), amount=text)
    return f"{text} ({point.period})" if point.period else text
