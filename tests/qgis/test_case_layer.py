"""Case layer: fixed schema, in-place refresh against the reference server, sync state."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timezone

import pytest
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsField,
    QgsFields,
    QgsVectorFileWriter,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from sos_qgis_plugin.case_layer import (
    CASE_FIELDS,
    HAZARD_FIELD_NAMES,
    CaseLayerStore,
    create_or_open_case_layer,
    from_qdatetime,
    read_sync_state,
    write_sync_state,
)
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.core.hazards import HazardResult
from sos_qgis_plugin.style import apply_case_style


def _officer_client(server) -> SosClient:
    return SosClient(ClientConfig(base_url=server.url, token=server.tokens["officer"]))


def _features_by_id(layer) -> dict:
    return {feature["id"]: feature for feature in layer.getFeatures()}


def _field_names(layer) -> list:
    # The GeoPackage driver adds its primary key field "fid" in front of the case fields.
    return [name for name in layer.fields().names() if name != "fid"]


def test_schema_matches_case_fields(case_layer):
    assert _field_names(case_layer) == CASE_FIELDS.names()


def test_schema_field_types(case_layer):
    fields = case_layer.fields()
    assert fields.field("has_children").type() == QVariant.Type.Bool
    assert fields.field("in_flood").type() == QVariant.Type.Bool
    assert fields.field("created_at").type() == QVariant.Type.DateTime
    assert fields.field("people_count").type() == QVariant.Type.Int
    assert fields.field("priority").type() == QVariant.Type.Double


def test_schema_geometry_and_crs(case_layer):
    assert case_layer.wkbType() == QgsWkbTypes.Type.Point
    assert case_layer.crs().authid() == "EPSG:4326"


def test_open_adds_missing_fields(qgis_app, tmp_path):
    path = str(tmp_path / "old.gpkg")
    old_fields = QgsFields()
    old_fields.append(QgsField("id", QVariant.Type.String))
    old_fields.append(QgsField("status", QVariant.Type.String))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "sos_cases"
    writer = QgsVectorFileWriter.create(
        path,
        old_fields,
        QgsWkbTypes.Type.Point,
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsCoordinateTransformContext(),
        options,
    )
    del writer

    layer = create_or_open_case_layer(path)

    assert set(CASE_FIELDS.names()) <= set(layer.fields().names())


def test_null_geometry_cases_kept(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    records = fetch_records(sos_server).records

    stats = CaseLayerStore(case_layer).apply_records(records)

    assert stats.added == 3
    assert case_layer.featureCount() == 3
    drawn = [feature for feature in case_layer.getFeatures() if not feature.geometry().isNull()]
    assert len(drawn) == 1
    assert drawn[0]["external_id"] == "ng-1"


def test_null_geometry_cases_flagged(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)

    flags = {feature["external_id"]: feature["quality_flags"] for feature in case_layer.getFeatures()}

    assert flags["ng-2"] == "no_location"
    assert flags["ng-3"] == "no_location"


def test_refresh_keeps_fids_selection_style(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    apply_case_style(case_layer)
    renderer_type = case_layer.renderer().type()
    store = CaseLayerStore(case_layer)
    first = fetch_records(sos_server)
    store.apply_records(first.records)
    fids_before = {feature["id"]: feature.id() for feature in case_layer.getFeatures()}
    selected_case = next(case_id for case_id, feature in _features_by_id(case_layer).items())
    case_layer.selectByIds([fids_before[selected_case]])

    client = _officer_client(sos_server)
    _, version = client.get_case(selected_case)
    client.set_status(selected_case, "in_progress", version=version, note="team 2")
    second = fetch_records(sos_server, updated_since=first.next_updated_since)
    stats = store.apply_records(second.records)

    fids_after = {feature["id"]: feature.id() for feature in case_layer.getFeatures()}
    assert stats.updated == 1
    assert fids_after == fids_before
    assert case_layer.selectedFeatureIds() == [fids_before[selected_case]]
    assert case_layer.renderer().type() == renderer_type
    assert _features_by_id(case_layer)[selected_case]["status"] == "in_progress"


def test_refresh_same_version_unchanged(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)

    stats = store.apply_records(records)

    assert stats.unchanged == 3
    assert stats.added == 0
    assert case_layer.featureCount() == 3


def test_status_change_keeps_hazard(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    first = fetch_records(sos_server)
    store.apply_records(first.records)
    case_id = next(record.id for record in first.records if record.lon is not None)
    result = HazardResult(True, 2, False, 5000.0, None)
    store.apply_hazard_results({case_id: result}, {case_id: 7.5})

    client = _officer_client(sos_server)
    _, version = client.get_case(case_id)
    client.set_status(case_id, "supported", version=version)
    store.apply_records(fetch_records(sos_server, updated_since=first.next_updated_since).records)

    feature = _features_by_id(case_layer)[case_id]
    assert feature["status"] == "supported"
    assert feature["in_flood"] == True  # noqa: E712 - QGIS returns a QVariant-backed bool
    assert feature["flood_event_count"] == 2
    # A supported case is closed, so its priority drops to 0 at once, before any new analysis.
    assert feature["priority"] == 0


def test_moved_case_hazard_reset(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)
    record = next(record for record in records if record.lon is not None)
    store.apply_hazard_results({record.id: HazardResult(True, 2, False, 5000.0, None)}, {record.id: 7.5})

    moved = dataclasses.replace(record, lon=record.lon + 0.01, version=record.version + 1)
    store.apply_records([moved])

    feature = _features_by_id(case_layer)[record.id]
    for name in HAZARD_FIELD_NAMES:
        assert feature[name] == NULL, name


def test_hazard_results_written(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)
    case_id = next(record.id for record in records if record.lon is not None)

    written = store.apply_hazard_results(
        {case_id: HazardResult(True, 2, None, None, "repaired")}, {case_id: 7.5}
    )

    feature = _features_by_id(case_layer)[case_id]
    assert written == 1
    assert feature["in_flood"] is True
    assert feature["flood_event_count"] == 2
    assert feature["in_landslide_zone"] == NULL
    assert feature["priority"] == 7.5
    assert feature["hazard_note"] == "repaired"


def test_empty_collection_keeps_fields_style(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "empty_collection.geojson")
    apply_case_style(case_layer)

    stats = CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)

    assert stats.added == 0
    assert case_layer.featureCount() == 0
    assert _field_names(case_layer) == CASE_FIELDS.names()
    assert case_layer.renderer().type() == "categorizedSymbol"


def test_created_at_stored_vietnam_time(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)

    value = next(case_layer.getFeatures())["created_at"]

    # The layer holds Vietnam time (UTC+7), the time officers read: 08:15 in the record's +07:00 offset.
    assert value.time().hour() == 8
    assert value.time().minute() == 15


@pytest.mark.parametrize("clock_zone", ["Asia/Ho_Chi_Minh", "Europe/Berlin", "UTC"])
def test_created_at_read_ignores_clock_zone(
    case_layer, sos_server, shared_dir, fetch_records, monkeypatch, clock_zone
):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    monkeypatch.setenv("TZ", clock_zone)
    time.tzset()
    try:
        value = from_qdatetime(next(case_layer.getFeatures())["created_at"])
    finally:
        monkeypatch.undo()
        time.tzset()

    assert value == datetime(2025, 11, 19, 1, 15, tzinfo=timezone.utc)


def test_time_zones_show_vietnam_time(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "time_zones.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)

    shown = {
        feature["external_id"]: feature["created_at"].toString("HH:mm")
        for feature in case_layer.getFeatures()
    }

    # tz-1 (03:15Z), tz-2 (10:15+07:00) and tz-3 (naive, so Vietnam time) are one instant; tz-4 is rejected.
    assert shown == {"tz-1": "10:15", "tz-2": "10:15", "tz-3": "10:15"}


def test_sync_state_round_trip(case_layer):
    path = case_layer.source().split("|")[0]
    write_sync_state(path, "2025-11-19T01:00:00Z", service_url="http://127.0.0.1:1")

    assert read_sync_state(path, service_url="http://127.0.0.1:1") == "2025-11-19T01:00:00Z"


def test_sync_state_absent_means_full(case_layer):
    path = case_layer.source().split("|")[0]

    assert read_sync_state(path, service_url="http://127.0.0.1:1") is None


def test_sync_state_other_service_ignored(case_layer):
    path = case_layer.source().split("|")[0]
    write_sync_state(path, "2025-11-19T01:00:00Z", service_url="http://127.0.0.1:1")

    assert read_sync_state(path, service_url="http://127.0.0.1:2") is None


def test_sync_state_other_area_ignored(case_layer):
    path = case_layer.source().split("|")[0]
    write_sync_state(path, "2025-11-19T01:00:00Z", service_url="u", service_area=(108.0, 12.0, 110.0, 14.0))

    assert read_sync_state(path, service_url="u", service_area=(108.0, 12.0, 110.0, 15.0)) is None


def test_sync_state_replaced(case_layer):
    path = case_layer.source().split("|")[0]
    write_sync_state(path, "2025-11-19T01:00:00Z", service_url="u")
    write_sync_state(path, "2025-11-20T01:00:00Z", service_url="u")

    assert read_sync_state(path, service_url="u") == "2025-11-20T01:00:00Z"


def test_confirmed_case_applied(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)
    case_id = records[1].id
    client = _officer_client(sos_server)
    _, version = client.get_case(case_id)
    confirmed = client.set_status(case_id, "supported", version=version)

    stats = store.apply_confirmed_cases([confirmed])

    assert stats.updated == 1
    assert _features_by_id(case_layer)[case_id]["status"] == "supported"


def test_analysed_at_round_trip(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)
    stamp = datetime(2025, 11, 19, 3, 0, tzinfo=timezone.utc)

    store.apply_hazard_results({}, {records[0].id: 1.0}, analysed_at=stamp)

    value = _features_by_id(case_layer)[records[0].id]["analysed_at"]
    assert value.time().hour() == 10
    assert from_qdatetime(value) == stamp


def test_older_version_never_written(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    record = next(record for record in records if record.lon is not None)
    newer = dataclasses.replace(record, status="in_progress", version=record.version + 1)
    store.apply_records([newer])

    stats = store.apply_records([record])

    feature = _features_by_id(case_layer)[record.id]
    assert stats.updated == 0
    assert feature["status"] == "in_progress"
    assert feature["version"] == record.version + 1


def test_sync_states_set_and_cleared(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "loose_types.geojson")
    store = CaseLayerStore(case_layer)
    records = fetch_records(sos_server).records
    store.apply_records(records)
    first, second = records[0].id, records[1].id

    written_pending = store.set_sync_states({first: "pending"})
    written_moved = store.set_sync_states({second: "conflict"})
    states = {feature["id"]: feature["sync_state"] for feature in case_layer.getFeatures()}

    assert written_pending == 1
    assert written_moved == 2
    assert states[first] == NULL
    assert states[second] == "conflict"
    assert store.set_sync_states({}) == 1


def test_new_fields_added_to_layer(qgis_app, tmp_path):
    from sos_qgis_plugin.case_layer import _FIELD_SPECS, _create_layer

    path = str(tmp_path / "before_communes.gpkg")
    # A case layer as the plugin created it before priority_reason, commune_code and commune_name.
    old_fields = QgsFields()
    for name, field_type, length in _FIELD_SPECS[:-3]:
        old_fields.append(QgsField(name, field_type, len=length))
    _create_layer(
        path, "sos_cases", old_fields, QgsWkbTypes.Type.Point, QgsCoordinateReferenceSystem("EPSG:4326")
    )

    layer = create_or_open_case_layer(path)

    fields = layer.fields()
    assert fields.field("priority_reason").length() == 255
    assert fields.field("commune_code").length() == 32
    assert fields.field("commune_name").length() == 255
    assert fields.field("commune_name").type() == QVariant.Type.String
