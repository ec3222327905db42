"""SOS dock: counts, priority order, filters, accent-insensitive search, new cases, selection, state."""

from __future__ import annotations

import copy
import random
import time
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QModelIndex, QPoint, Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QAction

from sos_qgis_plugin.case_layer import CaseLayerStore, create_or_open_case_layer
from sos_qgis_plugin.core.case_filter import HAZARD_FLOOD, HAZARD_LANDSLIDE, HAZARD_NONE, CaseFilter, CaseRow
from sos_qgis_plugin.core.records import parse_features
from sos_qgis_plugin.core.statuses import OPEN_STATUSES, STATUSES
from sos_qgis_plugin.core.timeutil import VIETNAM_TZ
from sos_qgis_plugin.gui.case_table import (
    CASE_ID_ROLE,
    COLUMN_ADDRESS,
    COLUMN_COMMUNE,
    COLUMN_HAZARD,
    COLUMN_PEOPLE,
    COLUMN_PRIORITY,
    COLUMN_STATUS,
    COLUMN_WAITING,
    IS_NEW_ROLE,
    CaseTableModel,
)
from sos_qgis_plugin.gui.dock import MAX_OVERVIEW_SCALE, SosDock

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _feature(number: int, lon: float = 108.05, lat: float = 12.68, **properties) -> dict:
    base = {
        "external_id": f"ext-{number}",
        "status": "needs_help",
        "people_count": 2,
        "household_count": 1,
        "description": f"case {number}",
        "address": f"thôn {number}",
        "phone": "0905123456",
        "created_at": (NOW - timedelta(hours=1)).isoformat(),
        "updated_at": (NOW - timedelta(hours=1)).isoformat(),
        "version": 1,
    }
    base.update(properties)
    return {
        "type": "Feature",
        "id": f"c{number:07d}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": base,
    }


def _fill(layer, features: list, extra: dict | None = None) -> None:
    """Write features into the layer, then the layer-only fields (priority, hazards, commune) per case id."""
    result = parse_features(features)
    assert not result.rejected
    CaseLayerStore(layer).apply_records(result.records)
    if not extra:
        return
    fields = layer.fields()
    changes = {}
    for feature in layer.getFeatures():
        values = extra.get(feature["id"])
        if values:
            changes[feature.id()] = {fields.indexFromName(name): value for name, value in values.items()}
    assert layer.dataProvider().changeAttributeValues(changes)


