"""Validation rules of core.records, one test per rule."""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from sos_qgis_plugin.core.errors import RecordError
from sos_qgis_plugin.core.records import (
    QUALITY_FLAGS,
    VIETNAM_BBOX,
    CaseRecord,
    Rejection,
    parse_feature,
    parse_features,
)

NOW = datetime(2025, 11, 20, 0, 0, tzinfo=timezone.utc)


def feature(geometry=(109.3, 13.08), **properties) -> dict:
    """Build a valid Feature; `geometry` is a coordinate pair, a GeoJSON geometry dict, or None."""
    base = {
        "external_id": "t-1",
        "status": "needs_help",
        "people_count": 3,
        "description": "Nhà ngập tới mái",
        "created_at": "2025-11-19T08:15:00+07:00",
    }
    base.update(properties)
    if isinstance(geometry, tuple):
        geometry = {"type": "Point", "coordinates": list(geometry)}
    return {"type": "Feature", "geometry": geometry, "properties": base}


def parse(geometry=(109.3, 13.08), **properties) -> CaseRecord:
    return parse_feature(feature(geometry, **properties), now=NOW)


def reason_of(geometry=(109.3, 13.08), **properties) -> str:
    with pytest.raises(RecordError) as caught:
        parse(geometry, **properties)
    return caught.value.reason


# Identity


def test_id_from_feature():
    value = feature()
    value["id"] = "c000042"
    assert parse_feature(value).id == "c000042"


def test_id_from_properties():
    assert parse(id="c000043").id == "c000043"


def test_id_number_becomes_text():
    value = feature()
    value["id"] = 42
    assert parse_feature(value).id == "42"


def test_id_missing():
    assert parse().id is None


def test_external_id_blank_is_none():
    assert parse(external_id="   ").external_id is None


def test_external_id_nfc():
    assert parse(external_id=unicodedata.normalize("NFD", "hà-1")).external_id == "hà-1"


# Geometry


def test_point_kept():
    record = parse((109.3, 13.08))
    assert (record.lon, record.lat) == (109.3, 13.08)


def test_point_has_no_flags():
    assert parse((109.3, 13.08)).quality_flags == []


def test_null_geometry_no_location():
    record = parse(None)
    assert record.quality_flags == ["no_location"]


def test_null_geometry_note():
    assert parse(None).location_note == "no location given"


def test_null_geometry_no_point():
    record = parse(None)
    assert (record.lon, record.lat) == (None, None)


def test_missing_geometry_key():
    value = feature()
    del value["geometry"]
    assert parse_feature(value).quality_flags == ["no_location"]


def test_dot_decimal_strings_parse():
    record = parse(("109.3012", "13.0841"))
    assert (record.lon, record.lat) == (109.3012, 13.0841)


@pytest.mark.parametrize(
    "pair",
    [
        ("109,3012", "13,0841"),
        ("", None),
        (None, 13.0),
        ("nan", "13"),
        (math.nan, 13.0),
        (math.inf, 13.0),
        (True, 13.0),
    ],
)
def test_bad_coordinates_rejected(pair):
    with pytest.raises(RecordError):
        parse(pair)


def test_comma_decimal_reason_names_value():
    assert "109,3012" in reason_of(("109,3012", "13,0841"))


def test_latitude_beyond_90_rejected():
    assert "out of range" in reason_of((109.3, 95.0))


def test_longitude_beyond_180_rejected():
    assert "out of range" in reason_of((181.0, 13.0))


def test_swapped_pair_flagged():
    assert parse((13.0841, 109.3012)).quality_flags == ["coordinates_swapped"]


def test_swapped_pair_not_moved():
    record = parse((13.0841, 109.3012))
    assert (record.lon, record.lat) == (None, None)


def test_swapped_pair_note():
    assert parse((13.0841, 109.3012)).location_note == "coordinates look swapped: [13.0841, 109.3012]"


def test_null_island_missing():
    record = parse((0, 0))
    assert (record.lon, record.lat) == (None, None)


def test_null_island_flag():
    assert parse((0, 0)).quality_flags == ["no_location"]


def test_null_island_note():
    assert parse((0, 0)).location_note == "0,0 treated as missing"


def test_zero_longitude_alone_kept():
    assert parse((0.0, 13.0)).lon == 0.0


