"""Watch mode: the page is served on localhost, rebuilt on save, and an error keeps the last good page."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path

import pytest

from briefkit.cli import describe_error
from briefkit.pipeline import build
from briefkit.watch import RELOAD_SCRIPT, STATUS_PATH, watch


def fetch(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail("timed out waiting for the watcher")


@pytest.fixture
def watching(mini: Path):
    stop = threading.Event()
    ports: list[int] = []
    out_dir = mini / "build"
    run = partial(build, mini, out_dir, parallel=False)
    thread = threading.Thread(
        target=watch,
        args=(mini, run, out_dir / "mini.html", ("html",), 0, describe_error),
        kwargs={"stop": stop, "ready": ports.append},
        daemon=True,
    )
    thread.start()
    wait_for(lambda: bool(ports))
    yield mini, ports[0]
    stop.set()
    thread.join(timeout=10)


def status(port: int) -> dict:
    return json.loads(fetch(port, STATUS_PATH))


def test_serves_the_page_with_live_reload(watching):
    _, port = watching
    page = fetch(port, "/")
    assert "Trade reached USD\u00a0865\u00a0million" in page
    assert RELOAD_SCRIPT in page
    assert status(port) == {"version": 1, "error": ""}


def test_rebuilds_on_save_and_keeps_the_last_good_page_on_error(watching):
    root, port = watching
    section = root / "report" / "sections" / "01-summary.md"
    section.write_text(section.read_text().replace("Trade reached", "Trade climbed to"))
    wait_for(lambda: status(port)["version"] == 2)
    assert "Trade climbed to USD\u00a0865\u00a0million" in fetch(port, "/")

    section.write_text("# Summary\n\n{{ no_such_helper() }}\n")
    wait_for(lambda: status(port)["error"] != "")
    assert status(port)["error"].startswith("report/sections/01-summary.md:3:4: unknown name 'no_such_helper'\n")
    assert "Trade climbed to" in fetch(port, "/")
    assert "Trade climbed to" in (root / "build" / "mini.html").read_text()


def test_a_data_file_edited_is_read_again(watching):
    """Parsed YAML is kept between rebuilds, by the file's text: an edit must still reach the page."""
    root, port = watching
    trade = root / "data" / "trade.yaml"
    trade.write_text(trade.read_text().replace("value: 865", "value: 866"))
    wait_for(lambda: status(port)["version"] == 2)
    assert "Trade reached USD\u00a0866\u00a0million" in fetch(port, "/")


