"""Processing algorithm sos:setstatus: change the status of cases on the service in one batch."""

from __future__ import annotations

import logging
import os
import sqlite3
import unicodedata
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
from qgis.PyQt.QtCore import QCoreApplication, QThread

from ..case_layer import CaseLayerStore, gpkg_path_of, outbox_path_of, update_sync_states
from ..core.errors import SosError
from ..core.outbox import Outbox, outbox_path_for
from ..core.statuses import STATUSES
from ..gui import error_message
from ..style import status_display_name
from ..tasks import SendOutboxOutcome, count_send_report, send_outbox
from .service import build_algorithm_client

LOGGER = logging.getLogger("sos_qgis_plugin")

#: The service rejects a longer team (characters after trimming).
MAX_TEAM_LENGTH = 100


class SetStatusAlgorithm(QgsProcessingAlgorithm):
    """Send one status for every input case (or the selected ones) and apply the confirmed cases to the layer.

    Each change carries the case's version from the layer, so a case that someone else changed in the meantime
    comes back as a conflict and is left as it is. The changes are stored in the outbox beside the input
    GeoPackage (or beside the plugin's case GeoPackage for any other input) before they are sent, so changes
    that a network failure stops stay there and the plugin sends them later.
    """

    INPUT = "INPUT"
    STATUS = "STATUS"
    NOTE = "NOTE"
    TEAM = "TEAM"
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
        self._outbox_path = ""
        self._outcome = SendOutboxOutcome()
        self._server_cases: list[dict] = []

    def createInstance(self) -> SetStatusAlgorithm:
        return SetStatusAlgorithm()

    def name(self) -> str:
        return "setstatus"

    def displayName(self) -> str:
        return QCoreApplication.translate("SosSetStatus", "Set status of SOS cases")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "SosSetStatus",
            "Sends the chosen status, with an optional note and team, for every case of the input layer "
            "(or only the selected cases) to the SOS service in one batch request. Each change is checked "
            "against the case's version in the layer: a case changed by someone else in the meantime is "
            "reported as a conflict and not changed. Only the changes the service confirms are written to "
            "the layer. The team (at most 100 characters, one line) is kept in each case's history.",
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
                self.TEAM, QCoreApplication.translate("SosSetStatus", "Team"), optional=True
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
        service_url = self.parameterAsString(parameters, self.SERVICE_URL, context)
        authcfg = self.parameterAsString(parameters, self.AUTHCFG, context)
        self._client = build_algorithm_client(service_url, authcfg)
        self._layer = self._input_layer(parameters, context)
        self._outbox_path = self._choose_outbox_path()
        return True

    def _choose_outbox_path(self) -> str:
        if self._layer is not None and os.path.isfile(gpkg_path_of(self._layer)):
            return outbox_path_of(self._layer)
        from ..settings import Settings

        return outbox_path_for(Settings().cases_gpkg_path)

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
        team = self._team(parameters, context)
        has_version = "version" in source.fields().names()

        changes = []
        for feature in source.getFeatures():
            case_id = feature["id"]
            if case_id is None or case_id == NULL or not str(case_id):
                continue
            version = feature["version"] if has_version else None
            if_version = None if version is None or version == NULL else int(version)
            changes.append(
                StatusChange(case_id=str(case_id), status=status, note=note, if_version=if_version, team=team)
            )
        if not changes:
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "No case to change: the input has no case with an id."
                )
            )

        try:
            with Outbox(self._outbox_path) as outbox:
                keys = {change.batch_key for change in outbox.queue(changes)}
                LOGGER.info("sos:setstatus queued %d changes to %s in %s", len(changes), status, outbox.path)
                report = send_outbox(self._client, outbox, keys, feedback.isCanceled)
        except sqlite3.Error as error:
            LOGGER.error("sos:setstatus could not use the outbox %s: %s", self._outbox_path, error)
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "The status changes could not be stored in the outbox {path}: {error}"
                ).format(path=self._outbox_path, error=str(error))
            ) from error
        count_send_report(self._outcome, report)
        self._server_cases = report.confirmed_cases + report.conflict_cases
        for change in report.changes:
            if change.state != "done":
                feedback.reportError(
                    QCoreApplication.translate("SosSetStatus", "Case {case_id}: {outcome} {detail}").format(
                        case_id=change.case_id, outcome=change.state, detail=change.last_error or ""
                    )
                )
        if report.error is not None:
            LOGGER.warning("sos:setstatus stopped: %s (%s)", report.error.message, report.error.details)
            # QGIS skips postProcessAlgorithm after an exception, so the layer is updated here: the cases
            # confirmed before the error, and every case's sync_state (sent or failed) from the outbox.
            self._write_back(self._thread_layer(), feedback)
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus",
                    "{error} The status changes not sent are kept in the outbox {path} and the plugin sends "
                    "them again after its next refresh.",
                ).format(error=error_message(report.error), path=self._outbox_path)
            )
        return self._outputs()

    def _team(self, parameters: dict, context: QgsProcessingContext) -> Optional[str]:
        """Return the TEAM parameter trimmed, or None when blank. Raise when the service would reject it."""
        team = self.parameterAsString(parameters, self.TEAM, context).strip()
        if not team:
            return None
        if any(unicodedata.category(char) == "Cc" for char in team):
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "The team must be one line without tabs or other control characters."
                )
            )
        if len(team) > MAX_TEAM_LENGTH:
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "SosSetStatus", "The team has {count} characters; at most {limit} are allowed."
                ).format(count=len(team), limit=MAX_TEAM_LENGTH)
            )
        return team

    def postProcessAlgorithm(self, context: QgsProcessingContext, feedback: QgsProcessingFeedback) -> dict:
        self._write_back(self._layer, feedback)
        return self._outputs()

    def _thread_layer(self) -> Any:
        """Return the input layer when this thread owns it, else a new layer on the same source.

        processAlgorithm runs on a worker thread when QGIS runs the algorithm in the background, and a
        project layer may only be used on the main thread. A layer created here has its own connection
        to the GeoPackage, and the project layer reads what it wrote the next time it reads features.
        """
        layer = self._layer
        if layer is None or layer.thread() is QThread.currentThread():
            return layer
        copy = QgsVectorLayer(layer.source(), layer.name(), layer.providerType())
        return copy if copy.isValid() else None

    def _write_back(self, layer: Any, feedback: QgsProcessingFeedback) -> None:
        """Show the confirmed cases, the server's cases of the conflicts and each sync state on `layer`."""
        if layer is None or "id" not in layer.fields().names():
            return
        try:
            if self._server_cases:
                CaseLayerStore(layer).apply_confirmed_cases(self._server_cases)
            # Only once: a second call (the error path, then QGIS) must not write the cases twice.
            self._server_cases = []
            if outbox_path_of(layer) == self._outbox_path:
                update_sync_states(layer)
        except SosError as error:
            # The service and the outbox have the changes; the layer catches up on its next refresh.
            feedback.reportError(error_message(error))

    def _outputs(self) -> dict:
        return {
            self.SENT: self._outcome.sent,
            self.CONFIRMED: self._outcome.confirmed,
            self.CONFLICTS: self._outcome.conflicts,
            self.FAILED: self._outcome.failed,
        }
