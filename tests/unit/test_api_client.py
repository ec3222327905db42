"""SosClient against a scripted loopback server that misbehaves on purpose."""

from __future__ import annotations

import email.utils
import logging
import random
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import HTTPServer
from pathlib import Path

import pytest
import requests
from faulty_server import FaultyServer, Reply, html_reply, json_reply

from sos_qgis_plugin.core.api_client import (
    MAX_BATCH_CHANGES,
    ApiError,
    AuthenticationError,
    ClientConfig,
    ConflictError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    SosClient,
    StatusChange,
    UnexpectedResponseError,
)
from sos_qgis_plugin.core.errors import SosError

TOKEN = "tok-SECRET-3f9a1c"
PHONE = "+84905123456"
CASES = "/collections/cases"
ITEMS = "/collections/cases/items"
BATCH = "/collections/cases/status-changes"


def feature(case_id: str = "c000001", version: int = 1, status: str = "needs_help") -> dict:
    return {
        "type": "Feature",
        "id": case_id,
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {"id": case_id, "status": status, "version": version, "phone": PHONE},
    }


def collection(features: list[dict], next_href: str | None = None, **extra: object) -> dict:
    links = [{"rel": "next", "href": next_href, "type": "application/geo+json"}] if next_href else []
    return {"type": "FeatureCollection", "features": features, "links": links, **extra}


@pytest.fixture
def server():
    with FaultyServer() as running:
        yield running


@pytest.fixture
def other_server():
    with FaultyServer() as running:
        yield running


