"""Dialog to choose the hazard layers: project layers, files and services, each with a kind and a role.

Vector and raster layers take part in the analysis. WMS, WMTS and XYZ layers are pictures for display only,
so they are added to the map but cannot be sampled. WFS and OGC API Features layers are vector layers and
are analysed like files.
"""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Optional

from qgis.core import (
    QgsApplication,
    QgsDataSourceUri,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsTask,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..hazard_layers import (
    DEFAULT_THRESHOLDS,
    FLOOD,
    HAZARD_KINDS,
    LANDSLIDE,
    ROLE_EVENTS,
    ROLE_RASTER,
    ROLE_ZONES,
    HazardRole,
    hazard_kind,
    hazard_role,
    tag_hazard_layer,
    untag_hazard_layer,
)
from . import translate_standard_buttons

LOGGER = logging.getLogger("sos_qgis_plugin")

SERVICE_KINDS = ("wms", "wmts", "wfs", "oapif", "xyz")
# Services whose layers are pictures: shown on the map, never sampled.
DISPLAY_ONLY_KINDS = ("wms", "wmts", "xyz")
# Browsers, proxies and servers do not all accept URLs longer than about 2,000 characters, and a service's
# base URL or tile template is far shorter, so a longer one is a paste error.
MAX_SERVICE_URL_LENGTH = 2000
SERVICE_URL_SCHEMES = ("http", "https")


def service_url_problem(url: str) -> Optional[str]:
    """Return a translated sentence saying why `url` cannot be a service URL, or None when it can.

    A service URL is http or https with a host name, at most MAX_SERVICE_URL_LENGTH characters, and
    without control characters (NUL, line breaks) or spaces. Blank text is a problem too.
    """
    text = url.strip()
    if not text:
        return QCoreApplication.translate("HazardSourcesDialog", "Enter the URL of the service.")
    if len(text) > MAX_SERVICE_URL_LENGTH:
        return QCoreApplication.translate(
            "HazardSourcesDialog", "The URL is {} characters long; a service URL may have at most {}."
        ).format(len(text), MAX_SERVICE_URL_LENGTH)
    if any(ord(character) < 32 or ord(character) == 127 for character in text):
        return QCoreApplication.translate(
            "HazardSourcesDialog",
            "The URL contains a control character (such as NUL or a line break). Type or paste it again.",
        )
    if any(character.isspace() for character in text):
        return QCoreApplication.translate(
            "HazardSourcesDialog", "The URL contains a space. Write a space in a URL as %20."
        )
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in SERVICE_URL_SCHEMES:
        return QCoreApplication.translate(
            "HazardSourcesDialog", "The URL must start with http:// or https://, not {}."
        ).format(text[:40])
    if not host:
        return QCoreApplication.translate("HazardSourcesDialog", "The URL {} has no host name.").format(
            text[:200]
        )
    return None


@dataclass
class ServiceSource:
    """One hazard service: its kind (one of SERVICE_KINDS), base URL and layer (tile URL template for XYZ)."""

    name: str
    kind: str
    url: str
    layer: str = ""
    style: str = ""
    image_format: str = "image/png"
    crs: str = "EPSG:3857"
    tile_matrix_set: str = ""


def service_uri(source: ServiceSource) -> tuple[str, str]:
    """Return (provider key, data source URI) of a service layer; raise ValueError for an unknown kind.

    WMS and WMTS use the "wms" provider with url, layers, styles, format and crs (and tileMatrixSet for
    WMTS); XYZ uses "wms" with type=xyz and the tile URL template; WFS uses "WFS" and OGC API Features
    "OAPIF" with url and typename.
    """
    if source.kind in ("wms", "wmts"):
        uri = QgsDataSourceUri()
        uri.setParam("url", source.url)
        uri.setParam("layers", source.layer)
        uri.setParam("styles", source.style)
        uri.setParam("format", source.image_format)
        uri.setParam("crs", source.crs)
        if source.kind == "wmts":
            uri.setParam("tileMatrixSet", source.tile_matrix_set or source.crs)
        return "wms", bytes(uri.encodedUri()).decode("utf-8")
    if source.kind == "xyz":
        template = source.url if "{z}" in source.url or not source.layer else source.layer
        return "wms", "type=xyz&url={}".format(urllib.parse.quote(template, safe=":/{}?&=@-_.~"))
    if source.kind in ("wfs", "oapif"):
        uri = QgsDataSourceUri()
        uri.setParam("url", source.url)
        uri.setParam("typename", source.layer)
        if source.kind == "wfs":
            uri.setParam("version", "auto")
        return ("WFS" if source.kind == "wfs" else "OAPIF"), uri.uri(False)
    raise ValueError("service kind must be one of {}, not {!r}".format(", ".join(SERVICE_KINDS), source.kind))


def make_service_layer(source: ServiceSource) -> QgsMapLayer:
    """Create the QGIS layer of a service; it may be invalid when the service cannot be reached.

    Raises ValueError for an unknown kind. Nothing is added to the project.
    """
    provider, uri = service_uri(source)
    if source.kind in DISPLAY_ONLY_KINDS:
        return QgsRasterLayer(uri, source.name, provider)
    return QgsVectorLayer(uri, source.name, provider)


def is_display_only(layer: QgsMapLayer) -> bool:
    """Return True for a layer that shows pictures from a service (WMS, WMTS, XYZ) and cannot be sampled."""
    return isinstance(layer, QgsRasterLayer) and layer.providerType() != "gdal"


def saved_services() -> list[dict[str, str]]:
    """Return the saved services ({"name", "kind", "url", "layer"}) from the plugin settings."""
    from ..settings import Settings

    return Settings().hazard_services


def save_services(services: list[dict[str, str]]) -> None:
    """Store the saved services in the plugin settings.

    Raises ValueError for an invalid entry, with a translated message for a URL that service_url_problem
    rejects.
    """
    from ..settings import Settings

    for service in services:
        url = service.get("url") if isinstance(service, dict) else None
        problem = service_url_problem(url) if isinstance(url, str) else None
        if problem is not None:
            raise ValueError(problem)
    Settings().hazard_services = services


class ServiceLayerTask(QgsTask):
    """Open a service layer in a worker thread and hand it to `on_done` on the main thread.

    Opening a WFS, OGC API Features or WMS layer downloads its capabilities, which blocks until the server
    responds or the QGIS network timeout passes (60 s by default). `on_done(task, layer)` gets the layer,
    or None when it is invalid or the task was cancelled. NOTE: cancelling cannot interrupt the provider's
    request, so the worker thread stays busy until that request ends, but its layer is thrown away.
    """

    def __init__(
        self, source: ServiceSource, on_done: Callable[[ServiceLayerTask, Optional[QgsMapLayer]], None]
    ) -> None:
        super().__init__(
            QCoreApplication.translate("HazardSourcesDialog", "Opening the service {}").format(source.name),
            QgsTask.Flag.CanCancel,
        )
        self.source = source
        self.layer: Optional[QgsMapLayer] = None
        self._on_done = on_done

    def run(self) -> bool:
        layer = make_service_layer(self.source)
        # The layer was made in this worker thread; the project and the map live in the main thread.
        layer.moveToThread(QCoreApplication.instance().thread())
        self.layer = layer
        return True

    def finished(self, result: bool) -> None:
        layer = self.layer
        self.layer = None
        if not result or self.isCanceled() or layer is None or not layer.isValid():
            LOGGER.info("Service layer %s (%s) not opened", self.source.name, self.source.kind)
            layer = None
        self._on_done(self, layer)


class HazardSourcesDialog(QDialog):
    """Pick hazard layers from the project, from files and from services, and set each one's kind and role."""

    # Emitted on the main thread when a service layer opened by add_service was added to the project.
    service_layer_added = pyqtSignal(object)
    # Emitted with the translated reason when a service layer could not be opened or was cancelled.
    service_layer_failed = pyqtSignal(str)

    def __init__(
        self, iface=None, parent: Optional[QWidget] = None, project: Optional[QgsProject] = None
    ) -> None:
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self._service_task: Optional[ServiceLayerTask] = None
        self.setWindowTitle(self.tr("Hazard sources"))
        self.resize(760, 560)
        layout = QVBoxLayout(self)

        layers_box = QGroupBox(self.tr("Hazard layers"))
        layers_layout = QHBoxLayout(layers_box)
        self.layer_list = QListWidget()
        self.layer_list.currentItemChanged.connect(self._show_layer)
        layers_layout.addWidget(self.layer_list, 1)
        layers_layout.addWidget(self._role_editor(), 1)
        layout.addWidget(layers_box, 1)

        buttons_row = QHBoxLayout()
        add_file = QPushButton(self.tr("Add file…"))
        add_file.clicked.connect(self._add_file)
        buttons_row.addWidget(add_file)
        buttons_row.addStretch(1)
        layout.addLayout(buttons_row)

        layout.addWidget(self._service_box())

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        box.accepted.connect(self.accept)
        layout.addWidget(box)
        self.finished.connect(self.cancel_service)

        self.reload_layers()
        self.reload_services()
        translate_standard_buttons(self)

    # --- layers ------------------------------------------------------------------------------------------

    def _role_editor(self) -> QWidget:
        editor = QWidget()
        form = QFormLayout(editor)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("Not a hazard layer"), "")
        self.kind_combo.addItem(self.tr("Flood"), FLOOD)
        self.kind_combo.addItem(self.tr("Landslide"), LANDSLIDE)
        form.addRow(self.tr("Kind"), self.kind_combo)

        self.role_combo = QComboBox()
        self.role_combo.addItem(self.tr("Zones (polygons)"), ROLE_ZONES)
        self.role_combo.addItem(self.tr("Events (points with a danger radius)"), ROLE_EVENTS)
        self.role_combo.addItem(self.tr("Raster value"), ROLE_RASTER)
        form.addRow(self.tr("Role"), self.role_combo)
        self.class_field = QComboBox()
        form.addRow(self.tr("Class field"), self.class_field)
        self.depth_field = QComboBox()
        form.addRow(self.tr("Depth field (m)"), self.depth_field)

        self.radius_spin = QDoubleSpinBox()
        self.radius_spin.setRange(0.0, 100_000.0)
        self.radius_spin.setDecimals(0)
        self.radius_spin.setSuffix(" m")
        self.radius_spin.setSpecialValueText(self.tr("default"))
        form.addRow(self.tr("Danger radius"), self.radius_spin)
        self.radius_field = QComboBox()
        form.addRow(self.tr("Radius field (m)"), self.radius_field)
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setRange(-1_000_000.0, 1_000_000.0)
        self.threshold_spin.setDecimals(3)
        form.addRow(self.tr("In zone from raster value"), self.threshold_spin)

        self.display_note = QLabel()
        self.display_note.setWordWrap(True)
        form.addRow(self.display_note)
        apply_button = QPushButton(self.tr("Apply to layer"))
        apply_button.clicked.connect(self.apply_current)
        form.addRow(apply_button)
        return editor

    def reload_layers(self) -> None:
        """List the project's vector and raster layers, hazard layers first."""
        self.layer_list.clear()
        layers = [
            layer
            for layer in self.project.mapLayers().values()
            if isinstance(layer, (QgsVectorLayer, QgsRasterLayer))
        ]
        layers.sort(key=lambda layer: (hazard_kind(layer) is None, layer.name().lower()))
        for layer in layers:
            item = QListWidgetItem(self._layer_label(layer))
            item.setData(Qt.ItemDataRole.UserRole, layer.id())
            self.layer_list.addItem(item)

    def _layer_label(self, layer: QgsMapLayer) -> str:
        kind = hazard_kind(layer)
        if kind == FLOOD:
            label = self.tr("{} (flood)").format(layer.name())
        elif kind == LANDSLIDE:
            label = self.tr("{} (landslide)").format(layer.name())
        else:
            label = layer.name()
        if is_display_only(layer):
            label += " " + self.tr("[display only]")
        return label

    def current_layer(self) -> Optional[QgsMapLayer]:
        """Return the layer selected in the list, or None."""
        item = self.layer_list.currentItem()
        if item is None:
            return None
        return self.project.mapLayer(item.data(Qt.ItemDataRole.UserRole))

    def select_layer(self, layer: QgsMapLayer) -> None:
        """Select `layer` in the list so that the role editor shows it."""
        for row in range(self.layer_list.count()):
            if self.layer_list.item(row).data(Qt.ItemDataRole.UserRole) == layer.id():
                self.layer_list.setCurrentRow(row)
                return

    def _show_layer(self, *_args) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        role = hazard_role(layer)
        kind = hazard_kind(layer) or ""
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))
        self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(role.role)))

        names = layer.fields().names() if isinstance(layer, QgsVectorLayer) else []
        for combo, value in (
            (self.class_field, role.class_field),
            (self.depth_field, role.depth_field),
            (self.radius_field, role.radius_field),
        ):
            combo.clear()
            combo.addItem(self.tr("(none)"), "")
            for name in names:
                combo.addItem(name, name)
            combo.setCurrentIndex(max(0, combo.findData(value or "")))
        self.radius_spin.setValue(role.radius_m or 0.0)

        threshold = role.threshold
        if threshold is None:
            threshold = DEFAULT_THRESHOLDS.get(kind, DEFAULT_THRESHOLDS[FLOOD])
        self.threshold_spin.setValue(threshold)
        if is_display_only(layer):
            self.display_note.setText(
                self.tr(
                    "This layer shows pictures from a map service (WMS, WMTS or XYZ). It is for display "
                    "only: its values cannot be sampled, so the analysis leaves it out."
                )
            )
        else:
            self.display_note.setText("")

    def apply_current(self) -> bool:
        """Store the kind and role shown in the editor on the selected layer; return True when stored."""
        layer = self.current_layer()
        if layer is None:
            return False
        kind = self.kind_combo.currentData()
        if not kind:
            untag_hazard_layer(layer)
        else:
            role = HazardRole(
                role=self.role_combo.currentData(),
                class_field=self.class_field.currentData() or None,
                depth_field=self.depth_field.currentData() or None,
                radius_m=self.radius_spin.value() or None,
                radius_field=self.radius_field.currentData() or None,
                threshold=self.threshold_spin.value(),
            )
            try:
                tag_hazard_layer(layer, kind, role)
            except ValueError as error:
                QMessageBox.warning(self, self.windowTitle(), str(error))
                return False
        current = self.layer_list.currentItem()
        current.setText(self._layer_label(layer))
        return True

    def add_file(self, path: str, name: Optional[str] = None) -> Optional[QgsMapLayer]:
        """Open a vector or raster file, add it to the project and select it; None when it cannot be read."""
        base = name or path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        layer: QgsMapLayer = QgsVectorLayer(path, base, "ogr")
        if not layer.isValid():
            layer = QgsRasterLayer(path, base, "gdal")
        if not layer.isValid():
            return None
        self.project.addMapLayer(layer)
        self.reload_layers()
        self.select_layer(layer)
        return layer

    def _add_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Open a hazard layer"),
            "",
            self.tr(
                "Vector and raster files (*.gpkg *.shp *.geojson *.json *.tif *.tiff *.asc *.vrt);;"
                "All files (*)"
            ),
        )
        if path and self.add_file(path) is None:
            QMessageBox.warning(
                self,
                self.windowTitle(),
                self.tr("QGIS cannot open {} as a vector or raster layer.").format(path),
            )

    # --- services ----------------------------------------------------------------------------------------

    def _service_box(self) -> QWidget:
        box = QGroupBox(self.tr("Services"))
        layout = QHBoxLayout(box)
        left = QVBoxLayout()
        self.service_list = QListWidget()
        self.service_list.currentItemChanged.connect(self._show_service)
        left.addWidget(self.service_list)
        row = QHBoxLayout()
        save = QPushButton(self.tr("Save service"))
        save.clicked.connect(self.save_current_service)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self.remove_current_service)
        row.addWidget(save)
        row.addWidget(remove)
        left.addLayout(row)
        layout.addLayout(left, 1)

        form = QFormLayout()
        self.service_name = QLineEdit()
        form.addRow(self.tr("Name"), self.service_name)
        self.service_kind = QComboBox()
        for kind, label in (
            ("wms", self.tr("WMS (display only)")),
            ("wmts", self.tr("WMTS (display only)")),
            ("xyz", self.tr("XYZ tiles (display only)")),
            ("wfs", self.tr("WFS")),
            ("oapif", self.tr("OGC API Features")),
        ):
            self.service_kind.addItem(label, kind)
        form.addRow(self.tr("Kind"), self.service_kind)
        self.service_url = QLineEdit()
        self.service_url.setPlaceholderText("https://…")
        form.addRow(self.tr("URL"), self.service_url)
        self.service_layer = QLineEdit()
        form.addRow(self.tr("Layer or collection"), self.service_layer)
        self.service_crs = QLineEdit("EPSG:3857")
        form.addRow(self.tr("CRS (WMS, WMTS)"), self.service_crs)
        self.service_hazard = QComboBox()
        self.service_hazard.addItem(self.tr("Flood"), FLOOD)
        self.service_hazard.addItem(self.tr("Landslide"), LANDSLIDE)
        form.addRow(self.tr("Hazard kind"), self.service_hazard)
        self.add_service_button = QPushButton(self.tr("Add to map"))
        self.add_service_button.clicked.connect(self._add_service)
        form.addRow(self.add_service_button)

        busy_row = QHBoxLayout()
        self.service_busy = QProgressBar()
        # A range of 0..0 shows a busy indicator without a percentage.
        self.service_busy.setRange(0, 0)
        self.service_busy.setTextVisible(False)
        self.service_busy.setVisible(False)
        busy_row.addWidget(self.service_busy, 1)
        self.cancel_service_button = QPushButton(self.tr("Cancel"))
        self.cancel_service_button.clicked.connect(self.cancel_service)
        self.cancel_service_button.setVisible(False)
        busy_row.addWidget(self.cancel_service_button)
        form.addRow(busy_row)
        self.service_status = QLabel()
        self.service_status.setWordWrap(True)
        form.addRow(self.service_status)
        layout.addLayout(form, 1)
        return box

    def reload_services(self) -> None:
        """List the saved services."""
        self.service_list.clear()
        for service in saved_services():
            item = QListWidgetItem("{} ({})".format(service["name"], service["kind"].upper()))
            item.setData(Qt.ItemDataRole.UserRole, service)
            self.service_list.addItem(item)

    def _show_service(self, *_args) -> None:
        item = self.service_list.currentItem()
        if item is None:
            return
        service = item.data(Qt.ItemDataRole.UserRole)
        self.service_name.setText(service["name"])
        self.service_kind.setCurrentIndex(max(0, self.service_kind.findData(service["kind"])))
        self.service_url.setText(service["url"])
        self.service_layer.setText(service.get("layer", ""))

    def current_service(self) -> ServiceSource:
        """Return the service typed in the form."""
        return ServiceSource(
            name=self.service_name.text().strip()
            or self.service_layer.text().strip()
            or self.tr("Hazard service"),
            kind=self.service_kind.currentData(),
            url=self.service_url.text().strip(),
            layer=self.service_layer.text().strip(),
            crs=self.service_crs.text().strip() or "EPSG:3857",
        )

    def save_current_service(self) -> bool:
        """Add the service in the form to the saved list (replacing one of the same name); True when saved."""
        source = self.current_service()
        services = [service for service in saved_services() if service["name"] != source.name]
        services.append({"name": source.name, "kind": source.kind, "url": source.url, "layer": source.layer})
        try:
            save_services(services)
        except ValueError as error:
            QMessageBox.warning(self, self.windowTitle(), str(error))
            return False
        self.reload_services()
        return True

    def remove_current_service(self) -> None:
        """Remove the selected service from the saved list."""
        item = self.service_list.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)["name"]
        save_services([service for service in saved_services() if service["name"] != name])
        self.reload_services()

    def add_service(self, source: ServiceSource, kind: str) -> None:
        """Start opening a service layer in a worker thread; on success add it to the project and tag it.

        The layer is tagged with `kind` unless it is display only. The dialog shows a busy indicator and a
        Cancel button meanwhile, then emits service_layer_added with the layer, or service_layer_failed
        with the reason. Raises ValueError for an unknown kind, for a URL that
        service_url_problem rejects (with its translated message), or while another service is opening.
        """
        if kind not in HAZARD_KINDS:
            raise ValueError("hazard kind must be one of {}, not {!r}".format(", ".join(HAZARD_KINDS), kind))
        problem = service_url_problem(source.url)
        if problem is not None:
            raise ValueError(problem)
        service_uri(source)
        if self._service_task is not None:
            raise ValueError(self.tr("Another service is being opened. Wait for it or cancel it."))

        def on_done(task: ServiceLayerTask, layer: Optional[QgsMapLayer]) -> None:
            # The dialog may have been closed and deleted while the service was opening.
            if sip.isdeleted(self) or task is not self._service_task:
                return
            self._service_opened(source, kind, layer)

        task = ServiceLayerTask(source, on_done)
        self._service_task = task
        self._show_service_busy(True)
        self.service_status.setText(self.tr("Opening the service {}…").format(source.url[:200]))
        QgsApplication.taskManager().addTask(task)

    def cancel_service(self, *_args) -> None:
        """Stop waiting for the service being opened; its layer, if it comes later, is not added."""
        task = self._service_task
        if task is None:
            return
        self._service_task = None
        task.cancel()
        self._show_service_busy(False)
        message = self.tr("Opening the service was cancelled.")
        self.service_status.setText(message)
        self.service_layer_failed.emit(message)

    def service_opening(self) -> bool:
        """Return True while a service layer is being opened."""
        return self._service_task is not None

    def _show_service_busy(self, busy: bool) -> None:
        self.service_busy.setVisible(busy)
        self.cancel_service_button.setVisible(busy)
        self.add_service_button.setEnabled(not busy)

    def _service_opened(self, source: ServiceSource, kind: str, layer: Optional[QgsMapLayer]) -> None:
        self._service_task = None
        self._show_service_busy(False)
        if layer is None:
            message = self.tr(
                "The service {} could not be opened. Check the URL, the layer name and the network."
            ).format(source.url[:200])
            self.service_status.setText(message)
            self.service_layer_failed.emit(message)
            return
        self.project.addMapLayer(layer)
        if not is_display_only(layer):
            tag_hazard_layer(layer, kind)
        self.reload_layers()
        self.select_layer(layer)
        self.service_status.setText(self.tr("The layer {} was added to the map.").format(layer.name()))
        self.service_layer_added.emit(layer)

    def _add_service(self) -> None:
        source = self.current_service()
        try:
            self.add_service(source, self.service_hazard.currentData())
        except ValueError as error:
            QMessageBox.warning(self, self.windowTitle(), str(error))
