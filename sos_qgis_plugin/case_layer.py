"""The GeoPackage case layer: fixed schema, creation, in-place updates and the sync state table.

Every write goes through the layer's data provider, never through an edit session, so feature ids, the
user's selection and the style survive a refresh. All functions here touch QGIS layers and must run on the
thread that owns the layer (the main thread for project layers).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsExpression,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime, Qt, QTime, QVariant

from .core.errors import SosError
from .core.timeutil import VIETNAM_TZ

LOGGER = logging.getLogger("sos_qgis_plugin")

CASE_LAYER_NAME = "sos_cases"
# Above this many cases with a sync state, set_sync_states reads the whole layer instead of filtering by id.
_SYNC_STATE_FILTER_MAX_IDS = 2000
VIETNAM_OFFSET_S = 7 * 3600
SYNC_STATE_TABLE = "sos_sync_state"

# Field name, type and length of the case layer, in layer order. The schema is fixed: it never follows the
# data.
_FIELD_SPECS = (
    ("id", QVariant.Type.String, 64),
    ("external_id", QVariant.Type.String, 255),
    ("status", QVariant.Type.String, 32),
    ("people_count", QVariant.Type.Int, 0),
    ("people_count_raw", QVariant.Type.String, 255),
    ("household_count", QVariant.Type.Int, 0),
    ("phone", QVariant.Type.String, 64),
    ("reporter_name", QVariant.Type.String, 255),
    ("description", QVariant.Type.String, 0),
    ("address", QVariant.Type.String, 0),
    ("urgency", QVariant.Type.String, 16),
    ("needs", QVariant.Type.String, 255),
    ("has_children", QVariant.Type.Bool, 0),
    ("has_elderly", QVariant.Type.Bool, 0),
    ("has_disabilities", QVariant.Type.Bool, 0),
    ("created_at", QVariant.Type.DateTime, 0),
    ("updated_at", QVariant.Type.DateTime, 0),
    ("version", QVariant.Type.Int, 0),
    ("source", QVariant.Type.String, 255),
    ("duplicate_of", QVariant.Type.String, 64),
    ("location_note", QVariant.Type.String, 255),
    ("quality_flags", QVariant.Type.String, 255),
    ("in_flood", QVariant.Type.Bool, 0),
    ("flood_event_count", QVariant.Type.Int, 0),
    ("flood_depth_m", QVariant.Type.Double, 0),
    ("in_landslide_zone", QVariant.Type.Bool, 0),
    ("landslide_distance_m", QVariant.Type.Double, 0),
    ("priority", QVariant.Type.Double, 0),
    ("hazard_note", QVariant.Type.String, 255),
    ("analysed_at", QVariant.Type.DateTime, 0),
    # pending, sent, conflict or failed while the outbox has an open change of the case, else NULL.
    ("sync_state", QVariant.Type.String, 16),
)

RECORD_FIELD_NAMES = tuple(name for name, _, _ in _FIELD_SPECS[:22])
HAZARD_FIELD_NAMES = tuple(name for name, _, _ in _FIELD_SPECS[22:30])
SYNC_STATE_FIELD = "sync_state"

# Record attributes joined into one comma-separated text field.
_LIST_FIELDS = ("needs", "quality_flags")
_DATETIME_FIELDS = ("created_at", "updated_at")


def _build_fields() -> QgsFields:
    fields = QgsFields()
    for name, field_type, length in _FIELD_SPECS:
        fields.append(QgsField(name, field_type, len=length))
    return fields


CASE_FIELDS: QgsFields = _build_fields()


@dataclass
class ApplyStats:
    """Counts of one in-place update of the case layer."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    kept_pending: int = 0


