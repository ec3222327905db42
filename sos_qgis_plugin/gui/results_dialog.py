"""Dialog that lists the result of each status change sent: done, conflict, failed or waiting to retry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from qgis.core import NULL, QgsExpression, QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..style import status_display_name
from . import translate_standard_buttons

# Outcomes shown to the officer, one per case.
DONE = "done"
CONFLICT = "conflict"
FAILED = "failed"
WAITING = "waiting"
OUTCOMES = (DONE, CONFLICT, FAILED, WAITING)

# Outbox state of a change -> outcome shown. A superseded change was replaced by a newer change of the
# case, which has a row of its own when it is in the same list.
_OUTCOME_OF_STATE = {
    "done": DONE,
    "conflict": CONFLICT,
    "failed": FAILED,
    "not_found": FAILED,
    "invalid": FAILED,
    "superseded": FAILED,
    "discarded": FAILED,
    "pending": WAITING,
    "sent": WAITING,
}

COLUMN_CASE = 0
COLUMN_ADDRESS = 1
COLUMN_STATUS = 2
COLUMN_OUTCOME = 3
COLUMN_REASON = 4

# The layer is read in chunks, so the filter expression stays short.
_ADDRESS_CHUNK = 500


@dataclass(frozen=True)
class SendResultRow:
    """One line of the dialog: the case, its address, the status requested, the outcome and why."""

    case_id: str
    address: str
    status: str
    outcome: str
    reason: str = ""


def outcome_display_name(outcome: str) -> str:
    """Return the translated name of an outcome (done, conflict, failed, waiting), or the code itself."""
    names = {
        DONE: QCoreApplication.translate("SendResultsDialog", "Done"),
        CONFLICT: QCoreApplication.translate("SendResultsDialog", "Conflict"),
        FAILED: QCoreApplication.translate("SendResultsDialog", "Failed"),
        WAITING: QCoreApplication.translate("SendResultsDialog", "Waiting to retry"),
    }
    return names.get(outcome, outcome)


def _reason_of(change: Any, outcome: str) -> str:
    state = str(getattr(change, "state", ""))
    error = getattr(change, "last_error", None) or ""
    if outcome == DONE:
        return ""
    if outcome == CONFLICT:
        theirs = (getattr(change, "theirs", None) or {}).get("properties") or {}
        their_status = theirs.get("status")
        if their_status:
            return QCoreApplication.translate(
                "SendResultsDialog",
                "Someone changed the case first; it is now {status}. Use Resolve conflicts… to choose.",
            ).format(status=status_display_name(str(their_status)))
        return QCoreApplication.translate(
            "SendResultsDialog", "Someone changed the case first. Use Resolve conflicts… to choose."
        )
    if state == "superseded":
        return QCoreApplication.translate("SendResultsDialog", "Replaced by a newer change of this case.")
    if state == "not_found" and not error:
        return QCoreApplication.translate("SendResultsDialog", "The service has no case with this id.")
    if outcome == WAITING and not error:
        return QCoreApplication.translate("SendResultsDialog", "Not sent yet.")
    return str(error)


def result_rows(
    changes: Iterable[Any], addresses: Optional[Mapping[str, Optional[str]]] = None
) -> list[SendResultRow]:
    """Build one row per case from outbox changes, such as SendReport.changes plus the changes still waiting.

    Each change needs case_id, status, state and last_error, and may have seq and theirs, as
    core.outbox.OutboxChange has. When a case has several changes, the one queued last (highest seq, else
    the last given) is shown. Rows keep the order in which their cases first appear. ``addresses`` maps a
    case id to its address; a missing address shows as "".
    """
    addresses = addresses or {}
    latest: dict[str, Any] = {}
    for change in changes:
        case_id = str(change.case_id)
        known = latest.get(case_id)
        if known is None or getattr(change, "seq", 0) >= getattr(known, "seq", 0):
            latest[case_id] = change
    rows = []
    for case_id, change in latest.items():
        outcome = _OUTCOME_OF_STATE.get(str(change.state), FAILED)
        rows.append(
            SendResultRow(
                case_id=case_id,
                address=str(addresses.get(case_id) or ""),
                status=str(change.status),
                outcome=outcome,
                reason=_reason_of(change, outcome),
            )
        )
    return rows


def read_addresses(layer: Optional[QgsVectorLayer], case_ids: Iterable[str]) -> dict[str, str]:
    """Read the address of each case id from the case layer; cases without one, or absent, are left out."""
    ids = sorted({str(case_id) for case_id in case_ids})
    if layer is None or not ids or not {"id", "address"} <= set(layer.fields().names()):
        return {}
    addresses: dict[str, str] = {}
    for start in range(0, len(ids), _ADDRESS_CHUNK):
        chunk = ids[start : start + _ADDRESS_CHUNK]
        expression = '"id" IN ({})'.format(", ".join(QgsExpression.quotedValue(case_id) for case_id in chunk))
        request = (
            QgsFeatureRequest()
            .setFilterExpression(expression)
            .setFlags(QgsFeatureRequest.Flag.NoGeometry)
            .setSubsetOfAttributes(["id", "address"], layer.fields())
        )
        for feature in layer.getFeatures(request):
            address = feature["address"]
            if address not in (None, NULL) and str(address):
                addresses[str(feature["id"])] = str(address)
    return addresses


def _one_line(text: str) -> str:
    # Tabs and line breaks inside a value would break the tab-separated copy into extra columns and rows.
    return " ".join(str(text).split())


class SendResultsDialog(QDialog):
    """List the result per case of a status change sent, with a summary line and a Copy button.

    ``rows`` are SendResultRow objects, or outbox changes (SendReport.changes, SendOutboxOutcome.results,
    plus Outbox.changes_in_state("pending", "sent") for the changes waiting), which are turned into rows
    with ``addresses``. Every cell is plain text, because the address comes from a citizen.
    """

    def __init__(
        self,
        rows: Sequence[Any],
        parent: Optional[QWidget] = None,
        *,
        addresses: Optional[Mapping[str, Optional[str]]] = None,
    ) -> None:
        super().__init__(parent)
        if all(isinstance(row, SendResultRow) for row in rows):
            self.rows = list(rows)
        else:
            self.rows = result_rows(rows, addresses)
        self.setWindowTitle(self.tr("Status changes sent"))
        self.resize(760, 420)

        self.summaryLabel = QLabel(self)
        self.summaryLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.summaryLabel.setWordWrap(True)
        self.summaryLabel.setText(self.summary_text())

        self.resultTable = QTableWidget(len(self.rows), 5, self)
        self.resultTable.setHorizontalHeaderLabels(self._headers())
        self.resultTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.resultTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.resultTable.verticalHeader().setVisible(False)
        for number, row in enumerate(self.rows):
            for column, text in enumerate(self._cells(row)):
                # QTableWidgetItem shows its text as plain text, never as HTML.
                self.resultTable.setItem(number, column, QTableWidgetItem(text))
        header = self.resultTable.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.buttonBox = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copyButton = QPushButton(self.tr("Copy"), self)
        self.copyButton.setToolTip(
            self.tr("Copy the table as tab-separated text, for a spreadsheet or a chat")
        )
        self.buttonBox.addButton(self.copyButton, QDialogButtonBox.ButtonRole.ActionRole)
        self.copyButton.clicked.connect(self.copy_to_clipboard)
        self.buttonBox.rejected.connect(self.reject)
        self.buttonBox.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.resultTable)
        layout.addWidget(self.buttonBox)
        translate_standard_buttons(self)

    def _headers(self) -> list[str]:
        return [
            self.tr("Case"),
            self.tr("Address"),
            self.tr("Requested status"),
            self.tr("Outcome"),
            self.tr("Reason"),
        ]

    @staticmethod
    def _cells(row: SendResultRow) -> list[str]:
        return [
            row.case_id,
            row.address,
            status_display_name(row.status),
            outcome_display_name(row.outcome),
            row.reason,
        ]

    def counts(self) -> dict[str, int]:
        """Return the number of cases per outcome (done, conflict, failed, waiting), zeros included."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        return counts

    def summary_text(self) -> str:
        """Return the translated summary line: the number of cases, then the number of each outcome."""
        counts = self.counts()
        return self.tr(
            "{total} cases: {done} done, {conflict} conflicts, {failed} failed, {waiting} waiting to retry."
        ).format(
            total=len(self.rows),
            done=counts[DONE],
            conflict=counts[CONFLICT],
            failed=counts[FAILED],
            waiting=counts[WAITING],
        )

    def copy_text(self) -> str:
        """Return the table as tab-separated lines, a header first, each line ending in a newline."""
        lines = ["\t".join(self._headers())]
        for row in self.rows:
            lines.append("\t".join(_one_line(cell) for cell in self._cells(row)))
        return "\n".join(lines) + "\n"

    def copy_to_clipboard(self) -> None:
        """Put copy_text() on the clipboard."""
        QApplication.clipboard().setText(self.copy_text())