def _wait_loaded(dock: SosDock, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    QCoreApplication.processEvents()
    while dock.is_loading() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    assert not dock.is_loading()


def _shown_ids(dock: SosDock) -> list:
    return [row.case_id for row in dock.model().visible_rows()]


def _commune(dock: SosDock, label: str) -> str:
    """Return the commune filter key of the choice shown as `label`."""
    keys = [key for key, shown in dock.commune_choices() if shown == label]
    assert len(keys) == 1, f"{label!r} among {dock.commune_choices()!r}"
    return keys[0]


def _labels(dock: SosDock) -> list:
    return [label for _key, label in dock.commune_choices()]


def _cell(dock: SosDock, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = dock.model()
    return model.data(model.index(row, column), role)


@pytest.fixture
def dock(qgis_iface, qgis_new_project):
    widget = SosDock(qgis_iface)
    yield widget
    widget.set_layer(None)
    widget.deleteLater()
    QCoreApplication.processEvents()


@pytest.fixture
def layer(qgis_app, qgis_new_project, tmp_path):
    case_layer = create_or_open_case_layer(str(tmp_path / "cases.gpkg"))
    QgsProject.instance().addMapLayer(case_layer)
    yield case_layer
    if not sip.isdeleted(case_layer):
        QgsProject.instance().removeMapLayer(case_layer.id())


@pytest.fixture
def sample(layer, dock):
    """Six cases with known priorities, hazards, communes and counts, loaded into the dock."""
    features = [
        _feature(1, people_count=5, household_count=2, address="Thôn 3, xã Đông Hòa"),
        _feature(
            2, people_count=None, household_count=None, address="Buôn Ma Thuột", reporter_name="Trần Văn Đức"
        ),
        _feature(3, status="in_progress", people_count=3, household_count=1, address="Krông Pắc"),
        _feature(4, status="supported", people_count=7, address="Ea Kar"),
        _feature(
            5, status="unreachable", people_count=1, address="Cư M'gar", description="Nhà sập, cần cứu hộ"
        ),
        _feature(6, lon=None, lat=None, status="needs_help", people_count=4, household_count=None),
    ]
    features[5]["geometry"] = None
    extra = {
        "c0000001": {
            "priority": 80.0,
            "in_flood": True,
            "in_landslide_zone": False,
            "commune_code": "24400",
            "commune_name": "Đông Hòa",
        },
        "c0000002": {
            "priority": 95.0,
            "in_flood": False,
            "in_landslide_zone": True,
            "commune_code": "24401",
            "commune_name": "Ea Tu",
        },
        "c0000003": {
            "priority": 60.0,
            "in_flood": True,
            "in_landslide_zone": True,
            "commune_code": "24400",
            "commune_name": "Đông Hòa",
        },
        "c0000004": {"priority": 0.0, "in_flood": False, "in_landslide_zone": False},
        "c0000005": {"priority": 0.0},
        "c0000006": {"priority": 40.0},
    }
    _fill(layer, features, extra)
    dock.set_layer(layer)
    _wait_loaded(dock)
    return layer


# Loading, counts and order


def test_load_counts_rows(sample, dock):
    assert len(dock.model().all_rows()) == 6


def test_counts_by_status(sample, dock):
    text = dock.findChild(object, "countsLabel").text()
    assert "Needs help: 3" in text
    assert "In progress: 1" in text
    assert "Supported: 1" in text
    assert "Unreachable: 1" in text


def test_waiting_people_keeps_unknown_apart(sample, dock):
    text = dock.findChild(object, "waitingLabel").text()
    # Open cases: 1 (5 people), 2 (unknown), 3 (3 people), 6 (4 people).
    assert "People waiting: 12 · cases with unknown count: 1" in text


def test_waiting_households_keeps_unknown_apart(sample, dock):
    text = dock.findChild(object, "waitingLabel").text()
    assert "Households waiting: 3 · cases with unknown count: 2" in text


def test_sorted_by_priority(sample, dock):
    assert _shown_ids(dock)[:4] == ["c0000002", "c0000001", "c0000003", "c0000006"]


def test_header_click_sorts_by_people(sample, dock):
    dock.table().sortByColumn(COLUMN_PEOPLE, Qt.SortOrder.DescendingOrder)
    assert _shown_ids(dock)[0] == "c0000004"


def test_cells_plain_text(sample, dock):
    assert _cell(dock, 0, COLUMN_PRIORITY) == "95"
    assert _cell(dock, 0, COLUMN_STATUS) == "Needs help"
    assert _cell(dock, 0, COLUMN_HAZARD) == "Landslide"
    assert _cell(dock, 0, COLUMN_COMMUNE) == "Ea Tu"
    assert _cell(dock, 0, COLUMN_ADDRESS) == "Buôn Ma Thuột"
    assert _cell(dock, 0, COLUMN_PEOPLE) == ""


def test_waiting_time_text(sample, dock):
    dock.model().set_now(NOW + timedelta(hours=13, minutes=5))
    assert _cell(dock, 0, COLUMN_WAITING) == "14 h 5 min"


def test_waiting_time_days(sample, dock):
    dock.model().set_now(NOW + timedelta(days=3))
    assert _cell(dock, 0, COLUMN_WAITING) == "3 d 1 h"


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        (datetime(1970, 1, 1, tzinfo=timezone.utc), "?"),
        (datetime(1999, 12, 31, tzinfo=timezone.utc), "?"),
        (NOW + timedelta(days=400), "?"),
        (NOW + timedelta(hours=7), "?"),
        (NOW + timedelta(minutes=5), "0 min"),
        (NOW - timedelta(minutes=7), "7 min"),
    ],
)
def test_waiting_time_implausible(qgis_app, created_at, expected):
    model = CaseTableModel()
    model.set_now(NOW)
    assert model.waiting_text(created_at) == expected


def test_phone_never_in_cells(sample, dock):
    model = dock.model()
    texts = [
        str(model.data(model.index(row, column)))
        for row in range(model.rowCount())
        for column in range(model.columnCount())
    ]
    assert not any("0905123456" in text for text in texts)


def test_phone_not_searchable(sample, dock):
    dock.set_search_text("0905123456")
    assert _shown_ids(dock) == []


# Filters


def test_status_filter(sample, dock):
    dock.set_status_filter(["in_progress", "supported"])
    assert sorted(_shown_ids(dock)) == ["c0000003", "c0000004"]


def test_status_menu_stays_open(sample, dock):
    menu = dock.findChild(object, "statusFilterButton").menu()
    menu.popup(QPoint(0, 0))
    action = next(action for action in menu.actions() if action.text() == "Supported")
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert menu.isVisible()
    assert "c0000004" not in _shown_ids(dock)
    menu.hide()