def to_qdatetime(value: Optional[datetime]) -> Any:
    """Convert an aware datetime to the layer's QDateTime, in Vietnam time (UTC+7); None gives NULL.

    QGIS 3.22 writes GeoPackage datetimes without their zone: a UTC QDateTime and one with an offset are
    both stored as a bare "2025-11-19T03:15:00.000", and desktop QGIS shows such a value as it is. So the
    layer holds Vietnam time, the time officers read, and `from_qdatetime` reads it back as UTC+7 whatever
    the computer's clock zone. The server keeps UTC. Raises ValueError for a naive datetime.
    """
    if value is None:
        return NULL
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} has no offset")
    local = value.astimezone(VIETNAM_TZ)
    return QDateTime(
        QDate(local.year, local.month, local.day),
        QTime(local.hour, local.minute, local.second, local.microsecond // 1000),
        Qt.TimeSpec.OffsetFromUTC,
        VIETNAM_OFFSET_S,
    )


def from_qdatetime(value: Any) -> Optional[datetime]:
    """Convert a QDateTime read from the layer to an aware UTC datetime; NULL or invalid gives None.

    A value without a zone (as QGIS 3.22 reads every GeoPackage datetime) is Vietnam time, see `to_qdatetime`.
    """
    if not isinstance(value, QDateTime) or not value.isValid():
        return None
    if value.timeSpec() == Qt.TimeSpec.LocalTime:
        value = QDateTime(value.date(), value.time(), Qt.TimeSpec.OffsetFromUTC, VIETNAM_OFFSET_S)
    return datetime.fromtimestamp(value.toMSecsSinceEpoch() / 1000.0, tz=timezone.utc)


def gpkg_path_of(layer: QgsVectorLayer) -> str:
    """Return the file path of an OGR layer's source, without the `|layername=` part."""
    return layer.source().split("|")[0]


def create_or_open_case_layer(gpkg_path: str, layer_name: str = CASE_LAYER_NAME) -> QgsVectorLayer:
    """Open the case layer in a GeoPackage, creating the file or the layer when missing.

    An older layer that lacks some fields of CASE_FIELDS gets them added (NULL in existing features).
    Raises SosError when the file cannot be created or opened as a writable GeoPackage layer.
    """
    layer = _open_layer(gpkg_path, layer_name)
    if layer is None:
        _create_layer(
            gpkg_path,
            layer_name,
            CASE_FIELDS,
            QgsWkbTypes.Type.Point,
            QgsCoordinateReferenceSystem("EPSG:4326"),
        )
        layer = _open_layer(gpkg_path, layer_name)
    if layer is None:
        raise SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not open the case layer {} in {}.").format(
                layer_name, gpkg_path
            ),
            f"OGR could not open {gpkg_path}|layername={layer_name} after creating it",
        )
    _add_missing_fields(layer)
    return layer


def _open_layer(gpkg_path: str, layer_name: str) -> Optional[QgsVectorLayer]:
    if not os.path.isfile(gpkg_path):
        return None
    layer = QgsVectorLayer(f"{gpkg_path}|layername={layer_name}", layer_name, "ogr")
    if not layer.isValid():
        return None
    return layer


def _create_layer(
    gpkg_path: str,
    layer_name: str,
    fields: QgsFields,
    wkb_type: QgsWkbTypes.Type,
    crs: QgsCoordinateReferenceSystem,
) -> None:
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer_name
    options.fileEncoding = "UTF-8"
    if os.path.isfile(gpkg_path):
        options.actionOnExistingFile = QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteLayer
    else:
        folder = os.path.dirname(os.path.abspath(gpkg_path))
        os.makedirs(folder, exist_ok=True)
    writer = QgsVectorFileWriter.create(
        gpkg_path, fields, wkb_type, crs, QgsCoordinateTransformContext(), options
    )
    error = writer.hasError()
    message = writer.errorMessage()
    # Deleting the writer closes the file and flushes the new layer.
    del writer
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not create the layer {} in {}.").format(
                layer_name, gpkg_path
            ),
            f"QgsVectorFileWriter error {int(error)}: {message}",
        )
    LOGGER.info("Created layer %s in %s", layer_name, gpkg_path)


def _add_missing_fields(layer: QgsVectorLayer) -> None:
    existing = set(layer.fields().names())
    missing = [field for field in CASE_FIELDS if field.name() not in existing]
    if not missing:
        return
    if not layer.dataProvider().addAttributes(missing):
        raise SosError(
            QCoreApplication.translate(
                "SosCaseLayer", "Could not add the missing fields to the case layer {}."
            ).format(layer.name()),
            "addAttributes failed for {}: {}".format(
                layer.source(), ", ".join(field.name() for field in missing)
            ),
        )
    layer.updateFields()
    LOGGER.info("Added fields %s to %s", ", ".join(field.name() for field in missing), layer.source())


