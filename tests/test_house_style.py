"""The shipped briefing's own house style in the root templates/: stylesheet additions read after the engine's
defaults, every file of it read by the build, and the look of both briefings kept.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html

from briefkit.pipeline import build
from briefkit.templates import DEFAULT_TEMPLATES, PRINT_ADDITIONS, SCREEN_ADDITIONS
from tests.conftest import REPO, copy_project

HOUSE = REPO / "templates"
NAME = "turkmenistan-russia-briefing"
OPENED: list[str] | None = None  # the files opened while a test records them (an audit hook cannot be removed)


def _record(event: str, args: tuple) -> None:
    if event == "open" and OPENED is not None and isinstance(args[0], str | Path):
        OPENED.append(str(args[0]))


sys.addaudithook(_record)


def house_files() -> list[str]:
    return sorted(p.relative_to(HOUSE).as_posix() for p in HOUSE.rglob("*") if p.is_file())


def test_the_root_templates_hold_only_the_briefings_own_files_none_a_copy_of_a_default():
    files = house_files()
    assert files, "the shipped briefing's house style is in templates/"
    for name in files:
        default = DEFAULT_TEMPLATES / name
        assert not default.exists(), f"templates/{name} replaces a default of the same name"
    assert not (DEFAULT_TEMPLATES / PRINT_ADDITIONS).exists() and not (DEFAULT_TEMPLATES / SCREEN_ADDITIONS).exists()


def test_every_file_of_the_root_templates_is_read_by_the_build(tmp_path: Path):
    """Each file is opened, in the build's work folder, by the format that uses it: no dead file."""
    global OPENED
    root = copy_project(REPO, tmp_path / "real")
    OPENED = []
    try:
        build(root, formats=("pdf", "docx", "html"), use_cache=False, parallel=False)
        opened = list(OPENED)
    finally:
        OPENED = None
    work = str(root / "build" / ".briefkit-")
    read = {path.split("/templates/", 1)[1] for path in opened if path.startswith(work) and "/templates/" in path}
    assert set(house_files()) <= read, sorted(set(house_files()) - read)


@pytest.fixture(scope="module")
def pages(built_briefing: Path) -> dict[str, Path]:
    return {fmt: built_briefing / f"{NAME}.{fmt}" for fmt in ("pdf", "html")}


def style_of(page: Path) -> str:
    return "".join(html.parse(str(page)).xpath("/html/head/style/text()"))


def test_the_web_page_sets_the_chronology_in_the_briefings_style_after_the_defaults(pages):
    style = style_of(pages["html"])
    house = (HOUSE / SCREEN_ADDITIONS).read_text(encoding="utf-8")
    assert style.rstrip().endswith(house.rstrip())  # last: its rules win over screen.css and the theme
    assert "#key-judgements { background: var(--tint); border-left: 4px solid var(--ink);" in style  # the box kept
    document = html.parse(str(pages["html"]))
    assert len(document.xpath("//section[@id='developments']/dl/dt")) > 20


def test_the_pdf_keeps_its_look_key_judgements_in_their_box_and_the_chronology_dates_in_bold_sans(pages):
    from pypdf import PdfReader

    reader = PdfReader(str(pages["pdf"]))
    text = [page.extract_text() for page in reader.pages]
    key = next(n for n, t in enumerate(text) if "Key judgements" in t and "Neutrality sets the limits" in t)
    # The box's tint (#eef2f7) under a good part of the page, at 20 dpi.
    raster = subprocess.run(["pdftoppm", "-r", "20", "-f", str(key + 1), "-l", str(key + 1), str(pages["pdf"])],
                            check=True, capture_output=True, timeout=60).stdout.split(b"\n255\n", 1)[1]
    tint = sum(1 for i in range(0, len(raster) - 2, 3)
               if abs(raster[i] - 0xEE) + abs(raster[i + 1] - 0xF2) + abs(raster[i + 2] - 0xF7) < 6)
    assert tint / (len(raster) / 3) > 0.25
    # The chronology's dates, each a line of its own, in the heading face's bold (print.css's dt).
    fonts: dict[str, set[str]] = {}
    for page in reader.pages:
        page.extract_text(visitor_text=lambda chunk, _cm, _tm, font, _size: fonts.setdefault(chunk, set()).add(
            str(font.get("/BaseFont", "")).split("+")[-1]) if font else None)
    assert all("Lato-Bold" in fonts[date] for date in ("10 June 2022", "October 2020", "March 2023")), fonts

def test_a_new_project_keeps_the_engine_defaults(tmp_path: Path):
    """briefkit new makes no templates/ and its web page carries none of the shipped briefing's additions."""
    from briefkit.cli import main

    assert main(["new", str(tmp_path / "note")]) == 0
    assert not (tmp_path / "note" / "templates").exists()
    result = build(tmp_path / "note", formats=("html",), parallel=False)
    assert "#developments" not in style_of(result.outputs["html"])
