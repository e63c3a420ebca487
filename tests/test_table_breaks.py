"""Tables across pages: a page break leaves at least three rows at each end (a short table stays whole), in both
PDF engines and in Word; read from the text of each page, as a reader turns them."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import FIXTURE, copy_project

TABLES = 6
ROWS = 30
SHORT = 5  # the last table has five rows: it is never split
FILLER = ("The paragraph before each table is of another length, so that the page breaks fall at other rows of "
          "each table, near its start in one, near its end in another. ")
DECLARATION = """
  - name: entries
    path: entries.csv
    kind: records
    title: Entries
    schema:
      primaryKey: id
      fields:
        - {name: id, type: string, constraints: {required: true}}
        - {name: group, type: string, title: Group, constraints: {required: true}}
        - {name: title, type: string, title: Item, constraints: {required: true}}
        - {name: detail, type: string, title: Detail}
        - {name: source, type: sources, title: Source, constraints: {required: true}}
"""


def rows_of(table: int) -> int:
    return SHORT if table == TABLES else ROWS


def tables_project(root: Path) -> Path:
    project = copy_project(FIXTURE, root)
    lines = ["id,group,title,detail,source"]
    for table in range(1, TABLES + 1):
        for row in range(1, rows_of(table) + 1):
            detail = "A longer cell that wraps over two lines of the narrow column" if row % 4 == 0 else "short"
            lines.append(f"i{table}-{row},g{table},Item {table}.{row:02d},{detail},customs")
    (project / "data" / "entries.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    package = project / "data" / "datapackage.yaml"
    package.write_text(package.read_text(encoding="utf-8") + DECLARATION, encoding="utf-8")
    parts = ["# Tables {#tables}", ""]
    for table in range(1, TABLES + 1):
        parts += [FILLER * (2 + 4 * table) + "[@customs]", "",
                  f"{{{{ table('entries', columns=['title', 'detail', 'source'], where={{'group': 'g{table}'}}, "
                  f"label='tbl:items-{table}', caption='Items of group {table}') }}}}", ""]
    parts += ["# Sources {#sources .unnumbered}", "", "{{ bibliography() }}", ""]
    sections = project / "report" / "sections"
    for old in sections.glob("*.md"):
        old.unlink()
    (sections / "01-tables.md").write_text("\n".join(parts), encoding="utf-8")
    report = project / "report" / "report.yaml"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("  - 01-summary.md\n  - 02-trade.md", "  - 01-tables.md"), encoding="utf-8")
    return project


def rows_by_page(pdf: Path) -> dict[int, list[tuple[int, int]]]:
    """For each table, the (page, number of its rows on that page) in order."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found: dict[int, list[tuple[int, int]]] = {}
    for page, page_text in enumerate(text.split("\f"), 1):
        counts: dict[int, int] = {}
        for table, _ in re.findall(r"Item (\d)\.(\d\d)", page_text):
            counts[int(table)] = counts.get(int(table), 0) + 1
        for table, count in counts.items():
            found.setdefault(table, []).append((page, count))
    return found


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_a_page_break_leaves_three_rows_at_each_end_of_a_table(tmp_path: Path, engine: str):
    project = tables_project(tmp_path / engine)
    assert main(["--project", str(project), "-q", "--format", "pdf", "--pdf-engine", engine]) == 0
    found = rows_by_page(project / "build" / "mini.pdf")
    assert sorted(found) == list(range(1, TABLES + 1))
    split = 0
    for table, pages in found.items():
        assert sum(count for _, count in pages) == rows_of(table), (table, pages)
        if len(pages) > 1:
            split += 1
            assert pages[0][1] >= 3 and pages[-1][1] >= 3, (engine, table, pages)
    assert len(found[TABLES]) == 1, found[TABLES]  # five rows: kept whole
    assert split >= 2, found  # the layout does break tables, so the rule was put to the test


def test_word_keeps_the_three_end_rows_of_a_table_with_the_next(tmp_path: Path):
    project = tables_project(tmp_path / "docx")
    assert main(["--project", str(project), "-q", "--format", "docx"]) == 0
    with zipfile.ZipFile(project / "build" / "mini.docx") as archive:
        document = archive.read("word/document.xml").decode("utf-8")
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", document, re.S)
    assert len(tables) == TABLES
    for index, table in enumerate(tables, 1):
        rows = re.findall(r"<w:tr[ >].*?</w:tr>", table, re.S)
        kept = "".join("k" if "<w:keepNext/>" in row else "-" for row in rows)
        # The header row, then the body: its first two and last three rows keep with the next (the last one with
        # the source line under the table); a table of five rows keeps every row.
        body = rows_of(index)
        expected = "k" * (body + 1) if body < 6 else "kkk" + "-" * (body - 5) + "kkk"
        assert kept == expected, (index, kept)
    # The caption above each table stands clear of the paragraph before it.
    assert document.count('<w:spacing w:before="340" w:after="113"/>') == TABLES