def test_hazard_filter_flood(sample, dock):
    dock.set_hazard_filter(HAZARD_FLOOD)
    assert sorted(_shown_ids(dock)) == ["c0000001", "c0000003"]


def test_hazard_filter_landslide(sample, dock):
    dock.set_hazard_filter(HAZARD_LANDSLIDE)
    assert sorted(_shown_ids(dock)) == ["c0000002", "c0000003"]


def test_hazard_filter_none(sample, dock):
    dock.set_hazard_filter(HAZARD_NONE)
    assert sorted(_shown_ids(dock)) == ["c0000004", "c0000005", "c0000006"]


def test_commune_choices_from_fields(sample, dock):
    assert _labels(dock) == ["Đông Hòa", "Ea Tu"]


def test_commune_filter(sample, dock):
    dock.set_commune_filter(_commune(dock, "Đông Hòa"))
    assert sorted(_shown_ids(dock)) == ["c0000001", "c0000003"]


def test_commune_filter_outside(sample, dock):
    dock.set_commune_filter("")
    assert sorted(_shown_ids(dock)) == ["c0000004", "c0000005", "c0000006"]


def test_filters_combine(sample, dock):
    dock.set_commune_filter(_commune(dock, "Đông Hòa"))
    dock.set_status_filter(["needs_help"])
    assert _shown_ids(dock) == ["c0000001"]


def test_shown_label(sample, dock):
    dock.set_status_filter(["needs_help"])
    assert dock.findChild(object, "shownLabel").text() == "Showing 3 of 6 cases"


# Search


def test_search_without_accents(sample, dock):
    dock.set_search_text("dong hoa")
    assert _shown_ids(dock) == ["c0000001"]


def test_search_nfd_input(sample, dock):
    dock.set_search_text(unicodedata.normalize("NFD", "Đông Hòa"))
    assert _shown_ids(dock) == ["c0000001"]


def test_search_d_with_stroke(sample, dock):
    dock.set_search_text("DUC")
    assert _shown_ids(dock) == ["c0000002"]


def test_search_description(sample, dock):
    dock.set_search_text("cứu hộ")
    assert _shown_ids(dock) == ["c0000005"]


def test_search_ids(sample, dock):
    dock.set_search_text("ext-3")
    assert _shown_ids(dock) == ["c0000003"]


def test_search_words_any_order(sample, dock):
    dock.set_search_text("hoa thon")
    assert _shown_ids(dock) == ["c0000001"]


def test_search_waits_for_typing(sample, dock):
    QTest.keyClicks(dock.findChild(object, "searchEdit"), "krong")
    assert len(_shown_ids(dock)) == 6
    deadline = time.monotonic() + 5
    while len(_shown_ids(dock)) == 6 and time.monotonic() < deadline:
        QCoreApplication.processEvents()
    assert _shown_ids(dock) == ["c0000003"]


# Refresh of single cases


def test_refresh_changed_case_moves_up(sample, dock, layer):
    fid = dock.model().row_of_case("c0000006").fid
    priority = layer.fields().indexFromName("priority")
    assert layer.dataProvider().changeAttributeValues({fid: {priority: 99.0}})
    dock.refresh_cases(["c0000006"])
    assert _shown_ids(dock)[0] == "c0000006"


def test_refresh_new_case_added(sample, dock, layer):
    _fill(layer, [_feature(7, status="in_progress")], {"c0000007": {"priority": 70.0}})
    dock.refresh_cases(["c0000007"])
    assert _shown_ids(dock)[2] == "c0000007"


def test_refresh_deleted_case_dropped(sample, dock, layer):
    fid = dock.model().row_of_case("c0000004").fid
    assert layer.dataProvider().deleteFeatures([fid])
    dock.refresh_cases(["c0000004"])
    assert "c0000004" not in _shown_ids(dock)


def test_refresh_updates_counts(sample, dock, layer):
    status = layer.fields().indexFromName("status")
    fid = dock.model().row_of_case("c0000001").fid
    assert layer.dataProvider().changeAttributeValues({fid: {status: "supported"}})
    dock.refresh_cases(["c0000001"])
    QCoreApplication.processEvents()
    assert "Supported: 2" in dock.findChild(object, "countsLabel").text()


