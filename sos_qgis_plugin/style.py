"""The case layer's style: colour by status, size by people, labels, a plain-text map tip, clusters and time.

The plugin applies its default style only when it creates a case layer, when the layer's GeoPackage stores no
style, or when the user asks to reset the style. In-place updates of the layer never touch the renderer, so
a user's own style stays. `CaseStyleKeeper` stores each restyle in the GeoPackage as the default style. QGIS
then loads it the next time the file is opened, even when the project was never saved.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any, Optional

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsExpression,
    QgsFeatureRenderer,
    QgsFeatureRequest,
    QgsFontMarkerSymbolLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointClusterRenderer,
    QgsProperty,
    QgsProviderRegistry,
    QgsRendererCategory,
    QgsSymbolLayer,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsVectorLayerTemporalProperties,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QObject, QTimer
from qgis.PyQt.QtGui import QColor

from .core.statuses import OPEN_STATUSES, STATUS_COLOURS, STATUSES

LOGGER = logging.getLogger("sos_qgis_plugin")

# Custom property that marks a project layer as an SOS case layer.
CASE_LAYER_PROPERTY = "sos/case_layer"

# Symbol diameter in millimetres: 1.8 mm plus 0.9 mm per square root of the people count, so that the symbol
# area follows the number of people, capped at 8 mm. Households stand in when people is unknown.
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

# The layer stores `created_at` as Vietnam time without an offset, and QGIS reads such a value as the
# computer's local time. Adding the +07:00 offset back before taking the epoch keeps the waiting time right
# on a computer whose clock zone is not Vietnam time.
WAITING_MINUTES_EXPRESSION = (
    "floor(max(0, (epoch(now()) - epoch(to_datetime("
    "format_date(\"created_at\", 'yyyy-MM-ddThh:mm:ss') || '+07:00'))) / 60000))"
)

# Points of one cluster lie within this distance of each other on the map, in millimetres.
CLUSTER_DISTANCE_MM = 6.0
# Cluster symbol diameter in millimetres: 5 mm for two cases, growing with the square root of the count,
# capped at 12 mm.
CLUSTER_SIZE_EXPRESSION = "min(12, 3 + 1.4 * sqrt(@cluster_size))"
CLUSTER_COLOUR = "#3b3b3b"

# How long a restyle must rest before CaseStyleKeeper stores it, in milliseconds. The style dock applies
# every slider step at once, and each store rewrites a row of the GeoPackage.
STYLE_STORE_DELAY_MS = 1500


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


def urgency_display_name(code: str) -> str:
    """Return the translated display name of an urgency code, or the code itself when it is unknown."""
    names = {
        "low": QCoreApplication.translate("SosUrgency", "Low"),
        "medium": QCoreApplication.translate("SosUrgency", "Medium"),
        "high": QCoreApplication.translate("SosUrgency", "High"),
        "critical": QCoreApplication.translate("SosUrgency", "Critical"),
    }
    return names.get(code, code)


def need_display_name(code: str) -> str:
    """Return the translated display name of a need code, or the code itself when it is unknown."""
    names = {
        "rescue": QCoreApplication.translate("SosNeed", "Rescue"),
        "medical": QCoreApplication.translate("SosNeed", "Medical care"),
        "food": QCoreApplication.translate("SosNeed", "Food"),
        "water": QCoreApplication.translate("SosNeed", "Drinking water"),
        "clothing": QCoreApplication.translate("SosNeed", "Clothing"),
        "shelter": QCoreApplication.translate("SosNeed", "Shelter"),
        "evacuation": QCoreApplication.translate("SosNeed", "Evacuation"),
        "other": QCoreApplication.translate("SosNeed", "Other"),
    }
    return names.get(code, code)


# --- map tip


def _escaped(field: str) -> str:
    """Build an expression giving the field's text with &, < and > escaped, or an empty string for NULL."""
    text = f"coalesce(to_string(\"{field}\"), '')"
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = f"replace({text}, '{raw}', '{entity}')"
    return text


def _html_literal(text: str) -> str:
    """Quote translated text as an expression string literal, HTML-escaped so it shows literally."""
    return QgsExpression.quotedString(html.escape(text, quote=False))


def _format_expression(template: str, values: dict[str, str]) -> str:
    """Build a concat() expression from a translated template whose {name} placeholders are expressions."""
    parts = []
    for piece in re.split(r"(\{\w+\})", template):
        if not piece:
            continue
        name = piece[1:-1] if piece.startswith("{") and piece.endswith("}") else None
        parts.append(values[name] if name in values else _html_literal(piece))
    return "concat(" + ", ".join(parts) + ")"


