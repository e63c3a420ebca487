"""The DOCX's contents carry the page numbers of a real layout of that very file (LibreOffice headless), so that
every reader shows a complete contents page; without a layout program the build says so and Word numbers them.

The other tests build with BRIEFKIT_DOCX_LAYOUT=none (tests/conftest.py): a layout costs LibreOffice's seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import FIXTURE, REPO, copy_project

W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
NAME = "turkmenistan-russia-briefing"
CONTENTS_LINE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s+)?(?P<title>\S.*?)\s*\.{3,}\s*(?P<page>\d+)\s*$")
soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                             reason="LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)")


def cli(root: Path, *flags: str, layout: str | None = None, path: str | None = None, stays: str = "0",
        command: str = "build") -> subprocess.CompletedProcess:
    """briefkit build as a user runs it (its progress lines come from the format workers too); stays: how long
    LibreOffice stays for the next build (BRIEFKIT_OFFICE_STAYS; none but in the tests of it)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), BRIEFKIT_OFFICE_STAYS=stays,
               **({"PATH": path} if path is not None else {}))
    env.pop("BRIEFKIT_DOCX_LAYOUT", None)
    if layout is not None:
        env["BRIEFKIT_DOCX_LAYOUT"] = layout
    return subprocess.run([sys.executable, "-m", "briefkit", command, "--project", str(root), *flags],
                          capture_output=True, text=True, env=env, timeout=600)


def running(profile: Path) -> list[str]:
    """The command lines of the processes that use a LibreOffice profile in `profile`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        if any(profile.as_uri() in arg for arg in args):
            found.append(" ".join(args))
    return found


def part(docx: Path, name: str):
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read(name))


def libreoffice_pages(docx: Path, folder: Path) -> list[str]:
    """The text of each page of LibreOffice's own PDF of the DOCX (pdftotext, page by page, in layout order)."""
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "pdf",
                    "--outdir", str(folder), str(docx)], check=True, capture_output=True, timeout=300)
    pdf = folder / f"{docx.stem}.pdf"
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                            check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The shipped briefing's DOCX built with LibreOffice found on PATH (report.yaml names no layout)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)")
    root = copy_project(REPO, tmp_path_factory.mktemp("layout") / "project")
    done = cli(root, "--format", "docx")
    assert done.returncode == 0, done.stderr
    return root, done


@soffice
def test_libreoffice_shows_each_contents_entry_with_the_page_its_heading_is_on(numbered, tmp_path: Path):
    root, _ = numbered
    assert_contents_agree(root / "build" / f"{NAME}.docx", tmp_path)


def assert_contents_agree(docx: Path, folder: Path) -> None:
    """Each contents entry of LibreOffice's own PDF of `docx` (a new profile) lists the page its heading is on."""
    pages = libreoffice_pages(docx, folder)
    contents = next(n for n, page in enumerate(pages) if re.search(r"^\s*Contents\s*$", page, re.MULTILINE))
    entries = [m for line in pages[contents].splitlines() if (m := CONTENTS_LINE.match(line))]
    assert len(entries) >= 30, pages[contents]

    def heading_page(title: str) -> int | None:
        """The first page after the contents with a line that is the heading (its number, then its title)."""
        line = re.compile(rf"^\s*(?:\d+(?:\.\d+)?\s+)?{re.escape(title)}\s*$", re.MULTILINE)
        return next((n + 1 for n, page in enumerate(pages) if n > contents and line.search(page)), None)

    found = {m["title"]: (int(m["page"]), heading_page(m["title"])) for m in entries}
    agreeing = [title for title, (listed, actual) in found.items() if listed == actual]
    assert len(agreeing) >= 5 and "Key judgements" in agreeing and "Sources" in agreeing, found
    assert not [title for title, (listed, actual) in found.items() if actual is not None and listed != actual], found


