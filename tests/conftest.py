"""Shared fixtures: copies of the tiny fixture project and of the real briefing, built once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from briefkit.cli import main

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
