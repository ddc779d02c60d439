"""The preview server cannot be framed by another site, and does not keep a silent connection."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from deckgen.preview.serve import Page, PreviewServer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def serving(tmp_path):
    (tmp_path / "picture.png").write_bytes(PNG)
    with PreviewServer(lambda version: Page("<p>page</p>", {"picture.png": tmp_path / "picture.png"}),
                       [tmp_path], 0, idle_seconds=0.5) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            thread.join()


@pytest.mark.parametrize("path", ["/", "/picture.png", "/missing", "/favicon.ico"])
def test_every_answer_forbids_framing(serving, path):
    connection = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    connection.close()

    assert response.getheader("Content-Security-Policy") == "frame-ancestors 'none'"
    assert response.getheader("X-Frame-Options") == "DENY"


def test_an_answer_to_another_host_forbids_framing_too(serving):
    connection = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=10)
    connection.request("GET", "/", headers={"Host": "attacker.example"})
    response = connection.getresponse()
    connection.close()

    assert response.status == 403
    assert response.getheader("Content-Security-Policy") == "frame-ancestors 'none'"


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"], ids=["nothing", "half a request"])
def test_a_silent_connection_is_closed_after_the_idle_time(serving, sent):
    with socket.create_connection(("127.0.0.1", serving.port), timeout=10) as client:
        client.sendall(sent)
        started = time.monotonic()
        received = client.recv(1024)  # b"" once the server closes its end
        waited = time.monotonic() - started

    assert received == b""
    assert 0.3 < waited < 5
