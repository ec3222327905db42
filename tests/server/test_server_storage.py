"""Storage of the reference server, in process: SQLite settings, the R*Tree and case ids."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sos_server.storage import CaseQuery, SqlCaseStore, format_case_id, parse_case_id

CREATED = datetime(2025, 11, 19, 1, 15, tzinfo=timezone.utc)


def case_values(lon: float | None, lat: float | None) -> dict:
    return {
        "external_id": None,
        "source": "test",
        "status": "needs_help",
        "people_count": 2,
        "people_count_raw": None,
        "household_count": None,
        "phone": None,
        "reporter_name": None,
        "description": "Nhà ngập",
        "address": None,
        "urgency": None,
        "needs": ["rescue"],
        "has_children": False,
        "has_elderly": False,
        "has_disabilities": False,
        "created_at": CREATED,
        "updated_at": CREATED,
        "version": 1,
        "duplicate_of": None,
        "lon": lon,
        "lat": lat,
        "location_note": None,
        "quality_flags": [],
    }


@pytest.fixture
def store(tmp_path):
    case_store = SqlCaseStore.for_sqlite_file(str(tmp_path / "sos.db"))
    yield case_store
    case_store.close()


def test_sqlite_wal_and_full_sync(store):
    with store.read() as tx:
        connection = tx._conn
        journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert journal_mode == "wal"
    assert synchronous == 2  # FULL
    assert busy_timeout > 0


def test_bbox_query_uses_rtree(store):
    with store.write() as tx:
        tx.insert_case(case_values(108.05, 12.67))
    with store.read() as tx:
        plan = tx._conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT num FROM case_points "
            "WHERE max_lon >= 108 AND min_lon <= 109 AND max_lat >= 12 AND min_lat <= 13"
        ).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "VIRTUAL TABLE INDEX" in details


def test_rtree_follows_location_changes(store):
    with store.write() as tx:
        row = tx.insert_case(case_values(108.05, 12.67))
        tx.insert_case(case_values(None, None))
    with store.write() as tx:
        tx.update_case(row["id"], 1, {"lon": 109.3, "lat": 13.08, "version": 2})
    with store.read() as tx:
        old_place = tx.list_cases(CaseQuery(bbox=(108.0, 12.6, 108.1, 12.7)))
        new_place = tx.list_cases(CaseQuery(bbox=(109.2, 13.0, 109.4, 13.1)))
        indexed = tx._conn.exec_driver_sql("SELECT count(*) FROM case_points").scalar()
    assert old_place.rows == []
    assert [r["id"] for r in new_place.rows] == [row["id"]]
    assert indexed == 1


def test_ids_fixed_width_increasing(store):
    with store.write() as tx:
        ids = [tx.insert_case(case_values(108.0, 12.0))["id"] for _ in range(3)]
    assert ids == ["c0000001", "c0000002", "c0000003"]


def test_update_checks_version(store):
    with store.write() as tx:
        row = tx.insert_case(case_values(108.0, 12.0))
    with store.write() as tx:
        stale = tx.update_case(row["id"], 5, {"status": "supported"})
        current = tx.update_case(row["id"], 1, {"status": "supported", "version": 2})
    assert stale is False
    assert current is True


def test_times_round_trip_utc(store):
    with store.write() as tx:
        row = tx.insert_case(case_values(108.0, 12.0))
    with store.read() as tx:
        stored = tx.get_case(row["id"])
    assert stored["created_at"] == CREATED
    assert stored["created_at"].tzinfo is not None


def test_reopen_keeps_data(tmp_path):
    path = str(tmp_path / "sos.db")
    first = SqlCaseStore.for_sqlite_file(path)
    with first.write() as tx:
        tx.insert_case(case_values(108.0, 12.0))
    first.close()
    second = SqlCaseStore.for_sqlite_file(path)
    with second.read() as tx:
        count = tx.count_cases(CaseQuery())
    second.close()
    assert count == 1


def test_case_id_round_trip():
    assert format_case_id(42) == "c0000042"
    assert parse_case_id("c0000042") == 42
    assert parse_case_id("x0000042") is None
    assert parse_case_id("c00x0042") is None


def test_non_sqlite_url_rejected():
    with pytest.raises(ValueError, match="only SQLite"):
        SqlCaseStore("postgresql://localhost/sos")
