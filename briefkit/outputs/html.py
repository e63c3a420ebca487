"""The HTML outputs: the self-contained web page, and the print HTML that WeasyPrint typesets."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from briefkit.project import Project

_IMG = re.compile(r'<img src="(charts/[A-Za-z0-9_.-]+\.svg)"([^>]*)/?>')
_ALT = re.compile(r'alt="([^"]*)"')
_SVG_START = re.compile(r"<svg\b")
_DOWNLOAD = re.compile(r'<span class="download" data-file="([A-Za-z0-9_.-]+)">(.*?)</span>')


def shell(project: Project, toc: str, body: str, css: str, mode: str, templates_dir: Path,
          downloads: list[tuple[str, str]] | None = None) -> str:
    """Wrap a pandoc HTML body in the Jinja shell (cover, contents, metadata, CSS)."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment
    from markupsafe import Markup

    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("briefing.html.j2").render(
        project=project,
        toc=Markup(toc),
        body=Markup(body),
        css=Markup(css),
        mode=mode,
        words=project.words(),
        date=_long_date(project),
        logo=_logo(project),
        created=project.date.iso,
        downloads=downloads or [],
    )


def inline_svg(body: str, resource_dir: Path) -> str:
    """Replace each chart <img> by the SVG itself, labelled with the image's alt text."""

    def replace(match: re.Match) -> str:
        svg = (resource_dir / match.group(1)).read_text(encoding="utf-8")
        svg = svg[svg.index("<svg"):]
        alt = _ALT.search(match.group(2))
        label = alt.group(1) if alt else ""
        return _SVG_START.sub(f'<svg role="img" aria-label="{label}"', svg, count=1)

    return _IMG.sub(replace, body)


def web_page(project: Project, toc: str, body: str, resource_dir: Path, templates_dir: Path,
             downloads: dict[str, str]) -> str:
    """The self-contained page: the chart inline, and the CSV files as data: links."""
    css = (templates_dir / "screen.css").read_text(encoding="utf-8")
    hrefs = {name: "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
             for name, text in downloads.items()}

    def link(match: re.Match) -> str:
        name = match.group(1)
        if name not in hrefs:
            return match.group(2)
        return f'<a class="download" download="{name}" href="{hrefs[name]}">{match.group(2)}</a>'

    body = _DOWNLOAD.sub(link, inline_svg(body, resource_dir))
    return shell(project, toc, body, css, "web", templates_dir, sorted(hrefs.items()))


def print_page(project: Project, toc: str, body: str, templates_dir: Path) -> str:
    """The HTML for WeasyPrint; the print CSS is given to WeasyPrint separately so its fonts resolve."""
    return shell(project, toc, body, "", "print", templates_dir)



def _long_date(project: Project) -> str:
    from briefkit.locale import format_date

    return format_date(project.date, project.language)


def _logo(project: Project) -> str:
    """The theme's logo as a data: URL, so that the page stays one file."""
    if project.theme.logo is None:
        return ""
    from briefkit.images import data_uri

    return data_uri(project.theme.logo)
