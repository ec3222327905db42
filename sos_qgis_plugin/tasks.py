"""Background tasks: fetch cases, analyse hazards, set statuses.

Each task does its network and heavy work in run() on a worker thread and changes layers only in finished(),
which QGIS calls on the main thread. Every task ends by calling `on_done` on the main thread with an outcome
that contains counts and a translated message, or the SosError. Tasks never show a message bar, because the
caller does that.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from qgis.core import QgsMapLayer, QgsProject, QgsTask, QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication

from .case_layer import CaseLayerStore, gpkg_path_of, write_sync_state
from .core.errors import SosError
from .hazard_layers import (
    HazardAnalysis,
    analyse_snapshots,
    read_case_snapshot,
    snapshot_case_source,
    snapshot_hazard_sources,
)

LOGGER = logging.getLogger("sos_qgis_plugin")

BBox = tuple[float, float, float, float]


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
    next_updated_since: Optional[str] = None
    rejected_items: list[Any] = field(default_factory=list)


@dataclass
class AnalyseOutcome(TaskOutcome):
    """Outcome of a hazard analysis: counts of cases in each hazard and of repaired hazard geometries."""

    analysed: int = 0
    in_flood: int = 0
    in_landslide_zone: int = 0
    unknown: int = 0
    repaired: int = 0
    warnings: list[str] = field(default_factory=list)


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

    def _report(self, outcome: TaskOutcome) -> None:
        try:
            self.on_done(outcome)
        except Exception:
            # The callback belongs to the caller; its bug must not hide the task's result in the log.
            LOGGER.exception("on_done of %s raised", self.description())


class FetchCasesTask(_SosTask):
    """Fetch cases from the service and merge them into the case layer in place.

    A failed or cancelled fetch leaves the layer and the stored sync state unchanged. After a successful
    fetch, `next_updated_since` is stored in the layer's GeoPackage under `service_url` and `service_area`.
    """

    def __init__(
        self,
        client: Any,
        layer: QgsVectorLayer,
        updated_since: Optional[str],
        service_area: Optional[BBox],
        on_done: Callable[[FetchOutcome], None],
        service_url: str = "",
    ) -> None:
        super().__init__(QCoreApplication.translate("SosTasks", "Fetching SOS cases"), on_done)
        self.client = client
        self.layer = layer
        self.updated_since = updated_since
        self.service_area = service_area
        self.service_url = service_url or getattr(getattr(client, "config", None), "base_url", "")
        self.result_data: Any = None

    def work(self) -> None:
        from .core.sync import fetch_cases

        self.result_data = fetch_cases(
            self.client,
            updated_since=self.updated_since,
            service_area=self.service_area,
            is_cancelled=self.isCanceled,
            on_progress=self._on_fetch_progress,
        )

    def _on_fetch_progress(self, *values: Any) -> None:
        # Paging has no known end, so the progress bar shows one step per page up to 95 %.
        self.setProgress(min(95.0, self.progress() + 5.0))

    def finished(self, result: bool) -> None:
        outcome = FetchOutcome()
        if not result or self.result_data is None:
            self._report(self._failed(outcome))
            return
        if not _layer_alive(self.layer):
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The case layer was removed while the cases were fetched; nothing was written."
            )
            self._report(outcome)
            return

        data = self.result_data
        outcome.fetched = len(data.records)
        outcome.rejected = len(data.rejected)
        outcome.rejected_items = list(data.rejected)
        outcome.duplicates = len(data.duplicates)
        outcome.full = bool(data.full)
        outcome.next_updated_since = data.next_updated_since

        try:
            stats = CaseLayerStore(self.layer).apply_records(data.records)
            write_sync_state(
                gpkg_path_of(self.layer),
                data.next_updated_since,
                layer_name=_layer_name_of(self.layer),
                service_url=self.service_url,
                service_area=self.service_area,
            )
        except SosError as error:
            outcome.error = error
            outcome.message = error.message
            LOGGER.warning("Writing fetched cases failed: %s (%s)", error.message, error.details)
            self._report(outcome)
            return

        outcome.ok = True
        outcome.added = stats.added
        outcome.updated = stats.updated
        outcome.unchanged = stats.unchanged
        outcome.message = _fetch_message(outcome)
        self._report(outcome)

    def _failed(self, outcome: TaskOutcome) -> TaskOutcome:
        if self.isCanceled():
            outcome.cancelled = True
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The refresh was cancelled. The case layer was not changed."
            )
            return outcome
        outcome.error = self.error
        detail = self.error.message if self.error is not None else ""
        outcome.message = QCoreApplication.translate(
            "SosTasks", "The refresh failed and the case layer was not changed: {}"
        ).format(detail)
        return outcome


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
    return message


class AnalyseHazardsTask(_SosTask):
    """Overlay the cases with the hazard layers and write hazard fields and priorities to the case layer.

    The constructor must run on the main thread: it snapshots the case layer and the hazard layers.
    """

    def __init__(
        self,
        layer: QgsVectorLayer,
        flood_layers: Sequence[QgsMapLayer],
        landslide_layers: Sequence[QgsMapLayer],
        radius_m: float,
        on_done: Callable[[AnalyseOutcome], None],
    ) -> None:
        super().__init__(
            QCoreApplication.translate("SosTasks", "Analysing SOS cases against hazards"), on_done
        )
        self.layer = layer
        self.radius_m = float(radius_m)
        self.transform_context = QgsProject.instance().transformContext()
        self.case_source = snapshot_case_source(layer)
        self.case_crs = layer.crs()
        self.hazard_snapshots, self.snapshot_warnings = snapshot_hazard_sources(
            flood_layers, landslide_layers
        )
        self.analysis: Optional[HazardAnalysis] = None

    def work(self) -> None:
        cases = read_case_snapshot(self.case_source, self.case_crs, self.transform_context)
        self.setProgress(5.0)
        self.analysis = analyse_snapshots(
            cases,
            self.hazard_snapshots,
            self.radius_m,
            self.transform_context,
            is_cancelled=self.isCanceled,
            on_progress=self.setProgress,
        )

    def finished(self, result: bool) -> None:
        outcome = AnalyseOutcome(warnings=list(self.snapshot_warnings))
        if not result or self.analysis is None:
            if self.isCanceled():
                outcome.cancelled = True
                outcome.message = QCoreApplication.translate(
                    "SosTasks", "The hazard analysis was cancelled. The case layer was not changed."
                )
            else:
                outcome.error = self.error
                outcome.message = QCoreApplication.translate(
                    "SosTasks", "The hazard analysis failed and the case layer was not changed: {}"
                ).format(self.error.message if self.error is not None else "")
            self._report(outcome)
            return
        if not _layer_alive(self.layer):
            outcome.message = QCoreApplication.translate(
                "SosTasks", "The case layer was removed during the hazard analysis; nothing was written."
            )
            self._report(outcome)
            return
        analysis = self.analysis
        try:
            CaseLayerStore(self.layer).apply_hazard_results(
                analysis.results, analysis.priorities, analysis.analysed_at
            )
        except SosError as error:
            outcome.error = error
            outcome.message = error.message
            self._report(outcome)
            return
        fill_analyse_outcome(outcome, analysis)
        self._report(outcome)


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
            ).format(self.error.message if self.error is not None else "")
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
