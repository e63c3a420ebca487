"""Charts of any series: lines over years, bars for categories or years, several series on one chart.

Every kind of point is drawn for what it is: reported and approximate figures with different filled markers,
estimates open, projections in the accent colour, ranges as a bar from low to high with no invented middle, gaps as
shaded slots, and figures from other sources as grey crosses. A line never runs into a gap, a range, or across a
change of series.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefkit.datasets import Point, Series
from briefkit.decimals import DEFAULT_ROUNDING, exact
from briefkit.exhibits import Context
from briefkit.locale import Unit, format_number, format_ticks

PNG_DPI = 200
GREY = "#8a8f98"
SHADE = "#eeeeee"
_UP = {"thousand": "million", "million": "billion"}
MARKERS = {"reported": "o", "approximate": "s", "estimate": "o", "projection": "D"}
LEGEND_KEYS = ("reported", "approximate", "estimate", "range", "projection", "alternative", "gap")


@dataclass(frozen=True)
class ChartSeries:
    title: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ChartSpec:
    """Everything a chart is drawn from; its repr is the chart's cache key."""

    name: str
    style: str
    title: str
    axis: str
    series: tuple[ChartSeries, ...]
    by_year: bool
    divisor: float
    legend: tuple[tuple[str, str], ...]
    colours: tuple[str, ...]
    font: str
    language: str
    declared: str = ""  # the unit the values are declared in, where the axis shows them in another scale
    rounding: str = DEFAULT_ROUNDING


def axis_scale(unit: Unit, values: list[float]) -> tuple[float, Unit]:
    """Plot millions as billions when the largest figure is a billion or more (and thousands as millions)."""
    if unit.scale in _UP and values and max(values) >= 1000:
        return 1000.0, Unit(currency=unit.currency, name=unit.name, scale=_UP[unit.scale], percent=unit.percent)
    return 1.0, unit


def chart_spec(ctx: Context, name: str, style: str, series: list[Series], points: list[tuple[Point, ...]],
               title: str, colours: tuple[str, ...], font: str) -> ChartSpec:
    values = [v for ps in points for p in ps for v in (p.top, *(a.value for a in p.alternatives)) if v is not None]
    divisor, shown_unit = axis_scale(series[0].unit, values)
    axis = shown_unit.describe(ctx.fmt.lang)
    declared = series[0].unit.describe(ctx.fmt.lang) if divisor != 1 else ""
    legend = tuple((key, ctx.words(f"legend_{key}")) for key in LEGEND_KEYS) + tuple(
        (f"qualifier_{q}", ctx.words(f"qualifier_{q}")) for q in ("over", "about", "under")) + (
        ("series_change", ctx.words("series_break")), ("gap_label", ctx.words("chart_gap_label")))
    return ChartSpec(name, style, title, axis, tuple(ChartSeries(s.title, ps) for s, ps in zip(series, points,
                                                                                                strict=True)),
                     series[0].by_year, divisor, legend, colours, font, ctx.fmt.language, declared,
                     getattr(ctx.fmt.lang, "rounding", DEFAULT_ROUNDING))


def describe_chart(ctx: Context, spec: ChartSpec, series: list[Series]) -> str:
    """Alt text: what the chart shows, point by point, with gaps, ranges and conflicting sources named."""
    parts = []
    for chart_series, dataset in zip(spec.series, series, strict=True):
        items = []
        for point in chart_series.points:
            if point.is_gap:
                items.append(ctx.words("alt_gap", key=point.key))
                continue
            text = ctx.words("alt_point", key=point.key, figure=ctx.fmt.figure(point), kind=ctx.kind(point.kind))
            if point.alternatives:
                text += "; " + ctx.words("alt_other_source", figures=", ".join(
                    ctx.fmt.figure(a) for a in point.alternatives))
            items.append(text)
        prefix = f"{dataset.title}: " if len(spec.series) > 1 else ""
        parts.append(prefix + "; ".join(items) + ".")
    keys = _keys(spec)
    if spec.style == "bar":
        kind = ctx.words("alt_bar_chart", title=spec.title)
    else:
        period = f"{keys[0]}\u2013{keys[-1]}" if keys else ""
        # A title that already names its period ("Exports, 2016–2025") is not followed by it again.
        title = spec.title.removesuffix(f", {period}").removesuffix(f" {period}")
        kind = ctx.words("alt_line_chart", title=title, period=period)
    return f"{kind} ({spec.axis}). " + " ".join(parts) + _trend(ctx, spec)


