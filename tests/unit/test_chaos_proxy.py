"""Tests of scripts/chaos_proxy.py: each fault kind happens, and with all rates 0 requests pass unchanged.

The upstream is a small echo server on a free loopback port that returns what it received as JSON and
counts the requests, so each test can tell whether a request reached the server.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from chaos_proxy import FAULT_KINDS, ChaosProxy, FaultRates  # noqa: E402 - scripts/ is not a package

TIMEOUT_S = 5.0


class EchoUpstream:
    """Loopback HTTP server that returns a JSON echo of every request; ``hits`` counts requests."""

    def __init__(self, name: str = "upstream") -> None:
        self.hits = 0
        self.name = name
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _echo(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                upstream.hits += 1
                document = {
                    "server": upstream.name,
                    "method": self.command,
                    "path": self.path,
                    "body": body.decode("utf-8"),
                    "headers": {key.lower(): value for key, value in self.headers.items()},
                }
                payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
                self.send_response(201 if self.command == "POST" else 200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("X-Upstream", upstream.name)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _echo  # noqa: N815 - names fixed by BaseHTTPRequestHandler

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def upstream() -> Iterator[EchoUpstream]:
    server = EchoUpstream()
    yield server
    server.stop()


def start_proxy(upstream: EchoUpstream, **rates: float) -> ChaosProxy:
    return ChaosProxy(("127.0.0.1", upstream.port), FaultRates(**rates), seed=7, idle_timeout_s=5.0).start()


def test_zero_rates_forward_unchanged(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream)
    body = json.dumps({"status": "supported", "note": "Đội 4 đã tới"}, ensure_ascii=False).encode("utf-8")
    try:
        with requests.Session() as session:
            posted = session.post(
                proxy.url + "/collections/cases/status-changes?x=1",
                data=body,
                headers={"Idempotency-Key": "key-1", "Content-Type": "application/json"},
                timeout=TIMEOUT_S,
            )
            fetched = session.get(proxy.url + "/collections/cases/items/c0000001", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    echo = posted.json()
    assert posted.status_code == 201
    assert posted.headers["X-Upstream"] == "upstream"
    assert echo["method"] == "POST"
    assert echo["path"] == "/collections/cases/status-changes?x=1"
    assert echo["body"].encode("utf-8") == body
    assert echo["headers"]["idempotency-key"] == "key-1"
    assert fetched.status_code == 200
    assert fetched.json()["path"] == "/collections/cases/items/c0000001"
    assert upstream.hits == 2
    assert proxy.fault_counts() == {kind: 0 for kind in FAULT_KINDS}


def test_zero_rates_keep_connection(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT_S) as client:
            reader = client.makefile("rb")
            for number in range(3):
                client.sendall(f"GET /n/{number} HTTP/1.1\r\nHost: x\r\n\r\n".encode("ascii"))
                status_line = reader.readline()
                headers = {}
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, value = line.decode("latin-1").split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers["content-length"]))
                assert status_line.startswith(b"HTTP/1.1 200")
                assert json.loads(body)["path"] == f"/n/{number}"
            reader.close()
    finally:
        proxy.stop()
    assert upstream.hits == 3


def test_drop_before_never_forwards(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream, drop_before=1.0)
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    assert upstream.hits == 0
    assert proxy.fault_counts()["drop_before"] == 1


def test_drop_after_hides_response(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream, drop_after=1.0)
    try:
        with pytest.raises(requests.ConnectionError):
            requests.post(proxy.url + "/a", data=b"{}", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    # The server handled the request although the client saw no response: a lost acknowledgement.
    assert upstream.hits == 1
    assert proxy.fault_counts()["drop_after"] == 1


def test_reset_sends_rst(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream, reset=1.0)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT_S) as client:
            client.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            # A FIN would make recv return b""; only an RST raises ConnectionResetError.
            with pytest.raises(ConnectionResetError):
                client.recv(1024)
    finally:
        proxy.stop()
    assert upstream.hits == 0
    assert proxy.fault_counts()["reset"] == 1


def test_delay_waits_then_forwards(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream, delay=1.0, delay_min_s=0.3, delay_max_s=0.3)
    try:
        started = time.monotonic()
        response = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
        elapsed = time.monotonic() - started
    finally:
        proxy.stop()
    assert response.status_code == 200
    assert elapsed >= 0.3
    assert upstream.hits == 1
    assert proxy.fault_counts()["delay"] == 1


@pytest.mark.parametrize(("kind", "status"), [("error_502", 502), ("error_503", 503)])
def test_gateway_error_html(upstream: EchoUpstream, kind: str, status: int) -> None:
    proxy = start_proxy(upstream, **{kind: 1.0})
    try:
        response = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>")
    assert upstream.hits == 0
    assert proxy.fault_counts()[kind] == 1


def test_throttle_retry_after(upstream: EchoUpstream) -> None:
    proxy = ChaosProxy(("127.0.0.1", upstream.port), FaultRates(throttle_429=1.0, retry_after_s=3)).start()
    try:
        response = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert upstream.hits == 0
    assert proxy.fault_counts()["throttle_429"] == 1


def test_mixed_rates_hit_every_kind(upstream: EchoUpstream) -> None:
    rates = {kind: 0.1 for kind in FAULT_KINDS}
    proxy = start_proxy(upstream, delay_max_s=0.01, **rates)
    try:
        for _ in range(300):
            try:
                requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
            except requests.ConnectionError:
                pass
    finally:
        proxy.stop()
    counts = proxy.fault_counts()
    for kind in FAULT_KINDS:
        assert counts[kind] > 0, kind
    assert proxy.counts["requests"] == 300


def test_set_upstream_switches_server(upstream: EchoUpstream) -> None:
    second = EchoUpstream("second")
    proxy = start_proxy(upstream)
    try:
        first_reply = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
        proxy.set_upstream("127.0.0.1", second.port)
        second_reply = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
        second.stop()
    assert first_reply.json()["server"] == "upstream"
    assert second_reply.json()["server"] == "second"


def test_upstream_down_gives_502(upstream: EchoUpstream) -> None:
    proxy = start_proxy(upstream)
    upstream.stop()
    try:
        response = requests.get(proxy.url + "/a", timeout=TIMEOUT_S)
    finally:
        proxy.stop()
    assert response.status_code == 502
    assert proxy.counts["upstream_unavailable"] == 1


def test_rejects_remote_upstream() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ChaosProxy(("192.0.2.1", 80))


def test_rejects_rates_above_one() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        FaultRates(drop_before=0.6, drop_after=0.6).validate()