@soffice
def test_the_build_names_the_layout_and_word_is_not_asked_to_update_fields(numbered):
    root, done = numbered
    said = [line.strip() for line in done.stderr.splitlines() if "page numbers" in line]
    docx = root / "build" / f"{NAME}.docx"
    document = part(docx, "word/document.xml")
    links = document.xpath("//w:sdt//w:hyperlink[@w:anchor]", namespaces=W)
    assert len(links) > 30
    assert said == [f"docx: the contents' page numbers ({len(links)} of {len(links)} entries) from LibreOffice "
                    f"{LIBREOFFICE_VERSION()}'s layout of the file ({Path(shutil.which('soffice')).resolve()})"], said
    bookmarks = set(document.xpath("//w:bookmarkStart/@w:name", namespaces=W))
    for link in links:
        anchor = link.get(f"{{{W['w']}}}anchor")
        instruction = "".join(link.xpath(".//w:instrText/text()", namespaces=W)).split()
        assert instruction == ["PAGEREF", anchor, "\\h"] and anchor in bookmarks
        assert re.fullmatch(r"\d+", "".join(link.xpath(".//w:fldChar[@w:fldCharType='separate']/../following-sibling"
                                                       "::w:r[w:t][1]/w:t/text()", namespaces=W)))
    # No prompt on opening: the contents, captions and cross-references all carry their text already.
    assert not part(docx, "word/settings.xml").xpath("w:updateFields", namespaces=W)


def LIBREOFFICE_VERSION() -> str:  # noqa: N802 - read once a test needs it: "7.4" of "LibreOffice 7.4.7.2 ..."
    said = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=120).stdout
    return ".".join(said.split()[1].split(".")[:2])


@soffice
def test_the_layout_is_kept_by_the_docx_content_in_the_cache(numbered):
    root, first = numbered
    docx = root / "build" / f"{NAME}.docx"
    before = docx.read_bytes()
    shutil.rmtree(root / ".cache" / "docx")  # the DOCX itself is made again, its layout comes from the cache
    shutil.rmtree(root / ".cache" / "uptodate")  # (else the build is a no-op: its outputs are as it left them)
    done = cli(root, "--format", "docx")
    assert done.returncode == 0, done.stderr
    assert "from LibreOffice" in done.stderr and "'s layout of the file (cached)" in done.stderr
    assert docx.read_bytes() == before


@soffice
def test_after_an_edit_the_kept_profile_lays_out_the_new_file_with_the_right_pages(numbered, tmp_path: Path):
    """The second layout runs on the profile the first one left in the project's cache, LibreOffice started
    before the DOCX was ready: the contents follow headings that a long addition pushed on by pages."""
    root, _ = numbered
    profile = root / ".cache" / "docx-layout-profile"
    assert list(profile.glob("*/profile/user/registrymodifications.xcu"))
    section = root / "report" / "sections" / "03-diplomatic-relations.md"
    added = " ".join(["An added sentence of a colleague's draft, long enough to push the headings on."] * 60)
    section.write_text(section.read_text(encoding="utf-8") + "\n" + added + "\n", encoding="utf-8")
    done = cli(root, "--format", "docx")
    assert done.returncode == 0, done.stderr
    said = [line.strip() for line in done.stderr.splitlines() if "page numbers" in line]
    assert len(said) == 1 and said[0].startswith("docx: the contents' page numbers (42 of 42 entries) from "
                                                 "LibreOffice") and "(cached)" not in said[0], said
    assert_contents_agree(root / "build" / f"{NAME}.docx", tmp_path)
    assert not running(profile.resolve())


@pytest.mark.parametrize("where", ["nowhere on PATH", "none asked for"])
def test_without_a_layout_program_the_build_says_so_once_and_word_numbers_the_contents(tmp_path: Path, where):
    root = copy_project(FIXTURE, tmp_path / "mini")
    if where == "nowhere on PATH":  # the build needs nothing from PATH: pandoc and Typst come with their packages
        (tmp_path / "bin").mkdir()
        done = cli(root, "--format", "docx", path=str(tmp_path / "bin"))
        why = "LibreOffice's soffice is not on PATH, and report.yaml names no program under docx: layout:"
    else:
        done = cli(root, "--format", "docx", layout="none")
        why = "BRIEFKIT_DOCX_LAYOUT=none"
    assert done.returncode == 0, done.stderr
    said = [line.strip() for line in done.stderr.splitlines() if "page numbers" in line]
    assert said == [f"docx: no layout for the contents' page numbers ({why}): Word numbers them when it updates "
                    "the fields on opening"]
    docx = root / "build" / "mini.docx"
    assert not part(docx, "word/document.xml").xpath("//w:sdt//w:instrText[contains(., 'PAGEREF')]", namespaces=W)
    assert part(docx, "word/settings.xml").xpath("w:updateFields/@w:val", namespaces=W) == ["true"]


