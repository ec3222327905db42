"""Map and project output of the demo: a PNG of cases over hazards with a legend, and a .qgz project."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from qgis.core import (
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMarkerSymbol,
    QgsPrintLayout,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QFont

from sos_qgis_plugin.core.timeutil import to_vietnam_time
from sos_qgis_plugin.style import apply_case_style

MAP_WIDTH_MM, MAP_HEIGHT_MM = 297, 210
MAP_DPI = 120


def style_flood(layer) -> None:
    """Translucent blue fill, so overlapping outlines read darker."""
    if isinstance(layer, QgsVectorLayer):
        symbol = QgsFillSymbol.createSimple(
            {"color": "49,130,189,28", "outline_color": "33,102,172,150", "outline_width": "0.25"}
        )
        layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def style_landslide(layer) -> None:
    """Brown triangles for landslide events; a brown hatch for landslide zones."""
    if not isinstance(layer, QgsVectorLayer):
        return
    if layer.geometryType() == 0:  # point layer
        symbol = QgsMarkerSymbol.createSimple(
            {"name": "triangle", "color": "140,81,10,230", "outline_color": "60,30,0", "size": "3.2"}
        )
    else:
        symbol = QgsFillSymbol.createSimple(
            {"color": "191,129,45,80", "outline_color": "140,81,10,220", "outline_width": "0.4"}
        )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def _case_extent(cases: QgsVectorLayer) -> QgsRectangle:
    """Extent of the cases whose location is trusted: flagged locations do not stretch the map."""
    extent = QgsRectangle()
    for feature in cases.getFeatures():
        if not feature.hasGeometry() or feature.geometry().isEmpty():
            continue
        if "outside_service_area" in str(feature["quality_flags"] or ""):
            continue
        extent.combineExtentWith(feature.geometry().boundingBox())
    if extent.isEmpty():
        extent = cases.extent()
    extent.scale(1.1)
    return extent


def build_project(
    out: Path, gpkg: Path, flood_path: Path | None, landslide_path: Path | None
) -> QgsVectorLayer:
    """Fill the current project with the styled case layer over the hazard layers; return the case layer.

    Layer paths are saved relative to OUT, so the project opens on its own wherever OUT is copied.
    """
    project = QgsProject.instance()
    project.clear()
    project.setFileName(str(out / "sos_demo.qgz"))
    project.writeEntryBool("Paths", "/Absolute", False)
    for path, name, styler in (
        (flood_path, "Flood", style_flood),
        (landslide_path, "Landslide", style_landslide),
    ):
        if path is None:
            continue
        layer = QgsVectorLayer(str(path), name, "ogr")
        if not layer.isValid():
            layer = QgsRasterLayer(str(path), name)
        if not layer.isValid():
            raise RuntimeError(f"QGIS cannot open the {name} layer {path}")
        styler(layer)
        project.addMapLayer(layer)
    cases = QgsVectorLayer(f"{gpkg}|layername=sos_cases", "SOS cases", "ogr")
    if not cases.isValid():
        raise RuntimeError(f"QGIS cannot open the case layer in {gpkg}")
    apply_case_style(cases)
    project.addMapLayer(cases)
    project.setCrs(cases.crs())
    return cases


def render(out: Path, cases: QgsVectorLayer) -> Path:
    """Render the current project (cases over hazards) to OUT/map.png with a title, legend and scale bar."""
    project = QgsProject.instance()
    # Drawing order as in the layer tree: cases on top, then landslide events, then the flood fill.
    tree_layers = [node.layer() for node in project.layerTreeRoot().findLayers()]
    hazards = [layer for layer in tree_layers if layer is not None and layer.id() != cases.id()]

    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(MAP_WIDTH_MM, MAP_HEIGHT_MM, QgsUnitTypes.LayoutMillimeters))

    title = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(title)
    stamp = to_vietnam_time(datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M")
    title.setText(f"SOS cases over flood and landslide hazards, data of {stamp} (UTC+7)")
    title.setFont(QFont("DejaVu Sans", 14, QFont.Weight.Bold))
    title.attemptMove(QgsLayoutPoint(8, 5, QgsUnitTypes.LayoutMillimeters))
    title.attemptResize(QgsLayoutSize(260, 10, QgsUnitTypes.LayoutMillimeters))

    # Items are added before they are moved and resized: a map item outside a layout ignores its size.
    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    map_item.attemptMove(QgsLayoutPoint(8, 17, QgsUnitTypes.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(215, 186, QgsUnitTypes.LayoutMillimeters))
    map_item.setLayers([cases] + hazards)
    map_item.setKeepLayerSet(True)
    map_item.setCrs(cases.crs())
    # zoomToExtent on a map item that has no extent yet gives an empty extent in QGIS 3.22: set one first.
    extent = _case_extent(cases)
    map_item.setExtent(extent)
    # setExtent also fits the item to the extent's shape; give it back its size, then fit the extent inside.
    map_item.attemptResize(QgsLayoutSize(215, 186, QgsUnitTypes.LayoutMillimeters))
    map_item.zoomToExtent(extent)
    map_item.setFrameEnabled(True)
    map_item.setBackgroundColor(QColor(250, 250, 245))

    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setTitle("Legend")
    legend.setLinkedMap(map_item)
    legend.attemptMove(QgsLayoutPoint(227, 17, QgsUnitTypes.LayoutMillimeters))

    scale_bar = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale_bar)
    scale_bar.setStyle("Single Box")
    scale_bar.setLinkedMap(map_item)
    scale_bar.applyDefaultSize(QgsUnitTypes.DistanceKilometers)
    scale_bar.attemptMove(QgsLayoutPoint(12, 190, QgsUnitTypes.LayoutMillimeters))

    target = out / "map.png"
    # Rendering to a QImage and saving it with Qt, because exportToImage in QGIS 3.22 also tries to
    # georeference the PNG through GDAL, which cannot update PNG files and logs an error.
    image = QgsLayoutExporter(layout).renderPageToImage(0, QSize(), MAP_DPI)
    if image.isNull() or not image.save(str(target), "PNG"):
        raise RuntimeError(f"rendering the map to {target} failed")
    return target


def save_project(out: Path) -> Path:
    """Write the current project to OUT/sos_demo.qgz."""
    project = QgsProject.instance()
    if not project.write(str(out / "sos_demo.qgz")):
        raise RuntimeError(f"saving the project {out / 'sos_demo.qgz'} failed: {project.error()}")
    return out / "sos_demo.qgz"
