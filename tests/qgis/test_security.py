"""Security of the plugin: the token and phone numbers never leak, and citizen text shows as plain text.

The scenarios drive the plugin as an officer would (fetch through SosPlugin, sos:fetchcases, sos:setstatus,
the connect dialog) against the reference server and a scripted loopback service that misbehaves on purpose.
Then they scan every place a secret could end up: files, QGIS settings, the saved project, the log records,
the QGIS message log, Processing feedback, the message bar and the server's log.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest
import requests
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsMessageBarItem, QgsMessageLogViewer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QPlainTextEdit, QTextBrowser

from sos_qgis_plugin.auth import remove_token, store_token
from sos_qgis_plugin.core.api_client import ConflictError, StatusChange
from sos_qgis_plugin.core.statuses import STATUSES
from sos_qgis_plugin.gui.connect_dialog import ConnectDialog
from sos_qgis_plugin.gui.status_dialog import StatusDialog
from sos_qgis_plugin.network import build_client
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import ALL_SETTINGS, SECTION, Settings
from sos_qgis_plugin.tasks import SetStatusTask

MASTER_PASSWORD = "sos-test-master-password"
WAIT_TIMEOUT_S = 60.0

# Every shape in which the test phone number could show up in a log line.
PHONE_SHAPES = ("0912345678", "912345678", "+84912345678", "84912345678", "912 345 678")

# Markup from a record or a server message that must never reach a renderer as markup.
RECORD_MARKUP = ("<script", "<img", "<a ", "<b>")

# What the scripted service puts in the title and detail of its 403 problem document. {origin} is the
# service's own loopback origin, so a renderer that fetched the image or followed the link would hit it.
HTML_TITLE = "<b>x</b>"
HTML_DETAIL = '<b>x</b><img src="{origin}/pixel.png"><a href="{origin}/clicked">here</a>'


# --- capture of logs and messages -----------------------------------------------------------------------


@dataclass
class LogCapture:
    """Log records of the plugin logger (before redaction) and every QGIS message log entry."""

    records: list[str] = field(default_factory=list)
    message_log: list[str] = field(default_factory=list)

    def texts(self) -> dict[str, str]:
        QgsApplication.processEvents()
        return {
            "plugin log records": "\n".join(self.records),
            "QGIS message log": "\n".join(self.message_log),
        }


class _RecordCollector(logging.Handler):
    def __init__(self, capture: LogCapture) -> None:
        super().__init__(logging.DEBUG)
        self._capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        self._capture.records.append(text)


@pytest.fixture
def log_capture(qgis_app) -> Iterator[LogCapture]:
    """Capture the plugin logger at DEBUG and the QGIS message log (every tag) during one test."""
    capture = LogCapture()
    logger = logging.getLogger("sos_qgis_plugin")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    collector = _RecordCollector(capture)
    # First in the list: the QGIS log handler's redaction filter rewrites the record in place, and this
    # collector must see what the plugin code wrote, not what the filter made of it.
    logger.handlers.insert(0, collector)

    def on_message(message: str, tag: str, level: Qgis.MessageLevel) -> None:
        capture.message_log.append(f"{tag}: {message}")

    QgsApplication.messageLog().messageReceived.connect(on_message)
    yield capture
    QgsApplication.processEvents()
    QgsApplication.messageLog().messageReceived.disconnect(on_message)
    logger.removeHandler(collector)
    logger.setLevel(old_level)


def _wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert condition(), f"{what} did not happen within {timeout_s} s"


# --- a scripted SOS service that misbehaves on purpose ---------------------------------------------------


def _feature(case_id: str, status: str, description: str) -> dict:
    return {
        "type": "Feature",
        "id": case_id,
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {
            "id": case_id,
            "external_id": f"ext-{case_id}",
            "status": status,
            "people_count": 2,
            "description": description,
            "created_at": "2025-11-19T01:15:00Z",
            "updated_at": "2025-11-19T01:15:00Z",
            "version": 1,
            "source": "scripted",
        },
    }


class _ScriptedHandler(BaseHTTPRequestHandler):
    """Serve responses by path prefix. The prefix is the service URL's path, so one server acts as several.

    /html-page: a login page (200, text/html) that echoes the Authorization header.
    /echo-error: a 500 problem document whose detail echoes the Authorization header.
    /html-problem: a 403 problem document with HTML in its title and detail.
    /html-records: a collection whose second case has an HTML id and an HTML status, so it is rejected.
    """

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        path = urlsplit(self.path).path
        authorization = self.headers.get("Authorization", "")
        self.server.requests.append(path)
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"

        if path.startswith("/html-page/"):
            page = f"<html><body><h1>Sign in</h1><p>You sent: {html.escape(authorization)}</p></body></html>"
            self._send(200, "text/html; charset=utf-8", page.encode())
        elif path.startswith("/echo-error/"):
            self._send_problem(500, "Internal error", f"query failed for header {authorization}")
        elif path.startswith("/html-problem/"):
            self._send_problem(403, HTML_TITLE, HTML_DETAIL.format(origin=origin))
        elif path.startswith("/html-records/") and path.endswith("/collections/cases"):
            self._send_json(200, "application/json", {"id": "cases", "title": "SOS cases"})
        elif path.startswith("/html-records/") and path.endswith("/collections/cases/items"):
            features = [
                _feature("c0000001", "needs_help", "<b>Cứu</b> nhà ngập"),
                _feature("<script>alert(1)</script>", f'<img src="{origin}/pixel.png">', "bad record"),
            ]
            body = {
                "type": "FeatureCollection",
                "features": features,
                "numberReturned": len(features),
                "timeStamp": "2025-11-19T02:00:00Z",
                "next_updated_since": "2025-11-19T01:59:55Z",
                "links": [],
            }
            self._send_json(200, "application/geo+json", body)
        else:
            self._send_problem(404, "Not Found", "no such path")

    def _send_problem(self, status: int, title: str, detail: str) -> None:
        problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        self._send_json(status, "application/problem+json", problem)

    def _send_json(self, status: int, content_type: str, body: dict) -> None:
        self._send(status, content_type, json.dumps(body).encode("utf-8"))

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@dataclass
class ScriptedService:
    """The scripted service's origin and the paths it was asked for."""

    origin: str
    requests: list[str]

    def url(self, prefix: str) -> str:
        return f"{self.origin}/{prefix}"

    def resource_requests(self) -> list[str]:
        """Requests for the image or the link of the HTML detail: a renderer fetched or followed them."""
        return [path for path in self.requests if path in ("/pixel.png", "/clicked")]


