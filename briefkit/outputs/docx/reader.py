"""A returned DOCX read safely into a clean tree: blocks of text with their tracked changes, and comments.

The reader turns Word's run soup into plain blocks first (as pandoc's reader does) and only then is it
interpreted (briefkit.review). A returned file is untrusted input from outside the team:

- the archive is checked before anything is unpacked: its size, its number of entries and each entry's
  size and compression ratio (a zip bomb is refused unread);
- XML is parsed with no DTD, no entity resolved and no network; a part with a document type declaration is
  refused, since Word and LibreOffice never write one;
- no relationship is followed: the parts read are the fixed ones of a Word document, never a linked image,
  template or attached template; macros (vbaProject.bin) are never read.

Each block has two texts: `base`, what the file said before its tracked changes (reject all), and `new`,
what it says with them (accept all); the changes are ranges of `base`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefkit.errors import BriefkitError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CORE_NS = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
           "dc": "http://purl.org/dc/elements/1.1/"}

# Far above any briefing (the shipped one's document.xml is under 1 MB), far below what takes more than seconds.
MAX_ENTRIES = 2_000
MAX_PART_BYTES = 40_000_000
MAX_TOTAL_BYTES = 120_000_000
MAX_RATIO = 120  # a part that unpacks to over 120 times its packed size (and over 1 MB) is a bomb
MAX_ELEMENTS = 1_000_000  # the shipped briefing has about 40,000
PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml",
         "word/commentsExtended.xml", "docProps/custom.xml", "docProps/core.xml")


class UnreadableDocument(BriefkitError):
    """The file is not a Word document that can be reviewed (a PDF, a password, a bomb, a broken archive)."""


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


@dataclass
class Change:
    """One tracked change: `old` replaced by `new` at [start, start + len(old)) of the block's base text."""

    kind: str  # insert, delete, replace, move, format
    start: int
    old: str
    new: str
    author: str = ""
    date: str = ""
    move: str = ""  # the name that pairs a move's two ends ("from" side has new == "")
    tracked: bool = True

    @property
    def end(self) -> int:
        return self.start + len(self.old)


@dataclass
class Block:
    """A paragraph of the body, a table cell's paragraph or a note's paragraph, in document order."""

    kind: str  # body, cell, footnote, endnote
    base: str
    new: str
    style: str = ""
    changes: list[Change] = field(default_factory=list)
    table: int | None = None  # cells: the table's number in the body, its row and column
    row: int | None = None
    column: int | None = None
    note: int | None = None  # notes: the note's number in order of reference
    contents: bool = False  # inside the table of contents, which the build makes itself


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    anchor: tuple[int, int, int, int] | None = None  # start block, offset in its base, end block, offset
    replies: list[Comment] = field(default_factory=list)
    para_id: str = ""
    parent: str = ""


@dataclass
class WordDocument:
    blocks: list[Block]
    comments: list[Comment]
    properties: dict[str, str]
    last_modified_by: str = ""

    @property
    def changes(self) -> int:
        return sum(len(b.changes) for b in self.blocks)


def read_docx(path: Path) -> WordDocument:
    """The blocks, changes, comments and custom properties of a Word file; UnreadableDocument if it is none."""
    parts = _read_parts(path)
    if "word/document.xml" not in parts:
        raise UnreadableDocument(f"{path}: is a zip archive but not a Word document (no word/document.xml)")
    notes_order: list[str] = []
    document = _parse(parts["word/document.xml"], path, "word/document.xml")
    anchors: dict[str, list] = {}
    blocks = _body_blocks(document, anchors, notes_order)
    for part, kind in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        if part in parts:
            blocks += _note_blocks(_parse(parts[part], path, part), kind, notes_order, anchors)
    comments = _comments(parts, path, anchors)
    properties = _custom_properties(parts, path)
    return WordDocument(blocks, comments, properties, _last_modified_by(parts, path))


