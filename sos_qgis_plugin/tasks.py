"""Background tasks: fetch cases, analyse hazards, set statuses.

Each task does its network and heavy work in run() on a worker thread and changes layers only on the main
thread: in finished(), which QGIS calls there, or for a fetch in the slices that finished() starts. Every
task ends by calling `on_done` on the main thread with an outcome that contains counts and a translated
message, or the SosError. Tasks never show a message bar, because the caller does that.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapLayer,
    QgsPoint,
    QgsProject,
    QgsTask,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QTimer

from .case_layer import (
    KEEP,
    ApplyStats,
    CaseLayerStore,
    HazardRowBuilder,
    PlannedAdd,
    PlannedUpdate,
    WritePlan,
    gpkg_path_of,
    layer_write_count,
    outbox_path_of,
    plan_records,
    read_existing_cases,
    update_sync_states,
    write_sync_state,
)
from .core.errors import SosError
from .gui import error_message
from .hazard_layers import (
    HazardAnalysis,
    analyse_snapshots,
    read_case_snapshot,
    snapshot_case_source,
    snapshot_hazard_sources,
)
from .settings import Settings

LOGGER = logging.getLogger("sos_qgis_plugin")

BBox = tuple[float, float, float, float]

# Changes written in the first main-thread slice of a fetch. Later slices are sized so that each takes
# about SLICE_TARGET_S. In the development container a new case cost about 0.03 ms to write and a changed
# case about 0.5 ms (scripts/bench.py), so a fixed count would either stall on changes or crawl on adds.
DEFAULT_SLICE_SIZE = 100
SLICE_TARGET_S = 0.04
MIN_SLICE_SIZE = 50
MAX_SLICE_SIZE = 5000
# Up to this many fetched cases, run() reads only those cases from the layer snapshot, filtered in SQL.
SNAPSHOT_FILTER_MAX_IDS = 2000
# Progress of a fetch when its changes are planned; writing the slices fills the rest of the bar.
PLANNED_PROGRESS = 80.0


@dataclass
class TaskOutcome:
    """Result of a task as reported to its caller: a translated message, and the error when it failed."""

    ok: bool = False
    cancelled: bool = False
    message: str = ""
    error: Optional[SosError] = None


@dataclass
class FetchOutcome(TaskOutcome):
    """Outcome of a fetch: counts of the fetched records and of the changes to the layer."""

    fetched: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    full: bool = False
    kept_pending: int = 0
    next_updated_since: Optional[str] = None
    rejected_items: list[Any] = field(default_factory=list)
    # Ids of the cases added to and changed in the layer, for the dock to show.
    added_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    # Seconds the main thread spent writing, the number of slices it wrote in and the longest slice.
    write_s: float = 0.0
    slices: int = 0
    longest_slice_s: float = 0.0


@dataclass
class AnalyseOutcome(TaskOutcome):
    """Outcome of a hazard analysis: counts of cases in each hazard and of repaired hazard geometries."""

    analysed: int = 0
    in_flood: int = 0
    in_landslide_zone: int = 0
    unknown: int = 0
    repaired: int = 0
    warnings: list[str] = field(default_factory=list)
    # Cases changed or moved between the snapshot and their slice (see HazardSliceWriter).
    recomputed: int = 0
    moved: int = 0
    # Whether commune fields were written, and how many written cases lie in a commune.
    communes_assigned: bool = False
    in_commune: int = 0
    analysed_at: Optional[datetime] = None
    # Seconds the main thread spent writing, the number of slices it wrote in and the longest slice.
    write_s: float = 0.0
    slices: int = 0
    longest_slice_s: float = 0.0


@dataclass
class SetStatusOutcome(TaskOutcome):
    """Outcome of a batch status change, with the server's result for each item in the order sent."""

    sent: int = 0
    confirmed: int = 0
    conflicts: int = 0
    failed: int = 0
    results: list[Any] = field(default_factory=list)


def _unexpected_error(error: Exception) -> SosError:
    return SosError(
        QCoreApplication.translate(
            "SosTasks", "An unexpected error occurred. The QGIS log (tag SOS) has the details."
        ),
        f"{type(error).__name__}: {error}",
    )


def _layer_alive(layer: Optional[QgsMapLayer]) -> bool:
    return layer is not None and not sip.isdeleted(layer) and layer.isValid()


class _SosTask(QgsTask):
    """Common run/finished plumbing: run() stores an error instead of raising, finished() reports once."""

    def __init__(self, description: str, on_done: Callable[[Any], None]) -> None:
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.on_done = on_done
        self.error: Optional[SosError] = None
        self._gc_frozen = False

    def run(self) -> bool:
        try:
            self.work()
        except SosError as error:
            self.error = error
            LOGGER.warning("%s failed: %s (%s)", self.description(), error.message, error.details)
            return False
        except Exception as error:
            LOGGER.exception("%s failed with an unexpected error", self.description())
            self.error = _unexpected_error(error)
            return False
        finally:
            # The client's connections belong to this worker thread; close them before the thread ends.
            client = getattr(self, "client", None)
            if client is not None and hasattr(client, "close"):
                client.close()
        return not self.isCanceled()

    def work(self) -> None:
        raise NotImplementedError

    def _work_with_gc_paused(self, work: Callable[[], None]) -> None:
        """Run `work` with garbage collection paused, then freeze what is alive until _release_gc.

        Python's garbage collector stops every thread, the main thread included, for a full pass over all
        tracked objects. The records and planned features of a 50,000-case fetch, or the results of a
        100,000-case analysis, are hundreds of thousands of such objects, and passes over them froze QGIS
        for 100 to 270 ms in scripts/bench.py. So collection is paused while the work runs, and what is
        alive at its end is frozen (left out of passes) until the last slice is written. Reference
        counting still frees everything that is not in a cycle.
        """
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            work()
        finally:
            gc.freeze()
            self._gc_frozen = True
            if gc_was_enabled:
                gc.enable()

    def _release_gc(self) -> None:
        """Give the objects frozen at the end of run() back to the garbage collector, once."""
        if self._gc_frozen:
            self._gc_frozen = False
            gc.unfreeze()

    def _report(self, outcome: TaskOutcome) -> None:
        try:
            self.on_done(outcome)
        except Exception:
            # The callback belongs to the caller; its bug must not hide the task's result in the log.
            LOGGER.exception("on_done of %s raised", self.description())


def flag_outside_area(records: Sequence[Any], area: QgsGeometry) -> int:
    """Set or clear the outside_service_area flag of each located record from a WGS 84 area polygon.

    The polygon replaces the bbox test of core.records for these records. Records without a location keep
    their flags. Runs on any thread with its own copy of the geometry. Returns how many records are outside.
    """
    engine = QgsGeometry.createGeometryEngine(area.constGet())
    engine.prepareGeometry()
    outside = 0
    for record in records:
        if record.lon is None or record.lat is None:
            continue
        flags = [flag for flag in record.quality_flags if flag != "outside_service_area"]
        if not engine.intersects(QgsPoint(record.lon, record.lat)):
            flags.append("outside_service_area")
            outside += 1
        record.quality_flags = flags
    return outside


