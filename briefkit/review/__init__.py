"""`briefkit review`: a colleague's Word edits, back to the sources they belong in.

The stages, each a small function:

1. read the returned file (briefkit.outputs.docx.reader): blocks, tracked changes, comments, the build's stamp;
2. find the build it came from (briefkit.buildrecord): its record in the cache, or the build made again from
   today's sources (where unchanged) or from the commit the file names;
3. trace that build's sources (briefkit.review.sourcemap) and align its DOCX text with them (review.place);
4. pair the returned file's paragraphs with the build's: what differs without a tracked change was edited with
   tracking off;
5. place every change, comment and formatting change, and compare three texts (the build's, the reviewer's and
   today's sources): a change applies, is already in the sources, conflicts, or is uncertain.

Applying (briefkit.review.apply) is a separate step over these findings.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from briefkit.buildrecord import PROPERTY_BUILD, PROPERTY_COMMIT, PROPERTY_PROJECT, Record
from briefkit.errors import BriefkitError
from briefkit.review.align import char_map, map_range, normalized, word_changes
from briefkit.review.findings import Edit, Finding, Review
from briefkit.review.place import Place, Placer, target_of

MIN_ALIGNED = 0.5  # below this share of the build's text found again, a returned file is not reviewed


class ReviewError(BriefkitError):
    """A returned file that cannot be reviewed against this project (another project's, too rewritten)."""


def review(returned: Path, root: Path, force: bool = False) -> Review:
    """Every change and comment of a returned DOCX, placed in the project's sources, with what can be applied."""
    from briefkit.outputs.docx.reader import read_docx
    from briefkit.project import load_project

    document = read_docx(returned)
    project = load_project(root)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="briefkit-review-") as scratch:
        record, how = find_build(returned, document.properties, project, force, warnings, Path(scratch))
        base = _materialize(record, Path(scratch) / "base")
        placer = trace_build(record, base)
        pairs, share = pair_blocks(record.blocks, document.blocks)
        if share < MIN_ALIGNED:
            raise ReviewError(
                f"{returned}: only {share:.0%} of the build's text could be found in it; it was rewritten too much "
                "to be reviewed change by change (compare it by hand, or send the reviewer a fresh build)")
        # Who made an edit with tracking off is not recorded; the last to save the file is the best guess.
        editor = document.last_modified_by if document.last_modified_by != record.last_saved_by else ""
        changes = block_changes(pairs, record.blocks, document.blocks, editor)
        findings = [place_change(change, placer, record) for change in changes]
        findings += comment_findings(document, pairs, placer, record)
        findings = pair_moves(findings)
        settle(findings, record, project.root)
    findings.sort(key=lambda f: (f.file, f.line or 0, f.column or 0))
    return Review(findings, warnings, placer.placed_share(), how)


def find_build(returned: Path, properties: dict[str, str], project, force: bool, warnings: list[str],
               scratch: Path) -> tuple[Record, str]:
    """The record of the build a returned file came from, and how it was found."""
    from briefkit.buildrecord import build_id, export_commit, read_record, snapshot

    build, commit, name = (properties.get(k, "") for k in (PROPERTY_BUILD, PROPERTY_COMMIT, PROPERTY_PROJECT))
    if name and name != project.output_name and not force:
        raise ReviewError(f"{returned}: is a DOCX of the project '{name}', not of this one "
                          f"('{project.output_name}'); nothing was reviewed (use --force to review it anyway)")
    today = build_id(snapshot(project.root)[0])
    if not build:
        warnings.append(f"{returned}: carries no build id (pasted into a new document, or saved by another "
                        "program): its text is aligned with a build of today's sources, so an edit the author made "
                        "since cannot be told from the reviewer's")
        return _rebuilt(project.root, today, scratch), "today's sources (no build id)"
    record = read_record(project.root, build)
    if record is not None:
        return record, "the build's record"
    if build == today:
        return _rebuilt(project.root, build, scratch), "today's sources (unchanged since the build)"
    if commit:
        exported = export_commit(project.root, commit, scratch / "commit")
        if exported is not None:
            record = _rebuilt(exported, build, scratch / "commit-build", keep_in=exported)
            if record is not None and record.stamp.build == build:
                return record, f"commit {commit[:12]}"
            warnings.append(f"{returned}: commit {commit[:12]} does not give the same build; aligned with it anyway")
            if record is not None:
                return record, f"commit {commit[:12]} (not the same sources)"
    warnings.append(f"{returned}: the build it came from is neither in the cache nor in git; its text is aligned "
                    "with a build of today's sources, so an edit the author made since cannot be told from the "
                    "reviewer's")
    return _rebuilt(project.root, today, scratch), "today's sources (the build was not found)"


