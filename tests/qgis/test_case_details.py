"""Case details dialog: every field as plain text, waiting time, hazards, history table and its states."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from qgis.core import NULL
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QLabel, QPlainTextEdit

from sos_qgis_plugin.case_layer import CaseLayerStore
from sos_qgis_plugin.gui.case_details import (
    EMPTY_TEXT,
    HISTORY_COLUMN_BY,
    HISTORY_COLUMN_FROM,
    HISTORY_COLUMN_NOTE,
    HISTORY_COLUMN_TEAM,
    HISTORY_COLUMN_TIME,
    HISTORY_COLUMN_TO,
    CaseDetailsDialog,
    case_values,
    waiting_time_text,
)

NOW = datetime(2025, 11, 19, 16, 20, tzinfo=timezone.utc)


def _shown_text(widget) -> str:
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    return widget.text()


def _sample_values(**overrides):
    values = {
        "id": "c0000042",
        "external_id": "ext-42",
        "status": "needs_help",
        "people_count": 6,
        "people_count_raw": NULL,
        "household_count": 2,
        "phone": "+84901234567",
        "reporter_name": "Hà",
        "description": "Nhà ngập tới mái",
        "address": "Đông Hòa",
        "urgency": "critical",
        "needs": "rescue,food",
        "has_children": True,
        "has_elderly": False,
        "has_disabilities": NULL,
        "created_at": NOW - timedelta(hours=14, minutes=5),
        "updated_at": NOW - timedelta(hours=1),
        "version": 3,
        "source": "zalo",
        "duplicate_of": NULL,
        "location_note": "coordinates look swapped: [13.08, 109.3]",
        "quality_flags": "coordinates_swapped,weird_flag",
        "in_flood": True,
        "flood_event_count": 2,
        "flood_depth_m": 1.84,
        "in_landslide_zone": NULL,
        "landslide_distance_m": 412.4,
        "priority": 87.25,
        "priority_reason": "critical, 6 people, in flood 1.8 m, waiting 14 h",
        "hazard_note": "repaired outline",
        "analysed_at": NULL,
        "sync_state": "conflict",
        "lon": 109.3,
        "lat": 13.08,
    }
    values.update(overrides)
    return values


@pytest.fixture
def injected_cases(case_layer, sos_server, shared_dir, fetch_records):
    """The html_injection cases fetched from a test server into a case layer, as dialog values."""
    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    CaseLayerStore(case_layer).apply_records(fetch_records(sos_server).records)
    return [case_values(feature) for feature in case_layer.getFeatures()]


def test_details_html_shown_literally(qgis_app, injected_cases):
    values = next(values for values in injected_cases if "<a href" in (values["description"] or ""))

    dialog = CaseDetailsDialog(values, [], now=NOW)

    assert _shown_text(dialog.value_widgets["description"]) == values["description"]


def test_details_script_name_literally(qgis_app, injected_cases):
    values = next(values for values in injected_cases if "<script>" in (values["reporter_name"] or ""))

    dialog = CaseDetailsDialog(values, [], now=NOW)

    label = dialog.value_widgets["reporter_name"]
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == values["reporter_name"]


def test_details_expression_text_literally(qgis_app, injected_cases):
    values = next(values for values in injected_cases if "[%" in (values["description"] or ""))

    dialog = CaseDetailsDialog(values, [], now=NOW)

    assert _shown_text(dialog.value_widgets["description"]) == values["description"]


def test_details_no_rich_text_label(qgis_app, injected_cases):
    for values in injected_cases:
        dialog = CaseDetailsDialog(values, [], now=NOW)

        for label in dialog.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
            assert not label.openExternalLinks(), label.text()


def test_details_every_field_shown(qgis_app, case_layer):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)
    shown = set(dialog.value_widgets)

    missing = [
        name
        for name in case_layer.fields().names()
        if name not in shown and name not in ("commune_code", "commune_name", "fid")
    ]

    assert missing == []
    assert "commune" in shown


def test_details_waiting_time(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)

    assert dialog.value_widgets["waiting"].text() == "14 h 5 min"


def test_details_closed_case_not_waiting(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(status="supported"), [], now=NOW)

    assert dialog.value_widgets["waiting"].text() == EMPTY_TEXT


def test_waiting_time_minutes_only(qgis_app):
    assert waiting_time_text(NOW - timedelta(minutes=7, seconds=50), NOW) == "7 min"


def test_waiting_time_future_is_zero(qgis_app):
    assert waiting_time_text(NOW + timedelta(minutes=3), NOW) == "0 min"


def test_waiting_time_unknown(qgis_app):
    assert waiting_time_text(NULL, NOW) == EMPTY_TEXT


def test_details_hazard_flags(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)
    widgets = dialog.value_widgets

    assert widgets["in_flood"].text() == "yes"
    assert widgets["flood_depth_m"].text() == "1.8 m"
    assert widgets["flood_event_count"].text() == "2"
    assert widgets["in_landslide_zone"].text() == "not analysed"
    assert widgets["landslide_distance_m"].text() == "412 m"
    assert widgets["hazard_note"].text() == "repaired outline"
    assert widgets["priority"].text() == "87.2"
    assert widgets["priority_reason"].text() == "critical, 6 people, in flood 1.8 m, waiting 14 h"


def test_details_phone_selectable_not_link(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)
    label = dialog.value_widgets["phone"]

    assert label.text() == "+84901234567"
    assert label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_details_quality_flags_explained(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)

    lines = dialog.value_widgets["quality_flags"].text().split("\n")

    assert lines[0] == "The coordinates look swapped. The point was not moved."
    assert lines[1] == "weird_flag"


def test_details_sync_state(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)

    assert dialog.value_widgets["sync_state"].text() == "Conflict: someone else changed this case first"


def test_details_location(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), [], now=NOW)

    assert dialog.value_widgets["lat"].text() == "13.080000"
    assert dialog.value_widgets["lon"].text() == "109.300000"
    assert dialog.value_widgets["location_note"].text() == "coordinates look swapped: [13.08, 109.3]"


def test_details_created_at_vietnam_time(qgis_app, injected_cases):
    dialog = CaseDetailsDialog(injected_cases[0], [], now=NOW)

    # The cases were reported at 08:15 +07:00, and the layer keeps Vietnam time.
    assert dialog.value_widgets["created_at"].text() == "2025-11-19 08:15"


def test_details_null_location(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(lon=None, lat=None), [], now=NOW)

    assert dialog.value_widgets["lat"].text() == EMPTY_TEXT


def test_history_loading_state(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), now=NOW)

    assert dialog.historyStatus.text() == "Loading history…"
    assert dialog.historyTable.rowCount() == 0


def test_history_error_state(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), now=NOW)

    dialog.show_history_error("The SOS service timed out.")

    assert dialog.historyStatus.text() == "The history could not be loaded: The SOS service timed out."
    assert dialog.historyTable.rowCount() == 0


def test_history_empty_state(qgis_app):
    dialog = CaseDetailsDialog(_sample_values(), now=NOW)

    dialog.show_history([])

    assert dialog.historyStatus.text() == "This case has no history yet."


def test_history_table_rows(qgis_app):
    entries = [
        {
            "changed_at": "2025-11-19T01:15:00Z",
            "changed_by": "intake-zalo",
            "from_status": None,
            "to_status": "needs_help",
            "note": None,
        },
        {
            "changed_at": "2025-11-19T03:40:00Z",
            "changed_by": "officer-lan",
            "from_status": "needs_help",
            "to_status": "in_progress",
            "note": "<b>boat</b> on the way",
            "team": "Đội 4",
        },
    ]
    dialog = CaseDetailsDialog(_sample_values(), now=NOW)

    dialog.show_history(entries)

    table = dialog.historyTable
    assert table.rowCount() == 2
    assert dialog.historyStatus.isHidden()
    assert table.item(0, HISTORY_COLUMN_FROM).text() == EMPTY_TEXT
    assert table.item(0, HISTORY_COLUMN_TEAM).text() == ""
    assert table.item(1, HISTORY_COLUMN_TIME).text() == "2025-11-19 10:40"
    assert table.item(1, HISTORY_COLUMN_FROM).text() == "Needs help"
    assert table.item(1, HISTORY_COLUMN_TO).text() == "In progress"
    assert table.item(1, HISTORY_COLUMN_BY).text() == "officer-lan"
    assert table.item(1, HISTORY_COLUMN_TEAM).text() == "Đội 4"
    assert table.item(1, HISTORY_COLUMN_NOTE).text() == "<b>boat</b> on the way"


def test_history_from_server(qgis_app, sos_server, shared_dir, fetch_records):
    from sos_qgis_plugin.core.api_client import ClientConfig, SosClient

    sos_server.import_file(shared_dir / "cases" / "html_injection.geojson")
    record = fetch_records(sos_server).records[0]
    client = SosClient(ClientConfig(base_url=sos_server.url, token=sos_server.tokens["viewer"]))
    try:
        entries = client.get_history(record.id)
    finally:
        client.close()

    dialog = CaseDetailsDialog(_sample_values(id=record.id), entries, now=NOW)

    assert dialog.historyTable.rowCount() == len(entries)
    assert dialog.historyTable.item(0, HISTORY_COLUMN_TO).text() == "Needs help"
