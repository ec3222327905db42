"""Rate limit on citizen intake: the token buckets with a fake clock, and real servers with low limits."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
import requests

from sos_server.domain import CaseService
from sos_server.ratelimit import IntakeRateLimiter, RateLimit, address_bucket_key
from sos_server.storage import SqlCaseStore
from tests.conftest import REPO_ROOT, ROLES, SERVER_START_TIMEOUT_S, SosServer

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"
TOKEN_A = "sha256-of-token-a"
TOKEN_B = "sha256-of-token-b"
FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [108.05, 12.67]},
    "properties": {"people_count": 3, "description": "Nhà ngập tới mái, cần cứu hộ", "source": "test"},
}


class FakeClock:
    """A clock for the limiter that moves only when a test advances it, in seconds."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_limiter(
    per_token: RateLimit | None = None, per_address: RateLimit | None = None
) -> tuple[IntakeRateLimiter, FakeClock]:
    clock = FakeClock()
    return IntakeRateLimiter(per_token=per_token, per_address=per_address, clock=clock), clock


# The buckets, with a fake clock


def test_bucket_allows_burst():
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=6, burst=2))
    decisions = [limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5") for _ in range(2)]
    assert all(decision.allowed for decision in decisions)


def test_bucket_over_burst_rejected():
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=6, burst=2))
    for _ in range(2):
        limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    decision = limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    assert not decision.allowed
    # 6 per minute refills one unit every 10 seconds.
    assert decision.retry_after_s == 10


def test_bucket_refills_after_retry_after():
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=6, burst=2))
    for _ in range(2):
        limiter.acquire(TOKEN_A, "intake-a", None)
    rejected = limiter.acquire(TOKEN_A, "intake-a", None)
    clock.advance(rejected.retry_after_s)
    assert limiter.acquire(TOKEN_A, "intake-a", None).allowed


def test_bucket_partial_refill_retry_after():
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=6, burst=1))
    limiter.acquire(TOKEN_A, "intake-a", None)
    clock.advance(4.5)
    decision = limiter.acquire(TOKEN_A, "intake-a", None)
    assert not decision.allowed
    assert decision.retry_after_s == 6  # 5.5 seconds left, rounded up


def test_bucket_retry_after_at_least_one():
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=600, burst=1))
    limiter.acquire(TOKEN_A, "intake-a", None)
    decision = limiter.acquire(TOKEN_A, "intake-a", None)
    assert not decision.allowed
    assert decision.retry_after_s == 1  # 0.1 seconds left


def test_bucket_never_above_burst():
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=60, burst=2))
    clock.advance(3600)
    decisions = [limiter.acquire(TOKEN_A, "intake-a", None).allowed for _ in range(3)]
    assert decisions == [True, True, False]


def test_bucket_clock_going_back_adds_nothing():
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=60, burst=1))
    limiter.acquire(TOKEN_A, "intake-a", None)
    clock.advance(-3600)
    assert not limiter.acquire(TOKEN_A, "intake-a", None).allowed


def test_bucket_second_token_separate():
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=6, burst=1))
    limiter.acquire(TOKEN_A, "intake-a", None)
    assert not limiter.acquire(TOKEN_A, "intake-a", None).allowed
    assert limiter.acquire(TOKEN_B, "intake-b", None).allowed


def test_bucket_address_shared_by_tokens():
    limiter, _ = make_limiter(per_address=RateLimit(per_minute=6, burst=2))
    limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    limiter.acquire(TOKEN_B, "intake-b", "203.0.113.5")
    assert not limiter.acquire(TOKEN_B, "intake-b", "203.0.113.5").allowed
    assert limiter.acquire(TOKEN_B, "intake-b", "203.0.113.6").allowed


def test_bucket_rejection_takes_nothing():
    limiter, _ = make_limiter(
        per_token=RateLimit(per_minute=6, burst=3), per_address=RateLimit(per_minute=6, burst=1)
    )
    assert limiter.acquire(TOKEN_A, "intake-a", "203.0.113.1").allowed
    # The address is empty, so the token keeps its two remaining units for other addresses.
    assert not limiter.acquire(TOKEN_A, "intake-a", "203.0.113.1").allowed
    assert limiter.acquire(TOKEN_A, "intake-a", "203.0.113.2").allowed
    assert limiter.acquire(TOKEN_A, "intake-a", "203.0.113.3").allowed
    assert not limiter.acquire(TOKEN_A, "intake-a", "203.0.113.4").allowed


