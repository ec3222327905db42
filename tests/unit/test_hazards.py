"""Flood and landslide overlay of cases (core.hazards)."""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from sos_qgis_plugin.core.hazards import (
    MAX_PLAUSIBLE_FLOOD_DEPTH_M,
    HazardResult,
    HazardSet,
    ZoneDetailResult,
    analyse_cases,
    analyse_cases_with_repairs,
    is_plausible_raster_value,
    repair_polygons,
)

SHARED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared"
BOWTIE = Polygon([(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)])
EARTH_RADIUS_M = 6371008.8


def equirectangular(lon: float, lat: float, origin_lat: float = 13.1) -> tuple[float, float]:
    """Project WGS 84 degrees to local equirectangular metres, accurate enough within a few tens of km."""
    x = math.radians(lon) * EARTH_RADIUS_M * math.cos(math.radians(origin_lat))
    y = math.radians(lat) * EARTH_RADIUS_M
    return x, y


def shared_file(*parts: str) -> Path:
    path = SHARED_DIR.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared data sits in ../shared beside the repository")
    return path


def flood(*zones) -> HazardSet:
    return HazardSet(flood_zones=[(f"f{index}", zone) for index, zone in enumerate(zones)], flood_given=True)


# repair_polygons


def test_repair_keeps_both_lobes():
    repaired, _repairs = repair_polygons([("bowtie", BOWTIE)], "flood")
    assert repaired[0][1].area == pytest.approx(5000.0)


def test_repair_result_valid():
    repaired, _repairs = repair_polygons([("bowtie", BOWTIE)], "flood")
    assert repaired[0][1].is_valid


def test_repair_entry_names_feature():
    _repaired, repairs = repair_polygons([("bowtie", BOWTIE)], "flood")
    assert (repairs[0].layer, repairs[0].feature_id) == ("flood", "bowtie")


def test_repair_reason_from_geos():
    _repaired, repairs = repair_polygons([("bowtie", BOWTIE)], "flood")
    assert repairs[0].reason.startswith("Self-intersection[50 50]")


def test_repair_logged_with_id(caplog):
    with caplog.at_level(logging.WARNING, logger="sos_qgis_plugin"):
        repair_polygons([("bowtie-7", BOWTIE)], "flood")
    assert "bowtie-7" in caplog.text


def test_repair_valid_unchanged():
    square = box(0, 0, 10, 10)
    repaired, repairs = repair_polygons([("sq", square)], "flood")
    assert repaired[0][1] is square
    assert repairs == []


def test_repair_drops_empty():
    repaired, repairs = repair_polygons([("e", Polygon())], "flood")
    assert repaired == []
    assert [repair.feature_id for repair in repairs] == ["e"]


def test_repair_drops_collapsed():
    flat = Polygon([(0, 0), (10, 0), (20, 0), (0, 0)])
    repaired, repairs = repair_polygons([("flat", flat)], "landslide")
    assert repaired == []
    assert len(repairs) == 1


def test_repair_drops_non_polygon():
    repaired, repairs = repair_polygons([("p", Point(0, 0))], "flood")
    assert repaired == []
    assert repairs[0].reason == "Point dropped: not a polygon"


def test_repair_keeps_order():
    repaired, _repairs = repair_polygons(
        [("a", box(0, 0, 1, 1)), ("b", BOWTIE), ("c", box(2, 2, 3, 3))], "flood"
    )
    assert [feature_id for feature_id, _geometry in repaired] == ["a", "b", "c"]


# Flood


def test_flood_inside():
    assert analyse_cases([("c1", 5.0, 5.0)], flood(box(0, 0, 10, 10)))["c1"].in_flood is True


def test_flood_outside():
    assert analyse_cases([("c1", 15.0, 5.0)], flood(box(0, 0, 10, 10)))["c1"].in_flood is False


def test_flood_on_edge_counts():
    assert analyse_cases([("c1", 10.0, 5.0)], flood(box(0, 0, 10, 10)))["c1"].in_flood is True


def test_flood_on_vertex_counts():
    assert analyse_cases([("c1", 10.0, 10.0)], flood(box(0, 0, 10, 10)))["c1"].in_flood is True


def test_flood_in_hole_is_dry():
    ring = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    assert analyse_cases([("c1", 5.0, 5.0)], flood(ring))["c1"].in_flood is False


def test_flood_event_count():
    hazards = flood(box(0, 0, 10, 10), box(5, 0, 15, 10), box(100, 100, 110, 110))
    assert analyse_cases([("c1", 7.0, 5.0)], hazards)["c1"].flood_event_count == 2