@soffice
def test_a_layout_program_named_in_report_yaml_is_the_one_run(tmp_path: Path):
    root = copy_project(FIXTURE, tmp_path / "mini")
    program = root / "tools" / "layout"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\necho "$@" >> "{root}/tools/calls"\nexec "{shutil.which("soffice")}" "$@"\n')
    program.chmod(0o755)
    report = root / "report" / "report.yaml"
    report.write_text(report.read_text() + "docx:\n  layout: tools/layout\n")
    done = cli(root, "--format", "docx")
    assert done.returncode == 0, done.stderr
    # Started ahead, beside pandoc, waiting on a pipe; then handed the finished file by a second run on the same
    # profile (the project's own, kept in its cache).
    ahead, convert = (root / "tools" / "calls").read_text().splitlines()
    profile = (root / ".cache" / "docx-layout-profile").resolve()
    assert "--accept=pipe,name=briefkit-" in ahead and "--convert-to" not in ahead
    assert "--convert-to" in convert and convert.endswith("briefing.docx")
    assert ahead.count(f"-env:UserInstallation={profile.as_uri()}/") == convert.count(
        f"-env:UserInstallation={profile.as_uri()}/") == 1
    assert not running(profile), "the layout left LibreOffice running"
    assert f"'s layout of the file ({program})" in done.stderr
    document = part(root / "build" / "mini.docx", "word/document.xml")
    assert document.xpath("//w:sdt//w:instrText[contains(., 'PAGEREF')]", namespaces=W)


def test_a_layout_that_is_no_program_is_a_mistake_in_report_yaml(tmp_path: Path):
    root = copy_project(FIXTURE, tmp_path / "mini")
    report = root / "report" / "report.yaml"
    report.write_text(report.read_text() + "docx:\n  layout: /nowhere/soffice\n")
    line = report.read_text().splitlines().index("  layout: /nowhere/soffice") + 1
    done = cli(root, "--format", "docx", layout="none")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (f"report/report.yaml:{line}:11: 'layout' must be auto, none or the path of a program that "
            "converts a DOCX to PDF (LibreOffice's soffice); '/nowhere/soffice' is no program here") in done.stderr
    assert not (root / "build").exists() or not list((root / "build").glob("*.docx"))


def test_a_layout_program_that_fails_leaves_the_contents_to_word_and_says_why(tmp_path: Path):
    root = copy_project(FIXTURE, tmp_path / "mini")
    program = tmp_path / "broken-layout"
    program.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    program.chmod(0o755)
    done = cli(root, "--format", "docx", layout=str(program))
    assert done.returncode == 0, done.stderr
    said = [line.strip() for line in done.stderr.splitlines() if "lay the file out" in line]
    assert said == ["docx: broken-layout could not lay the file out (exit code 1: Error: source file could not be "
                    "loaded): Word numbers the contents when it updates the fields on opening"]
    docx = root / "build" / "mini.docx"
    assert not part(docx, "word/document.xml").xpath("//w:sdt//w:instrText[contains(., 'PAGEREF')]", namespaces=W)
    assert part(docx, "word/settings.xml").xpath("w:updateFields/@w:val", namespaces=W) == ["true"]


def recording_layout(root: Path) -> Path:
    """A layout program that notes each of its command lines in tools/calls, then runs LibreOffice's soffice."""
    program = root / "tools" / "layout"
    program.parent.mkdir(exist_ok=True)
    program.write_text(f'#!/bin/sh\necho "$@" >> "{root}/tools/calls"\nexec "{shutil.which("soffice")}" "$@"\n')
    program.chmod(0o755)
    return program


def numbers(docx: Path) -> list[str]:
    """The page number of each contents entry, as the DOCX carries it."""
    return part(docx, "word/document.xml").xpath(
        "//w:sdt//w:hyperlink[@w:anchor]//w:fldChar[@w:fldCharType='separate']/../following-sibling::w:r[w:t][1]"
        "/w:t/text()", namespaces=W)


