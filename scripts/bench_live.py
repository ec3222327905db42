"""Benchmark A of scripts/bench.py: the live sync of many cases through the plugin's FetchCasesTask.

The reference server runs as a subprocess on 127.0.0.1 on a fresh database. The fetch runs in the QGIS
task manager as in the plugin: network, parsing and planning the changes in run() on a worker thread, and
the writes on the main thread in slices that start from finished(). Needs a running QgsApplication.
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import pstats
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

from soak import ServerProcess, run_cli

from sos_qgis_plugin.case_layer import CASE_LAYER_NAME, create_or_open_case_layer, read_sync_state
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient, StatusChange
from sos_qgis_plugin.tasks import DEFAULT_SLICE_SIZE, FetchCasesTask, FetchOutcome

# Cases are spread uniformly over Đắk Lắk province and the former Phú Yên coast (WGS 84 degrees).
CASE_BBOX = (107.9, 12.1, 109.5, 13.7)
# The server's next_updated_since is the read time minus 5 s, so the refresh would fetch again every case
# written less than this long before the first fetch.
SAFETY_MARGIN_S = 6.0
TICK_INTERVAL_MS = 10
FETCH_TIMEOUT_S = 600.0
AIM_REFRESH_S = 1.0
AIM_STALL_MS = 100.0

VIETNAM_TZ = timezone(timedelta(hours=7))
NEEDS = ("rescue", "medical", "food", "water", "shelter", "evacuation")
URGENCIES = ("low", "medium", "high", "critical")
COMMUNES = ("Hòa Xuân", "Ea Tu", "Krông Búk", "Buôn Hồ", "Cư M'gar", "Sơn Hòa", "Đông Hòa", "Lắk")


def write_cases(path: Path, count: int, rng: random.Random) -> None:
    """Write `count` valid synthetic cases as a GeoJSON FeatureCollection with unique external ids."""
    now = datetime.now(timezone.utc)
    min_lon, min_lat, max_lon, max_lat = CASE_BBOX
    features = []
    for number in range(1, count + 1):
        people = rng.randint(1, 12)
        created = now - timedelta(minutes=rng.randint(10, 72 * 60))
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(rng.uniform(min_lon, max_lon), 6),
                        round(rng.uniform(min_lat, max_lat), 6),
                    ],
                },
                "properties": {
                    "external_id": f"bench-{number:06d}",
                    "status": "needs_help",
                    "people_count": people,
                    "household_count": max(1, people // 4),
                    "description": f"Nhà ngập, {people} người cần hỗ trợ",
                    "address": rng.choice(COMMUNES),
                    "urgency": rng.choice(URGENCIES),
                    "needs": sorted(rng.sample(NEEDS, rng.randint(1, 3))),
                    "has_children": rng.random() < 0.3,
                    "has_elderly": rng.random() < 0.3,
                    "has_disabilities": rng.random() < 0.05,
                    "created_at": created.astimezone(VIETNAM_TZ).isoformat(timespec="seconds"),
                    "source": "bench",
                },
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


class StallMonitor:
    """A timer on the main thread that ticks every 10 ms and records the longest gap between two ticks.

    A gap much longer than the interval means the main thread (the QGIS user interface) was blocked that long.
    """

    def __init__(self) -> None:
        from qgis.PyQt.QtCore import Qt, QTimer

        # Python's garbage collector stops every thread while it runs, so its longest pass is recorded too.
        self.longest_gc_s = 0.0
        self._gc_started = 0.0

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.last_tick = 0.0
        self.longest_gap_s = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.last_tick = time.perf_counter()
        self.longest_gap_s = 0.0
        self.longest_gc_s = 0.0
        self.ticks = 0
        gc.callbacks.append(self._on_gc)
        self.timer.start()

    def stop(self) -> float:
        """Stop the timer, count the time since the last tick as a gap, and return the longest gap in ms."""
        self._tick()
        self.timer.stop()
        gc.callbacks.remove(self._on_gc)
        return self.longest_gap_s * 1000.0

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.longest_gc_s = max(self.longest_gc_s, time.perf_counter() - self._gc_started)

    def longest_gap_ms_so_far(self) -> float:
        """Return the longest gap in ms up to now, counting the time since the last tick, without stopping."""
        return max(self.longest_gap_s, time.perf_counter() - self.last_tick) * 1000.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest_gap_s = max(self.longest_gap_s, now - self.last_tick)
        self.last_tick = now
        self.ticks += 1


class TimedFetchTask(FetchCasesTask):
    """FetchCasesTask that records how long run() (worker thread) and finished() (main thread) took.

    The slices written after finished() report their own main-thread time in FetchOutcome.write_s.
    """

    def __init__(
        self, *args: Any, monitor: Optional[StallMonitor] = None, profile: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.run_s = 0.0
        self.finished_s = 0.0
        self.stall_before_finished_ms = 0.0
        self.profile_text = ""
        self.run_profile_text = ""
        self.monitor = monitor
        self.profile = profile

    def run(self) -> bool:
        started = time.perf_counter()
        # cProfile records only the thread that enables it, so run() gets its own profiler.
        profiler = cProfile.Profile() if self.profile else None
        if profiler is not None:
            profiler.enable()
        try:
            return super().run()
        finally:
            if profiler is not None:
                profiler.disable()
                self.run_profile_text = _profile_summary(profiler)
            self.run_s = time.perf_counter() - started

    def finished(self, result: bool) -> None:
        started = time.perf_counter()
        if self.monitor is not None:
            # Stalls so far happened while only the worker thread ran, which holds the GIL at times.
            self.stall_before_finished_ms = self.monitor.longest_gap_ms_so_far()
        profiler = cProfile.Profile() if self.profile else None
        if profiler is not None:
            profiler.enable()
        try:
            super().finished(result)
        finally:
            if profiler is not None:
                profiler.disable()
                self.profile_text = _profile_summary(profiler)
            self.finished_s = time.perf_counter() - started


def _profile_summary(profiler: cProfile.Profile, lines: int = 18) -> str:
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(lines)
    return stream.getvalue()


@dataclass
class FetchRun:
    """Figures of one fetch through the task manager."""

    wall_s: float
    worker_s: float
    main_thread_s: float
    longest_stall_ms: float
    # Maximum stall before finished() began, while the worker thread fetched, parsed and planned.
    worker_phase_stall_ms: float
    # Maximum duration of one pass of Python's garbage collector during the fetch, on any thread.
    longest_gc_ms: float
    outcome: FetchOutcome
    profile_text: str
    run_profile_text: str


def run_fetch(
    base_url: str,
    token: str,
    layer: Any,
    updated_since: Optional[str],
    monitor: StallMonitor,
    profile: bool,
    slice_size: int = DEFAULT_SLICE_SIZE,
) -> FetchRun:
    """Run one FetchCasesTask through the QGIS task manager and wait for its on_done callback.

    Raises RuntimeError when the fetch fails or does not end within FETCH_TIMEOUT_S.
    """
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    outcomes: list[FetchOutcome] = []
    done_at: list[float] = []

    def on_done(outcome: FetchOutcome) -> None:
        done_at.append(time.perf_counter())
        outcomes.append(outcome)
        loop.quit()

    # The task closes its client when run() ends, so every fetch gets a new one.
    client = SosClient(ClientConfig(base_url, token))
    task = TimedFetchTask(
        client,
        layer,
        updated_since,
        None,
        on_done,
        service_url=base_url,
        slice_size=slice_size,
        monitor=monitor,
        profile=profile,
    )
    QTimer.singleShot(int(FETCH_TIMEOUT_S * 1000), loop.quit)
    monitor.start()
    started = time.perf_counter()
    QgsApplication.taskManager().addTask(task)
    loop.exec()
    stall_ms = monitor.stop()
    if not outcomes:
        task.cancel()
        raise RuntimeError(f"the fetch did not end within {FETCH_TIMEOUT_S:g} s")
    outcome = outcomes[0]
    if not outcome.ok:
        raise RuntimeError(f"the fetch failed: {outcome.message}")
    return FetchRun(
        wall_s=done_at[0] - started,
        worker_s=task.run_s,
        main_thread_s=task.finished_s + outcome.write_s,
        longest_stall_ms=stall_ms,
        worker_phase_stall_ms=task.stall_before_finished_ms,
        longest_gc_ms=monitor.longest_gc_s * 1000.0,
        outcome=outcome,
        profile_text=task.profile_text,
        run_profile_text=task.run_profile_text,
    )


def change_statuses(base_url: str, token: str, case_ids: list[str]) -> int:
    """Set `in_progress` on the given cases through the batch endpoint; return how many the server applied."""
    changes = [StatusChange(case_id, "in_progress", note="bench refresh") for case_id in case_ids]
    applied = 0
    with SosClient(ClientConfig(base_url, token)) as client:
        for start in range(0, len(changes), 1000):
            key = str(uuid.uuid4())
            results = client.set_statuses(changes[start : start + 1000], idempotency_key=key)
            applied += sum(1 for result in results if result.outcome == "ok")
    return applied


def layer_case_ids(layer: Any) -> list[str]:
    """Return the case ids stored in the layer, in feature id order."""
    from qgis.core import QgsFeatureRequest

    request = QgsFeatureRequest()
    request.setSubsetOfAttributes(["id"], layer.fields())
    request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
    return [str(feature["id"]) for feature in layer.dataProvider().getFeatures(request)]


def run_live(
    work_dir: Path,
    case_count: int,
    change_count: int,
    seed: int,
    profile: bool,
    slice_size: int = DEFAULT_SLICE_SIZE,
) -> dict[str, Any]:
    """Run benchmark A and return its figures (keys live_*); print them as they come."""
    print(f"\nA. Live sync of {case_count:,} cases, {slice_size:,} changes per main-thread slice")
    work_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    cases_path = work_dir / "cases.geojson"
    write_cases(cases_path, case_count, rng)

    db_path = work_dir / "sos.db"
    started = time.perf_counter()
    import_report = run_cli("import", str(cases_path), "--db", str(db_path)).strip()
    import_s = time.perf_counter() - started
    imported_at = time.monotonic()
    print(f"  import through the CLI: {import_s:.1f} s ({import_report})")
    viewer_token = run_cli("token", "create", "--role", "viewer", "--db", str(db_path)).strip()
    officer_token = run_cli("token", "create", "--role", "officer", "--db", str(db_path)).strip()

    server = ServerProcess(db_path, work_dir / "sos_server.log")
    server.start()
    try:
        layer = create_or_open_case_layer(str(work_dir / "cases.gpkg"))
        monitor = StallMonitor()
        # The refresh must not fetch the imported cases again because of the server's safety margin.
        wait_s = SAFETY_MARGIN_S - (time.monotonic() - imported_at)
        if wait_s > 0:
            time.sleep(wait_s)

        first = run_fetch(server.url, viewer_token, layer, None, monitor, profile, slice_size)
        print(
            f"  first fetch: {first.wall_s:.2f} s wall ({first.worker_s:.2f} s worker thread, "
            f"{first.main_thread_s:.2f} s main thread in {first.outcome.slices} slices, longest "
            f"{first.outcome.longest_slice_s * 1000:.0f} ms), "
            f"{first.outcome.fetched:,} fetched, "
            f"{first.outcome.added:,} added, {first.outcome.rejected} rejected, "
            f"longest stall {first.longest_stall_ms:.0f} ms "
            f"({first.worker_phase_stall_ms:.0f} ms before finished() began; longest garbage collection "
            f"{first.longest_gc_ms:.0f} ms)"
        )
        if first.profile_text:
            print("  profile of the first fetch's run() on the worker thread:\n" + first.run_profile_text)
            print("  profile of the first fetch's finished() on the main thread:\n" + first.profile_text)

        changed_ids = rng.sample(layer_case_ids(layer), min(change_count, layer.featureCount()))
        applied = change_statuses(server.url, officer_token, changed_ids)
        print(f"  {applied} of {len(changed_ids)} status changes applied on the server (not timed)")

        updated_since = read_sync_state(str(work_dir / "cases.gpkg"), CASE_LAYER_NAME, service_url=server.url)
        if updated_since is None:
            raise RuntimeError("the first fetch stored no sync state, so the refresh would be a full fetch")
        refresh = run_fetch(server.url, viewer_token, layer, updated_since, monitor, profile, slice_size)
        print(
            f"  refresh (updated_since {updated_since}): {refresh.wall_s:.3f} s wall "
            f"({refresh.worker_s:.3f} s worker thread, {refresh.main_thread_s:.3f} s main thread in "
            f"{refresh.outcome.slices} slices, longest {refresh.outcome.longest_slice_s * 1000:.0f} ms), "
            f"{refresh.outcome.fetched:,} fetched, {refresh.outcome.updated:,} updated, "
            f"longest stall {refresh.longest_stall_ms:.0f} ms "
            f"({refresh.worker_phase_stall_ms:.0f} ms before finished() began; longest garbage collection "
            f"{refresh.longest_gc_ms:.0f} ms)"
        )
        if refresh.profile_text:
            print("  profile of the refresh's run() on the worker thread:\n" + refresh.run_profile_text)
            print("  profile of the refresh's finished() on the main thread:\n" + refresh.profile_text)
    finally:
        server.stop()

    longest_stall_ms = max(first.longest_stall_ms, refresh.longest_stall_ms)
    refresh_verdict = "met" if refresh.wall_s < AIM_REFRESH_S else "MISSED"
    stall_verdict = "met" if longest_stall_ms < AIM_STALL_MS else "MISSED"
    print(f"  aim: refresh of 1 % under {AIM_REFRESH_S:g} s: {refresh_verdict} ({refresh.wall_s:.3f} s)")
    print(f"  aim: longest stall under {AIM_STALL_MS:g} ms: {stall_verdict} ({longest_stall_ms:.0f} ms)")
    return {
        "live_cases": case_count,
        "live_slice_size": slice_size,
        "live_import_s": round(import_s, 2),
        "live_first_fetch_50k_s": round(first.wall_s, 3),
        "live_first_fetch_worker_s": round(first.worker_s, 3),
        "live_first_fetch_main_thread_s": round(first.main_thread_s, 3),
        "live_first_fetch_fetched": first.outcome.fetched,
        "live_changes_applied": applied,
        "live_refresh_1pct_s": round(refresh.wall_s, 3),
        "live_refresh_worker_s": round(refresh.worker_s, 3),
        "live_refresh_main_thread_s": round(refresh.main_thread_s, 3),
        "live_refresh_fetched": refresh.outcome.fetched,
        "live_refresh_updated": refresh.outcome.updated,
        "live_longest_stall_first_fetch_ms": round(first.longest_stall_ms, 1),
        "live_longest_stall_refresh_ms": round(refresh.longest_stall_ms, 1),
        "live_longest_stall_ms": round(longest_stall_ms, 1),
        "live_longest_slice_ms": round(
            max(first.outcome.longest_slice_s, refresh.outcome.longest_slice_s) * 1000.0, 1
        ),
        "live_longest_stall_worker_phase_ms": round(
            max(first.worker_phase_stall_ms, refresh.worker_phase_stall_ms), 1
        ),
        "live_longest_gc_ms": round(max(first.longest_gc_ms, refresh.longest_gc_ms), 1),
        "live_aim_refresh_met": refresh.wall_s < AIM_REFRESH_S,
        "live_aim_stall_met": longest_stall_ms < AIM_STALL_MS,
    }
