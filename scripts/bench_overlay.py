"""Benchmark B of scripts/bench.py: the hazard overlay of many case points, against QGIS's own spatial join.

The plugin's side runs AnalyseHazardsTask through the QGIS task manager on a GeoPackage case layer, as the
plugin's menu action does. QGIS's side runs "Join attributes by location (summary)" with the intersects
predicate and a count summary, the QGIS tool closest to the plugin's flood_event_count. Needs a running
QgsApplication with Processing initialised.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

SCRIPTS_DIR = Path(__file__).resolve().parent
# Run as a child process (see run_default_check_isolated), this module needs the repository on sys.path.
sys.path.insert(0, str(SCRIPTS_DIR.parent))

from sos_qgis_plugin.tasks import (  # noqa: E402 - the repository root is added above
    AnalyseHazardsTask,
    plan_hazard_writes,
    read_case_versions,
)

FLOOD_FILE = "dfo_flood_events_daklak_1986_2018.gpkg"
LANDSLIDE_FILE = "nasa_glc_vietnam_2007_2016.gpkg"
# The flood field whose per-point count QGIS's join reports; every outline has a value in it.
FLOOD_COUNT_FIELD = "ID"
LANDSLIDE_RADIUS_M = 1000.0
SUBSAMPLE_POINTS = 20_000
TASK_TIMEOUT_S = 900.0
URGENCIES = ("low", "medium", "high", "critical")


class HazardDataMissingError(Exception):
    """The flood or landslide file of benchmark B is missing."""


@dataclass
class JoinRun:
    """One run of QGIS's join: its time, the per-point counts, or the error that stopped it."""

    points: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    error: Optional[str] = None
    cancelled: bool = False


def join_algorithm_id() -> str:
    """Return the id of "Join attributes by location (summary)": the C++ one when QGIS has it, else Python's.

    QGIS 3.22 has only the Python implementation, qgis:joinbylocationsummary.
    """
    from qgis.core import QgsApplication

    for algorithm_id in ("native:joinbylocationsummary", "qgis:joinbylocationsummary"):
        if QgsApplication.processingRegistry().algorithmById(algorithm_id) is not None:
            return algorithm_id
    raise RuntimeError("QGIS has no 'Join attributes by location (summary)' algorithm")


def load_layer(path: Path, name: str) -> Any:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), name, "ogr")
    if not layer.isValid():
        raise RuntimeError(f"QGIS cannot open {path}")
    return layer


def write_point_layer(gpkg_path: Path, count: int, extent: Any, rng: random.Random) -> Any:
    """Create a case layer with `count` open cases at uniform random points inside `extent` (WGS 84)."""
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    from sos_qgis_plugin.case_layer import create_or_open_case_layer, to_qdatetime

    layer = create_or_open_case_layer(str(gpkg_path))
    fields = layer.fields()
    now = datetime.now(timezone.utc)
    features = []
    for number in range(1, count + 1):
        feature = QgsFeature(fields)
        feature["id"] = f"c{number:07d}"
        feature["status"] = "needs_help"
        feature["urgency"] = rng.choice(URGENCIES)
        feature["people_count"] = rng.randint(1, 12)
        feature["has_children"] = rng.random() < 0.3
        feature["has_elderly"] = rng.random() < 0.3
        feature["has_disabilities"] = rng.random() < 0.05
        feature["created_at"] = to_qdatetime(now - timedelta(minutes=rng.randint(10, 72 * 60)))
        feature["version"] = 1
        lon = rng.uniform(extent.xMinimum(), extent.xMaximum())
        lat = rng.uniform(extent.yMinimum(), extent.yMaximum())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        features.append(feature)
    ok, _ = layer.dataProvider().addFeatures(features)
    if not ok:
        raise RuntimeError(
            f"could not write {count} points to {gpkg_path}: {layer.dataProvider().lastError()}"
        )
    layer.updateExtents()
    return layer


class TimedAnalyseTask(AnalyseHazardsTask):
    """AnalyseHazardsTask that records how long work() (worker thread) took and when finished() began.

    finished() only starts the writer; the results are written in slices after it returns.
    """

    work_s = 0.0
    finished_started = 0.0

    def work(self) -> None:
        started = time.perf_counter()
        try:
            super().work()
        finally:
            self.work_s = time.perf_counter() - started

    def finished(self, result: bool) -> None:
        self.finished_started = time.perf_counter()
        super().finished(result)


