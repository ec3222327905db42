"""Hazard results written in slices: priorities with their reasons, communes, and cases changed meanwhile."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone

import pytest
from qgis.core import (
    NULL,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant

from sos_qgis_plugin.case_layer import CaseLayerStore
from sos_qgis_plugin.core.priority import PriorityWeights
from sos_qgis_plugin.core.records import parse_feature
from sos_qgis_plugin.priority_text import case_priority
from sos_qgis_plugin.tasks import MIN_SLICE_SIZE, AnalyseHazardsTask

# A 10 by 10 grid of cases, 0.01 degrees apart; the flood zone covers its western half.
GRID = 10
WEST_LON = 108.0
SOUTH_LAT = 12.5
STEP = 0.01
FLOOD_EAST = WEST_LON + STEP * (GRID / 2) - STEP / 2
URGENCIES = ("low", "medium", "high", "critical")


def _record(number: int, version: int = 1, **changes):
    lon = WEST_LON + STEP * (number % GRID)
    lat = SOUTH_LAT + STEP * (number // GRID)
    properties = {
        "id": f"c{number:07d}",
        "status": "needs_help",
        "people_count": 1 + number % 9,
        "urgency": URGENCIES[number % 4],
        "has_elderly": number % 3 == 0,
        "created_at": (datetime.now(timezone.utc) - timedelta(hours=1 + number % 30)).isoformat(),
        "version": version,
    }
    properties.update(changes.pop("properties", {}))
    feature = {
        "type": "Feature",
        "id": properties["id"],
        "geometry": {"type": "Point", "coordinates": [changes.pop("lon", lon), lat]},
        "properties": properties,
    }
    return parse_feature(feature)


def _polygon_layer(name: str, rings: list[tuple[str, str, QgsRectangle]]) -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", name, "memory")
    layer.dataProvider().addAttributes(
        [QgsField("ma_xa", QVariant.String), QgsField("ten_xa", QVariant.String)]
    )
    layer.updateFields()
    features = []
    for code, label, rectangle in rings:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([code, label])
        feature.setGeometry(QgsGeometry.fromRect(rectangle))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    return layer


@pytest.fixture
def grid_layer(case_layer):
    """The case layer holding the 100 grid cases."""
    CaseLayerStore(case_layer).apply_records([_record(number) for number in range(GRID * GRID)])
    return case_layer


@pytest.fixture
def flood():
    area = QgsRectangle(WEST_LON - 1.0, SOUTH_LAT - 1.0, FLOOD_EAST, SOUTH_LAT + 1.0)
    return _polygon_layer("flood", [("f1", "flood", area)])


@pytest.fixture
def communes():
    """Two communes, one south and one north: each contains half of the grid."""
    middle = SOUTH_LAT + STEP * (GRID / 2) - STEP / 2
    return _polygon_layer(
        "communes",
        [
            ("24001", "Xã Hòa Phú", QgsRectangle(WEST_LON - 1.0, SOUTH_LAT - 1.0, WEST_LON + 1.0, middle)),
            ("24002", "Phường Tân An", QgsRectangle(WEST_LON - 1.0, middle, WEST_LON + 1.0, SOUTH_LAT + 1.0)),
        ],
    )


def _wait(outcomes: list, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not outcomes and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    assert outcomes, f"the analysis did not report within {timeout_s} s"


def _run_in_steps(layer, flood_layer, between=None, **options):
    """Run the task's run() here, call `between()`, then write the slices and return the outcome."""
    outcomes: list = []
    options.setdefault("communes", [])
    task = AnalyseHazardsTask(layer, [flood_layer], [], 1000.0, outcomes.append, **options)
    assert task.run()
    if between is not None:
        between()
    task.finished(True)
    _wait(outcomes)
    return outcomes[0]


def _by_id(layer) -> dict:
    return {feature["id"]: feature for feature in layer.getFeatures()}


def _values(feature) -> dict:
    return dict(zip(feature.fields().names(), feature.attributes()))


def test_slices_many(grid_layer, flood):
    outcome = _run_in_steps(grid_layer, flood, slice_size=MIN_SLICE_SIZE)

    assert outcome.ok
    assert outcome.slices >= 2
    assert outcome.analysed == GRID * GRID


def test_slices_write_flood(grid_layer, flood):
    _run_in_steps(grid_layer, flood, slice_size=MIN_SLICE_SIZE)

    in_flood = [feature["in_flood"] for feature in grid_layer.getFeatures()]
    assert in_flood.count(True) == GRID * GRID // 2
    assert in_flood.count(False) == GRID * GRID // 2


def test_reason_matches_case_priority(grid_layer, flood):
    weights = PriorityWeights(hazard=40.0, waiting=5.0)

    outcome = _run_in_steps(grid_layer, flood, weights=weights)

    for feature in list(grid_layer.getFeatures())[::7]:
        expected = case_priority(_values(feature), outcome.analysed_at, weights)
        assert feature["priority"] == pytest.approx(expected[0], abs=0.05), feature["id"]
        assert feature["priority_reason"] == expected[1], feature["id"]


