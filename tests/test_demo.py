"""The demo end to end: outputs, the server's final state, and hazard and commune counts checked apart.

Each test runs scripts/demo.py as `make demo` does, in a subprocess with its own QGIS. The hazard counts
are checked against OGR's own geometry engine in the hazard layer's native CRS, and the per-commune counts
of communes.csv against OGR's point-in-polygon test on the commune layer, so neither the plugin's
reprojection nor its shapely code takes part in the expected values.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from osgeo import ogr, osr

from tests.conftest import REPO_ROOT, SosServer

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import scenario  # noqa: E402 - scripts/ is not a package

SUMMARY_KEYS = {
    "fetched",
    "rejected",
    "in_flood",
    "in_landslide_zone",
    "status_updates_sent",
    "status_updates_confirmed",
}
OUTPUTS = (
    "sos_cases.gpkg",
    "map.png",
    "summary.json",
    "server.db",
    "sos_demo.qgz",
    "communes.csv",
    "situation_report.pdf",
)
OPEN_STATUSES = ("needs_help", "in_progress")
STATUSES = ("needs_help", "in_progress", "supported", "unreachable", "duplicate")


def run_demo(out: Path, *options: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "demo.py"), "--out", str(out), *options],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def layer_cases(gpkg: Path) -> dict[str, tuple]:
    """Read the demo's case layer with OGR: {case id: ((lon, lat) or None, in_flood, flood_event_count)}."""
    dataset = ogr.Open(str(gpkg))
    layer = dataset.GetLayerByName("sos_cases")
    cases = {}
    for feature in layer:
        geometry = feature.GetGeometryRef()
        point = None if geometry is None or geometry.IsEmpty() else (geometry.GetX(), geometry.GetY())
        cases[feature.GetField("id")] = (
            point,
            feature.GetField("in_flood"),
            feature.GetField("flood_event_count"),
        )
    return cases


def independent_flood_counts(cases: dict, flood_path: Path) -> dict[str, int]:
    """Count, per case, the flood polygons that contain or touch it, with OGR in the flood layer's CRS."""
    dataset = ogr.Open(str(flood_path))
    layer = dataset.GetLayer(0)
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    native = layer.GetSpatialRef().Clone()
    native.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_native = osr.CoordinateTransformation(wgs84, native)
    polygons = []
    for feature in layer:
        geometry = feature.GetGeometryRef().Clone()
        if not geometry.IsValid():
            geometry = geometry.MakeValid()
        polygons.append(geometry)
    counts = {}
    for case_id, (point, _, _) in cases.items():
        if point is None:
            continue
        x, y, _ = to_native.TransformPoint(*point)
        probe = ogr.CreateGeometryFromWkt(f"POINT ({x!r} {y!r})")
        counts[case_id] = sum(1 for polygon in polygons if polygon.Intersects(probe))
    return counts


def read_communes_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def independent_commune_counts(gpkg: Path, admin_path: Path, layer_name: str | None = None) -> dict:
    """Count the demo's cases per commune with OGR: {code: counts}, plus "" for cases outside every commune.

    Each case goes to the commune polygon that contains or touches it (OGR Intersects in the commune
    layer's CRS). A case on a shared border goes to the lowest code, the rule the plugin documents.
    Counts are the cases by status, and for open cases the known people and households and the cases in
    flood or in a landslide zone, read from the case layer's own fields.
    """
    admin = ogr.Open(str(admin_path))
    layer = admin.GetLayerByName(layer_name) if layer_name else admin.GetLayer(0)
    code_field = "ward_code" if layer.GetLayerDefn().GetFieldIndex("ward_code") >= 0 else "code"
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    native = layer.GetSpatialRef().Clone()
    native.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_native = osr.CoordinateTransformation(wgs84, native)
    polygons = []
    for feature in layer:
        geometry = feature.GetGeometryRef().Clone()
        if not geometry.IsValid():
            geometry = geometry.MakeValid()
        polygons.append((str(feature.GetField(code_field)), geometry))
    polygons.sort(key=lambda item: item[0])

    counts: dict[str, dict[str, int]] = {}
    keys = (
        *STATUSES,
        "people_waiting",
        "households_waiting",
        "flood_cases",
        "landslide_cases",
        "assigned_ok",
    )
    # The dataset must outlive its layer: OGR frees the layer with it.
    dataset = ogr.Open(str(gpkg))
    for feature in dataset.GetLayerByName("sos_cases"):
        point = feature.GetGeometryRef()
        if point is None or point.IsEmpty():
            continue
        x, y, _ = to_native.TransformPoint(point.GetX(), point.GetY())
        probe = ogr.CreateGeometryFromWkt(f"POINT ({x!r} {y!r})")
        code = next((code for code, polygon in polygons if polygon.Intersects(probe)), "")
        row = counts.setdefault(code, dict.fromkeys(keys, 0))
        status = feature.GetField("status")
        row[status] += 1
        row["assigned_ok"] += int((feature.GetField("commune_code") or "") == code)
        if status not in OPEN_STATUSES:
            continue
        row["people_waiting"] += feature.GetField("people_count") or 0
        row["households_waiting"] += feature.GetField("household_count") or 0
        row["flood_cases"] += int(feature.GetField("in_flood") == 1)
        row["landslide_cases"] += int(feature.GetField("in_landslide_zone") == 1)
    return counts


