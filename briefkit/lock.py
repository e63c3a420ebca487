"""One build at a time per output folder: an exclusive, non-blocking lock on a file inside it.

The lock is an flock(2) on `<folder>/.briefkit.lock`: the kernel drops it when its holder exits,
even when killed, so a crashed build never leaves a stale lock behind. The file is removed when
the lock is released, so a finished build leaves the output folder holding only its outputs.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefkit.errors import BriefkitError, OutputError

LOCK_NAME = ".briefkit.lock"
# What a build killed half-way can leave in its output folder: its work folder (pipeline.work_folder),
# half-copied outputs (pipeline.publish) and temporary files named .NAME.XXXXXXXX.tmp.
LEFTOVERS = re.compile(r"^\.briefkit-.+$|^\..+\.publish$|^\..+\.[a-z0-9_]{8}\.tmp$")


class BuildLocked(BriefkitError):
    """Another build is writing to the same output folder."""

    def __init__(self, lock_file: Path, holder: int | None):
        self.lock_file = lock_file
        self.holder = holder
        by = f" (process {holder})" if holder else ""
        super().__init__(
            f"another build{by} is already writing to {lock_file.parent}; "
            f"wait for it to finish, or build into another folder with --out (lock file: {lock_file})"
        )

    def __reduce__(self):
        return (BuildLocked, (self.lock_file, self.holder))


@contextmanager
def build_lock(folder: Path) -> Iterator[Path]:
    """Hold the lock of `folder` for the duration of the block; raise BuildLocked at once if it is taken."""
    lock_file = folder / LOCK_NAME
    fd = _acquire(lock_file)
    try:
        yield lock_file
    finally:
        # Unlink while still holding the lock: a build waiting on this inode then sees it is stale and retries.
        try:
            lock_file.unlink()
        except OSError:
            pass
        os.close(fd)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what a killed build left in `folder` (work folder, half-copied outputs); call only under the lock."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if path.name == LOCK_NAME or not LEFTOVERS.match(path.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _acquire(lock_file: Path) -> int:
    for _attempt in range(20):
        try:
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError(f"{lock_file}: cannot create the lock file ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise BuildLocked(lock_file, holder) from None
        except OSError as exc:  # a file system without locks (some network mounts)
            os.close(fd)
            raise OutputError(f"{lock_file}: cannot lock the output folder ({exc.strerror})") from None
        if _still_linked(fd, lock_file):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            return fd
        # The previous holder removed the file between our open and our lock: lock the new one instead.
        os.close(fd)
    raise BuildLocked(lock_file, None)


def _still_linked(fd: int, lock_file: Path) -> bool:
    try:
        on_disk = os.stat(lock_file)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _holder(fd: int) -> int | None:
    """The process id the holder wrote into the lock file, if it got that far."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