class Sleeps(list):
    """Records the delays the client asks for, so that tests never wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(url: str, sleeps: Sleeps | None = None, **options: object) -> SosClient:
    config = ClientConfig(base_url=url, token=TOKEN, **options)
    return SosClient(config, sleep=sleeps if sleeps is not None else Sleeps(), rng=random.Random(7))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_no_secret(error: SosError) -> None:
    assert TOKEN not in error.message
    assert TOKEN not in error.details
    assert PHONE not in error.details


# --- success paths and what the client sends ------------------------------------------------------


def test_collection_sends_token(server):
    server.add("GET", CASES, json_reply(200, {"id": "cases"}))
    assert make_client(server.url).get_collection() == {"id": "cases"}
    sent = server.requests[0].headers
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert sent["User-Agent"] == "sos-qgis-plugin"


def test_base_url_path_prefix(server):
    server.add("GET", "/sos/api" + CASES, json_reply(200, {"id": "cases"}))
    make_client(server.url + "/sos/api/").get_collection()
    assert server.requests[0].path == "/sos/api" + CASES


def test_list_page_query_and_links(server):
    next_href = f"{server.url}{ITEMS}?cursor=abc"
    server.add(
        "GET",
        ITEMS,
        json_reply(
            200,
            collection([feature()], next_href, numberReturned=1, next_updated_since="2025-11-20T03:00:00Z"),
            content_type="application/geo+json",
        ),
    )
    page = make_client(server.url).list_cases_page(
        updated_since="2025-11-20T02:00:00Z",
        status=["needs_help", "in_progress"],
        bbox=(108, 12, 110, 14),
        limit=50,
    )
    query = server.requests[0].query
    assert "limit=50" in query
    assert "status=needs_help%2Cin_progress" in query
    assert "bbox=108.0%2C12.0%2C110.0%2C14.0" in query
    assert "updated_since=2025-11-20T02%3A00%3A00Z" in query
    assert page.next_url == next_href
    assert page.next_updated_since == "2025-11-20T03:00:00Z"
    assert page.number_returned == 1
    assert page.features[0]["id"] == "c000001"


def test_list_page_follows_next_url(server):
    server.add("GET", ITEMS, json_reply(200, collection([])))
    make_client(server.url).list_cases_page(limit=5, next_url=f"{server.url}{ITEMS}?cursor=xyz")
    assert server.requests[0].query == "cursor=xyz"


def test_list_page_not_collection(server):
    server.add("GET", ITEMS, json_reply(200, {"type": "Feature"}))
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).list_cases_page()


def test_get_case_version_from_etag(server):
    server.add("GET", ITEMS + "/c000007", json_reply(200, feature("c000007", 4), ETag='"5"'))
    case, version = make_client(server.url).get_case("c000007")
    assert case["id"] == "c000007"
    assert version == 5


def test_get_case_weak_etag(server):
    server.add("GET", ITEMS + "/c000007", json_reply(200, feature("c000007", 4), ETag='W/"6"'))
    assert make_client(server.url).get_case("c000007")[1] == 6


def test_get_case_version_fallback(server):
    server.add("GET", ITEMS + "/c000007", json_reply(200, feature("c000007", 4)))
    assert make_client(server.url).get_case("c000007")[1] == 4


def test_get_case_quotes_id(server):
    server.add("GET", ITEMS + "/a%2Fb", json_reply(200, feature("a/b"), ETag='"1"'))
    make_client(server.url).get_case("a/b")
    assert server.requests[0].path == ITEMS + "/a%2Fb"


def test_set_status_sends_if_match(server):
    server.add("PATCH", ITEMS + "/c000042", json_reply(200, feature("c000042", 4, "supported")))
    changed = make_client(server.url).set_status("c000042", "supported", version=3, note="đội 4")
    sent = server.requests[0]
    assert sent.headers["If-Match"] == '"3"'
    assert sent.json() == {"status": "supported", "note": "đội 4"}
    assert changed["properties"]["version"] == 4


def test_set_status_sends_team(server):
    server.add("PATCH", ITEMS + "/c000042", json_reply(200, feature("c000042", 4, "in_progress")))
    make_client(server.url).set_status("c000042", "in_progress", version=3, team="Đội 3")
    assert server.requests[0].json() == {"status": "in_progress", "team": "Đội 3"}


def test_batch_sends_team(server):
    results = [
        {"id": "c000001", "outcome": "ok", "detail": None, "case": feature("c000001", 4, "in_progress")},
        {"id": "c000002", "outcome": "ok", "detail": None, "case": feature("c000002", 2, "in_progress")},
    ]
    server.add("POST", BATCH, json_reply(200, {"results": results}))
    changes = [
        StatusChange("c000001", "in_progress", if_version=3, team="Đội 3"),
        StatusChange("c000002", "in_progress"),
    ]
    make_client(server.url).set_statuses(changes, idempotency_key="key-team")
    sent = server.requests[0].json()["changes"]
    assert sent[0] == {"id": "c000001", "status": "in_progress", "team": "Đội 3", "if_version": 3}
    assert sent[1] == {"id": "c000002", "status": "in_progress"}


def test_set_status_conflict(server):
    current = feature("c000042", 5, "in_progress")
    problem = {"type": "about:blank", "title": "Precondition Failed", "status": 412, "current": current}
    server.add("PATCH", ITEMS + "/c000042", json_reply(412, problem, content_type="application/problem+json"))
    with pytest.raises(ConflictError) as caught:
        make_client(server.url).set_status("c000042", "supported", version=3)
    assert caught.value.current == current
    assert caught.value.status == 412
    assert_no_secret(caught.value)


def test_create_case(server):
    server.add("POST", ITEMS, json_reply(201, feature("c000100"), Location=f"{ITEMS}/c000100"))
    created = make_client(server.url).create_case({"type": "Feature", "geometry": None, "properties": {}})
    assert created["id"] == "c000100"


def test_history_entries(server):
    entries = [
        {"from_status": None, "to_status": "needs_help"},
        {"from_status": "needs_help", "to_status": "supported"},
    ]
    server.add("GET", ITEMS + "/c000001/history", json_reply(200, {"case_id": "c000001", "entries": entries}))
    assert make_client(server.url).get_history("c000001") == entries


# --- decoding -------------------------------------------------------------------------------------


def test_json_as_text_plain_is_utf8(server):
    body = '{"title": "Đã hỗ trợ – Thôn Phú Ân"}'.encode()
    server.add("GET", CASES, Reply(200, body, {"Content-Type": "text/plain"}))
    assert make_client(server.url).get_collection()["title"] == "Đã hỗ trợ – Thôn Phú Ân"


def test_html_502_after_retries(server):
    server.add("GET", CASES, html_reply(502))
    sleeps = Sleeps()
    with pytest.raises(UnexpectedResponseError) as caught:
        make_client(server.url, sleeps, max_retries=2).get_collection()
    assert "web page (HTTP 502)" in caught.value.message
    assert len(server.requests) == 3
    assert len(sleeps) == 2


def test_html_login_page_on_200(server):
    server.add("GET", CASES, html_reply(200, "<!DOCTYPE html><form>Đăng nhập</form>"))
    with pytest.raises(UnexpectedResponseError) as caught:
        make_client(server.url).get_collection()
    assert "web page (HTTP 200)" in caught.value.message
    assert len(server.requests) == 1


def test_html_without_content_type(server):
    server.add(
        "GET", CASES, Reply(200, b"  <html><body>portal</body></html>", {"Content-Type": "application/json"})
    )
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).get_collection()


def test_body_not_json(server):
    server.add("GET", CASES, Reply(200, b"OK", {"Content-Type": "application/json"}))
    with pytest.raises(UnexpectedResponseError) as caught:
        make_client(server.url).get_collection()
    assert "not JSON" in caught.value.message


def test_body_not_utf8(server):
    server.add("GET", CASES, Reply(200, '{"t": "Đ"}'.encode("utf-16"), {"Content-Type": "application/json"}))
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).get_collection()


# --- error statuses -------------------------------------------------------------------------------


def test_401_sign_in_again(server):
    problem = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "token expired"}
    server.add(
        "GET",
        CASES,
        json_reply(401, problem, content_type="application/problem+json", **{"WWW-Authenticate": "Bearer"}),
    )
    with pytest.raises(AuthenticationError) as caught:
        make_client(server.url).get_collection()
    assert "Sign in again" in caught.value.message
    assert caught.value.status == 401
    assert len(server.requests) == 1
    assert_no_secret(caught.value)


def test_401_html_body(server):
    server.add("GET", CASES, html_reply(401, "<html>login</html>"))
    with pytest.raises(AuthenticationError):
        make_client(server.url).get_collection()


def test_403_forbidden(server):
    problem = {"title": "Forbidden", "status": 403, "detail": "role intake cannot read cases"}
    server.add("GET", CASES, json_reply(403, problem, content_type="application/problem+json"))
    with pytest.raises(ForbiddenError) as caught:
        make_client(server.url).get_collection()
    assert "role intake cannot read cases" in caught.value.message


def test_404_not_found(server):
    server.add(
        "GET", ITEMS + "/c999999", json_reply(404, {"title": "Not Found", "detail": "no case c999999"})
    )
    with pytest.raises(NotFoundError) as caught:
        make_client(server.url).get_case("c999999")
    assert "no case c999999" in caught.value.message


def test_422_problem_detail(server):
    problem = {
        "type": "about:blank",
        "title": "Unprocessable",
        "status": 422,
        "detail": "unknown status 'done'",
    }
    server.add("PATCH", ITEMS + "/c000001", json_reply(422, problem, content_type="application/problem+json"))
    with pytest.raises(ApiError) as caught:
        make_client(server.url).set_status("c000001", "done", version=1)
    assert "unknown status 'done'" in caught.value.message
    assert caught.value.problem["status"] == 422
    assert len(server.requests) == 1


def test_error_template_and_values(server):
    server.add("GET", CASES, json_reply(404, {"detail": "gone"}))
    with pytest.raises(NotFoundError) as caught:
        make_client(server.url).get_collection()
    assert caught.value.template.format(**caught.value.values) == caught.value.message


# --- retries --------------------------------------------------------------------------------------


def test_retry_503_then_ok(server):
    server.add("GET", CASES, json_reply(503, {"title": "busy"}), json_reply(200, {"id": "cases"}))
    sleeps = Sleeps()
    assert make_client(server.url, sleeps, backoff_base_s=0.5).get_collection() == {"id": "cases"}
    assert len(server.requests) == 2
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 0.5


def test_backoff_full_jitter(server):
    server.add("GET", CASES, json_reply(504, {"title": "timeout"}))
    sleeps = Sleeps()
    client = make_client(server.url, sleeps, max_retries=4, backoff_base_s=1.0, backoff_max_s=3.0)
    with pytest.raises(ApiError):
        client.get_collection()
    reference = random.Random(7)
    expected = [reference.uniform(0.0, min(3.0, 1.0 * 2**attempt)) for attempt in range(4)]
    assert sleeps == expected
    assert len(server.requests) == 5


def test_retry_after_seconds(server):
    server.add(
        "GET", CASES, json_reply(429, {"title": "slow down"}, **{"Retry-After": "7"}), json_reply(200, {})
    )
    sleeps = Sleeps()
    make_client(server.url, sleeps).get_collection()
    assert sleeps == [7.0]


def test_retry_after_http_date(server):
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    server.add(
        "GET", CASES, json_reply(429, {"title": "slow down"}, **{"Retry-After": when}), json_reply(200, {})
    )
    sleeps = Sleeps()
    make_client(server.url, sleeps).get_collection()
    assert len(sleeps) == 1
    assert 17.0 <= sleeps[0] <= 20.0


def test_retry_after_capped(server):
    server.add("GET", CASES, json_reply(503, {}, **{"Retry-After": "3600"}), json_reply(200, {}))
    sleeps = Sleeps()
    make_client(server.url, sleeps, backoff_max_s=30.0).get_collection()
    assert sleeps == [30.0]


def test_retry_after_invalid(server):
    server.add("GET", CASES, json_reply(503, {}, **{"Retry-After": "soon"}), json_reply(200, {}))
    sleeps = Sleeps()
    make_client(server.url, sleeps, backoff_base_s=0.5).get_collection()
    assert 0.0 <= sleeps[0] <= 0.5


def test_429_after_retries(server):
    server.add("GET", CASES, json_reply(429, {}, **{"Retry-After": "1"}))
    with pytest.raises(ApiError) as caught:
        make_client(server.url, max_retries=1).get_collection()
    assert caught.value.status == 429


def test_500_not_retried(server):
    server.add("GET", CASES, json_reply(500, {"title": "Internal Server Error"}))
    with pytest.raises(ApiError) as caught:
        make_client(server.url).get_collection()
    assert caught.value.status == 500
    assert len(server.requests) == 1


def test_create_case_not_retried(server):
    server.add("POST", ITEMS, json_reply(503, {}), json_reply(201, feature()))
    with pytest.raises(ApiError):
        make_client(server.url).create_case({"type": "Feature", "geometry": None, "properties": {}})
    assert len(server.requests) == 1


def test_create_case_retried_with_key(server):
    server.add("POST", ITEMS, json_reply(503, {}), json_reply(201, feature()))
    client = make_client(server.url)
    client.create_case({"type": "Feature", "geometry": None, "properties": {}}, idempotency_key="k-1")
    assert len(server.requests) == 2
    assert server.requests[1].headers["Idempotency-Key"] == "k-1"


def test_patch_retried(server):
    server.add("PATCH", ITEMS + "/c000001", html_reply(502), json_reply(200, feature(version=2)))
    make_client(server.url).set_status("c000001", "supported", version=1)
    assert len(server.requests) == 2
    assert server.requests[1].headers["If-Match"] == '"1"'


def test_dropped_connection_retried(server):
    server.add("GET", CASES, Reply(drop=True), json_reply(200, {"id": "cases"}))
    sleeps = Sleeps()
    assert make_client(server.url, sleeps).get_collection() == {"id": "cases"}
    assert len(sleeps) == 1


def test_dropped_connection_fails(server):
    server.add("GET", CASES, Reply(drop=True))
    with pytest.raises(NetworkError) as caught:
        make_client(server.url, max_retries=2).get_collection()
    assert f"127.0.0.1:{server.port}" in caught.value.message
    assert len(server.requests) == 3
    assert_no_secret(caught.value)


def test_connection_refused():
    port = free_port()
    sleeps = Sleeps()
    with pytest.raises(NetworkError) as caught:
        make_client(f"http://127.0.0.1:{port}", sleeps, max_retries=1).get_collection()
    assert f"127.0.0.1:{port}" in caught.value.message
    assert len(sleeps) == 1


def test_proxy_password_hidden(server):
    proxy = f"http://officer:pw-Secret-77@127.0.0.1:{free_port()}"
    client = make_client(server.url, max_retries=0, proxies={"http": proxy, "https": proxy})
    with pytest.raises(NetworkError) as caught:
        client.get_collection()
    assert "proxy" in caught.value.message
    assert "pw-Secret-77" not in caught.value.details
    assert server.requests == []


def test_read_timeout(server):
    server.add("GET", CASES, Reply(hang_s=10.0))
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        make_client(server.url, read_timeout_s=0.3, max_retries=1).get_collection()
    assert "did not answer within 0.3 seconds" in caught.value.message
    assert len(server.requests) == 2
    assert time.monotonic() - started < 5.0


def test_read_timeout_post_not_retried(server):
    server.add("POST", ITEMS, Reply(hang_s=10.0))
    with pytest.raises(NetworkError):
        make_client(server.url, read_timeout_s=0.3).create_case({"type": "Feature", "properties": {}})
    assert len(server.requests) == 1


# --- batch ----------------------------------------------------------------------------------------


def test_batch_mixed_outcomes(server):
    changes = [
        StatusChange("c000001", "supported", note="đội 2", if_version=3),
        StatusChange("c000002", "supported"),
        StatusChange("c000003", "supported", if_version=1),
        StatusChange("c000004", "bogus"),
        StatusChange("c000005", "supported"),
    ]
    results = [
        {"id": "c000001", "outcome": "ok", "detail": None, "case": feature("c000001", 4, "supported")},
        {"id": "c000002", "outcome": "not_found", "detail": "no such case", "case": None},
        {"id": "c000003", "outcome": "conflict", "detail": None, "case": feature("c000003", 2)},
        {"id": "c000004", "outcome": "invalid", "detail": "unknown status", "case": None},
        {"id": "c000005", "outcome": "error", "detail": "database locked", "case": None},
    ]
    server.add("POST", BATCH, json_reply(200, {"results": results}))
    parsed = make_client(server.url).set_statuses(changes, idempotency_key="key-1")
    assert [result.outcome for result in parsed] == ["ok", "not_found", "conflict", "invalid", "failed"]
    assert parsed[2].case["properties"]["version"] == 2
    assert parsed[3].detail == "unknown status"
    sent = server.requests[0]
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert sent.json()["changes"][0] == {
        "id": "c000001",
        "status": "supported",
        "note": "đội 2",
        "if_version": 3,
    }
    assert sent.json()["changes"][1] == {"id": "c000002", "status": "supported"}


def test_batch_retried_same_key(server):
    ok = {"results": [{"id": "c000001", "outcome": "ok", "detail": None, "case": feature()}]}
    server.add("POST", BATCH, Reply(drop=True), json_reply(200, ok, **{"Idempotent-Replayed": "true"}))
    make_client(server.url).set_statuses([StatusChange("c000001", "supported")], idempotency_key="key-2")
    keys = [request.headers["Idempotency-Key"] for request in server.requests]
    assert keys == ["key-2", "key-2"]


def test_batch_in_progress_retried(server):
    ok = {"results": [{"id": "c000001", "outcome": "ok", "detail": None, "case": feature()}]}
    in_progress = {"title": "Conflict", "status": 409, "detail": "still being processed"}
    server.add("POST", BATCH, json_reply(409, in_progress), json_reply(200, ok))
    results = make_client(server.url).set_statuses(
        [StatusChange("c000001", "supported")], idempotency_key="k"
    )
    assert results[0].outcome == "ok"
    assert len(server.requests) == 2


def test_batch_result_count_mismatch(server):
    server.add("POST", BATCH, json_reply(200, {"results": []}))
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).set_statuses([StatusChange("c000001", "supported")], idempotency_key="k")


def test_batch_result_order_mismatch(server):
    results = [{"id": "c000002", "outcome": "ok"}, {"id": "c000001", "outcome": "ok"}]
    server.add("POST", BATCH, json_reply(200, {"results": results}))
    changes = [StatusChange("c000001", "supported"), StatusChange("c000002", "supported")]
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).set_statuses(changes, idempotency_key="k")


def test_batch_too_large(server):
    changes = [StatusChange(f"c{i:06d}", "supported") for i in range(MAX_BATCH_CHANGES + 1)]
    with pytest.raises(ValueError):
        make_client(server.url).set_statuses(changes, idempotency_key="k")
    assert server.requests == []


def test_batch_empty(server):
    assert make_client(server.url).set_statuses([], idempotency_key="k") == []
    assert server.requests == []


# --- redirects and the token ----------------------------------------------------------------------


def test_redirect_same_origin_keeps_token(server):
    server.add("GET", CASES, Reply(301, headers={"Location": "/v1" + CASES}))
    server.add("GET", "/v1" + CASES, json_reply(200, {"id": "cases"}))
    assert make_client(server.url).get_collection() == {"id": "cases"}
    assert server.requests[1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_redirect_other_host_drops_token(server, other_server):
    server.add("GET", CASES, Reply(302, headers={"Location": f"{other_server.url}{CASES}"}))
    other_server.add("GET", CASES, json_reply(200, {"id": "elsewhere"}))
    assert make_client(server.url).get_collection() == {"id": "elsewhere"}
    received = other_server.requests[0].headers
    assert "Authorization" not in received
    assert TOKEN not in str(received)


def test_redirect_other_host_refused_for_write(server, other_server):
    server.add(
        "PATCH", ITEMS + "/c000001", Reply(307, headers={"Location": f"{other_server.url}{ITEMS}/c000001"})
    )
    with pytest.raises(UnexpectedResponseError) as caught:
        make_client(server.url).set_status("c000001", "supported", version=1)
    assert "was not sent" in caught.value.message
    assert other_server.requests == []


def test_redirect_same_origin_write(server):
    target = ITEMS + "/c000001/moved"
    server.add("PATCH", ITEMS + "/c000001", Reply(308, headers={"Location": target}))
    server.add("PATCH", target, json_reply(200, feature(version=2)))
    make_client(server.url).set_status("c000001", "supported", version=1)
    moved = server.requests[1]
    assert moved.method == "PATCH"
    assert moved.headers["If-Match"] == '"1"'
    assert moved.json() == {"status": "supported"}


def test_redirect_303_write_rejected(server):
    server.add("POST", BATCH, Reply(303, headers={"Location": "/elsewhere"}))
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).set_statuses([StatusChange("c000001", "supported")], idempotency_key="k")
    assert len(server.requests) == 1


def test_redirect_loop(server):
    server.add("GET", CASES, Reply(302, headers={"Location": CASES}))
    with pytest.raises(UnexpectedResponseError):
        make_client(server.url).get_collection()
    assert len(server.requests) == 6


def test_next_link_other_host_drops_token(server, other_server):
    other_server.add("GET", ITEMS, json_reply(200, collection([])))
    make_client(server.url).list_cases_page(next_url=f"{other_server.url}{ITEMS}?cursor=1")
    assert "Authorization" not in other_server.requests[0].headers


def test_config_repr_hides_token():
    assert TOKEN not in repr(ClientConfig(base_url="http://127.0.0.1:1", token=TOKEN))


def test_base_url_rejected():
    with pytest.raises(ValueError):
        SosClient(ClientConfig(base_url="ftp://127.0.0.1/"))


# --- logging --------------------------------------------------------------------------------------


def test_logs_retry_without_secrets(server, caplog):
    current = feature("c000042", 5)
    server.add("GET", CASES, json_reply(503, {"title": "busy"}), json_reply(200, {"id": "cases"}))
    server.add(
        "PATCH", ITEMS + "/c000042", json_reply(412, {"title": "Precondition Failed", "current": current})
    )
    client = make_client(server.url)
    with caplog.at_level(logging.DEBUG, logger="sos_qgis_plugin"):
        client.get_collection()
        with pytest.raises(ConflictError):
            client.set_status("c000042", "supported", version=3)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert f"GET {CASES} failed (HTTP 503), retry 1 of 3" in warnings[0]
    assert f"PATCH {ITEMS}/c000042: HTTP 412" in warnings[1]
    assert f"GET {CASES} started" in caplog.text
    assert TOKEN not in caplog.text
    assert PHONE not in caplog.text


# --- TLS ------------------------------------------------------------------------------------------


class RecordingSession(requests.Session):
    """A real session that also keeps the keyword arguments of each request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def request(self, method, url, **kwargs):  # noqa: ANN001, ANN201 - same signature as requests.Session
        self.calls.append(kwargs)
        return super().request(method, url, **kwargs)