@pytest.fixture
def scripted_service() -> Iterator[ScriptedService]:
    """A scripted loopback service, shut down after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ScriptedService(f"http://127.0.0.1:{server.server_address[1]}", server.requests)
    server.shutdown()
    server.server_close()


# --- the plugin, its settings and its token ----------------------------------------------------------------


def _clear_settings() -> None:
    store = QgsSettings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)


@pytest.fixture
def settings(qgis_app, tmp_path: Path) -> Iterator[Settings]:
    """Plugin settings with no stored values, a master password set and the case layer in tmp_path."""
    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(MASTER_PASSWORD, True)
    _clear_settings()
    settings = Settings()
    settings.cases_gpkg_path = str(tmp_path / "plugin" / "sos_cases.gpkg")
    yield settings
    _clear_settings()


@pytest.fixture
def authcfg_ids(settings) -> Iterator[list[str]]:
    """Authentication configuration ids that the test creates, removed after the test."""
    ids: list[str] = []
    yield ids
    for authcfg_id in ids:
        remove_token(authcfg_id)


@pytest.fixture
def plugin(qgis_iface, qgis_processing, qgis_new_project, settings, log_capture) -> Iterator[SosPlugin]:
    """The loaded plugin in the stub interface with an empty message bar, unloaded after the test."""
    qgis_iface.messageBar().clear_messages()
    loaded = SosPlugin(qgis_iface, dependency_checker=list, settings=settings)
    loaded.initGui()
    yield loaded
    loaded.unload()
    qgis_iface.messageBar().clear_messages()
    QgsProject.instance().clear()


def _fetch_with_plugin(plugin: SosPlugin, service_url: str, authcfg_id: str) -> None:
    plugin.settings.service_url = service_url
    plugin.settings.authcfg_id = authcfg_id
    plugin.fetch_now()
    _wait_until(lambda: not plugin.fetch_running(), "the plugin's fetch")


def _message_bar_items(iface) -> list[tuple[Qgis.MessageLevel, str]]:
    """Return (level, text) of every message pushed to the stub message bar, without the "SOS:" title."""
    items = []
    for level, messages in iface.messageBar().messages.items():
        for message in messages:
            _title, _, text = message.partition(":")
            items.append((level, text))
    return items


def _shown_in_message_bar(text: str, level: Qgis.MessageLevel) -> tuple[str, str]:
    """Render a message in a real QgsMessageBarItem and return the text the user sees and its HTML."""
    item = QgsMessageBarItem("SOS", text, level)
    browsers = item.findChildren(QTextBrowser)
    assert browsers, "QgsMessageBarItem of this QGIS version shows its text without a QTextBrowser"
    return browsers[0].toPlainText(), browsers[0].toHtml()


def _run_algorithm(algorithm_id: str, parameters: dict, feedback: QgsProcessingFeedback) -> dict:
    import processing

    return processing.run(algorithm_id, parameters, feedback=feedback)


# --- scanning -------------------------------------------------------------------------------------------


def _file_texts(folder: Path) -> dict[str, bytes]:
    """Return the raw bytes of every file under folder, and of every member of every zip (.qgz) in it."""
    contents: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        contents[str(path)] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    contents[f"{path}!{name}"] = archive.read(name)
    return contents


def _settings_files() -> dict[str, bytes]:
    """Return the raw bytes of the test profile's settings file and of every file beside it."""
    QgsSettings().sync()
    settings_file = Path(QgsSettings().fileName())
    assert settings_file.is_file(), f"the QGIS settings file {settings_file} does not exist"
    return _file_texts(settings_file.parent)


