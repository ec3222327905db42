"""Case style: categories and colours by status, size and label by people, escaped map tip with hazards."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from qgis.core import (
    NULL,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsProject,
    QgsProperty,
    QgsRenderContext,
    QgsSymbolLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QTranslator
from qgis.PyQt.QtGui import QColor

from sos_qgis_plugin.case_layer import CaseLayerStore, to_qdatetime
from sos_qgis_plugin.core.statuses import STATUS_COLOURS, STATUSES
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.style import (
    LABEL_EXPRESSION,
    SIZE_EXPRESSION,
    UNKNOWN_STATUS_COLOUR,
    apply_case_style,
    status_display_name,
    translate_status_labels,
)


def _evaluate(expression_text: str, feature, layer):
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    context.setFeature(feature)
    return QgsExpression(expression_text).evaluate(context)


def test_categories_one_per_status(case_layer):
    apply_case_style(case_layer)

    values = [category.value() for category in case_layer.renderer().categories()]

    # The last category, with the empty value, is QGIS's "all other values".
    assert values == list(STATUSES) + [""]


def test_category_colours(case_layer):
    apply_case_style(case_layer)

    for category in case_layer.renderer().categories():
        expected = QColor(STATUS_COLOURS.get(category.value(), UNKNOWN_STATUS_COLOUR)).name()
        assert category.symbol().color().name() == expected, category.value()


def test_category_labels(case_layer):
    apply_case_style(case_layer)

    labels = [category.label() for category in case_layer.renderer().categories()]

    assert labels == ["Needs help", "In progress", "Supported", "Unreachable", "Duplicate", "Other status"]


def test_unknown_status_drawn(case_layer):
    apply_case_style(case_layer)
    feature = QgsFeature(case_layer.fields())
    feature["status"] = "evacuated"
    context = QgsRenderContext()

    case_layer.renderer().startRender(context, case_layer.fields())
    symbol = case_layer.renderer().symbolForFeature(feature, context)
    case_layer.renderer().stopRender(context)

    assert symbol is not None
    assert symbol.color().name() == QColor(UNKNOWN_STATUS_COLOUR).name()


def test_higher_priority_drawn_on_top(case_layer):
    apply_case_style(case_layer)
    renderer = case_layer.renderer()

    assert renderer.orderByEnabled()
    clause = renderer.orderBy().list()[0]
    assert clause.expression().expression() == 'coalesce("priority", 0)'
    assert clause.ascending()


def test_status_display_name_unknown_code(qgis_app):
    assert status_display_name("evacuated") == "evacuated"


def test_symbol_size_data_defined(case_layer):
    apply_case_style(case_layer)

    for category in case_layer.renderer().categories():
        size = category.symbol().symbolLayer(0).dataDefinedProperties().property(QgsSymbolLayer.PropertySize)
        assert size.propertyType() == QgsProperty.ExpressionBasedProperty
        assert size.expressionString() == SIZE_EXPRESSION


def test_size_capped_at_10mm(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "loose_types.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    sizes = [_evaluate(SIZE_EXPRESSION, feature, case_layer) for feature in case_layer.getFeatures()]

    assert max(sizes) <= 10.0
    assert min(sizes) >= 2.5


def test_labels_enabled_with_people(case_layer):
    apply_case_style(case_layer)

    settings = case_layer.labeling().settings()
    assert case_layer.labelsEnabled()
    assert settings.isExpression
    assert settings.fieldName == LABEL_EXPRESSION


def test_label_empty_without_counts(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "loose_types.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    no_counts = [
        feature
        for feature in case_layer.getFeatures()
        if feature["people_count"] == NULL and feature["household_count"] == NULL
    ]

    assert no_counts
    for feature in no_counts:
        assert _evaluate(LABEL_EXPRESSION, feature, case_layer) is None


def test_map_tip_escapes_html(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    apply_case_style(case_layer)

    for feature in case_layer.getFeatures():
        context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(case_layer))
        context.setFeature(feature)
        tip = QgsExpression.replaceExpressionText(case_layer.mapTipTemplate(), context)
        assert "<script" not in tip.lower()
        assert "<img" not in tip.lower()
        assert "<a " not in tip.lower()


def test_map_tip_keeps_text_literal(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    apply_case_style(case_layer)
    feature = next(feature for feature in case_layer.getFeatures() if "<" in (feature["description"] or ""))

    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(case_layer))
    context.setFeature(feature)
    tip = QgsExpression.replaceExpressionText(case_layer.mapTipTemplate(), context)

    escaped = feature["description"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in tip


@pytest.fixture
def vietnamese_translator(qgis_app):
    """The plugin's Vietnamese translation installed in the application for one test."""
    qm_file = Path(__file__).resolve().parents[2] / "sos_qgis_plugin" / "i18n" / "sos_qgis_plugin_vi.qm"
    translator = QTranslator()
    assert translator.load(str(qm_file))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_status_labels_follow_language(case_layer, vietnamese_translator):
    QCoreApplication.removeTranslator(vietnamese_translator)
    apply_case_style(case_layer)
    QCoreApplication.installTranslator(vietnamese_translator)

    assert translate_status_labels(case_layer)

    labels = [category.label() for category in case_layer.renderer().categories()]
    assert labels[:5] == ["Cần hỗ trợ", "Đang hỗ trợ", "Đã hỗ trợ", "Không liên lạc được", "Trùng lặp"]
    assert labels[5] == "Trạng thái khác"