def test_timeouts_and_verify_always_set(server):
    server.add("GET", CASES, json_reply(200, {}))
    session = RecordingSession()
    config = ClientConfig(base_url=server.url, connect_timeout_s=4.0, read_timeout_s=9.0)
    SosClient(config, session=session).get_collection()
    assert session.calls[0]["timeout"] == (4.0, 9.0)
    assert session.calls[0]["verify"] is True
    assert session.calls[0]["allow_redirects"] is False


@pytest.fixture
def tls_server(tmp_path: Path):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate, and the path of that certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed, so no test certificate can be made")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    faulty = FaultyServer()
    faulty.add("GET", CASES, json_reply(200, {"id": "cases"}))
    httpd: HTTPServer = faulty._httpd
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    with faulty:
        yield faulty, str(cert)


def test_tls_untrusted_certificate(tls_server):
    faulty, _ = tls_server
    url = faulty.url.replace("http://", "https://")
    with pytest.raises(NetworkError) as caught:
        make_client(url, max_retries=0).get_collection()
    assert "not trusted" in caught.value.message


def test_tls_custom_ca_bundle(tls_server):
    faulty, cert = tls_server
    url = faulty.url.replace("http://", "https://")
    assert make_client(url, ca_bundle=cert).get_collection() == {"id": "cases"}


