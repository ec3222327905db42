"""The per-commune summary on the QGIS side: reading cases, the table layer, CSV and XLSX export, the task.

Reading is split so that the heavy part runs in a worker thread: `snapshot_cases()` and
`admin_layers.read_communes()` run on the main thread, `read_case_facts()` and `summarise_snapshot()` on any
thread, and the table layer is built and added on the main thread.

Exports: the CSV has the English field names as its header, so scripts can rely on them, and is UTF-8 with a
byte order mark, which Excel needs to read Vietnamese names right on a double click. The XLSX, made for
people, has the column headers in the user's language. Both carry the extra rows' names translated.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProject,
    QgsTask,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant

from .admin_layers import WGS84, commune_extent_warning, point_lon_lat
from .core.errors import SosError

if TYPE_CHECKING:
    from .core.communes import CaseFacts, Commune, CommuneSummary

LOGGER = logging.getLogger("sos_qgis_plugin")

# Translation context of the summary's headers and extra row names, shared with core.communes.
CONTEXT = "SosCommunes"

# Case layer fields the summary reads; a layer without one of them gives None (unknown) for it.
CASE_FIELDS = ("status", "people_count", "household_count", "in_flood", "in_landslide_zone")


def summary_layer_name() -> str:
    """Return the translated name of the summary table layer."""
    return QCoreApplication.translate("SosCommunes", "SOS commune summary")


def translated_summaries(summaries: list[CommuneSummary]) -> list[CommuneSummary]:
    """Return the summaries with the names of the two extra rows translated; commune names stay as read."""
    from .core.communes import ROW_COMMUNE

    return [
        row if row.kind == ROW_COMMUNE else replace(row, name=QCoreApplication.translate(CONTEXT, row.name))
        for row in summaries
    ]


def column_headers() -> list[tuple[str, str]]:
    """Return (field name, translated header) of every summary column, in table order."""
    from .core.communes import SUMMARY_COLUMNS

    return [(name, QCoreApplication.translate(CONTEXT, header)) for name, header in SUMMARY_COLUMNS]


# --- reading cases ---------------------------------------------------------------------------------------


@dataclass
class CaseSnapshot:
    """A copy of the case layer for a worker thread: feature source, transform to WGS 84, field names."""

    source: QgsVectorLayerFeatureSource
    transform: QgsCoordinateTransform
    field_names: tuple[str, ...]
    layer_name: str


def snapshot_cases(layer: QgsVectorLayer) -> CaseSnapshot:
    """Copy what reading the case layer needs off the main thread; call on the thread that owns `layer`."""
    if layer is None or not layer.isValid():
        raise SosError(
            QCoreApplication.translate("SosCommunes", "The case layer is missing or cannot be read."),
            "snapshot_cases got an invalid layer",
        )
    transform = QgsCoordinateTransform(
        layer.crs(), QgsCoordinateReferenceSystem(WGS84), QgsProject.instance().transformContext()
    )
    return CaseSnapshot(
        QgsVectorLayerFeatureSource(layer), transform, tuple(layer.fields().names()), layer.name()
    )


def _value(feature: QgsFeature, name: str, present: bool) -> Any:
    if not present:
        return None
    value = feature[name]
    if value is None or value == NULL:
        return None
    return value


def _count(value: Any) -> Optional[int]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return value if isinstance(value, int) else None


def _flag(value: Any) -> Optional[bool]:
    return None if value is None else bool(value)


def read_case_facts(
    snapshot: CaseSnapshot, is_canceled: Optional[Callable[[], bool]] = None
) -> list[CaseFacts]:
    """Read status, counts, hazard flags and WGS 84 location of every case; safe on any thread.

    Returns an empty list when `is_canceled` turns true before the end.
    """
    from .core.communes import CaseFacts

    present = {name: name in snapshot.field_names for name in CASE_FIELDS}
    request = QgsFeatureRequest().setSubsetOfAttributes(
        [name for name in CASE_FIELDS if present[name]], _fields_of(snapshot)
    )
    facts: list[CaseFacts] = []
    for number, feature in enumerate(snapshot.source.getFeatures(request)):
        if is_canceled is not None and number % 5000 == 0 and is_canceled():
            return []
        lon, lat = point_lon_lat(feature.geometry(), snapshot.transform)
        status = _value(feature, "status", present["status"])
        facts.append(
            CaseFacts(
                status=str(status) if status is not None else None,
                people_count=_count(_value(feature, "people_count", present["people_count"])),
                household_count=_count(_value(feature, "household_count", present["household_count"])),
                in_flood=_flag(_value(feature, "in_flood", present["in_flood"])),
                in_landslide_zone=_flag(_value(feature, "in_landslide_zone", present["in_landslide_zone"])),
                lon=lon if math.isfinite(lon) else None,
                lat=lat if math.isfinite(lat) else None,
            )
        )
    return facts


def _fields_of(snapshot: CaseSnapshot) -> QgsFields:
    fields = QgsFields()
    for name in snapshot.field_names:
        fields.append(QgsField(name))
    return fields


def summarise_snapshot(
    snapshot: CaseSnapshot,
    communes: list[Commune],
    is_canceled: Optional[Callable[[], bool]] = None,
    warnings: Optional[list[str]] = None,
) -> list[CommuneSummary]:
    """Summarise the cases of a snapshot per commune (see core.communes.summarise_by_commune); any thread.

    When `warnings` is a list, a translated warning is appended to it (and logged) when the communes'
    extent misses the cases' extent (see admin_layers.commune_extent_warning).
    """
    from .core.communes import CommuneIndex, summarise_by_commune

    facts = read_case_facts(snapshot, is_canceled)
    warning = commune_extent_warning(communes, [fact.lon for fact in facts], [fact.lat for fact in facts])
    if warning is not None:
        LOGGER.warning("Commune summary of %s: %s", snapshot.layer_name, warning)
        if warnings is not None:
            warnings.append(warning)
    return summarise_by_commune(facts, CommuneIndex(communes))


def summarise_layers(
    case_layer: QgsVectorLayer,
    admin_layer: QgsVectorLayer,
    code_field: Optional[str] = None,
    name_field: Optional[str] = None,
    warnings: Optional[list[str]] = None,
) -> list[CommuneSummary]:
    """Summarise a case layer per commune of an admin layer on the calling (main) thread.

    Raises SosError when either layer cannot be read (see admin_layers.read_communes). `warnings` works as
    in `summarise_snapshot`.
    """
    from .admin_layers import read_communes

    communes = read_communes(admin_layer, code_field, name_field)
    return summarise_snapshot(snapshot_cases(case_layer), communes, warnings=warnings)


# --- table layer and exports -----------------------------------------------------------------------------


def summary_fields(headers_as_names: bool = False) -> QgsFields:
    """Return the fields of the summary table: code and name as text, every count as an integer.

    With `headers_as_names`, the field names are the translated headers (for the XLSX export).
    """
    fields = QgsFields()
    for name, header in column_headers():
        field_type = QVariant.Type.String if name in ("code", "name") else QVariant.Type.Int
        field = QgsField(header if headers_as_names else name, field_type)
        field.setAlias(header)
        fields.append(field)
    return fields


def summary_features(summaries: list[CommuneSummary], fields: QgsFields) -> list[QgsFeature]:
    """Return one feature without geometry per summary row, with the extra rows' names translated."""
    from .core.communes import summary_row

    features = []
    for summary in translated_summaries(summaries):
        feature = QgsFeature(fields)
        feature.setAttributes(list(summary_row(summary).values()))
        features.append(feature)
    return features