def test_flood_multipolygon_counts_once():
    zone = MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)])
    assert analyse_cases([("c1", 5.0, 5.0)], flood(zone))["c1"].flood_event_count == 1


def test_flood_not_given_unknown():
    result = analyse_cases([("c1", 5.0, 5.0)], HazardSet())["c1"]
    assert result.in_flood is None
    assert result.flood_event_count is None


def test_flood_given_empty_dry():
    result = analyse_cases([("c1", 5.0, 5.0)], HazardSet(flood_given=True))["c1"]
    assert result.in_flood is False
    assert result.flood_event_count == 0


def test_flood_zones_imply_given():
    hazards = HazardSet(flood_zones=[("f", box(0, 0, 10, 10))])
    assert analyse_cases([("c1", 5.0, 5.0)], hazards)["c1"].in_flood is True


def test_bowtie_both_lobes_flooded():
    hazards = flood(BOWTIE)
    results = analyse_cases([("left", 10.0, 50.0), ("right", 90.0, 50.0)], hazards)
    assert results["left"].in_flood is True
    assert results["right"].in_flood is True


def test_bowtie_repairs_returned():
    _results, repairs = analyse_cases_with_repairs([("c1", 10.0, 50.0)], flood(BOWTIE))
    assert [repair.feature_id for repair in repairs] == ["f0"]


def test_bowtie_shared_files():
    """Both pins of the shared bowtie case fall in the repaired zone, in local equirectangular metres."""
    zone_data = json.loads(shared_file("cases", "bowtie_flood_zone.geojson").read_text(encoding="utf-8"))
    pins = json.loads(shared_file("cases", "bowtie_pins.geojson").read_text(encoding="utf-8"))
    zone = shapely.transform(
        shapely.from_geojson(json.dumps(zone_data["features"][0]["geometry"])),
        lambda coords: np.array([equirectangular(lon, lat) for lon, lat in coords]),
    )
    cases = []
    for pin in pins["features"]:
        x, y = equirectangular(*pin["geometry"]["coordinates"])
        cases.append((pin["properties"]["external_id"], x, y))
    results, repairs = analyse_cases_with_repairs(
        cases, HazardSet(flood_zones=[("bowtie", zone)], flood_given=True)
    )
    assert results["bt-left"].in_flood is True
    assert results["bt-right"].in_flood is True
    assert [repair.feature_id for repair in repairs] == ["bowtie"]


# Landslide


def test_landslide_point_default_radius():
    hazards = HazardSet(landslide_points=[("l1", Point(0, 0), None)], landslide_given=True)
    assert analyse_cases([("c1", 999.0, 0.0)], hazards)["c1"].in_landslide_zone is True


def test_landslide_point_beyond_default():
    hazards = HazardSet(landslide_points=[("l1", Point(0, 0), None)], landslide_given=True)
    assert analyse_cases([("c1", 1001.0, 0.0)], hazards)["c1"].in_landslide_zone is False


def test_landslide_radius_argument():
    hazards = HazardSet(landslide_points=[("l1", Point(0, 0), None)], landslide_given=True)
    result = analyse_cases([("c1", 1500.0, 0.0)], hazards, landslide_radius_m=2000.0)["c1"]
    assert result.in_landslide_zone is True


def test_landslide_own_radius():
    hazards = HazardSet(landslide_points=[("l1", Point(0, 0), 100.0)], landslide_given=True)
    assert analyse_cases([("c1", 150.0, 0.0)], hazards)["c1"].in_landslide_zone is False


def test_landslide_radius_per_point():
    points = [("small", Point(0, 0), 100.0), ("large", Point(10000, 0), 5000.0)]
    hazards = HazardSet(landslide_points=points, landslide_given=True)
    results = analyse_cases([("near_small", 150.0, 0.0), ("near_large", 6000.0, 0.0)], hazards)
    assert results["near_small"].in_landslide_zone is False
    assert results["near_large"].in_landslide_zone is True


def test_landslide_invalid_radius_default():
    hazards = HazardSet(landslide_points=[("l1", Point(0, 0), -5.0)], landslide_given=True)
    assert analyse_cases([("c1", 500.0, 0.0)], hazards)["c1"].in_landslide_zone is True


def test_landslide_polygon_inside():
    hazards = HazardSet(landslide_zones=[("z", box(0, 0, 10, 10))], landslide_given=True)
    assert analyse_cases([("c1", 5.0, 5.0)], hazards)["c1"].in_landslide_zone is True


