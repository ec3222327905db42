"""The Vietnamese translation is complete, compiles, and translates the plugin's menu and core errors."""

from __future__ import annotations

import html
import importlib
import inspect
import json
import pkgutil
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
from qgis.core import QgsProject, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from qgis.PyQt.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QTabWidget,
    QTextEdit,
    QToolBar,
    QTreeView,
    QWidget,
)

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
from sos_qgis_plugin.settings import Settings

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
    "Đặt trạng thái trên bản đồ",
    "Bảng trường hợp SOS",
    "Cài đặt…",
    "Nguồn dữ liệu thiên tai…",
    "Tổng hợp theo xã…",
    "Báo cáo tình hình…",
    "Gom cụm các trường hợp",
    "Đặt lại kiểu hiển thị trường hợp",
    "Kết quả của lần gửi gần nhất…",
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


# Everything a user sees in Vietnamese: every dialog and dock of the plugin, its menu and toolbar, and the
# Processing algorithms. A visible text equal to an English source string of the .ts is untranslated.

PLUGIN_PACKAGE = "sos_qgis_plugin"

# Texts that are the same in English and Vietnamese.
SAME_IN_BOTH = {
    "OK",
    "SOS",
    "GeoPackage",
    "CSV",
    "XLSX",
    "PDF",
    "WMS",
    "WMTS",
    "WFS",
    "XYZ",
    "ID",
    "m",
    "km",
    "URL",
    "OGC API Features",
}
# Qt's own English labels of standard buttons. Debian's Qt 5 has no Vietnamese translation, so a dialog
# that keeps one of them shows English in a Vietnamese QGIS.
QT_BUTTON_LABELS = {
    "Cancel",
    "Close",
    "Apply",
    "Save",
    "Help",
    "Reset",
    "Restore Defaults",
    "Yes",
    "No",
    "Discard",
    "Open",
    "Retry",
}
_SAME_PATTERNS = (
    re.compile(r"^https?://\S*$"),
    # Numbers, times, coordinates and percentages.
    re.compile(r"^[\d\s.,:;%+\-−/()°]*$"),
)
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _english_sources() -> dict[str, list[str]]:
    """Map each English source string of the .ts (also without HTML and & shortcuts) to its contexts."""
    sources: dict[str, list[str]] = {}
    for context in ET.parse(TS_FILE).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            for form in {source.strip(), _plain(source), _plain(source.replace("&", ""))}:
                if form:
                    sources.setdefault(form, []).append(name)
    return sources


def _is_same_in_both(text: str) -> bool:
    return text in SAME_IN_BOTH or any(pattern.match(text) for pattern in _SAME_PATTERNS)


def _widget_texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """Yield (kind, text) for every text of one widget that a user can see or hover."""
    if widget.isWindow() or isinstance(widget, (QDockWidget, QToolBar)):
        yield "window title", widget.windowTitle()
    yield "tooltip", widget.toolTip()
    yield "status tip", widget.statusTip()
    if isinstance(widget, QLabel):
        yield "label", widget.text()
    if isinstance(widget, QAbstractButton):
        yield "button", widget.text()
    if isinstance(widget, QGroupBox):
        yield "group box", widget.title()
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        yield "placeholder", widget.placeholderText()
    if isinstance(widget, QComboBox):
        for index in range(widget.count()):
            yield "combo item", widget.itemText(index)
    if isinstance(widget, QAbstractSpinBox):
        yield "special value", widget.specialValueText()
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            yield "prefix", widget.prefix().strip()
            yield "suffix", widget.suffix().strip()
    if isinstance(widget, QTabWidget):
        for index in range(widget.count()):
            yield "tab", widget.tabText(index)
    if isinstance(widget, QMenu):
        yield "menu", widget.title()
    if isinstance(widget, (QTableView, QTreeView)) and widget.model() is not None:
        model = widget.model()
        for column in range(model.columnCount()):
            yield "table header", str(model.headerData(column, Qt.Orientation.Horizontal) or "")
    if isinstance(widget, QListWidget):
        # List widgets of a freshly opened window hold choices (statuses, layers), not case data.
        for row in range(widget.count()):
            yield "list item", widget.item(row).text()
    for action in widget.actions():
        yield "action", action.text()
        yield "action tooltip", action.toolTip()


def untranslated_texts(root: QWidget, sources: dict[str, list[str]]) -> list[str]:
    """List the visible texts of root and its children that are English source strings, with their place."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        place = f"{type(root).__name__} > {type(widget).__name__} {widget.objectName()!r}"
        for kind, text in _widget_texts(widget):
            plain = _plain(text)
            if not plain or _is_same_in_both(plain):
                continue
            if kind == "button" and plain.replace("&", "") in QT_BUTTON_LABELS:
                found.append(f"{place} {kind}: {plain!r} (Qt's English standard button label)")
                continue
            for form in (plain, plain.replace("&", "")):
                if form in sources:
                    contexts = ", ".join(sorted(set(sources[form])))
                    found.append(f"{place} {kind}: {form!r} (.ts contexts with this source: {contexts})")
                    break
    return sorted(set(found))


def _plugin_modules() -> list:
    """Import every module of the plugin's gui package and its top-level modules (not core, processing)."""
    import sos_qgis_plugin
    import sos_qgis_plugin.gui

    modules = []
    for package, prefix in (
        (sos_qgis_plugin.gui, "sos_qgis_plugin.gui."),
        (sos_qgis_plugin, "sos_qgis_plugin."),
    ):
        for info in pkgutil.iter_modules(package.__path__, prefix):
            if not info.ispkg:
                modules.append(importlib.import_module(info.name))
    return modules


