"""Rules of the SOS service: roles, status changes with versions, batches, idempotency, intake and import.

The HTTP layer calls ``CaseService`` and turns ``ApiError`` into problem details. Storage is reached only
through the ``CaseStore`` protocol.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import logging
import math
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from sos_qgis_plugin.core.errors import RecordError, SosError
from sos_qgis_plugin.core.records import VIETNAM_BBOX, CaseRecord, Rejection, parse_feature, parse_features
from sos_qgis_plugin.core.statuses import STATUSES
from sos_qgis_plugin.core.text import normalize_text
from sos_qgis_plugin.core.timeutil import format_time, parse_time
from sos_server.storage import (
    CASE_FIELDS,
    CaseQuery,
    CaseStore,
    CaseTransaction,
    format_case_id,
    parse_case_id,
)

logger = logging.getLogger("sos_server")

ROLES = ("viewer", "officer", "intake")
READ_ROLES = frozenset({"viewer", "officer"})
CHANGE_ROLES = frozenset({"officer"})
CREATE_ROLES = frozenset({"intake"})

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_BATCH_CHANGES = 1000
MAX_NOTE_LENGTH = 2000
# Maximum length of the team named on a status change, in characters after NFC normalisation and trimming.
MAX_TEAM_LENGTH = 100
# Maximum length, in characters after NFC normalisation, of each free-text field of a case.
TEXT_LIMITS = {
    "external_id": 255,
    "source": 255,
    "reporter_name": 255,
    "address": 255,
    "description": 10_000,
}
MAX_TOKEN_NAME_LENGTH = 100
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_TTL = timedelta(hours=24)
# A batch of 1000 items takes seconds; a key still pending after this long belongs to a request that died.
IDEMPOTENCY_PENDING_TIMEOUT = timedelta(minutes=5)
# The next incremental fetch starts this long before the first page was read. A write that committed while
# the pages were read is then fetched again instead of missed.
UPDATED_SINCE_MARGIN = timedelta(seconds=5)

# Characters rejected in a team besides control characters (Cc). Line and paragraph separators break the
# line as a newline does, and bidirectional controls make the name display in another order than stored.
TEAM_LINE_SEPARATORS = frozenset("\u2028\u2029")
TEAM_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A lone surrogate (U+D800 to U+DFFF) arrives as a JSON escape such as "\ud800". Python keeps it in a str, but
# it is not a character: UTF-8 and SQLite cannot store it.
_SURROGATE = re.compile("[\ud800-\udfff]")

IMPORT_CHANGED_BY = "import"
# SQLite stores integers as signed 64-bit, so a cursor position above this cannot be compared in SQL.
MAX_CURSOR_NUM = 2**63 - 1


class ApiError(SosError):
    """Error that the HTTP layer returns as a problem details document with ``status``."""

    status = 400
    title = "Bad Request"
    logged_per_request = True

    def __init__(
        self, detail: str, *, extra: Optional[dict[str, Any]] = None, headers: Optional[dict] = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class AuthenticationError(ApiError):
    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ApiError):
    status = 403
    title = "Forbidden"


class CaseNotFoundError(ApiError):
    status = 404
    title = "Not Found"
    outcome = "not_found"


class VersionConflictError(ApiError):
    """The case changed since the version the client saw; ``current`` is the case as it is now."""

    status = 412
    title = "Precondition Failed"
    outcome = "conflict"

    def __init__(self, detail: str, current: dict[str, Any], version: int) -> None:
        super().__init__(detail, extra={"current": current}, headers={"ETag": f'"{version}"'})
        self.current = current


class PreconditionRequiredError(ApiError):
    status = 428
    title = "Precondition Required"


class InvalidRequestError(ApiError):
    status = 422
    title = "Unprocessable Content"
    outcome = "invalid"


class IdempotencyInProgressError(ApiError):
    status = 409
    title = "Conflict"


class PayloadTooLargeError(ApiError):
    status = 413
    title = "Content Too Large"


class TooManyRequestsError(ApiError):
    """More new cases than the intake rate limit allows. The client may retry after ``retry_after_s``."""

    status = 429
    title = "Too Many Requests"
    # The rate limiter logs these once per bucket per minute, so a flood does not flood the log too.
    logged_per_request = False

    def __init__(self, retry_after_s: int) -> None:
        unit = "second" if retry_after_s == 1 else "seconds"
        super().__init__(
            f"Too many new cases from this client. Try again in {retry_after_s} {unit}.",
            extra={"retry_after": retry_after_s},
            headers={"Retry-After": str(retry_after_s)},
        )
        self.retry_after_s = retry_after_s


class CaseExistsError(ApiError):
    """Intake sent a case whose external_id and source name a stored case; ``case_id`` is that case."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str, case_id: str) -> None:
        super().__init__(detail, extra={"existing_id": case_id})
        self.case_id = case_id