class FetchCasesTask(_SosTask):
    """Fetch cases from the service and merge them into the case layer in place.

    The constructor must run on the main thread: it takes a snapshot of the layer's features. run() fetches
    the records, reads the snapshot and plans the changes on a worker thread. finished() hands the plan to a
    CaseSliceWriter, which writes it on the main thread in slices between which the event loop runs, so the
    user interface never freezes for the whole batch. The outcome is reported after the last slice.

    A failed, cancelled or stopped fetch stores no sync state, so the next refresh fetches again whatever
    was not written. After a complete fetch, `next_updated_since` is stored in the layer's GeoPackage under
    `service_url` and `service_area`.
    """

    def __init__(
        self,
        client: Any,
        layer: QgsVectorLayer,
        updated_since: Optional[str],
        service_area: Optional[BBox],
        on_done: Callable[[FetchOutcome], None],
        service_url: str = "",
        slice_size: int = DEFAULT_SLICE_SIZE,
        service_area_geometry: Optional[QgsGeometry] = None,
    ) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Fetching SOS cases"), on_done)
        self.client = client
        self.layer = layer
        self.updated_since = updated_since
        self.service_area = service_area
        # A service area polygon in WGS 84 (settings.service_area_geometry), which replaces the bbox for the
        # outside_service_area flag. A copy, because the worker thread must not share the caller's geometry.
        self.service_area_geometry = (
            QgsGeometry(service_area_geometry) if service_area_geometry is not None else None
        )
        # Read on the main thread, where the settings of the QGIS profile are read everywhere else.
        self.weights = Settings().priority_weights
        self.service_url = service_url or getattr(getattr(client, "config", None), "base_url", "")
        self.slice_size = slice_size
        self.result_data: Any = None
        self.plan: Optional[WritePlan] = None
        self.writer: Optional[CaseSliceWriter] = None
        self._stopped = False
        # Called with the percentage while slices are written. QGIS may have deleted the QgsTask by then, so
        # code that runs after finished() uses only the Python attributes set here, never QgsTask methods.
        self.on_write_progress: Optional[Callable[[float], None]] = None
        self.write_progress = 0.0
        # Taken on the main thread, read in run(): a copy of the layer's features at this moment.
        self.fields = layer.fields()
        self.source: Optional[QgsVectorLayerFeatureSource] = QgsVectorLayerFeatureSource(layer)
        self.outbox_path = outbox_path_of(layer)
        self.base_write_count = layer_write_count(layer)

    def work(self) -> None:
        self._work_with_gc_paused(self._fetch_and_plan)

    def _fetch_and_plan(self) -> None:
        from .core.sync import fetch_cases

        self.result_data = fetch_cases(
            self.client,
            updated_since=self.updated_since,
            service_area=self.service_area,
            is_cancelled=self.isCanceled,
            on_progress=self._on_fetch_progress,
        )
        if self.isCanceled():
            return
        if self.service_area_geometry is not None:
            flag_outside_area(self.result_data.records, self.service_area_geometry)
        protected_ids = _unconfirmed_case_ids(self.outbox_path)
        ids = {record.id for record in self.result_data.records if record.id}
        # A refresh brings a few cases: reading only those is much faster than reading the whole layer.
        filter_ids = ids if len(ids) <= SNAPSHOT_FILTER_MAX_IDS else None
        try:
            existing = read_existing_cases(self.source, self.fields, filter_ids)
        finally:
            # The snapshot holds a connection to the GeoPackage: release it now, not when QGIS exits.
            self.source = None
        self.plan = plan_records(
            self.result_data.records, existing, self.fields, protected_ids, weights=self.weights
        )
        self.setProgress(max(self.progress(), PLANNED_PROGRESS))

    def _on_fetch_progress(self, *values: Any) -> None:
        # Paging has no known end, so the progress bar shows one step per page up to PLANNED_PROGRESS.
        self.setProgress(min(PLANNED_PROGRESS - 5.0, self.progress() + 5.0))

    def stop(self) -> None:
        """Stop the fetch: cancel run() when it still runs, or stop writing slices.

        Safe after QGIS deleted the finished task. Slices already written stay, and no sync state is stored,
        so the next refresh fetches the rest.
        """
        self._stopped = True
        if self.writer is not None:
            self.writer.stop()
            return
        if not sip.isdeleted(self):
            self.cancel()

    def writing(self) -> bool:
        """Return whether finished() handed the plan to a writer that has slices left to write."""
        return self.writer is not None and self.writer.active()

    def finished(self, result: bool) -> None:
        outcome = FetchOutcome()
        if not result or self.result_data is None or self.plan is None or self._stopped:
            self._release_gc()
            self._report(self._failed(outcome))
            return
        if not _layer_alive(self.layer):
            self._release_gc()
            outcome.message = _layer_removed_message()
            self._report(outcome)
            return

        data = self.result_data
        outcome.fetched = len(data.records)
        outcome.rejected = len(data.rejected)
        outcome.rejected_items = list(data.rejected)
        outcome.duplicates = len(data.duplicates)
        outcome.full = bool(data.full)
        outcome.next_updated_since = data.next_updated_since
        self.writer = CaseSliceWriter(
            self.layer,
            self.plan,
            self.base_write_count,
            lambda written: self._on_written(outcome, written),
            slice_size=self.slice_size,
            on_progress=self._on_write_progress,
        )
        self.writer.start()

    def _on_write_progress(self, fraction: float) -> None:
        self.write_progress = PLANNED_PROGRESS + (100.0 - PLANNED_PROGRESS) * fraction
        if self.on_write_progress is not None:
            self.on_write_progress(self.write_progress)

    def _on_written(self, outcome: FetchOutcome, written: WriteResult) -> None:
        self._release_gc()
        stats = written.stats
        outcome.write_s = written.busy_s
        outcome.slices = written.slices
        outcome.longest_slice_s = written.longest_slice_s
        outcome.added_ids = written.added_ids
        outcome.changed_ids = written.changed_ids
        if written.error is not None:
            outcome.error = written.error
            outcome.message = error_message(written.error)
            LOGGER.warning(
                "Writing fetched cases failed: %s (%s)", written.error.message, written.error.details
            )
            self._report(outcome)
            return
        if not written.complete:
            outcome.cancelled = True
            if written.layer_removed:
                outcome.message = _layer_removed_message()
            else:
                outcome.message = QCoreApplication.translate(
                    "SosTasks",
                    "The refresh was stopped after {written} of {total} changes were written. The next "
                    "refresh fetches the rest.",
                ).format(written=written.written, total=written.total)
            LOGGER.info("Fetch stopped after %d of %d changes written", written.written, written.total)
            self._report(outcome)
            return
        try:
            # A case kept for its pending change skipped this refresh's values. The stored time is not
            # advanced, so the next refresh reads that case again in case its change ends up not applied.
            if not stats.kept_pending:
                write_sync_state(
                    gpkg_path_of(self.layer),
                    self.result_data.next_updated_since,
                    layer_name=_layer_name_of(self.layer),
                    service_url=self.service_url,
                    service_area=self.service_area,
                )
            update_sync_states(self.layer)
        except SosError as error:
            outcome.error = error
            outcome.message = error_message(error)
            LOGGER.warning("Storing the sync state failed: %s (%s)", error.message, error.details)
            self._report(outcome)
            return
        outcome.ok = True
        outcome.added = stats.added
        outcome.updated = stats.updated
        outcome.unchanged = stats.unchanged
        outcome.kept_pending = stats.kept_pending
        outcome.message = _fetch_message(outcome)
        self._report(outcome)

    def _failed(self, outcome: TaskOutcome) -> TaskOutcome:
        if self.isCanceled() or self._stopped:
            outcome.cancelled = True
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The refresh was cancelled. The case layer was not changed."
            )
            return outcome
        outcome.error = self.error
        detail = error_message(self.error) if self.error is not None else ""
        outcome.message = QCoreApplication.translate(
            "SosTasks", "The refresh failed and the case layer was not changed: {}"
        ).format(detail)
        return outcome


def _layer_removed_message() -> str:
    return QCoreApplication.translate(
        "SosTasks", "The case layer was removed while the cases were fetched; the rest was not written."
    )


