"""The situation report: a two-page PDF made with a QGIS print layout.

Page 1 has the map of cases over the hazard layers with a legend, scale bar, north arrow, the time of the
data and the totals. Page 2 has the commune table and a chart of cases over time by status. Layouts belong
to the main thread, so every function here must run on it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from qgis.core import (
    NULL,
    Qgis,
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsFeedback,
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutFrame,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTableColumn,
    QgsLegendStyle,
    QgsMapLayer,
    QgsMapLayerLegendUtils,
    QgsMarkerSymbol,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsTableCell,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QColor, QFont

from .case_layer import from_qdatetime
from .core.errors import SosError
from .core.statuses import OPEN_STATUSES, STATUSES
from .core.timeutil import to_vietnam_time
from .report_chart import CaseTimeline, build_timeline, chart_caption, write_timeline_svg
from .style import status_display_name

LOGGER = logging.getLogger("sos_qgis_plugin")

MM = QgsUnitTypes.LayoutUnit.LayoutMillimeters
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 297.0, 210.0
MARGIN_MM = 10.0
FONT_FAMILY = "DejaVu Sans"
# Share of the case extent added around it, so that cases on the edge are not cut by the map frame.
EXTENT_MARGIN = 0.1
# Smallest map extent, used when all cases share one location: in metres, or degrees for a geographic CRS.
MIN_EXTENT_M = 2000.0
MIN_EXTENT_DEG = 0.02


@dataclass
class CaseTotals:
    """Counts read from the case layer for the report's totals line and chart."""

    cases: int = 0
    waiting_cases: int = 0
    people_waiting: int = 0
    households_waiting: int = 0
    waiting_in_flood: int = 0
    waiting_in_landslide: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    newest_update: Optional[datetime] = None


@dataclass
class CaseData:
    """Values read from the case layer: totals, the creation timeline and the map extent (layer CRS)."""

    totals: CaseTotals
    timeline: CaseTimeline
    extent: Optional[QgsRectangle]


# --- Reading the cases --------------------------------------------------------------------------------------


def _is_true(value: Any) -> bool:
    return value is not None and value != NULL and bool(value)


def _naive_vietnam_time(value: Any) -> Optional[datetime]:
    moment = from_qdatetime(value)
    return None if moment is None else to_vietnam_time(moment).replace(tzinfo=None)


def read_case_data(case_layer: QgsVectorLayer, feedback: Optional[QgsFeedback] = None) -> CaseData:
    """Read the totals, the creation timeline and the trusted extent of a case layer in one pass.

    People waiting sums `people_count` of cases whose status is open (needs help or in progress), and a case
    with an unknown count adds none. The extent covers the located cases without the `outside_service_area`
    flag, so a wrongly placed case does not shrink the map. It is in the layer's CRS and empty when no case
    has a location. Raises SosError when the layer lacks the `status` field.
    """
    names = case_layer.fields().names()
    if "status" not in names:
        raise SosError(
            QCoreApplication.translate(
                "SosReport", "The layer {} is not an SOS case layer: it has no field status."
            ).format(case_layer.name()),
            details=f"fields: {names}",
        )
    totals = CaseTotals()
    trusted_extent: Optional[QgsRectangle] = None
    any_extent: Optional[QgsRectangle] = None
    dated: list[tuple[Optional[datetime], Optional[str]]] = []
    count = max(1, case_layer.featureCount())

    def value(feature: Any, name: str) -> Any:
        return feature[name] if name in names else None

    for index, feature in enumerate(case_layer.getFeatures(QgsFeatureRequest())):
        if feedback is not None:
            if feedback.isCanceled():
                raise SosError(QCoreApplication.translate("SosReport", "The situation report was cancelled."))
            if index % 500 == 0:
                feedback.setProgress(50.0 * index / count)
        status = value(feature, "status")
        status = None if status == NULL else status
        totals.cases += 1
        totals.by_status[status or ""] = totals.by_status.get(status or "", 0) + 1
        if status in OPEN_STATUSES:
            totals.waiting_cases += 1
            people = value(feature, "people_count")
            if people is not None and people != NULL:
                totals.people_waiting += int(people)
            households = value(feature, "household_count")
            if households is not None and households != NULL:
                totals.households_waiting += int(households)
            totals.waiting_in_flood += _is_true(value(feature, "in_flood"))
            totals.waiting_in_landslide += _is_true(value(feature, "in_landslide_zone"))
        updated = from_qdatetime(value(feature, "updated_at"))
        if updated is not None and (totals.newest_update is None or updated > totals.newest_update):
            totals.newest_update = updated
        dated.append((_naive_vietnam_time(value(feature, "created_at")), status))

        if not feature.hasGeometry() or feature.geometry().isEmpty():
            continue
        box = feature.geometry().boundingBox()
        any_extent = _combined(any_extent, box)
        if "outside_service_area" not in str(value(feature, "quality_flags") or ""):
            trusted_extent = _combined(trusted_extent, box)
    extent = trusted_extent if trusted_extent is not None else any_extent
    return CaseData(totals=totals, timeline=build_timeline(dated), extent=extent)


