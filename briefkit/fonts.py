"""The fonts of a project's templates/fonts folder, by family, weight and style, read from the files themselves."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    style: str
    path: Path


def faces(folder: Path, families: tuple[str, ...] | None = None) -> list[Face]:
    """Every TrueType or OpenType face in `folder` (of the given families only, if named), in a stable order."""
    found = [_face(path) for path in sorted(folder.glob("*")) if path.suffix.lower() in (".ttf", ".otf")]
    return [f for f in found if f is not None and (families is None or f.family in families)]


@functools.cache
def _face(path: Path) -> Face | None:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(str(path), lazy=True)
    except (TTLibError, OSError, AssertionError):
        return None
    names = font["name"]
    family = names.getDebugName(16) or names.getDebugName(1)
    if not family:
        return None
    os2 = font["OS/2"] if "OS/2" in font else None
    weight = os2.usWeightClass if os2 is not None else 400
    italic = bool(os2.fsSelection & 1) if os2 is not None else "italic" in path.stem.lower()
    return Face(family, weight, "italic" if italic else "normal", path)


def css_font_faces(folder: Path) -> str:
    """@font-face rules for every face of the folder, by absolute file URL (for the print engine)."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.family}"; src: url("{f.path.resolve().as_uri()}"); '
        f"font-weight: {f.weight}; font-style: {f.style}; }}" for f in faces(folder))


# The Unicode blocks every subset keeps whole, whatever the text: an editor of the DOCX can type any Western or
# Central European language, its punctuation, figures and currency signs, and an edit to the text seldom changes
# a subset. (Latin Extended-B, Romanian's comma letters among its 208, comes with a language or a text using it.)
BASE_BLOCKS = ("Basic Latin", "Latin-1 Supplement", "Latin Extended-A", "General Punctuation",
               "Superscripts and Subscripts", "Currency Symbols", "Letterlike Symbols", "Number Forms", "Arrows",
               "Mathematical Operators")
# A web page is read, not edited: its faces keep the blocks of its text and of its language, and these.
WEB_BLOCKS = ("Basic Latin", "Latin-1 Supplement", "General Punctuation")


def repertoire(characters: Iterable[int], language: str = "", base: tuple[str, ...] = BASE_BLOCKS) -> tuple[str, ...]:
    """The Unicode blocks a face is subset to: the `base` blocks, those of the report's language (its script, as
    CLDR's names of languages, months and days in it use it: Cyrillic for Russian, Greek for Greek) and every
    block the text reaches into. It follows the text only when a character of a new block comes in.
    """
    from fontTools.unicodedata import block

    found = set(base) | {block(chr(c)) for c in characters} | {block(c) for c in _exemplars(language)}
    found.discard("No_Block")
    return tuple(sorted(found))


@functools.cache
def _exemplars(language: str) -> frozenset[str]:
    """Characters of a language's own script, from its CLDR data: the names of languages, months and days in it."""
    if not language:
        return frozenset()
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return frozenset()
    names = [*locale.languages.values(), *locale.months["format"]["wide"].values(),
             *locale.days["format"]["wide"].values()]
    return frozenset("".join(names))


@functools.cache
def block_characters(blocks: tuple[str, ...]) -> frozenset[int]:
    """Every code point of the named Unicode blocks."""
    from fontTools.unicodedata import Blocks

    ranges = [*Blocks.RANGES, 0x110000]
    return frozenset(c for i, name in enumerate(Blocks.VALUES) if name in blocks
                     for c in range(ranges[i], ranges[i + 1]))


def shared_subsets() -> Path:
    """Where the fonts' subsets are kept for every project of this user: a subset is a function of the font's
    bytes, the blocks, fontTools and this code alone, so a new project, or one after `clean`, finds the faces it
    shares with another already cut. `BRIEFKIT_FONT_CACHE`, else `$XDG_CACHE_HOME/briefkit/fonts`, else
    `~/.cache/briefkit/fonts`."""
    import os

    named = os.environ.get("BRIEFKIT_FONT_CACHE")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "briefkit" / "fonts"


# The subsets made in this process, by use and the face's content and blocks (watch mode rebuilds after each save).
_SUBSETS: dict[tuple[str, bytes, Hashable], bytes] = {}


def cached_subset(use: str, path: Path, blocks: tuple[str, ...], make: Callable[[Path, frozenset[int]], bytes],
                  cache_dir: Path | None = None) -> bytes:
    """make(path, characters of `blocks`): subsetting decompiles the whole font (a second a face), so each subset is
    made once per font file and repertoire and kept in `cache_dir` (`shared_subsets()`; None: this process only),
    keyed by the face's content, the blocks, fontTools' version and the code of `make`.
    """
    from briefkit.cache import file_digest, fingerprint, package_version

    digest = file_digest(path)
    known = _SUBSETS.get((use, digest, blocks))
    if known is not None:
        return known
    entry = None
    if cache_dir is not None:
        import sys

        code = Path(sys.modules[make.__module__].__file__ or __file__)
        key = fingerprint(use, digest, *blocks, package_version("fonttools"), code, Path(__file__))
        entry = cache_dir / f"{use}-{path.stem}-{key}"
        try:
            data = entry.read_bytes()
        except OSError:
            data = None
        if data is not None:
            _SUBSETS[(use, digest, blocks)] = data
            return data
    data = make(path, block_characters(blocks))
    _SUBSETS[(use, digest, blocks)] = data
    if entry is not None:
        _store(entry, data)
    return data


def _store(entry: Path, data: bytes) -> None:
    """Write a cache file by an atomic rename (two builds may make the same subset); a cache that cannot be
    written is only slower."""
    import os
    import tempfile

    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".subset-", dir=entry.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, entry)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
