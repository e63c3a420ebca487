"""The PDF: WeasyPrint typesets the print HTML with the print CSS, fetching only the project's files."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

from briefkit.project import Project

LOG = logging.getLogger(__name__)


def make_url_fetcher(allowed_dirs: list[Path]):
    """A fetcher that serves files inside `allowed_dirs` and data: URLs, and refuses everything else."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    roots = [d.resolve() for d in allowed_dirs]

    class ProjectFetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme in ("file", ""):
                try:
                    path = Path(unquote(parsed.path)).resolve()
                except (OSError, ValueError):  # a NUL byte, a symlink loop
                    path = None
                if path is None or not any(path.is_relative_to(root) for root in roots):
                    LOG.warning("refused to read %s: only files inside the project may be embedded", path or url)
                    raise ValueError(f"refused: {path or url} is outside the project")
                if not path.is_file():
                    LOG.warning("cannot embed %s: no such file", path)
                    raise ValueError(f"not found: {path}")
                return URLFetcherResponse(url, body=path.read_bytes())
            LOG.warning("refused to fetch %s: the build makes no network requests", url)
            raise ValueError(f"refused: {url} (no network access during a build)")

    return ProjectFetcher()


def page_css(project: Project, templates: Path) -> str:
    """The design tokens as CSS variables and the page box, and the fonts of templates/fonts; read by print.css."""
    from briefkit.design import css_variables
    from briefkit.fonts import css_font_faces

    return css_font_faces(templates / "fonts") + "\n" + css_variables(project_design(project))


def project_design(project: Project):
    """The one page design of both PDF engines, from report.yaml's paper and theme."""
    from briefkit.design import Design

    theme = project.theme
    return Design(paper=project.paper, ink=theme.ink, accent=theme.accent, tint=theme.tint,
                  body_font=theme.body_font, heading_font=theme.heading_font)


def page_words_css(project: Project) -> str:
    """What the engine writes itself on the page, in the report's language, and the short header; after print.css."""
    words = project.words()
    before, between, after = project.page_words()
    page_of = " ".join(part for part in (css_string(before) if before else "", "counter(page)",
                                         css_string(between), "counter(pages)", css_string(after) if after else "")
                       if part)
    parts = [f"@page {{ @top-left {{ content: {css_string(project.header)}; }}"
             f" @bottom-left {{ content: {css_string(project.edition_line)}; }}"
             f" @bottom-right {{ content: {page_of}; }} }}",
             "@page cover { @top-left { content: none; } @bottom-left { content: none; }"
             " @bottom-right { content: none; } }",
             f".contents-title {{ string-set: section {css_string(words('contents'))}; }}"]
    return "\n".join(parts) + "\n"


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_pdf(project: Project, page_html: str, base_dir: Path, allowed_dirs: list[Path], target: Path,
              attachments: list[Path] | None, templates: Path) -> None:
    """Typeset the PDF: tagged (PDF/UA-1), or PDF/A-3b with the data attached when asked."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    from briefkit.outputs.pdf_floats import float_figures
    from briefkit.outputs.pdf_speed import speed_up_weasyprint
    from briefkit.templates import PRINT_ADDITIONS, additions

    speed_up_weasyprint()
    fetcher = make_url_fetcher(allowed_dirs)
    fonts = FontConfiguration()
    stylesheets = [
        CSS(string=page_css(project, templates), url_fetcher=fetcher, font_config=fonts),
        CSS(filename=str(templates / "print.css"), url_fetcher=fetcher, font_config=fonts),
        CSS(string=page_words_css(project), font_config=fonts),
    ]
    if house := additions(templates, PRINT_ADDITIONS):  # the project's own rules, after everything the engine sets
        stylesheets.append(CSS(filename=str(house), url_fetcher=fetcher, font_config=fonts))
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    if attachments:
        options = {
            "pdf_variant": "pdf/a-3b",
            "pdf_tags": True,
            "attachments": [Attachment(filename=str(p), url_fetcher=fetcher, name=p.name) for p in attachments],
        }
    options["pdf_identifier"] = _identifier(page_html)

    def render(html: str):
        return HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher).render(
            font_config=fonts, stylesheets=stylesheets, **options)

    # A figure that would leave a blank page foot lets the text after it flow in first (outputs/pdf_floats.py).
    float_figures(page_html, render).write_pdf(target, **options)


def _identifier(page_html: str) -> bytes:
    import hashlib

    return hashlib.md5(page_html.encode("utf-8")).hexdigest().encode("ascii")
