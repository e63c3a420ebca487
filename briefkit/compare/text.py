"""The text of two editions compared by word, block by block: reflowed lines are no change.

The Markdown of each edition (as the build renders it) is cut into blocks at blank lines; blocks are paired
(briefkit.review.pair_blocks' way: equal ones, then the most alike), and a pair that differs is compared by
whole Markdown atoms (a word, a citation, a link, an emphasised phrase), so that a mark never cuts markup in two.
The marks are pandoc spans and divs (`.bk-ins`, `.bk-del`), which the changes filter turns into <ins> and <del>.
A paragraph deleted in one place and inserted as it was in another, or a run of MOVE_WORDS words or more (a
sentence) deleted in one paragraph and inserted in another or elsewhere in its own, is a move (`.bk-moved-from`,
`.bk-moved-to`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from briefkit.moves import longest_shared_run

INS, DEL, CHANGED = "bk-ins", "bk-del", "bk-changed"
MOVED_FROM, MOVED_TO = "bk-moved-from", "bk-moved-to"
_ATOM = re.compile(r"\^\[(?:[^\[\]]|\[[^\[\]]*\])*\]|!?\[(?:[^\[\]]|\[[^\[\]]*\])*\](?:\([^()]*\)|\{[^{}]*\})?"
                   r"|`[^`]*`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\\.|\w+|\s+|.", re.S)
_HEADING = re.compile(r"^(#{1,6}\s+)(.*?)(\s*\{[^{}]*\})?$", re.S)
_LABEL = re.compile(r"\{#[^{}]*\}")


@dataclass
class SectionChange:
    title: str
    status: str  # added, removed, rewritten, unchanged
    share: float  # of its words changed


@dataclass
class TextChanges:
    marked: str  # the new edition's Markdown, with the changes marked
    sections: list[SectionChange] = field(default_factory=list)
    words_changed: int = 0


def blocks(markdown: str) -> list[str]:
    """Blocks at blank lines, a fenced div (::: … :::) kept whole."""
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for line in markdown.split("\n"):
        if line.startswith(":::"):
            depth += -1 if line.strip() == ":::" else 1
        if not line.strip() and depth == 0:
            if current:
                out.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        out.append("\n".join(current))
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def compare_sections(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> TextChanges:
    """(title, Markdown) of each section of both editions: the new Markdown marked, and what changed where."""
    old_titles = {title for title, _ in old}
    new_titles = {title for title, _ in new}
    by_title = dict(old)
    sections, marked_parts = [], []
    total = 0
    old_all = "\n\n".join(text for _, text in old)
    new_all = "\n\n".join(text for _, text in new)
    marked, changed = mark_blocks(blocks(old_all), blocks(new_all))
    for title, text in new:
        if title not in old_titles:
            sections.append(SectionChange(title, "added", 1.0))
            continue
        before = by_title[title]
        if before == text:
            sections.append(SectionChange(title, "unchanged", 0.0))
            continue
        a, b = _words(before), _words(text)
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        share = 1 - same / max(len(a), len(b), 1)
        sections.append(SectionChange(title, "rewritten" if share > 0 else "unchanged", share))
        total += max(len(a), len(b)) - same
    for title, _ in old:
        if title not in new_titles:
            sections.append(SectionChange(title, "removed", 1.0))
    marked_parts.append(marked)
    return TextChanges("\n\n".join(marked_parts), sections, total + changed)


def mark_blocks(old: list[str], new: list[str]) -> tuple[str, int]:
    """The new blocks with their changes against the old marked; deleted blocks where they stood; paragraphs
    and sentences moved marked as moves at both ends."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    out: list[str] = []
    pieces: list[_Piece] = []
    changed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += new[j1:j2]
            continue
        olds, news = old[i1:i2], new[j1:j2]
        pairs = _pair(olds, news)
        used = {i for i, _ in pairs if i is not None}
        for i, block in enumerate(olds):  # blocks with no counterpart, before the new ones of this stretch
            if i not in used and tag in ("delete", "replace"):
                out.append(deleted_block(block))
                changed += len(_words(block))
        for i, j in pairs:
            if i is None:
                out.append(f"::: {{.{INS}}}\n{news[j]}\n:::")
                changed += len(_words(news[j]))
            else:
                text, count = mark_block(olds[i], news[j], pieces)
                out.append(text)
                changed += count
    out = [_as_piece(block, pieces) for block in _moves(out)]
    sentence_moves(pieces)
    return _PLACE.sub(lambda m: pieces[int(m.group(1))].render(), "\n\n".join(out)), changed


