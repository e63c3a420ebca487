"""What changed in the data between two editions: figures, records and sources, each said in the report's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from briefkit.datasets import Data, Records, Series
from briefkit.exhibits import Context


@dataclass(frozen=True)
class FigureChange:
    dataset: str  # the dataset's title
    name: str  # its name
    key: Any
    field: str
    old: str  # as the report writes it, with its kind: "USD 1.6–1.8 billion (range)"
    new: str
    old_sources: str
    new_sources: str
    sources_field: bool = False  # the field that changed is the sources of the figure or record


@dataclass
class DataChanges:
    figures: list[FigureChange] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)  # (dataset title, the record or point as shown)
    removed: list[tuple[str, str]] = field(default_factory=list)
    sources_added: list[str] = field(default_factory=list)
    sources_dropped: list[str] = field(default_factory=list)
    charts: set[str] = field(default_factory=set)  # series whose shown points changed

    def __bool__(self) -> bool:
        return bool(self.figures or self.added or self.removed or self.sources_added or self.sources_dropped)


def data_changes(old: Data, new: Data, old_ctx: Context, new_ctx: Context) -> DataChanges:
    """Every difference between two editions' datasets and sources, in the order of the new edition."""
    out = DataChanges()
    for name, dataset in new.datasets.items():
        before = old.datasets.get(name)
        if isinstance(dataset, Series) and isinstance(before, Series):
            _series(before, dataset, old_ctx, new_ctx, out)
        elif isinstance(dataset, Records) and isinstance(before, Records):
            _records(before, dataset, old_ctx, new_ctx, out)
    old_labels, new_labels = old_ctx.labels, new_ctx.labels
    out.sources_added = [new_labels.get(s, s) for s in new.sources if s not in old.sources]
    out.sources_dropped = [old_labels.get(s, s) for s in old.sources if s not in new.sources]
    return out


def shown(ctx: Context, point) -> str:
    """A point as the report writes it, with the kind of figure."""
    from briefkit.exhibits.tables import figure_text

    text = figure_text(ctx, point)
    return text if point.is_gap else f"{text} ({ctx.kind(point.kind)})"


def _series(old: Series, new: Series, old_ctx: Context, new_ctx: Context, out: DataChanges) -> None:
    before = {p.key: p for p in old.points}
    after = {p.key: p for p in new.points}
    for key, point in after.items():
        earlier = before.get(key)
        if earlier is None:
            out.added.append((new.title, f"{key}: {shown(new_ctx, point)}"))
            out.charts.add(new.name)
            continue
        was, now = shown(old_ctx, earlier), shown(new_ctx, point)
        if was != now or earlier.sources != point.sources:
            out.figures.append(FigureChange(new.title, new.name, key, "value", was, now,
                                            old_ctx.named(earlier.sources), new_ctx.named(point.sources)))
            out.charts.add(new.name)
    for key, point in before.items():
        if key not in after:
            out.removed.append((old.title, f"{key}: {shown(old_ctx, point)}"))
            out.charts.add(new.name)


def _records(old: Records, new: Records, old_ctx: Context, new_ctx: Context, out: DataChanges) -> None:
    key = new.declaration.primary_key
    before = {r.values.get(key): r for r in old.rows}
    after = {r.values.get(key): r for r in new.rows}
    title_field = "title" if new.declaration.field("title") else key
    for identifier, record in after.items():
        earlier = before.get(identifier)
        label = str(record.values.get(title_field) or identifier)
        if earlier is None:
            out.added.append((new.title, label))
            continue
        for declared in new.declaration.fields:
            was, now = earlier.values.get(declared.name), record.values.get(declared.name)
            if was != now:
                out.figures.append(FigureChange(
                    new.title, new.name, label, declared.title or declared.name, _field_text(old_ctx, declared, was),
                    _field_text(new_ctx, declared, now), old_ctx.named(earlier.sources), new_ctx.named(record.sources),
                    declared.type == "sources"))
    for identifier, record in before.items():
        if identifier not in after:
            out.removed.append((old.title, str(record.values.get(title_field) or identifier)))


def _field_text(ctx: Context, declared, value) -> str:
    if value is None or value == ():
        return "\u2014"
    if declared.type == "sources":
        return ctx.named(value)
    return ctx.fmt.plain(value)
