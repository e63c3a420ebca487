"""Hostile and broken input: clear errors, nothing lost, nothing leaked, nothing run.

Each mistake a user can make gets the exact message they see (file, line, what was expected),
exit code 1 and no traceback. Builds that fail or are killed leave earlier outputs as they were.
Sections cannot reach Python internals, files outside the project or the network.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main
from briefkit.errors import BriefkitError, OutputError
from briefkit.images import check_images, find_images, inline_images
from briefkit.lock import LOCK_NAME, BuildLocked, build_lock, remove_leftovers
from briefkit.project import load_project
from tests.conftest import REPO, REVIEW_DOCX, messages, pdf_text


def run(argv: list[str], capsys) -> tuple[int, list[str]]:
    code = main(argv)
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, messages(err)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def section(root: Path, name: str = "01-summary.md") -> Path:
    return root / "report" / "sections" / name


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def trade_rows(count: int) -> str:
    lines = ["points:"]
    for k in range(count):
        lines += [f"  - year: {1000 + k}", "    kind: reported", f"    value: {k % 997 + 1}", "    source: customs"]
    return "\n".join(lines) + "\n"


# --- Clear errors: one case per mistake, with the exact lines a user reads -------------------------------

def _write(relative: str, content: str | bytes):
    def mutate(root: Path) -> None:
        path = root / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return mutate


def _edit(relative: str, old: str, new: str):
    return lambda root: edit(root / relative, old, new)


CASES = {
    "malformed YAML in report.yaml": (
        _edit("report/report.yaml", "title: Mini briefing", "title: [Mini briefing"),
        ["report/report.yaml:1:8: a '[' opened here is never closed", "   = hint: close it with ']' on the same line"],
    ),
    "two YAML documents in one file": (
        _edit("data/trade.yaml", "points:\n", "---\npoints:\n"),
        ["data/trade.yaml:4:1: invalid YAML: a second document starts here; a file holds one (remove the '---' line)"],
    ),
    "wrong type: a list where text is expected": (
        _edit("report/report.yaml", "paper: A4", "paper: [A4]"),
        ["report/report.yaml:9:8: 'paper' must be text; got a list"],
    ),
    "wrong type: a word where a year is expected": (
        _edit("data/trade.yaml", "year: 2019", "year: twenty"),
        ["data/trade.yaml:5:11: 'year' must be a whole number; got 'twenty'"],
    ),
    "missing required field": (
        _edit("data/sources.yaml", "    title: Trade report\n", ""),
        ["data/sources.yaml:6:5: a source needs a 'title' (its headline) or, where no headline is known, "
         "a 'description'"],
    ),
    "Jinja syntax error: a block never closed": (
        _write("report/sections/01-summary.md", "# Summary\n\n{% if true %}\nText.\n"),
        ["report/sections/01-summary.md:3:4: the 'if' block is never closed", "   = hint: close it with {% endif %}"],
    ),
    "undefined helper (StrictUndefined)": (
        _write("report/sections/01-summary.md", "# Summary\n\nSee {{ graph() }}.\n"),
        ["report/sections/01-summary.md:3:8: unknown name 'graph'",
         "   = hint: a section may use: data, sources, value, table, chart, map, cite, ref, data_notes, "
         "bibliography, figure, percent, ..."],
    ),
    "non-UTF-8 section": (
        _write("report/sections/01-summary.md", b"# Summary\n\nCaf\xe9 politics.\n"),
        ["report/sections/01-summary.md:3: is not UTF-8 text (byte 0xe9); save the file as UTF-8"],
    ),
    "non-UTF-8 report.yaml": (
        _write("report/report.yaml", b"title: Mini \xff\n"),
        ["report/report.yaml:1: is not UTF-8 text (byte 0xff); save the file as UTF-8"],
    ),
    "empty section file (0 bytes)": (
        _write("report/sections/01-summary.md", ""),
        ["report/sections/01-summary.md:1: the section is empty"],
    ),
    "duplicate source id": (
        _edit("data/sources.yaml", "id: news", "id: customs"),
        ["data/agreements.yaml:9:13: unknown source 'news'",
         "   = hint: it is not in data/sources.yaml",
         "data/sources.yaml:6:9: duplicate source id 'customs' (first used on line 2)",
         "data/trade.yaml:16:17: unknown source 'news'",
         "    = hint: it is not in data/sources.yaml"],
    ),
    "duplicate year": (
        _edit("data/trade.yaml", "year: 2021", "year: 2020"),
        ["data/trade.yaml:18:5: duplicate year '2020' (first used on line 9)"],
    ),
    "duplicate key": (
        _edit("report/report.yaml", "edition: January 2025\n", "edition: January 2025\nedition: again\n"),
        ["report/report.yaml:7:1: 'edition' is given twice"],
    ),
    "impossible date in report.yaml": (
        _edit("report/report.yaml", "date: 2025-01-15", "date: 2025-02-30"),
        ["report/report.yaml:5:7: 'date' is not a valid date (February 2025 has no day 30); got '2025-02-30'"],
    ),
    "impossible month in sources.yaml": (
        _edit("data/sources.yaml", "date: 2022-03", "date: 2022-13"),
        ["data/sources.yaml:5:11: 'date' is not a valid date (month 13 does not exist); got '2022-13'"],
    ),
    "section listed twice": (
        _edit("report/report.yaml", "  - 02-trade.md\n", "  - 02-trade.md\n  - 02-trade.md\n"),
        ["report/report.yaml:16:5: section '02-trade.md' is listed twice (first on line 15)"],
    ),
    "section outside report/sections": (
        _edit("report/report.yaml", "  - 02-trade.md\n", "  - ../../data/sources.yaml\n"),
        ["report/report.yaml:15:5: section '../../data/sources.yaml' must be a file inside report/sections/"],
    ),
    "section entry that is not a file name": (
        _edit("report/report.yaml", "  - 02-trade.md\n", "  - {file: 02-trade.md}\n"),
        ["report/report.yaml:15:5: each entry of 'sections' must be a file name, such as 01-summary.md"],
    ),
    "no section at all": (
        _edit("report/report.yaml", "sections:\n  - 01-summary.md\n  - 02-trade.md\n", "sections: []\n"),
        ["report/report.yaml:13:11: 'sections' must list at least one section file"],
    ),
    "output name that is far too long": (
        _edit("report/report.yaml", "name: mini", "name: " + "m" * 300),
        ["report/report.yaml:11:9: 'name' must be at most 120 characters long; got 300"],
    ),
    "YAML tag that would run Python": (
        _write("data/sources.yaml", "sources: !!python/object/apply:os.system ['echo pwned > pwned.txt']\n"),
        ["data/sources.yaml:1:10: unsupported YAML tag '!!python/object/apply:os.system'; "
         "write a plain value without a tag"],
    ),
    "YAML alias bomb (billion laughs)": (
        _write("data/trade.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))),
        ["data/trade.yaml:2:8: an alias (*a) repeats a value; write the value out instead"],
    ),
    "YAML nested thousands of levels deep": (
        _write("data/trade.yaml", "years: " + "[" * 5000 + "]" * 5000 + "\n"),
        ["data/trade.yaml:1:39: values are nested more than 32 levels deep"],
    ),
    "NUL character in YAML": (
        _write("data/trade.yaml", "unit: million\0USD\n"),
        ["data/trade.yaml:1:14: invalid YAML: the character U+0000 is not allowed"],
    ),
    "not-a-number value": (
        _edit("data/trade.yaml", "value: 865", "value: .nan"),
        ["data/trade.yaml:20:12: 'value' must be a finite number; got 'nan'"],
    ),
    "year of five digits": (
        _edit("data/trade.yaml", "year: 2019", "year: 20190"),
        ["data/trade.yaml:5:11: 'year' must be a year of four digits; got 20190"],
    ),
    "10 MB section": (
        _write("report/sections/01-summary.md", "# Summary\n\n" + "Filler text for the limits test. " * 320_000),
        ["report/report.yaml:14:5: section file 'report/sections/01-summary.md' is 10.6 MB, "
         "over the limit of 2 MB for one file; split it"],
    ),
    "1,001 years: more rows than a briefing can typeset": (
        _write("data/trade.yaml", trade_rows(1001)),
        ["data/trade.yaml:2:3: 'points' lists 1001 entries; a briefing holds at most 1000"],
    ),
    "sections that add up to more than 2 MB": (
        lambda root: [section(root, name).write_text("# S\n\n" + "Filler text. " * 90_000)
                      for name in ("01-summary.md", "02-trade.md")],
        ["report/report.yaml:14:3: the sections add up to 2.3 MB, over the limit of 2 MB for a briefing"],
    ),
    "100,000-row data file": (
        _write("data/trade.yaml", trade_rows(100_000)),
        ["data/trade.yaml: is 7.0 MB, over the limit of 2 MB for one file; split it"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_gives_its_exact_message_and_exit_one(mini: Path, capsys, case: str, monkeypatch):
    mutate, expected = CASES[case]
    mutate(mini)
    monkeypatch.chdir(mini)  # where a YAML tag that ran a command would leave its trace
    code, lines = run(["--project", str(mini), "--check"], capsys)
    count = sum(not line.startswith(" ") for line in expected)
    assert (code, lines) == (1, expected + [f"check: {count} problem{'s' if count > 1 else ''} to fix"])
    assert not (mini / "pwned.txt").exists()


def test_several_mistakes_in_report_yaml_are_reported_in_one_run(mini: Path, capsys):
    report = mini / "report" / "report.yaml"
    edit(report, "date: 2025-01-15", "date: 2025-02-30")
    edit(report, "name: mini", "name: ../../x")
    edit(report, "  - 02-trade.md\n", "  - 02-trade.md\n  - 01-summary.md\n  - 03-missing.md\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines) == (1, [
        "report/report.yaml:5:7: 'date' is not a valid date (February 2025 has no day 30); got '2025-02-30'",
        "report/report.yaml:11:9: 'name' must be a plain file name without folders; got '../../x'",
        "report/report.yaml:16:5: section '01-summary.md' is listed twice (first on line 14)",
        "report/report.yaml:17:5: section file 'report/sections/03-missing.md' does not exist",
        "    = hint: report/sections/ holds: 01-summary.md, 02-trade.md",
        "check: 4 problems to fix",
    ])


def test_mistakes_in_report_yaml_and_data_are_reported_in_one_run(mini: Path, capsys):
    edit(mini / "report" / "report.yaml", "date: 2025-01-15", "date: 2025-02-30")
    edit(mini / "data" / "trade.yaml", "value: 865", "value: lots")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines) == (1, [
        "data/trade.yaml:20:12: 'value' must be a number; got 'lots'",
        "report/report.yaml:5:7: 'date' is not a valid date (February 2025 has no day 30); got '2025-02-30'",
        "check: 2 problems to fix",
    ])


def test_a_non_utf8_section_does_not_hide_the_mistakes_of_the_others(mini: Path, capsys):
    section(mini).write_bytes(b"# Summary\n\nCaf\xe9.\n")
    edit(section(mini, "02-trade.md"), ".growth |", ".growht |")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines) == (1, [
        "report/sections/01-summary.md:3: is not UTF-8 text (byte 0xe9); save the file as UTF-8",
        "report/sections/02-trade.md:3:46: a point of a series has no 'growht'",
        "   = hint: did you mean 'growth'?",
        "check: 2 problems to fix",
    ])


def test_a_byte_order_mark_does_not_reach_the_heading(mini: Path):
    from briefkit.yamlfile import read_text

    section(mini).write_bytes("\ufeff# Summary\n\nText.\n".encode())
    assert read_text(section(mini), "s").startswith("# Summary")


# --- Output folders that cannot be written ----------------------------------------------------------------

def test_output_folder_that_is_a_file(mini: Path, capsys):
    target = mini / "build.txt"
    target.write_text("not a folder")
    code, lines = run(["--project", str(mini), "--out", str(target)], capsys)
    assert (code, lines) == (1, [f"error: {target}: cannot use it as the output folder: it is a file"])
    assert target.read_text() == "not a folder"


def test_output_folder_inside_a_file(mini: Path, capsys):
    (mini / "build.txt").write_text("not a folder")
    target = mini / "build.txt" / "out"
    code, lines = run(["--project", str(mini), "--out", str(target)], capsys)
    assert (code, lines) == (1, [f"error: {target}: cannot create the output folder (Not a directory)"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(mini: Path, capsys):
    target = mini / "locked"
    target.mkdir(mode=0o500)
    try:
        code, lines = run(["--project", str(mini), "--out", str(target)], capsys)
    finally:
        target.chmod(0o700)
    assert (code, lines) == (1, [f"error: {target}: the output folder is not writable"])


# --- Images: found before rendering, each with its file and line -------------------------------------------

HOSTILE_IMAGES = """# Summary {#summary .unnumbered}

