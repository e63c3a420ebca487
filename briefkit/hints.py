"""What to write instead: the closest known names to an unknown one, said the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

CUTOFF = 0.7  # how alike two names must be (difflib's ratio) for one to be offered for the other
MARGIN = 0.1  # names offered together are about as close as the closest


def closest(name: object, known: Iterable[object], n: int = 3) -> list[str]:
    """The known names nearest to `name`, best first (none when nothing is near)."""
    choices = [str(k) for k in dict.fromkeys(known)]
    text = str(name)
    matcher = SequenceMatcher(b=text)
    scores = []
    for choice in choices:
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF and matcher.ratio() >= CUTOFF:
            scores.append((matcher.ratio(), choice))
    scores.sort(key=lambda s: -s[0])
    close = [c for score, c in scores[:n] if score >= scores[0][0] - MARGIN]
    if not close:
        # Two letters swapped, which difflib scores low in short names: 'pfd' for 'pdf'.
        close = [c for c in choices if len(c) > 2 and sorted(c) == sorted(text)][:n]
    if not close:
        # Case and separators are the commonest slips: 'Exports', 'data-notes'.
        folded = {c.lower().replace("-", "_"): c for c in choices}
        match = folded.get(text.lower().replace("-", "_"))
        close = [match] if match else []
    return close


def quoted(names: Iterable[object], prefix: str = "") -> str:
    """'a', 'b' or 'c'."""
    items = [f"'{prefix}{n}'" for n in names]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def did_you_mean(name: object, known: Iterable[object], listing: str = "", prefix: str = "") -> str:
    """The hint for an unknown name: 'did you mean 'x'?', else what exists, as `listing` ('known: {}') says."""
    known = list(known)
    close = closest(name, known)
    if close:
        return f"did you mean {quoted(close, prefix)}?"
    if listing:
        shown = ", ".join(f"{prefix}{k}" for k in known[:12]) + (", ..." if len(known) > 12 else "")
        return listing.format(shown or "none")
    return ""


def expected(name: object, known: Iterable[object], prefix: str = "") -> str:
    """The hint for a value outside a fixed set of choices."""
    return did_you_mean(name, known, "expected one of {}", prefix)
