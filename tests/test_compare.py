"""`briefkit build --compare REV`: the changes since an earlier edition, as a Word redline, a marked PDF and web
page, and a section that lists every figure, record and source that changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import REVIEW_FIXTURE, committed_copy, git, pdf_text

NAME = "review-fixture"
MOVED_SENTENCE = "The customs service publishes one figure a year, and its series has a gap in 2022 [@customs]."


def second_edition(root: Path) -> None:
    """Reworded sentences, a new paragraph, a deleted one, a changed figure, a new record, a changed cell."""
    summary = root / "report/sections/01-summary.md"
    text = summary.read_text()
    # A sentence moved from the trade section's first paragraph to the end of the summary's first.
    text = text.replace("in 2019.\n", f"in 2019. {MOVED_SENTENCE}\n")
    text = text.replace("have been cool towards any expansion", "have been wary of any expansion")
    text = text.replace("\n\nThe treaty of", "\n\nA new paragraph says that the ports were surveyed in 2024 "
                                              "[@news].\n\nThe treaty of")
    # A paragraph moved from the summary to the trade section.
    moved = text[text.index("The treaty of"):].split("\n\n")[0]
    summary.write_text(text.replace("\n\n" + moved, ""))
    trade = root / "report/sections/02-trade.md"
    trade.write_text(trade.read_text().replace(MOVED_SENTENCE + " ", "").replace(
        "Ports and rail carry most of the goods, and neither has been modernised since the treaty was signed.\n\n", "")
        .replace("## Agreements", moved + "\n\n## Agreements"))
    data = root / "data/trade.yaml"
    data.write_text(data.read_text().replace("value: 865", "value: 880"))
    agreements = root / "data/agreements.yaml"
    agreements.write_text(agreements.read_text().replace("status: completed", "status: expired") + (
        "  - id: port-2024\n    date: 2024-05-03\n    title: Port modernisation agreement\n    kind: agreement\n"
        "    subject: transport\n    scope: bilateral\n    status: signed\n    source: news\n"))


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The review fixture in git: the first edition tagged edition-1, the second committed by Ana Author, both
    built, and the second compared with the first."""
    root = committed_copy(REVIEW_FIXTURE, tmp_path_factory.mktemp("compare") / "project", "first edition")
    git(root, "tag", "edition-1")
    old = root.parent / "old"
    shutil.copytree(root, old, ignore=shutil.ignore_patterns(".git"))
    assert main(["build", "--project", str(old), "--format", "docx", "-q"]) == 0
    second_edition(root)
    subprocess.run(["git", "commit", "-qam", "second edition"], cwd=root, check=True, env={
        "GIT_AUTHOR_NAME": "Ana Author", "GIT_AUTHOR_EMAIL": "ana@example.org", "GIT_COMMITTER_NAME": "Ana Author",
        "GIT_COMMITTER_EMAIL": "ana@example.org", "HOME": str(root), "PATH": "/usr/bin:/bin"})
    assert main(["build", "--project", str(root), "--compare", "edition-1", "-q"]) == 0
    return root


def body(path: Path, view: str) -> list[str]:
    """The body's paragraphs as Word shows them with every change accepted (new) or rejected (base)."""
    from briefkit.outputs.docx.reader import read_docx

    texts = [getattr(b, view) for b in read_docx(path).blocks if b.kind == "body"]
    return [t for t in texts if t.strip()]


def test_the_three_changes_documents_are_written_beside_the_plain_edition(editions: Path):
    build = editions / "build"
    for fmt in ("docx", "pdf", "html"):
        assert (build / f"{NAME}-changes.{fmt}").is_file()
        assert (build / f"{NAME}.{fmt}").is_file() or fmt != "docx"


def test_the_redline_accepted_is_the_new_edition_and_rejected_the_old(editions: Path):
    redline = editions / "build" / f"{NAME}-changes.docx"
    chart_note = "The data of this chart changed since January 2025"
    accepted = [t for t in body(redline, "new") if not t.startswith(chart_note)]
    assert accepted == body(editions / "build" / f"{NAME}.docx", "base")
    assert body(redline, "base") == body(editions.parent / "old" / "build" / f"{NAME}.docx", "base")


