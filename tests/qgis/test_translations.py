"""The Vietnamese translation is complete, compiles, and translates the plugin's menu."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

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
