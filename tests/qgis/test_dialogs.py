"""The connect, status and send results dialogs; the connect dialog talks to a scripted loopback service."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

import pytest
from qgis.core import QgsApplication, QgsFeature, QgsSettings
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QDialog, QLineEdit

from sos_qgis_plugin.auth import read_token, remove_token
from sos_qgis_plugin.core.outbox import Outbox
from sos_qgis_plugin.gui.connect_dialog import ConnectDialog
from sos_qgis_plugin.gui.results_dialog import (
    SendResultRow,
    SendResultsDialog,
    outcome_display_name,
    read_addresses,
    result_rows,
)
from sos_qgis_plugin.gui.status_dialog import (
    MAX_RECENT_TEAMS,
    RECENT_TEAMS_KEY,
    StatusDialog,
    recent_teams,
)
from sos_qgis_plugin.settings import ALL_SETTINGS, SECTION, Settings
from sos_qgis_plugin.style import status_display_name

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


@pytest.fixture()
def no_recent_teams(qgis_app):
    QgsSettings().remove(RECENT_TEAMS_KEY)
    yield
    QgsSettings().remove(RECENT_TEAMS_KEY)


def test_status_dialog_values(no_recent_teams):
    dialog = StatusDialog(3)
    dialog.statusCombo.setCurrentIndex(dialog.statusCombo.findData("supported"))
    dialog.noteEdit.setPlainText(" evacuated ")
    dialog.teamCombo.setEditText(" Đội 4 ")
    assert dialog.status() == "supported"
    assert dialog.note() == "evacuated"
    assert dialog.team() == "Đội 4"
    assert dialog.result_values() == ("supported", "evacuated")


def test_status_dialog_count_label(qgis_app):
    dialog = StatusDialog(3)
    assert "3" in dialog.countLabel.text()


def test_status_dialog_lists_statuses(qgis_app):
    dialog = StatusDialog(1)
    combo = dialog.statusCombo
    codes = [combo.itemData(index) for index in range(combo.count())]
    assert codes == ["needs_help", "in_progress", "supported", "unreachable", "duplicate"]


def test_status_dialog_display_names(qgis_app):
    dialog = StatusDialog(1)
    combo = dialog.statusCombo
    assert combo.itemText(combo.findData("needs_help")) == status_display_name("needs_help")


def test_status_dialog_preselects_current(qgis_app):
    assert StatusDialog(1, current_status="unreachable").status() == "unreachable"


def test_status_dialog_team_empty(no_recent_teams):
    dialog = StatusDialog(1)
    assert dialog.team() == ""
    assert dialog.note() == ""


def test_status_dialog_team_one_line(no_recent_teams):
    dialog = StatusDialog(1)
    dialog.teamCombo.setEditText("Đội\t4")
    assert dialog.team() == "Đội 4"


def test_status_dialog_team_max_length(no_recent_teams):
    dialog = StatusDialog(1)
    dialog.teamCombo.lineEdit().setText("x" * 150)
    assert len(dialog.team()) == 100


def test_status_dialog_remembers_team(no_recent_teams):
    dialog = StatusDialog(1)
    dialog.teamCombo.setEditText("Đội 4")
    dialog.accept()
    reopened = StatusDialog(1)
    combo = reopened.teamCombo
    assert [combo.itemText(index) for index in range(combo.count())] == ["Đội 4"]
    assert combo.currentText() == ""


def test_status_dialog_cancel_forgets_team(no_recent_teams):
    dialog = StatusDialog(1)
    dialog.teamCombo.setEditText("Đội 4")
    dialog.reject()
    assert recent_teams() == []


def test_recent_teams_newest_first(no_recent_teams):
    for name in ("Đội 1", "Đội 2", "Đội 1"):
        dialog = StatusDialog(1)
        dialog.teamCombo.setEditText(name)
        dialog.accept()
    assert recent_teams() == ["Đội 1", "Đội 2"]


def test_recent_teams_keeps_ten(no_recent_teams):
    for number in range(MAX_RECENT_TEAMS + 3):
        dialog = StatusDialog(1)
        dialog.teamCombo.setEditText(f"Đội {number}")
        dialog.accept()
    teams = recent_teams()
    assert len(teams) == MAX_RECENT_TEAMS
    assert teams[0] == f"Đội {MAX_RECENT_TEAMS + 2}"
    assert "Đội 2" not in teams


def test_recent_teams_blank_not_kept(no_recent_teams):
    dialog = StatusDialog(1)
    dialog.teamCombo.setEditText("   ")
    dialog.accept()
    assert recent_teams() == []


def test_recent_teams_pick_from_list(no_recent_teams):
    QgsSettings().setValue(RECENT_TEAMS_KEY, ["Đội 7", "Đội 3"])
    dialog = StatusDialog(1)
    dialog.teamCombo.setCurrentIndex(1)
    assert dialog.team() == "Đội 3"


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


# --- send results dialog ---------------------------------------------------------------------------


@dataclass
class _Change:
    case_id: str
    status: str
    note: Optional[str] = None
    if_version: Optional[int] = None
    team: Optional[str] = None


@dataclass
class _Result:
    case_id: str
    outcome: str
    detail: Optional[str] = None
    case: Optional[dict] = None


def _server_case(case_id: str, status: str, version: int) -> dict:
    return {
        "type": "Feature",
        "id": case_id,
        "properties": {"id": case_id, "status": status, "version": version},
    }


@pytest.fixture()
def sent_changes(tmp_path):
    """Outbox changes after one send: c1 done, c2 conflict, c3 not found, and c4 in a batch still waiting."""
    with Outbox(str(tmp_path / "cases.outbox.sqlite")) as outbox:
        sent = outbox.queue(
            [
                _Change("c1", "supported", if_version=1),
                _Change("c2", "supported", if_version=1),
                _Change("c3", "supported"),
            ]
        )
        key = sent[0].batch_key
        outbox.claim_batch(key)
        results = [
            _Result("c1", "ok", None, _server_case("c1", "supported", 2)),
            _Result("c2", "conflict", "changed first", _server_case("c2", "in_progress", 3)),
            _Result("c3", "not_found", "No case has the id 'c3'."),
        ]
        changes = outbox.record_results(key, results)
        outbox.queue([_Change("c4", "unreachable", if_version=2)])
        waiting = outbox.changes_in_state("pending", "sent")
    return changes + waiting


def test_results_rows_per_outcome(sent_changes):
    rows = result_rows(sent_changes, {"c1": "Thôn 3, Hòa Xuân"})
    assert [(row.case_id, row.outcome) for row in rows] == [
        ("c1", "done"),
        ("c2", "conflict"),
        ("c3", "failed"),
        ("c4", "waiting"),
    ]
    assert rows[0].address == "Thôn 3, Hòa Xuân"
    assert rows[1].address == ""
    assert rows[2].reason == "No case has the id 'c3'."
    assert status_display_name("in_progress") in rows[1].reason


def test_results_latest_change_per_case(sent_changes, tmp_path):
    later = _Change("c1", "duplicate")
    with Outbox(str(tmp_path / "cases.outbox.sqlite")) as outbox:
        queued = outbox.queue([later])
    rows = result_rows(sent_changes + queued)
    outcomes = {row.case_id: (row.status, row.outcome) for row in rows}
    assert len(rows) == 4
    assert outcomes["c1"] == ("duplicate", "waiting")


def test_results_dialog_table(sent_changes):
    dialog = SendResultsDialog(sent_changes, addresses={"c1": "Thôn 3"})
    table = dialog.resultTable
    assert table.rowCount() == 4
    assert table.item(0, 0).text() == "c1"
    assert table.item(0, 1).text() == "Thôn 3"
    assert table.item(0, 2).text() == status_display_name("supported")
    assert table.item(3, 3).text() == outcome_display_name("waiting")


def test_results_dialog_summary(sent_changes):
    dialog = SendResultsDialog(sent_changes)
    assert dialog.counts() == {"done": 1, "conflict": 1, "failed": 1, "waiting": 1}
    assert dialog.summaryLabel.text() == dialog.summary_text()
    assert dialog.summaryLabel.textFormat() == Qt.TextFormat.PlainText
    assert dialog.summary_text().startswith("4 ")


def test_results_dialog_accepts_rows(qgis_app):
    rows = [SendResultRow("c9", "Số 5 <b>Lê Lợi</b>", "in_progress", "failed", "timed out")]
    dialog = SendResultsDialog(rows)
    assert dialog.resultTable.item(0, 1).text() == "Số 5 <b>Lê Lợi</b>"
    assert dialog.resultTable.item(0, 4).text() == "timed out"


def test_results_copy_tab_separated(qgis_app):
    rows = [
        SendResultRow("c1", "Thôn 3\tHòa Xuân\nPhú Yên", "supported", "done"),
        SendResultRow("c2", "", "unreachable", "conflict", "changed first"),
    ]
    dialog = SendResultsDialog(rows)
    dialog.copyButton.click()
    lines = QApplication.clipboard().text().split("\n")
    assert len(lines) == 4
    assert lines[3] == ""
    assert lines[0].count("\t") == 4
    assert lines[1].split("\t")[:2] == ["c1", "Thôn 3 Hòa Xuân Phú Yên"]
    assert lines[2].split("\t")[4] == "changed first"


def test_results_read_addresses(case_layer):
    features = []
    for case_id, address in (("c1", "Thôn 3"), ("c2", None), ("c3", "Buôn Ma Thuột")):
        feature = QgsFeature(case_layer.fields())
        feature["id"] = case_id
        feature["address"] = address
        features.append(feature)
    assert case_layer.dataProvider().addFeatures(features)[0]
    assert read_addresses(case_layer, ["c1", "c2", "c9"]) == {"c1": "Thôn 3"}
    assert read_addresses(None, ["c1"]) == {}