def build_summary_layer(summaries: list[CommuneSummary], name: Optional[str] = None) -> QgsVectorLayer:
    """Build a memory table layer (no geometry) with one row per summary, English field names and
    translated aliases. The layer is not added to a project."""
    layer = QgsVectorLayer("None", name or summary_layer_name(), "memory")
    fields = summary_fields()
    provider = layer.dataProvider()
    provider.addAttributes(fields.toList())
    layer.updateFields()
    for index, field in enumerate(fields):
        layer.setFieldAlias(index, field.alias())
    provider.addFeatures(summary_features(summaries, layer.fields()))
    layer.updateExtents()
    return layer


def output_path(path: Union[str, Path], extension: str) -> str:
    """Return the path an export of this format writes to, after checking its folder; `extension` is ".csv"
    or ".xlsx".

    A path without a suffix gets `extension` appended, and one with `extension` in any case is kept. Any
    other suffix raises SosError rather than being replaced or extended, so that a CSV is never written to
    "summary.xlsx", where Excel would refuse to open it, nor to "summary.xlsx.csv" by surprise. Raises
    SosError too when the folder is missing, is not a folder, or is not writable, or when the path is a
    folder.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if not suffix:
        target = target.with_name(target.name + extension)
    elif suffix != extension:
        raise SosError(
            QCoreApplication.translate(
                "SosCommunes", "The file {path} must end with {extension} for this format."
            ).format(path=path, extension=extension),
            f"export path {path!r} has suffix {suffix!r}, expected {extension!r}",
        )
    folder = target.parent
    if not folder.is_dir():
        raise SosError(
            QCoreApplication.translate(
                "SosCommunes", "The folder {folder} does not exist. Choose an existing folder."
            ).format(folder=folder),
            f"export folder {str(folder)!r} is missing",
        )
    if target.is_dir() or not os.access(folder, os.W_OK):
        raise _write_error(target, f"{str(folder)!r} is not writable or {str(target)!r} is a folder")
    return str(target)


def export_csv(summaries: list[CommuneSummary], path: Union[str, Path]) -> str:
    """Write the summaries as CSV (UTF-8 with a byte order mark, English field names); return the path.

    The path is checked and completed with ".csv" as `output_path` does. Raises SosError when the path is
    refused or the file cannot be written.
    """
    from .core.communes import write_summary_csv

    target = output_path(path, ".csv")
    try:
        write_summary_csv(translated_summaries(summaries), target)
    except OSError as error:
        raise _write_error(target, str(error)) from error
    _check_written(target)
    return target


def export_xlsx(summaries: list[CommuneSummary], path: Union[str, Path]) -> str:
    """Write the summaries as an Excel workbook with GDAL's XLSX driver; return the path.

    The column headers are in the user's language. An existing file is replaced. The path is checked and
    completed with ".xlsx" as `output_path` does. GDAL writes an XLSX file only when it closes it, and
    QgsVectorFileWriter reports no error when that fails, so the file is checked afterwards. Raises
    SosError when the path is refused, or when GDAL fails or leaves no file or an empty one.
    """
    target = output_path(path, ".xlsx")
    layer = QgsVectorLayer("None", summary_layer_name(), "memory")
    fields = summary_fields(headers_as_names=True)
    layer.dataProvider().addAttributes(fields.toList())
    layer.updateFields()
    layer.dataProvider().addFeatures(summary_features(summaries, layer.fields()))
    try:
        Path(target).unlink(missing_ok=True)
    except OSError as error:
        raise _write_error(target, f"the old file cannot be removed: {error}") from error
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "XLSX"
    options.fileEncoding = "UTF-8"
    options.layerName = _sheet_name(summary_layer_name())
    # The table has no geometry, so an empty transform context serves, and the project is not read from
    # a worker thread.
    result = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, target, QgsCoordinateTransformContext(), options
    )
    error_code, message = result[0], result[1]
    if error_code != QgsVectorFileWriter.WriterError.NoError:
        raise _write_error(target, message)
    _check_written(target)
    return target


def _check_written(path: str) -> None:
    """Raise SosError unless `path` is a file with content."""
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise _write_error(path, f"no file after writing: {error}") from error
    if size == 0:
        raise _write_error(path, "the file is empty after writing")


def _sheet_name(name: str) -> str:
    """Return a valid Excel sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip()
    return cleaned[:31] or "summary"


