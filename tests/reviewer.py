"""Render Anki cards the way the Anki desktop reviewer does, in headless Chromium,
and report anything that runs script, navigates, or reaches a non-loopback host.

Nothing of Anki is copied into this file: Anki (aqt) is AGPL, so the reviewer's
JavaScript, CSS and MathJax, and the few Python functions that prepare card text
(`AnkiQt._add_play_buttons` / `prepare_card_text_for_display`,
`aqt.sound.av_refs_to_play_icons`, `Reviewer.revHtml`, the type-answer filters)
and the media server's CSP strings, are taken at run time from the official aqt
wheel, downloaded with pip into a cache folder (`fetch_reviewer_files`).  The
Python functions are cut out of the wheel's source with `ast` and executed with
small stubs in place of Qt.

Page assembly mirrors aqt 26.9.3 (see aqt/webview.py `stdHtml`, aqt/reviewer.py
`_initWeb`/`_showQuestion`/`_showAnswer`, aqt/mediasrv.py):

* the page is served from http://127.0.0.1:PORT/_anki/legacyPageData?id=N with
  the CSP header mediasrv gives reviewer pages, `<base href=http://127.0.0.1:PORT/>`,
  css/webview.css + the standard css + css/reviewer.css, then in <body>
  js/webview.js and js/reviewer.js, then the reviewer body (#_mark, #_flag, #qa);
* /_anki/... is served from the wheel's _aqt/data/web; any other path from the
  (optional) media folder, with mediasrv's CSP for untrusted media;
* `pycmd`/`bridgeCommand` are stubbed (Anki injects them via QWebChannel) and
  record their arguments;
* each card is shown with the reviewer's own `_showQuestion(q, a, bodyclass)` then
  `_showAnswer(a)`; completion (incl. MathJax typesetting, which reviewer.js
  loads lazily only when the text contains \\(..\\) or \\[..\\]) is awaited by queueing
  a marker behind it with the reviewer's own `_queueAction`.

Detection, per card side:
* "dialog": alert/confirm/prompt/beforeunload (dismissed);
* "script": any script compiled in a page's main world that is not Anki's bundled
  JS, not this harness, and not the exact onclick of Anki's own play buttons /
  onkeypress of the type-answer box (CDP Debugger.scriptParsed): inline handlers
  that fired, <script> tags the reviewer re-ran, javascript: URLs, eval ...;
* "navigation": main-frame navigation attempts (Navigation API `navigate`
  events, recorded and cancelled in-page, plus any navigation request reaching
  the network layer, which is aborted), and "popup": new windows;
* "remote-request": any request to a host outside 127.0.0.0/8, localhost, ::1
  (aborted; Chromium also gets a dead proxy and a host-resolver that resolves
  nothing, so nothing can leave the machine even if interception missed it);
* "console-error" / "page-error": console errors and uncaught exceptions;
* "latent-script": a static scan of the rendered DOM for on* attributes and
  javascript:/data:/vbscript: URLs in link-like attributes, and for frames
  (things the simulated hovering/clicking might not trigger);
* "latent-remote": the same scan for non-loopback URLs in fetching attributes,
  style= and <style> (Chromium reuses a failed resource for identical CSS text
  within a page, so a repeat may make no request);
* "noop-navigation": navigation to the media server root (<a href="#">),
  which aqt refuses without effect (informational, like "console-error"; see
  `serious()`);
* "bridge-command": pycmd() calls other than the ones Anki itself makes
  (updateToolbar, repaintNeeded, play:q:N / play:a:N);
* "timeout" / "crash": a side did not finish in time (e.g. an infinite loop) or
  the renderer died; the page is recreated and the run continues.

After each side is shown, every element is hovered/clicked synthetically
(mouse/pointer/keyboard/focus events and HTMLElement.click()), and up to
`trusted_points` element centres in the viewport get real (CDP) mouse moves and
clicks, so :hover styles apply and invisible overlays are hit as a user would.
"""

from __future__ import annotations
import __future__

import ast
import asyncio
import builtins
import contextlib
import fcntl
import functools
import html.parser
import http.server
import ipaddress
import json
import mimetypes
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

AQT_VERSION = "26.9.3"
CHROMIUM = os.environ.get("REVIEWER_HARNESS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: whatever the request interception misses can still not
    # leave the machine.  Loopback bypasses the proxy by Chromium's default.
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]

# What the wheel has to provide; everything else in it is left packed.
_WHEEL_MEMBERS = (
    "_aqt/data/web/js/",
    "_aqt/data/web/css/",
    "_aqt/data/web/imgs/",
    "_aqt/colors.py",
    "aqt/sound.py",
    "aqt/main.py",
    "aqt/reviewer.py",
    "aqt/webview.py",
    "aqt/mediasrv.py",
    "aqt/theme.py",
)


# ---------------------------------------------------------------------------
# Launching Chromium
# ---------------------------------------------------------------------------


