"""`briefkit new`: a new project that builds at once, copied from the scaffold in the package's defaults."""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

from briefkit.errors import OutputError
from briefkit.templates import SCAFFOLD

FILLED = ("report/report.yaml", "README.md")


def new_project(target: Path, title: str | None = None, language: str = "en-GB",
                today: datetime.date | None = None) -> list[Path]:
    """Create the project in `target` (a new or empty folder); returns the files written."""
    from briefkit.locale import Phrases

    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(f"{target}: already exists and is not empty; give `briefkit new` a new folder")
    try:
        Phrases.for_language(language)
    except ValueError as exc:
        raise OutputError(f"--language {language}: {exc}") from None
    today = today or datetime.date.today()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", target.resolve().name).strip("-.") or "briefing"
    values = {
        "title": title or name.replace("-", " ").replace("_", " ").capitalize(),
        "date": today.isoformat(),
        "edition": _month_year(today, language),
        "language": language,
        "name": name,
    }
    written = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(SCAFFOLD).as_posix()
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative in FILLED:
            text = source.read_text(encoding="utf-8")
            for key, value in values.items():
                text = text.replace("{{ " + key + " }}", _yaml_text(value) if relative.endswith(".yaml") else value)
            destination.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, destination)
        written.append(destination)
    return written


def _month_year(today: datetime.date, language: str) -> str:
    from briefkit.locale import format_date
    from briefkit.schema import PartialDate

    return format_date(PartialDate(today.year, today.month), language)


def _yaml_text(value: str) -> str:
    """A value safe on a YAML line: quoted where YAML would read it otherwise."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ._-]*", value) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
