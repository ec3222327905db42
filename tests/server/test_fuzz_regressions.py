"""Requests that once made the server fail with 500 or break its documented contract, found by fuzzing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
BATCH = "/collections/cases/status-changes"
# Python's int() rejects decimal strings of more than 4300 digits.
HUGE_INTEGER = "9" * 5000
# JSON arrays nested deeper than the json module's recursion limit.
DEEP_NESTING = "[" * 100_000
VALID_CURSOR_STATE = {
    "after": "c0000000",
    "status": None,
    "bbox": None,
    "updated_since": None,
    "next_updated_since": "2025-11-19T03:15:00Z",
}


def encode_cursor(state: Any) -> str:
    text = json.dumps(state, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def list_with_cursor(server, cursor: str) -> requests.Response:
    return requests.get(
        f"{server.url}{ITEMS}",
        params={"cursor": cursor},
        headers=server.headers("viewer"),
        timeout=TIMEOUT_S,
    )


def post_raw(server, path: str, body: str, role: str) -> requests.Response:
    return requests.post(
        f"{server.url}{path}",
        data=body.encode("utf-8"),
        headers=server.headers(role, **{"Content-Type": "application/json"}),
        timeout=TIMEOUT_S,
    )


def test_cursor_valid_state_200(sos_server, create_case):
    create_case()
    response = list_with_cursor(sos_server, encode_cursor(VALID_CURSOR_STATE))
    assert response.status_code == 200
    assert response.json()["numberReturned"] == 1


@pytest.mark.parametrize(
    "members",
    [
        {"status": "needs_help"},
        {"status": [[]]},
        {"status": 5},
        {"status": ["no_such_status"]},
        {"bbox": [1, 2]},
        {"bbox": [1, 2, 3, 4, 5]},
        {"bbox": ["nan", "nan", "nan", "nan"]},
        {"after": 5},
        {"after": "c" + "9" * 20},
        {"next_updated_since": None},
        {"next_updated_since": "tomorrow"},
        {"updated_since": "0001-01-01T00:00:00+01:00"},
    ],
    ids=lambda members: json.dumps(members),
)
def test_cursor_tampered_400(sos_server, create_case, members):
    create_case()
    response = list_with_cursor(sos_server, encode_cursor({**VALID_CURSOR_STATE, **members}))
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


def test_cursor_not_object_400(sos_server):
    response = list_with_cursor(sos_server, encode_cursor([1, 2]))
    assert response.status_code == 400


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_updated_since_out_of_utc_range_400(sos_server, since):
    response = requests.get(
        f"{sos_server.url}{ITEMS}",
        params={"updated_since": since},
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 400
    assert "updated_since" in response.json()["detail"]


@pytest.mark.parametrize("created_at", ["0001-01-01T00:00:00+01:00", "0001-01-01 05:00:00"])
def test_intake_created_at_out_of_utc_range_422(sos_server, make_feature, created_at):
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(created_at=created_at),
        headers=sos_server.headers("intake"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "created_at"


def test_intake_no_geometry_member_201(sos_server):
    feature = {"type": "Feature", "properties": {"description": "Không rõ vị trí"}}
    response = requests.post(
        f"{sos_server.url}{ITEMS}", json=feature, headers=sos_server.headers("intake"), timeout=TIMEOUT_S
    )
    assert response.status_code == 201
    assert response.json()["geometry"] is None


def test_openapi_new_case_optional_members(sos_server):
    document = requests.get(f"{sos_server.url}/openapi.json", timeout=TIMEOUT_S).json()
    assert document["components"]["schemas"]["NewCase"]["required"] == ["type"]


def test_openapi_batch_documents_400(sos_server):
    document = requests.get(f"{sos_server.url}/openapi.json", timeout=TIMEOUT_S).json()
    assert "400" in document["paths"][BATCH]["post"]["responses"]


@pytest.mark.parametrize(
    ("path", "role", "body"),
    [
        (BATCH, "officer", '{"changes": [{"id": "c0000001", "status": "supported", "if_version": %s}]}'),
        (ITEMS, "intake", '{"type": "Feature", "geometry": null, "properties": {"people_count": %s}}'),
    ],
    ids=["batch", "intake"],
)
def test_body_huge_integer_400(sos_server, path, role, body):
    response = post_raw(sos_server, path, body % HUGE_INTEGER, role)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("path", "role"), [(BATCH, "officer"), (ITEMS, "intake")], ids=["batch", "intake"])
def test_body_deep_nesting_400(sos_server, path, role):
    response = post_raw(sos_server, path, DEEP_NESTING, role)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_patch_if_match_huge_400(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "supported"},
        headers=sos_server.headers("officer", **{"If-Match": f'"{HUGE_INTEGER}"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()["detail"]


def test_patch_if_match_long_version_412(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "supported"},
        headers=sos_server.headers("officer", **{"If-Match": '"9999999999999999999"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 412


@pytest.mark.parametrize("item_id", [[], {"a": 1}, 42, True], ids=["list", "object", "number", "boolean"])
def test_batch_result_id_string_or_null(sos_server, item_id):
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"changes": [{"id": item_id, "status": "supported"}]},
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    result = response.json()["results"][0]
    assert response.status_code == 200
    assert result["id"] is None
    assert result["outcome"] == "invalid"