@dataclass
class SliceResult:
    """Outcome of a slice writer: items written of the total, main-thread time, and why it stopped early."""

    total: int = 0
    written: int = 0
    slices: int = 0
    busy_s: float = 0.0
    longest_slice_s: float = 0.0
    complete: bool = False
    layer_removed: bool = False
    error: Optional[SosError] = None


@dataclass
class WriteResult(SliceResult):
    """Result of a CaseSliceWriter: counts, the ids added and changed, and why it stopped early."""

    stats: ApplyStats = field(default_factory=ApplyStats)
    added_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)


def _next_slice_size(count: int, elapsed_s: float, target_s: float = SLICE_TARGET_S) -> int:
    """Size the next slice so that it takes about `target_s` at the rate of the last one."""
    if elapsed_s <= 0.0:
        return MAX_SLICE_SIZE
    size = int(count * target_s / elapsed_s)
    return max(MIN_SLICE_SIZE, min(MAX_SLICE_SIZE, size))


class SliceLoop:
    """Write a list of items to a layer on the main thread, one slice of items per event loop turn.

    The first slice has `slice_size` items; later ones are sized to take about `target_s` each, so the
    user interface stays responsive between them. Subclasses write one slice in `_write_slice(part)`,
    which may raise SosError to stop the loop. `on_done(result)` is called once, after the last slice or
    when stop() is called, the layer is removed or a slice fails.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        items: list[Any],
        result: SliceResult,
        on_done: Callable[[Any], None],
        slice_size: int = DEFAULT_SLICE_SIZE,
        on_progress: Optional[Callable[[float], None]] = None,
        target_s: float = SLICE_TARGET_S,
    ) -> None:
        self.layer = layer
        self.target_s = target_s
        self.slice_size = max(MIN_SLICE_SIZE, int(slice_size))
        self.on_done = on_done
        self.on_progress = on_progress
        self.items = items
        self.position = 0
        self.result = result
        self.result.total = len(items)
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._write_next_slice)
        self._done = False

    def start(self) -> None:
        """Write the first slice at the next event loop turn."""
        self.timer.start(0)

    def active(self) -> bool:
        """Return whether slices are left to write and the writer was not stopped."""
        return not self._done

    def stop(self) -> None:
        """Stop writing; what was written stays, and on_done gets an incomplete result."""
        if self._done:
            return
        self.timer.stop()
        self._finish()

    def _write_next_slice(self) -> None:
        if self._done:
            return
        if not _layer_alive(self.layer):
            self.result.layer_removed = True
            self._finish()
            return

        started = time.perf_counter()
        part = self.items[self.position : self.position + self.slice_size]
        try:
            self._write_slice(part)
        except SosError as error:
            self.result.error = error
            self._finish()
            return

        elapsed_s = time.perf_counter() - started
        self.position += len(part)
        self.result.written = self.position
        self.result.slices += 1
        self.result.busy_s += elapsed_s
        self.result.longest_slice_s = max(self.result.longest_slice_s, elapsed_s)
        # At most twice the last slice: the time per item varies, and a slice sized from one quick slice
        # overshot the target by 30 ms in scripts/bench.py.
        self.slice_size = min(_next_slice_size(len(part), elapsed_s, self.target_s), 2 * max(len(part), 1))
        self.slice_size = max(MIN_SLICE_SIZE, self.slice_size)

        if self.on_progress is not None and self.items:
            self.on_progress(self.position / len(self.items))
        if self._done:
            # on_progress stopped the writer, for example by unloading the plugin.
            return
        if self.position >= len(self.items):
            self.result.complete = True
            self._finish()
            return
        self.timer.start(0)

    def _write_slice(self, part: list[Any]) -> None:
        raise NotImplementedError

    def _log_finish(self) -> None:
        """Log what was written; called once, before on_done."""

    def _finish(self) -> None:
        self._done = True
        if _layer_alive(self.layer) and self.result.written:
            CaseLayerStore(self.layer).refresh()
        self._log_finish()
        try:
            self.on_done(self.result)
        except Exception:
            LOGGER.exception("on_done of the %s raised", type(self).__name__)


class CaseSliceWriter(SliceLoop):
    """Write a WritePlan to the case layer on the main thread, one slice of changes per event loop turn.

    The first slice has `slice_size` changes; later ones are sized to take about SLICE_TARGET_S each.

    Each slice first checks its part of the plan against the layer as it is now. Cases whose outbox change
    was queued after the plan was made are kept as they are. A case whose version changed since the
    snapshot (a confirmed status change, say) is planned again from its current values, so older data
    never overwrites a newer write. `on_done(WriteResult)` is called once, after the last slice or when
    stop() is called or the layer is removed.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        plan: WritePlan,
        base_write_count: int,
        on_done: Callable[[WriteResult], None],
        slice_size: int = DEFAULT_SLICE_SIZE,
        on_progress: Optional[Callable[[float], None]] = None,
    ) -> None:
        result = WriteResult()
        result.stats.unchanged = plan.stats.unchanged
        result.stats.failed = plan.stats.failed
        result.stats.kept_pending = plan.stats.kept_pending
        super().__init__(
            layer,
            list(plan.adds) + list(plan.updates),
            result,
            on_done,
            slice_size=slice_size,
            on_progress=on_progress,
        )
        self.base_write_count = base_write_count

    def _write_slice(self, part: list[Any]) -> None:
        store = CaseLayerStore(self.layer)
        stats = self.result.stats
        protected = unconfirmed_case_ids_of(self.layer)
        adds = [item for item in part if isinstance(item, PlannedAdd)]
        updates = [item for item in part if isinstance(item, PlannedUpdate)]
        replan: list[Any] = []

        fresh_updates = []
        if updates:
            current = store.current_versions([item.fid for item in updates])
            for item in updates:
                if item.case_id in protected:
                    stats.kept_pending += 1
                elif current.get(item.fid) != (item.case_id, item.base_version):
                    replan.append(item.record)
                else:
                    fresh_updates.append(item)
        fresh_adds = adds
        if adds and layer_write_count(self.layer) != self.base_write_count:
            # Another writer changed the layer since the snapshot: a case may have been added meanwhile.
            present = read_existing_cases(
                self.layer.dataProvider(), self.layer.fields(), [item.case_id for item in adds]
            )
            fresh_adds = [item for item in adds if item.case_id not in present]
            replan.extend(item.record for item in adds if item.case_id in present)

        added, updated = store.write_plan(fresh_adds, fresh_updates)
        stats.added += added
        stats.updated += updated
        self.result.added_ids.extend(item.case_id for item in fresh_adds)
        self.result.changed_ids.extend(item.case_id for item in fresh_updates)
        if replan:
            LOGGER.info("%d fetched cases changed since the snapshot; planned again", len(replan))
            before = layer_write_count(self.layer)
            again = store.apply_records(replan, protected_ids=protected)
            stats.added += again.added
            stats.updated += again.updated
            stats.unchanged += again.unchanged
            stats.kept_pending += again.kept_pending
            if layer_write_count(self.layer) != before:
                self.result.changed_ids.extend(record.id for record in replan)
        # Our own writes do not make the rest of the plan stale.
        self.base_write_count = layer_write_count(self.layer)
        # Repainting each slice would redraw the map many times for one refresh; a repaint follows the last.

    def _log_finish(self) -> None:
        LOGGER.info(
            "Case layer %s: %d added, %d updated, %d unchanged, %d kept for pending changes (%d slices, "
            "%.3f s on the main thread)",
            self.layer.name() if _layer_alive(self.layer) else "(removed)",
            self.result.stats.added,
            self.result.stats.updated,
            self.result.stats.unchanged,
            self.result.stats.kept_pending,
            self.result.slices,
            self.result.busy_s,
        )


