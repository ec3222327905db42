"""QGIS-only fixtures: a token in the QGIS authentication database, the SOS provider, case layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsApplication

from sos_qgis_plugin.auth import store_token
from sos_qgis_plugin.case_layer import create_or_open_case_layer

# The authentication database lives in the test profile (.qgis-settings, made by pytest-qgis), never the
# user's.
MASTER_PASSWORD = "sos-test-master-password"


@pytest.fixture
def officer_authcfg(qgis_app, sos_server) -> str:
    """Store the test server's officer token in the QGIS authentication database; return the authcfg id."""
    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(MASTER_PASSWORD, True)
    return store_token(sos_server.tokens["officer"])


@pytest.fixture
def sos_provider(qgis_processing):
    """Register the SOS Processing provider for one test."""
    from sos_qgis_plugin.processing.provider import SosProvider

    registry = QgsApplication.processingRegistry()
    provider = SosProvider()
    assert registry.addProvider(provider)
    yield provider
    registry.removeProvider(provider)


@pytest.fixture
def case_layer(qgis_app, tmp_path: Path):
    """An empty case layer in a new GeoPackage."""
    return create_or_open_case_layer(str(tmp_path / "cases.gpkg"))


@pytest.fixture
def real_requests(shared_dir: Path) -> Path:
    """The 591 real SOS requests of November 2025; skipped when ../shared/data is absent."""
    path = shared_dir / "data" / "sos" / "daklak_nov2025_requests.geojson"
    if not path.is_file():
        pytest.skip("the real SOS requests file is absent from ../shared/data")
    return path


@pytest.fixture
def fetch_records(qgis_app):
    """Return a function that fetches every case of a test server as CaseRecords, through the core client."""
    from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
    from sos_qgis_plugin.core.sync import fetch_cases

    def fetch(server, updated_since=None):
        client = SosClient(ClientConfig(base_url=server.url, token=server.tokens["viewer"]))
        return fetch_cases(client, updated_since=updated_since)

    return fetch


@pytest.fixture
def run_task(qgis_app):
    """Return a function that runs a QgsTask in the task manager and returns what it passed to on_done."""
    import time

    from qgis.PyQt.QtCore import QCoreApplication

    def run(make_task, timeout_s: float = 60.0):
        outcomes = []
        task = make_task(outcomes.append)
        QgsApplication.taskManager().addTask(task)
        deadline = time.monotonic() + timeout_s
        while not outcomes and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        assert outcomes, f"the task did not finish within {timeout_s} s"
        return outcomes[0]

    return run
