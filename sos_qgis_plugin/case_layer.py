"""The GeoPackage case layer: fixed schema, creation, in-place updates and the sync state table.

Every write goes through the layer's data provider, never through an edit session, so feature ids, the
user's selection and the style survive a refresh. All functions here touch QGIS layers and must run on the
thread that owns the layer (the main thread for project layers).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
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
# current_versions reads a range of feature ids when it is at most this many times the number of ids asked.
_FID_RANGE_SPREAD = 4

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
    # The short translated reason of the priority, such as "critical, 6 people, in flood 1.8 m".
    ("priority_reason", QVariant.Type.String, 255),
    # The commune the case lies in, from the admin layer the officer picked; NULL until assigned.
    ("commune_code", QVariant.Type.String, 32),
    ("commune_name", QVariant.Type.String, 255),
)

RECORD_FIELD_NAMES = tuple(name for name, _, _ in _FIELD_SPECS[:22])
HAZARD_FIELD_NAMES = tuple(name for name, _, _ in _FIELD_SPECS[22:30])
SYNC_STATE_FIELD = "sync_state"
PRIORITY_REASON_FIELD = "priority_reason"
# Fields read from the layer to plan an update: id and version to match, and the hazard fields that the
# priority of a changed case depends on.
_EXISTING_FIELD_NAMES = (
    "id",
    "version",
    "in_flood",
    "in_landslide_zone",
    "flood_depth_m",
    "landslide_distance_m",
    "analysed_at",
)

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


# Cases with a write plan: {case id: (feature id, version, geometry, hazard values)}.
ExistingCases = dict[str, tuple[int, Optional[int], QgsGeometry, dict[str, Any]]]

# Per layer id, the number of writes of case records or hazard results made through this module. A writer
# that planned its changes from an earlier read compares counts to learn whether its plan may be stale.
_WRITE_COUNTS: dict[str, int] = {}


def layer_write_count(layer: QgsVectorLayer) -> int:
    """Return how many record or hazard writes this module made to `layer` since the plugin was loaded."""
    return _WRITE_COUNTS.get(layer.id(), 0)


def _count_write(layer: QgsVectorLayer) -> None:
    _WRITE_COUNTS[layer.id()] = _WRITE_COUNTS.get(layer.id(), 0) + 1


def read_existing_cases(
    source: Any, fields: QgsFields, case_ids: Optional[Collection[str]] = None
) -> ExistingCases:
    """Read id, version, geometry and the hazard fields of the cases of `source`, keyed by case id.

    `source` is a data provider or a QgsVectorLayerFeatureSource; a feature source taken on the main thread
    may be read on a worker thread. With `case_ids`, only those cases are read (the provider filters them in
    SQL, so a few ids do not cost a read of the whole layer).
    """
    request = QgsFeatureRequest()
    names = [name for name in _EXISTING_FIELD_NAMES if fields.indexFromName(name) >= 0]
    request.setSubsetOfAttributes(names, fields)
    if case_ids is not None:
        if not case_ids:
            return {}
        quoted = ",".join(QgsExpression.quotedValue(case_id) for case_id in case_ids)
        request.setFilterExpression(f'"id" IN ({quoted})')
    existing: ExistingCases = {}
    for feature in source.getFeatures(request):
        case_id = feature["id"]
        if case_id is None or case_id == NULL:
            continue
        version = feature["version"]
        existing[str(case_id)] = (
            feature.id(),
            None if version == NULL else int(version),
            feature.geometry(),
            _hazard_values(feature, names),
        )
    return existing


def _hazard_values(feature: QgsFeature, names: list[str]) -> dict[str, Any]:
    def value(name: str) -> Any:
        return _or_none(feature[name]) if name in names else None

    return {
        "in_flood": _bool_or_none(value("in_flood")),
        "in_landslide_zone": _bool_or_none(value("in_landslide_zone")),
        "flood_depth_m": value("flood_depth_m"),
        "landslide_distance_m": value("landslide_distance_m"),
        "analysed": value("analysed_at") is not None,
    }


@dataclass
class PlannedAdd:
    """A case new to the layer, with its feature built and ready for addFeatures."""

    case_id: str
    record: Any
    feature: QgsFeature


@dataclass
class PlannedUpdate:
    """A change of one feature, planned against the layer's `base_version` of the case."""

    case_id: str
    record: Any
    fid: int
    base_version: Optional[int]
    changes: dict[int, Any]
    geometry: Optional[QgsGeometry]


@dataclass
class WritePlan:
    """Features to add and changes to write for one batch of records, with the counts found while planning."""

    adds: list[PlannedAdd] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    stats: ApplyStats = field(default_factory=ApplyStats)


