"""The settings dialog: loads the stored settings, validates each field, OK writes and Cancel does not."""

from __future__ import annotations

import pytest
from qgis.core import QgsProject, QgsSettings, QgsVectorLayer

from sos_qgis_plugin.gui.settings_dialog import SettingsDialog
from sos_qgis_plugin.settings import ALL_SETTINGS, SECTION, VIETNAM_BBOX, Settings


@pytest.fixture()
def settings(qgis_app):
    store = QgsSettings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)
    yield Settings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)


@pytest.fixture()
def polygon_layer(qgis_new_project):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "districts", "memory")
    QgsProject.instance().addMapLayer(layer)
    yield layer
    QgsProject.instance().removeMapLayer(layer.id())


def test_loads_defaults(settings):
    dialog = SettingsDialog(settings)
    assert dialog.refreshSpin.value() == 30
    assert dialog.bboxRadio.isChecked()
    assert tuple(spin.value() for spin in dialog.bboxSpins) == VIETNAM_BBOX
    assert dialog.weightSpins["urgency"].value() == 30.0


def test_refresh_minimum(settings):
    dialog = SettingsDialog(settings)
    dialog.refreshSpin.setValue(1)
    assert dialog.refreshSpin.value() == 5


def test_ok_writes_settings(settings, tmp_path):
    dialog = SettingsDialog(settings)
    dialog.urlEdit.setText(" https://sos.example.org ")
    dialog.refreshSpin.setValue(45)
    dialog.radiusSpin.setValue(250)
    for spin, value in zip(dialog.bboxSpins, (108.0, 12.0, 110.0, 14.0)):
        spin.setValue(value)
    dialog.weightSpins["hazard"].setValue(40.0)
    dialog.gpkgWidget.setFilePath(str(tmp_path / "cases.gpkg"))
    dialog.reportFolderWidget.setFilePath(str(tmp_path))

    dialog.accept()

    fresh = Settings()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert fresh.service_url == "https://sos.example.org"
    assert fresh.refresh_interval_s == 45
    assert fresh.landslide_radius_m == 250.0
    assert fresh.service_area == (108.0, 12.0, 110.0, 14.0)
    assert fresh.priority_weights.hazard == 40.0
    assert fresh.cases_gpkg_path == str(tmp_path / "cases.gpkg")
    assert fresh.report_folder == str(tmp_path)


def test_ok_keeps_default_paths(settings):
    dialog = SettingsDialog(settings)
    dialog.accept()
    store = QgsSettings()
    assert store.value(SECTION + "cases_gpkg_path", "") == ""
    assert store.value(SECTION + "report_folder", "") == ""


def test_cancel_writes_nothing(settings):
    dialog = SettingsDialog(settings)
    dialog.urlEdit.setText("https://sos.example.org")
    dialog.refreshSpin.setValue(90)
    dialog.reject()
    store = QgsSettings()
    assert [spec.key for spec in ALL_SETTINGS if store.contains(SECTION + spec.key)] == []


def test_bad_url_shown(settings):
    dialog = SettingsDialog(settings)
    dialog.urlEdit.setText("ftp://sos.example.org")
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert not dialog._errors["url"].isHidden()
    assert "https://" in dialog._errors["url"].text()
    assert Settings().service_url == ""


def test_error_clears_when_fixed(settings):
    dialog = SettingsDialog(settings)
    dialog.urlEdit.setText("sos.example.org")
    dialog.accept()
    dialog.urlEdit.setText("https://sos.example.org")
    dialog.accept()
    assert dialog._errors["url"].isHidden()
    assert Settings().service_url == "https://sos.example.org"


def test_empty_bbox_rejected(settings):
    dialog = SettingsDialog(settings)
    dialog.bboxSpins[0].setValue(110.0)
    dialog.bboxSpins[2].setValue(108.0)
    dialog.accept()
    assert not dialog._errors["bbox"].isHidden()
    assert Settings().service_area == VIETNAM_BBOX


def test_zero_weights_rejected(settings):
    dialog = SettingsDialog(settings)
    for spin in dialog.weightSpins.values():
        spin.setValue(0.0)
    dialog.accept()
    assert not dialog._errors["weights"].isHidden()
    assert Settings().priority_weights.urgency == 30.0


def test_restore_default_weights(settings):
    settings.priority_weights = {"urgency": 1, "people": 2, "vulnerable": 3, "hazard": 4, "waiting": 5}
    dialog = SettingsDialog(settings)
    assert dialog.weightSpins["waiting"].value() == 5.0
    dialog.restore_default_weights()
    assert [spin.value() for spin in dialog.weightSpins.values()] == [30.0, 20.0, 15.0, 20.0, 15.0]


