"""Case layer behaviour: a user's style survives refreshes and reopening, clusters, and time by created_at."""

from __future__ import annotations

import time

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsDateTimeRange,
    QgsMarkerSymbol,
    QgsPointClusterRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsVectorLayer,
    QgsVectorLayerTemporalContext,
    QgsVectorLayerTemporalProperties,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime, QTime, QTranslator
from qgis.PyQt.QtGui import QColor

from sos_qgis_plugin.case_layer import CaseLayerStore, create_or_open_case_layer, gpkg_path_of
from sos_qgis_plugin.style import (
    CaseStyleKeeper,
    apply_cluster_style,
    apply_default_style,
    enable_temporal,
    has_stored_style,
    is_case_layer,
    status_renderer,
    style_opened_case_layer,
    translate_status_labels,
)

USER_COLOUR = "#00ff00"


def _restyle(layer: QgsVectorLayer) -> None:
    """Give the layer a single green symbol, as a user would in the layer properties."""
    layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple({"color": USER_COLOUR})))


def _reopen(layer: QgsVectorLayer) -> QgsVectorLayer:
    """Open the same GeoPackage layer again, as QGIS does after a restart."""
    reopened = create_or_open_case_layer(gpkg_path_of(layer))
    assert reopened.isValid()
    return reopened


def _user_colour(layer: QgsVectorLayer) -> str:
    return layer.renderer().symbol().color().name()


def _wait_until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_restyle_kept_after_refresh(case_layer, sos_server, shared_dir, fetch_records):
    apply_default_style(case_layer)
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    store = CaseLayerStore(case_layer)
    store.apply_records(fetch_records(sos_server).records)
    _restyle(case_layer)
    renderer = case_layer.renderer()
    sos_server.import_file(shared_dir / "cases" / "loose_types.geojson")

    stats = store.apply_records(fetch_records(sos_server).records)

    assert stats.added > 0
    assert case_layer.renderer() is renderer
    assert _user_colour(case_layer) == USER_COLOUR


def test_restyle_kept_after_sync_states(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    records = fetch_records(sos_server).records
    store = CaseLayerStore(case_layer)
    store.apply_records(records)
    _restyle(case_layer)

    store.set_sync_states({records[0].id: "pending"})

    assert _user_colour(case_layer) == USER_COLOUR


def test_new_layer_gets_default_style(case_layer):
    assert style_opened_case_layer(case_layer)

    assert isinstance(case_layer.renderer(), QgsCategorizedSymbolRenderer)
    assert has_stored_style(case_layer)


def test_default_style_loads_on_reopen(case_layer):
    apply_default_style(case_layer)

    reopened = _reopen(case_layer)

    assert isinstance(reopened.renderer(), QgsCategorizedSymbolRenderer)
    assert is_case_layer(reopened)


def test_user_style_loads_on_reopen(case_layer):
    apply_default_style(case_layer)
    keeper = CaseStyleKeeper()
    keeper.watch(case_layer)
    _restyle(case_layer)
    keeper.stop()

    reopened = _reopen(case_layer)

    assert isinstance(reopened.renderer(), QgsSingleSymbolRenderer)
    assert _user_colour(reopened) == USER_COLOUR


def test_user_style_stored_after_delay(case_layer):
    apply_default_style(case_layer)
    keeper = CaseStyleKeeper()
    keeper.watch(case_layer)
    _restyle(case_layer)

    stored = _wait_until(lambda: isinstance(_reopen(case_layer).renderer(), QgsSingleSymbolRenderer))

    keeper.stop()
    assert stored


def test_opening_keeps_user_style(case_layer):
    apply_default_style(case_layer)
    _restyle(case_layer)
    keeper = CaseStyleKeeper()
    keeper.watch(case_layer)
    assert keeper.store_now()
    keeper.stop()
    reopened = _reopen(case_layer)

    applied_default = style_opened_case_layer(reopened)

    assert not applied_default
    assert _user_colour(reopened) == USER_COLOUR


def test_reset_style_restores_default(case_layer):
    apply_default_style(case_layer)
    _restyle(case_layer)

    assert apply_default_style(case_layer)

    assert isinstance(case_layer.renderer(), QgsCategorizedSymbolRenderer)
    assert isinstance(_reopen(case_layer).renderer(), QgsCategorizedSymbolRenderer)


def test_store_twice_replaces_style(case_layer):
    apply_default_style(case_layer)
    _restyle(case_layer)
    keeper = CaseStyleKeeper()
    keeper.watch(case_layer)
    assert keeper.store_now()

    assert keeper.store_now()

    keeper.stop()
    assert case_layer.listStylesInDatabase()[0] == 1


def test_memory_layer_style_not_stored(qgis_app):
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=status:string", "cases", "memory")

    assert not apply_default_style(layer)
    assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)