# --- 1. the token never leaks -------------------------------------------------------------------------


def test_token_leaks_nowhere(
    plugin, sos_server, scripted_service, shared_dir, authcfg_ids, log_capture, qgis_iface, tmp_path
):
    token = sos_server.tokens["officer"]
    bogus_token = f"bogus-{uuid.uuid4().hex}"
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    authcfg = store_token(token)
    authcfg_ids.append(authcfg)
    bogus_authcfg = store_token(bogus_token)
    authcfg_ids.append(bogus_authcfg)
    feedbacks = [QgsProcessingFeedback(), QgsProcessingFeedback()]

    # A good fetch through the plugin and through Processing.
    _fetch_with_plugin(plugin, sos_server.url, authcfg)
    gpkg_path = str(tmp_path / "processing" / "cases.gpkg")
    Path(gpkg_path).parent.mkdir()
    result = _run_algorithm(
        "sos:fetchcases",
        {"SERVICE_URL": sos_server.url, "AUTHCFG": authcfg, "OUTPUT": gpkg_path},
        feedbacks[0],
    )
    # Forced errors: a rejected token, a login page, an error that echoes the header, a stopped server.
    _fetch_with_plugin(plugin, sos_server.url, bogus_authcfg)
    with pytest.raises(QgsProcessingException):
        _run_algorithm(
            "sos:fetchcases",
            {"SERVICE_URL": sos_server.url, "AUTHCFG": bogus_authcfg, "OUTPUT": gpkg_path},
            feedbacks[1],
        )
    _fetch_with_plugin(plugin, scripted_service.url("html-page"), authcfg)
    _fetch_with_plugin(plugin, scripted_service.url("echo-error"), authcfg)
    sos_server.stop()
    _fetch_with_plugin(plugin, sos_server.url, authcfg)
    # What outlives the session: the project, in both formats, and the settings.
    project = QgsProject.instance()
    (tmp_path / "saved").mkdir()
    assert project.write(str(tmp_path / "saved" / "project.qgs"))
    assert project.write(str(tmp_path / "saved" / "project.qgz"))

    places = {name: data.decode("utf-8", "replace") for name, data in _file_texts(tmp_path).items()}
    places.update({name: data.decode("utf-8", "replace") for name, data in _settings_files().items()})
    places.update(log_capture.texts())
    places["Processing feedback"] = "\n".join(f.textLog() + f.htmlLog() for f in feedbacks)
    places["message bar"] = "\n".join(text for _level, text in _message_bar_items(qgis_iface))
    auth_db = Path(QgsApplication.qgisAuthDatabaseFilePath())
    case_layer = plugin.case_layer()
    assert case_layer is not None
    assert case_layer.featureCount() == 3
    assert result["FETCHED"] == 3
    assert "Fetch started" in places["plugin log records"]
    assert "SOS: " in places["QGIS message log"]
    assert "/echo-error/collections/cases/items" in scripted_service.requests
    assert str(tmp_path / "sos_server.log") in places
    assert authcfg in places[QgsSettings().fileName()]
    assert str(tmp_path / "saved" / "project.qgz") + "!project.qgs" in places
    assert auth_db.is_file()
    assert token.encode() not in auth_db.read_bytes()
    assert bogus_token.encode() not in auth_db.read_bytes()
    for name, text in places.items():
        assert token not in text, f"the officer token is in {name}"
        assert bogus_token not in text, f"the rejected token is in {name}"


