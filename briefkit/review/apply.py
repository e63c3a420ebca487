"""Writing the changes that apply into the sources: each file rewritten atomically, untouched bytes kept.

Only changes placed exactly and with the status `applies` are written. Data changes are written only when asked
(`--apply-data`), and only where the field is a literal in its YAML or CSV file; the data files are then read
again against their declarations, and a change that breaks them is not written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from briefkit.review.findings import Edit, Finding


@dataclass
class Applied:
    written: dict[str, int] = field(default_factory=dict)  # file -> changes written
    applied: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)
    stopped: bool = False  # the user quit an interactive run


def current_text(path: Path) -> str | None:
    """A file's text with its line endings as they are, or None where it is gone."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def applicable(finding: Finding, data: bool) -> bool:
    return (finding.status == "applies" and bool(finding.edits) and finding.kind not in ("comment", "format")
            and (finding.target != "data" or data))


def apply_findings(findings: list[Finding], root: Path, data: bool = False,
                   choose: Callable[[Finding], bool | None] | None = None) -> Applied:
    """Write every finding that applies (asking `choose` first, where given: True, False, or None to stop)."""
    result = Applied()
    chosen: list[Finding] = []
    for finding in findings:
        if not applicable(finding, data):
            continue
        if choose is not None:
            answer = choose(finding)
            if answer is None:
                result.stopped = True
                break
            if not answer:
                continue
        chosen.append(finding)
    texts: dict[str, str] = {}
    taken: dict[str, list[Edit]] = {}
    for finding in chosen:
        reason = _overlap(finding.edits, taken)
        if reason:
            result.refused.append((finding, reason))
            continue
        for edit in finding.edits:
            if edit.file not in texts:
                text = current_text(root / edit.file)
                if text is None:
                    reason = f"{edit.file} cannot be read"
                    break
                texts[edit.file] = text
            if texts[edit.file][edit.start:edit.end] != edit.old:
                reason = f"{edit.file} no longer holds '{edit.old}' there"
                break
        if reason:
            result.refused.append((finding, reason))
            continue
        for edit in finding.edits:
            taken.setdefault(edit.file, []).append(edit)
        result.applied.append(finding)
    new_texts = {name: _edited(texts[name], edits) for name, edits in taken.items()}
    for name, reason in _broken_data(root, new_texts).items():
        for finding in [f for f in result.applied if any(e.file == name for e in f.edits)]:
            result.applied.remove(finding)
            result.refused.append((finding, reason))
        del new_texts[name]
    for name, text in new_texts.items():
        write_atomically(root / name, text)
        result.written[name] = sum(any(e.file == name for e in f.edits) for f in result.applied)
    return result


def _overlap(edits: list[Edit], taken: dict[str, list[Edit]]) -> str:
    for edit in edits:
        for other in taken.get(edit.file, []):
            if edit.start < other.end and other.start < edit.end or (edit.start == other.start == edit.end):
                return "another change was written at the same place"
    return ""


def _edited(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def _broken_data(root: Path, texts: dict[str, str]) -> dict[str, str]:
    """The data files whose new text their declaration refuses, with the first reason."""
    names = [n for n in texts if n.startswith("data/")]
    if not names:
        return {}
    from briefkit.datasets import read_data

    broken: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="briefkit-apply-") as scratch:
        copy = Path(scratch) / "data"
        shutil.copytree(root / "data", copy)
        _, before = read_data(copy)
        for name in names:
            (Path(scratch) / name).write_bytes(texts[name].encode("utf-8"))
        _, after = read_data(copy)
        known = {(p.path, p.message) for p in before}
        for problem in after:
            if problem.severity == "error" and (problem.path, problem.message) not in known \
                    and problem.path in names:
                broken.setdefault(problem.path, f"the data would be refused: {problem}")
    return broken


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's content in one rename, keeping its permissions."""
    mode = path.stat().st_mode if path.exists() else 0o644
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", suffix=".review",
                                     delete=False) as out:
        out.write(text.encode("utf-8"))
    os.chmod(out.name, mode & 0o7777)
    os.replace(out.name, path)