def test_outside_service_area_flagged():
    record = parse_feature(feature((151.21, -33.87)), service_area=VIETNAM_BBOX)
    assert record.quality_flags == ["outside_service_area"]


def test_outside_service_area_not_moved():
    record = parse_feature(feature((151.21, -33.87)), service_area=VIETNAM_BBOX)
    assert (record.lon, record.lat) == (151.21, -33.87)


def test_no_service_area_no_flag():
    assert parse((151.21, -33.87)).quality_flags == []


def test_single_multipoint_is_point():
    record = parse({"type": "MultiPoint", "coordinates": [[109.3, 13.08]]})
    assert (record.lon, record.lat) == (109.3, 13.08)
    assert record.quality_flags == []


def test_multipoint_centroid():
    record = parse({"type": "MultiPoint", "coordinates": [[109.0, 13.0], [109.2, 13.2]]})
    assert (record.lon, record.lat) == pytest.approx((109.1, 13.1))


def test_multipoint_centroid_flag():
    record = parse({"type": "MultiPoint", "coordinates": [[109.0, 13.0], [109.2, 13.2]]})
    assert record.quality_flags == ["location_from_centroid"]


def test_polygon_centroid():
    square = [[[109.0, 13.0], [109.2, 13.0], [109.2, 13.2], [109.0, 13.2], [109.0, 13.0]]]
    record = parse({"type": "Polygon", "coordinates": square})
    assert (record.lon, record.lat) == pytest.approx((109.1, 13.1))


def test_polygon_centroid_note():
    square = [[[109.0, 13.0], [109.2, 13.0], [109.2, 13.2], [109.0, 13.2], [109.0, 13.0]]]
    assert parse({"type": "Polygon", "coordinates": square}).location_note == "centroid of Polygon"


def test_polygon_hole_moves_centroid():
    outer = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
    hole = [[2.0, 0.0], [4.0, 0.0], [4.0, 4.0], [2.0, 4.0], [2.0, 0.0]]
    record = parse({"type": "Polygon", "coordinates": [outer, hole]})
    assert (record.lon, record.lat) == pytest.approx((1.0, 2.0))


def test_polygon_clockwise_ring():
    ring = [[109.0, 13.0], [109.0, 13.2], [109.2, 13.2], [109.2, 13.0], [109.0, 13.0]]
    record = parse({"type": "Polygon", "coordinates": [ring]})
    assert (record.lon, record.lat) == pytest.approx((109.1, 13.1))


def test_multipolygon_area_weighted():
    small = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]
    large = [[[2.0, 0.0], [5.0, 0.0], [5.0, 1.0], [2.0, 1.0], [2.0, 0.0]]]
    record = parse({"type": "MultiPolygon", "coordinates": [small, large]})
    assert record.lon == pytest.approx((0.5 * 1 + 3.5 * 3) / 4)


def test_linestring_centroid():
    record = parse({"type": "LineString", "coordinates": [[109.0, 13.0], [109.2, 13.0], [109.2, 13.2]]})
    assert (record.lon, record.lat) == pytest.approx((109.15, 13.05))


def test_collection_uses_polygons():
    square = [[[109.0, 13.0], [109.2, 13.0], [109.2, 13.2], [109.0, 13.2], [109.0, 13.0]]]
    collection = {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [100.0, 20.0]},
            {"type": "Polygon", "coordinates": square},
        ],
    }
    record = parse(collection)
    assert (record.lon, record.lat) == pytest.approx((109.1, 13.1))


def test_collection_note():
    collection = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [109.3, 13.08]}],
    }
    assert parse(collection).location_note == "centroid of GeometryCollection"


def test_centroid_vertex_out_of_range_rejected():
    ring = [[109.0, 13.0], [109.2, 13.0], [109.2, 95.0], [109.0, 13.0]]
    with pytest.raises(RecordError):
        parse({"type": "Polygon", "coordinates": [ring]})


def test_z_dropped():
    record = parse((109.3, 13.08, 12.5))
    assert (record.lon, record.lat) == (109.3, 13.08)


def test_z_absent_from_feature():
    assert parse((109.3, 13.08, 12.5)).to_feature()["geometry"]["coordinates"] == [109.3, 13.08]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": []},
        {"type": "MultiPoint", "coordinates": []},
        {"type": "Polygon", "coordinates": []},
        {"type": "GeometryCollection", "geometries": []},
    ],
)
def test_empty_geometry_no_location(geometry):
    assert parse(geometry).quality_flags == ["no_location"]


