"""The tutorial of docs/authoring.md, run for real: every command it shows, every file it has you write.

The test reads the tutorial block by block, as a reader follows it. A `sh` block is run, command by command, in a
folder of its own (`cd` changes folder); the plain block right after it is what the commands print, compared line
by line (the time a build took aside), and "The exit code is N" after it the exit code they end with (else 0). A
block after "Replace `FILE`", "Create `FILE`" or "and `FILE`:" is written to that file, one after "Add this line
at the end of `FILE`" appended to it, and "Remove the line" takes that line out again. The tree of files is what
`briefkit new` wrote, and the quoted page is the PDF's third page. A block of any other kind fails the test, so
that nothing in the tutorial goes untried.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "authoring.md"
TUTORIAL_HEADING = "## Your first briefing in ten minutes"

_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
_FILE = re.compile(r"`([\w./-]+\.[a-z]+)`")
_PROGRESS = re.compile(r"^  \S")  # the progress lines: two spaces; a source line's gutter has one or three and more
_SECONDS = re.compile(r"built in \d+\.\d s")


@dataclass
class Block:
    info: str
    text: str
    before: str  # the prose between the previous block and this one
    after: str  # the prose between this block and the next
    output: str = ""  # for a command block: what its commands printed
    skipped: tuple[str, ...] = ()  # the formats its build left out


def tutorial_blocks() -> list[Block]:
    lines = GUIDE.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(TUTORIAL_HEADING + "\n")
    fenced, end = False, len(lines)
    for number in range(start + 1, len(lines)):
        fenced ^= lines[number].startswith("```")
        if not fenced and lines[number].startswith("## "):  # the next chapter; a "## " inside a block is a file's
            end = number
            break
    text = "".join(lines[start:end])
    matches = list(_BLOCK.finditer(text))
    blocks = []
    for i, match in enumerate(matches):
        before = text[matches[i - 1].end() if i else 0:match.start()]
        after = text[match.end():matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        blocks.append(Block(match.group(1), match.group(2), before, after))
    return blocks


def _run(command: str, cwd: Path) -> tuple[int, str]:
    """One `briefkit` command as the reader runs it; what the screen shows (progress lines aside) and the exit code."""
    args = shlex.split(command, comments=True)
    assert args[0] == "briefkit", command
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "briefkit", *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    # Findings and summaries come in this order at a terminal: the error stream's, then the standard output's.
    shown = [line for line in done.stderr.splitlines() if not _PROGRESS.match(line)] + done.stdout.splitlines()
    return done.returncode, "\n".join(shown)


def _without(output: str, formats: tuple[str, ...]) -> str:
    """A build's output as the doc shows it, less the lines and the 'rebuilt' names of formats not made."""
    lines = [line for line in output.splitlines() if line.split()[0] not in formats]
    for fmt in formats:
        lines = [re.sub(rf"(rebuilt: .*){fmt}, ", r"\1", line) for line in lines]
    return "\n".join(lines)


def _target(sentence: str, folder: Path) -> Path:
    """The file a sentence names: a path in the project, or a file's name found there."""
    name = _FILE.findall(sentence)[0]
    if "/" in name:
        return folder / name
    [found] = [p for p in folder.rglob(name) if "build" not in p.parts and ".cache" not in p.parts]
    return found


def _tree(listing: str) -> set[str]:
    """The files of a tree drawing ('├── report/', '│   └── 01-summary.md   what it holds'), as relative paths."""
    lines = listing.splitlines()
    folders: list[str] = []
    files = set()
    for line in lines[1:]:
        at = line.index("── ") + 3
        depth = at // 4 - 1
        name = re.split(r"\s{2,}", line[at:].strip())[0]
        folders[depth:] = []
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            files.add("/".join([*folders, name]))
    return files


def _page_words(quote: str) -> tuple[str, list[str]]:
    """A quoted page as plain words, and the captions of the exhibits it describes (in italics, then a colon)."""
    text, captions = [], []
    for line in quote.splitlines():
        line = line.removeprefix(">").strip()
        caption = re.match(r"\*([^*]+)\*:", line)
        if caption:
            captions.append(caption.group(1))
        if caption or captions:  # the description of an exhibit, not text of the page
            continue
        text.append(re.sub(r"^- ", "", line).replace("**", ""))
    plain = " ".join(" ".join(text).split()).translate(str.maketrans("¹²³⁴⁵⁶⁷⁸⁹", "123456789"))
    return plain, captions