def run_plugin_task(case_layer: Any, flood: Any, landslide: Any) -> dict[str, Any]:
    """Run AnalyseHazardsTask through the task manager and return its timings, analysis and outcome.

    A 10 ms timer on the main thread (bench_live.StallMonitor) gives the longest stall of the event loop.
    It runs from before the task is created, because the snapshots are taken on the main thread, until
    the last slice of results is written.
    """
    from bench_live import StallMonitor
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QEventLoop, QTimer

    monitor = StallMonitor()
    loop = QEventLoop()
    outcomes: list[Any] = []
    done_at: list[float] = []

    def on_done(outcome: Any) -> None:
        done_at.append(time.perf_counter())
        outcomes.append(outcome)
        loop.quit()

    monitor.start()
    started = time.perf_counter()
    # No admin layer: the bench's case layer lies over the flood outlines, not a commune layer.
    task = TimedAnalyseTask(case_layer, [flood], [landslide], LANDSLIDE_RADIUS_M, on_done, communes=[])
    snapshot_s = time.perf_counter() - started
    QTimer.singleShot(int(TASK_TIMEOUT_S * 1000), loop.quit)
    QgsApplication.taskManager().addTask(task)
    loop.exec()
    stall_ms = monitor.stop()
    if not outcomes:
        task.stop()
        raise RuntimeError(f"the hazard analysis did not end within {TASK_TIMEOUT_S:g} s")
    outcome = outcomes[0]
    if not outcome.ok:
        raise RuntimeError(f"the hazard analysis failed: {outcome.message}")
    return {
        "snapshot_s": snapshot_s,
        "work_s": task.work_s,
        "write_s": done_at[0] - task.finished_started,
        "wall_s": done_at[0] - started,
        "longest_stall_ms": stall_ms,
        "longest_gc_ms": monitor.longest_gc_s * 1000.0,
        "analysis": task.analysis,
        "outcome": outcome,
    }


def time_analysis_steps(case_layer: Any, flood: Any, landslide: Any) -> dict[str, Any]:
    """Run the task's steps again one by one on this thread and time each, to show where the time goes.

    Returns the step times in seconds, the hazard set before repair and the cases in the analysis CRS.
    """
    from qgis.core import QgsProject

    from sos_qgis_plugin.core.hazards import analyse_cases_with_repairs
    from sos_qgis_plugin.hazard_layers import (
        analyse_snapshots,
        analysis_crs_for_points,
        build_hazard_set_from_snapshots,
        read_case_snapshot,
        snapshot_case_source,
        snapshot_hazard_sources,
        wgs84_to_metric,
    )

    context = QgsProject.instance().transformContext()
    steps: dict[str, float] = {}

    started = time.perf_counter()
    cases = read_case_snapshot(snapshot_case_source(case_layer), case_layer.crs(), context)
    steps["read_cases_s"] = time.perf_counter() - started

    started = time.perf_counter()
    snapshots, _warnings = snapshot_hazard_sources([flood], [landslide])
    located = [point for point in cases.points if point is not None]
    dest_crs = analysis_crs_for_points([p[0] for p in located], [p[1] for p in located])
    hazard_set, _more = build_hazard_set_from_snapshots(snapshots, dest_crs, context)
    steps["read_hazards_s"] = time.perf_counter() - started

    started = time.perf_counter()
    metric_cases = list(zip(cases.ids, *wgs84_to_metric(cases.points, dest_crs, context)))
    steps["reproject_cases_s"] = time.perf_counter() - started

    started = time.perf_counter()
    analyse_cases_with_repairs(metric_cases, hazard_set, landslide_radius_m=LANDSLIDE_RADIUS_M)
    steps["core_overlay_s"] = time.perf_counter() - started

    # analyse_snapshots repeats the three steps above, as the task runs it (without priorities), so its time
    # minus theirs is its own bookkeeping.
    started = time.perf_counter()
    analysis = analyse_snapshots(cases, snapshots, LANDSLIDE_RADIUS_M, context, compute_priorities=False)
    whole_s = time.perf_counter() - started
    steps["analysis_bookkeeping_s"] = max(
        0.0, whole_s - steps["read_hazards_s"] - steps["reproject_cases_s"] - steps["core_overlay_s"]
    )

    # The task then reads the versions of the cases and computes each priority with its reason.
    started = time.perf_counter()
    base = read_case_versions(snapshot_case_source(case_layer))
    steps["read_versions_s"] = time.perf_counter() - started
    started = time.perf_counter()
    plan_hazard_writes(base, cases, analysis)
    steps["reasons_s"] = time.perf_counter() - started
    return {"steps": steps, "hazard_set": hazard_set, "metric_cases": metric_cases, "crs": dest_crs.authid()}


