"""HTTP client for the SOS API v1 (the only module of the plugin that speaks HTTP).

The client always sends connect and read timeouts and always verifies TLS. The read timeout bounds each
socket read, so a server that trickles its response a byte at a time would never trip it. Each attempt
therefore also has a total deadline (``ClientConfig.total_timeout_s``) and a maximum body size
(``ClientConfig.max_body_bytes``): the body is streamed in chunks and the connection is shut down when the
deadline passes. It retries idempotent requests
with exponential backoff and full jitter, follows redirects itself so that the bearer token only goes to
the origin of ``base_url``, and decodes JSON from the raw bytes as UTF-8 whatever charset the
``Content-Type`` header declares. Every failure is raised as a subclass of :class:`SosError`. The token is
removed from every message and details text, and log lines carry no response body, so no phone number.

Each error also carries ``template`` and ``values``: the English message is ``template.format(**values)``,
so the QGIS side can translate the template and fill in the same values.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote, unquote, urljoin, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from .errors import QT_TRANSLATE_NOOP, SosError

LOGGER = logging.getLogger("sos_qgis_plugin")

CASES_PATH = "/collections/cases"
ITEMS_PATH = CASES_PATH + "/items"
STATUS_CHANGES_PATH = CASES_PATH + "/status-changes"

#: The server accepts at most this many changes in one batch request.
MAX_BATCH_CHANGES = 1000
#: Redirects followed for one request before giving up.
MAX_REDIRECTS = 5

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_OUTCOMES = frozenset({"ok", "not_found", "conflict", "invalid", "failed"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Bytes asked for per read of a response body.
_CHUNK_BYTES = 64 * 1024
_MIB = 1024 * 1024


# --- errors ------------------------------------------------------------------------------------------


class ApiError(SosError):
    """The server returned an error status or a body the client cannot use."""

    def __init__(
        self,
        message: str,
        details: str = "",
        *,
        status: int | None = None,
        problem: dict | None = None,
    ) -> None:
        super().__init__(message, details)
        self.status = status
        self.problem: dict = problem if problem is not None else {}
        self.template = message
        self.values: dict[str, Any] = {}


class AuthenticationError(ApiError):
    """HTTP 401: the token is missing, unknown or expired, so the user has to sign in again."""


class ForbiddenError(ApiError):
    """HTTP 403: the token is valid but its role does not allow the request."""


class NotFoundError(ApiError):
    """HTTP 404: the case or path does not exist on the server."""


class ConflictError(ApiError):
    """HTTP 412: someone changed the case first. ``current`` is the server's current feature, or None."""

    def __init__(
        self, message: str, details: str = "", *, current: dict | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, details, **kwargs)
        self.current = current


class UnexpectedResponseError(ApiError):
    """The server returned a web page, a body that is not JSON, or JSON of the wrong shape."""


