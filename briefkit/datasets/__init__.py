"""The project's data: sources and every declared dataset, loaded and checked with all problems at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefkit.datasets.broken import Broken, is_broken
from briefkit.datasets.declaration import DECLARATION_FILE, Declaration, read_declarations
from briefkit.datasets.records import Record, Records, UnknownName, read_records
from briefkit.datasets.series import Alternative, Point, Series, growth_mismatches, read_series
from briefkit.datasets.sources import SOURCES_FILE, Source, cite_keys, read_sources, source_labels
from briefkit.errors import InputError, Problem
from briefkit.hints import did_you_mean
from briefkit.schema import Reader
from briefkit.yamlfile import Mark, Node, load_yaml

__all__ = ["Alternative", "Broken", "Data", "Dataset", "Declaration", "Point", "Record", "Records", "Series", "Source",
           "UnknownName", "cite_keys", "growth_mismatches", "is_broken", "load_data", "read_data", "source_labels"]

Dataset = Records | Series
_SERIES_TYPES = {"value": "number", "low": "number", "high": "number", "growth": "number", "source": "sources"}


class Datasets(dict):
    """Datasets by name; `data.exports` in a section, with the closest names when one is misspelled.

    A dataset whose declaration or file could not be read is `broken`: a section gets a stand-in for it (its
    mistake is reported where it is). Where the declarations themselves could not be read, every name is.
    """

    broken: frozenset[str] = frozenset()
    complete: bool = True

    def __getattr__(self, name: str) -> Dataset:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        if name in self.broken or not self.complete:
            return Broken(name)  # type: ignore[return-value]
        raise UnknownName(f"unknown dataset '{name}'",
                          did_you_mean(name, self, f"datasets declared in {DECLARATION_FILE}: {{}}"))


@dataclass(frozen=True)
class Data:
    sources: dict[str, Source]
    datasets: Datasets
    files: tuple[Path, ...] = ()
    warnings: tuple[Problem, ...] = ()
    # False where a data file could not be read at all: what it would cite or hold is unknown.
    complete: bool = True
    sources_complete: bool = True
    # Every source id the data files cite, including in entries left out for a mistake.
    cited: frozenset[str] = frozenset()
    # Where sources.yaml could not be parsed: the ids its lines still show ("- id: x"), to check citations against.
    readable_ids: frozenset[str] = frozenset()

    def known_source_ids(self) -> tuple[set[str], str]:
        """The ids a citation is checked against, and the hint where one is not among them."""
        if self.sources_complete:
            return set(self.sources), f"it is not in {SOURCES_FILE}"
        return set(self.readable_ids), f"it is not among the ids that can be read in {SOURCES_FILE}"

    def series(self) -> list[Series]:
        return [d for d in self.datasets.values() if isinstance(d, Series)]

    def dataset(self, name: str) -> Dataset:
        return getattr(self.datasets, name)

    def source_ids(self) -> set[str]:
        return {s for d in self.datasets.values() for s in d.source_ids()}


def load_data(data_dir: Path) -> Data:
    """Load sources.yaml, the declarations and every dataset they name; an InputError with all problems at once."""
    data, problems = read_data(data_dir)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return data


def read_data(data_dir: Path) -> tuple[Data, list[Problem]]:
    """What could be loaded of sources.yaml, the declarations and every dataset, and every problem met."""
    problems: list[Problem] = []
    refs: list[tuple[str, Mark]] = []
    sources_node = _load(data_dir / "sources.yaml", SOURCES_FILE, problems)
    sources = read_sources(Reader(sources_node, problems, SOURCES_FILE), problems) if sources_node else {}
    declarations: list[Declaration] = []
    declared = data_dir / "datapackage.yaml"
    named: set[str] = set()
    complete = declared_ok = True
    if declared.is_file():
        node = _load(declared, DECLARATION_FILE, problems)
        complete = declared_ok = node is not None
        if node is not None:
            declarations = read_declarations(node, problems, data_dir)
            named = _named(node)
    datasets = Datasets()
    files = [data_dir / "sources.yaml"] + ([declared] if declared.is_file() else [])
    for declaration in declarations:
        path = data_dir / declaration.path
        files.append(path)
        root = _load(path, declaration.display, problems, _types(declaration))
        if root is None:
            complete = False
            continue
        if declaration.kind == "series":
            datasets[declaration.name] = read_series(declaration, root, problems, refs)
        else:
            datasets[declaration.name] = read_records(declaration, root, problems, refs)
    # A sources.yaml that does not parse still shows its ids, line by line: citations are checked against those.
    readable = sources.keys() if sources_node is not None else _readable_ids(data_dir / "sources.yaml")
    if sources_node is not None or readable:
        for ident, mark in refs:
            if ident not in readable:
                listing = f"it is not in {SOURCES_FILE}" if sources_node is not None else \
                    f"it is not among the ids that can be read in {SOURCES_FILE}"
                problems.append(mark.problem(f"unknown source '{ident}'", hint=did_you_mean(ident, readable, listing)))
    problems.extend(_foreign_keys(datasets))
    if declared_ok:  # a declaration that could not be read declares nothing: its files are not 'undeclared'
        problems.extend(_undeclared(data_dir, declarations))
    datasets.broken = frozenset(named - set(datasets))
    datasets.complete = declared_ok
    data = Data(sources=sources, datasets=datasets, files=tuple(files),
                warnings=tuple(p for p in problems if p.severity == "warning"), complete=complete,
                sources_complete=sources_node is not None, cited=frozenset(i for i, _ in refs),
                readable_ids=frozenset(readable))
    return data, problems


_ID_LINE = re.compile(r"^\s*(?:-\s+)?id:\s*[\"']?([A-Za-z0-9][\w.:-]*)[\"']?\s*(?:#.*)?$")


def _readable_ids(path: Path) -> set[str]:
    """The ids of a sources.yaml that does not parse, as far as its lines show them ('- id: customs-2025')."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {m.group(1) for m in map(_ID_LINE.match, text.splitlines()) if m}


