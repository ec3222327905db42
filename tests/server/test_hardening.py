"""Regression tests for the server's hardening: batch reruns after a crash, a database file that stands alone
after a stop, what intake may send, error and log text, text limits and out-of-range times."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from sos_qgis_plugin.core.errors import RecordError
from sos_qgis_plugin.core.timeutil import parse_time
from sos_server.domain import (
    IDEMPOTENCY_PENDING_TIMEOUT,
    CaseService,
    IdempotencyInProgressError,
    InvalidRequestError,
    Principal,
)
from sos_server.storage import SqlCaseStore

TIMEOUT_S = 30
ITEMS = "/collections/cases/items"
BATCH = "/collections/cases/status-changes"
START = datetime(2025, 11, 19, 3, 0, tzinfo=timezone.utc)


# 1. A batch rerun after the server died mid-batch applies each item once.


class ServerKilled(BaseException):
    """Stands for the process dying: like SIGKILL, no `except Exception` in the server sees it."""


class CrashingStore(SqlCaseStore):
    """A real SQLite store that dies when a write transaction starts once ``writes_left`` is used up."""

    writes_left: Optional[int] = None

    @contextmanager
    def write(self) -> Iterator[Any]:
        if self.writes_left is not None:
            if self.writes_left == 0:
                raise ServerKilled()
            self.writes_left -= 1
        with super().write() as tx:
            yield tx


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class CrashedBatch:
    service: CaseService
    clock: Clock
    officer: Principal
    ids: list[str]
    body: dict[str, Any]


def _crash_batch(tmp_path: Path, writes_before_crash: int) -> CrashedBatch:
    store = CrashingStore(f"sqlite:///{tmp_path / 'sos.db'}")
    clock = Clock()
    service = CaseService(store, clock=clock)
    officer = service.authenticate(service.create_token("officer", "officer-a"))
    intake = service.authenticate(service.create_token("intake", "intake-a"))
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [108.05, 12.67]},
        "properties": {"description": "Nhà ngập", "created_at": "2025-11-19T08:15:00+07:00"},
    }
    ids = [service.create_case(feature, intake)["id"] for _ in range(3)]
    body = {
        "changes": [
            {"id": ids[0], "status": "in_progress", "note": "đội 2"},
            {"id": ids[1], "status": "supported", "if_version": 1},
            {"id": ids[2], "status": "unreachable"},
        ]
    }
    # The first write reserves the key; each item then writes once, and the last write completes the key.
    store.writes_left = writes_before_crash
    with pytest.raises(ServerKilled):
        service.apply_batch(body, officer, "key-1")
    store.writes_left = None
    clock.now = START + IDEMPOTENCY_PENDING_TIMEOUT + timedelta(seconds=1)
    return CrashedBatch(service, clock, officer, ids, body)


@pytest.fixture
def crashed_mid_batch(tmp_path) -> Iterator[CrashedBatch]:
    """A batch of three items whose server died after the first two items committed."""
    crashed = _crash_batch(tmp_path, writes_before_crash=3)
    yield crashed
    crashed.service.store.close()


@pytest.fixture
def crashed_before_completion(tmp_path) -> Iterator[CrashedBatch]:
    """A batch of three items whose server died after every item committed, before the key was completed."""
    crashed = _crash_batch(tmp_path, writes_before_crash=4)
    yield crashed
    crashed.service.store.close()


def test_rerun_note_once(crashed_mid_batch):
    crashed = crashed_mid_batch
    crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert len(crashed.service.get_history(crashed.ids[0])) == 2


def test_rerun_if_version_ok(crashed_mid_batch):
    crashed = crashed_mid_batch
    response, _ = crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert response["results"][1]["outcome"] == "ok"


def test_rerun_keeps_version(crashed_mid_batch):
    crashed = crashed_mid_batch
    crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert crashed.service.get_case(crashed.ids[1])["version"] == 2


def test_rerun_applies_rest(crashed_mid_batch):
    crashed = crashed_mid_batch
    crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert crashed.service.get_case(crashed.ids[2])["status"] == "unreachable"


def test_rerun_not_replayed(crashed_mid_batch):
    crashed = crashed_mid_batch
    _, replayed = crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert replayed is False


def test_rerun_then_replayed(crashed_mid_batch):
    crashed = crashed_mid_batch
    first, _ = crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    second, replayed = crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert replayed is True
    assert second == first


def test_rerun_before_timeout_409(crashed_mid_batch):
    crashed = crashed_mid_batch
    crashed.clock.now = START + timedelta(minutes=1)
    with pytest.raises(IdempotencyInProgressError):
        crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")


def test_rerun_other_body_422(crashed_mid_batch):
    crashed = crashed_mid_batch
    other = {"changes": [{"id": crashed.ids[2], "status": "supported"}]}
    with pytest.raises(InvalidRequestError):
        crashed.service.apply_batch(other, crashed.officer, "key-1")


def test_crash_before_completion_no_change(crashed_before_completion):
    crashed = crashed_before_completion
    crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    versions = [crashed.service.get_case(case_id)["version"] for case_id in crashed.ids]
    assert versions == [2, 2, 2]


def test_crash_before_completion_all_ok(crashed_before_completion):
    crashed = crashed_before_completion
    response, _ = crashed.service.apply_batch(crashed.body, crashed.officer, "key-1")
    assert [result["outcome"] for result in response["results"]] == ["ok", "ok", "ok"]


# 2. The database file alone holds every change once the server or a command has stopped.


def _status_in_copy(db_path: Path, copy_dir: Path, case_id: str) -> str:
    copy_dir.mkdir()
    copy = copy_dir / "copy.db"
    shutil.copyfile(db_path, copy)  # the .db file only, without -wal and -shm
    with sqlite3.connect(copy) as connection:
        row = connection.execute("SELECT status FROM cases WHERE id = ?", (case_id,)).fetchone()
    return row[0] if row else ""


def test_db_file_alone_after_sigterm(sos_server, create_case, tmp_path):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "in_progress", "note": "đội 2"},
        headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200
    sos_server.stop()  # SIGTERM
    assert _status_in_copy(sos_server.db_path, tmp_path / "copy", case["id"]) == "in_progress"


def test_db_file_alone_after_import(server_cli, tmp_path):
    source = tmp_path / "cases.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [_feature("imp-1")]}))
    db_path = tmp_path / "sos.db"
    result = server_cli("import", str(source), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert _status_in_copy(db_path, tmp_path / "copy", "c0000001") == "needs_help"


# 3. and 4. Intake creates new needs_help cases only.


def _feature(
    external_id: Optional[str] = None, lon: float = 108.05, lat: float = 12.67, **properties: Any
) -> dict:
    base = {"description": "Nhà ngập", "created_at": "2025-11-19T08:15:00+07:00", "source": "test"}
    if external_id is not None:
        base["external_id"] = external_id
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {**base, **properties},
    }


def _post(server, feature: Any) -> requests.Response:
    return requests.post(
        f"{server.url}{ITEMS}", json=feature, headers=server.headers("intake"), timeout=TIMEOUT_S
    )


def _read(server, case_id: str, suffix: str = "") -> Any:
    response = requests.get(
        f"{server.url}{ITEMS}/{case_id}{suffix}", headers=server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_intake_status_422(sos_server):
    response = _post(sos_server, _feature(status="in_progress"))
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert "needs_help" in response.json()["detail"]


def test_intake_duplicate_of_422(sos_server, create_case):
    case = create_case()
    response = _post(sos_server, _feature(duplicate_of=case["id"]))
    assert response.status_code == 422
    assert response.json()["field"] == "duplicate_of"


def test_intake_starts_needs_help(sos_server):
    response = _post(sos_server, _feature())
    assert response.status_code == 201
    assert response.json()["properties"]["status"] == "needs_help"


def test_intake_known_external_id_409(sos_server):
    first = _post(sos_server, _feature("zalo-9")).json()
    response = _post(sos_server, _feature("zalo-9", people_count=40))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["existing_id"] == first["id"]
    assert first["id"] in response.json()["detail"]
    assert response.headers["Location"] == f"{sos_server.url}{ITEMS}/{first['id']}"


def test_intake_409_changes_nothing(sos_server):
    first = _post(sos_server, _feature("zalo-9")).json()
    _post(sos_server, _feature("zalo-9", people_count=40))
    assert _read(sos_server, first["id"])["properties"]["version"] == 1
    assert len(_read(sos_server, first["id"], "/history")["entries"]) == 1


def test_intake_other_source_201(sos_server):
    _post(sos_server, _feature("zalo-9"))
    response = _post(sos_server, _feature("zalo-9", source="hotline"))
    assert response.status_code == 201


def test_import_notes_location_change(sos_server, tmp_path):
    first = tmp_path / "first.geojson"
    first.write_text(
        json.dumps({"type": "FeatureCollection", "features": [_feature("imp-1", 109.16, 12.97)]})
    )
    later = tmp_path / "later.geojson"
    later.write_text(json.dumps({"type": "FeatureCollection", "features": [_feature("imp-1", 108.0, 12.5)]}))
    sos_server.import_file(first)
    sos_server.import_file(later)
    entries = _read(sos_server, "c0000001", "/history")["entries"]
    assert "location changed from 109.16,12.97 to 108.0,12.5" in entries[-1]["note"]


def test_import_same_location_no_note(sos_server, tmp_path):
    path = tmp_path / "cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [_feature("imp-1", 108.0, 12.5)]}))
    sos_server.import_file(path)
    sos_server.import_file(path)
    entries = _read(sos_server, "c0000001", "/history")["entries"]
    assert "location" not in entries[-1]["note"]


# 5. and 6. Problem details that fit the request.


def test_create_too_large_413(sos_server):
    body = json.dumps(_feature(description="x" * (1024 * 1024)))
    response = requests.post(
        f"{sos_server.url}{ITEMS}",
        data=body.encode("utf-8"),
        headers=sos_server.headers("intake", **{"Content-Type": "application/json"}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than 1 MiB."


def test_batch_too_large_413(sos_server):
    changes = [{"id": "c0000001", "status": "supported", "note": "x" * 1000}] * 1100
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"changes": changes},
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 413
    assert response.json()["detail"].endswith("Send fewer changes per request.")


def test_non_ascii_id_404_detail(sos_server):
    response = requests.get(
        f"{sos_server.url}{ITEMS}/%F0%9F%98%80", headers=sos_server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.status_code == 404
    # `text` decodes with a guessed charset, because application/problem+json names none.
    assert "'😀'" in json.loads(response.text)["detail"]


def test_problem_body_ascii(sos_server):
    response = requests.get(
        f"{sos_server.url}{ITEMS}/%E1%BA%A1", headers=sos_server.headers("viewer"), timeout=TIMEOUT_S
    )
    assert response.content.isascii()


# 7. The log carries no phone-like digits and no control characters from a path.


def _log_after(server, path: str, role: Optional[str] = None) -> str:
    headers = server.headers(role) if role else {}
    requests.get(f"{server.url}{path}", headers=headers, timeout=TIMEOUT_S)
    server.stop()  # the log is complete once the process has ended
    return server.log_path.read_text(encoding="utf-8")


def test_log_masks_phone(sos_server):
    log = _log_after(sos_server, f"{ITEMS}/0912345678")
    assert "0912345678" not in log
    assert f"GET {ITEMS}/[digits] rejected with 401" in log


def test_log_masks_spaced_phone(sos_server):
    log = _log_after(sos_server, f"{ITEMS}/0912%20345%20678", role="viewer")
    # Only the request lines are checked: the server's random port may contain the same digits.
    request_lines = [line for line in log.splitlines() if f"GET {ITEMS}/" in line]
    assert len(request_lines) == 1
    assert "345" not in request_lines[0]
    assert f"GET {ITEMS}/[digits] rejected with 404" in request_lines[0]


def test_log_keeps_case_id(sos_server):
    log = _log_after(sos_server, f"{ITEMS}/c0000042", role="viewer")
    assert f"GET {ITEMS}/c0000042 rejected with 404" in log


def test_log_escapes_control_characters(sos_server):
    log = _log_after(sos_server, f"{ITEMS}/a%0D%0Ab%00c", role="viewer")
    assert "\x00" not in log
    assert "\r" not in log
    assert f"{ITEMS}/a\\u000d\\u000ab\\u0000c rejected" in log


def test_token_log_wording(server_cli, tmp_path):
    result = server_cli("token", "create", "--role", "officer", "--db", str(tmp_path / "sos.db"))
    assert "created a token for the officer role" in result.stderr


# 8. Text limits and NUL characters.


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("external_id", 256),
        ("source", 256),
        ("address", 256),
        ("reporter_name", 256),
        ("description", 10_001),
    ],
)
def test_intake_text_too_long_422(sos_server, name, length):
    response = _post(sos_server, _feature(**{name: "x" * length}))
    assert response.status_code == 422
    assert response.json()["field"] == name


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("external_id", 255),
        ("source", 255),
        ("address", 255),
        ("reporter_name", 255),
        ("description", 10_000),
    ],
)
def test_intake_text_at_limit_201(sos_server, name, length):
    response = _post(sos_server, _feature(**{name: "x" * length}))
    assert response.status_code == 201


@pytest.mark.parametrize("name", ["description", "address", "reporter_name", "external_id", "source"])
def test_intake_nul_422(sos_server, name):
    response = _post(sos_server, _feature(**{name: "Nhà\x00ngập"}))
    assert response.status_code == 422
    assert response.json()["field"] == name


def test_patch_note_nul_422(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "in_progress", "note": "đội\x002"},
        headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "note"


def test_patch_note_too_long_422(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "in_progress", "note": "x" * 2001},
        headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 422


def test_batch_note_nul_invalid(sos_server, create_case):
    case = create_case()
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"changes": [{"id": case["id"], "status": "in_progress", "note": "đội\x002"}]},
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.json()["results"][0]["outcome"] == "invalid"


def test_batch_note_too_long_invalid(sos_server, create_case):
    case = create_case()
    response = requests.post(
        f"{sos_server.url}{BATCH}",
        json={"changes": [{"id": case["id"], "status": "in_progress", "note": "x" * 2001}]},
        headers=sos_server.headers("officer"),
        timeout=TIMEOUT_S,
    )
    assert response.json()["results"][0]["outcome"] == "invalid"


@pytest.fixture
def limits_import(sos_server, tmp_path):
    """Import three features, of which the first two break a text limit; return the finished CLI run."""
    features = [
        _feature("long-1", description="x" * 10_001),
        _feature("nul-1", address="12\x00 Lê Duẩn"),
        _feature("ok-1"),
    ]
    path = tmp_path / "limits.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return sos_server.import_file(path)


def test_import_limits_counts(limits_import):
    assert "read 3, imported 1, updated as duplicates 0, rejected 2" in limits_import.stdout


def test_import_limits_long_reason(limits_import):
    expected = "rejected feature 0 (external id long-1): description has 10001 characters; at most 10000"
    assert expected in limits_import.stdout


def test_import_limits_nul_reason(limits_import):
    assert "rejected feature 1 (external id nul-1): address contains a NUL character" in limits_import.stdout


# 9. Times whose UTC form is outside the years 1 to 9999.


def test_parse_time_before_year_1():
    with pytest.raises(RecordError) as caught:
        parse_time("0001-01-01T00:00:00+01:00")
    assert "1 to 9999" in caught.value.reason


def test_parse_time_after_year_9999():
    with pytest.raises(RecordError):
        parse_time("9999-12-31T23:30:00-01:00")


def test_import_rejects_out_of_range_time(sos_server, tmp_path):
    features = [_feature("early-1", created_at="0001-01-01T00:00:00+01:00"), _feature("ok-1")]
    path = tmp_path / "times.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = sos_server.import_file(path)
    assert result.returncode == 0, result.stderr
    assert "read 2, imported 1, updated as duplicates 0, rejected 1" in result.stdout
    assert "rejected feature 0 (external id early-1): created_at" in result.stdout
