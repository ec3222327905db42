"""Flood and landslide overlay of cases with shapely 2.

Every geometry and coordinate given to this module must be in one metric projected CRS chosen by the
caller (the plugin uses the UTM zone of the cases), so distances and radii are in metres. The overlay is
vectorised: cases go into one STRtree, each hazard geometry queries it, and each hazard polygon is
prepared once and tested against all its candidate cases in one call.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

LOGGER = logging.getLogger("sos_qgis_plugin")

NOTE_NO_LOCATION = "no location"

# Largest raster value read as a flood depth, in metres of water above the ground. No river flood comes
# near it, so a larger value is a fill value (1e30, 3.4e38), an undeclared nodata or an elevation given as
# a depth. The limit is an estimate with a wide margin.
MAX_PLAUSIBLE_FLOOD_DEPTH_M = 50.0


def is_plausible_raster_value(kind: str, value: float) -> bool:
    """Return True when a raster value can be a real reading of that hazard kind.

    For kind "flood" the value is a depth in metres and must lie in 0..MAX_PLAUSIBLE_FLOOD_DEPTH_M, so an
    undeclared nodata such as -9999, a negative depth or 1e30 is not plausible. For any other kind (a
    landslide susceptibility index) the value must be 0 or more. NaN and infinities are never plausible.
    """
    if not math.isfinite(value):
        return False
    if kind == "flood":
        return 0.0 <= value <= MAX_PLAUSIBLE_FLOOD_DEPTH_M
    return value >= 0.0


@dataclass
class HazardSet:
    """Hazard geometries for one analysis, in the caller's metric CRS.

    `flood_given` and `landslide_given` record whether the user supplied that kind of layer at all. A given
    layer with no features means "no hazard of this kind here", and a layer not given means "unknown".
    """

    flood_zones: list[tuple[str, BaseGeometry]] = field(default_factory=list)
    landslide_zones: list[tuple[str, BaseGeometry]] = field(default_factory=list)
    landslide_points: list[tuple[str, BaseGeometry, float | None]] = field(default_factory=list)
    flood_given: bool = False
    landslide_given: bool = False
    # Flood zone id -> (depth in metres or None, class text or None), for zones whose layer has a depth or
    # class field.
    flood_zone_details: dict[str, tuple[float | None, str | None]] = field(default_factory=dict)


@dataclass
class HazardResult:
    """Hazard overlay of one case. None means unknown: no location, or that hazard kind was not given."""

    __slots__ = ("in_flood", "flood_event_count", "in_landslide_zone", "landslide_distance_m", "note")

    in_flood: bool | None
    flood_event_count: int | None
    in_landslide_zone: bool | None
    landslide_distance_m: float | None
    note: str | None


@dataclass
class ZoneDetailResult(HazardResult):
    """Hazard overlay of one case with the depth and classes of the flood zones that contain it.

    flood_depth_m is the largest plausible depth in metres of those zones (None when none has one), and
    flood_classes the distinct class texts of those zones in zone order.
    """

    __slots__ = ("flood_depth_m", "flood_classes")

    flood_depth_m: float | None
    flood_classes: tuple[str, ...]


@dataclass
class Repair:
    """A hazard polygon that was repaired or dropped: its layer, feature id, and the GEOS validity reason."""

    layer: str
    feature_id: str
    reason: str


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry | None:
    """Keep only the polygons of a geometry (a repaired polygon can also yield lines and points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return None if geometry.is_empty else geometry
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon") and not part.is_empty
    ]
    if not polygons:
        return None
    return shapely.union_all(polygons)


def repair_polygons(
    items: list[tuple[str, BaseGeometry]], layer: str
) -> tuple[list[tuple[str, BaseGeometry]], list[Repair]]:
    """Repair invalid hazard polygons with make_valid and drop those with no area left.

    A self-intersecting polygon such as a bowtie becomes a MultiPolygon that keeps both lobes (buffer(0)
    would keep one). Only polygonal parts are kept. Valid polygons are returned unchanged, in input order.
    Each repaired or dropped polygon gets one Repair entry with the GEOS reason (for example
    "Self-intersection[109.3 13.1]") and one log warning with the layer name and feature id. Missing,
    empty or non-polygonal geometries are dropped with a Repair entry.
    """
    valid_items: list[tuple[str, BaseGeometry]] = []
    repairs: list[Repair] = []
    for feature_id, geometry in items:
        if geometry is None or geometry.is_empty:
            repairs.append(Repair(layer, feature_id, "empty geometry dropped"))
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            repairs.append(Repair(layer, feature_id, f"{geometry.geom_type} dropped: not a polygon"))
            continue
        if geometry.is_valid and geometry.geom_type != "GeometryCollection":
            valid_items.append((feature_id, geometry))
            continue

        reason = "GeometryCollection" if geometry.is_valid else shapely.is_valid_reason(geometry)
        polygonal = _polygonal_part(shapely.make_valid(geometry))
        if polygonal is None:
            repairs.append(Repair(layer, feature_id, f"{reason}; dropped: no area left after repair"))
        else:
            repairs.append(Repair(layer, feature_id, f"{reason}; repaired with make_valid"))
            valid_items.append((feature_id, polygonal))
    for repair in repairs:
        LOGGER.warning("Hazard layer %s, feature %s: %s", repair.layer, repair.feature_id, repair.reason)
    return valid_items, repairs