def _layer_name_of(layer: QgsVectorLayer) -> str:
    for part in layer.source().split("|")[1:]:
        if part.startswith("layername="):
            return part[len("layername=") :]
    return layer.name()


def _fetch_message(outcome: FetchOutcome) -> str:
    if outcome.fetched == 0 and outcome.rejected == 0:
        if outcome.full:
            return QCoreApplication.translate("SosTasks", "The service returned no cases for this area.")
        return QCoreApplication.translate("SosTasks", "No case changed since the last refresh.")
    message = QCoreApplication.translate(
        "SosTasks", "{fetched} cases fetched: {added} new, {updated} updated, {unchanged} unchanged."
    ).format(
        fetched=outcome.fetched, added=outcome.added, updated=outcome.updated, unchanged=outcome.unchanged
    )
    if outcome.rejected:
        message += " " + QCoreApplication.translate(
            "SosTasks", "{} records were rejected as invalid; the log lists them."
        ).format(outcome.rejected)
    if outcome.kept_pending:
        message += " " + QCoreApplication.translate(
            "SosTasks", "{} cases with a status change waiting to be sent were kept as they are."
        ).format(outcome.kept_pending)
    return message


def unconfirmed_case_ids_of(layer: QgsVectorLayer) -> set[str]:
    """Return the ids of the layer's cases with a pending or sent change in the outbox beside it.

    Raises SosError when the outbox exists but cannot be read.
    """
    return _unconfirmed_case_ids(outbox_path_of(layer))


def _unconfirmed_case_ids(path: str) -> set[str]:
    import os
    import sqlite3

    from .core.outbox import Outbox

    if not os.path.isfile(path):
        return set()
    try:
        with Outbox(path) as outbox:
            return outbox.unconfirmed_case_ids()
    except sqlite3.Error as error:
        raise _outbox_error(path, error) from error


def _outbox_error(path: str, error: Exception) -> SosError:
    return SosError(
        QCoreApplication.translate("SosTasks", "Could not read or write the outbox {}.").format(path),
        f"{type(error).__name__}: {error}",
    )


# Case id -> (feature id, version) of the case layer, read just before the analysis snapshot.
CaseVersions = dict[str, tuple[int, Optional[int]]]


def read_case_versions(source: Any) -> CaseVersions:
    """Read {case id: (feature id, version)} of a case layer snapshot. Runs on any thread.

    `source` is a hazard_layers.CaseSourceSnapshot: a plain GeoPackage layer is read straight from the file
    with sqlite3, any other through its feature source. Features without an id are skipped.
    """
    import sqlite3

    gpkg_path = getattr(source, "gpkg_path", None)
    table = getattr(source, "table", None)
    if gpkg_path and table:
        try:
            return _read_gpkg_versions(gpkg_path, table)
        except sqlite3.Error as error:
            LOGGER.info("Reading case versions from %s directly failed (%s)", gpkg_path, error)
    feature_source = getattr(source, "feature_source", source)
    request = QgsFeatureRequest()
    request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setSubsetOfAttributes(["id", "version"], feature_source.fields())
    versions: CaseVersions = {}
    for feature in feature_source.getFeatures(request):
        case_id = feature["id"]
        if case_id is None or case_id == NULL:
            continue
        version = feature["version"]
        versions[str(case_id)] = (feature.id(), None if version == NULL or version is None else int(version))
    return versions


def _read_gpkg_versions(path: str, table: str) -> CaseVersions:
    import sqlite3
    from pathlib import Path

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    uri = Path(path).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        columns = connection.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        keys = [column[1] for column in columns if column[5]]
        if len(keys) != 1:
            raise sqlite3.DatabaseError(f"{table} has {len(keys)} primary key columns")
        rows = connection.execute(
            f"SELECT {quote(keys[0])}, id, version FROM {quote(table)} WHERE id IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    return {
        str(case_id): (int(fid), None if version is None else int(version)) for fid, case_id, version in rows
    }


def admin_communes_from_settings(project: Optional[QgsProject] = None) -> tuple[Optional[list[Any]], str]:
    """Read the communes of the admin layer named in the settings. Call on the main thread.

    Returns (communes, warning): communes is None when no admin layer is set, or when it is missing from
    the project, not a polygon layer or unreadable. The warning (translated, "" when none) names the cause.
    """
    from qgis.core import QgsWkbTypes

    layer_id = Settings().admin_layer_id
    if not layer_id:
        return None, ""
    layer = (project or QgsProject.instance()).mapLayer(layer_id)
    if (
        not isinstance(layer, QgsVectorLayer)
        or not layer.isValid()
        or layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry
    ):
        LOGGER.warning("The admin layer %s is not a polygon layer of the project", layer_id)
        return None, QCoreApplication.translate(
            "SosTasks",
            "The admin layer chosen in the settings is not a polygon layer of this project, so communes "
            "were not assigned.",
        )
    from .admin_layers import read_communes

    try:
        return read_communes(layer), ""
    except (SosError, ImportError) as error:
        LOGGER.warning("Communes of %s not read: %s", layer.name(), error)
        return None, QCoreApplication.translate(
            "SosTasks", "The communes of the admin layer {} could not be read, so they were not assigned."
        ).format(layer.name())


def case_values_with_hazards(values: dict[str, Any], result: Any) -> dict[str, Any]:
    """Return case field values with the hazard fields of `result` (all unknown when it is None)."""
    return {
        **values,
        "in_flood": getattr(result, "in_flood", None),
        "in_landslide_zone": getattr(result, "in_landslide_zone", None),
        "flood_depth_m": getattr(result, "flood_depth_m", None),
        "landslide_distance_m": getattr(result, "landslide_distance_m", None),
    }


@dataclass
class HazardWritePlan:
    """What an analysis writes to the case layer, with the state of each case when it was analysed.

    `base` contains each analysed case's feature id and version, read just before the snapshot, and `points`
    the WGS 84 point it was analysed at (None without a location). `communes` maps case id to (code, name)
    or None (in no commune). It is None when no admin layer was given, and commune fields then stay as they
    are. `commune_index` locates a case that moved since the snapshot.
    """

    base: CaseVersions
    points: dict[str, Optional[tuple[float, float]]]
    results: dict[str, Any]
    priorities: dict[str, Optional[float]]
    reasons: dict[str, str]
    analysed_at: Any
    weights: Any = None
    communes: Optional[dict[str, Optional[tuple[str, str]]]] = None
    commune_index: Any = None


# Cases whose priorities are computed between two checks for cancellation.
_PRIORITY_BATCH = 20000