def _rebuilt(root: Path, build: str, scratch: Path, keep_in: Path | None = None) -> Record:
    """Build the DOCX of the sources in `root` (into a scratch folder) so that its record is written."""
    from briefkit import pipeline
    from briefkit.buildrecord import read_record, snapshot, stamp_for

    project_root = keep_in or root
    pipeline.build(project_root, scratch / "out", formats=("docx",), parallel=False)
    files, _ = snapshot(project_root)
    found = read_record(project_root, stamp_for(project_root, "", files).build)
    if found is None:
        raise ReviewError(f"{root}: the build made for the review left no record")
    return found


def _materialize(record: Record, folder: Path) -> Path:
    from briefkit.buildrecord import materialize

    return materialize(record, folder)


def trace_build(record: Record, base: Path) -> Placer:
    from briefkit.project import load_project
    from briefkit.review.sourcemap import trace_project

    maps, origins, _ = trace_project(base)
    placer = Placer(maps, origins, record.blocks, record.files, base)
    placer.language = load_project(base).language
    return placer


def pair_blocks(build: list[dict[str, Any]], returned: list) -> tuple[list[tuple[int | None, int]], float]:
    """Each returned block with the build's block it is (None: a paragraph added with tracking off, or a tracked
    new paragraph), and the share of the build's text found again."""
    a = [normalized(b["base"]) for b in build]
    b = [normalized(r.base) for r in returned]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    pairs: list[tuple[int | None, int]] = []
    found = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [(i1 + k, j1 + k) for k in range(j2 - j1)]
            found += sum(len(a[i]) for i in range(i1, i2))
            continue
        free = list(range(i1, i2))
        for j in range(j1, j2):
            best, score = None, 0.0
            for i in free[:40]:
                ratio = SequenceMatcher(None, a[i], b[j], autojunk=False).quick_ratio()
                if ratio > score:
                    best, score = i, ratio
            if best is not None and score >= 0.6 and (not b[j] or
                                                      SequenceMatcher(None, a[best], b[j]).ratio() >= 0.5):
                free = free[free.index(best) + 1:]
                pairs.append((best, j))
                found += len(a[best])
            else:
                pairs.append((None, j))
    total = sum(len(t) for t in a)
    return pairs, (found / total if total else 1.0)


@dataclass
class _Change:
    block: int | None  # the build's block (None: after `after`)
    start: int
    end: int
    old: str
    new: str
    kind: str
    author: str
    date: str
    tracked: bool = True
    move: str = ""
    after: int | None = None


def block_changes(pairs: list[tuple[int | None, int]], build: list[dict[str, Any]], returned: list,
                  editor: str) -> list[_Change]:
    """The changes of every returned block in the build's terms: tracked ones moved onto the build's text, and
    the differences between the build's text and the returned one's (tracking was off)."""
    out: list[_Change] = []
    previous: int | None = None
    for index, j in pairs:
        block = returned[j]
        if index is None:
            if block.new.strip():
                tracked = bool(block.changes) and block.base == ""
                change = block.changes[0] if tracked else None
                out.append(_Change(None, 0, 0, "", block.new if tracked else block.base, "insert",
                                   change.author if change else editor, change.date if change else "",
                                   tracked=tracked, after=previous))
            continue
        previous = index
        original = build[index]["base"]
        mapping = None if block.base == original else char_map(block.base, original)
        for change in block.changes:
            start, end = change.start, change.end
            if mapping is not None:
                placed = map_range(mapping, start, end)
                if placed is None:
                    continue
                start, end = placed
            out.append(_Change(index, start, end, original[start:end] if change.kind != "format" else change.old,
                               change.new, change.kind, change.author, change.date, move=change.move))
        if mapping is not None:
            for start, end, text in word_changes(original, block.base):
                old = original[start:end]
                if not old.strip() and not text.strip():
                    continue  # spacing an editor changed on saving, not an edit
                kind = "replace" if old and text else "delete" if old else "insert"
                out.append(_Change(index, start, end, old, text, kind, editor, "", tracked=False))
    return out


def place_change(change: _Change, placer: Placer, record: Record) -> Finding:
    if change.block is None:
        return _new_paragraph(change, placer)
    block = record.blocks[change.block]
    place = placer.place(change.block, change.start, change.end, change.old)
    return _finding(change.kind, change.author, change.date, change.old, change.new, place, change.tracked,
                    block, placer, change.move)


