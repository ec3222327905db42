"""The outbox file: crash safety, results, conflict resolution, retry, sync states and pruning."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import pytest

from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.core.outbox import (
    MAX_CHANGES_PER_KEY,
    Outbox,
    outbox_path_for,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Change:
    case_id: str
    status: str
    note: Optional[str] = None
    if_version: Optional[int] = None
    team: Optional[str] = None


@dataclass
class Result:
    case_id: str
    outcome: str
    detail: Optional[str] = None
    case: Optional[dict] = None


def _case(case_id: str, status: str, version: int) -> dict:
    properties = {"id": case_id, "status": status, "version": version}
    return {"type": "Feature", "id": case_id, "properties": properties}


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox(str(tmp_path / "cases.outbox.sqlite"))
    yield box
    box.close()


def test_path_beside_gpkg():
    assert outbox_path_for("/data/sos_cases.gpkg") == "/data/sos_cases.outbox.sqlite"


def test_wal_journal_mode(outbox):
    db = sqlite3.connect(outbox.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_queue_shares_one_key(outbox):
    changes = outbox.queue([Change("c1", "supported", "team 1", 3), Change("c2", "supported", "team 1", 5)])

    assert len({change.batch_key for change in changes}) == 1
    assert [change.state for change in changes] == ["pending", "pending"]
    assert [change.base_version for change in changes] == [3, 5]


def test_queue_splits_large_batches(outbox):
    changes = outbox.queue([Change(f"c{i}", "supported") for i in range(MAX_CHANGES_PER_KEY + 1)])

    batches = outbox.sendable_batches()
    assert len(changes) == MAX_CHANGES_PER_KEY + 1
    assert [len(batch.changes) for batch in batches] == [MAX_CHANGES_PER_KEY, 1]


def test_reopen_keeps_pending_and_key(tmp_path):
    path = str(tmp_path / "cases.outbox.sqlite")
    with Outbox(path) as first:
        queued = first.queue([Change("c1", "supported", "team 1", 3)])

    with Outbox(path) as second:
        batches = second.sendable_batches()

    assert len(batches) == 1
    assert batches[0].batch_key == queued[0].batch_key
    assert batches[0].changes[0].state == "pending"
    assert batches[0].changes[0].note == "team 1"


def test_killed_process_change_survives(tmp_path):
    # A child process queues a change and is killed without closing the file (os._exit skips cleanup).
    path = tmp_path / "cases.outbox.sqlite"
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from dataclasses import dataclass
        from sos_qgis_plugin.core.outbox import Outbox

        @dataclass
        class Change:
            case_id: str
            status: str
            note: object = None
            if_version: object = None

        box = Outbox({str(path)!r})
        queued = box.queue([Change("c7", "in_progress", "boat 2", 4)])
        box.mark_sent(queued[0].batch_key)
        print(queued[0].batch_key, flush=True)
        os._exit(9)
        """
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    with Outbox(str(path)) as box:
        batches = box.sendable_batches()
    assert child.returncode == 9
    assert batches[0].batch_key == child.stdout.strip()
    assert batches[0].changes[0].state == "sent"
    assert batches[0].changes[0].attempts == 1


