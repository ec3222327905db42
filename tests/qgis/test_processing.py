"""Processing algorithms sos:fetchcases, sos:analysehazards and sos:setstatus against the reference server."""

from __future__ import annotations

import pytest
from qgis.core import (
    NULL,
    QgsApplication,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)

from sos_qgis_plugin.case_layer import CASE_LAYER_NAME, read_sync_state
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.core.statuses import STATUSES


def _run(algorithm_id: str, parameters: dict) -> dict:
    import processing

    return processing.run(algorithm_id, parameters)


def _fetch(server, authcfg: str, gpkg_path: str) -> dict:
    return _run("sos:fetchcases", {"SERVICE_URL": server.url, "AUTHCFG": authcfg, "OUTPUT": gpkg_path})


def _cases_layer(gpkg_path: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{gpkg_path}|layername={CASE_LAYER_NAME}", "cases", "ogr")
    assert layer.isValid()
    return layer


@pytest.fixture
def real_server(sos_server, real_requests):
    """The test server holding the 591 real requests of November 2025."""
    result = sos_server.import_file(real_requests)
    assert result.returncode == 0, result.stderr
    return sos_server


@pytest.fixture
def fetched_gpkg(real_server, officer_authcfg, sos_provider, tmp_path) -> str:
    """A GeoPackage with every case of the real server, fetched by sos:fetchcases."""
    path = str(tmp_path / "cases.gpkg")
    _fetch(real_server, officer_authcfg, path)
    return path


def test_provider_algorithms(sos_provider):
    names = sorted(algorithm.name() for algorithm in sos_provider.algorithms())

    assert names == ["analysehazards", "communesummary", "fetchcases", "setstatus", "situationreport"]


def test_provider_without_shapely(qgis_processing):
    from sos_qgis_plugin.dependencies import Missing
    from sos_qgis_plugin.processing.provider import SosProvider

    provider = SosProvider(find_missing=lambda: [Missing("shapely", ">=2", "1.8.5")])
    registry = QgsApplication.processingRegistry()
    assert registry.addProvider(provider)
    try:
        names = sorted(algorithm.name() for algorithm in provider.algorithms())
    finally:
        registry.removeProvider(provider)

    assert names == ["fetchcases", "setstatus", "situationreport"]


def test_fetchcases_real_records(real_server, officer_authcfg, sos_provider, tmp_path, fetch_records):
    expected = len(fetch_records(real_server).records)
    path = str(tmp_path / "cases.gpkg")

    result = _fetch(real_server, officer_authcfg, path)

    assert expected > 500
    assert result["FETCHED"] == expected
    assert result["ADDED"] == expected
    assert result["REJECTED"] == 0
    assert result["OUTPUT"] == path
    assert _cases_layer(path).featureCount() == expected


def test_fetchcases_stores_sync_state(real_server, officer_authcfg, fetched_gpkg):
    assert read_sync_state(fetched_gpkg, service_url=real_server.url) is not None


def test_fetchcases_new_file_styled(fetched_gpkg):
    layer = _cases_layer(fetched_gpkg)

    assert layer.renderer().type() == "categorizedSymbol"
    assert layer.labelsEnabled()


def test_fetchcases_second_run_incremental(real_server, officer_authcfg, fetched_gpkg):
    count = _cases_layer(fetched_gpkg).featureCount()

    result = _fetch(real_server, officer_authcfg, fetched_gpkg)

    assert result["ADDED"] == 0
    assert result["UPDATED"] == 0
    assert _cases_layer(fetched_gpkg).featureCount() == count


def test_fetchcases_service_area_flags(real_server, officer_authcfg, sos_provider, tmp_path):
    path = str(tmp_path / "area.gpkg")
    # The coast of the former Phú Yên province only.
    area = "109.0,109.5,12.8,13.5 [EPSG:4326]"

    result = _run(
        "sos:fetchcases",
        {"SERVICE_URL": real_server.url, "AUTHCFG": officer_authcfg, "OUTPUT": path, "SERVICE_AREA": area},
    )

    flagged = [
        feature.geometry().asPoint().x()
        for feature in _cases_layer(path).getFeatures()
        if "outside_service_area" in str(feature["quality_flags"])
    ]
    assert result["FETCHED"] == _cases_layer(path).featureCount()
    assert flagged
    assert max(flagged) < 109.0


def test_fetchcases_server_down(real_server, officer_authcfg, fetched_gpkg):
    count = _cases_layer(fetched_gpkg).featureCount()
    real_server.stop()

    with pytest.raises(QgsProcessingException):
        _fetch(real_server, officer_authcfg, fetched_gpkg)

    assert _cases_layer(fetched_gpkg).featureCount() == count


def test_analysehazards_real_layers(fetched_gpkg, shared_dir, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    floods = QgsVectorLayer(
        str(shared_dir / "data" / "hazards" / "dfo_flood_events_daklak_1986_2018.gpkg"), "f", "ogr"
    )
    landslides = QgsVectorLayer(
        str(shared_dir / "data" / "hazards" / "nasa_glc_vietnam_2007_2016.gpkg"), "l", "ogr"
    )
    QgsProject.instance().addMapLayers([cases, floods, landslides])

    result = _run(
        "sos:analysehazards",
        {
            "INPUT": cases,
            "FLOOD_LAYERS": [floods],
            "LANDSLIDE_LAYERS": [landslides],
            "LANDSLIDE_RADIUS": 1000.0,
        },
    )

    in_flood = sum(1 for feature in cases.getFeatures() if feature["in_flood"] is True)
    unknown = sum(1 for feature in cases.getFeatures() if feature["in_flood"] == NULL)
    assert result["IN_FLOOD"] > 0
    assert result["IN_FLOOD"] == in_flood
    assert result["UNKNOWN"] == unknown


def test_analysehazards_writes_priority(fetched_gpkg, shared_dir, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    floods = QgsVectorLayer(
        str(shared_dir / "data" / "hazards" / "dfo_flood_events_daklak_1986_2018.gpkg"), "f", "ogr"
    )
    QgsProject.instance().addMapLayers([cases, floods])

    _run("sos:analysehazards", {"INPUT": cases, "FLOOD_LAYERS": [floods], "LANDSLIDE_RADIUS": 1000.0})

    priorities = [feature["priority"] for feature in cases.getFeatures()]
    assert all(priority != NULL for priority in priorities)
    assert max(priorities) > 0


def test_analysehazards_needs_hazard_layer(fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)

    with pytest.raises(QgsProcessingException):
        _run("sos:analysehazards", {"INPUT": cases, "LANDSLIDE_RADIUS": 1000.0})


def _set_status(
    server, authcfg: str, layer: QgsVectorLayer, status: str, note: str = "team 3", team: str = ""
) -> dict:
    source = QgsProcessingFeatureSourceDefinition(layer.id(), True)
    return _run(
        "sos:setstatus",
        {
            "INPUT": source,
            "STATUS": STATUSES.index(status),
            "NOTE": note,
            "TEAM": team,
            "SERVICE_URL": server.url,
            "AUTHCFG": authcfg,
        },
    )


def test_setstatus_selected_only(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fids = sorted(cases.allFeatureIds())[:3]
    cases.selectByIds(fids)
    selected_ids = [cases.getFeature(fid)["id"] for fid in fids]
    other_id = cases.getFeature(sorted(cases.allFeatureIds())[3])["id"]

    result = _set_status(real_server, officer_authcfg, cases, "supported")

    viewer = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["viewer"]))
    assert result["SENT"] == 3
    assert result["CONFIRMED"] == 3
    assert result["CONFLICTS"] == 0
    assert result["FAILED"] == 0
    for case_id in selected_ids:
        assert viewer.get_case(case_id)[0]["properties"]["status"] == "supported", case_id
    assert viewer.get_case(other_id)[0]["properties"]["status"] == "needs_help"


def test_setstatus_updates_layer(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fid = sorted(cases.allFeatureIds())[0]
    cases.selectByIds([fid])
    version = cases.getFeature(fid)["version"]

    _set_status(real_server, officer_authcfg, cases, "in_progress")

    feature = cases.getFeature(fid)
    assert feature["status"] == "in_progress"
    assert feature["version"] == version + 1


def test_setstatus_history_note(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fid = sorted(cases.allFeatureIds())[0]
    cases.selectByIds([fid])

    _set_status(real_server, officer_authcfg, cases, "unreachable", note="no answer on the phone")

    viewer = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["viewer"]))
    last = viewer.get_history(cases.getFeature(fid)["id"])[-1]
    assert last["to_status"] == "unreachable"
    assert last["note"] == "no answer on the phone"


def test_setstatus_history_team(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fid = sorted(cases.allFeatureIds())[0]
    cases.selectByIds([fid])

    _set_status(real_server, officer_authcfg, cases, "in_progress", note="", team=" Đội 2 Hòa Xuân ")

    viewer = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["viewer"]))
    last = viewer.get_history(cases.getFeature(fid)["id"])[-1]
    assert last["to_status"] == "in_progress"
    assert last["team"] == "Đội 2 Hòa Xuân"
    assert last["note"] is None


def test_setstatus_team_too_long(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fid = sorted(cases.allFeatureIds())[0]
    cases.selectByIds([fid])
    version = cases.getFeature(fid)["version"]

    with pytest.raises(QgsProcessingException):
        _set_status(real_server, officer_authcfg, cases, "in_progress", team="x" * 101)

    viewer = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["viewer"]))
    assert viewer.get_case(cases.getFeature(fid)["id"])[1] == version