def _moves(blocks_out: list[str]) -> list[str]:
    """A block deleted in one place and inserted as it was in another is moved: marked as such at both ends."""
    deleted = {b[len(f"::: {{.{DEL}}}\n"):-4]: k for k, b in enumerate(blocks_out) if b.startswith(f"::: {{.{DEL}}}\n")}
    for k, block in enumerate(blocks_out):
        prefix = f"::: {{.{INS}}}\n"
        if block.startswith(prefix) and len(_words(block)) >= 4:
            inner = block[len(prefix):-4]
            source = deleted.pop(_LABEL.sub("", inner), None)
            if source is not None:
                blocks_out[k] = f"::: {{.{MOVED_TO}}}\n{inner}\n:::"
                blocks_out[source] = blocks_out[source].replace(f"{{.{DEL}}}", f"{{.{MOVED_FROM}}}", 1)
    return blocks_out


MOVE_WORDS = 6  # the fewest words a run deleted in one place and inserted in another must have to be a move
_PLACE = re.compile("\x00(\\d+)\x00")


@dataclass
class _Piece:
    """A stretch of atoms deleted or inserted (inline, or a whole paragraph), and the runs of it that moved."""

    kind: str  # INS or DEL
    atoms: list[str]
    block: bool = False
    moved: list[tuple[int, int]] = field(default_factory=list)

    def keys(self) -> list[str]:
        """The atoms to match, spaces as one; an atom already moved matches nothing."""
        out = [" " if t.isspace() else t for t in self.atoms]
        for start, end in self.moved:
            out[start:end] = [f"\x01{id(self)}:{k}" for k in range(start, end)]
        return out

    def render(self) -> str:
        text = "".join(self.atoms)
        if not self.moved:
            return f"::: {{.{self.kind}}}\n{text}\n:::" if self.block else _span(text, self.kind)
        moved = MOVED_FROM if self.kind == DEL else MOVED_TO
        out, at = [], 0
        for start, end in sorted(self.moved):
            out += [_span_or_space("".join(self.atoms[at:start]), self.kind),
                    _span("".join(self.atoms[start:end]), moved)]
            at = end
        out.append(_span_or_space("".join(self.atoms[at:]), self.kind))
        inline = "".join(out)
        return f"::: {{.{CHANGED}}}\n{inline}\n:::" if self.block else inline


def _span_or_space(text: str, kind: str) -> str:
    return _span(text, kind) if text.strip() else text


def _place(pieces: list[_Piece], piece: _Piece) -> str:
    """A piece's place in the marked Markdown, where it is written out once the moves are known."""
    pieces.append(piece)
    place = f"\x00{len(pieces) - 1}\x00"
    if piece.block:
        return place
    atoms = piece.atoms  # the spaces at its ends stay outside its span
    first = next(k for k, t in enumerate(atoms) if not t.isspace())
    last = max(k for k, t in enumerate(atoms) if not t.isspace()) + 1
    piece.atoms = atoms[first:last]
    return "".join(atoms[:first]) + place + "".join(atoms[last:])


def _as_piece(block: str, pieces: list[_Piece]) -> str:
    """A paragraph deleted or inserted whole (and not moved whole) as a piece, so that a sentence of it can be
    found moved; other blocks as they are."""
    for kind in (DEL, INS):
        prefix = f"::: {{.{kind}}}\n"
        inner = block[len(prefix):-4]
        if block.startswith(prefix) and _kind(inner) == "text" and not _is_list(inner) and not inner.startswith(":"):
            atoms = _ATOM.findall(inner)
            if "".join(atoms) == inner:
                return _place(pieces, _Piece(kind, atoms, block=True))
    return block


