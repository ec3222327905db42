"""Soak the status write path under network faults and a server crash, and check that no change is lost.

The run starts the reference server on a fresh SQLite database in a temporary folder, imports synthetic
cases, creates one officer token per simulated officer and puts the chaos proxy (scripts/chaos_proxy.py)
in front of the server. Officer threads then change statuses for SOAK_SECONDS through the plugin's own
SosClient: single PATCH requests with If-Match, and batches with an Idempotency-Key that are retried with
the same key and body after a network error, as the plugin does. Midway the server is killed with SIGKILL
and restarted on the same database, on a new port. At the end the faults are switched off, every case's
history is read from the server, and each acknowledged change is looked up by its unique note.

Settings come from the environment: SOAK_SECONDS (default 60), SOAK_CASES (500), SOAK_OFFICERS (6),
SOAK_SEED (1) and OUT (folder for soak-results.json; default: the repository root). The exit code is 1
when a change was lost or applied twice, or when fewer than 2000 changes were acknowledged in a run of
60 seconds or more. docs/soak.md explains the figures.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from chaos_proxy import ChaosProxy, FaultRates  # noqa: E402 - scripts/ is not a package

from sos_qgis_plugin.core.api_client import (  # noqa: E402 - the repository root is added to sys.path above
    ApiError,
    ClientConfig,
    ConflictError,
    NetworkError,
    SosClient,
    StatusChange,
)
from sos_qgis_plugin.core.errors import SosError  # noqa: E402

LOGGER = logging.getLogger("soak")

STATUSES = ("needs_help", "in_progress", "supported", "unreachable")
NOTE_PREFIX = "soak:"
MIN_ACKNOWLEDGED = 2000
MIN_SECONDS_FOR_THROUGHPUT_CHECK = 60
SERVER_START_TIMEOUT_S = 60.0
# Share of the officers' operations that are batches; the rest are single PATCH requests.
BATCH_SHARE = 0.3
BATCH_SIZE_RANGE = (5, 25)
# A batch whose request keeps failing is sent again with the same key and body for this long at most.
BATCH_RESEND_WINDOW_S = 20.0
# A PATCH rejected with 412 is retried with the current version at most this many times.
MAX_CONFLICT_RETRIES = 2
# Threads that read the cases and histories for the final check.
CHECK_THREADS = 4

# Faults per request while the officers run. The delay can exceed the client's read timeout, so some
# requests time out on the client and still reach the server later.
SOAK_RATES = FaultRates(
    drop_before=0.02,
    drop_after=0.03,
    reset=0.02,
    delay=0.04,
    error_502=0.02,
    error_503=0.02,
    throttle_429=0.02,
    delay_min_s=0.05,
    delay_max_s=3.0,
    retry_after_s=1,
)


def client_config(base_url: str, token: str) -> ClientConfig:
    """Build the client settings of one officer: short timeouts and quick retries, as on a flaky link."""
    return ClientConfig(
        base_url=base_url,
        token=token,
        connect_timeout_s=1.0,
        read_timeout_s=2.0,
        max_retries=4,
        backoff_base_s=0.2,
        backoff_max_s=2.0,
        user_agent="sos-soak",
    )


class CountingSession(requests.Session):
    """A requests session that counts the HTTP requests it sends (one per attempt, retries included)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent += 1
        return super().request(*args, **kwargs)


# --- the server process ------------------------------------------------------------------------------


class ServerProcess:
    """The reference server as a subprocess on 127.0.0.1, logging to a file."""

    def __init__(self, db_path: Path, log_path: Path) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None
        self.url = ""
        self.port = 0

    def start(self) -> None:
        """Start the server on a free port and wait until it listens. Raises RuntimeError when it does not."""
        with self.log_path.open("a", encoding="utf-8") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sos_server", "serve", "--db", str(self.db_path), "--port", "0"],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
                encoding="utf-8",
            )
        found = threading.Event()

        def read_stdout() -> None:
            # Keeps draining stdout so that the server never blocks on a full pipe.
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                if line.startswith("listening on ") and not found.is_set():
                    self.url = line[len("listening on ") :].strip()
                    found.set()

        threading.Thread(target=read_stdout, name="server-stdout", daemon=True).start()
        if not found.wait(SERVER_START_TIMEOUT_S):
            self.stop()
            raise RuntimeError(
                f"sos_server did not start within {SERVER_START_TIMEOUT_S:g} s; see {self.log_path}"
            )
        self.port = int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """Kill the server with SIGKILL, so that it cannot flush or close anything, and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after 5 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()


def run_cli(*args: str) -> str:
    """Run ``python -m sos_server ARGS`` and return its standard output. Raises RuntimeError when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "sos_server", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"sos_server {args[0]} failed with exit code {result.returncode}: {result.stderr}")
    return result.stdout


