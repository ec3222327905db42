"""The connect and status dialogs, with a scripted SOS service on a loopback port."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtWidgets import QDialog, QLineEdit

from sos_qgis_plugin.auth import read_token, remove_token
from sos_qgis_plugin.gui.connect_dialog import ConnectDialog
from sos_qgis_plugin.gui.status_dialog import StatusDialog, compose_note
from sos_qgis_plugin.settings import ALL_SETTINGS, SECTION, Settings

GOOD_TOKEN = "good-token-123"
MASTER_PASSWORD = "sos-test-master-password"


class _CollectionHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        if self.headers.get("Authorization") == f"Bearer {GOOD_TOKEN}":
            status, body, content_type = 200, {"id": "cases", "title": "SOS cases"}, "application/json"
        else:
            status = 401
            body = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "unknown token"}
            content_type = "application/problem+json"
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", "Bearer")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def service_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CollectionHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def settings(qgis_app):
    QgsApplication.authManager().setMasterPassword(MASTER_PASSWORD, True)
    store = QgsSettings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)
    settings = Settings()
    yield settings
    remove_token(settings.authcfg_id)
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)


def _wait_for_test(dialog: ConnectDialog, timeout_s: float = 20.0) -> str:
    deadline = time.monotonic() + timeout_s
    while dialog.test_running() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.01)
    return dialog.resultLabel.text()


def test_status_dialog_values(qgis_app):
    dialog = StatusDialog(3)
    dialog.statusCombo.setCurrentIndex(dialog.statusCombo.findData("supported"))
    dialog.noteEdit.setPlainText("evacuated")
    dialog.teamEdit.setText("Team 4")
    assert dialog.result_values() == ("supported", "evacuated\nteam: Team 4")


def test_status_dialog_count_label(qgis_app):
    dialog = StatusDialog(3)
    assert "3" in dialog.countLabel.text()


def test_status_dialog_lists_statuses(qgis_app):
    dialog = StatusDialog(1)
    combo = dialog.statusCombo
    codes = [combo.itemData(index) for index in range(combo.count())]
    assert codes == ["needs_help", "in_progress", "supported", "unreachable", "duplicate"]


def test_status_dialog_preselects_current(qgis_app):
    assert StatusDialog(1, current_status="unreachable").status_code() == "unreachable"


def test_compose_note_team_only():
    assert compose_note("  ", " Team 2 ") == "team: Team 2"


def test_compose_note_without_team():
    assert compose_note(" all safe ", "") == "all safe"


def test_connect_token_field_hidden(settings):
    dialog = ConnectDialog(settings)
    assert dialog.tokenEdit.echoMode() == QLineEdit.EchoMode.Password


def test_connect_test_succeeds(settings, service_url):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText(service_url)
    dialog.tokenEdit.setText(GOOD_TOKEN)
    dialog.test_connection()
    assert _wait_for_test(dialog).startswith("Connected")


def test_connect_test_bad_token(settings, service_url):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText(service_url)
    dialog.tokenEdit.setText("wrong")
    dialog.test_connection()
    assert _wait_for_test(dialog).startswith("The connection failed")


def test_connect_test_invalid_url(settings):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText("sos.example.org")
    dialog.tokenEdit.setText(GOOD_TOKEN)
    dialog.test_connection()
    assert "not valid" in dialog.resultLabel.text()


def test_connect_ok_stores_token(settings, service_url):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText(service_url)
    dialog.tokenEdit.setText(GOOD_TOKEN)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert settings.service_url == service_url
    assert read_token(settings.authcfg_id) == GOOD_TOKEN
    assert GOOD_TOKEN not in str(QgsSettings().value(SECTION + "authcfg_id"))


def test_connect_ok_without_token_stays_open(settings, service_url):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText(service_url)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert settings.service_url == ""
