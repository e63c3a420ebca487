"""The engine's default templates, CSS, citation style, filters, fonts and phrases, overridden file by file by a
project's own templates/ folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DEFAULTS = Path(__file__).resolve().parent / "defaults"
DEFAULT_TEMPLATES = DEFAULTS / "templates"
SCAFFOLD = DEFAULTS / "scaffold"
# A project's stylesheet additions: read after the engine's print.css and screen.css (and the theme), so that a
# house style adds its own rules without a copy of the defaults. The engine ships none.
PRINT_ADDITIONS = "print-additions.css"
SCREEN_ADDITIONS = "screen-additions.css"


def template_files(project_templates: Path) -> dict[str, Path]:
    """Every template file by its name relative to templates/: the project's own where it has one."""
    files = {}
    for folder in (DEFAULT_TEMPLATES, project_templates):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files[path.relative_to(folder).as_posix()] = path
    return files


def materialize(files: dict[str, Path], target: Path) -> Path:
    """Lay the merged templates out in one folder, so that relative links (CSS to fonts) resolve."""
    for name, path in files.items():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


def additions(templates: Path, name: str) -> Path | None:
    """A project's stylesheet additions in the merged templates folder (PRINT_ADDITIONS, SCREEN_ADDITIONS), if any."""
    path = templates / name
    return path if path.is_file() else None