def require_chromium() -> None:
    """Skip the calling test module, saying how to install Chromium, on a machine without it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM}: apt-get install chromium",
                    allow_module_level=True)


def launch_options(chromium: str = CHROMIUM) -> dict[str, Any]:
    """Playwright's launch arguments for every browser test (this harness, the preview's): the given
    Chromium, never a browser Playwright downloads, headless, and nothing able to leave the machine."""
    return {"executable_path": chromium, "args": CHROMIUM_ARGS, "headless": True}


# ---------------------------------------------------------------------------
# Getting the reviewer's files
# ---------------------------------------------------------------------------


def fetch_reviewer_files(
    cache_dir: str | os.PathLike, version: str = AQT_VERSION, python: str | None = None
) -> Path:
    """Return a folder holding the needed parts of the aqt==VERSION wheel.

    Downloads the wheel with `pip download --no-deps` into CACHE_DIR/wheels if it
    is not there yet, and extracts the web files and the few Python sources the
    harness loads into CACHE_DIR/aqt-VERSION.  Safe to call concurrently.
    """
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    root = cache / f"aqt-{version}"
    if (root / ".complete").exists():
        return root
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / ".complete").exists():
            return root
        wheel_dir = cache / "wheels"
        wheel = _find_wheel(wheel_dir, version)
        if wheel is None:
            wheel_dir.mkdir(exist_ok=True)
            subprocess.run(
                [python or sys.executable, "-m", "pip", "download", "--quiet",
                 "--no-deps", "--only-binary=:all:", f"aqt=={version}",
                 "-d", str(wheel_dir)],
                check=True,
            )
            wheel = _find_wheel(wheel_dir, version)
            if wheel is None:
                raise RuntimeError(f"pip did not produce an aqt-{version} wheel")
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=cache))
        try:
            with zipfile.ZipFile(wheel) as zf:
                for name in zf.namelist():
                    if name.endswith("/") or not name.startswith(_WHEEL_MEMBERS):
                        if not name.startswith(f"aqt-{version}.dist-info/"):
                            continue
                    zf.extract(name, tmp)
            if root.exists():
                shutil.rmtree(root)
            tmp.rename(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        (root / ".complete").write_text(wheel.name + "\n")
    return root


def _find_wheel(wheel_dir: Path, version: str) -> Path | None:
    found = sorted(wheel_dir.glob(f"aqt-{version}-*.whl")) if wheel_dir.is_dir() else []
    return found[0] if found else None


# ---------------------------------------------------------------------------
# Anki's own Python, cut out of the wheel's sources
# ---------------------------------------------------------------------------


def _defs(path: Path, names: Sequence[str], in_class: str | None = None) -> list[ast.stmt]:
    """The top-level (or IN_CLASS-level) function defs/assignments called NAMES."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    body = tree.body
    if in_class is not None:
        cls = [n for n in body if isinstance(n, ast.ClassDef) and n.name == in_class]
        if not cls:
            raise LookupError(f"class {in_class} not in {path}")
        body = cls[0].body
    found: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in names:
                    found[target.id] = node
    missing = [n for n in names if n not in found]
    if missing:
        raise LookupError(f"{missing} not found in {path} ({in_class or 'module'})")
    return [found[n] for n in names]


def _exec_defs(path: Path, nodes: list[ast.stmt], namespace: dict[str, Any]) -> dict[str, Any]:
    module = ast.Module(body=nodes, type_ignores=[])
    code = compile(
        module, str(path), "exec",
        flags=__future__.annotations.compiler_flag, dont_inherit=True,
    )
    namespace.setdefault("__builtins__", builtins)
    exec(code, namespace)
    return namespace


def _assigned_expr(path: Path, class_name: str, method: str, variable: str) -> Any:
    """Compiled right-hand side of `VARIABLE = ...` inside CLASS_NAME.METHOD."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef) and cls.name == class_name:
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == method:
                    for node in ast.walk(fn):
                        if isinstance(node, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == variable for t in node.targets
                        ):
                            return compile(ast.Expression(node.value), str(path), "eval")
    raise LookupError(f"{class_name}.{method}: no `{variable} = ...` in {path}")


class _HtmlAttrs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))


def _attrs(fragment: str) -> list[tuple[str, str, str]]:
    parser = _HtmlAttrs()
    parser.feed(fragment)
    parser.close()
    return parser.attrs


class AnkiDesktopCode:
    """The pieces of aqt the harness runs, loaded from an extracted wheel."""

    def __init__(self, root: str | os.PathLike) -> None:
        import anki.collection  # first: importing anki.sound alone hits a circular import
        import anki.sound
        from anki.collection import Config

        self.root = Path(root)
        self.web_dir = self.root / "_aqt" / "data" / "web"
        aqt_dir = self.root / "aqt"

        # aqt/sound.py: av_refs_to_play_icons(text) needs only `re` and AV_REF_RE.
        ns = _exec_defs(
            aqt_dir / "sound.py",
            _defs(aqt_dir / "sound.py", ["av_refs_to_play_icons"]),
            {"re": re, "AV_REF_RE": anki.sound.AV_REF_RE},
        )
        self.av_refs_to_play_icons = ns["av_refs_to_play_icons"]

        # aqt/main.py: AnkiQt._add_play_buttons + prepare_card_text_for_display,
        # run against a stub "mw" that has the real collection.
        aqt_stub = types.SimpleNamespace(
            sound=types.SimpleNamespace(av_refs_to_play_icons=self.av_refs_to_play_icons)
        )
        ns = _exec_defs(
            aqt_dir / "main.py",
            _defs(aqt_dir / "main.py",
                  ["_add_play_buttons", "prepare_card_text_for_display"], in_class="AnkiQt"),
            {"anki": anki, "aqt": aqt_stub, "Config": Config},
        )
        self._main_methods = {k: ns[k] for k in ("_add_play_buttons", "prepare_card_text_for_display")}

        # aqt/reviewer.py: Reviewer.revHtml and the type-answer filters.
        names = ["revHtml", "typeAnsPat", "typeAnsFilter", "typeAnsQuestionFilter",
                 "typeAnsAnswerFilter", "_contentForCloze"]
        self._video_driver = types.SimpleNamespace(Software=object())
        ns = _exec_defs(
            aqt_dir / "reviewer.py",
            _defs(aqt_dir / "reviewer.py", names, in_class="Reviewer"),
            {
                "re": re,
                "VideoDriver": self._video_driver,
                "gui_hooks": types.SimpleNamespace(
                    reviewer_will_compare_answer=lambda pair, type_pattern: pair,
                    reviewer_will_render_compared_answer=lambda output, *args: output,
                ),
                "tr": _Tr(),
            },
        )
        self._reviewer_methods = {k: ns[k] for k in names}

        # aqt/mediasrv.py: the CSP strings (module-level constant expressions).
        src = aqt_dir / "mediasrv.py"
        ns = _exec_defs(src, _defs(src, ["UNTRUSTED_MEDIA_CSP", "TRUSTED_PAGE_CSP"]), {})
        self.media_csp: str = ns["UNTRUSTED_MEDIA_CSP"]
        self.page_csp: str = ns["TRUSTED_PAGE_CSP"]

        # aqt/webview.py: the page template AnkiWebView.stdHtml() fills in.
        self._page_template = _assigned_expr(aqt_dir / "webview.py", "AnkiWebView", "stdHtml", "html")

        # _aqt/colors.py: the canvas colour the standard css sets.
        src = self.root / "_aqt" / "colors.py"
        ns = _exec_defs(src, _defs(src, ["CANVAS"]), {})
        self.canvas: dict[str, str] = ns["CANVAS"]

    def page(self, *, title: str, head: str, body_class: str, jstxt: str, body: str,
             doc_class: str = "", lang_dir: str = "ltr", bs_theme: str = "light") -> str:
        """stdHtml()'s page, from the wheel's own template."""
        return eval(self._page_template, {"__builtins__": {}}, {
            "self": types.SimpleNamespace(title=title), "head": head, "body_class": body_class,
            "jstxt": jstxt, "web_content": types.SimpleNamespace(body=body),
            "doc_class": doc_class, "lang_dir": lang_dir, "bs_theme": bs_theme,
        })

    # -- card text ---------------------------------------------------------

    def prepare_card_text_for_display(self, col: Any, text: str, hide_play_buttons: bool) -> str:
        """AnkiQt.prepare_card_text_for_display, with HIDE_AUDIO_PLAY_BUTTONS forced."""
        mw = types.SimpleNamespace(col=_ConfigOverride(col, hide_play_buttons))
        mw._add_play_buttons = functools.partial(self._main_methods["_add_play_buttons"], mw)
        return self._main_methods["prepare_card_text_for_display"](mw, text)

    def reviewer(self, col: Any, review_extra: str = "") -> Any:
        """A stub Reviewer carrying the wheel's revHtml and type-answer methods."""
        cls = type("ReviewerStub", (), dict(self._reviewer_methods))
        r = cls()
        conf: dict[str, Any] = {}
        if col is not None and hasattr(col, "get_config"):
            conf["reviewExtra"] = col.get_config("reviewExtra", "") or ""
        if review_extra:
            conf["reviewExtra"] = review_extra
        r.mw = types.SimpleNamespace(
            col=types.SimpleNamespace(
                conf=conf,
                compare_answer=getattr(col, "compare_answer", None),
                extract_cloze_for_typing=getattr(col, "extract_cloze_for_typing", None),
            ),
            pm=types.SimpleNamespace(video_driver=lambda: None),
        )
        r.state = "question"
        r.card = None
        r.typedAnswer = None
        r.typeCorrect = None
        return r

    def play_button_handlers(self, text: str) -> set[str]:
        """Exact onclick sources of the play buttons Anki would put in TEXT."""
        import anki.collection  # noqa: F401
        import anki.sound

        out: set[str] = set()
        for m in anki.sound.AV_REF_RE.finditer(text):
            icon = self.av_refs_to_play_icons(m.group(0))
            out |= {v for (_t, k, v) in _attrs(icon) if k.startswith("on")}
        return out