def record_attributes(record: Any) -> dict[str, Any]:
    """Convert a CaseRecord to a {field name: layer value} dict of the record fields (NULL for None)."""
    values: dict[str, Any] = {}
    for name in RECORD_FIELD_NAMES:
        value = getattr(record, name, None)
        if name in _LIST_FIELDS:
            value = ",".join(value) if value else None
        elif name in _DATETIME_FIELDS:
            value = to_qdatetime(value)
        values[name] = NULL if value is None else value
    return values


def record_geometry(record: Any) -> QgsGeometry:
    """Return the point geometry of a CaseRecord, or a null geometry when it has no location."""
    if record.lon is None or record.lat is None:
        return QgsGeometry()
    return QgsGeometry.fromPointXY(QgsPointXY(float(record.lon), float(record.lat)))


def _same_location(old: QgsGeometry, new: QgsGeometry) -> bool:
    if old.isNull() or new.isNull():
        return old.isNull() and new.isNull()
    old_point = old.asPoint()
    new_point = new.asPoint()
    return old_point.x() == new_point.x() and old_point.y() == new_point.y()


class CaseLayerStore:
    """In-place writer for the case layer, matching features on the `id` field.

    Must be used on the thread that owns the layer.
    """

    def __init__(self, layer: QgsVectorLayer) -> None:
        self.layer = layer

    def existing_cases(self) -> dict[str, tuple[int, Optional[int], QgsGeometry]]:
        """Read {case id: (feature id, version, geometry)} of every feature, reading no other attribute."""
        return {
            case_id: (fid, version, geometry)
            for case_id, (fid, version, geometry, _) in self._read_existing().items()
        }

    def _read_existing(self) -> dict[str, tuple[int, Optional[int], QgsGeometry, dict[str, Any]]]:
        """Read id, version, geometry and the hazard fields that priority depends on, for every feature."""
        fields = self.layer.fields()
        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(
            ["id", "version", "in_flood", "in_landslide_zone", "analysed_at"], fields
        )
        existing: dict[str, tuple[int, Optional[int], QgsGeometry, dict[str, Any]]] = {}
        for feature in self.layer.dataProvider().getFeatures(request):
            case_id = feature["id"]
            if case_id is None or case_id == NULL:
                continue
            version = feature["version"]
            hazard = {
                "in_flood": _bool_or_none(feature["in_flood"]),
                "in_landslide_zone": _bool_or_none(feature["in_landslide_zone"]),
                "analysed": feature["analysed_at"] not in (None, NULL),
            }
            existing[str(case_id)] = (
                feature.id(),
                None if version == NULL else int(version),
                feature.geometry(),
                hazard,
            )
        return existing

    def apply_records(
        self, records: Iterable[Any], protected_ids: Optional[Collection[str]] = None
    ) -> ApplyStats:
        """Add new cases and update changed ones in place, keeping feature ids.

        Cases in `protected_ids` (those with a status change still waiting in the outbox) are left as they
        are and counted in `kept_pending`, so a refresh never overwrites the officer's unconfirmed status.

        A case counts as changed when its version or its location differs from the layer's. A case that moved
        gets its hazard fields set to NULL (unknown) until the next analysis, because they depend on its
        location. A case changed in place keeps its hazard fields, and its priority is computed again from
        them (a closed case scores 0). Records without a location are kept with a null geometry. Raises
        SosError when the provider rejects a batch.

        NOTE: this blocks the calling (main) thread. Measured once in the development container, not on a
        field laptop: 50,000 new cases took about 2 s, 50,000 unchanged 0.9 s and 50,000 changed 6 s.
        """
        fields = self.layer.fields()
        index_of = {name: fields.indexFromName(name) for name in RECORD_FIELD_NAMES + HAZARD_FIELD_NAMES}
        existing = self._read_existing()
        now = datetime.now(timezone.utc)
        stats = ApplyStats()

        new_features: list[QgsFeature] = []
        new_index: dict[str, int] = {}
        attribute_changes: dict[int, dict[int, Any]] = {}
        geometry_changes: dict[int, QgsGeometry] = {}
        protected = set(protected_ids or ())
        for record in records:
            if not record.id:
                # Without a server id the record cannot be matched on the next refresh.
                stats.failed += 1
                LOGGER.warning("Case record without id skipped (external id %s)", record.external_id)
                continue
            if record.id in protected and record.id in existing:
                stats.kept_pending += 1
                continue
            geometry = record_geometry(record)
            values = record_attributes(record)
            if record.id in new_index:
                # The same id twice in one batch: the later record replaces the one queued for adding.
                new_features[new_index[record.id]] = self._new_feature(fields, index_of, values, geometry)
                continue
            current = existing.get(record.id)
            if current is None:
                new_index[record.id] = len(new_features)
                new_features.append(self._new_feature(fields, index_of, values, geometry))
                continue
            fid, version, old_geometry, hazard = current
            if version is not None and record.version is not None and record.version < version:
                # A slow fetch may bring a case older than one already confirmed here: never go back in time.
                stats.unchanged += 1
                continue
            moved = not _same_location(old_geometry, geometry)
            if version == record.version and not moved:
                stats.unchanged += 1
                continue
            changes = {index_of[name]: value for name, value in values.items()}
            if moved:
                for name in HAZARD_FIELD_NAMES:
                    changes[index_of[name]] = NULL
                geometry_changes[fid] = geometry
            elif hazard["analysed"]:
                changes[index_of["priority"]] = _priority_of(record, hazard, now)
            attribute_changes[fid] = changes
            existing[record.id] = (fid, record.version, geometry, hazard)
            stats.updated += 1

        provider = self.layer.dataProvider()
        if new_features:
            ok, _ = provider.addFeatures(new_features)
            if not ok:
                raise self._write_error("addFeatures", provider)
            stats.added = len(new_features)
        if attribute_changes and not provider.changeAttributeValues(attribute_changes):
            raise self._write_error("changeAttributeValues", provider)
        if geometry_changes and not provider.changeGeometryValues(geometry_changes):
            raise self._write_error("changeGeometryValues", provider)
        self._refresh()
        LOGGER.info(
            "Case layer %s: %d added, %d updated, %d unchanged, %d kept for pending changes",
            self.layer.name(),
            stats.added,
            stats.updated,
            stats.unchanged,
            stats.kept_pending,
        )
        return stats

    def set_sync_states(self, states: dict[str, str]) -> int:
        """Write each case's sync state (pending, sent, conflict, failed); cases not in `states` get NULL.

        Only features whose value changes are written. Returns the number of features written and raises
        SosError when the provider rejects the change.
        """
        fields = self.layer.fields()
        index = fields.indexFromName(SYNC_STATE_FIELD)
        if index < 0:
            return 0
        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(["id", SYNC_STATE_FIELD], fields)
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        if len(states) <= _SYNC_STATE_FILTER_MAX_IDS:
            # Only cases that have a state now or need one can change, so a refresh of a large layer with an
            # empty outbox reads a handful of features instead of all of them.
            expression = f'"{SYNC_STATE_FIELD}" IS NOT NULL'
            if states:
                quoted = ",".join(QgsExpression.quotedValue(case_id) for case_id in states)
                expression += f' OR "id" IN ({quoted})'
            request.setFilterExpression(expression)
        changes: dict[int, dict[int, Any]] = {}
        for feature in self.layer.dataProvider().getFeatures(request):
            case_id = feature["id"]
            if case_id is None or case_id == NULL:
                continue
            wanted = states.get(str(case_id))
            current = feature[SYNC_STATE_FIELD]
            current = None if current is None or current == NULL else str(current)
            if current != wanted:
                changes[feature.id()] = {index: _or_null(wanted)}
        provider = self.layer.dataProvider()
        if changes and not provider.changeAttributeValues(changes):
            raise self._write_error("changeAttributeValues", provider)
        if changes:
            self.layer.triggerRepaint()
        return len(changes)

    def apply_hazard_results(
        self,
        results: dict[str, Any],
        priorities: dict[str, Optional[float]],
        analysed_at: Optional[datetime] = None,
    ) -> int:
        """Write hazard results and priorities to the matching cases; return the number of features written.

        `results` maps case id to an object with in_flood, flood_event_count, in_landslide_zone,
        landslide_distance_m, note and optionally flood_depth_m (None is written as NULL, meaning unknown).
        Cases in `priorities` but not in `results` get only their priority. Ids not in the layer are skipped.
        """
        fields = self.layer.fields()
        index_of = {name: fields.indexFromName(name) for name in HAZARD_FIELD_NAMES}
        stamp = to_qdatetime(analysed_at or datetime.now(timezone.utc))
        changes: dict[int, dict[int, Any]] = {}
        for case_id, (fid, _, _) in self.existing_cases().items():
            if case_id not in results and case_id not in priorities:
                continue
            values: dict[int, Any] = {index_of["analysed_at"]: stamp}
            result = results.get(case_id)
            if result is not None:
                values[index_of["in_flood"]] = _or_null(result.in_flood)
                values[index_of["flood_event_count"]] = _or_null(result.flood_event_count)
                values[index_of["flood_depth_m"]] = _or_null(getattr(result, "flood_depth_m", None))
                values[index_of["in_landslide_zone"]] = _or_null(result.in_landslide_zone)
                values[index_of["landslide_distance_m"]] = _or_null(result.landslide_distance_m)
                values[index_of["hazard_note"]] = _or_null(result.note or None)
            if case_id in priorities:
                values[index_of["priority"]] = _or_null(priorities[case_id])
            changes[fid] = values
        provider = self.layer.dataProvider()
        if changes and not provider.changeAttributeValues(changes):
            raise self._write_error("changeAttributeValues", provider)
        self._refresh()
        return len(changes)

    def apply_confirmed_cases(self, features: list[Any]) -> ApplyStats:
        """Apply server-confirmed cases (GeoJSON Feature dicts or CaseRecords) returned by a status change.

        A feature that fails validation is logged by its id and counted as failed; the others are applied.
        """
        from .core.records import parse_feature

        records = []
        failed = 0
        for feature in features:
            if not isinstance(feature, dict):
                records.append(feature)
                continue
            try:
                records.append(parse_feature(feature))
            except SosError as error:
                failed += 1
                case_id = (feature.get("properties") or {}).get("id") or feature.get("id")
                LOGGER.warning("Confirmed case %s could not be read: %s", case_id, error)
        stats = self.apply_records(records)
        stats.failed += failed
        return stats

    @staticmethod
    def _new_feature(
        fields: QgsFields, index_of: dict[str, int], values: dict[str, Any], geometry: QgsGeometry
    ) -> QgsFeature:
        feature = QgsFeature(fields)
        for name, value in values.items():
            feature.setAttribute(index_of[name], value)
        feature.setGeometry(geometry)
        return feature

    def _refresh(self) -> None:
        self.layer.updateExtents()
        self.layer.triggerRepaint()

    def _write_error(self, operation: str, provider: Any) -> SosError:
        errors = "; ".join(provider.errors()[-3:]) if provider.hasErrors() else "no provider message"
        return SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not write the cases to the layer {}.").format(
                self.layer.name()
            ),
            f"{operation} failed on {self.layer.source()}: {errors}",
        )


