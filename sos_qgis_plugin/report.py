"""The situation report: a two-page PDF made with a QGIS print layout.

Page 1 has the map of cases over the hazard layers and the commune boundaries with a legend, scale bar,
north arrow, the time of the data and the totals. Page 2 has the commune table, a chart of cases over time
by status and, when most cases crowd into a small part of the map, a detail map of that part. Counts that
are unknown for some cases are marked as such and never printed as 0. Layouts belong to the main thread,
so every function here must run on it.
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
    QgsFeature,
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
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsTableCell,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QColor, QFont

from .admin_layers import guess_commune_fields
from .case_layer import from_qdatetime
from .core.errors import SosError
from .core.statuses import OPEN_STATUSES, STATUSES
from .core.timeutil import to_vietnam_time
from .report_chart import CaseTimeline, build_timeline, chart_caption, write_timeline_svg
from .style import LABEL_EXPRESSION, status_display_name

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
# The detail map covers the box of the middle 80 % of the case locations along each axis. It is drawn only
# with at least 20 located cases, and only when that box covers at most a quarter of the whole case extent.
DENSE_SHARE = 0.8
DENSE_MIN_CASES = 20
DENSE_MAX_AREA_SHARE = 0.25
# Simplification tolerance of the commune boundaries, as a share of the admin layer's larger side.
BOUNDARY_SIMPLIFY_SHARE = 3e-4
# Font size of the commune table's rows, in points.
TABLE_CONTENT_POINTS = 8.0


@dataclass
class CaseTotals:
    """Counts read from the case layer for the report's totals and chart.

    The sums of people and households add known counts only. The `*_unknown_cases` fields count the waiting
    cases whose count is unknown, or whose hazard flag is empty because they were not analysed.
    """

    cases: int = 0
    waiting_cases: int = 0
    people_waiting: int = 0
    people_unknown_cases: int = 0
    households_waiting: int = 0
    households_unknown_cases: int = 0
    waiting_in_flood: int = 0
    flood_unknown_cases: int = 0
    waiting_in_landslide: int = 0
    landslide_unknown_cases: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    newest_update: Optional[datetime] = None


@dataclass
class CaseData:
    """Values read from the case layer: totals, the creation timeline and the map extents (layer CRS).

    `dense_extent` is the area where most cases lie, shown in a detail map, or None when it is not much
    smaller than `extent` (see `dense_extent`).
    """

    totals: CaseTotals
    timeline: CaseTimeline
    extent: Optional[QgsRectangle]
    dense_extent: Optional[QgsRectangle] = None


# --- Reading the cases --------------------------------------------------------------------------------------


def _is_unknown(value: Any) -> bool:
    return value is None or value == NULL


def _naive_vietnam_time(value: Any) -> Optional[datetime]:
    moment = value if isinstance(value, datetime) else from_qdatetime(value)
    if moment is None:
        return None
    try:
        return to_vietnam_time(moment).replace(tzinfo=None)
    except OverflowError:
        # A wrong clock at the end of year 9999 (or the start of year 1) has no Vietnam time.
        return datetime.max if moment.year > 1 else datetime.min


def read_case_data(
    case_layer: QgsVectorLayer,
    feedback: Optional[QgsFeedback] = None,
    data_time: Optional[datetime] = None,
) -> CaseData:
    """Read the totals, the creation timeline and the trusted extent of a case layer in one pass.

    `data_time`, an aware datetime, bounds the timeline (see build_timeline). It defaults to the newest
    `updated_at` of the cases, or now when no case has one.

    People waiting sums `people_count` of cases whose status is open (needs help or in progress). A case
    with an unknown count adds none and is counted in `people_unknown_cases`, and households and the hazard
    flags are counted the same way. The extent covers the located cases without the `outside_service_area`
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
    centres: list[tuple[float, float]] = []
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
            _count_waiting(totals, feature, value)
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
            centres.append((box.center().x(), box.center().y()))
    extent = trusted_extent if trusted_extent is not None else any_extent
    return CaseData(
        totals=totals,
        timeline=build_timeline(dated, _naive_vietnam_time(data_time or totals.newest_update)),
        extent=extent,
        dense_extent=dense_extent(centres, extent),
    )