def test_token_not_in_settings_ini(plugin, sos_server, authcfg_ids):
    token = sos_server.tokens["officer"]
    authcfg = store_token(token)
    authcfg_ids.append(authcfg)

    _fetch_with_plugin(plugin, sos_server.url, authcfg)
    QgsSettings().sync()

    ini_text = Path(QgsSettings().fileName()).read_text(encoding="utf-8", errors="replace")
    assert authcfg in ini_text
    assert token not in ini_text


# --- 2. phone numbers never reach a log ------------------------------------------------------------------


def test_phone_never_logged(
    plugin, sos_server, shared_dir, authcfg_ids, log_capture, qgis_iface, run_task, qgis_processing
):
    imported = sos_server.import_file(shared_dir / "cases" / "loose_types.geojson")
    assert imported.returncode == 0, imported.stderr
    authcfg = store_token(sos_server.tokens["officer"])
    authcfg_ids.append(authcfg)
    _fetch_with_plugin(plugin, sos_server.url, authcfg)
    layer = plugin.case_layer()
    feature = next(f for f in layer.getFeatures() if f["external_id"] == "lt-1")
    case_id, version = str(feature["id"]), int(feature["version"])
    layer.selectByIds([feature.id()])
    client = build_client(sos_server.url, authcfg)

    # Another officer moves the case on, so the layer's version is stale from here on.
    client.set_status(case_id, "in_progress", version=version, note="another officer")
    with pytest.raises(ConflictError) as conflict:
        client.set_status(case_id, "supported", version=version)
    batch = run_task(
        lambda on_done: SetStatusTask(
            build_client(sos_server.url, authcfg),
            layer,
            [StatusChange(case_id, "supported", if_version=version)],
            str(uuid.uuid4()),
            on_done,
        )
    )
    feedback = QgsProcessingFeedback()
    processed = _run_algorithm(
        "sos:setstatus",
        {
            "INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), True),
            "STATUS": STATUSES.index("supported"),
            "NOTE": "",
            "SERVICE_URL": sos_server.url,
            "AUTHCFG": authcfg,
        },
        feedback,
    )
    client.close()

    places = log_capture.texts()
    places["Processing feedback"] = feedback.textLog()
    places["sos_server log"] = sos_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Fetch started" in places["plugin log records"]
    assert "SOS: " in places["QGIS message log"]
    assert feature["phone"] == "+84912345678"
    assert conflict.value.current["properties"]["phone"] == "+84912345678"
    assert batch.conflicts == 1
    assert processed["CONFLICTS"] == 1
    for name, text in places.items():
        for shape in PHONE_SHAPES:
            assert shape not in text, f"phone {shape!r} is in the {name}"


# --- 3. citizen text is shown as plain text ---------------------------------------------------------------


