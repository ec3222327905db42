"""SosClient's total deadline and body size limit, against a loopback server that sends its body slowly.

The read timeout of requests bounds each socket read, so a server that sends one byte every 0.2 seconds never
trips it. These tests check that the client gives up after ClientConfig.total_timeout_s instead, reports a
timeout rather than a failed connection, and refuses bodies above ClientConfig.max_body_bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sos_qgis_plugin.core.api_client import ClientConfig, NetworkError, SosClient, UnexpectedResponseError

CASES = "/collections/cases"
TRICKLE_INTERVAL_S = 0.2
# The declared body of the trickling routes: at 5 bytes a second it would take 200 seconds to arrive.
TRICKLE_LENGTH = 1000
SMALL_LIMIT = 1024
SERVER_LIFETIME_S = 30.0
MEGABYTE = 1024 * 1024


class SlowServer:
    """HTTP server on a free 127.0.0.1 port whose routes misbehave on purpose.

    - ``/trickle``: 200 with a Content-Length of TRICKLE_LENGTH, then one byte every TRICKLE_INTERVAL_S.
    - ``/trickle-chunked``: the same trickle, one byte per chunk of a chunked body.
    - ``/short``: 200 with a Content-Length of TRICKLE_LENGTH, 10 bytes, then silence on an open connection.
    - ``/declared-large``: 200 whose Content-Length is 4 times SMALL_LIMIT; the body is never sent.
    - ``/large``: 4 times SMALL_LIMIT bytes without a Content-Length, ended by closing the connection.
    - ``/collections/cases``: a JSON object of about 1 MiB with its Content-Length, sent at once.

    Every wait ends when the server stops, which happens when the ``with`` block ends or after
    SERVER_LIFETIME_S seconds, whichever comes first.
    """

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.paths: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._timer = threading.Timer(SERVER_LIFETIME_S, self.stop)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
                pass

            def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
                server.paths.append(self.path)
                route = getattr(self, "route_" + self.path.strip("/").replace("-", "_").replace("/", "_"))
                try:
                    route()
                except OSError:
                    # The client shut the connection down at its deadline.
                    self.close_connection = True

            def start(self, **headers: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.flush()

            def route_trickle(self) -> None:
                self.start(Content_Length=str(TRICKLE_LENGTH))
                for _ in range(TRICKLE_LENGTH):
                    if server.stopped.wait(TRICKLE_INTERVAL_S):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.close_connection = True

            def route_trickle_chunked(self) -> None:
                self.start(Transfer_Encoding="chunked")
                for _ in range(TRICKLE_LENGTH):
                    if server.stopped.wait(TRICKLE_INTERVAL_S):
                        break
                    self.wfile.write(b"1\r\n \r\n")
                    self.wfile.flush()
                self.close_connection = True

            def route_short(self) -> None:
                self.start(Content_Length=str(TRICKLE_LENGTH))
                self.wfile.write(b'{"cases": ')
                self.wfile.flush()
                server.stopped.wait(SERVER_LIFETIME_S)
                self.close_connection = True

            def route_declared_large(self) -> None:
                self.start(Content_Length=str(4 * SMALL_LIMIT))
                self.close_connection = True

            def route_large(self) -> None:
                self.start(Connection="close")
                self.wfile.write(b" " * (4 * SMALL_LIMIT))
                self.close_connection = True

            def route_collections_cases(self) -> None:
                body = b'{"id": "cases", "padding": "' + b"x" * MEGABYTE + b'"}'
                self.start(Content_Length=str(len(body)))
                self.wfile.write(body)

        return Handler


@pytest.fixture
def slow_server() -> Iterator[SlowServer]:
    with SlowServer() as server:
        yield server


def make_client(url: str, **options: object) -> SosClient:
    options.setdefault("max_retries", 0)
    return SosClient(ClientConfig(base_url=url, token="tok-deadline", **options), sleep=lambda _seconds: None)


def timed_error(client: SosClient, path: str) -> tuple[NetworkError, float]:
    """Fetch path as a page of cases, expect a NetworkError, and return it with the seconds it took."""
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        client.list_cases_page(next_url=client.config.base_url + path)
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("path", ["/trickle", "/trickle-chunked"])
def test_trickle_hits_deadline(slow_server, path):
    client = make_client(slow_server.url, total_timeout_s=1.0, read_timeout_s=5.0)

    error, elapsed = timed_error(client, path)

    assert elapsed < 5.0
    assert "did not answer in full within 1 seconds" in error.message
    assert "Could not connect" not in error.message
    assert error.values["seconds"] == 1.0


def test_trickle_retried_per_attempt(slow_server):
    client = make_client(slow_server.url, total_timeout_s=0.5, read_timeout_s=5.0, max_retries=1)

    error, elapsed = timed_error(client, "/trickle")

    assert slow_server.paths == ["/trickle", "/trickle"]
    assert elapsed < 5.0
    assert "did not answer" in error.message


def test_short_body_held_open_times_out(slow_server):
    client = make_client(slow_server.url, total_timeout_s=1.0, read_timeout_s=5.0)

    error, elapsed = timed_error(client, "/short")

    assert elapsed < 5.0
    assert "did not answer in full within 1 seconds" in error.message


def test_read_timeout_in_body_is_timeout(slow_server):
    client = make_client(slow_server.url, total_timeout_s=30.0, read_timeout_s=0.5)

    error, elapsed = timed_error(client, "/short")

    assert elapsed < 5.0
    assert "did not answer within 0.5 seconds" in error.message
    assert "Could not connect" not in error.message


def test_declared_size_over_limit(slow_server):
    client = make_client(slow_server.url, max_body_bytes=SMALL_LIMIT)

    with pytest.raises(UnexpectedResponseError) as caught:
        client.list_cases_page(next_url=slow_server.url + "/declared-large")

    assert "larger than" in caught.value.message
    assert "MiB" in caught.value.message
    assert slow_server.paths == ["/declared-large"]


def test_streamed_size_over_limit(slow_server):
    client = make_client(slow_server.url, max_body_bytes=SMALL_LIMIT, max_retries=2)

    with pytest.raises(UnexpectedResponseError) as caught:
        client.list_cases_page(next_url=slow_server.url + "/large")

    assert "larger than" in caught.value.message
    assert f"limit {SMALL_LIMIT} bytes" in caught.value.details
    assert slow_server.paths == ["/large"]


def test_megabyte_body_read(slow_server):
    client = make_client(slow_server.url)

    body = client.get_collection()

    assert len(body["padding"]) == MEGABYTE


def test_default_body_limit():
    assert ClientConfig(base_url="http://127.0.0.1:1").max_body_bytes == 64 * MEGABYTE


def test_default_total_timeout():
    assert ClientConfig(base_url="http://127.0.0.1:1").total_timeout_s == 120.0


def test_client_usable_after_deadline(slow_server):
    client = make_client(slow_server.url, total_timeout_s=0.5, read_timeout_s=5.0)
    timed_error(client, "/trickle")

    assert client.get_collection()["id"] == "cases"


@pytest.mark.parametrize("option", [{"total_timeout_s": 0}, {"max_body_bytes": 0}])
def test_config_limits_rejected(option):
    with pytest.raises(ValueError):
        SosClient(ClientConfig(base_url="http://127.0.0.1:1", **option))
