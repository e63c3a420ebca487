"""The command line: arguments, messages and exit codes. The only place that turns errors into text."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from briefkit.errors import FORMATS, PDF_ENGINES, BriefkitError, InputError, Problem

EXIT_OK, EXIT_USER, EXIT_USAGE = 0, 1, 2


COMMANDS = ("new", "build", "check", "watch", "clean", "review")
_ENDED_BY_SIGNAL = threading.Event()  # set by a watch that Ctrl-C or SIGTERM stopped


def make_parser(prog: str | None = None) -> argparse.ArgumentParser:
    prog = prog or Path(sys.argv[0]).name or "briefkit"
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compile a briefing (PDF, DOCX, HTML) from report/ and data/. Without a command: build.",
        epilog="Run '%(prog)s COMMAND --help' for the options of each command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        if name != "new":
            sub.add_argument("--project", type=Path, default=Path("."), metavar="DIR",
                             help="project folder (default: the current folder)")
        verbosity = sub.add_mutually_exclusive_group()
        verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        verbosity.add_argument("-v", "--verbose", action="store_true", help="print each stage")
        return sub

    new = command("new", "create a new project that builds at once")
    new.add_argument("path", type=Path, metavar="PATH", help="folder of the new project (new or empty)")
    new.add_argument("--title", help="title of the briefing (default: from the folder's name)")
    new.add_argument("--language", default="en-GB", help="language of the briefing, such as en-GB, fr, de, ru")

    build = command("build", "build the briefing in the formats of report.yaml")
    _output_options(build)
    build.add_argument("--check", action="store_true", help="validate everything without rendering (as 'check')")
    build.add_argument("--watch", action="store_true", help="rebuild on every save (as 'watch')")
    build.add_argument("--port", type=int, default=8000, help="port of the --watch server (default: 8000)")
    build.add_argument("--compare", nargs="?", const="", metavar="REV",
                       help="also write NAME-changes.docx, .pdf and .html against an earlier edition: a git revision "
                            "or a folder (default: previous_edition in report.yaml)")
    _strict_option(build)

    check = command("check", "validate everything a build reads, without rendering anything")
    _strict_option(check)
    check.add_argument("--format", choices=("text", "json"), default="text", dest="output",
                       help="text for people (default), or json: one finding per line, for editors and CI")

    watch = command("watch", "rebuild on every save and serve the web page with live reload")
    _output_options(watch)
    watch.add_argument("--port", type=int, default=8000, help="port of the server (default: 8000)")

    review = command("review", "list a returned DOCX's changes and comments at their place in the sources")
    review.add_argument("returned", type=Path, metavar="RETURNED.docx", help="the DOCX that came back from review")
    review.add_argument("--format", choices=("text", "json"), default="text", dest="output",
                        help="text for people (default), or json: one finding per line")
    review.add_argument("--apply", action="store_true",
                        help="write every change that applies into the sections, report.yaml and sources.yaml")
    review.add_argument("--apply-data", action="store_true",
                        help="with --apply: also write plain value changes into the data files")
    review.add_argument("--interactive", action="store_true", help="with --apply: ask change by change")
    review.add_argument("--force", action="store_true", help="review a DOCX that names another project")

    clean = command("clean", "remove the outputs and the cache")
    clean.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    return parser


def _strict_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1)")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats",
                        help="build only this format (repeatable); default: the formats in report.yaml")
    parser.add_argument("--pdf-engine", choices=PDF_ENGINES, metavar="ENGINE",
                        help="typeset the PDF with weasyprint or typst (default: pdf.engine in report.yaml)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    parser.add_argument("--no-cache", action="store_true", help="rebuild every stage, ignoring .cache/")


def parse(argv: list[str]) -> argparse.Namespace:
    """Arguments with 'build' as the command where none is named, as `python build.py --check` has it."""
    parser = make_parser()
    if not argv or (argv[0] not in COMMANDS and argv not in (["-h"], ["--help"])):
        argv = ["build", *argv]
    args = parser.parse_args(argv)
    if args.command == "build" and args.check:
        args.command = "check"
        args.output = "text"
    elif args.command == "build" and args.watch:
        args.command = "watch"
    return args


def run() -> None:
    """The command's entry point (the briefkit script, build.py, python -m briefkit): main, then the exit.

    At exit Python looks once more through every object left for garbage, which after a PDF build is WeasyPrint's
    whole document: a third of a second. The process ends anyway, so its objects are frozen out of that last look
    and left to the operating system.
    """
    import gc

    code = main()
    if _ENDED_BY_SIGNAL.is_set():
        # A watch stopped by Ctrl-C or SIGTERM ends at once: the interpreter's own teardown of everything the
        # builds loaded would take another second or two, with nothing left to write.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    try:
        args = parse(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    if args.command == "build" and args.compare is None and not args.no_cache and _up_to_date(args, started):
        return EXIT_OK
    _configure_logging(args)
    _interrupt_on_sigterm()
    from briefkit import pipeline

    try:
        if args.command == "new":
            return _new(args)
        if args.command == "clean":
            for folder in pipeline.clean(args.project.resolve(), args.out):
                if not args.quiet:
                    print(f"removed {_shown(folder)}")
            return EXIT_OK
        if args.command == "check":
            return _check(args, pipeline)
        if args.command == "watch":
            return _watch(args, pipeline)
        if args.command == "review":
            return _review(args)
        def plain() -> pipeline.BuildResult:
            return pipeline.build(args.project, args.out, tuple(args.formats or ()), use_cache=not args.no_cache,
                                  pdf_engine=args.pdf_engine, strict=args.strict)

        if getattr(args, "compare", None) is not None:
            from briefkit.compare.changes import build_with_changes

            result, changes = build_with_changes(plain, args.project, args.compare, args.out)
            result = replace(result, outputs={**result.outputs, **{f"{k}-changes": v for k, v in changes.items()}})
        else:
            result = plain()
    except BriefkitError as exc:
        print(describe_error(exc, args.project.resolve() if hasattr(args, "project") else None,
                             _colour(sys.stderr), getattr(args, "strict", False), args.quiet), file=sys.stderr)
        return EXIT_USER
    except OSError as exc:  # a full disk, a folder that vanished: the machine's, not the briefing's
        print(f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are unchanged", file=sys.stderr)
        return 130
    root, colour = args.project.resolve(), _colour(sys.stderr)
    for warning in [] if args.quiet else result.warnings:  # -q: errors only
        print(format_finding(warning, root, colour), file=sys.stderr)
    if not args.quiet:
        for fmt, path in result.outputs.items():
            print(f"{fmt if fmt in FORMATS or fmt.endswith('-changes') else 'data':>4}  {_shown(path)}")
        fresh = ", ".join(result.rebuilt) if result.rebuilt else "nothing (all up to date)"
        print(f"built in {result.seconds:.1f} s; rebuilt: {fresh}")
    return EXIT_OK


def _up_to_date(args: argparse.Namespace, started: float) -> bool:
    """Whether the stamp of the last build of this request shows nothing to do (briefkit.uptodate); then print
    what that build would print, having imported neither the pipeline nor any engine."""
    from briefkit import uptodate

    stamp = uptodate.current(uptodate.request(args.project, args.out, tuple(args.formats or ()), args.pdf_engine,
                                              args.strict))
    if stamp is None:
        return False
    root, colour = args.project.resolve(), _colour(sys.stderr)
    for warning in [] if args.quiet else stamp["warnings"]:  # -q: errors only
        print(format_finding(Problem(**warning), root, colour), file=sys.stderr)
    if not args.quiet:
        for name, path in stamp["outputs"]:
            print(f"{name if name in FORMATS else 'data':>4}  {_shown(Path(path))}")
        print(f"built in {time.perf_counter() - started:.1f} s; rebuilt: nothing (all up to date)")
    return True


def _new(args: argparse.Namespace) -> int:
    from briefkit.scaffold import new_project

    written = new_project(args.path, args.title, args.language)
    if not args.quiet:
        print(f"created {_shown(args.path)} ({len(written)} files); build it with:")
        print(f"  briefkit build --project {_shown(args.path)}")
    return EXIT_OK


def _interrupt_on_sigterm() -> None:
    """A terminated build cleans up like an interrupted one: work folder removed, earlier outputs kept."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def _check(args: argparse.Namespace, pipeline) -> int:
    root = args.project.resolve()
    notes: list[str] = []
    findings = _sorted(pipeline.check(args.project, notes), args.strict)
    errors = sum(p.severity == "error" for p in findings)
    if args.output == "json":
        for finding in findings:
            print(json.dumps(finding_record(finding, root), ensure_ascii=False))
        return EXIT_USER if errors else EXIT_OK
    colour = _colour(sys.stderr)
    for finding in findings:
        if finding.severity == "error" or not args.quiet:  # -q: errors only
            print(format_finding(finding, root, colour), file=sys.stderr)
    warnings = len(findings) - errors
    also = f", {_count(warnings, 'warning')}" if warnings else ""
    if errors:
        print(f"check: {_count(errors, 'problem')} to fix{also if not args.quiet else ''}", file=sys.stderr)
        return EXIT_USER
    if not args.quiet:
        for note in notes:
            print(f"note: {note}")
        print(f"check: no errors{also}")
    return EXIT_OK


