"""The Vietnamese translation is complete, compiles, and translates the plugin's menu and core errors."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from sos_qgis_plugin.core.api_client import (
    ClientConfig,
    NetworkError,
    SosClient,
    UnexpectedResponseError,
)
from sos_qgis_plugin.core.errors import RecordError
from sos_qgis_plugin.core.records import parse_feature
from sos_qgis_plugin.core.sync import fetch_cases
from sos_qgis_plugin.gui import error_message, rejection_reason
from sos_qgis_plugin.plugin import SosPlugin

I18N_DIR = Path(__file__).resolve().parents[2] / "sos_qgis_plugin" / "i18n"
TS_FILE = I18N_DIR / "sos_qgis_plugin_vi.ts"
QM_FILE = I18N_DIR / "sos_qgis_plugin_vi.qm"

EXPECTED_MENU_TEXTS = [
    "Kết nối…",
    "Tải ngay",
    "Thêm lớp ngập lụt…",
    "Thêm lớp sạt lở…",
    "Phân tích nguy cơ",
    "Đặt trạng thái cho các trường hợp đã chọn…",
    "Giải quyết xung đột…",
    "Thử lại các thay đổi bị lỗi…",
]


def _messages() -> list:
    return list(ET.parse(TS_FILE).getroot().iter("message"))


def _placeholders(text: str) -> list:
    return sorted(re.findall(r"\{[^{}]*\}", text))


def test_qm_loads():
    translator = QTranslator()
    assert translator.load(str(QM_FILE))


def test_ts_has_messages():
    assert len(_messages()) > 50


def test_ts_no_unfinished():
    unfinished = [
        m.find("source").text for m in _messages() if m.find("translation").get("type") == "unfinished"
    ]
    assert unfinished == []


def test_ts_no_empty_translation():
    empty = [m.find("source").text for m in _messages() if not (m.find("translation").text or "").strip()]
    assert empty == []


def test_ts_keeps_placeholders():
    broken = [
        m.find("source").text
        for m in _messages()
        if _placeholders(m.find("source").text) != _placeholders(m.find("translation").text)
    ]
    assert broken == []


def test_ts_status_names():
    translations = {m.find("source").text: m.find("translation").text for m in _messages()}
    assert translations["Needs help"] == "Cần hỗ trợ"
    assert translations["In progress"] == "Đang hỗ trợ"
    assert translations["Supported"] == "Đã hỗ trợ"
    assert translations["Unreachable"] == "Không liên lạc được"
    assert translations["Duplicate"] == "Trùng lặp"


@pytest.fixture()
def vietnamese_locale():
    settings = QgsSettings()
    saved = (settings.value("locale/overrideFlag"), settings.value("locale/userLocale"))
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "vi")
    yield
    for key, value in zip(("locale/overrideFlag", "locale/userLocale"), saved):
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


def test_menu_in_vietnamese(qgis_iface, vietnamese_locale):
    plugin = SosPlugin(qgis_iface, dependency_checker=list)
    plugin.initGui()
    try:
        assert plugin.translator is not None
        assert [action.text() for action in plugin.actions] == EXPECTED_MENU_TEXTS
    finally:
        plugin.unload()


def test_unload_removes_translator(qgis_iface, vietnamese_locale):
    plugin = SosPlugin(qgis_iface, dependency_checker=list)
    plugin.initGui()
    plugin.unload()
    assert QCoreApplication.translate("SosPlugin", "Fetch now") == "Fetch now"


def test_ts_covers_every_source_string():
    repo = Path(__file__).resolve().parents[2]
    if shutil.which("pylupdate5") is None:
        pytest.skip("pylupdate5 is missing (Debian package pyqt5-dev-tools)")

    result = subprocess.run(
        ["bash", str(repo / "scripts" / "translations.sh"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


# Core errors: their templates are marked with QT_TRANSLATE_NOOP and translated in the "SosErrors" context.


@pytest.fixture()
def vietnamese_translator(qgis_app) -> Iterator[QTranslator]:
    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


class _CannedHandler(BaseHTTPRequestHandler):
    """Reply to every GET with the server's canned status, content type and body."""

    def do_GET(self) -> None:  # noqa: N802 - http.server dispatches on this name
        status, content_type, body = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def canned_server() -> Iterator[ThreadingHTTPServer]:
    """Start a loopback HTTP server; a test sets `server.reply` to (status, content type, body)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CannedHandler)
    server.daemon_threads = True
    server.reply = (500, "text/plain", b"no reply set")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _client(port: int) -> SosClient:
    return SosClient(ClientConfig(base_url=f"http://127.0.0.1:{port}", token="t", max_retries=0))


def _free_port() -> int:
    """Return a loopback port that nothing listens on, so a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_web_page_error_in_vietnamese(vietnamese_translator, canned_server):
    canned_server.reply = (502, "text/html; charset=utf-8", b"<html><body><h1>Bad Gateway</h1></body></html>")
    with pytest.raises(UnexpectedResponseError) as caught:
        _client(canned_server.server_address[1]).get_collection()

    assert caught.value.message.startswith("The server answered with a web page (HTTP 502).")
    assert error_message(caught.value) == (
        "Máy chủ trả về một trang web (HTTP 502). Hãy kiểm tra địa chỉ dịch vụ và máy chủ proxy."
    )


def test_network_error_in_vietnamese(vietnamese_translator):
    port = _free_port()
    with pytest.raises(NetworkError) as caught:
        _client(port).get_collection()

    assert error_message(caught.value) == (
        f"Không kết nối được tới 127.0.0.1:{port}. Hãy kiểm tra mạng và địa chỉ dịch vụ."
    )


def test_record_error_in_vietnamese(vietnamese_translator):
    feature = {"type": "Feature", "geometry": None, "properties": {"created_at": "19/11/2025 10:15"}}
    with pytest.raises(RecordError) as caught:
        parse_feature(feature)

    assert caught.value.reason.startswith("created_at: invalid time '19/11/2025 10:15'")
    assert error_message(caught.value).startswith("created_at: thời gian '19/11/2025 10:15' không hợp lệ")


def test_fetch_rejection_in_vietnamese(vietnamese_translator, canned_server):
    bad_feature = {"type": "Feature", "id": "c1", "geometry": None, "properties": {"status": "done"}}
    body = json.dumps({"type": "FeatureCollection", "features": [bad_feature]}).encode("utf-8")
    canned_server.reply = (200, "application/geo+json", body)

    result = fetch_cases(_client(canned_server.server_address[1]))

    assert len(result.rejected) == 1
    assert result.rejected[0].reason == "Case c1: unknown status 'done'"
    assert rejection_reason(result.rejected[0]) == "Trường hợp c1: không nhận dạng được trạng thái 'done'"


def test_untranslated_error_stays_english(vietnamese_translator):
    error = RecordError("a reason without a template")

    assert error_message(error) == "a reason without a template"