def test_empty_geometry_note():
    assert parse({"type": "Polygon", "coordinates": []}).location_note == "empty Polygon treated as missing"


def test_unknown_geometry_type_rejected():
    assert "Circle" in reason_of({"type": "Circle", "coordinates": [109.3, 13.08]})


def test_short_position_rejected():
    with pytest.raises(RecordError):
        parse({"type": "Point", "coordinates": [109.3]})


def test_geometry_not_object_rejected():
    with pytest.raises(RecordError):
        parse("POINT (109.3 13.08)")


# Counts


def test_people_count_int():
    assert parse(people_count=4).people_count == 4


def test_people_count_digit_string():
    assert parse(people_count="4").people_count == 4


def test_people_count_zero():
    assert parse(people_count=0).people_count == 0


def test_people_count_integral_float():
    assert parse(people_count=4.0).people_count == 4


def test_people_count_text_is_none():
    assert parse(people_count="khoảng 10").people_count is None


def test_people_count_text_raw_kept():
    assert parse(people_count="khoảng 10").people_count_raw == "khoảng 10"


def test_people_count_text_flag():
    assert parse(people_count="khoảng 10").quality_flags == ["people_count_not_a_number"]


def test_people_count_fraction_not_a_number():
    assert parse(people_count=2.5).quality_flags == ["people_count_not_a_number"]


def test_people_count_bool_not_a_number():
    assert parse(people_count=True).quality_flags == ["people_count_not_a_number"]


def test_people_count_negative_none():
    assert parse(people_count=-2).people_count is None


def test_people_count_negative_raw():
    assert parse(people_count=-2).people_count_raw == "-2"


def test_people_count_negative_flag():
    assert parse(people_count=-2).quality_flags == ["people_count_invalid"]


def test_people_count_negative_string_flag():
    assert parse(people_count="-2").quality_flags == ["people_count_invalid"]


def test_people_count_absurd_flag():
    assert parse(people_count=1000000000).quality_flags == ["people_count_invalid"]


def test_people_count_limit_kept():
    assert parse(people_count=10000).people_count == 10000


def test_people_count_null():
    record = parse(people_count=None)
    assert record.people_count is None
    assert record.people_count_raw is None
    assert record.quality_flags == []


def test_household_count_string():
    assert parse(household_count="2").household_count == 2


def test_household_count_invalid_flag():
    assert parse(household_count=-1).quality_flags == ["household_count_invalid"]


def test_household_count_text_flag():
    assert parse(household_count="hai").quality_flags == ["household_count_not_a_number"]


# Phone


@pytest.mark.parametrize(
    "phone", ["0912345678", "+84 912 345 678", "84912345678", "(091) 234-5678", "091.234.5678"]
)
def test_phone_mobile_normalised(phone):
    assert parse(phone=phone).phone == "+84912345678"


@pytest.mark.parametrize("phone", ["113", "114", "115", "112", "111"])
def test_phone_emergency_kept(phone):
    assert parse(phone=phone).phone == phone


def test_phone_landline_kept():
    assert parse(phone=" 0257 3841 234 ").phone == "0257 3841 234"


def test_phone_with_words_kept():
    assert parse(phone="0912345678 (anh Hà)").phone == "0912345678 (anh Hà)"


def test_phone_number_type_becomes_text():
    assert parse(phone=84912345678).phone == "+84912345678"


def test_phone_blank_is_none():
    assert parse(phone="  ").phone is None


# Text


def test_description_nfc():
    decomposed = unicodedata.normalize("NFD", "Đông Hòa")
    assert parse(description=decomposed).description == unicodedata.normalize("NFC", "Đông Hòa")


def test_description_date_stays_text():
    assert parse(description="2025-11-19").description == "2025-11-19"


def test_description_number_stays_text():
    assert parse(description="0912").description == "0912"


def test_html_kept_literally():
    markup = '<a href="http://example.invalid/">Bấm</a><script>alert(1)</script>'
    assert parse(description=markup).description == markup


def test_description_missing_is_empty():
    assert parse(description=None).description == ""


def test_address_blank_is_none():
    assert parse(address="").address is None


def test_text_list_rejected():
    with pytest.raises(RecordError):
        parse(address=["a", "b"])


# Status, urgency, needs, booleans


def test_status_missing_default():
    assert parse(status=None).status == "needs_help"


