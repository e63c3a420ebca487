"""The declaration of a project's datasets: data/datapackage.yaml, a Frictionless Data Package written in YAML.

Taken from the Frictionless specifications: `resources` with `name`, `path`, `title`, `description`, and a
Table Schema (`fields` with `name`, `type`, `title`, `description`, `constraints` of `required`, `enum`,
`minimum`, `maximum`, `pattern`, `unique`; `primaryKey`; `foreignKeys`). Added by briefkit, because
briefings need them: `kind` (records or series), units, the `sources` field type (ids of data/sources.yaml),
and dates known only to the year or month (Frictionless would split them into `year`, `yearmonth`, `date`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from briefkit.errors import Problem
from briefkit.hints import did_you_mean
from briefkit.locale import Unit
from briefkit.schema import Reader
from briefkit.yamlfile import Mark, Node

KINDS = ("records", "series")
FIELD_TYPES = ("string", "number", "integer", "boolean", "date", "year", "sources")
KEY_TYPES = ("year", "string")
SCALES = ("", "thousand", "million", "billion")
DECLARATION_FILE = "data/datapackage.yaml"
# The fields of a series' point besides its key (shared with datasets/series.py, which reads them).
POINT_FIELDS = ("kind", "value", "qualifier", "low", "high", "growth", "source", "note", "alternatives",
                "period", "series_change")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(yaml|yml|csv)$")


@dataclass(frozen=True)
class Field:
    """One declared field of a records dataset (a column of its table)."""

    name: str
    type: str
    title: str
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str = ""
    unique: bool = False
    unit: Unit | None = None
    not_before: str = ""


@dataclass(frozen=True)
class ForeignKey:
    field: str
    resource: str
    reference: str
    mark: Mark = field(compare=False)


@dataclass(frozen=True)
class Declaration:
    """What data/datapackage.yaml says of one dataset."""

    name: str
    path: str
    kind: str
    title: str
    description: str
    fields: tuple[Field, ...] = ()
    primary_key: str = ""
    foreign_keys: tuple[ForeignKey, ...] = ()
    sort: str = ""
    unit: Unit | None = None
    key: Field | None = None
    mark: Mark | None = field(default=None, compare=False)

    @property
    def display(self) -> str:
        return f"data/{self.path}"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def read_declarations(node: Node, problems: list[Problem], data_dir: Path) -> list[Declaration]:
    """Every resource of the data package, checked; a problem is recorded, never raised."""
    reader = Reader(node, problems, "data/datapackage.yaml")
    reader.reject_unknown({"name", "title", "description", "resources"})
    out: list[Declaration] = []
    seen: dict[str, int] = {}
    for item in reader.items("resources"):
        declaration = _resource(Reader(item, problems, "a resource"), problems, data_dir)
        if declaration is None:
            continue
        if declaration.name in seen:
            problems.append(declaration.mark.problem(
                f"duplicate dataset name '{declaration.name}' (first used on line {seen[declaration.name]})"))
            continue
        seen[declaration.name] = declaration.mark.line
        out.append(declaration)
    names = {d.name for d in out}
    for declaration in out:
        for key in declaration.foreign_keys:
            if key.resource not in names:
                problems.append(key.mark.problem(
                    f"foreign key of '{key.field}' refers to the unknown dataset '{key.resource}'",
                    hint=did_you_mean(key.resource, sorted(names), "datasets: {}")))
    return out


def _resource(r: Reader, problems: list[Problem], data_dir: Path) -> Declaration | None:
    r.reject_unknown({"name", "path", "title", "description", "kind", "schema", "unit", "key", "sort"})
    name = r.text("name")
    if name is not None and not _NAME.match(name):
        problems.append(r.mark("name").problem(
            f"'name' must start with a letter and use lower-case letters, digits and '_'; got '{name}'"))
        name = None
    path = r.text("path")
    if path is not None and not _FILE.match(path):
        problems.append(r.mark("path").problem(
            f"'path' must be a .yaml or .csv file name inside data/, such as exports.csv; got '{path}'"))
        path = None
    elif path is not None and not (data_dir / path).is_file():
        problems.append(r.mark("path").problem(f"the data file 'data/{path}' does not exist"))
        path = None
    kind = r.text("kind", choices=KINDS)
    title = r.text("title") or ""
    description = r.text("description", required=False) or ""
    if name is None or path is None or kind is None:
        return None
    if kind == "series":
        for key in ("schema", "sort"):
            if r.ok and r.node.get(key) is not None:
                problems.append(r.mark(key).problem(f"a series has no '{key}': its fields are those of every series"))
        key_reader = r.child("key")
        key = _key_field(key_reader, problems) if key_reader else Field("year", "year", "Year")
        if key is None:
            return None
        unit_reader = r.child("unit")
        unit = read_unit(unit_reader, problems) if unit_reader else Unit()
        return Declaration(name, path, kind, title, description, unit=unit, key=key, mark=r.node.mark)
    if r.ok and r.node.get("unit") is not None:
        problems.append(r.mark("unit").problem("a records dataset has no 'unit'; give each number field its own"))
    schema = r.child("schema")
    if schema is None:
        problems.append(r.node.mark.problem(f"the records dataset '{name}' needs a 'schema' with its 'fields'"))
        return None
    schema.reject_unknown({"fields", "primaryKey", "foreignKeys"})
    fields = [_field(Reader(n, problems, "a field"), problems) for n in schema.items("fields")]
    fields = [f for f in fields if f is not None]
    names = [f.name for f in fields]
    for f in fields:
        if f.not_before and f.not_before not in names:
            problems.append(schema.mark("fields").problem(
                f"'notBefore' of '{f.name}' must name another field ({', '.join(names)}); got '{f.not_before}'",
                hint=did_you_mean(f.not_before, names)))
    for index, f in enumerate(fields):
        if f.name in names[:index]:
            problems.append(schema.mark("fields").problem(f"the field '{f.name}' is declared twice"))
    primary = schema.text("primaryKey", required=False) or ""
    if primary and primary not in names:
        problems.append(schema.mark("primaryKey").problem(
            f"'primaryKey' must be one of the fields ({', '.join(names)}); got '{primary}'",
            hint=did_you_mean(primary, names)))
        primary = ""
    foreign = tuple(_foreign_key(Reader(n, problems, "a foreign key"), names, problems)
                    for n in schema.items("foreignKeys", required=False))
    sort = r.text("sort", required=False) or ""
    if sort and sort.lstrip("-") not in names:
        descending = "-" if sort.startswith("-") else ""
        problems.append(r.mark("sort").problem(f"'sort' must name a field ({', '.join(names)}); got '{sort}'",
                                               hint=did_you_mean(sort.lstrip("-"), names, prefix=descending)))
        sort = ""
    return Declaration(name, path, kind, title, description, tuple(fields), primary,
                       tuple(k for k in foreign if k is not None), sort, mark=r.node.mark)


def _key_field(r: Reader, problems: list[Problem]) -> Field | None:

    r.reject_unknown({"name", "type", "title"})
    name = r.text("name") or "year"
    if name in POINT_FIELDS:
        problems.append(r.mark("name").problem(
            f"a series key cannot be called '{name}': every point has a field of that name; call it, for example, "
            f"'{name}_name' or 'category'"))
        return None
    if r.ok and r.node.get("type") is not None and r.text("type", choices=KEY_TYPES) is None:
        return None  # reported; the points cannot be read without knowing their key
    kind = r.text("type", required=False) or "year"
    return Field(name, kind, r.text("title", required=False) or name.replace("_", " ").capitalize())


def read_unit(r: Reader, problems: list[Problem]) -> Unit:
    """A unit: a currency with its scale, a word such as 'tonnes' with its scale, or per cent."""
    r.reject_unknown({"currency", "name", "scale", "percent"})
    currency = r.text("currency", required=False) or ""
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(r.mark("currency").problem(
            f"'currency' must be an ISO 4217 code of three capital letters, such as USD or EUR; got '{currency}'"))
        currency = ""
    scale = r.text("scale", required=False, choices=SCALES[1:]) or ""
    percent = r.boolean("percent", False)
    name = r.text("name", required=False) or ""
    if percent and (currency or scale or name):
        problems.append(r.mark("percent").problem("a unit in per cent has no 'currency', 'scale' or 'name'"))
        return Unit(percent=True)
    if currency and name:
        problems.append(r.mark("name").problem("a unit has a 'currency' or a 'name', not both"))
        return Unit(currency=currency, scale=scale)
    return Unit(currency=currency, name=name, scale=scale, percent=percent)


def _field(r: Reader, problems: list[Problem]) -> Field | None:
    r.reject_unknown({"name", "type", "title", "description", "constraints", "unit"})
    name = r.text("name")
    if name is not None and not _NAME.match(name):
        problems.append(r.mark("name").problem(
            f"a field 'name' must start with a letter and use lower-case letters, digits and '_'; got '{name}'"))
        name = None
    kind = r.text("type", required=False, choices=FIELD_TYPES) or "string"
    title = r.text("title", required=False) or (name or "").replace("_", " ").capitalize()
    unit_reader = r.child("unit")
    unit = read_unit(unit_reader, problems) if unit_reader else None
    if unit is not None and kind not in ("number", "integer"):
        problems.append(r.mark("unit").problem(f"only a number or integer field has a 'unit'; '{name}' is {kind}"))
    constraints = r.child("constraints")
    options: dict = {}
    if constraints is not None:
        constraints.reject_unknown({"required", "enum", "minimum", "maximum", "pattern", "unique", "notBefore"})
        options["not_before"] = constraints.text("notBefore", required=False) or ""
        options["required"] = constraints.boolean("required", False)
        options["unique"] = constraints.boolean("unique", False)
        options["enum"] = constraints.text_list("enum", required=False)
        options["minimum"] = constraints.number("minimum")
        options["maximum"] = constraints.number("maximum")
        pattern = constraints.text("pattern", required=False) or ""
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(constraints.mark("pattern").problem(f"'pattern' is not a valid expression ({exc})"))
                pattern = ""
        options["pattern"] = pattern
    if name is None:
        return None
    return Field(name, kind, title, r.text("description", required=False) or "", unit=unit, **options)


def _foreign_key(r: Reader, names: list[str], problems: list[Problem]) -> ForeignKey | None:
    r.reject_unknown({"fields", "reference"})
    name = r.text("fields")
    reference = r.child("reference")
    if reference is None:
        problems.append(r.node.mark.problem("a foreign key needs a 'reference' with 'resource' and 'fields'"))
        return None
    reference.reject_unknown({"resource", "fields"})
    resource, target = reference.text("resource"), reference.text("fields")
    if name is not None and name not in names:
        problems.append(r.mark("fields").problem(f"'fields' must name a field ({', '.join(names)}); got '{name}'",
                                                 hint=did_you_mean(name, names)))
        return None
    if name is None or resource is None or target is None:
        return None
    return ForeignKey(name, resource, target, r.node.mark)