def run_qgis_join(algorithm_id: str, points: Any, flood: Any, skip_invalid: bool, limit_s: float) -> JoinRun:
    """Run QGIS's join of `points` with the flood outlines and return the per-point flood counts.

    With `skip_invalid` false the context keeps the Processing default for invalid geometries (stop the
    algorithm). A run longer than `limit_s` is cancelled through its feedback and marked cancelled.
    """
    import processing
    from processing.tools import dataobjects
    from qgis.core import QgsFeatureRequest, QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    context = dataobjects.createContext(feedback)
    if skip_invalid:
        context.setInvalidGeometryCheck(QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid)
    parameters = {
        "INPUT": points,
        "JOIN": flood,
        "PREDICATE": [0],  # intersects
        "JOIN_FIELDS": [FLOOD_COUNT_FIELD],
        "SUMMARIES": [0],  # count
        "DISCARD_NONMATCHING": False,
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    watchdog = threading.Timer(limit_s, feedback.cancel)
    watchdog.start()
    count = points.featureCount()
    started = time.perf_counter()
    try:
        result = processing.run(algorithm_id, parameters, context=context, feedback=feedback)
    except QgsProcessingException as error:
        return JoinRun(count, time.perf_counter() - started, error=str(error).strip())
    finally:
        watchdog.cancel()
    seconds = time.perf_counter() - started
    if feedback.isCanceled():
        return JoinRun(count, seconds, error=f"cancelled after {limit_s:g} s", cancelled=True)

    output = result["OUTPUT"]
    if isinstance(output, str):
        output = context.getMapLayer(output)
    count_field = f"{FLOOD_COUNT_FIELD}_count"
    counts: dict[str, int] = {}
    for feature in output.getFeatures():
        value = feature[count_field]
        counts[str(feature["id"])] = int(value) if value not in (None, "") and value == value else 0
    return JoinRun(count, seconds, counts=counts)


def run_default_check_isolated(
    points_source: str, subset: str, flood_path: Path, limit_s: float, work_dir: Path
) -> JoinRun:
    """Run QGIS's join with the Processing default for invalid geometries in a child process.

    QGIS 3.22.16 with Python 3.11.2 (Debian 12) corrupts the interpreter when the Python algorithm
    qgis:joinbylocationsummary stops on an invalid geometry: the next Python code in the process fails
    with "SystemError: unknown opcode". A child process keeps that from breaking the bench.
    """
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "default-check",
        points_source,
        subset,
        str(flood_path),
        str(limit_s),
        str(work_dir / "auth-default-check"),
    ]
    started = time.perf_counter()
    child = subprocess.run(
        command, capture_output=True, text=True, encoding="utf-8", timeout=limit_s + 120, check=False
    )
    for line in reversed(child.stdout.splitlines()):
        if line.startswith(_CHILD_RESULT_PREFIX):
            values = json.loads(line[len(_CHILD_RESULT_PREFIX) :])
            return JoinRun(values["points"], values["seconds"], error=values["error"])
    tail = (child.stderr or "").strip().splitlines()[-3:]
    return JoinRun(
        0,
        time.perf_counter() - started,
        error=f"the child process ended with exit code {child.returncode}: {' | '.join(tail)}",
    )


_CHILD_RESULT_PREFIX = "default-check-result: "


def _default_check_child(argv: list[str]) -> None:
    """Run one join with the default invalid geometry handling and print its result as one JSON line."""
    points_source, subset, flood_path, limit_s, auth_dir = argv
    sys.path.insert(0, str(SCRIPTS_DIR))
    from bench import start_qgis

    app = start_qgis(Path(auth_dir))  # noqa: F841 - the application must live until the process exits
    from qgis.core import QgsVectorLayer

    points = QgsVectorLayer(points_source, "points", "ogr")
    points.setSubsetString(subset)
    flood = load_layer(Path(flood_path), "flood")
    run = run_qgis_join(join_algorithm_id(), points, flood, False, float(limit_s))
    result = {"points": run.points, "seconds": run.seconds, "error": run.error}
    print(_CHILD_RESULT_PREFIX + json.dumps(result, ensure_ascii=False), flush=True)
    # Exits at once: after a stopped join, further Python code in this process may fail (see above).
    os._exit(0)


