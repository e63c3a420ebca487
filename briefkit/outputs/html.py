"""The HTML outputs: the self-contained web page, and the print HTML that WeasyPrint typesets."""

from __future__ import annotations

import base64
import html
import io
import logging
import re
from pathlib import Path

from briefkit.project import Project

# The page's own words, by the phrase of the language catalogue that gives each.
WEB_PHRASES = {"contents": "contents", "notes": "notes", "back": "back_to_text", "note": "note", "table": "table",
               "data": "data_downloads"}


def web_words(project: Project) -> dict[str, str]:
    words = project.words()
    return {key: words(phrase) for key, phrase in WEB_PHRASES.items()}

_IMG = re.compile(r'<img src="(charts/[A-Za-z0-9_.-]+\.svg)"([^>]*)/?>')
_ALT = re.compile(r'alt="([^"]*)"')
_SVG_START = re.compile(r"<svg\b")
_DOWNLOAD = re.compile(r'<span class="download" data-file="([A-Za-z0-9_.-]+)">(.*?)</span>')
_TABLE = re.compile(r'<table( id="([^"]*)")?([^>]*)>\s*(?:<caption>(.*?)</caption>)?(.*?)</table>', re.S)
_NOTES = re.compile(r'<section id="footnotes" class="footnotes[^"]*" role="doc-endnotes">\s*(?:<hr />)?\s*'
                    r'<ol>(.*)</ol>\s*</section>', re.S)
_NOTE_ITEM = re.compile(r'<li id="fn(\d+)">(.*?)</li>\s*(?=<li id="fn\d+">|$)', re.S)
_BACKLINK = re.compile(r'<a href="#fnref(\d+)" class="footnote-back" role="doc-backlink">.*?</a>')
_NOTE_REF = re.compile(r'<a href="#fn(\d+)" class="footnote-ref" id="fnref\1" role="doc-noteref"><sup>\1</sup></a>')
_BLOCK_TAG = re.compile(r"<(?!/?(?:p|a|span|em|strong|code|sub|sup|small|br|q|cite|abbr)\b)[a-z][a-z0-9]*\b")
_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_PATH_DEFS = re.compile(r'<defs>\s*(?:<path id="[^"]+"[^>]*/>\s*)+</defs>')
# Text inside a chart drawn for narrow screens is at least this many SVG units (pt) high; the narrow chart is
# drawn about one CSS px per unit on a phone, so this is roughly its smallest text in CSS px there.
NARROW_CHART_TEXT = 10.5
PHONE_COLUMN = 360  # about the CSS px of a 390 px phone's text column
WIDE_NARROW = 400  # a narrow copy wider than this (in SVG units) is drawn smaller than a chart's on a phone


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
        date=project.long_date,
        logo=_logo(project),
        created=project.date.iso,
        downloads=downloads or [],
    )


def inline_svg(body: str, resource_dir: Path, narrow: bool = False) -> str:
    """Replace each chart <img> by the SVG itself, labelled with the image's alt text.

    narrow=True (the web page) adds a second copy laid out for small screens, shown by the CSS below 40rem.
    """
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        svg = (resource_dir / match.group(1)).read_text(encoding="utf-8")
        svg = svg[svg.index("<svg"):]
        alt = _ALT.search(match.group(2))
        label = alt.group(1) if alt else ""
        if not narrow:
            return _SVG_START.sub(f'<svg role="img" aria-label="{label}"', svg, count=1)
        wide = _SVG_START.sub(f'<svg role="img" aria-label="{label}" class="chart-wide"',
                              prefix_ids(svg, f"c{count}-"), count=1)
        small = narrow_chart(svg)
        if small is None:
            return wide
        # The narrow copy draws its glyphs and markers from the wide copy's definitions, which halves its size.
        shared = set()
        for block in _PATH_DEFS.findall(small):
            shared.update(_ID_ATTR.findall(block))
        small = _PATH_DEFS.sub("", small)
        small = _SVG_START.sub(f'<svg role="img" aria-label="{label}" class="chart-narrow"',
                               prefix_ids(small, f"c{count}n-", shared, f"c{count}-"), count=1)
        return wide + "\n" + small

    return _IMG.sub(replace, body)