@dataclass
class Principal:
    """The caller behind a bearer token. ``token_sha256`` scopes idempotency keys; the token is not stored."""

    name: str
    role: str
    token_sha256: str


@dataclass
class CaseListing:
    features: list[dict[str, Any]]
    number_matched: int
    next_cursor: Optional[str]
    time_stamp: str
    next_updated_since: str


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    updated_as_duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    duplicate_external_ids: list[str] = field(default_factory=list)


@dataclass
class StatusChange:
    status: str
    note: Optional[str] = None
    duplicate_of: Optional[str] = None
    if_version: Optional[int] = None
    team: Optional[str] = None


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def in_utc_range(value: datetime) -> bool:
    """Return whether an aware datetime can be converted to UTC, which storage does with every time.

    parse_time accepts an offset time such as 0001-01-01T00:00:00+01:00 whose UTC form is before year 1.
    """
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        return False
    return True


def hash_token(token: str) -> str:
    """Return the sha256 hex digest under which a bearer token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record_from_row(row: dict[str, Any]) -> CaseRecord:
    """Build the canonical record of a stored case row."""
    return CaseRecord(**{name: row[name] for name in CASE_FIELDS})


def feature_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """Build the canonical GeoJSON Feature of a stored case row."""
    return record_from_row(row).to_feature()


def _values_from_record(record: CaseRecord) -> dict[str, Any]:
    # A shallow copy is enough, because storage serialises the list fields; asdict() would deep-copy them.
    return {item.name: getattr(record, item.name) for item in dataclasses.fields(record) if item.name != "id"}


def surrogate_problem(name: str, text: Any) -> Optional[str]:
    """Return why ``text`` cannot be stored when it is a str holding a lone surrogate, else None.

    ``name`` is the field named in the reason. The reason quotes the code point, never the text.
    """
    if not isinstance(text, str):
        return None
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (
        f"{name} contains the unpaired surrogate U+{ord(found.group()):04X}, which is not a character. "
        "Send the text as valid Unicode."
    )


def feature_surrogate_problem(feature: Any) -> Optional[tuple[str, str]]:
    """Return (field, reason) for the first property of a GeoJSON Feature holding a lone surrogate, else None.

    Text properties and the text members of list properties are checked, whatever their name. Parsing would
    drop a bad urgency or need with a quality flag; with a surrogate the whole feature is refused instead.
    """
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        return None
    for name, value in properties.items():
        label = printable_text(name) if isinstance(name, str) else str(name)
        for text in (name, *value) if isinstance(value, list) else (name, value):
            reason = surrogate_problem(label, text)
            if reason is not None:
                return label, reason
    return None


def printable_text(text: str) -> str:
    """Return ``text`` with each lone surrogate written as an escape such as \\udc80, fit to print or store.

    A file name read with surrogateescape, or a JSON string with an unpaired escape, contains them.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def text_problem(record: CaseRecord) -> Optional[tuple[str, str]]:
    """Return (field, reason) for the first text of ``record`` that cannot be stored as it is, else None.

    A text is refused when it is longer than its TEXT_LIMITS entry (counted in characters), contains NUL
    (U+0000, at which many tools cut text) or contains a lone surrogate (which is not a character). The
    NUL and surrogate checks cover every text field, list members included.
    """
    for item in dataclasses.fields(record):
        value = getattr(record, item.name)
        for text in value if isinstance(value, list) else [value]:
            reason = surrogate_problem(item.name, text)
            if reason is not None:
                return item.name, reason
    for name, limit in TEXT_LIMITS.items():
        value = getattr(record, name)
        if value is not None and len(value) > limit:
            return name, f"{name} has {len(value)} characters; at most {limit} are allowed."
    for item in dataclasses.fields(record):
        value = getattr(record, item.name)
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            return item.name, f"{item.name} contains a NUL character (U+0000), which is not allowed."
    return None


