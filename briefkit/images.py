"""Images that sections embed: each must be a file inside report/, checked before anything is rendered.

Paths are relative to report/ (`![Map of the pipeline](images/pipeline.png)` reads report/images/pipeline.png).
Nothing is fetched from the network and nothing outside report/ is read. For the outputs, the checked images
travel inside the Markdown as data: URIs, so that the HTML stays one self-contained file, pandoc (sandboxed,
reading no file by itself) can put them in the DOCX, and WeasyPrint needs no file access for them.
"""

from __future__ import annotations

import base64
import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from briefkit.errors import InputError, Problem
from briefkit.project import Project
from briefkit.yamlfile import read_text

MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
_ALT = r"(?:[^\[\]\\\n]|\\.|\[(?:[^\[\]\\\n]|\\.)*\])*"
_DESTINATION = r"<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*"
_TITLE = r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?"""
_INLINE = re.compile(rf"(?<!\\)!\[(?P<alt>{_ALT})\]\(\s*(?P<target>{_DESTINATION}){_TITLE}\s*\)")
_REFERENCE = re.compile(rf"(?<!\\)!\[(?P<alt>{_ALT})\](?:\[(?P<label>[^\[\]\n]*)\])?(?![(\[])")
_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\[\]\n]+)\]:[ \t]*(?P<target><[^<>\n]*>|\S+)", re.MULTILINE)
_RAW_IMG = re.compile(r"<img\b", re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class ImageRef:
    """One image reference in a Markdown text: where its path is written (line, column, offsets) and the path."""

    line: int
    column: int
    target: str
    start: int
    end: int


def find_images(text: str) -> list[ImageRef]:
    """Every image reference of a Markdown text, outside code and Jinja comments, in order."""
    masked = _mask(text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def ref(start: int, end: int, target: str) -> ImageRef:
        line = bisect.bisect_right(starts, start)
        return ImageRef(line, start - starts[line - 1] + 1, target, start, end)

    found = [ref(m.start("target"), m.end("target"), _strip(m.group("target"))) for m in _INLINE.finditer(masked)]
    definitions = {}
    for m in _DEFINITION.finditer(masked):
        definitions.setdefault(_label(m.group("label")), m)
    for m in _REFERENCE.finditer(masked):
        definition = definitions.get(_label(m.group("label") or m.group("alt")))
        if definition is None:
            continue
        found.append(ref(definition.start("target"), definition.end("target"), _strip(definition.group("target"))))
    unique = {r.start: r for r in found}
    return sorted(unique.values(), key=lambda r: r.start)


def check_images(project: Project) -> list[Problem]:
    """Every image of every section: missing, outside report/, from the network, or not an image; all at once.

    Raw <img> tags are warnings: pandoc reads no raw HTML, so they would show as text.
    """
    report_dir = (project.root / "report").resolve()
    problems: list[Problem] = []
    for section in project.sections:
        try:
            text = read_text(section.path, section.display)
        except InputError:
            continue  # an unreadable section is reported once, by the renderer
        for image in find_images(text):
            message = _target_problem(image.target, report_dir)
            if message:
                problems.append(Problem(section.display, image.line, image.column, message))
        masked = _mask(text)
        for m in _RAW_IMG.finditer(masked):
            line = masked.count("\n", 0, m.start()) + 1
            column = m.start() - (masked.rfind("\n", 0, m.start()) + 1) + 1
            problems.append(Problem(
                section.display, line, column,
                "raw HTML is shown as text, not as an image: write ![description](images/NAME.png)", "warning"))
    return problems


def data_uri(path: Path) -> str:
    """The file as a data: URI, so that it travels inside the Markdown (pandoc is sandboxed)."""
    media_type = MEDIA_TYPES[path.suffix.lower()]
    return f"data:{media_type};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def inline_images(markdown: str, report_dir: Path, keep: tuple[str, ...] = ()) -> str:
    """Replace each image inside report/ by a data: URI; anything else (the chart, in `keep`) is left as it is.

    Run check_images first: references it refuses are left untouched here, never read.
    """
    report_dir = report_dir.resolve()
    pieces, last = [], 0
    for image in find_images(markdown):
        if image.target in keep or _target_problem(image.target, report_dir) is not None:
            continue
        path = _resolve(image.target, report_dir)
        if path is None or path.suffix.lower() not in MEDIA_TYPES:
            continue
        pieces += [markdown[last:image.start], data_uri(path)]
        last = image.end
    return "".join(pieces) + markdown[last:]


def _target_problem(target: str, report_dir: Path) -> str | None:
    if target.startswith("data:"):
        return None
    if target.startswith("//") or re.match(r"^(https?|ftp):", target, re.IGNORECASE):
        return (f"image '{target}' would be fetched from the network, and a build makes no network requests; "
                "save it under report/ (such as report/images/) and give its path, such as images/NAME.png")
    if not target:
        return "image without a path; give a file inside report/, such as images/NAME.png"
    if _SCHEME.match(target) or target.startswith(("/", "\\")):
        return f"image '{target}' must be a file inside report/, given by its path there, such as images/NAME.png"
    path = _resolve(target, report_dir)
    if path is None:
        return f"image '{target}' is outside report/; images must be files inside report/, such as images/NAME.png"
    try:
        found = path.is_file()
    except OSError as exc:  # a name too long for the file system
        return f"image '{target}' cannot be read ({exc.strerror})"
    if not found:
        return f"image '{target}' not found: there is no file report/{_clean(target)}"
    if path.suffix.lower() not in MEDIA_TYPES:
        return f"image '{target}' is not a PNG, JPEG, GIF or SVG file (by its extension)"
    return None


def _resolve(target: str, report_dir: Path) -> Path | None:
    """The file a relative target names inside report/, or None if it leads outside (../, a symlink)."""
    try:
        path = (report_dir / _clean(target)).resolve()
    except (OSError, ValueError):
        return None
    return path if path.is_relative_to(report_dir) else None


def _clean(target: str) -> str:
    """A path as a file name: without query or fragment, percent-escapes decoded (my%20map.png)."""
    return unquote(re.split(r"[?#]", target, maxsplit=1)[0])


def _strip(target: str) -> str:
    return target[1:-1].strip() if target.startswith("<") and target.endswith(">") else target


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _mask(text: str) -> str:
    """The text with code blocks, code spans and Jinja comments blanked out, offsets and lines unchanged.

    Linear in the length of the text, whatever it holds (no backtracking regular expression over it).
    """
    spans = _jinja_comments(text)
    text = _blank(text, spans)
    lines = text.split("\n")
    fence = None
    for i, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            lines[i] = " " * len(line)
        elif fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            lines[i] = " " * len(line)
    text = "\n".join(lines)
    return _blank(text, _code_spans(text))


def _jinja_comments(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    while (start := text.find("{##", at)) != -1:
        end = text.find("##}", start + 3)
        at = len(text) if end == -1 else end + 3
        spans.append((start, at))
    return spans


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Each run of backticks opens a code span closed by the next run of the same length, if any."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    next_same: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        next_same[i] = last_of_length.get(length)
        last_of_length[length] = i
    spans, i = [], 0
    while i < len(runs):
        j = next_same[i]
        if j is None:
            i += 1
            continue
        spans.append((runs[i][0], runs[j][1]))
        i = j + 1
    return spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], re.sub(r"[^\n]", " ", text[start:end])]
        at = end
    return "".join(pieces) + text[at:]