def test_refresh_keeps_selection(sample, dock, layer):
    layer.selectByIds([dock.model().row_of_case("c0000003").fid])
    priority = layer.fields().indexFromName("priority")
    fid = dock.model().row_of_case("c0000006").fid
    assert layer.dataProvider().changeAttributeValues({fid: {priority: 99.0}})
    dock.refresh_cases(["c0000006"])
    assert dock.selected_case_ids() == ["c0000003"]


# New cases


def test_new_cases_marked(sample, dock):
    dock.note_new_cases(["c0000002", "c0000003"])
    assert _cell(dock, 0, COLUMN_ADDRESS, IS_NEW_ROLE) is True
    assert _cell(dock, 0, COLUMN_ADDRESS, Qt.ItemDataRole.FontRole).bold()


def test_new_cases_counted(sample, dock):
    dock.note_new_cases(["c0000002", "c0000003"])
    assert dock.findChild(object, "newLabel").text() == "2 new"


def test_new_case_seen_on_click(sample, dock):
    dock.note_new_cases(["c0000002", "c0000003"])
    table = dock.table()
    table.clicked.emit(dock.model().index(0, COLUMN_ADDRESS))
    assert dock.new_case_count() == 1


def test_mark_all_seen(sample, dock):
    dock.note_new_cases(["c0000002", "c0000003"])
    dock.findChild(object, "markSeenButton").click()
    assert dock.new_case_count() == 0


def test_new_mark_before_load(layer, dock):
    _fill(layer, [_feature(1)])
    dock.set_layer(layer)
    dock.note_new_cases(["c0000001"])
    _wait_loaded(dock)
    assert dock.new_case_count() == 1


# Selection and map


def test_click_selects_in_layer(sample, dock, layer):
    dock.table().clicked.emit(dock.model().index(1, COLUMN_ADDRESS))
    dock.table().selectRow(1)
    assert layer.selectedFeatureIds() == [dock.model().row_of_case("c0000001").fid]


def test_click_zooms_to_case(sample, dock, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setDestinationCrs(sample.crs())
    canvas.setExtent(sample.extent().buffered(5))
    dock.table().clicked.emit(dock.model().index(1, COLUMN_ADDRESS))
    center = canvas.center()
    assert abs(center.x() - 108.05) < 1e-6
    assert abs(center.y() - 12.68) < 1e-6
    assert canvas.scale() <= MAX_OVERVIEW_SCALE


def test_click_keeps_close_scale(sample, dock, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setDestinationCrs(sample.crs())
    canvas.setCenter(QgsPointXY(108.0, 12.6))
    canvas.zoomScale(2000)
    dock.table().clicked.emit(dock.model().index(1, COLUMN_ADDRESS))
    assert abs(canvas.scale() - 2000) < 20


def test_no_location_no_zoom(sample, dock):
    assert not dock.zoom_to_case("c0000006")


def test_view_selection_to_layer(sample, dock, layer):
    dock.table().selectRow(0)
    dock.table().selectionModel().select(
        dock.model().index(2, 0),
        dock.table().selectionModel().SelectionFlag.Select | dock.table().selectionModel().SelectionFlag.Rows,
    )
    expected = sorted(dock.model().row_of_case(case_id).fid for case_id in ("c0000002", "c0000003"))
    assert sorted(layer.selectedFeatureIds()) == expected


def test_layer_selection_to_view(sample, dock, layer):
    layer.selectByIds([dock.model().row_of_case(case_id).fid for case_id in ("c0000001", "c0000006")])
    assert dock.selected_case_ids() == ["c0000001", "c0000006"]


def test_filter_keeps_layer_selection(sample, dock, layer):
    fids = [dock.model().row_of_case(case_id).fid for case_id in ("c0000001", "c0000004")]
    layer.selectByIds(fids)
    dock.set_status_filter(["needs_help"])
    assert sorted(layer.selectedFeatureIds()) == sorted(fids)


def test_filter_keeps_view_selection(sample, dock, layer):
    layer.selectByIds([dock.model().row_of_case("c0000001").fid])
    dock.set_hazard_filter(HAZARD_FLOOD)
    assert dock.selected_case_ids() == ["c0000001"]


def test_double_click_requests_details(sample, dock):
    requested = []
    dock.detailsRequested.connect(requested.append)
    dock.table().doubleClicked.emit(dock.model().index(0, 0))
    assert requested == ["c0000002"]


def test_context_menu_set_status(sample, dock):
    requested = []
    dock.setStatusRequested.connect(requested.append)
    dock.table().selectRow(0)
    menu = dock.context_menu(dock.model().index(0, 0))
    menu.findChild(QAction, "setStatusAction").trigger()
    assert requested == [["c0000002"]]


def test_context_menu_details(sample, dock):
    requested = []
    dock.detailsRequested.connect(requested.append)
    menu = dock.context_menu(dock.model().index(1, 0))
    menu.findChild(QAction, "detailsAction").trigger()
    assert requested == ["c0000001"]


def test_context_menu_no_selection(sample, dock):
    menu = dock.context_menu(QModelIndex())
    assert not menu.findChild(QAction, "setStatusAction").isEnabled()


def test_html_address_literal(sample, dock, layer):
    _fill(layer, [_feature(7, address="<b>Thôn</b> &amp; 5")], {"c0000007": {"priority": 99.0}})
    dock.refresh_cases(["c0000007"])
    assert _cell(dock, 0, COLUMN_ADDRESS) == "<b>Thôn</b> &amp; 5"


# Communes from an admin layer


@pytest.fixture
def admin_layer(qgis_new_project):
    pytest.importorskip("shapely", minversion="2.0")
    polygons = QgsVectorLayer("Polygon?crs=EPSG:4326&field=ma_xa:string&field=ten_xa:string", "xa", "memory")
    features = []
    for code, name, west in (("24400", "Đông Hòa", 108.0), ("24500", "Ea Tu", 108.1)):
        feature = QgsFeature(polygons.fields())
        feature.setAttributes([code, name])
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(west, 12.6, west + 0.1, 12.8)))
        features.append(feature)
    assert polygons.dataProvider().addFeatures(features)[0]
    QgsProject.instance().addMapLayer(polygons)
    return polygons