def test_setstatus_conflict_left_unchanged(real_server, officer_authcfg, fetched_gpkg, qgis_new_project):
    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fids = sorted(cases.allFeatureIds())[:2]
    cases.selectByIds(fids)
    stale_id = cases.getFeature(fids[0])["id"]
    officer = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["officer"]))
    _, version = officer.get_case(stale_id)
    officer.set_status(stale_id, "in_progress", version=version, note="another officer")

    result = _set_status(real_server, officer_authcfg, cases, "supported")

    assert result["CONFIRMED"] == 1
    assert result["CONFLICTS"] == 1
    assert officer.get_case(stale_id)[0]["properties"]["status"] == "in_progress"
    # The layer shows the server's current case (theirs) and marks the conflict until the officer resolves it.
    assert cases.getFeature(fids[0])["status"] == "in_progress"
    assert cases.getFeature(fids[0])["sync_state"] == "conflict"


def test_fetchcases_keeps_pending_case(real_server, officer_authcfg, fetched_gpkg):
    from sos_qgis_plugin.core.api_client import StatusChange
    from sos_qgis_plugin.core.outbox import Outbox, outbox_path_for

    cases = _cases_layer(fetched_gpkg)
    feature = next(cases.getFeatures())
    case_id, version = feature["id"], int(feature["version"])
    with Outbox(outbox_path_for(fetched_gpkg)) as outbox:
        outbox.queue([StatusChange(case_id=case_id, status="supported", note="mine", if_version=version)])
    other = SosClient(ClientConfig(base_url=real_server.url, token=real_server.tokens["officer"]))
    other.set_status(case_id, "unreachable", version=version, note="theirs")

    result = _fetch(real_server, officer_authcfg, fetched_gpkg)

    kept = _cases_layer(fetched_gpkg).getFeature(feature.id())
    assert result["UPDATED"] == 0
    assert kept["status"] == feature["status"]
    assert kept["version"] == version
    assert kept["sync_state"] == "pending"