def _waiting_expression() -> str:
    """Build an expression for the waiting time of an open case, such as "14 h 5 min", else NULL."""
    minutes_only = _format_expression(
        QCoreApplication.translate("SosStyle", "{minutes} min"), {"minutes": "to_string(@waiting)"}
    )
    hours_and_minutes = _format_expression(
        QCoreApplication.translate("SosStyle", "{hours} h {minutes} min"),
        {"hours": "to_string(floor(@waiting / 60))", "minutes": "to_string(@waiting % 60)"},
    )
    open_codes = ", ".join(QgsExpression.quotedString(code) for code in OPEN_STATUSES)
    return (
        f'CASE WHEN "status" IN ({open_codes}) AND "created_at" IS NOT NULL THEN '
        f"with_variable('waiting', {WAITING_MINUTES_EXPRESSION}, "
        f"CASE WHEN @waiting < 60 THEN {minutes_only} ELSE {hours_and_minutes} END) END"
    )


def _yes_no_expression(field: str) -> str:
    """Build an expression giving translated yes, no or unknown for a boolean hazard field."""
    yes = _html_literal(QCoreApplication.translate("SosStyle", "yes"))
    no = _html_literal(QCoreApplication.translate("SosStyle", "no"))
    unknown = _html_literal(QCoreApplication.translate("SosStyle", "not analysed"))
    return f'CASE WHEN "{field}" IS NULL THEN {unknown} WHEN "{field}" THEN {yes} ELSE {no} END'


def _status_expression() -> str:
    """Build an expression giving the translated name of the status, or the escaped code when unknown."""
    branches = " ".join(
        f'WHEN "status" = {QgsExpression.quotedString(code)} THEN {_html_literal(status_display_name(code))}'
        for code in STATUSES
    )
    return f"CASE {branches} ELSE {_escaped('status')} END"


def _map_tip_rows() -> list[tuple[str, str]]:
    """List (caption, expression) pairs of the map tip. Every expression escapes its record text."""
    depth = _format_expression(
        QCoreApplication.translate("SosStyle", "{metres} m"), {"metres": 'format_number("flood_depth_m", 1)'}
    )
    distance = _format_expression(
        QCoreApplication.translate("SosStyle", "{metres} m"),
        {"metres": 'format_number("landslide_distance_m", 0)'},
    )
    return [
        (QCoreApplication.translate("SosStyle", "Case"), _escaped("id")),
        (QCoreApplication.translate("SosStyle", "Status"), _status_expression()),
        (QCoreApplication.translate("SosStyle", "Waiting"), _waiting_expression()),
        (QCoreApplication.translate("SosStyle", "People"), _escaped("people_count")),
        (QCoreApplication.translate("SosStyle", "Households"), _escaped("household_count")),
        (QCoreApplication.translate("SosStyle", "Urgency"), _escaped("urgency")),
        (QCoreApplication.translate("SosStyle", "Address"), _escaped("address")),
        (QCoreApplication.translate("SosStyle", "Description"), _escaped("description")),
        (QCoreApplication.translate("SosStyle", "Priority"), _escaped("priority")),
        (QCoreApplication.translate("SosStyle", "Why"), _escaped("priority_reason")),
        (QCoreApplication.translate("SosStyle", "In flood"), _yes_no_expression("in_flood")),
        (
            QCoreApplication.translate("SosStyle", "Flood depth"),
            f'CASE WHEN "flood_depth_m" IS NOT NULL THEN {depth} END',
        ),
        (QCoreApplication.translate("SosStyle", "Flood events nearby"), _escaped("flood_event_count")),
        (
            QCoreApplication.translate("SosStyle", "In landslide zone"),
            _yes_no_expression("in_landslide_zone"),
        ),
        (
            QCoreApplication.translate("SosStyle", "Distance to landslide"),
            f'CASE WHEN "landslide_distance_m" IS NOT NULL THEN {distance} END',
        ),
        (QCoreApplication.translate("SosStyle", "Hazard note"), _escaped("hazard_note")),
    ]


def map_tip_template() -> str:
    """Build the HTML map tip template, escaping every record value so that record text shows literally.

    Each row shows only when its value is not empty. A row whose field the layer lacks (an older layer
    without `priority_reason`) shows nothing, because QGIS replaces a failed expression with empty text.
    """
    lines = []
    for caption, expression in _map_tip_rows():
        # Captions come from the translation files, not from records, but are escaped all the same.
        prefix = QgsExpression.quotedString("<b>" + html.escape(caption, quote=False) + "</b>: ")
        lines.append(
            f"[% with_variable('row', {expression}, "
            f"CASE WHEN coalesce(@row, '') = '' THEN '' ELSE concat({prefix}, @row, '<br>') END) %]"
        )
    return "".join(lines)


