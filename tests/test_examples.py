"""The second real briefing, examples/state-visit-2025: its own exhibits, its own look, every figure cited."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import REPO, pdf_text

EXAMPLE = REPO / "examples" / "state-visit-2025"


@pytest.fixture(scope="module")
def note(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example") / "state-visit-2025"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("build", ".cache"))
    assert main(["check", "--project", str(root), "-q"]) == 0
    assert main(["build", "--project", str(root), "-q"]) == 0
    return root / "build"


def test_the_note_is_three_to_five_pages_without_a_cover(note: Path):
    pages = pdf_text(note / "state-visit-2025.pdf")
    assert 3 <= len(pages) <= 5
    first = pages[0]
    assert "The December 2025 state visit" in first and "What was announced" in first
    assert "STATE VISIT, DECEMBER 2025" in first.replace("\xa0", " ")  # its short running header
    assert f"Page 1 of {len(pages)}" in first.replace("\xa0", " ")


def test_its_own_exhibits_in_every_format(note: Path):
    from docx import Document

    text = "\n".join(pdf_text(note / "state-visit-2025.pdf"))
    assert "Figure 1." in text and "Table 1." in text
    document = Document(str(note / "state-visit-2025.docx"))
    [table] = document.tables
    header = [cell.text for cell in table.rows[0].cells]
    assert "Standing" in " ".join(header)
    standings = {row.cells[header.index(next(h for h in header if "Standing" in h))].text for row in table.rows[1:]}
    assert standings <= {"corroborated", "single source", "conflicting"} and len(standings) == 3
    html = (note / "state-visit-2025.html").read_text(encoding="utf-8")
    assert "--ink: #1e4d47" in html and 'class="masthead"' in html
    assert sorted(p.name for p in (note / "data").iterdir()) == ["figures.csv", "growth.csv"]
