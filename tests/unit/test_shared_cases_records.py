"""Each bad-input case file that carries records, read through core.records."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sos_qgis_plugin.core.records import VIETNAM_BBOX, ParseResult, parse_feature, parse_features
from sos_qgis_plugin.core.text import fold_for_search
from sos_qgis_plugin.core.timeutil import format_time, to_vietnam_time

CASES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "cases"
NOW = datetime(2025, 11, 20, 0, 0, tzinfo=timezone.utc)


def load(name: str) -> ParseResult:
    path = CASES_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared case files sit in ../shared beside the repository")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return parse_features(features, service_area=VIETNAM_BBOX, now=NOW)


def by_external_id(result: ParseResult) -> dict:
    return {record.external_id: record for record in result.records}


def test_null_geometry_all_kept():
    assert sorted(by_external_id(load("null_geometry.geojson"))) == ["ng-1", "ng-2", "ng-3"]


def test_null_geometry_point_drawn():
    record = by_external_id(load("null_geometry.geojson"))["ng-1"]
    assert (record.lon, record.lat) == (109.3, 13.08)


@pytest.mark.parametrize("external_id", ["ng-2", "ng-3"])
def test_null_geometry_no_location(external_id):
    record = by_external_id(load("null_geometry.geojson"))[external_id]
    assert record.quality_flags == ["no_location"]


def test_null_geometry_feature_null():
    record = by_external_id(load("null_geometry.geojson"))["ng-3"]
    assert record.to_feature()["geometry"] is None


def test_string_coordinates_dot_decimal():
    record = by_external_id(load("string_coordinates.geojson"))["sc-1"]
    assert (record.lon, record.lat) == (109.3012, 13.0841)


def test_string_coordinates_rejected_ids():
    result = load("string_coordinates.geojson")
    assert [rejection.external_id for rejection in result.rejected] == ["sc-2", "sc-3"]


def test_string_coordinates_comma_reason():
    result = load("string_coordinates.geojson")
    assert "'109,3012'" in result.rejected[0].reason


def test_string_coordinates_blank_reason():
    result = load("string_coordinates.geojson")
    assert "''" in result.rejected[1].reason


def test_suspicious_swapped():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-1"]
    assert record.quality_flags == ["coordinates_swapped"]


def test_suspicious_swapped_not_moved():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-1"]
    assert record.lon is None


def test_suspicious_null_island():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-2"]
    assert record.location_note == "0,0 treated as missing"


def test_suspicious_australia_flagged():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-3"]
    assert record.quality_flags == ["outside_service_area"]


def test_suspicious_australia_kept_in_place():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-3"]
    assert (record.lon, record.lat) == (151.21, -33.87)


def test_suspicious_latitude_95_rejected():
    result = load("suspicious_coordinates.geojson")
    assert [rejection.external_id for rejection in result.rejected] == ["xy-4"]


def test_suspicious_good_point_clean():
    record = by_external_id(load("suspicious_coordinates.geojson"))["xy-5"]
    assert record.quality_flags == []


def test_empty_collection_no_records():
    assert load("empty_collection.geojson").records == []


def test_empty_collection_no_rejections():
    assert load("empty_collection.geojson").rejected == []


def test_loose_types_counts():
    records = by_external_id(load("loose_types.geojson"))
    counts = [records[f"lt-{number}"].people_count for number in range(1, 6)]
    assert counts == [4, None, None, None, None]


def test_loose_types_raw_text():
    records = by_external_id(load("loose_types.geojson"))
    assert records["lt-2"].people_count_raw == "khoảng 10"


def test_loose_types_flags():
    records = by_external_id(load("loose_types.geojson"))
    flags = [records[f"lt-{number}"].quality_flags for number in range(1, 6)]
    assert flags == [
        [],
        ["people_count_not_a_number"],
        [],
        ["people_count_invalid"],
        ["people_count_invalid"],
    ]


def test_loose_types_phones():
    records = by_external_id(load("loose_types.geojson"))
    phones = [records[f"lt-{number}"].phone for number in range(1, 6)]
    assert phones == ["+84912345678", "+84912345678", "+84912345678", "112", None]


def test_loose_types_date_like_text():
    assert by_external_id(load("loose_types.geojson"))["lt-3"].description == "2025-11-19"


def test_duplicate_ids_later_wins():
    records = by_external_id(load("duplicate_ids.geojson"))
    assert records["dup-1"].people_count == 5


def test_duplicate_ids_reported():
    assert load("duplicate_ids.geojson").duplicates == ["dup-1"]


def test_duplicate_ids_empty_kept_apart():
    records = by_external_id(load("duplicate_ids.geojson"))
    assert records[None].people_count == 1


def test_duplicate_ids_record_count():
    assert len(load("duplicate_ids.geojson").records) == 2


def test_time_zones_same_instant():
    records = by_external_id(load("time_zones.geojson"))
    assert records["tz-1"].created_at == records["tz-2"].created_at


def test_time_zones_vietnam_hour():
    records = by_external_id(load("time_zones.geojson"))
    assert to_vietnam_time(records["tz-1"].created_at).strftime("%H:%M") == "10:15"


def test_time_zones_naive_is_vietnam():
    records = by_external_id(load("time_zones.geojson"))
    assert records["tz-3"].created_at == records["tz-2"].created_at


def test_time_zones_unparseable_rejected():
    result = load("time_zones.geojson")
    assert [rejection.external_id for rejection in result.rejected] == ["tz-4"]


def test_time_zones_reason_names_value():
    assert "19/11/2025 10:15" in load("time_zones.geojson").rejected[0].reason


def test_time_zones_written_with_offset():
    record = by_external_id(load("time_zones.geojson"))["tz-3"]
    assert record.to_feature()["properties"]["created_at"] == format_time(record.created_at)


def test_time_zones_written_utc():
    record = by_external_id(load("time_zones.geojson"))["tz-3"]
    assert record.to_feature()["properties"]["created_at"] == "2025-11-19T03:15:00Z"


def test_nfd_stored_nfc():
    for record in load("vietnamese_nfd.geojson").records:
        assert unicodedata.is_normalized("NFC", record.description), record.external_id


@pytest.mark.parametrize("query", ["dong hoa", "Đông Hòa", unicodedata.normalize("NFD", "Đông Hòa")])
def test_nfd_search_finds(query):
    records = load("vietnamese_nfd.geojson").records
    found = [
        record.external_id for record in records if fold_for_search(query) in fold_for_search(record.address)
    ]
    assert found == ["vi-1"]


def test_nfd_zero_width_removed():
    record = by_external_id(load("vietnamese_nfd.geojson"))["vi-3"]
    assert "\u200b" not in record.description


def test_nfd_emoji_kept():
    record = by_external_id(load("vietnamese_nfd.geojson"))["vi-3"]
    assert "👵" in record.description


def test_html_description_literal():
    record = by_external_id(load("html_injection.geojson"))["html-1"]
    assert (
        record.description
        == '<a href="http://example.invalid/">Bấm vào đây</a><img src="http://example.invalid/t.png">'
    )


def test_html_reporter_literal():
    record = by_external_id(load("html_injection.geojson"))["html-2"]
    assert record.reporter_name == "<b>Hà</b><script>alert(1)</script>"


def test_html_sql_text_literal():
    record = by_external_id(load("html_injection.geojson"))["html-3"]
    assert record.description == '[% "status" %] \' OR 1=1 -- ; DROP TABLE cases'


def test_geometry_types_all_kept():
    assert sorted(by_external_id(load("geometry_types.geojson"))) == ["gt-1", "gt-2", "gt-3", "gt-4"]


def test_geometry_types_multipoint_plain():
    record = by_external_id(load("geometry_types.geojson"))["gt-1"]
    assert record.quality_flags == []


def test_geometry_types_polygon_centroid():
    record = by_external_id(load("geometry_types.geojson"))["gt-2"]
    assert (record.lon, record.lat) == pytest.approx((109.3 + 0.02 / 3, 13.08 + 0.01 / 3))


def test_geometry_types_polygon_note():
    record = by_external_id(load("geometry_types.geojson"))["gt-2"]
    assert record.location_note == "centroid of Polygon"


def test_geometry_types_collection_flag():
    record = by_external_id(load("geometry_types.geojson"))["gt-3"]
    assert record.quality_flags == ["location_from_centroid"]


def test_geometry_types_z_dropped():
    record = by_external_id(load("geometry_types.geojson"))["gt-4"]
    assert record.to_feature()["geometry"]["coordinates"] == [109.3, 13.08]


def test_bowtie_pins_kept():
    records = by_external_id(load("bowtie_pins.geojson"))
    assert [(records[key].lon, records[key].lat) for key in ("bt-left", "bt-right")] == [
        (109.22, 13.1),
        (109.38, 13.1),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "null_geometry.geojson",
        "string_coordinates.geojson",
        "suspicious_coordinates.geojson",
        "loose_types.geojson",
        "duplicate_ids.geojson",
        "time_zones.geojson",
        "vietnamese_nfd.geojson",
        "html_injection.geojson",
        "geometry_types.geojson",
        "bowtie_pins.geojson",
    ],
)
def test_case_file_round_trip(name):
    for record in load(name).records:
        again = parse_feature(record.to_feature(), service_area=VIETNAM_BBOX, now=NOW)
        assert again == record, record.external_id


@pytest.mark.realdata
def test_daklak_requests_all_valid():
    path = CASES_DIR / ".." / "data" / "sos" / "daklak_nov2025_requests.geojson"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared data sits in ../shared beside the repository")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    result = parse_features(features, service_area=VIETNAM_BBOX, now=NOW)
    assert len(result.records) == 591
    assert result.rejected == []
    assert [record.external_id for record in result.records if record.quality_flags] == []