def test_status_unknown_rejected():
    assert "done" in reason_of(status="done")


def test_status_kept():
    assert parse(status="supported").status == "supported"


def test_urgency_kept():
    assert parse(urgency="critical").urgency == "critical"


def test_urgency_unknown_none():
    assert parse(urgency="rất gấp").urgency is None


def test_urgency_unknown_flag():
    assert parse(urgency="rất gấp").quality_flags == ["urgency_invalid"]


def test_needs_list():
    assert parse(needs=["food", "water"]).needs == ["food", "water"]


def test_needs_comma_string():
    assert parse(needs="food, water").needs == ["food", "water"]


def test_needs_unknown_dropped():
    assert parse(needs=["food", "boat"]).needs == ["food"]


def test_needs_unknown_flag():
    assert parse(needs=["food", "boat"]).quality_flags == ["needs_invalid"]


def test_needs_missing_empty():
    assert parse(needs=None).needs == []


def test_needs_duplicates_once():
    assert parse(needs=["food", "food"]).needs == ["food"]


@pytest.mark.parametrize("value", [True, "true", "TRUE", 1])
def test_bool_true(value):
    assert parse(has_elderly=value).has_elderly is True


@pytest.mark.parametrize("value", [False, "false", 0, None])
def test_bool_false(value):
    assert parse(has_elderly=value).has_elderly is False


def test_bool_unknown_rejected():
    assert "has_children" in reason_of(has_children="maybe")


# Times, version, duplicate_of


def test_created_at_parsed():
    assert parse().created_at == datetime(2025, 11, 19, 1, 15, tzinfo=timezone.utc)


def test_created_at_missing_uses_now():
    assert parse(created_at=None).created_at == NOW


def test_created_at_missing_flag():
    assert parse(created_at=None).quality_flags == ["created_at_missing"]


def test_created_at_missing_default_now():
    record = parse_feature(feature(created_at=None))
    assert abs(datetime.now(timezone.utc) - record.created_at) < timedelta(minutes=1)


def test_created_at_bad_rejected():
    assert "19/11/2025 10:15" in reason_of(created_at="19/11/2025 10:15")


def test_created_at_error_field():
    with pytest.raises(RecordError) as caught:
        parse(created_at="19/11/2025 10:15")
    assert caught.value.field == "created_at"


def test_updated_at_parsed():
    assert parse(updated_at="2025-11-19T03:15:00Z").updated_at == datetime(
        2025, 11, 19, 3, 15, tzinfo=timezone.utc
    )


def test_version_int():
    assert parse(version=3).version == 3


def test_version_bad_rejected():
    with pytest.raises(RecordError):
        parse(version="three")


def test_duplicate_of_text():
    assert parse(status="duplicate", duplicate_of="c000001").duplicate_of == "c000001"


# Feature shape


def test_not_object_rejected():
    with pytest.raises(RecordError):
        parse_feature(["Feature"])


def test_wrong_type_rejected():
    with pytest.raises(RecordError):
        parse_feature({"type": "FeatureCollection", "features": []})


def test_null_properties_default():
    record = parse_feature({"type": "Feature", "geometry": None, "properties": None}, now=NOW)
    assert record.status == "needs_help"
    assert record.description == ""


# Canonical Feature


def test_feature_top_level_id():
    assert parse(id="c000001").to_feature()["id"] == "c000001"


def test_feature_without_id_has_no_key():
    assert "id" not in parse().to_feature()


def test_feature_time_utc():
    assert parse().to_feature()["properties"]["created_at"] == "2025-11-19T01:15:00Z"


def test_feature_null_geometry():
    assert parse(None).to_feature()["geometry"] is None


def test_feature_is_json():
    text = json.dumps(parse(id="c1", updated_at="2025-11-19T03:15:00Z").to_feature(), ensure_ascii=False)
    assert json.loads(text)["properties"]["updated_at"] == "2025-11-19T03:15:00Z"


def test_feature_has_extension_fields():
    properties = parse().to_feature()["properties"]
    assert {"people_count_raw", "location_note", "quality_flags"} <= set(properties)


