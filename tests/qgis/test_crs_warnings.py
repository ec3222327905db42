"""CRS care: VN-2000 layers without a datum shift, and hazard layers that miss the cases (axis order)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsGeometry,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from sos_qgis_plugin.hazard_layers import (
    CaseSnapshot,
    analyse_snapshots,
    is_vn2000,
    snapshot_hazard_sources,
    vn2000_warning,
)

# A square flood zone around the cases, in WGS 84 degrees (lon, lat).
SQUARE = "POLYGON((108.0 12.5, 108.2 12.5, 108.2 12.7, 108.0 12.7, 108.0 12.5))"
SWAPPED_SQUARE = "POLYGON((12.5 108.0, 12.5 108.2, 12.7 108.2, 12.7 108.0, 12.5 108.0))"
FAR_SQUARE = "POLYGON((2.0 48.0, 2.2 48.0, 2.2 48.2, 2.0 48.2, 2.0 48.0))"


def _square_layer(wkt: str, name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", name, "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(wkt))
    layer.dataProvider().addFeatures([feature])
    layer.updateExtents()
    return layer


def _write_gpkg(layer: QgsVectorLayer, authid: str, path: Path) -> QgsVectorLayer:
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.ct = QgsCoordinateTransform(
        layer.crs(), QgsCoordinateReferenceSystem(authid), QgsProject.instance()
    )
    error, message, _, _ = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), QgsProject.instance().transformContext(), options
    )
    assert error == QgsVectorFileWriter.WriterError.NoError, message
    written = QgsVectorLayer(str(path), "vn2000 flood", "ogr")
    assert written.isValid()
    return written


def _cases() -> CaseSnapshot:
    cases = CaseSnapshot()
    for case_id, lon in (("a", 108.05), ("b", 108.15)):
        cases.ids.append(case_id)
        cases.points.append((lon, 12.6))
        cases.attributes.append(
            {
                "status": "needs_help",
                "urgency": "high",
                "people_count": 2,
                "household_count": None,
                "has_children": False,
                "has_elderly": False,
                "has_disabilities": False,
                "created_at": datetime(2025, 11, 19, tzinfo=timezone.utc),
            }
        )
    return cases


def _warnings(flood_layer: QgsVectorLayer) -> list[str]:
    snapshots, warnings = snapshot_hazard_sources([flood_layer], [])
    analysis = analyse_snapshots(_cases(), snapshots, 1000.0, QgsProject.instance().transformContext())
    return warnings + analysis.warnings


def test_vn2000_detected(qgis_app):
    assert is_vn2000(QgsCoordinateReferenceSystem("EPSG:3405"))


def test_wgs84_not_vn2000(qgis_app):
    assert not is_vn2000(QgsCoordinateReferenceSystem("EPSG:4326"))


# VN-2000 on its own datum without TOWGS84: PROJ has no shift to WGS 84 for it, only a ballpark conversion.
VN2000_NO_SHIFT_WKT = (
    'GEOGCS["VN-2000 local",DATUM["VN_2000_local",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
)


def _memory_layer(crs: QgsCoordinateReferenceSystem, name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon", name, "memory")
    layer.setCrs(crs)
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(SQUARE))
    layer.dataProvider().addFeatures([feature])
    layer.updateExtents()
    return layer


def test_vn2000_no_shift_detected(qgis_app):
    assert is_vn2000(QgsCoordinateReferenceSystem.fromWkt(VN2000_NO_SHIFT_WKT))


def test_vn2000_no_shift_warned(qgis_app):
    crs = QgsCoordinateReferenceSystem.fromWkt(VN2000_NO_SHIFT_WKT)

    warnings = _warnings(_memory_layer(crs, "local flood"))

    assert any("VN-2000" in text and "local flood" in text for text in warnings)


@pytest.mark.parametrize("authid", ["EPSG:3405", "EPSG:4756", "EPSG:9210"])
def test_epsg_vn2000_not_warned(qgis_app, authid):
    crs = QgsCoordinateReferenceSystem(authid)

    assert vn2000_warning(crs, "layer", QgsCoordinateTransformContext()) == ""


def test_epsg_vn2000_layer_not_warned(qgis_app, tmp_path):
    layer = _write_gpkg(_square_layer(SQUARE, "flood"), "EPSG:3405", tmp_path / "vn2000.gpkg")

    assert _warnings(layer) == []


def test_vn2000_layer_still_analysed(qgis_app, tmp_path):
    layer = _write_gpkg(_square_layer(SQUARE, "flood"), "EPSG:3405", tmp_path / "vn2000.gpkg")
    snapshots, _ = snapshot_hazard_sources([layer], [])

    analysis = analyse_snapshots(_cases(), snapshots, 1000.0, QgsProject.instance().transformContext())

    assert analysis.results["a"].in_flood is True


VN2000_TOWGS84_WKT = (
    'GEOGCS["VN-2000 with shift",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563],'
    "TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278]],"
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
)


def test_vn2000_towgs84_detected(qgis_app):
    assert is_vn2000(QgsCoordinateReferenceSystem.fromWkt(VN2000_TOWGS84_WKT))


def test_vn2000_towgs84_not_warned(qgis_app):
    crs = QgsCoordinateReferenceSystem.fromWkt(VN2000_TOWGS84_WKT)

    assert vn2000_warning(crs, "layer", QgsCoordinateTransformContext()) == ""


def test_vn2000_transform_set_not_warned(qgis_app):
    crs = QgsCoordinateReferenceSystem("EPSG:4756")
    context = QgsCoordinateTransformContext()
    context.addCoordinateOperation(
        crs,
        QgsCoordinateReferenceSystem("EPSG:4326"),
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg",
    )

    assert vn2000_warning(crs, "layer", context) == ""


def test_wgs84_layer_not_warned(qgis_app):
    assert _warnings(_square_layer(SQUARE, "flood")) == []


def test_swapped_layer_named(qgis_app):
    warnings = _warnings(_square_layer(SWAPPED_SQUARE, "swapped flood"))

    assert any("swapped" in text and "swapped flood" in text for text in warnings)


def test_far_layer_names_axis_order(qgis_app):
    warnings = _warnings(_square_layer(FAR_SQUARE, "far flood"))

    assert any("axis order" in text and "far flood" in text for text in warnings)


def test_far_layer_not_called_swapped(qgis_app):
    warnings = _warnings(_square_layer(FAR_SQUARE, "far flood"))

    assert not any("would with x and y swapped" in text for text in warnings)
