"""Flood and landslide hazard layers: project tags, reading into analysis geometry, and the analysis run.

Hazard layers come in any CRS and are reprojected to one metric CRS, the UTM zone of the cases. Reading is
split in two so that the heavy part runs in a worker thread: `snapshot_hazard_sources()` and
`snapshot_case_source()` run on the main thread and copy what a worker needs (thread-safe feature sources,
cloned raster providers), and `build_hazard_set_from_snapshots()` and `analyse_snapshots()` run on any
thread.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapLayer,
    QgsPointXY,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from .case_layer import from_qdatetime
from .core.errors import SosError

LOGGER = logging.getLogger("sos_qgis_plugin")

HAZARD_KIND_PROPERTY = "sos/hazard_kind"
FLOOD = "flood"
LANDSLIDE = "landslide"
HAZARD_KINDS = (FLOOD, LANDSLIDE)

# Fields read as a landslide point's danger radius in metres, in this order of preference.
RADIUS_FIELDS = ("radius_m", "danger_radius_m")

# Case attributes the priority formula needs.
PRIORITY_FIELDS = (
    "status",
    "urgency",
    "people_count",
    "household_count",
    "has_children",
    "has_elderly",
    "has_disabilities",
    "created_at",
)


# --- tagging ---------------------------------------------------------------------------------------------

ROLE_PROPERTY = "sos/hazard_role"
CLASS_FIELD_PROPERTY = "sos/hazard_class_field"
DEPTH_FIELD_PROPERTY = "sos/hazard_depth_field"
RADIUS_PROPERTY = "sos/hazard_radius_m"
RADIUS_FIELD_PROPERTY = "sos/hazard_radius_field"
THRESHOLD_PROPERTY = "sos/hazard_threshold"

ROLE_ZONES = "zones"
ROLE_EVENTS = "events"
ROLE_RASTER = "raster"
HAZARD_ROLES = (ROLE_ZONES, ROLE_EVENTS, ROLE_RASTER)

# Raster values at or above these are "in the zone": 1 cm of water, or half of a 0..1 susceptibility index.
DEFAULT_THRESHOLDS = {FLOOD: 0.01, LANDSLIDE: 0.5}

_TAG_PROPERTIES = (
    ROLE_PROPERTY,
    CLASS_FIELD_PROPERTY,
    DEPTH_FIELD_PROPERTY,
    RADIUS_PROPERTY,
    RADIUS_FIELD_PROPERTY,
    THRESHOLD_PROPERTY,
)


@dataclass
class HazardRole:
    """The reading settings of a hazard layer: its role and the options of that role.

    Zones are polygons, with an optional class field and depth field (metres). Events are points with a
    danger radius, fixed (`radius_m`) or read from `radius_field`. A raster's band 1 is a depth in metres
    (flood) or a susceptibility index (landslide), and a value at or above `threshold` is in the zone.
    """

    role: str
    class_field: Optional[str] = None
    depth_field: Optional[str] = None
    radius_m: Optional[float] = None
    radius_field: Optional[str] = None
    threshold: Optional[float] = None


def default_role(layer: QgsMapLayer) -> str:
    """Return the role a layer has by its type: raster for a raster, events for points, else zones."""
    if isinstance(layer, QgsRasterLayer):
        return ROLE_RASTER
    if isinstance(layer, QgsVectorLayer) and layer.geometryType() == QgsWkbTypes.GeometryType.PointGeometry:
        return ROLE_EVENTS
    return ROLE_ZONES


def tag_hazard_layer(layer: QgsMapLayer, kind: str, role: Optional[HazardRole] = None) -> None:
    """Mark a project layer as a flood or landslide hazard layer with its role (default: by layer type).

    Raises ValueError for an unknown kind or role, or a threshold or radius that is not a finite number.
    """
    if kind not in HAZARD_KINDS:
        raise ValueError("hazard kind must be one of {}, not {!r}".format(", ".join(HAZARD_KINDS), kind))
    role = role or HazardRole(default_role(layer))
    if role.role not in HAZARD_ROLES:
        raise ValueError("hazard role must be one of {}, not {!r}".format(", ".join(HAZARD_ROLES), role.role))
    for number in (role.threshold, role.radius_m):
        if number is not None and not math.isfinite(float(number)):
            raise ValueError(f"hazard threshold and radius must be finite numbers, not {number!r}")
    if role.radius_m is not None and role.radius_m <= 0:
        raise ValueError(f"a danger radius must be more than 0 m, not {role.radius_m!r}")
    layer.setCustomProperty(HAZARD_KIND_PROPERTY, kind)
    values = {
        ROLE_PROPERTY: role.role,
        CLASS_FIELD_PROPERTY: role.class_field,
        DEPTH_FIELD_PROPERTY: role.depth_field,
        RADIUS_PROPERTY: role.radius_m,
        RADIUS_FIELD_PROPERTY: role.radius_field,
        THRESHOLD_PROPERTY: role.threshold,
    }
    for key, value in values.items():
        if value is None or value == "":
            layer.removeCustomProperty(key)
        else:
            layer.setCustomProperty(key, value)


def hazard_role(layer: QgsMapLayer) -> HazardRole:
    """Return the role stored on a layer, with the role by layer type where none is stored."""

    def text(key: str) -> Optional[str]:
        value = layer.customProperty(key)
        return str(value) if value not in (None, "") else None

    def number(key: str) -> Optional[float]:
        try:
            value = float(layer.customProperty(key))
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    role = text(ROLE_PROPERTY)
    return HazardRole(
        role=role if role in HAZARD_ROLES else default_role(layer),
        class_field=text(CLASS_FIELD_PROPERTY),
        depth_field=text(DEPTH_FIELD_PROPERTY),
        radius_m=number(RADIUS_PROPERTY),
        radius_field=text(RADIUS_FIELD_PROPERTY),
        threshold=number(THRESHOLD_PROPERTY),
    )


def untag_hazard_layer(layer: QgsMapLayer) -> None:
    """Remove the hazard mark and role from a layer; a layer without them is left as it is."""
    layer.removeCustomProperty(HAZARD_KIND_PROPERTY)
    for key in _TAG_PROPERTIES:
        layer.removeCustomProperty(key)


def hazard_kind(layer: QgsMapLayer) -> Optional[str]:
    """Return the layer's hazard kind (FLOOD or LANDSLIDE), or None when it is not tagged."""
    kind = layer.customProperty(HAZARD_KIND_PROPERTY)
    return kind if kind in HAZARD_KINDS else None