class _ConfigOverride:
    """Wraps a Collection so get_config_bool(HIDE_AUDIO_PLAY_BUTTONS) is forced."""

    def __init__(self, col: Any, hide: bool) -> None:
        self._col, self._hide = col, hide
        self.media = col.media

    def get_config_bool(self, key: Any) -> bool:
        from anki.collection import Config

        if key == Config.Bool.HIDE_AUDIO_PLAY_BUTTONS:
            return self._hide
        return self._col.get_config_bool(key)


class _Tr:
    """Stand-in for aqt.utils.tr: the translated warnings the type filter may emit."""

    def __getattr__(self, name: str) -> Any:
        def message(**kwargs: Any) -> str:
            return f"[{name}{' ' + json.dumps(kwargs) if kwargs else ''}]"

        return message


# ---------------------------------------------------------------------------
# Inputs and findings
# ---------------------------------------------------------------------------


@dataclass
class CardInput:
    """One card as card.question() / card.answer() return it."""

    question: str
    answer: str
    ord: int = 0
    label: str = ""
    card: Any = None  # an anki.cards.Card, for [[type:...]] handling


@dataclass
class Finding:
    kind: str
    card_index: int | None
    card_label: str
    side: str  # "question", "answer" or "setup"
    play_buttons: str  # "hidden" or "shown"
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = "setup" if self.card_index is None else f"card {self.card_index} {self.card_label!r} {self.side}"
        return f"[{self.kind}] ({where}, play buttons {self.play_buttons}) {self.detail}"


@dataclass
class RunStats:
    cards: int = 0
    seconds: float = 0.0
    workers: int = 1
    recycled_pages: int = 0


# Kinds that are not a security problem in Anki by themselves.
INFO_KINDS = frozenset({"noop-navigation", "console-error"})


def serious(findings: Iterable[Finding]) -> list[Finding]:
    """Findings other than INFO_KINDS (404s and <a href=#> clicks)."""
    return [f for f in findings if f.kind not in INFO_KINDS]


def cards_from_collection(col: Any, search: str = "", order: Any = True) -> list[CardInput]:
    """CardInputs for the cards matching SEARCH (all cards by default)."""
    out = []
    for cid in col.find_cards(search, order=order):
        card = col.get_card(cid)
        out.append(CardInput(card.question(), card.answer(), card.ord, f"cid {cid}", card))
    return out


def play_buttons_mode(col: Any) -> str:
    from anki.collection import Config

    return "hidden" if col.get_config_bool(Config.Bool.HIDE_AUDIO_PLAY_BUTTONS) else "shown"


# ---------------------------------------------------------------------------
# The local server (what aqt/mediasrv.py serves to the reviewer)
# ---------------------------------------------------------------------------


class _Server:
    def __init__(self, code: AnkiDesktopCode, media_dir: Path | None) -> None:
        self.code = code
        self.media_dir = media_dir
        self.pages: dict[str, bytes] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the browser dropping a connection (page closed) is not news

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, h: Any, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: Any) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        path = urllib.parse.unquote(parsed.path.lstrip("/"))
        if path == "_anki/legacyPageData":
            page_id = urllib.parse.parse_qs(parsed.query).get("id", [""])[0]
            body = self.pages.get(page_id)
            if body is None:
                return self._send(h, 404, b"page not found", "text/plain")
            return self._send(h, 200, body, "text/html", {"Content-Security-Policy": self.code.page_csp})
        if path.startswith("_anki/"):
            return self._file(h, self.code.web_dir, path[len("_anki/"):], None)
        if self.media_dir is None:
            return self._send(h, 404, b"no media folder", "text/plain")
        return self._file(h, self.media_dir, path, self.code.media_csp)

    def _file(self, h: Any, root: Path, rel: str, csp: str | None) -> None:
        full = (root / rel).resolve()
        if not (full == root.resolve() or root.resolve() in full.parents) or not full.is_file():
            return self._send(h, 404, f"Invalid path: {rel}".encode(), "text/plain")
        ctype = mimetypes.guess_type(full.name)[0] or "application/octet-stream"
        if full.suffix == ".js":
            ctype = "application/javascript"
        headers = {"Cache-Control": "max-age=3600"}
        if csp:
            headers["Content-Security-Policy"] = csp
        self._send(h, 200, full.read_bytes(), ctype, headers)