A map: ![Map](images/map.png) and a missing one ![Gone](images/gone.png).

![System file](/etc/passwd)

![Escape](../../outside.png){width=50%}

![Remote](http://10.255.255.1/x.png "title")

![Not an image](images/notes.txt)

`![in code](images/code.png)` is not an image, nor is what is fenced:

```
![fenced](images/fenced.png)
```

{## ![commented out](images/old.png) ##}
<img src="file:///etc/hostname">
"""


def _png(path: Path, colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (60, 30), colour).save(path)
    return path.read_bytes()


def test_find_images_skips_code_and_comments_and_follows_references():
    text = ("![a](images/a.png) `![b](b.png)` \\![c](c.png)\n"
            "![Alt [nested]](<my map.png> 'title'){#fig:x}\n"
            "![shortcut]\n\n[shortcut]: images/ref.png\n")
    assert [(i.line, i.column, i.target) for i in find_images(text)] == [
        (1, 6, "images/a.png"), (2, 17, "my map.png"), (5, 13, "images/ref.png")]


@pytest.mark.parametrize("text", ["{## " * 100_000, "``a" * 100_000, "![" * 200_000, "![a](" + "(" * 200_000,
                                  "<img " * 100_000, "```\n" * 100_000, "![a][b]\n" * 50_000 + "[b]: x.png\n"],
                         ids=["comments", "backticks", "brackets", "parens", "raw-img", "fences", "references"])
def test_image_scanner_stays_linear_on_pathological_text(text: str):
    """Quadratic scanning would take minutes on these; linear takes milliseconds (no timing asserted)."""
    assert len(find_images(text)) <= 1


def test_image_problems_are_located_and_all_reported(mini: Path):
    _png(mini / "report" / "images" / "map.png")
    (mini / "report" / "images" / "notes.txt").write_text("notes")
    section(mini).write_text(HOSTILE_IMAGES, encoding="utf-8")
    problems = [str(p) for p in check_images(load_project(mini))]
    s = "report/sections/01-summary.md"
    assert problems == [
        f"{s}:3:57: image 'images/gone.png' not found: there is no file report/images/gone.png",
        f"{s}:5:16: image '/etc/passwd' must be a file inside report/, given by its path there,"
        " such as images/NAME.png",
        f"{s}:7:11: image '../../outside.png' is outside report/; images must be files inside report/,"
        " such as images/NAME.png",
        f"{s}:9:11: image 'http://10.255.255.1/x.png' would be fetched from the network, and a build makes no"
        " network requests; save it under report/ (such as report/images/) and give its path, such as"
        " images/NAME.png",
        f"{s}:11:17: image 'images/notes.txt' is not a PNG, JPEG, GIF or SVG file (by its extension)",
        f"{s}:20:1: warning: raw HTML is shown as text, not as an image: write ![description](images/NAME.png)",
    ]


def test_a_symlink_out_of_report_is_refused(mini: Path, tmp_path: Path):
    outside = tmp_path / "secret.png"
    _png(outside)
    (mini / "report" / "images").mkdir()
    (mini / "report" / "images" / "link.png").symlink_to(outside)
    section(mini).write_text("# S\n\n![x](images/link.png)\n")
    [problem] = check_images(load_project(mini))
    assert "is outside report/" in problem.message


def test_inline_images_embeds_checked_images_and_leaves_the_rest(mini: Path):
    data = _png(mini / "report" / "images" / "map.png")
    import base64

    markdown = ("![Map](images/map.png){width=50%}\n![Chart](charts/trade-chart.svg)\n![Secret](/etc/passwd)\n"
                "![Up](../../x.png)\n")
    out = inline_images(markdown, mini / "report", keep=("charts/trade-chart.svg",))
    assert out.splitlines() == [
        f"![Map](data:image/png;base64,{base64.b64encode(data).decode()}){{width=50%}}",
        "![Chart](charts/trade-chart.svg)", "![Secret](/etc/passwd)", "![Up](../../x.png)"]


def test_missing_image_is_reported_with_file_and_line_before_rendering(mini: Path, capsys):
    section(mini).write_text("# Summary\n\nSee the map.\n\n![Map](images/map.png)\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines) == (1, [
        "report/sections/01-summary.md:5:8: image 'images/map.png' not found: there is no file report/images/map.png",
        "check: 1 problem to fix",
    ])


def test_an_image_inside_report_reaches_all_three_outputs(mini: Path, capsys):
    _png(mini / "report" / "images" / "map.png", colour=(10, 200, 10))
    edit(section(mini), "in 2021", "in 2021.\n\n![A green map](images/map.png)\n\nAfter that")
    code, lines = run(["--project", str(mini), "-q"], capsys)
    assert (code, lines) == (0, [])
    html = (mini / "build" / "mini.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html and 'src="images/' not in html
    images = [image for page in __import__("pypdf").PdfReader(str(mini / "build" / "mini.pdf")).pages
              for image in page.images]
    assert images, "the PDF has no image"
    with zipfile.ZipFile(mini / "build" / "mini.docx") as docx:
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
        # The map, the chart as PNG and as SVG, the cover's ink.
        assert sorted(n.rsplit(".", 1)[1] for n in media) == ["png", "png", "png", "svg"]


# --- Nothing leaked: the sandbox, the URL fetcher, pandoc's sandbox ------------------------------------------

SANDBOX_ESCAPES = [
    ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ lipsum.__globals__['os'] }}", "access to attribute '__globals__' of 'function' object is unsafe."),
    ("{{ cycler.__init__.__globals__.os }}", "access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ value.__globals__ }}", "access to attribute '__globals__' of 'function' object is unsafe."),
    ("{{ ''|attr('__class__') }}", "access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ '{0.__class__}'.format(data.trade) }}", "access to attribute '__class__' of 'Series' object is unsafe."),
    ("{{ self._TemplateReference__context }}",
     "access to attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe."),
    ("{{ data.trade.point.__func__.__globals__ }}", "access to attribute '__func__' of 'method' object is unsafe."),
]


@pytest.mark.parametrize("expression, reason", SANDBOX_ESCAPES, ids=[e for e, _ in SANDBOX_ESCAPES])
def test_python_internals_are_out_of_reach(mini: Path, capsys, expression: str, reason: str):
    section(mini).write_text(f"# Summary\n\n{expression}\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines) == (1, [
        f"report/sections/01-summary.md:3: not allowed in a template: {reason}", "check: 1 problem to fix"])


def test_huge_ranges_are_refused(mini: Path, capsys):
    section(mini).write_text("# Summary\n\n{{ range(10**9) | list | length }}\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert lines[0] == ("report/sections/01-summary.md:3: OverflowError: Range too big. "
                        "The sandbox blocks ranges larger than MAX_RANGE (100000).")


def test_a_section_cannot_include_files(mini: Path, capsys):
    section(mini).write_text("# Summary\n\n{% include '/etc/passwd' %}\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert lines[:2] == ["report/sections/01-summary.md:3:13: sections cannot include or import files",
                         "   = hint: remove the include of '/etc/passwd'"]
    assert "root:" not in "\n".join(lines)


@pytest.mark.parametrize(("expression", "reason"), [
    ("'x' * 10**10", "the result would be too long (over a million items)"),
    ("2 ** 100000", "the exponent 100000 is too large"),
])
def test_a_section_cannot_build_huge_values(mini: Path, capsys, expression: str, reason: str):
    section(mini).write_text(f"# Summary\n\n{{{{ {expression} }}}}\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert (code, lines[0]) == (1, f"report/sections/01-summary.md:3: not allowed in a template: {reason}")


def test_a_section_cannot_change_the_data_the_others_see(mini: Path, capsys):
    section(mini).write_text("# Summary\n\n{{ sources.clear() }}\n")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert lines[0].startswith("report/sections/01-summary.md:3: not allowed in a template:")


@pytest.fixture
def fetcher_dirs(tmp_path: Path):
    inside = tmp_path / "project" / "report"
    inside.mkdir(parents=True)
    (inside / "ok.css").write_text("p { color: red }")
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-1b9e")
    (inside / "link.txt").symlink_to(secret)
    return inside, secret


@pytest.mark.parametrize("url_of, outcome", [
    (lambda inside, secret: (inside / "ok.css").as_uri(), "served"),
    (lambda inside, secret: "data:text/plain,hello", "served"),
    (lambda inside, secret: secret.as_uri(), "refused to read"),
    (lambda inside, secret: "file:///etc/passwd", "refused to read"),
    (lambda inside, secret: f"file://{inside}/../../secret.txt", "refused to read"),
    (lambda inside, secret: f"file://{inside}/%2e%2e/%2e%2e/secret.txt", "refused to read"),
    (lambda inside, secret: (inside / "link.txt").as_uri(), "refused to read"),
    (lambda inside, secret: (inside / "missing.png").as_uri(), "cannot embed"),
    (lambda inside, secret: "http://10.255.255.1/x.png", "refused to fetch"),
    (lambda inside, secret: "https://example.org/font.woff", "refused to fetch"),
    (lambda inside, secret: "ftp://example.org/x", "refused to fetch"),
], ids=["inside", "data-uri", "outside", "etc-passwd", "dot-dot", "encoded-dot-dot", "symlink-out", "missing",
        "http", "https", "ftp"])
def test_url_fetcher_serves_only_project_files(fetcher_dirs, caplog, url_of, outcome):
    from briefkit.outputs.pdf import make_url_fetcher

    inside, secret = fetcher_dirs
    fetcher = make_url_fetcher([inside])
    url = url_of(inside, secret)
    with caplog.at_level(logging.WARNING, logger="briefkit.outputs.pdf"):
        if outcome == "served":
            assert fetcher.fetch(url) is not None
            assert caplog.records == []
            return
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    [record] = caplog.records
    assert record.name == "briefkit.outputs.pdf" and record.getMessage().startswith(outcome)


LEAKY_SECTION = """# Summary {#summary .unnumbered}

- Trade reached {{ value('trade', 2021) }} in 2021.

{{ '![passwd](' ~ '/etc/passwd)' }}

{{ '![secret](' ~ 'SECRET_URI)' }}

<img src="SECRET_URI"> as raw HTML is text.

[attached](SECRET_PATH){rel="attachment"}

[styled]{style="background: url(SECRET_URI)"}

{{ '![remote](' ~ 'http://10.255.255.1/x.png)' }}
"""


def test_files_outside_the_project_reach_no_output(mini: Path, tmp_path: Path):
    """Built in a child process, as a user would: the fetcher logs what it refused to stderr."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7f3a9c")
    # Written through Jinja, these references get past the check of the raw section: the fetcher is the last wall.
    section(mini).write_text(LEAKY_SECTION.replace("SECRET_URI", secret.as_uri()).replace("SECRET_PATH", str(secret)))
    from briefkit.templates import DEFAULT_TEMPLATES

    css = mini / "templates" / "print.css"
    css.parent.mkdir(exist_ok=True)
    css.write_text(f'@import url("{secret.as_uri()}");\n@import url("file:///etc/hostname");\n'
                   + (DEFAULT_TEMPLATES / "print.css").read_text())
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(mini)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for refused in (secret, "/etc/passwd", "/etc/hostname"):
        assert f"WARNING: refused to read {refused}: only files inside the project may be embedded" in result.stderr
    assert "WARNING: refused to fetch http://10.255.255.1/x.png: the build makes no network requests" in result.stderr
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    build = mini / "build"
    html = (build / "mini.html").read_text(encoding="utf-8")
    pdf = (build / "mini.pdf").read_bytes()
    from pypdf import PdfReader

    reader = PdfReader(str(build / "mini.pdf"))
    assert not reader.attachments
    with zipfile.ZipFile(build / "mini.docx") as docx:
        docx_parts = b"".join(docx.read(name) for name in docx.namelist())
        assert [n for n in docx.namelist() if n.startswith("word/media/")], "the chart must still reach the DOCX"
    for leaked in ("SECRET-7f3a9c", passwd):
        assert leaked not in html
        assert leaked.encode() not in pdf and leaked not in "\n".join(pdf_text(build / "mini.pdf"))
        assert leaked.encode() not in docx_parts
    # The raw <img> tag is shown as text, never fetched.
    assert "&lt;img src=" in html


def test_pandoc_runs_with_its_sandbox(monkeypatch, mini: Path):
    import pypandoc

    from briefkit import pandoc

    calls = []
    monkeypatch.setattr(pypandoc, "convert_text", lambda *a, **k: calls.append(k) or "")
    inputs = pandoc.PandocInputs(mini / "s.json", mini / "c.csl", mini, REPO / "briefkit" / "defaults" / "templates")
    pandoc.html_body("# x\n", inputs, mini / "m.json", footnotes="end")
    pandoc.docx("# x\n", inputs, mini / "m.json", mini / "ref.docx", mini / "out.docx")
    assert [call["sandbox"] for call in calls] == [True, True]


def test_no_shell_no_unsafe_yaml_no_eval_in_the_compiler():
    risky = []
    for path in sorted((REPO / "briefkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "shell" and getattr(node.value, "value", False):
                risky.append(f"{path.name}:{node.value.lineno}: shell=True")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("eval", "exec", "os.system", "os.popen", "yaml.load", "yaml.unsafe_load",
                            "yaml.full_load", "pickle.loads", "pickle.load"):
                    risky.append(f"{path.name}:{node.lineno}: {name}")
    assert risky == []


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "a/b", ".hidden", "x\\..\\y", ""])
def test_output_names_cannot_leave_the_output_folder(mini: Path, capsys, name: str):
    edit(mini / "report" / "report.yaml", "name: mini", f"name: '{name}'")
    code, lines = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert lines[0].startswith("report/report.yaml:11:9: 'name' must")


# --- Nothing lost: failed, interrupted, killed and concurrent builds -----------------------------------------

@pytest.fixture
def built_mini(mini: Path) -> Path:
    assert main(["--project", str(mini), "-q"]) == 0
    return mini


def test_a_build_failing_in_the_engines_leaves_every_output_untouched(built_mini: Path, monkeypatch, capsys):
    from briefkit.errors import EngineError
    from briefkit.outputs import pdf

    before = snapshot(built_mini / "build")

    def broken(*args, **kwargs):
        raise EngineError("WeasyPrint failed: simulated")

    monkeypatch.setattr(pdf, "write_pdf", broken)
    edit(section(built_mini), "in 2021", "in the year 2021")  # so that nothing comes from the cache
    code, lines = run(["--project", str(built_mini), "-q"], capsys)
    assert (code, lines) == (1, ["error: WeasyPrint failed: simulated"])
    assert snapshot(built_mini / "build") == before


def test_an_interrupted_build_leaves_every_output_untouched(built_mini: Path, monkeypatch, capsys):
    from briefkit import pandoc

    before = snapshot(built_mini / "build")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pandoc, "html_body", interrupted)
    monkeypatch.setattr(pandoc, "docx", interrupted)
    edit(section(built_mini), "in 2021", "in the year 2021")
    code, lines = run(["--project", str(built_mini), "-q"], capsys)
    assert code == 130 and lines[-1] == "interrupted; earlier outputs are unchanged"
    assert snapshot(built_mini / "build") == before