def test_plugin_translates_added_case_layer(qgis_iface, qgis_new_project, case_layer, vietnamese_translator):
    QCoreApplication.removeTranslator(vietnamese_translator)
    apply_case_style(case_layer)
    QCoreApplication.installTranslator(vietnamese_translator)
    plugin = SosPlugin(qgis_iface, dependency_checker=list)
    plugin.initGui()
    try:
        QgsProject.instance().addMapLayer(case_layer)

        assert case_layer.renderer().categories()[0].label() == "Cần hỗ trợ"
    finally:
        plugin.unload()
        QgsProject.instance().removeAllMapLayers()


def _map_tip_of(layer, **values) -> str:
    """Add one case with these attribute values to the layer and return its evaluated map tip."""
    feature = QgsFeature(layer.fields())
    for name, value in values.items():
        feature[name] = value
    assert layer.dataProvider().addFeatures([feature])[0]
    stored = next(layer.getFeatures())
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    context.setFeature(stored)
    return QgsExpression.replaceExpressionText(layer.mapTipTemplate(), context)


def test_map_tip_waiting_time(case_layer):
    apply_case_style(case_layer)
    created = datetime.now(timezone.utc) - timedelta(hours=2, minutes=5, seconds=10)

    tip = _map_tip_of(case_layer, id="c1", status="needs_help", created_at=to_qdatetime(created))

    # A minute may pass between the two clocks, never an hour.
    assert "<b>Waiting</b>: 2 h 5 min" in tip or "<b>Waiting</b>: 2 h 6 min" in tip


def test_map_tip_closed_not_waiting(case_layer):
    apply_case_style(case_layer)
    created = datetime.now(timezone.utc) - timedelta(hours=2)

    tip = _map_tip_of(case_layer, id="c1", status="supported", created_at=to_qdatetime(created))

    assert "Waiting" not in tip
    assert "<b>Status</b>: Supported<br>" in tip


def test_map_tip_hazard_rows(case_layer):
    apply_case_style(case_layer)

    tip = _map_tip_of(
        case_layer,
        id="c1",
        status="needs_help",
        in_flood=True,
        flood_depth_m=1.84,
        landslide_distance_m=412.4,
        hazard_note="repaired outline",
    )

    assert "<b>In flood</b>: yes<br>" in tip
    assert "<b>Flood depth</b>: 1.8 m<br>" in tip
    assert "<b>In landslide zone</b>: not analysed<br>" in tip
    assert "<b>Distance to landslide</b>: 412 m<br>" in tip
    assert "<b>Hazard note</b>: repaired outline<br>" in tip


def test_map_tip_empty_rows_hidden(case_layer):
    apply_case_style(case_layer)

    tip = _map_tip_of(case_layer, id="c1", status="needs_help")

    assert "Flood depth" not in tip
    assert "Address" not in tip


def test_map_tip_priority_reason_escaped(case_layer):
    apply_case_style(case_layer)
    reason = '<img src="http://example.invalid/t.png"> critical & 6 people'

    tip = _map_tip_of(case_layer, id="c1", status="needs_help", priority_reason=reason)

    assert '<b>Why</b>: &lt;img src="http://example.invalid/t.png"&gt; critical &amp; 6 people<br>' in tip
