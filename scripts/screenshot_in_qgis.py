"""Run inside QGIS desktop (qgis --code): zoom to the cases, wait for the map, open the SOS menu, save a PNG.

Reads SOS_SCREENSHOT_PATH (target PNG) from the environment. QGIS quits after saving.
"""

import os

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QMenu
from qgis.utils import iface

TARGET = os.environ["SOS_SCREENSHOT_PATH"]
# Seconds to wait for the first map render before taking the screenshot anyway.
RENDER_TIMEOUT_S = 60


def _sos_menu():
    for action in iface.mainWindow().menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "SOS":
            return action, menu
    return None, None


def _grab_and_quit() -> None:
    # The whole screen, not the main window, so that the open menu is in the picture.
    screen = QApplication.primaryScreen()
    screen.grabWindow(0).save(TARGET)
    print(f"saved {TARGET}", flush=True)
    QTimer.singleShot(500, QApplication.instance().quit)


def _open_menu_then_grab() -> None:
    action, menu = _sos_menu()
    if menu is not None:
        bar = iface.mainWindow().menuBar()
        geometry = bar.actionGeometry(action)
        menu.popup(bar.mapToGlobal(geometry.bottomLeft()))
    QTimer.singleShot(1500, _grab_and_quit)


def _zoom_and_render() -> None:
    main_window = iface.mainWindow()
    # Xvfb has no window manager to maximise the window, so it is given the whole screen.
    main_window.setGeometry(QApplication.primaryScreen().availableGeometry())
    main_window.showMaximized()
    canvas = iface.mapCanvas()
    layer = next((layer for layer in canvas.layers() if layer.name() == "SOS cases"), None)
    if layer is not None:
        iface.setActiveLayer(layer)
        canvas.setExtent(layer.extent().buffered(0.02))
    done = {"grabbed": False}

    def rendered() -> None:
        if not done["grabbed"]:
            done["grabbed"] = True
            QTimer.singleShot(1000, _open_menu_then_grab)

    canvas.mapCanvasRefreshed.connect(rendered)
    canvas.refreshAllLayers()
    QTimer.singleShot(RENDER_TIMEOUT_S * 1000, rendered)


QTimer.singleShot(3000, _zoom_and_render)
