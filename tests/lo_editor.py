"""A real editor for the tests of `briefkit review`: LibreOffice Writer, scripted through UNO, edits a DOCX.

    /usr/bin/python3 tests/lo_editor.py IN.docx OUT.docx EDITS.json

Runs under the system Python, the one with Debian's python3-uno (`import uno`), not the project's venv; it needs
only the standard library and uno. EDITS.json is a list of operations, applied in order:

    {"op": "replace", "find": "cool towards", "with": "wary of", "track": true, "author": "Alex Reviewer"}
    {"op": "delete", "find": "some words", "track": true}
    {"op": "insert", "after": "anchor text", "text": " new words", "track": true}
    {"op": "comment", "find": "anchor text", "text": "Is this right?", "author": "Alex Reviewer"}
    {"op": "bold", "find": "words", "track": true}

`find` (and `after`) is a literal, case-sensitive string, looked for in the text as it reads with its tracked
deletions left out: the first occurrence in the body (table cells included, in reading order; a table of
contents left out), or the Nth with "occurrence": N (from 1); "in": "footnotes" (or "endnotes") looks in the
notes' texts instead. A match does not span two paragraphs, a deletion or something that is not text (a note's
anchor, a field, a frame).

"track" (default true) turns the document's change recording, its RecordChanges property, on or off for that
operation: "track": false edits the text as it is. "bold" makes the text bold: a formatting-only change.

"author" (default "Alex Reviewer") holds per operation. A tracked change is given the name of the user profile,
which is set for each operation in LibreOffice's configuration (org.openoffice.UserProfile/Data: the whole name
as givenname, sn empty, so no locale's order of names comes in); Writer reads it again when it changes, so each
change carries its own w:author. A comment takes the annotation's own Author, and Initials from "initials" or the
name's capitals. "date" (ISO 8601, "2025-03-01T10:00:00") dates a comment; tracked changes are dated with the
clock, as Writer does. "resolved": true marks a comment done. A comment in a note is refused: Writer takes it,
but its DOCX export leaves it out.

The document is opened as a model with no view (no window, no layout): the nogui build of LibreOffice lacks the
interface files of the window that a view opens for each comment, and aborts when a comment is inserted in a
view. It is saved with the filter "MS Word 2007 XML". soffice runs headless with a temporary profile of its own,
reached through a named pipe, and is always ended, on an error too. Exit 0 when saved; 1 with one line on
standard error when an operation cannot be applied (its text not found, a malformed operation) or LibreOffice
fails; 2 for a wrong command line.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

DEFAULT_AUTHOR = "Alex Reviewer"
DOCX_FILTER = "MS Word 2007 XML"
START_TIMEOUT = 60.0  # seconds for soffice to accept the connection (a fresh profile is made in 1-3 s)
BOLD = 150.0  # com.sun.star.awt.FontWeight.BOLD

OPS = {
    "replace": {"find", "with"},
    "delete": {"find"},
    "insert": {"after", "text"},
    "comment": {"find", "text"},
    "bold": {"find"},
}
OPTIONAL = {"op", "track", "author", "occurrence", "in", "initials", "date", "resolved"}


class EditError(Exception):
    """An operation that cannot be applied; the message is printed as is."""


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def soffice_binary() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise EditError("soffice not found on PATH (install libreoffice-writer-nogui)")


# Ends soffice's process group once this script is gone, however it ended (even killed, when no finally runs),
# and removes the profile and the sockets: it waits for the end of its standard input, a pipe whose other end
# only this script holds.
WATCHDOG = """import os, shutil, signal, sys, time
while sys.stdin.buffer.read(4096):
    pass
group, folder, *sockets = sys.argv[1:]
try:
    os.killpg(int(group), signal.SIGKILL)
    time.sleep(0.5)
except ProcessLookupError:
    pass
shutil.rmtree(folder, ignore_errors=True)
for socket in sockets:
    try:
        os.unlink(socket)
    except OSError:
        pass
