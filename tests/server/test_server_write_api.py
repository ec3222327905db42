"""Write side of the server over loopback HTTP: PATCH, batch status changes, idempotency, history, intake."""

from __future__ import annotations

import json
import uuid

import requests

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
BATCH = "/collections/cases/status-changes"


def patch(server, case_id: str, body: dict, if_match: str | None = '"1"', role: str = "officer"):
    headers = server.headers(role)
    if if_match is not None:
        headers["If-Match"] = if_match
    return requests.patch(f"{server.url}{ITEMS}/{case_id}", json=body, headers=headers, timeout=TIMEOUT_S)


def post_batch(server, changes: list, key: str | None = None, role: str = "officer"):
    headers = server.headers(role)
    if key is not None:
        headers["Idempotency-Key"] = key
    return requests.post(
        f"{server.url}{BATCH}", json={"changes": changes}, headers=headers, timeout=TIMEOUT_S
    )


def history(server, case_id: str) -> list[dict]:
    response = requests.get(
        f"{server.url}{ITEMS}/{case_id}/history", headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def read_case(server, case_id: str) -> dict:
    response = requests.get(
        f"{server.url}{ITEMS}/{case_id}", headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_patch_changes_status(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "supported", "note": "đội 4"})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert body["properties"]["status"] == "supported"
    assert body["properties"]["version"] == 2
    assert read_case(sos_server, case["id"])["properties"]["status"] == "supported"


def test_patch_records_history(sos_server, create_case):
    case = create_case()
    patch(sos_server, case["id"], {"status": "in_progress", "note": "đội 2"})
    entries = history(sos_server, case["id"])
    assert len(entries) == 2
    assert entries[0]["from_status"] is None
    assert entries[0]["to_status"] == "needs_help"
    assert entries[0]["changed_by"] == "test-intake"
    assert entries[1]["from_status"] == "needs_help"
    assert entries[1]["to_status"] == "in_progress"
    assert entries[1]["changed_by"] == "test-officer"
    assert entries[1]["note"] == "đội 2"
    assert entries[1]["changed_at"].endswith("Z")


def test_patch_stale_version_412(sos_server, create_case):
    case = create_case()
    patch(sos_server, case["id"], {"status": "in_progress"})
    response = patch(sos_server, case["id"], {"status": "supported"}, if_match='"1"')
    body = response.json()
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert body["current"]["properties"]["status"] == "in_progress"
    assert body["current"]["properties"]["version"] == 2
    assert read_case(sos_server, case["id"])["properties"]["status"] == "in_progress"


def test_patch_without_if_match_428(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "supported"}, if_match=None)
    assert response.status_code == 428
    assert response.headers["content-type"] == "application/problem+json"


def test_patch_unknown_status_422(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "closed"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "status"]


def test_patch_unknown_case_404(sos_server):
    response = patch(sos_server, "c0000404", {"status": "supported"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_patch_same_status_is_noop(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "needs_help"})
    assert response.status_code == 200
    assert response.json()["properties"]["version"] == 1
    assert len(history(sos_server, case["id"])) == 1


def test_patch_same_status_with_note(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "needs_help", "note": "gọi lại lần 2"})
    assert response.json()["properties"]["version"] == 2
    assert history(sos_server, case["id"])[-1]["note"] == "gọi lại lần 2"


def test_patch_duplicate_of(sos_server, create_case):
    original = create_case()
    repeat = create_case()
    response = patch(sos_server, repeat["id"], {"status": "duplicate", "duplicate_of": original["id"]})
    assert response.status_code == 200
    assert response.json()["properties"]["duplicate_of"] == original["id"]


def test_patch_duplicate_of_unknown_422(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "duplicate", "duplicate_of": "c0000999"})
    assert response.status_code == 422
    assert "c0000999" in response.json()["detail"]


def test_patch_reopen_clears_duplicate_of(sos_server, create_case):
    original = create_case()
    repeat = create_case()
    patch(sos_server, repeat["id"], {"status": "duplicate", "duplicate_of": original["id"]})
    response = patch(sos_server, repeat["id"], {"status": "needs_help"}, if_match='"2"')
    assert response.json()["properties"]["duplicate_of"] is None


