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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

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


def tag_hazard_layer(layer: QgsMapLayer, kind: str) -> None:
    """Mark a project layer as a flood or landslide hazard layer; raise ValueError for another kind."""
    if kind not in HAZARD_KINDS:
        raise ValueError("hazard kind must be one of {}, not {!r}".format(", ".join(HAZARD_KINDS), kind))
    layer.setCustomProperty(HAZARD_KIND_PROPERTY, kind)


def untag_hazard_layer(layer: QgsMapLayer) -> None:
    """Remove the hazard mark from a layer; a layer without it is left as it is."""
    layer.removeCustomProperty(HAZARD_KIND_PROPERTY)


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
    if isinstance(layer, QgsVectorLayer):
        names = layer.fields().names()
        radius_field = next((name for name in RADIUS_FIELDS if name in names), None)
        return HazardSourceSnapshot(
            layer_id=layer.id(),
            name=layer.name(),
            kind=kind,
            crs=layer.crs(),
            vector_source=QgsVectorLayerFeatureSource(layer),
            geometry_type=layer.geometryType(),
            radius_field=radius_field,
        )
    if isinstance(layer, QgsRasterLayer) and kind == FLOOD:
        # A cloned provider belongs to the thread that uses it; the layer's own provider stays on the main
        # thread.
        return HazardSourceSnapshot(
            layer_id=layer.id(),
            name=layer.name(),
            kind=kind,
            crs=layer.crs(),
            raster_provider=layer.dataProvider().clone(),
        )
    warnings.append(
        QCoreApplication.translate(
            "SosHazards",
            "The layer {} cannot be used as a landslide layer: only vector layers are supported.",
        ).format(layer.name())
    )
    return None


def snapshot_case_source(layer: QgsVectorLayer) -> QgsVectorLayerFeatureSource:
    """Return a thread-safe feature source of the case layer. Call on the main thread."""
    return QgsVectorLayerFeatureSource(layer)


def read_case_snapshot(
    source: Any,
    source_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    selected_ids: Optional[Sequence[int]] = None,
) -> CaseSnapshot:
    """Read case ids, WGS 84 points and priority attributes from a feature source. Runs on any thread.

    `selected_ids` limits the read to those feature ids. Features without an `id` value are skipped.
    """
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    to_wgs84 = QgsCoordinateTransform(source_crs, wgs84, transform_context)
    request = QgsFeatureRequest()
    if selected_ids is not None:
        request.setFilterFids(list(selected_ids))
    snapshot = CaseSnapshot()
    for feature in source.getFeatures(request):
        case_id = feature["id"]
        if case_id is None or case_id == NULL:
            continue
        point: Optional[tuple[float, float]] = None
        geometry = feature.geometry()
        if not geometry.isNull() and not geometry.isEmpty():
            xy = geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
            if source_crs != wgs84:
                xy = to_wgs84.transform(xy)
            point = (xy.x(), xy.y())
        snapshot.ids.append(str(case_id))
        snapshot.points.append(point)
        snapshot.attributes.append({name: _python_value(feature[name]) for name in PRIORITY_FIELDS})
    return snapshot


def _python_value(value: Any) -> Any:
    if value is None or value == NULL:
        return None
    converted = from_qdatetime(value)
    return converted if converted is not None else value


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
            if geometry_type == QgsWkbTypes.GeometryType.PolygonGeometry:
                target = flood_zones if snapshot.kind == FLOOD else landslide_zones
                target.append((feature_id, _shapely_from_qgs(geometry)))
            elif geometry_type == QgsWkbTypes.GeometryType.PointGeometry and snapshot.kind == LANDSLIDE:
                radius = _radius_of(feature, snapshot.radius_field)
                for index, part in enumerate(geometry.constParts()):
                    part_id = feature_id if index == 0 else f"{feature_id}#{index}"
                    landslide_points.append((part_id, _shapely_from_qgs(QgsGeometry(part.clone())), radius))
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
    )
    return hazard_set, warnings


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


# --- flood rasters ---------------------------------------------------------------------------------------


def sample_flood_rasters(
    snapshots: Sequence[HazardSourceSnapshot],
    points: dict[str, tuple[float, float]],
    transform_context: QgsCoordinateTransformContext,
) -> dict[str, tuple[Optional[bool], Optional[float]]]:
    """Sample flood depth rasters (band 1, metres) at WGS 84 case points. Runs on any thread.

    Returns {case id: (in_flood, depth_m)}: a value above 0 is in flood with that depth, 0 or below is not
    in flood, and nodata or a point outside every raster is unknown (None, None), never a depth of 0 m. With
    several rasters, a flooded sample wins over a dry one, and a dry one over unknown; the depth is the
    largest sampled. NOTE: this samples single pixels only. Depth classes, resampling and a minimum depth
    threshold are not handled.
    """
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    samples: dict[str, tuple[Optional[bool], Optional[float]]] = {case_id: (None, None) for case_id in points}
    for snapshot in snapshots:
        provider = snapshot.raster_provider
        if provider is None:
            continue
        transform = QgsCoordinateTransform(wgs84, snapshot.crs, transform_context)
        extent = provider.extent()
        for case_id, (lon, lat) in points.items():
            try:
                point = transform.transform(QgsPointXY(lon, lat))
            except QgsCsException:
                continue
            if not extent.contains(point):
                continue
            value, ok = provider.sample(point, 1)
            if not ok or value is None or math.isnan(value):
                continue
            in_flood, depth = samples[case_id]
            if value > 0:
                samples[case_id] = (True, max(value, depth or 0.0))
            elif in_flood is None:
                samples[case_id] = (False, None)
    return samples


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