def _read_parts(path: Path) -> dict[str, bytes]:
    try:
        head = path.read_bytes()[:8] if path.stat().st_size < 8 else path.open("rb").read(8)
    except FileNotFoundError:
        raise UnreadableDocument(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableDocument(f"{path}: is a folder, not a DOCX") from None
    if head.startswith(b"%PDF"):
        raise UnreadableDocument(f"{path}: is a PDF; review reads the DOCX that came back (the .docx file)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableDocument(f"{path}: is password-protected or an old binary .doc; save it as an unprotected "
                                 ".docx (Word: File > Info > Protect Document > Encrypt with Password, clear it)")
    if not head.startswith(b"PK"):
        raise UnreadableDocument(f"{path}: is not a DOCX (not a zip archive)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableDocument(f"{path}: is not a readable DOCX ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableDocument(f"{path}: holds {len(infos)} entries, more than any Word document; refused")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise UnreadableDocument(f"{path}: would unpack to {total / 1e6:.0f} MB; refused as a zip bomb")
        parts = {}
        for info in infos:
            if info.filename not in PARTS:
                continue  # images, fonts, macros, templates: never read
            if info.flag_bits & 0x1:
                raise UnreadableDocument(f"{path}: is encrypted; save it without a password")
            if info.file_size > MAX_PART_BYTES or (
                    info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise UnreadableDocument(f"{path}: {info.filename} would unpack to {info.file_size / 1e6:.0f} MB; "
                                         "refused as a zip bomb")
            parts[info.filename] = _read_capped(archive, info, path)
    return parts


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """An entry's bytes, stopping at the limit whatever its header claims."""
    out = io.BytesIO()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
                if out.tell() > MAX_PART_BYTES:
                    raise UnreadableDocument(f"{path}: {info.filename} unpacks to over "
                                             f"{MAX_PART_BYTES // 1_000_000} MB; refused as a zip bomb")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:  # zlib errors come as these
        raise UnreadableDocument(f"{path}: {info.filename} cannot be unpacked ({exc})") from None
    return out.getvalue()


def _parse(data: bytes, path: Path, part: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"{path}: {part} is not well-formed XML ({exc})") from None
    if root.getroottree().docinfo.doctype:
        raise UnreadableDocument(f"{path}: {part} declares a DTD, which Word never writes; refused")
    count = 0
    for _ in root.iter():
        count += 1
        if count > MAX_ELEMENTS:
            raise UnreadableDocument(f"{path}: {part} has over {MAX_ELEMENTS:,} elements; refused")
    return root


class _Walker:
    """Collects one paragraph's pieces: (text, state, author, date, move) with state same, ins or del."""

    def __init__(self, anchors: dict[str, list], block_index: int):
        self.pieces: list[list] = []
        self.formats: list[tuple[int, int, str, str]] = []
        self.anchors = anchors
        self.block_index = block_index
        self.base_length = 0
        self.moves: dict[str, str] = {}  # the name of the move range open on each side (moveFrom, moveTo)

    def add(self, text: str, state: str, author: str, date: str, move: str) -> None:
        if not text:
            return
        last = self.pieces[-1] if self.pieces else None
        if last and last[1:] == [state, author, date, move]:
            last[0] += text
        else:
            self.pieces.append([text, state, author, date, move])
        if state != "ins":
            self.base_length += len(text)

    def walk(self, node: Any, state: str = "same", author: str = "", date: str = "", move: str = "") -> None:
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            local = tag.rsplit("}", 1)[-1]
            if not tag.startswith(f"{{{W_NS}}}"):
                if local in ("AlternateContent",):
                    fallback = [c for c in child if str(c.tag).endswith("Choice")]
                    if fallback:
                        self.walk(fallback[0], state, author, date, move)
                continue
            if local in ("moveFromRangeStart", "moveToRangeStart"):
                self.moves[local[:-10]] = child.get(_w("name"), "")  # Word names a move on its range
            elif local in ("ins", "del", "moveFrom", "moveTo"):
                kind = "ins" if local in ("ins", "moveTo") else "del"
                name = child.get(_w("name"), "") or self.moves.get(local, "") or \
                    (child.get(_w("id"), "") if local.startswith("move") else "")
                self.walk(child, kind, child.get(_w("author"), ""), child.get(_w("date"), ""),
                          ("to:" if local == "moveTo" else "from:") + name if local.startswith("move") else "")
            elif local == "r":
                self._run(child, state, author, date, move)
            elif local in ("commentRangeStart", "commentRangeEnd"):
                entry = self.anchors.setdefault(child.get(_w("id"), ""), [None, None])
                entry[0 if local == "commentRangeStart" else 1] = (self.block_index, self.base_length)
            elif local in ("pPr", "sectPr", "tblPr", "instrText", "delInstrText", "fldData", "pPrChange"):
                continue
            else:  # hyperlinks, simple fields, smart tags, content controls: their runs count
                self.walk(child, state, author, date, move)

    def _run(self, run: Any, state: str, author: str, date: str, move: str) -> None:
        start = self.base_length
        for child in run:
            local = str(child.tag).rsplit("}", 1)[-1]
            if local in ("t", "delText"):
                self.add(child.text or "", state, author, date, move)
            elif local == "tab":
                self.add("\t", state, author, date, move)
            elif local == "cr" or (local == "br" and child.get(_w("type"), "textWrapping") == "textWrapping"):
                self.add("\n", state, author, date, move)  # a page or column break is layout, not text
            elif local == "noBreakHyphen":
                self.add("\u2011", state, author, date, move)
            elif local == "rPr":
                change = child.find(_w("rPrChange"))
                if change is not None:
                    self.formats.append((start, -1, change.get(_w("author"), ""), change.get(_w("date"), "")))
        if self.formats and self.formats[-1][1] == -1:
            begin, _, who, when = self.formats.pop()
            if self.base_length > begin:
                self.formats.append((begin, self.base_length, who, when))

    def block(self, kind: str, style: str) -> Block:
        base = "".join(p[0] for p in self.pieces if p[1] != "ins")
        new = "".join(p[0] for p in self.pieces if p[1] != "del")
        changes: list[Change] = []
        offset = 0
        group: list[list] = []

        def close() -> None:
            if not group:
                return
            old = "".join(p[0] for p in group if p[1] == "del")
            added = "".join(p[0] for p in group if p[1] == "ins")
            first = group[0]
            move = next((p[4] for p in group if p[4]), "")
            kind_ = "move" if move else "replace" if old and added else "delete" if old else "insert"
            changes.append(Change(kind_, offset - len(old), old, added, first[2], first[3], move))
            group.clear()

        for piece in self.pieces:
            text, state = piece[0], piece[1]
            if state == "same":
                close()
                offset += len(text)
                continue
            # A change is one group while its pieces touch and share an author; a move stays on its own.
            if group and (group[-1][2] != piece[2] or group[-1][4] != piece[4]):
                close()
            group.append(piece)
            if state == "del":
                offset += len(text)
        close()
        merged_formats = []
        for begin, end, who, when in self.formats:
            if merged_formats and merged_formats[-1][1] == begin and merged_formats[-1][2] == who:
                merged_formats[-1] = (merged_formats[-1][0], end, who, when)
            else:
                merged_formats.append((begin, end, who, when))
        for begin, end, who, when in merged_formats:
            changes.append(Change("format", begin, base[begin:end], base[begin:end], who, when))
        changes.sort(key=lambda c: (c.start, c.kind == "format"))
        return Block(kind, base, new, style, changes)


def _style(paragraph: Any) -> str:
    found = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return found.get(_w("val"), "") if found is not None else ""


def _paragraph(paragraph: Any, kind: str, anchors: dict, index: int) -> Block:
    walker = _Walker(anchors, index)
    walker.walk(paragraph)
    block = walker.block(kind, _style(paragraph))
    mark = paragraph.find(f"{_w('pPr')}/{_w('rPr')}")
    if mark is not None and (ins := mark.find(_w("ins"))) is not None and block.base == "" and block.new:
        block.changes = [Change("insert", 0, "", block.new, ins.get(_w("author"), ""), ins.get(_w("date"), ""))]
    change = paragraph.find(f"{_w('pPr')}/{_w('pPrChange')}")
    if change is not None and block.base:
        block.changes.append(Change("format", 0, block.base, block.base, change.get(_w("author"), ""),
                                    change.get(_w("date"), "")))
    return block


def _body_blocks(document: Any, anchors: dict, notes_order: list[str]) -> list[Block]:
    body = document.find(_w("body"))
    if body is None:
        return []
    blocks: list[Block] = []
    tables: dict[Any, int] = {}
    for paragraph in body.iter(_w("p")):
        cell = _ancestor(paragraph, "tc")
        block = _paragraph(paragraph, "cell" if cell is not None else "body", anchors, len(blocks))
        if cell is not None:
            table = _ancestor(cell, "tbl")
            row = cell.getparent()
            block.table = tables.setdefault(table, len(tables))
            block.row = list(table.iterchildren(_w("tr"))).index(row) if row.getparent() is table else None
            block.column = list(row.iterchildren(_w("tc"))).index(cell)
        block.contents = _in_contents(paragraph)
        for reference in paragraph.iter(_w("footnoteReference"), _w("endnoteReference")):
            notes_order.append(str(reference.tag).rsplit("}", 1)[-1][:-9] + ":" + reference.get(_w("id"), ""))
        blocks.append(block)
    return blocks


def _ancestor(node: Any, local: str) -> Any:
    parent = node.getparent()
    while parent is not None:
        if parent.tag == _w(local):
            return parent
        parent = parent.getparent()
    return None


def _in_contents(paragraph: Any) -> bool:
    sdt = _ancestor(paragraph, "sdt")
    while sdt is not None:
        gallery = sdt.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
        if gallery is not None and "Contents" in gallery.get(_w("val"), ""):
            return True
        sdt = _ancestor(sdt, "sdt")
    return (_style(paragraph) or "").upper().startswith("TOC")


def _note_blocks(root: Any, kind: str, order: list[str], anchors: dict) -> list[Block]:
    numbers = {key: n for n, key in enumerate((k for k in order if k.startswith(kind)), 1)}
    blocks = []
    for note in root.iterchildren(_w(kind)):
        if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        number = numbers.get(f"{kind}:{note.get(_w('id'), '')}")
        for paragraph in note.iter(_w("p")):
            block = _paragraph(paragraph, kind, anchors, -1)
            block.note = number
            blocks.append(block)
    return blocks


def _comments(parts: dict[str, bytes], path: Path, anchors: dict) -> list[Comment]:
    if "word/comments.xml" not in parts:
        return []
    root = _parse(parts["word/comments.xml"], path, "word/comments.xml")
    comments: dict[str, Comment] = {}
    by_para: dict[str, Comment] = {}
    for node in root.iterchildren(_w("comment")):
        paragraphs = list(node.iter(_w("p")))
        text = "\n".join("".join(t.text or "" for t in p.iter(_w("t"))) for p in paragraphs).strip()
        identifier = node.get(_w("id"), "")
        comment = Comment(identifier, node.get(_w("author"), ""), node.get(_w("date"), ""), text)
        if paragraphs:
            comment.para_id = paragraphs[-1].get(f"{{{W14_NS}}}paraId", "")
            by_para[comment.para_id] = comment
        start, end = anchors.get(identifier, [None, None])
        if start is not None and start[0] >= 0:
            end = end if end is not None and end[0] >= 0 else start
            comment.anchor = (start[0], start[1], end[0], end[1])
        comments[identifier] = comment
    threaded = "word/commentsExtended.xml" in parts
    if threaded:
        extended = _parse(parts["word/commentsExtended.xml"], path, "word/commentsExtended.xml")
        for entry in extended.iter(f"{{{W15_NS}}}commentEx"):
            child, parent = entry.get(f"{{{W15_NS}}}paraId", ""), entry.get(f"{{{W15_NS}}}paraIdParent", "")
            if child in by_para and parent in by_para and by_para[child] is not by_para[parent]:
                by_para[child].parent = by_para[parent].id
    top: list[Comment] = []
    for comment in comments.values():
        parent = comments.get(comment.parent)
        if parent is None and not threaded and comment.anchor is not None:
            # LibreOffice writes a reply as a comment of its own on the same text, with no commentsExtended.xml.
            parent = next((c for c in top if c.anchor == comment.anchor), None)
        if parent is not None:
            parent.replies.append(comment)
        else:
            top.append(comment)
    return top


def _custom_properties(parts: dict[str, bytes], path: Path) -> dict[str, str]:
    if "docProps/custom.xml" not in parts:
        return {}
    root = _parse(parts["docProps/custom.xml"], path, "docProps/custom.xml")
    values = {}
    for prop in root.iterchildren(f"{{{CUSTOM_NS}}}property"):
        value = next(iter(prop), None)
        values[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return values


def _last_modified_by(parts: dict[str, bytes], path: Path) -> str:
    if "docProps/core.xml" not in parts:
        return ""
    root = _parse(parts["docProps/core.xml"], path, "docProps/core.xml")
    found = root.find("cp:lastModifiedBy", CORE_NS)
    return (found.text or "").strip() if found is not None else ""