def prefix_ids(svg: str, prefix: str, others: set[str] = frozenset(), other_prefix: str = "") -> str:
    """Give every id in an SVG (and every reference to one) a prefix, so that several can share a page.

    References to the ids in `others` (defined elsewhere on the page) get `other_prefix` instead.
    """
    ids = set(_ID_ATTR.findall(svg))
    if not ids and not others:
        return svg

    def rename(match: re.Match) -> str:
        name = match.group(2)
        if name in others:
            return f"{match.group(1)}{other_prefix}{name}"
        return f"{match.group(1)}{prefix}{name}" if name in ids else match.group(0)

    svg = re.sub(r'(\bid=")([^"]+)(?=")', rename, svg)
    svg = re.sub(r'(href="#)([^"]+)(?=")', rename, svg)
    return re.sub(r'(url\(#)([^)]+)(?=\))', rename, svg)


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


def _legend_box(legend: str) -> tuple[float, float, float, float] | None:
    """The legend's extent (x0, y0, x1, y1), from its handles' coordinates and its texts' runs."""
    xs, ys = [], []
    legend = re.sub(r"<defs>.*?</defs>", "", legend, flags=re.S)
    for d in re.findall(r'\bd="([^"]*)"', legend):
        nums = _numbers(re.sub(r"[A-Za-z]", " ", d))
        xs += nums[0::2]
        ys += nums[1::2]
    for x, y in re.findall(r'<use [^>]*\bx="([-\d.]+)" y="([-\d.]+)"', legend):
        xs.append(float(x))
        ys.append(float(y))
    for tx, ty, scale, run in re.findall(
            r'<g transform="translate\(([-\d.]+) ([-\d.]+)\) scale\(([\d.]+) -[\d.]+\)">(.*?)</g>', legend, re.S):
        advances = [float(a) for a in re.findall(r"translate\(([\d.]+) 0\)", run)] or [0.0]
        size = float(scale) * 100
        xs += [float(tx), float(tx) + max(advances) * float(scale) + 0.6 * size]
        ys += [float(ty) - 0.8 * size, float(ty) + 0.25 * size]
    for size, x, y, run in re.findall(
            r'<text style="[^"]*?font-size: ([\d.]+)px[^"]*" x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>', legend):
        size = float(size)  # real text (svg.fonttype none): its width estimated at half an em a letter
        xs += [float(x), float(x) + 0.55 * size * len(html.unescape(run))]
        ys += [float(y) - 0.8 * size, float(y) + 0.25 * size]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _text_sizes(svg: str) -> list[float]:
    """The font sizes of a chart's texts: real text (font-size) or glyph paths (an em is 100 units)."""
    # font-size may follow font-style or font-weight (an italic or bold label of a map).
    return [float(size) for size in re.findall(r"<text style=\"[^\"]*?font-size: ([\d.]+)px", svg)] + [
        float(scale) * 100 for scale in re.findall(r"scale\(([\d.]+) -", svg)]


def _group_end(svg: str, start: int) -> int:
    """The index just after the </g> that closes the <g> opened at start."""
    depth = 0
    for match in re.compile(r"<g\b[^>]*?(/?)>|</g>").finditer(svg, start):
        if match.group(0) == "</g>":
            depth -= 1
            if depth == 0:
                return match.end()
        elif not match.group(1):
            depth += 1
    return len(svg)


def _text_origin(group_id: str) -> str:
    if group_id == "xtick":
        return "50% 0%"
    if group_id == "ytick":
        return "100% 50%"
    return "50% 100%"