def _start_and_kill(root: Path, sig: int, when) -> subprocess.CompletedProcess:
    """Start a build in its own process group and signal the group once `when()` holds (or it ends)."""
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--project", str(root), "-q"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while process.poll() is None and not when() and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is None:
        os.killpg(process.pid, sig)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_killed_build_leaves_outputs_and_cache_usable(built_mini: Path):
    build = built_mini / "build"
    outputs = {name: digest for name, digest in snapshot(build).items() if not name.startswith(".")}
    edit(section(built_mini), "in 2021", "in the year 2021")
    killed = _start_and_kill(built_mini, signal.SIGKILL, lambda: any(build.glob(".briefkit-*/charts")))
    assert killed.returncode == -signal.SIGKILL
    after_kill = {name: digest for name, digest in snapshot(build).items() if not name.startswith(".")}
    assert after_kill == outputs
    # The next build reads whatever the cache holds and makes the same bytes as a build without it.
    assert main(["--project", str(built_mini), "-q"]) == 0
    cached = {n: d for n, d in snapshot(build).items() if not n.startswith(".")}
    assert main(["--project", str(built_mini), "-q", "--no-cache"]) == 0
    assert {n: d for n, d in snapshot(build).items() if not n.startswith(".")} == cached


def test_the_next_build_removes_what_a_killed_build_left(built_mini: Path):
    build = built_mini / "build"
    edit(section(built_mini), "in 2021", "in the year 2021")
    _start_and_kill(built_mini, signal.SIGKILL, lambda: any(build.glob(".briefkit-*/charts")))
    assert main(["--project", str(built_mini), "-q"]) == 0
    assert not [p.name for p in build.iterdir() if p.name.startswith(".")]


