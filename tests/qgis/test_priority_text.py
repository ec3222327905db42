"""A case's priority and its short translated reason, from case layer values."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from qgis.core import NULL
from qgis.PyQt.QtCore import QCoreApplication, QDateTime, QTranslator

from sos_qgis_plugin.core.priority import PriorityWeights, compute_priority
from sos_qgis_plugin.priority_text import case_priority, format_tenths

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=timezone.utc)
# The layer stores created_at as naive Vietnam time: 05:00 in Vietnam is 22:00 UTC the day before.
CREATED_14_H_AGO = datetime(2025, 11, 20, 5, 0)
QM_FILE = Path(__file__).resolve().parents[2] / "sos_qgis_plugin" / "i18n" / "sos_qgis_plugin_vi.qm"


def case(**changes) -> dict:
    values = {
        "status": "needs_help",
        "urgency": "critical",
        "people_count": 6,
        "household_count": NULL,
        "has_children": False,
        "has_elderly": True,
        "has_disabilities": False,
        "created_at": CREATED_14_H_AGO,
        "in_flood": True,
        "flood_depth_m": 1.8,
        "in_landslide_zone": False,
    }
    values.update(changes)
    return values


def test_reason_largest_first(qgis_app):
    priority, reason = case_priority(case(), NOW)
    assert priority == 69.3
    assert reason == "critical, in flood 1.8 m, 6 people, elderly, waiting 14 h"


def test_matches_compute_priority(qgis_app):
    priority, _ = case_priority(case(), NOW)
    expected = compute_priority(
        status="needs_help",
        urgency="critical",
        people_count=6,
        household_count=None,
        has_children=False,
        has_elderly=True,
        has_disabilities=False,
        created_at=CREATED_14_H_AGO.replace(tzinfo=timezone(timedelta(hours=7))),
        in_flood=True,
        in_landslide_zone=False,
        now=NOW,
    )
    assert priority == expected


def test_weights_change_order(qgis_app):
    weights = PriorityWeights(urgency=5, people=60, vulnerable=15, hazard=5, waiting=15)
    _, reason = case_priority(case(), NOW, weights)
    assert reason.startswith("6 people, ")


def test_zero_factors_left_out(qgis_app):
    _, reason = case_priority(case(has_elderly=False, in_flood=False), NOW)
    assert reason == "critical, 6 people, waiting 14 h"


def test_flood_without_depth(qgis_app):
    _, reason = case_priority(case(flood_depth_m=NULL), NOW)
    assert "in flood, " in reason


def test_hazards_not_analysed(qgis_app):
    _, reason = case_priority(case(in_flood=NULL, in_landslide_zone=NULL), NOW)
    assert "hazards not analysed" in reason


def test_flood_unknown(qgis_app):
    _, reason = case_priority(case(in_flood=None), NOW)
    assert "flood unknown" in reason


def test_landslide_and_flood(qgis_app):
    _, reason = case_priority(case(in_landslide_zone=True), NOW)
    assert "in flood 1.8 m, in landslide zone" in reason


def test_households(qgis_app):
    _, reason = case_priority(case(people_count=None, household_count=2), NOW)
    assert "2 households" in reason


def test_one_person(qgis_app):
    _, reason = case_priority(case(people_count=1), NOW)
    assert "1 person" in reason


def test_waiting_minutes(qgis_app):
    created = (NOW - timedelta(minutes=40)).astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None)
    _, reason = case_priority(case(created_at=created), NOW)
    assert reason.endswith("waiting 40 min")


def test_created_as_qdatetime(qgis_app):
    priority, _ = case_priority(case(created_at=QDateTime(2025, 11, 20, 5, 0)), NOW)
    assert priority == 69.3


def test_created_as_text(qgis_app):
    priority, _ = case_priority(case(created_at="2025-11-19T22:00:00Z"), NOW)
    assert priority == 69.3


@pytest.mark.parametrize("created_at", [NULL, None, "", "19/11/2025 22:00", QDateTime()])
def test_no_creation_time(qgis_app, created_at):
    assert case_priority(case(created_at=created_at), NOW) == (None, "no creation time")


def test_missing_everything(qgis_app):
    assert case_priority({}, NOW) == (None, "unknown status")


def test_unknown_status(qgis_app):
    assert case_priority(case(status="done"), NOW) == (None, "unknown status")


def test_closed_case(qgis_app):
    assert case_priority(case(status="supported"), NOW) == (0.0, "closed: Supported")


def test_bad_values_are_unknown(qgis_app):
    values = case(urgency="urgent", people_count="khoảng 10", flood_depth_m="deep", has_elderly=NULL)
    priority, reason = case_priority(values, NOW)
    assert priority is not None
    assert reason.startswith("in flood, ")
    assert "urgency unknown" in reason
    assert "people unknown" in reason


def test_negative_count_unknown(qgis_app):
    _, reason = case_priority(case(people_count=-3), NOW)
    assert "people unknown" in reason


def test_format_tenths_rounds(qgis_app):
    assert format_tenths(1.86) == "1.9"
    assert format_tenths(0.04) == "0.0"


def test_thread_safe(qgis_app):
    cases = [case(people_count=count, created_at=CREATED_14_H_AGO) for count in range(1, 200)]
    expected = [case_priority(values, NOW) for values in cases]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda values: case_priority(values, NOW), cases))
    assert results == expected


# Vietnamese: a small translation compiled here shows the mechanism, and the shipped one the real wording.

_TEST_TRANSLATIONS = {
    "{units}.{tenths}": "{units},{tenths}",
    "critical": "khẩn cấp",
    "{} people": "{} người",
    "elderly": "người cao tuổi",
    "in flood {} m": "ngập {} m",
    "waiting {} h": "chờ {} giờ",
}


@pytest.fixture()
def test_translator(qgis_app, tmp_path):
    if shutil.which("lrelease") is None:
        pytest.skip("lrelease is missing (Debian package qttools5-dev-tools)")
    messages = "".join(
        f"<message><source>{escape(source)}</source><translation>{escape(target)}</translation></message>"
        for source, target in _TEST_TRANSLATIONS.items()
    )
    ts_file = tmp_path / "test_vi.ts"
    ts_file.write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="vi">'
        f"<context><name>PriorityText</name>{messages}</context></TS>",
        encoding="utf-8",
    )
    qm_file = tmp_path / "test_vi.qm"
    subprocess.run(["lrelease", str(ts_file), "-qm", str(qm_file)], check=True, capture_output=True)
    translator = QTranslator()
    assert translator.load(str(qm_file))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_vietnamese_decimal_comma(test_translator):
    _, reason = case_priority(case(), NOW)
    assert reason == "nguy cấp, ngập 1,8 m, 6 người, người cao tuổi, chờ 14 giờ"


def test_vietnamese_in_threads(test_translator):
    with ThreadPoolExecutor(max_workers=4) as pool:
        reasons = {reason for _, reason in pool.map(lambda _: case_priority(case(), NOW), range(50))}
    assert reasons == {"nguy cấp, ngập 1,8 m, 6 người, người cao tuổi, chờ 14 giờ"}


@pytest.fixture()
def shipped_translator(qgis_app):
    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_shipped_vietnamese_reason(shipped_translator):
    _, reason = case_priority(case(has_children=True, people_count=None, household_count=2), NOW)
    assert reason == "nguy cấp, ngập 1,8 m, 2 hộ, trẻ em, người cao tuổi, chờ 14 giờ"
