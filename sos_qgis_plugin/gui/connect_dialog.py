"""Dialog to enter the SOS service URL and token, test them, and save them."""

from __future__ import annotations

import logging
import os
from typing import Callable, Optional

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt import uic
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QWidget

from ..auth import read_token, store_token
from ..core.errors import SosError
from ..network import build_client_for_token
from ..settings import Settings
from . import error_message, translate_standard_buttons

LOGGER = logging.getLogger("sos_qgis_plugin")

FORM_CLASS, _ = uic.loadUiType(os.path.join(os.path.dirname(__file__), "connect_dialog.ui"))


class ConnectDialog(QDialog, FORM_CLASS):
    """Dialog for the service URL and token. OK stores the token in the authentication database, the URL in
    the settings.

    The token field starts empty: leaving it empty keeps the stored token. "Test connection" fetches the cases
    collection in a background task, so the dialog stays responsive on a slow link.
    """

    def __init__(
        self,
        settings: Settings,
        parent: Optional[QWidget] = None,
        client_factory: Callable = build_client_for_token,
    ) -> None:
        super().__init__(parent)
        self.setupUi(self)
        self._settings = settings
        self._client_factory = client_factory
        self._test_task: Optional[QgsTask] = None
        # Each test gets a number, so the result of a test that was superseded or abandoned is ignored.
        self._test_number = 0

        self.urlEdit.setText(settings.service_url)
        if settings.authcfg_id:
            self.tokenHintLabel.setText(self.tr("A token is stored. Leave the field empty to keep it."))
        else:
            self.tokenHintLabel.setText(self.tr("Paste the token that the SOS service gave you."))
        self.tokenEdit.setPlaceholderText(self.tr("Token"))

        self.testButton.clicked.connect(self.test_connection)
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        self.urlEdit.textChanged.connect(self._update_ok_button)
        self._update_ok_button()
        translate_standard_buttons(self)

    def _update_ok_button(self) -> None:
        self.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            bool(self.urlEdit.text().strip())
        )

    def _token_for_test(self) -> str:
        typed = self.tokenEdit.text().strip()
        if typed:
            return typed
        return read_token(self._settings.authcfg_id)

    def test_connection(self) -> None:
        """Start a background request for the cases collection with the URL and token in the dialog."""
        try:
            client = self._client_factory(self.urlEdit.text(), self._token_for_test(), self._settings)
        except SosError as error:
            LOGGER.warning("Connection test not started: %s (%s)", error.message, error.details)
            self.resultLabel.setText(error_message(error))
            return

        self._test_number += 1
        number = self._test_number
        self.testButton.setEnabled(False)
        self.resultLabel.setText(self.tr("Testing the connection…"))

        def on_finished(exception: Optional[BaseException], result: Optional[dict] = None) -> None:
            self._show_test_result(number, exception, result)

        self._test_task = QgsTask.fromFunction(
            self.tr("SOS: test connection"), _fetch_collection, client, on_finished=on_finished
        )
        QgsApplication.taskManager().addTask(self._test_task)

    def _show_test_result(
        self, number: int, exception: Optional[BaseException], result: Optional[dict]
    ) -> None:
        if number != self._test_number:
            return
        self._test_task = None
        self.testButton.setEnabled(True)
        if exception is not None:
            LOGGER.warning("Connection test failed: %s", getattr(exception, "details", "") or exception)
            self.resultLabel.setText(
                self.tr("The connection failed: {reason}").format(reason=error_message(exception))
            )
        elif result is None:
            self.resultLabel.setText(self.tr("The connection test was cancelled."))
        else:
            LOGGER.info("Connection test succeeded")
            self.resultLabel.setText(self.tr("Connected: the service answered and accepted the token."))

    def test_running(self) -> bool:
        """Whether a connection test is still running."""
        return self._test_task is not None

    def accept(self) -> None:
        """Store the token (when one was typed) and the URL, then close; on failure show why and stay open."""
        url = self.urlEdit.text().strip()
        token = self.tokenEdit.text().strip()
        try:
            if token:
                self._settings.authcfg_id = store_token(token, self._settings.authcfg_id)
            elif not self._settings.authcfg_id:
                raise SosError(
                    self.tr("Enter the token that the SOS service gave you."),
                    "no token typed and none stored",
                )
        except SosError as error:
            LOGGER.warning("Token not saved: %s", error.details)
            self.resultLabel.setText(error_message(error))
            return
        self._settings.service_url = url
        self.tokenEdit.clear()
        self._abandon_test()
        super().accept()

    def reject(self) -> None:
        """Close without saving and stop waiting for a running connection test."""
        self.tokenEdit.clear()
        self._abandon_test()
        super().reject()

    def _abandon_test(self) -> None:
        self._test_number += 1
        if self._test_task is not None:
            self._test_task.cancel()
            self._test_task = None


def _fetch_collection(task: QgsTask, client) -> dict:
    # Runs in a worker thread: only the client is touched here, never a widget.
    return client.get_collection()
