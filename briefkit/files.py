"""The output folder: created if needed, and checked to be writable before any work starts."""

from __future__ import annotations

import os
from pathlib import Path

from briefkit.errors import OutputError


def ensure_folder(folder: Path) -> Path:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: cannot use it as the output folder: it is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder}: the output folder is not writable")
    return folder
