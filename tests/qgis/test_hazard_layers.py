"""Hazard layers: tagging, UTM choice, reprojection from any CRS, the bowtie polygon, flood rasters."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from sos_qgis_plugin.hazard_layers import (
    FLOOD,
    LANDSLIDE,
    CaseSnapshot,
    HazardRole,
    analyse_snapshots,
    analysis_crs_for_points,
    build_hazard_set,
    hazard_role,
    sample_flood_rasters,
    snapshot_hazard_sources,
    tag_hazard_layer,
    tagged_hazard_layers,
    untag_hazard_layer,
)

# Bowtie pins: one in each lobe of the self-intersecting flood polygon, plus one outside it.
PINS = {"left": (109.22, 13.1), "right": (109.38, 13.1), "outside": (109.6, 13.1)}


def _bowtie_layer(shared_dir: Path) -> QgsVectorLayer:
    path = shared_dir / "cases" / "bowtie_flood_zone.geojson"
    layer = QgsVectorLayer(str(path), "bowtie", "ogr")
    assert layer.isValid()
    return layer


def _reprojected(layer: QgsVectorLayer, authid: str, folder: Path) -> QgsVectorLayer:
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.ct = QgsCoordinateTransform(
        layer.crs(), QgsCoordinateReferenceSystem(authid), QgsProject.instance()
    )
    path = str(folder / "flood_{}.gpkg".format(authid.replace(":", "_")))
    error, message, _, _ = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, path, QgsProject.instance().transformContext(), options
    )
    assert error == QgsVectorFileWriter.WriterError.NoError, message
    reprojected = QgsVectorLayer(path, authid, "ogr")
    assert reprojected.crs().authid() == authid
    return reprojected


def _pin_cases(pins: dict = PINS) -> CaseSnapshot:
    cases = CaseSnapshot()
    for case_id, point in pins.items():
        cases.ids.append(case_id)
        cases.points.append(point)
        cases.attributes.append(
            {
                "status": "needs_help",
                "urgency": None,
                "people_count": 3,
                "household_count": None,
                "has_children": False,
                "has_elderly": False,
                "has_disabilities": False,
                "created_at": datetime(2025, 11, 19, tzinfo=timezone.utc),
            }
        )
    return cases


def _analyse(flood_layers=(), landslide_layers=(), pins: dict = PINS, radius_m: float = 1000.0):
    snapshots, warnings = snapshot_hazard_sources(list(flood_layers), list(landslide_layers))
    assert warnings == []
    return analyse_snapshots(_pin_cases(pins), snapshots, radius_m, QgsProject.instance().transformContext())


def test_utm_zone_for_vietnam(qgis_app):
    crs = analysis_crs_for_points([108.0, 109.3], [12.7, 13.1])

    assert crs.authid() == "EPSG:32649"


def test_utm_zone_south(qgis_app):
    crs = analysis_crs_for_points([-47.9], [-15.8])

    assert crs.authid() == "EPSG:32723"


def test_utm_zone_no_points(qgis_app):
    from sos_qgis_plugin.core.errors import SosError

    with pytest.raises(SosError):
        analysis_crs_for_points([], [])


def test_tagged_layers_listed(qgis_new_project, shared_dir):
    flood = _bowtie_layer(shared_dir)
    other = _bowtie_layer(shared_dir)
    QgsProject.instance().addMapLayers([flood, other])

    tag_hazard_layer(flood, FLOOD)

    assert tagged_hazard_layers(FLOOD) == [flood]
    assert tagged_hazard_layers(LANDSLIDE) == []


def test_untagged_layer_not_listed(qgis_new_project, shared_dir):
    flood = _bowtie_layer(shared_dir)
    QgsProject.instance().addMapLayer(flood)
    tag_hazard_layer(flood, FLOOD)

    untag_hazard_layer(flood)

    assert tagged_hazard_layers(FLOOD) == []


def test_tag_unknown_kind(qgis_app, shared_dir):
    with pytest.raises(ValueError):
        tag_hazard_layer(_bowtie_layer(shared_dir), "volcano")


def test_bowtie_both_lobes_flooded(qgis_app, shared_dir):
    analysis = _analyse(flood_layers=[_bowtie_layer(shared_dir)])

    assert analysis.results["left"].in_flood is True
    assert analysis.results["right"].in_flood is True
    assert analysis.results["outside"].in_flood is False


def test_bowtie_repair_reported(qgis_app, shared_dir):
    analysis = _analyse(flood_layers=[_bowtie_layer(shared_dir)])

    assert len(analysis.repairs) == 1


@pytest.mark.parametrize("authid", ["EPSG:32649", "EPSG:3405"])
def test_reprojected_flood_same_result(qgis_app, shared_dir, tmp_path, authid):
    original = _analyse(flood_layers=[_bowtie_layer(shared_dir)])
    reprojected = _analyse(flood_layers=[_reprojected(_bowtie_layer(shared_dir), authid, tmp_path)])

    for case_id in PINS:
        assert reprojected.results[case_id].in_flood == original.results[case_id].in_flood, case_id


def test_vn2000_flood_zone_bounds_match(qgis_app, shared_dir, tmp_path):
    utm = QgsCoordinateReferenceSystem("EPSG:32649")
    original, _ = build_hazard_set([_bowtie_layer(shared_dir)], [], utm)
    vn2000, _ = build_hazard_set([_reprojected(_bowtie_layer(shared_dir), "EPSG:3405", tmp_path)], [], utm)

    # The datum shift between VN-2000 and WGS 84 is handled by the transform, so the corners agree within 1 m.
    for expected, actual in zip(original.flood_zones[0][1].bounds, vn2000.flood_zones[0][1].bounds):
        assert actual == pytest.approx(expected, abs=1.0)


def _landslide_points(folder: Path, radius_field: str, radius) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "landslides", "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField(radius_field, QVariant.Type.Double)])
    layer.updateFields()
    feature = QgsFeature(layer.fields())
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(109.0, 13.0)))
    feature.setAttribute(0, radius)
    provider.addFeatures([feature])
    return layer


def test_landslide_radius_field_used(qgis_app, tmp_path):
    # 0.02 degrees of latitude is about 2.2 km: outside the default radius, inside a 3 km danger radius.
    pins = {"near": (109.0, 13.02)}
    layer = _landslide_points(tmp_path, "danger_radius_m", 3000.0)

    analysis = _analyse(landslide_layers=[layer], pins=pins)

    assert analysis.results["near"].in_landslide_zone is True


def test_landslide_default_radius(qgis_app, tmp_path):
    pins = {"near": (109.0, 13.02)}
    layer = _landslide_points(tmp_path, "other_field", 3000.0)

    analysis = _analyse(landslide_layers=[layer], pins=pins)

    assert analysis.results["near"].in_landslide_zone is False
    assert analysis.results["near"].landslide_distance_m == pytest.approx(2212, rel=0.01)


def test_no_location_case_unknown(qgis_app, shared_dir):
    cases = _pin_cases({"left": PINS["left"]})
    cases.ids.append("nowhere")
    cases.points.append(None)
    cases.attributes.append(dict(cases.attributes[0]))
    snapshots, _ = snapshot_hazard_sources([_bowtie_layer(shared_dir)], [])

    analysis = analyse_snapshots(cases, snapshots, 1000.0, QgsProject.instance().transformContext())

    assert analysis.results["nowhere"].in_flood is None
    assert analysis.priorities["nowhere"] is not None
    assert analysis.unknown == 1


def _depth_raster(path: Path) -> QgsRasterLayer:
    # 3 x 1 pixels of 0.1 degree from lon 109.2, lat 13.2: depth 1.8 m, 0 m, nodata.
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 3, 1, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((109.2, 0.1, 0.0, 13.2, 0.0, -0.2))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.WriteArray(np.array([[1.8, 0.0, -9999.0]], dtype=np.float32))
    dataset.FlushCache()
    dataset = None
    layer = QgsRasterLayer(str(path), "depth")
    assert layer.isValid()
    return layer


def test_raster_depth_samples(qgis_app, tmp_path):
    layer = _depth_raster(tmp_path / "depth.tif")
    snapshots, _ = snapshot_hazard_sources([layer], [])
    points = {
        "wet": (109.25, 13.1),
        "dry": (109.35, 13.1),
        "nodata": (109.45, 13.1),
        "outside": (108.0, 13.1),
    }

    samples = sample_flood_rasters(snapshots, points, QgsCoordinateTransformContext())

    assert samples["wet"] == (True, pytest.approx(1.8))
    assert samples["dry"] == (False, 0.0)
    assert samples["nodata"] == (None, None)
    assert samples["outside"] == (None, None)


def test_raster_only_analysis(qgis_app, tmp_path):
    layer = _depth_raster(tmp_path / "depth.tif")
    pins = {"wet": (109.25, 13.1), "nodata": (109.45, 13.1)}

    analysis = _analyse(flood_layers=[layer], pins=pins)

    assert analysis.results["wet"].in_flood is True
    assert analysis.results["wet"].flood_depth_m == pytest.approx(1.8)
    assert analysis.results["nodata"].in_flood is None


def test_raster_nodata_not_safe_with_vector(qgis_app, shared_dir, tmp_path):
    raster = _depth_raster(tmp_path / "depth.tif")
    # (109.45, 13.1) is outside the bowtie and on a nodata pixel: unknown, not "not in flood".
    pins = {"nodata": (109.45, 13.1)}

    analysis = _analyse(flood_layers=[_bowtie_layer(shared_dir), raster], pins=pins)

    assert analysis.results["nodata"].in_flood is None


RASTER_PINS = {
    "wet": (109.25, 13.1),
    "dry": (109.35, 13.1),
    "nodata": (109.45, 13.1),
    "outside": (108.0, 13.1),
}


def test_raster_dry_cell_depth_zero(qgis_app, tmp_path):
    analysis = _analyse(flood_layers=[_depth_raster(tmp_path / "depth.tif")], pins=RASTER_PINS)

    assert analysis.results["dry"].in_flood is False
    assert analysis.results["dry"].flood_depth_m == 0.0


@pytest.mark.parametrize("case_id", ["nodata", "outside"])
def test_raster_unknown_depth_null(qgis_app, tmp_path, case_id):
    analysis = _analyse(flood_layers=[_depth_raster(tmp_path / "depth.tif")], pins=RASTER_PINS)

    assert analysis.results[case_id].flood_depth_m is None
    assert analysis.results[case_id].in_flood is None


@pytest.mark.parametrize(
    ("case_id", "words"),
    [("wet", "flood depth 1.8 m"), ("dry", "flood depth 0 m"), ("nodata", "no data"), ("outside", "outside")],
)
def test_raster_note(qgis_app, tmp_path, case_id, words):
    analysis = _analyse(flood_layers=[_depth_raster(tmp_path / "depth.tif")], pins=RASTER_PINS)

    assert words in analysis.results[case_id].note


def test_raster_threshold_from_role(qgis_app, tmp_path):
    layer = _depth_raster(tmp_path / "depth.tif")
    tag_hazard_layer(layer, FLOOD, HazardRole("raster", threshold=2.0))

    analysis = _analyse(flood_layers=[layer], pins=RASTER_PINS)

    assert analysis.results["wet"].in_flood is False


def test_landslide_index_raster(qgis_app, tmp_path):
    layer = _depth_raster(tmp_path / "index.tif")
    tag_hazard_layer(layer, LANDSLIDE, HazardRole("raster", threshold=1.0))

    analysis = _analyse(landslide_layers=[layer], pins=RASTER_PINS)

    assert analysis.results["wet"].in_landslide_zone is True
    assert analysis.results["dry"].in_landslide_zone is False


def _single_value_raster(path: Path, value: float) -> QgsRasterLayer:
    # 2 x 1 pixels of 0.1 degree from lon 109.2, lat 13.2, both holding `value`, with no nodata declared.
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 2, 1, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((109.2, 0.1, 0.0, 13.2, 0.0, -0.2))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).WriteArray(np.full((1, 2), value, dtype=np.float32))
    dataset.FlushCache()
    dataset = None
    layer = QgsRasterLayer(str(path), "odd depth")
    assert layer.isValid()
    return layer


IMPLAUSIBLE_DEPTHS = {"undeclared nodata": -9999.0, "negative": -0.5, "too deep": 60.0, "huge": 1e30}
IMPLAUSIBLE_DEPTHS["infinite"] = float("inf")
ODD_PIN = {"pin": (109.25, 13.1)}


@pytest.mark.parametrize("name", list(IMPLAUSIBLE_DEPTHS))
def test_implausible_depth_unknown(qgis_app, tmp_path, name):
    layer = _single_value_raster(tmp_path / "odd.tif", IMPLAUSIBLE_DEPTHS[name])

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.in_flood is None
    assert result.flood_depth_m is None
    assert "not a plausible depth" in result.note


def test_implausible_depth_value_named(qgis_app, tmp_path):
    layer = _single_value_raster(tmp_path / "odd.tif", -9999.0)

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert "-9999" in result.note


def test_deep_plausible_depth_kept(qgis_app, tmp_path):
    layer = _single_value_raster(tmp_path / "deep.tif", 12.0)

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.in_flood is True
    assert result.flood_depth_m == pytest.approx(12.0)


def test_plausible_raster_wins(qgis_app, tmp_path):
    odd = _single_value_raster(tmp_path / "odd.tif", -9999.0)
    good = _single_value_raster(tmp_path / "good.tif", 0.0)

    result = _analyse(flood_layers=[odd, good], pins=ODD_PIN).results["pin"]

    assert result.in_flood is False
    assert result.flood_depth_m == 0.0


@pytest.mark.parametrize("value", [-9999.0, -0.2, float("inf")])
def test_implausible_index_unknown(qgis_app, tmp_path, value):
    layer = _single_value_raster(tmp_path / "index.tif", value)
    tag_hazard_layer(layer, LANDSLIDE, HazardRole("raster", threshold=0.5))

    result = _analyse(landslide_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.in_landslide_zone is None
    assert "not a plausible index" in result.note


def test_high_index_in_zone(qgis_app, tmp_path):
    layer = _single_value_raster(tmp_path / "index.tif", 75.0)
    tag_hazard_layer(layer, LANDSLIDE, HazardRole("raster", threshold=0.5))

    result = _analyse(landslide_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.in_landslide_zone is True


def _zones_with_fields(rows: list[tuple[str, object, object]]) -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=depth:double&field=class:string", "zones", "memory")
    features = []
    for wkt, depth, zone_class in rows:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature["depth"] = depth
        feature["class"] = zone_class
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    tag_hazard_layer(layer, FLOOD, HazardRole("zones", depth_field="depth", class_field="class"))
    return layer


WEST_ZONE = "POLYGON((109.2 13.0, 109.3 13.0, 109.3 13.2, 109.2 13.2, 109.2 13.0))"
WIDE_ZONE = "POLYGON((109.2 13.0, 109.4 13.0, 109.4 13.2, 109.2 13.2, 109.2 13.0))"


def test_zone_depth_filled(qgis_app):
    layer = _zones_with_fields([(WEST_ZONE, 2.4, "high"), (WIDE_ZONE, 0.8, "medium")])

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.flood_depth_m == pytest.approx(2.4)


def test_zone_class_in_note(qgis_app):
    layer = _zones_with_fields([(WEST_ZONE, 2.4, "high"), (WIDE_ZONE, 0.8, "medium")])

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert "flood zone class: high, medium" in result.note


def test_zone_null_depth_unknown(qgis_app):
    from qgis.core import NULL

    layer = _zones_with_fields([(WEST_ZONE, NULL, "high")])

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert result.in_flood is True
    assert result.flood_depth_m is None


def test_zone_and_raster_depth(qgis_app, tmp_path):
    zones = _zones_with_fields([(WEST_ZONE, 0.5, None)])
    raster = _single_value_raster(tmp_path / "depth.tif", 1.2)

    result = _analyse(flood_layers=[zones, raster], pins=ODD_PIN).results["pin"]

    assert result.flood_depth_m == pytest.approx(1.2)


def test_zone_depth_without_role(qgis_app):
    layer = _zones_with_fields([(WEST_ZONE, 2.4, "high")])
    tag_hazard_layer(layer, FLOOD)

    result = _analyse(flood_layers=[layer], pins=ODD_PIN).results["pin"]

    assert getattr(result, "flood_depth_m", None) is None


def test_role_stored_on_layer(qgis_app, tmp_path):
    layer = _landslide_points(tmp_path, "other_field", 3000.0)
    tag_hazard_layer(layer, LANDSLIDE, HazardRole("events", radius_m=2500.0))

    assert hazard_role(layer) == HazardRole("events", radius_m=2500.0)


def test_fixed_event_radius(qgis_app, tmp_path):
    layer = _landslide_points(tmp_path, "other_field", 3000.0)
    tag_hazard_layer(layer, LANDSLIDE, HazardRole("events", radius_m=2500.0))

    analysis = _analyse(landslide_layers=[layer], pins={"near": (109.0, 13.02)})

    assert analysis.results["near"].in_landslide_zone is True


def test_flood_event_circle(qgis_app, tmp_path):
    layer = _landslide_points(tmp_path, "radius_m", 3000.0)

    analysis = _analyse(flood_layers=[layer], pins={"near": (109.0, 13.02), "far": (109.0, 13.1)})

    assert analysis.results["near"].in_flood is True
    assert analysis.results["far"].in_flood is False


def test_role_unknown(qgis_app, shared_dir):
    with pytest.raises(ValueError):
        tag_hazard_layer(_bowtie_layer(shared_dir), FLOOD, HazardRole("cloud"))


def _fill_cases(layer) -> None:
    from sos_qgis_plugin.case_layer import to_qdatetime

    rows = [
        ("c1", (108.1, 12.6), 3, None, True, datetime(2025, 11, 19, 3, 15, tzinfo=timezone.utc)),
        ("c2", None, None, 2, False, datetime(2025, 11, 20, 23, 59, 59, tzinfo=timezone.utc)),
        ("c3", (108.3, 12.8), None, None, None, None),
    ]
    features = []
    for case_id, point, people, households, children, created in rows:
        feature = QgsFeature(layer.fields())
        feature["id"] = case_id
        feature["status"] = "needs_help"
        feature["urgency"] = "high" if people else None
        feature["people_count"] = people
        feature["household_count"] = households
        feature["has_children"] = children
        feature["created_at"] = to_qdatetime(created)
        if point is not None:
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*point)))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]


def _read_both(layer):
    from sos_qgis_plugin.hazard_layers import read_case_snapshot, snapshot_case_source

    context = QgsProject.instance().transformContext()
    source = snapshot_case_source(layer)
    fast = read_case_snapshot(source, layer.crs(), context)
    slow = read_case_snapshot(source.feature_source, layer.crs(), context)
    return source, fast, slow


def test_direct_read_used(case_layer):
    _fill_cases(case_layer)

    source, _fast, _slow = _read_both(case_layer)

    assert source.gpkg_path is not None


@pytest.mark.parametrize("part", ["ids", "points", "attributes"])
def test_direct_read_matches_qgis(case_layer, part):
    _fill_cases(case_layer)

    _source, fast, slow = _read_both(case_layer)

    assert getattr(fast, part) == getattr(slow, part)


def test_unsaved_edits_read_through_qgis(case_layer):
    _fill_cases(case_layer)
    case_layer.startEditing()
    feature = next(case_layer.getFeatures())
    case_layer.changeAttributeValue(feature.id(), case_layer.fields().indexOf("people_count"), 9)

    source, fast, _slow = _read_both(case_layer)
    case_layer.rollBack()

    assert source.gpkg_path is None
    assert fast.attributes[0]["people_count"] == 9


def test_direct_read_selected(case_layer):
    from sos_qgis_plugin.hazard_layers import read_case_snapshot, snapshot_case_source

    _fill_cases(case_layer)
    fids = [feature.id() for feature in case_layer.getFeatures()][1:]

    snapshot = read_case_snapshot(
        snapshot_case_source(case_layer), case_layer.crs(), QgsProject.instance().transformContext(), fids
    )

    assert snapshot.ids == ["c2", "c3"]
