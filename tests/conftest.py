"""Shared fixtures: a real sos_server on a loopback port, and the ../shared folder beside the repository.

The server runs as a subprocess (``python -m sos_server serve --port 0``) on a fresh SQLite database, so tests
talk to it over real HTTP exactly as the plugin does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT / ".." / "shared"
SERVER_START_TIMEOUT_S = 30.0
SERVER_STOP_TIMEOUT_S = 5.0
ROLES = ("viewer", "officer", "intake")


def run_server_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Run ``python -m sos_server ARGS`` from the repository root and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "sos_server", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@dataclass
class SosServer:
    """A running sos_server subprocess: base URL, database path and one token per role."""

    db_path: Path
    log_path: Path
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None
    # Extra `serve` flags. The intake rate limits are off by default here, so tests may create many cases at
    # once, and tests/server/test_rate_limit.py starts servers with them on.
    serve_args: tuple[str, ...] = ("--intake-rate", "0", "--intake-address-rate", "0")

    def start(self) -> None:
        """Start the server and wait for its "listening on" line. Raises RuntimeError if it does not start."""
        log_file = self.log_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sos_server", "serve", "--db", str(self.db_path), "--port", "0"]
            + list(self.serve_args),
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            encoding="utf-8",
        )
        log_file.close()
        found = threading.Event()

        def read_stdout() -> None:
            # Keeps draining stdout after the first line, so the server never blocks on a full pipe.
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                if line.startswith("listening on ") and not found.is_set():
                    self.url = line[len("listening on ") :].strip()
                    found.set()

        threading.Thread(target=read_stdout, daemon=True).start()
        if not found.wait(SERVER_START_TIMEOUT_S):
            self.stop()
            raise RuntimeError(
                f"sos_server did not start; its log:\n{self.log_path.read_text(encoding='utf-8')}"
            )

    def stop(self) -> None:
        """Stop the server: terminate, then kill after 5 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(SERVER_STOP_TIMEOUT_S)

    def create_token(self, role: str, name: Optional[str] = None) -> str:
        """Create a token through the CLI and return it."""
        args = ["token", "create", "--role", role, "--db", str(self.db_path)]
        if name is not None:
            args += ["--name", name]
        result = run_server_cli(*args)
        if result.returncode != 0:
            raise RuntimeError(f"token create failed: {result.stderr}")
        return result.stdout.strip()

    def import_file(self, path: os.PathLike | str) -> subprocess.CompletedProcess:
        """Import a GeoJSON file into the server's database through the CLI; return the finished process."""
        return run_server_cli("import", str(path), "--db", str(self.db_path))

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        """Return request headers carrying the bearer token of ``role``."""
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}


def _create_tokens(db_path: Path) -> dict[str, str]:
    # In-process rather than through the CLI (tested on its own), to save three interpreter starts per test.
    from sos_server.domain import CaseService
    from sos_server.storage import SqlCaseStore

    store = SqlCaseStore.for_sqlite_file(str(db_path))
    try:
        service = CaseService(store)
        return {role: service.create_token(role, name=f"test-{role}") for role in ROLES}
    finally:
        store.close()


def _start_server(folder: Path) -> SosServer:
    server = SosServer(db_path=folder / "sos.db", log_path=folder / "sos_server.log")
    # Tokens are made before the server starts, which also creates the database.
    server.tokens = _create_tokens(server.db_path)
    server.start()
    return server


@pytest.fixture
def sos_server(tmp_path: Path) -> Iterator[SosServer]:
    """A fresh sos_server with an empty database and one token per role, stopped after the test."""
    server = _start_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sos_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SosServer]:
    """One sos_server for the whole session; tests that use it must not depend on its exact contents."""
    server = _start_server(tmp_path_factory.mktemp("sos_server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_cli():
    """Run ``python -m sos_server ARGS`` and return the finished process (stdout and stderr as text)."""
    return run_server_cli


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the repository (cases and real data); skips when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DIR.resolve()}")
    return SHARED_DIR.resolve()
