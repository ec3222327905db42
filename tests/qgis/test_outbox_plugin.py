"""Sending the outbox to the reference server: network loss, conflicts both ways, failed batches."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from qgis.core import NULL, QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

from sos_qgis_plugin.case_layer import CaseLayerStore, outbox_path_of
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient, StatusChange
from sos_qgis_plugin.core.outbox import Outbox
from sos_qgis_plugin.tasks import FetchCasesTask, SendOutboxTask, format_case_ids

STATES = ("pending", "sent", "done", "conflict", "failed", "not_found", "invalid", "discarded", "superseded")


def _client(url: str, token: str) -> SosClient:
    return SosClient(ClientConfig(base_url=url, token=token, max_retries=0, connect_timeout_s=2))


def _import_cases(server, folder: Path, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"outbox-{number}",
                "status": "needs_help",
                "people_count": 2,
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.5]},
        }
        for number in range(count)
    ]
    path = folder / "outbox_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


def _fetch(run_task, server, layer):
    client = _client(server.url, server.tokens["viewer"])
    return run_task(lambda on_done: FetchCasesTask(client, layer, None, None, on_done))


def _send(run_task, url: str, token: str, layer, batch_keys=None):
    client = _client(url, token)
    path = outbox_path_of(layer)
    return run_task(lambda on_done: SendOutboxTask(client, path, layer, on_done, batch_keys))


def _layer_values(layer, case_id: str) -> dict:
    for feature in layer.getFeatures():
        if feature["id"] == case_id:
            return {name: feature[name] for name in ("status", "version", "sync_state")}
    raise AssertionError(f"case {case_id} not in the layer")


def _queue(layer, case_ids, status: str, note: str) -> list:
    versions = {feature["id"]: feature["version"] for feature in layer.getFeatures()}
    changes = [StatusChange(case_id, status, note=note, if_version=versions[case_id]) for case_id in case_ids]
    with Outbox(outbox_path_of(layer)) as outbox:
        return outbox.queue(changes)


def _history(server, case_id: str) -> list[dict]:
    with _client(server.url, server.tokens["viewer"]) as client:
        return client.get_history(case_id)


@pytest.fixture
def fetched_layer(case_layer, sos_server, tmp_path, run_task):
    _import_cases(sos_server, tmp_path, 3)
    _fetch(run_task, sos_server, case_layer)
    return case_layer


def _case_ids(layer) -> list[str]:
    return sorted(feature["id"] for feature in layer.getFeatures())


def test_network_down_keeps_pending(fetched_layer, sos_server, run_task):
    case_id = _case_ids(fetched_layer)[0]
    _queue(fetched_layer, [case_id], "in_progress", "team 3")
    sos_server.stop()

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        change = outbox.changes_for_case(case_id)[0]
    assert not outcome.ok
    assert outcome.waiting == 1
    assert "kept and will be sent again" in outcome.message
    assert change.state == "sent"
    assert _layer_values(fetched_layer, case_id)["sync_state"] == "sent"


def test_resend_after_server_back(fetched_layer, sos_server, run_task):
    case_id = _case_ids(fetched_layer)[0]
    _queue(fetched_layer, [case_id], "in_progress", "team 3")
    sos_server.stop()
    _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)
    sos_server.start()

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    values = _layer_values(fetched_layer, case_id)
    assert outcome.ok
    assert outcome.confirmed == 1
    assert values["status"] == "in_progress"
    assert values["sync_state"] == NULL
    assert [entry["note"] for entry in _history(sos_server, case_id)].count("team 3") == 1


def _make_conflict(layer, server, run_task) -> str:
    case_id = _case_ids(layer)[0]
    _queue(layer, [case_id], "supported", "mine: boat 2 reached them")
    # Another officer changes the case first.
    with _client(server.url, server.tokens["officer"]) as other:
        _, version = other.get_case(case_id)
        other.set_status(case_id, "unreachable", version=version, note="theirs: phone off")
    outcome = _send(run_task, server.url, server.tokens["officer"], layer)
    assert outcome.conflict_ids == [case_id]
    return case_id


def test_conflict_layer_shows_theirs(fetched_layer, sos_server, run_task):
    case_id = _make_conflict(fetched_layer, sos_server, run_task)

    values = _layer_values(fetched_layer, case_id)
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        conflict = outbox.conflicts()[0]
    assert values["status"] == "unreachable"
    assert values["sync_state"] == "conflict"
    assert conflict.status == "supported"
    assert conflict.theirs["properties"]["status"] == "unreachable"


def test_conflict_apply_mine(fetched_layer, sos_server, run_task):
    case_id = _make_conflict(fetched_layer, sos_server, run_task)
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        outbox.apply_mine(outbox.conflicts()[0].change_id)

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    values = _layer_values(fetched_layer, case_id)
    with _client(sos_server.url, sos_server.tokens["viewer"]) as client:
        server_case, _ = client.get_case(case_id)
    assert outcome.confirmed == 1
    assert server_case["properties"]["status"] == "supported"
    assert values["status"] == "supported"
    assert values["sync_state"] == NULL


def test_conflict_keep_theirs(fetched_layer, sos_server, run_task):
    case_id = _make_conflict(fetched_layer, sos_server, run_task)
    entries_before = len(_history(sos_server, case_id))
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        outbox.keep_theirs(outbox.conflicts()[0].change_id)

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        states = [change.state for change in outbox.changes_for_case(case_id)]
    assert outcome.sent == 0
    assert states == ["discarded"]
    assert len(_history(sos_server, case_id)) == entries_before
    assert _layer_values(fetched_layer, case_id)["status"] == "unreachable"
    assert _layer_values(fetched_layer, case_id)["sync_state"] == NULL


def test_mixed_batch_results(fetched_layer, sos_server, run_task):
    case_ids = _case_ids(fetched_layer)
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        outbox.queue(
            [
                StatusChange(case_ids[0], "supported", note="ok", if_version=1),
                StatusChange("c9999999", "supported", note="missing"),
            ]
        )

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    assert outcome.confirmed == 1
    assert outcome.failed_ids == ["c9999999"]
    assert "c9999999" in outcome.message
    assert _layer_values(fetched_layer, case_ids[0])["status"] == "supported"


class _RejectingHandler(BaseHTTPRequestHandler):
    """Return 422 for every request, as a server that rejects the whole batch does."""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"type": "about:blank", "title": "Unprocessable", "status": 422, "detail": "no"})
        data = body.encode("utf-8")
        self.send_response(422)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rejecting_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_failed_batch_retried(fetched_layer, sos_server, rejecting_server, run_task):
    case_id = _case_ids(fetched_layer)[0]
    _queue(fetched_layer, [case_id], "supported", "retry me")
    failed = _send(run_task, rejecting_server, "unused-token", fetched_layer)
    assert failed.failed_ids == [case_id]
    assert _layer_values(fetched_layer, case_id)["sync_state"] == "failed"
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        outbox.retry([change.change_id for change in outbox.failed()])

    outcome = _send(run_task, sos_server.url, sos_server.tokens["officer"], fetched_layer)

    assert outcome.confirmed == 1
    assert _layer_values(fetched_layer, case_id)["sync_state"] == NULL
    assert _layer_values(fetched_layer, case_id)["status"] == "supported"


def test_refresh_keeps_pending_case(fetched_layer, sos_server, run_task):
    case_id = _case_ids(fetched_layer)[0]
    _queue(fetched_layer, [case_id], "supported", "not sent yet")
    CaseLayerStore(fetched_layer).set_sync_states({case_id: "pending"})
    with _client(sos_server.url, sos_server.tokens["officer"]) as other:
        other.set_status(case_id, "in_progress", version=1, note="someone else")

    outcome = _fetch(run_task, sos_server, fetched_layer)

    values = _layer_values(fetched_layer, case_id)
    assert outcome.kept_pending == 1
    assert values["version"] == 1
    assert values["sync_state"] == "pending"


def test_format_ids_and_more():
    ids = [f"c{number:07d}" for number in range(12)]

    text = format_case_ids(ids)

    assert text.startswith("c0000000, c0000001")
    assert text.endswith("and 2 more")
    assert "c0000010" not in text


def test_conflict_dialog_rows_and_choices(fetched_layer, sos_server, run_task):
    from sos_qgis_plugin.gui.conflict_dialog import APPLY_MINE, KEEP_THEIRS, ConflictDialog

    case_id = _make_conflict(fetched_layer, sos_server, run_task)
    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        conflicts = outbox.conflicts()
    latest = {case_id: {"changed_by": "<b>test-officer</b>", "changed_at": "2025-11-19T03:15:00Z"}}

    dialog = ConflictDialog(conflicts, latest)
    dialog.choose([0], KEEP_THEIRS)
    dialog.choose([0], APPLY_MINE)

    table = dialog.conflictTable
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == case_id
    assert table.item(0, 1).text() == "Unreachable"
    assert table.item(0, 2).text() == "<b>test-officer</b>"
    assert table.item(0, 3).text() == "2025-11-19 10:15"
    assert table.item(0, 4).text() == "Supported"
    assert table.item(0, 5).text() == "mine: boat 2 reached them"
    assert dialog.choices() == {conflicts[0].change_id: APPLY_MINE}


def test_style_outline_follows_sync_state(case_layer):
    from qgis.core import QgsSymbolLayer

    from sos_qgis_plugin.style import apply_case_style

    apply_case_style(case_layer)

    # The categories and the symbol are kept in names: a temporary's symbol is deleted with it.
    categories = case_layer.renderer().categories()
    symbol = categories[0].symbol()
    stroke = symbol.symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertyStrokeColor)
    assert stroke.isActive()
    assert '"sync_state"' in stroke.expressionString()


HOLD_LIMIT_S = 30.0
_FORWARDED_HEADERS = ("Authorization", "Content-Type", "Accept", "Idempotency-Key", "If-Match")


class _HoldingProxy:
    """A loopback proxy to the test server that delays the response of the first batch POST until released.

    The first batch reaches the server at once, so it is applied while its response waits. Every batch body
    is kept in `bodies`, in the order the requests came.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.forwarded = threading.Event()
        self.release = threading.Event()
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
                proxy.forward(self)

            def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
                proxy.forward(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        data = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {name: handler.headers[name] for name in _FORWARDED_HEADERS if handler.headers[name]}
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            connection.request(handler.command, handler.path, body=data or None, headers=headers)
            response = connection.getresponse()
            status, content_type, payload = (
                response.status,
                response.getheader("Content-Type"),
                response.read(),
            )
        finally:
            connection.close()
        hold = False
        if handler.command == "POST" and handler.path.endswith("/status-changes"):
            with self._lock:
                self.bodies.append(json.loads(data))
                hold = len(self.bodies) == 1
        if hold:
            self.forwarded.set()
            self.release.wait(HOLD_LIMIT_S)
        handler.send_response(status)
        handler.send_header("Content-Type", content_type or "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def holding_proxy(sos_server) -> Iterator[_HoldingProxy]:
    proxy = _HoldingProxy(sos_server.url)
    yield proxy
    proxy.close()


def _wait_for(condition, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    assert condition(), f"still waiting after {timeout_s} s"


def _transitions(server, case_id: str) -> list[tuple]:
    """Return (from, to, note) of each history entry after the creation."""
    return [
        (entry["from_status"], entry["to_status"], entry["note"]) for entry in _history(server, case_id)[1:]
    ]


def test_superseded_while_in_flight(fetched_layer, sos_server, holding_proxy):
    c1, c2, c3 = _case_ids(fetched_layer)
    _queue(fetched_layer, [c1], "in_progress", "batch 1")
    replaced = _queue(fetched_layer, [c2, c3], "in_progress", "batch 2")[1]
    outcomes: list = []
    client = _client(holding_proxy.url, sos_server.tokens["officer"])
    task = SendOutboxTask(client, outbox_path_of(fetched_layer), fetched_layer, outcomes.append)
    QgsApplication.taskManager().addTask(task)
    _wait_for(holding_proxy.forwarded.is_set)

    # While batch 1's reply is held, the officer corrects c3 from the layer's version.
    correction = _queue(fetched_layer, [c3], "unreachable", "correction")[0]
    holding_proxy.release.set()
    _wait_for(lambda: bool(outcomes))

    with Outbox(outbox_path_of(fetched_layer)) as outbox:
        states = {change.change_id: change.state for change in outbox.changes_in_state(*STATES)}
        c2_state = outbox.changes_for_case(c2)[0].state
    sent_items = [(item["id"], item["status"]) for body in holding_proxy.bodies for item in body["changes"]]
    with _client(sos_server.url, sos_server.tokens["viewer"]) as viewer:
        c3_case, _ = viewer.get_case(c3)
    assert outcomes[0].ok
    assert (c3, "in_progress") not in sent_items
    assert states[replaced.change_id] == "superseded"
    assert c2_state == "done"
    assert states[correction.change_id] == "done"
    assert c3_case["properties"]["status"] == "unreachable"
    assert _transitions(sos_server, c1) == [("needs_help", "in_progress", "batch 1")]
    assert _transitions(sos_server, c2) == [("needs_help", "in_progress", "batch 2")]
    assert _transitions(sos_server, c3) == [("needs_help", "unreachable", "correction")]
    assert _layer_values(fetched_layer, c3)["status"] == "unreachable"