def tagged_hazard_layers(kind: str, project: Optional[QgsProject] = None) -> list[QgsMapLayer]:
    """List the project's layers tagged with `kind`, in layer tree order where the layer is in the tree."""
    project = project or QgsProject.instance()
    ordered = [node.layer() for node in project.layerTreeRoot().findLayers() if node.layer() is not None]
    seen = {layer.id() for layer in ordered}
    ordered.extend(layer for layer in project.mapLayers().values() if layer.id() not in seen)
    return [layer for layer in ordered if hazard_kind(layer) == kind]


# --- analysis CRS ----------------------------------------------------------------------------------------


def utm_epsg_for(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS 84 UTM zone that contains (lon, lat) in degrees."""
    zone = int(math.floor((lon + 180.0) / 6.0)) + 1
    zone = min(max(zone, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def analysis_crs_for_points(lons: Sequence[float], lats: Sequence[float]) -> QgsCoordinateReferenceSystem:
    """Return the WGS 84 UTM CRS of the zone that contains the mean point of the given WGS 84 coordinates.

    Raises SosError when no coordinates are given. NOTE: the mean longitude is wrong for points on both
    sides of the antimeridian, which no Vietnamese service area has.
    """
    if not lons or not lats:
        raise SosError(
            QCoreApplication.translate(
                "SosHazards", "No case has a location, so there is nothing to analyse."
            ),
            "analysis_crs_for_points got no coordinates",
        )
    lon = sum(lons) / len(lons)
    lat = sum(lats) / len(lats)
    return QgsCoordinateReferenceSystem(f"EPSG:{utm_epsg_for(lon, lat)}")


# --- snapshots (main thread) -----------------------------------------------------------------------------


@dataclass
class HazardSourceSnapshot:
    """Thread-safe copy of one hazard layer's data source, for reading in a worker thread."""

    layer_id: str
    name: str
    kind: str
    crs: QgsCoordinateReferenceSystem
    vector_source: Optional[QgsVectorLayerFeatureSource] = None
    geometry_type: Optional[int] = None
    radius_field: Optional[str] = None
    raster_provider: Any = None
    role: str = ""
    radius_m: Optional[float] = None
    class_field: Optional[str] = None
    depth_field: Optional[str] = None
    threshold: float = 0.0
    # Extent of the layer in WGS 84 degrees (xmin, ymin, xmax, ymax), None when it cannot be transformed.
    extent_wgs84: Optional[tuple[float, float, float, float]] = None
    crs_warning: str = ""


@dataclass
class CaseSnapshot:
    """A case layer's features reduced to what analysis needs: ids, WGS 84 points and priority attributes."""

    ids: list[str] = field(default_factory=list)
    # (lon, lat) in WGS 84 degrees, or None for a case without location.
    points: list[Optional[tuple[float, float]]] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)


def snapshot_hazard_sources(
    flood_layers: Sequence[QgsMapLayer], landslide_layers: Sequence[QgsMapLayer]
) -> tuple[list[HazardSourceSnapshot], list[str]]:
    """Copy what a worker thread needs to read the hazard layers. Call on the main thread.

    Returns the snapshots and translated warnings for layers that cannot be used (invalid, or a raster given
    as a landslide layer, which this version does not analyse).
    """
    snapshots: list[HazardSourceSnapshot] = []
    warnings: list[str] = []
    for kind, layers in ((FLOOD, flood_layers), (LANDSLIDE, landslide_layers)):
        for layer in layers:
            snapshot = _snapshot_layer(layer, kind, warnings)
            if snapshot is not None:
                snapshots.append(snapshot)
    return snapshots, warnings


def _snapshot_layer(layer: QgsMapLayer, kind: str, warnings: list[str]) -> Optional[HazardSourceSnapshot]:
    if layer is None or not layer.isValid():
        name = layer.name() if layer is not None else "?"
        warnings.append(
            QCoreApplication.translate(
                "SosHazards", "The hazard layer {} is not valid and was skipped."
            ).format(name)
        )
        return None
    role = hazard_role(layer)
    snapshot = HazardSourceSnapshot(
        layer_id=layer.id(),
        name=layer.name(),
        kind=kind,
        crs=layer.crs(),
        role=role.role,
        radius_m=role.radius_m,
        class_field=role.class_field,
        depth_field=role.depth_field,
        threshold=role.threshold if role.threshold is not None else DEFAULT_THRESHOLDS[kind],
        extent_wgs84=_extent_wgs84(layer),
        crs_warning=vn2000_warning(layer.crs(), layer.name(), QgsProject.instance().transformContext()),
    )
    if isinstance(layer, QgsVectorLayer):
        names = layer.fields().names()
        # A field stored in the role that the layer no longer has is ignored, not read as NULL.
        snapshot.class_field = role.class_field if role.class_field in names else None
        snapshot.depth_field = role.depth_field if role.depth_field in names else None
        if role.radius_field in names:
            snapshot.radius_field = role.radius_field
        else:
            snapshot.radius_field = next((name for name in RADIUS_FIELDS if name in names), None)
        snapshot.vector_source = QgsVectorLayerFeatureSource(layer)
        snapshot.geometry_type = layer.geometryType()
        return snapshot
    if isinstance(layer, QgsRasterLayer) and layer.providerType() == "gdal":
        # A cloned provider belongs to the thread that uses it; the layer's own provider stays on the main
        # thread.
        snapshot.raster_provider = layer.dataProvider().clone()
        return snapshot
    if isinstance(layer, QgsRasterLayer):
        warnings.append(
            QCoreApplication.translate(
                "SosHazards",
                "The layer {} is a map service shown for display only: its pictures cannot be sampled, so "
                "it was left out of the analysis.",
            ).format(layer.name())
        )
        return None
    warnings.append(
        QCoreApplication.translate(
            "SosHazards", "The layer {} cannot be used as a hazard layer: it is neither vector nor raster."
        ).format(layer.name())
    )
    return None


