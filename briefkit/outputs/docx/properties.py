"""Document properties from report.yaml: core (File > Properties), extended and custom; no local paths."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from briefkit.project import Project

EXTENDED_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def report_datetime(project: Project) -> datetime:
    return datetime.fromtimestamp(project.epoch, UTC)


def set_properties(core: Any, project: Project) -> None:
    """Title, author, subject (the subtitle), keywords, category, language; created and modified: the report's date."""
    core.title = project.title
    core.author = "; ".join(project.authors)
    core.subject = project.subtitle
    core.keywords = ", ".join(project.keywords)
    core.category = project.classification
    core.language = project.language
    core.last_modified_by = "; ".join(project.authors)
    core.created = core.modified = report_datetime(project)
    core.revision = 1


def extended_properties(project: Project) -> bytes:
    """docProps/app.xml: the organisation as the company; no statistics, which Word recomputes on saving."""
    fields = [("Application", "briefkit"), ("DocSecurity", "0"), ("Company", project.organisation),
              ("LinksUpToDate", "false"), ("SharedDoc", "false"), ("HyperlinksChanged", "false")]
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields if value)
    return (XML_DECLARATION + f'<Properties xmlns="{EXTENDED_NS}" xmlns:vt="{VT_NS}">{body}</Properties>').encode()


def custom_properties(project: Project, build: Iterable[tuple[str, str]] = ()) -> bytes:
    """docProps/custom.xml written from report.yaml alone, so that no build setting (or path) can reach it; and the
    build's stamp (its id, its commit), by which `briefkit review` finds what a returned file was made from."""
    values = [("subtitle", project.subtitle), ("date", project.date.long), ("edition", project.edition),
              ("organisation", project.organisation), ("classification", project.classification), *build]
    body = "".join(
        f'<property fmtid="{CUSTOM_FMTID}" pid="{pid}" name="{escape(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr>'
        "</property>"
        for pid, (name, value) in enumerate(((n, v) for n, v in values if v), start=2)
    )
    return (XML_DECLARATION + f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{body}</Properties>').encode()
