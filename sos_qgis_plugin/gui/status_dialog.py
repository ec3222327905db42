"""Dialog to choose the new status, note and team for one or more cases."""

from __future__ import annotations

import os
import unicodedata
from typing import Optional

from qgis.core import QgsSettings
from qgis.PyQt import uic
from qgis.PyQt.QtWidgets import QDialog, QWidget

from ..core.statuses import STATUSES
from ..style import status_display_name
from . import translate_standard_buttons

FORM_CLASS, _ = uic.loadUiType(os.path.join(os.path.dirname(__file__), "status_dialog.ui"))

#: QgsSettings key of the teams chosen most recently, newest first.
RECENT_TEAMS_KEY = "sos_qgis_plugin/recent_teams"
MAX_RECENT_TEAMS = 10
#: The server rejects a longer team (characters after trimming).
MAX_TEAM_LENGTH = 100


def clean_team(text: str) -> str:
    """Return the team name on one line and trimmed: control characters such as tabs become spaces."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text).strip()


def recent_teams() -> list[str]:
    """Return the teams remembered in QgsSettings, newest first, at most MAX_RECENT_TEAMS of them."""
    value = QgsSettings().value(RECENT_TEAMS_KEY, [])
    if isinstance(value, str):
        # A list of one item written to an INI-format QSettings file can come back as a plain string.
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    teams = [clean_team(str(team)) for team in value]
    return [team for team in teams if team][:MAX_RECENT_TEAMS]


def remember_team(team: str) -> None:
    """Put ``team`` first in the remembered teams, dropping an older copy and the ones beyond ten."""
    team = clean_team(team)
    if not team:
        return
    teams = [team] + [known for known in recent_teams() if known != team]
    QgsSettings().setValue(RECENT_TEAMS_KEY, teams[:MAX_RECENT_TEAMS])


class StatusDialog(QDialog, FORM_CLASS):
    """Show how many cases are selected and return the chosen status code, note and team.

    The status combo box shows translated status names and keeps the status code as item data. The team
    combo box is editable and lists the teams chosen recently; accepting the dialog remembers the team.
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
        self.teamCombo.addItems(recent_teams())
        self.teamCombo.setCurrentIndex(-1)
        self.teamCombo.setEditText("")
        self.teamCombo.lineEdit().setMaxLength(MAX_TEAM_LENGTH)
        self.teamCombo.lineEdit().setPlaceholderText(self.tr("e.g. Boat team 2"))
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        translate_standard_buttons(self)

    def status(self) -> str:
        """Return the code of the chosen status, e.g. "in_progress"."""
        return self.statusCombo.currentData()

    def status_code(self) -> str:
        """Return the code of the chosen status, as status() does."""
        return self.status()

    def note(self) -> str:
        """Return the note trimmed, or "" when none was written."""
        return self.noteEdit.toPlainText().strip()

    def team(self) -> str:
        """Return the team on one line and trimmed, or "" when none was given."""
        return clean_team(self.teamCombo.currentText())

    def result_values(self) -> tuple[str, str]:
        """Return the chosen (status code, note). The team comes from team()."""
        return self.status(), self.note()

    def accept(self) -> None:
        remember_team(self.team())
        super().accept()