def narrow_chart(svg: str) -> str | None:
    """A copy of a matplotlib chart for small screens: legend moved under the plot, small text enlarged.

    The plot keeps its shape; each text grows about its own anchor (by CSS transform) to NARROW_CHART_TEXT.
    Returns None for an SVG that is not laid out the way matplotlib draws a chart.
    """
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    axes = re.search(r'<clipPath id="[^"]+">\s*<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"',
                     svg)
    if not box or not axes:
        return None
    width, height = float(box.group(1)), float(box.group(2))
    axes_right = float(axes.group(1)) + float(axes.group(3))
    new_width, new_height = width, height
    legend_start = svg.find('<g id="legend_1">')
    if legend_start >= 0:
        legend_end = _group_end(svg, legend_start)
        inner = svg[legend_start + len('<g id="legend_1">'):legend_end - len("</g>")]
        legend_box = _legend_box(inner)
        if legend_box and legend_box[0] >= axes_right:
            x0, y0, x1, y1 = legend_box
            sizes = _text_sizes(inner) or [NARROW_CHART_TEXT]
            k = max(1.0, NARROW_CHART_TEXT / min(sizes))
            new_width = min(width, axes_right + 20)
            top = height + 4
            moved = f'<g id="legend_1" transform="translate({10 - x0 * k:.3f} {top - y0 * k:.3f}) scale({k:.4f})">'
            svg = svg[:legend_start] + moved + svg[legend_start + len('<g id="legend_1">'):]
            new_height = top + (y1 - y0) * k + 8
    legend_start = svg.find('<g id="legend_1"')
    legend_end = _group_end(svg, legend_start) if legend_start >= 0 else -1
    ticks = [(m.start(), _group_end(svg, m.start()), m.group(1))
             for m in re.finditer(r'<g id="([xy]tick)_\d+">', svg)]
    # A drawing wider than a phone's column (a map without a key keeps its full width) is shown smaller than
    # one CSS px per unit: its text grows in proportion.
    target = NARROW_CHART_TEXT * (new_width / PHONE_COLUMN if new_width > WIDE_NARROW else 1.0)
    out, last = [], 0
    for match in re.finditer(r'<g id="text_\d+"', svg):
        if legend_start <= match.start() < legend_end:
            continue
        sizes = _text_sizes(svg[match.end():_group_end(svg, match.start())])
        if not sizes:
            continue
        factor = target / sizes[0]
        if factor <= 1:
            continue
        owner = next((kind for start, end, kind in ticks if start < match.start() < end), "")
        out.append(svg[last:match.end()])
        out.append(f' style="transform-box:fill-box;transform-origin:{_text_origin(owner)};'
                   f'transform:scale({factor:.3f})"')
        last = match.end()
    out.append(svg[last:])
    svg = "".join(out)
    svg = re.sub(r'width="[\d.]+pt" height="[\d.]+pt" viewBox="0 0 [\d.]+ [\d.]+"',
                 f'width="{new_width:g}pt" height="{new_height:g}pt" viewBox="0 0 {new_width:g} {new_height:g}"',
                 svg, count=1)
    return svg


