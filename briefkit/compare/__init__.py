"""Editions: what changed since an earlier one, from the rendered text and the data of both.

The stages, each a small function:

1. find the earlier edition (a git revision of the project, or the folder of an earlier checkout) and build it;
2. compare the data: every figure that changed (dataset, key, field, old value and new, the sources of each),
   records added and removed, sources added and dropped (compare.figures);
3. compare the text by word, block by block, so that reflowed lines are no change (compare.text);
4. write the changes documents: the DOCX as a Word redline (outputs.docx.redline), and the web page and PDF
   with the changes marked and a section "Changes in this edition" first (compare.marked).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from briefkit.errors import BriefkitError


class EditionError(BriefkitError):
    """The earlier edition cannot be found or built."""


def earlier_edition(root: Path, revision: str, scratch: Path) -> Path:
    """The project folder of the earlier edition: a copy of a folder, or the project as it was at a revision."""
    from briefkit.buildrecord import export_commit

    folder = Path(revision).expanduser()
    if not folder.is_absolute():
        folder = (Path.cwd() / folder)
    if folder.is_dir():
        if not (folder / "report" / "report.yaml").is_file():
            raise EditionError(f"--compare {revision}: the folder holds no project (no report/report.yaml)")
        target = scratch / "earlier"
        for name in ("report", "data", "templates"):
            if (folder / name).is_dir():
                shutil.copytree(folder / name, target / name)
        return target
    try:
        inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True,
                                text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        inside = None
    if inside is None or inside.returncode != 0:
        raise EditionError(f"--compare {revision}: the project is not in a git repository, and no folder "
                           f"'{revision}' exists; give a folder of the earlier edition")
    commit = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=root,
                            capture_output=True, text=True, timeout=10)
    if commit.returncode != 0:
        raise EditionError(f"--compare {revision}: no such revision in the project's git repository (a tag such "
                           "as edition-2025-12, HEAD~1, a commit) and no such folder")
    exported = export_commit(root, commit.stdout.strip(), scratch / "git")
    if exported is None or not (exported / "report" / "report.yaml").is_file():
        raise EditionError(f"--compare {revision}: the project did not exist at that revision")
    return exported


def author_of_changes(root: Path, revision: str) -> tuple[str, str]:
    """Who made the changes since `revision` and when (the last commit touching the sources; the working
    tree's user for changes not committed yet); ('', '') where git does not say."""
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "report", "data")
    if dirty:
        return git("config", "user.name"), ""
    line = git("log", "-1", "--format=%an%x09%aI", f"{revision}..HEAD", "--", "report", "data")
    name, _, date = line.partition("\t")
    return name, date