def write_cases(path: Path, count: int, rng: random.Random) -> None:
    """Write ``count`` synthetic cases as a GeoJSON FeatureCollection (points west of Tuy Hòa, Đắk Lắk)."""
    created = datetime.now(timezone.utc) - timedelta(hours=6)
    features = []
    for number in range(1, count + 1):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(rng.uniform(108.9, 109.3), 5), round(rng.uniform(12.9, 13.2), 5)],
                },
                "properties": {
                    "external_id": f"soak-{number:06d}",
                    "status": "needs_help",
                    "people_count": rng.randint(1, 12),
                    "description": "Nước đang lên, cần hỗ trợ",
                    "urgency": rng.choice(["low", "medium", "high", "critical"]),
                    "needs": ["rescue"],
                    "created_at": (created + timedelta(seconds=number)).isoformat(),
                },
            }
        )
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8"
    )


# --- the officers ------------------------------------------------------------------------------------


@dataclass
class OfficerStats:
    """Counters and events of one officer. ``acknowledged`` maps each confirmed note to (case, status)."""

    attempted: int = 0
    acknowledged: dict[str, tuple[str, str]] = field(default_factory=dict)
    acknowledged_by_history: int = 0
    conflicts: int = 0
    unknown_outcome: int = 0
    failed_reads: int = 0
    batches: int = 0
    batches_resent: int = 0
    patches: int = 0
    requests_sent: int = 0
    events: list[dict] = field(default_factory=list)


