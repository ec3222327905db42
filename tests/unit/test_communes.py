"""Locating cases in communes and the per-commune summary, without QGIS."""

from __future__ import annotations

import csv
import math
import time

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from sos_qgis_plugin.core.communes import (
    EXTENTS_DISJOINT,
    EXTENTS_OVERLAP,
    EXTENTS_SWAPPED,
    NO_LOCATION_LABEL,
    OUTSIDE_LABEL,
    ROW_COMMUNE,
    ROW_NO_LOCATION,
    ROW_OUTSIDE,
    SUMMARY_COLUMNS,
    CaseFacts,
    Commune,
    CommuneIndex,
    compare_extents,
    repair_commune_geometry,
    summarise_by_commune,
    write_summary_csv,
)
from sos_qgis_plugin.core.statuses import STATUSES
from sos_qgis_plugin.core.text import vietnamese_sort_key

# Two unit squares side by side: west [0, 1] x [0, 1] and east [1, 2] x [0, 1], sharing the line x = 1.
WEST = Commune("002", "Hòa Xuân", box(0, 0, 1, 1))
EAST = Commune("001", "Bình Kiến", box(1, 0, 2, 1))


def test_locate_inside():
    index = CommuneIndex([WEST, EAST])

    assert index.locate([0.5, 1.5], [0.5, 0.5]) == [0, 1]


def test_locate_outside_is_none():
    index = CommuneIndex([WEST, EAST])

    assert index.locate([5.0], [5.0]) == [None]


def test_locate_missing_coordinates():
    index = CommuneIndex([WEST, EAST])

    assert index.locate([math.nan, None, math.inf], [0.5, 0.5, 0.5]) == [None, None, None]


def test_locate_shared_border_lowest_code():
    # The point lies on the border of both squares; EAST has the lower code in either input order.
    assert CommuneIndex([WEST, EAST]).locate([1.0], [0.5]) == [1]
    assert CommuneIndex([EAST, WEST]).locate([1.0], [0.5]) == [0]


def test_locate_outer_boundary_inside():
    index = CommuneIndex([WEST, EAST])

    assert index.locate([0.0], [0.0]) == [0]


def test_locate_length_mismatch():
    index = CommuneIndex([WEST])

    with pytest.raises(ValueError):
        index.locate([0.5, 0.6], [0.5])


def test_locate_no_communes():
    assert CommuneIndex([]).locate([0.5], [0.5]) == [None]


def test_locate_repairs_bowtie():
    # A self-intersecting ring: buffer(0) would keep one lobe, make_valid keeps both.
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    index = CommuneIndex([Commune("1", "Bowtie", bowtie)])

    assert index.locate([0.2, 1.8], [1.0, 1.0]) == [0, 0]
    assert index.repaired == [0]
    assert index.communes[0].geometry.is_valid


def test_commune_without_area_kept():
    index = CommuneIndex([Commune("1", "Line", shapely.LineString([(0, 0), (1, 1)])), WEST])

    assert len(index.communes) == 2
    assert index.communes[0].geometry is None
    assert index.locate([0.5], [0.5]) == [1]


def test_repair_keeps_valid_polygon():
    polygon = box(0, 0, 1, 1)

    assert repair_commune_geometry(polygon) is polygon


def test_repair_empty_is_none():
    assert repair_commune_geometry(Polygon()) is None


def test_locate_100k_points_fast():
    # 400 small communes in a 20 x 20 grid, and 100,000 points over a slightly larger area.
    communes = [
        Commune(f"{row:02d}{col:02d}", f"Xã {row}-{col}", box(col, row, col + 1, row + 1).segmentize(0.01))
        for row in range(20)
        for col in range(20)
    ]
    index = CommuneIndex(communes)
    rng = np.random.default_rng(7)
    lons = rng.uniform(-1, 21, 100_000)
    lats = rng.uniform(-1, 21, 100_000)

    started = time.perf_counter()
    found = index.locate(lons.tolist(), lats.tolist())
    elapsed = time.perf_counter() - started

    expected_inside = int(np.sum((lons >= 0) & (lons <= 20) & (lats >= 0) & (lats <= 20)))
    assert sum(1 for value in found if value is not None) == expected_inside
    assert elapsed < 3.0
    for position in range(0, 100_000, 997):
        value = found[position]
        if value is None:
            continue
        row, col = int(communes[value].code[:2]), int(communes[value].code[2:])
        assert col <= lons[position] <= col + 1, position
        assert row <= lats[position] <= row + 1, position