def test_pandoc_reads_the_redline_as_both_editions(editions: Path):
    import pypandoc

    redline = editions / "build" / f"{NAME}-changes.docx"
    accepted = pypandoc.convert_file(str(redline), "plain", extra_args=["--track-changes=accept", "--wrap=none"])
    rejected = pypandoc.convert_file(str(redline), "plain", extra_args=["--track-changes=reject", "--wrap=none"])
    assert "wary of any expansion" in accepted and "cool towards" not in accepted
    assert "cool towards any expansion" in rejected and "wary of" not in rejected
    assert "A new paragraph says" in accepted and "A new paragraph says" not in rejected
    assert "neither has been modernised" in rejected and "neither has been modernised" not in accepted
    assert "Trade reached USD\u00a0880\u00a0million" in accepted
    assert "Trade reached USD\u00a0865\u00a0million" in rejected


def test_every_change_is_tracked_with_the_git_author(editions: Path):
    from briefkit.outputs.docx.reader import read_docx

    document = read_docx(editions / "build" / f"{NAME}-changes.docx")
    authors = {change.author for block in document.blocks for change in block.changes}
    assert authors == {"Ana Author"}
    cells = [b for b in document.blocks if b.kind == "cell" and b.changes]
    assert any(b.base == "completed" and b.new == "expired" for b in cells)
    assert any(b.base == "" and b.new == "Port modernisation agreement" for b in cells)


def test_the_pdf_lists_the_changed_figure_with_both_values(editions: Path):
    import re

    text = " ".join(" ".join(pdf_text(editions / "build" / f"{NAME}-changes.pdf")).split())
    text = re.sub(r"(\w)[\u2010-] (\w)", r"\1\2", text)  # words hyphenated at a line's end
    assert "Changes in this edition" in text
    assert "Trade, 2021: USD 865 million (reported) → USD 880 million (reported)" in text
    assert "Added to Agreements and milestones: Port modernisation agreement." in text
    assert "Agreements and milestones, Economic cooperation programme 2017–2019, Status: completed → expired." in text


def test_the_web_page_marks_insertions_and_deletions_with_their_names(editions: Path):
    from lxml import html

    page = html.fromstring((editions / "build" / f"{NAME}-changes.html").read_text(encoding="utf-8"))
    inserted = [" ".join(e.text_content().split()) for e in page.iter("ins")]
    deleted = [" ".join(e.text_content().split()) for e in page.iter("del")]
    assert "inserted: wary" in inserted and "deleted: cool" in deleted
    assert any(t.startswith("inserted: A new paragraph says") for t in inserted)
    assert any(t.startswith("deleted: Ports and rail carry most of the goods") for t in deleted)
    contents = " ".join(page.xpath("//nav//text()"))
    assert "Changes in this edition" in contents


def test_the_plain_edition_has_no_marks(editions: Path):
    from briefkit.outputs.docx.reader import read_docx

    plain = read_docx(editions / "build" / f"{NAME}.docx")
    assert plain.changes == 0 and not any("Changes in this edition" in b.base for b in plain.blocks)


@pytest.mark.parametrize(("revision", "message"), [
    ("no-such-tag", "error: --compare no-such-tag: no such revision in the project's git repository (a tag such as "
                    "edition-2025-12, HEAD~1, a commit) and no such folder"),
])
def test_an_unknown_revision_is_named_without_a_traceback(editions: Path, capsys, revision: str, message: str):
    code = main(["build", "--project", str(editions), "--format", "html", "--compare", revision, "-q"])
    _, err = capsys.readouterr()
    assert code == 1 and err.strip() == message


