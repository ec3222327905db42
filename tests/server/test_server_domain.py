"""Domain rules in process, with an injected clock: idempotency expiry, abandoned keys, team, migration."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from sos_server.domain import (
    CaseService,
    IdempotencyInProgressError,
    Principal,
    StatusChange,
    _canonical_sha256,
)
from sos_server.storage import SqlCaseStore

START = datetime(2025, 11, 19, 3, 0, tzinfo=timezone.utc)
FEATURE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [108.05, 12.67]},
    "properties": {"description": "Nhà ngập", "created_at": "2025-11-19T08:15:00+07:00", "source": "test"},
}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path, clock):
    store = SqlCaseStore.for_sqlite_file(str(tmp_path / "sos.db"))
    yield CaseService(store, clock=clock)
    store.close()


@pytest.fixture
def officer(service) -> Principal:
    return service.authenticate(service.create_token("officer", "officer-a"))


def batch(case_id: str, status: str) -> dict:
    return {"changes": [{"id": case_id, "status": status}]}


def test_pending_key_rejected_409(service, officer):
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    body = batch(case["id"], "supported")
    with service.store.write() as tx:
        tx.reserve_idempotency(officer.token_sha256, "key-1", _canonical_sha256(body), START)
    with pytest.raises(IdempotencyInProgressError):
        service.apply_batch(body, officer, "key-1")


def test_abandoned_key_runs_again(service, officer, clock):
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    body = batch(case["id"], "supported")
    with service.store.write() as tx:
        tx.reserve_idempotency(officer.token_sha256, "key-1", _canonical_sha256(body), START)
    clock.now = START + timedelta(minutes=6)
    response, replayed = service.apply_batch(body, officer, "key-1")
    assert replayed is False
    assert response["results"][0]["outcome"] == "ok"


def test_key_expires_after_24_hours(service, officer, clock):
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    service.apply_batch(batch(case["id"], "supported"), officer, "key-1")
    clock.now = START + timedelta(hours=24, seconds=1)
    response, replayed = service.apply_batch(batch(case["id"], "in_progress"), officer, "key-1")
    assert replayed is False
    assert response["results"][0]["case"]["properties"]["status"] == "in_progress"


def test_key_replayed_within_24_hours(service, officer, clock):
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    first, _ = service.apply_batch(batch(case["id"], "supported"), officer, "key-1")
    clock.now = START + timedelta(hours=23)
    second, replayed = service.apply_batch(batch(case["id"], "supported"), officer, "key-1")
    assert replayed is True
    assert second == first


def test_next_updated_since_margin(service, clock):
    listing = service.list_cases()
    assert listing.next_updated_since == "2025-11-19T02:59:55Z"
    assert listing.time_stamp == "2025-11-19T03:00:00Z"


def test_old_database_gains_team_column(tmp_path, clock):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE case_history (
                entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
                case_id VARCHAR(32) NOT NULL,
                changed_at DATETIME NOT NULL,
                changed_by TEXT NOT NULL,
                from_status VARCHAR(32),
                to_status VARCHAR(32) NOT NULL,
                note TEXT
            );
            """
        )
    store = SqlCaseStore.for_sqlite_file(str(path))
    try:
        service = CaseService(store, clock=clock)
        intake = service.authenticate(service.create_token("intake"))
        officer = service.authenticate(service.create_token("officer", "officer-a"))
        case = service.create_case(FEATURE, intake)
        service.change_status(case["id"], StatusChange(status="in_progress", team="Đội 5"), officer)
        entries = service.get_history(case["id"])
    finally:
        store.close()
    assert entries[0]["team"] is None
    assert entries[1]["team"] == "Đội 5"


def test_old_history_rows_read_team_none(tmp_path, clock):
    path = tmp_path / "sos.db"
    store = SqlCaseStore.for_sqlite_file(str(path))
    service = CaseService(store, clock=clock)
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    store.close()
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE case_history DROP COLUMN team")
    reopened = SqlCaseStore.for_sqlite_file(str(path))
    try:
        entries = CaseService(reopened, clock=clock).get_history(case["id"])
    finally:
        reopened.close()
    assert len(entries) == 1
    assert entries[0]["team"] is None


def test_batch_team_normalised(service, officer):
    intake = service.authenticate(service.create_token("intake"))
    case = service.create_case(FEATURE, intake)
    decomposed = "Đo\u0302\u0323i 7"  # "Đội 7" with combining marks (NFD)
    body = {"changes": [{"id": case["id"], "status": "in_progress", "team": f" {decomposed} "}]}
    response, _ = service.apply_batch(body, officer, None)
    assert response["results"][0]["outcome"] == "ok"
    assert service.get_history(case["id"])[-1]["team"] == "Đội 7"
