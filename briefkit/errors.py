"""The exceptions of briefkit: each user mistake carries the file and line it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The formats and PDF engines one can ask for (report.yaml, the command line); here, where every module can
# read them without loading more.
FORMATS = ("pdf", "docx", "html")
PDF_ENGINES = ("weasyprint", "typst")


@dataclass(frozen=True)
class Problem:
    """One finding about the user's input, located in a file: what is wrong, and what to write instead (hint)."""

    path: str
    line: int | None
    column: int | None
    message: str
    severity: str = "error"
    hint: str = ""
    # How many characters the caret under the column covers; 0: the word that starts there.
    width: int = field(default=0, compare=False)

    @property
    def where(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.where}: {prefix}{self.message}" + (f": {self.hint}" if self.hint else "")


class BriefkitError(Exception):
    """Base of every error that the CLI reports as a user mistake (exit code 1)."""


class InputError(BriefkitError):
    """One or more problems in the project's files, all reported at once."""

    def __init__(self, problems: list[Problem]):
        # One mistake in a CSV header is met on every row: it is reported once.
        unique = list(dict.fromkeys(problems))
        self.problems = sorted(unique, key=lambda p: (p.path, p.line or 0, p.column or 0))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Keeps the problems when the error crosses from a worker process to the CLI.
        return (InputError, (self.problems,))

    @classmethod
    def single(cls, path: str | Path, line: int | None, message: str, column: int | None = None,
               hint: str = "") -> InputError:
        return cls([Problem(str(path), line, column, message, hint=hint)])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class OutputError(BriefkitError):
    """The outputs could not be written (a folder that cannot be created, a full disk)."""


class EngineError(BriefkitError):
    """An engine (pandoc, WeasyPrint, matplotlib) failed on input that passed our checks."""
