"""The server's command line: import of the bad-input case files and the real data, and token create."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import requests

TIMEOUT_S = 60
ITEMS = "/collections/cases/items"
REAL_DATA = Path("data") / "sos" / "daklak_nov2025_requests.geojson"


def all_cases(server) -> list[dict]:
    response = requests.get(
        f"{server.url}{ITEMS}", params={"limit": 10000}, headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    return response.json()["features"]


def cases_by_external_id(server) -> dict[str, dict]:
    return {case["properties"]["external_id"]: case for case in all_cases(server)}


def import_case_file(server, shared_dir: Path, name: str):
    result = server.import_file(shared_dir / "cases" / name)
    assert result.returncode == 0, result.stderr
    return result


def test_import_duplicate_ids(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "duplicate_ids.geojson")
    cases = all_cases(sos_server)
    dup = [case for case in cases if case["properties"]["external_id"] == "dup-1"]
    without_id = [case for case in cases if case["properties"]["external_id"] is None]
    assert "read 3, imported 2, updated as duplicates 1, rejected 0" in result.stdout
    assert "dup-1" in result.stdout
    assert len(dup) == 1
    assert dup[0]["properties"]["people_count"] == 5
    assert len(without_id) == 1


def test_import_again_updates_existing(sos_server, shared_dir):
    import_case_file(sos_server, shared_dir, "duplicate_ids.geojson")
    before = cases_by_external_id(sos_server)["dup-1"]
    result = import_case_file(sos_server, shared_dir, "duplicate_ids.geojson")
    cases = all_cases(sos_server)
    after = cases_by_external_id(sos_server)["dup-1"]
    assert "imported 1, updated as duplicates 2" in result.stdout
    assert len(cases) == 3  # dup-1 merged, and each empty external id got its own case
    assert after["id"] == before["id"]
    assert after["properties"]["version"] == 2


def test_import_keeps_officer_status(sos_server, shared_dir):
    import_case_file(sos_server, shared_dir, "duplicate_ids.geojson")
    case = cases_by_external_id(sos_server)["dup-1"]
    requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "supported"},
        headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
        timeout=TIMEOUT_S,
    )
    import_case_file(sos_server, shared_dir, "duplicate_ids.geojson")
    history = requests.get(
        f"{sos_server.url}{ITEMS}/{case['id']}/history",
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    ).json()["entries"]
    assert cases_by_external_id(sos_server)["dup-1"]["properties"]["status"] == "supported"
    assert [entry["to_status"] for entry in history] == ["needs_help", "supported", "supported"]


def test_import_time_zones(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "time_zones.geojson")
    cases = cases_by_external_id(sos_server)
    assert "rejected 1" in result.stdout
    assert "rejected feature 3 (external id tz-4)" in result.stdout
    assert "19/11/2025 10:15" in result.stdout
    assert cases["tz-1"]["properties"]["created_at"] == "2025-11-19T03:15:00Z"
    assert cases["tz-2"]["properties"]["created_at"] == cases["tz-1"]["properties"]["created_at"]
    assert cases["tz-3"]["properties"]["created_at"] == "2025-11-19T03:15:00Z"
    assert "tz-4" not in cases


def test_import_html_injection_unchanged(sos_server, shared_dir):
    import_case_file(sos_server, shared_dir, "html_injection.geojson")
    source = json.loads((shared_dir / "cases" / "html_injection.geojson").read_text(encoding="utf-8"))
    expected = {feature["properties"]["external_id"]: feature["properties"] for feature in source["features"]}
    cases = cases_by_external_id(sos_server)
    assert len(cases) == 3
    for external_id, properties in expected.items():
        assert cases[external_id]["properties"]["description"] == properties["description"]
    assert cases["html-2"]["properties"]["reporter_name"] == expected["html-2"]["reporter_name"]


def test_import_null_geometry(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "null_geometry.geojson")
    cases = cases_by_external_id(sos_server)
    assert "imported 3" in result.stdout
    assert cases["ng-1"]["geometry"]["coordinates"] == [109.3, 13.08]
    assert cases["ng-2"]["geometry"] is None
    assert cases["ng-3"]["geometry"] is None
    assert "no_location" in cases["ng-3"]["properties"]["quality_flags"]


def test_import_string_coordinates(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "string_coordinates.geojson")
    cases = cases_by_external_id(sos_server)
    assert "read 3, imported 1, updated as duplicates 0, rejected 2" in result.stdout
    assert "rejected feature 1 (external id sc-2)" in result.stdout
    assert "109,3012" in result.stdout
    assert "rejected feature 2 (external id sc-3)" in result.stdout
    assert set(cases) == {"sc-1"}
    assert cases["sc-1"]["geometry"]["coordinates"] != [0, 0]


def test_import_vietnamese_nfd_stored_nfc(sos_server, shared_dir):
    import_case_file(sos_server, shared_dir, "vietnamese_nfd.geojson")
    cases = all_cases(sos_server)
    texts = [
        case["properties"][name]
        for case in cases
        for name in ("description", "address", "reporter_name")
        if case["properties"][name]
    ]
    assert len(cases) == 3
    assert texts
    for text in texts:
        assert unicodedata.is_normalized("NFC", text), text
        assert "\u200b" not in text


def test_import_suspicious_coordinates(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "suspicious_coordinates.geojson")
    flags = [flag for case in all_cases(sos_server) for flag in case["properties"]["quality_flags"]]
    assert "rejected 1" in result.stdout  # latitude 95
    assert "coordinates_swapped" in flags
    assert "outside_service_area" in flags
    assert "no_location" in flags


@pytest.mark.parametrize(
    "name",
    ["loose_types.geojson", "geometry_types.geojson", "bowtie_pins.geojson"],
)
def test_import_loads_every_valid_record(sos_server, shared_dir, name):
    source = json.loads((shared_dir / "cases" / name).read_text(encoding="utf-8"))
    result = import_case_file(sos_server, shared_dir, name)
    rejected_lines = [line for line in result.stdout.splitlines() if line.startswith("rejected feature")]
    assert len(all_cases(sos_server)) + len(rejected_lines) == len(source["features"])


def test_import_empty_collection(sos_server, shared_dir):
    result = import_case_file(sos_server, shared_dir, "empty_collection.geojson")
    assert "read 0, imported 0" in result.stdout
    assert all_cases(sos_server) == []


def test_import_unreadable_file_exit_2(tmp_path, server_cli):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    result = server_cli("import", str(broken), "--db", str(tmp_path / "sos.db"))
    assert result.returncode == 2
    assert "broken.geojson" in result.stderr


def test_import_missing_file_exit_2(tmp_path, server_cli):
    result = server_cli("import", str(tmp_path / "missing.geojson"), "--db", str(tmp_path / "sos.db"))
    assert result.returncode == 2


def test_import_not_feature_collection_exit_2(tmp_path, server_cli):
    wrong = tmp_path / "wrong.geojson"
    wrong.write_text('{"type": "Feature"}', encoding="utf-8")
    result = server_cli("import", str(wrong), "--db", str(tmp_path / "sos.db"))
    assert result.returncode == 2


@pytest.mark.realdata
def test_import_real_requests(sos_server, shared_dir):
    path = shared_dir / REAL_DATA
    if not path.is_file():
        pytest.skip(f"real SOS data not found at {path}")
    result = sos_server.import_file(path)
    body = requests.get(
        f"{sos_server.url}{ITEMS}",
        params={"limit": 1},
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    ).json()
    assert result.returncode == 0
    assert "read 591, imported 591, updated as duplicates 0, rejected 0" in result.stdout
    assert body["numberMatched"] == 591
    assert len(all_cases(sos_server)) == 591


def test_token_create_prints_only_token(tmp_path, server_cli):
    result = server_cli("token", "create", "--role", "officer", "--db", str(tmp_path / "sos.db"))
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert len(lines) == 1
    assert len(lines[0]) >= 32
    assert lines[0] not in result.stderr


def test_token_create_unknown_role(tmp_path, server_cli):
    result = server_cli("token", "create", "--role", "admin", "--db", str(tmp_path / "sos.db"))
    assert result.returncode != 0
    assert result.stdout == ""


def test_token_name_in_history(sos_server, create_case):
    token = sos_server.create_token("officer", name="Đội cứu hộ 3")
    case = create_case()
    requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "in_progress"},
        headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
        timeout=TIMEOUT_S,
    )
    history = requests.get(
        f"{sos_server.url}{ITEMS}/{case['id']}/history",
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    ).json()["entries"]
    assert history[-1]["changed_by"] == "Đội cứu hộ 3"


def test_token_stored_as_hash(sos_server):
    import sqlite3

    connection = sqlite3.connect(sos_server.db_path)
    try:
        stored = [row[0] for row in connection.execute("SELECT token_sha256 FROM tokens")]
    finally:
        connection.close()
    assert sos_server.tokens["officer"] not in stored
    assert len(stored) == 3


def test_server_log_has_no_token_or_phone(sos_server, create_case):
    create_case(phone="0912345678")
    requests.get(f"{sos_server.url}{ITEMS}", headers=sos_server.headers("viewer"), timeout=TIMEOUT_S)
    sos_server.stop()
    log = sos_server.log_path.read_text(encoding="utf-8")
    assert "serving database" in log
    assert sos_server.tokens["viewer"] not in log
    assert "0912345678" not in log
    assert "+84912345678" not in log
