"""The fonts of a project's templates/fonts folder, by family, weight and style, read from the files themselves."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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


# The last subset made of each face, by its use and file name, with the face's content and the characters: an edit
# seldom brings a new character, and subsetting every face takes seconds (watch mode rebuilds after each save).
_SUBSETS: dict[tuple[str, str], tuple[bytes, Hashable, object]] = {}


def last_subset(use: str, path: Path, characters: Hashable, make: Callable[[Path, Hashable], T]) -> T:
    """make(path, characters), made again only when the face's content or the characters differ from the last
    subset made of this face for this `use` (each build copies the fonts anew, so the path alone would never match).
    """
    digest = hashlib.sha256(path.read_bytes()).digest()
    known = _SUBSETS.get((use, path.name))
    if known is not None and known[:2] == (digest, characters):
        return known[2]
    data = make(path, characters)
    _SUBSETS[(use, path.name)] = (digest, characters, data)
    return data