class Officer(threading.Thread):
    """One simulated officer: changes statuses through its own SosClient until ``stop`` is set."""

    def __init__(
        self, name: str, base_url: str, token: str, case_ids: list[str], seed: int, stop: threading.Event
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.case_ids = case_ids
        self.rng = random.Random(seed)
        self.stop_event = stop
        self.session = CountingSession()
        self.client = SosClient(
            client_config(base_url, token), session=self.session, rng=random.Random(seed + 1)
        )
        self.stats = OfficerStats()
        self.versions: dict[str, int] = {}

    def run(self) -> None:
        try:
            self._load_versions()
            while not self.stop_event.is_set():
                if self.rng.random() < BATCH_SHARE:
                    self._change_batch()
                else:
                    self._change_one()
        except Exception:  # noqa: BLE001 - a crash of a thread must show in the log, not vanish
            LOGGER.exception("%s stopped by an unexpected error", self.name)
        finally:
            self.stats.requests_sent = self.session.sent
            self.client.close()
            self.session.close()

    def _event(self, **values: Any) -> None:
        self.stats.events.append({"time": time.time(), "officer": self.name, **values})

    def _load_versions(self) -> None:
        try:
            page = self.client.list_cases_page(limit=10000)
        except SosError as error:
            LOGGER.warning("%s could not list the cases: %s", self.name, error.details)
            return
        for feature in page.features:
            version = (feature.get("properties") or {}).get("version")
            if isinstance(version, int):
                self.versions[str(feature.get("id"))] = version

    def _note_in_history(self, case_id: str, note: str) -> Optional[bool]:
        """Return whether ``note`` is in the case's history, or None when the history cannot be read."""
        try:
            entries = self.client.get_history(case_id)
        except SosError:
            return None
        return any(entry.get("note") == note for entry in entries)

    def _change_one(self) -> None:
        case_id = self.rng.choice(self.case_ids)
        try:
            feature, version = self.client.get_case(case_id)
        except SosError:
            self.stats.failed_reads += 1
            return
        current = (feature.get("properties") or {}).get("status")
        status = self.rng.choice([value for value in STATUSES if value != current])
        note = NOTE_PREFIX + str(uuid.uuid4())
        self.stats.attempted += 1
        self.stats.patches += 1

        for _ in range(MAX_CONFLICT_RETRIES + 1):
            try:
                changed = self.client.set_status(case_id, status, version=version, note=note)
            except ConflictError as error:
                # A 412 also comes back when our own PATCH was applied but its response was lost and the
                # client retried it. Only the history shows which, and a blind retry would apply the
                # change twice.
                applied = self._note_in_history(case_id, note)
                if applied is None:
                    self._unknown(case_id, status, note, "patch", "history unreadable after 412")
                    return
                if applied:
                    self._acknowledge(case_id, status, note, "patch", by_history=True)
                    return
                self.stats.conflicts += 1
                current_version = ((error.current or {}).get("properties") or {}).get("version")
                if not isinstance(current_version, int):
                    self._unknown(case_id, status, note, "patch", "412 without the current case")
                    return
                version = current_version
                continue
            except (NetworkError, ApiError) as error:
                self._unknown(case_id, status, note, "patch", error.details)
                return
            self.versions[case_id] = (changed.get("properties") or {}).get("version", version + 1)
            self._acknowledge(case_id, status, note, "patch")
            return
        self._event(kind="patch", case_id=case_id, note=note, outcome="conflict")

    def _change_batch(self) -> None:
        size = self.rng.randint(*BATCH_SIZE_RANGE)
        changes = [
            StatusChange(
                case_id=case_id,
                status=self.rng.choice(STATUSES),
                note=NOTE_PREFIX + str(uuid.uuid4()),
                if_version=self.versions.get(case_id),
            )
            for case_id in self.rng.sample(self.case_ids, size)
        ]
        self.stats.attempted += len(changes)
        conflicted = self._send_batch(changes)
        if conflicted and not self.stop_event.is_set():
            # The officer saw both values and keeps their own: the same changes (same notes) go again with
            # the current versions, in a new batch with a new key. Had the first batch been applied after
            # all, the history would now show those notes twice.
            self._send_batch(conflicted)

    def _send_batch(self, changes: list[StatusChange]) -> list[StatusChange]:
        """Send one batch until a response arrives or the resend window ends; return the conflicts."""
        key = str(uuid.uuid4())
        self.stats.batches += 1
        deadline = time.monotonic() + BATCH_RESEND_WINDOW_S
        sends = 0
        while True:
            sends += 1
            try:
                results = self.client.set_statuses(changes, idempotency_key=key)
                break
            except (NetworkError, ApiError) as error:
                # The outcome is unknown, so the plugin sends the same key and body again: the server then
                # replays its stored response instead of applying the batch twice.
                retryable = isinstance(error, NetworkError) or error.status in (409, 429, 502, 503, 504)
                if not retryable or time.monotonic() >= deadline or self.stop_event.is_set():
                    for change in changes:
                        self._unknown(change.case_id, change.status, change.note, "batch", error.details, key)
                    return []
                self.stats.batches_resent += 1
                time.sleep(0.5)

        conflicted = []
        for change, result in zip(changes, results):
            case_version = ((result.case or {}).get("properties") or {}).get("version")
            if isinstance(case_version, int):
                self.versions[change.case_id] = case_version
            if result.outcome == "ok":
                self._acknowledge(change.case_id, change.status, change.note or "", "batch", key=key)
            elif result.outcome == "conflict":
                self.stats.conflicts += 1
                self._event(
                    kind="batch", case_id=change.case_id, note=change.note, outcome="conflict", key=key
                )
                if isinstance(case_version, int):
                    conflicted.append(
                        StatusChange(change.case_id, change.status, note=change.note, if_version=case_version)
                    )
            else:
                self._unknown(change.case_id, change.status, change.note, "batch", result.outcome, key)
        self._event(kind="batch_done", key=key, sends=sends, size=len(changes))
        return conflicted

    def _acknowledge(
        self, case_id: str, status: str, note: str, kind: str, *, by_history: bool = False, key: str = ""
    ) -> None:
        self.stats.acknowledged[note] = (case_id, status)
        if by_history:
            self.stats.acknowledged_by_history += 1
        outcome = "acknowledged_by_history" if by_history else "acknowledged"
        self._event(kind=kind, case_id=case_id, status=status, note=note, outcome=outcome, key=key)

    def _unknown(
        self, case_id: str, status: str, note: Optional[str], kind: str, reason: str, key: str = ""
    ) -> None:
        self.stats.unknown_outcome += 1
        self._event(
            kind=kind, case_id=case_id, status=status, note=note, outcome="unknown", reason=reason, key=key
        )


# --- the check ---------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """Findings from the server's histories about the acknowledged changes."""

    lost: list[dict]
    applied_twice: list[dict]
    applied_unacknowledged: int
    unknown_notes: int
    status_mismatches: list[str]
    unreadable_cases: list[str]


def _read_cases(
    base_url: str, token: str, case_ids: list[str]
) -> list[tuple[str, Optional[dict], Optional[list[dict]]]]:
    """Read each case and its history; both are None for a case that could not be read."""
    readings: list[tuple[str, Optional[dict], Optional[list[dict]]]] = []
    config = ClientConfig(base_url=base_url, token=token, connect_timeout_s=5.0, read_timeout_s=30.0)
    with SosClient(config) as client:
        for case_id in case_ids:
            try:
                feature, _ = client.get_case(case_id)
                entries = client.get_history(case_id)
            except SosError as error:
                LOGGER.error("could not read case %s for the check: %s", case_id, error.details)
                readings.append((case_id, None, None))
                continue
            readings.append((case_id, feature, entries))
    return readings


def verify(base_url: str, token: str, case_ids: list[str], officers: list[Officer]) -> Verdict:
    """Read every case and its history without faults and compare them with the acknowledged changes."""
    acknowledged: dict[str, tuple[str, str]] = {}
    attempted_notes: set[str] = set()
    for officer in officers:
        acknowledged.update(officer.stats.acknowledged)
        attempted_notes.update(event["note"] for event in officer.stats.events if event.get("note"))

    seen: Counter[str] = Counter()
    where: dict[str, list[tuple[str, Optional[str]]]] = {}
    status_mismatches = []
    unreadable = []
    chunks = [case_ids[start::CHECK_THREADS] for start in range(CHECK_THREADS)]
    with ThreadPoolExecutor(CHECK_THREADS) as pool:
        readings = [
            item
            for chunk in pool.map(lambda ids: _read_cases(base_url, token, ids), chunks)
            for item in chunk
        ]
    for case_id, feature, entries in readings:
        if feature is None or entries is None:
            unreadable.append(case_id)
            continue
        for entry in entries:
            note = entry.get("note") or ""
            if note.startswith(NOTE_PREFIX):
                seen[note] += 1
                where.setdefault(note, []).append((case_id, entry.get("to_status")))
        last_status = entries[-1].get("to_status") if entries else None
        if (feature.get("properties") or {}).get("status") != last_status:
            status_mismatches.append(case_id)

    lost = []
    for note, (case_id, status) in acknowledged.items():
        if (case_id, status) not in where.get(note, []):
            lost.append({"note": note, "case_id": case_id, "status": status, "found": where.get(note, [])})
    applied_twice = [{"note": note, "entries": where[note]} for note, count in seen.items() if count > 1]
    applied_unacknowledged = sum(1 for note in seen if note not in acknowledged)
    unknown_notes = sum(1 for note in seen if note not in attempted_notes and note not in acknowledged)
    return Verdict(lost, applied_twice, applied_unacknowledged, unknown_notes, status_mismatches, unreadable)


# --- the run -----------------------------------------------------------------------------------------


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"error: {name} must be a whole number, got {value!r}") from None


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Run the soak and return the exit code, 0 when each acknowledged change is in the history once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The client logs each retry at WARNING; thousands of them would drown the summary.
    logging.getLogger("sos_qgis_plugin").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    seconds = _env_int("SOAK_SECONDS", 60)
    case_count = _env_int("SOAK_CASES", 500)
    officer_count = _env_int("SOAK_OFFICERS", 6)
    seed = _env_int("SOAK_SEED", 1)
    out_dir = Path(os.environ.get("OUT") or REPO_ROOT)
    if seconds < 1 or case_count < BATCH_SIZE_RANGE[1] or officer_count < 1:
        print(f"error: need SOAK_SECONDS >= 1, SOAK_CASES >= {BATCH_SIZE_RANGE[1]} and SOAK_OFFICERS >= 1")
        return 2

    work = Path(tempfile.mkdtemp(prefix="sos-soak-"))
    server = ServerProcess(work / "sos.db", work / "sos_server.log")
    proxy: Optional[ChaosProxy] = None
    stop = threading.Event()
    officers: list[Officer] = []
    keep_work = False
    try:
        rng = random.Random(seed)
        cases_path = work / "soak_cases.geojson"
        write_cases(cases_path, case_count, rng)
        LOGGER.info(
            "importing %d synthetic cases: %s",
            case_count,
            run_cli("import", str(cases_path), "--db", str(server.db_path)).strip(),
        )
        tokens = {
            f"officer-{number}": run_cli(
                "token",
                "create",
                "--role",
                "officer",
                "--db",
                str(server.db_path),
                "--name",
                f"officer-{number}",
            ).strip()
            for number in range(1, officer_count + 1)
        }
        server.start()
        LOGGER.info("server listening on %s (database %s)", server.url, server.db_path)
        proxy = ChaosProxy(("127.0.0.1", server.port), SOAK_RATES, seed=seed, record=True).start()
        LOGGER.info("chaos proxy on %s", proxy.url)

        checker = SosClient(client_config(server.url, tokens["officer-1"]))
        case_ids = [str(feature["id"]) for feature in checker.list_cases_page(limit=10000).features]
        checker.close()
        if len(case_ids) != case_count:
            print(f"error: the server lists {len(case_ids)} cases after importing {case_count}")
            return 2

        officers = [
            Officer(name, proxy.url, token, case_ids, seed * 1000 + number, stop)
            for number, (name, token) in enumerate(tokens.items())
        ]
        started = time.monotonic()
        for officer in officers:
            officer.start()
        LOGGER.info("%d officers changing statuses for %d s", officer_count, seconds)

        restart_at = started + seconds / 2
        restarts = 0
        downtime_s = 0.0
        while time.monotonic() < started + seconds:
            if restarts == 0 and time.monotonic() >= restart_at:
                killed = time.monotonic()
                server.kill()
                LOGGER.info("server killed with SIGKILL; restarting on the same database")
                server.start()
                proxy.set_upstream("127.0.0.1", server.port)
                downtime_s = time.monotonic() - killed
                restarts += 1
                LOGGER.info("server back on %s after %.1f s", server.url, downtime_s)
            time.sleep(0.2)

        stop.set()
        for officer in officers:
            officer.join(60)
        elapsed = time.monotonic() - started
        still_running = [officer.name for officer in officers if officer.is_alive()]
        proxy.set_rates(FaultRates())

        LOGGER.info("checking the history of %d cases", len(case_ids))
        verdict = verify(server.url, tokens["officer-1"], case_ids, officers)
        results = _results(officers, verdict, proxy, elapsed, restarts, downtime_s, seconds)
        results["officers_still_running"] = still_running
        failures = _failures(results, verdict, seconds)

        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "soak-results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        _print_summary(results, out_dir / "soak-results.json")
        if failures:
            keep_work = True
            _write_evidence(work, officers, proxy, verdict)
            for failure in failures:
                print(f"FAIL: {failure}")
            print(
                f"evidence kept in {work} (events.jsonl, proxy.jsonl, findings.json, sos_server.log, sos.db)"
            )
            return 1
        print("PASS: every acknowledged change is in the history exactly once")
        return 0
    except KeyboardInterrupt:
        print("interrupted; stopping the officers, the proxy and the server")
        return 130
    finally:
        stop.set()
        for officer in officers:
            officer.join(10)
        if proxy is not None:
            proxy.stop()
        server.stop()
        if not keep_work:
            shutil.rmtree(work, ignore_errors=True)