def test_reason_names_flood(grid_layer, flood):
    _run_in_steps(grid_layer, flood)

    feature = _by_id(grid_layer)["c0000000"]
    assert "in flood" in feature["priority_reason"]


def test_weights_change_priority(grid_layer, flood):
    first = _run_in_steps(grid_layer, flood, weights=PriorityWeights())
    before = _by_id(grid_layer)["c0000000"]["priority"]

    _run_in_steps(grid_layer, flood, weights=PriorityWeights(hazard=100.0))

    assert first.ok
    assert _by_id(grid_layer)["c0000000"]["priority"] > before


def test_changed_case_keeps_record(grid_layer, flood):
    store = CaseLayerStore(grid_layer)
    changed = _record(0, version=2, properties={"status": "in_progress", "people_count": 40})

    _run_in_steps(grid_layer, flood, between=lambda: store.apply_records([changed]))

    feature = _by_id(grid_layer)["c0000000"]
    assert feature["status"] == "in_progress"
    assert feature["people_count"] == 40
    assert feature["in_flood"] is True


def test_changed_case_priority_current(grid_layer, flood):
    store = CaseLayerStore(grid_layer)
    changed = _record(0, version=2, properties={"people_count": 40})

    outcome = _run_in_steps(grid_layer, flood, between=lambda: store.apply_records([changed]))

    feature = _by_id(grid_layer)["c0000000"]
    expected = case_priority(_values(feature), outcome.analysed_at, PriorityWeights())
    assert outcome.recomputed == 1
    assert feature["priority"] == pytest.approx(expected[0], abs=0.05)
    assert "40 people" in feature["priority_reason"]


def test_moved_case_left_unknown(grid_layer, flood):
    store = CaseLayerStore(grid_layer)
    # Case 0 is in the flood zone; it moves east, out of it, while the analysis runs.
    moved = _record(0, version=2, lon=WEST_LON + 0.5)

    outcome = _run_in_steps(grid_layer, flood, between=lambda: store.apply_records([moved]))

    feature = _by_id(grid_layer)["c0000000"]
    assert outcome.moved == 1
    assert feature["in_flood"] == NULL
    assert feature["analysed_at"] == NULL


def test_moved_case_others_written(grid_layer, flood):
    store = CaseLayerStore(grid_layer)
    moved = _record(0, version=2, lon=WEST_LON + 0.5)

    _run_in_steps(grid_layer, flood, between=lambda: store.apply_records([moved]))

    assert _by_id(grid_layer)["c0000001"]["in_flood"] is True


def test_communes_written(grid_layer, flood, communes):
    from sos_qgis_plugin.admin_layers import read_communes

    outcome = _run_in_steps(grid_layer, flood, communes=read_communes(communes))

    cases = _by_id(grid_layer)
    assert outcome.in_commune == GRID * GRID
    assert cases["c0000000"]["commune_name"] == "Xã Hòa Phú"
    assert cases[f"c{GRID * GRID - 1:07d}"]["commune_code"] == "24002"


def test_communes_from_settings(grid_layer, flood, communes, qgis_new_project):
    from sos_qgis_plugin.settings import Settings

    QgsProject.instance().addMapLayer(communes)
    settings = Settings()
    settings.admin_layer_id = communes.id()
    try:
        outcome = _run_in_steps(grid_layer, flood, communes=None)
    finally:
        settings.admin_layer_id = ""

    assert outcome.communes_assigned
    assert _by_id(grid_layer)["c0000000"]["commune_code"] == "24001"


def test_communes_kept_without_admin(grid_layer, flood):
    index = grid_layer.fields().indexFromName("commune_name")
    grid_layer.dataProvider().changeAttributeValues(
        {fid: {index: "Xã cũ"} for fid in grid_layer.allFeatureIds()}
    )

    outcome = _run_in_steps(grid_layer, flood, communes=[])

    assert not outcome.communes_assigned
    assert {feature["commune_name"] for feature in grid_layer.getFeatures()} == {"Xã cũ"}


def test_moved_case_commune_located(grid_layer, flood, communes):
    from sos_qgis_plugin.admin_layers import read_communes

    store = CaseLayerStore(grid_layer)
    # Case 0 lies in the southern commune; it moves north into the other one while the analysis runs.
    moved = dataclasses.replace(_record(0, version=2), lat=SOUTH_LAT + 0.5)

    _run_in_steps(
        grid_layer, flood, between=lambda: store.apply_records([moved]), communes=read_communes(communes)
    )

    assert _by_id(grid_layer)["c0000000"]["commune_code"] == "24002"


def test_stop_between_slices(grid_layer, flood):
    outcomes: list = []
    task = AnalyseHazardsTask(
        grid_layer, [flood], [], 1000.0, outcomes.append, communes=[], slice_size=MIN_SLICE_SIZE
    )
    assert task.run()
    task.finished(True)
    task.stop()
    _wait(outcomes)

    assert outcomes[0].cancelled
    assert not task.writing()
    assert all(feature["analysed_at"] == NULL for feature in grid_layer.getFeatures())


def test_gc_released(grid_layer, flood):
    import gc

    _run_in_steps(grid_layer, flood)

    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
