"""Communes: locating cases in commune polygons, and the per-commune summary of cases with shapely 2.

Commune geometries are in WGS 84 (lon, lat). Locating is a point-in-polygon test, which needs no metric
CRS. A point on the boundary belongs to a commune. A point on the border shared by several communes goes
to the one that comes first by code (then by name, then by input order), so the result never depends on
the order in which the layer returns its features.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import QT_TRANSLATE_NOOP
from .statuses import OPEN_STATUSES, STATUSES
from .text import vietnamese_sort_key

# GEOS_NOTE: the QGIS executable on Linux loads the system GEOS into the global symbol scope. A shapely
# wheel built against a newer GEOS then binds every GEOS function that the system library also has to the
# system copy, and only the newer ones (intersects_xy and contains_xy need GEOS 3.12) to its own copy.
# Mixing the two crashes QGIS. So this module and core/hazards.py call only functions that GEOS 3.11 has.

LOGGER = logging.getLogger("sos_qgis_plugin")

# Kinds of summary row: one per commune, then one for cases outside every commune and one for cases
# without a location.
ROW_COMMUNE = "commune"
ROW_OUTSIDE = "outside"
ROW_NO_LOCATION = "no_location"

# English names of the two extra rows; the QGIS side translates them in the "SosCommunes" context.
OUTSIDE_LABEL = QT_TRANSLATE_NOOP("SosCommunes", "Outside every commune")
NO_LOCATION_LABEL = QT_TRANSLATE_NOOP("SosCommunes", "No location")


@dataclass(frozen=True)
class Commune:
    """One commune: its code, its name and its geometry (shapely, WGS 84 lon/lat; None when it has none)."""

    code: str
    name: str
    geometry: Any


@dataclass(frozen=True)
class CaseFacts:
    """The attributes of one case that the summary reads: status, counts, hazard flags, WGS 84 location.

    None in a count means the count is unknown, and None in a hazard flag means the case was not analysed
    for that hazard. Neither is ever read as 0 or False.
    """

    status: Optional[str]
    people_count: Optional[int] = None
    household_count: Optional[int] = None
    in_flood: Optional[bool] = None
    in_landslide_zone: Optional[bool] = None
    lon: Optional[float] = None
    lat: Optional[float] = None

    @property
    def has_location(self) -> bool:
        return _finite(self.lon) and _finite(self.lat)


@dataclass
class CommuneSummary:
    """Counts of one summary row. `waiting` means an open status (needs help or in progress).

    `code` is None for the two extra rows, whose `name` is the English label that the QGIS side translates.
    People and household sums add only known counts, and the `*_unknown_cases` fields count the waiting
    cases whose count is unknown, so a reader sees how far the sum falls short.
    """

    kind: str
    code: Optional[str]
    name: str
    cases_by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    cases_total: int = 0
    waiting_cases: int = 0
    people_waiting: int = 0
    people_unknown_cases: int = 0
    households_waiting: int = 0
    households_unknown_cases: int = 0
    flood_cases: int = 0
    flood_people: int = 0
    flood_unknown_cases: int = 0
    landslide_cases: int = 0
    landslide_people: int = 0
    landslide_unknown_cases: int = 0

    def add(self, case: CaseFacts) -> None:
        """Count one case in this row."""
        self.cases_total += 1
        if case.status in self.cases_by_status:
            self.cases_by_status[case.status] += 1
        if case.status not in OPEN_STATUSES:
            return
        self.waiting_cases += 1
        people = _count_or_none(case.people_count)
        households = _count_or_none(case.household_count)
        if people is None:
            self.people_unknown_cases += 1
        else:
            self.people_waiting += people
        if households is None:
            self.households_unknown_cases += 1
        else:
            self.households_waiting += households
        if case.in_flood is None:
            self.flood_unknown_cases += 1
        elif case.in_flood:
            self.flood_cases += 1
            self.flood_people += people or 0
        if case.in_landslide_zone is None:
            self.landslide_unknown_cases += 1
        elif case.in_landslide_zone:
            self.landslide_cases += 1
            self.landslide_people += people or 0


# Columns of the summary table, CSV and XLSX, in order: (field name, English header). The QGIS side shows
# the headers translated in the "SosCommunes" context, and the field names stay English for scripts.
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", QT_TRANSLATE_NOOP("SosCommunes", "Code")),
    ("name", QT_TRANSLATE_NOOP("SosCommunes", "Commune")),
    ("needs_help", QT_TRANSLATE_NOOP("SosCommunes", "Needs help")),
    ("in_progress", QT_TRANSLATE_NOOP("SosCommunes", "In progress")),
    ("supported", QT_TRANSLATE_NOOP("SosCommunes", "Supported")),
    ("unreachable", QT_TRANSLATE_NOOP("SosCommunes", "Unreachable")),
    ("duplicate", QT_TRANSLATE_NOOP("SosCommunes", "Duplicate")),
    ("cases_total", QT_TRANSLATE_NOOP("SosCommunes", "All cases")),
    ("waiting_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting")),
    ("people_waiting", QT_TRANSLATE_NOOP("SosCommunes", "People waiting")),
    ("people_unknown_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting, people unknown")),
    ("households_waiting", QT_TRANSLATE_NOOP("SosCommunes", "Households waiting")),
    ("households_unknown_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting, households unknown")),
    ("flood_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting in flood")),
    ("flood_people", QT_TRANSLATE_NOOP("SosCommunes", "People waiting in flood")),
    ("flood_unknown_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting, flood not analysed")),
    ("landslide_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting in a landslide zone")),
    ("landslide_people", QT_TRANSLATE_NOOP("SosCommunes", "People waiting in a landslide zone")),
    ("landslide_unknown_cases", QT_TRANSLATE_NOOP("SosCommunes", "Cases waiting, landslide not analysed")),  # noqa: E501  # fmt: skip
)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _count_or_none(value: Any) -> Optional[int]:
    """Return a usable head count, or None for a missing, negative or non-integer one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def repair_commune_geometry(geometry: Optional[BaseGeometry]) -> Optional[BaseGeometry]:
    """Return a valid polygonal geometry for a commune, or None when nothing with an area is left.

    An invalid polygon is repaired with make_valid, which keeps every lobe of a self-intersecting ring,
    and only its polygonal parts are kept (a repair may also yield lines and points). A valid polygon or
    multipolygon is returned unchanged. Points, lines and empty or missing geometries give None.
    """
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon") and geometry.is_valid:
        return geometry
    if geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return None
    repaired = shapely.make_valid(geometry) if not geometry.is_valid else geometry
    parts = [
        part
        for part in shapely.get_parts(repaired)
        if part.geom_type in ("Polygon", "MultiPolygon") and not part.is_empty
    ]
    if not parts:
        return None
    return shapely.union_all(parts)