def repaired_coverage(hazard_set: Any, metric_cases: list[tuple[str, float, float]]) -> dict[str, int]:
    """Count, per case, the invalid flood outlines that cover it once repaired with make_valid."""
    import numpy as np
    import shapely

    invalid = [geometry for _id, geometry in hazard_set.flood_zones if not geometry.is_valid]
    xs = np.asarray([x for _id, x, _y in metric_cases])
    ys = np.asarray([y for _id, _x, y in metric_cases])
    covered = np.zeros(len(metric_cases), dtype=np.int64)
    for geometry in invalid:
        covered += shapely.intersects_xy(shapely.make_valid(geometry), xs, ys)
    return {case_id: int(covered[index]) for index, (case_id, _x, _y) in enumerate(metric_cases)}


def compare_counts(
    ours: dict[str, Optional[int]], theirs: dict[str, int], in_repaired: dict[str, int]
) -> dict[str, int]:
    """Compare flood counts per case: how many differ, and how many of those the repaired outlines explain."""
    differ = 0
    explained = 0
    for case_id, their_count in theirs.items():
        our_count = ours.get(case_id) or 0
        if our_count == their_count:
            continue
        differ += 1
        if our_count - their_count == in_repaired.get(case_id, 0):
            explained += 1
    return {"compared": len(theirs), "differ": differ, "explained_by_repair": explained}