def _extent_wgs84(layer: QgsMapLayer) -> Optional[tuple[float, float, float, float]]:
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    extent = layer.extent()
    if extent.isNull():
        return None
    try:
        transform = QgsCoordinateTransform(layer.crs(), wgs84, QgsProject.instance().transformContext())
        box = transform.transformBoundingBox(extent)
    except QgsCsException:
        return None
    values = (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum())
    return values if all(math.isfinite(value) for value in values) else None


# --- CRS care ---------------------------------------------------------------------------------------------

_VN2000_NAMES = ("vietnam 2000", "vietnam_2000", "vn-2000", "vn_2000", "vn2000")


def is_vn2000(crs: QgsCoordinateReferenceSystem) -> bool:
    """Return True when the CRS is on the VN-2000 datum, by the datum or CRS name in its WKT."""
    text = crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT2_2019).lower()
    text += crs.description().lower()
    return any(name in text for name in _VN2000_NAMES)


# Steps of a PROJ pipeline that shift one datum onto another. A pipeline without any of them between
# VN-2000 and WGS 84 is a "ballpark" conversion that treats the two datums as the same.
_DATUM_SHIFT_STEPS = ("+proj=helmert", "+towgs84", "+proj=molodensky", "gridshift", "+proj=deformation")


def vn2000_warning(
    crs: QgsCoordinateReferenceSystem, layer_name: str, transform_context: QgsCoordinateTransformContext
) -> str:
    """Return a translated warning for a VN-2000 layer that QGIS reprojects without datum shift, else "".

    QGIS picks the transformation from the project's settings when they name one for this CRS, and else
    the best one PROJ offers. For EPSG VN-2000 CRSs that is a Helmert shift ("VN-2000 to WGS 84"), so
    they get no warning. A custom VN-2000 CRS without TOWGS84 parameters gets PROJ's ballpark conversion,
    which ignores the datum shift (about 230 m near 108.5 E, 12.7 N by "VN-2000 to WGS 84 (2)"), so it is
    warned about.
    """
    if not crs.isValid() or not is_vn2000(crs):
        return ""
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    if transform_context.hasTransform(crs, wgs84):
        return ""
    transform = QgsCoordinateTransform(crs, wgs84, transform_context)
    operation = transform.instantiatedCoordinateOperationDetails()
    if any(step in operation.proj for step in _DATUM_SHIFT_STEPS):
        return ""
    LOGGER.info("VN-2000 layer %s is reprojected without a datum shift: %s", layer_name, operation.name)
    return QCoreApplication.translate(
        "SosHazards",
        "The layer {} is in the VN-2000 CRS {}, and QGIS has no datum shift from it to WGS 84, so it may be "
        "off by hundreds of metres. Set the datum transformation in Project Properties > Transformations, "
        "or use a CRS with the province's parameters (TOWGS84).",
    ).format(layer_name, crs.authid() or crs.description())


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def extent_warnings(
    snapshots: Sequence[HazardSourceSnapshot], area: Optional[tuple[float, float, float, float]]
) -> list[str]:
    """Return translated warnings for hazard layers whose WGS 84 extent misses `area` (x/y min, x/y max).

    `area` is the service area or the cases' extent in degrees. A layer that overlaps it once x and y are
    swapped is reported as swapped. Any other miss names axis order (lat/lon swapped) as a likely cause.
    """
    warnings: list[str] = []
    if area is None:
        return warnings
    for snapshot in snapshots:
        extent = snapshot.extent_wgs84
        if extent is None or _overlaps(extent, area):
            continue
        swapped = (extent[1], extent[0], extent[3], extent[2])
        if _overlaps(swapped, area):
            warnings.append(
                QCoreApplication.translate(
                    "SosHazards",
                    "The hazard layer {} does not overlap the cases, but would with x and y swapped: its "
                    "coordinates look like latitude, longitude instead of longitude, latitude (axis order). "
                    "Fix the layer or its CRS before trusting the analysis.",
                ).format(snapshot.name)
            )
        else:
            warnings.append(
                QCoreApplication.translate(
                    "SosHazards",
                    "The hazard layer {} does not overlap the cases. A likely cause is axis order "
                    "(latitude and longitude swapped) or a wrong CRS on the layer.",
                ).format(snapshot.name)
            )
    return warnings


@dataclass
class CaseSourceSnapshot:
    """A case layer's thread-safe feature source, and where its GeoPackage table is when it can be read fast.

    `gpkg_path` and `table` are set only when the layer is an unfiltered GeoPackage layer without unsaved
    edits, so that reading the file directly gives the same features as the feature source.
    """

    feature_source: QgsVectorLayerFeatureSource
    gpkg_path: Optional[str] = None
    table: Optional[str] = None

    def getFeatures(self, request: Optional[QgsFeatureRequest] = None) -> Any:  # noqa: N802 - QGIS's name
        """Iterate the features of the feature source, as QgsVectorLayerFeatureSource.getFeatures does."""
        return self.feature_source.getFeatures(request or QgsFeatureRequest())


def snapshot_case_source(layer: QgsVectorLayer) -> CaseSourceSnapshot:
    """Return a thread-safe source of the case layer's features. Call on the main thread."""
    snapshot = CaseSourceSnapshot(QgsVectorLayerFeatureSource(layer))
    if (
        layer.providerType() == "ogr"
        and layer.dataProvider().storageType() == "GPKG"
        and not layer.subsetString()
        and not (layer.isEditable() and layer.isModified())
    ):
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        if parts.get("path") and parts.get("layerName"):
            snapshot.gpkg_path = parts["path"]
            snapshot.table = parts["layerName"]
    return snapshot


def read_case_snapshot(
    source: Any,
    source_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    selected_ids: Optional[Sequence[int]] = None,
) -> CaseSnapshot:
    """Read case ids, WGS 84 points and priority attributes from a feature source. Runs on any thread.

    `source` is a CaseSourceSnapshot or any feature source. A CaseSourceSnapshot of a plain GeoPackage
    layer is read straight from the file with sqlite3, about 20 times faster than feature by feature; any
    surprise there (a locked file, an unusual geometry or time value) falls back to the feature source.
    `selected_ids` limits the read to those feature ids. Features without an `id` value are skipped.
    """
    if isinstance(source, CaseSourceSnapshot) and source.gpkg_path and source.table:
        try:
            snapshot = _read_gpkg_cases(source.gpkg_path, source.table, selected_ids)
        except (ImportError, sqlite3.Error, ValueError, TypeError, IndexError, struct.error) as error:
            LOGGER.info("Reading %s directly failed (%s); reading it through QGIS", source.gpkg_path, error)
            snapshot = None
        if snapshot is not None:
            _points_to_wgs84(snapshot, source_crs, transform_context)
            return snapshot
    if isinstance(source, CaseSourceSnapshot):
        source = source.feature_source
    return _read_features(source, source_crs, transform_context, selected_ids)


