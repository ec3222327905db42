"""The dock's row filter, search text, priority order and waiting counts, without QGIS."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from sos_qgis_plugin.core.case_filter import (
    HAZARD_FLOOD,
    HAZARD_LANDSLIDE,
    HAZARD_NONE,
    NO_COMMUNE_KEY,
    CaseFilter,
    CaseRow,
    build_search_text,
    commune_key,
    count_waiting,
    fold_query,
    is_plausible_creation,
    priority_order_key,
    split_waiting,
)

CREATED = datetime(2025, 11, 19, 3, 0, tzinfo=timezone.utc)


def _row(case_id: str = "c0000001", **values) -> CaseRow:
    return CaseRow(fid=int(case_id[1:]), case_id=case_id, **values)


def _searchable(*texts: str) -> CaseRow:
    return _row(search_text=build_search_text(texts))


def _matches(row: CaseRow, query: str) -> bool:
    return CaseFilter(words=fold_query(query)).accepts(row)


# Search


def test_search_folds_accents():
    assert _matches(_searchable("Thôn 3, xã Đông Hòa"), "dong hoa")


def test_search_nfd_row_nfc_query():
    row = _searchable(unicodedata.normalize("NFD", "Đông Hòa"))
    assert _matches(row, unicodedata.normalize("NFC", "Đông Hòa"))


def test_search_nfc_row_nfd_query():
    row = _searchable(unicodedata.normalize("NFC", "Đông Hòa"))
    assert _matches(row, unicodedata.normalize("NFD", "Đông Hòa"))


def test_search_d_with_stroke():
    assert _matches(_searchable("Trần Văn Đức"), "duc")
    assert _matches(_searchable("đường"), "DUONG")


def test_search_all_words_required():
    row = _searchable("Krông Pắc")
    assert _matches(row, "pac krong")
    assert not _matches(row, "krong ana")


def test_search_word_not_across_fields():
    row = _searchable("Krông", "Ana")
    assert not _matches(row, "krongana")


def test_search_empty_matches_all():
    assert fold_query("   ") == []
    assert _matches(_row(), "")


def test_search_text_skips_empty():
    assert build_search_text([None, "", "Ea Kar"]) == "ea kar"


# Other filters


def test_status_filter():
    case_filter = CaseFilter(statuses=frozenset({"needs_help"}))
    assert case_filter.accepts(_row(status="needs_help"))
    assert not case_filter.accepts(_row(status="supported"))


def test_empty_status_set_hides_all():
    assert not CaseFilter(statuses=frozenset()).accepts(_row(status="needs_help"))


@pytest.mark.parametrize(
    ("hazard", "in_flood", "in_landslide", "expected"),
    [
        (HAZARD_FLOOD, True, None, True),
        (HAZARD_FLOOD, False, True, False),
        (HAZARD_FLOOD, None, None, False),
        (HAZARD_LANDSLIDE, None, True, True),
        (HAZARD_LANDSLIDE, True, False, False),
        (HAZARD_NONE, False, False, True),
        (HAZARD_NONE, None, None, True),
        (HAZARD_NONE, True, False, False),
        (HAZARD_NONE, False, True, False),
    ],
)
def test_hazard_filter(hazard, in_flood, in_landslide, expected):
    row = _row(in_flood=in_flood, in_landslide=in_landslide)
    assert CaseFilter(hazard=hazard).accepts(row) is expected


def test_unknown_hazard_rejected():
    with pytest.raises(ValueError):
        CaseFilter(hazard="fire")


def test_commune_key_same_code():
    east = commune_key(_row(commune_code="24400", commune_name="Đông"))
    west = commune_key(_row(commune_code="24400", commune_name="Tây"))
    assert east != west


def test_commune_key_name_only():
    assert commune_key(_row(commune_name="Đông Hòa")) != NO_COMMUNE_KEY


def test_commune_key_admin_position():
    first = commune_key(_row(commune_position=0))
    second = commune_key(_row(commune_position=1))
    assert first != second


def test_commune_key_unnamed_admin():
    # A commune of the admin layer with neither code nor name is still not "outside every commune".
    assert commune_key(_row(commune_position=3)) != NO_COMMUNE_KEY


def test_commune_key_admin_vs_fields():
    # A case field commune whose code looks like a position key stays apart from it.
    by_position = commune_key(_row(commune_position=3))
    by_fields = commune_key(_row(commune_code="#3"))
    assert by_position != by_fields


def test_commune_filter_same_code():
    case_filter = CaseFilter(
        communes=frozenset({commune_key(_row(commune_code="24400", commune_name="Tây"))})
    )
    assert case_filter.accepts(_row(commune_code="24400", commune_name="Tây"))
    assert not case_filter.accepts(_row(commune_code="24400", commune_name="Đông"))


def test_commune_filter_outside():
    case_filter = CaseFilter(communes=frozenset({NO_COMMUNE_KEY}))
    assert case_filter.accepts(_row())
    assert not case_filter.accepts(_row(commune_code="24400"))
    assert not case_filter.accepts(_row(commune_position=0))


def test_empty_filter():
    assert CaseFilter().is_empty()
    assert not CaseFilter(words=("a",)).is_empty()


# Order


def test_priority_order():
    rows = [
        _row("c0000001", priority=40.0, created_at=CREATED),
        _row("c0000002", priority=None, created_at=CREATED),
        _row("c0000003", priority=90.0, created_at=CREATED),
        _row("c0000004", priority=40.0, created_at=CREATED - timedelta(hours=2)),
    ]
    ordered = [row.case_id for row in sorted(rows, key=priority_order_key)]
    assert ordered == ["c0000003", "c0000004", "c0000001", "c0000002"]


# Counts


def test_count_waiting_by_status():
    counts = count_waiting([_row(status="needs_help"), _row(status="needs_help"), _row(status="supported")])
    assert counts.by_status == {"needs_help": 2, "supported": 1}


def test_count_waiting_unknown_apart():
    rows = [
        _row(status="needs_help", people=5, households=2),
        _row(status="in_progress", people=None, households=None),
        _row(status="supported", people=9, households=3),
    ]
    counts = count_waiting(rows)
    assert counts.open_cases == 2
    assert counts.people == 5
    assert counts.people_unknown == 1
    assert counts.households == 2
    assert counts.households_unknown == 1


def test_count_zero_people_known():
    counts = count_waiting([_row(status="needs_help", people=0, households=0)])
    assert counts.people_unknown == 0


# Waiting time


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, (0, 0, 0)),
        (59, (0, 0, 0)),
        (14 * 3600 + 5 * 60 + 30, (0, 14, 5)),
        (3 * 86400 + 3600, (3, 1, 0)),
        (-120, (0, 0, 0)),
    ],
)
def test_split_waiting(seconds, expected):
    assert split_waiting(seconds) == expected


NOW = datetime(2025, 11, 20, 3, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        (CREATED, True),
        (NOW + timedelta(minutes=5), True),
        (datetime(2000, 1, 1, tzinfo=timezone.utc), True),
        (datetime(1970, 1, 1, tzinfo=timezone.utc), False),
        (datetime(1999, 12, 31, 23, 59, tzinfo=timezone.utc), False),
        (NOW + timedelta(hours=7), False),
        (datetime(9999, 12, 30, tzinfo=timezone.utc), False),
    ],
)
def test_plausible_creation(created_at, expected):
    assert is_plausible_creation(created_at, NOW) is expected