def test_font_subsets_are_made_once_per_face_and_repertoire_and_kept_on_disk(tmp_path: Path, monkeypatch):
    """Each build subsets its own copy of the fonts: the copy of an unchanged face reuses the subset of its
    repertoire, in this process and, through the cache folder, in the next; new words of the same blocks make
    none anew."""
    import shutil

    from briefkit import fonts
    from briefkit.outputs import html
    from briefkit.outputs.docx import fonts as docx_fonts
    from briefkit.templates import DEFAULT_TEMPLATES

    face = DEFAULT_TEMPLATES / "fonts" / "Lato-Regular.ttf"
    copies = [tmp_path / str(n) / face.name for n in range(3)]
    for copy in copies:
        copy.parent.mkdir()
        shutil.copyfile(face, copy)
    made: list[str] = []
    subset_docx, subset_web = docx_fonts._subset, html._subset_font
    monkeypatch.setattr(docx_fonts, "_subset", lambda *a: made.append("docx") or subset_docx(*a))
    monkeypatch.setattr(html, "_subset_font", lambda *a: made.append("web") or subset_web(*a))
    monkeypatch.setattr(fonts, "_SUBSETS", {})
    cache = tmp_path / "cache"
    latin = fonts.repertoire(map(ord, "Trade"), "en-GB")
    assert latin == fonts.repertoire(map(ord, "Trade reached £5 – “up” ½"), "en-GB")
    greek = fonts.repertoire(map(ord, "Trade Ελλάδα"), "en-GB")
    assert "Greek and Coptic" in greek and "Greek and Coptic" not in latin
    assert "Cyrillic" in fonts.repertoire([], "ru") and "Cyrillic" not in latin
    docx = [docx_fonts.subset_font(copies[0], latin, cache), docx_fonts.subset_font(copies[1], latin, cache),
            docx_fonts.subset_font(copies[2], greek, cache)]
    web = [html._subset_face(copies[0], latin, cache), html._subset_face(copies[1], latin, cache),
           html._subset_face(copies[2], greek, cache)]
    assert made == ["docx", "docx", "web", "web"]
    assert docx[0] == docx[1] != docx[2] and web[0] == web[1] != web[2]
    # The next process finds them in the cache folder.
    monkeypatch.setattr(fonts, "_SUBSETS", {})
    assert docx_fonts.subset_font(copies[1], greek, cache) == docx[2]
    assert html._subset_face(copies[0], latin, cache) == web[0]
    assert made == ["docx", "docx", "web", "web"]
    # Another face under the same name (a project's own font) is subset anew.
    copies[1].write_bytes((DEFAULT_TEMPLATES / "fonts" / "Lato-Bold.ttf").read_bytes())
    assert html._subset_face(copies[1], greek, cache) != web[2]
    assert made[-1] == "web"
    # Without a cache folder (--no-cache), nothing is read from it.
    monkeypatch.setattr(fonts, "_SUBSETS", {})
    count = len(made)
    html._subset_face(copies[0], latin)
    assert len(made) == count + 1


def test_a_new_project_and_one_after_clean_find_the_subsets_another_made(tmp_path: Path, monkeypatch):
    """The subsets are kept for every project of the user (BRIEFKIT_FONT_CACHE here): a second project, and the
    first after `clean`, cut no face again and embed the same bytes as a build with --no-cache, which keeps
    nothing there."""
    import zipfile

    from conftest import FIXTURE, copy_project

    from briefkit import fonts
    from briefkit.cli import main

    shared = tmp_path / "fonts"
    monkeypatch.setenv("BRIEFKIT_FONT_CACHE", str(shared))
    first, second = copy_project(FIXTURE, tmp_path / "first"), copy_project(FIXTURE, tmp_path / "second")

    def build(*args: str) -> None:
        monkeypatch.setattr(fonts, "_SUBSETS", {})  # each build a process of its own
        assert main([*args, "-q"]) == 0

    def faces(root: Path) -> dict[str, bytes]:
        (docx,) = (root / "build").glob("*.docx")
        with zipfile.ZipFile(docx) as package:
            return {n: package.read(n) for n in package.namelist() if n.startswith("word/fonts/")}

    build("--project", str(first), "--no-cache", "--format", "docx")
    assert not shared.exists()
    uncached = faces(first)
    assert uncached
    build("--project", str(first), "--format", "docx")
    kept = {entry.name: entry.stat().st_mtime_ns for entry in shared.iterdir()}
    assert kept and all(name.startswith("docx-") for name in kept)
    build("--project", str(second), "--format", "docx")
    build("clean", "--project", str(first))
    build("--project", str(first), "--format", "docx")
    assert {entry.name: entry.stat().st_mtime_ns for entry in shared.iterdir()} == kept
    assert faces(first) == faces(second) == uncached


