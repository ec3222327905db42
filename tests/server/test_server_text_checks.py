"""Text that is not valid Unicode, and team names that do not read as one visible line, on every write path.

A JSON string may carry an unpaired surrogate such as "\\ud800", which Python decodes but SQLite and UTF-8
cannot store. Each write path must refuse such text as invalid input (422, or an "invalid" batch item),
never fail with 500.
"""

from __future__ import annotations

import json
import unicodedata
import uuid

import pytest
import requests

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
BATCH = "/collections/cases/status-changes"
LONE_SURROGATE = "Đội\ud8001"


def send_json(server, method: str, path: str, body, role: str, **headers: str) -> requests.Response:
    """Send ``body`` as ASCII JSON, so that unpaired surrogates travel as \\uXXXX escapes."""
    return requests.request(
        method,
        f"{server.url}{path}",
        data=json.dumps(body).encode("ascii"),
        headers=server.headers(role, **{"Content-Type": "application/json", **headers}),
        timeout=TIMEOUT_S,
    )


def history(server, case_id: str) -> list[dict]:
    response = requests.get(
        f"{server.url}{ITEMS}/{case_id}/history", headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def change_with(field: str, value: str) -> dict:
    status = "duplicate" if field == "duplicate_of" else "in_progress"
    return {"status": status, field: value}


# PATCH


@pytest.mark.parametrize("field", ["note", "team", "duplicate_of"])
def test_patch_surrogate_422(sos_server, create_case, field):
    case = create_case()
    response = send_json(
        sos_server,
        "PATCH",
        f"{ITEMS}/{case['id']}",
        change_with(field, LONE_SURROGATE),
        "officer",
        **{"If-Match": '"1"'},
    )
    assert response.status_code == 422


def test_patch_surrogate_field(sos_server, create_case):
    case = create_case()
    body = {"status": "in_progress", "team": LONE_SURROGATE}
    response = send_json(sos_server, "PATCH", f"{ITEMS}/{case['id']}", body, "officer", **{"If-Match": '"1"'})
    assert response.json()["field"] == "team"


def test_patch_surrogate_no_change(sos_server, create_case):
    case = create_case()
    body = {"status": "in_progress", "team": LONE_SURROGATE}
    send_json(sos_server, "PATCH", f"{ITEMS}/{case['id']}", body, "officer", **{"If-Match": '"1"'})
    assert len(history(sos_server, case["id"])) == 1


# Batch


def batch_with_surrogate(first: dict, second: dict, field: str) -> list[dict]:
    bad = {"id": second["id"], **change_with(field, LONE_SURROGATE)}
    if field == "id":
        bad = {"id": LONE_SURROGATE, "status": "in_progress"}
    return [{"id": first["id"], "status": "in_progress", "team": "Đội 1"}, bad]


BATCH_FIELDS = ["note", "team", "duplicate_of", "id", "status"]


@pytest.mark.parametrize("field", BATCH_FIELDS)
def test_batch_surrogate_200(sos_server, create_case, field):
    first, second = create_case(), create_case()
    response = send_json(
        sos_server, "POST", BATCH, {"changes": batch_with_surrogate(first, second, field)}, "officer"
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("field", BATCH_FIELDS)
def test_batch_surrogate_outcomes(sos_server, create_case, field):
    first, second = create_case(), create_case()
    response = send_json(
        sos_server, "POST", BATCH, {"changes": batch_with_surrogate(first, second, field)}, "officer"
    )
    assert [result["outcome"] for result in response.json()["results"]] == ["ok", "invalid"]


@pytest.mark.parametrize("field", BATCH_FIELDS)
def test_batch_surrogate_others_applied(sos_server, create_case, field):
    first, second = create_case(), create_case()
    send_json(sos_server, "POST", BATCH, {"changes": batch_with_surrogate(first, second, field)}, "officer")
    assert history(sos_server, first["id"])[-1]["team"] == "Đội 1"


def test_batch_surrogate_id_echo_null(sos_server, create_case):
    first, second = create_case(), create_case()
    response = send_json(
        sos_server, "POST", BATCH, {"changes": batch_with_surrogate(first, second, "id")}, "officer"
    )
    assert response.json()["results"][1]["id"] is None


@pytest.mark.parametrize("field", ["note", "team", "duplicate_of"])
def test_batch_surrogate_key_replayed(sos_server, create_case, field):
    first, second = create_case(), create_case()
    body = {"changes": batch_with_surrogate(first, second, field)}
    key = str(uuid.uuid4())
    send_json(sos_server, "POST", BATCH, body, "officer", **{"Idempotency-Key": key})
    response = send_json(sos_server, "POST", BATCH, body, "officer", **{"Idempotency-Key": key})
    assert response.headers.get("Idempotent-Replayed") == "true"


def test_batch_surrogate_key_applied_once(sos_server, create_case):
    first, second = create_case(), create_case()
    body = {"changes": batch_with_surrogate(first, second, "team")}
    key = str(uuid.uuid4())
    for _ in range(2):
        send_json(sos_server, "POST", BATCH, body, "officer", **{"Idempotency-Key": key})
    assert len(history(sos_server, first["id"])) == 2


# Intake and import

INTAKE_VALUES = {
    "description": LONE_SURROGATE,
    "address": LONE_SURROGATE,
    "reporter_name": LONE_SURROGATE,
    "external_id": LONE_SURROGATE,
    "source": LONE_SURROGATE,
    "phone": "0905\ud800123456",
    "people_count": "3\ud800",
    "urgency": "high\ud800",
    "status": "needs_help\ud800",
    "created_at": "2025-11-19T08:15:00\ud800",
    "needs": ["food\ud800"],
}


def intake_feature(**properties) -> dict:
    base = {
        "status": "needs_help",
        "people_count": 3,
        "description": "Nhà ngập tới mái",
        "created_at": "2025-11-19T08:15:00+07:00",
        "source": "test",
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [108.05, 12.67]},
        "properties": {**base, **properties},
    }


@pytest.mark.parametrize("name", sorted(INTAKE_VALUES))
def test_intake_surrogate_422(sos_server, name):
    feature = intake_feature(**{name: INTAKE_VALUES[name]})
    response = send_json(sos_server, "POST", ITEMS, feature, "intake")
    assert response.status_code == 422, response.text


def test_intake_surrogate_field(sos_server):
    response = send_json(sos_server, "POST", ITEMS, intake_feature(address=LONE_SURROGATE), "intake")
    assert response.json()["field"] == "address"


@pytest.fixture
def surrogate_import(sos_server, tmp_path):
    """Import one feature per surrogate-carrying property and one clean feature; return the CLI run."""
    features = [
        intake_feature(external_id=f"bad-{name}", **{name: value})
        for name, value in sorted(INTAKE_VALUES.items())
        if name != "external_id"
    ]
    features.append(intake_feature(external_id=LONE_SURROGATE))
    features.append(intake_feature(external_id="ok-1"))
    path = tmp_path / "surrogates.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="ascii")
    return sos_server.import_file(path)


def test_import_surrogate_exit_0(surrogate_import):
    assert surrogate_import.returncode == 0, surrogate_import.stderr


def test_import_surrogate_counts(surrogate_import):
    rejected = len(INTAKE_VALUES)
    expected = f"read {rejected + 1}, imported 1, updated as duplicates 0, rejected {rejected}"
    assert expected in surrogate_import.stdout


def test_import_surrogate_reason(surrogate_import):
    assert "address contains the unpaired surrogate U+D800" in surrogate_import.stdout


# Team names: one visible line


@pytest.mark.parametrize(
    "team",
    [
        "Đội 1\u2028Đội 2",
        "Đội\u20291",
        "\u202eĐội 1",
        "Đội\u202a1",
        "\u2066Đội 1\u2069",
        "Đội\u20681",
        "\u200d",
        "\u200d\u2060",
    ],
    ids=lambda team: " ".join(f"U+{ord(char):04X}" for char in team if not char.isalnum() and char != " "),
)
def test_patch_team_not_one_line_422(sos_server, create_case, team):
    case = create_case()
    body = {"status": "in_progress", "team": team}
    response = send_json(sos_server, "PATCH", f"{ITEMS}/{case['id']}", body, "officer", **{"If-Match": '"1"'})
    assert response.status_code == 422


def test_patch_team_separator_message(sos_server, create_case):
    case = create_case()
    body = {"status": "in_progress", "team": "Đội 1\u2028Đội 2"}
    response = send_json(sos_server, "PATCH", f"{ITEMS}/{case['id']}", body, "officer", **{"If-Match": '"1"'})
    assert "one line" in response.json()["detail"]


def test_patch_team_invisible_message(sos_server, create_case):
    case = create_case()
    body = {"status": "in_progress", "team": "\u200d"}
    response = send_json(sos_server, "PATCH", f"{ITEMS}/{case['id']}", body, "officer", **{"If-Match": '"1"'})
    assert "visible" in response.json()["detail"]


def test_batch_team_bidi_invalid(sos_server, create_case):
    case = create_case()
    body = {"changes": [{"id": case["id"], "status": "in_progress", "team": "\u202eĐội 1"}]}
    response = send_json(sos_server, "POST", BATCH, body, "officer")
    assert response.json()["results"][0]["outcome"] == "invalid"


def test_patch_team_joiner_inside_kept(sos_server, create_case):
    case = create_case()
    team = "Đội 👨\u200d👩 1"
    send_json(
        sos_server,
        "PATCH",
        f"{ITEMS}/{case['id']}",
        {"status": "in_progress", "team": team},
        "officer",
        **{"If-Match": '"1"'},
    )
    assert history(sos_server, case["id"])[-1]["team"] == team


def test_patch_team_nfd_stored_nfc(sos_server, create_case):
    case = create_case()
    team = unicodedata.normalize("NFD", "Đội Hòa Xuân")
    send_json(
        sos_server,
        "PATCH",
        f"{ITEMS}/{case['id']}",
        {"status": "in_progress", "team": team},
        "officer",
        **{"If-Match": '"1"'},
    )
    assert history(sos_server, case["id"])[-1]["team"] == "Đội Hòa Xuân"