def plan_hazard_writes(
    base: CaseVersions,
    cases: Any,
    analysis: HazardAnalysis,
    weights: Any = None,
    communes: Optional[Sequence[Any]] = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> HazardWritePlan:
    """Compute each analysed case's priority and reason, and locate it in `communes`. Runs on any thread.

    The priority and reason come from priority_text.case_priorities (each equal to case_priority's), with the
    case's snapshot values and its hazard result, at the analysis time and with `weights`. They replace the
    analysis' priorities, so the layer's priority always matches its reason. Cases absent from `base` (added
    after it was read) are left out. Raises SosError when cancelled.
    """
    from .priority_text import case_priorities

    plan = HazardWritePlan(
        base=base,
        points={},
        results=analysis.results,
        priorities={},
        reasons={},
        analysed_at=analysis.analysed_at,
        weights=weights,
    )
    results = analysis.results
    planned: list[str] = []
    rows: list[dict[str, Any]] = []
    for position, (case_id, point, attributes) in enumerate(zip(cases.ids, cases.points, cases.attributes)):
        if position % 5000 == 0 and is_cancelled():
            raise _analysis_cancelled_error()
        if case_id not in base:
            continue
        plan.points[case_id] = point
        planned.append(case_id)
        rows.append(case_values_with_hazards(attributes, results.get(case_id)))
    computed: list[tuple[Optional[float], str]] = []
    for start in range(0, len(rows), _PRIORITY_BATCH):
        if is_cancelled():
            raise _analysis_cancelled_error()
        computed.extend(case_priorities(rows[start : start + _PRIORITY_BATCH], analysis.analysed_at, weights))
    plan.priorities = dict(zip(planned, [priority for priority, _ in computed]))
    plan.reasons = dict(zip(planned, [reason for _, reason in computed]))
    # The analysis counted its own priorities; the layer gets these.
    analysis.priorities = dict(plan.priorities)
    if communes is not None:
        from .core.communes import CommuneIndex

        index = CommuneIndex(communes)
        located = [(case_id, point) for case_id, point in plan.points.items() if point is not None]
        found = index.locate([xy[0] for _, xy in located], [xy[1] for _, xy in located])
        plan.communes = {case_id: None for case_id in plan.points}
        for (case_id, _point), number in zip(located, found):
            if number is not None:
                commune = index.communes[number]
                plan.communes[case_id] = (commune.code, commune.name)
        plan.commune_index = index
    return plan


def _analysis_cancelled_error() -> SosError:
    return SosError(
        QCoreApplication.translate("SosTasks", "The hazard analysis was cancelled."),
        "hazard analysis cancelled",
    )


@dataclass
class HazardWriteResult(SliceResult):
    """Result of a HazardSliceWriter: cases written, and those found changed since the snapshot."""

    # Cases whose record changed since the snapshot: priority and reason computed again from their values.
    recomputed: int = 0
    # Cases that moved since the snapshot: their hazard fields stay unknown (NULL) until the next analysis.
    moved: int = 0
    # Cases no longer in the layer under the same feature id.
    missing: int = 0
    # Cases written that lie in a commune (0 without an admin layer).
    in_commune: int = 0


# Two points closer than this in degrees (about 1 mm) are the same location.
_SAME_POINT_DEGREES = 1e-8


class HazardSliceWriter(SliceLoop):
    """Write a HazardWritePlan to the case layer on the main thread, one slice of cases per event loop turn.

    Each slice reads the version of its cases. A case whose version is the one read before the snapshot
    gets the analysis' values. A case changed since then (a fetch or a confirmed status change) keeps its
    new record values. If it has not moved, its hazard fields are written, and its priority and reason are
    computed again from its current values. If it moved, its hazard fields stay unknown (the fetch set
    them to NULL) and only its commune is located again. `on_done(HazardWriteResult)` is called once.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        plan: HazardWritePlan,
        on_done: Callable[[HazardWriteResult], None],
        slice_size: int = DEFAULT_SLICE_SIZE,
        on_progress: Optional[Callable[[float], None]] = None,
    ) -> None:
        # In feature id order, so that each slice reads and writes neighbouring rows of the file.
        items = sorted(plan.points, key=lambda case_id: plan.base[case_id][0])
        super().__init__(layer, items, HazardWriteResult(), on_done, slice_size, on_progress)
        self.plan = plan
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        self.to_wgs84: Optional[QgsCoordinateTransform] = None
        if layer.crs() != wgs84:
            self.to_wgs84 = QgsCoordinateTransform(
                layer.crs(), wgs84, QgsProject.instance().transformContext()
            )

    def write_all(self) -> HazardWriteResult:
        """Write every case at once on the calling (main) thread, with the same checks, and return the result.

        For Processing's postProcessAlgorithm, which must return when the layer is written. Raises SosError
        when the provider rejects the change. on_done is not called.
        """
        self._write_slice(self.items)
        self._done = True
        self.position = self.result.written = len(self.items)
        self.result.complete = True
        if _layer_alive(self.layer):
            CaseLayerStore(self.layer).refresh()
        return self.result

    def _write_slice(self, part: list[Any]) -> None:
        plan = self.plan
        result = self.result
        store = CaseLayerStore(self.layer)
        builder = HazardRowBuilder(self.layer.fields(), plan.analysed_at)
        current = store.current_versions([plan.base[case_id][0] for case_id in part])
        changes: dict[int, dict[int, Any]] = {}
        changed: list[str] = []
        for case_id in part:
            fid, version = plan.base[case_id]
            now = current.get(fid)
            if now is None or now[0] != case_id:
                result.missing += 1
                continue
            if now[1] != version:
                changed.append(case_id)
                continue
            commune = self._commune_of(case_id)
            changes[fid] = builder.row(
                result=plan.results.get(case_id),
                priority=plan.priorities.get(case_id),
                reason=plan.reasons.get(case_id),
                commune=commune,
            )
        if changed:
            self._rows_of_changed(store, builder, changed, changes)
        store.write_attribute_changes(changes)

    def _commune_of(self, case_id: str) -> Any:
        communes = self.plan.communes
        if communes is None:
            return KEEP
        commune = communes.get(case_id)
        if commune is not None:
            self.result.in_commune += 1
        return commune

    def _rows_of_changed(
        self,
        store: CaseLayerStore,
        builder: HazardRowBuilder,
        case_ids: list[str],
        changes: dict[int, dict[int, Any]],
    ) -> None:
        from .priority_text import case_priority

        plan = self.plan
        features = store.read_features([plan.base[case_id][0] for case_id in case_ids])
        names = [field.name() for field in self.layer.fields()]
        for case_id in case_ids:
            fid = plan.base[case_id][0]
            feature = features.get(fid)
            if feature is None:
                self.result.missing += 1
                continue
            point = self._wgs84_point(feature)
            if not _same_point(point, plan.points.get(case_id)):
                self.result.moved += 1
                if plan.commune_index is not None:
                    commune = self._locate(point)
                    self.result.in_commune += commune is not None
                    changes[fid] = builder.row(commune=commune, stamp=False)
                continue
            self.result.recomputed += 1
            hazard = plan.results.get(case_id)
            values = case_values_with_hazards(dict(zip(names, feature.attributes())), hazard)
            priority, reason = case_priority(values, plan.analysed_at, plan.weights)
            changes[fid] = builder.row(
                result=hazard, priority=priority, reason=reason, commune=self._commune_of(case_id)
            )

    def _wgs84_point(self, feature: Any) -> Optional[tuple[float, float]]:
        geometry = feature.geometry()
        if geometry is None or geometry.isNull() or geometry.isEmpty():
            return None
        xy = geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
        if self.to_wgs84 is not None:
            try:
                xy = self.to_wgs84.transform(xy)
            except QgsCsException:
                return None
        return (xy.x(), xy.y())

    def _locate(self, point: Optional[tuple[float, float]]) -> Optional[tuple[str, str]]:
        if point is None:
            return None
        found = self.plan.commune_index.locate([point[0]], [point[1]])[0]
        if found is None:
            return None
        commune = self.plan.commune_index.communes[found]
        return (commune.code, commune.name)

    def _log_finish(self) -> None:
        LOGGER.info(
            "Hazard results written to %s: %d of %d cases, %d changed since the snapshot, %d moved, %d gone "
            "(%d slices, %.3f s on the main thread, longest slice %.3f s)",
            self.layer.name() if _layer_alive(self.layer) else "(removed)",
            self.result.written,
            self.result.total,
            self.result.recomputed,
            self.result.moved,
            self.result.missing,
            self.result.slices,
            self.result.busy_s,
            self.result.longest_slice_s,
        )


def _same_point(a: Optional[tuple[float, float]], b: Optional[tuple[float, float]]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a[0] - b[0]) <= _SAME_POINT_DEGREES and abs(a[1] - b[1]) <= _SAME_POINT_DEGREES


class AnalyseHazardsTask(_SosTask):
    """Overlay the cases with the hazard layers and write hazard fields, priorities and communes in place.

    The constructor must run on the main thread: it snapshots the case layer and the hazard layers, and
    reads the priority weights and, when an admin layer is set, its communes (see
    admin_communes_from_settings), unless they are given. run() reads the cases' versions and then the
    snapshot, analyses, computes each case's priority with its reason and locates its commune. finished()
    hands the results to a HazardSliceWriter, which writes them in slices on the main thread; the outcome is
    reported after the last slice. Give `communes=[]` to leave the commune fields as they are.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        flood_layers: Sequence[QgsMapLayer],
        landslide_layers: Sequence[QgsMapLayer],
        radius_m: float,
        on_done: Callable[[AnalyseOutcome], None],
        weights: Any = None,
        communes: Optional[Sequence[Any]] = None,
        slice_size: int = DEFAULT_SLICE_SIZE,
    ) -> None:
        super().__init__(
            QCoreApplication.translate("SosTasks", "Analysing SOS cases against hazards"), on_done
        )
        self.layer = layer
        self.radius_m = float(radius_m)
        self.slice_size = slice_size
        self.transform_context = QgsProject.instance().transformContext()
        self.case_source = snapshot_case_source(layer)
        self.case_crs = layer.crs()
        self.hazard_snapshots, self.snapshot_warnings = snapshot_hazard_sources(
            flood_layers, landslide_layers
        )
        if weights is None:
            weights = Settings().priority_weights
        self.weights = weights
        if communes is None:
            communes, warning = admin_communes_from_settings()
            if warning:
                self.snapshot_warnings.append(warning)
        self.communes: Optional[list[Any]] = list(communes) if communes else None
        self.analysis: Optional[HazardAnalysis] = None
        self.plan: Optional[HazardWritePlan] = None
        self.writer: Optional[HazardSliceWriter] = None
        self._stopped = False
        # Read after finished(): QGIS may have deleted the QgsTask by then, so only Python attributes.
        self.on_write_progress: Optional[Callable[[float], None]] = None

    def work(self) -> None:
        self._work_with_gc_paused(self._analyse)

    def _analyse(self) -> None:
        # The versions first: a case changed between this read and the snapshot is then seen as changed
        # when its slice is written, never the other way round.
        base = read_case_versions(self.case_source)
        cases = read_case_snapshot(self.case_source, self.case_crs, self.transform_context)
        self.setProgress(5.0)
        self.analysis = analyse_snapshots(
            cases,
            self.hazard_snapshots,
            self.radius_m,
            self.transform_context,
            is_cancelled=self.isCanceled,
            on_progress=lambda percent: self.setProgress(percent * 0.9),
            weights=self.weights,
            # plan_hazard_writes computes each priority with its reason in one batch.
            compute_priorities=False,
        )
        self.plan = plan_hazard_writes(
            base, cases, self.analysis, self.weights, self.communes, is_cancelled=self.isCanceled
        )
        self.setProgress(95.0)

    def stop(self) -> None:
        """Stop the analysis: cancel run() when it still runs, or stop writing slices. Safe after deletion.

        Slices already written stay: each written case has its own consistent results.
        """
        self._stopped = True
        if self.writer is not None:
            self.writer.stop()
            return
        if not sip.isdeleted(self):
            self.cancel()

    def writing(self) -> bool:
        """Return whether finished() handed the results to a writer that has slices left to write."""
        return self.writer is not None and self.writer.active()

    def finished(self, result: bool) -> None:
        outcome = AnalyseOutcome(warnings=list(self.snapshot_warnings))
        if not result or self.analysis is None or self.plan is None or self._stopped:
            self._release_gc()
            if self.isCanceled() or self._stopped:
                outcome.cancelled = True
                outcome.message = QCoreApplication.translate(
                    "SosTasks", "The hazard analysis was cancelled. The case layer was not changed."
                )
            else:
                outcome.error = self.error
                outcome.message = QCoreApplication.translate(
                    "SosTasks", "The hazard analysis failed and the case layer was not changed: {}"
                ).format(error_message(self.error) if self.error is not None else "")
            self._report(outcome)
            return
        if not _layer_alive(self.layer):
            self._release_gc()
            outcome.message = _analysis_layer_removed_message()
            self._report(outcome)
            return
        self.writer = HazardSliceWriter(
            self.layer,
            self.plan,
            lambda written: self._on_written(outcome, written),
            slice_size=self.slice_size,
            on_progress=self._on_write_progress,
        )
        self.writer.start()

    def _on_write_progress(self, fraction: float) -> None:
        if self.on_write_progress is not None:
            self.on_write_progress(95.0 + 5.0 * fraction)

    def _on_written(self, outcome: AnalyseOutcome, written: HazardWriteResult) -> None:
        self._release_gc()
        outcome.write_s = written.busy_s
        outcome.slices = written.slices
        outcome.longest_slice_s = written.longest_slice_s
        outcome.recomputed = written.recomputed
        outcome.moved = written.moved
        outcome.in_commune = written.in_commune
        outcome.communes_assigned = self.communes is not None
        if self.analysis is not None:
            outcome.analysed_at = self.analysis.analysed_at
        if written.error is not None:
            outcome.error = written.error
            outcome.message = error_message(written.error)
            LOGGER.warning(
                "Writing hazard results failed: %s (%s)", written.error.message, written.error.details
            )
            self._report(outcome)
            return
        if not written.complete:
            outcome.cancelled = True
            if written.layer_removed:
                outcome.message = _analysis_layer_removed_message()
            else:
                outcome.message = QCoreApplication.translate(
                    "SosTasks",
                    "The hazard analysis was stopped after the results of {written} of {total} cases were "
                    "written. Run it again to analyse every case.",
                ).format(written=written.written, total=written.total)
            self._report(outcome)
            return
        fill_analyse_outcome(outcome, self.analysis)
        if written.moved:
            outcome.message += " " + QCoreApplication.translate(
                "SosTasks",
                "{} cases moved during the analysis; their hazard fields stay unknown until the next "
                "analysis.",
            ).format(written.moved)
        if outcome.communes_assigned:
            outcome.message += " " + QCoreApplication.translate(
                "SosTasks", "{} cases lie in a commune of the admin layer."
            ).format(written.in_commune)
        self._report(outcome)


