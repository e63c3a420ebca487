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
