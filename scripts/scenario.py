"""Generate the demo's synthetic scenario: SOS cases, flood outlines and landslide events.

The scenario is invented: a river valley west of Tuy Hòa (Đắk Lắk) with two flood outlines that
overlap and a third outline that intersects itself, as real outlines sometimes do. Landslide events
are stored in a projected CRS (the UTM zone of the scenario, 49N by default), so the demo proves
reprojection. A few records carry faults seen in field data: no location, comma decimals, latitude
beyond 90. The same seed gives the same scenario, except that case times are placed relative to the
time of the run.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from osgeo import ogr, osr

# The default scenario sits in a valley west of Tuy Hòa, Đắk Lắk; --centre moves it elsewhere.
DEFAULT_CENTRE = (109.20, 13.05)
VIETNAM_TZ = timezone(timedelta(hours=7))

COMMUNES = ["Hòa Xuân", "Hòa Thịnh", "Phú Hòa", "Sơn Thành", "Đông Hòa", "Tây Hòa", "Hòa Mỹ", "Sơn Hòa"]
DESCRIPTIONS = [
    "Nhà ngập tới mái, cần cứu hộ gấp",
    "Gia đình có người già và trẻ nhỏ, nước đang lên",
    "Cô lập hai ngày, cần nước sạch và thức ăn",
    "Cần thuyền đưa người bệnh đi viện",
    "Đường vào thôn bị sạt lở, không ra được",
    "Nước ngập sâu, xin áo phao",
]
NEEDS = ["rescue", "medical", "food", "water", "shelter", "evacuation"]
URGENCIES = ["low", "medium", "high", "critical"]


def _ring_around(
    lon: float, lat: float, radius_lon: float, radius_lat: float, points: int, rng: random.Random
):
    ring = []
    for i in range(points):
        angle = 2 * math.pi * i / points
        wobble = 0.75 + 0.5 * rng.random()
        ring.append(
            [
                round(lon + radius_lon * wobble * math.cos(angle), 5),
                round(lat + radius_lat * wobble * math.sin(angle), 5),
            ]
        )
    ring.append(ring[0])
    return ring


def flood_outlines(rng: random.Random, centre: tuple[float, float]) -> dict:
    """Return a FeatureCollection of three flood outlines in WGS 84; the third one intersects itself."""
    centre_lon, centre_lat = centre
    valley = _ring_around(centre_lon, centre_lat, 0.16, 0.07, 24, rng)
    lower = _ring_around(centre_lon + 0.10, centre_lat - 0.02, 0.12, 0.06, 20, rng)
    # A bowtie: its two lobes are both flooded, which make_valid keeps and buffer(0) would not.
    west, east = centre_lon - 0.30, centre_lon - 0.16
    south, north = centre_lat + 0.02, centre_lat + 0.12
    bowtie = [[west, south], [east, north], [east, south], [west, north], [west, south]]
    features = []
    for number, (ring, event, year) in enumerate(
        [(valley, "Ba river flood", 2025), (lower, "Coastal flood", 2024), (bowtie, "Flash flood", 2023)],
        start=1,
    ):
        features.append(
            {
                "type": "Feature",
                "properties": {"event_id": f"FL-{number}", "name": event, "year": year},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def utm_epsg(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS 84 UTM zone that contains lon, lat."""
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