def _sorted(findings: list[Problem], strict: bool) -> list[Problem]:
    """The findings once each, by file and place; with `strict`, every warning is an error."""
    if strict:
        findings = [replace(p, severity="error") for p in findings]
    return InputError(findings).problems


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'s' if number != 1 else ''}"


def describe_error(exc: BriefkitError, root: Path | None = None, colour: bool = False, strict: bool = False,
                   quiet: bool = False) -> str:
    """What the user reads: every finding with its place in the source (the errors only, if quiet), then a summary."""
    if isinstance(exc, InputError):
        findings = _sorted(exc.problems, strict)
        count = sum(p.severity == "error" for p in findings)
        lines = [format_finding(p, root, colour) for p in findings if p.severity == "error" or not quiet]
        return "\n".join(lines + [f"build stopped: {_count(count, 'problem')} to fix"])
    return f"error: {exc}"


_STYLE = {"error": "1;31", "warning": "1;33", "note": "1;36", "where": "1", "hint": "36", "gutter": "34"}
_LABEL = re.compile(r"^[a-z]+: ")
_TOKEN = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'|[^\s,;()\[\]{}]+")
WINDOW = 100  # characters of a long source line shown around the column


def format_finding(problem: Problem, root: Path | None, colour: bool = False) -> str:
    """One finding as a person reads it: where and what, the source line with a caret under the column, the hint.

    report/sections/02-figures.md:31:28: unknown name 'valeu'
       31 | In 2019 exports rose to {{ valeu('exports', 2019) }}.
          |                            ^^^^^
          = hint: did you mean 'value'?
    """
    def paint(text: str, style: str) -> str:
        return f"\033[{_STYLE[style]}m{text}\033[0m" if colour and text else text

    label = paint("warning:", "warning") + " " if problem.severity == "warning" else ""
    lines = [f"{paint(problem.where + ':', 'where')} {label}{problem.message}"]
    source = source_line(problem, root)
    gutter = " " * (len(str(problem.line)) + 2) if problem.line is not None else "  "
    if source is not None:
        shown, offset = _window(source, (problem.column or 1) - 1)
        lines.append(f"{paint(f' {problem.line} |', 'gutter')} {shown}")
        if problem.column is not None:
            width = problem.width or _token_width(source, problem.column - 1)
            width = max(1, min(width, len(shown) - offset))
            pad = "".join("\t" if c == "\t" else " " for c in shown[:offset])
            lines.append(f"{paint(gutter + '|', 'gutter')} {pad}{paint('^' * width, problem.severity)}")
    if problem.hint:
        # A review's note may hold several labelled lines (status, comment, both sides of a conflict).
        parts = problem.hint.split("\n") if problem.severity == "note" else [f"hint: {problem.hint}"]
        for part in parts:
            label, _, text = part.partition(": ") if _LABEL.match(part) else ("", "", part)
            shown = paint(label + ":", "hint") + " " + text if label else "  " + text
            lines.append(f"{paint(gutter + '=', 'gutter')} {shown}")
    return "\n".join(lines)


