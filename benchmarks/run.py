"""Benchmark briefkit against the engines it drives; prints a Markdown table (median of several runs).

    python benchmarks/run.py [--runs 3] [--scales 1,5,20] [--out benchmarks/RESULTS.md]

    python benchmarks/run.py --previous /path/to/older/checkout   # also its no-op rebuild and --check
    python benchmarks/run.py --engine-before /path/to/checkout     # its WeasyPrint PDF of this project, alternating

    python benchmarks/run.py --only watch   # only watch mode with Typst: save -> new PDF, save -> page reloaded
    python benchmarks/run.py --only review  # only `briefkit review` of the briefing's DOCX with 50 changes
    python benchmarks/run.py --only compare # only `build --compare` against a revision with ten changes
    python benchmarks/run.py --only edit [--previous CHECKOUT]  # the edit loop: a section edited, each format
                                            # alone and all; the no-op and `check` against a fixed workload

Every case runs in a fresh process, so imports count, as they do for a user. Both PDF engines are measured in
the same run (WeasyPrint, the default, and Typst with --pdf-engine typst). Baselines are measured in the same
run too: the raw engines (matplotlib, pandoc for HTML and DOCX, then WeasyPrint, or pandoc's Typst writer and
the Typst compiler) called one after another in one process on the same inputs, with none of briefkit's checks,
cache or parallelism.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable

# Runs a command and reports its wall time, its CPU time and the peak memory of it and its children, in MiB.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
if code.returncode:
    sys.stderr.write(code.stderr)
    sys.exit(code.returncode)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}))
"""

# The baseline: the same engine work, without briefkit. Inputs were prepared by briefkit beforehand.
BASELINE = r"""
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
spec = json.loads((work / "spec.json").read_text())
import matplotlib
matplotlib.use("Agg")
import pickle
from briefkit.exhibits.charts import draw_chart
fonts = sorted(Path(spec["fonts"]).glob("*.ttf"))
for chart in pickle.loads((work / "charts.pickle").read_bytes()):
    draw_chart(chart, work / "charts", fonts)
import pypandoc
common = ["--citeproc", "--bibliography=" + str(work / "sources.json"), "--csl=" + spec["csl"],
          "--metadata-file=" + str(work / "metadata.json"), "--number-sections"]
pypandoc.convert_text((work / "svg.md").read_text(), "html5", format="markdown", extra_args=common + ["--toc"])
pypandoc.convert_text((work / "png.md").read_text(), "docx", format="markdown", outputfile=str(work / "x.docx"),
                      extra_args=common + ["--toc", "--resource-path=" + str(work)])
if sys.argv[2] == "typst":
    pypandoc.convert_text((work / "svg.md").read_text(), "typst", format="markdown", extra_args=spec["typst_args"])
    import typst
    typst.compile(spec["typst_main"], output=str(work / "x.pdf"), root=spec["typst_root"],
                  font_paths=[spec["fonts"]], ignore_system_fonts=True, pdf_standards=["ua-1"])
else:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    fonts = FontConfiguration()
    HTML(string=(work / "print.html").read_text(), base_url=str(work) + "/").write_pdf(
        work / "x.pdf", stylesheets=[CSS(filename=spec["css"], font_config=fonts)], font_config=fonts)
"""
ENGINES = ("weasyprint", "typst")

# Watch mode as an author meets it: the watcher in a process of its own, then sections saved one after another.
# For each save, the time from writing the section file to the PDF being replaced (a new file renamed over it) and
# to the page's new version on the status URL; the next save waits until the DOCX too is rewritten. Prints the
# medians and the watcher's peak memory, in MiB.
WATCH = r"""
import json, re, resource, signal, statistics, subprocess, sys, threading, time, urllib.request
from pathlib import Path
out, section, runs, command = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
# Ctrl-C stops the watcher at the end, even where the benchmark was started with SIGINT ignored (nohup, &).
watcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
ports, log = [], []
def read():
    for line in watcher.stderr:
        log.append(line)
        found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        if found:
            ports.append(int(found.group(1)))
threading.Thread(target=read, daemon=True).start()
def waiting(condition, what):
    deadline = time.monotonic() + 120
    while not condition():
        if watcher.poll() is not None or time.monotonic() > deadline:
            watcher.kill()
            sys.exit(f"watch: no {what}\n" + "".join(log))
        time.sleep(0.005)
waiting(lambda: ports, "first build")
def version():
    with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/__briefkit__/status") as response:
        return json.loads(response.read())["version"]
def file_id(suffix):
    return next(out.glob("*." + suffix)).stat().st_ino
original = section.read_text(encoding="utf-8")
to_pdf, to_page = [], []
for edit in range(runs):
    pdf, docx, seen = file_id("pdf"), file_id("docx"), version()
    section.write_text(original + f"\nA sentence added in watch mode, edit {edit}.\n", encoding="utf-8")
    start, times = time.perf_counter(), {}
    def replaced():
        now = time.perf_counter()
        if "pdf" not in times and file_id("pdf") != pdf:
            times["pdf"] = now - start
        if "page" not in times and version() != seen:
            times["page"] = now - start
        return len(times) == 2
    waiting(replaced, "new PDF and page")
    to_pdf.append(times["pdf"])
    to_page.append(times["page"])
    waiting(lambda: file_id("docx") != docx, "new DOCX")
    time.sleep(0.5)
watcher.send_signal(signal.SIGINT)
watcher.wait(timeout=30)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"pdf": statistics.median(to_pdf), "page": statistics.median(to_page), "peak_mib": peak,
                  "pdf_samples": to_pdf, "page_samples": to_page}))
"""