def test_server_stops_itself():
    faulty = FaultyServer(lifetime_s=0.2).start()
    deadline = time.monotonic() + 5.0
    while not faulty._stopped.is_set() and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert faulty._stopped.is_set()


# --- against the reference server -----------------------------------------------------------------


def server_client(sos_server, role: str = "viewer", token: str | None = None) -> SosClient:
    config = ClientConfig(base_url=sos_server.url, token=token or sos_server.tokens[role])
    return SosClient(config, sleep=Sleeps())


@pytest.fixture
def loaded_server(sos_server, shared_dir):
    finished = sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    assert finished.returncode == 0, finished.stderr
    return sos_server


def first_case(sos_server) -> tuple[str, int]:
    page = server_client(sos_server).list_cases_page(limit=1)
    case_id = page.features[0]["id"]
    return case_id, server_client(sos_server).get_case(case_id)[1]


def test_server_collection_roles(sos_server):
    assert server_client(sos_server).get_collection()["id"] == "cases"
    with pytest.raises(ForbiddenError):
        server_client(sos_server, "intake").get_collection()


def test_server_unknown_token(sos_server):
    with pytest.raises(AuthenticationError) as caught:
        server_client(sos_server, token="tok-unknown-0000").get_collection()
    assert "Sign in again" in caught.value.message
    assert "tok-unknown-0000" not in caught.value.details