def analyse_snapshots(
    cases: CaseSnapshot,
    snapshots: Sequence[HazardSourceSnapshot],
    radius_m: float,
    transform_context: QgsCoordinateTransformContext,
    now: Optional[datetime] = None,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float], None] = lambda percent: None,
) -> HazardAnalysis:
    """Analyse the cases against the hazard snapshots and compute their priorities. Runs on any thread.

    Case points are reprojected to the UTM zone of the cases, as are the hazard layers. Cases without location
    get no hazard result (unknown) but still a priority. `radius_m` is the landslide search radius in metres.
    Raises SosError when cancelled or when core.hazards fails.
    """
    from .core.hazards import analyse_cases_with_repairs
    from .core.priority import compute_priority

    now = now or datetime.now(timezone.utc)
    analysis = HazardAnalysis(analysed_at=now)
    located = {case_id: point for case_id, point in zip(cases.ids, cases.points) if point is not None}
    on_progress(5.0)

    results: dict[str, Any] = {}
    if located:
        lons = [point[0] for point in located.values()]
        lats = [point[1] for point in located.values()]
        dest_crs = analysis_crs_for_points(lons, lats)
        hazard_set, warnings = build_hazard_set_from_snapshots(
            snapshots, dest_crs, transform_context, is_cancelled
        )
        analysis.warnings.extend(warnings)
        on_progress(40.0)
        transform = QgsCoordinateTransform(
            QgsCoordinateReferenceSystem("EPSG:4326"), dest_crs, transform_context
        )
        metric_cases: list[tuple[str, Optional[float], Optional[float]]] = []
        for case_id, point in zip(cases.ids, cases.points):
            if point is None:
                # core.hazards gives a case without location an all-unknown result with the note "no
                # location".
                metric_cases.append((case_id, None, None))
                continue
            xy = transform.transform(QgsPointXY(point[0], point[1]))
            metric_cases.append((case_id, xy.x(), xy.y()))
        if is_cancelled():
            raise _cancelled_error()
        results, analysis.repairs = analyse_cases_with_repairs(
            metric_cases, hazard_set, landslide_radius_m=radius_m
        )
        on_progress(70.0)

        raster_snapshots = [snapshot for snapshot in snapshots if snapshot.raster_provider is not None]
        if raster_snapshots:
            samples = sample_flood_rasters(raster_snapshots, located, transform_context)
            for case_id in located:
                results[case_id] = _with_raster_sample(
                    results.get(case_id), samples[case_id], hazard_set.flood_given
                )
    analysis.results = results
    on_progress(85.0)

    for case_id, attributes in zip(cases.ids, cases.attributes):
        if is_cancelled():
            raise _cancelled_error()
        result = results.get(case_id)
        in_flood = result.in_flood if result is not None else None
        in_landslide_zone = result.in_landslide_zone if result is not None else None
        analysis.priorities[case_id] = _priority_or_none(
            compute_priority,
            case_id,
            status=attributes["status"],
            urgency=attributes["urgency"],
            people_count=attributes["people_count"],
            household_count=attributes["household_count"],
            has_children=bool(attributes["has_children"]),
            has_elderly=bool(attributes["has_elderly"]),
            has_disabilities=bool(attributes["has_disabilities"]),
            created_at=attributes["created_at"],
            in_flood=in_flood,
            in_landslide_zone=in_landslide_zone,
            now=now,
        )
        if in_flood is True:
            analysis.in_flood += 1
        if in_landslide_zone is True:
            analysis.in_landslide_zone += 1
        if in_flood is None:
            analysis.unknown += 1
    on_progress(100.0)
    return analysis


def _priority_or_none(compute_priority: Callable[..., float], case_id: str, **values: Any) -> Optional[float]:
    # A case whose attributes the formula rejects (a status this version does not know, no created_at) gets
    # no priority rather than stopping the analysis of every other case.
    if values["created_at"] is None:
        LOGGER.warning("Case %s has no created_at; its priority is left empty", case_id)
        return None
    try:
        return compute_priority(**values)
    except ValueError as error:
        LOGGER.warning("Case %s: priority not computed: %s", case_id, error)
        return None


def _with_raster_sample(
    result: Any, sample: tuple[Optional[bool], Optional[float]], vector_flood_given: bool
) -> Any:
    raster_in_flood, depth = sample
    vector_in_flood = result.in_flood if result is not None else None
    # A flood from any source wins. "Not in flood" needs every given source to say so, so that an unknown
    # raster sample or an unanalysed vector result never turns into "safe".
    if vector_in_flood is True or raster_in_flood is True:
        in_flood: Optional[bool] = True
    elif raster_in_flood is None or (vector_flood_given and vector_in_flood is None):
        in_flood = None
    else:
        in_flood = False
    return FloodRasterResult(
        in_flood=in_flood,
        flood_event_count=result.flood_event_count if result is not None else None,
        in_landslide_zone=result.in_landslide_zone if result is not None else None,
        landslide_distance_m=result.landslide_distance_m if result is not None else None,
        note=(result.note if result is not None else "") or "",
        flood_depth_m=depth,
    )


def _cancelled_error() -> SosError:
    return SosError(
        QCoreApplication.translate("SosHazards", "The hazard analysis was cancelled."),
        "hazard analysis cancelled",
    )
