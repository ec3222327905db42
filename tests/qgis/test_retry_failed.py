"""The plugin's "Retry failed changes…" action against the reference server.

A change for a case id the server does not have comes back not_found and stays in the outbox as failed. The
action lists it, and after the officer confirms, queues it again under a new Idempotency-Key and sends it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Optional

import pytest
from qgis.core import Qgis, QgsApplication, QgsProject, QgsSettings

from sos_qgis_plugin.case_layer import outbox_path_of
from sos_qgis_plugin.core.api_client import ClientConfig, NotFoundError, SosClient, StatusChange
from sos_qgis_plugin.core.outbox import Outbox
from sos_qgis_plugin.plugin import FailedChangesDialog, SosPlugin
from sos_qgis_plugin.settings import SECTION, Settings

WAIT_TIMEOUT_S = 60.0


class Confirmation:
    """Stands in for the retry dialog: records the changes it was shown and returns a fixed decision."""

    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.shown: list[list] = []

    def __call__(self, changes: list, parent: Optional[object]) -> bool:
        self.shown.append(list(changes))
        return self.accept


def _clear_settings() -> None:
    store = QgsSettings()
    store.remove(SECTION.rstrip("/"))


def _wait_until(condition: Callable[[], bool], description: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert condition(), f"{description} did not happen within {WAIT_TIMEOUT_S} s"


def _import_cases(server, folder: Path, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"retry-{number}",
                "status": "needs_help",
                "people_count": 3,
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.5]},
        }
        for number in range(count)
    ]
    path = folder / "retry_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


def _client(server, role: str) -> SosClient:
    return SosClient(ClientConfig(base_url=server.url, token=server.tokens[role], max_retries=0))


@pytest.fixture
def settings(qgis_app, tmp_path: Path) -> Iterator[Settings]:
    """Plugin settings with no stored values and the case layer in tmp_path."""
    _clear_settings()
    settings = Settings()
    settings.cases_gpkg_path = str(tmp_path / "plugin" / "sos_cases.gpkg")
    yield settings
    _clear_settings()


@pytest.fixture
def confirmation() -> Confirmation:
    return Confirmation(accept=True)


@pytest.fixture
def plugin(
    qgis_iface,
    qgis_processing,
    qgis_new_project,
    settings,
    sos_server,
    officer_authcfg,
    tmp_path,
    confirmation,
) -> Iterator[SosPlugin]:
    """The loaded plugin signed in as officer, with two fetched cases, unloaded after the test."""
    _import_cases(sos_server, tmp_path, 2)
    qgis_iface.messageBar().clear_messages()
    loaded = SosPlugin(qgis_iface, dependency_checker=list, settings=settings, confirm_retry=confirmation)
    loaded.initGui()
    settings.service_url = sos_server.url
    settings.authcfg_id = officer_authcfg
    loaded.fetch_now()
    _wait_until(lambda: not loaded.tasks, "the plugin's fetch")
    yield loaded
    loaded.unload()
    qgis_iface.messageBar().clear_messages()
    QgsProject.instance().clear()


def _next_case_id(plugin: SosPlugin) -> str:
    """The id the server gives the next case it creates: ids are "c" and 7 digits, in increasing order."""
    numbers = [int(str(feature["id"])[1:]) for feature in plugin.case_layer().getFeatures()]
    return f"c{max(numbers) + 1:07d}"


def _fail_change(plugin: SosPlugin, case_id: str, status: str = "in_progress", note: str = "team 5") -> str:
    """Queue a change through the outbox, send it with the plugin, and return the id of the stored change."""
    with Outbox(outbox_path_of(plugin.case_layer())) as outbox:
        queued = outbox.queue([StatusChange(case_id, status, note=note)])
    plugin.send_outbox()
    _wait_until(lambda: not plugin.tasks, "the plugin's send")
    return queued[0].change_id


def _outbox_changes(plugin: SosPlugin, case_id: str) -> list:
    with Outbox(outbox_path_of(plugin.case_layer())) as outbox:
        return outbox.changes_for_case(case_id)


def _retry(plugin: SosPlugin) -> None:
    plugin.retry_failed_changes()
    _wait_until(lambda: not plugin.tasks, "the plugin's send after the retry")


def _create_case(server) -> str:
    feature = {
        "type": "Feature",
        "properties": {"external_id": "retry-late", "people_count": 1},
        "geometry": {"type": "Point", "coordinates": [108.2, 12.6]},
    }
    with _client(server, "intake") as client:
        return str(client.create_case(feature)["id"])


def _bar_texts(iface, level) -> list[str]:
    """Return the texts of messages and of message widgets (a send's results button) at a level."""
    bar = iface.messageBar()
    widget_texts = [item.text() for item in bar.items() if item.level() == level]
    return list(bar.get_messages(level)) + widget_texts


def test_retry_disabled_without_failures(plugin):
    assert not plugin.retry_failed_action.isEnabled()


def test_not_found_enables_retry(plugin, qgis_iface):
    missing_id = _next_case_id(plugin)

    _fail_change(plugin, missing_id)

    changes = _outbox_changes(plugin, missing_id)
    warnings = " ".join(_bar_texts(qgis_iface, Qgis.MessageLevel.Warning))
    assert [change.state for change in changes] == ["not_found"]
    assert plugin.retry_failed_action.isEnabled()
    assert missing_id in warnings


def test_retry_not_found_still_listed(plugin, confirmation):
    missing_id = _next_case_id(plugin)
    first_id = _fail_change(plugin, missing_id)

    _retry(plugin)

    changes = _outbox_changes(plugin, missing_id)
    assert [change.case_id for change in confirmation.shown[0]] == [missing_id]
    assert [change.state for change in changes] == ["superseded", "not_found"]
    assert changes[0].change_id == first_id
    assert changes[0].replaced_by == changes[1].change_id
    assert changes[1].batch_key != changes[0].batch_key
    assert plugin.retry_failed_action.isEnabled()


def test_retry_applies_created_case(plugin, sos_server):
    missing_id = _next_case_id(plugin)
    _fail_change(plugin, missing_id, status="in_progress", note="boat 2 on the way")
    assert _create_case(sos_server) == missing_id

    _retry(plugin)

    changes = _outbox_changes(plugin, missing_id)
    with _client(sos_server, "viewer") as client:
        case, _version = client.get_case(missing_id)
        history = client.get_history(missing_id)
    assert [change.state for change in changes] == ["superseded", "done"]
    assert case["properties"]["status"] == "in_progress"
    assert [entry["note"] for entry in history].count("boat 2 on the way") == 1
    assert not plugin.retry_failed_action.isEnabled()


def test_retry_declined_changes_nothing(plugin, sos_server, confirmation):
    missing_id = _next_case_id(plugin)
    first_id = _fail_change(plugin, missing_id)
    assert _create_case(sos_server) == missing_id
    confirmation.accept = False

    _retry(plugin)

    changes = _outbox_changes(plugin, missing_id)
    with _client(sos_server, "viewer") as client:
        case, _version = client.get_case(missing_id)
    assert len(confirmation.shown) == 1
    assert [change.change_id for change in changes] == [first_id]
    assert changes[0].state == "not_found"
    assert case["properties"]["status"] == "needs_help"
    assert plugin.retry_failed_action.isEnabled()


def test_retry_keeps_base_version(plugin, sos_server):
    case_id = str(next(plugin.case_layer().getFeatures())["id"])
    with Outbox(outbox_path_of(plugin.case_layer())) as outbox:
        outbox.queue([StatusChange(case_id, "rescued", note="not a status", if_version=1)])
    plugin.send_outbox()
    _wait_until(lambda: not plugin.tasks, "the plugin's send")

    _retry(plugin)

    changes = _outbox_changes(plugin, case_id)
    assert [change.state for change in changes] == ["superseded", "invalid"]
    assert changes[1].base_version == 1
    assert changes[1].last_error


def test_unknown_case_stays_unknown(plugin, sos_server):
    missing_id = _next_case_id(plugin)
    _fail_change(plugin, missing_id)

    _retry(plugin)

    with _client(sos_server, "viewer") as client, pytest.raises(NotFoundError):
        client.get_case(missing_id)


def test_dialog_rows_plain_text(plugin):
    missing_id = _next_case_id(plugin)
    _fail_change(plugin, missing_id, status="supported", note="<b>team</b> 7")
    failed = _outbox_changes(plugin, missing_id)

    dialog = FailedChangesDialog(failed)

    table = dialog.table
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == missing_id
    assert table.item(0, 1).text() == "Supported"
    assert table.item(0, 2).text() == "<b>team</b> 7"
    assert table.item(0, 3).text() != ""


def test_no_failures_message(plugin, qgis_iface, confirmation):
    plugin.retry_failed_changes()

    infos = _bar_texts(qgis_iface, Qgis.MessageLevel.Info)
    assert confirmation.shown == []
    assert any("no failed status changes" in text for text in infos)