@pytest.fixture
def located(layer, dock, admin_layer):
    """Three cases: one in each commune of the admin layer and one outside both."""
    _fill(layer, [_feature(1, lon=108.05), _feature(2, lon=108.15), _feature(3, lon=109.5)])
    dock.set_layer(layer)
    _wait_loaded(dock)
    dock.set_admin_layer(admin_layer)
    _wait_loaded(dock)
    return layer


def test_admin_commune_choices(located, dock):
    assert _labels(dock) == ["Đông Hòa", "Ea Tu"]


def test_admin_commune_filter(located, dock):
    dock.set_commune_filter(_commune(dock, "Ea Tu"))
    assert _shown_ids(dock) == ["c0000002"]


def test_admin_outside_filter(located, dock):
    dock.set_commune_filter("")
    assert _shown_ids(dock) == ["c0000003"]


def test_admin_commune_cell(located, dock):
    dock.set_commune_filter(_commune(dock, "Đông Hòa"))
    assert _cell(dock, 0, COLUMN_COMMUNE) == "Đông Hòa"


def test_admin_layer_cleared(located, dock):
    dock.set_admin_layer(None)
    _wait_loaded(dock)
    assert dock.commune_choices() == []


def _polygons(rows: list, geometry_type: str = "Polygon") -> QgsVectorLayer:
    """A memory layer of communes from (code, name, QgsGeometry) rows, added to the project."""
    uri = f"{geometry_type}?crs=EPSG:4326&field=ma_xa:string&field=ten_xa:string"
    polygons = QgsVectorLayer(uri, "xa", "memory")
    features = []
    for code, name, geometry in rows:
        feature = QgsFeature(polygons.fields())
        feature.setAttributes([code, name])
        feature.setGeometry(geometry)
        features.append(feature)
    assert polygons.dataProvider().addFeatures(features)[0]
    QgsProject.instance().addMapLayer(polygons)
    return polygons


def _rect(west: float, south: float, east: float, north: float) -> QgsGeometry:
    return QgsGeometry.fromRect(QgsRectangle(west, south, east, north))


@pytest.fixture
def shared_code(layer, dock):
    """Two communes coded 24400 (Tây west of 108.1, Đông east of it) with one case in Tây and two in Đông."""
    pytest.importorskip("shapely", minversion="2.0")
    admin = _polygons(
        [
            ("24400", "Tây", _rect(108.0, 12.6, 108.1, 12.8)),
            ("24400", "Đông", _rect(108.1, 12.6, 108.2, 12.8)),
        ]
    )
    _fill(layer, [_feature(1, lon=108.05), _feature(2, lon=108.15), _feature(3, lon=108.16)])
    dock.set_layer(layer)
    _wait_loaded(dock)
    dock.set_admin_layer(admin)
    _wait_loaded(dock)
    return layer


def test_admin_shared_code_choices(shared_code, dock):
    assert _labels(dock) == ["Đông", "Tây"]