def dense_extent(
    points: Sequence[tuple[float, float]], extent: Optional[QgsRectangle]
) -> Optional[QgsRectangle]:
    """Return the box holding the middle 80 % of the points along each axis, or None when no detail is needed.

    None comes back when there are fewer than 20 points, or when the box covers more than a quarter of the
    area of `extent`, because the main map then shows the cases well enough. Units are those of the points.
    """
    if extent is None or len(points) < DENSE_MIN_CASES:
        return None
    xs = sorted(x for x, _ in points)
    ys = sorted(y for _, y in points)
    low = int(len(points) * (1 - DENSE_SHARE) / 2)
    high = len(points) - 1 - low
    box = QgsRectangle(xs[low], ys[low], xs[high], ys[high])
    extent_area = extent.width() * extent.height()
    if extent_area <= 0 or box.width() * box.height() > DENSE_MAX_AREA_SHARE * extent_area:
        return None
    return box


def _count_waiting(totals: CaseTotals, feature: Any, value: Any) -> None:
    people = value(feature, "people_count")
    if _is_unknown(people):
        totals.people_unknown_cases += 1
    else:
        totals.people_waiting += int(people)
    households = value(feature, "household_count")
    if _is_unknown(households):
        totals.households_unknown_cases += 1
    else:
        totals.households_waiting += int(households)
    in_flood = value(feature, "in_flood")
    if _is_unknown(in_flood):
        totals.flood_unknown_cases += 1
    else:
        totals.waiting_in_flood += bool(in_flood)
    in_landslide = value(feature, "in_landslide_zone")
    if _is_unknown(in_landslide):
        totals.landslide_unknown_cases += 1
    else:
        totals.waiting_in_landslide += bool(in_landslide)


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


def add_title_label(
    layout: QgsPrintLayout,
    text: str,
    x: float,
    y: float,
    width: float,
    height: float,
    points: float,
    page: int = 0,
) -> QgsLayoutItemLabel:
    """Add a bold one-line label whose font shrinks, down to 60 % of `points`, until the text fits `width` mm.

    Text still too wide at the smallest size wraps onto a second line, so `height` should leave room for it.
    """
    label = add_label(layout, text, x, y, width, height, points=points, bold=True, page=page)
    size = points
    smallest = points * 0.6
    while size > smallest and label.sizeForText().width() > width:
        size = max(smallest, size - 0.5)
        label.setFont(_font(size, bold=True))
    return label


def _map_layer_order(
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    boundary_layer: Optional[QgsVectorLayer] = None,
) -> list[QgsMapLayer]:
    """Order layers top first: cases, hazard points and lines, boundaries, hazard polygons, then rasters.

    The boundaries lie above the hazard polygons so that their thin lines stay visible through the fills.
    """

    def rank(layer: QgsMapLayer) -> float:
        if boundary_layer is not None and layer.id() == boundary_layer.id():
            return 1.5
        if isinstance(layer, QgsVectorLayer):
            return int(layer.geometryType())
        return 10

    hazards = [layer for layer in hazard_layers if layer is not None and layer.id() != case_layer.id()]
    if boundary_layer is not None:
        hazards.append(boundary_layer)
    return [case_layer] + sorted(hazards, key=rank)


def check_admin_layer(admin_layer: Any) -> None:
    """Raise SosError unless `admin_layer` is a valid polygon layer, the only kind that contains communes.

    A point layer, such as the case layer picked by mistake, would give a commune per point and put every
    case outside every commune, so it is rejected before any work.
    """
    if (
        isinstance(admin_layer, QgsVectorLayer)
        and admin_layer.isValid()
        and admin_layer.geometryType() == QgsWkbTypes.GeometryType.PolygonGeometry
    ):
        return
    name = admin_layer.name() if isinstance(admin_layer, QgsMapLayer) else str(admin_layer)
    raise SosError(
        QCoreApplication.translate(
            "SosReport",
            "The admin layer {} is not a valid polygon layer. Choose the layer of commune polygons.",
        ).format(name),
        details=f"admin layer {admin_layer!r}",
    )