def run_overlay(
    work_dir: Path, hazards_dir: Path, point_count: int, seed: int, qgis_limit_s: float
) -> dict[str, Any]:
    """Run benchmark B and return its figures; print them as they come.

    Raises HazardDataMissingError when the flood or landslide file is absent.
    """
    flood_path = hazards_dir / FLOOD_FILE
    landslide_path = hazards_dir / LANDSLIDE_FILE
    for path in (flood_path, landslide_path):
        if not path.is_file():
            raise HazardDataMissingError(f"{path} not found")

    print(f"\nB. Overlay of {point_count:,} case points")
    work_dir.mkdir(parents=True, exist_ok=True)
    flood = load_layer(flood_path, "flood")
    landslide = load_layer(landslide_path, "landslide")
    extent = flood.extent()
    print(
        f"  {flood.featureCount()} flood outlines, {landslide.featureCount()} landslide points; "
        f"points spread over lon {extent.xMinimum():.2f} to {extent.xMaximum():.2f}, "
        f"lat {extent.yMinimum():.2f} to {extent.yMaximum():.2f}"
    )
    gpkg_path = work_dir / "points.gpkg"
    case_layer = write_point_layer(gpkg_path, point_count, extent, random.Random(seed))

    task_run = run_plugin_task(case_layer, flood, landslide)
    analysis = task_run["analysis"]
    overlay_s = task_run["snapshot_s"] + task_run["work_s"]
    ours = {case_id: result.flood_event_count for case_id, result in analysis.results.items()}
    print(
        f"  plugin (AnalyseHazardsTask): {overlay_s:.2f} s to analyse ({task_run['snapshot_s']:.3f} s "
        f"snapshots, {task_run['work_s']:.2f} s in the worker thread), {task_run['write_s']:.2f} s more "
        f"to write the results to the layer; {analysis.in_flood:,} in a flood zone, "
        f"{analysis.in_landslide_zone:,} in or near a landslide zone, "
        f"{len(analysis.repairs)} outlines repaired"
    )
    outcome = task_run["outcome"]
    print(
        f"  writing the results: {outcome.slices} slices, {outcome.write_s:.2f} s on the main thread, "
        f"longest slice {outcome.longest_slice_s * 1000.0:.0f} ms; longest main-thread stall during the "
        f"whole analysis {task_run['longest_stall_ms']:.0f} ms (longest garbage collection "
        f"{task_run['longest_gc_ms']:.0f} ms)"
    )
    steps_run = time_analysis_steps(case_layer, flood, landslide)
    steps = steps_run["steps"]
    print(
        "  where the plugin's time goes (steps rerun on the main thread, analysis CRS "
        f"{steps_run['crs']}): "
        + ", ".join(f"{name[:-2].replace('_', ' ')} {value:.2f} s" for name, value in steps.items())
    )
    in_repaired = repaired_coverage(steps_run["hazard_set"], steps_run["metric_cases"])

    algorithm_id = join_algorithm_id()
    subsample = load_layer(Path(f"{gpkg_path}|layername={case_layer.name()}"), "subsample")
    subsample.setSubsetString(f"fid <= {min(SUBSAMPLE_POINTS, point_count)}")

    default_run = run_default_check_isolated(
        subsample.source(), subsample.subsetString(), flood_path, qgis_limit_s, work_dir
    )
    if default_run.error:
        print(
            f"  QGIS {algorithm_id}, default invalid geometry handling, {default_run.points:,} points: "
            f"stopped after {default_run.seconds:.2f} s: {default_run.error}"
        )
    else:
        print(
            f"  QGIS {algorithm_id}, default invalid geometry handling, {default_run.points:,} points: "
            f"completed in {default_run.seconds:.2f} s"
        )

    sample_run = run_qgis_join(algorithm_id, subsample, flood, True, qgis_limit_s)
    if sample_run.error:
        raise RuntimeError(f"QGIS's join with invalid outlines skipped failed: {sample_run.error}")
    estimate_s = sample_run.seconds * point_count / sample_run.points
    print(
        f"  QGIS {algorithm_id}, invalid outlines skipped, {sample_run.points:,} points: "
        f"{sample_run.seconds:.2f} s (estimate for {point_count:,}: {estimate_s:.0f} s)"
    )
    full_run = sample_run
    scaled = sample_run.points < point_count
    if scaled and estimate_s <= qgis_limit_s:
        full_run = run_qgis_join(algorithm_id, case_layer, flood, True, qgis_limit_s)
        scaled = bool(full_run.error)
        if full_run.error:
            print(f"  QGIS on all {point_count:,} points: {full_run.error}; the subsample's time is scaled")
            full_run = sample_run
        else:
            print(
                f"  QGIS {algorithm_id}, invalid outlines skipped, {point_count:,} points: "
                f"{full_run.seconds:.2f} s"
            )
    qgis_s = full_run.seconds * point_count / full_run.points
    if scaled:
        print(
            f"  NOTE: QGIS ran on a subsample of {full_run.points:,} points; its time for {point_count:,} "
            f"is scaled linearly: {qgis_s:.0f} s"
        )

    comparison = compare_counts(ours, full_run.counts, in_repaired)
    ratio = overlay_s / qgis_s
    print(
        f"  plugin {overlay_s:.2f} s against QGIS {qgis_s:.1f} s: the plugin takes {ratio:.4f} of "
        f"QGIS's time ({1 / ratio:.0f} times faster)"
    )
    print(
        f"  flood counts of {comparison['compared']:,} points compared: {comparison['differ']:,} differ, "
        f"{comparison['explained_by_repair']:,} of them inside an outline that QGIS skipped as invalid and "
        "the plugin repaired"
    )
    points_in_flood_ours = sum(1 for case_id in full_run.counts if (ours.get(case_id) or 0) > 0)
    points_in_flood_qgis = sum(1 for value in full_run.counts.values() if value > 0)
    return {
        "overlay_points": point_count,
        "overlay_flood_outlines": flood.featureCount(),
        "overlay_landslide_points": landslide.featureCount(),
        "overlay_100k_s": round(overlay_s, 3),
        "overlay_worker_s": round(task_run["work_s"], 3),
        "overlay_write_100k_s": round(task_run["write_s"], 3),
        "overlay_write_busy_s": round(outcome.write_s, 3),
        "overlay_write_slices": outcome.slices,
        "overlay_longest_slice_ms": round(outcome.longest_slice_s * 1000.0, 1),
        "overlay_longest_stall_ms": round(task_run["longest_stall_ms"], 1),
        "overlay_task_wall_s": round(task_run["wall_s"], 3),
        "overlay_steps_s": {name: round(value, 3) for name, value in steps.items()},
        "overlay_in_flood": analysis.in_flood,
        "overlay_in_landslide_zone": analysis.in_landslide_zone,
        "overlay_repaired_outlines": len(analysis.repairs),
        "qgis_algorithm": algorithm_id,
        "qgis_default_check_points": default_run.points,
        "qgis_default_check_s": round(default_run.seconds, 3),
        "qgis_default_check_error": default_run.error,
        "qgis_join_points": full_run.points,
        "qgis_join_scaled": scaled,
        "qgis_join_subsample_s": round(sample_run.seconds, 3),
        "qgis_join_100k_s": round(qgis_s, 2),
        "overlay_vs_qgis_ratio": round(ratio, 5),
        "overlay_task_wall_vs_qgis_ratio": round(task_run["wall_s"] / qgis_s, 5),
        "counts_compared": comparison["compared"],
        "counts_differ": comparison["differ"],
        "counts_differ_explained_by_repair": comparison["explained_by_repair"],
        "counts_in_flood_plugin": points_in_flood_ours,
        "counts_in_flood_qgis": points_in_flood_qgis,
    }


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "default-check":
        _default_check_child(sys.argv[2:])
    else:
        sys.exit(
            "usage: bench_overlay.py default-check POINTS SUBSET FLOOD LIMIT_S AUTH_DIR (run by bench.py)"
        )