def _analysis_layer_removed_message() -> str:
    return QCoreApplication.translate(
        "SosTasks", "The case layer was removed during the hazard analysis; the rest was not written."
    )


def fill_analyse_outcome(outcome: AnalyseOutcome, analysis: HazardAnalysis) -> None:
    """Copy the counts of an analysis into an outcome and set its translated summary message."""
    outcome.ok = True
    outcome.analysed = len(analysis.priorities)
    outcome.in_flood = analysis.in_flood
    outcome.in_landslide_zone = analysis.in_landslide_zone
    outcome.unknown = analysis.unknown
    outcome.repaired = len(analysis.repairs)
    outcome.warnings.extend(analysis.warnings)
    outcome.message = QCoreApplication.translate(
        "SosTasks",
        "{analysed} cases analysed: {in_flood} in a flood zone, {in_landslide} in or near a landslide zone, "
        "{unknown} with unknown flood status.",
    ).format(
        analysed=outcome.analysed,
        in_flood=outcome.in_flood,
        in_landslide=outcome.in_landslide_zone,
        unknown=outcome.unknown,
    )
    if outcome.repaired:
        outcome.message += " " + QCoreApplication.translate(
            "SosTasks", "{} invalid hazard geometries were repaired; the log lists them."
        ).format(outcome.repaired)