def _named(node: Node) -> set[str]:
    """The names of the declared datasets, including those whose declaration has a mistake."""
    resources = node.get("resources")
    items = resources.value if resources is not None and resources.is_list() else []
    return {str(item.get("name").value) for item in items if item.is_map() and item.get("name") is not None}


def _types(declaration: Declaration) -> dict[str, str]:
    if declaration.kind == "series":
        key = declaration.key
        return {**_SERIES_TYPES, (key.name if key else "year"): "year" if not key or key.type == "year" else "string"}
    return {f.name: f.type for f in declaration.fields}


def _load(path: Path, display: str, problems: list[Problem], types: dict[str, str] | None = None) -> Node | None:
    if not path.is_file():
        problems.append(Problem(display, None, None, "not found"))
        return None
    try:
        if path.suffix == ".csv":
            from briefkit.datasets.csvfile import load_csv

            return load_csv(path, display, types or {})
        return load_yaml(path, display)
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _foreign_keys(datasets: Datasets) -> list[Problem]:
    problems = []
    for dataset in datasets.values():
        if not isinstance(dataset, Records):
            continue
        for key in dataset.declaration.foreign_keys:
            target = datasets.get(key.resource)
            if target is None:
                continue
            known = ({p.key for p in target.points} if isinstance(target, Series)
                     else {r.values.get(key.reference) for r in target.rows})
            for row in dataset.rows:
                value = row.values.get(key.field)
                if value is not None and value not in known:
                    problems.append(Problem(
                        dataset.declaration.display, row.line, None,
                        f"'{key.field}' is '{value}', which is not a {key.reference} of '{key.resource}'",
                        hint=did_you_mean(value, [k for k in known if k is not None])))
    return problems


def _undeclared(data_dir: Path, declarations: list[Declaration]) -> list[Problem]:
    """A data file that nothing declares is probably a dataset the author forgot to declare."""
    known = {"sources.yaml", "datapackage.yaml"} | {d.path for d in declarations}
    return [Problem(f"data/{path.name}", None, None, f"not declared in {DECLARATION_FILE}, so no section can use it",
                    severity="warning")
            for path in sorted(data_dir.glob("*")) if path.suffix in (".yaml", ".yml", ".csv")
            and path.name not in known]