def _results(
    officers: list[Officer],
    verdict: Verdict,
    proxy: ChaosProxy,
    elapsed: float,
    restarts: int,
    downtime_s: float,
    seconds: int,
) -> dict[str, Any]:
    stats = [officer.stats for officer in officers]
    requests_sent = sum(item.requests_sent for item in stats)
    return {
        "attempted": sum(item.attempted for item in stats),
        "acknowledged": sum(len(item.acknowledged) for item in stats),
        "lost": len(verdict.lost),
        "applied_twice": len(verdict.applied_twice),
        "requests_per_s": round(requests_sent / elapsed, 1),
        "soak_seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "officers": len(officers),
        "requests_sent": requests_sent,
        "acknowledged_by_history": sum(item.acknowledged_by_history for item in stats),
        "conflicts": sum(item.conflicts for item in stats),
        "unknown_outcome": sum(item.unknown_outcome for item in stats),
        "applied_unacknowledged": verdict.applied_unacknowledged,
        "unknown_notes_in_history": verdict.unknown_notes,
        "status_mismatches": len(verdict.status_mismatches),
        "unreadable_cases": len(verdict.unreadable_cases),
        "patches": sum(item.patches for item in stats),
        "batches": sum(item.batches for item in stats),
        "batches_resent": sum(item.batches_resent for item in stats),
        "failed_reads": sum(item.failed_reads for item in stats),
        "server_restarts": restarts,
        "server_downtime_s": round(downtime_s, 1),
        "proxy_requests": proxy.counts["requests"],
        "upstream_unavailable": proxy.counts["upstream_unavailable"],
        "batch_keys_sent_to_server_again": _keys_forwarded_again(proxy),
        "faults_injected": proxy.fault_counts(),
    }