def send_status_changes(client: Any, changes: Sequence[Any], idempotency_key: str) -> list[Any]:
    """Send status changes in batches of at most the client's batch limit; return one result per change.

    The first batch uses `idempotency_key` itself, so the server recognises a retried single batch. Later
    batches use a key derived from it and the batch number. Raises the client's SosError when a request fails,
    and the results of the batches already sent are then lost to the caller.
    """
    from .core.api_client import MAX_BATCH_CHANGES

    results: list[Any] = []
    changes = list(changes)
    for start in range(0, len(changes), MAX_BATCH_CHANGES):
        batch = changes[start : start + MAX_BATCH_CHANGES]
        number = start // MAX_BATCH_CHANGES
        key = (
            idempotency_key
            if number == 0
            else str(uuid.uuid5(uuid.NAMESPACE_URL, f"{idempotency_key}/{number}"))
        )
        results.extend(client.set_statuses(batch, idempotency_key=key))
    return results


def count_change_results(outcome: SetStatusOutcome, results: Sequence[Any]) -> None:
    """Count a batch's results into an outcome: ok is confirmed, conflict a conflict, the rest failed."""
    outcome.results = list(results)
    outcome.sent = len(outcome.results)
    outcome.confirmed = sum(1 for item in outcome.results if item.outcome == "ok")
    outcome.conflicts = sum(1 for item in outcome.results if item.outcome == "conflict")
    outcome.failed = outcome.sent - outcome.confirmed - outcome.conflicts


class SetStatusTask(_SosTask):
    """Send status changes in one batch request and apply only the confirmed cases to the layer."""

    def __init__(
        self,
        client: Any,
        layer: QgsVectorLayer,
        changes: Sequence[Any],
        idempotency_key: str,
        on_done: Callable[[SetStatusOutcome], None],
    ) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Sending status changes"), on_done)
        self.client = client
        self.layer = layer
        self.changes = list(changes)
        self.idempotency_key = idempotency_key
        self.results: Optional[list[Any]] = None

    def work(self) -> None:
        self.results = send_status_changes(self.client, self.changes, self.idempotency_key)

    def finished(self, result: bool) -> None:
        outcome = SetStatusOutcome()
        # Results that arrived are applied even when the task was cancelled later: the server has the changes.
        if self.results is None:
            outcome.cancelled = self.isCanceled()
            outcome.error = self.error
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The status changes could not be sent: {}"
            ).format(error_message(self.error) if self.error is not None else "")
            self._report(outcome)
            return
        count_change_results(outcome, self.results)
        confirmed = [item.case for item in self.results if item.outcome == "ok" and item.case]
        if confirmed and _layer_alive(self.layer):
            try:
                CaseLayerStore(self.layer).apply_confirmed_cases(confirmed)
            except SosError as error:
                # The server has the changes; the layer catches up on the next refresh.
                LOGGER.warning(
                    "Confirmed cases not written to the layer: %s (%s)", error.message, error.details
                )
        outcome.ok = outcome.failed == 0 and outcome.conflicts == 0
        outcome.message = QCoreApplication.translate(
            "SosTasks",
            "{sent} status changes sent: {confirmed} confirmed, {conflicts} conflicts, {failed} failed.",
        ).format(
            sent=outcome.sent, confirmed=outcome.confirmed, conflicts=outcome.conflicts, failed=outcome.failed
        )
        self._report(outcome)


# --- outbox sending

# HTTP statuses of a rejected batch request that may pass on a later try: sign-in, rate limit, a request with
# the same key still running. Other 4xx statuses reject the batch itself, so its changes are marked failed.
_TRANSIENT_HTTP_STATUSES = frozenset({401, 403, 408, 409, 425, 429})
#: Number of case ids a message lists before it adds "and N more".
MESSAGE_ID_LIMIT = 10


def is_transient_send_error(error: SosError) -> bool:
    """Tell whether a failed batch request should be sent again later with the same key and body.

    Network errors, 5xx statuses, the transient 4xx statuses and unreadable 2xx responses (a captive portal's
    login page) are transient. Any other 4xx status means the server rejected the batch as a whole.
    """
    status = getattr(error, "status", None)
    if not isinstance(status, int):
        return True
    return not (400 <= status < 500) or status in _TRANSIENT_HTTP_STATUSES


@dataclass
class SendReport:
    """Result of one pass over the outbox: updated changes, cases to apply, the error that stopped it."""

    changes: list[Any] = field(default_factory=list)
    confirmed_cases: list[dict] = field(default_factory=list)
    conflict_cases: list[dict] = field(default_factory=list)
    error: Optional[SosError] = None
    rejected_batches: int = 0