def wrap_tables(body: str, words: dict[str, str]) -> str:
    """Each table in a labelled, keyboard-focusable scroller, its caption above and outside it."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        table_id = match.group(2) or f"table-{count}"
        caption = match.group(4)
        inner = match.group(5)
        if caption:
            label_id = f"{table_id}-caption"
            head = f'<figcaption id="{label_id}">{caption}</figcaption>\n'
            label = f'aria-labelledby="{label_id}"'
        else:
            head, label = "", f'aria-label="{html.escape(words["table"])} {count}"'
        return (f'<figure class="table-figure" id="{table_id}">\n{head}'
                f'<div class="table-scroll" role="region" tabindex="0" {label}>\n'
                f'<table{match.group(3)} {label}>{inner}</table>\n</div>\n</figure>')

    return _TABLE.sub(replace, body)


def place_notes(body: str, toc: str, words: dict[str, str]) -> tuple[str, str]:
    """Each note readable where it is cited (a :target box after its call), and the list under a heading.

    Without JavaScript: the call links to the note beside it, the note links back to the call.
    """
    section = _NOTES.search(body)
    if not section:
        return body, toc
    back, notes_word = html.escape(words["back"]), html.escape(words["notes"])
    inline: dict[str, str] = {}
    items = []
    for number, content in _NOTE_ITEM.findall(section.group(1)):
        text = _BACKLINK.sub("", content).strip()
        phrasing = re.sub(r"<p>(.*?)</p>", r'<span class="note-p">\1</span>', text, flags=re.S)
        list_id = f"fn{number}"
        if not _BLOCK_TAG.search(phrasing):
            inline[number] = (
                f'<span class="note" id="fn{number}" role="doc-footnote">'
                f'<span class="note-number">{number}</span> {phrasing} '
                f'<a class="note-back" href="#fnref{number}" aria-label="{back} ({number})">\u2191</a></span>'
            )
            list_id = f"note-{number}"
        items.append(f'<li id="{list_id}">{text[:-4] if text.endswith("</p>") else text}'
                     f' <a class="note-back" href="#fnref{number}" aria-label="{back} ({number})">\u2191</a>'
                     f'{"</p>" if text.endswith("</p>") else ""}</li>')
    notes = (f'<section id="footnotes" class="footnotes" role="doc-endnotes" aria-labelledby="notes-heading">\n'
             f'<h2 id="notes-heading">{notes_word}</h2>\n<ol>\n' + "\n".join(items) + "\n</ol>\n</section>")
    body = body[:section.start()] + notes + body[section.end():]

    def call(match: re.Match) -> str:
        number = match.group(1)
        link = f'<a href="#fn{number}" class="footnote-ref" id="fnref{number}" role="doc-noteref">{number}</a>'
        return link + inline.get(number, "")

    body = _NOTE_REF.sub(call, body)
    toc = _append_toc(toc, notes_word)
    return body, toc


def _append_toc(toc: str, title: str) -> str:
    end = toc.rfind("</ul>")
    if end < 0:
        return toc
    return toc[:end] + f'<li><a href="#footnotes" id="toc-footnotes">{title}</a></li>\n' + toc[end:]


def page_characters(page: str) -> str:
    """Every character a reader can see on the page: text outside tags, styles and scripts, the charts' text too."""
    visible = re.sub(r"<(style|script|metadata)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]*>", " ", visible))
    generated = "".join(re.findall(r'content:\s*"([^"]*)"', page))
    return "".join(sorted(set(text + generated + " ")))


def web_faces(fonts_dir: Path, families: tuple[str, ...]):
    """The regular and bold faces (and their italics) of the theme's families: what the screen CSS sets text in."""
    from briefkit.fonts import faces

    chosen = {}
    for face in faces(fonts_dir, families):
        weight = 700 if face.weight >= 600 else 400
        key = (face.family, weight, face.style)
        # The face nearest to 400 or 700 stands for its class (Bold before Semibold, Regular before Light).
        if key not in chosen or abs(face.weight - weight) < abs(chosen[key].weight - weight):
            chosen[key] = face
    return [chosen[k] for k in sorted(chosen)]


def theme_css(project: Project) -> str:
    """The theme's colours and typefaces over the screen CSS."""
    theme = project.theme
    return (f':root {{ --ink: {theme.ink}; --accent: {theme.accent}; --tint: {theme.tint}; '
            f'--sans: "{theme.heading_font}", "Helvetica Neue", Arial, sans-serif; }}\n'
            f'html {{ font-family: "{theme.body_font}", Charter, Georgia, serif; }}\n')