class CommuneIndex:
    """A spatial index of commune polygons (a shapely 2 STRtree) that locates points in them.

    Invalid polygons are repaired with `repair_commune_geometry`. A commune with no area left after repair
    stays in `communes`, so it still gets a summary row, but no point is ever located in it.
    """

    def __init__(self, communes: Sequence[Commune]) -> None:
        self.communes: list[Commune] = []
        self.repaired: list[int] = []
        geometries: list[BaseGeometry] = []
        indexed: list[int] = []
        for position, commune in enumerate(communes):
            geometry = repair_commune_geometry(commune.geometry)
            if geometry is not commune.geometry:
                self.repaired.append(position)
                LOGGER.warning(
                    "Commune %s (%s): geometry %s",
                    commune.code,
                    commune.name,
                    "repaired with make_valid" if geometry is not None else "dropped: no area",
                )
                commune = Commune(commune.code, commune.name, geometry)
            self.communes.append(commune)
            if geometry is not None:
                geometries.append(geometry)
                indexed.append(position)
        self._positions = np.asarray(indexed, dtype=np.int64)
        self._geometries = geometries
        shapely.prepare(geometries)
        self._tree = shapely.STRtree(geometries)
        # The winner on a shared border: the lowest rank, where rank follows (code, name, input order).
        order = sorted(
            range(len(self.communes)), key=lambda i: (self.communes[i].code, self.communes[i].name, i)
        )
        self._rank = np.empty(len(self.communes), dtype=np.int64)
        self._rank[order] = np.arange(len(order), dtype=np.int64)

    def locate(self, lons: Sequence[float], lats: Sequence[float]) -> list[Optional[int]]:
        """Return, per point, the index into `communes` of the commune that contains it, or None.

        Coordinates are WGS 84 degrees. A point on a commune's boundary is inside it, and a point on a
        border shared by several communes goes to the commune first by (code, name, input order). NaN,
        infinite or missing coordinates give None. Raises ValueError when the sequences differ in length.
        It took 0.15 s for 100,000 random points over the 102 communes of Đắk Lắk (406,495 vertices) with
        shapely 2.2 on one core of the development machine.
        """
        if len(lons) != len(lats):
            raise ValueError(f"locate got {len(lons)} longitudes and {len(lats)} latitudes")
        xs = np.asarray([value if _finite(value) else np.nan for value in lons], dtype=float)
        ys = np.asarray([value if _finite(value) else np.nan for value in lats], dtype=float)
        result: list[Optional[int]] = [None] * len(xs)
        if len(xs) == 0 or not self._geometries:
            return result
        usable = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
        points = shapely.points(xs[usable], ys[usable])
        # Bounding-box candidates from the tree, then an exact test per commune on its prepared polygon.
        point_rows, tree_rows = self._tree.query(points)
        hit_points: list[np.ndarray] = []
        hit_communes: list[np.ndarray] = []
        for tree_row in np.unique(tree_rows):
            candidates = point_rows[tree_rows == tree_row]
            polygon = self._geometries[tree_row]
            inside = shapely.intersects(polygon, points[candidates])
            hit_points.append(candidates[inside])
            hit_communes.append(np.full(int(inside.sum()), self._positions[tree_row], dtype=np.int64))
        if not hit_points:
            return result
        points_hit = np.concatenate(hit_points)
        communes_hit = np.concatenate(hit_communes)
        order = np.lexsort((self._rank[communes_hit], points_hit))
        points_hit = points_hit[order]
        communes_hit = communes_hit[order]
        first = np.unique(points_hit, return_index=True)[1]
        for point_row, commune in zip(points_hit[first].tolist(), communes_hit[first].tolist()):
            result[int(usable[point_row])] = commune
        return result