def assert_communes_match(rows: list[dict[str, str]], expected: dict) -> None:
    """Compare communes.csv with the OGR counts, commune by commune and field by field."""
    by_code = {row["code"]: row for row in rows if row["code"]}
    outside = rows[-2]
    for code, counts in expected.items():
        row = by_code[code] if code else outside
        for key in (*STATUSES, "people_waiting", "households_waiting", "flood_cases", "landslide_cases"):
            assert int(row[key]) == counts[key], (code, key)
        assert counts["assigned_ok"] == sum(counts[status] for status in STATUSES), code
    for code, row in by_code.items():
        if code not in expected:
            assert int(row["cases_total"]) == 0, code


def server_state(db_path: Path, tmp_path: Path) -> tuple[dict[str, int], dict[str, list[dict]]]:
    """Start the reference server again on db_path.

    Returns case counts by status and the history of the in-progress and supported cases.
    """
    server = SosServer(db_path=db_path, log_path=tmp_path / "restart.log")
    server.tokens = {"viewer": server.create_token("viewer", name="demo-check")}
    server.start()
    try:
        headers = server.headers("viewer")
        counts: dict[str, int] = {}
        histories: dict[str, list[dict]] = {}
        for status in ("in_progress", "supported", "needs_help"):
            response = requests.get(
                f"{server.url}/collections/cases/items",
                params={"status": status, "limit": 10000},
                headers=headers,
                timeout=30,
            )
            response.raise_for_status()
            features = response.json()["features"]
            counts[status] = len(features)
            if status == "needs_help":
                continue
            for feature in features:
                history = requests.get(
                    f"{server.url}/collections/cases/items/{feature['id']}/history",
                    headers=headers,
                    timeout=30,
                )
                history.raise_for_status()
                histories[feature["id"]] = history.json()["entries"]
        return counts, histories
    finally:
        server.stop()


def status_changes(entries: list[dict]) -> list[dict]:
    return [
        entry
        for entry in entries
        if entry["from_status"] is not None and entry["from_status"] != entry["to_status"]
    ]


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("demo-synthetic")
    return out, run_demo(out)


def test_demo_exits_zero(synthetic_run):
    _, result = synthetic_run

    assert result.returncode == 0, result.stderr[-3000:]


def test_demo_writes_outputs(synthetic_run):
    out, _ = synthetic_run

    for name in OUTPUTS:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name


def test_demo_summary(synthetic_run):
    out, _ = synthetic_run

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))

    assert SUMMARY_KEYS <= summary.keys()
    # The synthetic scenario has 300 valid cases, one kept without a location and two rejected on import.
    assert summary["fetched"] == 301
    assert summary["rejected"] == 2
    assert summary["status_updates_sent"] == 30
    assert summary["status_updates_confirmed"] == 30


def test_demo_never_prints_token(synthetic_run):
    out, result = synthetic_run

    assert "Bearer" not in result.stdout + result.stderr
    assert "Bearer" not in (out / "server.log").read_text(encoding="utf-8")


def test_demo_server_state(synthetic_run, tmp_path):
    out, _ = synthetic_run

    counts, histories = server_state(out / "server.db", tmp_path)

    assert counts["in_progress"] == 20
    assert counts["supported"] == 10
    for case_id, entries in histories.items():
        assert entries[0]["from_status"] is None, case_id
        assert len(status_changes(entries)) == 1, case_id


def test_demo_project_paths_relative(synthetic_run):
    out, _ = synthetic_run
    import zipfile

    with zipfile.ZipFile(out / "sos_demo.qgz") as archive:
        project_xml = next(
            archive.read(name) for name in archive.namelist() if name.endswith(".qgs")
        ).decode()

    assert "./sos_cases.gpkg" in project_xml
    assert str(out) not in project_xml