def test_sort_key_vietnamese_alphabet():
    names = ["Krông", "Ea", "Đắk", "Cư", "Buôn Đôn", "Bình", "Ân", "Hòa", "An", "Dray"]

    ordered = sorted(names, key=vietnamese_sort_key)

    assert ordered == ["An", "Ân", "Bình", "Buôn Đôn", "Cư", "Dray", "Đắk", "Ea", "Hòa", "Krông"]


def test_sort_key_tone_secondary():
    # Tones decide only between words with the same letters: "Hòa" before "Hoàng", "Ba" before "Bà".
    ordered = sorted(["Hoàng", "Hòa", "Bà", "Ba", "Hóa"], key=vietnamese_sort_key)

    assert ordered == ["Ba", "Bà", "Hòa", "Hóa", "Hoàng"]


def _grid_communes() -> list[Commune]:
    names = ["Krông", "Ea", "Đắk", "Cư", "Buôn Đôn", "Bình", "Ân", "Hòa"]
    return [Commune(f"C{i}", name, box(i, 0, i + 1, 1)) for i, name in enumerate(names)]


def test_summary_vietnamese_order():
    summaries = summarise_by_commune([], CommuneIndex(_grid_communes()))

    names = [row.name for row in summaries]
    assert names == [
        "Ân",
        "Bình",
        "Buôn Đôn",
        "Cư",
        "Đắk",
        "Ea",
        "Hòa",
        "Krông",
        OUTSIDE_LABEL,
        NO_LOCATION_LABEL,
    ]


def test_summary_extra_rows_last():
    summaries = summarise_by_commune([], CommuneIndex([WEST]))

    assert [row.kind for row in summaries] == [ROW_COMMUNE, ROW_OUTSIDE, ROW_NO_LOCATION]
    assert summaries[1].code is None
    assert summaries[2].code is None


def test_summary_every_status_present():
    summaries = summarise_by_commune([], CommuneIndex([WEST]))

    assert list(summaries[0].cases_by_status) == list(STATUSES)
    assert set(summaries[0].cases_by_status.values()) == {0}


def test_summary_counts_by_status():
    cases = [
        CaseFacts("needs_help", 3, 1, lon=0.5, lat=0.5),
        CaseFacts("needs_help", 2, 1, lon=0.4, lat=0.5),
        CaseFacts("supported", 5, 1, lon=0.5, lat=0.4),
        CaseFacts("in_progress", 1, 1, lon=1.5, lat=0.5),
    ]

    west, east = _by_code(summarise_by_commune(cases, CommuneIndex([WEST, EAST])))

    assert west.cases_by_status["needs_help"] == 2
    assert west.cases_by_status["supported"] == 1
    assert west.cases_total == 3
    assert west.waiting_cases == 2
    assert east.cases_by_status["in_progress"] == 1
    assert east.waiting_cases == 1


def test_summary_people_only_open():
    cases = [
        CaseFacts("needs_help", 3, 1, lon=0.5, lat=0.5),
        CaseFacts("in_progress", 4, 2, lon=0.5, lat=0.5),
        CaseFacts("supported", 50, 9, lon=0.5, lat=0.5),
        CaseFacts("duplicate", 50, 9, lon=0.5, lat=0.5),
    ]

    west = _by_code(summarise_by_commune(cases, CommuneIndex([WEST, EAST])))[0]

    assert west.people_waiting == 7
    assert west.households_waiting == 3


def test_summary_unknown_people_not_zero():
    cases = [
        CaseFacts("needs_help", None, 1, lon=0.5, lat=0.5),
        CaseFacts("needs_help", 4, None, lon=0.5, lat=0.5),
        CaseFacts("needs_help", -2, 1, lon=0.5, lat=0.5),
    ]

    west = _by_code(summarise_by_commune(cases, CommuneIndex([WEST, EAST])))[0]

    assert west.people_waiting == 4
    assert west.people_unknown_cases == 2
    assert west.households_waiting == 2
    assert west.households_unknown_cases == 1


def test_summary_hazards_waiting():
    cases = [
        CaseFacts("needs_help", 3, 1, in_flood=True, in_landslide_zone=False, lon=0.5, lat=0.5),
        CaseFacts("needs_help", None, 1, in_flood=True, in_landslide_zone=True, lon=0.5, lat=0.5),
        CaseFacts("in_progress", 2, 1, in_flood=False, in_landslide_zone=True, lon=0.5, lat=0.5),
        CaseFacts("needs_help", 6, 1, in_flood=None, in_landslide_zone=None, lon=0.5, lat=0.5),
        CaseFacts("supported", 9, 1, in_flood=True, in_landslide_zone=True, lon=0.5, lat=0.5),
    ]

    west = _by_code(summarise_by_commune(cases, CommuneIndex([WEST, EAST])))[0]

    assert west.flood_cases == 2
    assert west.flood_people == 3
    assert west.flood_unknown_cases == 1
    assert west.landslide_cases == 2
    assert west.landslide_people == 2
    assert west.landslide_unknown_cases == 1