# Results of `compare_extents`.
EXTENTS_OVERLAP = "overlap"
EXTENTS_SWAPPED = "swapped"
EXTENTS_DISJOINT = "disjoint"


def _bounds_of_points(
    lons: Sequence[float], lats: Sequence[float]
) -> Optional[tuple[float, float, float, float]]:
    pairs = [(lon, lat) for lon, lat in zip(lons, lats) if _finite(lon) and _finite(lat)]
    if not pairs:
        return None
    xs = [lon for lon, _ in pairs]
    ys = [lat for _, lat in pairs]
    return min(xs), min(ys), max(xs), max(ys)


def commune_bounds(communes: Sequence[Commune]) -> Optional[tuple[float, float, float, float]]:
    """Return the (xmin, ymin, xmax, ymax) in degrees around every commune geometry, or None without any."""
    boxes = [
        commune.geometry.bounds
        for commune in communes
        if commune.geometry is not None and not commune.geometry.is_empty
    ]
    boxes = [box for box in boxes if all(_finite(value) for value in box)]
    if not boxes:
        return None
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _boxes_overlap(first: tuple[float, ...], second: tuple[float, ...]) -> bool:
    return first[0] <= second[2] and second[0] <= first[2] and first[1] <= second[3] and second[1] <= first[3]


