"""Run the main job end to end without a screen, through the plugin's own code.

Steps: start the reference SOS server on a free loopback port with a fresh database and an officer
token, import the scenario, fetch the cases into a GeoPackage through the plugin's Processing
algorithm, analyse flood and landslide hazards, mark the 20 highest-priority open cases
`in_progress` and the next 10 `supported` in one batch request, fetch again and check that the
server agrees, render a map, save a QGIS project and stop the server. With a commune layer
(--admin), it also fills each case's commune, writes the per-commune summary to communes.csv and
the situation report to situation_report.pdf.

Without --sos-data the demo runs on a synthetic scenario that scripts/scenario.py generates. That
scenario gets a grid of eight invented communes over the valley, so the summary and the report are
made without any file from outside the repository; --admin replaces the grid.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

IN_PROGRESS_COUNT = 20
SUPPORTED_COUNT = 10


class DemoError(Exception):
    """A step of the demo failed; the message names the step and the reason."""


class ReferenceServer:
    """The reference SOS server as a subprocess on a free loopback port."""

    def __init__(self, db_path: Path, log_path: Path) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.url = ""

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "sos_server", *args, "--db", str(self.db_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DemoError(
                f"sos_server {args[0]} failed (exit {result.returncode}): {result.stderr.strip()}"
            )
        return result.stdout

    def start(self) -> str:
        log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sos_server",
                "serve",
                "--db",
                str(self.db_path),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("listening on "):
                self.url = line.split("listening on ", 1)[1].strip()
                return self.url
        raise DemoError(f"the reference server exited before listening; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "demo-output", help="output folder (default demo-output)"
    )
    parser.add_argument("--sos-data", type=Path, help="GeoJSON of SOS cases in the record schema")
    parser.add_argument(
        "--flood",
        type=Path,
        help="flood layer: a vector file of flood outlines or zones, or a flood depth raster in metres",
    )
    parser.add_argument(
        "--landslide",
        type=Path,
        help="landslide layer: a vector file of landslide zones (polygons) or events (points)",
    )
    parser.add_argument(
        "--admin",
        type=Path,
        help="commune polygons (GeoPackage, GeoJSON or any vector file) for communes.csv and the report",
    )
    parser.add_argument(
        "--admin-layer",
        help="layer of the --admin file to read (default: the polygon layer with a commune code and name "
        "field and the most features)",
    )
    return parser.parse_args()


def prepare_inputs(args: argparse.Namespace, out: Path) -> dict[str, Path | None]:
    """Return the scenario files, generating the synthetic scenario for what was not given."""
    inputs: dict[str, Path | None] = {
        "sos": args.sos_data,
        "flood": args.flood,
        "landslide": args.landslide,
        "admin": args.admin,
    }
    for role, path in inputs.items():
        if path is not None and not path.exists():
            raise DemoError(f"the {role} file does not exist: {path}")
    if args.sos_data is None:
        import scenario

        generated = scenario.generate(out / "scenario")
        print(f"No SOS_DATA given: using the synthetic scenario in {out / 'scenario'}")
        inputs["sos"] = generated["sos"]
        if args.flood is None:
            inputs["flood"] = generated["flood"]
        if args.landslide is None:
            inputs["landslide"] = generated["landslide"]
        if args.admin is None:
            inputs["admin"] = write_synthetic_communes(out / "scenario" / "communes.geojson", scenario)
    return inputs


def write_synthetic_communes(path: Path, scenario) -> Path:
    """Write the synthetic scenario's communes: a 4 x 2 grid of 0.2-degree cells around its centre.

    The names are those the scenario uses in case addresses; the codes S01 to S08 are invented. Cases
    drawn far from the centre fall outside the grid, so the summary's "outside every commune" row is used.
    """
    centre_lon, centre_lat = scenario.DEFAULT_CENTRE
    features = []
    for number, name in enumerate(scenario.COMMUNES[:8]):
        west = centre_lon - 0.4 + 0.2 * (number % 4)
        south = centre_lat - 0.2 + 0.2 * (number // 4)
        ring = [
            [round(west, 5), round(south, 5)],
            [round(west + 0.2, 5), round(south, 5)],
            [round(west + 0.2, 5), round(south + 0.2, 5)],
            [round(west, 5), round(south + 0.2, 5)],
            [round(west, 5), round(south, 5)],
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": f"S{number + 1:02d}", "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def admin_layer_uri(path: Path, layer_name: str | None) -> str:
    """Return the OGR URI of the commune layer: the named layer, or the best candidate of the file.

    Without a name, the candidate is the polygon layer whose fields look like a commune code and name and
    that has the most features (so a GeoPackage with the province and its communes gives the communes).
    Raises DemoError when the file cannot be opened or has no such layer.
    """
    from osgeo import ogr

    dataset = ogr.Open(str(path))
    if dataset is None:
        raise DemoError(f"OGR cannot open the commune file {path}")
    names = [dataset.GetLayer(index).GetName() for index in range(dataset.GetLayerCount())]
    if layer_name:
        if layer_name not in names:
            raise DemoError(
                f"the commune file {path} has no layer {layer_name}; its layers: {', '.join(names)}"
            )
        return f"{path}|layername={layer_name}"
    candidates = []
    for index in range(dataset.GetLayerCount()):
        layer = dataset.GetLayer(index)
        if ogr.GT_Flatten(layer.GetGeomType()) not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
            continue
        definition = layer.GetLayerDefn()
        fields = {definition.GetFieldDefn(i).GetName().lower() for i in range(definition.GetFieldCount())}
        looks_like_communes = bool(fields & {"ward_code", "ma_xa", "commune_code", "code"}) and bool(
            fields & {"name", "ten_xa", "ten", "commune_name"}
        )
        candidates.append((looks_like_communes, layer.GetFeatureCount(), layer.GetName()))
    if not candidates:
        raise DemoError(f"the commune file {path} has no polygon layer")
    chosen = max(candidates)[2]
    print(f"No ADMIN_LAYER given: reading the layer {chosen} of {path.name}")
    return f"{path}|layername={chosen}"


def copy_hazard(path: Path | None, out: Path) -> Path | None:
    """Copy a hazard file into OUT/hazards so the saved project opens on its own."""
    if path is None:
        return None
    target_dir = out / "hazards"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    shutil.copy2(path, target)
    if path.suffix.lower() == ".shp":
        for sidecar in path.parent.glob(path.stem + ".*"):
            shutil.copy2(sidecar, target_dir / sidecar.name)
    return target


def start_qgis(auth_dir: Path):
    """Start a headless QGIS application with its authentication database in auth_dir."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Qt's debug output: QGIS 3.22 prints key derivation values when a master password is set.
    os.environ.setdefault("QT_LOGGING_RULES", "*.debug=false")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(auth_dir))
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = str(auth_dir)
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    # Labels saved in the project name the application font. The offscreen platform reports a family that
    # desktop QGIS may lack ("DejaVu LGC Sans"), so use a common font with Vietnamese glyphs when present.
    from qgis.PyQt.QtGui import QFont, QFontDatabase

    if "DejaVu Sans" in QFontDatabase().families():
        app.setFont(QFont("DejaVu Sans"))
    auth_manager = QgsApplication.authManager()
    # A throwaway master password: the auth database lives in a temporary folder deleted at the end.
    if not auth_manager.setMasterPassword(uuid.uuid4().hex, True):
        raise DemoError("could not set a master password for the temporary QGIS authentication database")

    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from sos_qgis_plugin.processing.provider import SosProvider

    provider = SosProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider


def load_layer(path: Path | None, name: str):
    """Open a vector or raster hazard file as a QGIS layer, or return None when no file was given."""
    if path is None:
        return None
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    layer = QgsVectorLayer(str(path), name, "ogr")
    if not layer.isValid():
        layer = QgsRasterLayer(str(path), name)
    if not layer.isValid():
        raise DemoError(f"QGIS cannot open the {name} file {path}")
    return layer


def rank_open_cases(layer) -> list[tuple[str, int]]:
    """Return (case id, version) of open cases, highest priority first, oldest first on ties."""
    from qgis.core import NULL, QgsFeatureRequest

    rows = []
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    for feature in layer.getFeatures(request):
        if feature["status"] != "needs_help":
            continue
        priority = feature["priority"]
        priority = -1.0 if priority in (None, NULL) else float(priority)
        created = feature["created_at"].toString("yyyy-MM-ddTHH:mm:ss")
        rows.append((-priority, created, feature["id"], int(feature["version"])))
    rows.sort()
    return [(case_id, version) for _, _, case_id, version in rows]


def send_batch(client, ranked: list[tuple[str, int]]):
    """Send one batch: the top cases in progress, the next ones supported; return the results."""
    from sos_qgis_plugin.core.api_client import StatusChange

    wanted = IN_PROGRESS_COUNT + SUPPORTED_COUNT
    if len(ranked) < wanted:
        raise DemoError(f"only {len(ranked)} open cases with a location; the demo needs {wanted}")
    changes = []
    for rank, (case_id, version) in enumerate(ranked[:wanted]):
        status = "in_progress" if rank < IN_PROGRESS_COUNT else "supported"
        changes.append(
            StatusChange(
                case_id=case_id, status=status, note="demo: batch after hazard ranking", if_version=version
            )
        )
    results = client.set_statuses(changes, idempotency_key=str(uuid.uuid4()))
    return changes, results


