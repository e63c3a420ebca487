"""The trade chart: drawn with matplotlib from the trade records, described in words for alt text."""

from __future__ import annotations

from pathlib import Path

from briefkit.data import Data, TradePoint
from briefkit.exhibits import source_labels
from briefkit.formatting import EN_DASH, usd

PNG_DPI = 200
INK = "#1f3a5f"
ACCENT = "#b5472b"
GREY = "#8a8f98"


def chart_period(points: tuple[TradePoint, ...]) -> str:
    return f"{points[0].year}{EN_DASH}{points[-1].year}" if points else ""


def describe_trade(points: tuple[TradePoint, ...]) -> str:
    """Alt text: the trend in words, point by point, with gaps and disagreements named."""
    if not points:
        return "Line chart of bilateral trade: no data."
    parts = []
    for point in points:
        if point.is_gap:
            parts.append(f"{point.year}: no published figure (gap)")
            continue
        text = f"{point.year}: {usd(point)} ({point.kind})"
        if point.alternatives:
            text += "; another source gives " + ", ".join(usd(a) for a in point.alternatives)
        parts.append(text)
    known = [p for p in points if p.central is not None]
    trend = ""
    if len(known) >= 2:
        first, last = known[0], known[-1]
        direction = "rises" if last.central > first.central else "falls"
        trend = (
            f" Overall, trade {direction} from {usd(first)} in {first.year} to {usd(last)} in "
            f"{last.year}, with a dip in between and two years without a published level."
            if any(p.is_gap for p in points)
            else f" Overall, trade {direction} from {usd(first)} in {first.year} to {usd(last)} in {last.year}."
        )
    return (
        f"Line chart of Russia{EN_DASH}Turkmenistan trade, {chart_period(points)}, in billions of US dollars. "
        + "; ".join(parts) + "." + trend
    )


def chart_source_line(data: Data, points: tuple[TradePoint, ...]) -> str:
    labels = source_labels(data.sources)
    used = sorted({labels[s] for p in points for s in p.sources + tuple(
        s for a in p.alternatives for s in a.sources)})
    return (
        "Sources: " + "; ".join(used)
        + ". Open markers are estimates or projections; shaded years have no published figure."
    )


def draw_trade_chart(points: tuple[TradePoint, ...], out_dir: Path, fonts_dir: Path, name: str) -> dict[str, Path]:
    """Draw the chart as SVG (vector, for HTML and PDF) and PNG at 200 dpi (for DOCX)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    for font in sorted(fonts_dir.glob("Lato-*.ttf")):
        font_manager.fontManager.addfont(str(font))
    rc = {
        "font.family": "Lato",
        "font.size": 9,
        "svg.hashsalt": "briefkit",
        "svg.fonttype": "path",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#555555",
        "axes.titleweight": "bold",
        "axes.titlesize": 11,
        "axes.titlelocation": "left",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(6.6, 3.5))
        _plot_points(ax, points)
        years = [p.year for p in points]
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        top = max([p.high or p.value or 0 for p in points] + [a.value for p in points for a in p.alternatives])
        ax.set_ylim(0, top / 1000 * 1.2)
        ax.set_ylabel("Bilateral trade, billion USD")
        ax.set_xlabel("Year")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(f"Russia{EN_DASH}Turkmenistan trade, {chart_period(points)}")
        legend = [
            Line2D([], [], color=INK, marker="o", label="reported or approximate"),
            Line2D([], [], color=INK, marker="o", markerfacecolor="white", linestyle="none", label="estimate"),
            Line2D([], [], color=INK, marker="_", markersize=12, linestyle="none", label="range"),
            Line2D([], [], color=ACCENT, marker="D", markerfacecolor="white", linestyle="--", label="projection"),
            Line2D([], [], color=GREY, marker="x", linestyle="none", label="figure from another source"),
            Patch(facecolor="#eeeeee", edgecolor="none", label="no figure published"),
        ]
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        fig.tight_layout()
        paths = {"svg": out_dir / f"{name}.svg", "png": out_dir / f"{name}.png"}
        # The source line is text under the caption in every format, so the image does not repeat it.
        fig.savefig(paths["svg"], format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(paths["png"], format="png", dpi=PNG_DPI, metadata={"Software": None})
        plt.close(fig)
    return paths


def _plot_points(ax, points: tuple[TradePoint, ...]) -> None:
    def bn(value: float) -> float:
        return value / 1000

    previous: TradePoint | None = None
    for point in points:
        if point.is_gap:
            ax.axvspan(point.year - 0.45, point.year + 0.45, color="#eeeeee", zorder=0)
            ax.text(point.year, 0.05, "no figure\npublished", ha="center", va="bottom", fontsize=6.5, color=GREY)
            previous = None
            continue
        y = bn(point.central)
        if previous is not None:
            solid = point.kind in ("reported", "approximate") and previous.kind in ("reported", "approximate")
            style = "-" if solid else "--"
            color = ACCENT if point.kind == "projection" else INK
            ax.plot([previous.year, point.year], [bn(previous.central), y], linestyle=style, color=color,
                    linewidth=1.8 if solid else 1.2, zorder=2)
        if point.kind == "range":
            ax.plot([point.year, point.year], [bn(point.low), bn(point.high)], color=INK, linewidth=6,
                    alpha=0.35, solid_capstyle="butt", zorder=2)
            ax.plot(point.year, y, marker="o", markerfacecolor="white", color=INK, zorder=3)
        elif point.kind == "projection":
            ax.plot(point.year, y, marker="D", markerfacecolor="white", color=ACCENT, zorder=3)
        elif point.kind == "estimate":
            ax.plot(point.year, y, marker="o", markerfacecolor="white", color=INK, zorder=3)
        else:
            ax.plot(point.year, y, marker="o", color=INK, zorder=3)
        label = usd(point).replace("USD ", "").replace(" billion", " bn").replace(" million", " m")
        ax.annotate(label, (point.year, bn(point.high) if point.kind == "range" else y), textcoords="offset points",
                    xytext=(0, 7), ha="center", fontsize=7, color="#333333")
        for alt in point.alternatives:
            ax.plot(point.year, bn(alt.value), marker="x", color=GREY, linestyle="none", zorder=3)
            ax.annotate(usd(alt).replace("USD ", "").replace(" billion", " bn"), (point.year, bn(alt.value)),
                        textcoords="offset points", xytext=(6, -3), fontsize=6.5, color=GREY)
        previous = point