def sentence_moves(pieces: list[_Piece]) -> int:
    """Runs of at least MOVE_WORDS words deleted in one place and inserted as they were in another (in another
    paragraph or the same one): marked as moved at both ends, the longest first; the number of moves."""
    def wordy(piece: _Piece) -> bool:
        return len(_words("".join(piece.atoms))) >= MOVE_WORDS

    deleted = [p for p in pieces if p.kind == DEL and wordy(p)]
    inserted = [p for p in pieces if p.kind == INS and wordy(p)]
    found = 0
    while True:
        best = longest_shared_run(deleted, inserted, lambda t: re.search(r"\w", t) is not None, MOVE_WORDS)
        if best is None:
            return found
        source, span_a, target, span_b = best
        source.moved.append(span_a)
        target.moved.append(span_b)
        found += 1


def _pair(olds: list[str], news: list[str]) -> list[tuple[int | None, int]]:
    pairs: list[tuple[int | None, int]] = []
    free = list(range(len(olds)))
    for j, block in enumerate(news):
        best, score = None, 0.0
        for i in free:
            ratio = SequenceMatcher(None, _words(olds[i]), _words(block), autojunk=False).ratio()
            if ratio > score:
                best, score = i, ratio
        if best is not None and score >= 0.4 and _kind(olds[best]) == _kind(block):
            free = [i for i in free if i > best]
            pairs.append((best, j))
        else:
            pairs.append((None, j))
    return pairs


def _kind(block: str) -> str:
    first = block.lstrip()[:3]
    if first.startswith("#"):
        return "heading"
    if first.startswith("|"):
        return "table"
    if first.startswith(":::"):
        return "div"
    if first.startswith("!["):
        return "image"
    return "text"


def deleted_block(block: str) -> str:
    """An old block shown as deleted: its labels taken off (so no id is taken twice), its pictures named."""
    kind = _kind(block)
    if kind == "image":
        caption = re.match(r"!\[(.*?)\]", block, re.S)
        return f"[{caption.group(1) if caption else ''}]{{.{DEL}}}"
    text = _LABEL.sub("", block)
    if kind == "heading":
        text = _HEADING.sub(lambda m: f"{m.group(1)}{m.group(2)} {{.unnumbered .unlisted}}", text)
    return f"::: {{.{DEL}}}\n{text}\n:::"


def mark_block(old: str, new: str, pieces: list[_Piece] | None = None) -> tuple[str, int]:
    """One paired block: the new one with words inserted and deleted marked, in a change bar."""
    kind = _kind(new)
    if kind == "heading":
        a, b = _HEADING.match(old), _HEADING.match(new)
        if a and b:
            inner, count = mark_inline(a.group(2), b.group(2), pieces)
            return f"{b.group(1)}{inner}{b.group(3) or ''}", count
    if kind == "table":
        return mark_table(old, new, pieces)
    if kind in ("div", "image"):
        old_lines, new_lines = old.split("\n"), new.split("\n")
        if kind == "div" and len(old_lines) == len(new_lines) and old_lines[0] == new_lines[0]:
            inner, count = mark_inline("\n".join(old_lines[1:-1]), "\n".join(new_lines[1:-1]), pieces)
            return "\n".join([new_lines[0], inner, new_lines[-1]]), count
        return new, 0
    lines_old, lines_new = old.split("\n"), new.split("\n")
    if _is_list(new) and len(lines_old) == len(lines_new):
        marked, count = [], 0
        for a, b in zip(lines_old, lines_new, strict=True):
            prefix = re.match(r"^\s*(?:[-*+]|\d+\.)\s+", b)
            head = prefix.group() if prefix else ""
            old_prefix = re.match(r"^\s*(?:[-*+]|\d+\.)\s+", a)
            text, n = mark_inline(a[len(old_prefix.group()) if old_prefix else 0:], b[len(head):], pieces)
            marked.append(head + text)
            count += n
        return "\n".join(marked), count
    if _is_list(new) or _is_list(old) or new.startswith(":"):
        return f"::: {{.{CHANGED}}}\n{deleted_block(old)}\n\n{new}\n:::", len(_words(old)) + len(_words(new))
    text, count = mark_inline(old, new, pieces)
    return (f"::: {{.{CHANGED}}}\n{text}\n:::" if count else text), count