def outbox_path_of(layer: QgsVectorLayer) -> str:
    """Return the path of the outbox file beside the layer's GeoPackage (it may not exist yet)."""
    from .core.outbox import outbox_path_for

    return outbox_path_for(gpkg_path_of(layer))


def update_sync_states(layer: QgsVectorLayer) -> int:
    """Set the `sync_state` field of every case from the outbox beside the layer's GeoPackage.

    A layer without an outbox file gets NULL everywhere. Returns the number of features written. Raises
    SosError when the layer cannot be written or the outbox cannot be read.
    """
    import sqlite3

    from .core.outbox import Outbox

    path = outbox_path_of(layer)
    states: dict[str, str] = {}
    if os.path.isfile(path):
        try:
            with Outbox(path) as outbox:
                states = outbox.states_by_case()
        except sqlite3.Error as error:
            raise SosError(
                QCoreApplication.translate("SosCaseLayer", "Could not read the outbox {}.").format(path),
                f"sqlite3: {error}",
            ) from error
    return CaseLayerStore(layer).set_sync_states(states)


def _bool_or_none(value: Any) -> Optional[bool]:
    return None if value is None or value == NULL else bool(value)


def _priority_of(record: Any, hazard: dict[str, Any], now: datetime) -> float:
    from .core.priority import compute_priority

    return compute_priority(
        status=record.status,
        urgency=record.urgency,
        people_count=record.people_count,
        household_count=record.household_count,
        has_children=record.has_children,
        has_elderly=record.has_elderly,
        has_disabilities=record.has_disabilities,
        created_at=record.created_at,
        in_flood=hazard["in_flood"],
        in_landslide_zone=hazard["in_landslide_zone"],
        now=now,
    )


