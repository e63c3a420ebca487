"""What a build keeps so that its DOCX can be reviewed later (by briefkit.review): the id it stamps on the
file, and the record (the sources it was made from and the text of the DOCX it wrote), in the cache under that id.

The id is a hash of the sources the text comes from (report/ and data/), so the same sources give the same id
whatever the engine's version; after `briefkit clean`, the record is made again from today's sources where
they are unchanged, or from the git commit the DOCX names.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefkit.cache import CACHE_DIR

RECORD_DIR = "review"
PROPERTY_BUILD, PROPERTY_COMMIT, PROPERTY_PROJECT = "briefkit-build", "briefkit-commit", "briefkit-project"
TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".csv", ".json", ".txt"}
MAX_SNAPSHOT_BYTES = 20_000_000


@dataclass(frozen=True)
class Stamp:
    """What a DOCX says of the build that made it (its custom document properties)."""

    build: str
    commit: str
    project: str

    def properties(self) -> list[tuple[str, str]]:
        return [(PROPERTY_BUILD, self.build), (PROPERTY_COMMIT, self.commit), (PROPERTY_PROJECT, self.project)]


@dataclass
class Record:
    stamp: Stamp
    files: dict[str, str]  # path in the project -> text, as the build read them
    binary: list[str]  # other files under report/ and data/ (images): their names only
    blocks: list[dict[str, Any]]  # the text of the DOCX the build wrote (briefkit.outputs.docx.reader.Block)
    last_saved_by: str = ""  # the DOCX's own "last modified by" (the report's authors)


def snapshot(root: Path) -> tuple[dict[str, str], list[str]]:
    """The project's report/ and data/ files: text files by path, and the names of the others."""
    files: dict[str, str] = {}
    binary: list[str] = []
    total = 0
    for folder in ("report", "data"):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            name = path.relative_to(root).as_posix()
            total += path.stat().st_size
            if path.suffix.lower() in TEXT_SUFFIXES and total <= MAX_SNAPSHOT_BYTES:
                try:
                    files[name] = path.read_bytes().decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    pass
            binary.append(name)
    return files, binary


def build_id(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name, text in sorted(files.items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:20]


COMMIT_MARK = ".briefkit-commit"  # in a project exported from a commit (not a checkout): that commit


def git_commit(root: Path) -> str:
    """The commit of a clean git checkout of the project folder; '' elsewhere (no git, changes not committed)."""
    mark = root / COMMIT_MARK
    if mark.is_file():
        return mark.read_text(encoding="utf-8").strip()
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return ""
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "report", "data"],
                                cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return head.stdout.strip() if status.returncode == 0 and not status.stdout.strip() else ""


def stamp_for(root: Path, name: str, files: dict[str, str]) -> Stamp:
    return Stamp(build_id(files), git_commit(root), name)


def record_path(root: Path, build: str) -> Path:
    return root / CACHE_DIR / RECORD_DIR / f"{build}.json"


def write_record(root: Path, stamp: Stamp, files: dict[str, str], binary: list[str], docx: Path) -> Path:
    """Keep the record of a build whose DOCX is `docx` (atomically: a review never reads half a record)."""
    from dataclasses import asdict

    from briefkit.outputs.docx.reader import read_docx

    document = read_docx(docx)
    blocks = [asdict(b) | {"changes": []} for b in document.blocks]
    target = record_path(root, stamp.build)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"stamp": asdict(stamp), "files": files, "binary": binary, "blocks": blocks,
               "last_saved_by": document.last_modified_by}
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp") as out:
        json.dump(payload, out, ensure_ascii=False)
    os.replace(out.name, target)
    return target


def read_record(root: Path, build: str) -> Record | None:
    path = record_path(root, build)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return Record(Stamp(**payload["stamp"]), payload["files"], payload["binary"], payload["blocks"],
                      payload.get("last_saved_by", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def materialize(record: Record, folder: Path) -> Path:
    """The sources of a record written out as a project folder (images as empty files), to be rendered again."""
    for name, text in record.files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    for name in record.binary:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    return folder


def export_commit(root: Path, commit: str, folder: Path) -> Path | None:
    """The project folder as it was at `commit`, written into `folder`; None where git cannot give it."""
    import io
    import tarfile

    try:
        top = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        if top.returncode != 0:
            return None
        prefix = top.stdout.strip()
        archive = subprocess.run(["git", "archive", "--format=tar", commit, "--", prefix or "."], cwd=root,
                                 capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    project = folder / prefix if prefix else folder
    if project.is_dir():
        (project / COMMIT_MARK).write_text(commit, encoding="utf-8")
    return project
