"""The outbox: status changes written to disk before they are sent, so that none is lost.

Every status change the officer makes is first stored in an SQLite file beside the case GeoPackage, with the
case version it was based on and the Idempotency-Key of its batch. The key is assigned when the change is
queued, so a resend after a network drop or a crash repeats the same key and the same body, and the server
replays its stored results instead of applying the batch twice.

Life of a change (the `state` column):

- ``pending``: queued, not sent yet;
- ``sent``: the batch request went out and no result has been stored (a crash or a network drop in between);
- ``done``: the server confirmed it;
- ``conflict``: the server rejected it because the case changed first; ``theirs`` contains the server's case;
- ``failed``, ``not_found``, ``invalid``: the server or the request failed for this item; it can be retried;
- ``discarded``: a conflict resolved by keeping the server's value;
- ``superseded``: replaced by a newer change (``replaced_by``): apply mine, retry, or a later status.

Rules that keep every resend byte for byte the first request, and the changes of one case in order:

- Claim: `Outbox.claim_batch` reads a batch's pending and sent rows, marks them sent and returns them in one
  transaction, and the request body is built from exactly those rows. A row superseded before its batch was
  first claimed is never sent.
- Freeze: once a row of a batch has been sent (attempts > 0), the batch is frozen. A later change of one of
  its cases does not supersede or remove that row, so the body under that key never changes. Only rows of
  batches that were never sent can be superseded.
- Hold: a batch waits while one of its cases has an earlier change in another batch that is still pending or
  sent (unconfirmed). `sendable_batches` leaves such a batch out until the earlier change has a result.
- Rebase: when the earlier change is confirmed, the case's later pending changes are based on the version the
  server returned, so they apply cleanly. When it ends in a conflict or a failure, the later change
  supersedes it and keeps its base version, because it is the officer's newest wish. If another user changed
  the case, the later change comes back as a conflict of its own: it is never rebased onto a version the
  officer has not seen.

Each change may name the team sent to the case (`team`, sent as the batch item's ``team``). Outbox files
written before that column existed gain it, empty, when opened.

Rows are never deleted except by `Outbox.prune`, which removes finished rows older than a given age.
Each Outbox object owns one SQLite connection and must stay on the thread that opened it; every thread
opens its own. Each public method runs in one transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from .errors import QT_TRANSLATE_NOOP, SosError

#: The server accepts at most this many changes under one Idempotency-Key.
MAX_CHANGES_PER_KEY = 1000
OUTBOX_SUFFIX = ".outbox.sqlite"

PENDING = "pending"
SENT = "sent"
DONE = "done"
CONFLICT = "conflict"
FAILED = "failed"
NOT_FOUND = "not_found"
INVALID = "invalid"
DISCARDED = "discarded"
SUPERSEDED = "superseded"

#: States that wait for the server or for the officer.
OPEN_STATES = (PENDING, SENT, CONFLICT, FAILED, NOT_FOUND, INVALID)
#: States whose rows are waiting to be sent, and whose cases a refresh must not overwrite.
UNCONFIRMED_STATES = (PENDING, SENT)
#: States of changes the server did not apply and that can be retried with a new key.
RETRYABLE_STATES = (FAILED, NOT_FOUND, INVALID)
#: States that `prune` may delete.
FINISHED_STATES = (DONE, DISCARDED, SUPERSEDED)

# Sync states shown on the case layer, by outbox state.
_SYNC_STATE_OF = {
    PENDING: "pending",
    SENT: "sent",
    CONFLICT: "conflict",
    FAILED: "failed",
    NOT_FOUND: "failed",
    INVALID: "failed",
}
# When a case has several open changes, the layer shows the one that needs the officer most.
_SYNC_STATE_RANK = {"conflict": 0, "failed": 1, "sent": 2, "pending": 3}

_RESULTS_MISMATCH_MESSAGE = QT_TRANSLATE_NOOP("SosErrors", "The server's results do not match the status changes sent. The changes are kept and will be sent again.")  # noqa: E501  # fmt: skip

# Server outcome of a batch item -> outbox state.
_STATE_OF_OUTCOME = {"ok": DONE, "conflict": CONFLICT, "not_found": NOT_FOUND, "invalid": INVALID}

# Version 2 added the team column.
_SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    base_version INTEGER,
    batch_key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    theirs TEXT,
    resolution TEXT,
    replaced_by TEXT,
    team TEXT
);
CREATE INDEX IF NOT EXISTS changes_case ON changes (case_id);
CREATE INDEX IF NOT EXISTS changes_state ON changes (state);
CREATE INDEX IF NOT EXISTS changes_batch ON changes (batch_key);
"""


