"""Returned files in the shape Word writes them: tracked changes split over runs with rsids, moves, comments with
replies (commentsExtended), and edits made with tracking off. Made from a build's DOCX by editing its XML."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
DATE = "2026-01-15T10:00:00Z"


def q(tag: str, ns: str = W) -> str:
    return f"{{{ns}}}{tag}"


class Returned:
    """A DOCX opened for editing as a reviewer would; save() writes the returned file."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as package:
            self.parts = {i.filename: package.read(i) for i in package.infolist()}
        self.document = etree.fromstring(self.parts["word/document.xml"])
        self.footnotes = etree.fromstring(self.parts["word/footnotes.xml"]) if "word/footnotes.xml" in self.parts \
            else None
        self.comments: list[tuple[str, str, str, str | None]] = []  # id, author, text, parent id
        self.next_id = 9000

    def _id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def paragraph(self, containing: str, root=None, occurrence: int = 1):
        """The w:p whose text holds `containing` (the n-th such), with its runs split so the text is its own run."""
        seen = 0
        for p in (root if root is not None else self.document).iter(q("p")):
            text = "".join(t.text or "" for t in p.iter(q("t")))
            if containing in text:
                seen += 1
                if seen == occurrence:
                    return p
        raise LookupError(f"no paragraph holds {containing!r}")

    def cell(self, text: str):
        """The paragraph of the table cell whose whole text is `text`."""
        for p in self.document.iter(q("p")):
            if p.getparent().tag == q("tc") and "".join(t.text or "" for t in p.iter(q("t"))) == text:
                return p
        raise LookupError(f"no table cell reads {text!r}")

    def replace_in(self, p, old: str, new: str, author: str = "Alex Reviewer"):
        """A tracked replacement inside a given paragraph (a table cell's, a note's)."""
        deleted = self._wrap(self.isolate(p, old), "del", author)
        self._insert_after(deleted, new, author, deleted[-1], split=False)

    def isolate(self, p, text: str) -> list:
        """Split the runs of `p` so that `text` is made of whole runs (each word its own run, with an rsid, as
        Word leaves a paragraph edited over several sessions); the runs that hold it."""
        runs = [r for r in p.iter(q("r")) if r.find(q("t")) is not None]
        full = "".join(r.find(q("t")).text or "" for r in runs)
        start = full.index(text)
        end = start + len(text)
        out, position = [], 0
        for run in runs:
            t = run.find(q("t"))
            value = t.text or ""
            a, b = position, position + len(value)
            position = b
            if b <= start or a >= end:
                continue
            cuts = sorted({a, b, max(a, start), min(b, end)})
            pieces = []
            for s, e in zip(cuts, cuts[1:], strict=False):
                piece = copy.deepcopy(run)
                piece.find(q("t")).text = value[s - a:e - a]
                piece.find(q("t")).set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                piece.set(q("rsidR"), "00A1B2C3" if s % 2 else "00D4E5F6")
                pieces.append((s, e, piece))
            parent = run.getparent()
            index = parent.index(run)
            parent.remove(run)
            for k, (s, e, piece) in enumerate(pieces):
                parent.insert(index + k, piece)
                if s >= start and e <= end:
                    out.append(piece)
        # Split the kept runs further, word by word, as Word does after several editing sessions.
        final = []
        for run in out:
            value = run.find(q("t")).text
            words = value.split(" ")
            if len(words) == 1:
                final.append(run)
                continue
            parent, index = run.getparent(), run.getparent().index(run)
            parent.remove(run)
            for k, word in enumerate(words):
                piece = copy.deepcopy(run)
                piece.find(q("t")).text = word + (" " if k < len(words) - 1 else "")
                piece.set(q("rsidR"), f"00{k:06X}")
                if piece.find(q("t")).text:
                    parent.insert(index, piece)
                    index += 1
                    final.append(piece)
        return final

    def _wrap(self, runs: list, tag: str, author: str):
        wrapper = etree.Element(q(tag))
        wrapper.set(q("id"), self._id())
        wrapper.set(q("author"), author)
        wrapper.set(q("date"), DATE)
        runs[0].addprevious(wrapper)
        for run in runs:
            if tag in ("del", "moveFrom"):
                t = run.find(q("t"))
                t.tag = q("delText")
            wrapper.append(run)
        return wrapper

    def replace(self, old: str, new: str, author: str = "Alex Reviewer", containing: str | None = None,
                split_insert: bool = True):
        """A tracked replacement: w:del of the old runs, then w:ins of the new text (in two runs, as Word splits
        an insertion typed in two goes)."""
        p = self.paragraph(containing or old)
        runs = self.isolate(p, old)
        deleted = self._wrap(runs, "del", author)
        if new:
            self._insert_after(deleted, new, author, runs[-1], split_insert)

    def _insert_after(self, anchor, new: str, author: str, model, split: bool):
        halves = [new[: len(new) // 2], new[len(new) // 2:]] if split and len(new) > 3 else [new]
        previous = anchor
        for half in halves:
            ins = etree.Element(q("ins"))
            ins.set(q("id"), self._id())
            ins.set(q("author"), author)
            ins.set(q("date"), DATE)
            run = copy.deepcopy(model)
            t = run.find(q("delText"))
            if t is None:
                t = run.find(q("t"))
            t.tag = q("t")
            t.text = half
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.set(q("rsidR"), "00C0FFEE")
            ins.append(run)
            previous.addnext(ins)
            previous = ins

    def delete(self, old: str, author: str = "Alex Reviewer", containing: str | None = None):
        self._wrap(self.isolate(self.paragraph(containing or old), old), "del", author)

    def insert(self, after: str, new: str, author: str = "Alex Reviewer", containing: str | None = None):
        runs = self.isolate(self.paragraph(containing or after), after)
        self._insert_after(runs[-1], new, author, runs[-1], split=False)

    def untracked(self, old: str, new: str, containing: str | None = None):
        """An edit made with tracking off: the text simply changes."""
        p = self.paragraph(containing or old)
        runs = self.isolate(p, old)
        runs[0].find(q("t")).text = new
        for run in runs[1:]:
            run.getparent().remove(run)

    def move(self, text: str, before: str, author: str = "Alex Reviewer"):
        """Word's move: w:moveFrom where the text was, w:moveTo at its new place, paired by name."""
        name = f"move{self._id()}"
        source = self.paragraph(text)
        runs = self.isolate(source, text)
        moved = [copy.deepcopy(r) for r in runs]
        wrapper = self._wrap(runs, "moveFrom", author)
        self._range(wrapper, "moveFrom", name, author)
        target = self.paragraph(before)
        anchor = self.isolate(target, before)[0]
        to = etree.Element(q("moveTo"))
        to.set(q("id"), self._id())
        to.set(q("author"), author)
        to.set(q("date"), DATE)
        for run in moved:
            to.append(run)
        anchor.addprevious(to)
        self._range(to, "moveTo", name, author)

    def _range(self, wrapper, side: str, name: str, author: str):
        """Word names a move on the range around it: w:moveFromRangeStart w:name=... and its End."""
        start = etree.Element(q(f"{side}RangeStart"))
        identifier = self._id()
        start.set(q("id"), identifier)
        start.set(q("name"), name)
        start.set(q("author"), author)
        start.set(q("date"), DATE)
        end = etree.Element(q(f"{side}RangeEnd"))
        end.set(q("id"), identifier)
        wrapper.addprevious(start)
        wrapper.addnext(end)

    def bold(self, text: str, author: str = "Alex Reviewer"):
        for run in self.isolate(self.paragraph(text), text):
            rpr = run.find(q("rPr"))
            if rpr is None:
                rpr = etree.SubElement(run, q("rPr"))
                run.insert(0, rpr)
            before = etree.SubElement(rpr, q("rPrChange"))
            before.set(q("id"), self._id())
            before.set(q("author"), author)
            before.set(q("date"), DATE)
            etree.SubElement(before, q("rPr"))
            rpr.insert(0, etree.Element(q("b")))

    def comment(self, anchor: str, text: str, author: str = "Alex Reviewer", reply: tuple[str, str] | None = None,
                containing: str | None = None):
        runs = self.isolate(self.paragraph(containing or anchor), anchor)
        identifier = self._id()
        start = etree.Element(q("commentRangeStart"))
        start.set(q("id"), identifier)
        runs[0].addprevious(start)
        end = etree.Element(q("commentRangeEnd"))
        end.set(q("id"), identifier)
        runs[-1].addnext(end)
        reference = etree.Element(q("r"))
        etree.SubElement(reference, q("commentReference")).set(q("id"), identifier)
        end.addnext(reference)
        self.comments.append((identifier, author, text, None))
        if reply:
            self.comments.append((self._id(), reply[0], reply[1], identifier))

    def save(self, target: Path, properties: dict[str, str | None] | None = None) -> Path:
        parts = dict(self.parts)
        parts["word/document.xml"] = etree.tostring(self.document, xml_declaration=True, encoding="UTF-8",
                                                    standalone=True)
        if self.footnotes is not None:
            parts["word/footnotes.xml"] = etree.tostring(self.footnotes, xml_declaration=True, encoding="UTF-8",
                                                         standalone=True)
        if self.comments:
            parts["word/comments.xml"], parts["word/commentsExtended.xml"] = self._comment_parts()
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
                b"</Types>",
                b'<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.wordprocessingml.comments+xml"/><Override PartName="/word/commentsExtended.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"'
                b"/></Types>")
        if properties is not None:
            custom = etree.fromstring(parts["docProps/custom.xml"])
            for prop in list(custom):
                name = prop.get("name")
                if name in properties:
                    if properties[name] is None:
                        custom.remove(prop)
                    else:
                        next(iter(prop)).text = properties[name]
            parts["docProps/custom.xml"] = etree.tostring(custom, xml_declaration=True, encoding="UTF-8")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in parts.items():
                out.writestr(name, data)
        return target

    def _comment_parts(self) -> tuple[bytes, bytes]:
        comments = etree.Element(q("comments"), nsmap={"w": W, "w14": W14})
        extended = etree.Element(q("commentsEx", W15), nsmap={"w15": W15})
        para = {}
        for n, (identifier, author, text, parent) in enumerate(self.comments):
            node = etree.SubElement(comments, q("comment"))
            node.set(q("id"), identifier)
            node.set(q("author"), author)
            node.set(q("date"), DATE)
            p = etree.SubElement(node, q("p"))
            para[identifier] = f"{0x10000000 + n:08X}"
            p.set(q("paraId", W14), para[identifier])
            etree.SubElement(etree.SubElement(p, q("r")), q("t")).text = text
            entry = etree.SubElement(extended, q("commentEx", W15))
            entry.set(q("paraId", W15), para[identifier])
            if parent:
                entry.set(q("paraIdParent", W15), para[parent])
            entry.set(q("done", W15), "0")
        return (etree.tostring(comments, xml_declaration=True, encoding="UTF-8", standalone=True),
                etree.tostring(extended, xml_declaration=True, encoding="UTF-8", standalone=True))