def _or_null(value: Any) -> Any:
    return NULL if value is None else value


# Sync state: one row per (layer, service URL, service area) in an attribute table of the same GeoPackage.

_SYNC_FIELD_SPECS = (
    ("layer_name", QVariant.Type.String, 255),
    ("service_url", QVariant.Type.String, 0),
    ("service_area", QVariant.Type.String, 255),
    ("next_updated_since", QVariant.Type.String, 64),
)


def _sync_fields() -> QgsFields:
    fields = QgsFields()
    for name, field_type, length in _SYNC_FIELD_SPECS:
        fields.append(QgsField(name, field_type, len=length))
    return fields


def _area_key(service_area: Optional[tuple[float, float, float, float]]) -> str:
    if not service_area:
        return ""
    return ",".join(f"{value:.6f}" for value in service_area)


def _sync_rows(table: QgsVectorLayer, layer_name: str, service_url: str) -> list[QgsFeature]:
    rows = []
    for feature in table.dataProvider().getFeatures():
        if feature["layer_name"] == layer_name and feature["service_url"] == service_url:
            rows.append(feature)
    return rows


def read_sync_state(
    gpkg_path: str,
    layer_name: str = CASE_LAYER_NAME,
    service_url: str = "",
    service_area: Optional[tuple[float, float, float, float]] = None,
) -> Optional[str]:
    """Return the stored `next_updated_since` for this layer, service and area, or None for a full fetch.

    A state stored for another service area is not used, because an incremental fetch with a new area would
    miss the cases of the added part.
    """
    table = _open_layer(gpkg_path, SYNC_STATE_TABLE)
    if table is None:
        return None
    for feature in _sync_rows(table, layer_name, service_url):
        if feature["service_area"] == _area_key(service_area) or (
            feature["service_area"] == NULL and not service_area
        ):
            value = feature["next_updated_since"]
            return None if value == NULL or not value else str(value)
    return None