def _window(text: str, index: int) -> tuple[str, int]:
    """A long line cut to about WINDOW characters around `index`, and where `index` falls in what is shown."""
    if len(text) <= WINDOW:
        return text, index
    start = max(0, min(index - WINDOW // 3, len(text) - WINDOW))
    end = start + WINDOW
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return shown, index - start + (1 if start else 0)


def _token_width(text: str, index: int) -> int:
    match = _TOKEN.match(text, index)
    return len(match.group().rstrip(":")) if match else 1


def source_line(problem: Problem, root: Path | None) -> str | None:
    """The line of the source a finding is about, without its line ending; None where there is none."""
    if root is None or problem.line is None:
        return None
    try:
        with open(root / problem.path, encoding="utf-8", errors="replace") as file:
            for number, text in enumerate(file, 1):
                if number == problem.line:
                    return text.rstrip("\r\n").removeprefix("\ufeff")
    except OSError:
        return None
    return None


def finding_record(problem: Problem, root: Path | None) -> dict:
    """A finding for editors and CI: one JSON object per line."""
    return {"file": problem.path, "line": problem.line, "column": problem.column, "severity": problem.severity,
            "message": problem.message, "hint": problem.hint, "source_line": source_line(problem, root)}


def _colour(stream) -> bool:
    """Colour only for a person at a terminal who has not asked for none (https://no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def _review(args: argparse.Namespace) -> int:
    """A returned DOCX's findings, as text or JSON; with --apply, what was written and what is left."""
    from briefkit.review import review
    from briefkit.review.apply import applicable, apply_findings

    root = args.project.resolve()
    result = review(args.returned, root, force=args.force)
    colour = _colour(sys.stdout)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.output == "json":
        for finding in result.findings:
            print(json.dumps(finding.record(), ensure_ascii=False, default=str))
    elif not args.interactive:
        for finding in result.findings:
            print(format_finding(review_problem(finding, args.returned), root, colour))
    if not args.apply:
        if args.output == "text":
            print(_review_summary(result.findings))
        return EXIT_OK
    choose = None
    if args.interactive:
        def choose(finding):
            print(format_finding(review_problem(finding, args.returned), root, colour))
            while True:
                try:
                    answer = input("apply this change [y,n,q]? ").strip().lower()
                except EOFError:
                    return None
                if answer in ("y", "n", "q"):
                    return None if answer == "q" else answer == "y"
    applied = apply_findings(result.findings, root, data=args.apply_data, choose=choose)
    for name, count in sorted(applied.written.items()):
        print(f"wrote {name} ({_count(count, 'change')})")
    for finding, reason in applied.refused:
        print(f"not written: {finding.file}:{finding.line}:{finding.column}: {finding.message}: {reason}")
    done = set(map(id, applied.applied))
    left = [f for f in result.findings if id(f) not in done and f.status != "applied"]
    pending = [f for f in left if applicable(f, True)]
    if not applied.written:
        print("nothing written" + (" (stopped)" if applied.stopped else ""))
    print(f"left: {_count(len(left), 'finding')}" + (
        f" ({', '.join(_count(n, k) for k, n in _kinds(left).items())})" if left else "")
          + (" -- data changes are written with --apply-data" if any(f.target == "data" for f in pending) else ""))
    return EXIT_OK


def review_problem(finding, returned: Path) -> Problem:
    """A finding of `review` in the shape of every other finding: place, message, source line, status."""
    notes = {"applies": "", "applied": "applied: already in the sources",
             "conflict": "conflict: " + finding.note, "uncertain": "uncertain: " + (finding.note or "place not sure")}
    note = notes.get(finding.status, finding.status)
    if finding.status == "conflict":
        note += f"\nreviewer: {finding.theirs.rstrip()}\ntoday:    {finding.ours.rstrip()}"
    if finding.kind == "comment":
        note = (note + "\n" if note else "") + "comment: " + finding.comment
    elif finding.target == "data" and finding.status == "applies":
        note = "data: written only with --apply --apply-data"
    elif finding.kind == "move" and finding.note and finding.status == "applies":
        note = "move: " + finding.note
    return Problem(finding.file or str(returned), finding.line if finding.file else None,
                   finding.column if finding.file else None, finding.message, severity="note", hint=note,
                   width=finding.width)


def _kinds(findings) -> dict[str, int]:
    out: dict[str, int] = {}
    for finding in findings:
        kind = "comment" if finding.kind == "comment" else "formatting change" if finding.kind == "format" else \
            "already applied" if finding.status == "applied" else \
            f"{finding.status} change" if finding.status in ("conflict", "uncertain") else \
            "data change" if finding.target == "data" else "change"
        out[kind] = out.get(kind, 0) + 1
    return out


def _review_summary(findings) -> str:
    if not findings:
        return "review: no changes and no comments"
    applies = sum(1 for f in findings if f.status == "applies" and f.kind not in ("comment", "format")
                  and f.target != "data")
    parts = [f"{n} {k}{'s' if n != 1 and not k.startswith('already') else ''}" for k, n in _kinds(findings).items()]
    return (f"review: {_count(len(findings), 'finding')} ({', '.join(parts)}); "
            f"{applies} can be written with --apply")


def _watch(args: argparse.Namespace, pipeline) -> int:
    from functools import partial

    from briefkit.project import load_project
    from briefkit.watch import watch

    project = load_project(args.project)
    out_dir = (args.out or project.root / "build").resolve()
    formats = tuple(args.formats or project.formats)
    # With Typst, the PDF is compiled in this process by a compiler kept alive between saves, before the page.
    typst = (args.pdf_engine or project.pdf_engine) == "typst"
    build = partial(pipeline.build, project.root, out_dir, use_cache=not args.no_cache, pdf_engine=args.pdf_engine,
                    warm=typst)
    page = out_dir / f"{project.output_name}.html"
    if "html" not in formats:
        formats = ("html", *formats)
    watch(project.root, build, page, formats, args.port, partial(describe_error, root=project.root),
          first=("pdf",) if typst else (), stopped=_ENDED_BY_SIGNAL)
    return EXIT_OK


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
    progress = logging.getLogger("briefkit.progress")
    progress.propagate = False
    progress.handlers = [logging.StreamHandler(sys.stderr)]
    progress.handlers[0].setFormatter(logging.Formatter("  %(message)s"))
    progress.setLevel(logging.ERROR if args.quiet else logging.INFO)
    # WeasyPrint and fontTools are chatty at INFO; their warnings still show.
    for name in ("weasyprint", "matplotlib", "PIL"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # fontTools warns about the creation dates inside the shipped fonts: nothing a user can act on.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # A note about this machine's HarfBuzz, not about the user's briefing.
    logging.getLogger("weasyprint").addFilter(lambda record: "HarfBuzz-Subset" not in record.getMessage())
