"""Aligning two texts that say mostly the same: a DOCX's text with the Markdown it was made from, or a returned
file's text with the text of the build it came from.

Words are matched first (difflib over word tokens); the characters between two matched words are then matched
where they read the same once typography is set aside (curly and straight quotes, no-break spaces), so that a
change between words is placed to the character. What cannot be matched maps to nothing: a place is never
guessed.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+")
_SAME = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u202f": " ",
                       "\u2011": "-", "\u2010": "-", "\t": " ", "\n": " "})
# Markdown that never reaches the reader: citation keys, attributes, link targets, div fences, escapes.
_HIDDEN = re.compile(r"\[-?@[^\[\]]*\]|\{[#.=][^{}]*\}|\]\([^()\s]*\)|^:::.*$|\\(?=[^\w\s])",
                     re.MULTILINE)


def normalized(text: str) -> str:
    """The text with typography set aside, character for character (the same length)."""
    return text.translate(_SAME)


def masked(markdown: str) -> str:
    """Markdown with what a reader never sees blanked out, keeping every offset."""
    def blank(match: re.Match) -> str:
        text = match.group()
        if text.startswith("]("):
            return "]" + " " * (len(text) - 1)
        return " " * len(text)

    return _HIDDEN.sub(blank, markdown)


def char_map(a: str, b: str, b_visible: str | None = None) -> list[int | None]:
    """For each character of `a`, its offset in `b`, or None; b_visible: `b` with hidden parts blanked."""
    seen = b if b_visible is None else b_visible
    a_words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(a)]
    b_words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(seen)]
    matcher = SequenceMatcher(None, [w[2] for w in a_words], [w[2] for w in b_words], autojunk=len(b_words) > 4000)
    mapping: list[int | None] = [None] * len(a)
    anchors: list[tuple[int, int, int, int]] = []  # matched word pairs: a start, a end, b start, b end
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            (s, e, _), (t, f, _) = a_words[block.a + k], b_words[block.b + k]
            anchors.append((s, e, t, f))
            for offset in range(e - s):
                mapping[s + offset] = t + offset
    # Between matched words (and before the first and after the last), match the characters that agree.
    bounds = [(0, 0, 0, 0), *anchors, (len(a), len(a), len(b), len(b))]
    for (_, a_end, _, b_end), (a_next, _, b_next, _) in zip(bounds, bounds[1:], strict=False):
        _fill(a, seen, a_end, a_next, b_end, b_next, mapping)
    return mapping


def _fill(a: str, b: str, a0: int, a1: int, b0: int, b1: int, mapping: list[int | None]) -> None:
    gap_a, gap_b = normalized(a[a0:a1]), normalized(b[b0:b1])
    if not gap_a or not gap_b:
        return
    if gap_a == gap_b:
        for offset in range(len(gap_a)):
            mapping[a0 + offset] = b0 + offset
        return
    if len(gap_a) > 400 or len(gap_b) > 400:
        # A long unmatched stretch: only its two ends, where they agree, are placed.
        lead = _common_prefix(gap_a, gap_b)
        for offset in range(lead):
            mapping[a0 + offset] = b0 + offset
        tail = _common_prefix(gap_a[lead:][::-1], gap_b[lead:][::-1])
        for offset in range(1, tail + 1):
            mapping[a1 - offset] = b1 - offset
        return
    for block in SequenceMatcher(None, gap_a, gap_b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            mapping[a0 + block.a + k] = b0 + block.b + k


def _common_prefix(x: str, y: str) -> int:
    n = 0
    for p, q in zip(x, y, strict=False):
        if p != q:
            break
        n += 1
    return n


def map_range(mapping: list[int | None], start: int, end: int) -> tuple[int, int] | None:
    """The range [start, end) of `a` in `b`, where both its ends are placed; an empty range at an insertion."""
    if start == end:
        if start < len(mapping) and mapping[start] is not None:
            return mapping[start], mapping[start]
        if start > 0 and mapping[start - 1] is not None:
            return mapping[start - 1] + 1, mapping[start - 1] + 1
        return None
    first, last = mapping[start], mapping[end - 1]
    if first is None or last is None or last < first:
        return None
    return first, last + 1


def word_changes(old: str, new: str) -> list[tuple[int, int, str]]:
    """The edits that turn `old` into `new`, word by word: (start, end in old, replacement)."""
    tokens_old = [m for m in re.finditer(r"\w+|\s+|[^\w\s]", old)]
    tokens_new = [m for m in re.finditer(r"\w+|\s+|[^\w\s]", new)]
    matcher = SequenceMatcher(None, [normalized(t.group()) for t in tokens_old],
                              [normalized(t.group()) for t in tokens_new], autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = tokens_old[i1].start() if i1 < len(tokens_old) else len(old)
        end = tokens_old[i2 - 1].end() if i2 > i1 else start
        replacement = new[tokens_new[j1].start():tokens_new[j2 - 1].end()] if j2 > j1 else ""
        edits.append((start, end, replacement))
    return _joined(old, edits)


def _joined(old: str, edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Edits separated only by a space are one change ('cool towards' -> 'wary of', not two)."""
    out: list[tuple[int, int, str]] = []
    for start, end, text in edits:
        if out and old[out[-1][1]:start].isspace() and len(old[out[-1][1]:start]) <= 1:
            s, e, t = out[-1]
            out[-1] = (s, end, t + old[e:start] + text)
        else:
            out.append((start, end, text))
    return out
