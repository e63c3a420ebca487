"""`briefkit review`: a returned DOCX's changes and comments placed in the sources, and written back with --apply.

The returned files are made in the shape Word writes them (tests/wordlike.py): changes split over runs with
rsids, moves, comments with replies in commentsExtended.xml, and edits made with tracking off.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from wordlike import Returned  # noqa: E402

from tests.conftest import REVIEW_DOCX as DOCX  # noqa: E402
from tests.conftest import git  # noqa: E402


@pytest.fixture
def project(review_project: Path) -> Path:
    return review_project


def at(root: Path, file: str, needle: str, occurrence: int = 1) -> str:
    """file:line:column of the n-th occurrence of `needle` in a project file."""
    text = (root / file).read_text(encoding="utf-8")
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return f"{file}:{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def review_json(capsys, root: Path, returned: Path, *extra: str) -> list[dict]:
    code, out, err = run(capsys, "review", str(returned), "--project", str(root), "--format", "json", *extra)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_word_shaped_changes_are_each_placed_on_their_line(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.delete(" still", containing="still frames")
    returned.insert("Ports and rail carry most of the goods", " by volume")
    returned.untracked("publishes one figure", "publishes a single figure")
    returned.comment("officials describe it as stable", "Which officials?", reply=("Sam Editor", "The ministry's."))
    returned.bold("gap in 2022")
    path = returned.save(project / "returned.docx")

    code, out, err = run(capsys, "review", str(path), "--project", str(project))
    assert code == 0 and "Traceback" not in err
    summary = "01-summary.md"
    lines = out.splitlines()
    assert f"{at(project, 'report/sections/' + summary, 'cool towards')}: Alex Reviewer replaced 'cool towards' " \
           "with 'wary of'" in lines
    assert f"{at(project, 'report/sections/' + summary, ' still')}: Alex Reviewer deleted 'still'" in lines
    assert f"{at(project, 'report/sections/02-trade.md', ', and neither')}: Alex Reviewer inserted 'by volume'" \
        in lines
    assert f"{at(project, 'report/sections/02-trade.md', 'one')}: someone (tracking off) replaced 'one' with " \
           "'a single'" in lines
    assert f"{at(project, 'report/sections/' + summary, 'officials describe')}: Alex Reviewer commented on " \
           "'officials describe it as stable'" in lines
    assert "= comment: Which officials?" in out and "↳ Sam Editor: The ministry's." in out
    assert f"{at(project, 'report/sections/02-trade.md', 'gap in 2022')}: Alex Reviewer changed the formatting " \
           "of 'gap in 2022' (formatting is not applied)" in lines
    # The caret stands under the words that changed, on the source line itself.
    index = lines.index(f"{at(project, 'report/sections/' + summary, 'cool towards')}: Alex Reviewer replaced "
                        "'cool towards' with 'wary of'")
    source, caret = lines[index + 1], lines[index + 2]
    assert "cool towards" in source and caret.strip(" |") == "^" * len("cool towards")
    assert caret.index("^") == source.index("cool towards")
    assert lines[-1] == "review: 6 findings (4 changes, 1 comment, 1 formatting change); 4 can be written with --apply"


def test_json_has_one_object_per_finding_with_the_documented_fields(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.replace("695", "696", containing="695")
    findings = review_json(capsys, project, returned.save(project / "returned.docx"))
    prose, figure = sorted(findings, key=lambda f: f["target"], reverse=True)
    assert {"file", "line", "column", "kind", "author", "date", "old", "new", "comment", "target", "status"} <= \
        set(prose)
    assert (prose["kind"], prose["old"], prose["new"], prose["target"], prose["status"], prose["author"]) == \
        ("replace", "cool towards", "wary of", "section", "applies", "Alex Reviewer")
    assert prose["date"] == "2026-01-15T10:00:00Z"
    where = at(project, "data/trade.yaml", "695").split(":")
    assert (figure["file"], figure["line"], figure["column"]) == (where[0], int(where[1]), int(where[2]))
    assert (figure["target"], figure["dataset"], figure["key"], figure["field"]) == ("data", "trade", 2019, "value")


def test_a_figure_from_a_dataset_goes_to_its_field_and_never_into_the_prose(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("695", "696", containing="695")
    path = returned.save(project / "returned.docx")
    code, out, _ = run(capsys, "review", str(path), "--project", str(project))
    assert f"{at(project, 'data/trade.yaml', '695')}: Alex Reviewer changed 695 to 696 (trade, 2019, value)" in out
    before = (project / "report/sections/01-summary.md").read_bytes()
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply")
    assert code == 0 and "nothing written" in out and "data changes are written with --apply-data" in out
    assert (project / "report/sections/01-summary.md").read_bytes() == before
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply", "--apply-data")
    assert "wrote data/trade.yaml (1 change)" in out
    assert "    value: 696\n" in (project / "data/trade.yaml").read_text()


def test_a_table_cell_goes_to_its_record_and_field(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace_in(returned.cell("completed"), "completed", "expired")
    findings = review_json(capsys, project, returned.save(project / "returned.docx"))
    (finding,) = findings
    where = at(project, "data/agreements.yaml", "completed").split(":")
    assert (finding["file"], finding["line"], finding["column"]) == (where[0], int(where[1]), int(where[2]))
    assert (finding["dataset"], finding["key"], finding["field"]) == ("agreements", "programme-2017", "status")


def test_headings_captions_notes_and_the_cover_go_to_their_own_files(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("The customs series", "The customs figures")
    returned.replace("as the customs service reported it", "as the customs service published it")
    returned.replace("Review fixture", "Review test", containing="Review fixture")
    returned.replace_in(returned.paragraph("Foreign trade statistics", root=returned.footnotes), "Foreign trade",
                        "External trade")
    findings = {f["new"]: f for f in review_json(capsys, project, returned.save(project / "returned.docx"))}
    place = {new: f"{f['file']}:{f['line']}:{f['column']}" for new, f in findings.items()}
    assert place["The customs figures"] == at(project, "report/sections/02-trade.md", "The customs series")
    assert place["as the customs service published it"] == at(project, "report/sections/02-trade.md",
                                                               "as the customs service reported it")
    assert place["Review test"] == at(project, "report/report.yaml", "Review fixture")
    assert findings["Review test"]["target"] == "report"
    assert place["External trade"] == at(project, "data/sources.yaml", "Foreign trade")
    assert findings["External trade"]["target"] == "sources"
    assert all(f["status"] == "applies" for f in findings.values())


def test_a_move_is_one_finding_with_both_places(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.move("Ports and rail carry most of the goods, ", "The customs service publishes")
    (finding,) = review_json(capsys, project, returned.save(project / "returned.docx"))
    assert finding["kind"] == "move" and finding["status"] == "applies"
    assert f"{finding['file']}:{finding['line']}:{finding['column']}" == \
        at(project, "report/sections/02-trade.md", "Ports and rail")
    assert finding["note"] == f"moved to {at(project, 'report/sections/02-trade.md', 'The customs service')}"


def test_apply_writes_what_applies_keeps_every_other_byte_and_a_second_apply_writes_nothing(project: Path, capsys):
    summary = project / "report/sections/01-summary.md"
    summary.write_bytes(summary.read_bytes().replace(b"\n", b"\r\n"))  # an author on Windows: CRLF stays CRLF
    git(project, "commit", "-qam", "CRLF")
    assert main(["build", "--project", str(project), "-q"]) == 0
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.insert("Ports and rail carry most of the goods", " by volume")
    returned.comment("officials describe it as stable", "Which officials?")
    path = returned.save(project / "returned.docx")
    before = summary.read_bytes()
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply")
    assert code == 0
    assert "wrote report/sections/01-summary.md (1 change)" in out
    assert "wrote report/sections/02-trade.md (1 change)" in out
    assert "left: 1 finding (1 comment)" in out
    assert summary.read_bytes() == before.replace(b"cool towards", b"wary of")
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply")
    assert "nothing written" in out and "= applied: already in the sources" in out
    assert summary.read_bytes() == before.replace(b"cool towards", b"wary of")


def test_a_build_after_apply_gives_the_reviewers_text(project: Path, capsys):
    from briefkit.outputs.docx.reader import read_docx

    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.delete(" still", containing="still frames")
    returned.untracked("publishes one figure", "publishes a single figure")
    returned.replace("695", "696", containing="695")
    path = returned.save(project / "returned.docx")
    assert run(capsys, "review", str(path), "--project", str(project), "--apply")[0] == 0
    assert main(["build", "--project", str(project), "-q"]) == 0
    wanted = [b.new for b in read_docx(path).blocks if b.kind == "body"]
    rebuilt = [b.new for b in read_docx(project / DOCX).blocks if b.kind == "body"]
    # Every change is in the new build but the data change, which is listed and left to --apply-data.
    assert [t.replace("696", "695") for t in wanted] == rebuilt


def test_the_author_went_on_writing_a_moved_passage_applies_and_a_changed_one_conflicts(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.replace("neither has been modernised", "neither has been upgraded")
    path = returned.save(project / "returned.docx")
    trade = project / "report/sections/02-trade.md"
    text = trade.read_text()
    trade.write_text(text.replace("neither has been modernised", "neither has been rebuilt"))
    summary = project / "report/sections/01-summary.md"
    summary.write_text("<!-- a note the author added -->\n\n" + summary.read_text())
    findings = {f["new"]: f for f in review_json(capsys, project, path)}
    moved = findings["wary of"]
    assert moved["status"] == "applies"
    assert f"{moved['file']}:{moved['line']}:{moved['column']}" == at(project, "report/sections/01-summary.md",
                                                                     "cool towards")
    conflict = findings["neither has been upgraded"]
    assert conflict["status"] == "conflict"
    assert "neither has been upgraded" in conflict["theirs"] and "neither has been rebuilt" in conflict["ours"]
    code, out, _ = run(capsys, "review", str(path), "--project", str(project))
    assert "= conflict: the author changed this passage too since the build" in out
    assert run(capsys, "review", str(path), "--project", str(project), "--apply")[0] == 0
    assert "neither has been rebuilt" in trade.read_text() and "wary of" in summary.read_text()


def test_interactive_asks_change_by_change(project: Path, capsys, monkeypatch):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    returned.replace("neither has been modernised", "neither has been upgraded")
    path = returned.save(project / "returned.docx")
    answers = iter(["n", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply", "--interactive")
    assert code == 0 and "wrote report/sections/02-trade.md (1 change)" in out
    assert "cool towards" in (project / "report/sections/01-summary.md").read_text()
    assert "upgraded" in (project / "report/sections/02-trade.md").read_text()
    answers = iter(["q"])
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply", "--interactive")
    assert "nothing written (stopped)" in out


def test_a_data_change_the_schema_refuses_is_not_written(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace_in(returned.cell("completed"), "completed", "lapsed")
    path = returned.save(project / "returned.docx")
    before = (project / "data/agreements.yaml").read_bytes()
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply", "--apply-data")
    assert code == 0 and "not written: data/agreements.yaml" in out and "the data would be refused" in out
    assert (project / "data/agreements.yaml").read_bytes() == before


def test_review_works_after_clean_from_the_commit_the_docx_names(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    path = returned.save(project.parent / "returned.docx")
    assert main(["clean", "--project", str(project), "-q"]) == 0
    trade = project / "report/sections/02-trade.md"
    trade.write_text(trade.read_text().replace("Ports and rail", "Roads, ports and rail"))
    git(project, "commit", "-qam", "the author goes on")
    findings = review_json(capsys, project, path)
    assert [(f["new"], f["status"]) for f in findings] == [("wary of", "applies")]


def test_a_file_without_its_build_id_is_aligned_with_a_warning(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    path = returned.save(project / "returned.docx", properties={"briefkit-build": None, "briefkit-project": None,
                                                                 "briefkit-commit": None})
    code, out, err = run(capsys, "review", str(path), "--project", str(project), "--format", "json")
    assert code == 0
    assert "carries no build id (pasted into a new document, or saved by another program)" in err
    assert [json.loads(line)["new"] for line in out.splitlines()] == ["wary of"]


def test_a_docx_of_another_project_is_refused_unless_forced(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    path = returned.save(project / "returned.docx", properties={"briefkit-project": "grain-note"})
    code, out, err = run(capsys, "review", str(path), "--project", str(project))
    assert code == 1 and "Traceback" not in err
    assert err.strip() == f"error: {path}: is a DOCX of the project 'grain-note', not of this one " \
                          "('review-fixture'); nothing was reviewed (use --force to review it anyway)"
    assert run(capsys, "review", str(path), "--project", str(project), "--force")[0] == 0


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "{path}: no such file"),
    (lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\n"),
     "{path}: is a PDF; review reads the DOCX that came back (the .docx file)"),
    (lambda p: p.write_text("just some text"), "{path}: is not a DOCX (not a zip archive)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
     "{path}: is password-protected or an old binary .doc; save it as an unprotected .docx (Word: File > Info > "
     "Protect Document > Encrypt with Password, clear it)"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi"),
     "{path}: is a zip archive but not a Word document (no word/document.xml)"),
])
def test_bad_input_gets_a_clear_message_and_changes_nothing(project: Path, capsys, make, message):
    path = project / "returned.docx"
    make(path)
    before = {p: p.read_bytes() for p in (project / "report").rglob("*") if p.is_file()}
    code, out, err = run(capsys, "review", str(path), "--project", str(project), "--apply")
    assert code == 1 and out == ""
    assert err.strip() == "error: " + message.format(path=path)
    assert before == {p: p.read_bytes() for p in (project / "report").rglob("*") if p.is_file()}


def test_a_file_rewritten_beyond_recognition_is_not_reviewed(project: Path, capsys):
    from docx import Document

    document = Document()
    for n in range(30):
        document.add_paragraph(f"An entirely different text, paragraph {n}, about other things.")
    path = project / "returned.docx"
    document.save(path)
    code, _, err = run(capsys, "review", str(path), "--project", str(project))
    assert code == 1
    assert "of the build's text could be found in it; it was rewritten too much to be reviewed change by change" \
        in err


# A real editor: LibreOffice through UNO (tests/lo_editor.py), with change recording on and off.

@pytest.fixture(scope="module")
def libreoffice():
    from tests.test_lo_editor import edit, unavailable

    reason = unavailable()
    if reason:
        pytest.skip(reason)
    return edit


def test_a_round_trip_through_libreoffice(project: Path, capsys, libreoffice):
    from briefkit.outputs.docx.reader import read_docx

    returned = project.parent / "returned.docx"
    done = libreoffice(project / DOCX, returned, [
        {"op": "replace", "find": "cool towards", "with": "wary of", "author": "Alex Reviewer"},
        {"op": "delete", "find": " still", "author": "Alex Reviewer"},
        {"op": "insert", "after": "Ports and rail carry most of the goods", "text": " by volume",
         "author": "Bea Second"},
        {"op": "replace", "find": "695", "with": "696", "author": "Alex Reviewer"},
        {"op": "replace", "find": "publishes one figure", "with": "publishes a single figure", "track": False},
        {"op": "comment", "find": "officials describe it as stable", "text": "Which officials?",
         "author": "Bea Second"},
    ])
    assert done.returncode == 0, done.stderr
    findings = review_json(capsys, project, returned)
    saver = read_docx(returned).last_modified_by  # who made an untracked edit is not recorded: the last to save
    placed = {(f["kind"], f["old"], f["new"]): (f"{f['file']}:{f['line']}:{f['column']}", f["author"], f["status"],
                                                 f["tracked"]) for f in findings}
    summary, trade = "report/sections/01-summary.md", "report/sections/02-trade.md"
    alex = "Alex Reviewer"
    assert placed == {
        ("replace", "cool towards", "wary of"): (at(project, summary, "cool towards"), alex, "applies", True),
        ("delete", " still", ""): (at(project, summary, " still"), "Alex Reviewer", "applies", True),
        ("insert", "", " by volume"): (at(project, trade, ", and neither"), "Bea Second", "applies", True),
        ("replace", "695", "696"): (at(project, "data/trade.yaml", "695"), "Alex Reviewer", "applies", True),
        ("replace", "one", "a single"): (at(project, trade, "one figure"), saver, "applies", False),
        ("comment", "officials describe it as stable", ""): (at(project, summary, "officials describe"), "Bea Second",
                                                              "applies", True),
    }
    code, out, _ = run(capsys, "review", str(returned), "--project", str(project), "--apply")
    assert code == 0 and "wrote report/sections/01-summary.md (2 changes)" in out
    assert "wrote report/sections/02-trade.md (2 changes)" in out
    assert main(["build", "--project", str(project), "-q"]) == 0
    wanted = [b.new for b in read_docx(returned).blocks if b.kind == "body" and b.new]
    rebuilt = [b.new for b in read_docx(project / DOCX).blocks if b.kind == "body" and b.new]
    # The reviewer's text with every change accepted, but the data change, which stays a finding.
    assert [t.replace("696", "695") for t in wanted] == rebuilt


def test_libreoffice_edits_to_the_shipped_briefing_are_placed(real: Path, capsys, libreoffice):
    """The briefing itself, edited in LibreOffice: every change is placed where it came from, none is guessed."""
    import re

    from briefkit.outputs.docx.reader import read_docx

    assert main(["build", "--project", str(real), "--format", "docx", "-q"]) == 0
    built = next((real / "build").glob("*.docx"))
    paragraphs = [b.base for b in read_docx(built).blocks if b.kind == "body" and b.style in ("BodyText",
                                                                                            "FirstParagraph")]
    edits, words = [], []
    for text in paragraphs:
        found = [w for w in re.findall(r"\b[a-z]{6,}\b", text) if sum(p.count(w) for p in paragraphs) == 1]
        if found and len(edits) < 8:
            words.append(found[0])
            edits.append({"op": "replace", "find": found[0], "with": found[0].upper(), "track": len(edits) % 4 != 3})
    returned = real / "returned.docx"
    done = libreoffice(built, returned, edits)
    assert done.returncode == 0, done.stderr
    findings = review_json(capsys, real, returned)
    assert sorted(f["old"] for f in findings) == sorted(words)
    for finding in findings:
        assert finding["status"] == "applies" and finding["target"] == "section"
        line = (real / finding["file"]).read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
        assert line[finding["column"] - 1:].startswith(finding["old"])


def test_review_after_clean_with_unchanged_sources_makes_the_build_again(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    path = returned.save(project.parent / "returned.docx")
    (project / ".git").rename(project.parent / "no-git")  # not from git: from today's sources
    assert main(["clean", "--project", str(project), "-q"]) == 0
    findings = review_json(capsys, project, path)
    assert [(f["new"], f["status"]) for f in findings] == [("wary of", "applies")]


def test_build_py_review_runs_the_same_command(project: Path):
    returned = Returned(project / DOCX)
    returned.replace("cool towards", "wary of")
    path = returned.save(project / "returned.docx")
    done = subprocess.run([sys.executable, str(Path(__file__).parent.parent / "build.py"), "review", str(path),
                           "--project", str(project)], capture_output=True, text=True, env={"NO_COLOR": "1",
                                                                                         "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "Alex Reviewer replaced 'cool towards' with 'wary of'" in done.stdout
    missing = subprocess.run([sys.executable, str(Path(__file__).parent.parent / "build.py"), "review",
                              str(project / "nothing.docx"), "--project", str(project)], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr == f"error: {project / 'nothing.docx'}: no such file\n"


def test_a_data_note_goes_to_its_field_and_apply_data_writes_it(project: Path, capsys):
    returned = Returned(project / DOCX)
    returned.replace("small series", "short series", containing="A small series for the tests")
    path = returned.save(project / "returned.docx")
    code, out, _ = run(capsys, "review", str(path), "--project", str(project))
    assert f"{at(project, 'data/trade.yaml', 'small series')}: Alex Reviewer replaced 'small series' with " \
           "'short series' (trade, note)" in out
    code, out, _ = run(capsys, "review", str(path), "--project", str(project), "--apply", "--apply-data")
    assert "wrote data/trade.yaml (1 change)" in out
    assert "note: A short series for the tests.\n" in (project / "data/trade.yaml").read_text()


def test_figures_in_the_reports_language_and_csv_cells(tmp_path: Path, capsys):
    """A French briefing with CSV data: '1,9' is the CSV's 1.9, and --apply-data writes 2.1 in its cell."""
    from tests.conftest import copy_project

    root = copy_project(Path(__file__).parent / "fixtures" / "grain", tmp_path / "grain")
    assert main(["build", "--project", str(root), "--format", "docx", "-q"]) == 0
    returned = Returned(next((root / "build").glob("*.docx")))
    returned.replace("1,9", "2,1", containing="exportations ont")
    path = returned.save(tmp_path / "returned.docx")
    code, out, _ = run(capsys, "review", str(path), "--project", str(root))
    assert f"{at(root, 'data/exports.csv', '1.9')}: Alex Reviewer changed 1,9 to 2,1 (exports, 2024, value)" in out
    before = (root / "data/exports.csv").read_bytes()
    assert run(capsys, "review", str(path), "--project", str(root), "--apply", "--apply-data")[0] == 0
    assert (root / "data/exports.csv").read_bytes() == before.replace(b"2024,estimate,1.9,", b"2024,estimate,2.1,")