def test_a_project_outside_git_needs_a_folder(tmp_path: Path, capsys):
    root = tmp_path / "project"
    shutil.copytree(REVIEW_FIXTURE, root)
    code = main(["build", "--project", str(root), "--format", "html", "--compare", "edition-1", "-q"])
    _, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert err.strip() == ("error: --compare edition-1: the project is not in a git repository, and no folder "
                           "'edition-1' exists; give a folder of the earlier edition")


def test_an_earlier_edition_that_does_not_build_is_named(editions: Path, tmp_path: Path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(REVIEW_FIXTURE, broken)
    section = broken / "report/sections/01-summary.md"
    section.write_text(section.read_text().replace("value('trade', 2021)", "valeu('trade', 2021)"))
    code = main(["build", "--project", str(editions), "--format", "html", "--compare", str(broken), "-q"])
    _, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"error: --compare {broken}: the earlier edition does not build:\n"
                          "report/sections/01-summary.md:3:")


def test_previous_edition_in_report_yaml_makes_compare_alone_work(editions: Path, tmp_path: Path):
    root = tmp_path / "project"
    shutil.copytree(editions, root, symlinks=True)
    report = root / "report/report.yaml"
    report.write_text(report.read_text() + "previous_edition: edition-1\n")
    (root / "build" / f"{NAME}-changes.pdf").unlink()
    assert main(["build", "--project", str(root), "--format", "html", "--compare", "-q"]) == 0
    assert (root / "build" / f"{NAME}-changes.pdf").is_file()


