"""The cache never serves a stale result: each kind of input rebuilds exactly what depends on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefkit.pipeline import build


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def override(root: Path, name: str, extra: str) -> None:
    """The project's own copy of a default template, changed: it overrides the engine's file."""
    from briefkit.templates import DEFAULT_TEMPLATES

    target = root / "templates" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((DEFAULT_TEMPLATES / name).read_bytes() + extra.encode("utf-8"))


CHANGES = [
    ("a section", lambda r: edit(r / "report/sections/02-trade.md", "shows the series", "plots the series"),
     {"html", "pdf", "docx"}),
    ("trade data", lambda r: edit(r / "data/trade.yaml", "value: 865", "value: 866"),
     {"chart", "html", "pdf", "docx"}),
    ("agreements data", lambda r: edit(r / "data/agreements.yaml", "Treaty of Friendship", "Treaty of Amity"),
     {"html", "pdf", "docx"}),
    ("the HTML shell", lambda r: override(r, "briefing.html.j2", "\n"), {"html", "pdf"}),
    ("the print CSS", lambda r: override(r, "print.css", "\np { color: #111; }\n"), {"pdf"}),
    ("the screen CSS", lambda r: override(r, "screen.css", "\np { color: #111; }\n"), {"html"}),
    ("a body font", lambda r: override(r, "fonts/CharisSIL-Regular.ttf", "\0"), {"html", "pdf", "docx"}),
    ("report.yaml", lambda r: edit(r / "report/report.yaml", "edition: January 2025", "edition: February 2025"),
     {"html", "pdf", "docx"}),
]


@pytest.fixture
def warm(mini: Path) -> Path:
    first = build(mini, parallel=False)
    assert set(first.rebuilt) == {"chart", "html", "pdf", "docx"}
    return mini


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_nothing_changed_rebuilds_nothing(warm: Path):
    before = outputs(warm / "build")
    again = build(warm, parallel=False)
    assert again.rebuilt == ()
    assert outputs(warm / "build") == before


def test_each_input_rebuilds_exactly_what_depends_on_it(warm: Path):
    for name, change, expected in CHANGES:
        change(warm)
        result = build(warm, parallel=False)
        assert set(result.rebuilt) == expected, name


def test_changed_number_reaches_the_output_after_a_cached_build(warm: Path):
    edit(warm / "data/trade.yaml", "value: 865", "value: 864.5")
    build(warm, parallel=False)
    assert "USD\u00a0864.5\u00a0million" in (warm / "build" / "mini.html").read_text(encoding="utf-8")


def test_no_cache_rebuilds_everything(warm: Path):
    result = build(warm, use_cache=False, parallel=False)
    assert set(result.rebuilt) == {"chart", "html", "pdf", "docx"}


def test_a_half_written_cache_entry_is_ignored(warm: Path):
    # A build killed while storing leaves a temporary folder, never a complete-looking entry.
    for entry in (warm / ".cache" / "pdf").iterdir():
        (entry / ".complete").unlink()
    result = build(warm, parallel=False)
    assert result.rebuilt == ("pdf",)


def test_parallel_build_gives_the_same_bytes_as_a_serial_one(warm: Path, tmp_path: Path):
    serial = outputs(warm / "build")
    build(warm, out_dir=tmp_path / "parallel", use_cache=False, parallel=True)
    assert outputs(tmp_path / "parallel") == serial


def test_a_no_op_build_imports_neither_weasyprint_nor_matplotlib(warm: Path):
    import subprocess
    import sys

    probe = ("import sys; from briefkit.cli import main; code = main(sys.argv[1:]); "
             "print(code, sorted(m for m in ('weasyprint', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, "--project", str(warm), "-q"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "0 []"


def test_a_chart_that_fails_in_its_own_process_fails_the_build_and_keeps_the_outputs(warm: Path, monkeypatch):
    import briefkit.exhibits.charts as charts
    from briefkit.errors import EngineError

    before = {path.name: path.read_bytes() for path in (warm / "build").glob("*.*")}
    assert before

    def broken(*args, **kwargs):
        raise EngineError("the chart could not be drawn")

    # The chart is drawn in a forked process, which inherits this replacement.
    monkeypatch.setattr(charts, "draw_chart", broken)
    with pytest.raises(EngineError, match="the chart could not be drawn"):
        build(warm, use_cache=False, parallel=True)
    assert {path.name: path.read_bytes() for path in (warm / "build").glob("*.*")} == before



def test_after_an_edit_the_docx_begun_first_in_its_own_process_has_the_serial_bytes(warm: Path, tmp_path: Path,
                                                                                    monkeypatch):
    import shutil

    import briefkit.pipeline as pipeline

    begun = []
    real = pipeline._forked
    monkeypatch.setattr(pipeline, "_forked", lambda what, job, *args: begun.append(what) or real(what, job, *args))
    append(warm / "report/sections/02-trade.md", "\nOne more sentence of the trade section.\n")
    result = build(warm, out_dir=tmp_path / "parallel", parallel=True)
    assert begun == ["the DOCX"] and set(result.rebuilt) == {"html", "pdf", "docx"}  # the chart from the cache
    for stage in ("html", "pdf", "docx"):
        shutil.rmtree(warm / ".cache" / stage)
    build(warm, out_dir=tmp_path / "serial", parallel=False)
    assert outputs(tmp_path / "parallel") == outputs(tmp_path / "serial")


def test_a_docx_that_fails_in_the_process_begun_first_fails_the_build_and_keeps_the_outputs(warm: Path,
                                                                                           monkeypatch):
    import briefkit.pipeline as pipeline
    from briefkit.errors import EngineError

    before = outputs(warm / "build")

    def broken(*args, **kwargs):
        raise EngineError("pandoc failed: the DOCX could not be written")

    monkeypatch.setattr(pipeline, "build_docx", broken)  # the forked process inherits the replacement
    append(warm / "report/sections/02-trade.md", "\nOne more sentence of the trade section.\n")
    with pytest.raises(EngineError, match="pandoc failed: the DOCX could not be written"):
        build(warm, parallel=True)
    assert outputs(warm / "build") == before



def test_the_docx_reference_document_is_made_once_and_then_kept(warm: Path, monkeypatch):
    import shutil

    import briefkit.outputs.docx.styles as styles

    before = outputs(warm / "build")
    assert list((warm / ".cache" / "docx-reference").glob("*/reference.docx"))

    def not_again():
        raise AssertionError("the reference document was made again")

    monkeypatch.setattr(styles, "reference_docx", not_again)
    shutil.rmtree(warm / ".cache" / "docx")
    assert build(warm, parallel=False).rebuilt == ("docx",)
    assert outputs(warm / "build") == before



def test_a_forked_format_ended_at_once_never_carries_on_with_the_build(tmp_path: Path):
    """The build's SIGTERM handler raises KeyboardInterrupt, and a forked child inherits it: one ended before it has
    put its own in place must end there, not run on as a copy of the build (the parent would wait for it forever)."""
    import os
    import signal
    import time

    from briefkit.pipeline import _forked

    parent = os.getpid()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # as briefkit.cli has it
    try:
        for _ in range(30):
            with pytest.raises(KeyboardInterrupt), _forked("a test", time.sleep, 30):
                raise KeyboardInterrupt
            if os.getpid() != parent:  # a child that ran on: note it and end it
                (tmp_path / f"ran-on-{os.getpid()}").touch()
                os._exit(0)
        with _forked("a test", lambda: tmp_path / "made") as wait:
            assert wait() == tmp_path / "made"
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not list(tmp_path.glob("ran-on-*"))


# The command line's no-op (briefkit.uptodate): decided from the stamp of the last build, before the pipeline loads.

def _files(root: Path) -> dict[str, int]:
    """Every file of the project, outputs and cache included, with its modification time."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def builds(monkeypatch) -> list[tuple]:
    """The real builds the command line starts (none where it finds nothing to do)."""
    import briefkit.pipeline as pipeline

    made: list[tuple] = []
    real = pipeline.build

    def spy(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "build", spy)
    return made