def _combined(extent: Optional[QgsRectangle], box: QgsRectangle) -> QgsRectangle:
    # QgsRectangle.combineExtentWith treats a zero-size rectangle as null, so a single point needs this.
    if extent is None:
        return QgsRectangle(box)
    return QgsRectangle(
        min(extent.xMinimum(), box.xMinimum()),
        min(extent.yMinimum(), box.yMinimum()),
        max(extent.xMaximum(), box.xMaximum()),
        max(extent.yMaximum(), box.yMaximum()),
    )


def case_extent(case_layer: QgsVectorLayer) -> Optional[QgsRectangle]:
    """Return the extent of the trusted case locations in the layer's CRS, or None (see read_case_data)."""
    return read_case_data(case_layer).extent


def _padded_extent(extent: QgsRectangle, geographic: bool) -> QgsRectangle:
    padded = QgsRectangle(extent)
    minimum = MIN_EXTENT_DEG if geographic else MIN_EXTENT_M
    if padded.width() < minimum or padded.height() < minimum:
        centre = padded.center()
        half_width = max(padded.width(), minimum) / 2
        half_height = max(padded.height(), minimum) / 2
        padded = QgsRectangle(
            centre.x() - half_width,
            centre.y() - half_height,
            centre.x() + half_width,
            centre.y() + half_height,
        )
    padded.grow(max(padded.width(), padded.height()) * EXTENT_MARGIN / 2)
    return padded


# --- Layout items shared with the demo map ------------------------------------------------------------------


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _text_format(points: float, bold: bool = False) -> QgsTextFormat:
    text_format = QgsTextFormat()
    text_format.setFont(_font(points, bold))
    text_format.setSize(points)
    text_format.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    return text_format


def add_label(
    layout: QgsPrintLayout,
    text: str,
    x: float,
    y: float,
    width: float,
    height: float,
    points: float = 10,
    bold: bool = False,
    page: int = 0,
) -> QgsLayoutItemLabel:
    """Add a plain-text label (never HTML, so record text shows literally) at x, y mm on a page."""
    label = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(label)
    label.setMode(QgsLayoutItemLabel.Mode.ModeFont)
    label.setText(text)
    label.setFont(_font(points, bold))
    label.setHAlign(Qt.AlignmentFlag.AlignLeft)
    label.setVAlign(Qt.AlignmentFlag.AlignTop)
    label.attemptMove(QgsLayoutPoint(x, y, MM), page=page)
    label.attemptResize(QgsLayoutSize(width, height, MM))
    return label


def _map_layer_order(case_layer: QgsVectorLayer, hazard_layers: Sequence[QgsMapLayer]) -> list[QgsMapLayer]:
    """Order layers top first: cases, then hazard points, lines, polygons, and rasters at the bottom."""

    def rank(layer: QgsMapLayer) -> int:
        if isinstance(layer, QgsVectorLayer):
            return int(layer.geometryType())
        return 10

    hazards = [layer for layer in hazard_layers if layer is not None and layer.id() != case_layer.id()]
    return [case_layer] + sorted(hazards, key=rank)