def test_landslide_polygon_distance_zero():
    hazards = HazardSet(landslide_zones=[("z", box(0, 0, 10, 10))], landslide_given=True)
    assert analyse_cases([("c1", 5.0, 5.0)], hazards)["c1"].landslide_distance_m == 0.0


def test_landslide_polygon_outside():
    hazards = HazardSet(landslide_zones=[("z", box(0, 0, 10, 10))], landslide_given=True)
    assert analyse_cases([("c1", 20.0, 5.0)], hazards)["c1"].in_landslide_zone is False


def test_landslide_nearest_distance():
    hazards = HazardSet(
        landslide_zones=[("z", box(0, 0, 10, 10))],
        landslide_points=[("p", Point(100, 0), 1.0)],
        landslide_given=True,
    )
    assert analyse_cases([("c1", 30.0, 5.0)], hazards)["c1"].landslide_distance_m == pytest.approx(20.0)


def test_landslide_distance_to_point():
    hazards = HazardSet(landslide_points=[("p", Point(0, 0), 1.0)], landslide_given=True)
    assert analyse_cases([("c1", 3.0, 4.0)], hazards)["c1"].landslide_distance_m == pytest.approx(5.0)


def test_landslide_not_given_unknown():
    result = analyse_cases([("c1", 5.0, 5.0)], flood(box(0, 0, 10, 10)))["c1"]
    assert result.in_landslide_zone is None
    assert result.landslide_distance_m is None


def test_landslide_given_empty():
    result = analyse_cases([("c1", 5.0, 5.0)], HazardSet(landslide_given=True))["c1"]
    assert result.in_landslide_zone is False
    assert result.landslide_distance_m is None


def test_landslide_bowtie_repaired():
    hazards = HazardSet(landslide_zones=[("z", BOWTIE)], landslide_given=True)
    assert analyse_cases([("c1", 90.0, 50.0)], hazards)["c1"].in_landslide_zone is True


# Cases without location


def test_no_location_all_unknown():
    hazards = HazardSet(flood_zones=[("f", box(0, 0, 10, 10))], flood_given=True, landslide_given=True)
    result = analyse_cases([("c1", None, None)], hazards)["c1"]
    assert result == HazardResult(None, None, None, None, "no location")


def test_nan_location_unknown():
    assert analyse_cases([("c1", math.nan, 5.0)], flood(box(0, 0, 10, 10)))["c1"].note == "no location"


def test_located_case_has_no_note():
    assert analyse_cases([("c1", 5.0, 5.0)], flood(box(0, 0, 10, 10)))["c1"].note is None


def test_no_cases():
    assert analyse_cases([], flood(box(0, 0, 10, 10))) == {}


def test_only_unlocated_cases():
    hazards = HazardSet(landslide_points=[("p", Point(0, 0), None)], landslide_given=True)
    assert analyse_cases([("c1", None, 1.0)], hazards)["c1"].in_landslide_zone is None


# Real data


def _read_layer(path: Path, transform) -> list:
    from osgeo import ogr

    source = ogr.Open(str(path))
    layer = source.GetLayer(0)
    items = []
    for feature in layer:
        geometry = feature.GetGeometryRef().Clone()
        geometry.Transform(transform)
        items.append((str(feature.GetFID()), shapely.from_wkb(bytes(geometry.ExportToWkb()))))
    return items


def _to_utm49():
    osr = pytest.importorskip("osgeo.osr")
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32649)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return osr.CoordinateTransformation(wgs84, utm)


def _sos_cases(transform) -> list:
    data = json.loads(
        shared_file("data", "sos", "daklak_nov2025_requests.geojson").read_text(encoding="utf-8")
    )
    cases = []
    for index, feature in enumerate(data["features"]):
        lon, lat = feature["geometry"]["coordinates"][:2]
        x, y, _z = transform.TransformPoint(lon, lat)
        cases.append((f"{index}:{feature['properties']['external_id']}", x, y))
    return cases


@pytest.mark.realdata
def test_dfo_counts_match_pairwise():
    """Compare analyse_cases with a plain pairwise intersects count, both in UTM zone 49N metres."""
    pytest.importorskip("osgeo.ogr")
    transform = _to_utm49()
    zones = _read_layer(shared_file("data", "hazards", "dfo_flood_events_daklak_1986_2018.gpkg"), transform)
    cases = _sos_cases(transform)
    results = analyse_cases(cases, HazardSet(flood_zones=zones, flood_given=True))

    valid_zones = [shapely.make_valid(geometry) for _id, geometry in zones]
    expected = {case_id: sum(Point(x, y).intersects(zone) for zone in valid_zones) for case_id, x, y in cases}
    actual = {case_id: result.flood_event_count for case_id, result in results.items()}
    assert len(cases) == 591
    assert actual == expected
    assert sum(1 for count in actual.values() if count) > 0