def _read_features(
    source: Any,
    source_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    selected_ids: Optional[Sequence[int]],
) -> CaseSnapshot:
    fields = source.fields()
    names = ["id", *PRIORITY_FIELDS]
    indexes = [fields.indexOf(name) for name in names]
    request = QgsFeatureRequest()
    request.setSubsetOfAttributes([index for index in indexes if index >= 0])
    if selected_ids is not None:
        request.setFilterFids(list(selected_ids))
    snapshot = CaseSnapshot()
    id_index = indexes[0]
    attribute_indexes = list(zip(PRIORITY_FIELDS, indexes[1:]))
    for feature in source.getFeatures(request):
        attributes = feature.attributes()
        case_id = attributes[id_index] if id_index >= 0 else None
        if case_id is None or case_id == NULL:
            continue
        point: Optional[tuple[float, float]] = None
        geometry = feature.geometry()
        if not geometry.isNull() and not geometry.isEmpty():
            xy = geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
            point = (xy.x(), xy.y())
        snapshot.ids.append(str(case_id))
        snapshot.points.append(point)
        snapshot.attributes.append(
            {
                name: _python_value(attributes[index]) if index >= 0 else None
                for name, index in attribute_indexes
            }
        )
    _points_to_wgs84(snapshot, source_crs, transform_context)
    return snapshot


def _points_to_wgs84(
    snapshot: CaseSnapshot,
    source_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
) -> None:
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    if source_crs == wgs84:
        return
    transform = QgsCoordinateTransform(source_crs, wgs84, transform_context)
    points = snapshot.points
    for index, point in enumerate(points):
        if point is None:
            continue
        try:
            xy = transform.transform(QgsPointXY(point[0], point[1]))
        except QgsCsException:
            points[index] = None
            continue
        points[index] = (xy.x(), xy.y())


# GeoPackage geometry header: "GP", version, flags, srs_id, then an envelope whose size the flags give.
_GPKG_ENVELOPE_BYTES = (0, 32, 48, 48, 64)
_BOOLEAN_FIELDS = ("has_children", "has_elderly", "has_disabilities")


