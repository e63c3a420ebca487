"""tests/lo_editor.py, the real editor for the tests of `briefkit review`: what LibreOffice writes back in a DOCX.

Each run starts soffice (2-4 s), so the edits are made in a few runs shared by the tests that read them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from tests.conftest import REPO

SCRIPT = REPO / "tests" / "lo_editor.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-uno; the venv's Python cannot import uno
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
NS = {"w": W, "w15": W15}
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REVIEWER = "Alex Reviewer"


def unavailable() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)"
    try:
        subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], check=True, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return f"{SYSTEM_PYTHON} cannot import uno (Debian: apt-get install python3-uno)"
    return None


@pytest.fixture(scope="module")
def editor():
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    return edit


def edit(source: Path, target: Path, edits: list[dict]) -> subprocess.CompletedProcess:
    edits_file = target.with_suffix(".json")
    edits_file.write_text(json.dumps(edits), encoding="utf-8")
    return subprocess.run([SYSTEM_PYTHON, str(SCRIPT), str(source), str(target), str(edits_file)],
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def part(docx: Path, name: str):
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read(name))


def parts(docx: Path) -> set[str]:
    with zipfile.ZipFile(docx) as package:
        return set(package.namelist())


def texts(node, path: str) -> list[str]:
    return ["".join(found.itertext()) for found in node.xpath(path, namespaces=NS)]


@pytest.fixture(scope="module")
def plain_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = Document()
    document.add_paragraph("The minister was cool towards the plan. Some words here. The anchor text ends.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "A cell with the anchor text inside."
    table.cell(0, 1).text = "Another cell."
    document.add_paragraph("The last paragraph, to be settled.")
    path = tmp_path_factory.mktemp("lo_editor") / "plain.docx"
    document.save(str(path))
    return path


EDITS = [
    {"op": "replace", "find": "cool towards", "with": "wary of", "track": True, "author": REVIEWER},
    {"op": "delete", "find": "Some words", "track": True, "author": "Bea Second"},
    {"op": "insert", "after": "anchor text", "text": " new words", "track": True, "author": REVIEWER},
    # The second occurrence: the one in the table's first cell.
    {"op": "comment", "find": "anchor text", "occurrence": 2, "text": "Is this right?", "author": REVIEWER},
    {"op": "comment", "find": "last paragraph", "text": "Settled.", "author": "Bea Second", "initials": "BS2",
     "date": "2025-03-01T10:30:00", "resolved": True},
    {"op": "bold", "find": "settled", "track": True, "author": "Cy Third"},
]


@pytest.fixture(scope="module")
def edited(editor, plain_docx: Path) -> tuple[Path, float]:
    target = plain_docx.with_name("edited.docx")
    start = time.monotonic()
    result = editor(plain_docx, target, EDITS)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    return target, seconds


@pytest.fixture(scope="module")
def body(edited) -> etree._Element:
    return part(edited[0], "word/document.xml")


def test_one_run_takes_a_few_seconds(edited):
    assert edited[1] < 30, f"{edited[1]:.1f} s"


def test_a_tracked_replace_is_a_deletion_then_an_insertion_by_its_author(body):
    deletion = body.xpath("//w:del[.//w:delText[.='cool towards']]", namespaces=NS)
    assert len(deletion) == 1
    insertion = deletion[0].getnext()
    assert etree.QName(insertion).localname == "ins"
    assert texts(insertion, ".//w:t") == ["wary of"]
    for change in (deletion[0], insertion):
        assert change.get(f"{{{W}}}author") == REVIEWER
        assert ISO_DATE.match(change.get(f"{{{W}}}date"))
        assert change.get(f"{{{W}}}id") is not None
    assert "cool towards" not in texts(body, "//w:t")


def test_a_tracked_deletion_keeps_its_text_as_deleted_text_with_the_author_of_its_own_edit(body):
    deletion = body.xpath("//w:del[.//w:delText[.='Some words']]", namespaces=NS)
    assert len(deletion) == 1
    assert deletion[0].get(f"{{{W}}}author") == "Bea Second"
    assert not deletion[0].getnext().xpath("self::w:ins", namespaces=NS)
    assert not any("Some words" in text for text in texts(body, "//w:t"))


def test_a_tracked_insertion_follows_its_anchor(body):
    insertion = body.xpath("//w:ins[.//w:t[.=' new words']]", namespaces=NS)
    assert len(insertion) == 1
    assert insertion[0].get(f"{{{W}}}author") == REVIEWER
    before = insertion[0].getprevious()
    assert texts(before, ".//w:t")[-1].endswith("anchor text")
    # The first occurrence: the body's first paragraph, not the table.
    assert not insertion[0].xpath("ancestor::w:tbl", namespaces=NS)


def comment_anchors(body) -> dict[str, str]:
    """The text between each w:commentRangeStart and its w:commentRangeEnd, by comment id."""
    open_ranges: dict[str, list[str]] = {}
    anchors: dict[str, str] = {}
    for node in body.iter():
        name = etree.QName(node).localname if isinstance(node.tag, str) else ""
        if name == "commentRangeStart":
            open_ranges[node.get(f"{{{W}}}id")] = []
        elif name == "commentRangeEnd":
            anchors[node.get(f"{{{W}}}id")] = "".join(open_ranges.pop(node.get(f"{{{W}}}id")))
        elif name == "t":
            for pieces in open_ranges.values():
                pieces.append(node.text or "")
    return anchors


def test_a_comment_is_in_comments_xml_anchored_over_its_text(edited, body):
    comments = part(edited[0], "word/comments.xml")
    (comment,) = comments.xpath("//w:comment[.//w:t='Is this right?']", namespaces=NS)
    assert comment.get(f"{{{W}}}author") == REVIEWER
    assert comment.get(f"{{{W}}}initials") == "AR"
    assert ISO_DATE.match(comment.get(f"{{{W}}}date"))
    ident = comment.get(f"{{{W}}}id")
    assert comment_anchors(body)[ident] == "anchor text"
    (start,) = body.xpath(f"//w:commentRangeStart[@w:id='{ident}']", namespaces=NS)
    assert start.xpath("ancestor::w:tc", namespaces=NS), "the second occurrence is in the table"
    assert len(body.xpath(f"//w:r/w:commentReference[@w:id='{ident}']", namespaces=NS)) == 1


def test_a_resolved_comment_keeps_its_date_and_initials_and_is_done_in_comments_extended(edited, body):
    comments = part(edited[0], "word/comments.xml")
    (comment,) = comments.xpath("//w:comment[.//w:t='Settled.']", namespaces=NS)
    assert (comment.get(f"{{{W}}}author"), comment.get(f"{{{W}}}initials")) == ("Bea Second", "BS2")
    assert comment.get(f"{{{W}}}date") == "2025-03-01T10:30:00Z"
    assert comment_anchors(body)[comment.get(f"{{{W}}}id")] == "last paragraph"
    # Only a resolved comment gets a paragraph id, and commentsExtended.xml exists only for such.
    (paragraph,) = comment.xpath("w:p", namespaces=NS)
    para_id = paragraph.get("{http://schemas.microsoft.com/office/word/2010/wordml}paraId")
    extended = part(edited[0], "word/commentsExtended.xml")
    assert extended.xpath(f"//w15:commentEx[@w15:paraId='{para_id}']/@w15:done", namespaces=NS) == ["1"]
    (other,) = comments.xpath("//w:comment[.//w:t='Is this right?']/w:p", namespaces=NS)
    assert other.get("{http://schemas.microsoft.com/office/word/2010/wordml}paraId") is None


def test_tracked_bold_is_a_run_property_change(body):
    (run,) = body.xpath("//w:r[w:t='settled']", namespaces=NS)
    assert run.xpath("w:rPr/w:b", namespaces=NS)
    (change,) = run.xpath("w:rPr/w:rPrChange", namespaces=NS)
    assert change.get(f"{{{W}}}author") == "Cy Third"
    assert ISO_DATE.match(change.get(f"{{{W}}}date"))


def test_the_edited_file_records_changes_no_more_than_it_came(edited):
    assert not part(edited[0], "word/settings.xml").xpath("//w:trackRevisions", namespaces=NS)


def test_an_untracked_replace_changes_the_text_and_records_nothing(editor, plain_docx: Path):
    # A document that came recording changes (w:trackRevisions), where the editor turns recording off.
    document = Document(str(plain_docx))
    document.settings.element.append(etree.Element(f"{{{W}}}trackRevisions"))
    source = plain_docx.with_name("recording.docx")
    document.save(str(source))
    target = plain_docx.with_name("untracked.docx")
    result = editor(source, target, [
        {"op": "replace", "find": "cool towards", "with": "wary of", "track": False},
        {"op": "replace", "find": "Another cell", "with": "A changed cell", "track": False},
        {"op": "bold", "find": "plan", "track": False},
    ])
    assert result.returncode == 0, result.stderr
    body = part(target, "word/document.xml")
    assert not body.xpath("//w:ins | //w:del | //w:rPrChange | //w:delText", namespaces=NS)
    text = "".join(texts(body, "//w:t"))
    assert "The minister was wary of the plan." in text and "cool" not in text
    assert "A changed cell." in text
    assert body.xpath("//w:r[w:t='plan']/w:rPr/w:b", namespaces=NS)
    assert part(target, "word/settings.xml").xpath("//w:trackRevisions", namespaces=NS)


def test_edits_in_footnotes_leave_the_body_alone(editor, tmp_path: Path):
    import pypandoc

    source = tmp_path / "notes.docx"
    pypandoc.convert_text("The body names the anchor text.[^1]\n\n[^1]: The note names the anchor text too.\n",
                          "docx", format="md", outputfile=str(source))
    target = tmp_path / "notes-edited.docx"
    result = editor(source, target, [
        {"op": "replace", "find": "anchor text", "in": "footnotes", "with": "source", "author": "Dee Fourth"},
    ])
    assert result.returncode == 0, result.stderr
    notes = part(target, "word/footnotes.xml")
    assert texts(notes, "//w:del//w:delText") == ["anchor text"]
    assert texts(notes, "//w:ins//w:t") == ["source"]
    assert notes.xpath("//w:ins/@w:author", namespaces=NS) == ["Dee Fourth"]
    body = part(target, "word/document.xml")
    assert not body.xpath("//w:ins | //w:del", namespaces=NS)


def test_a_text_not_found_fails_with_exit_1_and_saves_nothing(editor, plain_docx: Path):
    target = plain_docx.with_name("not-found.docx")
    result = editor(plain_docx, target, [
        {"op": "replace", "find": "cool towards", "with": "wary of"},
        {"op": "delete", "find": "cool towards"},  # gone: deleted text is not found again
    ])
    assert result.returncode == 1
    assert result.stderr.strip() == "lo_editor: edit 2 (delete): 'cool towards' not found in the body text"
    assert not target.exists()


def test_a_malformed_edit_fails_before_libreoffice_starts(editor, plain_docx: Path):
    target = plain_docx.with_name("malformed.docx")
    start = time.monotonic()
    result = editor(plain_docx, target, [{"op": "comment", "find": "plan"}])
    assert result.returncode == 1
    assert result.stderr.strip() == "lo_editor: edit 1 (comment): missing text"
    assert time.monotonic() - start < 1.5
    assert not target.exists()


def test_the_saved_file_is_a_package_python_docx_opens(edited):
    names = parts(edited[0])
    assert {"word/document.xml", "word/comments.xml", "[Content_Types].xml"} <= names
    Document(str(edited[0]))


def test_briefkits_own_docx_is_edited_where_a_reader_looks_not_in_its_table_of_contents(editor, mini: Path,
                                                                                          tmp_path: Path):
    from briefkit.pipeline import build

    source = build(mini, out_dir=tmp_path / "build", formats=("docx",), use_cache=False, parallel=False)
    target = tmp_path / "returned.docx"
    result = editor(source.outputs["docx"], target, [
        # The heading, not its entry in the table of contents before it.
        {"op": "comment", "find": "Trade and agreements", "text": "A better title?", "author": REVIEWER},
        {"op": "delete", "find": "USD\u00a0695\u00a0million", "author": "Bea Second"},  # in a table
        {"op": "replace", "find": "Customs Service", "in": "footnotes", "occurrence": 2, "with": "Customs Office"},
    ])
    assert result.returncode == 0, result.stderr
    body = part(target, "word/document.xml")
    (start,) = body.xpath("//w:commentRangeStart", namespaces=NS)
    assert start.xpath("ancestor::w:p[1]/w:pPr/w:pStyle/@w:val", namespaces=NS) == ["Heading1"]
    assert comment_anchors(body) == {start.get(f"{{{W}}}id"): "Trade and agreements"}
    (deletion,) = body.xpath("//w:del", namespaces=NS)
    assert texts(deletion, ".//w:delText") == ["USD\u00a0695\u00a0million"]
    assert deletion.xpath("ancestor::w:tc", namespaces=NS)
    notes = part(target, "word/footnotes.xml")
    changed = notes.xpath("//w:footnote[.//w:del]", namespaces=NS)
    assert len(changed) == 1 and texts(changed[0], ".//w:ins//w:t") == ["Customs Office"]
    assert "".join(texts(changed[0], ".//w:t")).strip() == "Customs Office."