def test_a_figure_retyped_with_plain_spaces_is_no_edit_and_its_new_value_goes_to_the_data(project: Path, capsys):
    """The build joins a figure with no-break spaces; a colleague who types plain ones changes nothing by that, and
    a figure typed over whole changes its number in the data."""
    nbsp = "\u00a0"
    returned = Returned(project / DOCX)
    returned.untracked(f"Trade reached USD{nbsp}865{nbsp}million in 2021, after",
                       "Trade reached USD 865 million in 2021, well after")
    returned.replace(f"USD{nbsp}695{nbsp}million", "USD 696 million", containing="in 2019")
    findings = review_json(capsys, project, returned.save(project / "returned.docx"))
    assert sorted((f["target"], f["kind"], f["old"], f["new"]) for f in findings) == [
        ("data", "replace", f"USD{nbsp}695{nbsp}million", "USD 696 million"), ("section", "insert", "", "well ")]
    (figure,) = [f for f in findings if f["target"] == "data"]
    assert (figure["dataset"], figure["key"], figure["field"], figure["status"]) == ("trade", 2019, "value", "applies")
    code, out, err = run(capsys, "review", str(project / "returned.docx"), "--project", str(project), "--apply",
                         "--apply-data")
    assert code == 0, err
    assert "    value: 696\n" in (project / "data/trade.yaml").read_text(encoding="utf-8")
    summary = (project / "report/sections/01-summary.md").read_text(encoding="utf-8")
    assert "Trade reached {{ value('trade', 2021) }} in 2021, well after {{ data.trade.point(2019) | figure }}" \
        in summary
