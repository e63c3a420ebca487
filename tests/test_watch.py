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
    assert "Trade reached USD 865 million" in page
    assert RELOAD_SCRIPT in page
    assert status(port) == {"version": 1, "error": ""}


def test_rebuilds_on_save_and_keeps_the_last_good_page_on_error(watching):
    root, port = watching
    section = root / "report" / "sections" / "01-summary.md"
    section.write_text(section.read_text().replace("Trade reached", "Trade climbed to"))
    wait_for(lambda: status(port)["version"] == 2)
    assert "Trade climbed to USD 865 million" in fetch(port, "/")

    section.write_text("# Summary\n\n{{ no_such_helper() }}\n")
    wait_for(lambda: status(port)["error"] != "")
    assert status(port)["error"].startswith("report/sections/01-summary.md:3:4: unknown name 'no_such_helper'\n")
    assert "Trade climbed to" in fetch(port, "/")
    assert "Trade climbed to" in (root / "build" / "mini.html").read_text()


def test_a_format_built_alone_comes_right_after_the_page():
    from briefkit.watch import WatchState, rebuild

    groups: list[tuple[str, ...]] = []
    state = WatchState(Path("unused.html"))
    rebuild(lambda formats: groups.append(formats), state, ("html", "pdf", "docx"), str, alone=("pdf",))
    assert groups == [("html",), ("pdf",), ("docx",)]
    groups.clear()
    rebuild(lambda formats: groups.append(formats), state, ("html", "pdf", "docx"), str)
    assert groups == [("html",), ("pdf", "docx")]


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
