"""Benchmark the plugin: live sync of 50,000 cases, and the hazard overlay of 100,000 points against QGIS.

Two parts run in one process with a headless QGIS application:

A. Live sync (scripts/bench_live.py): the reference server runs on a fresh database in a temporary folder,
   and 50,000 synthetic cases are imported through its CLI. The plugin's FetchCasesTask then runs through
   the QGIS task manager into a GeoPackage case layer twice: a first full fetch, and an incremental
   refresh after 500 status changes (1 %) on the server. A 10 ms timer on the main thread records the
   longest stall of the event loop.
B. Overlay at scale (scripts/bench_overlay.py): 100,000 synthetic case points over the bounding box of the
   Đắk Lắk DFO flood outlines, analysed by the plugin's AnalyseHazardsTask and by QGIS's own
   "Join attributes by location (summary)" (qgis:joinbylocationsummary in QGIS 3.22). B reads the flood
   and landslide files from ../shared/data/hazards beside the repository and is skipped when they are
   absent.

The figures are printed and merged into bench-results.json in the repository root, or in the folder
named by BENCH_OUT. docs/benchmarks.md explains them. Aims that are missed are printed, but they do
not change the exit code. The exit code is 1 only when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA_DIR = REPO_ROOT / ".." / "shared" / "data"
RESULTS_NAME = "bench-results.json"

# The QGIS authentication database lives in a temporary folder deleted at the end, so this password
# protects nothing. The bench sets it only because QGIS requires one to open the database.
BENCH_MASTER_PASSWORD = "bench-throwaway-master-password"

LOGGER = logging.getLogger("bench")


def peak_memory_mb() -> float:
    """Return the peak resident memory of this process so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def start_qgis(auth_dir: Path) -> Any:
    """Start a headless QGIS application with its authentication database in `auth_dir`, and Processing."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # QGIS 3.22 prints key derivation values on Qt's debug channel when a master password is set.
    os.environ.setdefault("QT_LOGGING_RULES", "*.debug=false")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(auth_dir))
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = str(auth_dir)
    from qgis.core import QgsApplication

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    if not QgsApplication.authManager().setMasterPassword(BENCH_MASTER_PASSWORD, True):
        raise RuntimeError("could not set the master password of the temporary QGIS authentication database")

    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


def results_path() -> Path:
    """Return the path of bench-results.json: in BENCH_OUT when set, else in the repository root."""
    folder = Path(os.environ["BENCH_OUT"]) if os.environ.get("BENCH_OUT") else REPO_ROOT
    folder.mkdir(parents=True, exist_ok=True)
    return folder / RESULTS_NAME


def merge_results(path: Path, figures: dict[str, Any]) -> dict[str, Any]:
    """Merge `figures` into the JSON object stored at `path` (new keys win) and write it back."""
    merged: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            LOGGER.warning("%s is not readable JSON (%s); it is replaced", path, error)
        else:
            if isinstance(loaded, dict):
                merged = loaded
    merged.update(figures)
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return merged


def machine_description() -> dict[str, Any]:
    """Describe the machine that ran the bench: CPU model, logical cores, memory, Python and QGIS versions."""
    from qgis.core import Qgis

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "qgis": Qgis.QGIS_VERSION,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=50_000, help="cases imported for the live sync (A)")
    parser.add_argument(
        "--changes", type=int, default=500, help="status changes made on the server before the refresh (A)"
    )
    parser.add_argument("--points", type=int, default=100_000, help="case points for the overlay (B)")
    parser.add_argument(
        "--qgis-limit-s",
        type=float,
        default=300.0,
        help="seconds: QGIS's join runs on all points only when the time on a 20,000-point subsample, "
        "scaled linearly, is within this limit; each QGIS run is also cancelled after it (default 300)",
    )
    parser.add_argument("--skip-live", action="store_true", help="skip the live sync (A)")
    parser.add_argument("--skip-overlay", action="store_true", help="skip the overlay (B)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile run() and finished() of each fetch with cProfile and print the top calls",
    )
    parser.add_argument(
        "--slice-size",
        type=int,
        default=None,
        help="changes the live sync writes per main-thread slice (A; default: the plugin's default)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="seed of the synthetic cases and points")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The plugin logs every rejected or repaired record; the bench only needs its summaries.
    logging.getLogger("sos_qgis_plugin").setLevel(logging.ERROR)
    sys.path.insert(0, str(REPO_ROOT))
    sys.path.insert(0, str(REPO_ROOT / "scripts"))

    work_dir = Path(tempfile.mkdtemp(prefix="sos-bench-"))
    figures: dict[str, Any] = {}
    failed = False
    started = time.perf_counter()
    try:
        app = start_qgis(work_dir / "auth")
        figures["bench_date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        figures["machine"] = machine_description()
        print(f"Machine: {figures['machine']}")

        if not args.skip_live:
            import bench_live

            try:
                slice_size = args.slice_size or bench_live.DEFAULT_SLICE_SIZE
                figures.update(
                    bench_live.run_live(
                        work_dir / "live", args.cases, args.changes, args.seed, args.profile, slice_size
                    )
                )
            except Exception:
                LOGGER.exception("The live sync benchmark (A) failed")
                failed = True
            figures["live_peak_memory_mb"] = round(peak_memory_mb(), 1)
            print(f"  peak resident memory after A: {figures['live_peak_memory_mb']} MiB")

        if not args.skip_overlay:
            import bench_overlay

            hazards_dir = (SHARED_DATA_DIR / "hazards").resolve()
            try:
                figures.update(
                    bench_overlay.run_overlay(
                        work_dir / "overlay", hazards_dir, args.points, args.seed, args.qgis_limit_s
                    )
                )
            except bench_overlay.HazardDataMissingError as missing:
                print(f"B. Overlay at scale skipped: {missing}")
                figures["overlay_skipped"] = str(missing)
            except Exception:
                LOGGER.exception("The overlay benchmark (B) failed")
                failed = True

        figures["peak_memory_mb"] = round(peak_memory_mb(), 1)
        figures["bench_total_s"] = round(time.perf_counter() - started, 1)
        path = results_path()
        merge_results(path, figures)
        print(f"\nPeak resident memory of the bench process: {figures['peak_memory_mb']} MiB")
        print(f"Total run time: {figures['bench_total_s']} s")
        print(f"Figures written to {path}")
        app.exitQgis()
    finally:
        if args.keep:
            print(f"Temporary folder kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
