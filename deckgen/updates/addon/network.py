"""The add-on's only network code: a GET with a timeout and a size limit, to allowed addresses only
(checks.allowed_url), following a redirect only to another allowed address. It runs in a background
task (glue.py), never on Anki's main thread.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from .checks import Refused, allowed_url
from .version import ADDON_VERSION

TIMEOUT_SECONDS = 20.0

Fetch = Callable[[str, int], bytes]  # (url, most bytes wanted) -> body; raises OSError when unreachable


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect (GitHub's latest-release address redirects) only to an allowed address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not allowed_url(newurl):
            raise urllib.error.URLError(f"redirected to {newurl}, which is not an https:// address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, limit: int) -> bytes:
    """The body at `url`, at most `limit` + 1 bytes (one more shows a body longer than expected)."""
    if not allowed_url(url):
        raise Refused(f"the address {url} is not an https:// address: nothing was downloaded")
    opener = urllib.request.build_opener(_CheckedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": f"deckgen-updates/{ADDON_VERSION}"})
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        return bytes(response.read(limit + 1))
