"""A scripted HTTP server on 127.0.0.1 that replies with the faults real SOS services produce.

Each test queues the replies it wants per method and path, points the client at ``server.url`` and then
reads ``server.requests`` to see what the client sent. The server listens on a free loopback port, serves
from a daemon thread and shuts itself down when the ``with`` block ends or after ``lifetime_s`` seconds,
whichever comes first, so a failing test never leaves it running.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One scripted response.

    ``hang_s`` makes the server accept the request and send nothing for that many seconds (or until the
    server stops). ``drop`` closes the connection without any response.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    drop: bool = False


def json_reply(
    status: int, document: object, content_type: str = "application/json", **headers: str
) -> Reply:
    """Build a reply whose body is ``document`` encoded as UTF-8 JSON."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, {"Content-Type": content_type, **headers})


def html_reply(status: int, text: str = "<html><body><h1>Bad Gateway</h1></body></html>") -> Reply:
    """Build a reply with an HTML page, as a proxy or a login portal sends it."""
    return Reply(status, text.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})


@dataclass
class RecordedRequest:
    """A request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body.decode("utf-8"))


class FaultyServer:
    """Loopback HTTP server that plays queued replies per (method, path).

    The last reply queued for a route repeats once the others are used up. A request for a route with no
    replies gets 599, so that an unexpected call fails the test.
    """

    def __init__(self, lifetime_s: float = 60.0) -> None:
        self._routes: dict[tuple[str, str], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="faulty-server",
            daemon=True,
        )
        self._timer = threading.Timer(lifetime_s, self.stop)
        self._timer.daemon = True

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, method: str, path: str, *replies: Reply) -> None:
        """Queue replies for requests with this method and path (query string ignored)."""
        with self._lock:
            self._routes.setdefault((method.upper(), path), deque()).extend(replies)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def start(self) -> FaultyServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FaultyServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get((method, path))
            if not queue:
                return json_reply(599, {"title": f"no scripted reply for {method} {path}"})
            if len(queue) > 1:
                return queue.popleft()
            return queue[0]

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(
                        RecordedRequest(
                            self.command, parts.path, parts.query, dict(self.headers.items()), body
                        )
                    )
                reply = server._next_reply(self.command, parts.path)
                if reply.hang_s:
                    server._stopped.wait(reply.hang_s)
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = _serve  # noqa: N815 - http.server dispatches on these names
            do_POST = _serve  # noqa: N815
            do_PATCH = _serve  # noqa: N815
            do_PUT = _serve  # noqa: N815
            do_DELETE = _serve  # noqa: N815

        return Handler