@pytest.fixture
def html_layer(plugin, sos_server, shared_dir, authcfg_ids) -> QgsVectorLayer:
    """The plugin's styled case layer holding the cases of html_injection.geojson."""
    imported = sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    assert imported.returncode == 0, imported.stderr
    authcfg = store_token(sos_server.tokens["viewer"])
    authcfg_ids.append(authcfg)
    _fetch_with_plugin(plugin, sos_server.url, authcfg)
    layer = plugin.case_layer()
    assert layer is not None
    assert layer.featureCount() == 3
    return layer


def _feature_context(layer: QgsVectorLayer, feature) -> QgsExpressionContext:
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    context.setFeature(feature)
    return context


def _source_cases(shared_dir: Path) -> dict[str, dict]:
    document = json.loads((shared_dir / "cases" / "html_injection.geojson").read_text(encoding="utf-8"))
    return {item["properties"]["external_id"]: item["properties"] for item in document["features"]}


def test_map_tip_escapes_record_markup(html_layer, shared_dir):
    template = html_layer.mapTipTemplate()
    source = _source_cases(shared_dir)

    for feature in html_layer.getFeatures():
        shown = QgsExpression.replaceExpressionText(template, _feature_context(html_layer, feature))
        description = source[feature["external_id"]]["description"]
        for markup in ("<script", "<img", "<a "):
            assert markup not in shown, f"{markup} from case {feature['external_id']} reaches the map tip"
        assert html.escape(description, quote=False) in shown, feature["external_id"]


def test_map_tip_leaves_record_expressions(html_layer):
    # The description of html-3 contains [% "status" %], which must show as written and not be evaluated.
    feature = next(f for f in html_layer.getFeatures() if f["external_id"] == "html-3")

    shown = QgsExpression.replaceExpressionText(
        html_layer.mapTipTemplate(), _feature_context(html_layer, feature)
    )

    assert '[% "status" %]' in shown


def test_map_tip_template_tags_only(html_layer):
    for feature in html_layer.getFeatures():
        shown = QgsExpression.replaceExpressionText(
            html_layer.mapTipTemplate(), _feature_context(html_layer, feature)
        )
        without_template_tags = shown.replace("<b>", "").replace("</b>", "").replace("<br>", "")
        assert "<" not in without_template_tags, feature["external_id"]


def test_display_expression_plain_text(html_layer):
    expression = QgsExpression(html_layer.displayExpression())

    for feature in html_layer.getFeatures():
        value = str(expression.evaluate(_feature_context(html_layer, feature)))
        assert not expression.hasEvalError(), expression.evalErrorString()
        assert "<" not in value, feature["external_id"]


def test_label_expression_plain_text(html_layer):
    label_settings = html_layer.labeling().settings()
    expression = QgsExpression(label_settings.fieldName)

    assert label_settings.isExpression
    assert not label_settings.format().allowHtmlFormatting()
    for feature in html_layer.getFeatures():
        value = str(expression.evaluate(_feature_context(html_layer, feature)))
        assert "<" not in value, feature["external_id"]


def test_attribute_form_text_plain(html_layer):
    # A "TextEdit" widget with IsHtml renders the field as rich text in the attribute form and table.
    for layer_field in html_layer.fields():
        config = layer_field.editorWidgetSetup().config()
        assert not config.get("IsHtml", False), layer_field.name()


def test_connect_dialog_result_plain(settings, scripted_service):
    dialog = ConnectDialog(settings)
    dialog.urlEdit.setText(scripted_service.url("html-problem"))
    dialog.tokenEdit.setText("any-token")

    dialog.test_connection()
    _wait_until(lambda: not dialog.test_running(), "the connection test")

    assert dialog.resultLabel.textFormat() == Qt.TextFormat.PlainText
    assert "<b>x</b>" in dialog.resultLabel.text()
    assert dialog.tokenHintLabel.textFormat() == Qt.TextFormat.PlainText
    assert not scripted_service.resource_requests()


def test_status_dialog_labels_plain(qgis_app):
    dialog = StatusDialog(3)

    assert dialog.countLabel.textFormat() == Qt.TextFormat.PlainText


