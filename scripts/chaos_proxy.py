"""A loopback HTTP proxy that injects network faults in front of the reference SOS server.

The proxy listens on 127.0.0.1 (a free port by default) and forwards each HTTP/1.1 request to the
upstream server over a fresh connection. For each request it draws one fault from a seeded RNG:

- ``drop_before``: close the client connection without forwarding the request;
- ``drop_after``: forward the request, then close the client connection without sending the server's
  response, so the change is applied but the client never sees the acknowledgement;
- ``reset``: abort the client connection with a TCP RST (SO_LINGER 0) without forwarding;
- ``delay``: wait a random time in [delay_min_s, delay_max_s], then forward;
- ``error_502`` and ``error_503``: send an HTML error page, as a gateway does, without forwarding;
- ``throttle_429``: send 429 with ``Retry-After`` without forwarding.

The upstream address can change while the proxy runs (the server restarted on a new port). When the
upstream cannot be reached, the proxy returns 502 with an HTML page, as real reverse proxies do; that
is counted as ``upstream_unavailable``, not as an injected fault. Only loopback upstreams are accepted.

Run it alone with ``python scripts/chaos_proxy.py --upstream 127.0.0.1:8000 --drop-after 0.1``.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import random
import socket
import struct
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from typing import BinaryIO, Optional

FAULT_KINDS = ("drop_before", "drop_after", "reset", "delay", "error_502", "error_503", "throttle_429")

MAX_HEADER_LINES = 100
MAX_LINE_BYTES = 65536
MAX_BODY_BYTES = 64 * 1024 * 1024

# Hop-by-hop headers (RFC 9110, section 7.6.1) apply to one connection and are never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_ERROR_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
)


@dataclass
class FaultRates:
    """Probability of each fault per request (each in [0, 1], at most 1 in total) and its parameters."""

    drop_before: float = 0.0
    drop_after: float = 0.0
    reset: float = 0.0
    delay: float = 0.0
    error_502: float = 0.0
    error_503: float = 0.0
    throttle_429: float = 0.0
    delay_min_s: float = 0.0
    delay_max_s: float = 1.0
    retry_after_s: int = 1

    def validate(self) -> None:
        """Raise ValueError for a rate outside [0, 1], rates adding up to more than 1 or a negative delay."""
        rates = [getattr(self, kind) for kind in FAULT_KINDS]
        for kind, rate in zip(FAULT_KINDS, rates):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {kind} must be in [0, 1], got {rate}")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"fault rates must add up to at most 1, got {sum(rates):.3f}")
        if not 0.0 <= self.delay_min_s <= self.delay_max_s:
            raise ValueError(
                "delays must satisfy 0 <= delay_min_s <= delay_max_s, "
                f"got {self.delay_min_s} and {self.delay_max_s}"
            )
        if self.retry_after_s < 0:
            raise ValueError(f"retry_after_s must not be negative, got {self.retry_after_s}")


@dataclass
class ProxiedRequest:
    """One request read from a client connection."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        """Return the first value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def wants_close(self) -> bool:
        """Return True when the client asked to close the connection after this request."""
        connection = (self.header("Connection") or "").lower()
        return "close" in connection or (self.version == "HTTP/1.0" and "keep-alive" not in connection)


class BadRequestError(Exception):
    """The client sent something that is not an HTTP/1.1 request this proxy can forward."""