def add_case_map(
    layout: QgsPrintLayout,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    extent: Optional[QgsRectangle],
    x: float,
    y: float,
    width: float,
    height: float,
) -> QgsLayoutItemMap:
    """Add a framed map item of the cases over the hazard layers, zoomed to `extent` plus a margin.

    `extent` is in the case layer's CRS. None (no located case) zooms to the case layer's extent. The map
    uses the project CRS when it is valid, else the case layer's CRS.
    """
    project = layout.project()
    crs = project.crs() if project.crs().isValid() else case_layer.crs()
    if extent is None:
        extent = case_layer.extent()
    transform = QgsCoordinateTransform(case_layer.crs(), crs, project)
    extent = _padded_extent(transform.transformBoundingBox(extent), crs.isGeographic())

    # Items are added before they are moved and resized: a map item outside a layout ignores its size.
    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    map_item.attemptMove(QgsLayoutPoint(x, y, MM))
    map_item.attemptResize(QgsLayoutSize(width, height, MM))
    map_item.setLayers(_map_layer_order(case_layer, hazard_layers))
    map_item.setKeepLayerSet(True)
    map_item.setCrs(crs)
    # zoomToExtent on a map item that has no extent yet gives an empty extent in QGIS 3.22: set one first.
    map_item.setExtent(extent)
    # setExtent also fits the item to the extent's shape; give it back its size, then fit the extent inside.
    map_item.attemptResize(QgsLayoutSize(width, height, MM))
    map_item.zoomToExtent(extent)
    map_item.setFrameEnabled(True)
    map_item.setBackgroundColor(QColor(250, 250, 245))
    return map_item


def add_legend(
    layout: QgsPrintLayout,
    map_item: QgsLayoutItemMap,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    x: float,
    y: float,
) -> QgsLayoutItemLegend:
    """Add a legend of the case statuses (translated names) and the hazard layers, linked to the map.

    The legend keeps its own layer tree, so renaming its entries never changes the project's layers.
    """
    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setTitle(QCoreApplication.translate("SosReport", "Legend"))
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    root = legend.model().rootGroup()
    root.removeAllChildren()
    for layer in _map_layer_order(case_layer, hazard_layers):
        node = root.addLayer(layer)
        if layer.id() == case_layer.id():
            node.setName(QCoreApplication.translate("SosReport", "SOS cases"))
            _translate_status_entries(node, case_layer)
        legend.model().refreshLayerLegend(node)
    legend.setStyleFont(QgsLegendStyle.Style.Title, _font(11, bold=True))
    legend.setStyleFont(QgsLegendStyle.Style.Subgroup, _font(9, bold=True))
    legend.setStyleFont(QgsLegendStyle.Style.SymbolLabel, _font(8.5))
    legend.setSymbolHeight(3.5)
    legend.setWrapString("\n")
    legend.attemptMove(QgsLayoutPoint(x, y, MM))
    legend.adjustBoxSize()
    return legend


def _translate_status_entries(node: Any, case_layer: QgsVectorLayer) -> None:
    renderer = case_layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer) or renderer.classAttribute() != "status":
        return
    for index, category in enumerate(renderer.categories()):
        value = category.value()
        if value in STATUSES:
            QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, index, status_display_name(value))
        elif value in ("", None):
            label = QCoreApplication.translate("SosStyle", "Other status")
            QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, index, label)