@pytest.mark.realdata
def test_analysis_100k_cases_fast():
    """Time 100,000 random cases against the 42 DFO flood events and 116 NASA landslides (UTM 49N)."""
    pytest.importorskip("osgeo.ogr")
    transform = _to_utm49()
    zones = _read_layer(shared_file("data", "hazards", "dfo_flood_events_daklak_1986_2018.gpkg"), transform)
    landslides = _read_layer(shared_file("data", "hazards", "nasa_glc_vietnam_2007_2016.gpkg"), transform)
    hazards = HazardSet(
        flood_zones=zones,
        landslide_points=[(feature_id, geometry, None) for feature_id, geometry in landslides],
        flood_given=True,
        landslide_given=True,
    )
    sos = _sos_cases(transform)
    xs = [x for _id, x, _y in sos]
    ys = [y for _id, _x, y in sos]
    generator = np.random.default_rng(7)
    cases = list(
        zip(
            (f"c{index}" for index in range(100_000)),
            generator.uniform(min(xs), max(xs), 100_000).tolist(),
            generator.uniform(min(ys), max(ys), 100_000).tolist(),
        )
    )
    started = time.perf_counter()
    results = analyse_cases(cases, hazards)
    elapsed = time.perf_counter() - started
    assert len(results) == 100_000
    # A generous bound so that slow CI machines pass; about 1 s is typical on a laptop.
    assert elapsed < 15.0, f"analyse_cases took {elapsed:.1f} s"


# is_plausible_raster_value


@pytest.mark.parametrize("depth", [0.0, 0.5, MAX_PLAUSIBLE_FLOOD_DEPTH_M])
def test_plausible_depth(depth):
    assert is_plausible_raster_value("flood", depth)


@pytest.mark.parametrize("depth", [-9999.0, -0.5, MAX_PLAUSIBLE_FLOOD_DEPTH_M + 1, 1e30, math.inf, math.nan])
def test_implausible_depth(depth):
    assert not is_plausible_raster_value("flood", depth)


@pytest.mark.parametrize("index", [0.0, 0.7, 100.0])
def test_plausible_index(index):
    assert is_plausible_raster_value("landslide", index)


@pytest.mark.parametrize("index", [-9999.0, -0.01, math.inf, -math.inf, math.nan])
def test_implausible_index(index):
    assert not is_plausible_raster_value("landslide", index)


# flood zone depth and class


def zoned(details: dict) -> HazardSet:
    zones = [("shallow", box(0, 0, 100, 100)), ("deep", box(50, 0, 150, 100))]
    return HazardSet(flood_zones=zones, flood_given=True, flood_zone_details=details)


def test_zone_depth_largest():
    details = {"shallow": (1.0, None), "deep": (2.5, None)}

    result = analyse_cases([("c", 75.0, 50.0)], zoned(details))["c"]

    assert result.flood_depth_m == 2.5


def test_zone_depth_one_zone():
    details = {"shallow": (1.0, None), "deep": (2.5, None)}

    result = analyse_cases([("c", 25.0, 50.0)], zoned(details))["c"]

    assert result.flood_depth_m == 1.0


def test_zone_classes_listed():
    details = {"shallow": (None, "low"), "deep": (None, "high")}

    result = analyse_cases([("c", 75.0, 50.0)], zoned(details))["c"]

    assert result.flood_classes == ("low", "high")


def test_zone_outside_no_depth():
    details = {"shallow": (1.0, "low")}

    result = analyse_cases([("c", 500.0, 50.0)], zoned(details))["c"]

    assert isinstance(result, ZoneDetailResult)
    assert result.in_flood is False
    assert result.flood_depth_m is None
    assert result.flood_classes == ()


@pytest.mark.parametrize("depth", [-9999.0, math.inf, 1e30])
def test_zone_implausible_depth_ignored(depth):
    details = {"shallow": (depth, None)}

    result = analyse_cases([("c", 25.0, 50.0)], zoned(details))["c"]

    assert result.in_flood is True
    assert result.flood_depth_m is None


def test_no_details_plain_result():
    result = analyse_cases([("c", 25.0, 50.0)], zoned({}))["c"]

    assert type(result) is HazardResult