def wait_until_ended(profile: Path, seconds: float) -> list[str]:
    import time

    deadline = time.monotonic() + seconds
    while (left := running(profile)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@soffice
def test_libreoffice_stays_for_the_next_build_which_hands_it_the_file_and_clean_ends_it(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    program = recording_layout(root)
    profile = (root / ".cache" / "docx-layout-profile").resolve()
    try:
        first = cli(root, "--format", "docx", layout=str(program), stays="120")
        assert first.returncode == 0, first.stderr
        assert ("docx: LibreOffice stays for the next builds' layouts; it ends after 2 minutes unused, or with "
                "'briefkit clean' (BRIEFKIT_OFFICE_STAYS=0 ends it with each build)") in first.stderr
        start, convert = (root / "tools" / "calls").read_text().splitlines()
        assert "--accept=pipe,name=briefkit-kept-" in start and start.endswith("private:factory/swriter")
        assert "--convert-to" in convert
        assert running(profile), "LibreOffice did not stay"

        # A colleague's long addition pushes the later headings on by pages.
        section = root / "report" / "sections" / "03-diplomatic-relations.md"
        added = " ".join(["An added sentence of a colleague's draft, long enough to push the headings on."] * 60)
        section.write_text(section.read_text(encoding="utf-8") + "\n" + added + "\n", encoding="utf-8")
        second = cli(root, "--format", "docx", layout=str(program), stays="120")
        assert second.returncode == 0, second.stderr
        calls = (root / "tools" / "calls").read_text().splitlines()
        assert len(calls) == 3 and "--convert-to" in calls[2], calls  # handed over: no LibreOffice started
        assert "stays for the next builds" not in second.stderr
        assert "(42 of 42 entries)" in second.stderr, second.stderr
        kept = numbers(root / "build" / f"{NAME}.docx")

        # The same file laid out by a LibreOffice of its own (no cache: a new profile, ended with the build).
        alone = cli(root, "--format", "docx", "--no-cache", "--out", str(tmp_path / "alone"), layout=str(program))
        assert alone.returncode == 0, alone.stderr
        assert numbers(tmp_path / "alone" / f"{NAME}.docx") == kept and kept != numbers_before(tmp_path)

        done = cli(root, command="clean")
        assert done.returncode == 0, done.stderr
        assert not wait_until_ended(profile, 20), "clean left LibreOffice running"
    finally:
        subprocess.run(["pkill", "-f", str(profile)], check=False)


def numbers_before(tmp_path: Path) -> list[str]:
    """The contents' page numbers of the shipped briefing, not edited (laid out by a LibreOffice of its own)."""
    root = copy_project(REPO, tmp_path / "unedited")
    done = cli(root, "--format", "docx", "--no-cache")
    assert done.returncode == 0, done.stderr
    return numbers(root / "build" / f"{NAME}.docx")


@soffice
def test_a_kept_libreoffice_ends_once_unused_and_one_that_died_is_replaced(tmp_path: Path):
    import signal

    root = copy_project(FIXTURE, tmp_path / "mini")
    profile = (root / ".cache" / "docx-layout-profile").resolve()
    try:
        done = cli(root, "--format", "docx", stays="600")
        assert done.returncode == 0 and running(profile), done.stderr
        # LibreOffice dies (killed, or it crashed): the next build starts another and numbers the contents.
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().decode("utf-8", "replace").split("\0")
            except OSError:
                continue
            if args[0].endswith("soffice.bin") and any(profile.as_uri() in arg for arg in args):
                os.kill(int(cmdline.parent.name), signal.SIGKILL)
        assert not wait_until_ended(profile, 20), "the keeper outlived its LibreOffice"
        (root / "report" / "sections" / "01-summary.md").open("a").write("\nOne more sentence.\n")
        done = cli(root, "--format", "docx", stays="1")
        assert done.returncode == 0, done.stderr
        assert "stays for the next builds' layouts; it ends after 1 second unused" in done.stderr
        assert numbers(root / "build" / "mini.docx")
        assert not wait_until_ended(profile, 30), "LibreOffice stayed past its time"
        assert not (next(profile.iterdir()) / "office.json").exists()
    finally:
        subprocess.run(["pkill", "-f", str(profile)], check=False)