def test_two_builds_at_once_do_not_corrupt_each_other(mini: Path):
    command = [sys.executable, str(REPO / "build.py"), "--project", str(mini), "-q"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=120), p.stderr.read()) for p in (first, second)]
    for code, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 1 and "another build" in err and LOCK_NAME in err), err
    assert 0 in [code for code, _ in results]
    pages = pdf_text(mini / "build" / "mini.pdf")
    assert "Trade reached USD 865 million" in " ".join(" ".join(pages).split())
    with zipfile.ZipFile(mini / "build" / "mini.docx") as docx:
        assert docx.testzip() is None
    assert (mini / "build" / "mini.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_a_second_build_is_refused_while_the_first_holds_the_lock(mini: Path, capsys):
    build = mini / "build"
    build.mkdir()
    with build_lock(build):
        code, lines = run(["--project", str(mini), "-q"], capsys)
    assert (code, lines) == (1, [
        f"error: another build (process {os.getpid()}) is already writing to {build}; wait for it to finish, "
        f"or build into another folder with --out (lock file: {build / LOCK_NAME})"])
    assert [p.name for p in build.iterdir()] == []


# --- The lock itself ---------------------------------------------------------------------------------------

def test_lock_is_exclusive_names_its_holder_and_leaves_no_file(tmp_path: Path):
    with build_lock(tmp_path) as lock_file:
        assert lock_file == tmp_path / LOCK_NAME
        with pytest.raises(BuildLocked) as info:
            with build_lock(tmp_path):
                pass
        assert isinstance(info.value, BriefkitError)
        assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)  # crosses process boundaries
        assert str(info.value) == (
            f"another build (process {os.getpid()}) is already writing to {tmp_path}; wait for it to finish, "
            f"or build into another folder with --out (lock file: {lock_file})")
    assert list(tmp_path.iterdir()) == []
    with build_lock(tmp_path):  # free again
        pass