def test_bucket_retry_after_longest_wait():
    limiter, _ = make_limiter(
        per_token=RateLimit(per_minute=60, burst=1), per_address=RateLimit(per_minute=2, burst=1)
    )
    limiter.acquire(TOKEN_A, "intake-a", "203.0.113.1")
    decision = limiter.acquire(TOKEN_A, "intake-a", "203.0.113.1")
    assert decision.retry_after_s == 30  # the address bucket refills one unit in 30 seconds


def test_bucket_loopback_no_address_limit():
    limiter, _ = make_limiter(per_address=RateLimit(per_minute=6, burst=1))
    decisions = [
        limiter.acquire(TOKEN_A, "intake-a", address).allowed for address in ["127.0.0.1", "::1"] * 2
    ]
    assert all(decisions)


def test_bucket_unknown_address_no_address_limit():
    limiter, _ = make_limiter(per_address=RateLimit(per_minute=6, burst=1))
    decisions = [limiter.acquire(TOKEN_A, "intake-a", None).allowed for _ in range(3)]
    assert all(decisions)


def test_bucket_limits_off():
    limiter, _ = make_limiter()
    decisions = [limiter.acquire(TOKEN_A, "intake-a", "203.0.113.1").allowed for _ in range(100)]
    assert all(decisions)


def test_bucket_threads_take_exact_burst():
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=1, burst=200))
    allowed: list[bool] = []
    lock = threading.Lock()

    def send(count: int) -> None:
        for _ in range(count):
            decision = limiter.acquire(TOKEN_A, "intake-a", None)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=send, args=(50,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 400
    assert allowed.count(True) == 200


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", None),
        ("::1", None),
        ("::ffff:127.0.0.1", None),
        (None, None),
        ("", None),
        ("proxy-client.example", "proxy-client.example"),
    ],
)
def test_address_bucket_key(address, key):
    assert address_bucket_key(address) == key


def test_rate_limit_rejects_zero_rate():
    with pytest.raises(ValueError, match="per_minute"):
        RateLimit(per_minute=0, burst=1)


def test_rate_limit_rejects_zero_burst():
    with pytest.raises(ValueError, match="burst"):
        RateLimit(per_minute=1, burst=0)


def limit_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and "intake rate limit" in record.getMessage()
    ]


def test_warning_once_per_minute(caplog):
    caplog.set_level(logging.INFO, logger="sos_server")
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=1, burst=1))
    for _ in range(6):
        limiter.acquire(TOKEN_A, "Đội tiếp nhận 1", "203.0.113.5")
        clock.advance(5)
    assert len(limit_warnings(caplog)) == 1


def test_warning_counts_unlogged(caplog):
    caplog.set_level(logging.INFO, logger="sos_server")
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=0.5, burst=1))
    limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    for _ in range(5):
        limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    clock.advance(61)
    limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    warnings = limit_warnings(caplog)
    assert len(warnings) == 2
    assert "and 4 earlier" in warnings[1]


def test_warning_names_token_and_address(caplog):
    caplog.set_level(logging.INFO, logger="sos_server")
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=1, burst=1))
    for _ in range(2):
        limiter.acquire(TOKEN_A, "intake-a", "203.0.113.5")
    (warning,) = limit_warnings(caplog)
    assert "'intake-a'" in warning
    assert "'203.0.113.5'" in warning
    assert TOKEN_A not in warning


def test_warning_per_bucket(caplog):
    caplog.set_level(logging.INFO, logger="sos_server")
    limiter, _ = make_limiter(per_token=RateLimit(per_minute=1, burst=1))
    for token in (TOKEN_A, TOKEN_B):
        for _ in range(3):
            limiter.acquire(token, token, None)
    assert len(limit_warnings(caplog)) == 2


