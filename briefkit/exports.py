"""Every dataset as a CSV file, published beside the briefing and offered on the web page."""

from __future__ import annotations

import csv
import io

from briefkit.datasets import Data, Records, Series
from briefkit.schema import PartialDate

SERIES_COLUMNS = ("kind", "value", "qualifier", "low", "high", "growth", "period", "sources", "note",
                  "series_change", "alternatives")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _write(columns: tuple[str, ...], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _scale_suffix(series: Series) -> str:
    unit = series.unit
    parts = [unit.scale, unit.currency.lower() or unit.name.replace(" ", "_"), "percent" if unit.percent else ""]
    text = "_".join(p for p in parts if p)
    return f"_{text}" if text else ""


def series_csv(series: Series) -> str:
    """One row per point; value columns carry their unit in their name (value_million_usd)."""
    suffix = _scale_suffix(series)
    columns = (series.key_field, *(f"{c}{suffix}" if c in ("value", "low", "high") else c for c in SERIES_COLUMNS))
    rows = []
    for p in series.points:
        row = {
            series.key_field: p.key, "kind": p.kind, "qualifier": p.qualifier, "growth": _number(p.growth),
            "period": p.period, "sources": ";".join(p.sources), "note": p.note, "series_change": p.series_change,
            "alternatives": " | ".join(
                f"{a.qualifier + ' ' if a.qualifier else ''}{a.value:g} ({';'.join(a.sources)}"
                f"{': ' + a.note if a.note else ''})" for a in p.alternatives),
        }
        for name in ("value", "low", "high"):
            row[f"{name}{suffix}"] = _number(getattr(p, name))
        rows.append(row)
    return _write(columns, rows)


def records_csv(records: Records) -> str:
    columns = tuple(f.name for f in records.declaration.fields)
    return _write(columns, [{name: _cell(row.values[name]) for name in columns} for row in records.rows])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, PartialDate):
        return value.iso
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def csv_files(data: Data) -> dict[str, str]:
    """File name -> CSV text, for build/data/ and the web page's download links."""
    return {f"{name}.csv": series_csv(d) if isinstance(d, Series) else records_csv(d)
            for name, d in data.datasets.items()}