def test_server_unknown_case(sos_server):
    with pytest.raises(NotFoundError):
        server_client(sos_server).get_case("c999999")


def test_server_set_status_and_history(loaded_server):
    case_id, version = first_case(loaded_server)
    changed = server_client(loaded_server, "officer").set_status(
        case_id, "supported", version=version, note="đội 4"
    )
    history = server_client(loaded_server).get_history(case_id)
    assert changed["properties"]["status"] == "supported"
    assert server_client(loaded_server).get_case(case_id)[1] == version + 1
    assert history[-1]["to_status"] == "supported"
    assert history[-1]["note"] == "đội 4"


def test_server_stale_version_conflict(loaded_server):
    case_id, version = first_case(loaded_server)
    officer = server_client(loaded_server, "officer")
    officer.set_status(case_id, "in_progress", version=version)
    with pytest.raises(ConflictError) as caught:
        officer.set_status(case_id, "supported", version=version)
    assert caught.value.current["properties"]["status"] == "in_progress"
    assert caught.value.current["properties"]["version"] == version + 1


def test_server_batch_outcomes(loaded_server):
    case_id, version = first_case(loaded_server)
    changes = [
        StatusChange(case_id, "in_progress", note="đội 2", if_version=version),
        StatusChange("c999999", "supported"),
        StatusChange(case_id, "supported", if_version=version),
        StatusChange(case_id, "bogus"),
    ]
    officer = server_client(loaded_server, "officer")
    results = officer.set_statuses(changes, idempotency_key="batch-key-1")
    replayed = officer.set_statuses(changes, idempotency_key="batch-key-1")
    assert [result.outcome for result in results] == ["ok", "not_found", "conflict", "invalid"]
    assert results[2].case["properties"]["version"] == version + 1
    assert replayed == results


