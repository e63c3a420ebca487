"""The search that finds moved text, shared by the marked editions (compare/text.py) and Word's redline
(outputs/docx/redline.py): the longest run of words that one deleted stretch and one inserted stretch share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from typing import Protocol


class Stretch(Protocol):
    def keys(self) -> list[str]:
        """Its tokens to match: spaces as " ", a token already moved as a key that matches nothing."""
        ...


def longest_shared_run(deleted: Sequence[Stretch], inserted: Sequence[Stretch], is_word: Callable[[str], bool],
                       at_least: int) -> tuple[Stretch, tuple[int, int], Stretch, tuple[int, int]] | None:
    """The deleted and the inserted stretch that share the most words in one run (at least `at_least`), and the
    run's token span in each, trimmed of spaces at both ends; None where no run is that long."""
    best: tuple[int, Stretch, tuple[int, int], Stretch, tuple[int, int]] | None = None
    for target in inserted:
        b = target.keys()
        for source in deleted:
            a = source.keys()
            match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
            i, j, size = match.a, match.b, match.size
            while size and a[i] == " ":
                i, j, size = i + 1, j + 1, size - 1
            while size and a[i + size - 1] == " ":
                size -= 1
            words = sum(1 for t in a[i:i + size] if is_word(t))
            if words >= at_least and (best is None or words > best[0]):
                best = (words, source, (i, i + size), target, (j, j + size))
    return None if best is None else best[1:]
