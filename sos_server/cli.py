"""Command line of the reference server: serve, import and token create.

Every command opens the SQLite database given with --db and creates it on first use.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import socket
import sys
from pathlib import Path
from typing import Optional

from sos_server.domain import ROLES, printable_text
from sos_server.ratelimit import DEFAULT_ADDRESS_LIMIT, DEFAULT_TOKEN_LIMIT, RateLimit

logger = logging.getLogger("sos_server")

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_UNREADABLE = 2


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``python -m sos_server``."""
    parser = argparse.ArgumentParser(prog="python -m sos_server", description="Reference SOS API server.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the SOS API over HTTP")
    serve.add_argument("--db", required=True, help="SQLite database file (created on first use)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port; 0 picks a free port (default: 8000)")
    serve.add_argument(
        "--intake-rate",
        type=_per_minute,
        default=DEFAULT_TOKEN_LIMIT.per_minute,
        metavar="PER_MINUTE",
        help="new cases per minute that one intake token may create, or 0 to turn this limit off "
        f"(default: {DEFAULT_TOKEN_LIMIT.per_minute:g})",
    )
    serve.add_argument(
        "--intake-burst",
        type=_burst,
        default=DEFAULT_TOKEN_LIMIT.burst,
        metavar="N",
        help="new cases one intake token may create at once before --intake-rate applies "
        f"(default: {DEFAULT_TOKEN_LIMIT.burst})",
    )
    serve.add_argument(
        "--intake-address-rate",
        type=_per_minute,
        default=DEFAULT_ADDRESS_LIMIT.per_minute,
        metavar="PER_MINUTE",
        help="new cases per minute that one client address may create with any token, or 0 to turn this "
        f"limit off; loopback addresses are exempt (default: {DEFAULT_ADDRESS_LIMIT.per_minute:g})",
    )
    serve.add_argument(
        "--intake-address-burst",
        type=_burst,
        default=DEFAULT_ADDRESS_LIMIT.burst,
        metavar="N",
        help="new cases one client address may create at once before --intake-address-rate applies "
        f"(default: {DEFAULT_ADDRESS_LIMIT.burst})",
    )

    import_ = commands.add_parser("import", help="import cases from a GeoJSON FeatureCollection")
    import_.add_argument("file", help="GeoJSON file with a FeatureCollection of cases")
    import_.add_argument("--db", required=True, help="SQLite database file (created on first use)")

    token = commands.add_parser("token", help="manage bearer tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token and print it")
    create.add_argument("--role", required=True, choices=ROLES, help="what the token may do")
    create.add_argument("--db", required=True, help="SQLite database file (created on first use)")
    create.add_argument("--name", help="name shown in case history as changed_by (default: <role>-<n>)")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command line and return the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "serve":
        limiter_settings = {
            "per_token": _rate_limit(args.intake_rate, args.intake_burst),
            "per_address": _rate_limit(args.intake_address_rate, args.intake_address_burst),
        }
        return _serve(args.db, args.host, args.port, limiter_settings)
    if args.command == "import":
        return _import(args.file, args.db)
    return _create_token(args.db, args.role, args.name)


def _per_minute(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of requests per minute, got {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected 0 or more requests per minute, got {text!r}")
    return value


def _burst(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of requests, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more requests, got {text!r}")
    return value


def _rate_limit(per_minute: float, burst: int) -> Optional[RateLimit]:
    """Return the bucket setting for a rate from the command line, or None when the rate 0 turns it off."""
    return RateLimit(per_minute=per_minute, burst=burst) if per_minute > 0 else None


def _describe_limit(limit: Optional[RateLimit]) -> str:
    if limit is None:
        return "off"
    return f"{limit.per_minute:g} per minute with a burst of {limit.burst}"


def _open_service(db: str):  # noqa: ANN202 - imports stay lazy so that `token create` starts fast
    from sos_server.domain import CaseService
    from sos_server.storage import SqlCaseStore

    Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)
    return CaseService(SqlCaseStore.for_sqlite_file(db))


def _create_token(db: str, role: str, name: Optional[str]) -> int:
    service = _open_service(db)
    try:
        token = service.create_token(role, name)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        service.store.close()
    print(token, flush=True)
    return EXIT_OK


def _import(file: str, db: str) -> int:
    path = Path(file)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        print(f"error: {path} is not a GeoJSON FeatureCollection (no 'features' list)", file=sys.stderr)
        return EXIT_UNREADABLE

    service = _open_service(db)
    try:
        report = service.import_features(document["features"], source_name=path.name)
    finally:
        service.store.close()
    print(
        f"read {report.read}, imported {report.imported}, "
        f"updated as duplicates {report.updated_as_duplicates}, rejected {len(report.rejected)}"
    )
    # A reason may quote a value, and a value may hold a lone surrogate, which stdout cannot encode.
    for rejection in report.rejected:
        external_id = rejection.external_id if rejection.external_id is not None else "-"
        line = f"rejected feature {rejection.index} (external id {external_id}): {rejection.reason}"
        print(printable_text(line))
    for external_id in report.duplicate_external_ids:
        print(printable_text(f"duplicate external id {external_id}: the later record was kept"))
    return EXIT_OK


def _make_server(config, ready_line: str):  # noqa: ANN001, ANN202 - uvicorn is imported lazily
    import uvicorn

    class _LoggingServer(uvicorn.Server):
        async def startup(self, sockets: Optional[list] = None) -> None:
            await super().startup(sockets)
            # Printed only now, when uvicorn's signal handlers are installed and the app accepts requests,
            # so a client that reads this line can also stop the server cleanly at once.
            print(ready_line, flush=True)

        def handle_exit(self, sig: int, frame) -> None:  # noqa: ANN001 - signal handler signature
            # uvicorn re-raises the signal after shutting down, so code after server.run() may never run.
            logger.info("received signal %d, stopping", sig)
            super().handle_exit(sig, frame)

    return _LoggingServer(config)


def _serve(db: str, host: str, port: int, limiter_settings: dict[str, Optional[RateLimit]]) -> int:
    import uvicorn

    from sos_server.app import create_app
    from sos_server.ratelimit import IntakeRateLimiter

    service = _open_service(db)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sock.listen(128)
    bound_port = sock.getsockname()[1]
    url_host = f"[{host}]" if family == socket.AF_INET6 else host

    # The application's lifespan closes the database on shutdown, so the file alone contains every change.
    app = create_app(service, intake_limiter=IntakeRateLimiter(**limiter_settings))
    # uvicorn trusts X-Forwarded-For from the addresses in FORWARDED_ALLOW_IPS (127.0.0.1 and ::1 by default),
    # so behind a reverse proxy on this host the per-address limit applies to the forwarded client address.
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    # The fixture in tests/conftest.py waits for this exact line.
    server = _make_server(config, ready_line=f"listening on http://{url_host}:{bound_port}")
    logger.info("serving database %s on %s:%d", db, host, bound_port)
    logger.info(
        "intake rate limit: per token %s, per client address %s",
        _describe_limit(limiter_settings["per_token"]),
        _describe_limit(limiter_settings["per_address"]),
    )
    try:
        server.run(sockets=[sock])
    finally:
        service.store.close()  # a no-op when the lifespan closed it already
        logger.info("stopped serving on %s:%d", host, bound_port)
    return EXIT_OK
