"""Writing a fetch in main-thread slices: plan from a snapshot, re-check, stop, and a removed layer.

The records are built in the test (no server), so each test controls what changes between the snapshot
that the plan was made from and the slices that write it.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone

from qgis.core import QgsVectorLayerFeatureSource
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication

from sos_qgis_plugin.case_layer import (
    CaseLayerStore,
    layer_write_count,
    outbox_path_of,
    plan_records,
    read_existing_cases,
)
from sos_qgis_plugin.core.api_client import StatusChange
from sos_qgis_plugin.core.outbox import Outbox
from sos_qgis_plugin.core.records import CaseRecord
from sos_qgis_plugin.tasks import MIN_SLICE_SIZE, CaseSliceWriter, WriteResult

CREATED = datetime(2025, 11, 19, 1, 15, tzinfo=timezone.utc)


def _record(number: int, version: int = 1, status: str = "needs_help") -> CaseRecord:
    return CaseRecord(
        id=f"case-{number:05d}",
        external_id=f"ext-{number}",
        status=status,
        people_count=1 + number % 5,
        people_count_raw=None,
        household_count=1,
        phone=None,
        reporter_name="Nguyễn Văn A",
        description="Nhà ngập, cần thuyền",
        address="Hòa Xuân",
        urgency="high",
        needs=["rescue"],
        has_children=number % 2 == 0,
        has_elderly=False,
        has_disabilities=False,
        created_at=CREATED,
        updated_at=CREATED + timedelta(minutes=version),
        version=version,
        source="test",
        duplicate_of=None,
        lon=108.0 + number / 10000,
        lat=12.5,
        location_note=None,
        quality_flags=[],
    )


def _plan(layer, records):
    """Plan `records` against a snapshot of `layer`, as FetchCasesTask.run() does on its worker thread."""
    source = QgsVectorLayerFeatureSource(layer)
    existing = read_existing_cases(source, layer.fields())
    return plan_records(records, existing, layer.fields())


def _write(layer, plan, base_write_count, stop_after_slices=None, timeout_s: float = 30.0) -> WriteResult:
    results = []
    writer = CaseSliceWriter(layer, plan, base_write_count, results.append, slice_size=MIN_SLICE_SIZE)
    writer.start()
    deadline = time.monotonic() + timeout_s
    while not results and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if stop_after_slices is not None and writer.result.slices >= stop_after_slices:
            writer.stop()
    assert results, f"the writer did not finish within {timeout_s} s"
    return results[0]


def _values(layer, case_id: str) -> dict:
    for feature in layer.getFeatures():
        if feature["id"] == case_id:
            return {name: feature[name] for name in ("status", "version", "sync_state")}
    raise AssertionError(f"case {case_id} not in the layer")


def test_slices_add_every_case(case_layer):
    records = [_record(number) for number in range(3 * MIN_SLICE_SIZE + 7)]
    plan = _plan(case_layer, records)

    result = _write(case_layer, plan, layer_write_count(case_layer))

    assert result.complete
    assert result.slices >= 2
    assert result.stats.added == len(records)
    assert case_layer.featureCount() == len(records)
    assert sorted(result.added_ids) == sorted(record.id for record in records)


def test_slices_keep_newer_confirmed_case(case_layer):
    CaseLayerStore(case_layer).apply_records([_record(1), _record(2)])
    # The plan brings version 2; before the slices run, the officer's change comes back as version 3.
    plan = _plan(case_layer, [_record(1, version=2, status="in_progress"), _record(2, version=2)])
    base = layer_write_count(case_layer)
    CaseLayerStore(case_layer).apply_records([_record(1, version=3, status="supported")])

    result = _write(case_layer, plan, base)

    assert result.complete
    assert _values(case_layer, "case-00001")["version"] == 3
    assert _values(case_layer, "case-00001")["status"] == "supported"
    assert _values(case_layer, "case-00002")["version"] == 2


def test_slices_skip_case_added_meanwhile(case_layer):
    plan = _plan(case_layer, [_record(1, version=2)])
    base = layer_write_count(case_layer)
    CaseLayerStore(case_layer).apply_records([_record(1, version=3, status="supported")])

    result = _write(case_layer, plan, base)

    assert case_layer.featureCount() == 1
    assert _values(case_layer, "case-00001")["version"] == 3
    assert result.stats.unchanged == 1


def test_slices_keep_change_queued_meanwhile(case_layer):
    CaseLayerStore(case_layer).apply_records([_record(1)])
    plan = _plan(case_layer, [_record(1, version=2, status="in_progress")])
    with Outbox(outbox_path_of(case_layer)) as outbox:
        outbox.queue([StatusChange("case-00001", "supported", if_version=1)])

    result = _write(case_layer, plan, layer_write_count(case_layer))

    assert result.stats.kept_pending == 1
    assert _values(case_layer, "case-00001")["version"] == 1


def test_slices_stop_leaves_rest(case_layer):
    records = [_record(number) for number in range(4 * MIN_SLICE_SIZE)]
    plan = _plan(case_layer, records)

    result = _write(case_layer, plan, layer_write_count(case_layer), stop_after_slices=1)

    assert not result.complete
    assert result.error is None
    assert 0 < result.written < len(records)
    assert case_layer.featureCount() == result.written


def test_slices_stop_on_removed_layer(qgis_app, tmp_path):
    from sos_qgis_plugin.case_layer import create_or_open_case_layer

    layer = create_or_open_case_layer(str(tmp_path / "removed.gpkg"))
    plan = _plan(layer, [_record(number) for number in range(3 * MIN_SLICE_SIZE)])
    results = []
    writer = CaseSliceWriter(layer, plan, layer_write_count(layer), results.append)
    # Stands for the user removing the layer from the project before the first slice.
    sip.delete(layer)
    writer.start()

    deadline = time.monotonic() + 10
    while not results and time.monotonic() < deadline:
        QCoreApplication.processEvents()

    assert results[0].layer_removed
    assert not results[0].complete
    assert results[0].written == 0


def test_reason_written_for_changed_case(case_layer):
    store = CaseLayerStore(case_layer)
    store.apply_records([_record(1)])
    store.apply_hazard_results({}, {"case-00001": 10.0}, datetime.now(timezone.utc))

    store.apply_records([dataclasses.replace(_record(1, version=2), people_count=6)])

    feature = next(case_layer.getFeatures())
    assert feature["priority"] > 0
    assert "6" in feature["priority_reason"]
