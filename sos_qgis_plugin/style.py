"""The case layer's style: colour by status, size by people, a people label and a plain-text map tip."""

from __future__ import annotations

import logging
from typing import Any

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeatureRequest,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsRendererCategory,
    QgsSymbolLayer,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

from .core.statuses import STATUS_COLOURS, STATUSES

LOGGER = logging.getLogger("sos_qgis_plugin")

# Symbol diameter in millimetres: 2.5 mm for one person, growing with the square root of the count so that the
# symbol area follows the number of people, capped at 10 mm. Households stand in when people is unknown.
# Custom property that marks a project layer as an SOS case layer.
CASE_LAYER_PROPERTY = "sos/case_layer"
SIZE_EXPRESSION = 'min(8, 1.8 + 0.9 * sqrt(coalesce("people_count", "household_count", 1)))'

LABEL_EXPRESSION = 'coalesce("people_count", "household_count")'

# Outline colour by sync state: blue while a status change waits in the outbox, magenta for a conflict and
# black when it failed. A case without an open change keeps the thin white outline.
SYNC_OUTLINE_COLOUR_EXPRESSION = (
    "CASE WHEN \"sync_state\" = 'conflict' THEN '#e7298a' "
    "WHEN \"sync_state\" = 'failed' THEN '#000000' "
    "WHEN \"sync_state\" IN ('pending', 'sent') THEN '#1f78b4' ELSE '#ffffff' END"
)
# Outline width in millimetres: 0.3 normally, 0.9 while the case has an open change.
SYNC_OUTLINE_WIDTH_EXPRESSION = 'CASE WHEN "sync_state" IS NULL THEN 0.3 ELSE 0.9 END'

# Colour for a status code that this plugin version does not know.
UNKNOWN_STATUS_COLOUR = "#000000"


def status_display_name(code: str) -> str:
    """Return the translated display name of a status code, or the code itself when it is unknown."""
    names = {
        "needs_help": QCoreApplication.translate("SosStatus", "Needs help"),
        "in_progress": QCoreApplication.translate("SosStatus", "In progress"),
        "supported": QCoreApplication.translate("SosStatus", "Supported"),
        "unreachable": QCoreApplication.translate("SosStatus", "Unreachable"),
        "duplicate": QCoreApplication.translate("SosStatus", "Duplicate"),
    }
    return names.get(code, code)


def _escaped(field: str) -> str:
    """Build an expression giving the field's text with &, < and > escaped, or an empty string for NULL."""
    text = f"coalesce(to_string(\"{field}\"), '')"
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = f"replace({text}, '{raw}', '{entity}')"
    return text


def map_tip_template() -> str:
    """Build the HTML map tip template, escaping every record value so that record text shows literally."""
    rows = (
        (QCoreApplication.translate("SosStyle", "Case"), _escaped("id")),
        (QCoreApplication.translate("SosStyle", "Status"), _escaped("status")),
        (QCoreApplication.translate("SosStyle", "People"), _escaped("people_count")),
        (QCoreApplication.translate("SosStyle", "Households"), _escaped("household_count")),
        (QCoreApplication.translate("SosStyle", "Urgency"), _escaped("urgency")),
        (QCoreApplication.translate("SosStyle", "Address"), _escaped("address")),
        (QCoreApplication.translate("SosStyle", "Description"), _escaped("description")),
        (QCoreApplication.translate("SosStyle", "Priority"), _escaped("priority")),
    )
    lines = []
    for caption, expression in rows:
        # Captions come from the translation files, not from records, but are escaped all the same.
        safe_caption = caption.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines.append(f"<b>{safe_caption}</b>: [% {expression} %]")
    return "<br>".join(lines)


def _category_symbol(colour: str) -> QgsMarkerSymbol:
    symbol = QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": colour, "outline_color": "#ffffff", "outline_width": "0.3"}
    )
    symbol.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    symbol.setDataDefinedSize(QgsProperty.fromExpression(SIZE_EXPRESSION))
    marker = symbol.symbolLayer(0)
    marker.setDataDefinedProperty(
        QgsSymbolLayer.PropertyStrokeColor, QgsProperty.fromExpression(SYNC_OUTLINE_COLOUR_EXPRESSION)
    )
    marker.setDataDefinedProperty(
        QgsSymbolLayer.PropertyStrokeWidth, QgsProperty.fromExpression(SYNC_OUTLINE_WIDTH_EXPRESSION)
    )
    return symbol