def _new_paragraph(change: _Change, placer: Placer) -> Finding:
    """A paragraph the reviewer added: placed after the paragraph before it, where that one is placed."""
    place = None
    if change.after is not None:
        before = placer.blocks[change.after]["base"]
        place = placer.place(change.after, len(before), len(before), "")
    new = "\n\n" + change.new
    if place is not None and place.target == "section":
        place = Place(place.file, place.end, place.end, "section", exact=place.exact, reason=place.reason)
    return _finding("insert", change.author, change.date, "", new, place, change.tracked, {}, placer)


def _finding(kind: str, author: str, date: str, old: str, new: str, place: Place | None, tracked: bool,
             block: dict[str, Any], placer: Placer, move: str = "") -> Finding:
    if place is None:
        note = "its place in the sources could not be told"
        if block.get("contents"):
            note = "it is in the table of contents, which the build makes from the headings"
        elif block.get("kind") in ("footnote", "endnote"):
            note = "it is in a note whose source entry could not be told"
        finding = Finding(kind, author, date, old, new, "report", "uncertain", "", note=note)
    else:
        origin = place.origin
        finding = Finding(kind, author, date, old, new, place.target, "applies" if place.exact else "uncertain",
                          place.file, note=place.reason, width=max(len(old), 1))
        if origin is not None:
            finding.dataset, finding.key, finding.field = origin.dataset, origin.key, origin.field
        finding.edits = [Edit(place.file, place.start, place.end, new, old)] if kind not in ("comment", "format") \
            else []
        if origin is not None and kind not in ("comment", "format"):
            edit = _data_edit(place, old, new, placer)
            finding.edits = [edit] if edit else []
            if not finding.edits:
                finding.status = "uncertain"
                finding.note = "the value is shown formatted (a date, a scaled figure); change it in its file by hand"
        line_text = placer.files.get(place.file, "")
        finding.line, finding.column = _position(line_text, place.start)
    finding.theirs = move
    finding.tracked = tracked
    return finding


def _position(text: str, offset: int) -> tuple[int, int]:
    from briefkit.review.sourcemap import source_position

    return source_position(text, offset)


def _data_edit(place: Place, old: str, new: str, placer: Placer) -> Edit | None:
    """The new literal of a data field, where the shown text is the field's own (a number as written, or text)."""
    from decimal import Decimal, InvalidOperation

    text = placer.files[place.file]
    literal = text[place.field_start:place.field_end]
    bare = literal.strip("\"'")

    def number(value: str, locale: str = "en") -> Decimal | None:
        """A number as the report's language writes it (1,9 in French, 1.9 in English), or None."""
        from babel.numbers import NumberFormatError, parse_decimal

        cleaned = value.strip().replace("\u00a0", " ").replace("\u202f", " ")
        if not cleaned or not any(c.isdigit() for c in cleaned):
            return None
        try:
            return parse_decimal(cleaned.replace(" ", "") if locale == "en" else cleaned, locale=locale, strict=False)
        except (NumberFormatError, InvalidOperation, ValueError):
            return None

    locale = placer.language.replace("-", "_")
    shown, wanted = number(old, locale), number(new, locale)
    if shown is None or wanted is None:
        # A figure typed over whole, "USD 695 million" -> "USD 696 million" (no-break spaces and plain ones alike):
        # the one word that differs is the number.
        edits = word_changes(old, new)
        if len(edits) == 1 and edits[0][0] < edits[0][1]:
            shown, wanted = number(old[edits[0][0]:edits[0][1]], locale), number(edits[0][2], locale)
    if shown is not None and wanted is not None and number(bare) == shown:
        return Edit(place.file, place.field_start, place.field_end, format(wanted, "f"), literal)
    plain = "\n" not in new and ": " not in new and " #" not in new
    if old and bare.count(old) == 1 and literal == bare and plain and not new.startswith(("'", '"', "-", "#", "[",
                                                                                            "{")):
        at = place.field_start + bare.index(old)
        return Edit(place.file, at, at + len(old), new, old)
    if old and place.start > place.field_start and text[place.start:place.end] == old and "\n" not in old \
            and plain and literal[:1] in (">", "|"):
        return Edit(place.file, place.start, place.end, new, old)  # words inside a folded or literal block
    return None