def compare_extents(communes: Sequence[Commune], lons: Sequence[float], lats: Sequence[float]) -> str:
    """Compare the extent of the communes with the extent of the case locations, both WGS 84 degrees.

    Returns EXTENTS_OVERLAP when the two bounding boxes touch or overlap, EXTENTS_SWAPPED when they do not
    but would with the communes' x and y swapped (the admin layer's axis order is likely wrong), and
    EXTENTS_DISJOINT otherwise. Without a commune geometry or a finite case location there is nothing to
    compare, and EXTENTS_OVERLAP is returned. Overlapping boxes do not prove that a case lies in a commune.
    """
    communes_box = commune_bounds(communes)
    cases_box = _bounds_of_points(lons, lats)
    if communes_box is None or cases_box is None or _boxes_overlap(communes_box, cases_box):
        return EXTENTS_OVERLAP
    swapped = (communes_box[1], communes_box[0], communes_box[3], communes_box[2])
    if _boxes_overlap(swapped, cases_box):
        return EXTENTS_SWAPPED
    return EXTENTS_DISJOINT


def summarise_by_commune(
    cases: Sequence[CaseFacts],
    communes: Union[CommuneIndex, Sequence[Commune]],
    assignments: Optional[Sequence[Optional[int]]] = None,
) -> list[CommuneSummary]:
    """Count cases per commune and return one summary row per commune plus the two extra rows.

    `communes` is a CommuneIndex, which locates each case with a location, or a plain list of communes
    with `assignments` giving each case's index into that list (None: not in any commune). Without
    assignments, `communes` must be a CommuneIndex. Rows come in Vietnamese alphabetical order of the
    commune name (then code), followed by the row for cases outside every commune and the row for cases
    without a location. The two extra rows are always present, with zeros when they count nothing.
    Raises ValueError when assignments and cases differ in length or an assignment is out of range.
    """
    commune_list = communes.communes if isinstance(communes, CommuneIndex) else list(communes)
    if assignments is None:
        if not isinstance(communes, CommuneIndex):
            raise ValueError("summarise_by_commune needs a CommuneIndex or assignments")
        located = [case for case in cases if case.has_location]
        found = communes.locate([case.lon for case in located], [case.lat for case in located])
        by_case = {id(case): index for case, index in zip(located, found)}
        assignments = [by_case.get(id(case)) for case in cases]
    if len(assignments) != len(cases):
        raise ValueError(f"summarise_by_commune got {len(cases)} cases and {len(assignments)} assignments")

    rows = [CommuneSummary(ROW_COMMUNE, commune.code, commune.name) for commune in commune_list]
    outside = CommuneSummary(ROW_OUTSIDE, None, OUTSIDE_LABEL)
    no_location = CommuneSummary(ROW_NO_LOCATION, None, NO_LOCATION_LABEL)
    for case, index in zip(cases, assignments):
        if index is not None:
            if not 0 <= index < len(rows):
                raise ValueError(f"commune index {index} is out of range for {len(rows)} communes")
            rows[index].add(case)
        elif case.has_location:
            outside.add(case)
        else:
            no_location.add(case)
    rows.sort(key=lambda row: (vietnamese_sort_key(row.name), row.code or ""))
    return [*rows, outside, no_location]


def summary_row(summary: CommuneSummary) -> dict[str, Any]:
    """Return one summary as a dict keyed by the field names of SUMMARY_COLUMNS (code is "" when None)."""
    values: dict[str, Any] = {"code": summary.code or "", "name": summary.name}
    values.update(summary.cases_by_status)
    for name, _header in SUMMARY_COLUMNS[2 + len(STATUSES) :]:
        values[name] = getattr(summary, name)
    return values


def write_summary_csv(summaries: Sequence[CommuneSummary], path: Union[str, Path]) -> None:
    """Write the summaries as CSV: UTF-8 with a byte order mark, a header of field names, one row each.

    The byte order mark makes Excel read the file as UTF-8, so Vietnamese names show right when the file
    is opened with a double click. Rows are written in the given order. The extra rows carry the names in
    the summaries, which the caller may have translated. Raises OSError when the file cannot be written.
    """
    names = [name for name, _header in SUMMARY_COLUMNS]
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=names)
        writer.writeheader()
        for summary in summaries:
            writer.writerow(summary_row(summary))