def test_a_no_op_on_the_command_line_prints_what_the_build_prints_and_writes_nothing(warm: Path, builds, capsys):
    from briefkit.cli import main

    append(warm / "report/sections/02-trade.md", "\nIn 2019 exports rose to USD 865 million.\n")  # a warning
    assert main(["--project", str(warm)]) == 0
    built = capsys.readouterr()
    assert len(builds) == 1 and "warning: figure 'USD 865 million' typed by hand" in built.err
    before = _files(warm)
    assert main(["--project", str(warm)]) == 0
    again = capsys.readouterr()
    assert len(builds) == 1
    assert again.err == built.err
    assert again.out.splitlines()[:-1] == built.out.splitlines()[:-1]
    assert again.out.splitlines()[-1].endswith("rebuilt: nothing (all up to date)")
    assert _files(warm) == before
    # --strict turns the warning into an error: a real build, which stops.
    assert main(["--project", str(warm), "--strict", "-q"]) == 1
    assert len(builds) == 2 and _files(warm) == before


def test_a_no_op_on_the_command_line_imports_no_yaml_jinja_or_pipeline(warm: Path):
    import subprocess
    import sys

    probe = ("import sys; from briefkit.cli import main; code = main(sys.argv[1:]); "
             "print(code, sorted(m for m in ('briefkit.pipeline', 'yaml', 'jinja2', 'fontTools', 'lxml')"
             " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, "--project", str(warm)], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0 []"
    assert "rebuilt: nothing (all up to date)" in result.stdout


def _touch_later(path: Path) -> None:
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))