def add_scale_bar(
    layout: QgsPrintLayout, map_item: QgsLayoutItemMap, x: float, y: float
) -> QgsLayoutItemScaleBar:
    """Add a kilometre scale bar linked to the map, on a white background so it reads over any layer."""
    scale_bar = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale_bar)
    scale_bar.setStyle("Single Box")
    scale_bar.setLinkedMap(map_item)
    scale_bar.applyDefaultSize(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scale_bar.setUnitLabel(QCoreApplication.translate("SosReport", "km"))
    scale_bar.setTextFormat(_text_format(8))
    scale_bar.setBackgroundEnabled(True)
    scale_bar.setBackgroundColor(QColor(255, 255, 255, 220))
    scale_bar.attemptMove(QgsLayoutPoint(x, y, MM))
    return scale_bar


def north_arrow_path() -> Optional[str]:
    """Return the path of QGIS's arrows/NorthArrow_02.svg, or None when no SVG path contains it."""
    for folder in QgsApplication.svgPaths():
        path = os.path.join(folder, "arrows", "NorthArrow_02.svg")
        if os.path.isfile(path):
            return path
    return None


def add_north_arrow(
    layout: QgsPrintLayout, map_item: QgsLayoutItemMap, x: float, y: float, size: float
) -> Optional[QgsLayoutItemPicture]:
    """Add a north arrow that follows the map's rotation.

    Returns None, and logs a warning, when the QGIS SVG paths hold no north arrow.
    """
    path = north_arrow_path()
    if path is None:
        LOGGER.warning(
            "No north arrow in the QGIS SVG paths %s: the report has none", QgsApplication.svgPaths()
        )
        return None
    arrow = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(arrow)
    arrow.setPicturePath(path, QgsLayoutItemPicture.Format.FormatSVG)
    arrow.setLinkedMap(map_item)
    arrow.setNorthMode(QgsLayoutItemPicture.NorthMode.GridNorth)
    arrow.setSvgFillColor(QColor("#222222"))
    arrow.attemptMove(QgsLayoutPoint(x, y, MM))
    arrow.attemptResize(QgsLayoutSize(size, size, MM))
    return arrow


def style_loaded_hazard_layer(layer: QgsMapLayer) -> None:
    """Give a hazard vector layer read from a file a plain style that keeps the cases readable.

    Polygons get a translucent blue fill, so overlapping zones read darker, and points and lines get brown
    triangles. QGIS gives a layer read from a file a random solid colour, which would hide the map under
    it. Raster layers keep their style.
    """
    if not isinstance(layer, QgsVectorLayer):
        return
    if layer.geometryType() == QgsWkbTypes.GeometryType.PolygonGeometry:
        symbol = QgsFillSymbol.createSimple(
            {"color": "49,130,189,40", "outline_color": "33,102,172,170", "outline_width": "0.25"}
        )
    else:
        symbol = QgsMarkerSymbol.createSimple(
            {"name": "triangle", "color": "140,81,10,230", "outline_color": "60,30,0", "size": "3.2"}
        )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def new_layout(project: QgsProject, name: str, pages: int) -> QgsPrintLayout:
    """Create an A4 landscape print layout with `pages` pages."""
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName(name)
    collection = layout.pageCollection()
    collection.page(0).setPageSize(QgsLayoutSize(PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MM))
    for _ in range(pages - 1):
        page = QgsLayoutItemPage(layout)
        page.setPageSize(QgsLayoutSize(PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MM))
        collection.addPage(page)
    return layout


# --- The commune table --------------------------------------------------------------------------------------

# Row kinds of core.communes.CommuneSummary: a commune, or one of the two extra rows (outside every
# commune, no location) whose English name is translated in the "SosCommunes" context.
_COMMUNE_ROW = "commune"

# Table keys and the summary attributes (CommuneSummary first, then the plain-dict form) they are read from.
_SUMMARY_SOURCES = {
    "waiting_cases": ("waiting_cases",),
    "people_waiting": ("people_waiting",),
    "households_waiting": ("households_waiting",),
    "waiting_in_flood": ("flood_cases", "waiting_in_flood"),
    "waiting_in_landslide": ("landslide_cases", "waiting_in_landslide"),
}
_COUNT_KEYS = tuple(_SUMMARY_SOURCES) + ("supported",)


def _summary_value(summary: Any, names: Sequence[str]) -> Any:
    for name in names:
        value = summary.get(name) if isinstance(summary, Mapping) else getattr(summary, name, None)
        if value is not None:
            return value
    return None


def summary_row(summary: Any) -> dict[str, Any]:
    """Read one commune summary into a plain dict of the table's keys.

    `summary` is a core.communes.CommuneSummary or a mapping with the keys code, name, waiting_cases,
    people_waiting, waiting_in_flood, waiting_in_landslide and by_status. Missing counts read as 0,
    `supported` comes from the cases by status, and `kind` is "commune" unless the summary names another.
    """
    row: dict[str, Any] = {"kind": _summary_value(summary, ("kind",)) or _COMMUNE_ROW}
    for key, names in _SUMMARY_SOURCES.items():
        row[key] = int(_summary_value(summary, names) or 0)
    by_status = _summary_value(summary, ("cases_by_status", "by_status")) or {}
    row["supported"] = int(by_status.get("supported", 0) or 0)
    row["cases"] = int(_summary_value(summary, ("cases_total",)) or sum(by_status.values()))
    name = str(_summary_value(summary, ("name",)) or _summary_value(summary, ("code",)) or "")
    if row["kind"] != _COMMUNE_ROW:
        name = QCoreApplication.translate("SosCommunes", name)
    row["name"] = name
    return row


def _table_columns() -> list[tuple[str, str]]:
    return [
        ("name", QCoreApplication.translate("SosReport", "Commune")),
        ("waiting_cases", QCoreApplication.translate("SosReport", "Waiting cases")),
        ("people_waiting", QCoreApplication.translate("SosReport", "People waiting")),
        ("households_waiting", QCoreApplication.translate("SosReport", "Households waiting")),
        ("waiting_in_flood", QCoreApplication.translate("SosReport", "Waiting in flood")),
        ("waiting_in_landslide", QCoreApplication.translate("SosReport", "Waiting in landslide zone")),
        ("supported", QCoreApplication.translate("SosReport", "Supported")),
    ]


def _table_cells(rows: Sequence[dict[str, Any]], total: dict[str, Any]) -> list[list[QgsTableCell]]:
    contents = []
    bold = _text_format(8, bold=True)
    for row in [*rows, total]:
        cells = []
        for key, _ in _table_columns():
            cell = QgsTableCell(row[key])
            if key != "name":
                cell.setHorizontalAlignment(Qt.AlignmentFlag.AlignRight)
            if row is total:
                cell.setTextFormat(bold)
                cell.setBackgroundColor(QColor("#eeeeee"))
            elif row["kind"] != _COMMUNE_ROW:
                cell.setBackgroundColor(QColor("#f6f6f6"))
            cells.append(cell)
        contents.append(cells)
    return contents


def add_commune_table(
    layout: QgsPrintLayout,
    summaries: Sequence[Any],
    x: float,
    y: float,
    width: float,
    height: float,
    page: int,
) -> tuple[QgsLayoutItemManualTable, int]:
    """Add the commune table and a total row in a frame; return the table and the communes left out.

    When every row fits, the communes keep the order of `summaries`. Otherwise the communes with the most
    people waiting (then households, then cases waiting) are shown, most first. The extra rows for cases
    outside every commune or without a location come last and only when they count a case. The total row
    counts every summary, shown or not.
    """
    rows = [summary_row(summary) for summary in summaries]
    communes = [row for row in rows if row["kind"] == _COMMUNE_ROW]
    extras = [row for row in rows if row["kind"] != _COMMUNE_ROW and row["cases"] > 0]
    total: dict[str, Any] = {
        "kind": "total",
        "name": QCoreApplication.translate("SosReport", "Total ({} communes)").format(len(communes)),
    }
    for key in _COUNT_KEYS:
        total[key] = sum(row[key] for row in rows)

    table = QgsLayoutItemManualTable.create(layout)
    layout.addMultiFrame(table)
    headers = []
    for _, title in _table_columns():
        column = QgsLayoutTableColumn(title)
        headers.append(column)
    table.setHeaders(headers)
    table.setIncludeTableHeader(True)
    table.setHeaderTextFormat(_text_format(7, bold=True))
    table.setContentTextFormat(_text_format(8))
    table.setCellMargin(1.0)
    table.setGridStrokeWidth(0.2)
    table.setGridColor(QColor("#999999"))
    table.setWrapBehavior(QgsLayoutItemManualTable.WrapBehavior.WrapText)
    # Column widths exclude the cell margins (1 mm each side) and grid lines (0.2 mm).
    numbers = len(_table_columns()) - 1
    name_width = width * 0.25
    number_width = (width - name_width) / numbers
    table.setColumnWidths([name_width - 2.2] + [number_width - 2.2] * numbers)

    frame = QgsLayoutFrame(layout, table)
    frame.attemptMove(QgsLayoutPoint(x, y, MM), page=page)
    frame.attemptResize(QgsLayoutSize(width, height, MM))
    table.addFrame(frame)

    shown_communes = communes
    table.setTableContents(_table_cells(shown_communes + extras, total))
    if table.totalHeight() > height:
        shown_communes = sorted(
            communes,
            key=lambda row: (-row["people_waiting"], -row["households_waiting"], -row["waiting_cases"]),
        )
        count = len(shown_communes)
        while count > 0:
            count -= 1
            table.setTableContents(_table_cells(shown_communes[:count] + extras, total))
            if table.totalHeight() <= height:
                break
        shown_communes = shown_communes[:count]
    return table, len(communes) - len(shown_communes)


# --- The report ---------------------------------------------------------------------------------------------


def _data_time_text(data_time: Optional[datetime]) -> str:
    if data_time is None:
        return QCoreApplication.translate("SosReport", "Time of the data unknown")
    local = to_vietnam_time(data_time)
    return QCoreApplication.translate("SosReport", "Data as of {} (UTC+7)").format(
        local.strftime("%d/%m/%Y %H:%M")
    )


def _totals_text(totals: CaseTotals) -> str:
    lines = [
        QCoreApplication.translate("SosReport", "Waiting for help: {} cases").format(totals.waiting_cases),
        QCoreApplication.translate("SosReport", "People waiting (known counts): {}").format(
            totals.people_waiting
        ),
        QCoreApplication.translate("SosReport", "Households waiting (known counts): {}").format(
            totals.households_waiting
        ),
        QCoreApplication.translate("SosReport", "Waiting in a flood zone: {} cases").format(
            totals.waiting_in_flood
        ),
        QCoreApplication.translate("SosReport", "Waiting in or near a landslide zone: {} cases").format(
            totals.waiting_in_landslide
        ),
        QCoreApplication.translate("SosReport", "Supported: {} cases").format(
            totals.by_status.get("supported", 0)
        ),
        QCoreApplication.translate("SosReport", "All cases in the layer: {}").format(totals.cases),
    ]
    return "\n".join(lines)


def _check_output(out_pdf: str) -> str:
    path = os.path.abspath(os.fspath(out_pdf))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise SosError(
            QCoreApplication.translate(
                "SosReport", "The folder {} does not exist. Choose another place for the report."
            ).format(folder),
            details=f"output {path}",
        )
    return path


def build_situation_report(
    project: Optional[QgsProject],
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    summaries: Optional[Sequence[Any]],
    out_pdf: str,
    *,
    title: Optional[str] = None,
    data_time: Optional[datetime] = None,
    feedback: Optional[QgsFeedback] = None,
) -> str:
    """Write the situation report PDF (two A4 landscape pages) and return its absolute path.

    `summaries` are commune summaries (CommuneSummary objects or mappings, see `summary_row`), or None when no
    admin layer was given, in which case page 2 states that in place of the table. `data_time` is an
    aware datetime shown in Vietnam time. It defaults to the newest `updated_at` of the cases. Main thread
    only. Raises SosError when the layer is not a case layer, the output folder is missing, the user
    cancels, or the export fails.
    """
    path = _check_output(out_pdf)
    project = project if project is not None else QgsProject.instance()
    data = read_case_data(case_layer, feedback)
    if data_time is None:
        data_time = data.totals.newest_update
    title = title or QCoreApplication.translate("SosReport", "Situation report: SOS cases")
    LOGGER.info("Building the situation report %s from %d cases", path, data.totals.cases)

    layout = new_layout(project, title, pages=2)
    with tempfile.TemporaryDirectory(prefix="sos-report-") as work_dir:
        _fill_map_page(layout, case_layer, hazard_layers, data, title, data_time)
        _fill_table_page(layout, summaries, data.timeline, os.path.join(work_dir, "chart.svg"))
        if feedback is not None:
            if feedback.isCanceled():
                raise SosError(QCoreApplication.translate("SosReport", "The situation report was cancelled."))
            feedback.setProgress(60.0)
        settings = QgsLayoutExporter.PdfExportSettings()
        settings.dpi = 300
        settings.rasterizeWholeImage = False
        settings.forceVectorOutput = False
        # Text stays text rather than outlines, so the PDF is small and its table can be searched and copied.
        settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText
        result = QgsLayoutExporter(layout).exportToPdf(path, settings)
    if result != QgsLayoutExporter.ExportResult.Success:
        raise SosError(
            QCoreApplication.translate(
                "SosReport",
                "Writing the situation report to {} failed. Check that the file is not open elsewhere.",
            ).format(path),
            details=f"QgsLayoutExporter result {result}",
        )
    if feedback is not None:
        feedback.setProgress(100.0)
    LOGGER.info("Situation report written to %s", path)
    return path


def _fill_map_page(
    layout: QgsPrintLayout,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    data: CaseData,
    title: str,
    data_time: Optional[datetime],
) -> None:
    content_width = PAGE_WIDTH_MM - 2 * MARGIN_MM
    add_label(layout, title, MARGIN_MM, 6, content_width, 10, points=16, bold=True)
    add_label(layout, _data_time_text(data_time), MARGIN_MM, 16, content_width, 7, points=11)

    map_top, map_width, map_height = 25.0, 205.0, PAGE_HEIGHT_MM - 25.0 - MARGIN_MM
    map_item = add_case_map(
        layout, case_layer, hazard_layers, data.extent, MARGIN_MM, map_top, map_width, map_height
    )
    add_scale_bar(layout, map_item, MARGIN_MM + 3, map_top + map_height - 14)
    add_north_arrow(layout, map_item, MARGIN_MM + map_width - 15, map_top + 2, 13)

    side_x = MARGIN_MM + map_width + 5
    side_width = PAGE_WIDTH_MM - MARGIN_MM - side_x
    add_label(layout, _totals_text(data.totals), side_x, map_top, side_width, 36, points=8.5)
    add_legend(layout, map_item, case_layer, hazard_layers, side_x, map_top + 38)


def _fill_table_page(
    layout: QgsPrintLayout, summaries: Optional[Sequence[Any]], timeline: CaseTimeline, chart_path: str
) -> None:
    top = 6.0
    table_width = 160.0
    add_label(
        layout,
        QCoreApplication.translate("SosReport", "Cases by commune"),
        MARGIN_MM,
        top,
        table_width,
        8,
        points=12,
        bold=True,
        page=1,
    )
    table_top = top + 10
    note_height = 10.0
    if summaries is None:
        add_label(
            layout,
            QCoreApplication.translate(
                "SosReport", "No admin layer was given, so the report has no commune table."
            ),
            MARGIN_MM,
            table_top,
            table_width,
            12,
            points=10,
            page=1,
        )
    else:
        table_height = PAGE_HEIGHT_MM - table_top - MARGIN_MM - note_height
        _, left_out = add_commune_table(
            layout, summaries, MARGIN_MM, table_top, table_width, table_height, page=1
        )
        if left_out:
            note = QCoreApplication.translate(
                "SosReport",
                "The communes with the most people waiting are shown. {} more communes are left out of the "
                "table but counted in the total.",
            ).format(left_out)
            add_label(
                layout, note, MARGIN_MM, table_top + table_height + 1, table_width, note_height - 1, 8, page=1
            )

    chart_x = MARGIN_MM + table_width + 8
    chart_width = PAGE_WIDTH_MM - MARGIN_MM - chart_x
    chart_height = 120.0
    add_label(
        layout,
        QCoreApplication.translate("SosReport", "Cases over time by status"),
        chart_x,
        top,
        chart_width,
        8,
        points=12,
        bold=True,
        page=1,
    )
    write_timeline_svg(timeline, chart_path, chart_width, chart_height)
    chart = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(chart)
    chart.setPicturePath(chart_path, QgsLayoutItemPicture.Format.FormatSVG)
    chart.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
    chart.attemptMove(QgsLayoutPoint(chart_x, table_top, MM), page=1)
    chart.attemptResize(QgsLayoutSize(chart_width, chart_height, MM))
    add_label(
        layout,
        chart_caption(timeline),
        chart_x,
        table_top + chart_height + 2,
        chart_width,
        14,
        points=8.5,
        page=1,
    )
