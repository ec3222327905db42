"""Dialog that writes the situation report PDF: output file, title, admin layer and hazard layers."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any, Optional

from qgis.core import (
    QgsApplication,
    QgsMapLayer,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import SosError
from ..core.timeutil import VIETNAM_TZ
from ..report import build_situation_report
from ..settings import Settings
from . import error_message, translate_standard_buttons

LOGGER = logging.getLogger("sos_qgis_plugin")

_LAYER_ID_ROLE = Qt.ItemDataRole.UserRole


class ReportDialog(QDialog):
    """Choose where and how to write the situation report, then write it.

    With an admin layer, the cases are summarised per commune in a QgsTask (the heavy part), and the
    layout is built and exported on the main thread when the task has finished. `reportWritten` carries
    the path of the PDF, and the dialog closes itself after a report is written.
    """

    reportWritten = pyqtSignal(str)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        case_layer: QgsVectorLayer,
        project: Optional[QgsProject] = None,
        settings: Optional[Settings] = None,
        data_time: Optional[datetime] = None,
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.case_layer = case_layer
        self.project = project or QgsProject.instance()
        self.settings = settings or Settings()
        self.data_time = data_time
        self.task: Any = None
        self.setWindowTitle(self.tr("Situation report"))

        self.output_widget = QgsFileWidget(self)
        self.output_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output_widget.setFilter(self.tr("PDF files (*.pdf)"))
        self.output_widget.setDialogTitle(self.tr("Save the situation report as"))
        self.output_widget.setFilePath(self._default_output_path())

        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(self.tr("Situation report: SOS cases"))
        self.title_edit.setMaxLength(200)

        self.admin_combo = QgsMapLayerComboBox(self)
        self.admin_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.admin_combo.setAllowEmptyLayer(True)
        self.admin_combo.setLayer(self.project.mapLayer(self.settings.admin_layer_id))
        self.admin_combo.layerChanged.connect(self._fill_hazard_list)

        self.hazard_list = QListWidget(self)
        self.hazard_list.setToolTip(
            self.tr("Layers drawn under the cases on the map and listed in the legend")
        )
        self._fill_hazard_list()

        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(False)

        self.button_box = QDialogButtonBox(self)
        self.run_button = self.button_box.addButton(
            self.tr("Write report"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.button_box.addButton(QDialogButtonBox.StandardButton.Close)
        self.button_box.accepted.connect(self.run_report)
        self.button_box.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Output PDF"), self.output_widget)
        form.addRow(self.tr("Title"), self.title_edit)
        form.addRow(self.tr("Admin layer (optional)"), self.admin_combo)
        form.addRow(self.tr("Hazard layers"), self.hazard_list)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.button_box)
        translate_standard_buttons(self)

    def _default_output_path(self) -> str:
        folder = self.settings.report_folder
        if not folder or not os.path.isdir(folder):
            folder = os.path.expanduser("~")
        stamp = datetime.now(VIETNAM_TZ).strftime("%Y%m%d_%H%M")
        return os.path.join(folder, f"situation_report_{stamp}.pdf")

    def _fill_hazard_list(self, *_: Any) -> None:
        """List the project's layers other than the case and admin layers; visible ones start checked."""
        checked = set(self.hazard_layer_ids()) if self.hazard_list.count() else None
        self.hazard_list.clear()
        admin = self.admin_combo.currentLayer()
        skip = {self.case_layer.id(), admin.id() if admin is not None else None}
        root = self.project.layerTreeRoot()
        for node in root.findLayers():
            layer = node.layer()
            if layer is None or layer.id() in skip:
                continue
            item = QListWidgetItem(layer.name())
            item.setData(_LAYER_ID_ROLE, layer.id())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            visible = node.isVisible() if checked is None else layer.id() in checked
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
            self.hazard_list.addItem(item)

    def hazard_layer_ids(self) -> list[str]:
        """Return the ids of the checked hazard layers, in layer tree order."""
        ids = []
        for row in range(self.hazard_list.count()):
            item = self.hazard_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ids.append(item.data(_LAYER_ID_ROLE))
        return ids

    def output_path(self) -> str:
        """Return the chosen output path with a .pdf suffix, or "" when none is chosen."""
        path = self.output_widget.filePath().strip()
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def run_report(self) -> None:
        """Summarise per commune in a task when an admin layer is chosen, then write the report."""
        if self.task is not None:
            return
        path = self.output_path()
        if not path:
            self._show_error(self.tr("Choose the file to write the report to."))
            return
        admin = self.admin_combo.currentLayer()
        if admin is None:
            self._write_report(path, None, None)
            return
        try:
            # Imported here because the commune summary needs shapely 2, and the report without it does not.
            from ..admin_layers import read_communes
            from ..summary import CommuneSummaryTask, snapshot_cases

            communes = read_communes(admin)
            snapshot = snapshot_cases(self.case_layer)
        except ImportError as error:
            LOGGER.warning("Commune summary unavailable: %s", error)
            self._show_error(
                self.tr(
                    "The commune table needs the Python package shapely 2. "
                    "Install it or clear the admin layer."
                )
            )
            return
        except SosError as error:
            self._show_error(error_message(error))
            return

        admin_id = admin.id()

        def summarised(summaries: Optional[list], error: Optional[BaseException]) -> None:
            self.task = None
            if error is not None:
                self._set_busy(False)
                self._show_error(error_message(error))
            elif summaries is None:
                self._set_busy(False)
                self.message_label.setText(self.tr("The report was cancelled."))
            else:
                # The admin layer may have left the project while the task ran, and then the map has no
                # boundaries.
                self._write_report(path, summaries, self.project.mapLayer(admin_id))

        self._set_busy(True)
        self.task = CommuneSummaryTask(snapshot, communes, summarised)
        QgsApplication.taskManager().addTask(self.task)

    def _write_report(self, path: str, summaries: Optional[list], admin: Optional[QgsMapLayer]) -> None:
        self._set_busy(True)
        try:
            written = build_situation_report(
                self.project,
                self.case_layer,
                self._hazard_layers(),
                summaries,
                path,
                title=self.title_edit.text().strip() or None,
                data_time=self.data_time,
                admin_layer=admin,
            )
        except SosError as error:
            LOGGER.error("Situation report failed: %s", error.details or error.message)
            self._show_error(error_message(error))
            return
        finally:
            self._set_busy(False)
        self.settings.report_folder = os.path.dirname(written)
        self.message_label.setStyleSheet("")
        self.message_label.setText(self.tr("Report written to {}").format(written))
        self.reportWritten.emit(written)
        self.accept()

    def _hazard_layers(self) -> list[QgsMapLayer]:
        layers = [self.project.mapLayer(layer_id) for layer_id in self.hazard_layer_ids()]
        return [layer for layer in layers if layer is not None]

    def _set_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.run_button.setEnabled(not busy)

    def _show_error(self, text: str) -> None:
        self.message_label.setStyleSheet("color: #b00020;")
        self.message_label.setText(text)

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
        super().reject()
