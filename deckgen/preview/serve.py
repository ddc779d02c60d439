"""`deckgen preview --serve`: the preview page on this machine only (127.0.0.1), built again whenever a
watched file changes, and the open page reloaded, the way `mkdocs serve` works.

A thread compares the modification times and sizes of the watched folders' files a few times a
second: polling needs no dependency and works on every file system, network drives and editors
that save by renaming included. The open page asks for the version of the build it shows
(previewpage.VERSION_PATH) and reloads when there is a newer one. What a page is, is the caller's:
this module knows nothing of decks, and prints nothing.

Every answer forbids framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`): another site
open in the browser cannot show the preview in a frame of its own and trick a click on it. A
connection that sends nothing for `idle_seconds` is closed, so idle connections cannot pile up.

A page may also have other pages (`documents`) and actions it asks of the server by POST with JSON
(`actions`: an occlusion card's mask editor asks for the YAML of its masks). An action is run only
for a request this server's own pages sent: its own Host and Origin, and JSON, which another site
cannot send without asking first (a CORS preflight, which this server never grants).
"""

from __future__ import annotations

import json
import mimetypes
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from deckgen.paths import PREVIEW_HOST, PREVIEW_PORT
from deckgen.preview.page import VERSION_PATH

WATCHER_JOIN_SECONDS = 60  # a build of a large deck, which the watcher may be in
POLL_SECONDS = 0.25
MAX_ACTION_BYTES = 5_000_000  # what a page may send an action: a picture's masks are far less
IDLE_SECONDS = 30.0  # a browser sends its request at once; a connection silent this long is closed
# On every answer, the page's and its media's: no site may frame them.
SECURITY_HEADERS = (("Content-Security-Policy", "frame-ancestors 'none'"), ("X-Frame-Options", "DENY"))


@dataclass(frozen=True)
class Page:
    html: str
    media: Mapping[str, Path] = field(default_factory=dict)  # a card's image or sound: its name → its file
    documents: Mapping[str, str] = field(default_factory=dict)  # other pages: their path (no leading /) → HTML
    # What its pages may ask by POST: a path → a function of the JSON sent, answering text. A ValueError
    # is the sender's mistake, answered 400 with its message.
    actions: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)


Snapshot = dict[Path, tuple[int, int]]


def snapshot(folders: Sequence[Path]) -> Snapshot:
    """Every file below `folders`, with its modification time and size: a change of either is a
    change (a save within the file system's time resolution still changes the size, mostly)."""
    seen: Snapshot = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else ():
            try:
                status = path.stat()
            except OSError:  # removed while we looked: the next look sees it gone
                continue
            seen[path] = (status.st_mtime_ns, status.st_size)
    return seen