def test_summary_outside_and_no_location():
    cases = [
        CaseFacts("needs_help", 3, 1, lon=9.0, lat=9.0),
        CaseFacts("needs_help", 2, 1),
        CaseFacts("supported", 2, 1, lon=math.nan, lat=0.5),
    ]

    summaries = summarise_by_commune(cases, CommuneIndex([WEST, EAST]))

    outside, no_location = summaries[-2], summaries[-1]
    assert outside.cases_total == 1
    assert outside.people_waiting == 3
    assert no_location.cases_total == 2
    assert no_location.people_waiting == 2


def test_summary_with_assignments():
    cases = [CaseFacts("needs_help", 1, 1, lon=0.5, lat=0.5), CaseFacts("needs_help", 1, 1, lon=7.0, lat=7.0)]

    summaries = summarise_by_commune(cases, [WEST, EAST], assignments=[1, None])

    east = _by_code(summaries)[1]
    assert east.cases_total == 1
    assert summaries[-2].cases_total == 1


def test_summary_assignments_length():
    with pytest.raises(ValueError):
        summarise_by_commune([CaseFacts("needs_help")], [WEST], assignments=[])


def test_summary_list_needs_assignments():
    with pytest.raises(ValueError):
        summarise_by_commune([CaseFacts("needs_help")], [WEST])


def test_summary_totals_preserved():
    rng = np.random.default_rng(3)
    cases = [
        CaseFacts(
            STATUSES[int(rng.integers(0, len(STATUSES)))],
            int(rng.integers(0, 9)),
            1,
            lon=float(rng.uniform(-0.5, 2.5)),
            lat=float(rng.uniform(-0.5, 1.5)),
        )
        for _ in range(500)
    ]

    summaries = summarise_by_commune(cases, CommuneIndex([WEST, EAST]))

    assert sum(row.cases_total for row in summaries) == 500


def test_csv_bom_and_header(tmp_path):
    path = tmp_path / "communes.csv"
    cases = [CaseFacts("needs_help", 3, 1, in_flood=True, lon=0.5, lat=0.5)]

    write_summary_csv(summarise_by_commune(cases, CommuneIndex([WEST, EAST])), path)

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == [name for name, _ in SUMMARY_COLUMNS]
    assert [row["name"] for row in rows] == ["Bình Kiến", "Hòa Xuân", OUTSIDE_LABEL, NO_LOCATION_LABEL]
    assert rows[1]["people_waiting"] == "3"
    assert rows[1]["flood_cases"] == "1"
    assert rows[2]["code"] == ""


def _by_code(summaries):
    """Return the WEST and EAST rows of a summary, in that order."""
    rows = {row.code: row for row in summaries}
    return rows[WEST.code], rows[EAST.code]


# Extents: communes of Đắk Lắk lie near lon 108-109.5, lat 12-13.5.
DAK_LAK = Commune("24400", "Đông Hòa", box(108.0, 12.0, 109.5, 13.5))
DAK_LAK_SWAPPED = Commune("24400", "Đông Hòa", box(12.0, 108.0, 13.5, 109.5))


def test_extents_overlap():
    assert compare_extents([DAK_LAK], [108.5, 109.2], [12.5, 13.0]) == EXTENTS_OVERLAP


def test_extents_swapped_axes():
    assert compare_extents([DAK_LAK_SWAPPED], [108.5, 109.2], [12.5, 13.0]) == EXTENTS_SWAPPED


def test_extents_disjoint():
    hanoi = Commune("00001", "Phúc Xá", box(105.8, 21.0, 105.9, 21.1))
    assert compare_extents([hanoi], [108.5, 109.2], [12.5, 13.0]) == EXTENTS_DISJOINT


def test_extents_ignore_missing_locations():
    lons = [108.5, math.nan, None]
    lats = [12.5, 13.0, 12.0]
    assert compare_extents([DAK_LAK_SWAPPED], lons, lats) == EXTENTS_SWAPPED


def test_extents_nothing_to_compare():
    no_geometry = Commune("1", "Trống", None)
    assert compare_extents([no_geometry], [108.5], [12.5]) == EXTENTS_OVERLAP
    assert compare_extents([DAK_LAK], [], []) == EXTENTS_OVERLAP