def send_outbox(
    client: Any,
    outbox: Any,
    batch_keys: Optional[Collection[str]] = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> SendReport:
    """Send the outbox's sendable batches (only those in `batch_keys` when given) and store each result.

    Each batch goes with its stored Idempotency-Key and a body built from the changes that
    Outbox.claim_batch marks sent in the same transaction, in stored order. So a change superseded while an
    earlier batch was in flight is never sent, and a resend after a crash is byte for byte the first
    request, which the server replays. The sendable batches are read again after each batch, so a batch
    released by a confirmed earlier change of its case (and rebased onto it), or queued meanwhile, goes in
    the same pass. Each batch is sent at most once per pass, and a held batch waits for a later pass.

    A transient error (see is_transient_send_error), or results that do not pair with the changes sent,
    stop the pass and leave the changes sent, to be resent with the same key. A batch that the server
    rejects as a whole gets its changes marked failed, and the pass goes on.
    """
    from .core.api_client import StatusChange

    report = SendReport()
    attempted: set[str] = set()
    while not is_cancelled():
        key = next(
            (
                key
                for key in outbox.sendable_batch_keys()
                if key not in attempted and (batch_keys is None or key in batch_keys)
            ),
            None,
        )
        if key is None:
            break
        attempted.add(key)
        claimed = outbox.claim_batch(key)
        if not claimed:
            continue
        body = [
            StatusChange(
                item.case_id, item.status, note=item.note, if_version=item.base_version, team=item.team
            )
            for item in claimed
        ]
        LOGGER.info("Sending %d status changes (key %s, attempt %d)", len(body), key, claimed[0].attempts)
        try:
            results = client.set_statuses(body, idempotency_key=key)
        except SosError as error:
            if is_transient_send_error(error):
                outbox.record_error(key, error.message)
                report.error = error
                LOGGER.warning("Status changes kept for a later try (key %s): %s", key, error.details)
                break
            outbox.mark_failed(key, error.message)
            report.rejected_batches += 1
            report.changes.extend(outbox.changes_in_batch(key))
            LOGGER.warning("The server rejected the batch with key %s: %s", key, error.details)
            continue
        try:
            report.changes.extend(outbox.record_results(key, results))
        except SosError as error:
            # The outcome of each change is unknown: they stay sent, for a resend under the same key.
            outbox.record_error(key, error.message)
            report.error = error
            LOGGER.warning("Results of the batch with key %s not stored: %s", key, error.details)
            break
        for result in results:
            if result.outcome == "ok" and result.case:
                report.confirmed_cases.append(result.case)
            elif result.outcome == "conflict" and result.case:
                report.conflict_cases.append(result.case)
        confirmed = sum(1 for item in results if item.outcome == "ok")
        LOGGER.info("Batch %s: %d of %d changes confirmed", key, confirmed, len(results))
    return report


@dataclass
class SendOutboxOutcome(SetStatusOutcome):
    """Outcome of sending the outbox: counts, the ids in conflict or failed, and the changes still waiting."""

    waiting: int = 0
    conflict_ids: list[str] = field(default_factory=list)
    failed_ids: list[str] = field(default_factory=list)


def count_send_report(outcome: SendOutboxOutcome, report: SendReport) -> None:
    """Count a send report into an outcome: done is confirmed, conflict a conflict, the rest failed."""
    outcome.results = list(report.changes)
    outcome.sent = len(report.changes)
    outcome.confirmed = sum(1 for change in report.changes if change.state == "done")
    outcome.conflict_ids = [change.case_id for change in report.changes if change.state == "conflict"]
    outcome.failed_ids = [
        change.case_id for change in report.changes if change.state not in ("done", "conflict")
    ]
    outcome.conflicts = len(outcome.conflict_ids)
    outcome.failed = len(outcome.failed_ids)


def format_case_ids(case_ids: Sequence[str], limit: int = MESSAGE_ID_LIMIT) -> str:
    """Join case ids with commas, listing at most `limit` and then "and N more"."""
    shown = ", ".join(case_ids[:limit])
    if len(case_ids) <= limit:
        return shown
    return QCoreApplication.translate("SosTasks", "{ids} and {count} more").format(
        ids=shown, count=len(case_ids) - limit
    )


def send_message(outcome: SendOutboxOutcome) -> str:
    """Build the translated summary of an outbox send, naming the cases in conflict and those that failed."""
    parts = []
    if outcome.sent:
        parts.append(
            QCoreApplication.translate(
                "SosTasks",
                "{sent} status changes sent: {confirmed} confirmed, {conflicts} conflicts, {failed} failed.",
            ).format(
                sent=outcome.sent,
                confirmed=outcome.confirmed,
                conflicts=outcome.conflicts,
                failed=outcome.failed,
            )
        )
    if outcome.conflict_ids:
        parts.append(
            QCoreApplication.translate(
                "SosTasks", "Conflicts: {}. Open SOS > Resolve conflicts… to choose which status to keep."
            ).format(format_case_ids(outcome.conflict_ids))
        )
    if outcome.failed_ids:
        parts.append(
            QCoreApplication.translate("SosTasks", "Failed: {}. The outbox keeps them for a retry.").format(
                format_case_ids(outcome.failed_ids)
            )
        )
    if outcome.error is not None:
        parts.append(
            QCoreApplication.translate(
                "SosTasks",
                "{count} status changes could not be sent: {error} They are kept and will be sent again.",
            ).format(count=outcome.waiting, error=error_message(outcome.error))
        )
    if not parts:
        return QCoreApplication.translate("SosTasks", "No status changes are waiting to be sent.")
    return " ".join(parts)


class SendOutboxTask(_SosTask):
    """Send the waiting status changes of an outbox, then show the results on the case layer.

    run() opens its own connection to the outbox and stores each batch's results there as they arrive, so a
    crash loses nothing that the server confirmed. finished() applies the confirmed cases and, for conflicts,
    the server's current cases to `layer` (when given and still alive), and sets every case's sync_state.
    The officer's status of a conflict stays in the outbox until it is resolved.
    """

    def __init__(
        self,
        client: Any,
        outbox_path: str,
        layer: Optional[QgsVectorLayer],
        on_done: Callable[[SendOutboxOutcome], None],
        batch_keys: Optional[Collection[str]] = None,
    ) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Sending status changes"), on_done)
        self.client = client
        self.outbox_path = outbox_path
        self.layer = layer
        self.batch_keys = None if batch_keys is None else set(batch_keys)
        self.report: Optional[SendReport] = None

    def work(self) -> None:
        import sqlite3

        from .core.outbox import Outbox

        try:
            with Outbox(self.outbox_path) as outbox:
                self.report = send_outbox(self.client, outbox, self.batch_keys, self.isCanceled)
        except sqlite3.Error as error:
            raise _outbox_error(self.outbox_path, error) from error

    def finished(self, result: bool) -> None:
        outcome = SendOutboxOutcome()
        report = self.report
        if report is None:
            outcome.cancelled = self.isCanceled()
            outcome.error = self.error
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The status changes could not be sent: {} They are kept in the outbox."
            ).format(error_message(self.error) if self.error is not None else "")
            self._report(outcome)
            return
        count_send_report(outcome, report)
        outcome.error = report.error
        outcome.waiting = self._count_waiting()
        if _layer_alive(self.layer):
            self._update_layer(report)
        outcome.ok = outcome.error is None and outcome.failed == 0 and outcome.conflicts == 0
        outcome.message = send_message(outcome)
        self._report(outcome)

    def _count_waiting(self) -> int:
        import sqlite3

        from .core.outbox import Outbox

        try:
            with Outbox(self.outbox_path) as outbox:
                # Held batches wait too, so every pending or sent change counts.
                return len(outbox.changes_in_state("pending", "sent"))
        except sqlite3.Error:
            LOGGER.exception("Outbox %s could not be read", self.outbox_path)
            return 0

    def _update_layer(self, report: SendReport) -> None:
        try:
            store = CaseLayerStore(self.layer)
            cases = report.confirmed_cases + report.conflict_cases
            if cases:
                store.apply_confirmed_cases(cases)
            update_sync_states(self.layer)
        except SosError as error:
            # The outbox has the results; the layer catches up on the next refresh.
            LOGGER.warning("Sent changes not written to the layer: %s (%s)", error.message, error.details)


@dataclass
class HistoryOutcome(TaskOutcome):
    """Latest history entry per case id; cases whose history could not be read are absent."""

    latest_entries: dict[str, dict] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class LatestHistoryTask(_SosTask):
    """Read the latest history entry (who changed the case, and when) of each case, for the conflict dialog.

    A case whose history cannot be read is listed in `missing`, and the others are still read. A network
    error stops the task, and the entries read before it are kept.
    """

    def __init__(
        self, client: Any, case_ids: Sequence[str], on_done: Callable[[HistoryOutcome], None]
    ) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Reading the history of cases"), on_done)
        self.client = client
        self.case_ids = list(case_ids)
        self.outcome = HistoryOutcome()

    def work(self) -> None:
        from .core.api_client import ApiError

        for number, case_id in enumerate(self.case_ids):
            if self.isCanceled():
                return
            try:
                entries = self.client.get_history(case_id)
            except ApiError as error:
                LOGGER.warning("History of case %s not read: %s", case_id, error.details)
                self.outcome.missing.append(case_id)
                continue
            if entries:
                self.outcome.latest_entries[case_id] = entries[-1]
            self.setProgress(100.0 * (number + 1) / len(self.case_ids))

    def finished(self, result: bool) -> None:
        outcome = self.outcome
        outcome.ok = result
        outcome.cancelled = self.isCanceled()
        outcome.error = self.error
        if self.error is not None:
            outcome.message = error_message(self.error)
        self._report(outcome)


@dataclass
class CaseHistoryOutcome(TaskOutcome):
    """Every history entry of one case, oldest first."""

    case_id: str = ""
    entries: list[dict] = field(default_factory=list)


class CaseHistoryTask(_SosTask):
    """Read the whole history of one case, for the case details dialog."""

    def __init__(self, client: Any, case_id: str, on_done: Callable[[CaseHistoryOutcome], None]) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Reading the history of a case"), on_done)
        self.client = client
        self.outcome = CaseHistoryOutcome(case_id=case_id)

    def work(self) -> None:
        self.outcome.entries = list(self.client.get_history(self.outcome.case_id))

    def finished(self, result: bool) -> None:
        outcome = self.outcome
        outcome.ok = result and self.error is None
        outcome.cancelled = self.isCanceled()
        outcome.error = self.error
        if self.error is not None:
            outcome.message = error_message(self.error)
        self._report(outcome)