"""


def ipc_pipe(profile_url: str) -> Path:
    """The socket soffice makes for its own instance, named from its profile's URL (an MD5 of its UTF-16 in hex,
    each byte without a leading zero, as desktop/source/app/officeipcthread.cxx writes it)."""
    digest = hashlib.md5(profile_url.encode("utf-16-le")).digest()
    return Path("/tmp", f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{''.join(format(b, 'x') for b in digest)}")


class Office:
    """soffice headless with its own profile and pipe; a context manager that always ends it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lo_editor_"))
        self.profile = uno.systemPathToFileUrl(str(self.folder / "profile"))
        self.pipe = f"lo_editor_{os.getpid()}_{int(time.time() * 1000)}"
        self.process: subprocess.Popen | None = None
        self.watchdog: subprocess.Popen | None = None
        self.log = self.folder / "soffice.log"
        self.desktop = None
        self.context = None

    def __enter__(self) -> Office:
        env = dict(os.environ)
        env.setdefault("HOME", str(self.folder))
        env.pop("DISPLAY", None)  # headless everywhere, as in CI
        env["SAL_USE_VCLPLUGIN"] = "svp"
        try:
            with open(self.log, "wb") as log:
                # A session of its own: soffice is a script that starts oosplash, which starts soffice.bin, and
                # the whole group is ended at the close if soffice.bin outlives the others.
                self.process = subprocess.Popen(
                    [soffice_binary(), "--headless", "--invisible", "--nologo", "--nodefault", "--norestore",
                     "--nolockcheck", "--nofirststartwizard", f"-env:UserInstallation={self.profile}",
                     f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True,
                )
            self.watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG, str(self.process.pid), str(self.folder), *map(str, self.sockets())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            self.context = self._connect()
            self.desktop = self.context.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", self.context)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def sockets(self) -> list[Path]:
        """soffice's sockets: the pipe of the connection and that of its own instance, which it removes as it
        ends, but not when it dies."""
        return [Path("/tmp", f"OSL_PIPE_{os.getuid()}_{self.pipe}"), ipc_pipe(self.profile)]

    def _said(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(lines[-3:])

    def _connect(self):
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return resolver.resolve(url)
            except Exception as error:  # noqa: BLE001 - NoConnectException until soffice listens
                if self.process.poll() is not None:
                    raise EditError(f"soffice exited with {self.process.returncode} before accepting a connection: "
                                    f"{self._said()}") from None
                if time.monotonic() > deadline:
                    raise EditError(f"soffice did not accept a connection in {START_TIMEOUT:.0f} s") from error
                time.sleep(0.05)

    def dead(self) -> str | None:
        """Why soffice is gone, if it is (it aborts on some errors, and UNO then only says its bridge is gone)."""
        if self.process is not None and self.process.poll() is not None:
            return f"soffice ended with {self.process.returncode}: {self._said()}"
        return None

    def __exit__(self, *exc: object) -> None:
        try:
            if self.desktop is not None and self.process.poll() is None:
                try:
                    self.desktop.terminate()
                except Exception:  # noqa: BLE001 - the bridge drops as soffice quits (DisposedException)
                    pass
            if self.process is not None:
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if self.process is not None:
                self._end_group()
            if self.watchdog is not None:
                self.watchdog.stdin.close()
                self.watchdog.wait(timeout=10)
            for socket in self.sockets():
                socket.unlink(missing_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)

    def _end_group(self) -> None:
        """Kills what is left of soffice's process group (its own session, started here) and reaps the child."""
        group = self.process.pid

        def alive() -> bool:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return False
            return True

        # soffice.bin may still be closing for a moment after the script and oosplash have ended.
        deadline = time.monotonic() + (3.0 if self.process.poll() is not None else 0.0)
        while alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if alive():
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()

    def load(self, path: Path):
        """The document as a model with no view: no window, and so no comment's window, whose interface files
        the nogui build of LibreOffice lacks (inserting a comment in a view aborts soffice there)."""
        document = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.text.TextDocument", self.context)
        try:
            document.load((prop("URL", uno.systemPathToFileUrl(str(path))), prop("FilterName", DOCX_FILTER)))
        except Exception as error:  # noqa: BLE001 - an IOException of UNO's with no useful message
            document.close(True)
            raise EditError(f"LibreOffice could not open the document: {type(error).__name__}") from None
        return document

    def set_author(self, name: str) -> None:
        """The user profile's name, which Writer gives the changes it records from now on."""
        provider = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", self.context)
        access = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess",
            (prop("nodepath", "/org.openoffice.UserProfile/Data"),))
        access.setPropertyValue("givenname", name)
        access.setPropertyValue("sn", "")
        access.commitChanges()


# Portions that take no room in the text as it reads: marks of where something starts or ends.
ZERO_WIDTH = {"Redline", "Bookmark", "ReferenceMark", "DocumentIndexMark", "Annotation", "AnnotationEnd",
              "SoftPageBreak", "Ruby"}
SEPARATOR = "\uffff"  # stands for a portion that is not text (a footnote's anchor, a field): no match spans it


def texts(document, where: str):
    """The texts searched, in document order: the body (and the cells of its tables), or the footnotes, or the
    endnotes."""
    if where == "body":
        yield document.getText()
    else:
        notes = document.getFootnotes() if where == "footnotes" else document.getEndnotes()
        for index in range(notes.getCount()):
            yield notes.getByIndex(index)


def paragraphs(text):
    """The paragraphs of a text, those of its tables' cells included, in order; not those of a table of contents
    (or another index), which Word makes anew from the headings."""
    enumeration = text.createEnumeration()
    while enumeration.hasMoreElements():
        element = enumeration.nextElement()
        if element.supportsService("com.sun.star.text.TextTable"):
            for name in element.getCellNames():
                yield from paragraphs(element.getCellByName(name))
        elif element.supportsService("com.sun.star.text.Paragraph") and element.DocumentIndex is None:
            yield element


def matches(paragraph, text: str, deleting: set):
    """Where `text` is in a paragraph as it reads, its tracked deletions left out: (portion, offset) pairs.

    `deleting` holds the tracked deletions open at the paragraph's start and is updated, since one can span
    paragraphs. A match never spans a deletion or a portion that is not text."""
    joined, pieces = [], []  # pieces: (start in joined, length, the text portion)
    at = 0
    portions = paragraph.createEnumeration()
    while portions.hasMoreElements():
        portion = portions.nextElement()
        kind = portion.TextPortionType
        if kind == "Redline":
            if portion.RedlineType == "Delete" and not portion.IsCollapsed:
                (deleting.add if portion.IsStart else deleting.discard)(portion.RedlineIdentifier)
            continue
        if kind in ZERO_WIDTH:
            continue
        piece = portion.getString() if kind == "Text" and not deleting else ""
        if piece:
            pieces.append((at, len(piece), portion))
        else:
            piece = SEPARATOR
        joined.append(piece)
        at += len(piece)
    line = "".join(joined)
    found = line.find(text)
    while found != -1:
        first = next(p for p in pieces if p[0] <= found < p[0] + p[1])
        last = next(p for p in pieces if p[0] < found + len(text) <= p[0] + p[1])
        yield (first[2], found - first[0]), (last[2], found + len(text) - last[0])
        found = line.find(text, found + len(text))


def locate(document, text: str, occurrence: int, where: str):
    """A cursor over the Nth occurrence (from 1) of `text`, in the body and its tables or in the notes."""
    if not text:
        raise EditError("an empty text to find")
    count = 0
    for owner in texts(document, where):
        deleting: set = set()
        for paragraph in paragraphs(owner):
            for (first, start), (last, end) in matches(paragraph, text, deleting):
                count += 1
                if count == occurrence:
                    cell = first.getText()
                    cursor = cell.createTextCursorByRange(first.getStart())
                    cursor.goRight(start, False)
                    stop = cell.createTextCursorByRange(last.getStart())
                    stop.goRight(end, False)
                    # From start to end: Writer inserts a comment over a range only if its point is at the end.
                    cursor.gotoRange(stop, True)
                    return cursor
    place = {"body": "the body text", "footnotes": "the footnotes", "endnotes": "the endnotes"}[where]
    nth = f"occurrence {occurrence} of " if occurrence != 1 else ""
    times = f" (it is there {count} time{'s' if count != 1 else ''})" if count else ""
    raise EditError(f"{nth}{text!r} not found in {place}{times}")


def initials(name: str) -> str:
    return "".join(part[0] for part in name.split() if part).upper()


def uno_datetime(value: str | None):
    moment = datetime.datetime.fromisoformat(value) if value else datetime.datetime.now()
    stamp = uno.createUnoStruct("com.sun.star.util.DateTime")
    stamp.Year, stamp.Month, stamp.Day = moment.year, moment.month, moment.day
    stamp.Hours, stamp.Minutes, stamp.Seconds = moment.hour, moment.minute, moment.second
    stamp.NanoSeconds = moment.microsecond * 1000
    return stamp


def check(edit: object, number: int) -> dict:
    where = f"edit {number}"
    if not isinstance(edit, dict):
        raise EditError(f"{where}: not an object: {edit!r}")
    op = edit.get("op")
    if op not in OPS:
        raise EditError(f"{where}: unknown op {op!r} (one of {', '.join(OPS)})")
    missing = sorted(OPS[op] - edit.keys())
    if missing:
        raise EditError(f"{where} ({op}): missing {', '.join(missing)}")
    unknown = sorted(edit.keys() - OPS[op] - OPTIONAL)
    if unknown:
        raise EditError(f"{where} ({op}): unknown key {', '.join(unknown)}")
    for key in OPS[op] | {"author", "initials", "date"}:
        if key in edit and not isinstance(edit[key], str):
            raise EditError(f"{where} ({op}): {key} must be a string")
    if "author" in edit and not edit["author"].strip():
        raise EditError(f"{where} ({op}): an empty author (Writer would write \"Unknown Author\")")
    occurrence = edit.get("occurrence", 1)
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1:
        raise EditError(f"{where} ({op}): occurrence must be a whole number from 1")
    if edit.get("in", "body") not in ("body", "footnotes", "endnotes"):
        raise EditError(f"{where} ({op}): in must be \"body\", \"footnotes\" or \"endnotes\"")
    for key in ("track", "resolved"):
        if not isinstance(edit.get(key, True), bool):
            raise EditError(f"{where} ({op}): {key} must be true or false")
    if op == "comment" and edit.get("in", "body") != "body":
        # Writer takes it, but its DOCX export (7.4) leaves out the comments of footnotes and endnotes.
        raise EditError(f"{where} ({op}): LibreOffice does not save a comment in {edit['in']} to DOCX")
    if "date" in edit:
        try:
            datetime.datetime.fromisoformat(edit["date"])
        except ValueError:
            raise EditError(f"{where} ({op}): date {edit['date']!r} is not ISO 8601") from None
    return edit


def apply(office: Office, document, edit: dict, number: int) -> None:
    op = edit["op"]
    author = edit.get("author", DEFAULT_AUTHOR).strip()
    where = edit.get("in", "body")
    occurrence = edit.get("occurrence", 1)
    try:
        target = locate(document, edit["after"] if op == "insert" else edit["find"], occurrence, where)
    except EditError as error:
        raise EditError(f"edit {number} ({op}): {error}") from None
    if op == "comment":
        document.RecordChanges = False  # a comment is not a change: Word does not track it either
        note = document.createInstance("com.sun.star.text.textfield.Annotation")
        note.Author = author
        note.Initials = edit.get("initials", initials(author))
        note.Content = edit["text"]
        note.DateTimeValue = uno_datetime(edit.get("date"))
        note.Resolved = edit.get("resolved", False)
        # Absorbing the found range makes a comment on a span (w:commentRangeStart .. End), not at a point.
        target.getText().insertTextContent(target, note, True)
        return
    office.set_author(author)
    document.RecordChanges = edit.get("track", True)
    try:
        if op == "replace":
            target.setString(edit["with"])
        elif op == "delete":
            target.setString("")
        elif op == "insert":
            target.getText().insertString(target.getEnd(), edit["text"], False)
        elif op == "bold":
            target.setPropertyValue("CharWeight", BOLD)
    finally:
        document.RecordChanges = False


def edit_file(source: Path, target: Path, edits: list) -> None:
    checked = [check(edit, number) for number, edit in enumerate(edits, 1)]
    with Office() as office:
        # Writer works on copies in its own folder: no lock file beside IN.docx, and OUT.docx appears whole.
        work_in, work_out = office.folder / "in.docx", office.folder / "out.docx"
        shutil.copyfile(source, work_in)
        try:
            document = office.load(work_in)
            try:
                recording = document.RecordChanges  # w:trackRevisions of settings.xml, kept as it came
                for number, edit in enumerate(checked, 1):
                    apply(office, document, edit, number)
                document.RecordChanges = recording
                document.storeToURL(uno.systemPathToFileUrl(str(work_out)),
                                    (prop("FilterName", DOCX_FILTER), prop("Overwrite", True)))
            finally:
                if not office.dead():
                    document.close(True)
        except Exception:
            reason = office.dead()
            if reason:  # UNO says only that its bridge is gone
                raise EditError(reason) from None
            raise
        shutil.move(work_out, target)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: /usr/bin/python3 tests/lo_editor.py IN.docx OUT.docx EDITS.json", file=sys.stderr)
        return 2
    source, target, edits_file = (Path(arg) for arg in argv)
    try:
        if not source.is_file():
            raise EditError(f"{source}: no such file")
        try:
            edits = json.loads(Path(edits_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise EditError(f"{edits_file}: {error}") from None
        if not isinstance(edits, list):
            raise EditError(f"{edits_file}: not a list of edits")
        edit_file(source, target, edits)
    except EditError as error:
        print(f"lo_editor: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - a UNO exception: one line, not a traceback
        print(f"lo_editor: LibreOffice failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def stop(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP: out through the finally blocks, which end soffice (once: a second signal does not cut
    them short; what they leave undone, the watchdog does)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    sys.exit(main(sys.argv[1:]))