def _pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [" ".join(page.replace("\u00a0", " ").replace("\u2022", "").split()) for page in out.split("\f")[:-1]]


def test_the_tutorial_runs_as_written(tmp_path: Path):
    folder = tmp_path
    written: set[str] | None = None
    appended: tuple[Path, str] | None = None
    ran = []
    blocks = tutorial_blocks()
    last_build = max(i for i, b in enumerate(blocks) if b.info == "sh" and "briefkit build\n" in b.text + "\n")
    for index, block in enumerate(blocks):
        previous = blocks[index - 1] if index else None
        if block.info == "sh":
            if "Remove the line" in block.before:
                path, line = appended
                path.write_text(path.read_text(encoding="utf-8").replace(line, ""), encoding="utf-8")
            commands = [c for c in block.text.splitlines() if c.strip()]
            if commands[0].startswith("pip install"):
                assert commands == [commands[0]]  # the installation: this test runs the tool it is part of
                continue
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            expected_code = 0
            if following and following.info == "" and not following.before.strip():
                code = re.search(r"The exit code is (\d+)", following.after)
                expected_code = int(code.group(1)) if code else 0
            shown = []
            for number, command in enumerate(commands, 1):
                if command.startswith("cd "):
                    folder = folder / command.removeprefix("cd ").strip()
                    continue
                if command == "briefkit build" and index != last_build:
                    # Only the web page, to keep the test fast; the last build makes every format as written.
                    command, block.skipped = "briefkit build --format html", ("pdf", "docx")
                code, text = _run(command, folder)
                assert code == (expected_code if number == len(commands) else 0), (command, text)
                if text:
                    shown.append(text)
                if command.startswith("briefkit new"):
                    made = Path(folder, shlex.split(command)[2])
                    written = {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()}
                ran.append(command)
            block.output = "\n".join(shown)
        elif block.info == "" and previous is not None and previous.info == "sh" and not block.before.strip():
            expected = _without(_SECONDS.sub("built in T s", block.text.rstrip()), previous.skipped)
            assert _SECONDS.sub("built in T s", previous.output) == expected, previous.text
        elif "├──" in block.text:
            assert written is not None and _tree(block.text) == written
            assert any(f"({len(written)} files)" in b.text for b in blocks[:index])  # as `briefkit new` says it
        elif _FILE.search(block.before.strip().rsplit("\n\n", 1)[-1]):
            sentence = block.before.strip().rsplit("\n\n", 1)[-1]
            assert sentence.endswith(":"), sentence
            path = _target(sentence, folder)
            if "at the end of" in sentence:
                appended = (path, block.text)
                path.write_text(path.read_text(encoding="utf-8") + block.text, encoding="utf-8")
            else:
                assert ("Create" in sentence) != path.exists(), sentence
                path.write_text(block.text, encoding="utf-8")
        else:
            raise AssertionError(f"a block of the tutorial that this test does not run: {block.text[:60]!r}")
    assert ran[0].startswith("briefkit new") and "briefkit check --strict" in ran

    # "The PDF has a cover, a contents page and two pages of text. Its third page reads: …"
    [built] = [b for b in blocks if "Its third page reads:" in b.after]
    quote = built.after.split("Its third page reads:", 1)[1].split("\n\n")
    quote = "\n".join(part for part in _until_prose(quote))
    pages = _pdf_pages(folder / "build" / "grain-note.pdf")
    assert "a cover, a contents page and two pages of text" in built.after and len(pages) == 4
    assert "Contents" in pages[1]
    text, captions = _page_words(quote)
    assert text in pages[2]
    assert captions and all(caption in pages[2] for caption in captions)


def _until_prose(parts: list[str]) -> list[str]:
    """The paragraphs of a block quote, up to the first that is not quoted."""
    out = []
    for part in parts:
        if part.strip() and not part.strip().startswith(">"):
            break
        out.append(part.strip())
    return out