def _canonical_sha256(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # surrogatepass hashes a lone surrogate instead of failing; other text gives the same bytes as UTF-8.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CaseService:
    """Use cases of the SOS API over one ``CaseStore``; ``clock`` returns aware UTC datetimes."""

    def __init__(
        self,
        store: CaseStore,
        *,
        service_area: Optional[tuple[float, float, float, float]] = VIETNAM_BBOX,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.service_area = service_area
        self.clock = clock

    # Tokens and roles

    def create_token(self, role: str, name: Optional[str] = None) -> str:
        """Create a bearer token for ``role`` and return it; only its sha256 hash is stored.

        ``name`` is what history shows as ``changed_by`` and defaults to "<role>-<n>". Raises ValueError for
        an unknown role or an empty or overlong name.
        """
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            if name is None:
                name = f"{role}-{tx.count_tokens(role) + 1}"
            name = normalize_text(name)
            if surrogate_problem("token name", name) is not None:
                raise ValueError("token name must be valid Unicode text")
            if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
                raise ValueError(f"token name must have 1 to {MAX_TOKEN_NAME_LENGTH} characters")
            tx.add_token(hash_token(token), role, name, self.clock())
        logger.info("created a token for the %s role, named %r", role, name)
        return token

    def authenticate(self, token: Optional[str]) -> Principal:
        """Return the principal of a bearer token. Raises AuthenticationError when missing or unknown."""
        if not token:
            raise AuthenticationError("A bearer token is required: send 'Authorization: Bearer <token>'.")
        token_sha256 = hash_token(token)
        with self.store.read() as tx:
            info = tx.find_token(token_sha256)
        if info is None:
            raise AuthenticationError("The bearer token is not known to this server. Ask for a new token.")
        return Principal(name=info.name, role=info.role, token_sha256=token_sha256)

    @staticmethod
    def require_role(principal: Principal, allowed: frozenset[str]) -> None:
        """Raise ForbiddenError unless the principal's role is in ``allowed``."""
        if principal.role not in allowed:
            needed = " or ".join(sorted(allowed))
            raise ForbiddenError(f"The {principal.role} role may not do this; it needs the {needed} role.")

    # Reading

    def get_case(self, case_id: str) -> dict[str, Any]:
        """Return the stored row of one case. Raises CaseNotFoundError."""
        with self.store.read() as tx:
            row = tx.get_case(case_id)
        if row is None:
            raise CaseNotFoundError(f"No case has the id '{case_id}'.")
        return row

    def get_history(self, case_id: str) -> list[dict[str, Any]]:
        """Return the history of a case, oldest first, with RFC 3339 times. Raises CaseNotFoundError."""
        with self.store.read() as tx:
            if tx.get_case(case_id) is None:
                raise CaseNotFoundError(f"No case has the id '{case_id}'.")
            entries = tx.list_history(case_id)
        return [
            {
                "changed_at": format_time(entry["changed_at"]),
                "changed_by": entry["changed_by"],
                "from_status": entry["from_status"],
                "to_status": entry["to_status"],
                "note": entry["note"],
                "team": entry["team"],
            }
            for entry in entries
        ]

    def list_cases(
        self,
        *,
        limit: int = DEFAULT_LIMIT,
        statuses: Optional[list[str]] = None,
        bbox: Optional[tuple[float, float, float, float]] = None,
        updated_since: Optional[datetime] = None,
        cursor: Optional[str] = None,
    ) -> CaseListing:
        """Return one page of cases in id order.

        Without ``cursor`` the filters come from the arguments. With one they come from the cursor, so every
        page of a walk applies the filters of its first page. A ``limit`` above MAX_LIMIT is lowered to it.
        Raises InvalidRequestError (400) for a cursor this server did not issue.
        """
        now = self.clock()
        limit = min(limit, MAX_LIMIT)
        if cursor:
            query, next_updated_since = _decode_cursor(cursor)
        else:
            query = CaseQuery(statuses=statuses, bbox=bbox, updated_since=updated_since)
            next_updated_since = format_time(now - UPDATED_SINCE_MARGIN)
        query.limit = limit + 1  # one extra row shows whether a next page exists

        with self.store.read() as tx:
            page = tx.list_cases(query)
            number_matched = tx.count_cases(query)

        rows = page.rows[:limit]
        next_cursor = None
        if len(page.rows) > limit:
            next_cursor = _encode_cursor(query, rows[-1]["num"], next_updated_since)
        return CaseListing(
            features=[feature_from_row(row) for row in rows],
            number_matched=number_matched,
            next_cursor=next_cursor,
            time_stamp=format_time(now),
            next_updated_since=next_updated_since,
        )

    def collection_extent(
        self,
    ) -> tuple[Optional[tuple[float, float, float, float]], Optional[tuple[str, str]]]:
        """Return the bbox of the located cases and the first and last creation time (None when unknown)."""
        with self.store.read() as tx:
            bbox = tx.extent()
            times = tx.time_extent()
        interval = (format_time(times[0]), format_time(times[1])) if times else None
        return bbox, interval

    # Status changes

    def change_status(self, case_id: str, change: StatusChange, principal: Principal) -> dict[str, Any]:
        """Apply one status change in its own transaction and return the case row as it is afterwards.

        Setting the status a case already has, with the same ``duplicate_of``, no note and no team,
        changes nothing. Raises CaseNotFoundError, VersionConflictError when ``if_version`` is not the
        current version, and InvalidRequestError for an unknown status, an overlong note, an invalid team
        or a bad ``duplicate_of``.
        """
        now = self.clock()
        with self.store.write() as tx:
            before, after = _change_in(tx, case_id, change, principal, now)
        _log_change(before, after, principal)
        return after

    def apply_batch(
        self, body: Any, principal: Principal, idempotency_key: Optional[str]
    ) -> tuple[dict[str, Any], bool]:
        """Apply a batch of status changes, one transaction per item, and return (response body, replayed).

        With an idempotency key, the response is stored for 24 hours per token. The same key and body return
        the stored response and ``replayed`` is True. Raises InvalidRequestError for a malformed body or a key
        reused with another body, PayloadTooLargeError above MAX_BATCH_CHANGES items, and
        IdempotencyInProgressError while the first request with the key is still running.
        """
        changes = _batch_changes(body)
        if idempotency_key is None:
            return self._run_batch(changes, principal), False

        if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise InvalidRequestError(
                f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters. Send a new UUID."
            )
        request_sha256 = _canonical_sha256(body)
        now = self.clock()
        with self.store.write() as tx:
            tx.purge_idempotency(now - IDEMPOTENCY_TTL)
            stored = tx.get_idempotency(principal.token_sha256, idempotency_key)
            if (
                stored is not None
                and stored.response_json is None
                and stored.request_sha256 == request_sha256
                and now - stored.created_at > IDEMPOTENCY_PENDING_TIMEOUT
            ):
                # The request that reserved the key died without a response (the server was killed, say).
                # This retry runs the batch again: items whose change committed return their stored result,
                # and only the others are applied.
                logger.warning(
                    "idempotency key of %s abandoned while pending; running the rest of the batch",
                    principal.name,
                )
                tx.delete_idempotency(principal.token_sha256, idempotency_key)
                stored = None
            if stored is None:
                # Item results kept for this key are reused only for the same body, so others are dropped.
                tx.discard_idempotency_items(principal.token_sha256, idempotency_key, request_sha256)
                tx.reserve_idempotency(principal.token_sha256, idempotency_key, request_sha256, now)
        if stored is not None:
            if stored.request_sha256 != request_sha256:
                raise InvalidRequestError(
                    "This Idempotency-Key was already used with a different request body. "
                    "Send a new key for a new batch."
                )
            if stored.response_json is None:
                raise IdempotencyInProgressError(
                    "A request with this Idempotency-Key is still being processed. Retry in a few seconds."
                )
            logger.info("batch replayed for %s (idempotency key seen before)", principal.name)
            return json.loads(stored.response_json), True

        try:
            response = self._run_batch(
                changes, principal, _BatchKey(principal.token_sha256, idempotency_key, request_sha256)
            )
        except Exception:
            with self.store.write() as tx:
                tx.delete_idempotency(principal.token_sha256, idempotency_key)
            raise
        with self.store.write() as tx:
            tx.complete_idempotency(principal.token_sha256, idempotency_key, json.dumps(response))
        return response, False

    def _run_batch(
        self, changes: list[Any], principal: Principal, batch_key: Optional[_BatchKey] = None
    ) -> dict[str, Any]:
        done: dict[int, str] = {}
        if batch_key is not None:
            with self.store.read() as tx:
                done = tx.get_idempotency_items(
                    batch_key.token_sha256, batch_key.key, batch_key.request_sha256
                )
        results = []
        for index, item in enumerate(changes):
            if index in done:
                results.append(json.loads(done[index]))
            else:
                results.append(self._apply_batch_item(index, item, principal, batch_key))
        if done:
            logger.info("batch rerun for %s: %d items had been applied before", principal.name, len(done))
        ok_count = sum(result["outcome"] == "ok" for result in results)
        logger.info("batch of %d changes by %s: %d ok", len(results), principal.name, ok_count)
        return {"results": results}

    def _apply_batch_item(
        self, index: int, item: Any, principal: Principal, batch_key: Optional[_BatchKey]
    ) -> dict[str, Any]:
        """Apply one batch item in its own transaction and return its result.

        With a batch key, the result is stored in the same transaction as the change, so a rerun of the batch
        after a crash finds it and does not apply the item twice.
        """
        item_id = item.get("id") if isinstance(item, dict) else None
        # A result echoes the item's id only when it is a string, as the response schema requires, that can
        # be sent as UTF-8.
        case_id = item_id if isinstance(item_id, str) and surrogate_problem("id", item_id) is None else None
        now = self.clock()
        changed = None
        with self.store.write() as tx:
            try:
                change = _parse_batch_item(item)
                changed = _change_in(tx, item["id"], change, principal, now)
                case = feature_from_row(changed[1])
                result = {"id": case_id, "outcome": "ok", "detail": None, "case": case}
            except VersionConflictError as exc:
                result = {"id": case_id, "outcome": exc.outcome, "detail": exc.detail, "case": exc.current}
            except (CaseNotFoundError, InvalidRequestError) as exc:
                result = {"id": case_id, "outcome": exc.outcome, "detail": exc.detail, "case": None}
            if batch_key is not None:
                tx.add_idempotency_item(
                    batch_key.token_sha256,
                    batch_key.key,
                    index,
                    batch_key.request_sha256,
                    json.dumps(result),
                    now,
                )
        if changed is not None:
            _log_change(changed[0], changed[1], principal)
        return result

    # Creating and importing cases

    def create_case(self, feature: Any, principal: Principal) -> dict[str, Any]:
        """Validate a GeoJSON Feature from intake, store it as a new case and return its row.

        The case starts as needs_help. Raises InvalidRequestError with the validation reason (its ``field``
        member names the field), also for a status other than needs_help, a duplicate_of, text over
        TEXT_LIMITS or a NUL character. Raises CaseExistsError, changing nothing, when the non-empty
        external_id and the source name a stored case: intake never changes an existing case.
        """
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidRequestError("The request body must be a GeoJSON Feature.")
        problem = feature_surrogate_problem(feature)
        if problem is not None:
            raise InvalidRequestError(f"The case is invalid: {problem[1]}", extra={"field": problem[0]})
        now = self.clock()
        try:
            record = parse_feature(feature, service_area=self.service_area, now=now)
        except RecordError as exc:
            raise InvalidRequestError(
                f"The case is invalid: {exc.reason}", extra={"field": exc.field}
            ) from exc
        if not in_utc_range(record.created_at):
            raise InvalidRequestError(
                "The case is invalid: created_at is outside the years 1 to 9999 once converted to UTC.",
                extra={"field": "created_at"},
            )
        if record.status != "needs_help":
            raise InvalidRequestError(
                f"The case is invalid: intake may only create cases with the status 'needs_help', not "
                f"'{record.status}'. Leave status out; officers change it later.",
                extra={"field": "status"},
            )
        if record.duplicate_of is not None:
            raise InvalidRequestError(
                "The case is invalid: intake may not set duplicate_of. Leave it out; officers mark "
                "duplicates.",
                extra={"field": "duplicate_of"},
            )
        problem = text_problem(record)
        if problem is not None:
            raise InvalidRequestError(f"The case is invalid: {problem[1]}", extra={"field": problem[0]})
        with self.store.write() as tx:
            if record.external_id:
                existing = tx.find_case_by_external_id(record.source, record.external_id)
                if existing is not None:
                    raise CaseExistsError(
                        f"Case {existing['id']} already has this external_id and source, and intake does not "
                        "change existing cases. Send new information as a new case without this "
                        "external_id, or ask an officer to update the case.",
                        existing["id"],
                    )
            row, _ = _store_record(tx, record, principal.name, now, note=None)
        logger.info("case %s created by %s", row["id"], principal.name)
        return row

    def import_features(self, features: list[Any], *, source_name: str) -> ImportReport:
        """Validate and store features in one transaction; return counts and the rejected features.

        Features sharing a non-empty external_id and source (within the list, or with a stored case) are
        merged, and the later one wins. Features without an external_id always become new cases.
        """
        now = self.clock()
        parsed = parse_features(features, service_area=self.service_area, now=now, dedupe_external_ids=False)
        report = ImportReport(read=len(features), rejected=list(parsed.rejected))
        # parse_features keeps the valid records in list order, so their indexes are the ones not rejected.
        rejected_indexes = {rejection.index for rejection in parsed.rejected}
        valid_indexes = [index for index in range(len(features)) if index not in rejected_indexes]
        records: list[CaseRecord] = []
        for index, record in zip(valid_indexes, parsed.records):
            # Parsing drops some bad values with a quality flag; a lone surrogate rejects the feature instead.
            problem = feature_surrogate_problem(features[index]) or text_problem(record)
            if problem is None:
                records.append(record)
            else:
                report.rejected.append(Rejection(index, _short_external_id(record.external_id), problem[1]))
        report.rejected.sort(key=lambda rejection: rejection.index)

        winners: dict[tuple[Optional[str], str], CaseRecord] = {}
        ordered: list[CaseRecord] = []
        for record in records:
            if record.external_id:
                key = (record.source, record.external_id)
                if key in winners:
                    report.updated_as_duplicates += 1
                    report.duplicate_external_ids.append(record.external_id)
                winners[key] = record
            else:
                ordered.append(record)
        # A merged record takes the place of its last occurrence, as parse_features does.
        last_index = {id(record): index for index, record in enumerate(records)}
        ordered.extend(winners.values())
        ordered.sort(key=lambda record: last_index[id(record)])

        note = f"imported from {printable_text(source_name)}"
        with self.store.write() as tx:
            for record in ordered:
                _, created = _store_record(tx, record, IMPORT_CHANGED_BY, now, note=note)
                if created:
                    report.imported += 1
                else:
                    report.updated_as_duplicates += 1
                    report.duplicate_external_ids.append(record.external_id or "")
        logger.info(
            "import of %s: %d read, %d imported, %d updated as duplicates, %d rejected",
            source_name,
            report.read,
            report.imported,
            report.updated_as_duplicates,
            len(report.rejected),
        )
        return report


def _store_record(
    tx: CaseTransaction, record: CaseRecord, changed_by: str, now: datetime, note: Optional[str]
) -> tuple[dict[str, Any], bool]:
    existing = None
    if record.external_id:
        existing = tx.find_case_by_external_id(record.source, record.external_id)

    values = _values_from_record(record)
    values["updated_at"] = now
    if existing is None:
        values["version"] = 1
        row = tx.insert_case(values)
        tx.add_history(row["id"], now, changed_by, None, row["status"], note)
        return row, True

    # The later record wins for every field except what officers own: the status and duplicate_of.
    values["status"] = existing["status"]
    values["duplicate_of"] = existing["duplicate_of"]
    values["version"] = existing["version"] + 1
    tx.update_case(existing["id"], existing["version"], values)
    merge_note = "replaced by a later record with the same external id"
    old_location = (existing["lon"], existing["lat"])
    new_location = (record.lon, record.lat)
    if old_location != new_location:
        # Teams may already be on their way to the old place, so the history keeps it.
        merge_note += (
            f"; location changed from {_show_location(*old_location)} to {_show_location(*new_location)}"
        )
    tx.add_history(existing["id"], now, changed_by, existing["status"], existing["status"], merge_note)
    return {**existing, **values}, False


def _show_location(lon: Optional[float], lat: Optional[float]) -> str:
    if lon is None or lat is None:
        return "no location"
    return f"{lon},{lat}"


def _short_external_id(external_id: Optional[str]) -> Optional[str]:
    """Return an external id fit for a one-line report: control characters and lone surrogates escaped, at
    most 80 characters."""
    if external_id is None:
        return None
    text = "".join(
        f"\\u{ord(char):04x}" if ord(char) < 32 or ord(char) == 127 or _SURROGATE.match(char) else char
        for char in external_id
    )
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class _BatchKey:
    """Storage key of the item results of a batch sent with an idempotency key."""

    token_sha256: str
    key: str
    request_sha256: str


def _change_in(
    tx: CaseTransaction, case_id: str, change: StatusChange, principal: Principal, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply one status change inside ``tx``; return the case row before and after (the same row for a no-op).

    Raises what CaseService.change_status documents, before writing anything.
    """
    status, note, duplicate_of = _validate_change(case_id, change)
    team = _validate_team(change.team)
    row = tx.get_case(case_id)
    if row is None:
        raise CaseNotFoundError(f"No case has the id '{case_id}'.")
    if change.if_version is not None and change.if_version != row["version"]:
        raise _conflict(row, change.if_version)
    if duplicate_of is not None and tx.get_case(duplicate_of) is None:
        raise InvalidRequestError(f"duplicate_of names no case: '{duplicate_of}'.")
    if status == row["status"] and duplicate_of == row["duplicate_of"] and note is None and team is None:
        return row, row

    values = {
        "status": status,
        "duplicate_of": duplicate_of,
        "updated_at": now,
        "version": row["version"] + 1,
    }
    if not tx.update_case(case_id, row["version"], values):
        # Only reachable on databases whose writers interleave (not SQLite's BEGIN IMMEDIATE).
        current = tx.get_case(case_id)
        raise _conflict(current or row, row["version"])
    tx.add_history(case_id, now, principal.name, row["status"], status, note, team)
    return row, {**row, **values}


def _log_change(before: dict[str, Any], after: dict[str, Any], principal: Principal) -> None:
    if after is before:
        return
    logger.info(
        "case %s: %s -> %s by %s (version %d)",
        after["id"],
        before["status"],
        after["status"],
        principal.name,
        after["version"],
    )


def _conflict(row: dict[str, Any], expected_version: int) -> VersionConflictError:
    return VersionConflictError(
        f"Case '{row['id']}' is at version {row['version']}, not {expected_version}, because someone changed "
        "it first. Review the current case and send the change again if it still applies.",
        current=feature_from_row(row),
        version=row["version"],
    )


def _validate_change(case_id: str, change: StatusChange) -> tuple[str, Optional[str], Optional[str]]:
    # Checked first, because later messages quote the status and the response must be valid UTF-8.
    texts = (("id", case_id), ("status", change.status), ("note", change.note))
    for name, text in (*texts, ("duplicate_of", change.duplicate_of), ("team", change.team)):
        reason = surrogate_problem(name, text)
        if reason is not None:
            raise InvalidRequestError(f"The change is invalid: {reason}", extra={"field": name})
    if change.status not in STATUSES:
        raise InvalidRequestError(f"Unknown status '{change.status}': expected one of {', '.join(STATUSES)}.")
    note = normalize_text(change.note) if change.note else None
    if note is not None and "\x00" in note:
        raise InvalidRequestError(
            "The note contains a NUL character (U+0000), which is not allowed.", extra={"field": "note"}
        )
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise InvalidRequestError(
            f"The note has {len(note)} characters; at most {MAX_NOTE_LENGTH} are allowed."
        )
    note = note or None
    duplicate_of = change.duplicate_of or None
    if duplicate_of is not None and change.status != "duplicate":
        raise InvalidRequestError("duplicate_of may only be given with the status 'duplicate'.")
    if duplicate_of is not None and duplicate_of == case_id:
        raise InvalidRequestError("A case cannot be a duplicate of itself.")
    return change.status, note, duplicate_of


def _validate_team(team: Optional[str]) -> Optional[str]:
    """Return the team NFC-normalised and trimmed, or None when absent or blank.

    A team name is one short visible label. Raises InvalidRequestError when it has more than MAX_TEAM_LENGTH
    characters or contains a control character (Unicode category Cc: tabs, line breaks, NUL and the like).
    It is also raised for a line or paragraph separator (U+2028, U+2029), a bidirectional control (U+202A
    to U+202E, U+2066 to U+2069), or a team of only format characters (category Cf, such as U+200D).
    """
    if team is None:
        return None
    team = normalize_text(team).strip()
    if not team:
        return None
    for char in team:
        kind = _team_rejected_kind(char)
        if kind is not None:
            raise InvalidRequestError(
                f"The team contains the {kind} U+{ord(char):04X}, which is not allowed. "
                "Send the team name on one line.",
                extra={"field": "team"},
            )
    if all(unicodedata.category(char) == "Cf" for char in team):
        raise InvalidRequestError(
            f"The team has only invisible characters, such as U+{ord(team[0]):04X}. "
            "Send a visible team name.",
            extra={"field": "team"},
        )
    if len(team) > MAX_TEAM_LENGTH:
        raise InvalidRequestError(
            f"The team has {len(team)} characters; at most {MAX_TEAM_LENGTH} are allowed.",
            extra={"field": "team"},
        )
    return team


def _team_rejected_kind(char: str) -> Optional[str]:
    """Return the kind of ``char`` ("control character", ...) when a team may not contain it, else None."""
    if unicodedata.category(char) == "Cc":
        return "control character"
    if char in TEAM_LINE_SEPARATORS:
        return "line or paragraph separator"
    if char in TEAM_DIRECTION_CONTROLS:
        return "text direction control"
    return None


def _batch_changes(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("changes"), list):
        raise InvalidRequestError('The request body must be a JSON object with a "changes" list.')
    changes = body["changes"]
    if len(changes) > MAX_BATCH_CHANGES:
        raise PayloadTooLargeError(
            f"The batch has {len(changes)} changes; at most {MAX_BATCH_CHANGES} are allowed per request. "
            "Split it into several requests."
        )
    return changes


_BATCH_ITEM_KEYS = frozenset({"id", "status", "note", "if_version", "duplicate_of", "team"})


def _parse_batch_item(item: Any) -> StatusChange:
    if not isinstance(item, dict):
        raise InvalidRequestError("A change must be a JSON object.")
    unknown = sorted(set(item) - _BATCH_ITEM_KEYS)
    if unknown:
        raise InvalidRequestError(f"Unknown members in the change: {', '.join(unknown)}.")
    if not isinstance(item.get("id"), str) or not item["id"]:
        raise InvalidRequestError('The change has no "id" string.')
    if not isinstance(item.get("status"), str):
        raise InvalidRequestError('The change has no "status" string.')
    if_version = item.get("if_version")
    if if_version is not None and (isinstance(if_version, bool) or not isinstance(if_version, int)):
        raise InvalidRequestError(f"if_version must be an integer, got {if_version!r}.")
    for name in ("note", "duplicate_of", "team"):
        if item.get(name) is not None and not isinstance(item[name], str):
            raise InvalidRequestError(f"{name} must be a string or null.")
    return StatusChange(
        status=item["status"],
        note=item.get("note"),
        duplicate_of=item.get("duplicate_of"),
        if_version=if_version,
        team=item.get("team"),
    )


def _encode_cursor(query: CaseQuery, last_num: int, next_updated_since: str) -> str:
    state = {
        "after": format_case_id(last_num),
        "status": query.statuses,
        "bbox": list(query.bbox) if query.bbox else None,
        "updated_since": format_time(query.updated_since) if query.updated_since else None,
        "next_updated_since": next_updated_since,
    }
    text = json.dumps(state, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[CaseQuery, str]:
    # The client can edit a cursor, so every member is checked as strictly as the query parameters were.
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(state, dict):
            raise ValueError("cursor state is not an object")
        after = state["after"]
        after_num = parse_case_id(after) if isinstance(after, str) else None
        if after_num is None or after_num > MAX_CURSOR_NUM:
            raise ValueError("cursor position is not a case id")
        statuses = _cursor_statuses(state["status"])
        bbox = _cursor_bbox(state["bbox"])
        updated_since = parse_time(state["updated_since"]) if state["updated_since"] else None
        if updated_since is not None and not in_utc_range(updated_since):
            raise ValueError("cursor updated_since is out of range")
        next_updated_since = state["next_updated_since"]
        if not isinstance(next_updated_since, str):
            raise ValueError("cursor next_updated_since is not a string")
        parse_time(next_updated_since)
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error, RecordError) as exc:
        raise ApiError("The cursor is not valid. Start again from the first page without a cursor.") from exc
    query = CaseQuery(statuses=statuses, bbox=bbox, updated_since=updated_since, after_num=after_num)
    return query, next_updated_since


def _cursor_statuses(value: Any) -> Optional[list[str]]:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item in STATUSES for item in value):
        raise ValueError("cursor statuses are not a list of known statuses")
    return value


def _cursor_bbox(value: Any) -> Optional[tuple[float, float, float, float]]:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("cursor bbox does not have 4 numbers")
    if not all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):
        raise ValueError("cursor bbox does not have 4 numbers")
    min_lon, min_lat, max_lon, max_lat = (float(item) for item in value)
    if not all(math.isfinite(item) for item in (min_lon, min_lat, max_lon, max_lat)):
        raise ValueError("cursor bbox has a value that is not finite")
    return (min_lon, min_lat, max_lon, max_lat)