def plan_records(
    records: Iterable[Any],
    existing: ExistingCases,
    fields: QgsFields,
    protected_ids: Optional[Collection[str]] = None,
    now: Optional[datetime] = None,
    weights: Any = None,
) -> WritePlan:
    """Plan the in-place update of the layer read into `existing` by `records`, without touching a layer.

    Safe on a worker thread. The rules are those of CaseLayerStore.apply_records, whose docstring lists them.
    Records without an id are counted as failed. `existing` is updated as records are planned. `weights` are
    the priority weights (core.priority.PriorityWeights); None reads them from the settings once.
    """
    index_of = {name: fields.indexFromName(name) for name in RECORD_FIELD_NAMES + HAZARD_FIELD_NAMES}
    reason_index = fields.indexFromName(PRIORITY_REASON_FIELD)
    now = now or datetime.now(timezone.utc)
    if weights is None:
        from .settings import Settings

        weights = Settings().priority_weights
    protected = set(protected_ids or ())
    plan = WritePlan()
    stats = plan.stats
    new_index: dict[str, int] = {}
    update_index: dict[str, int] = {}
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
            feature = _new_feature(fields, index_of, values, geometry)
            plan.adds[new_index[record.id]] = PlannedAdd(record.id, record, feature)
            continue
        current = existing.get(record.id)
        if current is None:
            new_index[record.id] = len(plan.adds)
            plan.adds.append(PlannedAdd(record.id, record, _new_feature(fields, index_of, values, geometry)))
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
            if reason_index >= 0:
                changes[reason_index] = NULL
        elif hazard["analysed"]:
            priority, reason = _priority_of(record, hazard, now, weights)
            changes[index_of["priority"]] = _or_null(priority)
            if reason_index >= 0:
                changes[reason_index] = _or_null(reason or None)
        update = PlannedUpdate(record.id, record, fid, version, changes, geometry if moved else None)
        if record.id in update_index:
            # The same id twice in one batch: the later record wins, as for an added case.
            plan.updates[update_index[record.id]] = update
            stats.updated -= 1
        else:
            update_index[record.id] = len(plan.updates)
            plan.updates.append(update)
        existing[record.id] = (fid, record.version, geometry, hazard)
        stats.updated += 1
    _rank_new_cases(plan.adds, index_of, reason_index, now, weights)
    return plan


def _rank_new_cases(
    adds: list, index_of: dict[str, int], reason_index: int, now: datetime, weights: Any
) -> None:
    """Give each new case its priority and reason at once, with hazards unknown until the next analysis.

    An SOS that just arrived must rank in the list before anyone runs the analysis, so a critical case
    does not sit at the bottom with no priority.
    """
    try:
        from .priority_text import case_priorities
    except ImportError:
        return
    rows = []
    for add in adds:
        values = {name: getattr(add.record, name, None) for name in RECORD_FIELD_NAMES}
        values.update({"in_flood": None, "in_landslide_zone": None})
        rows.append(values)
    for add, (priority, reason) in zip(adds, case_priorities(rows, now, weights)):
        add.feature.setAttribute(index_of["priority"], _or_null(priority))
        if reason_index >= 0:
            add.feature.setAttribute(reason_index, _or_null(reason or None))


def _new_feature(
    fields: QgsFields, index_of: dict[str, int], values: dict[str, Any], geometry: QgsGeometry
) -> QgsFeature:
    feature = QgsFeature(fields)
    for name, value in values.items():
        feature.setAttribute(index_of[name], value)
    feature.setGeometry(geometry)
    return feature


#: Marks a value that HazardRowBuilder.row leaves as it is in the layer.
KEEP: Any = object()

COMMUNE_CODE_FIELD = "commune_code"
COMMUNE_NAME_FIELD = "commune_name"