def write_landslides_utm(path: Path, rng: random.Random, centre: tuple[float, float]) -> int:
    """Write landslide events as a GeoPackage in the UTM zone of the centre; return the number written."""
    centre_lon, centre_lat = centre
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(utm_epsg(centre_lon, centre_lat))
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_utm = osr.CoordinateTransformation(wgs84, utm)

    driver = ogr.GetDriverByName("GPKG")
    if path.exists():
        driver.DeleteDataSource(str(path))
    dataset = driver.CreateDataSource(str(path))
    layer = dataset.CreateLayer("landslide_events", utm, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("event_id", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("danger_radius_m", ogr.OFTReal))
    count = 12
    for number in range(1, count + 1):
        # Hills west and north of the valley.
        lon = centre_lon - 0.35 + 0.30 * rng.random()
        lat = centre_lat + 0.08 + 0.15 * rng.random()
        x, y, _ = to_utm.TransformPoint(lon, lat)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("event_id", f"LS-{number}")
        feature.SetField("danger_radius_m", float(rng.choice([500, 1000, 1500])))
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({x:.1f} {y:.1f})"))
        layer.CreateFeature(feature)
    dataset = None
    return count


def sos_cases(rng: random.Random, count: int, now: datetime, centre: tuple[float, float]) -> dict:
    """Return a FeatureCollection of synthetic SOS cases in the record schema, with a few faulty records."""
    features = []
    for number in range(1, count + 1):
        lon = centre[0] + rng.gauss(0, 0.13)
        lat = centre[1] + rng.gauss(0, 0.07)
        has_people = rng.random() < 0.8
        created = now - timedelta(minutes=rng.randint(10, 60 * 60))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {
                    "external_id": f"demo-{number:04d}",
                    "status": "needs_help",
                    "people_count": rng.randint(1, 9) if has_people else None,
                    "household_count": None if has_people else rng.randint(1, 3),
                    "phone": None,
                    "reporter_name": None,
                    "description": rng.choice(DESCRIPTIONS),
                    "address": rng.choice(COMMUNES),
                    "urgency": rng.choices(URGENCIES, weights=[3, 4, 3, 1])[0],
                    "needs": sorted(rng.sample(NEEDS, rng.randint(1, 3))),
                    "has_children": rng.random() < 0.3,
                    "has_elderly": rng.random() < 0.3,
                    "has_disabilities": rng.random() < 0.05,
                    "created_at": created.astimezone(VIETNAM_TZ).isoformat(timespec="seconds"),
                    "source": "demo",
                },
            }
        )
    # Faults seen in the field: kept without a location, or rejected with a reason.
    faulty = [
        (
            {
                "type": "Point",
                "coordinates": [f"{centre[0]:.2f}".replace(".", ","), f"{centre[1]:.2f}".replace(".", ",")],
            },
            "comma decimals",
        ),
        ({"type": "Point", "coordinates": [centre[0], 95.0]}, "latitude beyond 90"),
        (None, "no location"),
    ]
    for offset, (geometry, label) in enumerate(faulty, start=count + 1):
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "external_id": f"demo-{offset:04d}",
                    "status": "needs_help",
                    "people_count": 2,
                    "description": f"Bản ghi lỗi mẫu ({label})",
                    "address": rng.choice(COMMUNES),
                    "created_at": (now - timedelta(hours=3)).isoformat(timespec="seconds"),
                    "source": "demo",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def generate(
    out_dir: Path,
    *,
    cases: int = 300,
    seed: int = 2025,
    now: datetime | None = None,
    centre: tuple[float, float] = DEFAULT_CENTRE,
) -> dict[str, Path]:
    """Write the scenario into out_dir and return the paths by role: sos, flood, landslide."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    paths = {
        "sos": out_dir / "sos_cases.geojson",
        "flood": out_dir / "flood_outlines.geojson",
        "landslide": out_dir / f"landslide_events_epsg{utm_epsg(*centre)}.gpkg",
    }
    flood = flood_outlines(rng, centre)
    paths["flood"].write_text(json.dumps(flood, ensure_ascii=False, indent=1), encoding="utf-8")
    write_landslides_utm(paths["landslide"], rng, centre)
    records = sos_cases(rng, cases, now, centre)
    paths["sos"].write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--cases", type=int, default=300, help="number of valid cases (3 faulty ones are added)"
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--centre",
        type=lambda text: tuple(float(part) for part in text.split(",")),
        default=DEFAULT_CENTRE,
        help="longitude,latitude of the scenario's centre in WGS 84 (default: near Tuy Hòa, Đắk Lắk)",
    )
    args = parser.parse_args()
    for role, path in generate(args.out_dir, cases=args.cases, seed=args.seed, centre=args.centre).items():
        print(f"{role}: {path}")


if __name__ == "__main__":
    main()