def measure(command: list[str], runs: int, before=None) -> dict:
    samples = []
    for _ in range(runs):
        if before:
            before()
        out = subprocess.run([PY, "-c", MEASURE, *command], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"failed: {' '.join(command)}\n{out.stderr}")
        samples.append(json.loads(out.stdout))
    return {
        "seconds": statistics.median(s["seconds"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "peak_mib": max(s["peak_mib"] for s in samples),
    }


def measure_alternating(commands: dict[str, list[str]], pairs: int) -> dict[str, dict]:
    """Each command once per round, `pairs` rounds: load on a shared machine falls on all of them alike."""
    samples: dict[str, list[dict]] = {name: [] for name in commands}
    for _ in range(pairs):
        for name, command in commands.items():
            samples[name].append(measure(command, 1))
    return {name: {"seconds": statistics.median(s["seconds"] for s in runs),
                   "cpu": statistics.median(s["cpu"] for s in runs),
                   "peak_mib": max(s["peak_mib"] for s in runs), "all": [s["seconds"] for s in runs]}
            for name, runs in samples.items()}


def watch_rows(build: list[str], root: Path, out: Path, edits: int) -> list[tuple[str, dict, None]]:
    """Watch mode with the Typst engine, in one run: the medians over `edits` saves of one section."""
    section = root / "report" / "sections" / "03-diplomatic-relations.md"
    original = section.read_text(encoding="utf-8")
    command = build + ["watch", "--project", str(root), "--out", str(out), "--pdf-engine", "typst", "--port", "0"]
    try:
        result = subprocess.run([PY, "-c", WATCH, str(out), str(section), str(edits), *command],
                                capture_output=True, text=True)
    finally:
        section.write_text(original, encoding="utf-8")
    if result.returncode:
        raise SystemExit(f"failed: watch\n{result.stderr}")
    watched = json.loads(result.stdout)
    return [(f"watch, Typst: save -> {what}", {"seconds": watched[key], "peak_mib": watched["peak_mib"]}, None)
            for what, key in (("new PDF", "pdf"), ("page reloaded", "page"))]


def returned_docx(docx: Path, target: Path, changes: int = 50) -> Path:
    """The briefing's DOCX as a reviewer returns it: `changes` edits over as many paragraphs, in Word's shape
    (tests/wordlike.py): replacements, deletions, insertions, comments and edits with tracking off."""
    sys.path.insert(0, str(REPO / "tests"))
    from wordlike import Returned, q

    returned = Returned(docx)
    made = 0
    for p in list(returned.document.iter(q("p"))):
        style = p.find(f"{q('pPr')}/{q('pStyle')}")
        if made == changes or (style is not None and not style.get(q("val"), "").startswith(("Body", "First"))):
            continue
        text = "".join(t.text or "" for t in p.iter(q("t")))
        words = [w for w in re.findall(r"[A-Za-z]{5,}", text) if text.count(w) == 1]
        if len(words) < 4:
            continue
        word, kind = words[3], made % 5
        if kind == 0:
            returned.delete(" " + word if " " + word in text else word, containing=text)
        elif kind == 1:
            returned.insert(word, " indeed", containing=text)
        elif kind == 2:
            returned.replace(word, word.lower() + "s", containing=text)
        elif kind == 3:
            returned.comment(word, "Is this the right word?", containing=text)
        else:
            returned.untracked(word, word.lower() + "ed", containing=text)
        made += 1
    return returned.save(target)


def review_rows(build: list[str], root: Path, tmp: Path, runs: int) -> list[tuple[str, dict, dict | None]]:
    """`briefkit review` of the briefing's DOCX with 50 changes: with the build's record in the cache, and after
    the record is gone (the build made again); the baseline: pandoc alone reading the same file's changes."""
    import pypandoc

    out = tmp / "review-out"
    subprocess.run(build + ["--project", str(root), "--out", str(out), "--format", "docx", "-q"], check=True)
    returned = returned_docx(next(out.glob("*.docx")), tmp / "returned.docx")
    command = build + ["review", str(returned), "--project", str(root), "--format", "json"]
    found = subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()
    placed = sum(json.loads(line)["status"] == "applies" for line in found)
    pandoc = [pypandoc.get_pandoc_path(), "-f", "docx", "--track-changes=all", "-t", "json", "-o", os.devnull,
              str(returned)]
    base = measure(pandoc, runs)
    records = root / ".cache" / "review"

    def forget() -> None:
        shutil.rmtree(records, ignore_errors=True)

    return [
        (f"review, 50 changes ({len(found)} findings, {placed} placed to apply)", measure(command, runs), base),
        ("review, 50 changes, after `clean` (the build made again)", measure(command, runs, before=forget), base),
    ]


def copy_project(target: Path, source: Path = REPO) -> Path:
    for name in ("report", "data", "templates"):
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
    return target


def scale_project(root: Path, factor: int) -> None:
    """Repeat the body sections `factor` times, each copy with its own ids, exhibits and chart period."""
    report = root / "report" / "report.yaml"
    text = report.read_text(encoding="utf-8")
    sections = re.findall(r"^  - (\S+\.md)$", text, re.M)
    body = [s for s in sections if not re.match(r"(01|10|11)-", s)]
    periods = [(a, b) for a in range(2017, 2024) for b in range(a + 2, 2026)]
    extra = []
    for copy in range(2, factor + 1):
        first, last = periods[(copy - 2) % len(periods)]
        for name in body:
            source = (root / "report" / "sections" / name).read_text(encoding="utf-8")
            source = re.sub(r"\{#([a-z0-9-]+)", rf"{{#\1-{copy}", source)
            source = re.sub(r"^(#+ .*?)(\s*\{|$)", rf"\1 ({copy})\2", source, flags=re.M)
            # Each exhibit placed again under a label of its copy, and the references to it follow.
            for helper, exhibit, label, more in (("table", "agreements", "tbl:agreements", ""),
                                                 ("table", "trade", "tbl:trade", ""),
                                                 ("chart", "trade", "fig:trade", f" first={first}, last={last},"),
                                                 ("map", "locator", "fig:locator", ""),
                                                 ("map", "routes", "fig:routes", "")):
                source = source.replace(f"ref('{label}')", f"ref('{label}-{copy}')")
                source = source.replace(f"{{{{ {helper}('{exhibit}',",
                                        f"{{{{ {helper}('{exhibit}',{more} label='{label}-{copy}',")
            new = f"{copy:02d}x-{name}"
            (root / "report" / "sections" / new).write_text(source, encoding="utf-8")
            extra.append(new)
    tail = [s for s in sections if re.match(r"(10|11)-", s)]
    ordered = [s for s in sections if s not in tail] + extra + tail
    listing = "".join(f"  - {s}\n" for s in ordered)
    text = re.sub(r"^sections:\n(  - .*\n)+", "sections:\n" + listing, text, flags=re.M)
    report.write_text(text, encoding="utf-8")


def prepare_baseline(root: Path, work: Path) -> None:
    """Let briefkit write the engines' inputs once, so that the baseline does only engine work."""
    sys.path.insert(0, str(REPO))
    import pickle

    from briefkit import pandoc
    from briefkit.citations import csl_json
    from briefkit.datasets import load_data
    from briefkit.outputs.html import print_page
    from briefkit.pipeline import assemble_markdown
    from briefkit.project import load_project
    from briefkit.templates import materialize, template_files

    project = load_project(root)
    data = load_data(project.data_dir)
    periods: dict = {}
    templates = materialize(template_files(project.templates_dir), work / "templates")
    work.mkdir(parents=True, exist_ok=True)
    (work / "svg.md").write_text(assemble_markdown(project, data, "svg", periods))
    (work / "png.md").write_text(assemble_markdown(project, data, "png", periods))
    (work / "sources.json").write_text(csl_json(data.sources, project.language))
    (work / "metadata.json").write_text(json.dumps(pandoc.metadata(project, sorted(data.source_ids()))))
    inputs = pandoc.PandocInputs(work / "sources.json", templates / "briefkit-note.csl", work, templates)
    toc, body = pandoc.html_body((work / "svg.md").read_text(), inputs, work / "metadata.json", "inline")
    (work / "print.html").write_text(print_page(project, toc, body, templates))
    (work / "charts").mkdir(exist_ok=True)
    (work / "charts.pickle").write_bytes(pickle.dumps(list(periods.values())))
    # The Typst sources as briefkit writes them (body, template, design, metadata), with the chart files beside.
    from briefkit.outputs import pdf_typst
    from briefkit.outputs.pdf import project_design

    typst_root = work / "typst"
    typst_root.mkdir()
    from briefkit.exhibits.charts import draw_chart

    for spec in periods.values():
        draw_chart(spec, typst_root / "charts", sorted((templates / "fonts").glob("*.ttf")))
    job = pdf_typst.prepare(project, (work / "svg.md").read_text(), inputs, work / "metadata.json", typst_root, [],
                            project.epoch, project_design(project))
    filters = templates / "filters"
    typst_args = pandoc._common_args(inputs, work / "metadata.json") + [
        f"--lua-filter={filters / 'drop-downloads.lua'}", f"--lua-filter={filters / 'typst-blocks.lua'}",
        "--wrap=preserve"]
    (work / "spec.json").write_text(json.dumps({
        "fonts": str(templates / "fonts"), "csl": str(templates / "briefkit-note.csl"),
        "css": str(templates / "print.css"), "typst_main": str(job.main), "typst_root": str(job.root),
        "typst_args": typst_args,
    }))


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", default="1,5,20")
    parser.add_argument("--scale-runs", type=int, default=1,
                        help="runs of each scale above 5× (each is a long build; default 1)")
    parser.add_argument("--previous", type=Path,
                        help="an older checkout with its own report/ and data/: its no-op rebuild and --check too")
    parser.add_argument("--engine-before", type=Path,
                        help="an older checkout of the engine: its cold WeasyPrint PDF of this project, alternating"
                             " with this checkout's (twice --runs rounds)")
    parser.add_argument("--only", choices=("all", "watch", "review", "compare", "edit"), default="all",
                        help="'watch': only watch mode with Typst (save -> new PDF, save -> page reloaded); "
                             "'review': only `briefkit review` of a returned DOCX with 50 changes")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    build = [PY, str(REPO / "build.py")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        out = Path(tmp) / "out"
        project = ["--project", str(root), "--out", str(out), "-q"]
        if args.only == "watch":
            print_results(watch_rows(build, root, Path(tmp) / "watch-out", max(args.runs, 5)), [], "", [], {}, args)
            return
        if args.only == "review":
            print_review(review_rows(build, root, Path(tmp), max(args.runs, 5)), args)
            return
        if args.only == "compare":
            print_compare(compare_rows(build, Path(tmp), args.runs), args)
            return
        if args.only == "edit":
            print_edit(edit_rows(build, Path(tmp), args.runs, args.previous), args)
            return
        prepare_baseline(root, Path(tmp) / "baseline")
        baseline_work = str(Path(tmp) / "baseline")

        def baseline(engine: str) -> dict:
            return measure([PY, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r})\n" + BASELINE, baseline_work,
                            engine], args.runs)

        bases = {engine: baseline(engine) for engine in ENGINES}
        section = root / "report" / "sections" / "03-diplomatic-relations.md"
        original = section.read_text(encoding="utf-8")
        counter = iter(range(1000))

        def edit_section() -> None:
            section.write_text(original + f"\nAn added sentence, edit {next(counter)}.\n", encoding="utf-8")

        for engine in ENGINES:
            flags = ["--pdf-engine", engine]
            name = "WeasyPrint" if engine == "weasyprint" else "Typst"
            cold = measure(build + project + flags + ["--no-cache"], args.runs)
            rows.append((f"Cold build, all formats (no cache), {name} PDF", cold, bases[engine]))
            pdf_only = measure(build + project + flags + ["--no-cache", "--format", "pdf"], args.runs)
            rows.append((f"Cold build, PDF only (no cache), {name}", pdf_only, None))
            measure(build + project + flags, 1)  # warm the cache
            if engine == "weasyprint":
                rows.append(("No-op rebuild", measure(build + project + flags, args.runs), None))
            edited = measure(build + project + flags, args.runs, before=edit_section)
            rows.append((f"One section edited (HTML, PDF, DOCX; chart from cache), {name} PDF", edited, bases[engine]))

        if shutil.which("soffice"):  # the DOCX's contents numbered from LibreOffice's layout, and without it
            docx_only = build + project + ["--no-cache", "--format", "docx"]
            rows.append(("Cold build, DOCX only (no cache), contents numbered by LibreOffice's layout",
                         measure(docx_only, args.runs), None))
            os.environ["BRIEFKIT_DOCX_LAYOUT"] = "none"
            try:
                rows.append(("Cold build, DOCX only (no cache), no layout (BRIEFKIT_DOCX_LAYOUT=none)",
                             measure(docx_only, args.runs), None))
            finally:
                del os.environ["BRIEFKIT_DOCX_LAYOUT"]
        rows.extend(watch_rows(build, root, Path(tmp) / "watch-out", max(args.runs, 5)))
        reviewed = review_rows(build, root, Path(tmp), args.runs)
        compared = compare_rows(build, Path(tmp), args.runs)

        css = root / "templates" / "print.css"
        css.parent.mkdir(exist_ok=True)
        from briefkit.templates import DEFAULT_TEMPLATES

        css_text = (DEFAULT_TEMPLATES / "print.css").read_text(encoding="utf-8")

        def edit_css() -> None:
            css.write_text(css_text + f"\n/* edit {next(counter)} */\n", encoding="utf-8")

        css_only = measure(build + project, args.runs, before=edit_css)
        rows.append(("Print CSS edited (WeasyPrint PDF only)", css_only, bases["weasyprint"]))
        rows.append(("`--help`", measure(build + ["--help"], args.runs), None))
        rows.append(("`--check`", measure(build + ["--project", str(root), "--check", "-q"], args.runs), None))

        probe = ("import sys; from briefkit.cli import main; main(sys.argv[1:]); "
                 "print(' '.join(m for m in ('weasyprint', 'matplotlib', 'typst') if m in sys.modules) or 'none')")
        imports = subprocess.run([PY, "-c", probe, *project], capture_output=True, text=True, cwd=REPO).stdout.strip()

        previous = []
        if args.previous:
            older = args.previous.resolve()
            older_build = [PY, str(older / "build.py")]
            older_root = copy_project(Path(tmp) / "previous", older)
            older_flags = ["--project", str(older_root), "--out", str(Path(tmp) / "previous-out"), "-q"]
            measure(older_build + older_flags, 1)  # warm its cache
            previous = [
                ("No-op rebuild", measure(older_build + older_flags, args.runs), row_named(rows, "No-op rebuild")),
                ("`--check`", measure(older_build + ["--project", str(older_root), "--check", "-q"], args.runs),
                 row_named(rows, "`--check`")),
            ]

        engine_before = {}
        if args.engine_before:
            pdf_flags = ["--no-cache", "--format", "pdf", "--pdf-engine", "weasyprint", "--project", str(root), "-q"]
            engine_before = measure_alternating({
                "before": [PY, str(args.engine_before.resolve() / "build.py"), *pdf_flags, "--out", str(out) + "-b"],
                "now": build + pdf_flags + ["--out", str(out) + "-n"],
            }, 2 * args.runs)

        scale_rows = []
        for factor in (int(f) for f in args.scales.split(",")):
            big = copy_project(Path(tmp) / f"scale-{factor}")
            scale_project(big, factor)
            runs = args.scale_runs if factor > 5 else args.runs
            for engine in ENGINES:
                big_out = Path(tmp) / f"scale-{factor}-{engine}-out"
                result = measure(build + ["--project", str(big), "--out", str(big_out), "-q", "--no-cache",
                                          "--pdf-engine", engine], runs)
                scale_rows.append((factor, engine, result, pages(next(big_out.glob("*.pdf"))), runs))

    print_results(rows, scale_rows, imports, previous, engine_before, args)
    print_review(reviewed, args)
    print_compare(compared, args)


REVIEW_HEADING = "## Review of a returned DOCX"
EDIT_HEADING = "## The edit loop: a section edited, each format alone, the no-op and `check`"
# A fixed pure-Python workload, timed in the same run as a yardstick of the machine's speed.
WORKLOAD = "s = 0\nfor i in range(5_000_000):\n    s += i * i\n"
# The edit loop's cases: name, the command's flags, whether a section is edited before each run.
EDIT_CASES = [
    ("pdf-weasyprint", "section edited, PDF only, WeasyPrint", ["--format", "pdf", "--pdf-engine", "weasyprint"], True),
    ("docx", "section edited, DOCX only", ["--format", "docx"], True),
    ("html", "section edited, HTML only", ["--format", "html"], True),
    ("all-weasyprint", "section edited, all formats, WeasyPrint PDF", ["--pdf-engine", "weasyprint"], True),
    ("pdf-typst", "section edited, PDF only, Typst", ["--format", "pdf", "--pdf-engine", "typst"], True),
    ("all-typst", "section edited, all formats, Typst PDF", ["--pdf-engine", "typst"], True),
    ("no-op", "no-op rebuild (all formats)", [], False),
    ("check", "`check`", None, False),
]
# The goals of issue 25: (case, against, at most).
EDIT_GOALS = [("docx", "pdf-weasyprint", 0.5), ("html", "pdf-weasyprint", 0.5), ("all-typst", "pdf-typst", 1.3),
              ("all-weasyprint", "pdf-weasyprint", 1.1), ("no-op", "workload", 0.3), ("check", "workload", 0.4)]


def edit_rows(build: list[str], tmp: Path, runs: int, previous: Path | None) -> dict[str, dict[str, dict]]:
    """Each case of EDIT_CASES and the workload once a round, `runs` rounds (load on a shared machine falls on
    all alike), for this checkout and, with `previous`, an older one on its own copy of the same project; each
    from a warm cache, the section edited before every run that needs it. Timed with the bytecode of the engine
    written, as an installed package has it."""
    checkouts = {"now": build}
    if previous:
        checkouts["before"] = [PY, str(previous.resolve() / "build.py")]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    projects = {}
    for name, command in checkouts.items():
        root = copy_project(tmp / f"edit-{name}")
        out = tmp / f"edit-{name}-out"
        subprocess.run(command + ["--project", str(root), "--out", str(out), "-q"], check=True, env=env)
        subprocess.run(command + ["--project", str(root), "--out", str(out), "-q", "--pdf-engine", "typst"],
                       check=True, env=env)
        subprocess.run(command + ["--project", str(root), "-q", "--check"], check=True, env=env)
        projects[name] = (root, out)
    counter = iter(range(10_000))
    samples: dict[str, dict[str, list[dict]]] = {name: {} for name in checkouts}
    samples["now"]["workload"] = []
    for _ in range(runs):
        samples["now"]["workload"].append(measure_env([PY, "-c", WORKLOAD], env))
        for key, _, flags, edited in EDIT_CASES:
            for name, command in checkouts.items():
                root, out = projects[name]
                if edited:
                    section = root / "report" / "sections" / "03-diplomatic-relations.md"
                    with section.open("a", encoding="utf-8") as handle:
                        handle.write(f"\nA sentence added, edit {next(counter)}.\n")
                if flags is None:
                    full = command + ["--project", str(root), "-q", "--check"]
                else:
                    full = command + ["--project", str(root), "--out", str(out), "-q", *flags]
                    if not edited:  # the no-op follows a build of the same request
                        subprocess.run(full, check=True, env=env)
                samples[name].setdefault(key, []).append(measure_env(full, env))
    return {name: {key: {"seconds": statistics.median(s["seconds"] for s in values),
                         "cpu": statistics.median(s["cpu"] for s in values),
                         "peak_mib": max(s["peak_mib"] for s in values)} for key, values in cases.items()}
            for name, cases in samples.items()}


def measure_env(command: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([PY, "-c", MEASURE, *command], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(command)}\n{out.stderr}")
    return json.loads(out.stdout)


def print_edit(results: dict[str, dict[str, dict]], args) -> None:
    now, before = results["now"], results.get("before")
    names = {key: name for key, name, _, _ in EDIT_CASES} | {"workload": "fixed workload (5,000,000 × `s += i*i`)"}
    lines = [EDIT_HEADING, "",
             f"The shipped briefing from a warm cache; before each edited case a sentence is appended to a middle "
             f"section. Every case ran once a round, {args.runs} rounds, in turn"
             f"{' with the older checkout on its own copy of the project' if before else ''}; medians of wall "
             f"time and of CPU time (user and system, the process and its children), each run a fresh process "
             f"with the engine's bytecode written (as an installed package has it); run on "
             f"{time.strftime('%Y-%m-%d')}.", ""]
    checkouts = [("older checkout", before)] if before else []
    checkouts.append(("this checkout", now))
    lines.append("| case | " + " | ".join(f"{n}, wall | {n}, CPU" for n, _ in checkouts) + " | peak memory |")
    lines.append("|---|" + "---:|---:|" * len(checkouts) + "---:|")
    for key in [k for k, *_ in EDIT_CASES] + ["workload"]:
        cells = [f"{r[key]['seconds']:.2f} s | {r[key]['cpu']:.2f} s" if key in r else " | "
                 for _, r in checkouts]
        lines.append(f"| {names[key]} | {' | '.join(cells)} | {now[key]['peak_mib']:.0f} MiB |")

    def ratio(result: dict, key: str, against: str, kind: str) -> str:
        base = now["workload"] if against == "workload" else result[against]
        return f"{result[key][kind] / base[kind]:.2f}"

    lines += ["", "| goal (issue 25) | " + " | ".join(f"{n}, wall | {n}, CPU" for n, _ in checkouts)
              + " | at most |", "|---|" + "---:|---:|" * len(checkouts) + "---:|"]
    for key, against, limit in EDIT_GOALS:
        cells = [f"{ratio(r, key, against, 'seconds')} | {ratio(r, key, against, 'cpu')}" for _, r in checkouts]
        lines.append(f"| {names[key]} / {names[against]} | {' | '.join(cells)} | {limit} |")
    _put_section(args, EDIT_HEADING, "\n".join(lines) + "\n")


COMPARE_HEADING = "## A new edition against the last (build --compare)"


def ten_changes(root: Path) -> None:
    """Ten places of the briefing changed: a word in each of ten paragraphs of the sections."""
    changed = 0
    for section in sorted((root / "report" / "sections").glob("*.md")):
        lines = section.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines):
            words = re.findall(r"\b[a-z]{7,}\b", line)
            if changed < 10 and len(words) > 5 and "{{" not in line and not line.startswith("#"):
                lines[number] = line.replace(words[2], words[2] + "s", 1)
                changed += 1
                break
        section.write_text("\n".join(lines), encoding="utf-8")


def compare_rows(build: list[str], tmp: Path, runs: int) -> list[tuple[str, dict, dict]]:
    """build --compare against the edition before ten changes, and a plain build of the same formats, each from
    the same cache (the earlier edition's, restored before every run), alternating."""
    root = copy_project(tmp / "editions")
    git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(git + ["add", "report", "data"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-qm", "first edition"], cwd=root, check=True)
    subprocess.run(["git", "tag", "edition-1"], cwd=root, check=True)
    out = tmp / "editions-out"
    subprocess.run(build + ["--project", str(root), "--out", str(out), "-q"], check=True)
    saved = tmp / "editions-cache"
    shutil.copytree(root / ".cache", saved)
    ten_changes(root)
    subprocess.run(git + ["commit", "-qam", "ten changes"], cwd=root, check=True)

    def restore() -> None:
        shutil.rmtree(root / ".cache")
        shutil.copytree(saved, root / ".cache")

    plain = build + ["--project", str(root), "--out", str(out), "-q"]
    samples: dict[str, list[dict]] = {"plain": [], "compare": []}
    for _ in range(runs):
        for name, command in (("plain", plain), ("compare", plain + ["--compare", "edition-1"])):
            samples[name].append(measure(command, 1, before=restore))
    median = {name: {"seconds": statistics.median(s["seconds"] for s in values),
                     "peak_mib": max(s["peak_mib"] for s in values)} for name, values in samples.items()}
    return [("build --compare edition-1, all formats (ten paragraphs changed)", median["compare"], median["plain"])]


def print_compare(rows, args) -> None:
    lines = [COMPARE_HEADING, "",
             f"The shipped briefing in git: a first edition tagged, then a word changed in ten paragraphs. Median of "
             f"{args.runs} runs alternating with a plain build of the same formats, each from the first edition's "
             f"cache; run on {time.strftime('%Y-%m-%d')}.",
             "", "| case | briefkit | plain build, same formats | ratio | peak memory |", "|---|---:|---:|---:|---:|"]
    for name, result, base in rows:
        lines.append(f"| {name} | {result['seconds']:.2f} s | {base['seconds']:.2f} s |"
                     f" {result['seconds'] / base['seconds']:.2f} | {result['peak_mib']:.0f} MiB |")
    _put_section(args, COMPARE_HEADING, "\n".join(lines) + "\n")


def _put_section(args, heading: str, section: str) -> None:
    print(section)
    if args.out:
        text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        # The heading as a whole line: another section's heading may begin with the same words.
        found = re.search(rf"^{re.escape(heading)}$", text, re.MULTILINE)
        if found:
            before, after = text[:found.start()], text[found.end():]
            rest = after.split("\n## ", 1)
            text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.out.write_text(text, encoding="utf-8")


def print_review(rows, args) -> None:
    """The review's own section, printed and put in place of the same section of --out (or after it)."""
    lines = [REVIEW_HEADING, "",
             "The briefing's DOCX with 50 changes in Word's shape (tests/wordlike.py); median of "
             f"{args.runs if args.only == 'all' else max(args.runs, 5)} runs, "
             f"each in a fresh process; run on {time.strftime('%Y-%m-%d')}. The baseline is pandoc alone reading "
             "the same file's tracked changes (`pandoc -f docx --track-changes=all -t json`), which places nothing.",
             "", "| case | briefkit | pandoc reading the file | ratio | peak memory |", "|---|---:|---:|---:|---:|"]
    for name, result, base in rows:
        lines.append(f"| {name} | {result['seconds']:.2f} s | {base['seconds']:.2f} s |"
                     f" {result['seconds'] / base['seconds']:.1f} | {result['peak_mib']:.0f} MiB |")
    _put_section(args, REVIEW_HEADING, "\n".join(lines) + "\n")


def row_named(rows, name: str) -> dict:
    return next(result for row_name, result, _ in rows if row_name == name)


def print_results(rows, scale_rows, imports: str, previous, engine_before, args) -> None:
    import importlib.metadata as md

    command = f"python benchmarks/run.py --runs {args.runs} --scales {args.scales}"
    if args.scale_runs != 1:
        command += f" --scale-runs {args.scale_runs}"
    if args.previous:
        command += " --previous OLDER-CHECKOUT"
    if args.engine_before:
        command += " --engine-before CHECKOUT"
    if args.only != "all":
        command += f" --only {args.only}"
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"WeasyPrint {md.version('weasyprint')}, typst {md.version('typst')}, "
        f"pypandoc-binary {md.version('pypandoc-binary')}, matplotlib {md.version('matplotlib')}. "
        f"Median of {args.runs} runs; each in a fresh process.",
        f"Run on {time.strftime('%Y-%m-%d')} with `{command}`.",
        "",
        "| case | briefkit | baseline (raw engines, serial) | ratio | peak memory |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, result, base in rows:
        ratio = f"{result['seconds'] / base['seconds']:.2f}" if base else ""
        base_text = f"{base['seconds']:.2f} s" if base else ""
        lines.append(f"| {name} | {result['seconds']:.2f} s | {base_text} | {ratio} | {result['peak_mib']:.0f} MiB |")
    if imports:
        lines += ["", f"Modules imported by a no-op rebuild, of WeasyPrint, matplotlib and typst: {imports}."]
    if previous:
        lines += ["", "## Against the older checkout (same run, each on its own project)", "",
                  "| case | older checkout | this checkout |", "|---|---:|---:|"]
        lines += [f"| {name} | {old['seconds']:.2f} s | {new['seconds']:.2f} s |" for name, old, new in previous]
    if engine_before:
        before, now = engine_before["before"], engine_before["now"]
        lines += ["", "## The WeasyPrint PDF against an older checkout of the engine (same project, alternating)", "",
                  "Cold build, PDF only, no cache; the two checkouts ran in turn, "
                  f"{len(now['all'])} rounds.", "",
                  "| | older checkout | this checkout | ratio |", "|---|---:|---:|---:|",
                  f"| wall time, median | {before['seconds']:.2f} s | {now['seconds']:.2f} s |"
                  f" {now['seconds'] / before['seconds']:.2f} |",
                  f"| CPU time, median | {before['cpu']:.2f} s | {now['cpu']:.2f} s |"
                  f" {now['cpu'] / before['cpu']:.2f} |",
                  f"| peak memory | {before['peak_mib']:.0f} MiB | {now['peak_mib']:.0f} MiB | |",
                  "| every run (wall) | " + ", ".join(f"{x:.2f}" for x in before["all"]) + " | "
                  + ", ".join(f"{x:.2f}" for x in now["all"]) + " | |"]
    lines += [] if not scale_rows else [
        "",
        "## Scale (cold build, all formats)",
        "",
        "| size | PDF engine | PDF pages | runs | time | time per page | peak memory |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for factor, engine, result, count, runs in scale_rows:
        lines.append(f"| {factor}× | {engine} | {count} | {runs} | {result['seconds']:.1f} s |"
                     f" {result['seconds'] / count * 1000:.0f} ms | {result['peak_mib']:.0f} MiB |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