@dataclass
class OutboxChange:
    """One stored status change. Times are RFC 3339 UTC text; `theirs` is the server's case for a conflict."""

    seq: int
    change_id: str
    case_id: str
    status: str
    note: Optional[str]
    base_version: Optional[int]
    batch_key: str
    state: str
    attempts: int
    last_error: Optional[str]
    created_at: str
    updated_at: str
    theirs: Optional[dict] = None
    resolution: Optional[str] = None
    replaced_by: Optional[str] = None
    team: Optional[str] = None

    @property
    def if_version(self) -> Optional[int]:
        """The version sent as the batch item's if_version (the same as base_version)."""
        return self.base_version


@dataclass
class OutboxBatch:
    """The changes stored under one Idempotency-Key, in the order they were queued (the order sent)."""

    batch_key: str
    changes: list[OutboxChange] = field(default_factory=list)


def outbox_path_for(gpkg_path: str) -> str:
    """Return the outbox path beside a case GeoPackage: `cases.gpkg` gives `cases.outbox.sqlite`."""
    stem, _ = os.path.splitext(gpkg_path)
    return stem + OUTBOX_SUFFIX


def sync_state_of(state: str) -> Optional[str]:
    """Return the layer's sync state (pending, sent, conflict, failed) for an outbox state, or None."""
    return _SYNC_STATE_OF.get(state)


def _now_text(now: Optional[datetime]) -> str:
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r} has no offset")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _version_of(case: Optional[dict]) -> Optional[int]:
    if not isinstance(case, dict):
        return None
    version = (case.get("properties") or {}).get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    return None