def test_mark_sent_counts_attempts(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key

    outbox.mark_sent(key)
    outbox.mark_sent(key)

    change = outbox.changes_for_case("c1")[0]
    assert change.state == "sent"
    assert change.attempts == 2


def test_results_per_item(outbox):
    key = outbox.queue(
        [Change("c1", "supported"), Change("c2", "supported"), Change("c3", "supported"), Change("c4", "x")]
    )[0].batch_key
    outbox.mark_sent(key)

    outbox.record_results(
        key,
        [
            Result("c1", "ok", case=_case("c1", "supported", 2)),
            Result("c2", "conflict", "version 1 is not 4", _case("c2", "in_progress", 4)),
            Result("c3", "not_found", "no such case"),
            Result("c4", "invalid", "unknown status"),
        ],
    )

    states = [outbox.changes_for_case(case_id)[0].state for case_id in ("c1", "c2", "c3", "c4")]
    assert states == ["done", "conflict", "not_found", "invalid"]
    assert outbox.changes_for_case("c2")[0].theirs["properties"]["status"] == "in_progress"
    assert outbox.changes_for_case("c3")[0].last_error == "no such case"
    assert outbox.sendable_batches() == []


def test_unknown_outcome_is_failed(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key

    outbox.record_results(key, [Result("c1", "failed", "server error")])

    assert outbox.changes_for_case("c1")[0].state == "failed"


def test_mismatched_results_keep_sent(outbox):
    key = outbox.queue([Change("c1", "supported"), Change("c2", "supported")])[0].batch_key
    outbox.claim_batch(key)

    with pytest.raises(SosError):
        outbox.record_results(key, [Result("c2", "ok"), Result("c1", "ok")])

    assert [change.state for change in outbox.sendable_batches()[0].changes] == ["sent", "sent"]


def test_extra_results_keep_sent(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key
    outbox.claim_batch(key)

    with pytest.raises(SosError):
        outbox.record_results(key, [Result("c1", "ok"), Result("c2", "ok")])

    assert outbox.changes_for_case("c1")[0].state == "sent"


def test_network_error_keeps_sent(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key
    outbox.mark_sent(key)

    outbox.record_error(key, "Could not connect to 127.0.0.1:9")

    change = outbox.changes_for_case("c1")[0]
    assert change.state == "sent"
    assert change.last_error == "Could not connect to 127.0.0.1:9"


def test_keep_theirs_discards(outbox):
    key = outbox.queue([Change("c1", "supported", "mine", 1)])[0].batch_key
    outbox.record_results(key, [Result("c1", "conflict", case=_case("c1", "unreachable", 2))])
    conflict = outbox.conflicts()[0]

    resolved = outbox.keep_theirs(conflict.change_id)

    assert resolved.state == "discarded"
    assert resolved.resolution == "kept_theirs"
    assert outbox.conflicts() == []
    assert outbox.sendable_batches() == []


def test_apply_mine_rebases(outbox):
    key = outbox.queue([Change("c1", "supported", "mine", 1)])[0].batch_key
    outbox.record_results(key, [Result("c1", "conflict", case=_case("c1", "unreachable", 6))])
    conflict = outbox.conflicts()[0]

    new = outbox.apply_mine(conflict.change_id)

    old = outbox.changes_for_case("c1")[0]
    assert new.state == "pending"
    assert new.base_version == 6
    assert new.note == "mine"
    assert new.batch_key != key
    assert old.state == "superseded"
    assert old.replaced_by == new.change_id


def test_resolve_non_conflict_rejected(outbox):
    change = outbox.queue([Change("c1", "supported")])[0]

    with pytest.raises(ValueError):
        outbox.keep_theirs(change.change_id)


def test_retry_failed_new_key(outbox):
    key = outbox.queue([Change("c1", "supported", None, 3), Change("c2", "supported")])[0].batch_key
    outbox.record_results(key, [Result("c1", "failed", "HTTP 500"), Result("c2", "ok")])
    failed = outbox.failed()

    retried = outbox.retry([change.change_id for change in failed])

    assert len(retried) == 1
    assert retried[0].batch_key != key
    assert retried[0].base_version == 3
    assert outbox.failed() == []
    assert outbox.changes_for_case("c1")[0].resolution == "retried"


def test_retry_ignores_done(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key
    outbox.record_results(key, [Result("c1", "ok")])

    retried = outbox.retry([outbox.changes_for_case("c1")[0].change_id])

    assert retried == []


def test_new_change_supersedes_unsent(outbox):
    first = outbox.queue([Change("c1", "in_progress")])[0]

    outbox.queue([Change("c1", "supported")])

    batches = outbox.sendable_batches()
    assert outbox.changes_for_case("c1")[0].change_id == first.change_id
    assert outbox.changes_for_case("c1")[0].state == "superseded"
    assert [change.status for batch in batches for change in batch.changes] == ["supported"]


def test_new_change_keeps_sent(outbox):
    first = outbox.queue([Change("c1", "in_progress")])[0]
    outbox.mark_sent(first.batch_key)

    outbox.queue([Change("c1", "supported")])

    assert [change.state for change in outbox.changes_for_case("c1")] == ["sent", "pending"]


def test_states_by_case(outbox):
    key = outbox.queue([Change("c1", "supported"), Change("c2", "supported"), Change("c3", "supported")])[
        0
    ].batch_key
    outbox.mark_sent(key)
    results = [
        Result("c1", "ok"),
        Result("c2", "conflict", case=_case("c2", "duplicate", 3)),
        Result("c3", "invalid"),
    ]
    outbox.record_results(key, results)
    outbox.queue([Change("c4", "supported")])

    assert outbox.states_by_case() == {"c2": "conflict", "c3": "failed", "c4": "pending"}


def test_unconfirmed_case_ids(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key
    outbox.mark_sent(key)
    outbox.queue([Change("c2", "supported")])

    assert outbox.unconfirmed_case_ids() == {"c1", "c2"}


def test_prune_keeps_open(outbox):
    old = datetime(2025, 11, 1, tzinfo=timezone.utc)
    key = outbox.queue([Change("c1", "supported"), Change("c2", "supported")], now=old)[0].batch_key
    outbox.record_results(key, [Result("c1", "ok"), Result("c2", "conflict")], now=old)

    deleted = outbox.prune(30, now=old + timedelta(days=31))

    assert deleted == 1
    assert outbox.changes_for_case("c1") == []
    assert outbox.changes_for_case("c2")[0].state == "conflict"


def test_prune_keeps_recent(outbox):
    key = outbox.queue([Change("c1", "supported")])[0].batch_key
    outbox.record_results(key, [Result("c1", "ok")])

    assert outbox.prune(30) == 0


def test_claim_marks_and_returns(outbox):
    key = outbox.queue([Change("c1", "supported", "a", 3), Change("c2", "in_progress", "b", 5)])[0].batch_key

    claimed = outbox.claim_batch(key)

    assert [(change.case_id, change.base_version) for change in claimed] == [("c1", 3), ("c2", 5)]
    assert [change.state for change in claimed] == ["sent", "sent"]
    assert [change.attempts for change in claimed] == [1, 1]


def test_claim_unknown_key_empty(outbox):
    assert outbox.claim_batch("no-such-key") == []


def test_claim_skips_superseded(outbox):
    # A change of c3 is queued while batch 1 is in flight, before batch 2 was ever sent.
    first = outbox.queue([Change("c1", "in_progress", None, 1)])[0].batch_key
    second = outbox.queue([Change("c2", "in_progress", None, 1), Change("c3", "in_progress", None, 1)])[0]
    outbox.claim_batch(first)
    outbox.queue([Change("c3", "unreachable", None, 1)])

    claimed = outbox.claim_batch(second.batch_key)

    assert [change.case_id for change in claimed] == ["c2"]


def test_sent_batch_frozen(outbox):
    key = outbox.queue([Change("c2", "in_progress", None, 1), Change("c3", "in_progress", None, 1)])[
        0
    ].batch_key
    first_body = [(c.case_id, c.status, c.base_version) for c in outbox.claim_batch(key)]

    outbox.queue([Change("c3", "unreachable", None, 1)])
    resent_body = [(c.case_id, c.status, c.base_version) for c in outbox.claim_batch(key)]

    assert resent_body == first_body


def test_frozen_row_not_superseded(outbox):
    key = outbox.queue([Change("c2", "in_progress"), Change("c3", "in_progress")])[0].batch_key
    outbox.claim_batch(key)

    outbox.queue([Change("c3", "unreachable")])

    assert [change.state for change in outbox.changes_for_case("c3")] == ["sent", "pending"]


def test_frozen_after_network_error(outbox):
    # A network error leaves the batch sent, so its rows stay frozen for the resend.
    key = outbox.queue([Change("c2", "in_progress"), Change("c3", "in_progress")])[0].batch_key
    outbox.claim_batch(key)
    outbox.record_error(key, "timeout")

    outbox.queue([Change("c2", "supported")])

    assert outbox.changes_for_case("c2")[0].state == "sent"


def test_later_change_held(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)

    second = outbox.queue([Change("c5", "supported", None, 1)])[0].batch_key

    assert outbox.sendable_batch_keys() == [first]
    assert outbox.held_batch_keys() == {second}


def test_held_batch_holds_all_cases(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)
    outbox.queue([Change("c6", "supported", None, 1), Change("c5", "supported", None, 1)])

    batches = outbox.sendable_batches()

    assert [batch.batch_key for batch in batches] == [first]


def test_confirmed_rebases_later(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)
    second = outbox.queue([Change("c5", "supported", "team 4", 1)])[0].batch_key

    outbox.record_results(first, [Result("c5", "ok", case=_case("c5", "in_progress", 2))])

    later = outbox.changes_for_case("c5")[1]
    assert outbox.sendable_batch_keys() == [second]
    assert later.base_version == 2
    assert later.state == "pending"


def test_rebase_keeps_any_version(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)
    outbox.queue([Change("c5", "supported", None, None)])

    outbox.record_results(first, [Result("c5", "ok", case=_case("c5", "in_progress", 2))])

    assert outbox.changes_for_case("c5")[1].base_version is None


def test_conflict_superseded_by_later(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)
    later = outbox.queue([Change("c5", "supported", None, 1)])[0]

    outbox.record_results(first, [Result("c5", "conflict", case=_case("c5", "unreachable", 2))])

    earlier, pending = outbox.changes_for_case("c5")
    assert earlier.state == "superseded"
    assert earlier.replaced_by == later.change_id
    assert pending.base_version == 1
    assert outbox.sendable_batch_keys() == [later.batch_key]


def test_failed_superseded_by_later(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key
    outbox.claim_batch(first)
    later = outbox.queue([Change("c5", "supported", None, 1)])[0]

    outbox.record_results(first, [Result("c5", "failed", "HTTP 500")])

    assert outbox.failed() == []
    assert outbox.changes_for_case("c5")[1].base_version == 1
    assert outbox.sendable_batch_keys() == [later.batch_key]


def test_conflict_alone_stays(outbox):
    first = outbox.queue([Change("c5", "in_progress", None, 1)])[0].batch_key

    outbox.record_results(first, [Result("c5", "conflict", case=_case("c5", "unreachable", 2))])

    assert outbox.conflicts()[0].case_id == "c5"


# The outbox table as it was before the team column, with one change in a batch already sent.
_OUTBOX_WITHOUT_TEAM = """
CREATE TABLE changes (
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
    replaced_by TEXT
);
INSERT INTO changes (change_id, case_id, status, note, base_version, batch_key, state, attempts,
    created_at, updated_at)
VALUES ('old-1', 'c1', 'in_progress', 'đội 2', 3, 'old-key', 'sent', 1,
    '2025-11-19T01:00:00.000000Z', '2025-11-19T01:00:00.000000Z');
PRAGMA user_version = 1;
"""


def _old_outbox(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(_OUTBOX_WITHOUT_TEAM)
    finally:
        db.close()


def test_queue_stores_team(outbox):
    changes = outbox.queue([Change("c1", "in_progress", "a", 3, team="Đội 4"), Change("c2", "in_progress")])

    assert changes[0].team == "Đội 4"
    assert changes[1].team is None
    assert outbox.changes_for_case("c1")[0].team == "Đội 4"


def test_queue_item_without_team(outbox):
    class Item:
        case_id = "c1"
        status = "supported"
        note = None
        if_version = 2

    changes = outbox.queue([Item()])

    assert changes[0].team is None
    assert changes[0].base_version == 2


def test_claim_returns_team(outbox):
    key = outbox.queue([Change("c1", "in_progress", None, 3, team="Đội 4")])[0].batch_key

    claimed = outbox.claim_batch(key)

    assert [change.team for change in claimed] == ["Đội 4"]


def test_retry_keeps_team(outbox):
    key = outbox.queue([Change("c1", "in_progress", None, 3, team="Đội 4")])[0].batch_key
    outbox.claim_batch(key)
    failed = outbox.record_results(key, [Result("c1", "failed", "server error")])

    retried = outbox.retry([failed[0].change_id])

    assert retried[0].team == "Đội 4"
    assert retried[0].batch_key != key


def test_apply_mine_keeps_team(outbox):
    key = outbox.queue([Change("c1", "in_progress", None, 3, team="Đội 4")])[0].batch_key
    outbox.claim_batch(key)
    conflict = outbox.record_results(key, [Result("c1", "conflict", None, _case("c1", "supported", 5))])

    again = outbox.apply_mine(conflict[0].change_id)

    assert again.team == "Đội 4"
    assert again.base_version == 5


def test_later_change_replaces_team(outbox):
    outbox.queue([Change("c1", "in_progress", None, 3, team="Đội 4")])
    outbox.queue([Change("c1", "in_progress", None, 3, team="Đội 5")])

    pending = outbox.changes_in_state("pending")

    assert [change.team for change in pending] == ["Đội 5"]


def test_old_outbox_gains_team(tmp_path):
    path = tmp_path / "cases.outbox.sqlite"
    _old_outbox(path)

    with Outbox(str(path)) as box:
        old = box.changes_for_case("c1")[0]
        new = box.queue([Change("c2", "supported", None, 1, team="Đội 1")])[0]

    assert old.team is None
    assert old.note == "đội 2"
    assert new.team == "Đội 1"


def test_old_outbox_keeps_frozen_batch(tmp_path):
    path = tmp_path / "cases.outbox.sqlite"
    _old_outbox(path)

    with Outbox(str(path)) as box:
        box.queue([Change("c1", "supported", None, 3, team="Đội 1")])
        resent = box.claim_batch("old-key")

    assert [(change.change_id, change.status, change.team) for change in resent] == [
        ("old-1", "in_progress", None)
    ]
    assert resent[0].attempts == 2


def test_old_outbox_schema_version(tmp_path):
    path = tmp_path / "cases.outbox.sqlite"
    _old_outbox(path)

    Outbox(str(path)).close()
    db = sqlite3.connect(path)
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(changes)")]
        version = db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()
    assert "team" in columns
    assert version == 2


def test_reopen_migrated_outbox(tmp_path):
    path = tmp_path / "cases.outbox.sqlite"
    _old_outbox(path)
    Outbox(str(path)).close()

    with Outbox(str(path)) as box:
        box.queue([Change("c3", "supported", team="Đội 9")])
        teams = [change.team for change in box.changes_for_case("c3")]

    assert teams == ["Đội 9"]