def _read_gpkg_cases(path: str, table: str, selected_ids: Optional[Sequence[int]]) -> Optional[CaseSnapshot]:
    """Read the case table of a GeoPackage with sqlite3; return None when its layout is not the expected one.

    Coordinates stay in the layer's CRS. Times are read as `from_qdatetime` reads them: a value without an
    offset is Vietnam time.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        row = connection.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
        ).fetchone()
        if row is None:
            return None
        geometry_column = row[0]
        columns = connection.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        column_names = {column[1] for column in columns}
        primary_keys = [column[1] for column in columns if column[5]]
        if len(primary_keys) != 1 or not {"id", *PRIORITY_FIELDS} <= column_names:
            return None
        selected_columns = [primary_keys[0], geometry_column, "id", *PRIORITY_FIELDS]
        query = "SELECT {} FROM {} ORDER BY {}".format(
            ", ".join(_quote(name) for name in selected_columns), _quote(table), _quote(primary_keys[0])
        )
        rows = connection.execute(query).fetchall()
    finally:
        connection.close()

    if selected_ids is not None:
        wanted = set(selected_ids)
        rows = [row for row in rows if row[0] in wanted]
    rows = [row for row in rows if row[2] is not None]
    xy = _plain_point_coordinates([row[1] for row in rows])
    if xy is None:
        xy = _point_coordinates([row[1] for row in rows])
    if xy is None:
        return None
    xs, ys = xy

    snapshot = CaseSnapshot()
    snapshot.ids = [str(row[2]) for row in rows]
    snapshot.points = [None if x != x or y != y else (x, y) for x, y in zip(xs, ys)]
    columns = list(zip(*rows))[3:] if rows else [()] * len(PRIORITY_FIELDS)
    for position, name in enumerate(PRIORITY_FIELDS):
        if name in _BOOLEAN_FIELDS:
            columns[position] = [None if value is None else bool(value) for value in columns[position]]
        elif name == "created_at":
            columns[position] = [_parse_layer_time(value) for value in columns[position]]
    snapshot.attributes = [dict(zip(PRIORITY_FIELDS, values)) for values in zip(*columns)]
    return snapshot


# A GeoPackage point without envelope: 8 bytes of header, then a little-endian 2D WKB point of 21 bytes.
_PLAIN_POINT_BYTES = 29


def _plain_point_coordinates(blobs: list[Any]) -> Optional[tuple[list[float], list[float]]]:
    """Read x and y from GeoPackage blobs that are all plain 2D points, in one numpy step; else None."""
    if not blobs or any(blob is None or len(blob) != _PLAIN_POINT_BYTES for blob in blobs):
        return None
    table = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), _PLAIN_POINT_BYTES)
    # "GP", flags 1 (little-endian header, no envelope, not empty), WKB byte order 1 and type 1 (Point).
    expected = {0: ord("G"), 1: ord("P"), 3: 1, 8: 1, 9: 1, 10: 0, 11: 0, 12: 0}
    for column, value in expected.items():
        if not (table[:, column] == value).all():
            return None
    coordinates = np.ascontiguousarray(table[:, 13:29]).view("<f8")
    return coordinates[:, 0].tolist(), coordinates[:, 1].tolist()


def _point_coordinates(blobs: list[Any]) -> Optional[tuple[list[float], list[float]]]:
    """Read x and y of GeoPackage points or multipoints (NaN when missing or empty); None for others."""
    import shapely

    wkbs: list[Optional[bytes]] = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
            continue
        if blob[:2] != b"GP":
            return None
        flags = blob[3]
        if flags & 0b10000:  # empty geometry
            wkbs.append(None)
            continue
        envelope = (flags >> 1) & 0b111
        if envelope >= len(_GPKG_ENVELOPE_BYTES) or flags & 0b100000:
            return None
        wkbs.append(bytes(blob[8 + _GPKG_ENVELOPE_BYTES[envelope] :]))
    geometries = shapely.from_wkb(wkbs)
    types = shapely.get_type_id(geometries)
    # Points (0) as they are, multipoints (4) by their first point; no other type belongs in a case layer.
    if not set(np.unique(types).tolist()) <= {-1, 0, 4}:
        return None
    if (types == 4).any():
        geometries = np.where(types == 4, shapely.get_geometry(geometries, 0), geometries)
    return shapely.get_x(geometries).tolist(), shapely.get_y(geometries).tolist()


def _quote(name: str) -> str:
    return '"{}"'.format(name.replace('"', '""'))


def _parse_layer_time(value: Any) -> Optional[datetime]:
    """Parse a GeoPackage datetime text as an aware datetime; raise ValueError for an unknown form.

    A text without an offset is Vietnam time, as `from_qdatetime` reads it.
    """
    if value is None:
        return None
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif "+" not in text[10:] and "-" not in text[10:]:
        text += "+07:00"
    return datetime.fromisoformat(text)


def _python_value(value: Any) -> Any:
    if value is None or value == NULL:
        return None
    converted = from_qdatetime(value)
    return converted if converted is not None else value


def wgs84_to_metric(
    points: Sequence[Optional[tuple[float, float]]],
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
) -> tuple[list[Optional[float]], list[Optional[float]]]:
    """Reproject WGS 84 (lon, lat) points to `dest_crs`; return x and y lists with None where a point is None.

    Uses pyproj on whole arrays when it is installed and `dest_crs` is a WGS 84 UTM zone (no datum
    transformation between the two), else QgsCoordinateTransform point by point. A point that cannot be
    reprojected gets None.
    """
    located = [index for index, point in enumerate(points) if point is not None]
    xs: list[Optional[float]] = [None] * len(points)
    ys: list[Optional[float]] = [None] * len(points)
    if not located:
        return xs, ys
    lons = np.fromiter((points[index][0] for index in located), dtype=float, count=len(located))
    lats = np.fromiter((points[index][1] for index in located), dtype=float, count=len(located))
    projected = _pyproj_transform(lons, lats, dest_crs)
    if projected is None:
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        transform = QgsCoordinateTransform(wgs84, dest_crs, transform_context)
        out_x = np.full(len(located), np.nan)
        out_y = np.full(len(located), np.nan)
        for position, (lon, lat) in enumerate(zip(lons.tolist(), lats.tolist())):
            try:
                xy = transform.transform(QgsPointXY(lon, lat))
            except QgsCsException:
                continue
            out_x[position] = xy.x()
            out_y[position] = xy.y()
    else:
        out_x, out_y = projected
    for index, x, y in zip(located, out_x.tolist(), out_y.tolist()):
        if math.isfinite(x) and math.isfinite(y):
            xs[index] = x
            ys[index] = y
    return xs, ys


def _pyproj_transform(
    lons: Any, lats: Any, dest_crs: QgsCoordinateReferenceSystem
) -> Optional[tuple[Any, Any]]:
    """Reproject arrays of WGS 84 degrees to a WGS 84 UTM zone with pyproj; None when pyproj is missing."""
    authid = dest_crs.authid()
    if not authid.startswith(("EPSG:326", "EPSG:327")):
        return None
    try:
        from pyproj import Transformer
    except ImportError:
        return None
    transformer = Transformer.from_crs("EPSG:4326", authid, always_xy=True)
    out_x, out_y = transformer.transform(lons, lats, errcheck=False)
    return np.asarray(out_x, dtype=float), np.asarray(out_y, dtype=float)


# --- hazard set (any thread) -----------------------------------------------------------------------------


def _shapely_from_qgs(geometry: QgsGeometry) -> Any:
    # Imported here so that this module loads on a QGIS whose Python has no shapely 2.
    import shapely

    return shapely.from_wkb(bytes(geometry.asWkb()))


# Longest polygon edge, in metres, kept when a hazard layer is reprojected. An edge is straight in its own CRS
# and curved in another, so a long edge (flood outlines have edges of hundreds of kilometres) would move by
# hundreds of metres if only its ends were reprojected. Cut into 1 km pieces, it moves by millimetres.
DENSIFY_STEP_M = 1000.0
_METRES_PER_DEGREE = 111_320.0


def _densify_step(source: QgsCoordinateReferenceSystem, dest: QgsCoordinateReferenceSystem) -> float:
    """Return the densify distance in the source CRS's units, or 0 when no reprojection happens."""
    if source == dest:
        return 0.0
    if source.isGeographic():
        return DENSIFY_STEP_M / _METRES_PER_DEGREE
    factor = QgsUnitTypes.fromUnitToUnitFactor(QgsUnitTypes.DistanceMeters, source.mapUnits())
    return DENSIFY_STEP_M * factor


