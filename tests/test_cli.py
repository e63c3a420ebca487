"""The command line as a user meets it: exit codes, one clear message per mistake, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefkit.cli import main
from tests.conftest import REPO


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_exits_zero_and_prints_the_top_level_help_only(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and out.startswith("usage: ") and out.count("usage: ") == 1
    assert "COMMAND --help' for the options of each command" in out
    assert all(f"    {command} " in out for command in ("new", "build", "check", "watch", "review", "clean"))
    assert "--format" not in out and "--pdf-engine" not in out
    code, out, _ = run(["build", "--help"], capsys)
    assert code == 0 and "--format" in out and "--out" in out


def test_wrong_usage_exits_two(capsys):
    code, _, err = run(["--format", "odt"], capsys)
    assert code == 2 and "invalid choice: 'odt'" in err


def test_broken_yaml_gives_exit_one_with_file_and_line(mini, capsys):
    (mini / "data" / "trade.yaml").write_text("years:\n  - year: 2019\n    kind: [reported\n")
    code, _, err = run(["--project", str(mini)], capsys)
    assert code == 1
    assert err.splitlines()[0] == "data/trade.yaml:3:11: a '[' opened here is never closed"
    assert "Traceback" not in err
    assert not (mini / "build").exists() or not any((mini / "build").iterdir())


def test_missing_section_is_reported_with_its_line_in_report_yaml(mini, capsys):
    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text().replace("02-trade.md", "02-missing.md"))
    code, _, err = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert err.splitlines() == [
        "report/report.yaml:15:5: section file 'report/sections/02-missing.md' does not exist",
        " 15 |   - 02-missing.md",
        "    |     ^^^^^^^^^^^^^",
        "    = hint: report/sections/ holds: 01-summary.md, 02-trade.md",
        "check: 1 problem to fix",
    ]


def test_output_name_cannot_escape_the_output_folder(mini, capsys):
    report = mini / "report" / "report.yaml"
    report.write_text(report.read_text().replace("name: mini", "name: ../../x"))
    code, _, err = run(["--project", str(mini), "--check"], capsys)
    assert code == 1
    assert "report/report.yaml:11:9: 'name' must be a plain file name without folders; got '../../x'" in err


def test_check_passes_on_the_real_briefing(capsys):
    code, out, err = run(["--project", str(REPO), "--check"], capsys)
    assert (code, err) == (0, "")
    assert "check: no errors" in out


@pytest.mark.parametrize("command", [[str(REPO / "build.py")], ["-m", "briefkit", "check"]], ids=["build.py", "-m"])
def test_build_py_runs_as_a_script_without_traceback(mini, command):
    (mini / "data" / "agreements.yaml").write_text("records:\n  - id: x\n    date: 2025-02-30\n")
    flags = ["--project", str(mini)] + (["--check"] if command[0].endswith("build.py") else [])
    result = subprocess.run([sys.executable, *command, *flags], capture_output=True, text=True, cwd=mini)
    assert result.returncode == 1
    assert "data/agreements.yaml:3:11: 'date' is not a valid date" in result.stderr
    assert "Traceback" not in result.stderr


def test_format_option_builds_only_that_format(mini, capsys, tmp_path: Path):
    out_dir = tmp_path / "out"
    code, out, _ = run(["--project", str(mini), "--format", "html", "--out", str(out_dir)], capsys)
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["data", "mini.html"]