def font_faces(fonts_dir: Path, characters: str, italic: bool = True,
               families: tuple[str, ...] = ("Charis SIL", "Lato"), language: str = "",
               cache_dir: Path | None = None) -> str:
    """@font-face rules with each face subset to whole Unicode blocks (briefkit.fonts.repertoire: Latin-1 and
    general punctuation, the language's blocks and every block of the page's characters), as WOFF2 data: URLs.

    italic=False leaves out the italic faces, for a page that sets nothing in italics; cache_dir: where subsets
    are kept between builds.
    """
    from briefkit.fonts import WEB_BLOCKS, repertoire

    blocks = repertoire(map(ord, characters), language, WEB_BLOCKS)
    rules = []
    quiet = logging.getLogger("fontTools")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for face in web_faces(fonts_dir, families):
            family, weight, style, path = face.family, face.weight, face.style, face.path
            if style == "italic" and not italic:
                continue
            data = _subset_face(path, blocks, cache_dir)
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
                         f'font-display: swap; src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    finally:
        quiet.setLevel(level)
    return "\n".join(rules)


def _subset_face(path: Path, blocks: tuple[str, ...], cache_dir: Path | None = None) -> str:
    """One face subset to the Unicode `blocks`, as base64 WOFF2 (made once per face and blocks)."""
    from briefkit.fonts import cached_subset

    return base64.b64encode(cached_subset("web", path, blocks, _subset_font, cache_dir)).decode("ascii")


def _subset_font(path: Path, characters: frozenset[int]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.desubroutinize = True
    options.layout_features = ["kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk", "lnum",
                               "pnum", "tnum", "onum"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat", "DSIG"]
    font = TTFont(path, recalcTimestamp=False)  # read lazily: the same bytes, the glyphs kept decompiled alone
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(characters))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer, reorderTables=False)
    return buffer.getvalue()


def web_page(project: Project, toc: str, body: str, resource_dir: Path, templates_dir: Path,
             downloads: dict[str, str], words: dict[str, str] | None = None, font_cache: Path | None = None) -> str:
    """The self-contained page: the chart inline, the CSV files as data: links, the fonts subset and embedded
    (font_cache: the folder that keeps their subsets between builds)."""
    words = web_words(project) | (words or {})
    from briefkit.templates import SCREEN_ADDITIONS, additions

    css = (templates_dir / "screen.css").read_text(encoding="utf-8") + "\n" + theme_css(project)
    if house := additions(templates_dir, SCREEN_ADDITIONS):
        css += "\n" + house.read_text(encoding="utf-8")
    hrefs = {name: "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
             for name, text in downloads.items()}

    def link(match: re.Match) -> str:
        name = match.group(1)
        if name not in hrefs:
            return match.group(2)
        return f'<a class="download" download="{name}" href="{hrefs[name]}">{match.group(2)}</a>'

    body = _DOWNLOAD.sub(link, inline_svg(body, resource_dir, narrow=True))
    body = wrap_tables(body, words)
    body, toc = place_notes(body, toc, words)
    draft = shell(project, toc, body, css, "web", templates_dir, sorted(hrefs.items()))
    italic = re.search(r"<(em|i|cite|dfn|var|address)\b|font-style:\s*italic", draft) is not None
    faces = font_faces(templates_dir / "fonts", page_characters(draft), italic,
                       (project.theme.body_font, project.theme.heading_font), project.language, font_cache)
    return shell(project, toc, body, faces + "\n" + css, "web", templates_dir, sorted(hrefs.items()))


def print_page(project: Project, toc: str, body: str, templates_dir: Path) -> str:
    """The HTML for WeasyPrint; the print CSS is given to WeasyPrint separately so its fonts resolve."""
    return shell(project, toc, body, "", "print", templates_dir)



def _logo(project: Project) -> str:
    """The theme's logo as a data: URL, so that the page stays one file."""
    if project.theme.logo is None:
        return ""
    from briefkit.images import data_uri

    return data_uri(project.theme.logo)