class PreviewServer:
    """Serves the page that `build(version)` makes, and makes it again when a file below `watched`
    changes. `on_error` hears of an exception a build raised (a bug): the page stays as it was,
    and the server serves on."""

    def __init__(self, build: Callable[[str], Page], watched: Sequence[Path], port: int = PREVIEW_PORT,
                 on_error: Callable[[BaseException], None] = lambda error: None,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self._build, self._watched, self._on_error = build, tuple(watched), on_error
        # A new server's versions never repeat an old one's, so a page left open across a restart reloads.
        self._token = secrets.token_hex(4)
        self._builds = 0
        self._stop = threading.Event()
        # The port first: one in use is said at once, before a build is made and reported for nothing.
        self._http = ThreadingHTTPServer((PREVIEW_HOST, port), _handler(self, idle_seconds))
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        self._seen = snapshot(self._watched)
        try:
            self.version, self.page = self._next()
        except BaseException:
            self._http.server_close()
            raise
        self._watcher = threading.Thread(target=self._watch, name="deckgen-preview-watch", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{PREVIEW_HOST}:{self.port}/"

    def _next(self) -> tuple[str, Page]:
        self._builds += 1
        version = f"{self._token}-{self._builds}"
        return version, self._build(version)

    def refresh(self) -> bool:
        """Build the page again if a watched file changed since the last look; whether it did."""
        now = snapshot(self._watched)
        if now == self._seen:
            return False
        self._seen = now
        try:
            version, page = self._next()
        except Exception as error:  # a bug in a build must not stop the server; its owner hears of it
            self._on_error(error)
            return False
        # The page first, then its version: a page that sees the new version gets the new page.
        self.page, self.version = page, version
        return True

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.refresh()

    def serve_forever(self) -> None:
        """Serve until `shutdown()` (from another thread) or Ctrl-C (KeyboardInterrupt, in this one).
        A server serves once: a closed port does not open again."""
        if self._watcher.ident is not None:
            raise RuntimeError("a preview server serves once")
        self._watcher.start()
        self._http.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self._stop.set()
        self._http.shutdown()

    def close(self) -> None:
        """Stop watching and wait for a build under way to end (it reports what it built), then free
        the port."""
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=WATCHER_JOIN_SECONDS)
        self._http.server_close()

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _own_host(server: PreviewServer, request: BaseHTTPRequestHandler) -> bool:
    # Only a page opened as this server's own address may read it: a web page the browser also
    # has open cannot point a name of its own at 127.0.0.1 and read the cards (DNS rebinding).
    return request.headers.get("Host") in (f"{PREVIEW_HOST}:{server.port}", f"localhost:{server.port}")


def _posted(server: PreviewServer, request: BaseHTTPRequestHandler) -> tuple[HTTPStatus, bytes]:
    """What a POST to one of the page's actions answers (its status and text)."""
    own = (f"http://{PREVIEW_HOST}:{server.port}", f"http://localhost:{server.port}")
    if not _own_host(server, request) or request.headers.get("Origin") not in own:
        return HTTPStatus.FORBIDDEN, b""
    action = server.page.actions.get(urllib.parse.unquote(urllib.parse.urlsplit(request.path).path[1:]))
    if action is None:
        return HTTPStatus.NOT_FOUND, b""
    if request.headers.get_content_type() != "application/json":
        return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, b""
    try:
        length = int(request.headers.get("Content-Length", ""))
        if not 0 <= length <= MAX_ACTION_BYTES:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b""
        answer = action(json.loads(request.rfile.read(length).decode("utf-8")))
    except ValueError as error:  # a bad length, not JSON, or not what the action takes
        return HTTPStatus.BAD_REQUEST, str(error).encode("utf-8")
    except RecursionError:  # JSON nested deeper than Python reads
        return HTTPStatus.BAD_REQUEST, b"the request is nested too deeply"
    return HTTPStatus.OK, answer.encode("utf-8")


def _handler(server: PreviewServer, idle_seconds: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = idle_seconds  # socketserver sets it on the connection: a silent one is closed

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def do_POST(self) -> None:  # noqa: N802
            status, answer = _posted(server, self)
            self._send(status, answer, "text/plain; charset=utf-8", True)

        def _answer(self, body: bool) -> None:
            if not _own_host(server, self):
                return self._send(HTTPStatus.FORBIDDEN, b"", "text/plain", body)
            path = urllib.parse.urlsplit(self.path).path
            page = server.page
            if path in ("/", "/index.html"):
                return self._send(HTTPStatus.OK, page.html.encode("utf-8"), "text/html; charset=utf-8", body)
            document = page.documents.get(urllib.parse.unquote(path.removeprefix("/")))
            if document is not None:
                return self._send(HTTPStatus.OK, document.encode("utf-8"), "text/html; charset=utf-8", body)
            if path == VERSION_PATH:
                return self._send(HTTPStatus.OK, server.version.encode("ascii"), "text/plain", body)
            media = page.media.get(urllib.parse.unquote(path.removeprefix("/")))
            if media is not None:
                try:
                    data = media.read_bytes()
                except OSError:
                    return self._send(HTTPStatus.NOT_FOUND, b"", "text/plain", body)
                kind = mimetypes.guess_type(media.name)[0] or "application/octet-stream"
                return self._send(HTTPStatus.OK, data, kind, body)
            if path == "/favicon.ico":  # a browser asks for it by itself; the page has none
                return self._send(HTTPStatus.NO_CONTENT, b"", "text/plain", body)
            return self._send(HTTPStatus.NOT_FOUND, b"", "text/plain", body)

        def _send(self, status: HTTPStatus, data: bytes, kind: str, body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in SECURITY_HEADERS:
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            """Quiet: the terminal shows builds, not requests."""

    return Handler
