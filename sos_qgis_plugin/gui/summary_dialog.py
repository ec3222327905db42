"""Dialog that summarises the cases per commune of an admin layer, in a task, into a table layer and files."""

from __future__ import annotations

import logging
from typing import Any, Optional

from qgis.core import (
    QgsApplication,
    QgsFieldProxyModel,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import SosError
from . import error_message, translate_standard_buttons

LOGGER = logging.getLogger("sos_qgis_plugin")


class SummaryDialog(QDialog):
    """Choose the admin layer, its code and name fields and the optional CSV and XLSX files.

    Accepting the dialog starts a CommuneSummaryTask. When the task ends, the table layer is added to the
    project, and the outcome is shown in the log and, with `iface`, in the message bar. Warnings of the
    task (an admin layer that misses the cases) follow it. A CSV or Excel path without a suffix
    gets .csv or .xlsx, and one with another suffix keeps the dialog open with the reason.
    """

    def __init__(
        self,
        case_layer: QgsVectorLayer,
        iface: Any = None,
        parent: Optional[QWidget] = None,
        admin_layer_id: str = "",
    ) -> None:
        super().__init__(parent)
        self.case_layer = case_layer
        self.iface = iface
        self.task: Any = None
        self.setWindowTitle(self.tr("Summary by commune"))

        self.admin_combo = QgsMapLayerComboBox(self)
        self.admin_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.admin_combo.setAllowEmptyLayer(True)
        self.code_combo = QgsFieldComboBox(self)
        self.code_combo.setAllowEmptyFieldName(True)
        self.name_combo = QgsFieldComboBox(self)
        self.name_combo.setAllowEmptyFieldName(True)
        self.name_combo.setFilters(QgsFieldProxyModel.Filter.String)
        self.csv_widget = QgsFileWidget(self)
        self.csv_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.csv_widget.setFilter(self.tr("CSV files (*.csv)"))
        self.xlsx_widget = QgsFileWidget(self)
        self.xlsx_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.xlsx_widget.setFilter(self.tr("Excel files (*.xlsx)"))
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Commune layer"), self.admin_combo)
        form.addRow(self.tr("Code field"), self.code_combo)
        form.addRow(self.tr("Name field"), self.name_combo)
        form.addRow(self.tr("CSV file (optional)"), self.csv_widget)
        form.addRow(self.tr("Excel file (optional)"), self.xlsx_widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

        self.admin_combo.layerChanged.connect(self._on_admin_changed)
        admin = QgsProject.instance().mapLayer(admin_layer_id) if admin_layer_id else None
        if admin is not None:
            self.admin_combo.setLayer(admin)
        self._on_admin_changed(self.admin_combo.currentLayer())
        translate_standard_buttons(self)

    def _on_admin_changed(self, layer: Any) -> None:
        from ..admin_layers import guess_commune_fields

        self.code_combo.setLayer(layer)
        self.name_combo.setLayer(layer)
        if isinstance(layer, QgsVectorLayer):
            code, name = guess_commune_fields(layer)
            self.code_combo.setField(code or "")
            self.name_combo.setField(name or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(layer is not None)

    def admin_layer(self) -> Optional[QgsVectorLayer]:
        layer = self.admin_combo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None

    def code_field(self) -> Optional[str]:
        return self.code_combo.currentField() or None

    def name_field(self) -> Optional[str]:
        return self.name_combo.currentField() or None

    def csv_path(self) -> Optional[str]:
        return self.csv_widget.filePath().strip() or None

    def xlsx_path(self) -> Optional[str]:
        return self.xlsx_widget.filePath().strip() or None

    def accept(self) -> None:
        """Start the summary task; the dialog stays open with the reason when the layers cannot be read."""
        try:
            self.task = self.start_task()
        except SosError as error:
            self.message_label.setText(error_message(error))
            LOGGER.warning("Commune summary not started: %s", error.details or error.message)
            return
        super().accept()

    def start_task(self) -> Any:
        """Read the layers on the main thread, then start a CommuneSummaryTask; raise SosError on failure."""
        from ..admin_layers import read_communes
        from ..summary import CommuneSummaryTask, output_path, snapshot_cases

        # Checked here so that a bad path keeps the dialog open with the reason; the task checks again.
        csv_path = self.csv_path()
        xlsx_path = self.xlsx_path()
        if csv_path:
            output_path(csv_path, ".csv")
        if xlsx_path:
            output_path(xlsx_path, ".xlsx")
        admin = self.admin_layer()
        communes = read_communes(admin, self.code_field(), self.name_field())
        snapshot = snapshot_cases(self.case_layer)
        task = CommuneSummaryTask(snapshot, communes, self._on_task_finished, csv_path, xlsx_path)
        QgsApplication.taskManager().addTask(task)
        return task

    def _on_task_finished(self, summaries: Optional[list], error: Optional[BaseException]) -> None:
        from ..summary import build_summary_layer

        if error is not None:
            self._notify(error_message(error), warning=True)
            return
        if summaries is None:
            self._notify(self.tr("The commune summary was canceled."), warning=True)
            return
        layer = build_summary_layer(summaries)
        QgsProject.instance().addMapLayer(layer)
        task = self.task
        written = list(task.written) if task is not None else []
        text = self.tr("Commune summary ready: {} communes.").format(len(summaries) - 2)
        if written:
            text += " " + self.tr("Written to {}.").format(", ".join(written))
        self._notify(text, warning=False)
        for warning in task.warnings if task is not None else []:
            self._notify(warning, warning=True)

    def _notify(self, text: str, warning: bool) -> None:
        LOGGER.log(logging.WARNING if warning else logging.INFO, "%s", text)
        if self.iface is None:
            return
        from qgis.core import Qgis

        level = Qgis.MessageLevel.Warning if warning else Qgis.MessageLevel.Success
        self.iface.messageBar().pushMessage(self.tr("SOS"), text, level=level, duration=8)