def test_admin_shared_code_filter(shared_code, dock):
    dock.set_commune_filter(_commune(dock, "Tây"))
    assert _shown_ids(dock) == ["c0000001"]
    dock.set_commune_filter(_commune(dock, "Đông"))
    assert sorted(_shown_ids(dock)) == ["c0000002", "c0000003"]


def test_fields_shared_code_filter(layer, dock):
    communes = {
        "c0000001": {"commune_code": "24400", "commune_name": "Tây"},
        "c0000002": {"commune_code": "24400", "commune_name": "Đông"},
    }
    _fill(layer, [_feature(1), _feature(2)], communes)
    dock.set_layer(layer)
    _wait_loaded(dock)
    dock.set_commune_filter(_commune(dock, "Tây"))
    assert _shown_ids(dock) == ["c0000001"]


def test_admin_same_name_labels(layer, dock):
    pytest.importorskip("shapely", minversion="2.0")
    rows = [
        ("24400", "Hòa Bình", _rect(108.0, 12.6, 108.1, 12.8)),
        ("24700", "Hòa Bình", _rect(108.1, 12.6, 108.2, 12.8)),
    ]
    dock.set_admin_layer(_polygons(rows))
    assert _labels(dock) == ["Hòa Bình (24400)", "Hòa Bình (24700)"]


def test_admin_unnamed_commune(layer, dock):
    pytest.importorskip("shapely", minversion="2.0")
    admin = _polygons(
        [(None, None, _rect(108.0, 12.6, 108.1, 12.8)), ("24500", "Ea Tu", _rect(108.1, 12.6, 108.2, 12.8))]
    )
    _fill(layer, [_feature(1, lon=108.05), _feature(2, lon=109.5)])
    dock.set_layer(layer)
    _wait_loaded(dock)
    dock.set_admin_layer(admin)
    _wait_loaded(dock)
    dock.set_commune_filter("")
    assert _shown_ids(dock) == ["c0000002"]
    dock.set_commune_filter(_commune(dock, "Commune without code or name 1"))
    assert _shown_ids(dock) == ["c0000001"]


def test_admin_swapped_axes_warning(layer, dock, qgis_iface):
    pytest.importorskip("shapely", minversion="2.0")
    # The commune of Đông Hòa with latitude and longitude swapped.
    swapped = _polygons([("24400", "Đông Hòa", _rect(12.6, 108.0, 12.8, 108.1))])
    _fill(layer, [_feature(1, lon=108.05), _feature(2, lon=108.07)])
    dock.set_layer(layer)
    _wait_loaded(dock)
    qgis_iface.messageBar().clear_messages()
    dock.set_admin_layer(swapped)
    _wait_loaded(dock)
    warnings = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("would with x and y swapped" in text for text in warnings)


def test_admin_overlap_no_warning(layer, dock, admin_layer, qgis_iface):
    _fill(layer, [_feature(1, lon=108.05)])
    dock.set_layer(layer)
    _wait_loaded(dock)
    qgis_iface.messageBar().clear_messages()
    dock.set_admin_layer(admin_layer)
    _wait_loaded(dock)
    assert qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning) == []


# Connection state


def test_state_not_connected(dock):
    assert dock.findChild(object, "stateLabel").text() == "● Not connected"


@pytest.mark.parametrize(
    ("state", "text"),
    [("live", "● Live"), ("paused", "● Paused"), ("offline", "● Offline"), ("error", "● Error")],
)
def test_state_texts(dock, state, text):
    dock.set_connection_state(state, NOW)
    assert dock.findChild(object, "stateLabel").text() == text


def test_unknown_state_rejected(dock):
    with pytest.raises(ValueError):
        dock.set_connection_state("connected", None)


def test_last_sync_today_in_vietnam_time(dock):
    now = datetime.now(VIETNAM_TZ).replace(hour=2, minute=5, second=0, microsecond=0)
    dock.set_connection_state("live", now.astimezone(timezone.utc))
    assert dock.findChild(object, "lastSyncLabel").text() == "Last sync: 02:05"


def test_last_sync_other_day_shows_date(dock):
    moment = datetime(2025, 11, 19, 20, 30, tzinfo=timezone.utc)
    dock.set_connection_state("live", moment)
    assert dock.findChild(object, "lastSyncLabel").text() == "Last sync: 20/11/2025 03:30"


def test_last_sync_never(dock):
    dock.set_connection_state("offline", None)
    assert dock.findChild(object, "lastSyncLabel").text() == "Last sync: never"