def test_prune_logs_unlogged_rejections(caplog):
    caplog.set_level(logging.INFO, logger="sos_server")
    # 6 per minute refills the bucket in 10 seconds, so it is full at the next prune.
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=6, burst=1))
    for _ in range(4):
        limiter.acquire(TOKEN_A, "intake-a", None)
    clock.advance(61)
    limiter.acquire(TOKEN_B, "intake-b", None)
    warnings = limit_warnings(caplog)
    assert len(warnings) == 2
    assert "rejected 2 more request(s) of 'intake-a'" in warnings[1]


def test_prune_keeps_behaviour():
    limiter, clock = make_limiter(per_token=RateLimit(per_minute=6, burst=2))
    limiter.acquire(TOKEN_A, "intake-a", None)
    clock.advance(61)
    # A pruned bucket starts full again, which is where the old one would have refilled to.
    decisions = [limiter.acquire(TOKEN_A, "intake-a", None).allowed for _ in range(3)]
    assert decisions == [True, True, False]


# A real server started with low limits


def start_server(folder: Path, *flags: str) -> SosServer:
    """Start ``python -m sos_server serve FLAGS`` with one token per role. Raises RuntimeError if it fails."""
    server = SosServer(db_path=folder / "sos.db", log_path=folder / "sos_server.log")
    store = SqlCaseStore.for_sqlite_file(str(server.db_path))
    try:
        service = CaseService(store)
        server.tokens = {role: service.create_token(role, name=f"test-{role}") for role in ROLES}
    finally:
        store.close()

    log_file = server.log_path.open("a", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "sos_server",
        "serve",
        "--db",
        str(server.db_path),
        "--port",
        "0",
        *flags,
    ]
    server.process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log_file, text=True, encoding="utf-8"
    )
    log_file.close()
    found = threading.Event()

    def read_stdout() -> None:
        # Drains stdout after the first line too, so the server never blocks on a full pipe.
        assert server.process is not None and server.process.stdout is not None
        for line in server.process.stdout:
            if line.startswith("listening on ") and not found.is_set():
                server.url = line[len("listening on ") :].strip()
                found.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    if not found.wait(SERVER_START_TIMEOUT_S):
        server.stop()
        raise RuntimeError(
            f"sos_server did not start; its log:\n{server.log_path.read_text(encoding='utf-8')}"
        )
    return server


@pytest.fixture
def limited_server(tmp_path: Path) -> Iterator[Callable[..., SosServer]]:
    """Start a server with the given serve flags; every server started is stopped after the test."""
    servers: list[SosServer] = []

    def start(*flags: str) -> SosServer:
        folder = tmp_path / f"server{len(servers)}"
        folder.mkdir()
        server = start_server(folder, *flags)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def post_case(server: SosServer, token: str | None = None, **headers: str) -> requests.Response:
    token = token or server.tokens["intake"]
    return requests.post(
        f"{server.url}{ITEMS}",
        json=FEATURE,
        headers={"Authorization": f"Bearer {token}", **headers},
        timeout=TIMEOUT_S,
    )


LOW_LIMIT = ("--intake-rate", "5", "--intake-burst", "2")


def test_intake_under_limit_201(limited_server):
    server = limited_server(*LOW_LIMIT)
    statuses = [post_case(server).status_code for _ in range(2)]
    assert statuses == [201, 201]