class NetworkError(SosError):
    """The connection failed, broke, or timed out before the whole response arrived."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message, details)
        self.template = message
        self.values: dict[str, Any] = {}


def _make_error(cls: type, template: str, values: dict[str, Any], details: str, **kwargs: Any) -> Any:
    """Build an error from a message template and log its details once, at WARNING."""
    LOGGER.warning("Request failed: %s", details)
    error = cls(template.format(**values), details, **kwargs)
    error.template = template
    error.values = values
    return error


# --- data --------------------------------------------------------------------------------------------


@dataclass
class ClientConfig:
    """Connection settings of one SOS service.

    ``ca_bundle`` is the path of a PEM file with the certificate authorities to trust; None uses the
    default bundle of requests (certifi). TLS certificates are verified in every case.

    Timeouts are in seconds. ``connect_timeout_s`` bounds opening the connection and ``read_timeout_s``
    bounds each wait for data from the socket. ``total_timeout_s`` bounds one attempt (redirects included)
    from sending the request to the last byte of the body, so a server that keeps sending a byte now and
    then cannot hold the client longer. Each retry gets a new ``total_timeout_s``. ``max_body_bytes`` is
    the largest response body the client reads (64 MiB by default). A larger body raises
    UnexpectedResponseError.
    """

    base_url: str
    token: str | None = None
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    total_timeout_s: float = 120.0
    max_body_bytes: int = 64 * _MIB
    proxies: dict[str, str] | None = None
    ca_bundle: str | None = None
    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    user_agent: str = "sos-qgis-plugin"

    def __repr__(self) -> str:
        # The default dataclass repr would print the token into any log or traceback that shows the config.
        token = "set" if self.token else "None"
        return f"ClientConfig(base_url={self.base_url!r}, token={token})"


@dataclass
class CasesPage:
    """One page of ``GET /collections/cases/items``."""

    features: list[dict]
    next_url: str | None
    next_updated_since: str | None
    number_returned: int


@dataclass
class StatusChange:
    """One item of a batch status change. With ``if_version`` None it applies to the current version.

    ``team`` names the team sent to the case; the server keeps it in the history entry.
    """

    case_id: str
    status: str
    note: str | None = None
    if_version: int | None = None
    team: str | None = None


@dataclass
class ChangeResult:
    """The server's result for one batch item.

    ``outcome`` is ``ok``, ``not_found``, ``conflict``, ``invalid`` or ``failed`` (any outcome the client
    does not know). ``case`` is the changed case for ``ok`` and the current case for ``conflict``.
    """

    case_id: str
    outcome: str
    detail: str | None
    case: dict | None


@dataclass(frozen=True)
class HttpReply:
    """A response whose body has been read in full: status, headers, final URL, reason phrase and body."""

    status_code: int
    headers: Mapping[str, str]
    url: str
    reason: str
    content: bytes


class _TotalTimeoutError(Exception):
    """The attempt ran past ClientConfig.total_timeout_s before the whole response arrived."""


# Failures of one attempt that a retry may cure.
_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    _TotalTimeoutError,
)


class _Watchdog:
    """Shut down the socket of a response whose body is still being read when the deadline passes.

    A read inside a chunk blocks until the whole chunk arrives, so checking the clock between chunks is not
    enough against a trickle. Shutting the socket down wakes that read, which then returns what it has or
    raises. ``fired`` is True when the deadline, not the server, ended the body.
    """

    def __init__(self, response: requests.Response, seconds: float) -> None:
        self.fired = False
        self._response = response
        self._lock = threading.Lock()
        self._stopped = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            # urllib3 (1.26 and 2.x) keeps the connection on the response until the body is read, and
            # http.client's connection keeps its socket in ``sock``.
            connection = getattr(self._response.raw, "connection", None)
            sock = getattr(connection, "sock", None)
            if sock is None:
                return
            try:
                # The plain socket method, also for TLS: ssl.SSLSocket.shutdown would first drop the TLS
                # state that the reading thread is still using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError as exc:
                LOGGER.debug("Socket shutdown at the deadline failed: %s", exc)


# --- client ------------------------------------------------------------------------------------------


class SosClient:
    """Client for one SOS service. Not thread-safe: give each worker thread its own client."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        parts = urlsplit(config.base_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"base_url must be an http or https URL, got {config.base_url!r}")
        if not config.total_timeout_s > 0:
            raise ValueError(f"total_timeout_s must be more than 0, got {config.total_timeout_s!r}")
        if not config.max_body_bytes > 0:
            raise ValueError(f"max_body_bytes must be more than 0, got {config.max_body_bytes!r}")
        self.config = config
        self._base_url = config.base_url.rstrip("/")
        self._origin = _origin(self._base_url)
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()

    def close(self) -> None:
        """Close the connections of the session this client created; an injected session stays open."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> SosClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- API calls

    def get_collection(self) -> dict:
        """Fetch the metadata of the cases collection, which also checks the URL and the token.

        Raises AuthenticationError, ForbiddenError, NetworkError or another ApiError when the check fails.
        """
        return self._request_json("GET", CASES_PATH, idempotent=True)

    def list_cases_page(
        self,
        *,
        updated_since: str | None = None,
        status: list[str] | None = None,
        bbox: tuple | None = None,
        limit: int = 1000,
        next_url: str | None = None,
    ) -> CasesPage:
        """Fetch one page of cases.

        The first call builds the query from the filters. ``updated_since`` is an RFC 3339 time
        (inclusive), ``bbox`` is (min lon, min lat, max lon, max lat) in WGS 84 degrees, and ``limit`` is
        the page size (the server allows 1 to 10000). Later calls pass the previous page's ``next_url``,
        which already carries the cursor and the filters, so the other arguments are ignored.
        Raises UnexpectedResponseError when the body is not a FeatureCollection.
        """
        if next_url:
            body = self._request_json("GET", next_url, idempotent=True)
        else:
            params: dict[str, str] = {"limit": str(limit)}
            if updated_since:
                params["updated_since"] = updated_since
            if status:
                params["status"] = ",".join(status)
            if bbox:
                params["bbox"] = ",".join(repr(float(value)) for value in bbox)
            body = self._request_json("GET", ITEMS_PATH, params=params, idempotent=True)

        features = body.get("features") if isinstance(body, dict) else None
        if not isinstance(features, list):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server's list of cases is not a GeoJSON FeatureCollection.")  # noqa: E501  # fmt: skip
            raise _make_error(
                UnexpectedResponseError,
                template,
                {},
                f"GET {ITEMS_PATH}: no 'features' list in the body",
            )
        number_returned = body.get("numberReturned")
        if not isinstance(number_returned, int):
            number_returned = len(features)
        next_updated_since = body.get("next_updated_since")
        return CasesPage(
            features=features,
            next_url=_next_link(body.get("links")),
            next_updated_since=next_updated_since if isinstance(next_updated_since, str) else None,
            number_returned=number_returned,
        )

    def get_case(self, case_id: str) -> tuple[dict, int]:
        """Fetch one case and its version.

        The version comes from the ``ETag`` header, or from the ``version`` property when the header is
        missing. Raises NotFoundError for an unknown id and UnexpectedResponseError when neither gives an
        integer version.
        """
        path = _item_path(case_id)
        response = self._request("GET", path, idempotent=True)
        feature = self._decode_json(response, "GET", path)
        version = _version_from_etag(response.headers.get("ETag"))
        if version is None and isinstance(feature, dict):
            value = (feature.get("properties") or {}).get("version")
            version = value if isinstance(value, int) and not isinstance(value, bool) else None
        if version is None:
            template = QT_TRANSLATE_NOOP("SosErrors", "The server sent case {case_id} without a version.")
            raise _make_error(
                UnexpectedResponseError,
                template,
                {"case_id": case_id},
                f"GET {path}: no ETag and no integer 'version' property",
            )
        return feature, version

    def set_status(
        self, case_id: str, status: str, *, version: int, note: str | None = None, team: str | None = None
    ) -> dict:
        """Change the status of one case if its version on the server is still ``version``.

        ``team`` names the team sent to the case (at most 100 characters, one line). Returns the changed
        case. Raises ConflictError (with ``current``, the server's current case) when the version differs,
        NotFoundError for an unknown id and ApiError (HTTP 422) for an unknown status or an invalid team.
        """
        document: dict[str, Any] = {"status": status}
        if note is not None:
            document["note"] = note
        if team is not None:
            document["team"] = team
        # If-Match makes the PATCH idempotent: a retry after a lost response gets 412, never a second change.
        # NOTE: that 412 then reports a conflict with our own change; the caller sees both values and decides.
        return self._request_json(
            "PATCH",
            _item_path(case_id),
            json_body=document,
            headers={"If-Match": f'"{int(version)}"'},
            idempotent=True,
        )

    def set_statuses(self, changes: list[StatusChange], *, idempotency_key: str) -> list[ChangeResult]:
        """Send many status changes in one request and return one result per change, in the same order.

        ``idempotency_key`` (a UUID, new for each batch) lets the server return the stored results for
        a retried batch instead of applying it twice, so the request is retried like a GET. Raises
        ValueError for more than MAX_BATCH_CHANGES changes or an empty key, and UnexpectedResponseError
        when the results do not match the changes one to one.
        """
        if not idempotency_key:
            raise ValueError("idempotency_key must not be empty")
        if len(changes) > MAX_BATCH_CHANGES:
            raise ValueError(f"at most {MAX_BATCH_CHANGES} changes per batch, got {len(changes)}")
        if not changes:
            return []

        items = []
        for change in changes:
            item: dict[str, Any] = {"id": change.case_id, "status": change.status}
            if change.note is not None:
                item["note"] = change.note
            if change.team is not None:
                item["team"] = change.team
            if change.if_version is not None:
                item["if_version"] = int(change.if_version)
            items.append(item)

        body = self._request_json(
            "POST",
            STATUS_CHANGES_PATH,
            json_body={"changes": items},
            headers={"Idempotency-Key": idempotency_key},
            idempotent=True,
            # 409 means that the server is still applying an earlier try with this key, after a timeout.
            retry_statuses=_RETRY_STATUSES | {409},
        )
        return _parse_change_results(body, changes)

    def create_case(self, feature: dict, *, idempotency_key: str | None = None) -> dict:
        """Create a case from a GeoJSON Feature and return the case as the server stored it.

        Without ``idempotency_key`` the request is sent once and never retried, because a retry after a
        lost response could create the case twice. With a key it is sent in the ``Idempotency-Key`` header
        and retried like the batch request.
        NOTE: the reference server ignores that header on this path. It updates the existing case when the
        feature's non-empty external_id and source match one, so only such features are safe to retry there.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._request_json(
            "POST", ITEMS_PATH, json_body=feature, headers=headers, idempotent=bool(idempotency_key)
        )

    def get_history(self, case_id: str) -> list[dict]:
        """Fetch the history entries of one case, oldest first. Raises NotFoundError for an unknown id."""
        path = _item_path(case_id) + "/history"
        body = self._request_json("GET", path, idempotent=True)
        entries = body.get("entries") if isinstance(body, dict) else None
        if not isinstance(entries, list):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server's history of case {case_id} has no list of entries.")  # noqa: E501  # fmt: skip
            raise _make_error(
                UnexpectedResponseError,
                template,
                {"case_id": case_id},
                f"GET {path}: no 'entries' list in the body",
            )
        return entries

    # --- transport

    def _request_json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        response = self._request(method, path_or_url, **kwargs)
        return self._decode_json(response, method, urlsplit(response.url or path_or_url).path)

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool,
        retry_statuses: frozenset[int] = _RETRY_STATUSES,
    ) -> HttpReply:
        """Send one request with retries and redirects, and raise the matching error for a non-2xx status.

        Each attempt reads the whole body within ClientConfig.total_timeout_s. A connection failure, a
        timeout or a body cut short is retried for an idempotent request and raised as NetworkError after
        the last attempt. A body above ClientConfig.max_body_bytes raises UnexpectedResponseError at once.
        """
        url = path_or_url if "://" in path_or_url else self._base_url + path_or_url
        data = None
        extra_headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            extra_headers["Content-Type"] = "application/json; charset=utf-8"

        attempt = 0
        while True:
            path = urlsplit(url).path
            LOGGER.debug("%s %s started", method, path)
            deadline = time.monotonic() + self.config.total_timeout_s
            try:
                response = self._send_following_redirects(method, url, params, data, extra_headers, deadline)
            except _TRANSPORT_ERRORS as exc:
                if not idempotent or attempt >= self.config.max_retries:
                    raise self._network_error(method, url, exc) from None
                delay = self._backoff(attempt)
                LOGGER.warning(
                    "%s %s failed (%s), retry %d of %d in %.1f s",
                    method,
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    self.config.max_retries,
                    delay,
                )
            else:
                if 200 <= response.status_code < 300:
                    return response
                retryable = response.status_code in retry_statuses
                if not retryable or not idempotent or attempt >= self.config.max_retries:
                    raise self._status_error(method, path, response)
                delay = self._retry_after(response.headers.get("Retry-After"))
                if delay is None:
                    delay = self._backoff(attempt)
                LOGGER.warning(
                    "%s %s failed (HTTP %d), retry %d of %d in %.1f s",
                    method,
                    path,
                    response.status_code,
                    attempt + 1,
                    self.config.max_retries,
                    delay,
                )
            self._sleep(delay)
            attempt += 1

    def _send_following_redirects(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        data: bytes | None,
        extra_headers: dict[str, str],
        deadline: float,
    ) -> HttpReply:
        """Send the request, follow up to MAX_REDIRECTS redirects, and read the final response's body.

        ``deadline`` is a time.monotonic() value; passing it raises _TotalTimeoutError.

        The token goes only to the origin (scheme, host and port) of ``base_url``. A GET follows a
        redirect to another origin without the token. A write follows only a 307 or 308 redirect within
        the same origin, because these keep the method and body. Any other redirect of a write raises
        UnexpectedResponseError, so that a change is never sent to a server the user did not configure.
        """
        for _ in range(MAX_REDIRECTS + 1):
            headers = {
                "User-Agent": self.config.user_agent,
                "Accept": "application/geo+json, application/json",
            }
            headers.update(extra_headers)
            if self.config.token and _origin(url) == self._origin:
                headers["Authorization"] = f"Bearer {self.config.token}"
            response = self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=(self.config.connect_timeout_s, self.config.read_timeout_s),
                verify=self.config.ca_bundle or True,
                proxies=self.config.proxies,
                allow_redirects=False,
                stream=True,
            )
            # NOTE: the deadline is checked only once the headers have arrived, so headers sent a byte at a
            # time are bounded by read_timeout_s per read alone.
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return self._read_reply(method, response, deadline)

            target = urljoin(response.url or url, location)
            response.close()
            if time.monotonic() >= deadline:
                raise _TotalTimeoutError(f"deadline passed after a redirect to {_host_label(target)}")
            keeps_write = response.status_code in (307, 308) and _origin(target) == self._origin
            if method != "GET" and not keeps_write:
                template = QT_TRANSLATE_NOOP("SosErrors", "The server redirected a change (HTTP {status}) to {host}. The change was not sent there. Check the service URL.")  # noqa: E501  # fmt: skip
                raise _make_error(
                    UnexpectedResponseError,
                    template,
                    {"status": response.status_code, "host": _host_label(target)},
                    f"{method} {urlsplit(url).path}: HTTP {response.status_code} to "
                    f"{_host_label(target)}{urlsplit(target).path}",
                    status=response.status_code,
                )
            LOGGER.debug(
                "%s redirected to %s%s", urlsplit(url).path, _host_label(target), urlsplit(target).path
            )
            url, params = target, None

        template = QT_TRANSLATE_NOOP("SosErrors", "The server redirected the request more than {count} times. Check the service URL.")  # noqa: E501  # fmt: skip
        raise _make_error(
            UnexpectedResponseError,
            template,
            {"count": MAX_REDIRECTS},
            f"{method} {urlsplit(url).path}: too many redirects",
        )

    def _read_reply(self, method: str, response: requests.Response, deadline: float) -> HttpReply:
        """Read the body of a streamed response within the deadline and the size limit; close it on failure.

        Raises _TotalTimeoutError when the deadline passes first, UnexpectedResponseError when the body
        (or its Content-Length) is larger than ClientConfig.max_body_bytes, and the requests exception of a
        read that timed out or of a connection that broke.
        """
        path = urlsplit(response.url or "").path
        limit = self.config.max_body_bytes
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise self._size_error(method, path, response.status_code, f"Content-Length {declared}")

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            response.close()
            raise _TotalTimeoutError(f"deadline passed before the body of HTTP {response.status_code}")
        watchdog = _Watchdog(response, remaining)
        chunks: list[bytes] = []
        size = 0
        complete = False
        watchdog.start()
        try:
            for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise self._size_error(method, path, response.status_code, f"{size} bytes read so far")
                chunks.append(chunk)
                if watchdog.fired or time.monotonic() >= deadline:
                    break
            complete = True
        except requests.RequestException as exc:
            if watchdog.fired:
                raise _TotalTimeoutError(f"deadline passed after {size} bytes of the body") from None
            if isinstance(exc, requests.ConnectionError) and _wraps_read_timeout(exc):
                # requests reports a read timeout inside the body as a ConnectionError.
                raise requests.exceptions.ReadTimeout(str(exc)) from None
            raise
        finally:
            watchdog.stop()
            if not complete:
                response.close()
        if watchdog.fired or time.monotonic() >= deadline:
            # The shutdown may end the body early without an error, so a body read past the deadline is
            # never trusted.
            response.close()
            raise _TotalTimeoutError(f"deadline passed after {size} bytes of the body")
        return HttpReply(
            status_code=response.status_code,
            headers=response.headers,
            url=response.url or "",
            reason=response.reason or "",
            content=b"".join(chunks),
        )

    def _size_error(self, method: str, path: str, status: int, seen: str) -> UnexpectedResponseError:
        limit = self.config.max_body_bytes
        template = QT_TRANSLATE_NOOP("SosErrors", "The server's response is larger than {megabytes:g} MiB, so it was not read. Check the service URL, or ask for fewer cases per page.")  # noqa: E501  # fmt: skip
        return _make_error(
            UnexpectedResponseError,
            template,
            {"megabytes": round(limit / _MIB, 2)},
            f"{method} {path}: HTTP {status}, {seen}, limit {limit} bytes",
            status=status,
        )

    # --- delays

    def _backoff(self, attempt: int) -> float:
        """Return a full-jitter delay in seconds: uniform in [0, min(max, base * 2**attempt)]."""
        ceiling = min(self.config.backoff_max_s, self.config.backoff_base_s * (2**attempt))
        return self._rng.uniform(0.0, ceiling)

    def _retry_after(self, value: str | None) -> float | None:
        """Return the Retry-After delay in seconds (delta seconds or HTTP date), capped by backoff_max_s."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            if when is None or when.tzinfo is None:
                return None
            seconds = when.timestamp() - time.time()
        return min(max(seconds, 0.0), self.config.backoff_max_s)

    # --- errors

    def _network_error(self, method: str, url: str, exc: Exception) -> NetworkError:
        host = _host_label(url)
        path = urlsplit(url).path
        # ConnectTimeout is also a Timeout, and SSLError and ProxyError are also ConnectionErrors, so the
        # order of these tests matters.
        if isinstance(exc, _TotalTimeoutError):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server {host} did not answer in full within {seconds:g} seconds. Try again later.")  # noqa: E501  # fmt: skip
            params: dict[str, Any] = {"host": host, "seconds": self.config.total_timeout_s}
        elif isinstance(exc, requests.ConnectTimeout):
            template = QT_TRANSLATE_NOOP("SosErrors", "Could not connect to {host} within {seconds:g} seconds. Check the network and the proxy.")  # noqa: E501  # fmt: skip
            params = {"host": host, "seconds": self.config.connect_timeout_s}
        elif isinstance(exc, requests.Timeout):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server {host} did not answer within {seconds:g} seconds. Try again later.")  # noqa: E501  # fmt: skip
            params = {"host": host, "seconds": self.config.read_timeout_s}
        elif isinstance(exc, requests.exceptions.SSLError):
            template = QT_TRANSLATE_NOOP("SosErrors", "The secure connection to {host} failed: its certificate is not trusted.")  # noqa: E501  # fmt: skip
            params = {"host": host}
        elif isinstance(exc, requests.exceptions.ProxyError):
            template = QT_TRANSLATE_NOOP("SosErrors", "Could not connect to {host} through the proxy. Check the proxy settings.")  # noqa: E501  # fmt: skip
            params = {"host": host}
        elif isinstance(
            exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
        ):
            template = QT_TRANSLATE_NOOP("SosErrors", "The connection to {host} broke before the whole response arrived. Try again.")  # noqa: E501  # fmt: skip
            params = {"host": host}
        else:
            template = QT_TRANSLATE_NOOP("SosErrors", "Could not connect to {host}. Check the network and the service URL.")  # noqa: E501  # fmt: skip
            params = {"host": host}
        details = self._scrub(f"{method} {path}: {type(exc).__name__}: {exc}")
        return _make_error(NetworkError, template, params, details)

    def _status_error(self, method: str, path: str, response: HttpReply) -> ApiError:
        status = response.status_code
        problem = _problem_document(response)
        title = str(problem.get("title") or "").strip()
        detail = str(problem.get("detail") or "").strip()
        # The details keep only the problem's type, title and detail: a 412 body carries the whole case,
        # and with it the reporter's phone number.
        details = self._scrub(
            f"{method} {path}: HTTP {status}, Content-Type {response.headers.get('Content-Type', '')!r}, "
            f"{len(response.content)} bytes, type {problem.get('type')!r}, title {title!r}, detail {detail!r}"
        )
        explanation = self._scrub(detail or title or response.reason or "")
        params: dict[str, Any] = {"status": status, "explanation": explanation}
        kwargs: dict[str, Any] = {"status": status, "problem": problem}

        if status == 401:
            template = QT_TRANSLATE_NOOP("SosErrors", "The server did not accept the sign-in (HTTP {status}). Sign in again.")  # noqa: E501  # fmt: skip
            return _make_error(
                AuthenticationError,
                template,
                params,
                details,
                **kwargs,
            )
        if status == 403:
            template = QT_TRANSLATE_NOOP("SosErrors", "Your account is not allowed to do this (HTTP {status}): {explanation}")  # noqa: E501  # fmt: skip
            return _make_error(
                ForbiddenError,
                template,
                params,
                details,
                **kwargs,
            )
        if status == 404:
            template = QT_TRANSLATE_NOOP("SosErrors", "Not found on the server (HTTP {status}): {explanation}")  # noqa: E501  # fmt: skip
            return _make_error(
                NotFoundError,
                template,
                params,
                details,
                **kwargs,
            )
        if status == 412:
            current = problem.get("current")
            template = QT_TRANSLATE_NOOP("SosErrors", "Someone else changed this case first (HTTP {status}). Compare both values and decide.")  # noqa: E501  # fmt: skip
            return _make_error(
                ConflictError,
                template,
                params,
                details,
                current=current if isinstance(current, dict) else None,
                **kwargs,
            )
        if _is_html(response):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server answered with a web page (HTTP {status}). Check the service URL and the proxy.")  # noqa: E501  # fmt: skip
            return _make_error(
                UnexpectedResponseError,
                template,
                params,
                details,
                **kwargs,
            )
        if status == 429:
            template = QT_TRANSLATE_NOOP("SosErrors", "The server is busy and asked to slow down (HTTP {status}). Try again in a minute.")  # noqa: E501  # fmt: skip
            return _make_error(
                ApiError,
                template,
                params,
                details,
                **kwargs,
            )
        if status >= 500:
            template = QT_TRANSLATE_NOOP("SosErrors", "The server failed to handle the request (HTTP {status}): {explanation}")  # noqa: E501  # fmt: skip
            return _make_error(
                ApiError,
                template,
                params,
                details,
                **kwargs,
            )
        template = QT_TRANSLATE_NOOP("SosErrors", "The server rejected the request (HTTP {status}): {explanation}")  # noqa: E501  # fmt: skip
        return _make_error(
            ApiError,
            template,
            params,
            details,
            **kwargs,
        )

    def _decode_json(self, response: HttpReply, method: str, path: str) -> Any:
        """Decode the body as UTF-8 JSON whatever its Content-Type, and reject HTML pages."""
        status = response.status_code
        base_details = (
            f"{method} {path}: HTTP {status}, Content-Type {response.headers.get('Content-Type', '')!r}"
        )
        if _is_html(response):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server answered with a web page (HTTP {status}). Check the service URL and the proxy.")  # noqa: E501  # fmt: skip
            raise _make_error(
                UnexpectedResponseError,
                template,
                {"status": status},
                base_details,
                status=status,
            )
        try:
            # utf-8-sig also accepts a body that starts with a byte order mark.
            return json.loads(response.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            template = QT_TRANSLATE_NOOP("SosErrors", "The server answered with data that is not JSON (HTTP {status}).")  # noqa: E501  # fmt: skip
            raise _make_error(
                UnexpectedResponseError,
                template,
                {"status": status},
                self._scrub(f"{base_details}: {type(exc).__name__}: {exc}"),
                status=status,
            ) from None

    def _scrub(self, text: str) -> str:
        """Remove the token and proxy passwords from text bound for a log or an exception.

        Library messages may echo a proxy URL with its credentials, and a server may echo a header.
        """
        secrets = [self.config.token or ""]
        for proxy_url in (self.config.proxies or {}).values():
            parts = urlsplit(proxy_url)
            secrets += [parts.password or "", unquote(parts.password or "")]
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


# --- helpers -----------------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _host_label(url: str) -> str:
    """Return host[:port] of a URL, without any user name or password it may carry."""
    scheme, host, port = _origin(url)
    if ":" in host:
        host = f"[{host}]"
    return host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def _wraps_read_timeout(exc: requests.ConnectionError) -> bool:
    """Return True when requests raised ConnectionError for a urllib3 read timeout while reading a body."""
    return any(isinstance(arg, ReadTimeoutError) for arg in exc.args)


def _item_path(case_id: str) -> str:
    return f"{ITEMS_PATH}/{quote(str(case_id), safe='')}"


def _is_html(response: HttpReply) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return "text/html" in content_type or response.content.lstrip()[:1] == b"<"


def _problem_document(response: HttpReply) -> dict:
    """Return the JSON object in an error body, or {} when the body is not a JSON object."""
    if _is_html(response):
        return {}
    try:
        document = json.loads(response.content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _version_from_etag(etag: str | None) -> int | None:
    """Return the integer in an ETag such as ``"3"`` or ``W/"3"``, or None."""
    if not etag:
        return None
    value = etag.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isdigit() else None


def _next_link(links: object) -> str | None:
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None


def _parse_change_results(body: object, changes: list[StatusChange]) -> list[ChangeResult]:
    """Pair the batch results with the changes sent, checking count and ids."""
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or len(results) != len(changes):
        count = len(results) if isinstance(results, list) else 0
        template = QT_TRANSLATE_NOOP("SosErrors", "The server returned {count} results for {expected} status changes.")  # noqa: E501  # fmt: skip
        raise _make_error(
            UnexpectedResponseError,
            template,
            {"count": count, "expected": len(changes)},
            f"POST {STATUS_CHANGES_PATH}: results do not match the changes",
        )

    parsed = []
    for change, result in zip(changes, results):
        result = result if isinstance(result, dict) else {}
        result_id = result.get("id", change.case_id)
        if str(result_id) != str(change.case_id):
            template = QT_TRANSLATE_NOOP("SosErrors", "The server returned the result for case {result_id} where case {case_id} was expected.")  # noqa: E501  # fmt: skip
            raise _make_error(
                UnexpectedResponseError,
                template,
                {"result_id": result_id, "case_id": change.case_id},
                f"POST {STATUS_CHANGES_PATH}: results out of order",
            )
        outcome = result.get("outcome")
        detail = result.get("detail")
        case = result.get("case")
        parsed.append(
            ChangeResult(
                case_id=change.case_id,
                outcome=outcome if outcome in _OUTCOMES else "failed",
                detail=str(detail) if detail is not None else None,
                case=case if isinstance(case, dict) else None,
            )
        )
    return parsed