class HazardRowBuilder:
    """Build the attribute changes of one case's analysis: hazard fields, priority, reason, commune.

    Field indexes are looked up once, so building a row costs a few dict writes. A field missing from an
    older layer is left out.
    """

    def __init__(self, fields: QgsFields, analysed_at: datetime) -> None:
        self.index_of = {name: fields.indexFromName(name) for name in HAZARD_FIELD_NAMES}
        self.reason_index = fields.indexFromName(PRIORITY_REASON_FIELD)
        self.code_index = fields.indexFromName(COMMUNE_CODE_FIELD)
        self.name_index = fields.indexFromName(COMMUNE_NAME_FIELD)
        self.stamp = to_qdatetime(analysed_at)

    def row(
        self,
        result: Any = KEEP,
        priority: Any = KEEP,
        reason: Optional[str] = None,
        commune: Any = KEEP,
        stamp: bool = True,
    ) -> dict[int, Any]:
        """Return {field index: value} for one case.

        `result` is a hazard result (see CaseLayerStore.apply_hazard_results) or None for no result; its
        fields are written, None as NULL. `priority` (None gives NULL) is written with `reason`. `commune`
        is (code, name), or None for NULL in both. KEEP leaves those fields as they are, and `stamp` writes
        analysed_at.
        """
        index_of = self.index_of
        values: dict[int, Any] = {}
        if stamp and index_of["analysed_at"] >= 0:
            values[index_of["analysed_at"]] = self.stamp
        if result is not KEEP and result is not None:
            for name, value in (
                ("in_flood", result.in_flood),
                ("flood_event_count", result.flood_event_count),
                ("flood_depth_m", getattr(result, "flood_depth_m", None)),
                ("in_landslide_zone", result.in_landslide_zone),
                ("landslide_distance_m", result.landslide_distance_m),
                ("hazard_note", result.note or None),
            ):
                if index_of[name] >= 0:
                    values[index_of[name]] = _or_null(value)
        if priority is not KEEP:
            if index_of["priority"] >= 0:
                values[index_of["priority"]] = _or_null(priority)
            if self.reason_index >= 0:
                values[self.reason_index] = _or_null(reason or None)
        if commune is not KEEP and self.code_index >= 0 and self.name_index >= 0:
            code, name = commune if commune is not None else (None, None)
            values[self.code_index] = _or_null(code or None)
            values[self.name_index] = _or_null(name or None)
        return values


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

    def _read_existing(self, case_ids: Optional[Collection[str]] = None) -> ExistingCases:
        return read_existing_cases(self.layer.dataProvider(), self.layer.fields(), case_ids)

    def apply_records(
        self, records: Iterable[Any], protected_ids: Optional[Collection[str]] = None
    ) -> ApplyStats:
        """Add new cases and update changed ones in place, keeping feature ids.

        Cases in `protected_ids` (those with a status change still waiting in the outbox) are left as they
        are and counted in `kept_pending`, so a refresh never overwrites the officer's unconfirmed status.

        A case counts as changed when its version or its location differs from the layer's. A case that moved
        gets its hazard fields set to NULL (unknown) until the next analysis, because they depend on its
        location. A case changed in place keeps its hazard fields, and its priority and priority reason are
        computed again from them (a closed case scores 0). Records without a location are kept with a null
        geometry. Raises SosError when the provider rejects a batch.

        NOTE: this blocks the calling (main) thread for the whole batch; FetchCasesTask plans on a worker
        thread and writes in slices instead. Up to _SYNC_STATE_FILTER_MAX_IDS records, only their cases are
        read from the layer, so a handful of confirmed cases is cheap on a large layer.
        """
        records = list(records)
        ids = {record.id for record in records if record.id}
        existing = self._read_existing(ids if len(ids) <= _SYNC_STATE_FILTER_MAX_IDS else None)
        plan = plan_records(records, existing, self.layer.fields(), protected_ids)
        stats = plan.stats
        stats.added, _ = self.write_plan(plan.adds, plan.updates)
        self.refresh()
        LOGGER.info(
            "Case layer %s: %d added, %d updated, %d unchanged, %d kept for pending changes",
            self.layer.name(),
            stats.added,
            stats.updated,
            stats.unchanged,
            stats.kept_pending,
        )
        return stats

    def write_plan(self, adds: list[PlannedAdd], updates: list[PlannedUpdate]) -> tuple[int, int]:
        """Write planned features and changes through the data provider; return (added, updated).

        Raises SosError when the provider rejects a batch. The layer is not repainted (see refresh()).
        """
        provider = self.layer.dataProvider()
        if adds:
            ok, _ = provider.addFeatures([item.feature for item in adds])
            if not ok:
                raise self._write_error("addFeatures", provider)
        attribute_changes = {item.fid: item.changes for item in updates}
        geometry_changes = {item.fid: item.geometry for item in updates if item.geometry is not None}
        if attribute_changes and not provider.changeAttributeValues(attribute_changes):
            raise self._write_error("changeAttributeValues", provider)
        if geometry_changes and not provider.changeGeometryValues(geometry_changes):
            raise self._write_error("changeGeometryValues", provider)
        if adds or updates:
            _count_write(self.layer)
        return len(adds), len(updates)

    def current_versions(self, fids: Collection[int]) -> dict[int, tuple[Optional[str], Optional[int]]]:
        """Read {feature id: (case id, version)} of the given features; deleted features are absent.

        Feature ids close together in a GeoPackage are read with one range query on its fid column, which
        is several times faster than a read per feature id.
        """
        wanted = set(fids)
        request = QgsFeatureRequest()
        fields = self.layer.fields()
        first, last = (min(wanted), max(wanted)) if wanted else (0, -1)
        if wanted and fields.indexFromName("fid") >= 0 and last - first < _FID_RANGE_SPREAD * len(wanted):
            request.setFilterExpression(f'"fid" >= {int(first)} AND "fid" <= {int(last)}')
        else:
            request.setFilterFids(list(wanted))
        request.setSubsetOfAttributes(["id", "version"], fields)
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
        versions: dict[int, tuple[Optional[str], Optional[int]]] = {}
        for feature in self.layer.dataProvider().getFeatures(request):
            if feature.id() not in wanted:
                continue
            case_id = _or_none(feature["id"])
            version = _or_none(feature["version"])
            versions[feature.id()] = (
                None if case_id is None else str(case_id),
                None if version is None else int(version),
            )
        return versions

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
        reasons: Optional[dict[str, str]] = None,
        communes: Optional[dict[str, Optional[tuple[str, str]]]] = None,
    ) -> int:
        """Write hazard results and priorities to the matching cases; return the number of features written.

        `results` maps case id to an object with in_flood, flood_event_count, in_landslide_zone,
        landslide_distance_m, note and optionally flood_depth_m (None is written as NULL, meaning unknown).
        Cases in `priorities` but not in `results` get only their priority. `reasons` maps case id to the
        short reason of its priority (see priority_text.case_priority); a case with a priority and no reason
        gets NULL there. `communes` maps case id to its (commune code, commune name), or None for a case in
        no commune (NULL in both fields); cases not in it keep their commune fields. Ids not in the layer
        are skipped.

        NOTE: this writes every case in one go on the calling (main) thread, about 10 s for 100,000 cases;
        AnalyseHazardsTask writes in slices with tasks.HazardSliceWriter instead.
        """
        builder = HazardRowBuilder(self.layer.fields(), analysed_at or datetime.now(timezone.utc))
        communes = communes if communes is not None else {}
        reasons = reasons or {}
        changes: dict[int, dict[int, Any]] = {}
        for case_id, (fid, _, _) in self.existing_cases().items():
            if case_id not in results and case_id not in priorities and case_id not in communes:
                continue
            changes[fid] = builder.row(
                result=results.get(case_id, KEEP),
                priority=priorities.get(case_id, KEEP) if case_id in priorities else KEEP,
                reason=reasons.get(case_id) or None,
                commune=communes.get(case_id, KEEP) if case_id in communes else KEEP,
                stamp=case_id in results or case_id in priorities,
            )
        self.write_attribute_changes(changes)
        self.refresh()
        return len(changes)

    def write_attribute_changes(self, changes: dict[int, dict[int, Any]]) -> int:
        """Write {feature id: {field index: value}} through the data provider; return the features written.

        Counts as a write of the layer (see layer_write_count) and does not repaint it (see refresh()).
        Raises SosError when the provider rejects the change.
        """
        changes = {fid: values for fid, values in changes.items() if values}
        if not changes:
            return 0
        provider = self.layer.dataProvider()
        if not provider.changeAttributeValues(changes):
            raise self._write_error("changeAttributeValues", provider)
        _count_write(self.layer)
        return len(changes)

    def read_features(self, fids: Collection[int]) -> dict[int, QgsFeature]:
        """Read the given features with every attribute and their geometry; deleted features are absent."""
        request = QgsFeatureRequest()
        request.setFilterFids(list(fids))
        return {
            feature.id(): QgsFeature(feature) for feature in self.layer.dataProvider().getFeatures(request)
        }

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

    def refresh(self) -> None:
        """Update the layer's extent and repaint it after writes through the data provider."""
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


def _priority_of(
    record: Any, hazard: dict[str, Any], now: datetime, weights: Any = None
) -> tuple[Optional[float], str]:
    """Compute the priority of a changed case and its short reason ("" when no reason can be given)."""
    try:
        from .priority_text import case_priority
    except ImportError:
        case_priority = None
    if case_priority is not None:
        values = {name: getattr(record, name, None) for name in RECORD_FIELD_NAMES}
        values.update(
            {
                "in_flood": hazard["in_flood"],
                "in_landslide_zone": hazard["in_landslide_zone"],
                "flood_depth_m": hazard.get("flood_depth_m"),
                "landslide_distance_m": hazard.get("landslide_distance_m"),
            }
        )
        return case_priority(values, now, weights)

    from .core.priority import compute_priority

    priority = compute_priority(
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
        weights=weights,
    )
    return priority, ""


def _or_none(value: Any) -> Any:
    return None if value is None or value == NULL else value


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