FAST_PATH_MISSES = [
    ("a data file", lambda r: edit(r / "data/trade.yaml", "value: 865", "value: 866")),
    ("a section, same size and time", lambda r: _same_stat_edit(r / "report/sections/02-trade.md")),
    ("a template of the project", lambda r: override(r, "screen.css", "\np { color: #111; }\n")),
    ("a new file in report/", lambda r: (r / "report" / "notes.txt").write_text("x", encoding="utf-8")),
    ("an output removed", lambda r: (r / "build" / "mini.docx").unlink()),
    ("an output rewritten", lambda r: _touch_later(r / "build" / "mini.html")),
    ("a CSV download removed", lambda r: (r / "build" / "data" / "trade.csv").unlink()),
    ("the review record removed", lambda r: _remove(r / ".cache" / "review")),
]


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder)


def _same_stat_edit(path: Path) -> None:
    """A change that keeps the file's size and modification time: only its content tells."""
    import os

    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "shows" in text
    path.write_text(text.replace("shows", "plots", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("change", [c for _, c in FAST_PATH_MISSES], ids=[n for n, _ in FAST_PATH_MISSES])
def test_any_change_since_the_last_build_makes_the_command_line_build(warm: Path, builds, change):
    from briefkit.cli import main

    assert main(["--project", str(warm), "-q"]) == 0 and builds == []  # the fixture's build left its stamp
    change(warm)
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    assert (warm / "build" / "mini.docx").is_file() and (warm / "build" / "data" / "trade.csv").is_file()
    assert list((warm / ".cache" / "review").glob("*.json"))
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1


@pytest.mark.parametrize("flags, after", [(["--format", "docx"], 1), (["--pdf-engine", "typst"], 2),
                                          (["--out", "elsewhere"], 1)], ids=["format", "pdf-engine", "out"])
def test_another_request_is_another_stamp(warm: Path, builds, flags, after):
    from briefkit.cli import main

    flags = [f if f != "elsewhere" else str(warm / "elsewhere") for f in flags]
    assert main(["--project", str(warm), "-q", *flags]) == 0 and len(builds) == 1
    assert main(["--project", str(warm), "-q", *flags]) == 0 and len(builds) == 1
    # The first request's stamp holds where the other build published nothing new in its place (the same DOCX,
    # another folder); not after Typst's PDF replaced WeasyPrint's.
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == after


def test_no_cache_and_compare_always_build(warm: Path, builds, monkeypatch):
    import briefkit.compare.changes as changes
    from briefkit.cli import main

    monkeypatch.setattr(changes, "build_changes", lambda *a: {})
    assert main(["--project", str(warm), "-q", "--no-cache"]) == 0 and len(builds) == 1
    assert main(["--project", str(warm), "-q", "--compare", str(warm)]) == 0 and len(builds) == 2


def test_the_engine_its_installed_packages_and_the_epoch_are_part_of_the_stamp(warm: Path, builds, monkeypatch,
                                                                              tmp_path: Path):
    import sys

    from briefkit import uptodate
    from briefkit.cli import main

    engine, site = tmp_path / "engine", tmp_path / "site-packages"
    engine.mkdir()
    site.mkdir()
    (engine / "locale.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(uptodate, "ENGINE", engine)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    (engine / "locale.py").write_text("x = 22\n", encoding="utf-8")  # an engine file changed
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 2
    (site / "newer-1.0.dist-info").mkdir()  # a package installed
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 4
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 4


def test_a_logo_outside_report_is_part_of_the_stamp(warm: Path, builds):
    from briefkit.cli import main

    logo = warm / "assets" / "logo.svg"
    logo.parent.mkdir()
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" '
                    'fill="#123456"/></svg>', encoding="utf-8")
    append(warm / "report/report.yaml", "theme:\n  logo: assets/logo.svg\n")
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    logo.write_text(logo.read_text(encoding="utf-8").replace("#123456", "#654321"), encoding="utf-8")
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 2


def test_a_new_commit_makes_the_command_line_build_the_docx_it_names(warm: Path, builds):
    """The DOCX names the commit of a clean checkout: a commit without a change of file is a change to it."""
    import subprocess
    import zipfile

    from briefkit.buildrecord import git_commit
    from briefkit.cli import main

    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=warm, check=True)
    subprocess.run(git + ["add", "report", "data"], cwd=warm, check=True)
    subprocess.run(git + ["commit", "-qm", "first"], cwd=warm, check=True)
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 1
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "second"], cwd=warm, check=True)
    assert main(["--project", str(warm), "-q"]) == 0 and len(builds) == 2
    with zipfile.ZipFile(warm / "build" / "mini.docx") as docx:
        assert git_commit(warm) and git_commit(warm) in docx.read("docProps/custom.xml").decode("utf-8")