# --- renderers


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


def _cluster_symbol() -> QgsMarkerSymbol:
    """Build the cluster symbol: a dark circle sized by the number of cases, with that number on it."""
    symbol = QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": CLUSTER_COLOUR, "outline_color": "#ffffff", "outline_width": "0.4"}
    )
    symbol.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    symbol.setDataDefinedSize(QgsProperty.fromExpression(CLUSTER_SIZE_EXPRESSION))
    count = QgsFontMarkerSymbolLayer()
    count.setColor(QColor("#ffffff"))
    count.setSize(3.0)
    count.setSizeUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    count.setDataDefinedProperty(
        QgsSymbolLayer.PropertyCharacter, QgsProperty.fromExpression("@cluster_size")
    )
    symbol.appendSymbolLayer(count)
    return symbol


def status_renderer(renderer: Optional[QgsFeatureRenderer]) -> Optional[QgsCategorizedSymbolRenderer]:
    """Return the categorized renderer on `status` inside a renderer, unwrapping clusters, or None.

    The returned renderer is the layer's own (not a copy), so changes to it show on the map.
    """
    while renderer is not None:
        if isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "status":
            return renderer
        renderer = renderer.embeddedRenderer()
    return None


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


# --- the layer


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
    are renamed. A categorized renderer inside a cluster renderer is renamed too. Returns True when the
    layer has a categorized renderer on `status`.
    """
    renderer = status_renderer(layer.renderer())
    if renderer is None:
        return False
    for index, category in enumerate(renderer.categories()):
        value = category.value()
        if value in STATUSES:
            renderer.updateCategoryLabel(index, status_display_name(value))
        elif value in ("", None):
            renderer.updateCategoryLabel(index, QCoreApplication.translate("SosStyle", "Other status"))
    layer.triggerRepaint()
    return True


def enable_temporal(layer: QgsVectorLayer) -> None:
    """Let the temporal controller play cases over time: each case appears at its `created_at` and stays.

    A case without `created_at` shows at every time, because QGIS keeps NULL instants in the filter.
    """
    properties = layer.temporalProperties()
    properties.setMode(QgsVectorLayerTemporalProperties.TemporalMode.FeatureDateTimeInstantFromField)
    properties.setStartField("created_at")
    properties.setAccumulateFeatures(True)
    properties.setIsActive(True)


def apply_case_style(layer: QgsVectorLayer) -> None:
    """Apply the case style to a case layer: renderer, size by people, labels, map tip, display expression
    and temporal properties. Any style the layer had is replaced, and nothing is stored.

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
    enable_temporal(layer)
    layer.triggerRepaint()


def apply_default_style(layer: QgsVectorLayer) -> bool:
    """Apply the case style and store it in the layer's GeoPackage as its default style.

    For a new case layer and for "Reset style". Returns whether the style was stored (False, logged, for a
    provider that cannot store styles, such as a memory layer).
    """
    apply_case_style(layer)
    return store_default_style(layer)


def apply_cluster_style(layer: QgsVectorLayer) -> bool:
    """Draw close cases as one cluster symbol showing their count, and store that style as the default.

    Single cases keep the status colours of the layer's categorized renderer (the user's colours when they
    changed them, else the plugin's). Per-case labels are turned off, because the cluster counts replace
    them. A layer already clustered is left as it is. Returns whether the style was stored.
    """
    current = layer.renderer()
    if isinstance(current, QgsPointClusterRenderer):
        return store_default_style(layer)
    inner = status_renderer(current)
    embedded = inner.clone() if inner is not None else build_case_renderer()
    cluster = QgsPointClusterRenderer()
    cluster.setEmbeddedRenderer(embedded)
    cluster.setTolerance(CLUSTER_DISTANCE_MM)
    cluster.setToleranceUnit(QgsUnitTypes.RenderUnit.RenderMillimeters)
    cluster.setClusterSymbol(_cluster_symbol())
    layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
    layer.setRenderer(cluster)
    layer.setLabelsEnabled(False)
    layer.triggerRepaint()
    return store_default_style(layer)


def _stored_style_name(layer: QgsVectorLayer) -> str:
    parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    return str(parts.get("layerName") or layer.name())


def has_stored_style(layer: QgsVectorLayer) -> bool:
    """Tell whether the layer's GeoPackage stores a style for it (a row of its `layer_styles` table)."""
    provider = layer.dataProvider()
    if provider is None or not provider.isSaveAndLoadStyleToDatabaseSupported():
        return False
    related_count = layer.listStylesInDatabase()[0]
    return related_count > 0


