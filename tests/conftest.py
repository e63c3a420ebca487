"""Shared fixtures: copies of the tiny fixture project and of the real briefing, built once."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from briefkit.cli import main

# No LibreOffice layout for the DOCX's contents (seconds a build) but in the tests of it, tests/test_docx_layout.py.
os.environ["BRIEFKIT_DOCX_LAYOUT"] = "none"
# The fonts' subsets shared by the tests' projects, in a folder of this run (not the user's ~/.cache).
os.environ["BRIEFKIT_FONT_CACHE"] = tempfile.mkdtemp(prefix="briefkit-fonts-")
atexit.register(shutil.rmtree, os.environ["BRIEFKIT_FONT_CACHE"], True)

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini"


_SOURCE_LINE = re.compile(r"^ *(\d+ )?\|")


def messages(err: str) -> list[str]:
    """The findings as printed, hints included, without the quoted source lines and carets (see test_errors)."""
    return [line for line in err.splitlines() if not _SOURCE_LINE.match(line)]


def copy_project(source: Path, target: Path) -> Path:
    """A private copy of a project (report, data, and its own templates if it has any)."""
    shutil.copytree(source / "report", target / "report")
    shutil.copytree(source / "data", target / "data")
    if (source / "templates").is_dir():
        shutil.copytree(source / "templates", target / "templates")
    return target


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return copy_project(FIXTURE, tmp_path / "mini")


@pytest.fixture
def real(tmp_path: Path) -> Path:
    return copy_project(REPO, tmp_path / "real")


@pytest.fixture(scope="session")
def built_briefing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real briefing built once in all three formats; tests only read it."""
    root = copy_project(REPO, tmp_path_factory.mktemp("briefing") / "project")
    assert main(["--project", str(root), "-q"]) == 0
    return root / "build"


def pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


REVIEW_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "review"
REVIEW_DOCX = "build/review-fixture.docx"


def git(root: Path, *args: str) -> str:
    """git in a test's own repository, with a fixed identity and no user configuration."""
    import subprocess

    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
                               "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(root), "PATH": "/usr/bin:/bin"}
                          ).stdout


def committed_copy(source: Path, root: Path, message: str = "edition") -> Path:
    """A copy of a project in a git repository of its own, its sources committed (build/ and .cache/ ignored)."""
    shutil.copytree(source, root)
    (root / ".gitignore").write_text("build/\n.cache/\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", message)
    return root


@pytest.fixture(scope="session")
def review_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The review fixture (prose, a figure, tables, notes) in a git repository of its own, committed and built."""
    root = committed_copy(REVIEW_FIXTURE, tmp_path_factory.mktemp("review") / "project")
    assert main(["build", "--project", str(root), "-q"]) == 0
    return root


@pytest.fixture
def review_project(review_built: Path, tmp_path: Path) -> Path:
    """A private copy of the built review fixture (sources, git history, build and cache)."""
    root = tmp_path / "project"
    shutil.copytree(review_built, root, symlinks=True)
    return root
