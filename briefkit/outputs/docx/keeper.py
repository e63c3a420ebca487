"""Keeps one LibreOffice running for the next builds' layouts, and ends it once no build has used it for a while.

Run by briefkit.outputs.docx.layout as a program of its own, in a session of its own:

    python -I keeper.py FOLDER SECONDS -- COMMAND...

It starts LibreOffice (COMMAND, in a further session, so that all of it ends at once) and writes FOLDER/office.json.
Then, every STEP seconds, it looks:

- LibreOffice has ended (it crashed, or `briefkit clean` ended it): the keeper ends too;
- FOLDER is gone (the project's cache was removed): LibreOffice is ended;
- FOLDER/used is older than SECONDS and no build holds FOLDER/lock: LibreOffice is ended.

SIGTERM ends LibreOffice and the keeper at once. It imports only the standard library: it stays beside the author's
editor for minutes and must not hold a build's memory.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STEP = 2.0  # seconds between looks
STATE = "office.json"
USED = "used"  # touched by every build that lays a file out on the kept LibreOffice
LOCK = "lock"  # held by the build that uses the profile


def end(process: subprocess.Popen) -> None:
    """End the whole session of a program started in one of its own: asked first, then made to."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.communicate(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def idle(folder: Path, seconds: float) -> bool:
    try:
        return time.time() - (folder / USED).stat().st_mtime > seconds
    except OSError:
        return True


def take_lock(path: Path) -> object | None:
    """The lock file at `path`, open and locked (the lock goes with the file), or None where another process holds
    it or it cannot be made."""
    try:
        lock = open(path, "w")  # noqa: SIM115 - held by the caller
    except OSError:
        return None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


def main(argv: list[str]) -> int:
    folder, seconds, command = Path(argv[1]), float(argv[2]), argv[4:]
    office = subprocess.Popen(command, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)

    def stop(signum, frame) -> None:
        end(office)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    state = folder / STATE
    written = folder / f".{STATE}.{os.getpid()}"
    written.write_text(json.dumps({"keeper": os.getpid(), "office": office.pid, "uses": 0}), encoding="utf-8")
    written.replace(state)
    (folder / USED).touch()
    while True:
        try:
            office.wait(timeout=STEP)
            break
        except subprocess.TimeoutExpired:
            pass
        if not folder.is_dir():
            end(office)
            return 0
        if idle(folder, seconds) and take_lock(folder / LOCK) is not None:  # held until the keeper ends
            end(office)
            break
    try:
        if json.loads(state.read_text(encoding="utf-8")).get("keeper") == os.getpid():
            state.unlink()
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