def boundary_layer_for_map(admin_layer: QgsMapLayer) -> Optional[QgsVectorLayer]:
    """Return a simplified copy of a commune polygon layer, drawn as thin grey outlines without fill.

    The communes are labelled with their names when a name field is found (see guess_commune_fields). The
    copy is a memory layer named "Commune boundaries" in the current language, and it leaves the user's
    layer and its style unchanged. The caller keeps it alive until the layout is exported. Returns None,
    and logs a warning, when `admin_layer` is not a valid polygon layer.
    """
    if (
        not isinstance(admin_layer, QgsVectorLayer)
        or not admin_layer.isValid()
        or admin_layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry
    ):
        LOGGER.warning(
            "The admin layer %s is not a valid polygon layer: no boundaries on the map", admin_layer
        )
        return None
    _, name_field = guess_commune_fields(admin_layer)
    layer = _simplified_copy(admin_layer, name_field)
    symbol = QgsFillSymbol.createSimple(
        {"style": "no", "outline_color": "80,80,80,230", "outline_width": "0.25", "outline_style": "solid"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    if name_field is None:
        layer.setLabelsEnabled(False)
    else:
        layer.setLabeling(_commune_name_labeling(name_field))
        layer.setLabelsEnabled(True)
    return layer


def _simplified_copy(admin_layer: QgsVectorLayer, name_field: Optional[str]) -> QgsVectorLayer:
    """Copy the polygons, and the name field if any, into a memory layer with simplified outlines.

    Commune outlines often carry metre-level detail that makes the PDF several megabytes larger. The
    tolerance is 0.03 % of the layer's larger side: about 65 m for a province 2 degrees wide, or 0.33 mm on
    a detail map at 1:200,000. A polygon that simplifies to nothing keeps its original outline.
    """
    name = QCoreApplication.translate("SosReport", "Commune boundaries")
    layer = QgsVectorLayer("MultiPolygon", name, "memory")
    layer.setCrs(admin_layer.crs())
    fields = [admin_layer.fields().field(name_field)] if name_field is not None else []
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    extent = admin_layer.extent()
    tolerance = max(extent.width(), extent.height()) * BOUNDARY_SIMPLIFY_SHARE
    request = QgsFeatureRequest()
    request.setSubsetOfAttributes([name_field] if name_field is not None else [], admin_layer.fields())
    copies = []
    for feature in admin_layer.getFeatures(request):
        geometry = feature.geometry()
        if geometry.isEmpty():
            continue
        simplified = geometry.simplify(tolerance)
        copy = QgsFeature(layer.fields())
        copy.setGeometry(geometry if simplified.isEmpty() else simplified)
        if name_field is not None:
            copy.setAttributes([feature[name_field]])
        copies.append(copy)
    layer.dataProvider().addFeatures(copies)
    layer.updateExtents()
    return layer


def _commune_name_labeling(name_field: str) -> QgsVectorLayerSimpleLabeling:
    """Label communes with small grey names that give way to the case labels where they collide."""
    settings = QgsPalLayerSettings()
    settings.fieldName = name_field
    settings.placement = QgsPalLayerSettings.Placement.Horizontal
    settings.priority = 1
    text_format = _text_format(6)
    text_format.setColor(QColor(70, 70, 70))
    buffer = text_format.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.6)
    buffer.setColor(QColor(255, 255, 255, 200))
    text_format.setBuffer(buffer)
    settings.setFormat(text_format)
    return QgsVectorLayerSimpleLabeling(settings)


def add_case_map(
    layout: QgsPrintLayout,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    extent: Optional[QgsRectangle],
    x: float,
    y: float,
    width: float,
    height: float,
    boundary_layer: Optional[QgsVectorLayer] = None,
    page: int = 0,
) -> QgsLayoutItemMap:
    """Add a framed map item of the cases over the hazard layers, zoomed to `extent` plus a margin.

    `extent` is in the case layer's CRS. None (no located case) zooms to the case layer's extent. The map
    uses the project CRS when it is valid, else the case layer's CRS. `boundary_layer` (see
    `boundary_layer_for_map`) is drawn above the hazard polygons. `x` and `y` are in mm on `page`.
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
    map_item.attemptMove(QgsLayoutPoint(x, y, MM), page=page)
    map_item.attemptResize(QgsLayoutSize(width, height, MM))
    map_item.setLayers(_map_layer_order(case_layer, hazard_layers, boundary_layer))
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
    boundary_layer: Optional[QgsVectorLayer] = None,
) -> QgsLayoutItemLegend:
    """Add a legend of the case statuses (translated names), the hazard layers and the boundaries.

    The legend keeps its own layer tree, so renaming its entries never changes the project's layers.
    """
    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setTitle(QCoreApplication.translate("SosReport", "Legend"))
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    root = legend.model().rootGroup()
    root.removeAllChildren()
    for layer in _map_layer_order(case_layer, hazard_layers, boundary_layer):
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
    layout: QgsPrintLayout, map_item: QgsLayoutItemMap, x: float, y: float, page: int = 0
) -> QgsLayoutItemScaleBar:
    """Add a kilometre scale bar linked to the map at x, y mm on a page.

    It has a white background so it reads over any layer.
    """
    scale_bar = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale_bar)
    scale_bar.setStyle("Single Box")
    scale_bar.setLinkedMap(map_item)
    scale_bar.applyDefaultSize(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scale_bar.setUnitLabel(QCoreApplication.translate("SosReport", "km"))
    scale_bar.setTextFormat(_text_format(8))
    scale_bar.setBackgroundEnabled(True)
    scale_bar.setBackgroundColor(QColor(255, 255, 255, 220))
    scale_bar.attemptMove(QgsLayoutPoint(x, y, MM), page=page)
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

    Polygons get a faint blue fill, so overlapping zones read darker while twenty overlaps still leave the
    cases and boundaries readable. Points and lines get brown triangles. QGIS gives a layer read from a file
    a random solid colour, which would hide the map under it. Raster layers keep their style.
    """
    if not isinstance(layer, QgsVectorLayer):
        return
    if layer.geometryType() == QgsWkbTypes.GeometryType.PolygonGeometry:
        symbol = QgsFillSymbol.createSimple(
            {"color": "49,130,189,16", "outline_color": "33,102,172,120", "outline_width": "0.2"}
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
    "people_unknown": ("people_unknown_cases",),
    "households_waiting": ("households_waiting",),
    "households_unknown": ("households_unknown_cases",),
    "waiting_in_flood": ("flood_cases", "waiting_in_flood"),
    "flood_unknown": ("flood_unknown_cases",),
    "waiting_in_landslide": ("landslide_cases", "waiting_in_landslide"),
    "landslide_unknown": ("landslide_unknown_cases",),
}
_COUNT_KEYS = tuple(_SUMMARY_SOURCES) + ("supported",)
# Table columns whose known sum can fall short, and the row key counting the waiting cases left out of it.
_UNKNOWN_KEYS = {
    "people_waiting": "people_unknown",
    "households_waiting": "households_unknown",
    "waiting_in_flood": "flood_unknown",
    "waiting_in_landslide": "landslide_unknown",
}


def _summary_value(summary: Any, names: Sequence[str]) -> Any:
    for name in names:
        value = summary.get(name) if isinstance(summary, Mapping) else getattr(summary, name, None)
        if value is not None:
            return value
    return None


def summary_row(summary: Any) -> dict[str, Any]:
    """Read one commune summary into a plain dict of the table's keys.

    `summary` is a core.communes.CommuneSummary or a mapping with the keys code, name, waiting_cases,
    people_waiting, waiting_in_flood, waiting_in_landslide and by_status, and optionally the
    `*_unknown_cases` counts of CommuneSummary. Missing counts read as 0, `supported` comes from the cases
    by status, and `kind` is "commune" unless the summary names another.
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


def count_cell_text(known: int, unknown_cases: int, waiting_cases: int) -> str:
    """Return a table cell for a sum that may lack some cases: "12", "12 +3?" or "?".

    "12 +3?" is a sum of 12 over the cases with a known value, and 3 more waiting cases are unknown. "?"
    means every waiting case is unknown, so no number is shown rather than a misleading 0.
    """
    if unknown_cases <= 0:
        return str(known)
    if unknown_cases >= waiting_cases:
        return "?"
    return f"{known} +{unknown_cases}?"


def _has_unknown(row: dict[str, Any]) -> bool:
    return any(row[unknown] > 0 for unknown in _UNKNOWN_KEYS.values())


def _cell_text(row: dict[str, Any], key: str) -> Any:
    if key in _UNKNOWN_KEYS:
        return count_cell_text(row[key], row[_UNKNOWN_KEYS[key]], row["waiting_cases"])
    return row[key]


def _table_cells(rows: Sequence[dict[str, Any]], total: dict[str, Any]) -> list[list[QgsTableCell]]:
    contents = []
    bold = _text_format(TABLE_CONTENT_POINTS, bold=True)
    for row in [*rows, total]:
        cells = []
        for key, _ in _table_columns():
            cell = QgsTableCell(_cell_text(row, key))
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
    cases waiting (then people, then households) are shown, most first: the number of cases is always
    known, while people and household counts are often missing. A sum with unknown cases reads as
    `count_cell_text` describes, never as a bare 0. The extra rows for cases
    outside every commune or without a location come last and only when they count a case. The total row
    counts every summary, shown or not.
    """
    rows = [summary_row(summary) for summary in summaries]
    communes = [row for row in rows if row["kind"] == _COMMUNE_ROW]
    extras = [row for row in rows if row["kind"] != _COMMUNE_ROW and row["cases"] > 0]
    total: dict[str, Any] = {
        "kind": "total",
        "name": QCoreApplication.translate("SosReport", "Total (communes: {})").format(len(communes)),
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
    table.setContentTextFormat(_text_format(TABLE_CONTENT_POINTS))
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

    shown_communes = _fit_communes(table, communes, extras, total, height)
    return table, len(communes) - len(shown_communes)


def _fits(
    table: QgsLayoutItemManualTable,
    communes: Sequence[dict[str, Any]],
    extras: Sequence[dict[str, Any]],
    total: dict[str, Any],
    height: float,
) -> bool:
    """Lay the table out with these rows and return whether it fits in `height` mm (one layout pass)."""
    table.setTableContents(_table_cells([*communes, *extras], total))
    return table.totalHeight() <= height


def _fit_communes(
    table: QgsLayoutItemManualTable,
    communes: list[dict[str, Any]],
    extras: list[dict[str, Any]],
    total: dict[str, Any],
    height: float,
) -> list[dict[str, Any]]:
    """Fill the table with the most communes that fit in `height` mm and return the communes shown.

    A row is never lower than its 8-point text (2.8 mm), so at most `height / 2.8` communes can fit, and
    only that many of the communes with the most cases waiting are laid out. A binary search then finds
    how many fit, so a layer of 3,000 communes takes about ten layout passes of at most 70 rows each.
    """
    if len(communes) <= _max_rows(height) and _fits(table, communes, extras, total, height):
        return communes
    ranked = sorted(
        communes,
        key=lambda row: (-row["waiting_cases"], -row["people_waiting"], -row["households_waiting"]),
    )
    # The first `fitting` communes fit, and the first `failing` do not. Zero communes count as fitting even
    # when the extra and total rows alone overflow, so the table then shows just those rows.
    fitting, failing = 0, min(len(ranked), _max_rows(height) + 1)
    while _fits(table, ranked[:failing], extras, total, height):
        # Only a font lower than its point size gets here: grow the trial until it overflows.
        if failing == len(ranked):
            return ranked
        fitting, failing = failing, min(len(ranked), failing * 2)
    while failing - fitting > 1:
        middle = (fitting + failing) // 2
        if _fits(table, ranked[:middle], extras, total, height):
            fitting = middle
        else:
            failing = middle
    shown = ranked[:fitting]
    table.setTableContents(_table_cells([*shown, *extras], total))
    return shown


def _max_rows(height: float) -> int:
    """Return an upper bound of the table rows that fit in `height` mm, from the content font size."""
    smallest_row_mm = TABLE_CONTENT_POINTS * 25.4 / 72.0
    return int(height / smallest_row_mm) + 1


# --- The report ---------------------------------------------------------------------------------------------


def _data_time_text(data_time: Optional[datetime]) -> str:
    if data_time is None:
        return QCoreApplication.translate("SosReport", "Time of the data unknown")
    local = to_vietnam_time(data_time)
    return QCoreApplication.translate("SosReport", "Data as of {} (UTC+7)").format(
        local.strftime("%d/%m/%Y %H:%M")
    )


def _partly_known_text(count: int, unknown: int, waiting: int, templates: tuple[str, str, str]) -> str:
    """Fill the template that fits: every waiting case known, none known, or some known (a lower bound).

    `templates` are the translated texts for those three cases, with the placeholders (count), (unknown,
    waiting) and (count, unknown, waiting).
    """
    known, none_known, some_known = templates
    if unknown == 0:
        return known.format(count)
    if unknown >= waiting:
        return none_known.format(unknown, waiting)
    return some_known.format(count, unknown, waiting)


def _people_text(totals: CaseTotals) -> str:
    templates = (
        QCoreApplication.translate("SosReport", "People waiting: {}"),
        QCoreApplication.translate(
            "SosReport", "People waiting: unknown (waiting cases without a count: {} of {})"
        ),
        QCoreApplication.translate(
            "SosReport", "People waiting: at least {} (waiting cases without a count: {} of {})"
        ),
    )
    return _partly_known_text(
        totals.people_waiting, totals.people_unknown_cases, totals.waiting_cases, templates
    )


def _households_text(totals: CaseTotals) -> str:
    templates = (
        QCoreApplication.translate("SosReport", "Households waiting: {}"),
        QCoreApplication.translate(
            "SosReport", "Households waiting: unknown (waiting cases without a count: {} of {})"
        ),
        QCoreApplication.translate(
            "SosReport", "Households waiting: at least {} (waiting cases without a count: {} of {})"
        ),
    )
    return _partly_known_text(
        totals.households_waiting, totals.households_unknown_cases, totals.waiting_cases, templates
    )


def _flood_text(totals: CaseTotals) -> str:
    templates = (
        QCoreApplication.translate("SosReport", "Cases waiting in a flood zone: {}"),
        QCoreApplication.translate(
            "SosReport", "Cases waiting in a flood zone: unknown (waiting cases not analysed: {} of {})"
        ),
        QCoreApplication.translate(
            "SosReport", "Cases waiting in a flood zone: at least {} (waiting cases not analysed: {} of {})"
        ),
    )
    return _partly_known_text(
        totals.waiting_in_flood, totals.flood_unknown_cases, totals.waiting_cases, templates
    )


def _landslide_text(totals: CaseTotals) -> str:
    templates = (
        QCoreApplication.translate("SosReport", "Cases waiting in or near a landslide zone: {}"),
        QCoreApplication.translate(
            "SosReport",
            "Cases waiting in or near a landslide zone: unknown (waiting cases not analysed: {} of {})",
        ),
        QCoreApplication.translate(
            "SosReport",
            "Cases waiting in or near a landslide zone: at least {} (waiting cases not analysed: {} of {})",
        ),
    )
    return _partly_known_text(
        totals.waiting_in_landslide, totals.landslide_unknown_cases, totals.waiting_cases, templates
    )


def _totals_text(totals: CaseTotals) -> str:
    lines = [
        QCoreApplication.translate("SosReport", "Cases waiting for help: {}").format(totals.waiting_cases),
        _people_text(totals),
        _households_text(totals),
        _flood_text(totals),
        _landslide_text(totals),
        QCoreApplication.translate("SosReport", "Cases supported: {}").format(
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
    admin_layer: Optional[QgsMapLayer] = None,
) -> str:
    """Write the situation report PDF (two A4 landscape pages) and return its absolute path.

    `summaries` are commune summaries (CommuneSummary objects or mappings, see `summary_row`), or None when no
    admin layer was given, in which case page 2 states that in place of the table. `admin_layer`, the
    commune polygons, is drawn on the map as grey boundaries and listed in the legend, and it is left out of
    `hazard_layers` when it is there too. `data_time` is an aware datetime shown in Vietnam time. It
    defaults to the newest `updated_at` of the cases. Main thread only. Raises SosError when the layer is
    not a case layer, the admin layer is not a polygon layer, the output folder is missing, the user
    cancels, or the export fails.
    """
    path = _check_output(out_pdf)
    if admin_layer is not None:
        check_admin_layer(admin_layer)
    project = project if project is not None else QgsProject.instance()
    data = read_case_data(case_layer, feedback, data_time)
    if data_time is None:
        data_time = data.totals.newest_update
    title = title or QCoreApplication.translate("SosReport", "Situation report: SOS cases")
    LOGGER.info("Building the situation report %s from %d cases", path, data.totals.cases)

    boundary_layer = None
    if admin_layer is not None:
        hazard_layers = [
            layer for layer in hazard_layers if layer is not None and layer.id() != admin_layer.id()
        ]
        boundary_layer = boundary_layer_for_map(admin_layer)
    layout = new_layout(project, title, pages=2)
    with tempfile.TemporaryDirectory(prefix="sos-report-") as work_dir:
        map_item = _fill_map_page(layout, case_layer, hazard_layers, boundary_layer, data, title, data_time)
        detail_top = _fill_table_page(
            layout,
            summaries,
            data.timeline,
            os.path.join(work_dir, "chart.svg"),
            with_detail=data.dense_extent is not None,
        )
        if data.dense_extent is not None:
            _add_detail_map(
                layout, map_item, case_layer, hazard_layers, boundary_layer, data.dense_extent, detail_top
            )
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


def _case_label_note(case_layer: QgsVectorLayer) -> Optional[str]:
    """Explain the number beside each case when the layer has the plugin's labels, else return None."""
    labeling = case_layer.labeling()
    if not case_layer.labelsEnabled() or not isinstance(labeling, QgsVectorLayerSimpleLabeling):
        return None
    if labeling.settings().fieldName != LABEL_EXPRESSION:
        return None
    return QCoreApplication.translate(
        "SosReport",
        "Number beside a case: people, or households when the people count is unknown. "
        "No number: both are unknown.",
    )


def _fill_map_page(
    layout: QgsPrintLayout,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    boundary_layer: Optional[QgsVectorLayer],
    data: CaseData,
    title: str,
    data_time: Optional[datetime],
) -> QgsLayoutItemMap:
    content_width = PAGE_WIDTH_MM - 2 * MARGIN_MM
    add_title_label(layout, title, MARGIN_MM, 6, content_width, 10, points=16)
    add_label(layout, _data_time_text(data_time), MARGIN_MM, 16, content_width, 7, points=11)

    map_top, map_width, map_height = 25.0, 205.0, PAGE_HEIGHT_MM - 25.0 - MARGIN_MM
    map_item = add_case_map(
        layout,
        case_layer,
        hazard_layers,
        data.extent,
        MARGIN_MM,
        map_top,
        map_width,
        map_height,
        boundary_layer=boundary_layer,
    )
    add_scale_bar(layout, map_item, MARGIN_MM + 3, map_top + map_height - 14)
    add_north_arrow(layout, map_item, MARGIN_MM + map_width - 15, map_top + 2, 13)

    side_x = MARGIN_MM + map_width + 5
    side_width = PAGE_WIDTH_MM - MARGIN_MM - side_x
    add_label(layout, _totals_text(data.totals), side_x, map_top, side_width, 50, points=8)
    legend = add_legend(
        layout, map_item, case_layer, hazard_layers, side_x, map_top + 52, boundary_layer=boundary_layer
    )
    notes = []
    label_note = _case_label_note(case_layer)
    if label_note is not None:
        notes.append(label_note)
    if data.dense_extent is not None:
        notes.append(
            QCoreApplication.translate("SosReport", "Dashed box: the area of the detail map on page 2.")
        )
    if notes:
        note_height = 18.0
        note_top = max(legend.pos().y() + legend.rect().height() + 3, map_top + map_height - note_height)
        add_label(layout, "\n".join(notes), side_x, note_top, side_width, note_height, points=7.5)
    return map_item


def _fill_table_page(
    layout: QgsPrintLayout,
    summaries: Optional[Sequence[Any]],
    timeline: CaseTimeline,
    chart_path: str,
    with_detail: bool,
) -> float:
    """Add the commune table and the chart on page 2; return the top (mm) of the space left under the chart.

    With `with_detail`, the chart is shorter so that a detail map fits under it.
    """
    top = 6.0
    table_width = 160.0
    add_title_label(
        layout,
        QCoreApplication.translate("SosReport", "Cases by commune"),
        MARGIN_MM,
        top,
        table_width,
        9,
        points=12,
        page=1,
    )
    table_top = top + 10
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
        _add_table_with_notes(layout, summaries, table_top, table_width)

    chart_x = MARGIN_MM + table_width + 8
    chart_width = PAGE_WIDTH_MM - MARGIN_MM - chart_x
    chart_height = 78.0 if with_detail else 120.0
    add_title_label(
        layout,
        QCoreApplication.translate("SosReport", "Cases over time by status"),
        chart_x,
        top,
        chart_width,
        9,
        points=12,
        page=1,
    )
    write_timeline_svg(timeline, chart_path, chart_width, chart_height)
    chart = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(chart)
    chart.setPicturePath(chart_path, QgsLayoutItemPicture.Format.FormatSVG)
    chart.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
    chart.attemptMove(QgsLayoutPoint(chart_x, table_top, MM), page=1)
    chart.attemptResize(QgsLayoutSize(chart_width, chart_height, MM))
    # Two lines of 8.5-point text, and about one more for each sentence on cases left out of the chart.
    caption_height = 11.0 + 4.5 * (bool(timeline.undated) + bool(timeline.out_of_window))
    add_label(
        layout,
        chart_caption(timeline),
        chart_x,
        table_top + chart_height + 2,
        chart_width,
        caption_height,
        points=8.5,
        page=1,
    )
    return table_top + chart_height + 2 + caption_height + 2


def _add_detail_map(
    layout: QgsPrintLayout,
    main_map: QgsLayoutItemMap,
    case_layer: QgsVectorLayer,
    hazard_layers: Sequence[QgsMapLayer],
    boundary_layer: Optional[QgsVectorLayer],
    extent: QgsRectangle,
    top: float,
) -> None:
    """Add the detail map of the area where most cases lie under the chart on page 2.

    The main map on page 1 shows the detail map's area as a dashed box.
    """
    x = MARGIN_MM + 160.0 + 8
    width = PAGE_WIDTH_MM - MARGIN_MM - x
    add_title_label(
        layout,
        QCoreApplication.translate("SosReport", "Detail: the area with most cases"),
        x,
        top,
        width,
        8,
        points=11,
        page=1,
    )
    map_top = top + 8
    height = PAGE_HEIGHT_MM - MARGIN_MM - map_top
    detail = add_case_map(
        layout,
        case_layer,
        hazard_layers,
        extent,
        x,
        map_top,
        width,
        height,
        boundary_layer=boundary_layer,
        page=1,
    )
    add_scale_bar(layout, detail, x + 2, map_top + height - 12, page=1)

    overview = main_map.overview()
    overview.setLinkedMap(detail)
    overview.setFrameSymbol(
        QgsFillSymbol.createSimple(
            {"style": "no", "outline_color": "20,20,20,255", "outline_width": "0.5", "outline_style": "dash"}
        )
    )
    overview.setEnabled(True)


def _add_table_with_notes(
    layout: QgsPrintLayout, summaries: Sequence[Any], table_top: float, table_width: float
) -> None:
    """Add the commune table on page 2, with notes under it on left-out communes and unknown counts."""
    notes = []
    if any(_has_unknown(summary_row(summary)) for summary in summaries):
        notes.append(
            QCoreApplication.translate(
                "SosReport",
                "? = unknown for every waiting case (no count, or not analysed for the hazard). "
                "12 +3? = 12 from the cases with a known value, and 3 more waiting cases are unknown.",
            )
        )
    note_height = 8.0 + 5.0 * len(notes)
    table_height = PAGE_HEIGHT_MM - table_top - MARGIN_MM - note_height
    _, left_out = add_commune_table(
        layout, summaries, MARGIN_MM, table_top, table_width, table_height, page=1
    )
    if left_out:
        notes.append(
            QCoreApplication.translate(
                "SosReport",
                "The communes with the most cases waiting are shown. Communes left out of the table but "
                "counted in the total: {}.",
            ).format(left_out)
        )
    if notes:
        note_top = table_top + table_height + 1
        add_label(layout, "\n".join(notes), MARGIN_MM, note_top, table_width, note_height - 1, 7.5, page=1)