def test_stale_warning_shown(dock):
    stale = datetime.now(VIETNAM_TZ).replace(hour=9, minute=41, second=0, microsecond=0)
    dock.set_connection_state("offline", stale, stale_since=stale)
    label = dock.findChild(object, "staleLabel")
    assert label.text() == "Data is stale since 09:41"
    assert not label.isHidden()


def test_stale_warning_hidden(dock):
    dock.set_connection_state("offline", NOW, stale_since=NOW)
    dock.set_connection_state("live", NOW)
    assert dock.findChild(object, "staleLabel").isHidden()


def test_detail_plain_text(dock):
    dock.set_connection_state("error", None, detail="<b>boom</b>")
    label = dock.findChild(object, "detailLabel")
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_paused_state_checks_pause(dock):
    toggles = []
    dock.pauseToggled.connect(toggles.append)
    dock.set_connection_state("paused", NOW)
    assert dock.findChild(object, "pauseAction").isChecked()
    assert toggles == []


def test_pause_emits(dock):
    toggles = []
    dock.pauseToggled.connect(toggles.append)
    dock.findChild(object, "pauseAction").trigger()
    assert toggles == [True]


def test_busy_shows_cancel(dock):
    dock.set_busy(True, 40.0)
    assert dock.findChild(object, "progressBar").value() == 40
    assert dock.findChild(object, "cancelAction").isVisible()
    assert not dock.findChild(object, "fetchAction").isEnabled()


def test_idle_hides_cancel(dock):
    dock.set_busy(True)
    dock.set_busy(False)
    assert not dock.findChild(object, "cancelAction").isVisible()


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("fetchAction", "fetchRequested"),
        ("cancelAction", "cancelRequested"),
        ("settingsAction", "settingsRequested"),
        ("hazardSourcesAction", "hazardSourcesRequested"),
        ("summaryAction", "summaryRequested"),
        ("reportAction", "reportRequested"),
    ],
)
def test_actions_emit(dock, name, signal):
    emitted = []
    getattr(dock, signal).connect(lambda: emitted.append(True))
    dock.set_busy(True)
    action = dock.findChild(object, name)
    action.setEnabled(True)
    action.trigger()
    assert emitted == [True]


def test_object_name_and_title(dock):
    assert dock.objectName() == "SosDock"
    assert dock.windowTitle() == "SOS cases"


# Layer lifecycle


def test_layer_removed_clears_list(sample, dock, layer):
    QgsProject.instance().removeMapLayer(layer.id())
    QCoreApplication.processEvents()
    assert dock.model().rowCount() == 0


def test_switch_during_load(layer, dock, tmp_path):
    _fill(layer, [_feature(1)])
    other = create_or_open_case_layer(str(tmp_path / "other.gpkg"))
    _fill(other, [_feature(2), _feature(3)])
    QgsProject.instance().addMapLayer(other)
    dock.set_layer(layer)
    dock.set_layer(other)
    _wait_loaded(dock)
    QgsApplication.taskManager().cancelAll()
    for _ in range(50):
        QCoreApplication.processEvents()
    assert sorted(_shown_ids(dock)) == ["c0000002", "c0000003"]


def test_set_layer_none(sample, dock):
    dock.set_layer(None)
    assert dock.model().rowCount() == 0


# Model updates


def _random_rows(generator: random.Random, count: int, start: int = 0) -> list:
    return [
        CaseRow(
            fid=number,
            case_id=f"c{number:07d}",
            status=generator.choice(STATUSES),
            priority=generator.choice([None, 0.0, 50.0, generator.uniform(0, 100)]),
            people=generator.choice([None, 1, 4]),
            created_at=NOW - timedelta(minutes=generator.randrange(0, 5000)),
            search_text=generator.choice(["dong hoa", "ea kar"]),
        )
        for number in range(start, start + count)
    ]