def _is_list(block: str) -> bool:
    return bool(re.match(r"^\s*(?:[-*+]|\d+\.)\s+", block))


def mark_inline(old: str, new: str, pieces: list[_Piece] | None = None) -> tuple[str, int]:
    """Inline Markdown of the new text with the atoms deleted and inserted since the old marked as spans. With
    `pieces`, each span is left as a place (\\x00n\\x00) of a piece there, which sentence_moves may mark as moved
    before it is written out."""
    a = _ATOM.findall(old)
    b = _ATOM.findall(new)
    matcher = SequenceMatcher(None, [" " if t.isspace() else t for t in a],
                              [" " if t.isspace() else t for t in b], autojunk=False)
    out: list[str] = []
    count = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += b[j1:j2]
            continue
        gone, came = "".join(a[i1:i2]), "".join(b[j1:j2])
        if gone.strip():
            out.append(_span(gone, DEL) if pieces is None else _place(pieces, _Piece(DEL, a[i1:i2])))
            count += max(1, len(_words(gone)))
        if came.strip():
            out.append(_span(came, INS) if pieces is None else _place(pieces, _Piece(INS, b[j1:j2])))
            count += max(1, len(_words(came)))
        elif came:
            out.append(came)
    return "".join(out), count


def _span(text: str, kind: str) -> str:
    """A span around text, its spaces left outside so the words keep their spacing."""
    lead = text[: len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()):]
    return f"{lead}[{text.strip()}]{{.{kind}}}{tail}"


def mark_table(old: str, new: str, pieces: list[_Piece] | None = None) -> tuple[str, int]:
    """A pipe table compared row by row and cell by cell; rows added and removed marked whole."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    old_rows = [line for line in old_lines if line.startswith("|")]
    new_rows = [line for line in new_lines if line.startswith("|")]
    rest_old = [line for line in old_lines if not line.startswith("|")]
    rest_new = [line for line in new_lines if not line.startswith("|")]
    count = 0
    # The header and the separator (whose dashes follow the columns' widths) are the new table's.
    rows: list[str] = new_rows[:2]
    if len(old_rows) > 1 and len(new_rows) > 1 and len(_cells(old_rows[0])) == len(_cells(new_rows[0])):
        header = []
        for x, y in zip(_cells(old_rows[0]), _cells(new_rows[0]), strict=True):
            text, n = mark_inline(x, y, pieces)
            header.append(text)
            count += n
        rows[0] = "| " + " | ".join(header) + " |"
    old_rows, new_rows = old_rows[2:], new_rows[2:]
    matcher = SequenceMatcher(None, old_rows, new_rows, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += new_rows[j1:j2]
            continue
        olds, news = old_rows[i1:i2], new_rows[j1:j2]
        for k, row in enumerate(news):
            before = olds[k] if k < len(olds) else None
            if before is not None and len(_cells(before)) == len(_cells(row)):
                cells = []
                for x, y in zip(_cells(before), _cells(row), strict=True):
                    text, n = mark_inline(x, y, pieces)
                    cells.append(text)
                    count += n
                rows.append("| " + " | ".join(cells) + " |")
            else:
                rows.append("| " + " | ".join(_span(c, INS) if c.strip() else c for c in _cells(row)) + " |")
                count += len(_words(row))
        for row in olds[len(news):]:
            rows.append("| " + " | ".join(_span(_LABEL.sub("", c), DEL) if c.strip() else c for c in _cells(row))
                        + " |")
            count += len(_words(row))
    tail, n = mark_inline("\n".join(rest_old), "\n".join(rest_new), pieces) if rest_old != rest_new else (
        "\n".join(rest_new), 0)
    return "\n".join(rows + ([tail] if tail else [])), count + n


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]