@pytest.fixture
def unavailable_url():
    """The URL of a loopback server that returns 503 to every request. It stops when the test ends."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Unavailable(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = b'{"type": "about:blank", "title": "Service Unavailable", "status": 503}'
            self.send_response(503)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = _answer  # noqa: N815 - the names http.server calls

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_setstatus_unavailable_marks_sent(
    real_server, officer_authcfg, fetched_gpkg, qgis_new_project, unavailable_url
):
    from types import SimpleNamespace

    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fid = sorted(cases.allFeatureIds())[0]
    cases.selectByIds([fid])

    with pytest.raises(QgsProcessingException):
        _set_status(SimpleNamespace(url=unavailable_url), officer_authcfg, cases, "supported")

    assert cases.getFeature(fid)["sync_state"] == "sent"
    assert cases.getFeature(fid)["status"] == "needs_help"


def test_setstatus_unavailable_others_empty(
    real_server, officer_authcfg, fetched_gpkg, qgis_new_project, unavailable_url
):
    from types import SimpleNamespace

    cases = _cases_layer(fetched_gpkg)
    QgsProject.instance().addMapLayer(cases)
    fids = sorted(cases.allFeatureIds())
    cases.selectByIds([fids[0]])

    with pytest.raises(QgsProcessingException):
        _set_status(SimpleNamespace(url=unavailable_url), officer_authcfg, cases, "supported")

    assert cases.getFeature(fids[1])["sync_state"] == NULL


def test_analysehazards_writes_reason(fetched_gpkg, shared_dir, qgis_new_project):
    from sos_qgis_plugin.case_layer import from_qdatetime
    from sos_qgis_plugin.priority_text import case_priority
    from sos_qgis_plugin.settings import Settings

    cases = _cases_layer(fetched_gpkg)
    floods = QgsVectorLayer(
        str(shared_dir / "data" / "hazards" / "dfo_flood_events_daklak_1986_2018.gpkg"), "f", "ogr"
    )
    QgsProject.instance().addMapLayers([cases, floods])

    _run("sos:analysehazards", {"INPUT": cases, "FLOOD_LAYERS": [floods], "LANDSLIDE_RADIUS": 1000.0})

    weights = Settings().priority_weights
    for feature in list(cases.getFeatures())[::50]:
        values = dict(zip(feature.fields().names(), feature.attributes()))
        priority, reason = case_priority(values, from_qdatetime(feature["analysed_at"]), weights)
        assert feature["priority_reason"] == reason, feature["id"]
        assert feature["priority"] == pytest.approx(priority, abs=0.05), feature["id"]


def test_analysehazards_communes_match(fetched_gpkg, shared_dir, qgis_new_project):
    from sos_qgis_plugin.admin_layers import assign_communes

    admin_path = shared_dir / "data" / "admin" / "daklak_admin_2025.gpkg"
    if not admin_path.is_file():
        pytest.skip("the commune layer is absent from ../shared/data")
    cases = _cases_layer(fetched_gpkg)
    admin = QgsVectorLayer(f"{admin_path}|layername=daklak_communes_2025", "communes", "ogr")
    floods = QgsVectorLayer(
        str(shared_dir / "data" / "hazards" / "dfo_flood_events_daklak_1986_2018.gpkg"), "f", "ogr"
    )
    QgsProject.instance().addMapLayers([cases, floods, admin])
    parameters = {"INPUT": cases, "FLOOD_LAYERS": [floods], "LANDSLIDE_RADIUS": 1000.0, "ADMIN_LAYER": admin}

    _run("sos:analysehazards", parameters)
    ours = {feature["id"]: feature["commune_code"] for feature in cases.getFeatures()}
    index = cases.fields().indexFromName("commune_code")
    cases.dataProvider().changeAttributeValues({fid: {index: NULL} for fid in cases.allFeatureIds()})
    assign_communes(cases, admin)
    theirs = {feature["id"]: feature["commune_code"] for feature in cases.getFeatures()}

    assert sum(1 for code in ours.values() if code != NULL) > 0
    assert ours == theirs