def check_loopback(host: str) -> None:
    """Raise ValueError unless ``host`` is ``localhost`` or a loopback address, so faults stay local."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"upstream host must be a loopback address, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"upstream host must be a loopback address, got {host!r}")


class ChaosProxy:
    """HTTP proxy on 127.0.0.1 that injects faults at seeded random, one thread per client connection.

    At most ``max_connections`` client connections are served at once; further connections wait in the
    listen backlog. A connection idle for ``idle_timeout_s`` is closed. ``counts`` contains how many
    requests were received, forwarded and hit by each fault kind. With ``record`` True, ``log`` keeps
    the last 200,000 requests (time, method, path, Idempotency-Key, fault, status sent or
    received, whether it reached the upstream).
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        rates: Optional[FaultRates] = None,
        *,
        seed: int = 0,
        port: int = 0,
        max_connections: int = 64,
        idle_timeout_s: float = 30.0,
        upstream_timeout_s: float = 30.0,
        record: bool = False,
    ) -> None:
        check_loopback(upstream[0])
        self._upstream = (upstream[0], int(upstream[1]))
        self._rates = rates or FaultRates()
        self._rates.validate()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle_timeout_s = idle_timeout_s
        self._upstream_timeout_s = upstream_timeout_s
        self._record = record
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self.counts: Counter[str] = Counter()
        self.log: deque[dict] = deque(maxlen=200_000)

        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="chaos-proxy-accept", daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChaosProxy:
        """Start accepting connections and return the proxy."""
        self._accept_thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, abort every open client connection and wait up to ``timeout_s`` for the threads."""
        self._stopped.set()
        if self._accept_thread.is_alive():
            self._accept_thread.join(timeout_s)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> ChaosProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def set_upstream(self, host: str, port: int) -> None:
        """Send the next requests to ``host:port`` (loopback only). Requests in flight keep the old one."""
        check_loopback(host)
        with self._lock:
            self._upstream = (host, int(port))

    def set_rates(self, rates: FaultRates) -> None:
        """Replace the fault rates for the next requests. Raises ValueError for invalid rates."""
        rates.validate()
        with self._lock:
            self._rates = rates

    def fault_counts(self) -> dict[str, int]:
        """Return the number of requests hit by each fault kind, zero included."""
        with self._lock:
            return {kind: self.counts[kind] for kind in FAULT_KINDS}

    # --- connections

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue
            try:
                connection, _ = self._listener.accept()
            except (socket.timeout, OSError):
                self._slots.release()
                continue
            thread = threading.Thread(
                target=self._serve_connection, args=(connection,), name="chaos-proxy-conn", daemon=True
            )
            with self._lock:
                self._connections.add(connection)
                self._threads.add(thread)
            thread.start()

    def _serve_connection(self, connection: socket.socket) -> None:
        connection.settimeout(self._idle_timeout_s)
        reader = connection.makefile("rb")
        abort = False
        try:
            while not self._stopped.is_set():
                try:
                    request = read_request(reader)
                except BadRequestError:
                    self._send(connection, _error_response(400, "Bad Request"))
                    break
                except OSError:
                    break
                if request is None:
                    break
                keep_open, abort = self._handle(connection, request)
                if not keep_open:
                    break
        finally:
            reader.close()
            if abort:
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            connection.close()
            with self._lock:
                self._connections.discard(connection)
                self._threads.discard(threading.current_thread())
            self._slots.release()

    def _handle(self, connection: socket.socket, request: ProxiedRequest) -> tuple[bool, bool]:
        """Apply the drawn fault to one request; return (keep the connection open, abort it with RST)."""
        with self._lock:
            rates = self._rates
            fault = _draw_fault(self._rng, rates)
            delay_s = self._rng.uniform(rates.delay_min_s, rates.delay_max_s) if fault == "delay" else 0.0
            upstream = self._upstream
            self.counts["requests"] += 1
            if fault:
                self.counts[fault] += 1
        entry = {
            "time": time.time(),
            "method": request.method,
            "path": request.target.split("?", 1)[0],
            "idempotency_key": request.header("Idempotency-Key"),
            "fault": fault,
            "status": None,
            "forwarded": False,
        }
        if self._record:
            self.log.append(entry)

        if fault == "drop_before":
            return False, False
        if fault == "reset":
            return False, True
        if fault in ("error_502", "error_503"):
            status, reason = (502, "Bad Gateway") if fault == "error_502" else (503, "Service Unavailable")
            entry["status"] = status
            self._send(connection, _error_response(status, reason))
            return not request.wants_close(), False
        if fault == "throttle_429":
            entry["status"] = 429
            headers = [("Retry-After", str(rates.retry_after_s))]
            self._send(connection, _error_response(429, "Too Many Requests", headers))
            return not request.wants_close(), False
        if fault == "delay" and self._stopped.wait(delay_s):
            return False, False

        response = self._forward(request, upstream)
        if response is None:
            with self._lock:
                self.counts["upstream_unavailable"] += 1
            entry["status"] = 502
            self._send(connection, _error_response(502, "Bad Gateway"))
            return not request.wants_close(), False
        with self._lock:
            self.counts["forwarded"] += 1
        entry["status"] = int(response.split(b" ", 2)[1])
        entry["forwarded"] = True
        if fault == "drop_after":
            return False, False
        self._send(connection, response)
        return not request.wants_close(), False

    def _forward(self, request: ProxiedRequest, upstream: tuple[str, int]) -> Optional[bytes]:
        """Send the request upstream on a new connection and return the whole response, or None on failure."""
        connection = http.client.HTTPConnection(upstream[0], upstream[1], timeout=self._upstream_timeout_s)
        try:
            connection.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers:
                if name.lower() not in _HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.putheader("Connection", "close")
            connection.endheaders(request.body or None)
            upstream_response = connection.getresponse()
            body = upstream_response.read()
            status, reason = upstream_response.status, upstream_response.reason
            header_items = upstream_response.getheaders()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

        lines = [f"HTTP/1.1 {status} {reason}"]
        for name, value in header_items:
            lowered = name.lower()
            if lowered in _HOP_BY_HOP:
                continue
            if lowered == "content-length" and request.method != "HEAD":
                continue
            lines.append(f"{name}: {value}")
        if request.method != "HEAD" and status not in (204, 304) and not 100 <= status < 200:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body

    @staticmethod
    def _send(connection: socket.socket, data: bytes) -> None:
        try:
            connection.sendall(data)
        except OSError:
            pass


def _draw_fault(rng: random.Random, rates: FaultRates) -> Optional[str]:
    draw = rng.random()
    total = 0.0
    for kind in FAULT_KINDS:
        total += getattr(rates, kind)
        if draw < total:
            return kind
    return None


def _error_response(status: int, reason: str, headers: Optional[list[tuple[str, str]]] = None) -> bytes:
    body = _ERROR_PAGE.format(status=status, reason=reason).encode("utf-8")
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: text/html; charset=utf-8"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def read_request(reader: BinaryIO) -> Optional[ProxiedRequest]:
    """Read one HTTP/1.x request with a Content-Length body (or none) from a buffered socket reader.

    Returns None when the client closed the connection before a request started. Raises BadRequestError for a
    malformed request line or header, a line over 64 KiB, more than 100 headers, a chunked body or a body
    over 64 MiB, and OSError (socket.timeout included) when the connection fails.
    """
    line = reader.readline(MAX_LINE_BYTES + 1)
    while line in (b"\r\n", b"\n"):
        line = reader.readline(MAX_LINE_BYTES + 1)
    if not line:
        return None
    parts = line.decode("latin-1").strip().split(" ")
    if len(line) > MAX_LINE_BYTES or len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequestError(f"invalid request line {line[:80]!r}")
    method, target, version = parts

    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline(MAX_LINE_BYTES + 1)
        if not line:
            raise BadRequestError("connection closed inside the request headers")
        if line in (b"\r\n", b"\n"):
            break
        if len(line) > MAX_LINE_BYTES or len(headers) >= MAX_HEADER_LINES or b":" not in line:
            raise BadRequestError(f"invalid header line {line[:80]!r}")
        name, value = line.decode("latin-1").split(":", 1)
        headers.append((name.strip(), value.strip()))

    request = ProxiedRequest(method, target, version, headers, b"")
    if "chunked" in (request.header("Transfer-Encoding") or "").lower():
        raise BadRequestError("chunked request bodies are not supported")
    length_text = request.header("Content-Length") or "0"
    if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
        raise BadRequestError(f"invalid Content-Length {length_text!r}")
    length = int(length_text)
    body = reader.read(length) if length else b""
    if len(body) != length:
        raise BadRequestError("connection closed inside the request body")
    request.body = body
    return request


def _parse_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the proxy until Ctrl-C and print the counts on exit."""
    parser = argparse.ArgumentParser(description="Loopback HTTP proxy that injects network faults.")
    parser.add_argument(
        "--upstream", type=_parse_address, required=True, help="upstream HOST:PORT (loopback only)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on, 0 for a free one (default: 0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault RNG (default: 0)")
    for rate_field in fields(FaultRates):
        option = "--" + rate_field.name.replace("_", "-")
        kind = "probability per request" if rate_field.name in FAULT_KINDS else "value"
        parser.add_argument(option, type=type(rate_field.default), default=rate_field.default, help=kind)
    args = parser.parse_args(argv)

    rates = FaultRates(
        **{rate_field.name: getattr(args, rate_field.name) for rate_field in fields(FaultRates)}
    )
    try:
        proxy = ChaosProxy(args.upstream, rates, seed=args.seed, port=args.port)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}")
        return 1
    proxy.start()
    print(f"listening on {proxy.url}, forwarding to {args.upstream[0]}:{args.upstream[1]}", flush=True)
    print(f"fault rates: {asdict(rates)}", flush=True)
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
    print(f"counts: {dict(proxy.counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