def write_sync_state(
    gpkg_path: str,
    next_updated_since: Optional[str],
    layer_name: str = CASE_LAYER_NAME,
    service_url: str = "",
    service_area: Optional[tuple[float, float, float, float]] = None,
) -> None:
    """Store `next_updated_since` for this layer and service, replacing the earlier value.

    None clears the state, so the next fetch is a full one. Raises SosError when the table cannot be written.
    """
    table = _open_layer(gpkg_path, SYNC_STATE_TABLE)
    if table is None:
        _create_layer(
            gpkg_path,
            SYNC_STATE_TABLE,
            _sync_fields(),
            QgsWkbTypes.Type.NoGeometry,
            QgsCoordinateReferenceSystem(),
        )
        table = _open_layer(gpkg_path, SYNC_STATE_TABLE)
    if table is None:
        raise SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not store the sync state in {}.").format(
                gpkg_path
            ),
            f"cannot open {gpkg_path}|layername={SYNC_STATE_TABLE}",
        )
    provider = table.dataProvider()
    old_rows = [feature.id() for feature in _sync_rows(table, layer_name, service_url)]
    if old_rows and not provider.deleteFeatures(old_rows):
        raise SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not store the sync state in {}.").format(
                gpkg_path
            ),
            f"deleteFeatures failed on {table.source()}",
        )
    if next_updated_since is None:
        return
    row = QgsFeature(table.fields())
    row["layer_name"] = layer_name
    row["service_url"] = service_url
    row["service_area"] = _area_key(service_area)
    row["next_updated_since"] = next_updated_since
    ok, _ = provider.addFeatures([row])
    if not ok:
        raise SosError(
            QCoreApplication.translate("SosCaseLayer", "Could not store the sync state in {}.").format(
                gpkg_path
            ),
            f"addFeatures failed on {table.source()}",
        )
