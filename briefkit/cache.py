"""A content-addressed cache: each stage's output stored under a hash of exactly its inputs."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

CACHE_DIR = ".cache"


def fingerprint(*parts: object) -> str:
    """A hash of the given parts: text, bytes, files (by content) or folders (every file, by name and content)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
            for file in files:
                digest.update(file.name.encode() + b"\0" + file_digest(file) + b"\0")
        elif isinstance(part, bytes):
            digest.update(part + b"\0")
        else:
            digest.update(str(part).encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


_DIGESTS: dict[tuple[str, int, int], bytes] = {}


def file_digest(path: Path) -> bytes:
    """The hash of a file's content, computed once per process for a file that has not changed since.

    A no-op build keys every product by the fonts it reads (megabytes): each is hashed once, not once per product.
    """
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    found = _DIGESTS.get(key)
    if found is None:
        found = _DIGESTS[key] = hashlib.sha256(path.read_bytes()).digest()
    return found


def package_version(name: str) -> str:
    """An installed package's version, read without importing it (WeasyPrint takes a second to import)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def engine_versions() -> str:
    """The versions of the engines, read once per process: a running process keeps the modules it imported."""
    return ";".join(f"{n}={package_version(n)}" for n in (
        "pypandoc-binary", "pypandoc", "weasyprint", "pydyf", "matplotlib", "python-docx", "jinja2", "fonttools"))


def code_fingerprint() -> str:
    """The compiler's own source: a change to briefkit invalidates what it produced."""
    return fingerprint(*sorted(Path(__file__).resolve().parent.rglob("*.py")))


class Cache:
    """Entries are folders named by their key, published by an atomic rename: a killed build leaves none half-made."""

    def __init__(self, root: Path, enabled: bool = True):
        self.root = root
        self.enabled = enabled

    def lookup(self, stage: str, key: str) -> Path | None:
        if not self.enabled:
            return None
        entry = self.root / stage / key
        return entry if (entry / ".complete").is_file() else None

    def store(self, stage: str, key: str, files: dict[str, Path]) -> Path | None:
        """Copy `files` (name -> path) into a new entry; a cache that cannot be written is skipped."""
        if not self.enabled:
            return None
        entry = self.root / stage / key
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=entry.parent))
            for name, path in files.items():
                shutil.copyfile(path, tmp / name)
            (tmp / ".complete").write_text(key)
            try:
                os.replace(tmp, entry)
            except OSError:  # another build stored the same entry first: identical by construction
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            return None
        return entry

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
