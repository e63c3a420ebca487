"""A Word redline of two editions: the new edition's DOCX with every difference from the old one as a tracked
change (w:ins, w:del), so that an editor steps through them in Word's Review pane. Accept all gives the new
edition's text; reject all gives the old one's.

Paragraphs are paired by their text (body, table cells and notes each on their own); a paired paragraph that
differs is compared by word, and its runs are split so that each inserted word is its own run inside w:ins and
each deleted word a w:delText run inside w:del. A paragraph of the old edition with no counterpart comes back as a
deleted paragraph where it stood; a new one is marked inserted, its paragraph mark too. A paragraph, or a run of
MOVE_WORDS words or more, deleted in one place and inserted as it was in another is Word's move (w:moveFrom,
w:moveTo between range marks named alike) rather than a deletion and an insertion.
"""

from __future__ import annotations

import copy
import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from briefkit.moves import longest_shared_run
from briefkit.outputs.docx.openxml import W_NS, insert_in_order, w

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Marks:
    """Author, date and the next id of the tracked changes."""

    def __init__(self, author: str, date: str):
        self.author, self.date, self.next = author or "briefkit", date, 90000

    def element(self, tag: str) -> Any:
        from lxml import etree

        node = etree.Element(w(tag), nsmap={"w": W_NS})
        node.set(w("id"), str(self.next))
        self.next += 1
        node.set(w("author"), self.author)
        if self.date:
            node.set(w("date"), self.date)
        return node


def _units(paragraph: Any) -> list[tuple[Any, Any, int, int]]:
    """The text-bearing children of a paragraph's runs, outside tracked deletions: (run, child, start, end)."""
    out = []
    offset = 0
    for run in paragraph.iter(w("r")):
        if any(a.tag in (w("del"), w("moveFrom")) for a in run.iterancestors()):
            continue
        for child in run:
            length = _text_length(child, (w("t"),))
            if length is None:
                continue
            out.append((run, child, offset, offset + length))
            offset += length
    return out


def text_of(paragraph: Any) -> str:
    parts = []
    for _, child, _, _ in _units(paragraph):
        parts.append(child.text or "" if child.tag == w("t") else "\t" if child.tag == w("tab") else
                     "\u2011" if child.tag == w("noBreakHyphen") else "\n")
    return "".join(parts)


def _split(paragraph: Any, offset: int) -> None:
    """Split the run that holds `offset` so that a run starts there."""
    for run, child, start, end in _units(paragraph):
        if start < offset < end and child.tag == w("t"):
            cut = offset - start
            twin = copy.deepcopy(run)
            index = list(run).index(child)
            for extra in list(run)[index + 1:]:
                run.remove(extra)
            kept = list(twin)
            for extra in kept[:index]:
                if extra.tag != w("rPr"):
                    twin.remove(extra)
            text = child.text or ""
            child.text = text[:cut]
            twin_t = [c for c in twin if c.tag == w("t")][0]
            twin_t.text = text[cut:]
            for t in (child, twin_t):
                t.set(XML_SPACE, "preserve")
            run.addnext(twin)
            return


def _runs_in(paragraph: Any, start: int, end: int) -> list[Any]:
    runs = []
    for run, _, a, b in _units(paragraph):
        if a >= start and b <= end and run not in runs:
            runs.append(run)
    return runs


def _deleted_run(text: str, model: Any, marks: _Marks) -> Any:
    from lxml import etree

    deletion = marks.element("del")
    run = etree.SubElement(deletion, w("r"))
    properties = model.find(w("rPr")) if model is not None else None
    if properties is not None:
        run.append(copy.deepcopy(properties))
    node = etree.SubElement(run, w("delText"))
    node.text = text
    node.set(XML_SPACE, "preserve")
    return deletion


def _wrap(runs: list[Any], marks: _Marks, tag: str = "ins") -> None:
    """Wrap runs in w:ins (or w:del), one per stretch of runs that follow each other under one parent."""
    groups: list[list[Any]] = []
    for run in runs:
        if groups and groups[-1][-1].getparent() is run.getparent() and groups[-1][-1].getnext() is run:
            groups[-1].append(run)
        else:
            groups.append([run])
    for group in groups:
        mark = marks.element(tag)
        group[0].addprevious(mark)
        for run in group:
            mark.append(run)