def check_server_agrees(client, changes) -> int:
    """Return how many changed cases the server reports with the status sent; raise when one differs."""
    confirmed = 0
    for change in changes:
        feature, _version = client.get_case(change.case_id)
        status = feature["properties"]["status"]
        if status != change.status:
            raise DemoError(
                f"case {change.case_id}: the server has status {status}, the demo sent {change.status}"
            )
        confirmed += 1
    return confirmed


def rejected_on_import(report: str) -> int:
    """Read the rejected count from the summary line of `sos_server import`."""
    match = re.search(r"rejected (\d+)", report)
    if match is None:
        raise DemoError(f"the import report has no rejected count: {report[:200]!r}")
    return int(match.group(1))


def count_layer(layer, field: str) -> int:
    from qgis.core import QgsFeatureRequest

    request = (
        QgsFeatureRequest()
        .setFilterExpression(f'"{field}" = true')
        .setFlags(QgsFeatureRequest.Flag.NoGeometry)
    )
    return sum(1 for _ in layer.getFeatures(request))


def main() -> int:
    args = parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in (
        "sos_cases.gpkg",
        "server.db",
        "server.db-wal",
        "server.db-shm",
        "map.png",
        "summary.json",
        "sos_demo.qgz",
        "communes.csv",
        "situation_report.pdf",
    ):
        (out / stale).unlink(missing_ok=True)

    inputs = prepare_inputs(args, out)
    admin_uri = admin_layer_uri(inputs["admin"], args.admin_layer) if inputs["admin"] else None
    flood_path = copy_hazard(inputs["flood"], out)
    landslide_path = copy_hazard(inputs["landslide"], out)

    server = ReferenceServer(out / "server.db", out / "server.log")
    auth_dir = Path(tempfile.mkdtemp(prefix="sos-demo-auth-"))
    try:
        token = server.cli("token", "create", "--role", "officer", "--name", "demo-officer").strip()
        import_report = server.cli("import", str(inputs["sos"]))
        print(import_report.rstrip())
        url = server.start()
        print(f"Reference server listening on {url}")
        summary = run_plugin_steps(url, token, out, flood_path, landslide_path, auth_dir, admin_uri)
        summary["rejected_on_import"] = rejected_on_import(import_report)
        summary["rejected"] += summary["rejected_on_import"]
    finally:
        server.stop()
        shutil.rmtree(auth_dir, ignore_errors=True)

    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    outputs = "sos_cases.gpkg, map.png, summary.json, server.db, sos_demo.qgz"
    if admin_uri:
        outputs += ", communes.csv, situation_report.pdf"
    print(f"Outputs in {out}: {outputs}")
    return 0


def summarise_communes(cases, admin_uri: str, out: Path) -> tuple[list, dict]:
    """Fill each case's commune, write OUT/communes.csv and return the summaries and their totals."""
    from qgis.core import QgsVectorLayer

    from sos_qgis_plugin.admin_layers import assign_communes
    from sos_qgis_plugin.summary import export_csv, summarise_layers

    admin = QgsVectorLayer(admin_uri, "Communes", "ogr")
    if not admin.isValid():
        raise DemoError(f"QGIS cannot open the commune layer {admin_uri}")
    assigned = assign_communes(cases, admin)
    summaries = summarise_layers(cases, admin)
    export_csv(summaries, out / "communes.csv")
    totals = {
        "communes": len(summaries) - 2,
        "cases_in_communes": sum(row.cases_total for row in summaries[:-2]),
        "cases_outside_communes": summaries[-2].cases_total,
        "cases_without_location": summaries[-1].cases_total,
        "commune_fields_written": assigned,
    }
    print(
        f"Communes: {totals['communes']} in the summary, {totals['cases_in_communes']} cases in a commune, "
        f"{totals['cases_outside_communes']} outside, {totals['cases_without_location']} without a location"
    )
    return summaries, totals


