"""A case's priority and its short translated reason, from case layer values."""

from __future__ import annotations

import random
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
from sos_qgis_plugin.priority_text import case_priorities, case_priority, format_tenths

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


# Batches: every result must equal case_priority's, on values of every kind a layer or a snapshot holds.

_VARIED_VALUES = {
    "status": ["needs_help", "in_progress", "supported", "unreachable", "duplicate", "done", None, NULL, 3],
    "urgency": ["low", "medium", "high", "critical", None, NULL, "urgent", 2],
    "people_count": [None, NULL, 0, 1, 2, 6, 49, 50, 400, "7", 2.5, -3, float("nan"), True, 2**60],
    "household_count": [None, NULL, 0, 1, 3, "2", 1.5, -1, float("inf")],
    "has_children": [True, False, None, NULL, "yes", "0", 1, 0],
    "has_elderly": [True, False, None, NULL, "true", 1],
    "has_disabilities": [True, False, None, NULL, "no", 0.0],
    "created_at": [
        CREATED_14_H_AGO,
        datetime(2025, 11, 20, 18, 55),
        datetime(2025, 11, 20, 11, 20, 30, 123456, tzinfo=timezone.utc),
        datetime(2025, 11, 16, 3, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2025, 11, 21, 0, 0, tzinfo=timezone.utc),
        None,
        NULL,
        "",
        "2025-11-19T22:00:00Z",
        QDateTime(2025, 11, 20, 5, 0),
        QDateTime(),
    ],
    "in_flood": [True, False, None, NULL, "yes", 1],
    "in_landslide_zone": [True, False, None, NULL, "false", 0],
    "flood_depth_m": [None, NULL, 0.0, 0.04, 0.05, 1.8, 1.84, 12.35, 2, -1.0, float("nan"), "deep", True],
}


# What a GeoPackage snapshot holds: plain Python values, read on the batch's own path.
_PLAIN_VALUES = {
    "status": ["needs_help", "in_progress"],
    "urgency": ["low", "medium", "high", "critical", None],
    "people_count": [None, 0, 1, 2, 6, 12, 49, 50, 400],
    "household_count": [None, 0, 1, 3],
    "has_children": [True, False, None],
    "has_elderly": [True, False, None],
    "has_disabilities": [True, False, None],
    "in_flood": [True, False, None],
    "in_landslide_zone": [True, False, None],
    "flood_depth_m": [None, 0.0, 0.04, 0.05, 0.95, 1.8, 1.84, 12.35],
}


def varied_cases(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    cases = [case(), case(people_count=None, household_count=2), {}]
    for _ in range(count):
        choices = _PLAIN_VALUES if rng.random() < 0.6 else _VARIED_VALUES
        values = {name: rng.choice(choices.get(name, _VARIED_VALUES[name])) for name in _VARIED_VALUES}
        if choices is _PLAIN_VALUES or rng.random() < 0.5:
            # From 30 minutes in the future (a clock error) to 80 hours ago, in aware or naive time.
            created_at = NOW - timedelta(minutes=rng.randint(-30, 80 * 60), seconds=rng.random())
            if rng.random() < 0.5:
                created_at = created_at.astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None)
            values["created_at"] = created_at
        if rng.random() < 0.1:
            del values[rng.choice(list(values))]
        cases.append(values)
    return cases


def test_batch_matches_single(qgis_app):
    cases = varied_cases(4000)
    assert case_priorities(cases, NOW) == [case_priority(values, NOW) for values in cases]


def test_batch_weights(qgis_app):
    weights = PriorityWeights(urgency=5, people=60, vulnerable=0, hazard=5, waiting=15, people_cap=8)
    cases = varied_cases(2000, seed=11)
    assert case_priorities(cases, NOW, weights) == [case_priority(values, NOW, weights) for values in cases]


def test_batch_equal_points(qgis_app):
    # Equal weights and factors of 1 give equal points: the order of the formula decides.
    weights = PriorityWeights(urgency=1, people=1, vulnerable=1, hazard=1, waiting=1, people_cap=1)
    values = case(
        has_children=True, has_elderly=True, has_disabilities=True, created_at=datetime(2025, 11, 1)
    )
    assert case_priorities([values], NOW, weights) == [case_priority(values, NOW, weights)]


def test_batch_empty(qgis_app):
    assert case_priorities([], NOW) == []


def test_batch_missing_urgency_factor(qgis_app):
    weights = PriorityWeights(urgency_factors={"low": 0.1, "medium": 0.4, "high": 0.7})
    with pytest.raises(KeyError):
        case_priorities([case()], NOW, weights)


# Vietnamese: a small translation compiled here shows the mechanism, and the shipped one the real wording.

_TEST_TRANSLATIONS = {
    "{units}.{tenths}": "{units},{tenths}",
    "critical": "nguy cấp",
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


def test_batch_vietnamese(test_translator):
    cases = varied_cases(2000, seed=3)
    assert case_priorities(cases, NOW) == [case_priority(values, NOW) for values in cases]


def test_batch_shipped_vietnamese(shipped_translator):
    cases = varied_cases(2000, seed=5)
    assert case_priorities(cases, NOW) == [case_priority(values, NOW) for values in cases]


@pytest.mark.parametrize(
    "weights",
    [
        PriorityWeights(urgency=float("nan")),
        PriorityWeights(waiting=float("inf")),
        PriorityWeights(urgency=1e308, people=1e308),
        PriorityWeights(urgency_factors={"low": 0.1, "medium": 0.4, "high": 1e308, "critical": float("nan")}),
    ],
)
def test_batch_extreme_weights(qgis_app, weights):
    cases = varied_cases(300, seed=13)
    expected = [case_priority(values, NOW, weights) for values in cases]
    # repr() shows every bit of a float, and a NaN score equals only itself there.
    assert repr(case_priorities(cases, NOW, weights)) == repr(expected)