def test_gpkg_name_checked(settings, tmp_path):
    dialog = SettingsDialog(settings)
    dialog.gpkgWidget.setFilePath(str(tmp_path / "cases.shp"))
    dialog.accept()
    assert not dialog._errors["gpkg"].isHidden()


def test_report_folder_not_creatable(settings, tmp_path):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    dialog = SettingsDialog(settings)
    dialog.reportFolderWidget.setFilePath(str(tmp_path / "a_file" / "reports"))
    dialog.accept()
    assert not dialog._errors["report_folder"].isHidden()


def test_new_report_folder_created(settings, tmp_path):
    dialog = SettingsDialog(settings)
    dialog.reportFolderWidget.setFilePath(str(tmp_path / "new" / "reports"))
    dialog.accept()
    assert (tmp_path / "new" / "reports").is_dir()


@pytest.fixture()
def fresh_profile(settings, tmp_path, monkeypatch):
    """Empty settings in a profile whose plugin folder, home of the cases GeoPackage, does not exist yet."""
    from sos_qgis_plugin import settings as settings_module

    gpkg = tmp_path / "profile" / "sos_qgis_plugin" / "sos_cases.gpkg"
    monkeypatch.setattr(settings_module, "_default_cases_gpkg_path", lambda: str(gpkg))
    return gpkg.parent


def test_fresh_profile_ok(settings, fresh_profile):
    dialog = SettingsDialog(settings)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted


def test_fresh_profile_folder_created(settings, fresh_profile):
    SettingsDialog(settings).accept()
    assert fresh_profile.is_dir()


def test_fresh_profile_keeps_default(settings, fresh_profile):
    SettingsDialog(settings).accept()
    assert QgsSettings().value(SECTION + "report_folder", "") == ""


def test_bad_stored_values_ok(settings):
    store = QgsSettings()
    store.setValue(SECTION + "landslide_radius_m", "inf")
    store.setValue(SECTION + "refresh_interval_s", "99999999")
    store.setValue(
        SECTION + "priority_weights",
        '{"urgency": 1e308, "people": 1e308, "vulnerable": 1e308, "hazard": 1e308, "waiting": 1e308}',
    )
    dialog = SettingsDialog(settings)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted


def test_missing_ca_bundle(settings, tmp_path):
    dialog = SettingsDialog(settings)
    dialog.caBundleWidget.setFilePath(str(tmp_path / "absent.pem"))
    dialog.accept()
    assert not dialog._errors["ca_bundle"].isHidden()


def test_area_layer_saved(settings, polygon_layer):
    dialog = SettingsDialog(settings)
    dialog.layerRadio.setChecked(True)
    dialog.areaLayerCombo.setLayer(polygon_layer)
    dialog.adminLayerCombo.setLayer(polygon_layer)
    dialog.accept()
    assert Settings().service_area_layer_id == polygon_layer.id()
    assert Settings().admin_layer_id == polygon_layer.id()


def test_area_layer_reloaded(settings, polygon_layer):
    settings.service_area_layer_id = polygon_layer.id()
    dialog = SettingsDialog(settings)
    assert dialog.layerRadio.isChecked()
    assert dialog.areaLayerCombo.currentLayer() is polygon_layer
    assert not dialog.bboxSpins[0].isEnabled()


def test_area_layer_required(settings, polygon_layer):
    dialog = SettingsDialog(settings)
    dialog.layerRadio.setChecked(True)
    dialog.areaLayerCombo.setLayer(None)
    dialog.accept()
    assert not dialog._errors["area_layer"].isHidden()


def test_back_to_bbox_clears_layer(settings, polygon_layer):
    settings.service_area_layer_id = polygon_layer.id()
    dialog = SettingsDialog(settings)
    dialog.bboxRadio.setChecked(True)
    dialog.accept()
    assert Settings().service_area_layer_id == ""


def test_unknown_authcfg_kept(settings):
    settings.authcfg_id = "zz99zz9"
    dialog = SettingsDialog(settings)
    dialog.accept()
    assert Settings().authcfg_id == "zz99zz9"


def test_authcfg_choice_saved(settings):
    from qgis.core import QgsApplication

    from sos_qgis_plugin.auth import remove_token, store_token

    QgsApplication.authManager().setMasterPassword("sos-test-master-password", True)
    authcfg_id = store_token("dialog-token")
    try:
        dialog = SettingsDialog(settings)
        dialog.authSelect.setConfigId(authcfg_id)
        dialog.accept()
        assert Settings().authcfg_id == authcfg_id
    finally:
        remove_token(authcfg_id)