class Outbox:
    """The outbox file of one case layer. See the module docstring for the states of a change.

    Opening creates the file and its table when missing. Raises sqlite3.Error when the file cannot be opened
    or is not an outbox.
    """

    def __init__(self, path: str, timeout_s: float = 30.0) -> None:
        self.path = path
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        # Autocommit mode: every method opens its own transaction with BEGIN IMMEDIATE.
        self._db = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL syncs the WAL at every commit, so a change survives a power cut once queue() has returned.
        self._db.execute("PRAGMA synchronous=FULL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._add_missing_columns()
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- writing

    def queue(self, changes: Iterable[Any], now: Optional[datetime] = None) -> list[OutboxChange]:
        """Store new pending changes and return them; one Idempotency-Key per MAX_CHANGES_PER_KEY changes.

        Each item needs `case_id`, `status`, `note` (or None) and `if_version` (the case version the change is
        based on, or None for "any version"), and may have `team` (or None), as api_client.StatusChange has.
        The note and the team are stored as given, and the server checks them. A case's earlier change in a
        batch that was never sent, or that ended in a conflict or a failure, is marked superseded by the new
        one. An earlier change in a batch already sent keeps its place (the batch is frozen), and the new one
        is held until that change has a result, then rebased (see the module docstring).
        """
        items = list(changes)
        if not items:
            return []
        stamp = _now_text(now)
        queued: list[str] = []
        with self._transaction():
            for start in range(0, len(items), MAX_CHANGES_PER_KEY):
                batch_key = str(uuid.uuid4())
                for item in items[start : start + MAX_CHANGES_PER_KEY]:
                    change_id = self._insert(
                        str(item.case_id),
                        str(item.status),
                        item.note,
                        None if item.if_version is None else int(item.if_version),
                        batch_key,
                        stamp,
                        team=getattr(item, "team", None),
                    )
                    self._supersede_older(str(item.case_id), change_id, stamp)
                    queued.append(change_id)
        return self._changes_by_ids(queued)

    def claim_batch(self, batch_key: str, now: Optional[datetime] = None) -> list[OutboxChange]:
        """Mark a batch's pending and sent changes sent, count an attempt, and return them in stored order.

        Call it just before the request, and build the request body from exactly the returned changes. The
        rows are read in the transaction that marks them, so a change superseded before the batch was first
        sent is left out. From then on the batch is frozen. Returns [] when the batch has nothing to send
        (unknown key, or every change superseded or given a result).
        """
        with self._transaction():
            rows = self._unconfirmed_rows(batch_key)
            if not rows:
                return []
            seqs = [row["seq"] for row in rows]
            self._db.execute(
                "UPDATE changes SET state = ?, attempts = attempts + 1, updated_at = ? "
                f"WHERE seq IN ({','.join('?' * len(seqs))})",
                (SENT, _now_text(now), *seqs),
            )
            return self._changes_where(f"seq IN ({','.join('?' * len(seqs))})", seqs)

    def mark_sent(self, batch_key: str, now: Optional[datetime] = None) -> None:
        """Mark the unconfirmed changes of a batch sent and count an attempt, as claim_batch does."""
        self.claim_batch(batch_key, now)

    def record_results(
        self, batch_key: str, results: Sequence[Any], now: Optional[datetime] = None
    ) -> list[OutboxChange]:
        """Store the server's result of each change of a batch, in the order sent; return the updated changes.

        Each result needs `case_id`, `outcome` (ok, conflict, not_found, invalid; any other is failed),
        `detail` and `case`. For ok, `case` is the changed case, and for a conflict the current one.
        A confirmed change rebases the case's later pending changes onto the returned version. A change
        that did not apply is superseded by the case's later pending change, when there is one.

        Raises SosError, and stores nothing, when the results do not pair one to one, in order, with the
        batch's unconfirmed changes: the changes stay sent, since their outcome is unknown, and the batch
        can be resent under the same key.
        """
        stamp = _now_text(now)
        with self._transaction():
            rows = self._unconfirmed_rows(batch_key)
            sent_ids = [row["case_id"] for row in rows]
            result_ids = [str(result.case_id) for result in results]
            if sent_ids != result_ids:
                error = SosError(
                    _RESULTS_MISMATCH_MESSAGE,
                    f"batch {batch_key}: {len(result_ids)} results for {len(sent_ids)} changes; "
                    f"sent {sent_ids[:20]}, results for {result_ids[:20]}",
                )
                error.template = _RESULTS_MISMATCH_MESSAGE
                raise error
            for row, result in zip(rows, results):
                state = _STATE_OF_OUTCOME.get(result.outcome, FAILED)
                theirs = None
                if state == CONFLICT and result.case:
                    theirs = json.dumps(result.case, ensure_ascii=False)
                error = None if state == DONE else (result.detail or result.outcome)
                self._db.execute(
                    "UPDATE changes SET state = ?, last_error = ?, theirs = ?, updated_at = ? WHERE seq = ?",
                    (state, error, theirs, stamp, row["seq"]),
                )
                if state == DONE:
                    self._rebase_later(row, _version_of(result.case), stamp)
                else:
                    self._supersede_by_later(row, stamp)
            seqs = [row["seq"] for row in rows]
        return self._changes_where(f"seq IN ({','.join('?' * len(seqs))})", seqs) if seqs else []

    def record_error(self, batch_key: str, message: str, now: Optional[datetime] = None) -> None:
        """Store the error of a request that got no results; the changes stay pending or sent."""
        with self._transaction():
            self._db.execute(
                "UPDATE changes SET last_error = ?, updated_at = ? WHERE batch_key = ? AND state IN (?, ?)",
                (message, _now_text(now), batch_key, PENDING, SENT),
            )

    def mark_failed(self, batch_key: str, message: str, now: Optional[datetime] = None) -> None:
        """Mark the unconfirmed changes of a batch failed, for a request the server rejected as a whole."""
        with self._transaction():
            self._db.execute(
                "UPDATE changes SET state = ?, last_error = ?, updated_at = ? "
                "WHERE batch_key = ? AND state IN (?, ?)",
                (FAILED, message, _now_text(now), batch_key, PENDING, SENT),
            )

    def keep_theirs(self, change_id: str, now: Optional[datetime] = None) -> OutboxChange:
        """Resolve a conflict by keeping the server's value: the change becomes discarded, and stays stored.

        Raises ValueError when the change is unknown or not in conflict.
        """
        with self._transaction():
            self._conflict_row(change_id)
            self._db.execute(
                "UPDATE changes SET state = ?, resolution = 'kept_theirs', updated_at = ? "
                "WHERE change_id = ?",
                (DISCARDED, _now_text(now), change_id),
            )
        return self._changes_by_ids([change_id])[0]

    def apply_mine(self, change_id: str, now: Optional[datetime] = None) -> OutboxChange:
        """Resolve a conflict by queueing the officer's change again on top of the server's current version.

        Returns the new pending change, which has a new Idempotency-Key and the version of the stored
        `theirs` as its base (None, meaning any version, when the server sent no case). The conflict row
        becomes superseded. Raises ValueError when the change is unknown or not in conflict.
        """
        stamp = _now_text(now)
        with self._transaction():
            row = self._conflict_row(change_id)
            theirs = json.loads(row["theirs"]) if row["theirs"] else None
            new_id = self._insert(
                row["case_id"],
                row["status"],
                row["note"],
                _version_of(theirs),
                str(uuid.uuid4()),
                stamp,
                team=row["team"],
            )
            self._db.execute(
                "UPDATE changes SET state = ?, resolution = 'applied_mine', replaced_by = ?, updated_at = ? "
                "WHERE change_id = ?",
                (SUPERSEDED, new_id, stamp, change_id),
            )
        return self._changes_by_ids([new_id])[0]

    def retry(self, change_ids: Iterable[str], now: Optional[datetime] = None) -> list[OutboxChange]:
        """Queue failed changes again under new Idempotency-Keys, with their original base versions.

        Only changes in a retryable state (failed, not_found, invalid) are retried; other ids are ignored.
        Returns the new pending changes; the old ones become superseded.
        """
        stamp = _now_text(now)
        new_ids: list[str] = []
        with self._transaction():
            rows = []
            for change_id in change_ids:
                row = self._db.execute("SELECT * FROM changes WHERE change_id = ?", (change_id,)).fetchone()
                if row is not None and row["state"] in RETRYABLE_STATES:
                    rows.append(row)
            for start in range(0, len(rows), MAX_CHANGES_PER_KEY):
                batch_key = str(uuid.uuid4())
                for row in rows[start : start + MAX_CHANGES_PER_KEY]:
                    new_id = self._insert(
                        row["case_id"],
                        row["status"],
                        row["note"],
                        row["base_version"],
                        batch_key,
                        stamp,
                        team=row["team"],
                    )
                    self._db.execute(
                        "UPDATE changes SET state = ?, resolution = 'retried', replaced_by = ?, "
                        "updated_at = ? WHERE seq = ?",
                        (SUPERSEDED, new_id, stamp, row["seq"]),
                    )
                    new_ids.append(new_id)
        return self._changes_by_ids(new_ids)

    def prune(self, older_than_days: float, now: Optional[datetime] = None) -> int:
        """Delete finished changes (done, discarded, superseded) last updated more than the given days ago.

        Open changes are never deleted. Returns the number of rows deleted. Raises ValueError for a
        negative age.
        """
        if older_than_days < 0:
            raise ValueError(f"older_than_days must be 0 or more, got {older_than_days}")
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
        with self._transaction():
            cursor = self._db.execute(
                "DELETE FROM changes WHERE state IN (?, ?, ?) AND updated_at < ?",
                (*FINISHED_STATES, _now_text(cutoff)),
            )
            return cursor.rowcount

    # --- reading

    def sendable_batches(self) -> list[OutboxBatch]:
        """Return the batches that can be sent now, oldest first, each with its changes in the order queued.

        A batch is sendable when it has pending or sent changes and is not held. A held batch waits until
        the earlier unconfirmed change of its case in another batch has a result (see the module
        docstring). The oldest unconfirmed batch is never held, so this list is empty only when nothing
        waits. The changes listed are for counting: build a request body from `claim_batch` instead.
        """
        keys = self.sendable_batch_keys()
        if not keys:
            return []
        batches = {key: OutboxBatch(key) for key in keys}
        for change in self._changes_where("state IN (?, ?)", (PENDING, SENT)):
            batch = batches.get(change.batch_key)
            if batch is not None:
                batch.changes.append(change)
        return list(batches.values())

    def sendable_batch_keys(self) -> list[str]:
        """Return the keys of the sendable batches (see sendable_batches), oldest first."""
        rows = self._db.execute(
            "SELECT batch_key, MIN(seq) AS first_seq FROM changes WHERE state IN (?, ?) "
            "GROUP BY batch_key ORDER BY first_seq",
            (PENDING, SENT),
        ).fetchall()
        held = self.held_batch_keys()
        return [row["batch_key"] for row in rows if row["batch_key"] not in held]

    def held_batch_keys(self) -> set[str]:
        """Return the keys of batches held back by an earlier unconfirmed change of one of their cases."""
        rows = self._db.execute(
            "SELECT DISTINCT later.batch_key FROM changes AS later JOIN changes AS earlier "
            "ON earlier.case_id = later.case_id AND earlier.seq < later.seq "
            "AND earlier.batch_key != later.batch_key "
            "WHERE later.state IN (?, ?) AND earlier.state IN (?, ?)",
            (PENDING, SENT, PENDING, SENT),
        ).fetchall()
        return {row["batch_key"] for row in rows}

    def changes_in_batch(self, batch_key: str) -> list[OutboxChange]:
        """Return every stored change under one Idempotency-Key, in the order queued."""
        return self._changes_where("batch_key = ?", (batch_key,))

    def changes_for_case(self, case_id: str) -> list[OutboxChange]:
        """Return every stored change of one case, oldest first."""
        return self._changes_where("case_id = ?", (case_id,))

    def changes_in_state(self, *states: str) -> list[OutboxChange]:
        """Return the changes in any of the given states, oldest first."""
        if not states:
            return []
        return self._changes_where(f"state IN ({','.join('?' * len(states))})", states)

    def conflicts(self) -> list[OutboxChange]:
        """Return the changes in conflict, oldest first."""
        return self.changes_in_state(CONFLICT)

    def failed(self) -> list[OutboxChange]:
        """Return the changes that failed, were not found or were invalid, oldest first."""
        return self.changes_in_state(*RETRYABLE_STATES)

    def unconfirmed_case_ids(self) -> set[str]:
        """Return the ids of cases with a pending or sent change, which a refresh must not overwrite."""
        rows = self._db.execute(
            "SELECT DISTINCT case_id FROM changes WHERE state IN (?, ?)", UNCONFIRMED_STATES
        ).fetchall()
        return {row["case_id"] for row in rows}

    def states_by_case(self) -> dict[str, str]:
        """Return {case id: sync state} for every case with an open change; cases without one are absent.

        The sync state is pending, sent, conflict or failed. A case with several open changes gets the one
        that most needs the officer, in this order: conflict, failed, sent, pending.
        """
        placeholders = ",".join("?" * len(OPEN_STATES))
        rows = self._db.execute(
            f"SELECT case_id, state FROM changes WHERE state IN ({placeholders})", OPEN_STATES
        ).fetchall()
        states: dict[str, str] = {}
        for row in rows:
            sync_state = _SYNC_STATE_OF[row["state"]]
            current = states.get(row["case_id"])
            if current is None or _SYNC_STATE_RANK[sync_state] < _SYNC_STATE_RANK[current]:
                states[row["case_id"]] = sync_state
        return states

    def count_by_state(self) -> dict[str, int]:
        """Return {state: number of changes} for the states that have changes."""
        rows = self._db.execute("SELECT state, COUNT(*) AS n FROM changes GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    # --- helpers

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _add_missing_columns(self) -> None:
        # CREATE TABLE IF NOT EXISTS leaves the table of an older outbox file as it was.
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(changes)")}
        if "team" not in present:
            self._db.execute("ALTER TABLE changes ADD COLUMN team TEXT")

    def _insert(
        self,
        case_id: str,
        status: str,
        note: Optional[str],
        base_version: Optional[int],
        batch_key: str,
        stamp: str,
        team: Optional[str] = None,
    ) -> str:
        change_id = str(uuid.uuid4())
        self._db.execute(
            "INSERT INTO changes (change_id, case_id, status, note, base_version, batch_key, state, "
            "created_at, updated_at, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change_id, case_id, status, note, base_version, batch_key, PENDING, stamp, stamp, team),
        )
        return change_id

    def _supersede_older(self, case_id: str, new_id: str, stamp: str) -> None:
        # A pending change in a batch of which no row was ever sent has an unused key, so that batch's body
        # may still change. A batch with a sent row is frozen, because its resend must repeat the same body.
        self._db.execute(
            "UPDATE changes SET state = ?, resolution = 'replaced', replaced_by = ?, updated_at = ? "
            "WHERE case_id = ? AND change_id != ? AND ("
            "(state = ? AND NOT EXISTS (SELECT 1 FROM changes AS other "
            "WHERE other.batch_key = changes.batch_key AND other.attempts > 0)) "
            "OR state IN (?, ?, ?, ?))",
            (SUPERSEDED, new_id, stamp, case_id, new_id, PENDING, CONFLICT, *RETRYABLE_STATES),
        )

    def _rebase_later(self, row: sqlite3.Row, version: Optional[int], stamp: str) -> None:
        # The later pending changes of the case were held while this one was unconfirmed. They were never
        # sent (attempts = 0), so their bodies may change. "Any version" (NULL) stays as it is.
        if version is None:
            return
        self._db.execute(
            "UPDATE changes SET base_version = ?, updated_at = ? "
            "WHERE case_id = ? AND seq > ? AND state = ? AND attempts = 0 "
            "AND base_version IS NOT NULL AND base_version < ?",
            (version, stamp, row["case_id"], row["seq"], PENDING, version),
        )

    def _supersede_by_later(self, row: sqlite3.Row, stamp: str) -> None:
        # The change did not apply, and the officer has since made a newer change of the case. The newer one
        # wins, as it would have if this change had not been in flight when the newer one was queued.
        later = self._db.execute(
            "SELECT change_id FROM changes WHERE case_id = ? AND seq > ? AND state = ? "
            "ORDER BY seq DESC LIMIT 1",
            (row["case_id"], row["seq"], PENDING),
        ).fetchone()
        if later is None:
            return
        self._db.execute(
            "UPDATE changes SET state = ?, resolution = 'replaced', replaced_by = ?, updated_at = ? "
            "WHERE seq = ?",
            (SUPERSEDED, later["change_id"], stamp, row["seq"]),
        )

    def _unconfirmed_rows(self, batch_key: str) -> list[sqlite3.Row]:
        return self._db.execute(
            "SELECT seq, case_id FROM changes WHERE batch_key = ? AND state IN (?, ?) ORDER BY seq",
            (batch_key, PENDING, SENT),
        ).fetchall()

    def _conflict_row(self, change_id: str) -> sqlite3.Row:
        row = self._db.execute("SELECT * FROM changes WHERE change_id = ?", (change_id,)).fetchone()
        if row is None:
            raise ValueError(f"unknown change {change_id}")
        if row["state"] != CONFLICT:
            raise ValueError(f"change {change_id} is {row['state']}, not in conflict")
        return row

    def _changes_by_ids(self, change_ids: Sequence[str]) -> list[OutboxChange]:
        changes: list[OutboxChange] = []
        # SQLite limits the number of parameters of one statement, so the ids go in chunks.
        for start in range(0, len(change_ids), 500):
            chunk = list(change_ids[start : start + 500])
            changes.extend(self._changes_where(f"change_id IN ({','.join('?' * len(chunk))})", chunk))
        changes.sort(key=lambda change: change.seq)
        return changes

    def _changes_where(self, condition: str, parameters: Sequence[Any]) -> list[OutboxChange]:
        rows = self._db.execute(
            f"SELECT * FROM changes WHERE {condition} ORDER BY seq", tuple(parameters)
        ).fetchall()
        return [_change_from_row(row) for row in rows]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: Any, *rest: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")


def _change_from_row(row: sqlite3.Row) -> OutboxChange:
    return OutboxChange(
        seq=row["seq"],
        change_id=row["change_id"],
        case_id=row["case_id"],
        status=row["status"],
        note=row["note"],
        base_version=row["base_version"],
        batch_key=row["batch_key"],
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        theirs=json.loads(row["theirs"]) if row["theirs"] else None,
        resolution=row["resolution"],
        replaced_by=row["replaced_by"],
        team=row["team"],
    )
