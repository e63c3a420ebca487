"""A no-op build found without loading anything: the stamp a build leaves, and the check against it.

A build that used the cache writes, in the cache folder, one stamp per request (project, output folder, formats,
PDF engine, --strict): the hash of every file of the project it read (taken before it read them), the size and
modification time of every file of the engine and of the folders packages are installed in (a changed engine, theme,
template, locale or installed version), SOURCE_DATE_EPOCH, the DOCX's git commit, its warnings, and the size and
time of every output it published. The command line checks the stamp of its request before importing the
pipeline: where all of it still holds, the outputs are those the build would publish, and it prints what the
build would print. Anything else, even a stamp it cannot read, means a real build. This module imports only the
standard library's lightest parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

STAMP_DIR = Path(".cache") / "uptodate"
VERSION = 1
# What a build reads of the project folder: these folders whole, and the files at its top (.briefkit-commit).
PROJECT_FOLDERS = ("report", "data", "templates")
ENGINE = Path(__file__).resolve().parent


def request(root: Path, out_dir: Path | None, formats: tuple[str, ...], pdf_engine: str | None,
            strict: bool) -> dict:
    """What was asked of a build, as the stamp's name and first check."""
    root = root.resolve()
    return {"root": str(root), "out": str((out_dir or root / "build").resolve()), "formats": list(formats),
            "pdf_engine": pdf_engine or "", "strict": bool(strict)}


def _stamp_path(asked: dict) -> Path:
    name = hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:24]
    return Path(asked["root"]) / STAMP_DIR / f"{name}.json"


def inputs(root: Path, extra: list[str] | tuple[str, ...] = ()) -> dict:
    """Everything a build's outputs follow from but its own arguments, as of now; extra: files of the project
    outside PROJECT_FOLDERS that it read (a logo elsewhere), by their path in it."""
    root = root.resolve()
    project: dict[str, str] = {name: _digest(str(root / name)) for name in extra}
    for entry in os.scandir(root):
        if entry.is_file():
            project[entry.name] = _digest(entry.path)
    for folder in PROJECT_FOLDERS:
        for base, dirs, files in os.walk(root / folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                project[os.path.relpath(path, root)] = _digest(path)
    engine: dict[str, list[int]] = {}
    for base, dirs, files in os.walk(ENGINE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(base, name)
            stat = os.stat(path)
            engine[os.path.relpath(path, ENGINE)] = [stat.st_size, stat.st_mtime_ns]
    # An installed, upgraded or removed package changes the folder it is installed in.
    imports = {p: os.stat(p).st_mtime_ns for p in sys.path
               if os.path.basename(p) in ("site-packages", "dist-packages") and os.path.isdir(p)}
    # The program that lays the DOCX out for its contents' page numbers (outputs/docx/layout.py) may come or go.
    import shutil

    layout = [os.environ.get("BRIEFKIT_DOCX_LAYOUT", "")] + [shutil.which(n) or "" for n in ("soffice", "libreoffice")]
    return {"version": VERSION, "python": sys.version, "executable": sys.executable,
            "epoch": os.environ.get("SOURCE_DATE_EPOCH", ""), "extra": list(extra), "project": project,
            "engine": engine, "imports": imports, "layout": layout}


def _in_git(root: Path) -> bool:
    """Whether git may see the project as a checkout (a .git above it, or git told where to look); where not,
    the DOCX names no commit and git need not be asked (starting it is most of a no-op's time)."""
    if any(k in os.environ for k in ("GIT_DIR", "GIT_WORK_TREE")) or (root / ".briefkit-commit").exists():
        return True
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def _digest(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _outputs_state(outputs: list[list[str]]) -> list[list[int]]:
    state = []
    for _, path in outputs:
        stat = os.stat(path)
        state.append([stat.st_size, stat.st_mtime_ns])
    return state


def write(asked: dict, before: dict, outputs: dict[str, Path], warnings: list[dict], record: str | None,
          commit: str | None, extra: tuple[Path, ...] = ()) -> None:
    """Leave the stamp of a build that has published `outputs`; `before`: inputs() as the build started.
    record: the review record the DOCX needs; commit: the git commit its stamp names; extra: other files of the
    project it read (hashed now). A stamp that cannot be written only makes the next no-op slower."""
    listed = [[name, str(path)] for name, path in outputs.items()]
    root = Path(asked["root"])
    try:
        names = sorted({str(p.resolve().relative_to(root)) for p in extra} - set(before["project"]))
        if names:
            before = {**before, "extra": names,
                      "project": {**before["project"], **{n: _digest(str(root / n)) for n in names}}}
        stamp = {"asked": asked, "inputs": before, "outputs": listed, "state": _outputs_state(listed),
                 "warnings": warnings, "record": record, "commit": commit}
        target = _stamp_path(asked)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(tmp, target)
    except (OSError, ValueError):
        pass


def current(asked: dict) -> dict | None:
    """The stamp of this request where nothing it depends on has changed since; None: build."""
    try:
        stamp = json.loads(_stamp_path(asked).read_text(encoding="utf-8"))
        if stamp.get("asked") != asked or stamp.get("inputs", {}).get("version") != VERSION:
            return None
        if asked["strict"] and stamp["warnings"]:
            return None
        if _outputs_state(stamp["outputs"]) != stamp["state"]:
            return None
        if stamp["record"] is not None and not os.path.isfile(stamp["record"]):
            return None
        if stamp["inputs"] != inputs(Path(asked["root"]), stamp["inputs"]["extra"]):
            return None
        if stamp["commit"] is not None and (stamp["commit"] or _in_git(Path(asked["root"]))):
            from briefkit.buildrecord import git_commit

            if git_commit(Path(asked["root"])) != stamp["commit"]:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stamp