@pytest.mark.parametrize(
    ("column", "order", "case_filter"),
    [
        (COLUMN_PRIORITY, Qt.SortOrder.DescendingOrder, CaseFilter()),
        (COLUMN_PRIORITY, Qt.SortOrder.AscendingOrder, CaseFilter(statuses=frozenset(OPEN_STATUSES))),
        (COLUMN_PEOPLE, Qt.SortOrder.DescendingOrder, CaseFilter(words=("dong",))),
        (COLUMN_WAITING, Qt.SortOrder.AscendingOrder, CaseFilter()),
    ],
)
def test_model_updates_match_full_sort(qgis_app, column, order, case_filter):
    generator = random.Random(7)
    updated = CaseTableModel()
    updated.sort(column, order)
    updated.set_filter(case_filter)
    updated.set_rows(_random_rows(generator, 2000))
    for _ in range(5):
        changed = [copy.copy(row) for row in generator.sample(updated.all_rows(), 150)]
        for row in changed:
            row.priority = generator.choice([None, generator.uniform(0, 100)])
            row.status = generator.choice(STATUSES)
            row.people = generator.choice([None, 2, 9])
        removed = [row.case_id for row in generator.sample(updated.all_rows(), 20)]
        removed = [case_id for case_id in removed if case_id not in {row.case_id for row in changed}]
        added = _random_rows(generator, 30, start=10000 + len(updated.all_rows()) * 10)
        updated.update_rows(changed + added, removed_ids=removed)

    fresh = CaseTableModel()
    fresh.sort(column, order)
    fresh.set_filter(case_filter)
    fresh.set_rows([copy.copy(row) for row in updated.all_rows()])
    assert [row.case_id for row in updated.visible_rows()] == [row.case_id for row in fresh.visible_rows()]
    assert updated.rowCount() == len(fresh.visible_rows())


def test_model_position_of_fid(qgis_app):
    model = CaseTableModel()
    model.set_rows(_random_rows(random.Random(3), 500))
    positions = [model.position_of_fid(row.fid) for row in model.visible_rows()]
    assert positions == list(range(500))


# Large layer


def _bulk_layer(tmp_path, count: int) -> QgsVectorLayer:
    """Write `count` cases straight through the data provider, as a big fetch would."""
    layer = create_or_open_case_layer(str(tmp_path / "bulk.gpkg"))
    fields = layer.fields()
    created = (NOW - timedelta(hours=2)).astimezone(VIETNAM_TZ).replace(tzinfo=None)
    features = []
    for number in range(count):
        feature = QgsFeature(fields)
        feature.setAttribute("id", f"c{number:07d}")
        feature.setAttribute("status", "needs_help" if number % 2 else "supported")
        feature.setAttribute("people_count", number % 7)
        feature.setAttribute("priority", float(number % 101))
        feature.setAttribute("address", "Đông Hòa" if number % 1000 == 0 else f"thôn {number}")
        feature.setAttribute("description", "Nhà ngập")
        feature.setAttribute("created_at", created.isoformat())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(108 + number * 1e-5, 12.5)))
        features.append(feature)
    ok, _ = layer.dataProvider().addFeatures(features)
    assert ok
    return layer


@pytest.fixture
def bulk(tmp_path, dock, qgis_app, qgis_new_project):
    layer = _bulk_layer(tmp_path, 50000)
    QgsProject.instance().addMapLayer(layer)
    started = time.perf_counter()
    dock.set_layer(layer)
    _wait_loaded(dock)
    print(f"\nload of 50,000 cases: {time.perf_counter() - started:.2f} s")
    yield layer
    QgsProject.instance().removeMapLayer(layer.id())


def test_bulk_all_rows(bulk, dock):
    assert dock.model().rowCount() == 50000


def test_bulk_priority_order(bulk, dock):
    priorities = [row.priority for row in dock.model().visible_rows()]
    assert priorities == sorted(priorities, reverse=True)


def test_bulk_search(bulk, dock):
    started = time.perf_counter()
    dock.set_search_text("dong hoa")
    print(f"\nsearch over 50,000 cases: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert len(_shown_ids(dock)) == 50


def test_bulk_status_filter(bulk, dock):
    dock.set_status_filter(["needs_help"])
    assert dock.model().rowCount() == 25000


def test_bulk_refresh_500(bulk, dock):
    priority = bulk.fields().indexFromName("priority")
    fids = [dock.model().row_of_case(f"c{number:07d}").fid for number in range(0, 50000, 100)]
    assert bulk.dataProvider().changeAttributeValues({fid: {priority: 100.5} for fid in fids})
    started = time.perf_counter()
    dock.refresh_cases([f"c{number:07d}" for number in range(0, 50000, 100)])
    print(f"\nrefresh of 500 cases in 50,000: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert {row.priority for row in dock.model().visible_rows()[:500]} == {100.5}


def test_bulk_ids_role(bulk, dock):
    assert _cell(dock, 0, 0, CASE_ID_ROLE) == dock.model().visible_rows()[0].case_id


def test_task_manager_idle_after_load(bulk, dock):
    assert QgsApplication.taskManager().countActiveTasks() == 0
