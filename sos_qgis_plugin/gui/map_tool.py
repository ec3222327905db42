"""Map tool that opens a status menu on the case the officer clicks."""

from __future__ import annotations

import logging
from typing import Callable, Optional

from qgis.core import (
    NULL,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapToolIdentify
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QPoint, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QAction, QMenu

from ..core.statuses import STATUSES
from ..style import status_display_name

LOGGER = logging.getLogger("sos_qgis_plugin")

#: Distance from the click, in screen pixels, within which a case counts as clicked.
DEFAULT_TOLERANCE_PX = 8

# Kinds of menu action, kept in each action's data as (kind, status code or None).
STATUS_ACTION = "status"
DETAILS_ACTION = "details"
DIALOG_ACTION = "dialog"

#: Shows the menu at a global screen position and returns the triggered action, or None when dismissed.
MenuRunner = Callable[[QMenu, QPoint], Optional[QAction]]


def run_menu(menu: QMenu, position: QPoint) -> Optional[QAction]:
    """Show ``menu`` at ``position`` (global screen pixels) and return the triggered action or None."""
    return menu.exec(position)


class CaseStatusMapTool(QgsMapToolIdentify):
    """Click a case on the map to change its status from a menu.

    The menu lists every status by its display name, with the case's current status checked and disabled,
    then "Details…" and "Set status with note…". Choosing an entry emits statusChosen, detailsChosen or
    dialogChosen with the case id; the tool itself changes nothing. A click with no case within the
    tolerance does nothing, and when several cases are that close the nearest one is taken.
    ``menu_runner`` shows the menu and returns the chosen action, so a test can pick an entry without a
    mouse.
    """

    statusChosen = pyqtSignal(str, str)  # noqa: N815 - Qt signal naming
    detailsChosen = pyqtSignal(str)  # noqa: N815 - Qt signal naming
    dialogChosen = pyqtSignal(str)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        canvas: QgsMapCanvas,
        layer: Optional[QgsVectorLayer] = None,
        tolerance_px: int = DEFAULT_TOLERANCE_PX,
        menu_runner: MenuRunner = run_menu,
    ) -> None:
        super().__init__(canvas)
        self._layer: Optional[QgsVectorLayer] = None
        self.tolerance_px = tolerance_px
        self._menu_runner = menu_runner
        self.set_layer(layer)

    def set_layer(self, layer: Optional[QgsVectorLayer]) -> None:
        """Set the case layer that clicks are looked up in; None makes every click do nothing."""
        self._layer = layer

    def layer(self) -> Optional[QgsVectorLayer]:
        """Return the case layer, or None when none is set or it has been deleted."""
        if self._layer is None or sip.isdeleted(self._layer) or not self._layer.isValid():
            return None
        return self._layer

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        feature = self.case_at(event.pos())
        if feature is None:
            return
        case_id = str(feature["id"])
        status = feature["status"]
        current = None if status in (None, NULL) else str(status)
        menu = self.build_menu(current)
        chosen = self._menu_runner(menu, self.canvas().mapToGlobal(event.pos()))
        menu.deleteLater()
        if chosen is None:
            return
        kind, code = chosen.data()
        LOGGER.info("Map tool: %s chosen for case %s", code or kind, case_id)
        if kind == STATUS_ACTION:
            self.statusChosen.emit(case_id, code)
        elif kind == DETAILS_ACTION:
            self.detailsChosen.emit(case_id)
        elif kind == DIALOG_ACTION:
            self.dialogChosen.emit(case_id)

    def case_at(self, position: QPoint) -> Optional[QgsFeature]:
        """Return the case nearest to a canvas pixel position within the tolerance, or None."""
        layer = self.layer()
        if layer is None or "id" not in layer.fields().names():
            return None
        map_settings = self.canvas().mapSettings()
        click = QgsPointXY(map_settings.mapToPixel().toMapCoordinates(position.x(), position.y()))
        radius = self.tolerance_px * map_settings.mapUnitsPerPixel()
        search = QgsRectangle(click.x() - radius, click.y() - radius, click.x() + radius, click.y() + radius)
        to_layer = QgsCoordinateTransform(map_settings.destinationCrs(), layer.crs(), QgsProject.instance())
        try:
            layer_search = to_layer.transformBoundingBox(search)
        except QgsCsException as error:
            LOGGER.warning("Map tool: click not transformed to the case layer's CRS: %s", error)
            return None

        to_map = QgsCoordinateTransform(layer.crs(), map_settings.destinationCrs(), QgsProject.instance())
        click_geometry = QgsGeometry.fromPointXY(click)
        request = QgsFeatureRequest().setFilterRect(layer_search)
        nearest: Optional[QgsFeature] = None
        nearest_distance = radius
        for feature in layer.getFeatures(request):
            if feature["id"] in (None, NULL) or not feature.hasGeometry():
                continue
            geometry = QgsGeometry(feature.geometry())
            try:
                geometry.transform(to_map)
            except QgsCsException:
                continue
            distance = geometry.distance(click_geometry)
            if distance <= nearest_distance:
                nearest, nearest_distance = feature, distance
        return nearest

    def build_menu(self, current_status: Optional[str]) -> QMenu:
        """Build the menu of one case: the statuses (the current one checked and disabled) and two dialogs."""
        menu = QMenu(self.canvas())
        for code in STATUSES:
            action = menu.addAction(status_display_name(code))
            action.setData((STATUS_ACTION, code))
            action.setCheckable(True)
            if code == current_status:
                action.setChecked(True)
                action.setEnabled(False)
        menu.addSeparator()
        details = menu.addAction(self.tr("Details…"))
        details.setData((DETAILS_ACTION, None))
        dialog = menu.addAction(self.tr("Set status with note…"))
        dialog.setData((DIALOG_ACTION, None))
        return menu