def test_demo_communes_csv(synthetic_run):
    out, _ = synthetic_run

    rows = read_communes_csv(out / "communes.csv")

    assert len(rows) == 8 + 2
    assert rows[-2]["name"] == "Outside every commune"
    assert rows[-1]["name"] == "No location"
    assert sum(int(row["cases_total"]) for row in rows) == 301


def test_demo_communes_independent(synthetic_run):
    out, _ = synthetic_run
    rows = read_communes_csv(out / "communes.csv")

    expected = independent_commune_counts(out / "sos_cases.gpkg", out / "scenario" / "communes.geojson")

    assert len(expected) > 5
    assert_communes_match(rows, expected)


def test_demo_report_pdf(synthetic_run):
    out, _ = synthetic_run

    assert (out / "situation_report.pdf").read_bytes().startswith(b"%PDF")


def test_demo_flood_counts_independent(synthetic_run):
    out, _ = synthetic_run
    cases = layer_cases(out / "sos_cases.gpkg")

    expected = independent_flood_counts(cases, out / "hazards" / "flood_outlines.geojson")

    for case_id, count in expected.items():
        _, in_flood, flood_event_count = cases[case_id]
        assert flood_event_count == count, case_id
        assert bool(in_flood) == (count > 0), case_id


def test_demo_without_admin_unchanged(tmp_path):
    generated = scenario.generate(tmp_path / "scenario", cases=60)
    out = tmp_path / "out"

    result = run_demo(
        out,
        "--sos-data",
        str(generated["sos"]),
        "--flood",
        str(generated["flood"]),
        "--landslide",
        str(generated["landslide"]),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert not (out / "communes.csv").exists()
    assert not (out / "situation_report.pdf").exists()


def test_demo_other_province_projected_flood(tmp_path):
    # A scenario in Quảng Ninh (UTM zone 48), with the flood outlines stored in EPSG:32648.
    generated = scenario.generate(tmp_path / "scenario", cases=120, centre=(107.95, 21.3))
    flood_utm = tmp_path / "flood_utm48n.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:32648", str(flood_utm), str(generated["flood"])], check=True
    )
    out = tmp_path / "out"

    result = run_demo(
        out,
        "--sos-data",
        str(generated["sos"]),
        "--flood",
        str(flood_utm),
        "--landslide",
        str(generated["landslide"]),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    cases = layer_cases(out / "sos_cases.gpkg")
    expected = independent_flood_counts(cases, flood_utm)
    assert len(expected) == 120
    assert sum(1 for count in expected.values() if count > 0) > 0
    for case_id, count in expected.items():
        assert cases[case_id][2] == count, case_id


@pytest.mark.realdata
def test_demo_real_data(shared_dir, tmp_path):
    sos = shared_dir / "data" / "sos" / "daklak_nov2025_requests.geojson"
    flood = shared_dir / "data" / "hazards" / "dfo_flood_events_daklak_1986_2018.gpkg"
    landslide = shared_dir / "data" / "hazards" / "nasa_glc_vietnam_2007_2016.gpkg"
    admin = shared_dir / "data" / "admin" / "daklak_admin_2025.gpkg"
    if not (sos.is_file() and flood.is_file() and landslide.is_file() and admin.is_file()):
        pytest.skip("the real data files are absent from ../shared/data")
    out = tmp_path / "out"

    result = run_demo(
        out,
        "--sos-data",
        str(sos),
        "--flood",
        str(flood),
        "--landslide",
        str(landslide),
        "--admin",
        str(admin),
        "--admin-layer",
        "daklak_communes_2025",
    )

    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["fetched"] == 591
    cases = layer_cases(out / "sos_cases.gpkg")
    expected = independent_flood_counts(cases, flood)
    assert len(expected) == 591
    for case_id, count in expected.items():
        assert cases[case_id][2] == count, case_id
        assert bool(cases[case_id][1]) == (count > 0), case_id
    counts, histories = server_state(out / "server.db", tmp_path)
    assert counts["in_progress"] == 20
    assert counts["supported"] == 10
    for case_id, entries in histories.items():
        assert len(status_changes(entries)) == 1, case_id
    rows = read_communes_csv(out / "communes.csv")
    assert len(rows) == 102 + 2
    assert_communes_match(
        rows, independent_commune_counts(out / "sos_cases.gpkg", admin, "daklak_communes_2025")
    )
    assert (out / "situation_report.pdf").read_bytes().startswith(b"%PDF")