def build_hazard_set_from_snapshots(
    snapshots: Sequence[HazardSourceSnapshot],
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> tuple[Any, list[str]]:
    """Read the vector snapshots into a core HazardSet in `dest_crs`. Runs on any thread.

    Flood polygons become flood zones, landslide polygons landslide zones, landslide points landslide events
    with the radius of a `radius_m` or `danger_radius_m` field (None when absent or not a positive number).
    Invalid geometries are passed on unrepaired, because core.hazards repairs and reports them. Raster
    snapshots are skipped here (see `sample_flood_rasters`). Returns the set and translated warnings for
    features that could not be read or reprojected. Raises SosError when cancelled.
    """
    from .core.hazards import HazardSet

    flood_zones: list[tuple[str, Any]] = []
    landslide_zones: list[tuple[str, Any]] = []
    landslide_points: list[tuple[str, Any, Optional[float]]] = []
    flood_zone_details: dict[str, tuple[Optional[float], Optional[str]]] = {}
    warnings: list[str] = []
    flood_given = False
    landslide_given = False
    for snapshot in snapshots:
        if snapshot.vector_source is None:
            # Rasters are sampled separately, so they do not count as given vector flood layers.
            continue
        if snapshot.kind == FLOOD:
            flood_given = True
        else:
            landslide_given = True
        transform = QgsCoordinateTransform(snapshot.crs, dest_crs, transform_context)
        densify_step = _densify_step(snapshot.crs, dest_crs)
        skipped = 0
        for feature in snapshot.vector_source.getFeatures():
            if is_cancelled():
                raise _cancelled_error()
            geometry = QgsGeometry(feature.geometry())
            if geometry.isNull() or geometry.isEmpty():
                continue
            if densify_step and QgsWkbTypes.geometryType(geometry.wkbType()) == QgsWkbTypes.PolygonGeometry:
                geometry = geometry.densifyByDistance(densify_step)
            try:
                geometry.transform(transform)
            except QgsCsException as error:
                skipped += 1
                LOGGER.warning(
                    "Hazard layer %s feature %s could not be reprojected: %s",
                    snapshot.name,
                    feature.id(),
                    error,
                )
                continue
            feature_id = f"{snapshot.name}:{feature.id()}"
            geometry_type = QgsWkbTypes.geometryType(geometry.wkbType())
            if snapshot.kind == FLOOD and (snapshot.depth_field or snapshot.class_field):
                flood_zone_details[feature_id] = _zone_detail(feature, snapshot)
            if geometry_type == QgsWkbTypes.GeometryType.PolygonGeometry:
                target = flood_zones if snapshot.kind == FLOOD else landslide_zones
                target.append((feature_id, _shapely_from_qgs(geometry)))
            elif geometry_type == QgsWkbTypes.GeometryType.PointGeometry and snapshot.kind == LANDSLIDE:
                radius = _radius_of(feature, snapshot.radius_field)
                if radius is None:
                    radius = snapshot.radius_m
                for index, part in enumerate(geometry.constParts()):
                    part_id = feature_id if index == 0 else f"{feature_id}#{index}"
                    landslide_points.append((part_id, _shapely_from_qgs(QgsGeometry(part.clone())), radius))
            elif geometry_type == QgsWkbTypes.GeometryType.PointGeometry:
                # A flood event is a circle of its danger radius; without a radius it cannot be placed.
                radius = _radius_of(feature, snapshot.radius_field)
                if radius is None:
                    radius = snapshot.radius_m
                if radius is None:
                    skipped += 1
                    continue
                flood_zones.append((feature_id, _shapely_from_qgs(geometry).buffer(radius)))
            else:
                skipped += 1
        if skipped:
            warnings.append(
                QCoreApplication.translate(
                    "SosHazards",
                    "{} features of the hazard layer {} were skipped (wrong geometry type or CRS).",
                ).format(skipped, snapshot.name)
            )
    hazard_set = HazardSet(
        flood_zones=flood_zones,
        landslide_zones=landslide_zones,
        landslide_points=landslide_points,
        flood_given=flood_given,
        landslide_given=landslide_given,
        flood_zone_details=flood_zone_details,
    )
    return hazard_set, warnings


def _zone_detail(feature: Any, snapshot: HazardSourceSnapshot) -> tuple[Optional[float], Optional[str]]:
    """Read a flood zone's depth in metres and class text; None for a missing field or a NULL value."""
    depth: Optional[float] = None
    if snapshot.depth_field:
        try:
            depth = float(feature[snapshot.depth_field])
        except (TypeError, ValueError):
            depth = None
    zone_class: Optional[str] = None
    if snapshot.class_field:
        value = feature[snapshot.class_field]
        if value is not None and value != NULL and str(value).strip():
            zone_class = str(value).strip()
    return depth, zone_class


def _radius_of(feature: Any, radius_field: Optional[str]) -> Optional[float]:
    if radius_field is None:
        return None
    value = feature[radius_field]
    try:
        radius = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(radius) or radius <= 0:
        return None
    return radius


def build_hazard_set(
    flood_layers: Sequence[QgsMapLayer],
    landslide_layers: Sequence[QgsMapLayer],
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: Optional[QgsCoordinateTransformContext] = None,
) -> tuple[Any, list[str]]:
    """Read vector hazard layers in any CRS into a core HazardSet in `dest_crs`, on the calling thread.

    The main-thread shortcut for `snapshot_hazard_sources` followed by `build_hazard_set_from_snapshots`;
    the transform context defaults to the current project's. Returns the set and translated warnings.
    """
    context = transform_context or QgsProject.instance().transformContext()
    snapshots, warnings = snapshot_hazard_sources(flood_layers, landslide_layers)
    hazard_set, more_warnings = build_hazard_set_from_snapshots(snapshots, dest_crs, context)
    return hazard_set, warnings + more_warnings


# --- rasters --------------------------------------------------------------------------------------------

SAMPLE_VALUE = "value"
SAMPLE_IMPLAUSIBLE = "implausible"
SAMPLE_NODATA = "nodata"
SAMPLE_OUTSIDE = "outside"
# When several rasters cover a case, the sample keeps the state that ranks highest here.
_SAMPLE_RANK = {SAMPLE_OUTSIDE: 0, SAMPLE_NODATA: 1, SAMPLE_IMPLAUSIBLE: 2, SAMPLE_VALUE: 3}


@dataclass
class RasterSample:
    """Sample of the rasters of one hazard kind at one case.

    `state` is SAMPLE_VALUE when some raster has a plausible value there, else SAMPLE_IMPLAUSIBLE when some
    raster has a value that core.hazards.is_plausible_raster_value rejects (-9999, a negative depth, 1e30),
    else SAMPLE_NODATA when some raster covers the case with nodata, else SAMPLE_OUTSIDE. `in_zone` is
    None unless a plausible value was read. `value` is the largest plausible value read (metres of depth,
    or the susceptibility index), or the rejected value for SAMPLE_IMPLAUSIBLE. `layer` names its raster.
    """

    state: str = SAMPLE_OUTSIDE
    in_zone: Optional[bool] = None
    value: Optional[float] = None
    layer: str = ""


def sample_rasters(
    snapshots: Sequence[HazardSourceSnapshot],
    points: dict[str, tuple[float, float]],
    transform_context: QgsCoordinateTransformContext,
) -> dict[str, RasterSample]:
    """Sample raster snapshots (band 1) at WGS 84 case points. Runs on any thread.

    A value at or above the snapshot's threshold is in the zone, and a value below it is not. Nodata, a
    value that is not plausible for the hazard kind, and a point outside every raster are kept apart, and
    all three leave `in_zone` None, never "0 m". With several rasters, a plausible value wins over an
    implausible one, that over nodata and nodata over outside. "In zone" wins over "not in zone", and the
    largest value is kept. NOTE: single pixels are sampled, without resampling.
    """
    from .core.hazards import is_plausible_raster_value

    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    samples = {case_id: RasterSample() for case_id in points}
    for snapshot in snapshots:
        provider = snapshot.raster_provider
        if provider is None:
            continue
        transform = QgsCoordinateTransform(wgs84, snapshot.crs, transform_context)
        extent = provider.extent()
        threshold = snapshot.threshold
        for case_id, (lon, lat) in points.items():
            try:
                point = transform.transform(QgsPointXY(lon, lat))
            except QgsCsException:
                continue
            if not extent.contains(point):
                continue
            sample = samples[case_id]
            value, ok = provider.sample(point, 1)
            if not ok or value is None or math.isnan(value):
                _raise_state(sample, SAMPLE_NODATA, None, snapshot.name)
                continue
            if not is_plausible_raster_value(snapshot.kind, value):
                _raise_state(sample, SAMPLE_IMPLAUSIBLE, float(value), snapshot.name)
                continue
            in_zone = value >= threshold
            if sample.state != SAMPLE_VALUE or value > (sample.value or 0.0):
                sample.value = float(value)
                sample.layer = snapshot.name
            sample.state = SAMPLE_VALUE
            sample.in_zone = bool(sample.in_zone) or in_zone
    return samples


def _raise_state(sample: RasterSample, state: str, value: Optional[float], layer: str) -> None:
    # Record a nodata or implausible reading unless the sample already has a higher-ranked state.
    if _SAMPLE_RANK[state] > _SAMPLE_RANK[sample.state]:
        sample.state = state
        sample.value = value
        sample.layer = layer


def sample_flood_rasters(
    snapshots: Sequence[HazardSourceSnapshot],
    points: dict[str, tuple[float, float]],
    transform_context: QgsCoordinateTransformContext,
) -> dict[str, tuple[Optional[bool], Optional[float]]]:
    """Sample flood depth rasters at WGS 84 case points; return {case id: (in_flood, depth_m)}.

    Depth is in metres (0 on a dry cell). Nodata, an implausible value or outside gives (None, None),
    never a depth of 0 m. See `sample_rasters` for the rules; this is its short form for flood rasters.
    """
    flood = [snapshot for snapshot in snapshots if snapshot.kind == FLOOD]
    samples = sample_rasters(flood, points, transform_context)
    return {
        case_id: (sample.in_zone, sample.value if sample.state == SAMPLE_VALUE else None)
        for case_id, sample in samples.items()
    }


def _format_value(value: Optional[float]) -> str:
    if value is None or not math.isfinite(value) or abs(value) >= 1e6:
        return f"{value:g}" if value is not None else "?"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def raster_note(kind: str, sample: RasterSample) -> str:
    """Return the translated hazard note of a raster sample: value, implausible value, nodata or outside."""
    if sample.state == SAMPLE_VALUE and kind == FLOOD:
        return QCoreApplication.translate("SosHazards", "flood depth {} m in raster {}").format(
            _format_value(sample.value), sample.layer
        )
    if sample.state == SAMPLE_VALUE:
        return QCoreApplication.translate("SosHazards", "landslide index {} in raster {}").format(
            _format_value(sample.value), sample.layer
        )
    if sample.state == SAMPLE_IMPLAUSIBLE and kind == FLOOD:
        return QCoreApplication.translate(
            "SosHazards",
            "flood raster {} has the value {} here, which is not a plausible depth (an undeclared nodata?): "
            "depth unknown",
        ).format(sample.layer, _format_value(sample.value))
    if sample.state == SAMPLE_IMPLAUSIBLE:
        return QCoreApplication.translate(
            "SosHazards",
            "landslide raster {} has the value {} here, which is not a plausible index (an undeclared "
            "nodata?): unknown",
        ).format(sample.layer, _format_value(sample.value))
    if sample.state == SAMPLE_NODATA and kind == FLOOD:
        return QCoreApplication.translate(
            "SosHazards", "flood raster {} has no data here: depth unknown"
        ).format(sample.layer)
    if sample.state == SAMPLE_NODATA:
        return QCoreApplication.translate(
            "SosHazards", "landslide raster {} has no data here: unknown"
        ).format(sample.layer)
    if kind == FLOOD:
        return QCoreApplication.translate("SosHazards", "outside every flood raster: depth unknown")
    return QCoreApplication.translate("SosHazards", "outside every landslide raster: unknown")


# --- the whole analysis (any thread) ---------------------------------------------------------------------


@dataclass
class HazardAnalysis:
    """Results of one hazard analysis run, ready to be written to the case layer."""

    results: dict[str, Any] = field(default_factory=dict)
    priorities: dict[str, Optional[float]] = field(default_factory=dict)
    repairs: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    analysed_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    in_flood: int = 0
    in_landslide_zone: int = 0
    unknown: int = 0


@dataclass
class FloodRasterResult:
    """Hazard result of a case analysed only by, or corrected by, a flood raster."""

    in_flood: Optional[bool]
    flood_event_count: Optional[int]
    in_landslide_zone: Optional[bool]
    landslide_distance_m: Optional[float]
    note: str
    flood_depth_m: Optional[float] = None


# Cases between two looks at the cancel flag of the task.
_CANCEL_CHECK_EVERY = 5000


def analyse_snapshots(
    cases: CaseSnapshot,
    snapshots: Sequence[HazardSourceSnapshot],
    radius_m: float,
    transform_context: QgsCoordinateTransformContext,
    now: Optional[datetime] = None,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float], None] = lambda percent: None,
    weights: Any = None,
    compute_priorities: bool = True,
) -> HazardAnalysis:
    """Analyse the cases against the hazard snapshots and, unless compute_priorities is False, compute their
    priorities. Runs on any thread.

    Case points are reprojected to the UTM zone of the cases, as are the hazard layers. Cases without location
    get no hazard result (unknown) but still a priority. `radius_m` is the landslide search radius in metres;
    `weights` are the core.priority.PriorityWeights (None: the defaults). Callers that compute priorities
    and reasons themselves (the analysis task) pass compute_priorities=False. Raises SosError when cancelled
    or when core.hazards fails.
    """
    from .core.hazards import analyse_cases_with_repairs
    from .core.priority import PriorityWeights, compute_priority

    weights = weights if weights is not None else PriorityWeights()

    now = now or datetime.now(timezone.utc)
    analysis = HazardAnalysis(analysed_at=now)
    located = {case_id: point for case_id, point in zip(cases.ids, cases.points) if point is not None}
    on_progress(5.0)

    results: dict[str, Any] = {}
    if located:
        lons = [point[0] for point in located.values()]
        lats = [point[1] for point in located.values()]
        dest_crs = analysis_crs_for_points(lons, lats)
        analysis.warnings.extend(snapshot.crs_warning for snapshot in snapshots if snapshot.crs_warning)
        analysis.warnings.extend(extent_warnings(snapshots, (min(lons), min(lats), max(lons), max(lats))))
        hazard_set, warnings = build_hazard_set_from_snapshots(
            snapshots, dest_crs, transform_context, is_cancelled
        )
        analysis.warnings.extend(warnings)
        on_progress(40.0)
        metric_cases = list(zip(cases.ids, *wgs84_to_metric(cases.points, dest_crs, transform_context)))
        if is_cancelled():
            raise _cancelled_error()
        results, analysis.repairs = analyse_cases_with_repairs(
            metric_cases, hazard_set, landslide_radius_m=radius_m
        )
        _add_zone_class_notes(results)
        on_progress(70.0)

        for kind in HAZARD_KINDS:
            rasters = [item for item in snapshots if item.raster_provider is not None and item.kind == kind]
            if not rasters:
                continue
            samples = sample_rasters(rasters, located, transform_context)
            vector_given = hazard_set.flood_given if kind == FLOOD else hazard_set.landslide_given
            for case_id in located:
                results[case_id] = _with_raster_sample(
                    results.get(case_id), kind, samples[case_id], vector_given
                )
    analysis.results = results
    on_progress(85.0)

    for position, (case_id, attributes) in enumerate(zip(cases.ids, cases.attributes)):
        if position % _CANCEL_CHECK_EVERY == 0 and is_cancelled():
            raise _cancelled_error()
        result = results.get(case_id)
        in_flood = result.in_flood if result is not None else None
        in_landslide_zone = result.in_landslide_zone if result is not None else None
        if compute_priorities:
            analysis.priorities[case_id] = _priority_or_none(
                compute_priority,
                case_id,
                attributes["created_at"],
                status=attributes["status"],
                urgency=attributes["urgency"],
                people_count=attributes["people_count"],
                household_count=attributes["household_count"],
                has_children=bool(attributes["has_children"]),
                has_elderly=bool(attributes["has_elderly"]),
                has_disabilities=bool(attributes["has_disabilities"]),
                in_flood=in_flood,
                in_landslide_zone=in_landslide_zone,
                now=now,
                weights=weights,
            )
        if in_flood is True:
            analysis.in_flood += 1
        if in_landslide_zone is True:
            analysis.in_landslide_zone += 1
        if in_flood is None:
            analysis.unknown += 1
    on_progress(100.0)
    return analysis