def build_case_renderer() -> QgsCategorizedSymbolRenderer:
    """Build the categorized renderer on `status`, one category per status code in STATUSES."""
    categories = []
    for code in STATUSES:
        colour = STATUS_COLOURS.get(code, UNKNOWN_STATUS_COLOUR)
        categories.append(
            QgsRendererCategory(code, _category_symbol(colour), status_display_name(code), True)
        )
    # The empty value is QGIS's "all other values" category: a status this plugin does not know is drawn in
    # black rather than hidden.
    categories.append(
        QgsRendererCategory(
            "",
            _category_symbol(UNKNOWN_STATUS_COLOUR),
            QCoreApplication.translate("SosStyle", "Other status"),
            True,
        )
    )
    renderer = QgsCategorizedSymbolRenderer("status", categories)
    renderer.setSourceSymbol(_category_symbol(UNKNOWN_STATUS_COLOUR))
    # Higher priority on top, so a closed case (priority 0) never hides one that still waits.
    renderer.setOrderBy(
        QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause('coalesce("priority", 0)', True)])
    )
    renderer.setOrderByEnabled(True)
    return renderer


def _build_labeling() -> QgsVectorLayerSimpleLabeling:
    settings = QgsPalLayerSettings()
    settings.fieldName = LABEL_EXPRESSION
    settings.isExpression = True
    text_format = QgsTextFormat()
    text_format.setSize(8)
    text_format.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    buffer = text_format.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("#ffffff"))
    text_format.setBuffer(buffer)
    settings.setFormat(text_format)
    return QgsVectorLayerSimpleLabeling(settings)


def save_default_style(layer: QgsVectorLayer) -> bool:
    """Apply the case style and store it in the layer's GeoPackage as its default style.

    QGIS then styles the layer whenever the file is opened. Returns False and logs the reason when the
    provider cannot store styles.
    """
    apply_case_style(layer)
    error = layer.saveStyleToDatabase(
        layer.name(), QCoreApplication.translate("SosStyle", "SOS case style"), True, ""
    )
    if error:
        LOGGER.warning("Default style not stored in %s: %s", layer.source(), error)
        return False
    return True


def is_case_layer(layer: Any) -> bool:
    """Tell whether a project layer is an SOS case layer (marked by apply_case_style or the plugin)."""
    return isinstance(layer, QgsVectorLayer) and layer.customProperty(CASE_LAYER_PROPERTY, False) in (
        True,
        "true",
    )


def translate_status_labels(layer: QgsVectorLayer) -> bool:
    """Set the status category labels of a case layer to the display names of the current language.

    A project saved in one language stores its category labels in that language; this renames them for the
    officer who opens it. Only categories whose value is a status code, or the all-other-values category,
    are renamed. Returns True when the layer has a categorized renderer on `status`.
    """
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer) or renderer.classAttribute() != "status":
        return False
    for index, category in enumerate(renderer.categories()):
        value = category.value()
        if value in STATUSES:
            renderer.updateCategoryLabel(index, status_display_name(value))
        elif value in ("", None):
            renderer.updateCategoryLabel(index, QCoreApplication.translate("SosStyle", "Other status"))
    layer.triggerRepaint()
    return True


def apply_case_style(layer: QgsVectorLayer) -> None:
    """Apply the case style to a case layer: renderer, size by people, labels, map tip and display expression.

    In-place updates of the layer keep this style, because they go through the data provider.
    """
    layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
    layer.setRenderer(build_case_renderer())
    layer.setLabeling(_build_labeling())
    layer.setLabelsEnabled(True)
    layer.setMapTipTemplate(map_tip_template())
    layer.setDisplayExpression(
        'concat("id", \' - \', coalesce(to_string("people_count"), to_string("household_count"), \'?\'))'
    )
    layer.triggerRepaint()
