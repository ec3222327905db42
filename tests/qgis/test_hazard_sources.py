"""Hazard sources dialog: service URIs, layers made from them, saved services, roles stored on layers."""

from __future__ import annotations

import socket

import pytest
from qgis.core import QgsDataSourceUri, QgsProject, QgsVectorLayer

from sos_qgis_plugin.gui.hazard_sources import (
    HazardSourcesDialog,
    ServiceSource,
    is_display_only,
    make_service_layer,
    save_services,
    saved_services,
    service_uri,
)
from sos_qgis_plugin.hazard_layers import FLOOD, LANDSLIDE, ROLE_EVENTS, hazard_kind, hazard_role


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: a request to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _params(uri: str) -> QgsDataSourceUri:
    parsed = QgsDataSourceUri()
    parsed.setEncodedUri(uri)
    return parsed


def test_wms_provider(qgis_app):
    provider, _uri = service_uri(ServiceSource("flood", "wms", "http://127.0.0.1:9/wms", "flood_extent"))

    assert provider == "wms"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("url", "http://127.0.0.1:9/wms"),
        ("layers", "flood_extent"),
        ("format", "image/png"),
        ("crs", "EPSG:3857"),
    ],
)
def test_wms_uri_params(qgis_app, key, value):
    _provider, uri = service_uri(ServiceSource("flood", "wms", "http://127.0.0.1:9/wms", "flood_extent"))

    assert _params(uri).param(key) == value


def test_wmts_matrix_set(qgis_app):
    source = ServiceSource("tiles", "wmts", "http://127.0.0.1:9/wmts", "depth", tile_matrix_set="GoogleMaps")

    _provider, uri = service_uri(source)

    assert _params(uri).param("tileMatrixSet") == "GoogleMaps"


def test_xyz_uri(qgis_app):
    provider, uri = service_uri(ServiceSource("osm", "xyz", "http://127.0.0.1:9/{z}/{x}/{y}.png"))

    assert (provider, uri) == ("wms", "type=xyz&url=http://127.0.0.1:9/{z}/{x}/{y}.png")


def test_xyz_layer_display_only(qgis_app):
    layer = make_service_layer(ServiceSource("osm", "xyz", "http://127.0.0.1:9/{z}/{x}/{y}.png"))

    assert layer.isValid()
    assert is_display_only(layer)


@pytest.mark.parametrize(("kind", "provider"), [("wfs", "WFS"), ("oapif", "OAPIF")])
def test_vector_service_provider(qgis_app, kind, provider):
    assert service_uri(ServiceSource("zones", kind, "http://127.0.0.1:9/ows", "flood:zones"))[0] == provider


def test_wfs_typename(qgis_app):
    _provider, uri = service_uri(ServiceSource("zones", "wfs", "http://127.0.0.1:9/ows", "flood:zones"))

    assert QgsDataSourceUri(uri).param("typename") == "flood:zones"


def test_wfs_layer_object(qgis_app, closed_port):
    url = f"http://127.0.0.1:{closed_port}/ows"

    layer = make_service_layer(ServiceSource("zones", "wfs", url, "flood:zones"))

    assert isinstance(layer, QgsVectorLayer)
    assert layer.providerType() == "WFS"


def test_unreachable_service_not_added(qgis_new_project, closed_port):
    dialog = HazardSourcesDialog()
    source = ServiceSource("zones", "oapif", f"http://127.0.0.1:{closed_port}", "zones")

    assert dialog.add_service(source, FLOOD) is None
    assert QgsProject.instance().count() == 0


def test_unknown_service_kind(qgis_app):
    with pytest.raises(ValueError):
        service_uri(ServiceSource("x", "ftp", "ftp://127.0.0.1/x"))


def test_services_saved(qgis_app):
    services = [{"name": "Flood WMS", "kind": "wms", "url": "http://127.0.0.1:9/wms", "layer": "flood"}]

    save_services(services)

    assert saved_services() == services


def test_dialog_saves_service(qgis_new_project):
    save_services([])
    dialog = HazardSourcesDialog()
    dialog.service_name.setText("Zones")
    dialog.service_kind.setCurrentIndex(dialog.service_kind.findData("wfs"))
    dialog.service_url.setText("http://127.0.0.1:9/ows")
    dialog.service_layer.setText("flood:zones")

    assert dialog.save_current_service()
    assert [service["name"] for service in saved_services()] == ["Zones"]


def test_dialog_removes_service(qgis_new_project):
    save_services([{"name": "Old", "kind": "xyz", "url": "http://127.0.0.1:9/{z}/{x}/{y}.png", "layer": ""}])
    dialog = HazardSourcesDialog()
    dialog.service_list.setCurrentRow(0)

    dialog.remove_current_service()

    assert saved_services() == []


def _points_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=radius:double", "slides", "memory")
    QgsProject.instance().addMapLayer(layer)
    return layer


def test_dialog_tags_landslide_events(qgis_new_project):
    layer = _points_layer()
    dialog = HazardSourcesDialog()
    dialog.select_layer(layer)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(LANDSLIDE))
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(ROLE_EVENTS))
    dialog.radius_field.setCurrentIndex(dialog.radius_field.findData("radius"))

    assert dialog.apply_current()
    assert hazard_kind(layer) == LANDSLIDE
    assert hazard_role(layer).radius_field == "radius"


def test_dialog_removes_hazard_tag(qgis_new_project):
    layer = _points_layer()
    dialog = HazardSourcesDialog()
    dialog.select_layer(layer)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(FLOOD))
    dialog.apply_current()
    dialog.kind_combo.setCurrentIndex(0)

    dialog.apply_current()

    assert hazard_kind(layer) is None


def test_add_raster_file(qgis_new_project, tmp_path):
    import numpy as np
    from osgeo import gdal

    path = tmp_path / "depth.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 2, 2, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((108.0, 0.1, 0.0, 13.0, 0.0, -0.1))
    dataset.GetRasterBand(1).WriteArray(np.zeros((2, 2), dtype=np.float32))
    dataset = None
    dialog = HazardSourcesDialog()

    layer = dialog.add_file(str(path))

    assert layer is not None
    assert not is_display_only(layer)