def _write_error(path: Union[str, Path], details: str) -> SosError:
    return SosError(
        QCoreApplication.translate(
            "SosCommunes", "The commune summary could not be written to {path}."
        ).format(path=path),
        details,
    )


# --- task ------------------------------------------------------------------------------------------------


class CommuneSummaryTask(QgsTask):
    """Summarise cases per commune in a worker thread, then export and hand the result over.

    The case snapshot and the communes are read on the main thread before the task starts. `on_finished`
    is called on the main thread with (summaries or None, error or None); the caller builds and adds the
    table layer there. CSV and XLSX files are written in the worker thread when paths are given, and
    `written` contains the paths written (see `output_path` for the extension). `warnings` contains translated
    warnings about the data, such as an admin layer that misses the cases.
    """

    def __init__(
        self,
        snapshot: CaseSnapshot,
        communes: list[Commune],
        on_finished: Callable[[Optional[list[CommuneSummary]], Optional[BaseException]], None],
        csv_path: Optional[str] = None,
        xlsx_path: Optional[str] = None,
    ) -> None:
        super().__init__(
            QCoreApplication.translate("SosCommunes", "Summarising SOS cases by commune"),
            QgsTask.Flag.CanCancel,
        )
        self.snapshot = snapshot
        self.communes = communes
        self.on_finished = on_finished
        self.csv_path = csv_path
        self.xlsx_path = xlsx_path
        self.summaries: Optional[list[CommuneSummary]] = None
        self.error: Optional[BaseException] = None
        self.written: list[str] = []
        self.warnings: list[str] = []

    def run(self) -> bool:
        try:
            LOGGER.info("Commune summary of %s started", self.snapshot.layer_name)
            summaries = summarise_snapshot(self.snapshot, self.communes, self.isCanceled, self.warnings)
            if self.isCanceled():
                return False
            self.setProgress(70)
            if self.csv_path:
                self.written.append(export_csv(summaries, self.csv_path))
            if self.xlsx_path:
                self.written.append(export_xlsx(summaries, self.xlsx_path))
            self.summaries = summaries
            self.setProgress(100)
            return True
        except Exception as error:  # noqa: BLE001 - handed to finished() on the main thread, then logged
            self.error = error
            return False

    def finished(self, result: bool) -> None:
        if self.error is not None:
            LOGGER.error("Commune summary failed: %s", getattr(self.error, "details", "") or self.error)
        elif not result:
            LOGGER.info("Commune summary of %s canceled", self.snapshot.layer_name)
        else:
            LOGGER.info("Commune summary of %s finished", self.snapshot.layer_name)
        self.on_finished(self.summaries if result else None, self.error)