def test_message_bar_html_literal(plugin, scripted_service, authcfg_ids, qgis_iface):
    authcfg = store_token("any-token")
    authcfg_ids.append(authcfg)

    _fetch_with_plugin(plugin, scripted_service.url("html-problem"), authcfg)

    items = _message_bar_items(qgis_iface)
    assert len(items) == 1
    level, text = items[0]
    shown, rendered = _shown_in_message_bar(text, level)
    assert "<b>x</b>" in shown
    assert "<img" in shown
    assert "<a href" not in rendered
    assert "<img" not in rendered
    assert not scripted_service.resource_requests()


def test_message_bar_rejections_plain(plugin, scripted_service, authcfg_ids, qgis_iface):
    authcfg = store_token("any-token")
    authcfg_ids.append(authcfg)

    _fetch_with_plugin(plugin, scripted_service.url("html-records"), authcfg)

    items = _message_bar_items(qgis_iface)
    assert len(items) == 1
    level, text = items[0]
    shown, rendered = _shown_in_message_bar(text, level)
    assert level == Qgis.MessageLevel.Success
    assert "1 records were rejected" in shown
    for markup in RECORD_MARKUP:
        assert markup not in rendered, markup
    assert not scripted_service.resource_requests()


@pytest.mark.parametrize(
    ("prefix", "literal"), [("html-problem", "<b>x</b>"), ("html-records", "<script>alert(1)</script>")]
)
def test_message_log_html_literal(plugin, scripted_service, authcfg_ids, prefix, literal):
    # The Log Messages panel of QGIS 3.22 renders each message as HTML.
    viewer = QgsMessageLogViewer()
    authcfg = store_token("any-token")
    authcfg_ids.append(authcfg)

    _fetch_with_plugin(plugin, scripted_service.url(prefix), authcfg)
    QgsApplication.processEvents()

    shown = "\n".join(edit.toPlainText() for edit in viewer.findChildren(QPlainTextEdit))
    assert "Fetch started" in shown
    assert literal in shown
    assert "\ufffc" not in shown
    assert not scripted_service.resource_requests()


def test_fetchcases_feedback_escapes_rejection(
    scripted_service, sos_provider, settings, authcfg_ids, tmp_path
):
    authcfg = store_token("any-token")
    authcfg_ids.append(authcfg)
    feedback = QgsProcessingFeedback()

    result = _run_algorithm(
        "sos:fetchcases",
        {
            "SERVICE_URL": scripted_service.url("html-records"),
            "AUTHCFG": authcfg,
            "OUTPUT": str(tmp_path / "cases.gpkg"),
        },
        feedback,
    )

    assert result["FETCHED"] == 1
    assert result["REJECTED"] == 1
    assert "<img" in feedback.textLog()
    assert "&lt;img" in feedback.htmlLog()
    assert "<img" not in feedback.htmlLog()
    assert "<script" not in feedback.htmlLog()


def test_fetched_layer_keeps_html_text(html_layer, shared_dir):
    source = _source_cases(shared_dir)

    for feature in html_layer.getFeatures():
        expected = source[feature["external_id"]]
        assert feature["description"] == expected["description"], feature["external_id"]
        assert feature["reporter_name"] == expected.get("reporter_name"), feature["external_id"]


# --- 4. the server stores citizen text unchanged ---------------------------------------------------------


def test_server_stores_html_unchanged(sos_server, shared_dir):
    imported = sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    assert imported.returncode == 0, imported.stderr
    source = _source_cases(shared_dir)

    response = requests.get(
        sos_server.url + "/collections/cases/items", headers=sos_server.headers("viewer"), timeout=10
    )

    assert response.status_code == 200
    stored = {item["properties"]["external_id"]: item["properties"] for item in response.json()["features"]}
    assert sorted(stored) == sorted(source)
    for external_id, expected in source.items():
        for name in ("description", "reporter_name"):
            sent = expected.get(name)
            kept = stored[external_id].get(name)
            assert (kept or "").encode("utf-8") == (sent or "").encode("utf-8"), f"{external_id} {name}"