def test_server_create_case(sos_server):
    new_case = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {"status": "needs_help", "people_count": 4, "created_at": "2025-11-19T08:15:00+07:00"},
    }
    created = server_client(sos_server, "intake").create_case(new_case)
    assert created["id"]
    assert server_client(sos_server).get_case(created["id"])[0]["properties"]["people_count"] == 4


def _new_case(sos_server) -> tuple[str, int]:
    new_case = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {"status": "needs_help", "people_count": 2, "created_at": "2025-11-19T08:15:00+07:00"},
    }
    created = server_client(sos_server, "intake").create_case(new_case)
    return created["id"], created["properties"]["version"]


def test_server_set_status_team(sos_server):
    case_id, version = _new_case(sos_server)
    server_client(sos_server, "officer").set_status(case_id, "in_progress", version=version, team="Đội 3")
    history = server_client(sos_server).get_history(case_id)
    assert history[-1]["team"] == "Đội 3"


def test_server_batch_team(sos_server):
    case_id, version = _new_case(sos_server)
    changes = [StatusChange(case_id, "in_progress", if_version=version, team="Đội 6")]
    results = server_client(sos_server, "officer").set_statuses(changes, idempotency_key="team-key-1")
    history = server_client(sos_server).get_history(case_id)
    assert results[0].outcome == "ok"
    assert history[-1]["team"] == "Đội 6"


def test_server_team_too_long_invalid(sos_server):
    case_id, version = _new_case(sos_server)
    changes = [StatusChange(case_id, "in_progress", if_version=version, team="x" * 101)]
    results = server_client(sos_server, "officer").set_statuses(changes, idempotency_key="team-key-2")
    assert results[0].outcome == "invalid"
    assert "100" in results[0].detail