def test_typst_pdf_first_and_a_mistake_only_typst_meets_keeps_the_last_good_pdf(mini: Path):
    """As `briefkit watch` runs with Typst: a broken link fails the PDF alone; the page reloads and shows why."""
    from tests.conftest import pdf_text

    stop = threading.Event()
    ports: list[int] = []
    out_dir = mini / "build"
    run = partial(build, mini, out_dir, parallel=False, pdf_engine="typst", warm=True)
    thread = threading.Thread(
        target=watch, args=(mini, run, out_dir / "mini.html", ("html", "pdf"), 0, describe_error),
        kwargs={"stop": stop, "ready": ports.append, "first": ("pdf",)}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: bool(ports))
        port, pdf = ports[0], out_dir / "mini.pdf"
        section = mini / "report" / "sections" / "01-summary.md"
        original = section.read_text()
        section.write_text(original.replace("Trade reached", "Trade climbed to") + "See [more](#nowhere).\n")
        wait_for(lambda: status(port)["version"] == 2)
        assert status(port)["error"].startswith("report/sections/01-summary.md:5: link to '#nowhere'")
        assert "Trade climbed to" in fetch(port, "/")
        assert "Trade reached" in " ".join(" ".join(pdf_text(pdf)).split())

        section.write_text(original.replace("Trade reached", "Trade rose to"))
        wait_for(lambda: status(port)["version"] == 3)
        assert status(port)["error"] == ""
        assert "Trade rose to" in " ".join(" ".join(pdf_text(pdf)).split())
    finally:
        stop.set()
        thread.join(timeout=10)


def test_a_format_built_first_comes_before_the_page():
    """The warm Typst PDF is what the author keeps open: it is rewritten first, the page right after, then the rest."""
    from briefkit.watch import WatchState, rebuild

    groups: list[tuple[str, ...]] = []
    state = WatchState(Path("unused.html"))
    rebuild(lambda formats: groups.append(formats), state, ("html", "pdf", "docx"), str, first=("pdf",))
    assert groups == [("pdf",), ("html",), ("docx",)]
    assert state.status() == {"version": 1, "error": ""}
    groups.clear()
    rebuild(lambda formats: groups.append(formats), state, ("html", "pdf", "docx"), str)
    assert groups == [("html",), ("pdf", "docx")]


def test_a_failed_pdf_built_first_still_lets_the_page_reload_and_shows_its_error():
    from briefkit.errors import EngineError
    from briefkit.watch import WatchState, rebuild

    groups: list[tuple[str, ...]] = []

    def build(formats: tuple[str, ...]) -> None:
        groups.append(formats)
        if formats == ("pdf",):
            raise EngineError("the Typst engine failed: unclosed delimiter")

    state = WatchState(Path("unused.html"))
    rebuild(build, state, ("html", "pdf", "docx"), str, first=("pdf",))
    assert groups == [("pdf",), ("html",), ("docx",)]
    assert state.status() == {"version": 1, "error": "the Typst engine failed: unclosed delimiter"}


def test_a_mistake_every_format_meets_is_shown_once_and_keeps_the_page():
    from briefkit.errors import InputError
    from briefkit.watch import WatchState, rebuild

    groups: list[tuple[str, ...]] = []

    def build(formats: tuple[str, ...]) -> None:
        groups.append(formats)
        raise InputError.single("report/sections/01-summary.md", 3, "unknown name 'no_such_helper'")

    state = WatchState(Path("unused.html"))
    rebuild(build, state, ("html", "pdf", "docx"), str, first=("pdf",))
    assert groups == [("pdf",), ("html",)]  # the DOCX is not tried after the page failed
    assert state.status()["version"] == 0
    assert state.status()["error"].count("no_such_helper") == 1


def test_typst_compiler_stays_warm_between_saves(mini: Path):
    """Watch mode with Typst: one compiler for every rebuild, and the PDF rewritten within about a second."""
    from briefkit.outputs import pdf_typst
    from tests.conftest import pdf_text

    out_dir = mini / "build"
    run = partial(build, mini, out_dir, formats=("pdf",), parallel=False, pdf_engine="typst", warm=True)
    run()
    compiler = next(iter(pdf_typst._WARM.values()))
    section = mini / "report" / "sections" / "01-summary.md"
    original = section.read_text()
    for word in ("climbed to", "rose to", "went up to"):
        section.write_text(original.replace("Trade reached", f"Trade {word}", 1))
        run()
        assert next(iter(pdf_typst._WARM.values())) is compiler
        assert f"Trade {word}" in " ".join(" ".join(pdf_text(out_dir / "mini.pdf")).split())
    # How fast that is belongs to the benchmark, not to a test on a shared machine.
