"""Run inside QGIS desktop (qgis --code): connect the plugin to the reference server, open the SOS dock,
fetch, let three new cases arrive and fetch again, then save a PNG of the screen and quit.

Reads from the environment: SOS_SCREENSHOT_PATH (target PNG), SOS_SCREENSHOT_URL (service URL),
SOS_SCREENSHOT_TOKEN (officer token) and SOS_SCREENSHOT_INTAKE_TOKEN (intake token for the new cases).
"""

import json
import os
import urllib.request
from datetime import datetime, timezone

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface, plugins

TARGET = os.environ["SOS_SCREENSHOT_PATH"]
URL = os.environ["SOS_SCREENSHOT_URL"]
# Seconds to wait for a fetch or the first map render before going on anyway.
WAIT_S = 60
# New cases near the demo scenario's centre (DEFAULT_CENTRE of scripts/scenario.py), posted while QGIS
# watches, so the dock shows them as new.
NEW_CASES = (
    (109.16, 13.06, 5, "Thôn Phú Ân, xã Hòa Thịnh"),
    (109.24, 13.03, 2, "Buôn Đức, xã Sơn Thành Tây"),
    (109.21, 13.08, 8, "Tổ dân phố 7, phường Phú Lâm"),
)


def log(text: str) -> None:
    print(f"SOS screenshot: {text}", flush=True)


def sos_plugin():
    return plugins.get("sos_qgis_plugin")


def sos_dock():
    return iface.mainWindow().findChild(QDockWidget, "SosDock")


def connect_plugin() -> None:
    from sos_qgis_plugin.auth import store_token
    from sos_qgis_plugin.settings import Settings

    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        manager.setMasterPassword("sos-screenshot", True)
    settings = Settings()
    settings.service_url = URL
    settings.authcfg_id = store_token(os.environ["SOS_SCREENSHOT_TOKEN"], settings.authcfg_id)
    settings.refresh_interval_s = 30


def add_communes(dock) -> None:
    """Add the demo's invented communes, drawn as outlines under the cases, and filter the dock by them."""
    path = os.path.join(os.path.dirname(os.environ["SOS_SCREENSHOT_CASES"]), "scenario", "communes.geojson")
    if not os.path.isfile(path):
        log(f"no communes at {path}")
        return
    layer = QgsVectorLayer(path, "Communes", "ogr")
    if not layer.isValid():
        log(f"the communes at {path} do not open")
        return
    symbol = layer.renderer().symbol()
    symbol.setColor(Qt.GlobalColor.transparent)
    symbol.symbolLayer(0).setStrokeColor(Qt.GlobalColor.darkGray)
    QgsProject.instance().addMapLayer(layer, False)
    QgsProject.instance().layerTreeRoot().addLayer(layer)
    if dock is not None:
        dock.set_admin_layer(layer)


def post_new_cases() -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for number, (lon, lat, people, address) in enumerate(NEW_CASES, start=1):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "external_id": f"screenshot-{number}-{now}",
                "source": "screenshot",
                "people_count": people,
                "address": address,
                "urgency": "critical" if number == 1 else "high",
                "needs": ["rescue"],
                "created_at": now,
            },
        }
        request = urllib.request.Request(
            URL.rstrip("/") + "/collections/cases/items",
            data=json.dumps(feature).encode("utf-8"),
            headers={
                "Content-Type": "application/geo+json",
                "Authorization": "Bearer " + os.environ["SOS_SCREENSHOT_INTAKE_TOKEN"],
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            log(f"new case posted: HTTP {response.status}")


def when_fetched(then, waited_s: float = 0.0) -> None:
    plugin = sos_plugin()
    if plugin is not None and plugin.fetch_running() and waited_s < WAIT_S:
        QTimer.singleShot(500, lambda: when_fetched(then, waited_s + 0.5))
        return
    QTimer.singleShot(1500, then)


def grab_and_quit() -> None:
    # The whole screen, so that the dock and the message bar are in the picture.
    QApplication.primaryScreen().grabWindow(0).save(TARGET)
    log(f"saved {TARGET}")
    QTimer.singleShot(500, QApplication.instance().quit)


def zoom_and_grab() -> None:
    canvas = iface.mapCanvas()
    layer = sos_plugin().case_layer() if sos_plugin() is not None else None
    if layer is not None:
        iface.setActiveLayer(layer)
        canvas.setExtent(layer.extent().buffered(0.02))
    done = {"grabbed": False}

    def rendered() -> None:
        if not done["grabbed"]:
            done["grabbed"] = True
            QTimer.singleShot(1500, grab_and_quit)

    canvas.mapCanvasRefreshed.connect(rendered)
    canvas.refreshAllLayers()
    QTimer.singleShot(WAIT_S * 1000, rendered)


def second_fetch() -> None:
    try:
        post_new_cases()
    except OSError as error:
        log(f"posting new cases failed: {error}")
    sos_plugin().fetch_now()
    when_fetched(zoom_and_grab)


def start() -> None:
    main_window = iface.mainWindow()
    # Xvfb has no window manager to maximise the window, so it is given the whole screen.
    main_window.setGeometry(QApplication.primaryScreen().availableGeometry())
    main_window.showMaximized()
    plugin = sos_plugin()
    if plugin is None:
        log("the SOS plugin is not loaded")
        QTimer.singleShot(1000, grab_and_quit)
        return
    connect_plugin()
    dock = sos_dock()
    if dock is not None:
        dock.show()
        dock.raise_()
        main_window.resizeDocks([dock], [620], Qt.Orientation.Horizontal)
    else:
        log("no SOS dock found")
    add_communes(dock)
    log(f"{len(QgsProject.instance().mapLayers())} layers in the project")
    plugin.fetch_now()
    plugin.start_auto_refresh()
    when_fetched(second_fetch)


QTimer.singleShot(3000, start)
