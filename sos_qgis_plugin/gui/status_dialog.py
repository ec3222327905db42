"""Dialog to choose the new status, team and note for the selected cases."""

from __future__ import annotations

import os
from typing import Optional

from qgis.PyQt import uic
from qgis.PyQt.QtWidgets import QDialog, QWidget

from ..core.statuses import STATUSES
from ..style import status_display_name

FORM_CLASS, _ = uic.loadUiType(os.path.join(os.path.dirname(__file__), "status_dialog.ui"))


def compose_note(note: str, team: str) -> str:
    """Join the note and the team into the note sent to the service, with "team: X" on its own last line."""
    note = note.strip()
    team = team.strip()
    if not team:
        return note
    team_line = f"team: {team}"
    return f"{note}\n{team_line}" if note else team_line


class StatusDialog(QDialog, FORM_CLASS):
    """Show how many cases are selected and return the chosen status code and note.

    The combo box shows translated status names and keeps the English status code as item data.
    """

    def __init__(self, case_count: int, parent: Optional[QWidget] = None, current_status: str = "") -> None:
        super().__init__(parent)
        self.setupUi(self)
        self.countLabel.setText(self.tr("Selected cases: {count}").format(count=case_count))
        for code in STATUSES:
            self.statusCombo.addItem(status_display_name(code), code)
        index = self.statusCombo.findData(current_status)
        if index >= 0:
            self.statusCombo.setCurrentIndex(index)
        self.noteEdit.setPlaceholderText(self.tr("What happened, e.g. all people evacuated by boat"))
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)

    def status_code(self) -> str:
        """The English status code of the chosen status."""
        return self.statusCombo.currentData()

    def note(self) -> str:
        """The note as sent to the service, with the team appended as "team: X" when one is given."""
        return compose_note(self.noteEdit.toPlainText(), self.teamEdit.text())

    def result_values(self) -> tuple[str, str]:
        """The chosen (status_code, note)."""
        return self.status_code(), self.note()