def test_cluster_style_wraps_status(case_layer):
    apply_default_style(case_layer)

    assert apply_cluster_style(case_layer)

    renderer = case_layer.renderer()
    assert isinstance(renderer, QgsPointClusterRenderer)
    assert isinstance(renderer.embeddedRenderer(), QgsCategorizedSymbolRenderer)
    assert renderer.embeddedRenderer().classAttribute() == "status"


def test_cluster_symbol_shows_count(case_layer):
    apply_cluster_style(case_layer)

    symbol = case_layer.renderer().clusterSymbol()
    counts = [
        symbol.symbolLayer(index).dataDefinedProperties().property(QgsSymbolLayer.PropertyCharacter)
        for index in range(symbol.symbolLayerCount())
    ]
    assert any(prop.expressionString() == "@cluster_size" for prop in counts)


def test_cluster_keeps_user_colours(case_layer):
    apply_default_style(case_layer)
    renderer = status_renderer(case_layer.renderer())
    categories = renderer.categories()
    symbol = categories[0].symbol().clone()
    symbol.setColor(QColor(USER_COLOUR))
    renderer.updateCategorySymbol(0, symbol)

    apply_cluster_style(case_layer)

    categories = status_renderer(case_layer.renderer()).categories()
    assert categories[0].symbol().color().name() == USER_COLOUR


def test_cluster_style_loads_on_reopen(case_layer):
    apply_cluster_style(case_layer)

    reopened = _reopen(case_layer)

    assert isinstance(reopened.renderer(), QgsPointClusterRenderer)


def test_cluster_labels_translated(case_layer, qgis_app):
    from pathlib import Path

    qm_file = Path(__file__).resolve().parents[2] / "sos_qgis_plugin" / "i18n" / "sos_qgis_plugin_vi.qm"
    apply_cluster_style(case_layer)
    translator = QTranslator()
    assert translator.load(str(qm_file))
    QCoreApplication.installTranslator(translator)
    try:
        assert translate_status_labels(case_layer)
        labels = [category.label() for category in status_renderer(case_layer.renderer()).categories()]
    finally:
        QCoreApplication.removeTranslator(translator)

    assert labels[0] == "Cần hỗ trợ"


def test_temporal_instant_created_at(case_layer):
    enable_temporal(case_layer)
    properties = case_layer.temporalProperties()

    assert properties.isActive()
    assert properties.mode() == QgsVectorLayerTemporalProperties.ModeFeatureDateTimeInstantFromField
    assert properties.startField() == "created_at"
    assert properties.accumulateFeatures()


def test_temporal_shows_cases_created_before(case_layer, sos_server, shared_dir, fetch_records):
    sos_server.import_file(shared_dir / "cases" / "time_zones.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    enable_temporal(case_layer)
    total = case_layer.featureCount()
    # The cases of that file were reported on 2025-11-19 in Vietnam time.
    before = QgsDateTimeRange(
        QDateTime(QDate(2025, 11, 18), QTime(0, 0)), QDateTime(QDate(2025, 11, 18), QTime(23, 0))
    )
    after = QgsDateTimeRange(
        QDateTime(QDate(2025, 11, 20), QTime(0, 0)), QDateTime(QDate(2025, 11, 20), QTime(1, 0))
    )
    properties = case_layer.temporalProperties()
    context = QgsVectorLayerTemporalContext()
    context.setLayer(case_layer)

    shown_before = len(list(case_layer.getFeatures(properties.createFilterString(context, before))))
    shown_after = len(list(case_layer.getFeatures(properties.createFilterString(context, after))))

    assert total > 0
    assert shown_before == 0
    assert shown_after == total


def test_temporal_stored_with_style(case_layer):
    apply_default_style(case_layer)
    reopened = _reopen(case_layer)

    style_opened_case_layer(reopened)

    assert reopened.temporalProperties().isActive()
    assert reopened.temporalProperties().startField() == "created_at"