def store_default_style(layer: QgsVectorLayer) -> bool:
    """Store the layer's current style in its GeoPackage as the default style, replacing the stored one.

    QGIS then loads it whenever the file is opened. Returns False and logs the reason when the provider
    cannot store styles or the write fails.
    """
    provider = layer.dataProvider()
    if provider is None or not provider.isSaveAndLoadStyleToDatabaseSupported():
        LOGGER.info("Style of %s not stored: its provider cannot store styles", layer.name())
        return False
    name = _stored_style_name(layer)
    # QGIS 3.22 shows a modal message box before it overwrites a stored style of the same name, even
    # when no window is shown, so the old row is deleted first.
    related_count, style_ids, style_names, _, error = layer.listStylesInDatabase()
    # A GeoPackage without a layer_styles table reports an error and no rows, which is fine here.
    if error and related_count:
        LOGGER.warning("Stored styles of %s not listed: %s", layer.source(), error)
    for style_id, style_name in zip(style_ids[:related_count], style_names[:related_count]):
        if style_name != name:
            continue
        deleted, error = layer.deleteStyleFromDatabase(style_id)
        if not deleted:
            LOGGER.warning("Stored style %s of %s not replaced: %s", style_id, layer.source(), error)
            return False
    error = layer.saveStyleToDatabase(
        name, QCoreApplication.translate("SosStyle", "SOS case style"), True, ""
    )
    if error:
        LOGGER.warning("Default style not stored in %s: %s", layer.source(), error)
        return False
    return True


def save_default_style(layer: QgsVectorLayer) -> bool:
    """Apply the case style and store it in the layer's GeoPackage as its default style.

    Kept for callers written before apply_default_style, which does the same.
    """
    return apply_default_style(layer)


def style_opened_case_layer(layer: QgsVectorLayer) -> bool:
    """Mark a case layer the plugin opened from its GeoPackage as such, keeping the style the file stores.

    Not for a layer read from a project, which brings its own style. A layer whose file stores no style (a
    new file, or one written by an older plugin version) gets the default style, stored for next time.
    Otherwise the stored style is loaded and only its status labels are translated to the current language.
    Returns True when the default style was applied.
    """
    layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
    if not has_stored_style(layer):
        apply_default_style(layer)
        return True
    # QGIS 3.22 applies the stored style when it opens the layer, except its temporal properties, which
    # only an explicit load of the default style restores.
    message, loaded = layer.loadDefaultStyle()
    if not loaded:
        LOGGER.warning("Stored style of %s not loaded: %s", layer.source(), message)
    layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
    translate_status_labels(layer)
    return False


class CaseStyleKeeper(QObject):
    """Store a case layer's style in its GeoPackage as the default each time the user changes it.

    A change is stored STYLE_STORE_DELAY_MS after the last one, on the thread that owns the layer. Call
    `watch()` for the case layer and `stop()` on unload, which stores a change still waiting.
    """

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._layer: Optional[QgsVectorLayer] = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(STYLE_STORE_DELAY_MS)
        self._timer.timeout.connect(self.store_now)

    @property
    def layer(self) -> Optional[QgsVectorLayer]:
        """The watched layer, or None."""
        return self._layer

    def watch(self, layer: Optional[QgsVectorLayer]) -> None:
        """Watch this layer (None: none), storing a change still waiting on the layer watched before."""
        if layer is self._layer:
            return
        self.stop()
        if layer is None:
            return
        self._layer = layer
        layer.styleChanged.connect(self._schedule)
        layer.temporalProperties().changed.connect(self._schedule)
        layer.willBeDeleted.connect(self._forget)

    def stop(self) -> None:
        """Stop watching, storing a change still waiting."""
        layer = self._layer
        if layer is None:
            return
        pending = self._timer.isActive()
        self._timer.stop()
        if not sip.isdeleted(layer):
            layer.styleChanged.disconnect(self._schedule)
            layer.temporalProperties().changed.disconnect(self._schedule)
            layer.willBeDeleted.disconnect(self._forget)
            if pending:
                store_default_style(layer)
        self._layer = None

    def store_now(self) -> bool:
        """Store the watched layer's style at once; returns whether it was stored."""
        self._timer.stop()
        layer = self._layer
        if layer is None or sip.isdeleted(layer):
            return False
        return store_default_style(layer)

    def _schedule(self) -> None:
        self._timer.start()

    def _forget(self) -> None:
        # The layer is being deleted, so its connections go with it and nothing can be stored any more.
        self._timer.stop()
        self._layer = None
