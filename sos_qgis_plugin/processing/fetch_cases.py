"""Processing algorithm sos:fetchcases: fetch cases into a GeoPackage, updating it in place."""

from __future__ import annotations

import logging
import os
from typing import Any, Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..case_layer import (
    CASE_LAYER_NAME,
    CaseLayerStore,
    create_or_open_case_layer,
    read_sync_state,
    update_sync_states,
    write_sync_state,
)
from ..core.errors import SosError
from ..gui import error_message, rejection_reason
from ..style import save_default_style
from ..tasks import unconfirmed_case_ids_of
from .service import build_algorithm_client

LOGGER = logging.getLogger("sos_qgis_plugin")


class FetchCasesAlgorithm(QgsProcessingAlgorithm):
    """Fetch cases from an SOS service into the `sos_cases` layer of a GeoPackage.

    The first run on a file fetches every case. Later runs fetch only the cases changed since the last run,
    from the sync state stored in the same GeoPackage.
    """

    SERVICE_URL = "SERVICE_URL"
    AUTHCFG = "AUTHCFG"
    OUTPUT = "OUTPUT"
    SERVICE_AREA = "SERVICE_AREA"
    FETCHED = "FETCHED"
    ADDED = "ADDED"
    UPDATED = "UPDATED"
    REJECTED = "REJECTED"

    def __init__(self) -> None:
        super().__init__()
        self._client: Any = None

    def createInstance(self) -> FetchCasesAlgorithm:
        return FetchCasesAlgorithm()

    def name(self) -> str:
        return "fetchcases"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosFetchCases", "Fetch SOS cases")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosFetchCases",
            "Fetches SOS cases from the service into the layer sos_cases of a GeoPackage. "
            "When the GeoPackage already exists, its cases are updated in place: the first run fetches "
            "every case and later runs only the cases changed since the previous run. The token is read "
            "from the chosen QGIS authentication configuration. The service area is an optional extent: "
            "cases outside it are still fetched, and flagged outside_service_area in the field "
            "quality_flags.",
        )

    def initAlgorithm(self, configuration: Optional[dict] = None) -> None:
        self.addParameter(
            QgsProcessingParameterString(
                self.SERVICE_URL, QCoreApplication.translate("SosFetchCases", "Service URL")
            )
        )
        self.addParameter(
            QgsProcessingParameterAuthConfig(
                self.AUTHCFG,
                QCoreApplication.translate("SosFetchCases", "Authentication configuration (token)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterExtent(
                self.SERVICE_AREA, QCoreApplication.translate("SosFetchCases", "Service area"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT,
                QCoreApplication.translate("SosFetchCases", "Cases GeoPackage"),
                QCoreApplication.translate("SosFetchCases", "GeoPackage (*.gpkg)"),
            )
        )
        for name, description in (
            (self.FETCHED, QCoreApplication.translate("SosFetchCases", "Cases fetched")),
            (self.ADDED, QCoreApplication.translate("SosFetchCases", "Cases added")),
            (self.UPDATED, QCoreApplication.translate("SosFetchCases", "Cases updated")),
            (self.REJECTED, QCoreApplication.translate("SosFetchCases", "Records rejected")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, description))

    def prepareAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        service_url = self.parameterAsString(parameters, self.SERVICE_URL, context)
        authcfg = self.parameterAsString(parameters, self.AUTHCFG, context)
        self._client = build_algorithm_client(service_url, authcfg)
        return True

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict:
        try:
            return self._process(parameters, context, feedback)
        finally:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _process(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict:
        from ..core.sync import fetch_cases

        service_url = self.parameterAsString(parameters, self.SERVICE_URL, context).strip()
        gpkg_path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        service_area = self._service_area(parameters, context)

        try:
            # The layer is opened here, so it belongs to this thread.
            is_new_file = not os.path.isfile(gpkg_path)
            layer = create_or_open_case_layer(gpkg_path)
            if is_new_file:
                save_default_style(layer)
            updated_since = read_sync_state(gpkg_path, CASE_LAYER_NAME, service_url, service_area)
            feedback.pushInfo(
                QCoreApplication.translate("SosFetchCases", "Full fetch: every case is read.")
                if updated_since is None
                else QCoreApplication.translate(
                    "SosFetchCases", "Fetching the cases changed since {}."
                ).format(updated_since)
            )
            result = fetch_cases(
                self._client,
                updated_since=updated_since,
                service_area=service_area,
                is_cancelled=feedback.isCanceled,
                on_progress=lambda *values: feedback.setProgress(min(90.0, feedback.progress() + 5.0)),
            )
            if feedback.isCanceled():
                raise QgsProcessingException(
                    QCoreApplication.translate("SosFetchCases", "Cancelled: the GeoPackage was not changed.")
                )
            # Cases with an unconfirmed status change in the outbox keep the officer's version, as in the
            # plugin's own fetch. The outbox is read again here, because a send may have confirmed some.
            protected_ids = unconfirmed_case_ids_of(layer)
            stats = CaseLayerStore(layer).apply_records(result.records, protected_ids=protected_ids)
            if not stats.kept_pending:
                # A case kept back must be read again on the next fetch, so the sync time stays put.
                write_sync_state(
                    gpkg_path, result.next_updated_since, CASE_LAYER_NAME, service_url, service_area
                )
            update_sync_states(layer)
        except SosError as error:
            LOGGER.warning("sos:fetchcases failed: %s (%s)", error.message, error.details)
            raise QgsProcessingException(error_message(error)) from error
        finally:
            # A traceback keeps this frame alive. Without this, the layer could outlive the QGIS application
            # and crash the interpreter when it is destroyed at exit (seen with QGIS 3.22).
            layer = None  # noqa: F841

        for rejection in result.rejected:
            feedback.reportError(
                QCoreApplication.translate("SosFetchCases", "Record rejected: {}").format(
                    rejection_reason(rejection)
                )
            )
        feedback.pushInfo(
            QCoreApplication.translate(
                "SosFetchCases",
                "{fetched} cases fetched: {added} new, {updated} updated, {rejected} rejected.",
            ).format(
                fetched=len(result.records),
                added=stats.added,
                updated=stats.updated,
                rejected=len(result.rejected),
            )
        )
        if stats.kept_pending:
            feedback.pushInfo(
                QCoreApplication.translate(
                    "SosFetchCases",
                    "{} cases with a status change still to be confirmed were left as they are.",
                ).format(stats.kept_pending)
            )
        return {
            self.OUTPUT: gpkg_path,
            self.FETCHED: len(result.records),
            self.ADDED: stats.added,
            self.UPDATED: stats.updated,
            self.REJECTED: len(result.rejected),
        }

    def _service_area(self, parameters: dict, context: QgsProcessingContext) -> Optional[tuple]:
        if not parameters.get(self.SERVICE_AREA):
            return None
        extent = self.parameterAsExtent(
            parameters, self.SERVICE_AREA, context, QgsCoordinateReferenceSystem("EPSG:4326")
        )
        if extent.isNull() or extent.isEmpty():
            return None
        return (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
