"""The PDF: WeasyPrint typesets the print HTML with the print CSS, fetching only the project's files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
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

    remember_line_breaks()
    remember_struts()
    fetcher = make_url_fetcher(allowed_dirs)
    fonts = FontConfiguration()
    stylesheets = [
        CSS(string=page_css(project, templates), url_fetcher=fetcher, font_config=fonts),
        CSS(filename=str(templates / "print.css"), url_fetcher=fetcher, font_config=fonts),
        CSS(string=page_words_css(project), font_config=fonts),
    ]
    document = HTML(string=page_html, base_url=str(base_dir) + "/", url_fetcher=fetcher)
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    if attachments:
        options = {
            "pdf_variant": "pdf/a-3b",
            "pdf_tags": True,
            "attachments": [Attachment(filename=str(p), url_fetcher=fetcher, name=p.name) for p in attachments],
        }
    with fewer_collections():
        document.write_pdf(
            target, stylesheets=stylesheets, font_config=fonts, pdf_identifier=_identifier(page_html), **options
        )


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while WeasyPrint lays out and paints.

    WeasyPrint makes millions of short-lived boxes and styles, and at Python's default thresholds the collector
    runs about a thousand times during one briefing and takes nearly a tenth of the time; run a hundredth as
    often, it finds the same garbage (boxes die with their page), so memory peaks barely move.
    """
    import gc

    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def remember_line_breaks() -> None:
    """Let WeasyPrint fit each text to a width once per document, not once per try.

    WeasyPrint lays the same text out at the same width again and again: every footnote added to a page lays out
    the whole footnote area anew, column balancing and page-break retries repeat lines, tables measure their cells.
    Its split_first_line is a function of its arguments (the text, the box's style object, the width, the spacing,
    the flags) within one layout context, so its results are kept in the context: the pages do not change, and
    about two thirds of the calls are answered at once. Left as it is if WeasyPrint's internals differ.
    """
    from weasyprint.layout import inline, preferred

    original = inline.split_first_line
    if getattr(original, "remembers", False) or preferred.split_first_line is not original:
        return

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True,
                         minimum=False):
        cache = context.__dict__.setdefault("_briefkit_lines", {})
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        kept = cache.get(key)
        if kept is not None and kept[0] is style:  # the style itself is kept, so its id is not reused
            return kept[1]
        result = original(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        cache[key] = (style, result)
        return result

    split_first_line.remembers = True
    inline.split_first_line = preferred.split_first_line = split_first_line


def remember_struts() -> None:
    """Let WeasyPrint measure a style's line height once, not on every line and inline box that has it.

    Its strut(style) keeps its result under a key it builds as a string of fourteen properties, which costs more
    than the measure it saves; the result depends only on the style, so it is kept by the style object itself, held
    with it so that its id is not reused, in the document's font configuration. Left as it is if WeasyPrint's
    internals differ.
    """
    from weasyprint.css import computed_values, units
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    original = line_break.strut
    users = (inline, units, computed_values)
    if getattr(original, "remembers", False) or any(getattr(m, "strut", None) is not original for m in users):
        return

    def strut(style):
        cache = style.font_config.__dict__.setdefault("_briefkit_struts", {})
        kept = cache.get(id(style))
        if kept is not None and kept[0] is style:
            return kept[1]
        result = original(style)
        cache[id(style)] = (style, result)
        return result

    strut.remembers = True
    for module in (line_break, *users):
        module.strut = strut


def _identifier(page_html: str) -> bytes:
    import hashlib

    return hashlib.md5(page_html.encode("utf-8")).hexdigest().encode("ascii")