def _priority_or_none(
    compute_priority: Callable[..., float], case_id: str, created_at: Optional[datetime], **values: Any
) -> Optional[float]:
    # A case whose attributes the formula rejects (a status this version does not know, no created_at) gets
    # no priority rather than stopping the analysis of every other case.
    if created_at is None:
        LOGGER.warning("Case %s has no created_at; its priority is left empty", case_id)
        return None
    try:
        return compute_priority(created_at=created_at, **values)
    except ValueError as error:
        LOGGER.warning("Case %s: priority not computed: %s", case_id, error)
        return None


def _add_zone_class_notes(results: dict[str, Any]) -> None:
    # Add the class texts of the flood zones that contain a case to its note.
    for result in results.values():
        classes = getattr(result, "flood_classes", ())
        if not classes:
            continue
        note = QCoreApplication.translate("SosHazards", "flood zone class: {}").format(", ".join(classes))
        result.note = "; ".join(text for text in (result.note, note) if text)


def _with_raster_sample(result: Any, kind: str, sample: RasterSample, vector_given: bool) -> Any:
    vector_in_zone = None
    if result is not None:
        vector_in_zone = result.in_flood if kind == FLOOD else result.in_landslide_zone
    # A hazard from any source wins. "Not in it" needs every given source to say so, so that an unknown
    # raster sample or an unanalysed vector result never turns into "safe".
    if vector_in_zone is True or sample.in_zone is True:
        in_zone: Optional[bool] = True
    elif sample.in_zone is None or (vector_given and vector_in_zone is None):
        in_zone = None
    else:
        in_zone = False
    note = "; ".join(
        text for text in ((result.note if result is not None else None), raster_note(kind, sample)) if text
    )
    combined = FloodRasterResult(
        in_flood=result.in_flood if result is not None else None,
        flood_event_count=result.flood_event_count if result is not None else None,
        in_landslide_zone=result.in_landslide_zone if result is not None else None,
        landslide_distance_m=result.landslide_distance_m if result is not None else None,
        note=note,
        flood_depth_m=getattr(result, "flood_depth_m", None),
    )
    if kind == FLOOD:
        combined.in_flood = in_zone
        # Only a plausible raster value gives a depth (0 m on a dry cell), and the larger of it and the flood
        # zones' depth wins. Nodata, an implausible value or outside keeps the zones' depth, or NULL.
        if sample.state == SAMPLE_VALUE and sample.value is not None:
            zone_depth = combined.flood_depth_m
            combined.flood_depth_m = sample.value if zone_depth is None else max(zone_depth, sample.value)
    else:
        combined.in_landslide_zone = in_zone
    return combined


def _cancelled_error() -> SosError:
    return SosError(
        QCoreApplication.translate("SosHazards", "The hazard analysis was cancelled."),
        "hazard analysis cancelled",
    )
