"""The token lives only in the QGIS authentication database, never in settings or project files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProject, QgsSettings

from sos_qgis_plugin.auth import read_token, remove_token, store_token
from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
MASTER_PASSWORD = "sos-test-master-password"
TOKEN = "officer-token-4f9c2e7a"

# pytest-qgis starts QgsApplication before any conftest runs, so the in-process auth database is the one in
# the pytest-qgis profile. The fresh-database checks run in a child QGIS with QGIS_AUTH_DB_DIR_PATH set to a
# temp folder.
CHILD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    from sos_qgis_plugin.auth import read_token, remove_token, store_token
    from sos_qgis_plugin.core.errors import SosError
    results = {}
    if sys.argv[1] == "no-master-password":
        try:
            store_token("abc")
            results["stored"] = True
        except SosError as error:
            results["error"] = error.message
    else:
        QgsApplication.authManager().setMasterPassword(sys.argv[2], True)
        first = store_token(" tok-1 ")
        results["first_read"] = read_token(first)
        second = store_token("tok-2", first)
        results["same_id"] = second == first
        results["second_read"] = read_token(first)
        remove_token(first)
        try:
            read_token(first)
        except SosError as error:
            results["after_remove"] = error.message
    print("RESULT " + json.dumps(results))
    app.exitQgis()
    """
)


def _run_child(tmp_path: Path, mode: str) -> dict:
    env = dict(os.environ)
    env["QGIS_AUTH_DB_DIR_PATH"] = str(tmp_path)
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp_path / "profile")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(REPO_ROOT)
    completed = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, mode, MASTER_PASSWORD],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, completed.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture(scope="module")
def child_results(tmp_path_factory) -> dict:
    return _run_child(tmp_path_factory.mktemp("authdb"), "roundtrip")


def test_child_store_read(child_results):
    assert child_results["first_read"] == "tok-1"


def test_child_update_keeps_id(child_results):
    assert child_results["same_id"] is True


def test_child_update_replaces_token(child_results):
    assert child_results["second_read"] == "tok-2"


def test_child_read_after_remove(child_results):
    assert "not found" in child_results["after_remove"]


def test_child_db_in_temp_folder(tmp_path):
    _run_child(tmp_path, "roundtrip")
    assert (tmp_path / "qgis-auth.db").is_file()


def test_no_master_password_rejected(tmp_path):
    results = _run_child(tmp_path, "no-master-password")
    assert "master password" in results["error"]


@pytest.fixture()
def auth_ready(qgis_app):
    manager = QgsApplication.authManager()
    assert manager.setMasterPassword(MASTER_PASSWORD, True)
    created = []
    yield created
    for authcfg_id in created:
        remove_token(authcfg_id)


def test_store_read_in_process(auth_ready):
    authcfg_id = store_token(TOKEN)
    auth_ready.append(authcfg_id)
    assert read_token(authcfg_id) == TOKEN


def test_empty_token_rejected(auth_ready):
    with pytest.raises(SosError):
        store_token("   ")


def test_read_without_id_rejected(auth_ready):
    with pytest.raises(SosError):
        read_token("")


def test_remove_unknown_id_ignored(auth_ready):
    remove_token("zzzzzzz")
    assert "zzzzzzz" not in QgsApplication.authManager().configIds()


def test_token_not_in_settings_file(auth_ready):
    settings = Settings()
    authcfg_id = store_token(TOKEN)
    auth_ready.append(authcfg_id)
    settings.authcfg_id = authcfg_id
    store = QgsSettings()
    store.sync()
    text = Path(store.fileName()).read_text(encoding="utf-8", errors="replace")
    assert authcfg_id in text
    assert TOKEN not in text


def test_token_not_in_project_file(auth_ready, tmp_path):
    authcfg_id = store_token(TOKEN)
    auth_ready.append(authcfg_id)
    project = QgsProject.instance()
    project.writeEntry("sos_qgis_plugin", "authcfg_id", authcfg_id)
    path = tmp_path / "project.qgs"
    assert project.write(str(path))
    project.removeEntry("sos_qgis_plugin", "authcfg_id")
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text


def test_token_encrypted_in_auth_db(auth_ready):
    authcfg_id = store_token(TOKEN)
    auth_ready.append(authcfg_id)
    database = Path(QgsApplication.authManager().authenticationDatabasePath()).read_bytes()
    assert TOKEN.encode() not in database
