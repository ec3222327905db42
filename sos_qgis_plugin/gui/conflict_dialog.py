"""Dialog that shows each status conflict, theirs beside mine, and records the officer's choice per case."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from qgis.PyQt import uic
from qgis.PyQt.QtWidgets import QDialog, QHeaderView, QTableWidgetItem, QWidget

from ..core.errors import SosError
from ..core.timeutil import parse_time, to_vietnam_time
from ..style import status_display_name
from . import translate_standard_buttons

FORM_CLASS, _ = uic.loadUiType(os.path.join(os.path.dirname(__file__), "conflict_dialog.ui"))

KEEP_THEIRS = "theirs"
APPLY_MINE = "mine"

COLUMN_CASE = 0
COLUMN_THEIR_STATUS = 1
COLUMN_CHANGED_BY = 2
COLUMN_CHANGED_AT = 3
COLUMN_MY_STATUS = 4
COLUMN_MY_NOTE = 5
COLUMN_CHOICE = 6


def _vietnam_time_text(value: Any) -> str:
    """Format an RFC 3339 time as `YYYY-MM-DD hh:mm` in Vietnam time; an unreadable value stays as it is."""
    if not value:
        return ""
    try:
        return to_vietnam_time(parse_time(str(value))).strftime("%Y-%m-%d %H:%M")
    except (SosError, ValueError):
        return str(value)


class ConflictDialog(QDialog, FORM_CLASS):
    """List conflicts (case, their status, who and when, my status and note) and collect a choice per row.

    `conflicts` are outbox changes in conflict. `latest_entries` maps a case id to the latest entry of its
    history on the server (changed_by, changed_at). A case missing there shows empty cells. Every cell is a
    plain-text item, so record text never renders as HTML.
    """

    def __init__(
        self,
        conflicts: Sequence[Any],
        latest_entries: Optional[Mapping[str, dict]] = None,
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.setupUi(self)
        self.conflicts = list(conflicts)
        self._choices: dict[str, str] = {}
        entries = latest_entries or {}

        table = self.conflictTable
        table.setColumnCount(7)
        table.setHorizontalHeaderLabels(
            [
                self.tr("Case"),
                self.tr("Their status"),
                self.tr("Changed by"),
                self.tr("Changed at"),
                self.tr("My status"),
                self.tr("My note"),
                self.tr("Choice"),
            ]
        )
        table.setRowCount(len(self.conflicts))
        for row, change in enumerate(self.conflicts):
            theirs = (change.theirs or {}).get("properties") or {}
            entry = entries.get(change.case_id) or {}
            their_status = theirs.get("status")
            values = {
                COLUMN_CASE: change.case_id,
                COLUMN_THEIR_STATUS: status_display_name(str(their_status)) if their_status else "",
                COLUMN_CHANGED_BY: str(entry.get("changed_by") or ""),
                COLUMN_CHANGED_AT: _vietnam_time_text(entry.get("changed_at") or theirs.get("updated_at")),
                COLUMN_MY_STATUS: status_display_name(change.status),
                COLUMN_MY_NOTE: change.note or "",
                COLUMN_CHOICE: "",
            }
            for column, text in values.items():
                table.setItem(row, column, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)

        self.keepTheirsButton.clicked.connect(lambda: self.choose_for_selection(KEEP_THEIRS))
        self.applyMineButton.clicked.connect(lambda: self.choose_for_selection(APPLY_MINE))
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        translate_standard_buttons(self)

    def selected_rows(self) -> list[int]:
        """Return the selected row numbers in ascending order."""
        return sorted({index.row() for index in self.conflictTable.selectionModel().selectedRows()})

    def choose_for_selection(self, choice: str) -> None:
        """Set KEEP_THEIRS or APPLY_MINE for the selected rows."""
        self.choose(self.selected_rows(), choice)

    def choose(self, rows: Sequence[int], choice: str) -> None:
        """Set KEEP_THEIRS or APPLY_MINE for the given rows and show it in the Choice column."""
        if choice not in (KEEP_THEIRS, APPLY_MINE):
            raise ValueError(f"unknown choice {choice!r}")
        label = self.tr("Keep theirs") if choice == KEEP_THEIRS else self.tr("Apply mine")
        for row in rows:
            self._choices[self.conflicts[row].change_id] = choice
            self.conflictTable.item(row, COLUMN_CHOICE).setText(label)

    def choices(self) -> dict[str, str]:
        """Return the choices made as {outbox change id: KEEP_THEIRS or APPLY_MINE}, without unchosen rows."""
        return dict(self._choices)
