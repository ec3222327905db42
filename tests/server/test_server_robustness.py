"""Concurrent writers and unexpected failures against a real server."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import requests

TIMEOUT_S = 60
ITEMS = "/collections/cases/items"
OFFICERS = 20


def test_concurrent_patch_one_winner(sos_server, create_case):
    case = create_case()

    def change(index: int) -> int:
        response = requests.patch(
            f"{sos_server.url}{ITEMS}/{case['id']}",
            json={"status": "in_progress", "note": f"đội {index}"},
            headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
            timeout=TIMEOUT_S,
        )
        return response.status_code

    with ThreadPoolExecutor(OFFICERS) as pool:
        statuses = list(pool.map(change, range(OFFICERS)))
    history = requests.get(
        f"{sos_server.url}{ITEMS}/{case['id']}/history",
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    ).json()["entries"]
    assert statuses.count(200) == 1
    assert statuses.count(412) == OFFICERS - 1
    assert len(history) == 2


def test_concurrent_patch_many_cases(sos_server, create_case):
    cases = [create_case() for _ in range(OFFICERS)]

    def change(case: dict) -> int:
        response = requests.patch(
            f"{sos_server.url}{ITEMS}/{case['id']}",
            json={"status": "supported"},
            headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
            timeout=TIMEOUT_S,
        )
        return response.status_code

    with ThreadPoolExecutor(OFFICERS) as pool:
        statuses = list(pool.map(change, cases))
    assert statuses == [200] * OFFICERS


def test_unexpected_error_generic_500(sos_server, create_case):
    case = create_case()
    connection = sqlite3.connect(sos_server.db_path)
    try:
        connection.execute("DROP TABLE case_history")
        connection.commit()
    finally:
        connection.close()
    response = requests.get(
        f"{sos_server.url}{ITEMS}/{case['id']}/history",
        headers=sos_server.headers("viewer"),
        timeout=TIMEOUT_S,
    )
    body = response.json()
    sos_server.stop()
    log = sos_server.log_path.read_text(encoding="utf-8")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "case_history" not in body["detail"]
    assert "case_history" in log


def test_acknowledged_write_survives_kill(sos_server, create_case):
    case = create_case()
    response = requests.patch(
        f"{sos_server.url}{ITEMS}/{case['id']}",
        json={"status": "supported"},
        headers=sos_server.headers("officer", **{"If-Match": '"1"'}),
        timeout=TIMEOUT_S,
    )
    sos_server.process.kill()
    sos_server.process.wait(10)
    connection = sqlite3.connect(sos_server.db_path)
    try:
        query = "SELECT status, version FROM cases WHERE id = ?"
        status, version = connection.execute(query, (case["id"],)).fetchone()
    finally:
        connection.close()
    assert response.status_code == 200
    assert status == "supported"
    assert version == 2


def test_terminate_stops_and_logs(sos_server):
    sos_server.process.terminate()
    sos_server.process.wait(5)
    log = sos_server.log_path.read_text(encoding="utf-8")
    assert sos_server.process.returncode is not None
    assert "received signal" in log