def test_lock_held_by_another_process_and_freed_when_it_is_killed(tmp_path: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from briefkit.lock import build_lock\n"
         "with build_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(BuildLocked) as info:
            with build_lock(tmp_path):
                pass
        assert info.value.holder == holder.pid
    finally:
        holder.kill()
        holder.wait()
    # A killed holder leaves its lock file behind but not its lock: the kernel released it.
    with build_lock(tmp_path):
        pass


def test_lock_never_admits_two_holders(tmp_path: Path):
    """Two processes take and release the lock in a tight loop; their turns never overlap."""
    script = (
        "import os, sys\nfrom pathlib import Path\nfrom briefkit.lock import BuildLocked, build_lock\n"
        "folder, log = Path(sys.argv[1]), sys.argv[2]\n"
        "for _ in range(300):\n"
        "    try:\n"
        "        with build_lock(folder):\n"
        "            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)\n"
        "            os.write(fd, b'+\\n'); os.write(fd, b'-\\n'); os.close(fd)\n"
        "    except BuildLocked:\n"
        "        pass\n")
    log = tmp_path / "turns.log"
    (tmp_path / "out").mkdir()
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "out"), str(log)], cwd=REPO)
               for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    turns = log.read_text().split()
    assert turns and turns == ["+", "-"] * (len(turns) // 2)


def test_lock_in_a_folder_that_cannot_hold_it(tmp_path: Path):
    missing = tmp_path / "missing"
    with pytest.raises(OutputError, match=r"missing/\.briefkit\.lock: cannot create the lock file"):
        with build_lock(missing):
            pass


def test_remove_leftovers_removes_only_what_a_killed_build_leaves(tmp_path: Path):
    (tmp_path / ".briefkit-abc123").mkdir()
    (tmp_path / ".briefkit-abc123" / "briefing.pdf").write_bytes(b"%PDF-1.7 half")
    (tmp_path / ".mini.pdf.publish").write_bytes(b"half")
    (tmp_path / ".mini.html.k2j4_x9a.tmp").write_text("half")
    keep = ["mini.pdf", "notes.tmp", ".gitignore", "data"]
    (tmp_path / "mini.pdf").write_bytes(b"%PDF")
    (tmp_path / "notes.tmp").write_text("mine")
    (tmp_path / ".gitignore").write_text("*")
    (tmp_path / "data").mkdir()
    removed = remove_leftovers(tmp_path)
    assert [p.name for p in removed] == [".briefkit-abc123", ".mini.html.k2j4_x9a.tmp", ".mini.pdf.publish"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
    assert remove_leftovers(tmp_path / "missing") == []


# --- Limits: memory of the checks that refuse huge inputs ----------------------------------------------------

@pytest.mark.parametrize("what", ["section", "data"])
def test_huge_inputs_are_refused_without_being_read(mini: Path, what: str):
    """The 10 MB section and the 100,000-row file are refused from their size: memory stays that of a check."""
    if what == "section":
        section(mini).write_text("# Summary\n\n" + "Filler text for the limits test. " * 320_000)
    else:
        (mini / "data" / "trade.yaml").write_text(trade_rows(100_000))
    # VmHWM, unlike ru_maxrss, starts afresh at exec: it does not inherit the peak of this (large) test process.
    probe = ("import re, sys\nfrom briefkit.cli import main\ncode = main(sys.argv[1:])\n"
             "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
             "print(code, hwm, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe, "--project", str(mini), "--check"],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    code, peak_kb = result.stderr.split()[-2:]
    assert code == "1" and "over the limit of 2 MB" in result.stderr
    assert int(peak_kb) < 200_000, f"{int(peak_kb) // 1024} MB for a check that reads nothing big"



def test_output_folder_that_cannot_be_created_even_by_root(mini: Path, capsys):
    # /proc refuses new folders to every user, root included, so this runs where the read-only test is skipped.
    target = Path("/proc/briefkit-output")
    if not Path("/proc/self").exists():
        pytest.skip("no /proc on this system")
    code, lines = run(["--project", str(mini), "--out", str(target)], capsys)
    assert code == 1
    assert lines[0].startswith(f"error: {target}: cannot create the output folder (")


# Review: a returned DOCX is untrusted input from outside the team; reading it reaches nothing else.

def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _review_json(capsys, root: Path, returned: Path) -> list[dict]:
    import json

    code, out, err = _run(capsys, "review", str(returned), "--project", str(root), "--format", "json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def _with_document(project: Path, edit) -> Path:
    source = project / REVIEW_DOCX
    target = project / "hostile.docx"
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info)
            out.writestr(info.filename, edit(info.filename, data))
    return target


def test_an_external_entity_leaks_nothing(review_project: Path, capsys, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")

    def edit(name: str, data: bytes) -> bytes:
        if name != "word/document.xml":
            return data
        head, rest = data.split(b"?>", 1)
        dtd = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
        return head + b"?>" + dtd + rest.replace(b"cool towards", b"cool &x; towards", 1)

    path = _with_document(review_project, edit)
    code, out, err = _run(capsys, "review", str(path), "--project", str(review_project), "--format", "json")
    assert code == 1 and "TOP-SECRET-VALUE" not in out + err
    assert err.strip() == f"error: {path}: word/document.xml declares a DTD, which Word never writes; refused"


def test_external_relationships_and_macros_are_never_opened(review_project: Path, capsys, tmp_path: Path, monkeypatch):
    import urllib.request

    opened: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: opened.append(str(a)))
    secret = tmp_path / "template.dotm"
    secret.write_text("never read")

    def edit(name: str, data: bytes) -> bytes:
        if name == "word/_rels/document.xml.rels":
            return data.replace(b"</Relationships>", (
                b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'image" Target="http://attacker.example/track.png" TargetMode="External"/></Relationships>'))
        if name == "word/settings.xml":
            return data.replace(b"</w:settings>", b'<w:attachedTemplate r:id="rIdT"/></w:settings>')
        return data

    path = _with_document(review_project, edit)
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
        package.writestr("word/_rels/settings.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
            f'Target="file://{secret}" TargetMode="External"/></Relationships>'))
    before = secret.stat().st_atime_ns
    assert _review_json(capsys, review_project, path) == []
    assert opened == [] and secret.stat().st_atime_ns == before


def test_a_zip_bomb_is_refused_quickly_unread(review_project: Path, capsys):
    path = review_project / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = b" " * (1 << 20)
            for _ in range(2048):  # 2 GB of spaces, a few MB packed
                entry.write(chunk)
    started = time.monotonic()
    code, _, err = _run(capsys, "review", str(path), "--project", str(review_project))
    assert code == 1 and "refused as a zip bomb" in err
    assert time.monotonic() - started < 10


def test_a_document_with_millions_of_runs_is_refused_within_seconds(review_project: Path, capsys):
    path = review_project / "runs.docx"
    body = b"".join(b"<w:r><w:t>%x</w:t></w:r>" % (n * 2654435761 % 2**32) for n in range(600_000))
    document = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body><w:p>' + body + b"</w:p></w:body></w:document>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", document)
    started = time.monotonic()
    code, _, err = _run(capsys, "review", str(path), "--project", str(review_project))
    assert code == 1 and "elements; refused" in err
    assert time.monotonic() - started < 10