def _trend(ctx: Context, spec: ChartSpec) -> str:
    if len(spec.series) != 1:
        return ""
    known = [p for p in spec.series[0].points if p.value is not None]
    if len(known) < 2:
        return ""
    first, last = known[0], known[-1]
    key = "alt_rises" if last.value > first.value else "alt_falls"
    return " " + ctx.words(key, series=spec.series[0].title, first=ctx.fmt.figure(first), start=first.key,
                           last=ctx.fmt.figure(last), end=last.key)


_REGISTERED: set[str] = set()


def register_fonts(fonts: list[Path]) -> None:
    """Give matplotlib the project's fonts, once per file: it caches lookups, so the paths must stay valid."""
    from matplotlib import font_manager

    for font in fonts:
        if str(font) not in _REGISTERED and font.suffix.lower() in (".ttf", ".otf"):
            font_manager.fontManager.addfont(str(font))
            _REGISTERED.add(str(font))


def draw_chart(spec: ChartSpec, out_dir: Path, fonts: list[Path],
               kinds: tuple[str, ...] = ("svg", "png")) -> dict[str, Path]:
    """Draw the chart as SVG (vector, for HTML and PDF) and PNG at 200 dpi (for DOCX), or only the `kinds` asked.

    The SVG keeps its text as text (svg.fonttype none), set in the project's fonts by each engine: searchable,
    read aloud, and much lighter to draw than a path for every letter.

    `fonts` are the font files in their lasting place (the engine's or the project's templates), not copies.
    """
    # A Figure of its own, without pyplot: no figure manager, no GUI backend, a lighter import.
    import matplotlib
    from matplotlib.artist import setp
    from matplotlib.figure import Figure

    register_fonts(fonts)
    rc = {
        "font.family": [spec.font, "DejaVu Sans"],
        "font.size": 9,
        "svg.hashsalt": "briefkit",
        "svg.fonttype": "none",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#555555",
        "axes.titleweight": "bold",
        "axes.titlesize": 11,
        "axes.titlelocation": "left",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(6.6, 3.5))
        ax = fig.subplots()
        keys = _keys(spec)
        position = {key: index for index, key in enumerate(keys)}
        used: set[str] = set()
        for index, chart_series in enumerate(spec.series):
            colour = spec.colours[index % len(spec.colours)]
            if spec.style == "bar":
                _bars(ax, spec, chart_series, index, position, colour, used)
            else:
                _line(ax, spec, chart_series, position, colour, used, index)
        ax.set_xticks(range(len(keys)), [str(k) for k in keys])
        ax.set_xlim(-0.6, len(keys) - 0.4)
        tops = [v / spec.divisor for s in spec.series for p in s.points
                for v in (p.top, *(a.value for a in p.alternatives)) if v is not None]
        ax.set_ylim(0, (max(tops) if tops else 1) * 1.22)
        ax.yaxis.set_major_formatter(_tick_formatter(spec.language))
        ax.set_ylabel(spec.axis)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(spec.title)
        _legend(ax, spec, used)
        if len(keys) > 8 and not spec.by_year:
            setp(ax.get_xticklabels(), rotation=30, ha="right")
        fig.tight_layout()
        paths = {kind: out_dir / f"{spec.name}.{kind}" for kind in kinds}
        # The source line is text under the caption in every format, so the image does not repeat it.
        if "svg" in paths:
            # No RDF <metadata> block: its rdf:, cc: and dc: elements are invalid in HTML's inline SVG, and its
            # date would make each drawing differ.
            fig.savefig(paths["svg"], format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type")))
        if "png" in paths:
            fig.savefig(paths["png"], format="png", dpi=PNG_DPI, metadata={"Software": None})
    return paths


def _tick_formatter(language: str):
    """The value axis's numbers in the report's language ("17,5" in de and ru), with the decimals they need."""
    from matplotlib.ticker import Formatter

    class LocaleFormatter(Formatter):
        def format_ticks(self, values) -> list[str]:
            return format_ticks(list(values), language)

        def __call__(self, x, pos=None) -> str:  # one number alone: the cursor's read-out
            return format_ticks([x], language)[0]

    return LocaleFormatter()


def _keys(spec: ChartSpec) -> list:
    keys: list = []
    for chart_series in spec.series:
        for point in chart_series.points:
            if point.key not in keys:
                keys.append(point.key)
    return sorted(keys) if spec.by_year else keys


def _number(spec: ChartSpec, value: float) -> str:
    """A figure as the chart labels it, divided in decimal from the number as written (695 million is 0.695
    billion, which rounds to 0.70), every label of a promoted axis to two decimals."""
    places = 2 if spec.divisor > 1 else 1
    return format_number(exact(value) / exact(spec.divisor), spec.language, places,
                         min_places=places if spec.divisor > 1 else 0, rounding=spec.rounding)


def _label(spec: ChartSpec, point: Point) -> str:
    def number(value: float) -> str:
        return _number(spec, value)

    text = f"{number(point.low)}\u2013{number(point.high)}" if point.is_range else number(point.value)
    # "over 30", as the source phrased it: a label never states more certainty than the figure has.
    return f"{dict(spec.legend)[f'qualifier_{point.qualifier}']} {text}" if point.qualifier else text


def _gap(ax, x: float, words: dict[str, str], used: set[str]) -> None:
    ax.axvspan(x - 0.45, x + 0.45, color=SHADE, zorder=0)
    ax.text(x, 0.02, words["gap_label"], transform=ax.get_xaxis_transform(), ha="center",
            va="bottom", fontsize=6.5, color="#5b6470")
    used.add("gap")


def _line(ax, spec: ChartSpec, chart_series: ChartSeries, position: dict, colour: str, used: set[str],
          series_index: int = 0) -> None:
    words = dict(spec.legend)
    accent = spec.colours[1] if len(spec.colours) > 1 else colour
    drawn = [p for p in chart_series.points if not p.is_gap and not p.is_range]
    previous: Point | None = None
    for point in chart_series.points:
        x = position[point.key]
        if point.is_gap:
            _gap(ax, x, words, used)
            previous = None
            continue
        if point.series_change and previous is not None:
            ax.axvline(x - 0.5, color=GREY, linestyle=":", linewidth=0.9, zorder=1)
            used.add("series_change")
        if point.is_range:
            _tag(ax.plot([x, x], [point.low / spec.divisor, point.high / spec.divisor], color=colour, linewidth=7,
                         alpha=0.35, solid_capstyle="butt", zorder=2), series_index, point)
            used.add("range")
            _annotate(ax, x, point.high / spec.divisor, _label(spec, point), above=True)
            previous = None
            _alternatives(ax, spec, point, x, used)
            continue
        y = point.value / spec.divisor
        if previous is not None and not point.series_change:
            firm = {"reported", "approximate"}
            solid = point.kind in firm and previous.kind in firm
            ax.plot([position[previous.key], x], [previous.value / spec.divisor, y], linestyle="-" if solid else "--",
                    color=accent if point.kind == "projection" else colour, linewidth=1.8 if solid else 1.2, zorder=2)
        marker_colour = accent if point.kind == "projection" else colour
        filled = point.kind in ("reported", "approximate")
        _tag(ax.plot(x, y, marker=MARKERS[point.kind], markersize=6 if point.kind != "approximate" else 5.5,
                     color=marker_colour, markerfacecolor=marker_colour if filled else "white", zorder=3),
             series_index, point)
        used.add(point.kind)
        _annotate(ax, x, y, _label(spec, point), above=_label_above(drawn, point, position))
        _alternatives(ax, spec, point, x, used)
        previous = point


def _label_above(drawn: list[Point], point: Point, position: dict) -> bool:
    """A label goes on the side away from its drawn neighbours, so that the line never runs through it."""
    here = position[point.key]
    neighbours = [p.value for p in drawn if abs(position[p.key] - here) == 1]
    return not neighbours or sum(neighbours) / len(neighbours) <= point.value


def _annotate(ax, x: float, y: float, text: str, above: bool) -> None:
    ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 7 if above else -8), ha="center",
                va="bottom" if above else "top", fontsize=7, color="#333333", zorder=4,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def _alternatives(ax, spec: ChartSpec, point: Point, x: float, used: set[str]) -> None:
    for alt in point.alternatives:
        y = alt.value / spec.divisor
        ax.plot(x, y, marker="x", color=GREY, linestyle="none", zorder=3)
        text = _number(spec, alt.value)
        if alt.qualifier:
            text = f"{dict(spec.legend)[f'qualifier_{alt.qualifier}']} {text}"
        ax.annotate(text, (x, y), textcoords="offset points",
                    xytext=(6, -3), fontsize=6.5, color="#5b6470")
        used.add("alternative")