def _keys_forwarded_again(proxy: ChaosProxy) -> int:
    """Count the idempotency keys whose batch reached the server more than once (replayed or 409)."""
    forwarded = Counter(
        entry["idempotency_key"] for entry in proxy.log if entry["forwarded"] and entry["idempotency_key"]
    )
    return sum(1 for count in forwarded.values() if count > 1)


def _failures(results: dict[str, Any], verdict: Verdict, seconds: int) -> list[str]:
    failures = []
    if results["lost"]:
        failures.append(f"{results['lost']} acknowledged changes are missing from the history")
    if results["applied_twice"]:
        failures.append(f"{results['applied_twice']} changes appear more than once in the history")
    if results["status_mismatches"]:
        failures.append(
            f"{results['status_mismatches']} cases have a status that differs from their last history entry"
        )
    if results["unreadable_cases"]:
        failures.append(f"{results['unreadable_cases']} cases could not be read for the check")
    if results["officers_still_running"]:
        failures.append(f"officer threads did not stop: {', '.join(results['officers_still_running'])}")
    if seconds >= MIN_SECONDS_FOR_THROUGHPUT_CHECK and results["acknowledged"] < MIN_ACKNOWLEDGED:
        failures.append(
            f"only {results['acknowledged']} changes were acknowledged in {seconds} s; "
            f"a run of {MIN_SECONDS_FOR_THROUGHPUT_CHECK} s or more must reach {MIN_ACKNOWLEDGED}"
        )
    return failures


