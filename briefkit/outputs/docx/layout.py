"""The contents' page numbers from a real layout of the very DOCX.

LibreOffice, run headless with a profile of its own, prints the finished file to PDF with a named destination for
every bookmark; each contents entry links to its heading's bookmark, so the page of that destination is the
entry's page number. It is written into the entry as Word writes its own (a tab and a PAGEREF field to the
bookmark, its cached result the number), and Word is no longer told to update the fields on opening: the
contents are complete in every reader, Word asks nothing, and an update in Word (F9) puts Word's own numbers in.
Where no layout program is available, the build says so and the contents stay as they were, for Word to number.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefkit.cache import Cache, fingerprint

PROGRESS = logging.getLogger("briefkit.progress")
STAGE = "docx-layout"
PROFILE_STAGE = "docx-layout-profile"  # the project's LibreOffice profile, in its cache
ENVIRONMENT = "BRIEFKIT_DOCX_LAYOUT"  # "none", "auto" or a program: overrides report.yaml (tests, benchmarks)
PROGRAMS = ("soffice", "libreoffice")
TIMEOUT = 300  # seconds; a first start makes LibreOffice's profile (1-3 s), a briefing prints in a few seconds
PIPES = "/tmp"  # where LibreOffice (its OSL layer) opens its named pipes on Unix
PDF_FILTER = 'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
LEFT_TO_WORD = "Word numbers them when it updates the fields on opening"


@dataclass(frozen=True)
class Layout:
    """A program that lays a DOCX out (LibreOffice's soffice), found on PATH or named in report.yaml."""

    program: Path

    @property
    def identity(self) -> str:
        """What keys a layout: the program's path, size and date (a new LibreOffice may break pages elsewhere)."""
        stat = self.program.stat()
        return f"{self.program}:{stat.st_size}:{stat.st_mtime_ns}"


def find_layout(setting: str = "auto") -> Layout | None:
    """The layout program: BRIEFKIT_DOCX_LAYOUT, else report.yaml's docx: layout: ("auto": soffice on PATH; "none";
    or a program's path); None where there is none.
    """
    setting = os.environ.get(ENVIRONMENT) or setting
    if setting == "none":
        return None
    if setting == "auto":
        found = next((path for name in PROGRAMS if (path := shutil.which(name))), None)
        return Layout(Path(found).resolve()) if found else None
    program = Path(setting).expanduser()
    return Layout(program.resolve()) if program.is_file() and os.access(program, os.X_OK) else None


def why_none(setting: str = "auto") -> str:
    """Why find_layout found no layout program, in the build's words."""
    chosen = os.environ.get(ENVIRONMENT) or setting
    if chosen == "none":
        return f"{ENVIRONMENT}=none" if os.environ.get(ENVIRONMENT) else "docx: layout: none in report.yaml"
    if chosen == "auto":
        return "LibreOffice's soffice is not on PATH, and report.yaml names no program under docx: layout:"
    return f"{ENVIRONMENT}={chosen} is no program"


def layout_key(setting: str = "auto") -> str:
    """The part of the DOCX's key that the layout decides: the program, or "none"."""
    layout = find_layout(setting)
    return layout.identity if layout else "none"


def number_contents(docx: Path, setting: str, cache: Cache | None = None, office: Office | None = None) -> int:
    """Write the page numbers of a layout into the contents of the DOCX at `docx` (in place); returns how many
    entries got one. The build output says which layout gave them, or that there was none.

    office: LibreOffice started ahead (start_office) while the DOCX was made; without it one is started now.
    """
    from briefkit.outputs.docx.writer import read_parts, rewrite_zip

    content = docx.read_bytes()
    parts = read_parts(content)
    anchors = contents_anchors(parts["word/document.xml"])
    if not anchors:
        return 0
    layout = office.layout if office else find_layout(setting)
    if layout is None:
        PROGRESS.info("docx: no layout for the contents' page numbers (%s): %s", why_none(setting), LEFT_TO_WORD)
        return 0
    key = fingerprint(STAGE, content, layout.identity)
    entry = cache.lookup(STAGE, key) if cache else None
    kept = False  # whether this build left LibreOffice running for the next ones
    if entry is not None:
        found = json.loads((entry / "pages.json").read_text(encoding="utf-8"))
        how = "cached"
    else:
        try:
            with office or Office(layout, cache, ahead=False) as laying:
                found = laying.lay_out(content)
                kept = laying.keeper is not None and laying.kept
        except LayoutError as error:
            PROGRESS.info("docx: %s could not lay the file out (%s): %s", layout.program.name, error,
                          LEFT_TO_WORD.replace("them", "the contents"))
            return 0
        how = str(layout.program)
        if cache:
            with tempfile.TemporaryDirectory() as folder:
                record = Path(folder) / "pages.json"
                record.write_text(json.dumps(found, ensure_ascii=False, sort_keys=True), encoding="utf-8")
                cache.store(STAGE, key, {"pages.json": record})
    pages = {anchor: found["pages"][destination_name(anchor)] for anchor in anchors
             if destination_name(anchor) in found["pages"]}
    if not pages:
        PROGRESS.info("docx: %s's layout has no page for any contents entry: %s", found["producer"], LEFT_TO_WORD)
        return 0
    complete = len(pages) == len(anchors)
    docx.write_bytes(rewrite_zip(content, {
        "word/document.xml": lambda xml: page_numbers(xml, pages),
        **({"word/settings.xml": no_update_on_opening} if complete else {}),
    }))
    PROGRESS.info("docx: the contents' page numbers (%d of %d entries) from %s's layout of the file (%s)",
                  len(pages), len(anchors), found["producer"], how)
    if kept:
        PROGRESS.info("docx: LibreOffice stays for the next builds' layouts; it ends after %s unused, or with "
                      "'briefkit clean' (%s=0 ends it with each build)", _duration(stays()), STAYS)
    return len(pages)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if minutes and not rest:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{round(seconds)} second{'s' if round(seconds) != 1 else ''}"


class LayoutError(Exception):
    """The layout program failed: the build goes on without page numbers."""


def start_office(setting: str, cache: Cache | None = None) -> Office | None:
    """LibreOffice started now, to lay out a DOCX that is still being made (None where there is no layout program).

    Its start is most of a layout's time (a second and a half here, against under one for the briefing itself):
    begun before pandoc, it runs beside the conversion; kept from an earlier build (stays()), it is not started at
    all. Use it as a context manager; it lays out one file.
    """
    layout = find_layout(setting)
    return Office(layout, cache) if layout else None


STAYS = "BRIEFKIT_OFFICE_STAYS"  # seconds the project's LibreOffice stays for the next layout; 0: ended each build
DEFAULT_STAYS = 600
MAX_USES = 100  # layouts on one kept LibreOffice before a new one is started (its memory grows a little each)
KEEPER = Path(__file__).resolve().with_name("keeper.py")


def stays() -> float:
    """How long (seconds) a kept LibreOffice waits unused for the next build before it ends: BRIEFKIT_OFFICE_STAYS,
    else ten minutes; 0 keeps none."""
    try:
        return max(0.0, float(os.environ.get(STAYS) or DEFAULT_STAYS))
    except ValueError:
        return float(DEFAULT_STAYS)


class Office:
    """One LibreOffice on a profile of its own, laying out one file.

    The profile is the project's own, kept in its cache (LibreOffice makes a new one in a second or so), under a
    lock; where there is no cache or another build holds that lock, a new one of this layout's own. On the project's
    profile the LibreOffice stays after the build (keeper.py ends it after stays() seconds unused, or when the cache
    goes), and the next build hands its file to it: LibreOffice's start, most of a layout's time, is paid once.
    Otherwise, started ahead (ahead=True), it waits with a pipe open, a second soffice on the same profile hands it
    the file when it is ready, and it is ended with all it started; or the one soffice run does it all.
    """

    def __init__(self, layout: Layout, cache: Cache | None = None, ahead: bool = True):
        self.layout = layout
        self.work = Path(tempfile.mkdtemp(prefix="briefkit-layout-"))
        self._held = _kept_profile(cache, layout) if cache is not None and cache.enabled else None
        self.profile = self._held[0] if self._held else self.work / "profile"
        self.process: subprocess.Popen | None = None
        # Kept only where the kept LibreOffice can be known again by its process (Linux's /proc).
        self.kept = self._held is not None and stays() > 0 and Path("/proc/self/cmdline").is_file()
        self.keeper: subprocess.Popen | None = None  # the keeper this build started, if it started one
        if self.kept:
            self.pipe = f"briefkit-kept-{fingerprint(str(self.profile))[:16]}"
            if not self._ready(wait=False):
                self._keep()
            return
        self.pipe = f"briefkit-{os.getpid()}-{self.work.name}"
        if ahead:
            pipe = self.pipe
            try:
                self.process = _start([*self._command(), f"--accept=pipe,name={pipe};urp;"], self.work)
            except LayoutError:
                self.process = None  # the layout itself says why, when it runs the program again

    def _command(self) -> list[str]:
        return [str(self.layout.program), "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                f"-env:UserInstallation={self.profile.as_uri()}"]

    @property
    def folder(self) -> Path:
        """The folder of the project's profile: its lock, the kept LibreOffice's state and use stamp."""
        return self.profile.parent

    def _keep(self) -> None:
        """Start a LibreOffice that stays (under keeper.py), ending one that is there but unusable.

        It opens an empty text document of its own: a LibreOffice with no document ends after the file handed to
        it is printed."""
        end_kept(self.folder)
        command = [*self._command(), f"--accept=pipe,name={self.pipe};urp;", "private:factory/swriter"]
        try:
            self.keeper = subprocess.Popen(
                [sys.executable, "-I", str(KEEPER), str(self.folder), str(stays()), "--", *command], cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            self.kept = False

    def lay_out(self, content: bytes) -> dict[str, Any]:
        """The page label of every named destination (by its name in the PDF) of the DOCX laid out and printed to
        PDF, and the name of the program that did it ("LibreOffice 7.4")."""
        import pikepdf

        source = self.work / "briefing.docx"
        source.write_bytes(content)
        if self.kept and not self._ready():
            end_kept(self.folder)  # it never came up: the one run below does it all
            self.kept = False
        if self.process is not None and not self._ready():
            _end(self.process)  # it never came up: the one run below does it all
            self.process = None
        printed = self.work / "briefing.pdf"
        command = [*self._command(), "--convert-to", PDF_FILTER, "--outdir", str(self.work), str(source)]
        returncode, said = run(command, self.work)
        if not printed.is_file() and self.kept:
            end_kept(self.folder)  # the kept LibreOffice failed: a LibreOffice of this layout's own tries once more
            self.kept = False
            returncode, said = run(command, self.work)
        if not printed.is_file():
            lines = said.strip().splitlines()
            raise LayoutError(f"exit code {returncode}{': ' + lines[-1] if lines else ''}")
        try:
            with pikepdf.open(printed) as pdf:
                labels = {page.obj.objgen: page.label for page in pdf.pages}
                producer = str(pdf.docinfo.get("/Producer", self.layout.program.name))
                return {"producer": producer, "pages": destinations(pdf, labels)}
        except pikepdf.PdfError as error:
            raise LayoutError(f"its PDF cannot be read: {error}") from None

    def _ready(self, wait: bool = True) -> bool:
        """Whether the office started ahead, or kept, has opened its pipe (waiting for it, with `wait`): only then
        does a second soffice hand it the file (one started before would do the layout itself, and the first,
        handing over its pipe, keep it running)."""
        import time

        socket = Path(PIPES) / f"OSL_PIPE_{os.getuid()}_{self.pipe}"
        deadline = time.monotonic() + (TIMEOUT if wait else 0)
        while self._up():
            if socket.exists():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return False

    def _up(self) -> bool:
        if self.kept:
            if self.keeper is not None and self.keeper.poll() is None and _kept_state(self.folder) is None:
                return True  # the keeper this build started has not yet started LibreOffice
            return kept_office(self.folder) is not None
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """End the office started ahead and everything it started (a kept one stays, its use noted), release the
        profile, remove the work folder."""
        if self.process is not None:
            _end(self.process)
            self.process = None
        if self.kept and self._held:
            _note_use(self.folder)
        if self._held:
            self._held[1].close()  # the lock goes with its file descriptor
            self._held = None
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kept_state(folder: Path) -> dict | None:
    from briefkit.outputs.docx.keeper import STATE

    try:
        return json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def kept_office(folder: Path) -> dict | None:
    """The state of the LibreOffice kept on the profile in `folder` (its keeper's and its own process ids, how many
    layouts it made) where it is running; None otherwise."""
    state = _kept_state(folder)
    if not state or not _is_keeper(state.get("keeper"), folder) or not _alive(state.get("office")):
        return None
    return state


def _alive(pid: object) -> bool:
    """Whether the process `pid` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, TypeError, ValueError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _is_keeper(pid: object, folder: Path) -> bool:
    """Whether `pid` is the keeper of `folder` (not another program that got its number since)."""
    try:
        args = Path(f"/proc/{int(pid)}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except (OSError, TypeError, ValueError):
        return False
    return str(KEEPER) in args and str(folder) in args and _alive(pid)


def _note_use(folder: Path) -> None:
    """A layout was made on the kept LibreOffice: its idle time starts again; after MAX_USES it is replaced."""
    from briefkit.outputs.docx.keeper import STATE, USED

    state = kept_office(folder)
    if state is None:
        return
    state["uses"] = state.get("uses", 0) + 1
    if state["uses"] >= MAX_USES:
        end_kept(folder)
        return
    written = folder / f"{STATE}.new"
    written.write_text(json.dumps(state), encoding="utf-8")
    written.replace(folder / STATE)
    (folder / USED).touch()


def end_kept(folder: Path) -> bool:
    """End the LibreOffice kept on the profile in `folder`, and its keeper; True if one was running."""
    import signal
    import time

    from briefkit.outputs.docx.keeper import STATE

    state = kept_office(folder)
    if state is None:
        return False
    os.kill(state["keeper"], signal.SIGTERM)  # it ends LibreOffice's session, then itself
    deadline = time.monotonic() + 15
    while (_alive(state["keeper"]) or _alive(state["office"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    # What did not end: LibreOffice's whole session (it leads one of its own), then the keeper.
    for kill, pid in ((os.killpg, state["office"]), (os.kill, state["keeper"])):
        if _alive(pid):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
    (folder / STATE).unlink(missing_ok=True)
    return True


def end_kept_offices(cache_root: Path) -> int:
    """End every LibreOffice kept on the profiles of the cache at `cache_root` (`briefkit clean`); how many."""
    folder = cache_root / PROFILE_STAGE
    return sum(end_kept(profile) for profile in sorted(folder.glob("*")) if profile.is_dir()) if folder.is_dir() else 0


def _kept_profile(cache: Cache, layout: Layout) -> tuple[Path, Any] | None:
    """The project's LibreOffice profile for this program, and the open lock file that holds it; None where another
    build holds it or the cache cannot be written."""
    from briefkit.outputs.docx.keeper import LOCK, take_lock

    folder = cache.root / PROFILE_STAGE / fingerprint(layout.identity)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    lock = take_lock(folder / LOCK)  # held until Office.close
    return (folder / "profile", lock) if lock is not None else None


def _start(command: list[str], work: Path) -> subprocess.Popen:
    """The program started in a session of its own (soffice is a script that starts oosplash, which starts
    soffice.bin), so that all of it can be ended at once."""
    try:
        return subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    except OSError as error:
        raise LayoutError(str(error)) from None


def _end(process: subprocess.Popen) -> None:
    """End the program's whole session: asked first, then made to."""
    from briefkit.outputs.docx.keeper import end

    end(process)


def run(command: list[str], work: Path) -> tuple[int, str]:
    """Run the layout program to its end, none of it left running after a timeout. (exit code, what it said)."""
    process = _start(command, work)
    try:
        said, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _end(process)
        raise LayoutError(f"no PDF after {TIMEOUT} s") from None
    return process.returncode, said or ""


def destinations(pdf: Any, labels: dict[tuple[int, int], str]) -> dict[str, str]:
    """The page label of each named destination, from the catalogue's /Dests (PDF 1.1, as LibreOffice writes
    them) or its /Names name tree.
    """
    import pikepdf

    named: dict[str, Any] = {}
    if "/Dests" in pdf.Root:
        named.update((str(name).lstrip("/"), target) for name, target in pdf.Root.Dests.items())
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        named.update(pikepdf.NameTree(pdf.Root.Names.Dests).items())
    found = {}
    for name, target in named.items():
        if isinstance(target, pikepdf.Dictionary):
            target = target.get("/D")
        if isinstance(target, pikepdf.Array) and len(target) and target[0].objgen in labels:
            found[name] = labels[target[0].objgen]
    return found


def destination_name(bookmark: str) -> str:
    """A bookmark's name as LibreOffice names its destination in a PDF: letters, digits and '-' as they are,
    every other character as the hexadecimal of its UTF-16 unit (a high byte only when not zero)."""
    out = []
    for char in bookmark:
        if char.isascii() and (char.isalnum() or char == "-"):
            out.append(char)
        else:
            code = ord(char)
            out.append((f"{code >> 8:02X}" if code >> 8 else "") + f"{code & 0xFF:02X}")
    return "".join(out)


def contents_anchors(document: bytes) -> list[str]:
    """The bookmarks the contents entries link to, in order."""
    from lxml import etree

    from briefkit.outputs.docx.openxml import w, xpath

    root = etree.fromstring(document)
    return [link.get(w("anchor")) for link in xpath(root, CONTENTS_LINKS)]


CONTENTS_LINKS = ("//w:sdt[w:sdtPr/w:docPartObj/w:docPartGallery/@w:val='Table of Contents']"
                  "/w:sdtContent/w:p/w:hyperlink[@w:anchor]")


def page_numbers(document: bytes, pages: dict[str, str]) -> bytes:
    """The contents entries with their page numbers, as Word writes them: a tab (to the style's right tab, with
    its leader) and a PAGEREF field to the entry's bookmark, whose cached result is the page."""
    from lxml import etree

    from briefkit.outputs.docx.openxml import el, field_runs, text_run, w, xpath
    from briefkit.outputs.docx.styles import MUTED

    root = etree.fromstring(document)
    for link in xpath(root, CONTENTS_LINKS):
        page = pages.get(link.get(w("anchor")))
        if page is None:
            continue
        # As in the PDF: the number in regular weight and the muted colour.
        plain = el("rPr", None, el("b", {"val": 0}), el("bCs", {"val": 0}), el("color", {"val": MUTED}))
        link.extend([text_run("\t", plain), *field_runs(f"PAGEREF {link.get(w('anchor'))} \\h", page, plain)])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def no_update_on_opening(settings: bytes) -> bytes:
    """Word's settings without the update of the fields on opening (and its prompt on every open): the contents
    already carry their numbers, the captions and cross-references their text."""
    from lxml import etree

    from briefkit.outputs.docx.openxml import w

    root = etree.fromstring(settings)
    for update in root.findall(w("updateFields")):
        root.remove(update)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
