"""Background tasks against the reference server: fetch, failed fetch, set status, hazard analysis."""

from __future__ import annotations

import uuid

from qgis.core import QgsVectorLayer
from qgis.PyQt import sip

from sos_qgis_plugin.case_layer import CaseLayerStore, read_sync_state
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient, StatusChange
from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.tasks import AnalyseHazardsTask, FetchCasesTask, SetStatusTask


def _client(server, role: str = "officer") -> SosClient:
    return SosClient(ClientConfig(base_url=server.url, token=server.tokens[role], max_retries=0))


def _fetch(run_task, server, layer, updated_since=None):
    client = _client(server, "viewer")
    return run_task(lambda on_done: FetchCasesTask(client, layer, updated_since, None, on_done))


def test_fetch_task_adds_cases(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")

    outcome = _fetch(run_task, sos_server, case_layer)

    assert outcome.ok
    assert outcome.added == 3
    assert case_layer.featureCount() == 3


def test_fetch_task_stores_sync_state(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")

    outcome = _fetch(run_task, sos_server, case_layer)

    path = case_layer.source().split("|")[0]
    assert read_sync_state(path, service_url=sos_server.url) == outcome.next_updated_since


def test_fetch_task_empty_result_said(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "empty_collection.geojson")

    outcome = _fetch(run_task, sos_server, case_layer)

    assert outcome.ok
    assert outcome.fetched == 0
    assert outcome.message == "The service returned no cases for this area."


def test_failed_fetch_keeps_layer(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    first = _fetch(run_task, sos_server, case_layer)
    path = case_layer.source().split("|")[0]
    sos_server.stop()

    outcome = _fetch(run_task, sos_server, case_layer, first.next_updated_since)

    assert not outcome.ok
    assert isinstance(outcome.error, SosError)
    assert case_layer.featureCount() == 3
    assert read_sync_state(path, service_url=sos_server.url) == first.next_updated_since


def test_cancelled_fetch_keeps_layer(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    _fetch(run_task, sos_server, case_layer)
    outcomes = []
    task = FetchCasesTask(_client(sos_server, "viewer"), case_layer, None, None, outcomes.append)
    task.cancel()

    # Called directly: QGIS 3.22's task manager neither runs nor finishes a task cancelled before addTask().
    task.finished(task.run())

    assert outcomes[0].cancelled
    assert not outcomes[0].ok
    assert case_layer.featureCount() == 3


def test_fetch_task_layer_removed(qgis_app, tmp_path, sos_server, shared_dir, run_task):
    from sos_qgis_plugin.case_layer import create_or_open_case_layer

    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    layer = create_or_open_case_layer(str(tmp_path / "gone.gpkg"))
    client = _client(sos_server, "viewer")

    def make(on_done):
        task = FetchCasesTask(client, layer, None, None, on_done)
        # Stands for the user removing the layer from the project while the fetch runs.
        sip.delete(layer)
        return task

    outcome = run_task(make)

    assert not outcome.ok
    assert outcome.error is None


def test_set_status_task_applies_confirmed(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    _fetch(run_task, sos_server, case_layer)
    features = {feature["id"]: feature for feature in case_layer.getFeatures()}
    changes = [
        StatusChange(case_id, "supported", "team 4", int(feature["version"]))
        for case_id, feature in features.items()
    ]
    stale_id = changes[0].case_id
    changes[0] = StatusChange(stale_id, "supported", "team 4", int(features[stale_id]["version"]) + 5)
    client = _client(sos_server)

    outcome = run_task(lambda on_done: SetStatusTask(client, case_layer, changes, str(uuid.uuid4()), on_done))

    statuses = {feature["id"]: feature["status"] for feature in case_layer.getFeatures()}
    assert outcome.sent == 3
    assert outcome.confirmed == 2
    assert outcome.conflicts == 1
    assert statuses[stale_id] == "needs_help"
    assert sorted(statuses.values()) == ["needs_help", "supported", "supported"]


def test_set_status_task_server_record(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    _fetch(run_task, sos_server, case_layer)
    feature = next(case_layer.getFeatures())
    changes = [StatusChange(feature["id"], "in_progress", "team 1", int(feature["version"]))]
    client = _client(sos_server)

    run_task(lambda on_done: SetStatusTask(client, case_layer, changes, str(uuid.uuid4()), on_done))

    case, _ = _client(sos_server, "viewer").get_case(feature["id"])
    assert case["properties"]["status"] == "in_progress"


def test_set_status_task_server_down(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")
    _fetch(run_task, sos_server, case_layer)
    feature = next(case_layer.getFeatures())
    changes = [StatusChange(feature["id"], "supported", None, int(feature["version"]))]
    client = _client(sos_server)
    sos_server.stop()

    outcome = run_task(lambda on_done: SetStatusTask(client, case_layer, changes, str(uuid.uuid4()), on_done))

    assert isinstance(outcome.error, SosError)
    assert next(case_layer.getFeatures())["status"] == "needs_help"


def test_analyse_task_bowtie(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "bowtie_pins.geojson")
    _fetch(run_task, sos_server, case_layer)
    flood = QgsVectorLayer(str(shared_dir / "cases" / "bowtie_flood_zone.geojson"), "bowtie", "ogr")

    outcome = run_task(lambda on_done: AnalyseHazardsTask(case_layer, [flood], [], 1000.0, on_done))

    in_flood = {feature["external_id"]: feature["in_flood"] for feature in case_layer.getFeatures()}
    assert outcome.ok
    assert outcome.in_flood == 2
    assert outcome.repaired == 1
    assert in_flood == {"bt-left": True, "bt-right": True}


def test_analyse_task_writes_priority(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "bowtie_pins.geojson")
    _fetch(run_task, sos_server, case_layer)
    flood = QgsVectorLayer(str(shared_dir / "cases" / "bowtie_flood_zone.geojson"), "bowtie", "ogr")

    run_task(lambda on_done: AnalyseHazardsTask(case_layer, [flood], [], 1000.0, on_done))

    for feature in case_layer.getFeatures():
        assert feature["priority"] > 0
        assert feature["analysed_at"].isValid()


def test_analyse_keeps_fids(case_layer, sos_server, shared_dir, run_task):
    sos_server.import_file(shared_dir / "cases" / "bowtie_pins.geojson")
    _fetch(run_task, sos_server, case_layer)
    fids = sorted(case_layer.allFeatureIds())
    flood = QgsVectorLayer(str(shared_dir / "cases" / "bowtie_flood_zone.geojson"), "bowtie", "ogr")

    run_task(lambda on_done: AnalyseHazardsTask(case_layer, [flood], [], 1000.0, on_done))

    assert sorted(case_layer.allFeatureIds()) == fids
    assert CaseLayerStore(case_layer).existing_cases().keys() == {f["id"] for f in case_layer.getFeatures()}


def test_send_changes_split_batches(sos_server, real_requests, fetch_records):
    from sos_qgis_plugin.core.api_client import MAX_BATCH_CHANGES
    from sos_qgis_plugin.tasks import send_status_changes

    sos_server.import_file(real_requests)
    case_ids = [record.id for record in fetch_records(sos_server).records]
    # More changes than one request may carry: each case once, then the first ones again.
    change_count = MAX_BATCH_CHANGES + 1
    changes = [StatusChange(case_ids[index % len(case_ids)], "supported") for index in range(change_count)]

    results = send_status_changes(_client(sos_server), changes, str(uuid.uuid4()))

    assert len(results) == change_count
    assert [result.case_id for result in results] == [change.case_id for change in changes]
    assert all(result.outcome == "ok" for result in results)


def test_fetch_task_releases_gc(case_layer, sos_server, shared_dir, run_task):
    import gc

    sos_server.import_file(shared_dir / "cases" / "null_geometry.geojson")

    _fetch(run_task, sos_server, case_layer)

    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_failed_fetch_releases_gc(case_layer, sos_server, run_task):
    import gc

    sos_server.stop()

    outcome = _fetch(run_task, sos_server, case_layer)

    assert not outcome.ok
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
