"""Hazard sources dialog: service URIs, layers made from them, saved services, roles stored on layers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qgis.core import QgsApplication, QgsDataSourceUri, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QEventLoop, QTimer

from sos_qgis_plugin.gui.hazard_sources import (
    MAX_SERVICE_URL_LENGTH,
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


class SilentServer:
    """A loopback server that accepts connections and never responds; close() drops them all."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self._connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/ows"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self._socket.accept()
            except OSError:
                continue
            self._connections.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self._connections:
            connection.close()
        self._socket.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


ZONE = {
    "type": "Feature",
    "id": 1,
    "properties": {"depth": 1.5},
    "geometry": {"type": "Polygon", "coordinates": [[[108, 12], [109, 12], [109, 13], [108, 13], [108, 12]]]},
}


class FeaturesHandler(BaseHTTPRequestHandler):
    """The smallest OGC API Features service the OAPIF provider opens: one collection "zones"."""

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        base = f"http://127.0.0.1:{self.server.server_port}"
        items = {"href": base + "/collections/zones/items", "rel": "items", "type": "application/geo+json"}
        documents = {
            "": {
                "links": [
                    {"href": base + "/collections", "rel": "data", "type": "application/json"},
                    {"href": base + "/api", "rel": "service-desc", "type": "application/json"},
                ]
            },
            "/api": {"openapi": "3.0.0", "paths": {}},
            "/collections/zones": {"id": "zones", "title": "zones", "links": [items]},
            "/collections/zones/items": {"type": "FeatureCollection", "features": [ZONE], "links": []},
        }
        document = documents.get(self.path.split("?")[0].rstrip("/"))
        if document is None:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(document).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def features_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeaturesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def _run_events(seconds: float, until=lambda: False) -> None:
    """Run the Qt event loop for `seconds` or until `until()` is true."""
    deadline = time.monotonic() + seconds
    loop = QEventLoop()
    while time.monotonic() < deadline and not until():
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def _wait_for_tasks(seconds: float = 30.0) -> None:
    """Run the event loop until the task manager has no active task; it deletes tasks once they end."""
    manager = QgsApplication.taskManager()
    _run_events(seconds, lambda: manager.countActiveTasks() == 0)
    # One more turn delivers the queued finished() calls.
    _run_events(0.2)


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
    failures: list[str] = []
    dialog.service_layer_failed.connect(failures.append)
    source = ServiceSource("zones", "oapif", f"http://127.0.0.1:{closed_port}", "zones")

    dialog.add_service(source, FLOOD)
    _wait_for_tasks()

    assert len(failures) == 1
    assert "could not be opened" in dialog.service_status.text()
    assert QgsProject.instance().count() == 0


def test_xyz_service_added(qgis_new_project):
    dialog = HazardSourcesDialog()
    added: list = []
    dialog.service_layer_added.connect(added.append)
    source = ServiceSource("tiles", "xyz", "http://127.0.0.1:9/{z}/{x}/{y}.png")

    dialog.add_service(source, FLOOD)
    _wait_for_tasks()

    assert len(added) == 1
    assert QgsProject.instance().mapLayer(added[0].id()) is not None
    assert not dialog.service_busy.isVisible()


def test_oapif_service_added(qgis_new_project, features_url):
    dialog = HazardSourcesDialog()
    added: list = []
    dialog.service_layer_added.connect(added.append)

    dialog.add_service(ServiceSource("zones", "oapif", features_url, "zones"), FLOOD)
    _wait_for_tasks()

    assert len(added) == 1
    assert hazard_kind(added[0]) == FLOOD
    assert [feature["depth"] for feature in added[0].getFeatures()] == [1.5]


@pytest.mark.parametrize("kind", ["wfs", "oapif", "wms"])
def test_silent_service_not_blocking(qgis_new_project, silent_server, kind):
    dialog = HazardSourcesDialog()
    dialog.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    source = ServiceSource("zones", kind, silent_server.url, "flood_zones")

    started = time.monotonic()
    dialog.add_service(source, FLOOD)
    _run_events(1.5)
    timer.stop()
    gaps = [later - earlier for earlier, later in zip([started, *ticks], ticks)]

    assert len(ticks) >= 20
    assert max(gaps) < 0.5
    assert dialog.service_opening()
    assert dialog.service_busy.isVisible()

    dialog.cancel_service()
    silent_server.close()
    _wait_for_tasks()

    assert not dialog.service_busy.isVisible()
    assert QgsProject.instance().count() == 0


def test_cancelled_service_not_added(qgis_new_project, silent_server):
    dialog = HazardSourcesDialog()
    failures: list[str] = []
    dialog.service_layer_failed.connect(failures.append)
    dialog.add_service(ServiceSource("tiles", "xyz", silent_server.url + "/{z}/{x}/{y}.png"), FLOOD)

    dialog.cancel_service()
    _wait_for_tasks()

    assert failures == ["Opening the service was cancelled."]
    assert QgsProject.instance().count() == 0


BAD_URLS = {
    "blank": "   ",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
    "data": "data:text/html,<b>x</b>",
    "ftp": "ftp://127.0.0.1/x",
    "nul": "http://127.0.0.1\x00.invalid/",
    "newline": "http://127.0.0.1/\nows",
    "no host": "http:///ows",
    "too long": "http://127.0.0.1/" + "a" * MAX_SERVICE_URL_LENGTH,
}


@pytest.mark.parametrize("name", list(BAD_URLS))
@pytest.mark.parametrize("kind", ["wms", "xyz", "wfs"])
def test_bad_url_not_added(qgis_new_project, name, kind):
    dialog = HazardSourcesDialog()
    source = ServiceSource("bad", kind, BAD_URLS[name], "" if kind == "xyz" else "layer")

    with pytest.raises(ValueError):
        dialog.add_service(source, FLOOD)
    assert not dialog.service_opening()
    assert QgsProject.instance().count() == 0


@pytest.mark.parametrize("name", list(BAD_URLS))
def test_bad_url_not_saved(qgis_app, name):
    save_services([])

    with pytest.raises(ValueError):
        save_services([{"name": "bad", "kind": "wfs", "url": BAD_URLS[name], "layer": "zones"}])
    assert saved_services() == []


def test_url_message_names_limit(qgis_app):
    with pytest.raises(ValueError, match=str(MAX_SERVICE_URL_LENGTH)):
        save_services([{"name": "bad", "kind": "wfs", "url": BAD_URLS["too long"], "layer": "zones"}])


def test_dialog_save_rejects_url(qgis_new_project, monkeypatch):
    from qgis.PyQt.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    save_services([])
    dialog = HazardSourcesDialog()
    dialog.service_name.setText("Zones")
    dialog.service_kind.setCurrentIndex(dialog.service_kind.findData("wfs"))
    dialog.service_url.setText("javascript:alert(1)")
    dialog.service_layer.setText("flood:zones")

    assert not dialog.save_current_service()
    assert "http://" in shown[0]


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