def run_plugin_steps(
    url: str, token: str, out: Path, flood_path, landslide_path, auth_dir: Path, admin_uri: str | None = None
) -> dict:
    app, _provider = start_qgis(auth_dir)
    import demo_map
    import processing
    from qgis.core import QgsVectorLayer

    from sos_qgis_plugin.auth import store_token
    from sos_qgis_plugin.case_layer import CaseLayerStore
    from sos_qgis_plugin.network import build_client

    authcfg = store_token(token)
    gpkg = out / "sos_cases.gpkg"

    first = processing.run("sos:fetchcases", {"SERVICE_URL": url, "AUTHCFG": authcfg, "OUTPUT": str(gpkg)})
    print(f"Fetched {first['FETCHED']} cases ({first['REJECTED']} rejected by validation)")

    cases = QgsVectorLayer(f"{gpkg}|layername=sos_cases", "SOS cases", "ogr")
    if not cases.isValid():
        raise DemoError(f"the fetched case layer in {gpkg} does not open")
    flood = load_layer(flood_path, "Flood")
    landslide = load_layer(landslide_path, "Landslide")

    analysis = processing.run(
        "sos:analysehazards",
        {
            "INPUT": cases,
            "FLOOD_LAYERS": [flood] if flood else [],
            "LANDSLIDE_LAYERS": [landslide] if landslide else [],
            "LANDSLIDE_RADIUS": 1000.0,
        },
    )
    print(
        f"Hazards: {analysis['IN_FLOOD']} in flood, {analysis['IN_LANDSLIDE_ZONE']} in a landslide zone, "
        f"{analysis['UNKNOWN']} not analysed, {analysis['REPAIRED']} hazard polygons repaired"
    )

    client = build_client(url, authcfg)
    changes, results = send_batch(client, rank_open_cases(cases))
    CaseLayerStore(cases).apply_confirmed_cases([result.case for result in results if result.outcome == "ok"])
    confirmed_results = [result for result in results if result.outcome == "ok"]
    print(f"Status batch: {len(changes)} sent, {len(confirmed_results)} confirmed")
    for result in results:
        if result.outcome != "ok":
            print(f"  case {result.case_id}: {result.outcome} {result.detail or ''}")

    second = processing.run("sos:fetchcases", {"SERVICE_URL": url, "AUTHCFG": authcfg, "OUTPUT": str(gpkg)})
    # The server's next_updated_since has a safety margin, so cases written seconds before the first
    # fetch come again; only the changed ones update the layer.
    print(f"Second fetch: {second['FETCHED']} cases read, {second['UPDATED']} updated in the layer")
    cases.reload()
    confirmed_on_server = check_server_agrees(client, changes)
    in_progress = sum(1 for f in cases.getFeatures() if f["status"] == "in_progress")
    supported = sum(1 for f in cases.getFeatures() if f["status"] == "supported")
    client.close()
    if (in_progress, supported) != (IN_PROGRESS_COUNT, SUPPORTED_COUNT):
        raise DemoError(
            f"the layer shows {in_progress} in progress and {supported} supported after the second fetch"
        )

    summary = {
        "fetched": int(first["FETCHED"]),
        "rejected": int(first["REJECTED"]),
        "rejected_on_fetch": int(first["REJECTED"]),
        "in_flood": count_layer(cases, "in_flood"),
        "in_landslide_zone": count_layer(cases, "in_landslide_zone"),
        "status_updates_sent": len(changes),
        "status_updates_confirmed": min(len(confirmed_results), confirmed_on_server),
    }
    summaries = None
    if admin_uri:
        summaries, totals = summarise_communes(cases, admin_uri, out)
        summary.update(totals)
    del cases, flood, landslide

    project_cases = demo_map.build_project(out, gpkg, flood_path, landslide_path)
    demo_map.render(out, project_cases)
    if summaries is not None:
        write_report(project_cases, summaries, admin_uri, out)
    demo_map.save_project(out)
    app.exitQgis()
    return summary


def write_report(project_cases, summaries: list, admin_uri: str, out: Path) -> Path:
    """Write OUT/situation_report.pdf from the demo project: the map with commune boundaries, the commune
    table and the chart."""
    from qgis.core import QgsProject, QgsVectorLayer

    from sos_qgis_plugin.core.errors import SosError
    from sos_qgis_plugin.report import build_situation_report

    project = QgsProject.instance()
    hazards = [layer for layer in project.mapLayers().values() if layer.id() != project_cases.id()]
    admin = QgsVectorLayer(admin_uri, "Communes", "ogr")
    try:
        path = build_situation_report(
            project,
            project_cases,
            hazards,
            summaries,
            str(out / "situation_report.pdf"),
            admin_layer=admin if admin.isValid() else None,
        )
    except SosError as error:
        raise DemoError(f"the situation report failed: {error.message} ({error.details})") from error
    print(f"Situation report written to {path}")
    return Path(path)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        sys.exit(1)
