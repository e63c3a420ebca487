"""The findings of a review: each change or comment, where it belongs, and whether it can be written."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any


@dataclass
class Edit:
    """A change to write: [start, end) of a file's text as it is today, replaced by `text`."""

    file: str
    start: int
    end: int
    text: str
    old: str


@dataclass
class Finding:
    kind: str  # insert, delete, replace, move, comment, format
    author: str
    date: str
    old: str
    new: str
    target: str  # section, data, sources, report
    status: str  # applies, applied (already in today's sources), conflict, uncertain
    file: str
    line: int | None = None
    column: int | None = None
    comment: str = ""
    tracked: bool = True
    dataset: str = ""
    key: Any = None
    field: str = ""
    note: str = ""  # why a change is uncertain or conflicts
    ours: str = ""  # a conflict: today's text of the lines, and the reviewer's
    theirs: str = ""
    edits: list[Edit] = _field(default_factory=list)
    width: int = 0

    @property
    def message(self) -> str:
        who = self.author or "someone"
        if not self.tracked:
            who += " (tracking off)"
        old, new = _quoted(self.old), _quoted(self.new)
        if self.kind == "comment":
            text = f"{who} commented on {old}"
        elif self.kind == "format":
            text = f"{who} changed the formatting of {old} (formatting is not applied)"
        elif self.target == "data" and self.kind == "replace" and _numeric(self.old) and _numeric(self.new):
            text = f"{who} changed {self.old.strip()} to {self.new.strip()}"
        elif self.kind == "replace":
            text = f"{who} replaced {old} with {new}"
        elif self.kind == "delete":
            text = f"{who} deleted {old}"
        elif self.kind == "insert":
            text = f"{who} inserted {new}"
        else:
            text = f"{who} moved {old}"
        if self.target == "data" and self.dataset and self.kind != "comment":
            text += " (" + ", ".join(str(x) for x in (self.dataset, self.key, self.field) if x is not None) + ")"
        return text

    def record(self) -> dict[str, Any]:
        out = {"file": self.file, "line": self.line, "column": self.column, "kind": self.kind, "author": self.author,
               "date": self.date, "old": self.old, "new": self.new, "comment": self.comment, "target": self.target,
               "status": self.status, "tracked": self.tracked, "note": self.note}
        if self.target == "data":
            out.update(dataset=self.dataset, key=self.key, field=self.field)
        if self.status == "conflict":
            out.update(ours=self.ours, theirs=self.theirs)
        return out


@dataclass
class Review:
    findings: list[Finding]
    warnings: list[str]
    placed: float  # the share of the build's text that the returned file and the sources both placed
    build: str  # where the build was found: the cache, today's sources, a commit, or aligned text only


def _numeric(text: str) -> bool:
    return any(c.isdigit() for c in text) and all(c.isdigit() or c in ".,\u00a0\u202f -" for c in text.strip())


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


