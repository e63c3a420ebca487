"""Watch mode as a new author meets it: nothing rebuilt when up to date, the time of each rebuild, a quiet end."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.pipeline import BuildResult
from briefkit.watch import WatchState, rebuild
from tests.conftest import copy_project

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WORKTREE = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_watch_on_an_up_to_date_build_rebuilds_nothing_and_ends_at_once_and_quietly(tmp_path, sig):
    root = copy_project(FIXTURES / "category-de", tmp_path / "de")
    assert main(["build", "--project", str(root), "-q"]) == 0
    log = tmp_path / "watch.err"
    env = {**os.environ, "PYTHONPATH": str(WORKTREE)}
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "briefkit", "watch", "--project", str(root), "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=err, env=env, text=True)
        try:
            deadline = time.monotonic() + 60
            while "serving http://127.0.0.1:" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            sent = time.monotonic()
            process.send_signal(sig)
            out, _ = process.communicate(timeout=30)
            took = time.monotonic() - sent
        finally:
            if process.poll() is None:
                process.kill()
    lines = log.read_text().splitlines()
    assert lines[:2] == ["  html up to date", "  pdf, docx up to date"]
    assert lines[2].startswith("  serving http://127.0.0.1:") and len(lines) == 3
    assert (process.returncode, out) == (0, "")
    assert took < 1.0, took


def test_each_rebuild_says_what_it_rebuilt_and_in_how_long(caplog):
    results = {("html",): BuildResult({}, 1.24, ("chart", "html")), ("pdf", "docx"): BuildResult({}, 3.06, ("docx",))}
    state = WatchState(Path("unused.html"))
    with caplog.at_level(logging.INFO, logger="briefkit.progress"):
        rebuild(lambda formats: results[formats], state, ("html", "pdf", "docx"), str)
    assert [r.getMessage() for r in caplog.records] == ["html rebuilt in 1.2 s", "docx rebuilt in 3.1 s"]
    caplog.clear()
    results = {k: BuildResult({}, 0.2) for k in results}
    with caplog.at_level(logging.INFO, logger="briefkit.progress"):
        rebuild(lambda formats: results[formats], state, ("html", "pdf", "docx"), str)
    assert [r.getMessage() for r in caplog.records] == ["html up to date", "pdf, docx up to date"]