def test_intake_over_limit_429(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(2):
        post_case(server)
    response = post_case(server)
    body = response.json()
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 429
    assert body["title"] == "Too Many Requests"
    assert body["detail"].startswith("Too many new cases from this client. Try again in ")
    assert int(response.headers["Retry-After"]) >= 1
    assert body["retry_after"] == int(response.headers["Retry-After"])


def test_intake_429_retry_after_seconds(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(2):
        post_case(server)
    response = post_case(server)
    # 5 per minute refills one unit in 12 seconds, and the first two requests took a fraction of that.
    assert 1 <= int(response.headers["Retry-After"]) <= 12
    assert f"Try again in {response.headers['Retry-After']} seconds." in response.json()["detail"]


def test_intake_429_creates_nothing(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(4):
        post_case(server)
    listing = requests.get(f"{server.url}{ITEMS}", headers=server.headers("viewer"), timeout=TIMEOUT_S)
    assert listing.json()["numberReturned"] == 2


def test_intake_refills_over_http(limited_server):
    # 120 per minute refills one unit in half a second.
    server = limited_server("--intake-rate", "120", "--intake-burst", "1")
    assert post_case(server).status_code == 201
    rejected = post_case(server)
    assert rejected.status_code == 429
    time.sleep(int(rejected.headers["Retry-After"]))
    assert post_case(server).status_code == 201


def test_intake_second_token_not_limited(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(3):
        post_case(server)
    second_token = server.create_token("intake", "second-intake")
    statuses = [post_case(server, second_token).status_code for _ in range(2)]
    assert statuses == [201, 201]


def test_officer_patch_not_limited(limited_server):
    server = limited_server(*LOW_LIMIT)
    case_id = post_case(server).json()["id"]
    post_case(server)
    assert post_case(server).status_code == 429
    statuses = []
    for version, status in enumerate(["in_progress", "supported", "needs_help", "in_progress"], start=1):
        response = requests.patch(
            f"{server.url}{ITEMS}/{case_id}",
            json={"status": status},
            headers=server.headers("officer", **{"If-Match": f'"{version}"'}),
            timeout=TIMEOUT_S,
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 200]


def test_reads_not_limited(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(3):
        post_case(server)
    statuses = [
        requests.get(f"{server.url}{ITEMS}", headers=server.headers("viewer"), timeout=TIMEOUT_S).status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 5


def test_intake_unknown_token_401_not_429(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(3):
        post_case(server)
    assert post_case(server, "not-a-token").status_code == 401


def test_intake_address_limit(limited_server):
    # uvicorn takes the client address from X-Forwarded-For when the connection comes from loopback.
    server = limited_server("--intake-rate", "0", "--intake-address-rate", "5", "--intake-address-burst", "2")
    second_token = server.create_token("intake", "second-intake")
    first = post_case(server, **{"X-Forwarded-For": "192.0.2.10"})
    second = post_case(server, second_token, **{"X-Forwarded-For": "192.0.2.10"})
    third = post_case(server, second_token, **{"X-Forwarded-For": "192.0.2.10"})
    other_address = post_case(server, second_token, **{"X-Forwarded-For": "192.0.2.11"})
    assert first.status_code == 201
    assert second.status_code == 201
    assert third.status_code == 429
    assert other_address.status_code == 201


def test_intake_loopback_no_address_limit(limited_server):
    server = limited_server("--intake-rate", "0", "--intake-address-rate", "5", "--intake-address-burst", "1")
    statuses = [post_case(server).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]


def test_intake_limits_off(limited_server):
    server = limited_server("--intake-rate", "0", "--intake-address-rate", "0")
    statuses = [post_case(server, **{"X-Forwarded-For": "192.0.2.10"}).status_code for _ in range(15)]
    assert statuses == [201] * 15


def test_limit_logged_once(limited_server):
    server = limited_server(*LOW_LIMIT)
    for _ in range(6):
        post_case(server)
    server.stop()
    log = server.log_path.read_text(encoding="utf-8")
    warnings = [line for line in log.splitlines() if "WARNING" in line and "intake rate limit" in line]
    assert len(warnings) == 1
    assert "'test-intake'" in warnings[0]
    assert "'127.0.0.1'" in warnings[0]
    assert server.tokens["intake"] not in log
    assert "rejected with 429" not in log


def test_serve_logs_limits(limited_server):
    server = limited_server(*LOW_LIMIT)
    server.stop()
    log = server.log_path.read_text(encoding="utf-8")
    assert "per token 5 per minute with a burst of 2" in log


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--intake-rate", "-1"), ("--intake-rate", "lots"), ("--intake-burst", "0"), ("--intake-burst", "2.5")],
)
def test_serve_bad_limit_exits(server_cli, tmp_path, flag, value):
    result = server_cli("serve", "--db", str(tmp_path / "sos.db"), "--port", "0", flag, value)
    assert result.returncode == 2
    assert f"argument {flag}" in result.stderr


def test_openapi_documents_429():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    response = document["paths"][ITEMS]["post"]["responses"]["429"]
    assert "Retry-After" in response["headers"]
    assert "application/problem+json" in response["content"]


def test_openapi_patch_no_429():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert "429" not in document["paths"][f"{ITEMS}/{{case_id}}"]["patch"]["responses"]