def mark_paragraph(paragraph: Any, old: str, marks: _Marks) -> int:
    """Turn a paragraph whose text is the new one into the redline from `old`; the number of changes."""
    new = text_of(paragraph)
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    starts_a = [0]
    for token in a:
        starts_a.append(starts_a[-1] + len(token))
    starts_b = [0]
    for token in b:
        starts_b.append(starts_b[-1] + len(token))
    ops = [op for op in SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    for _, i1, i2, j1, j2 in reversed(ops):
        gone = old[starts_a[i1]:starts_a[i2]]
        start, end = starts_b[j1], starts_b[j2]
        _split(paragraph, start)
        _split(paragraph, end)
        runs = _runs_in(paragraph, start, end) if end > start else []
        units = _units(paragraph)
        model = next((u[0] for u in units if u[2] >= start), units[-1][0] if units else None)
        if runs:
            _wrap(runs, marks)
        if gone:
            deletion = _deleted_run(gone, model, marks)
            anchor = runs[0].getparent() if runs else None
            if anchor is not None and anchor.tag == w("ins"):
                anchor.addprevious(deletion)
            elif model is not None and any(u[2] >= start for u in units):
                target = model if model.getparent().tag != w("ins") else model.getparent()
                link = target.getparent()
                if link.tag == w("hyperlink") and not any(u[2] < start and link in u[0].iterancestors()
                                                          for u in units):
                    target = link  # not inside a cross-reference's field result, which Word remakes
                target.addprevious(deletion)
            elif model is not None:
                (model if model.getparent().tag != w("ins") else model.getparent()).addnext(deletion)
            else:
                paragraph.append(deletion)
    return len(ops)


def _mark_of(paragraph: Any, tag: str, marks: _Marks) -> None:
    """Mark the paragraph's own mark as inserted or deleted (so accepting or rejecting joins the paragraphs)."""
    from lxml import etree

    properties = paragraph.find(w("pPr"))
    if properties is None:
        properties = etree.Element(w("pPr"))
        paragraph.insert(0, properties)
    run_properties = properties.find(w("rPr"))
    if run_properties is None:
        run_properties = insert_in_order(properties, etree.Element(w("rPr")))
    run_properties.append(marks.element(tag))


def insert_whole(paragraph: Any, marks: _Marks) -> None:
    runs = [r for r in paragraph.iter(w("r")) if r.getparent().tag not in (w("ins"), w("del"))]
    if runs:
        _wrap(runs, marks)
    _mark_of(paragraph, "ins", marks)
    paragraph.set(_INSERTED, "1")


_INSERTED = "{urn:briefkit}inserted"  # a mark of this module's own, taken off before the file is written


def mark_rows(root: Any, marks: _Marks) -> int:
    """A table row whose every paragraph is new is an inserted row (so rejecting removes the row itself)."""
    from lxml import etree

    count = 0
    for row in root.iter(w("tr")):
        paragraphs = [p for p in row.iter(w("p")) if text_of(p).strip()]
        if paragraphs and all(p.get(_INSERTED) for p in paragraphs):
            properties = row.find(w("trPr"))
            if properties is None:
                properties = etree.Element(w("trPr"))
                index = 1 if row.find(w("tblPrEx")) is not None else 0
                row.insert(index, properties)
            properties.append(marks.element("ins"))
            count += 1
    for p in root.iter(w("p")):
        p.attrib.pop(_INSERTED, None)
    return count


def deleted_copy(paragraph: Any, marks: _Marks) -> Any:
    """A copy of an old paragraph as deleted text: no pictures, links, bookmarks or note references (they belong
    to the other file)."""
    twin = copy.deepcopy(paragraph)
    for node in list(twin.iter(w("drawing"), w("pict"), w("object"), w("bookmarkStart"), w("bookmarkEnd"),
                               w("footnoteReference"), w("endnoteReference"), w("commentRangeStart"),
                               w("commentRangeEnd"), w("commentReference"), w("fldChar"), w("instrText"))):
        node.getparent().remove(node)
    for link in list(twin.iter(w("hyperlink"))):
        parent = link.getparent()
        index = parent.index(link)
        for child in list(link):
            parent.insert(index, child)
            index += 1
        parent.remove(link)
    for t in twin.iter(w("t")):
        t.tag = w("delText")
    _wrap(list(twin.iter(w("r"))), marks, "del")
    _mark_of(twin, "del", marks)
    return twin


def _paragraphs(root: Any) -> list[Any]:
    """The paragraphs to compare: the body's (not the contents, which Word remakes), or each note's."""
    out = []
    for p in root.iter(w("p")):
        style = p.find(f"{w('pPr')}/{w('pStyle')}")
        name = style.get(w("val"), "") if style is not None else ""
        if name.upper().startswith("TOC"):
            continue
        out.append(p)
    return out


def redline_part(old_root: Any, new_root: Any, marks: _Marks) -> int:
    """Every paragraph of new_root compared with old_root's, marked in place; the number of changes."""
    olds, news = _paragraphs(old_root), _paragraphs(new_root)
    a, b = [text_of(p) for p in olds], [text_of(p) for p in news]
    count = 0
    last_new: Any = None
    inserted: list[Any] = []
    deleted: list[Any] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            last_new = news[j2 - 1]
            continue
        free = list(range(i1, i2))
        placed_old: set[int] = set()
        # As many paragraphs on both sides (a reworded cell, a heading): each is the other's, in order.
        in_order = (i2 - i1) == (j2 - j1)
        for j in range(j1, j2):
            best, score = None, 0.0
            if in_order:  # a table cell in its place is itself however much it changed; text when it is alike
                i = i1 + (j - j1)
                if _in_cell(olds[i]) and _in_cell(news[j]) or _alike(a[i], b[j]) >= 0.5:
                    best, score = i, 1.0
            for i in ([] if best is not None else free[:40]):
                ratio = _alike(a[i], b[j])
                if ratio > score:
                    best, score = i, ratio
            if best is not None and score >= 0.5:
                for i in [k for k in free if k < best]:  # old paragraphs passed over: deleted before this one
                    deleted.append(deleted_copy(olds[i], marks))
                    news[j].addprevious(deleted[-1])
                    placed_old.add(i)
                    count += 1
                free = [k for k in free if k > best]
                placed_old.add(best)
                count += mark_paragraph(news[j], a[best], marks)
            elif b[j].strip():
                insert_whole(news[j], marks)
                inserted.append(news[j])
                count += 1
            last_new = news[j]
        for i in free:
            if i in placed_old or not a[i].strip():
                continue
            copy_ = deleted_copy(olds[i], marks)
            deleted.append(copy_)
            if last_new is not None:
                last_new.addnext(copy_)
                last_new = copy_
            elif news:
                news[0].addprevious(copy_)
            count += 1
    count -= moves(deleted, inserted, marks)
    count -= sentence_moves(news + deleted, marks)
    return count


def _alike(old: str, new: str) -> float:
    """How alike two paragraphs read, word for word (spaces and punctuation aside)."""
    return SequenceMatcher(None, re.findall(r"\w+", old), re.findall(r"\w+", new), autojunk=False).ratio()


def _in_cell(paragraph: Any) -> bool:
    return any(a.tag == w("tc") for a in paragraph.iterancestors())


def moves(deleted: list[Any], inserted: list[Any], marks: _Marks) -> int:
    """A paragraph deleted in one place and inserted whole in another is a move: Word's moveFrom and moveTo,
    named on their ranges, so the Review pane shows it as one change; the number of moves."""
    texts = {}
    for paragraph in inserted:
        texts.setdefault(" ".join(text_of(paragraph).split()), paragraph)
    found = 0
    for paragraph in deleted:
        old = " ".join("".join(t.text or "" for t in paragraph.iter(w("delText"))).split())
        target = texts.pop(old, None) if len(old) >= 20 else None
        if target is None:
            continue
        found += 1
        name = f"move{marks.next}"
        _as_move(paragraph, "del", "moveFrom", name, marks)
        _as_move(target, "ins", "moveTo", name, marks)
    return found


def _as_move(paragraph: Any, tag: str, move: str, name: str, marks: _Marks) -> None:
    for node in list(paragraph.iter(w(tag))):
        node.tag = w(move)
    for text in paragraph.iter(w("delText")):
        text.tag = w("t")  # Word writes moved-away text as w:t inside w:moveFrom
    start = marks.element(f"{move}RangeStart")
    start.set(w("name"), name)
    end = marks.element(f"{move}RangeEnd")
    for attribute in ("author", "date"):
        end.attrib.pop(w(attribute), None)
    end.set(w("id"), start.get(w("id")))
    properties = paragraph.find(w("pPr"))
    index = 1 if properties is not None else 0
    paragraph.insert(index, start)
    paragraph.append(end)


MOVE_WORDS = 6  # the fewest words a run deleted in one place and inserted in another must have to be a move
_CHANGE_KINDS = {w("ins"): "ins", w("del"): "del", w("moveFrom"): "move", w("moveTo"): "move"}


def _all_units(paragraph: Any) -> list[tuple[Any, Any, int, int, str]]:
    """Every text-bearing child of a paragraph's runs, deleted or not: (run, child, start, end, kind), kind
    same, ins, del or move (the offsets count the deleted text too)."""
    out = []
    offset = 0
    for run in paragraph.iter(w("r")):
        parent = run.getparent()
        kind = _CHANGE_KINDS.get(parent.tag, "same") if parent is not None else "same"
        for child in run:
            length = _text_length(child, (w("t"), w("delText")))
            if length is None:
                continue
            out.append((run, child, offset, offset + length, kind))
            offset += length
    return out


def _unit_text(child: Any) -> str:
    if child.tag in (w("t"), w("delText")):
        return child.text or ""
    return "\t" if child.tag == w("tab") else "\u2011" if child.tag == w("noBreakHyphen") else "\n"


class _Stretch:
    """Text deleted (or inserted) in one stretch of a paragraph: its offsets there, its words, what of it moved."""

    def __init__(self, paragraph: Any, kind: str, start: int, text: str):
        self.paragraph, self.kind, self.start, self.text = paragraph, kind, start, text
        self.tokens = _TOKEN.findall(text)
        self.offsets = [0]
        for token in self.tokens:
            self.offsets.append(self.offsets[-1] + len(token))
        self.moved: list[tuple[int, int]] = []

    def keys(self) -> list[str]:
        out = [" " if t.isspace() else t for t in self.tokens]
        for start, end in self.moved:
            out[start:end] = [f"\x01{id(self)}:{k}" for k in range(start, end)]
        return out

    def words(self) -> int:
        return sum(1 for t in self.tokens if t[0].isalnum() or t[0] == "_")


def _stretches(paragraphs: list[Any]) -> list[_Stretch]:
    out = []
    for paragraph in paragraphs:
        kind, start, parts = "same", 0, []
        for _, child, a, _, unit_kind in [*_all_units(paragraph), (None, None, -1, -1, "same")]:
            if unit_kind != kind:
                if kind in ("ins", "del") and parts:
                    out.append(_Stretch(paragraph, kind, start, "".join(parts)))
                kind, start, parts = unit_kind, a, []
            if child is not None:
                parts.append(_unit_text(child))
    return out


def sentence_moves(paragraphs: list[Any], marks: _Marks) -> int:
    """Runs of at least MOVE_WORDS words deleted in one place and inserted as they were in another (another
    paragraph or the same one): Word's inline moves, moveFrom and moveTo runs between range marks named alike,
    the longest first; the number of moves."""
    stretches = [s for s in _stretches(paragraphs) if s.words() >= MOVE_WORDS]
    deleted = [s for s in stretches if s.kind == "del"]
    inserted = [s for s in stretches if s.kind == "ins"]
    found: list[tuple[_Stretch, tuple[int, int], _Stretch, tuple[int, int]]] = []
    while True:
        best = longest_shared_run(deleted, inserted, lambda t: t[0].isalnum() or t[0] == "_", MOVE_WORDS)
        if best is None:
            break
        source, (i, j), target, (k, m) = best
        a, b = source.keys(), target.keys()
        span_a, span_b = _to_edges(a, i, j), _to_edges(b, k, m)
        source.moved.append(span_a)
        target.moved.append(span_b)
        found.append((source, span_a, target, span_b))
    # Carved last to first in each paragraph, so that the offsets of what is still to carve hold.
    carvings = [(s, span, "moveFrom", k) for k, (s, span, _, _) in enumerate(found)]
    carvings += [(t, span, "moveTo", k) for k, (_, _, t, span) in enumerate(found)]
    names = [f"move{marks.next + k}" for k in range(len(found))]
    marks.next += len(found)
    for stretch, (i, j), move, k in sorted(carvings, key=lambda c: -(c[0].start + c[0].offsets[c[1][0]])):
        _carve(stretch.paragraph, stretch.start + stretch.offsets[i], stretch.start + stretch.offsets[j], move,
               names[k], marks)
    return len(found)


def _to_edges(keys: list[str], start: int, end: int) -> tuple[int, int]:
    """A moved run with the spaces between it and its stretch's ends, so that no change of a lone space is left."""
    if all(k == " " for k in keys[:start]):
        start = 0
    if all(k == " " for k in keys[end:]):
        end = len(keys)
    return start, end


def _split_any(paragraph: Any, offset: int) -> None:
    """Split the run (deleted or not) that holds `offset` so that a run starts there."""
    for run, child, start, end, _ in _all_units(paragraph):
        if start < offset < end and child.tag in (w("t"), w("delText")):
            cut = offset - start
            twin = copy.deepcopy(run)
            index = list(run).index(child)
            for extra in list(run)[index + 1:]:
                run.remove(extra)
            for extra in list(twin)[:index]:
                if extra.tag != w("rPr"):
                    twin.remove(extra)
            text = child.text or ""
            child.text = text[:cut]
            twin_t = [c for c in twin if c.tag == child.tag][0]
            twin_t.text = text[cut:]
            for t in (child, twin_t):
                t.set(XML_SPACE, "preserve")
            run.addnext(twin)
            return


def _carve(paragraph: Any, start: int, end: int, move: str, name: str, marks: _Marks) -> None:
    """The runs of a paragraph's deletion (moveFrom) or insertion (moveTo) between two offsets taken out of their
    w:del or w:ins into a w:moveFrom or w:moveTo of their own, between range marks named `name`."""
    _split_any(paragraph, start)
    _split_any(paragraph, end)
    kind = "del" if move == "moveFrom" else "ins"
    runs: list[Any] = []
    for run, _, a, b, unit_kind in _all_units(paragraph):
        if a >= start and b <= end and unit_kind == kind and run not in runs:
            runs.append(run)
    groups: list[list[Any]] = []
    for run in runs:
        if groups and groups[-1][-1].getnext() is run:
            groups[-1].append(run)
        else:
            groups.append([run])
    made = []
    for group in groups:
        change = group[0].getparent()
        after = list(change)[change.index(group[-1]) + 1:]
        if after:
            rest = marks.element(kind)
            change.addnext(rest)
            for run in after:
                rest.append(run)
        mark = marks.element(move)
        change.addnext(mark)
        for run in group:
            mark.append(run)
            for text in run.iter(w("delText")):
                text.tag = w("t")  # Word writes moved-away text as w:t inside w:moveFrom
        if not len(change):
            change.getparent().remove(change)
        made.append(mark)
    if not made:
        return
    range_start = marks.element(f"{move}RangeStart")
    range_start.set(w("name"), name)
    range_end = marks.element(f"{move}RangeEnd")
    for attribute in ("author", "date"):
        range_end.attrib.pop(w(attribute), None)
    range_end.set(w("id"), range_start.get(w("id")))
    made[0].addprevious(range_start)
    made[-1].addnext(range_end)


def write_redline(old_docx: Path, new_docx: Path, target: Path, author: str, date: str,
                  notes: list[tuple[str, str]] = ()) -> int:
    """The redline of the new edition against the old, written to `target`; the number of tracked changes.

    notes: (caption text, note) pairs: a tracked note under a chart whose data changed."""
    from lxml import etree

    from briefkit.outputs.docx.writer import read_parts, rewrite_zip

    marks = _Marks(author, date)
    old_parts, new_parts = read_parts(old_docx.read_bytes()), read_parts(new_docx.read_bytes())
    replaced: dict[str, bytes] = {}
    count = 0
    for name in ("word/document.xml", "word/footnotes.xml"):
        if name not in old_parts or name not in new_parts:
            continue
        old_root, new_root = etree.fromstring(old_parts[name]), etree.fromstring(new_parts[name])
        count += redline_part(old_root, new_root, marks)
        if name == "word/document.xml":
            count += _chart_notes(new_root, notes, marks)
        mark_rows(new_root, marks)
        replaced[name] = etree.tostring(new_root, xml_declaration=True, encoding="UTF-8", standalone=True)
    target.write_bytes(rewrite_zip(new_docx.read_bytes(), {n: (lambda _, v=v: v) for n, v in replaced.items()}))
    return count


def _chart_notes(root: Any, notes: list[tuple[str, str]], marks: _Marks) -> int:
    from lxml import etree

    count = 0
    for caption, note in notes:
        for p in root.iter(w("p")):
            if text_of(p).strip() == caption.strip():
                added = etree.Element(w("p"))
                properties = p.find(w("pPr"))
                if properties is not None:
                    added.append(copy.deepcopy(properties))
                run = etree.SubElement(added, w("r"))
                text = etree.SubElement(run, w("t"))
                text.text = note
                text.set(XML_SPACE, "preserve")
                p.addnext(added)
                insert_whole(added, marks)
                count += 1
                break
    return count


def _text_length(child, texts: tuple[str, ...]) -> int | None:
    """How many characters a run's child stands for in the paragraph's text: a text element (of the tags `texts`)
    its own, a tab, a non-breaking hyphen or a line break one; None for what is no text (properties, a drawing)."""
    if child.tag in texts:
        return len(child.text or "")
    if child.tag in (w("tab"), w("noBreakHyphen"), w("cr")) or (
            child.tag == w("br") and child.get(w("type"), "textWrapping") == "textWrapping"):
        return 1
    return None