def test_patch_viewer_403(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "supported"}, role="viewer")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert read_case(sos_server, case["id"])["properties"]["status"] == "needs_help"


def test_patch_no_token_401(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "supported"},
        headers={"If-Match": '"1"'},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_patch_malformed_if_match_400(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "supported"}, if_match="version three")
    assert response.status_code == 400
    assert "If-Match" in response.json()["detail"]


def test_batch_outcomes_per_item(sos_server, create_case):
    ok_case = create_case()
    stale_case = create_case()
    patch(sos_server, stale_case["id"], {"status": "in_progress"})
    changes = [
        {"id": ok_case["id"], "status": "supported", "note": "đã đưa lên thuyền", "if_version": 1},
        {"id": "c0000999", "status": "supported"},
        {"id": stale_case["id"], "status": "supported", "if_version": 1},
        {"id": ok_case["id"], "status": "closed"},
    ]
    response = post_batch(sos_server, changes, key=str(uuid.uuid4()))
    results = response.json()["results"]
    assert response.status_code == 200
    assert [result["outcome"] for result in results] == ["ok", "not_found", "conflict", "invalid"]
    assert results[0]["case"]["properties"]["status"] == "supported"
    assert results[2]["case"]["properties"]["status"] == "in_progress"
    assert results[2]["case"]["properties"]["version"] == 2
    assert "closed" in results[3]["detail"]
    assert results[0]["detail"] is None


def test_batch_applies_without_if_version(sos_server, create_case):
    case = create_case()
    patch(sos_server, case["id"], {"status": "in_progress"})
    results = post_batch(sos_server, [{"id": case["id"], "status": "supported"}]).json()["results"]
    assert results[0]["outcome"] == "ok"
    assert results[0]["case"]["properties"]["version"] == 3


def test_batch_invalid_items(sos_server, create_case):
    case = create_case()
    changes = [
        {"status": "supported"},
        {"id": case["id"], "status": "supported", "if_version": "one"},
        {"id": case["id"], "status": "supported", "colour": "red"},
        "c0000001",
    ]
    results = post_batch(sos_server, changes).json()["results"]
    assert [result["outcome"] for result in results] == ["invalid"] * 4
    assert read_case(sos_server, case["id"])["properties"]["version"] == 1


def test_batch_replay_same_key(sos_server, create_case):
    case = create_case()
    key = str(uuid.uuid4())
    changes = [{"id": case["id"], "status": "supported", "note": "đội 4", "if_version": 1}]
    first = post_batch(sos_server, changes, key=key)
    second = post_batch(sos_server, changes, key=key)
    assert first.status_code == 200
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert second.json() == first.json()
    assert len(history(sos_server, case["id"])) == 2
    assert read_case(sos_server, case["id"])["properties"]["version"] == 2


def test_batch_same_key_other_body_422(sos_server, create_case):
    case = create_case()
    key = str(uuid.uuid4())
    post_batch(sos_server, [{"id": case["id"], "status": "supported"}], key=key)
    response = post_batch(sos_server, [{"id": case["id"], "status": "unreachable"}], key=key)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert read_case(sos_server, case["id"])["properties"]["status"] == "supported"


def test_batch_key_scoped_per_token(sos_server, create_case):
    case = create_case()
    other_officer = sos_server.create_token("officer", name="officer-b")
    key = str(uuid.uuid4())
    post_batch(sos_server, [{"id": case["id"], "status": "supported"}], key=key)
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"changes": [{"id": case["id"], "status": "in_progress"}]},
        headers={"Authorization": f"Bearer {other_officer}", "Idempotency-Key": key},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "ok"
    assert history(sos_server, case["id"])[-1]["changed_by"] == "officer-b"


