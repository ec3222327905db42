"""Map and project output of the demo: a PNG of cases over hazards, the situation report, a .qgz project."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from qgis.core import (
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsMarkerSymbol,
    QgsProject,
    QgsRasterLayer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize

from sos_qgis_plugin import report
from sos_qgis_plugin.core.timeutil import to_vietnam_time
from sos_qgis_plugin.style import apply_case_style

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
    """Render the current project (cases over hazards) to OUT/map.png with a title, legend and scale bar.

    The map, legend, scale bar and north arrow are the situation report's, on one A4 landscape page.
    """
    project = QgsProject.instance()
    # Drawing order as in the layer tree: cases on top, then landslide events, then the flood fill.
    tree_layers = [node.layer() for node in project.layerTreeRoot().findLayers()]
    hazards = [layer for layer in tree_layers if layer is not None and layer.id() != cases.id()]

    layout = report.new_layout(project, "SOS demo map", pages=1)
    stamp = to_vietnam_time(datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M")
    title = f"SOS cases over flood and landslide hazards, data of {stamp} (UTC+7)"
    report.add_label(layout, title, 8, 5, 260, 10, points=14, bold=True)
    map_item = report.add_case_map(layout, cases, hazards, report.case_extent(cases), 8, 17, 215, 186)
    report.add_legend(layout, map_item, cases, hazards, 227, 17)
    report.add_scale_bar(layout, map_item, 12, 188)
    report.add_north_arrow(layout, map_item, 208, 19, 12)

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