@pytest.mark.parametrize(
    "properties",
    [
        {"geometry": (13.0841, 109.3012)},
        {"geometry": None},
        {
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[109.0, 13.0], [109.2, 13.0], [109.2, 13.2], [109.0, 13.0]]],
            }
        },
        {"people_count": "khoảng 10"},
        {"people_count": -2},
        {"created_at": None},
        {"urgency": "rất gấp"},
        {"needs": ["boat"]},
        {"household_count": -1},
    ],
)
def test_round_trip_same_record(properties):
    record = parse(**properties)
    assert parse_feature(record.to_feature(), now=NOW + timedelta(days=1)) == record


def test_round_trip_service_area_recomputed():
    record = parse_feature(feature((151.21, -33.87)), service_area=VIETNAM_BBOX)
    again = parse_feature(record.to_feature(), service_area=(100.0, -40.0, 160.0, 30.0))
    assert again.quality_flags == []


def test_kept_unknown_flags_dropped():
    assert parse(quality_flags=["made_up", 5]).quality_flags == []


def test_flags_in_canonical_order():
    record = parse((151.21, -33.87), created_at=None, people_count="nhiều", urgency="x")
    assert record.quality_flags == [flag for flag in QUALITY_FLAGS if flag in record.quality_flags]


# parse_features


def test_features_rejection_index():
    result = parse_features([feature(), feature(status="done", external_id="bad")], now=NOW)
    assert result.rejected == [Rejection(1, "bad", "unknown status 'done'")]


def test_features_keep_others():
    result = parse_features([feature(status="done"), feature(external_id="ok")], now=NOW)
    assert [record.external_id for record in result.records] == ["ok"]


def test_features_non_dict_rejected():
    result = parse_features([None, "x", feature()], now=NOW)
    assert [rejection.index for rejection in result.rejected] == [0, 1]


def test_features_later_duplicate_wins():
    result = parse_features([feature(people_count=2), feature(people_count=5)], now=NOW)
    assert [record.people_count for record in result.records] == [5]


def test_features_duplicate_reported():
    result = parse_features([feature(), feature(), feature()], now=NOW)
    assert result.duplicates == ["t-1"]


def test_features_no_external_id_not_merged():
    result = parse_features([feature(external_id=""), feature(external_id=None)], now=NOW)
    assert len(result.records) == 2


def test_features_dedupe_off():
    result = parse_features([feature(), feature()], now=NOW, dedupe_external_ids=False)
    assert len(result.records) == 2


def test_features_later_keeps_position():
    items = [feature(external_id="a"), feature(external_id="b"), feature(external_id="a", people_count=9)]
    result = parse_features(items, now=NOW)
    assert [record.external_id for record in result.records] == ["b", "a"]


def test_features_shared_now():
    result = parse_features(
        [feature(created_at=None, external_id="x"), feature(created_at=None, external_id="y")]
    )
    assert result.records[0].created_at == result.records[1].created_at


def test_features_empty_list():
    result = parse_features([], now=NOW)
    assert result.records == []
    assert result.rejected == []
    assert result.duplicates == []


# Reasons for translation


@pytest.mark.parametrize(
    "properties",
    [
        {"geometry": ("109,3", "13,1")},
        {"geometry": (109.3, 95.0)},
        {"status": "done"},
        {"created_at": "19/11/2025 10:15"},
        {"has_children": "maybe"},
    ],
)
def test_reason_rebuilt_from_template(properties):
    with pytest.raises(RecordError) as caught:
        parse(**properties)
    assert caught.value.template.format(**caught.value.values) == caught.value.reason


def test_created_at_out_of_utc_range_reason():
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [109.3, 13.08]},
        "properties": {"external_id": "far-past", "created_at": "0001-01-01T00:00:00+01:00"},
    }

    with pytest.raises(RecordError) as caught:
        parse_feature(feature)

    assert caught.value.field == "created_at"
    assert "outside the years 1 to 9999" in caught.value.reason
    assert caught.value.reason.startswith("created_at: ")


def test_hazard_polygon_not_a_case():
    ring = [[109.2, 13.0], [109.4, 13.2], [109.4, 13.0], [109.2, 13.0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {"name": "bowtie"}, "geometry": geometry}

    with pytest.raises(RecordError) as caught:
        parse_feature(feature)

    assert caught.value.field == "properties"
    assert "not an SOS case" in caught.value.reason


def test_bare_point_still_a_case():
    point = {"type": "Point", "coordinates": [109.3, 13.08]}
    feature = {"type": "Feature", "properties": {}, "geometry": point}

    record = parse_feature(feature)

    assert record.lon == 109.3
    assert record.status == "needs_help"
