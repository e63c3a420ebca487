"""The data behind the exhibits as CSV files, published beside the briefing."""

from __future__ import annotations

import csv
import io

from briefkit.data import Data

TRADE_COLUMNS = ("year", "kind", "value_million_usd", "qualifier", "low_million_usd", "high_million_usd",
                 "growth_percent", "sources", "note", "alternatives")
AGREEMENT_COLUMNS = ("id", "date", "end", "title", "kind", "subject", "scope", "status", "sources", "note")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _write(columns: tuple[str, ...], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def trade_csv(data: Data) -> str:
    return _write(TRADE_COLUMNS, [
        {
            "year": p.year, "kind": p.kind, "value_million_usd": _number(p.value), "qualifier": p.qualifier,
            "low_million_usd": _number(p.low), "high_million_usd": _number(p.high),
            "growth_percent": _number(p.growth), "sources": ";".join(p.sources), "note": p.note,
            "alternatives": " | ".join(
                f"{a.qualifier + ' ' if a.qualifier else ''}{a.value:g} ({';'.join(a.sources)}"
                f"{': ' + a.note if a.note else ''})" for a in p.alternatives),
        }
        for p in data.trade.points
    ])


def agreements_csv(data: Data) -> str:
    return _write(AGREEMENT_COLUMNS, [
        {
            "id": a.id, "date": a.date.iso, "end": a.end.iso if a.end else "", "title": a.title, "kind": a.kind,
            "subject": a.subject, "scope": a.scope, "status": a.status, "sources": ";".join(a.sources),
            "note": a.note,
        }
        for a in data.agreements
    ])


def csv_files(data: Data) -> dict[str, str]:
    """File name -> CSV text, for build/data/ and the web page's download links."""
    return {"trade.csv": trade_csv(data), "agreements.csv": agreements_csv(data)}
