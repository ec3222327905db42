"""Processing algorithm sos:setstatus: change the status of cases on the service in one batch."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Optional

from qgis.core import (
    NULL,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..case_layer import CaseLayerStore
from ..core.errors import SosError
from ..core.statuses import STATUSES
from ..style import status_display_name
from ..tasks import SetStatusOutcome, count_change_results, send_status_changes

LOGGER = logging.getLogger("sos_qgis_plugin")


class SetStatusAlgorithm(QgsProcessingAlgorithm):
    """Send one status for every input case (or the selected ones) and apply the confirmed cases to the layer.

    Each change carries the case's version from the layer, so a case that someone else changed in the meantime
    comes back as a conflict and is left as it is.
    """

    INPUT = "INPUT"
    STATUS = "STATUS"
    NOTE = "NOTE"
    SERVICE_URL = "SERVICE_URL"
    AUTHCFG = "AUTHCFG"
    SENT = "SENT"
    CONFIRMED = "CONFIRMED"
    CONFLICTS = "CONFLICTS"
    FAILED = "FAILED"

    def __init__(self) -> None:
        super().__init__()
        self._client: Any = None
        self._layer: Any = None
        self._outcome = SetStatusOutcome()

    def createInstance(self) -> SetStatusAlgorithm:
        return SetStatusAlgorithm()

    def name(self) -> str:
        return "setstatus"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosSetStatus", "Set status of SOS cases")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosSetStatus",
            "Sends the chosen status, with an optional note, for every case of the input layer "
            "(or only the selected cases) to the SOS service in one batch request. Each change is checked "
            "against the case's version in the layer: a case changed by someone else in the meantime is "
            "reported as a conflict and not changed. Only the changes the service confirms are written to "
            "the layer.",
        )

    def initAlgorithm(self, configuration: Optional[dict] = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT,
                QCoreApplication.translate("SosSetStatus", "Cases"),
                [QgsProcessing.SourceType.TypeVectorPoint],
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.STATUS,
                QCoreApplication.translate("SosSetStatus", "New status"),
                options=[status_display_name(code) for code in STATUSES],
                defaultValue=STATUSES.index("supported"),
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.NOTE, QCoreApplication.translate("SosSetStatus", "Note"), optional=True, multiLine=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.SERVICE_URL, QCoreApplication.translate("SosSetStatus", "Service URL")
            )
        )
        self.addParameter(
            QgsProcessingParameterAuthConfig(
                self.AUTHCFG,
                QCoreApplication.translate("SosSetStatus", "Authentication configuration (token)"),
            )
        )
        for name, description in (
            (self.SENT, QCoreApplication.translate("SosSetStatus", "Changes sent")),
            (self.CONFIRMED, QCoreApplication.translate("SosSetStatus", "Changes confirmed")),
            (self.CONFLICTS, QCoreApplication.translate("SosSetStatus", "Conflicts")),
            (self.FAILED, QCoreApplication.translate("SosSetStatus", "Changes failed")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, description))

    def prepareAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        # Built on the main thread, because the authentication manager may ask for the master password.
        from ..network import build_client

        service_url = self.parameterAsString(parameters, self.SERVICE_URL, context)
        authcfg = self.parameterAsString(parameters, self.AUTHCFG, context)
        try:
            self._client = build_client(service_url, authcfg)
        except SosError as error:
            raise QgsProcessingException(error.message) from error
        self._layer = self._input_layer(parameters, context)
        return True

    def _input_layer(self, parameters: dict, context: QgsProcessingContext) -> Any:
        """Return the vector layer behind INPUT, so that confirmed cases can be written back to it."""
        value = parameters.get(self.INPUT)
        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            # QGIS 3.22 parameterAsVectorLayer returns None for a "selected features only" source definition,
            # so the layer is looked up from the definition's source.
            layer = QgsProcessingUtils.mapLayerFromString(
                str(value.source.staticValue()), context, True, QgsProcessingUtils.LayerHint.Vector
            )
            return layer if isinstance(layer, QgsVectorLayer) else None
        return self.parameterAsVectorLayer(parameters, self.INPUT, context)

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
        from ..core.api_client import StatusChange

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None or "id" not in source.fields().names():
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "The input is not an SOS case layer: it has no field id."
                )
            )
        status = STATUSES[self.parameterAsEnum(parameters, self.STATUS, context)]
        note = self.parameterAsString(parameters, self.NOTE, context).strip() or None
        has_version = "version" in source.fields().names()

        changes = []
        for feature in source.getFeatures():
            case_id = feature["id"]
            if case_id is None or case_id == NULL or not str(case_id):
                continue
            version = feature["version"] if has_version else None
            if_version = None if version is None or version == NULL else int(version)
            changes.append(
                StatusChange(case_id=str(case_id), status=status, note=note, if_version=if_version)
            )
        if not changes:
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "No case to change: the input has no case with an id."
                )
            )

        idempotency_key = str(uuid.uuid4())
        LOGGER.info("sos:setstatus sends %d changes to %s (key %s)", len(changes), status, idempotency_key)
        try:
            results = send_status_changes(self._client, changes, idempotency_key)
        except SosError as error:
            LOGGER.warning("sos:setstatus failed: %s (%s)", error.message, error.details)
            raise QgsProcessingException(error.message) from error
        count_change_results(self._outcome, results)
        for item in results:
            if item.outcome != "ok":
                feedback.reportError(
                    QCoreApplication.translate("SosSetStatus", "Case {case_id}: {outcome} {detail}").format(
                        case_id=item.case_id, outcome=item.outcome, detail=item.detail or ""
                    )
                )
        return self._outputs()

    def postProcessAlgorithm(self, context: QgsProcessingContext, feedback: QgsProcessingFeedback) -> dict:
        confirmed = [item.case for item in self._outcome.results if item.outcome == "ok" and item.case]
        if confirmed and self._layer is not None and "id" in self._layer.fields().names():
            try:
                CaseLayerStore(self._layer).apply_confirmed_cases(confirmed)
            except SosError as error:
                # The service has the changes; the layer catches up on its next refresh.
                feedback.reportError(error.message)
        return self._outputs()

    def _outputs(self) -> dict:
        return {
            self.SENT: self._outcome.sent,
            self.CONFIRMED: self._outcome.confirmed,
            self.CONFLICTS: self._outcome.conflicts,
            self.FAILED: self._outcome.failed,
        }