def test_a_moved_paragraph_is_one_move_in_word_and_on_the_page(editions: Path):
    import zipfile

    from lxml import etree, html

    from briefkit.outputs.docx.reader import read_docx

    redline = editions / "build" / f"{NAME}-changes.docx"
    with zipfile.ZipFile(redline) as package:
        document = etree.fromstring(package.read("word/document.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    starts = document.xpath("//w:moveFromRangeStart/@w:name", namespaces=ns)
    assert starts and sorted(starts) == sorted(document.xpath("//w:moveToRangeStart/@w:name", namespaces=ns))
    moved = [c for b in read_docx(redline).blocks for c in b.changes if c.kind == "move"
             and "officials describe it as stable" in (c.old or c.new)]
    assert {c.move.split(":")[0] for c in moved} == {"from", "to"}
    page = html.fromstring((editions / "build" / f"{NAME}-changes.html").read_text(encoding="utf-8"))
    labels = [" ".join(e.text_content().split())[:40] for e in page.xpath("//*[contains(@class, 'bk-block')]"
                                                                          "[contains(@class, 'bk-moved')]")]
    assert len(labels) == 2 and labels[0].startswith("moved from here: The treaty of 23 April")
    assert labels[1].startswith("moved here: The treaty of 23 April")


def test_a_moved_sentence_is_an_inline_move_in_word_and_on_the_page(editions: Path):
    """A sentence taken from one paragraph to the end of another: Word's inline move (moveFrom and moveTo runs
    inside the two paragraphs, between range marks named alike), read back as one move by the review reader and
    as the two editions by pandoc; on the page, the moved-from and moved-to marks inside the paragraphs."""
    import zipfile

    import pypandoc
    from lxml import etree, html

    from briefkit.outputs.docx.reader import read_docx

    redline = editions / "build" / f"{NAME}-changes.docx"
    with zipfile.ZipFile(redline) as package:
        document = etree.fromstring(package.read("word/document.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    words = "publishes one figure a year"

    def paragraph_of(move: str):
        found = [p for p in document.iter(f"{{{ns['w']}}}p")
                 if words in "".join(p.xpath(f".//w:{move}//w:t/text()", namespaces=ns))]
        assert len(found) == 1
        return found[0]

    source, target = paragraph_of("moveFrom"), paragraph_of("moveTo")
    assert source is not target
    # Each is a sentence inside a paragraph whose other words stay as they were.
    unchanged = "".join(source.xpath("./w:r//w:t/text() | ./w:hyperlink/w:r//w:t/text()", namespaces=ns))
    assert "shows the series" in unchanged and words not in unchanged
    unchanged = "".join(target.xpath("./w:r//w:t/text() | ./w:hyperlink/w:r//w:t/text()", namespaces=ns))
    assert "Trade reached USD" in unchanged and words not in unchanged
    assert not source.xpath(".//w:moveFrom//w:delText", namespaces=ns)  # moved-away text is w:t, as Word writes it
    name = source.xpath(".//w:moveFromRangeStart/@w:name", namespaces=ns)
    assert len(name) == 1 and target.xpath(".//w:moveToRangeStart/@w:name", namespaces=ns) == name
    for paragraph, move in ((source, "moveFrom"), (target, "moveTo")):
        start = paragraph.xpath(f".//w:{move}RangeStart/@w:id", namespaces=ns)
        assert paragraph.xpath(f".//w:{move}RangeEnd/@w:id", namespaces=ns) == start
        assert paragraph.xpath(f".//w:{move}/@w:author", namespaces=ns)[0] == "Ana Author"
    moves = [c for b in read_docx(redline).blocks for c in b.changes if c.kind == "move" and words in (c.old or c.new)]
    assert sorted(c.move for c in moves) == [f"from:{name[0]}", f"to:{name[0]}"]
    accepted = pypandoc.convert_file(str(redline), "plain", extra_args=["--track-changes=accept", "--wrap=none"])
    rejected = pypandoc.convert_file(str(redline), "plain", extra_args=["--track-changes=reject", "--wrap=none"])
    for text, before, after in ((accepted, "in 2019. The customs service", "2022"),
                                (rejected, "The customs service", "shows the series")):
        assert text.count(words) == 1
        paragraph = next(p for p in text.split("\n\n") if words in p)
        assert before in paragraph and after in paragraph
    assert "shows the series" not in next(p for p in accepted.split("\n\n") if words in p)
    page = html.fromstring((editions / "build" / f"{NAME}-changes.html").read_text(encoding="utf-8"))
    marks = {e.tag: " ".join(e.text_content().split()) for e in page.xpath("//p//*[@class='bk-moved']")}
    assert marks["del"].startswith(f"moved from here: The customs service {words}")
    assert marks["ins"].startswith(f"moved here: The customs service {words}")
    assert "shows the series" in marks["del"].join(
        " ".join(p.text_content().split()) for p in page.xpath("//p[del[@class='bk-moved']]"))


def test_a_sentence_moved_within_its_paragraph_is_a_move_in_both_marks(tmp_path: Path):
    """The moves inside one paragraph: a redline of two small DOCX files and the marked Markdown of the page."""
    import docx
    import pypandoc

    from briefkit.compare.text import mark_blocks
    from briefkit.outputs.docx.reader import read_docx
    from briefkit.outputs.docx.redline import write_redline

    sentence = "The ports were surveyed in the spring of 2024."
    rest = "Rail carries most of the goods and neither line has been modernised since the treaty was signed."
    old, new = f"Alpha opens the paragraph. {sentence} {rest}", f"Alpha opens the paragraph. {rest} {sentence}"
    for name, text in (("old", old), ("new", new)):
        document = docx.Document()
        document.add_paragraph("A paragraph that stays as it was.")
        document.add_paragraph(text)
        document.save(tmp_path / f"{name}.docx")
    write_redline(tmp_path / "old.docx", tmp_path / "new.docx", tmp_path / "red.docx", "Ana Author", "")
    block = [b for b in read_docx(tmp_path / "red.docx").blocks if b.changes][0]
    assert (block.base, block.new) == (old, new)
    moves = {c.move.split(":")[0]: c for c in block.changes if c.kind == "move"}
    assert moves["from"].old.strip() == moves["to"].new.strip() == sentence.rstrip(".")
    assert moves["from"].move[5:] == moves["to"].move[3:]
    for view, text in (("accept", new), ("reject", old)):
        plain = pypandoc.convert_file(str(tmp_path / "red.docx"), "plain",
                                      extra_args=[f"--track-changes={view}", "--wrap=none"])
        assert plain.split("\n\n")[1].strip() == text
    marked, _ = mark_blocks([old], [new])
    assert f"[{sentence.rstrip('.')}]{{.bk-moved-from}}" in marked
    assert f"[{sentence.rstrip('.')}]{{.bk-moved-to}}" in marked
    # Fewer than six words moved are a deletion and an insertion.
    marked, _ = mark_blocks(["One two three. Four five six seven eight nine ten eleven."],
                            ["Four five six seven eight nine ten eleven. One two three."])
    assert "bk-moved" not in marked and "{.bk-del}" in marked and "{.bk-ins}" in marked


def test_changes_since_prints_the_data_changes_in_the_plain_edition(editions: Path, tmp_path: Path, capsys):
    root = tmp_path / "project"
    shutil.copytree(editions, root, symlinks=True)
    notes = root / "report/sections/04-notes.md"
    since = "\n## Since the last edition {.unnumbered}\n\n{{ changes_since('edition-1') }}\n"
    notes.write_text(notes.read_text() + since)
    assert main(["build", "--project", str(root), "--format", "docx", "-q"]) == 0
    text = " ".join(body(root / "build" / f"{NAME}.docx", "base"))
    assert "Trade, 2021: USD\u00a0865\u00a0million (reported) → USD\u00a0880\u00a0million (reported)." in text
    assert "Added to Agreements and milestones: Port modernisation agreement." in text
    notes.write_text(notes.read_text().replace("edition-1", "edition-0"))
    assert main(["check", "--project", str(root)]) == 1
    err = capsys.readouterr().err
    assert "report/sections/04-notes.md:7:" in err and "changes_since: edition-0: no such revision" in err


def test_the_typst_engine_marks_the_changes_pdf_too(editions: Path, tmp_path: Path):
    import re

    from pypdf import PdfReader

    root = tmp_path / "project"
    shutil.copytree(editions, root, symlinks=True)
    report = root / "report/report.yaml"
    report.write_text(report.read_text() + "pdf:\n  engine: typst\n")
    (root / "build" / f"{NAME}-changes.pdf").unlink()
    assert main(["build", "--project", str(root), "--format", "pdf", "--compare", "edition-1", "-q"]) == 0
    changes = root / "build" / f"{NAME}-changes.pdf"
    assert PdfReader(str(changes)).metadata.get("/Creator", "").startswith("Typst")
    text = " ".join(" ".join(pdf_text(changes)).split())
    text = re.sub(r"(\w)[\u2010-] (\w)", r"\1\2", text)
    assert "Trade, 2021: USD 865 million (reported) → USD 880 million (reported)" in text
    # Both the deleted and the inserted word are on the page (struck through and underlined).
    assert "cool" in text and "wary" in text and "A new paragraph says" in text


def test_a_fresh_process_makes_the_changes_beside_the_plain_build(editions: Path, tmp_path: Path):
    """From the command line (no Typst run before in the process) the comparison runs in a forked process beside
    the plain build: the same three documents, and a broken earlier edition named with exit 1 and no traceback."""
    import sys

    root = tmp_path / "project"
    shutil.copytree(editions, root, symlinks=True)
    for path in (root / "build").glob(f"{NAME}-changes.*"):
        path.unlink()
    command = [sys.executable, "-m", "briefkit", "build", "--project", str(root), "--format", "html", "-q"]
    done = subprocess.run(command + ["--compare", "edition-1"], capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, "")
    assert {p.suffix for p in (root / "build").glob(f"{NAME}-changes.*")} == {".docx", ".html", ".pdf"}
    broken = tmp_path / "broken"
    shutil.copytree(REVIEW_FIXTURE, broken)
    section = broken / "report/sections/01-summary.md"
    section.write_text(section.read_text().replace("value('trade', 2021)", "valeu('trade', 2021)"))
    done = subprocess.run(command + ["--compare", str(broken)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: --compare {broken}: the earlier edition does not build:\n")