def _bars(ax, spec: ChartSpec, chart_series: ChartSeries, index: int, position: dict, colour: str,
          used: set[str]) -> None:
    words = dict(spec.legend)
    count = len(spec.series)
    width = 0.8 / count
    for point in chart_series.points:
        x = position[point.key] - 0.4 + width * (index + 0.5)
        if point.is_gap:
            if count == 1:
                _gap(ax, position[point.key], words, used)
            continue
        if point.is_range:
            bottom, height = point.low / spec.divisor, (point.high - point.low) / spec.divisor
            _tag(ax.bar(x, height, width * 0.9, bottom=bottom, color=colour, alpha=0.35, zorder=2), index, point)
            used.add("range")
            _annotate(ax, x, point.high / spec.divisor, _label(spec, point), above=True)
        else:
            firm = point.kind in ("reported", "approximate")
            # Reported: solid; approximate: a paler fill with hatching; estimates and projections: open.
            fill = colour if point.kind == "reported" else (_paler(colour) if firm else "white")
            _tag(ax.bar(x, point.value / spec.divisor, width * 0.9, color=fill, edgecolor=colour,
                        hatch=None if point.kind == "reported" else ("//" if firm else ".."),
                        linewidth=1, zorder=2), index, point)
            used.add(point.kind)
            _annotate(ax, x, point.value / spec.divisor, _label(spec, point), above=True)
        _alternatives(ax, spec, point, x, used)