# ---------------------------------------------------------------------------
# In-page helpers (the harness's own script; tagged with a per-run sourceURL)
# ---------------------------------------------------------------------------

_INIT_JS = r"""
(() => {
  const NAME = %(name)s;
  if (Object.prototype.hasOwnProperty.call(window, NAME)) return;
  const H = { pycmds: [], navs: [] };
  Object.defineProperty(window, NAME, { value: H, enumerable: false });
  if (window.top !== window) return;
  // Stand-in for the QWebChannel bridge aqt/webview.py injects.
  window.pycmd = window.bridgeCommand = function (arg, cb) {
    H.pycmds.push(String(arg));
    return false;
  };
  if (window.navigation) {
    window.navigation.addEventListener("navigate", (e) => {
      H.navs.push({
        url: e.destination.url, type: e.navigationType,
        sameDocument: e.destination.sameDocument, hashChange: e.hashChange,
        userInitiated: e.userInitiated, cancelable: e.cancelable,
        formData: !!e.formData,
      });
      if (e.cancelable) e.preventDefault();
    });
  }
})();
"""

_HELPERS_JS = r"""
(() => {
  const H = window[%(name)s];
  const sleep0 = () => new Promise((r) => setTimeout(r, 0));
  // Media elements that are still fetching: their error/load events would
  // otherwise fire during the next card.  Anki's _updateQA also resets the
  // <video>s it replaces, which we track here too.
  const mediaPending = (m) => m.error === null && m.readyState < 1 && m.networkState !== 1 &&
    (m.hasAttribute("src") || m.querySelector("source") !== null);
  const mediaEvents = ["error", "loadedmetadata", "suspend", "stalled", "abort", "emptied"];
  H.settle = async function () {
    for (let i = 0; i < 2; i++) {
      document.documentElement.getBoundingClientRect();
      const waits = [];
      for (const im of document.images) {
        if (!im.complete) waits.push(new Promise((r) => { im.addEventListener("load", r); im.addEventListener("error", r); }));
      }
      for (const m of document.querySelectorAll("video, audio")) {
        if (mediaPending(m)) waits.push(new Promise((r) => { mediaEvents.forEach((t) => m.addEventListener(t, r, { once: true })); setTimeout(r, 1000); }));
        for (const src of m.querySelectorAll("source")) {
          waits.push(new Promise((r) => { src.addEventListener("error", r, { once: true }); setTimeout(r, 300); }));
        }
      }
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 1500))]);
      await sleep0();
    }
  };
  H.show = function (fn, args, timeoutMs) {
    // reviewer.js calls load() on the <video>s it is about to replace, so they
    // fetch again and fire their events while the new card is shown; wait
    // for them so that happens inside this side, not somewhere later.
    const outgoing = Array.from(document.querySelectorAll("#qa video")).filter((m) => m.hasAttribute("src") || m.querySelector("source"));
    const outgoingDone = () => Promise.race([
      Promise.all(outgoing.map((m) => new Promise((r) => mediaEvents.forEach((t) => m.addEventListener(t, r, { once: true }))))),
      new Promise((r) => setTimeout(r, 1000)),
    ]);
    return new Promise((resolve) => {
      let done = false;
      const finish = (v) => { if (!done) { done = true; resolve(v); } };
      setTimeout(() => finish("timeout"), timeoutMs);
      try {
        window[fn](...args);
        window._queueAction(() => finish("ok"));
      } catch (e) {
        finish("error: " + e);
      }
    }).then(async (v) => { if (outgoing.length) await outgoingDone(); await H.settle(); return v; });
  };
  H.take = function () {
    const out = { pycmds: H.pycmds, navs: H.navs, href: location.href };
    H.pycmds = []; H.navs = [];
    return out;
  };
  const LINKY = ["href", "src", "action", "formaction", "data", "xlink:href", "background",
                 "poster", "srcdoc", "codebase", "dynsrc", "lowsrc", "ping"];
  // Static scan: things that could run script (or frames) that remain in the DOM.
  H.scan = function (allowedHandlers) {
    const allowed = new Set(allowedHandlers);
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      if (tag === "iframe" || tag === "frame" || tag === "object" || tag === "embed") {
        out.push({ what: "frame-like element", tag, html: el.outerHTML.slice(0, 200) });
      }
      for (const a of el.attributes) {
        const n = a.name.toLowerCase();
        if (n.startsWith("on")) {
          if (!allowed.has(a.value)) out.push({ what: "event handler attribute", tag, attr: a.name, value: a.value.slice(0, 200) });
        } else if (LINKY.includes(n) || n.endsWith(":href")) {
          const v = a.value.replace(/[\u0000-\u0020\u007f]+/g, "").toLowerCase();
          if (/^(javascript|vbscript|data:text\/html|data:image\/svg|data:application)/.test(v) || (n === "srcdoc")) {
            out.push({ what: "script-capable URL", tag, attr: a.name, value: a.value.slice(0, 200) });
          }
        }
      }
    }
    return out;
  };
  // Static scan: non-loopback URLs the page would fetch (Chromium reuses a
  // failed resource for identical CSS text within one page, so a second card
  // with the same remote url() makes no new request; this catches it anyway).
  const FETCH_ATTRS = ["src", "srcset", "poster", "data", "background", "href", "xlink:href", "imagesrcset"];
  const URL_RE = /url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3|image-set\(\s*(['"])(.*?)\5/gi;
  const remote = (u) => {
    try {
      const x = new URL(u, document.baseURI);
      if (!/^(https?|wss?|ftp):$/.test(x.protocol)) return false;
      const h = x.hostname.replace(/^\[|\]$/g, "");
      return !(h === "localhost" || h.endsWith(".localhost") || /^127\./.test(h) || h === "::1");
    } catch (e) { return false; }
  };
  const cssUrls = (text) => Array.from(text.matchAll(URL_RE), (m) => m[2] || m[4] || m[6]).filter(Boolean);
  H.scanRemote = function () {
    const out = [];
    const add = (where, u) => { if (remote(u)) out.push({ where, url: new URL(u, document.baseURI).href }); };
    for (const el of document.querySelectorAll("body *")) {
      const tag = el.tagName.toLowerCase();
      for (const a of el.attributes) {
        const n = a.name.toLowerCase();
        if (n === "style") { cssUrls(a.value).forEach((u) => add(tag + "[style]", u)); continue; }
        if (!FETCH_ATTRS.includes(n)) continue;
        if (n === "href" && !(tag === "link" || tag === "image" || tag === "use" || tag === "feimage")) continue;
        if (n === "xlink:href" && tag === "a") continue;
        const vals = n.endsWith("srcset") ? a.value.split(",").map((p) => p.trim().split(/\s+/)[0]) : [a.value.trim()];
        vals.forEach((u) => add(tag + "[" + n + "]", u));
      }
      if (tag === "style") cssUrls(el.textContent).forEach((u) => add("style", u));
    }
    return out;
  };
  const MOUSE = ["pointerover", "pointerenter", "mouseover", "mouseenter", "pointermove", "mousemove",
                 "pointerdown", "mousedown", "pointerup", "mouseup"];
  const AFTER = ["dblclick", "auxclick", "contextmenu", "wheel", "pointerout", "pointerleave", "mouseout", "mouseleave"];
  const KEYS = ["keydown", "keypress", "keyup"];
  const INTERACTIVE = "a,area,button,input,select,textarea,label,summary,details,[onclick],[onmouseover],[tabindex],[href],[role=button]";
  // Synthetic events on every element; returns viewport points for real mouse events.
  H.poke = async function (maxElements, maxPoints) {
    const els = Array.from(document.body.querySelectorAll("*")).slice(0, maxElements);
    const vw = innerWidth, vh = innerHeight;
    const seen = new Set(), first = [], rest = [];
    for (const el of els) {
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) continue;
      const x = Math.min(Math.max(r.left + r.width / 2, 1), vw - 2);
      const y = Math.min(Math.max(r.top + r.height / 2, 1), vh - 2);
      if (r.bottom < 0 || r.top > vh || r.right < 0 || r.left > vw) continue;
      const key = Math.round(x / 6) + ":" + Math.round(y / 6);
      if (seen.has(key)) continue;
      seen.add(key);
      (el.matches(INTERACTIVE) ? first : rest).push([x, y]);
    }
    const points = [[vw / 2, vh / 2], ...first, ...rest].slice(0, maxPoints);
    for (const el of els) {
      if (!el.isConnected) continue;
      try {
        for (const t of MOUSE) {
          const Ctor = t.startsWith("pointer") ? PointerEvent : MouseEvent;
          el.dispatchEvent(new Ctor(t, { bubbles: !t.endsWith("enter"), cancelable: true, view: window }));
        }
        if (typeof el.focus === "function") el.focus();
        for (const t of KEYS) el.dispatchEvent(new KeyboardEvent(t, { bubbles: true, cancelable: true, key: "a" }));
        if (typeof el.click === "function") el.click();
        else el.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window }));
        for (const t of AFTER) {
          const Ctor = t === "wheel" ? WheelEvent : (t.startsWith("pointer") ? PointerEvent : MouseEvent);
          el.dispatchEvent(new Ctor(t, { bubbles: !t.endsWith("leave"), cancelable: true, view: window }));
        }
        if (typeof el.blur === "function") el.blur();
      } catch (e) {}
    }
    await H.settle();
    return points;
  };
})();
"""

