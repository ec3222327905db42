"""CaseStatusMapTool on an offscreen map canvas: clicks on cases, empty map and the status menu."""

from __future__ import annotations

from typing import Optional

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsFeature, QgsGeometry, QgsPointXY, QgsRectangle
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt
from qgis.PyQt.QtWidgets import QAction, QMenu

from sos_qgis_plugin.gui.map_tool import DETAILS_ACTION, DIALOG_ACTION, STATUS_ACTION, CaseStatusMapTool
from sos_qgis_plugin.style import status_display_name

CANVAS_SIZE_PX = 400
# Two cases about 1 km apart near Tuy Hòa, and an extent of about 11 km, so that one pixel is about 28 m.
CASES = {"c0000001": (109.30, 13.08, "needs_help"), "c0000002": (109.31, 13.08, "in_progress")}


class MenuPicker:
    """Stands in for QMenu.exec: records the menu and returns the action whose data matches ``pick``."""

    def __init__(self, pick: Optional[tuple]) -> None:
        self.pick = pick
        self.menus: list[list[tuple]] = []
        self.states: dict[tuple, tuple[bool, bool]] = {}
        self.texts: dict[tuple, str] = {}

    def __call__(self, menu: QMenu, position: QPoint) -> Optional[QAction]:
        actions = [action for action in menu.actions() if not action.isSeparator()]
        self.menus.append([tuple(action.data()) for action in actions])
        for action in actions:
            key = tuple(action.data())
            self.states[key] = (action.isChecked(), action.isEnabled())
            self.texts[key] = action.text()
        return next((action for action in actions if tuple(action.data()) == self.pick), None)


@pytest.fixture
def canvas(qgis_app):
    canvas = QgsMapCanvas()
    canvas.resize(CANVAS_SIZE_PX, CANVAS_SIZE_PX)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    canvas.show()
    yield canvas
    canvas.close()
    canvas.deleteLater()


@pytest.fixture
def cases_on_canvas(case_layer, canvas):
    features = []
    for case_id, (lon, lat, status) in CASES.items():
        feature = QgsFeature(case_layer.fields())
        feature["id"] = case_id
        feature["status"] = status
        feature["version"] = 1
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        features.append(feature)
    assert case_layer.dataProvider().addFeatures(features)[0]
    case_layer.updateExtents()
    canvas.setLayers([case_layer])
    # The canvas is in Web Mercator and the layer in WGS 84, so the tool has to transform the click.
    centre = _to_canvas_crs(canvas, case_layer, QgsPointXY(109.305, 13.08))
    half = 5600.0
    canvas.setExtent(QgsRectangle(centre.x() - half, centre.y() - half, centre.x() + half, centre.y() + half))
    canvas.refresh()
    return case_layer


def _to_canvas_crs(canvas, layer, point: QgsPointXY) -> QgsPointXY:
    from qgis.core import QgsCoordinateTransform, QgsProject

    transform = QgsCoordinateTransform(
        layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance()
    )
    return transform.transform(point)


def _pixel_of(canvas, layer, lon: float, lat: float) -> QPoint:
    point = _to_canvas_crs(canvas, layer, QgsPointXY(lon, lat))
    pixel = canvas.mapSettings().mapToPixel().transform(point)
    return QPoint(round(pixel.x()), round(pixel.y()))


def _click(tool: CaseStatusMapTool, canvas, position: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    event = QgsMapMouseEvent(canvas, QEvent.Type.MouseButtonRelease, position, button)
    tool.canvasReleaseEvent(event)


def _tool(canvas, layer, picker: MenuPicker) -> tuple[CaseStatusMapTool, dict[str, list]]:
    tool = CaseStatusMapTool(canvas, layer, menu_runner=picker)
    emitted: dict[str, list] = {"status": [], "details": [], "dialog": []}
    tool.statusChosen.connect(lambda case_id, status: emitted["status"].append((case_id, status)))
    tool.detailsChosen.connect(lambda case_id: emitted["details"].append(case_id))
    tool.dialogChosen.connect(lambda case_id: emitted["dialog"].append(case_id))
    return tool, emitted


def test_click_case_emits_status(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "supported"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08))

    assert emitted["status"] == [("c0000001", "supported")]
    assert emitted["details"] == []
    assert emitted["dialog"] == []


