"""Dialog that edits every user setting of the plugin; OK validates and writes them, Cancel writes nothing."""

from __future__ import annotations

import logging
import os
from typing import Optional
from urllib.parse import urlsplit

from qgis.core import QgsMapLayer, QgsMapLayerProxyModel, QgsProject
from qgis.gui import QgsAuthConfigSelect, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.priority import WEIGHT_NAMES, PriorityWeights
from ..settings import (
    CASES_GPKG_PATH,
    MAX_LANDSLIDE_RADIUS_M,
    MAX_REFRESH_INTERVAL_S,
    MIN_REFRESH_INTERVAL_S,
    REPORT_FOLDER,
    Settings,
    parse_bbox,
)
from . import translate_standard_buttons

LOGGER = logging.getLogger("sos_qgis_plugin")

MAX_WEIGHT = 1000.0


class SettingsDialog(QDialog):
    """Edit the service, refresh, service area, hazard, priority and file settings.

    Each field has a message label below it that shows what is wrong with its value. OK writes every
    setting through `settings` only when all fields are valid, else it keeps the dialog open.
    """

    def __init__(
        self, settings: Settings, parent: Optional[QWidget] = None, project: Optional[QgsProject] = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SosSettingsDialog")
        self._settings = settings
        self._project = project or QgsProject.instance()
        self._errors: dict[str, QLabel] = {}
        self.setWindowTitle(self.tr("SOS settings"))

        layout = QVBoxLayout(self)
        layout.addWidget(self._service_group())
        layout.addWidget(self._area_group())
        layout.addWidget(self._priority_group())
        layout.addWidget(self._files_group())

        self.buttonBox = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        layout.addWidget(self.buttonBox)

        self._load()
        translate_standard_buttons(self)

    # --- building the form

    def _error_label(self, key: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"{key}Error")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setStyleSheet("color: #b00020;")
        label.hide()
        self._errors[key] = label
        return label

    def _add_row(self, form: QFormLayout, label: str, field: QWidget, key: str) -> None:
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(field)
        column.addWidget(self._error_label(key))
        form.addRow(label, column)

    def _service_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("SOS service"), self)
        form = QFormLayout(group)

        self.urlEdit = QLineEdit(group)
        self.urlEdit.setPlaceholderText("https://sos.example.org")
        self._add_row(form, self.tr("Service URL"), self.urlEdit, "url")

        self.authSelect = QgsAuthConfigSelect(group)
        self._add_row(form, self.tr("Authentication"), self.authSelect, "auth")

        self.caBundleWidget = QgsFileWidget(group)
        self.caBundleWidget.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.caBundleWidget.setFilter(self.tr("PEM certificates (*.pem *.crt);;All files (*)"))
        self.caBundleWidget.setToolTip(
            self.tr("Extra certificate authorities for a service with a private certificate. Leave empty.")
        )
        self._add_row(form, self.tr("CA certificates"), self.caBundleWidget, "ca_bundle")

        self.refreshSpin = QSpinBox(group)
        self.refreshSpin.setRange(MIN_REFRESH_INTERVAL_S, MAX_REFRESH_INTERVAL_S)
        self.refreshSpin.setSuffix(self.tr(" s"))
        self.refreshSpin.setToolTip(self.tr("How often the cases are fetched again, in seconds."))
        self._add_row(form, self.tr("Refresh interval"), self.refreshSpin, "refresh")
        return group

    def _area_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Service area and hazards"), self)
        form = QFormLayout(group)

        self.bboxRadio = QRadioButton(self.tr("Rectangle (WGS 84 degrees)"), group)
        self.layerRadio = QRadioButton(self.tr("Polygon layer"), group)
        self._areaButtons = QButtonGroup(group)
        self._areaButtons.addButton(self.bboxRadio)
        self._areaButtons.addButton(self.layerRadio)
        choice = QHBoxLayout()
        choice.addWidget(self.bboxRadio)
        choice.addWidget(self.layerRadio)
        form.addRow(self.tr("Service area"), choice)

        self.bboxSpins: list[QDoubleSpinBox] = []
        bbox_row = QHBoxLayout()
        bbox_tips = (
            self.tr("Minimum longitude"),
            self.tr("Minimum latitude"),
            self.tr("Maximum longitude"),
            self.tr("Maximum latitude"),
        )
        for index, tip in enumerate(bbox_tips):
            spin = QDoubleSpinBox(group)
            limit = 180.0 if index % 2 == 0 else 90.0
            spin.setRange(-limit, limit)
            spin.setDecimals(4)
            spin.setToolTip(tip)
            self.bboxSpins.append(spin)
            bbox_row.addWidget(spin)
        bbox_widget = QWidget(group)
        bbox_widget.setLayout(bbox_row)
        bbox_row.setContentsMargins(0, 0, 0, 0)
        self._add_row(form, self.tr("Rectangle"), bbox_widget, "bbox")

        self.areaLayerCombo = QgsMapLayerComboBox(group)
        self.areaLayerCombo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.areaLayerCombo.setAllowEmptyLayer(True)
        self._add_row(form, self.tr("Area layer"), self.areaLayerCombo, "area_layer")

        self.adminLayerCombo = QgsMapLayerComboBox(group)
        self.adminLayerCombo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.adminLayerCombo.setAllowEmptyLayer(True)
        self.adminLayerCombo.setToolTip(self.tr("Commune polygons for filters and the per-commune summary."))
        self._add_row(form, self.tr("Commune layer"), self.adminLayerCombo, "admin_layer")

        self.radiusSpin = QDoubleSpinBox(group)
        self.radiusSpin.setRange(1.0, MAX_LANDSLIDE_RADIUS_M)
        self.radiusSpin.setDecimals(0)
        self.radiusSpin.setSuffix(" m")
        self.radiusSpin.setToolTip(self.tr("Cases closer than this to a landslide point are in its zone."))
        self._add_row(form, self.tr("Landslide radius"), self.radiusSpin, "radius")

        self.bboxRadio.toggled.connect(self._update_area_fields)
        return group

    def _priority_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Priority weights"), self)
        form = QFormLayout(group)
        labels = {
            "urgency": self.tr("Urgency"),
            "people": self.tr("People"),
            "vulnerable": self.tr("Vulnerable people"),
            "hazard": self.tr("Hazard"),
            "waiting": self.tr("Waiting time"),
        }
        self.weightSpins: dict[str, QDoubleSpinBox] = {}
        for name in WEIGHT_NAMES:
            spin = QDoubleSpinBox(group)
            spin.setRange(0.0, MAX_WEIGHT)
            spin.setDecimals(1)
            self.weightSpins[name] = spin
            form.addRow(labels[name], spin)
        form.addRow(self._error_label("weights"))

        self.restoreWeightsButton = QPushButton(self.tr("Restore defaults"), group)
        self.restoreWeightsButton.clicked.connect(self.restore_default_weights)
        form.addRow(self.restoreWeightsButton)
        return group

    def _files_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Files"), self)
        form = QFormLayout(group)

        self.gpkgWidget = QgsFileWidget(group)
        self.gpkgWidget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.gpkgWidget.setFilter(self.tr("GeoPackage (*.gpkg)"))
        self._add_row(form, self.tr("Cases GeoPackage"), self.gpkgWidget, "gpkg")

        self.reportFolderWidget = QgsFileWidget(group)
        self.reportFolderWidget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self._add_row(form, self.tr("Report folder"), self.reportFolderWidget, "report_folder")
        return group

    # --- values

    def _load(self) -> None:
        settings = self._settings
        self.urlEdit.setText(settings.service_url)
        self.authSelect.setConfigId(settings.authcfg_id)
        # The selector shows no id when the stored one is missing from the authentication database (or the
        # database is locked), so the id is written back only when the officer picked another one.
        self._shown_authcfg_id = self.authSelect.configId()
        self.caBundleWidget.setFilePath(settings.ca_bundle_path)
        self.refreshSpin.setValue(settings.refresh_interval_s)

        for spin, value in zip(self.bboxSpins, settings.service_area):
            spin.setValue(value)
        area_layer = (
            self._project.mapLayer(settings.service_area_layer_id) if settings.service_area_layer_id else None
        )
        self.areaLayerCombo.setLayer(area_layer)
        self.layerRadio.setChecked(area_layer is not None)
        self.bboxRadio.setChecked(area_layer is None)
        admin_layer = self._project_layer(settings.admin_layer_id)
        self.adminLayerCombo.setLayer(admin_layer)
        self.radiusSpin.setValue(settings.landslide_radius_m)

        weights = settings.priority_weights
        for name, spin in self.weightSpins.items():
            spin.setValue(getattr(weights, name))

        self._gpkg_stored = settings.has_value(CASES_GPKG_PATH)
        self._folder_stored = settings.has_value(REPORT_FOLDER)
        self.gpkgWidget.setFilePath(settings.cases_gpkg_path)
        self.reportFolderWidget.setFilePath(settings.report_folder)
        self._update_area_fields()

    def _project_layer(self, layer_id: str) -> Optional[QgsMapLayer]:
        return self._project.mapLayer(layer_id) if layer_id else None

    def _update_area_fields(self) -> None:
        use_bbox = self.bboxRadio.isChecked()
        for spin in self.bboxSpins:
            spin.setEnabled(use_bbox)
        self.areaLayerCombo.setEnabled(not use_bbox)

    def restore_default_weights(self) -> None:
        """Put the default priority weights into the weight fields; nothing is saved before OK."""
        defaults = PriorityWeights()
        for name, spin in self.weightSpins.items():
            spin.setValue(getattr(defaults, name))

    def _bbox(self) -> tuple:
        return tuple(spin.value() for spin in self.bboxSpins)

    def validation_errors(self) -> dict[str, str]:
        """Check every field and return the translated problem of each invalid one, keyed by field."""
        errors: dict[str, str] = {}

        url = self.urlEdit.text().strip()
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                errors["url"] = self.tr(
                    "Enter a URL that starts with https:// or http://, or leave the field empty."
                )

        ca_bundle = self.caBundleWidget.filePath().strip()
        if ca_bundle and not os.path.isfile(ca_bundle):
            errors["ca_bundle"] = self.tr("This file does not exist.")

        if self.bboxRadio.isChecked():
            if parse_bbox(",".join(str(value) for value in self._bbox())) is None:
                errors["bbox"] = self.tr("Each minimum must be less than its maximum.")
        elif self.areaLayerCombo.currentLayer() is None:
            errors["area_layer"] = self.tr("Choose a polygon layer, or use a rectangle.")

        if sum(spin.value() for spin in self.weightSpins.values()) <= 0:
            errors["weights"] = self.tr("At least one weight must be more than 0.")

        gpkg = self.gpkgWidget.filePath().strip()
        if not gpkg.lower().endswith(".gpkg") or os.path.isdir(gpkg):
            errors["gpkg"] = self.tr("Enter a file name that ends with .gpkg.")

        folder = self.reportFolderWidget.filePath().strip()
        if folder and not os.path.isdir(folder) and not _can_create_folder(folder):
            errors["report_folder"] = self.tr("This folder does not exist and cannot be created here.")
        return errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)

    def save(self) -> None:
        """Write every field through the settings; call only when validation_errors() is empty."""
        settings = self._settings
        settings.service_url = self.urlEdit.text()
        if self.authSelect.configId() != self._shown_authcfg_id:
            settings.authcfg_id = self.authSelect.configId()
        settings.ca_bundle_path = self.caBundleWidget.filePath().strip()
        settings.refresh_interval_s = self.refreshSpin.value()

        if self.bboxRadio.isChecked():
            settings.service_area = self._bbox()
            settings.service_area_layer_id = ""
        else:
            settings.service_area_layer_id = self.areaLayerCombo.currentLayer().id()
        admin_layer = self.adminLayerCombo.currentLayer()
        settings.admin_layer_id = admin_layer.id() if admin_layer is not None else ""
        settings.landslide_radius_m = self.radiusSpin.value()

        settings.priority_weights = {name: spin.value() for name, spin in self.weightSpins.items()}
        # An unchanged default path is stored as empty, so it keeps following the QGIS profile folder.
        gpkg = self.gpkgWidget.filePath().strip()
        settings.cases_gpkg_path = "" if gpkg == settings.cases_gpkg_path and not self._gpkg_stored else gpkg
        folder = self.reportFolderWidget.filePath().strip()
        default_folder = os.path.dirname(settings.cases_gpkg_path)
        settings.report_folder = "" if folder == default_folder and not self._folder_stored else folder

    def accept(self) -> None:
        """Validate; when every field is valid, save and close, else show the problems and stay open.

        A report folder that does not exist yet (on a fresh profile, the default one beside the cases
        GeoPackage) is created here.
        """
        errors = self.validation_errors()
        if not errors:
            errors = self._create_report_folder()
        self._show_errors(errors)
        if errors:
            return
        self.save()
        super().accept()

    def _create_report_folder(self) -> dict[str, str]:
        folder = self.reportFolderWidget.filePath().strip()
        if not folder or os.path.isdir(folder):
            return {}
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            LOGGER.warning("Creating the report folder %s failed: %s", folder, exc)
            return {
                "report_folder": self.tr("This folder could not be created: {reason}").format(
                    reason=exc.strerror or exc
                )
            }
        return {}


def _can_create_folder(folder: str) -> bool:
    """Return whether ``folder`` could be created: its nearest existing parent is a writable folder."""
    parent = os.path.dirname(os.path.abspath(folder))
    while parent and not os.path.exists(parent):
        above = os.path.dirname(parent)
        if above == parent:
            return False
        parent = above
    return os.path.isdir(parent) and os.access(parent, os.W_OK | os.X_OK)