_LOOPBACK_NAMES = {"localhost"}


def is_loopback_url(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    host = (parsed.hostname or "").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------


class _Worker:
    """One browser context + page showing cards, and what it has seen."""

    def __init__(self, harness: ReviewerHarness, index: int) -> None:
        self.h = harness
        self.index = index
        self.context: Any = None
        self.page: Any = None
        self.cdp: Any = None
        self.page_id = f"{index}"
        self.page_url = f"{harness.server.base}_anki/legacyPageData?id={self.page_id}"
        # attribution of asynchronous events
        self.card_index: int | None = None
        self.card_label = ""
        self.side = "setup"
        self.mode = "shown"
        self.allowed_handlers: set[str] = set()
        self.findings: list[Finding] = []
        self.scripts: list[dict[str, Any]] = []
        self.page_ready = False
        self.recycled = 0

    # -- recording --

    def add(self, kind: str, detail: str, **data: Any) -> None:
        self.findings.append(Finding(kind, self.card_index, self.card_label, self.side, self.mode, detail, data))

    async def start(self) -> None:
        self.context = await self.h.browser.new_context(
            viewport={"width": self.h.viewport[0], "height": self.h.viewport[1]},
        )
        await self.context.route("**/*", self._route)
        self.context.on("page", self._on_new_page)
        await self._new_page()

    async def _new_page(self) -> None:
        self.page_ready = False
        self.page = await self.context.new_page()
        page = self.page
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.add("page-error", str(err)[:500]))
        page.on("crash", lambda _p: self.add("crash", "renderer crashed"))
        page.on("framenavigated", self._on_framenavigated)
        page.on("websocket", lambda ws: self.add("remote-request", f"websocket {ws.url}", url=ws.url))
        self.cdp = await self.context.new_cdp_session(page)
        self.cdp.on("Debugger.scriptParsed", self._on_script)
        await self.cdp.send("Debugger.enable")
        await self.cdp.send("Debugger.setSkipAllPauses", {"skip": True})
        await page.add_init_script(script=self.h.tag(_INIT_JS % {"name": json.dumps(self.h.global_name)}))
        await self._load_reviewer()

    async def _load_reviewer(self) -> None:
        self.h.server.pages[self.page_id] = self.h.page_html(self.mode).encode("utf-8")
        side, self.side = self.side, "setup"
        await self.page.goto(self.page_url, wait_until="load")
        await self.eval(_HELPERS_JS % {"name": json.dumps(self.h.global_name)})
        # what aqt does right after stdHtml(): block drag&drop, draw flag/mark
        await self.eval("_blockDefaultDragDropBehavior(); _drawFlag(0); _drawMark(false);")
        self.side = side
        self.page_ready = True

    async def reload(self) -> None:
        """Load the reviewer page again in the same tab (fresh document)."""
        self.page_ready = False
        try:
            await asyncio.wait_for(self._load_reviewer(), self.h.card_timeout + 5)
        except Exception as e:
            self.add("crash", f"reloading the reviewer failed: {type(e).__name__}: {e}")
            await self.recycle()

    async def recycle(self) -> None:
        self.recycled += 1
        with contextlib.suppress(Exception):
            await self.page.close(run_before_unload=False)
        await self._new_page()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.context.close()

    # -- events --

    async def _route(self, route: Any) -> None:
        req = route.request
        url = req.url
        is_nav = req.is_navigation_request()
        try:
            frame_page = req.frame.page
        except Exception:  # a popup's frame Playwright does not know yet
            frame_page = None
        is_popup = frame_page is not self.page
        is_main_nav = is_nav and not is_popup and req.frame == self.page.main_frame
        if is_popup and self.page_ready:
            self.add("popup", f"new window requests {url} (blocked)", url=url)
            await route.abort("blockedbyclient")
            return
        if not is_loopback_url(url):
            kind = "navigation" if is_main_nav else "remote-request"
            self.add(kind, f"{req.method} {url} ({req.resource_type}) blocked", url=url,
                     resource_type=req.resource_type)
            await route.abort("blockedbyclient")
            return
        if is_main_nav and self.page_ready and url != self.page_url:
            self.add(self._nav_kind(url), f"main frame navigation to {url} blocked", url=url)
            await route.abort("blockedbyclient")
            return
        await route.continue_()

    def _nav_kind(self, url: str) -> str:
        # aqt's acceptNavigationRequest refuses main-frame navigation to the
        # media server's root (+fragment), i.e. what <a href="#"> resolves to
        # under <base href=server>: nothing happens in Anki.  Anything else is
        # opened in the system browser.
        if urllib.parse.urldefrag(url)[0] == self.h.server.base:
            return "noop-navigation"
        return "navigation"

    async def _on_new_page(self, page: Any) -> None:
        if page is self.page or not self.page_ready:
            return
        # Playwright reports the page only once its first navigation settled,
        # maybe a card later; popups that request a URL were already recorded
        # by _route when they asked for it.
        if page.url in ("", "about:blank"):
            self.add("popup", "new window opened (about:blank; reported late, may belong to an earlier card)")
        with contextlib.suppress(Exception):
            await page.close(run_before_unload=False)

    async def _on_dialog(self, dialog: Any) -> None:
        self.add("dialog", f"{dialog.type}({dialog.message!r})", type=dialog.type, message=dialog.message)
        with contextlib.suppress(Exception):
            await dialog.dismiss()

    def _on_console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        text = msg.text
        # aqt/webview.py's console handler silences these two as noise
        if "MathJax localStorage" in text or "link preload" in text:
            return
        loc = msg.location or {}
        self.add("console-error", f"{text[:300]} @ {loc.get('url', '')}", text=text, location=loc)

    def _on_framenavigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and self.page_ready and frame.url != self.page_url:
            self.add("navigation", f"main frame now at {frame.url}", url=frame.url)
            self.page_ready = False  # reviewer gone: recreate before next card

    def _on_script(self, event: dict[str, Any]) -> None:
        aux = event.get("executionContextAuxData") or {}
        if aux.get("type", "default") != "default":
            return  # Playwright's isolated worlds
        url = event.get("url", "")
        if url == self.h.source_url or url.startswith(self.h.server.base + "_anki/js/"):
            return  # this harness / Anki's bundled JS (reviewer.js, MathJax)
        if self.side == "setup" and url != self.page_url:
            return  # Playwright's own bootstrap while the reviewer page loads
        self.scripts.append(dict(event, _attr=(self.card_index, self.card_label, self.side, self.mode)))

    async def flush_scripts(self) -> None:
        pending, self.scripts = self.scripts, []
        for ev in pending:
            try:
                src = (await self.cdp.send("Debugger.getScriptSource", {"scriptId": ev["scriptId"]}))["scriptSource"]
            except Exception:
                src = "<source unavailable>"
            url = ev.get("url", "")
            if url == self.page_url and src in self.allowed_handlers:
                continue  # Anki's own play-button onclick / type-answer onkeypress
            if src.startswith(("((utilityScript, ...args) =>", "\n      (() => {\n        \n        const module = {};")):
                continue  # Playwright internals, should we ever use page.evaluate
            ci, cl, side, mode = ev["_attr"]
            self.findings.append(Finding(
                "script", ci, cl, side, mode,
                f"script compiled in {url or '(no url: javascript: URL, eval, timer string...)'}: {src[:200]!r}",
                {"url": url, "source": src[:2000], "frame": (ev.get("executionContextAuxData") or {}).get("frameId")},
            ))

    # -- driving --

    async def eval(self, expression: str, timeout: float | None = None) -> Any:
        params = {"expression": self.h.tag(expression), "awaitPromise": True, "returnByValue": True}
        coro = self.cdp.send("Runtime.evaluate", params)
        res = await (asyncio.wait_for(coro, timeout) if timeout else coro)
        if "exceptionDetails" in res:
            raise RuntimeError(json.dumps(res["exceptionDetails"])[:500])
        return res.get("result", {}).get("value")

    async def real_mouse(self, points: list[list[float]], timeout: float) -> None:
        """Real (trusted) mouse input: move to each point and click it.

        The CDP commands are sent without waiting for each other: a mouse move
        on its own is only processed with the next animation frame, but the
        discrete press/release that follows flushes it, so every move is
        hit-tested at its own position (hover styles, mouseover) and the run
        does not pay a frame per point.
        """
        sends = []
        for x, y in points:
            base = {"x": x, "y": y, "modifiers": 0}
            sends.append(self.cdp.send("Input.dispatchMouseEvent", dict(base, type="mouseMoved", button="none")))
            sends.append(self.cdp.send("Input.dispatchMouseEvent", dict(base, type="mousePressed", button="left", buttons=1, clickCount=1)))
            sends.append(self.cdp.send("Input.dispatchMouseEvent", dict(base, type="mouseReleased", button="left", buttons=0, clickCount=1)))
        sends.append(self.cdp.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 0, "y": 0, "button": "none"}))
        # a last click in the corner flushes the move (mouseout/mouseleave fire)
        sends.append(self.cdp.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": 0, "y": 0, "button": "left", "buttons": 1, "clickCount": 1}))
        sends.append(self.cdp.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": 0, "y": 0, "button": "left", "buttons": 0, "clickCount": 1}))
        await asyncio.wait_for(asyncio.gather(*sends), timeout)

    def g(self, member: str) -> str:
        return f"window[{json.dumps(self.h.global_name)}].{member}"

    async def show(self, fn: str, args: list[Any], allowed: set[str]) -> None:
        self.allowed_handlers = allowed
        if not self.page_ready:
            await self.recycle()
        t = self.h.card_timeout
        try:
            status = await self.eval(
                f"{self.g('show')}({json.dumps(fn)}, {json.dumps(args)}, {int(t * 1000)})", timeout=t + 2
            )
            if status != "ok":
                self.add("timeout", f"{fn} did not finish: {status}")
                self.page_ready = False
            else:
                if self.h.probe is not None:
                    self.h.probed[(self.card_index, self.side, self.mode)] = await self.eval(self.h.probe, timeout=t)
                points = await self.eval(
                    f"{self.g('poke')}({self.h.max_elements}, {self.h.trusted_points})", timeout=t + 5
                )
                await self.real_mouse(points or [], timeout=t + 5)
                await self.eval(f"{self.g('settle')}()", timeout=t + 5)
                for item in await self.eval(f"{self.g('scan')}({json.dumps(sorted(allowed))})", timeout=t) or []:
                    self.add("latent-script", f"{item['what']}: {json.dumps(item)[:300]}", **item)
                for item in await self.eval(f"{self.g('scanRemote')}()", timeout=t) or []:
                    self.add("latent-remote", f"{item['where']} references {item['url']}", **item)
        except (TimeoutError, RuntimeError) as e:
            self.add("timeout", f"{fn}: harness call did not return ({type(e).__name__}: {str(e)[:200]})")
            self.page_ready = False
        except Exception as e:  # page closed / crashed / navigated away
            self.add("crash", f"{fn}: {type(e).__name__}: {str(e)[:300]}")
            self.page_ready = False
        if self.page_ready and self.h.capture_html:
            with contextlib.suppress(Exception):
                self.h.rendered[(self.card_index, self.side, self.mode)] = await self.eval(
                    "document.getElementById('qa').innerHTML", timeout=5)
        if self.page_ready:
            try:
                state = await self.eval(f"{self.g('take')}()", timeout=5)
            except Exception as e:
                self.add("crash", f"reviewer page unusable after {fn}: {e}")
                self.page_ready = False
                state = None
            if state:
                self._check_state(state)
        await self.flush_scripts()

    def _check_state(self, state: dict[str, Any]) -> None:
        for nav in state["navs"]:
            url = nav["url"]
            if nav.get("sameDocument") and urllib.parse.urldefrag(url)[0] == urllib.parse.urldefrag(self.page_url)[0]:
                continue  # fragment change on the reviewer page itself
            self.add(self._nav_kind(url), f"navigation attempt to {url} ({nav['type']}, cancelled)", **nav)
        for cmd in state["pycmds"]:
            if cmd in ("updateToolbar", "repaintNeeded") or re.fullmatch(r"play:[qa]:\d+", cmd):
                continue
            self.add("bridge-command", f"pycmd({cmd!r})", command=cmd)
        if state["href"] != self.page_url:
            self.add("navigation", f"reviewer page replaced by {state['href']}", url=state["href"])
            self.page_ready = False


class ReviewerHarness:
    """Headless-Chromium Anki reviewer.

    with ReviewerHarness(fetch_reviewer_files(cache)) as h:
        findings = h.check_cards(cards, play_buttons="hidden", col=col)
    """

    def __init__(
        self,
        reviewer_files: str | os.PathLike,
        *,
        media_dir: str | os.PathLike | None = None,
        workers: int = 1,
        card_timeout: float = 10.0,
        trusted_points: int = 16,
        max_elements: int = 400,
        viewport: tuple[int, int] = (1000, 700),
        chromium: str = CHROMIUM,
        night_mode: bool = False,
        capture_html: bool = False,
        fresh_page_per_card: bool = False,
        probe: str | None = None,
    ) -> None:
        self.code = AnkiDesktopCode(reviewer_files)
        self.media_dir = Path(media_dir) if media_dir else None
        self.workers_n = max(1, workers)
        self.card_timeout = card_timeout
        self.trusted_points = trusted_points
        self.max_elements = max_elements
        self.viewport = viewport
        self.chromium = chromium
        self.night_mode = night_mode
        self.capture_html = capture_html
        # True: a new reviewer page for every card (exact attribution of late
        # events and no state shared between cards; slower).  False: one page
        # for all cards, as in Anki, where a card's leftovers (timers,
        # listeners, outgoing <video> reloads) may fire during a later card.
        self.fresh_page_per_card = fresh_page_per_card
        # (card_index, side, mode) -> #qa innerHTML after the side was shown
        self.rendered: dict[tuple[int | None, str, str], str] = {}
        # A JavaScript expression (a promise is awaited) evaluated once each side is shown, before
        # anything is hovered or clicked; its value by (card_index, side, mode). For what a card's
        # own code draws (Image Occlusion's canvas), which the rendered HTML does not show.
        self.probe = probe
        self.probed: dict[tuple[int | None, str, str], Any] = {}
        token = secrets.token_hex(8)
        self.global_name = f"__reviewer_harness_{token}"
        self.source_url = f"reviewer-harness-{token}.js"
        self.loop = asyncio.new_event_loop()
        self.server: _Server | None = None
        self._pw = None
        self.browser = None
        self.stats = RunStats()
        self._scratch_col = None
        self._scratch_dir: str | None = None

    # -- lifecycle --

    def __enter__(self) -> ReviewerHarness:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        self.server = _Server(self.code, self.media_dir)
        self.loop.run_until_complete(self._astart())

    async def _astart(self) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self.browser = await self._pw.chromium.launch(**launch_options(self.chromium))

    def close(self) -> None:
        async def _aclose() -> None:
            if self.browser:
                with contextlib.suppress(Exception):
                    await self.browser.close()
            if self._pw:
                with contextlib.suppress(Exception):
                    await self._pw.stop()

        with contextlib.suppress(Exception):
            self.loop.run_until_complete(_aclose())
        self.loop.close()
        if self.server:
            self.server.close()
        if self._scratch_col is not None:
            self._scratch_col.close()
        if self._scratch_dir:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)

    # -- page --

    def tag(self, js: str) -> str:
        return f"{js}\n//# sourceURL={self.source_url}\n"

    def base_body_class(self) -> str:
        # theme_manager.body_class(reviewer=True) on Linux, default profile
        return "isLin " + ("nightMode night_mode " if self.night_mode else "") + "fancy"

    def page_html(self, mode: str, review_extra: str = "") -> str:
        """The reviewer page, assembled in the order aqt's stdHtml()/_initWeb() use."""
        base = self.server.base
        web = f"{base}_anki/"
        col = getattr(self, "_current_col", None)
        body = self.code.reviewer(col, review_extra).revHtml()
        canvas = self.code.canvas
        standard_css = (
            "body { zoom: 1; background-color: var(--canvas); }\n"
            'html { font-family:"sans-serif", sans-serif; }\n'
            f":root {{ --canvas: {canvas['light']} }}\n"
            f":root[class*=night-mode] {{ --canvas: {canvas['dark']} }}\n"
        )
        # as stdHtml(): webview.css, then the standard css, then reviewer.css
        # in <head> after <base>; webview.js then reviewer.js at the start of <body>
        head = (
            f'<base href="{base}">'
            f'<link rel="stylesheet" type="text/css" href="{web}css/webview.css">'
            f"<style>{standard_css}</style>"
            f'<link rel="stylesheet" type="text/css" href="{web}css/reviewer.css">'
        )
        jstxt = "\n".join(f'<script src="{web}js/{name}"></script>' for name in ("webview.js", "reviewer.js"))
        return self.code.page(
            title="main webview", head=head, body_class=self.base_body_class(), jstxt=jstxt, body=body,
            doc_class="night-mode" if self.night_mode else "",
            bs_theme="dark" if self.night_mode else "light",
        )

    # -- card text --

    def _collection(self, col: Any) -> Any:
        if col is not None:
            return col
        if self._scratch_col is None:
            from anki.collection import Collection

            self._scratch_dir = tempfile.mkdtemp(prefix="reviewer-harness-")
            self._scratch_col = Collection(os.path.join(self._scratch_dir, "scratch.anki2"))
        return self._scratch_col

    def prepare(self, card: CardInput, mode: str, col: Any) -> dict[str, Any]:
        """What aqt passes to _showQuestion/_showAnswer for CARD."""
        col = self._collection(col)
        hide = mode == "hidden"
        rev = self.code.reviewer(col)
        rev.card = card.card
        q = self.code.prepare_card_text_for_display(col, card.question, hide)
        if card.card is not None:
            rev.state = "question"
            q = rev.typeAnsFilter(q)
        a_preload = col.media.escape_media_filenames(card.answer)
        a = self.code.prepare_card_text_for_display(col, card.answer, hide)
        if card.card is not None:
            rev.state = "answer"
            rev.typedAnswer = ""
            a = rev.typeAnsFilter(a)
        allowed = set()
        if not hide:
            allowed |= self.code.play_button_handlers(card.question) | self.code.play_button_handlers(card.answer)
        for text in (q, a):
            if 'id=typeans onkeypress="' in text:
                allowed |= {v for (t, k, v) in _attrs(text) if t == "input" and k == "onkeypress"}
        bodyclass = f"card card{card.ord + 1} {self.base_body_class()}"
        return {"q": q, "a_preload": a_preload, "a": a, "bodyclass": bodyclass, "allowed": allowed}

    # -- running --

    def check_cards(
        self,
        cards: Iterable[CardInput | tuple[str, str]],
        play_buttons: str = "shown",
        col: Any = None,
    ) -> list[Finding]:
        """Show every card (question, then answer) and return the findings."""
        if play_buttons not in ("hidden", "shown"):
            raise ValueError("play_buttons must be 'hidden' or 'shown'")
        items = [c if isinstance(c, CardInput) else CardInput(c[0], c[1], label=f"#{i}")
                 for i, c in enumerate(cards)]
        self._current_col = col
        prepared = [self.prepare(c, play_buttons, col) for c in items]
        t0 = time.perf_counter()
        findings = self.loop.run_until_complete(self._run(items, prepared, play_buttons))
        self.stats = RunStats(len(items), time.perf_counter() - t0, min(self.workers_n, max(1, len(items))),
                              self.stats.recycled_pages)
        return findings

    def check_collection(self, col: Any, play_buttons: str | None = None, search: str = "") -> list[Finding]:
        """Check every card of COL, with the collection's own play-button setting by default."""
        mode = play_buttons or play_buttons_mode(col)
        return self.check_cards(cards_from_collection(col, search), mode, col)

    async def _run(self, items: list[CardInput], prepared: list[dict[str, Any]], mode: str) -> list[Finding]:
        n = min(self.workers_n, max(1, len(items)))
        workers = [_Worker(self, i) for i in range(n)]
        for w in workers:
            w.mode = mode
        await asyncio.gather(*(w.start() for w in workers))
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(items)):
            queue.put_nowait(i)

        async def work(w: _Worker) -> None:
            while not queue.empty():
                i = queue.get_nowait()
                item, p = items[i], prepared[i]
                if self.fresh_page_per_card and w.card_index is not None and w.page_ready:
                    w.side = "setup"
                    await w.reload()
                w.card_index, w.card_label = i, item.label
                w.side = "question"
                await w.show("_showQuestion", [p["q"], p["a_preload"], p["bodyclass"]], p["allowed"])
                w.side = "answer"
                await w.show("_showAnswer", [p["a"]], p["allowed"])

        try:
            await asyncio.gather(*(work(w) for w in workers))
            for w in workers:  # let late events arrive
                w.side = "after-last-card"
                with contextlib.suppress(Exception):
                    await w.eval("1", timeout=2)
                await w.flush_scripts()
        finally:
            self.stats.recycled_pages = sum(w.recycled for w in workers)
            await asyncio.gather(*(w.close() for w in workers))
        findings = [f for w in workers for f in w.findings]
        findings.sort(key=lambda f: (f.card_index if f.card_index is not None else -1))
        return findings