def test_click_within_tolerance(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "unreachable"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)
    position = _pixel_of(canvas, cases_on_canvas, 109.31, 13.08) + QPoint(4, -3)

    _click(tool, canvas, position)

    assert emitted["status"] == [("c0000002", "unreachable")]


def test_click_beyond_tolerance_nothing(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "supported"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)
    position = _pixel_of(canvas, cases_on_canvas, 109.31, 13.08) + QPoint(0, 30)

    _click(tool, canvas, position)

    assert picker.menus == []
    assert emitted["status"] == []


def test_click_empty_map_nothing(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "supported"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, QPoint(5, 5))

    assert picker.menus == []
    assert emitted == {"status": [], "details": [], "dialog": []}


def test_menu_lists_statuses_and_dialogs(canvas, cases_on_canvas):
    picker = MenuPicker(None)
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08))

    assert picker.menus == [
        [
            (STATUS_ACTION, "needs_help"),
            (STATUS_ACTION, "in_progress"),
            (STATUS_ACTION, "supported"),
            (STATUS_ACTION, "unreachable"),
            (STATUS_ACTION, "duplicate"),
            (DETAILS_ACTION, None),
            (DIALOG_ACTION, None),
        ]
    ]
    assert picker.texts[(STATUS_ACTION, "supported")] == status_display_name("supported")
    assert emitted["status"] == []


def test_menu_current_status_checked(canvas, cases_on_canvas):
    picker = MenuPicker(None)
    tool, _ = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.31, 13.08))

    assert picker.states[(STATUS_ACTION, "in_progress")] == (True, False)
    assert picker.states[(STATUS_ACTION, "needs_help")] == (False, True)


def test_menu_details_chosen(canvas, cases_on_canvas):
    picker = MenuPicker((DETAILS_ACTION, None))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.31, 13.08))

    assert emitted["details"] == ["c0000002"]
    assert emitted["status"] == []


def test_menu_dialog_chosen(canvas, cases_on_canvas):
    picker = MenuPicker((DIALOG_ACTION, None))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08))

    assert emitted["dialog"] == ["c0000001"]


def test_menu_dismissed_nothing(canvas, cases_on_canvas):
    picker = MenuPicker(None)
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08))

    assert len(picker.menus) == 1
    assert emitted == {"status": [], "details": [], "dialog": []}


def test_right_click_opens_menu(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "duplicate"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08), Qt.MouseButton.RightButton)

    assert emitted["status"] == [("c0000001", "duplicate")]


def test_without_layer_nothing(canvas, cases_on_canvas):
    picker = MenuPicker((STATUS_ACTION, "supported"))
    tool, emitted = _tool(canvas, None, picker)

    _click(tool, canvas, _pixel_of(canvas, cases_on_canvas, 109.30, 13.08))

    assert picker.menus == []
    assert emitted["status"] == []


def test_nearest_case_wins(canvas, cases_on_canvas):
    picker = MenuPicker((DETAILS_ACTION, None))
    tool = CaseStatusMapTool(canvas, cases_on_canvas, tolerance_px=200, menu_runner=picker)
    chosen: list[str] = []
    tool.detailsChosen.connect(chosen.append)
    position = _pixel_of(canvas, cases_on_canvas, 109.31, 13.08) + QPoint(-5, 0)

    _click(tool, canvas, position)

    assert chosen == ["c0000002"]


def test_mouse_event_through_canvas(canvas, cases_on_canvas):
    from qgis.PyQt.QtTest import QTest

    picker = MenuPicker((STATUS_ACTION, "supported"))
    tool, emitted = _tool(canvas, cases_on_canvas, picker)
    canvas.setMapTool(tool)
    position = _pixel_of(canvas, cases_on_canvas, 109.30, 13.08)

    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)

    assert emitted["status"] == [("c0000001", "supported")]
    canvas.unsetMapTool(tool)
