"""The command line: arguments, messages and exit codes. The only place that turns errors into text."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from briefkit.errors import BriefkitError, InputError
from briefkit.project import FORMATS, PDF_ENGINES

EXIT_OK, EXIT_USER, EXIT_USAGE = 0, 1, 2


COMMANDS = ("new", "build", "check", "watch", "clean")


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

    command("check", "validate everything a build reads, without rendering anything")

    watch = command("watch", "rebuild on every save and serve the web page with live reload")
    _output_options(watch)
    watch.add_argument("--port", type=int, default=8000, help="port of the server (default: 8000)")

    clean = command("clean", "remove the outputs and the cache")
    clean.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    return parser


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
    if argv in (["-h"], ["--help"]):
        # The tool's commands, then the options of the default command, which most users want.
        print(parser.format_help())
        argv = ["build", "--help"]
    if not argv or argv[0] not in COMMANDS:
        argv = ["build", *argv]
    args = parser.parse_args(argv)
    if args.command == "build" and args.check:
        args.command = "check"
    elif args.command == "build" and args.watch:
        args.command = "watch"
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
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
            warnings = pipeline.check(args.project)
            for warning in warnings:
                print(warning, file=sys.stderr)
            if not args.quiet:
                print(f"check: no errors{f', {len(warnings)} warnings' if warnings else ''}")
            return EXIT_OK
        if args.command == "watch":
            return _watch(args, pipeline)
        result = pipeline.build(args.project, args.out, tuple(args.formats or ()), use_cache=not args.no_cache,
                                pdf_engine=args.pdf_engine)
    except BriefkitError as exc:
        print(describe_error(exc), file=sys.stderr)
        return EXIT_USER
    except OSError as exc:  # a full disk, a folder that vanished: the machine's, not the briefing's
        print(f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are unchanged", file=sys.stderr)
        return 130
    if not args.quiet:
        for fmt, path in result.outputs.items():
            print(f"{fmt if fmt in FORMATS else 'data':>4}  {_shown(path)}")
        fresh = ", ".join(result.rebuilt) if result.rebuilt else "nothing (all up to date)"
        print(f"built in {result.seconds:.1f} s; rebuilt: {fresh}")
    return EXIT_OK


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


def describe_error(exc: BriefkitError) -> str:
    """What the user reads: every located problem on its own line, then a summary."""
    if isinstance(exc, InputError):
        count = sum(p.severity == "error" for p in exc.problems)
        lines = [str(p) for p in exc.problems]
        return "\n".join(lines + [f"build stopped: {count} problem{'s' if count != 1 else ''} to fix"])
    return f"error: {exc}"


def _watch(args: argparse.Namespace, pipeline) -> int:
    from functools import partial

    from briefkit.project import load_project
    from briefkit.watch import watch

    project = load_project(args.project)
    out_dir = (args.out or project.root / "build").resolve()
    formats = tuple(args.formats or project.formats)
    # With Typst, the PDF is compiled in this process by a compiler kept alive between saves.
    typst = (args.pdf_engine or project.pdf_engine) == "typst"
    build = partial(pipeline.build, project.root, out_dir, use_cache=not args.no_cache, pdf_engine=args.pdf_engine,
                    warm=typst)
    page = out_dir / f"{project.output_name}.html"
    if "html" not in formats:
        formats = ("html", *formats)
    watch(project.root, build, page, formats, args.port, describe_error, alone=("pdf",) if typst else ())
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