def _print_summary(results: dict[str, Any], path: Path) -> None:
    print()
    for key in ("attempted", "acknowledged", "lost", "applied_twice", "requests_per_s"):
        print(f"{key:>24}: {results[key]}")
    for key in (
        "acknowledged_by_history",
        "conflicts",
        "unknown_outcome",
        "applied_unacknowledged",
        "server_restarts",
        "server_downtime_s",
    ):
        print(f"{key:>24}: {results[key]}")
    faults = ", ".join(f"{kind} {count}" for kind, count in results["faults_injected"].items())
    print(f"{'faults_injected':>24}: {faults}")
    print(f"results written to {path}")


def _write_evidence(work: Path, officers: list[Officer], proxy: ChaosProxy, verdict: Verdict) -> None:
    with (work / "events.jsonl").open("w", encoding="utf-8") as events:
        for officer in officers:
            for event in officer.stats.events:
                events.write(json.dumps(event) + "\n")
    with (work / "proxy.jsonl").open("w", encoding="utf-8") as log:
        for entry in proxy.log:
            log.write(json.dumps(entry) + "\n")
    findings = {
        "lost": verdict.lost,
        "applied_twice": verdict.applied_twice,
        "status_mismatches": verdict.status_mismatches,
        "unreadable_cases": verdict.unreadable_cases,
    }
    (work / "findings.json").write_text(json.dumps(findings, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
