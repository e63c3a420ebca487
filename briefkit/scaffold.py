"""`briefkit new`: a new project that builds at once, copied from the scaffold in the package's defaults."""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

from briefkit.errors import OutputError
from briefkit.templates import SCAFFOLD

FILLED = ("report/report.yaml", "README.md")
TEXT_FILES = (".yaml", ".md", ".csv")
# [[key]] in a scaffold file: the phrase of that key in the language of the new project (scaffold_* and others).
_PHRASE = re.compile(r"\[\[(\w+)\]\]")


def new_project(target: Path, title: str | None = None, language: str = "en-GB",
                today: datetime.date | None = None) -> list[Path]:
    """Create the project in `target` (a new or empty folder); returns the files written."""
    from briefkit.locale import Phrases

    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(f"{target}: already exists and is not empty; give `briefkit new` a new folder")
    try:
        phrases = Phrases.for_language(language)
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
        if source.suffix in TEXT_FILES:
            text = source.read_text(encoding="utf-8")
            if relative in FILLED:
                for key, value in values.items():
                    text = text.replace("{{ " + key + " }}", _yaml_text(value) if relative.endswith(".yaml") else value)
            destination.write_text(_in_language(text, relative, phrases), encoding="utf-8")
        else:
            shutil.copyfile(source, destination)
        written.append(destination)
    return written


def _month_year(today: datetime.date, language: str) -> str:
    from briefkit.locale import format_date
    from briefkit.schema import PartialDate

    return format_date(PartialDate(today.year, today.month), language)


def _yaml_text(value: str) -> str:
    """A value safe on a YAML line, in a block or in a flow list: quoted only where YAML would read it otherwise."""
    import yaml

    def reads_back(line: str, expected: object) -> bool:
        try:
            return yaml.safe_load(line) == expected
        except yaml.YAMLError:
            return False

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value  # a date, which the schema reads from the text
    if value.strip() == value and reads_back(f"k: {value}", {"k": value}) and \
            reads_back(f"k: [{value}]", {"k": [value]}) and reads_back(f"k: {{a: {value}}}", {"k": {"a": value}}):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in_language(text: str, relative: str, phrases) -> str:
    """The scaffold's words, [[key]], in the project's language, each written as its place in the file needs."""
    def phrase(match: re.Match) -> str:
        words = phrases(match.group(1))
        if relative.endswith(".yaml"):
            return _yaml_text(words)
        if relative.endswith(".csv"):
            return '"' + words.replace('"', '""') + '"' if any(c in words for c in ',"\n') else words
        # In a section, a caption sits in a Jinja string in single quotes.
        if text[: match.start()].endswith("caption='"):
            return words.replace("\\", "\\\\").replace("'", "\\'")
        return words

    return _PHRASE.sub(phrase, text)