def _count_covering(polygons: list[BaseGeometry], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Count, per case, the polygons that contain the case or touch it with their boundary.

    Each polygon takes the cases inside its bounding box with a numpy mask, then tests them with
    intersects on the prepared polygon. On the 42 overlapping DFO flood outlines of Đắk Lắk and 100,000
    points this takes about 0.05 s, less than building an STRtree of the points.
    """
    counts = np.zeros(len(xs), dtype=np.int64)
    # Point geometries rather than intersects_xy: see GEOS_NOTE in core/communes.py.
    points = shapely.points(xs, ys)
    for polygon in polygons:
        xmin, ymin, xmax, ymax = polygon.bounds
        candidates = np.flatnonzero((xs >= xmin) & (xs <= xmax) & (ys >= ymin) & (ys <= ymax))
        if len(candidates) == 0:
            continue
        was_prepared = bool(shapely.is_prepared(polygon))
        shapely.prepare(polygon)
        hits = shapely.intersects(polygon, points[candidates])
        if not was_prepared:
            shapely.destroy_prepared(polygon)
        counts[candidates[hits]] += 1
    return counts


def _zone_details(
    zones: list[tuple[str, BaseGeometry]],
    details: dict[str, tuple[float | None, str | None]],
    xs: np.ndarray,
    ys: np.ndarray,
) -> tuple[np.ndarray, list[list[str]]]:
    """Return, per case, the largest depth (NaN for none) and the classes of the flood zones containing it."""
    depths = np.full(len(xs), np.nan)
    classes: list[list[str]] = [[] for _ in range(len(xs))]
    points = shapely.points(xs, ys)
    for zone_id, polygon in zones:
        depth, zone_class = details.get(zone_id, (None, None))
        if depth is not None and not is_plausible_raster_value("flood", depth):
            LOGGER.warning("Flood zone %s has an implausible depth %r m; it is ignored", zone_id, depth)
            depth = None
        if depth is None and not zone_class:
            continue
        xmin, ymin, xmax, ymax = polygon.bounds
        candidates = np.flatnonzero((xs >= xmin) & (xs <= xmax) & (ys >= ymin) & (ys <= ymax))
        if len(candidates) == 0:
            continue
        hits = candidates[shapely.intersects(polygon, points[candidates])]
        if depth is not None:
            depths[hits] = np.fmax(depths[hits], depth)
        if zone_class:
            for index in hits.tolist():
                if zone_class not in classes[index]:
                    classes[index].append(zone_class)
    return depths, classes


# Above this many landslide points, the distances are found with an STRtree instead of point by point.
_BRUTE_FORCE_POINTS = 2000


def _near_points(
    point_xy: np.ndarray, radii: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per case, whether it lies within some point's radius, and its distance to the nearest point.

    Distances are in the units of the coordinates (metres). A few points are compared with every case in
    numpy; many points go through an STRtree.
    """
    if len(point_xy) <= _BRUTE_FORCE_POINTS:
        near = np.zeros(len(xs), dtype=bool)
        nearest_squared = np.full(len(xs), np.inf)
        squared = np.empty(len(xs))
        dy = np.empty(len(xs))
        for (px, py), radius in zip(point_xy.tolist(), radii.tolist()):
            np.subtract(xs, px, out=squared)
            np.multiply(squared, squared, out=squared)
            np.subtract(ys, py, out=dy)
            np.multiply(dy, dy, out=dy)
            np.add(squared, dy, out=squared)
            near |= squared <= radius * radius
            np.minimum(nearest_squared, squared, out=nearest_squared)
        return near, np.sqrt(nearest_squared)
    case_points = shapely.points(xs, ys)
    case_tree = shapely.STRtree(case_points)
    point_geometries = shapely.points(point_xy)
    pairs = case_tree.query(point_geometries, predicate="dwithin", distance=radii)
    near = np.zeros(len(xs), dtype=bool)
    near[pairs[1]] = True
    point_tree = shapely.STRtree(point_geometries)
    _indexes, nearest = point_tree.query_nearest(case_points, return_distance=True, all_matches=False)
    return near, np.asarray(nearest, dtype=float)


def _landslide_radii(points: list[tuple[str, BaseGeometry, float | None]], default_m: float) -> np.ndarray:
    radii = np.empty(len(points), dtype=float)
    for index, (feature_id, _geometry, radius) in enumerate(points):
        if radius is None:
            radii[index] = default_m
        elif not math.isfinite(radius) or radius < 0:
            LOGGER.warning(
                "Landslide point %s has an invalid danger radius %r; using the default of %s m",
                feature_id,
                radius,
                default_m,
            )
            radii[index] = default_m
        else:
            radii[index] = radius
    return radii


def analyse_cases_with_repairs(
    cases: list[tuple[str, float | None, float | None]],
    hazards: HazardSet,
    *,
    landslide_radius_m: float = 1000.0,
) -> tuple[dict[str, HazardResult], list[Repair]]:
    """Overlay cases on flood and landslide hazards, and report the hazard polygons that were repaired.

    `cases` are (case id, x, y) in the metric CRS of `hazards`. A case whose x or y is None or not finite
    has no location, so its result is all None with the note "no location". For each located case:

    - in_flood: the case lies inside or on the boundary of a flood polygon; flood_event_count: how many
      flood polygons cover it.
    - in_landslide_zone: the case lies inside or on a landslide polygon, or within the danger radius of a
      landslide point (its own radius in metres, or `landslide_radius_m` when it has none).
    - landslide_distance_m: distance in metres to the nearest landslide polygon or point, 0 inside a
      polygon, None when the landslide layer has no features.
    - when `hazards.flood_zone_details` is not empty, each located case gets a ZoneDetailResult whose
      flood_depth_m is the largest plausible depth of the flood zones containing it and flood_classes
      their class texts. A depth that is_plausible_raster_value rejects is ignored with a log warning.

    A hazard kind that was not given (its `*_given` flag false and its lists empty) leaves its fields None,
    meaning unknown, never False. Invalid polygons are repaired first with repair_polygons. When a case id
    appears twice, the later case's result is kept.
    """
    flood_zones, flood_repairs = repair_polygons(hazards.flood_zones, "flood")
    landslide_zones, landslide_repairs = repair_polygons(hazards.landslide_zones, "landslide")
    landslide_points = [
        item for item in hazards.landslide_points if item[1] is not None and not item[1].is_empty
    ]
    flood_known = hazards.flood_given or bool(hazards.flood_zones)
    landslide_known = (
        hazards.landslide_given or bool(hazards.landslide_zones) or bool(hazards.landslide_points)
    )

    results: dict[str, HazardResult] = {}
    all_ids = [case_id for case_id, _x, _y in cases]
    # None becomes NaN, so a case without location is one whose x or y is not finite.
    all_x = np.array([x for _id, x, _y in cases], dtype=float)
    all_y = np.array([y for _id, _x, y in cases], dtype=float)
    located = np.isfinite(all_x) & np.isfinite(all_y)
    for index in np.flatnonzero(~located).tolist():
        results[all_ids[index]] = HazardResult(None, None, None, None, NOTE_NO_LOCATION)
    located_ids = [all_ids[index] for index in np.flatnonzero(located).tolist()]
    x_array = all_x[located]
    y_array = all_y[located]
    count = len(located_ids)

    flood_counts = _count_covering([geometry for _id, geometry in flood_zones], x_array, y_array)
    landslide_polygons = [geometry for _id, geometry in landslide_zones]
    in_landslide = _count_covering(landslide_polygons, x_array, y_array) > 0
    distances = np.full(count, np.nan)
    if landslide_points and count:
        radii = _landslide_radii(landslide_points, landslide_radius_m)
        point_xy = shapely.get_coordinates([geometry for _id, geometry, _radius in landslide_points])
        near, nearest = _near_points(point_xy, radii, x_array, y_array)
        in_landslide |= near
        distances = nearest
    if landslide_polygons and count:
        polygon_tree = shapely.STRtree(landslide_polygons)
        case_points = shapely.points(x_array, y_array)
        (case_index, _nearest), polygon_distances = polygon_tree.query_nearest(
            case_points, return_distance=True, all_matches=False
        )
        distances[case_index] = np.fmin(distances[case_index], polygon_distances)

    in_flood_list = (flood_counts > 0).tolist()
    flood_count_list = flood_counts.tolist()
    in_landslide_list = in_landslide.tolist()
    distance_list = distances.tolist()
    zone_depths: list[float] | None = None
    zone_classes: list[list[str]] = []
    if hazards.flood_zone_details and count:
        depth_array, zone_classes = _zone_details(flood_zones, hazards.flood_zone_details, x_array, y_array)
        zone_depths = depth_array.tolist()
    for index, case_id in enumerate(located_ids):
        distance = distance_list[index]
        # Positional arguments: in_flood, flood_event_count, in_landslide_zone, landslide_distance_m, note.
        values = (
            in_flood_list[index] if flood_known else None,
            flood_count_list[index] if flood_known else None,
            in_landslide_list[index] if landslide_known else None,
            distance if landslide_known and not math.isnan(distance) else None,
            None,
        )
        if zone_depths is None:
            results[case_id] = HazardResult(*values)
        else:
            depth = zone_depths[index]
            results[case_id] = ZoneDetailResult(
                *values, None if math.isnan(depth) else depth, tuple(zone_classes[index])
            )
    return results, flood_repairs + landslide_repairs


def analyse_cases(
    cases: list[tuple[str, float | None, float | None]],
    hazards: HazardSet,
    *,
    landslide_radius_m: float = 1000.0,
) -> dict[str, HazardResult]:
    """Overlay cases on flood and landslide hazards, following the rules of analyse_cases_with_repairs.

    Repairs of invalid hazard polygons are logged; call analyse_cases_with_repairs to receive them too.
    """
    results, _repairs = analyse_cases_with_repairs(cases, hazards, landslide_radius_m=landslide_radius_m)
    return results