def test_batch_too_many_changes_413(sos_server):
    changes = [{"id": f"c{index:07d}", "status": "supported"} for index in range(1001)]
    response = post_batch(sos_server, changes)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_batch_malformed_body_422(sos_server):
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"change": []},
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 422
    assert "changes" in response.json()["detail"]


def test_batch_not_json_400(sos_server):
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        data=b"{not json",
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_batch_viewer_403(sos_server, create_case):
    case = create_case()
    response = post_batch(sos_server, [{"id": case["id"], "status": "supported"}], role="viewer")
    assert response.status_code == 403


def test_body_over_limit_413(sos_server):
    body = json.dumps({"changes": [], "padding": "x" * (1024 * 1024)})
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        data=body,
        headers=sos_server.headers("officer", **{"Content-Type": "application/json"}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_chunked_body_over_limit_413(sos_server):
    def chunks():
        for _ in range(17):
            yield b"x" * 65536

    response = requests.post(
        f"{sos_server.url}{BATCH}", data=chunks(), headers=sos_server.headers("officer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 413


def test_history_unknown_case_404(sos_server):
    response = requests.get(
        f"{sos_server.url}{ITEMS}/c0000404/history", headers=sos_server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 404


def test_history_oldest_first(sos_server, create_case):
    case = create_case()
    for version, status in enumerate(["in_progress", "unreachable", "needs_help"], start=1):
        patch(sos_server, case["id"], {"status": status}, if_match=f'"{version}"')
    entries = history(sos_server, case["id"])
    assert [entry["to_status"] for entry in entries] == [
        "needs_help",
        "in_progress",
        "unreachable",
        "needs_help",
    ]
    assert [entry["changed_at"] for entry in entries] == sorted(entry["changed_at"] for entry in entries)


def test_intake_create_201(sos_server, make_feature):
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(phone="0912 345 678", external_id="zalo-1"),
        headers=sos_server.headers("intake"),
        timeout=TIMEOUT_S,
    )
    body = response.json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"{sos_server.url}{ITEMS}/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["properties"]["phone"] == "+84912345678"
    assert read_case(sos_server, body["id"])["properties"]["external_id"] == "zalo-1"


def test_intake_same_external_id_409(sos_server, make_feature):
    first = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(external_id="zalo-7", people_count=2),
        headers=sos_server.headers("intake"),
        timeout=TIMEOUT_S,
    ).json()
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(external_id="zalo-7", people_count=6),
        headers=sos_server.headers("intake"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert read_case(sos_server, first["id"])["properties"]["people_count"] == 2


def test_intake_ignores_client_id_and_version(sos_server, make_feature):
    feature = make_feature(id="c0000500", version=9)
    response = requests.post(
        f"{sos_server.url}{ITEMS}", json=feature, headers=sos_server.headers("intake"), timeout=TIMEOUT_S
    )
    assert response.json()["id"] == "c0000001"
    assert response.json()["properties"]["version"] == 1


def test_intake_invalid_case_422(sos_server, make_feature):
    feature = make_feature(created_at="19/11/2025 10:15")
    response = requests.post(
        f"{sos_server.url}{ITEMS}", json=feature, headers=sos_server.headers("intake"), timeout=TIMEOUT_S
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "19/11/2025 10:15" in response.json()["detail"]


def test_intake_not_a_feature_422(sos_server):
    response = requests.post(
        f"{sos_server.url}{ITEMS}", json=[1, 2], headers=sos_server.headers("intake"), timeout=TIMEOUT_S
    )
    assert response.status_code == 422


def test_intake_viewer_403(sos_server, make_feature):
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(),
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 403


def test_intake_officer_403(sos_server, make_feature):
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(),
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 403


def test_intake_html_stored_unchanged(sos_server, make_feature):
    text = "<script>alert(1)</script> ' OR 1=1 -- ; DROP TABLE cases"
    created = requests.post(
        f"{sos_server.url}{ITEMS}",
        json=make_feature(description=text),
        headers=sos_server.headers("intake"),
        timeout=TIMEOUT_S,
    ).json()
    assert read_case(sos_server, created["id"])["properties"]["description"] == text


def test_method_not_allowed_problem(sos_server):
    response = requests.delete(
        f"{sos_server.url}{ITEMS}", headers=sos_server.headers("officer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_patch_team_in_history(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "in_progress", "team": "  Đội 3 Hòa Xuân  "})
    entries = history(sos_server, case["id"])
    assert response.status_code == 200
    assert entries[-1]["team"] == "Đội 3 Hòa Xuân"
    assert entries[0]["team"] is None


def test_patch_team_not_case_field(sos_server, create_case):
    case = create_case()
    patch(sos_server, case["id"], {"status": "in_progress", "team": "Đội 3"})
    assert "team" not in read_case(sos_server, case["id"])["properties"]


def test_patch_team_only_is_change(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "needs_help", "team": "Đội 1"})
    assert response.json()["properties"]["version"] == 2
    assert history(sos_server, case["id"])[-1]["team"] == "Đội 1"


def test_patch_blank_team_is_none(sos_server, create_case):
    case = create_case()
    patch(sos_server, case["id"], {"status": "in_progress", "team": "   "})
    assert history(sos_server, case["id"])[-1]["team"] is None


def test_patch_team_too_long_422(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "in_progress", "team": "đ" * 101})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "team"
    assert read_case(sos_server, case["id"])["properties"]["version"] == 1


def test_patch_team_of_100_accepted(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "in_progress", "team": "đ" * 100})
    assert response.status_code == 200


def test_patch_team_control_char_422(sos_server, create_case):
    case = create_case()
    for team in ("Đội\n3", "Đội\t3", "Đội\x003", "Đội\x7f3", "Đội\x853"):
        response = patch(sos_server, case["id"], {"status": "in_progress", "team": team})
        assert response.status_code == 422, repr(team)
        assert response.json()["field"] == "team", repr(team)


def test_patch_team_not_string_422(sos_server, create_case):
    case = create_case()
    response = patch(sos_server, case["id"], {"status": "in_progress", "team": 3})
    assert response.status_code == 422


def test_batch_team_in_history(sos_server, create_case):
    first, second = create_case(), create_case()
    changes = [
        {"id": first["id"], "status": "in_progress", "team": "Đội 2", "if_version": 1},
        {"id": second["id"], "status": "in_progress", "if_version": 1},
    ]
    results = post_batch(sos_server, changes).json()["results"]
    assert [result["outcome"] for result in results] == ["ok", "ok"]
    assert history(sos_server, first["id"])[-1]["team"] == "Đội 2"
    assert history(sos_server, second["id"])[-1]["team"] is None


def test_batch_invalid_team_items(sos_server, create_case):
    case = create_case()
    changes = [
        {"id": case["id"], "status": "in_progress", "team": "x" * 101},
        {"id": case["id"], "status": "in_progress", "team": "Đội\r\n2"},
        {"id": case["id"], "status": "in_progress", "team": ["Đội 2"]},
        {"id": case["id"], "status": "in_progress", "team": "Đội 2"},
    ]
    results = post_batch(sos_server, changes).json()["results"]
    assert [result["outcome"] for result in results] == ["invalid", "invalid", "invalid", "ok"]
    assert history(sos_server, case["id"])[-1]["team"] == "Đội 2"


def test_batch_same_key_other_team_422(sos_server, create_case):
    case = create_case()
    key = str(uuid.uuid4())
    post_batch(sos_server, [{"id": case["id"], "status": "in_progress", "team": "Đội 1"}], key=key)
    response = post_batch(sos_server, [{"id": case["id"], "status": "in_progress", "team": "Đội 2"}], key=key)
    assert response.status_code == 422
    assert history(sos_server, case["id"])[-1]["team"] == "Đội 1"


def test_batch_replay_keeps_team(sos_server, create_case):
    case = create_case()
    key = str(uuid.uuid4())
    changes = [{"id": case["id"], "status": "in_progress", "team": "Đội 1"}]
    post_batch(sos_server, changes, key=key)
    replay = post_batch(sos_server, changes, key=key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(history(sos_server, case["id"])) == 2