def plugin_window_classes() -> list[type]:
    """Find every QDialog and QDockWidget subclass defined in the plugin's gui and top-level modules."""
    classes = {}
    for module in _plugin_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (QDialog, QDockWidget)):
                classes[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [classes[name] for name in sorted(classes)]


def _sample_case_values() -> dict:
    return {
        "id": "c0000042",
        "status": "needs_help",
        "people_count": 6,
        "urgency": "critical",
        "description": "Nước lên tới mái nhà",
        "created_at": "2025-11-19T22:00:00Z",
        "has_elderly": True,
    }


def _constructor_values(qgis_iface, case_layer) -> dict:
    """Values for required constructor parameters, by parameter name. Add one here for a new dialog."""
    return {
        "iface": qgis_iface,
        "settings": Settings(),
        "project": QgsProject.instance(),
        "case_layer": case_layer,
        "layer": case_layer,
        "values": _sample_case_values(),
        "history": [],
        "conflicts": [],
        "changes": [],
        "results": [],
        "rows": [],
        "case_count": 2,
        "case_ids": ["c0000042"],
    }


def _construct(cls: type, values: dict):
    """Construct cls with values for its required parameters; raise LookupError naming a missing one."""
    arguments = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in values:
            arguments[name] = values[name]
        elif parameter.default is inspect.Parameter.empty:
            raise LookupError(f"{cls.__qualname__}: no test value for parameter {name!r}")
    return cls(**arguments)


@pytest.fixture()
def vietnamese_ui(qgis_app, vietnamese_locale):
    """The shipped vi translation installed as QGIS does, with the default locale set to Vietnamese."""
    saved_locale = QLocale()
    QLocale.setDefault(QLocale("vi_VN"))
    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    QCoreApplication.installTranslator(translator)
    yield _english_sources()
    QCoreApplication.removeTranslator(translator)
    QLocale.setDefault(saved_locale)


def test_windows_discovered():
    names = {cls.__name__ for cls in plugin_window_classes()}
    assert "SettingsDialog" in names
    assert "ConnectDialog" in names
    assert "StatusDialog" in names


def test_windows_in_vietnamese(vietnamese_ui, qgis_iface, case_layer, qgis_new_project):
    QgsProject.instance().addMapLayer(case_layer, False)
    values = _constructor_values(qgis_iface, case_layer)
    problems = []
    for cls in plugin_window_classes():
        try:
            window = _construct(cls, values)
        except LookupError as error:
            problems.append(f"{error}: add it to _constructor_values")
            continue
        try:
            problems.extend(untranslated_texts(window, vietnamese_ui))
        finally:
            window.close()
            window.deleteLater()
    QCoreApplication.processEvents()

    assert problems == [], "untranslated in the vi UI:\n" + "\n".join(problems)


def test_plugin_menu_in_vietnamese(vietnamese_ui, qgis_iface):
    plugin = SosPlugin(qgis_iface, dependency_checker=list)
    plugin.initGui()
    try:
        problems = untranslated_texts(plugin.menu, vietnamese_ui)
        problems += untranslated_texts(plugin.toolbar, vietnamese_ui)
        for dock in qgis_iface.mainWindow().findChildren(QDockWidget):
            if type(dock).__module__.startswith(PLUGIN_PACKAGE):
                problems += untranslated_texts(dock, vietnamese_ui)
    finally:
        plugin.unload()

    assert problems == [], "untranslated in the vi menu, toolbar or dock:\n" + "\n".join(problems)


def test_processing_in_vietnamese(vietnamese_ui, sos_provider):
    problems = []

    def check(where: str, text: str) -> None:
        plain = _plain(text or "")
        if plain and not _is_same_in_both(plain) and plain in vietnamese_ui:
            contexts = ", ".join(sorted(set(vietnamese_ui[plain])))
            problems.append(f"{where}: {plain!r} (.ts contexts with this source: {contexts})")

    check("provider long name", sos_provider.longName())
    for algorithm in sos_provider.algorithms():
        name = algorithm.id()
        check(f"{name} display name", algorithm.displayName())
        check(f"{name} group", algorithm.group())
        check(f"{name} help", algorithm.shortHelpString())
        for parameter in algorithm.parameterDefinitions():
            check(f"{name} parameter {parameter.name()}", parameter.description())
        for output in algorithm.outputDefinitions():
            check(f"{name} output {output.name()}", output.description())

    assert sos_provider.algorithms(), "the SOS provider has no algorithms"
    assert problems == [], "untranslated in Processing:\n" + "\n".join(problems)


def test_qm_compiled_from_ts(tmp_path):
    if shutil.which("lrelease") is None:
        pytest.skip("lrelease is missing (Debian package qttools5-dev-tools)")
    fresh = tmp_path / "fresh.qm"
    subprocess.run(["lrelease", str(TS_FILE), "-qm", str(fresh)], check=True, capture_output=True)
    assert fresh.read_bytes() == QM_FILE.read_bytes(), "the .qm is stale: run scripts/translations.sh"