def _paler(colour: str) -> str:
    """The colour mixed half with white."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(c + 255) // 2:02x}" for c in (red, green, blue))


def _tag(artists, index: int, point: Point) -> None:
    """An id on each drawn figure in the SVG (series index, key and kind), for tests and for scripts."""
    key = "".join(c if c.isalnum() else "-" for c in str(point.key))
    for artist in artists if isinstance(artists, (list, tuple)) or hasattr(artists, "patches") else [artists]:
        artist.set_gid(f"point-{index}-{key}-{point.kind}")


def _legend(ax, spec: ChartSpec, used: set[str]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    words = dict(spec.legend)
    colour = spec.colours[0]
    accent = spec.colours[1] if len(spec.colours) > 1 else colour
    handles = []
    if len(spec.series) > 1:
        handles += [Patch(facecolor=spec.colours[i % len(spec.colours)], label=s.title)
                    for i, s in enumerate(spec.series)]
    bar = spec.style == "bar"
    samples = {
        "reported": Patch(facecolor=colour, edgecolor=colour) if bar else
        Line2D([], [], color=colour, marker="o", label=""),
        "approximate": Patch(facecolor=_paler(colour), edgecolor=colour, hatch="//") if bar else
        Line2D([], [], color=colour, marker="s", markersize=5.5, linestyle="none"),
        "estimate": Patch(facecolor="white", edgecolor=colour, hatch="..") if bar else
        Line2D([], [], color=colour, marker="o", markerfacecolor="white", linestyle="none"),
        "range": Patch(facecolor=colour, alpha=0.35, edgecolor="none"),
        "projection": Patch(facecolor="white", edgecolor=colour, hatch="..") if bar else
        Line2D([], [], color=accent, marker="D", markerfacecolor="white", linestyle="--"),
        "alternative": Line2D([], [], color=GREY, marker="x", linestyle="none"),
        "gap": Patch(facecolor=SHADE, edgecolor="none"),
        "series_change": Line2D([], [], color=GREY, linestyle=":"),
    }
    for key in (*LEGEND_KEYS, "series_change"):
        if key in used:
            handle = samples[key]
            handle.set_label(words[key])
            handles.append(handle)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
