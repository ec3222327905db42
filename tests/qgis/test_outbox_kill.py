"""QGIS killed in the middle of a send: the next start resends with the same key and nothing applies twice.

A child QGIS process queues a status change for each of 50 cases and sends them through a loopback proxy. The
proxy forwards the batch to the reference server at once but holds the response back, so the server has
applied the batch when the test kills the child. The test then opens the same outbox and resumes.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from qgis.core import NULL

from sos_qgis_plugin.case_layer import create_or_open_case_layer, outbox_path_of
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.core.outbox import Outbox, outbox_path_for
from sos_qgis_plugin.tasks import SendOutboxTask

REPO_ROOT = Path(__file__).resolve().parents[2]
CASE_COUNT = 50
NOTE_PREFIX = "kill test"
HOLD_RESPONSE_S = 5.0
CHILD_TIMEOUT_S = 120.0

CHILD_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    QgsApplication.authManager().setMasterPassword(os.environ["SOS_TEST_MASTER_PASSWORD"], True)

    from qgis.PyQt.QtCore import QCoreApplication
    from sos_qgis_plugin.auth import store_token
    from sos_qgis_plugin.case_layer import CaseLayerStore, create_or_open_case_layer, outbox_path_of
    from sos_qgis_plugin.core.api_client import StatusChange
    from sos_qgis_plugin.core.outbox import Outbox, outbox_path_for
    from sos_qgis_plugin.core.sync import fetch_cases
    from sos_qgis_plugin.network import build_client
    from sos_qgis_plugin.tasks import SendOutboxTask

    url = os.environ["SOS_TEST_URL"]
    client = build_client(url, store_token(os.environ["SOS_TEST_TOKEN"]))
    layer = create_or_open_case_layer(os.environ["SOS_TEST_GPKG"])
    CaseLayerStore(layer).apply_records(fetch_cases(client).records)
    changes = [
        StatusChange(
            feature["id"], "supported", note="{prefix} " + feature["id"], if_version=feature["version"]
        )
        for feature in layer.getFeatures()
    ]
    with Outbox(outbox_path_of(layer)) as outbox:
        outbox.queue(changes)
    print("QUEUED", len(changes), flush=True)
    task = SendOutboxTask(build_client(url, store_token(os.environ["SOS_TEST_TOKEN"])), outbox_path_of(layer),
                          layer, lambda outcome: print("DONE", outcome.message, flush=True))
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    """
).replace("{prefix}", NOTE_PREFIX)


class _HoldingProxy(BaseHTTPRequestHandler):
    """Forward every request to the upstream server, and delay the batch response by HOLD_RESPONSE_S."""

    upstream = ""
    batch_applied = threading.Event()
    release = threading.Event()

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if self.path.endswith("/status-changes"):
            type(self).batch_applied.set()
            type(self).release.wait(HOLD_RESPONSE_S)
        try:
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            # The client was killed while the response was held back.
            pass

    do_GET = _forward  # noqa: N815 - the names http.server dispatches to
    do_POST = _forward  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def holding_proxy(sos_server) -> Iterator[type]:
    handler = type("Proxy", (_HoldingProxy,), {})
    handler.upstream = sos_server.url
    handler.batch_applied = threading.Event()
    handler.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    handler.release.set()
    server.shutdown()
    server.server_close()


def _import_cases(server, folder: Path, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"kill-{number}",
                "status": "needs_help",
                "people_count": 1,
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.7]},
        }
        for number in range(count)
    ]
    path = folder / "kill_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


def _start_child(tmp_path: Path, proxy_url: str, token: str, gpkg: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "QGIS_AUTH_DB_DIR_PATH": str(tmp_path / "authdb"),
            "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "profile"),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(REPO_ROOT),
            "SOS_TEST_MASTER_PASSWORD": "kill-test-master-password",
            "SOS_TEST_URL": proxy_url,
            "SOS_TEST_TOKEN": token,
            "SOS_TEST_GPKG": str(gpkg),
        }
    )
    (tmp_path / "authdb").mkdir()
    return subprocess.Popen(
        [sys.executable, "-c", CHILD_SCRIPT],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def killed_send(tmp_path, sos_server, holding_proxy) -> Path:
    """Run the child until the server has applied its batch, then SIGKILL it; return the GeoPackage path."""
    _import_cases(sos_server, tmp_path, CASE_COUNT)
    gpkg = tmp_path / "cases.gpkg"
    child = _start_child(tmp_path, holding_proxy.url, sos_server.tokens["officer"], gpkg)
    try:
        applied = holding_proxy.batch_applied.wait(CHILD_TIMEOUT_S)
        assert applied, "the child never sent its batch"
        child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    assert child.returncode == -signal.SIGKILL, stderr[-2000:]
    return gpkg


def _history_notes(server, case_id: str) -> list[str]:
    with SosClient(ClientConfig(base_url=server.url, token=server.tokens["viewer"])) as client:
        return [entry.get("note") or "" for entry in client.get_history(case_id)]


def test_killed_send_left_sent(killed_send):
    with Outbox(outbox_path_for(str(killed_send))) as outbox:
        counts = outbox.count_by_state()
        batches = outbox.sendable_batches()

    assert counts == {"sent": CASE_COUNT}
    assert len(batches) == 1
    assert batches[0].changes[0].attempts == 1


def test_resume_applies_once(killed_send, sos_server, run_task):
    layer = create_or_open_case_layer(str(killed_send))
    client = SosClient(ClientConfig(base_url=sos_server.url, token=sos_server.tokens["officer"]))

    outcome = run_task(lambda on_done: SendOutboxTask(client, outbox_path_of(layer), layer, on_done))

    case_ids = [feature["id"] for feature in layer.getFeatures()]
    with Outbox(outbox_path_of(layer)) as outbox:
        counts = outbox.count_by_state()
    once = [
        case_id
        for case_id in case_ids
        if _history_notes(sos_server, case_id).count(f"{NOTE_PREFIX} {case_id}") == 1
    ]
    assert outcome.confirmed == CASE_COUNT
    assert len(case_ids) == CASE_COUNT
    assert len(once) == CASE_COUNT
    assert counts == {"done": CASE_COUNT}
    assert {feature["status"] for feature in layer.getFeatures()} == {"supported"}
    assert {feature["sync_state"] for feature in layer.getFeatures()} == {NULL}