def comment_findings(document, pairs: list[tuple[int | None, int]], placer: Placer, record: Record) -> list[Finding]:
    """Each comment with its replies, placed at the text it is anchored to."""
    by_returned = {j: i for i, j in pairs if i is not None}
    out = []
    for comment in document.comments:
        text = comment.text + "".join(f"\n↳ {r.author or 'someone'}: {r.text}" for r in comment.replies)
        place, anchored = None, ""
        if comment.anchor is not None:
            first, start, last, end = comment.anchor
            block = document.blocks[first]
            if last != first:
                end = len(block.base)
            anchored = block.base[start:end]
            build_index = by_returned.get(first)
            if build_index is not None:
                original = record.blocks[build_index]["base"]
                if block.base != original:
                    mapped = map_range(char_map(block.base, original), start, end)
                    start, end = mapped if mapped else (0, 0)
                place = placer.place(build_index, start, end, original[start:end])
        finding = _finding("comment", comment.author, comment.date, anchored, "", place, True, {}, placer)
        finding.comment = text
        out.append(finding)
    return out


def pair_moves(findings: list[Finding]) -> list[Finding]:
    """The two ends of a move (moveFrom, moveTo) as one finding: placed where the text was, with both edits."""
    pending: dict[str, Finding] = {}
    out = []
    for finding in findings:
        move, finding.theirs = finding.theirs, ""
        if finding.kind != "move" or not move:
            out.append(finding)
            continue
        side, name = move.split(":", 1)
        other = pending.pop(name, None)
        if other is None:
            pending[name] = finding
            out.append(finding)
            continue
        source, target = (finding, other) if side == "from" else (other, finding)
        note = f"moved to {target.file}:{target.line}:{target.column}" if target.file else "moved"
        other.old, other.new = source.old, target.new
        other.file, other.line, other.column, other.target = source.file, source.line, source.column, source.target
        other.edits = source.edits + target.edits
        other.note = note
        statuses = {source.status, target.status}
        other.status = "applies" if statuses == {"applies"} else "uncertain"
    for finding in pending.values():
        finding.status, finding.note = "uncertain", "a move whose other end was not found"
    return out


def settle(findings: list[Finding], record: Record, root: Path) -> None:
    """The three-way comparison: each placed change against today's sources (moved, applied, or in conflict)."""
    from briefkit.review.apply import current_text

    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.edits and finding.status == "applies":
            by_file.setdefault(finding.file, []).append(finding)
    for name, group in by_file.items():
        base = record.files.get(name)
        today = current_text(root / name)
        if base is None or today is None:
            for finding in group:
                finding.status, finding.note = "conflict", f"{name} is no longer in the project"
            continue
        if base == today:
            continue
        _settle_file(group, base, today)


def _settle_file(group: list[Finding], base: str, today: str) -> None:
    base_lines = base.splitlines(keepends=True)
    today_lines = today.splitlines(keepends=True)
    starts = _line_starts(base_lines)
    today_starts = _line_starts(today_lines)
    opcodes = SequenceMatcher(None, base_lines, today_lines, autojunk=False).get_opcodes()
    edits = [e for f in group for e in f.edits]
    for finding in group:
        moved: list[Edit] = []
        for edit in finding.edits:
            first = _line_of(starts, edit.start)
            last = _line_of(starts, max(edit.end - 1, edit.start))
            block = next((op for op in opcodes if op[0] == "equal" and op[1] <= first and last < op[2]), None)
            if block is not None:
                shift = today_starts[first + block[3] - block[1]] - starts[first]
                moved.append(Edit(edit.file, edit.start + shift, edit.end + shift, edit.text, edit.old))
                continue
            theirs = _apply_to_lines(base, starts, first, last, [e for e in edits if e.file == edit.file])
            ours = _today_lines(opcodes, today_lines, first, last)
            if theirs and today.count(theirs) == 1:
                finding.status, finding.note = "applied", "already in the sources"
            else:
                finding.status = "conflict"
                finding.note = "the author changed this passage too since the build"
                finding.ours, finding.theirs = ours, theirs
            break
        else:
            finding.edits = moved
            if moved:
                finding.line, finding.column = _position(today, moved[0].start)


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    starts.append(offset)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return max(0, bisect.bisect_right(starts, offset) - 1)


def _apply_to_lines(base: str, starts: list[int], first: int, last: int, edits: list[Edit]) -> str:
    begin, end = starts[first], starts[min(last + 1, len(starts) - 1)]
    text = base[begin:end]
    for edit in sorted((e for e in edits if begin <= e.start and e.end <= end), key=lambda e: -e.start):
        text = text[: edit.start - begin] + edit.text + text[edit.end - begin:]
    return text


def _today_lines(opcodes, today_lines: list[str], first: int, last: int) -> str:
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= first < max(i2, i1 + 1):
            if tag == "equal":
                return "".join(today_lines[j1 + first - i1: j1 + last - i1 + 1])
            return "".join(today_lines[j1:j2])
    return ""


__all__ = ["Finding", "Review", "ReviewError", "review", "target_of"]
