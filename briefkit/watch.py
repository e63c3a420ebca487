"""Watch mode: rebuild on save and serve the web page on localhost, reloading the browser when it changes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from briefkit.errors import BriefkitError

LOG = logging.getLogger("briefkit.progress")
WATCHED = ("report", "data", "templates")
STATUS_PATH = "/__briefkit__/status"

# Injected into the served page only (never into the file): polls the status and reloads on a new build,
# or shows the build error over the last good page.
RELOAD_SCRIPT = """
<script>
(function () {
  var seen = null;
  function show(error) {
    var box = document.getElementById("briefkit-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "briefkit-error";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:1em;max-height:40%;" +
        "overflow:auto;background:#7a1f10;color:#fff;font:13px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed; showing the last good version.\\n\\n" + error;
  }
  function poll() {
    fetch("__STATUS__").then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.version !== seen) { location.reload(); return; }
      seen = s.version;
      show(s.error);
    }).catch(function () {}).finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
</script>
""".replace("__STATUS__", STATUS_PATH)


@dataclass
class WatchState:
    """What the server shows: the last good page, a version that changes with each good build, the last error."""

    page: Path
    version: int = 0
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def succeeded(self, error: str = "") -> None:
        """A new page; `error` is that of a format built beside it (the PDF), shown over the new page."""
        with self.lock:
            self.version += 1
            self.error = error

    def failed(self, message: str) -> None:
        with self.lock:
            self.error = message

    def status(self) -> dict:
        with self.lock:
            return {"version": self.version, "error": self.error}


def make_server(state: WatchState, port: int) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 only, serving the page and the status."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path == STATUS_PATH:
                self._send(json.dumps(state.status()).encode(), "application/json")
            elif self.path in ("/", "/index.html"):
                try:
                    html = state.page.read_text(encoding="utf-8")
                except OSError:
                    html = "<!DOCTYPE html><title>briefkit</title><p>No successful build yet.</p>"
                self._send(html.replace("</body>", RELOAD_SCRIPT + "</body>").encode(), "text/html; charset=utf-8")
            else:
                self.send_error(404)

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the signature http.server uses
            pass

    return _bind(Handler, port)


PORTS_TRIED = 20


def _bind(handler, port: int) -> ThreadingHTTPServer:
    """A server on `port`, or, where another program holds it, on the next free port, saying so."""
    import errno

    for candidate in range(port, port + (PORTS_TRIED if port else 1)):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        if candidate != port:
            LOG.warning("port %d is taken; serving on port %d instead", port, candidate)
        return server
    raise BriefkitError(f"ports {port} to {port + PORTS_TRIED - 1} are all taken; choose another with --port")


def rebuild(build: Callable[..., object], state: WatchState, formats: tuple[str, ...], describe: Callable,
            first: tuple[str, ...] = ()) -> None:
    """The formats in `first` (each on its own), then the web page, then the other formats.

    `first` is what the author keeps open beside the editor (the warm Typst PDF): it is rewritten as soon as
    possible after a save, and the page's reload follows. An error keeps the last good outputs and is shown over
    the page; an error in a format of `first` alone does not keep the page from being rebuilt.
    """
    page = tuple(f for f in formats if f == "html")
    early = [(f,) for f in formats if f in first and f != "html"]
    rest = tuple(f for f in formats if f != "html" and f not in first)
    errors: list[str] = []
    for group in (*early, page, rest):
        if not group:
            continue
        try:
            result = build(formats=group)
        except BriefkitError as exc:
            message = describe(exc)
            if message not in errors:  # a mistake in the sections fails every format alike: said once
                LOG.error("%s", message)
                errors.append(message)
            if group in early:
                continue
            state.failed("\n\n".join(errors))
            return
        _report(group, result)
        if group == page:
            state.succeeded("\n\n".join(errors))
    if not page:
        state.succeeded("\n\n".join(errors))


def _report(group: tuple[str, ...], result: object) -> None:
    """What a build of `group` did, as the author wants it after a save: what was rebuilt and in how long."""
    fresh = getattr(result, "rebuilt", None)
    if fresh is None:
        LOG.info("%s rebuilt", ", ".join(group))
    elif fresh:
        LOG.info("%s rebuilt in %.1f s", ", ".join(f for f in fresh if f != "chart") or "chart",
                 getattr(result, "seconds", 0.0))
    else:
        LOG.info("%s up to date", ", ".join(group))


def watch(project_root: Path, build: Callable[..., object], page: Path, formats: tuple[str, ...], port: int,
          describe: Callable[[BriefkitError], str], stop: threading.Event | None = None,
          ready: Callable[[int], None] | None = None, first: tuple[str, ...] = (),
          stopped: threading.Event | None = None) -> None:
    """Build, serve, then rebuild on every change until `stop` is set (or Ctrl-C or SIGTERM, which set `stopped`)."""
    import watchfiles

    state = WatchState(page)
    server = make_server(state, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    stop = stop or threading.Event()
    busy = threading.Event()
    restore = _stop_on_signals(stop, busy, stopped or threading.Event())
    try:
        busy.set()
        rebuild(build, state, formats, describe, first)
        busy.clear()
        LOG.info("serving http://127.0.0.1:%d/ (Ctrl-C to stop)", server.server_port)
        if ready:
            ready(server.server_port)
        paths = [project_root / name for name in WATCHED if (project_root / name).exists()]
        for _changes in watchfiles.watch(*paths, stop_event=stop, debounce=300, step=25, raise_interrupt=False):
            busy.set()
            rebuild(build, state, formats, describe, first)
            busy.clear()
    finally:
        restore()
        server.shutdown()
        server.server_close()


def _stop_on_signals(stop: threading.Event, busy: threading.Event, stopped: threading.Event) -> Callable[[], None]:
    """Ctrl-C and SIGTERM end the watch at once and quietly: waiting for a save, the watcher is told to stop
    (within its 25 ms step); in the middle of a build, the build is interrupted as any other, earlier outputs kept.
    Returns what puts the previous handlers back. Off the main thread (the tests), nothing changes."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame) -> None:
        stop.set()
        stopped.set()
        if busy.is_set():
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, old) for sig, old in previous.items()] and None
