"""Run inside QGIS desktop (qgis --code): open the SOS menu, wait for rendering, save the main window as PNG.

Reads SOS_SCREENSHOT_PATH (target PNG) from the environment. QGIS quits after saving.
"""

import os

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

TARGET = os.environ["SOS_SCREENSHOT_PATH"]


def _grab_and_quit() -> None:
    canvas = iface.mapCanvas()
    canvas.refreshAllLayers()
    QApplication.processEvents()
    iface.mainWindow().grab().save(TARGET)
    print(f"saved {TARGET}", flush=True)
    QTimer.singleShot(500, QApplication.instance().quit)


def _zoom_and_wait() -> None:
    layer = next((layer for layer in iface.mapCanvas().layers() if layer.name() == "SOS cases"), None)
    if layer is not None:
        iface.setActiveLayer(layer)
        iface.mapCanvas().setExtent(layer.extent().buffered(0.02))
    iface.mainWindow().showMaximized()
    QTimer.singleShot(6000, _grab_and_quit)


QTimer.singleShot(4000, _zoom_and_wait)
