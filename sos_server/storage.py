"""Storage of cases, their history, tokens and idempotency records.

The domain layer talks to the ``CaseStore`` protocol only. ``SqlCaseStore`` implements it with SQLAlchemy
Core. The SQLite engine runs in WAL mode with ``synchronous=FULL`` so that an acknowledged write survives a
killed process. Moving to PostgreSQL/PostGIS is meant to be a URL change plus the spatial index noted below.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional, Protocol

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection

CASE_ID_PREFIX = "c"
# NOTE: ids stay fixed-width, and so sort as text in id order, only up to 9,999,999 cases. The server pages by
# the integer sequence number, so its own paging stays correct beyond that.
CASE_ID_DIGITS = 7

BUSY_TIMEOUT_MS = 10_000

logger = logging.getLogger("sos_server")


class UtcDateTime(TypeDecorator):
    """Aware datetime stored as naive UTC, returned as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; the domain layer must pass aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class JsonList(TypeDecorator):
    """List of strings stored as JSON text, so SQLite and PostgreSQL store it the same way."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Optional[list], dialect: Any) -> str:
        return json.dumps(list(value or []), ensure_ascii=False)

    def process_result_value(self, value: Optional[str], dialect: Any) -> list:
        return json.loads(value) if value else []


metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    # The sequence number orders cases and keys the R*Tree; the text id is derived from it.
    Column("num", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("external_id", Text),
    Column("source", Text),
    Column("status", String(32), nullable=False),
    Column("people_count", Integer),
    Column("people_count_raw", Text),
    Column("household_count", Integer),
    Column("phone", Text),
    Column("reporter_name", Text),
    Column("description", Text, nullable=False, default=""),
    Column("address", Text),
    Column("urgency", String(16)),
    Column("needs", JsonList, nullable=False),
    Column("has_children", Boolean, nullable=False, default=False),
    Column("has_elderly", Boolean, nullable=False, default=False),
    Column("has_disabilities", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("duplicate_of", String(32)),
    Column("lon", Float),
    Column("lat", Float),
    Column("location_note", Text),
    Column("quality_flags", JsonList, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_cases_updated_at", cases.c.updated_at)
Index("ix_cases_status", cases.c.status)
Index("ix_cases_external_id", cases.c.source, cases.c.external_id)

history = Table(
    "case_history",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("from_status", String(32)),
    Column("to_status", String(32), nullable=False),
    Column("note", Text),
    Column("team", Text),
)
Index("ix_case_history_case_id", history.c.case_id, history.c.entry_id)

tokens = Table(
    "tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

idempotency = Table(
    "idempotency_keys",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("response_json", Text),  # NULL while the first request with this key is still being processed
    Column("created_at", UtcDateTime, nullable=False),
)

# The result of each applied batch item, committed in the same transaction as the item's change. A batch
# rerun after its server died returns these results instead of applying the same items a second time.
idempotency_items = Table(
    "idempotency_items",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("item_index", Integer, primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("result_json", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The R*Tree is created with raw DDL below; this Table only lets Core queries name its columns.
# NOTE: on PostgreSQL/PostGIS this becomes a geometry column on `cases` with a GiST index, and the bbox filter
# becomes `geom && ST_MakeEnvelope(...)`; SqlCaseStore would need that branch before a PostgreSQL URL works.
case_points = Table(
    "case_points",
    MetaData(),
    Column("num", Integer, primary_key=True),
    Column("min_lon", Float),
    Column("max_lon", Float),
    Column("min_lat", Float),
    Column("max_lat", Float),
)

_RTREE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_points USING rtree(num, min_lon, max_lon, min_lat, max_lat)",
    # Triggers keep the index equal to the located cases whatever code path writes `cases`.
    """CREATE TRIGGER IF NOT EXISTS case_points_insert AFTER INSERT ON cases
       WHEN new.lon IS NOT NULL AND new.lat IS NOT NULL
       BEGIN
         INSERT INTO case_points VALUES (new.num, new.lon, new.lon, new.lat, new.lat);
       END""",
    """CREATE TRIGGER IF NOT EXISTS case_points_update AFTER UPDATE OF lon, lat ON cases
       BEGIN
         DELETE FROM case_points WHERE num = old.num;
         INSERT INTO case_points SELECT new.num, new.lon, new.lon, new.lat, new.lat
           WHERE new.lon IS NOT NULL AND new.lat IS NOT NULL;
       END""",
    """CREATE TRIGGER IF NOT EXISTS case_points_delete AFTER DELETE ON cases
       BEGIN
         DELETE FROM case_points WHERE num = old.num;
       END""",
)

# Statements built once: passing values as execute() parameters lets SQLAlchemy reuse the compiled form,
# which makes bulk imports several times faster than building `.values(...)` per row.
_INSERT_CASE = insert(cases)
_INSERT_HISTORY = insert(history)
_SET_CASE_ID = update(cases).where(cases.c.num == bindparam("match_num")).values(id=bindparam("new_id"))
_FIND_BY_EXTERNAL_ID = (
    select(cases)
    .where(cases.c.source == bindparam("match_source"), cases.c.external_id == bindparam("match_external_id"))
    .order_by(cases.c.num)
    .limit(1)
)
_FIND_BY_EXTERNAL_ID_NO_SOURCE = (
    select(cases)
    .where(cases.c.source.is_(None), cases.c.external_id == bindparam("match_external_id"))
    .order_by(cases.c.num)
    .limit(1)
)

CASE_FIELDS = tuple(column.name for column in cases.columns if column.name != "num")


@dataclass
class CaseQuery:
    """Filters of one listing request; ``after_num`` is the keyset cursor (exclusive)."""

    statuses: Optional[list[str]] = None
    bbox: Optional[tuple[float, float, float, float]] = None
    updated_since: Optional[datetime] = None
    after_num: int = 0
    limit: int = 1000


@dataclass
class TokenInfo:
    role: str
    name: str


@dataclass
class IdempotencyRecord:
    request_sha256: str
    response_json: Optional[str]
    created_at: datetime


@dataclass
class CasePage:
    rows: list[dict[str, Any]] = field(default_factory=list)
    last_num: Optional[int] = None


def format_case_id(num: int) -> str:
    """Return the server id of the case with sequence number ``num``, e.g. 42 -> "c0000042"."""
    return f"{CASE_ID_PREFIX}{num:0{CASE_ID_DIGITS}d}"


def parse_case_id(case_id: str) -> Optional[int]:
    """Return the sequence number inside a server id, or None when ``case_id`` is not one."""
    if not case_id.startswith(CASE_ID_PREFIX):
        return None
    digits = case_id[len(CASE_ID_PREFIX) :]
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)


class CaseTransaction(Protocol):
    """Operations available inside one storage transaction."""

    def get_case(self, case_id: str) -> Optional[dict[str, Any]]: ...

    def find_case_by_external_id(
        self, source: Optional[str], external_id: str
    ) -> Optional[dict[str, Any]]: ...

    def insert_case(self, values: dict[str, Any]) -> dict[str, Any]: ...

    def update_case(self, case_id: str, expected_version: int, values: dict[str, Any]) -> bool: ...

    def add_history(
        self,
        case_id: str,
        changed_at: datetime,
        changed_by: str,
        from_status: Optional[str],
        to_status: str,
        note: Optional[str],
        team: Optional[str] = None,
    ) -> None: ...

    def list_history(self, case_id: str) -> list[dict[str, Any]]: ...

    def list_cases(self, query: CaseQuery) -> CasePage: ...

    def count_cases(self, query: CaseQuery) -> int: ...

    def extent(self) -> Optional[tuple[float, float, float, float]]: ...

    def time_extent(self) -> Optional[tuple[datetime, datetime]]: ...

    def add_token(self, token_sha256: str, role: str, name: str, created_at: datetime) -> None: ...

    def find_token(self, token_sha256: str) -> Optional[TokenInfo]: ...

    def count_tokens(self, role: str) -> int: ...

    def get_idempotency(self, token_sha256: str, key: str) -> Optional[IdempotencyRecord]: ...

    def reserve_idempotency(
        self, token_sha256: str, key: str, request_sha256: str, created_at: datetime
    ) -> bool: ...

    def complete_idempotency(self, token_sha256: str, key: str, response_json: str) -> None: ...

    def delete_idempotency(self, token_sha256: str, key: str) -> None: ...

    def purge_idempotency(self, older_than: datetime) -> int: ...

    def get_idempotency_items(self, token_sha256: str, key: str, request_sha256: str) -> dict[int, str]: ...

    def add_idempotency_item(
        self,
        token_sha256: str,
        key: str,
        item_index: int,
        request_sha256: str,
        result_json: str,
        created_at: datetime,
    ) -> None: ...

    def discard_idempotency_items(self, token_sha256: str, key: str, keep_request_sha256: str) -> None: ...


class CaseStore(Protocol):
    """A database of cases: read transactions and serialized write transactions."""

    def read(self) -> AbstractContextManager[CaseTransaction]:
        """Open a read transaction that reads one consistent snapshot."""
        ...

    def write(self) -> AbstractContextManager[CaseTransaction]:
        """Open a write transaction; write transactions run one at a time."""
        ...

    def close(self) -> None: ...


class _SqlTransaction:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get_case(self, case_id: str) -> Optional[dict[str, Any]]:
        row = self._conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
        return dict(row) if row else None

    def find_case_by_external_id(self, source: Optional[str], external_id: str) -> Optional[dict[str, Any]]:
        if source is None:
            result = self._conn.execute(_FIND_BY_EXTERNAL_ID_NO_SOURCE, {"match_external_id": external_id})
        else:
            parameters = {"match_source": source, "match_external_id": external_id}
            result = self._conn.execute(_FIND_BY_EXTERNAL_ID, parameters)
        row = result.mappings().first()
        return dict(row) if row else None

    def insert_case(self, values: dict[str, Any]) -> dict[str, Any]:
        # The id is derived from the sequence number, which is only known after the insert.
        placeholder = {**values, "id": f"pending-{id(values)}"}
        result = self._conn.execute(_INSERT_CASE, placeholder)
        num = result.inserted_primary_key[0]
        case_id = format_case_id(num)
        self._conn.execute(_SET_CASE_ID, {"match_num": num, "new_id": case_id})
        return {**values, "id": case_id, "num": num}

    def update_case(self, case_id: str, expected_version: int, values: dict[str, Any]) -> bool:
        parameters = {**values, "match_id": case_id, "match_version": expected_version}
        return self._conn.execute(_update_statement(frozenset(values)), parameters).rowcount == 1

    def add_history(
        self,
        case_id: str,
        changed_at: datetime,
        changed_by: str,
        from_status: Optional[str],
        to_status: str,
        note: Optional[str],
        team: Optional[str] = None,
    ) -> None:
        self._conn.execute(
            _INSERT_HISTORY,
            {
                "case_id": case_id,
                "changed_at": changed_at,
                "changed_by": changed_by,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
                "team": team,
            },
        )

    def list_history(self, case_id: str) -> list[dict[str, Any]]:
        statement = select(history).where(history.c.case_id == case_id).order_by(history.c.entry_id)
        return [dict(row) for row in self._conn.execute(statement).mappings()]

    def _filters(self, query: CaseQuery) -> list[Any]:
        conditions: list[Any] = []
        if query.statuses:
            conditions.append(cases.c.status.in_(query.statuses))
        if query.updated_since is not None:
            conditions.append(cases.c.updated_at >= query.updated_since)
        if query.bbox is not None:
            # The R*Tree finds candidates, but its 32-bit floats round boundaries outwards: test exactly too.
            conditions.append(cases.c.num.in_(_bbox_subquery(query.bbox)))
            conditions.append(_exact_bbox_condition(query.bbox))
        return conditions

    def list_cases(self, query: CaseQuery) -> CasePage:
        statement = (
            select(cases)
            .where(cases.c.num > query.after_num, *self._filters(query))
            .order_by(cases.c.num)
            .limit(query.limit)
        )
        rows = [dict(row) for row in self._conn.execute(statement).mappings()]
        return CasePage(rows=rows, last_num=rows[-1]["num"] if rows else None)

    def count_cases(self, query: CaseQuery) -> int:
        statement = select(func.count()).select_from(cases).where(*self._filters(query))
        return int(self._conn.execute(statement).scalar_one())

    def extent(self) -> Optional[tuple[float, float, float, float]]:
        # The R*Tree keeps 32-bit floats, so the exact extent comes from the cases table.
        statement = select(
            func.min(cases.c.lon), func.min(cases.c.lat), func.max(cases.c.lon), func.max(cases.c.lat)
        )
        row = self._conn.execute(statement).first()
        if row is None or row[0] is None:
            return None
        return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))

    def time_extent(self) -> Optional[tuple[datetime, datetime]]:
        row = self._conn.execute(select(func.min(cases.c.created_at), func.max(cases.c.created_at))).first()
        if row is None or row[0] is None:
            return None
        # Aggregates bypass the column type, so SQLite returns text here.
        return (_as_utc(row[0]), _as_utc(row[1]))

    def add_token(self, token_sha256: str, role: str, name: str, created_at: datetime) -> None:
        self._conn.execute(
            insert(tokens).values(token_sha256=token_sha256, role=role, name=name, created_at=created_at)
        )

    def find_token(self, token_sha256: str) -> Optional[TokenInfo]:
        statement = select(tokens.c.role, tokens.c.name).where(tokens.c.token_sha256 == token_sha256)
        row = self._conn.execute(statement).first()
        return TokenInfo(role=row.role, name=row.name) if row else None

    def count_tokens(self, role: str) -> int:
        statement = select(func.count()).select_from(tokens).where(tokens.c.role == role)
        return int(self._conn.execute(statement).scalar_one())

    def get_idempotency(self, token_sha256: str, key: str) -> Optional[IdempotencyRecord]:
        statement = select(idempotency).where(
            idempotency.c.token_sha256 == token_sha256, idempotency.c.key == key
        )
        row = self._conn.execute(statement).mappings().first()
        if row is None:
            return None
        return IdempotencyRecord(
            request_sha256=row["request_sha256"],
            response_json=row["response_json"],
            created_at=row["created_at"],
        )

    def reserve_idempotency(
        self, token_sha256: str, key: str, request_sha256: str, created_at: datetime
    ) -> bool:
        if self.get_idempotency(token_sha256, key) is not None:
            return False
        self._conn.execute(
            insert(idempotency).values(
                token_sha256=token_sha256, key=key, request_sha256=request_sha256, created_at=created_at
            )
        )
        return True

    def complete_idempotency(self, token_sha256: str, key: str, response_json: str) -> None:
        self._conn.execute(
            update(idempotency)
            .where(idempotency.c.token_sha256 == token_sha256, idempotency.c.key == key)
            .values(response_json=response_json)
        )

    def delete_idempotency(self, token_sha256: str, key: str) -> None:
        self._conn.execute(
            idempotency.delete().where(idempotency.c.token_sha256 == token_sha256, idempotency.c.key == key)
        )

    def purge_idempotency(self, older_than: datetime) -> int:
        result = self._conn.execute(idempotency.delete().where(idempotency.c.created_at < older_than))
        self._conn.execute(idempotency_items.delete().where(idempotency_items.c.created_at < older_than))
        return result.rowcount

    def get_idempotency_items(self, token_sha256: str, key: str, request_sha256: str) -> dict[int, str]:
        statement = select(idempotency_items.c.item_index, idempotency_items.c.result_json).where(
            idempotency_items.c.token_sha256 == token_sha256,
            idempotency_items.c.key == key,
            idempotency_items.c.request_sha256 == request_sha256,
        )
        return {row.item_index: row.result_json for row in self._conn.execute(statement)}

    def add_idempotency_item(
        self,
        token_sha256: str,
        key: str,
        item_index: int,
        request_sha256: str,
        result_json: str,
        created_at: datetime,
    ) -> None:
        self._conn.execute(
            insert(idempotency_items).values(
                token_sha256=token_sha256,
                key=key,
                item_index=item_index,
                request_sha256=request_sha256,
                result_json=result_json,
                created_at=created_at,
            )
        )

    def discard_idempotency_items(self, token_sha256: str, key: str, keep_request_sha256: str) -> None:
        self._conn.execute(
            idempotency_items.delete().where(
                idempotency_items.c.token_sha256 == token_sha256,
                idempotency_items.c.key == key,
                idempotency_items.c.request_sha256 != keep_request_sha256,
            )
        )


@functools.lru_cache(maxsize=32)
def _update_statement(columns: frozenset[str]) -> Any:
    # One statement per set of changed columns; a status change and an import merge each reuse theirs.
    assignments = {name: bindparam(name) for name in columns}
    condition = and_(cases.c.id == bindparam("match_id"), cases.c.version == bindparam("match_version"))
    return update(cases).where(condition).values(assignments)


def _bbox_subquery(bbox: tuple[float, float, float, float]) -> Any:
    min_lon, min_lat, max_lon, max_lat = bbox
    lat_overlap = and_(case_points.c.max_lat >= min_lat, case_points.c.min_lat <= max_lat)
    if min_lon <= max_lon:
        lon_overlap = and_(case_points.c.max_lon >= min_lon, case_points.c.min_lon <= max_lon)
    else:
        # A bbox whose west edge is east of its east edge crosses the antimeridian (OGC API - Features).
        lon_overlap = or_(case_points.c.max_lon >= min_lon, case_points.c.min_lon <= max_lon)
    return select(case_points.c.num).where(lat_overlap, lon_overlap)


def _exact_bbox_condition(bbox: tuple[float, float, float, float]) -> Any:
    min_lon, min_lat, max_lon, max_lat = bbox
    lat_inside = and_(cases.c.lat >= min_lat, cases.c.lat <= max_lat)
    if min_lon <= max_lon:
        return and_(lat_inside, cases.c.lon >= min_lon, cases.c.lon <= max_lon)
    return and_(lat_inside, or_(cases.c.lon >= min_lon, cases.c.lon <= max_lon))


def _as_utc(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


class SqlCaseStore:
    """CaseStore on SQLAlchemy Core. SQLite gets WAL, ``synchronous=FULL`` and an R*Tree on case points."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = _create_engine(url)
        self._closed = False
        self._create_schema()

    @classmethod
    def for_sqlite_file(cls, path: str) -> SqlCaseStore:
        """Open (and create on first use) the SQLite database at ``path``."""
        return cls(f"sqlite:///{path}")

    def _create_schema(self) -> None:
        with self._engine.connect().execution_options(write=True) as connection, connection.begin():
            metadata.create_all(connection)
            for ddl in _RTREE_DDL:
                connection.exec_driver_sql(ddl)
            _add_missing_columns(connection)

    @contextmanager
    def read(self) -> Iterator[_SqlTransaction]:
        with self._engine.connect() as connection, connection.begin():
            yield _SqlTransaction(connection)

    @contextmanager
    def write(self) -> Iterator[_SqlTransaction]:
        with self._engine.connect().execution_options(write=True) as connection, connection.begin():
            yield _SqlTransaction(connection)

    def close(self) -> None:
        """Copy the write-ahead log into the database file and close every connection. Safe to call twice.

        Afterwards the database file alone contains every committed change, so it can be copied without its
        -wal file.
        """
        if self._closed:
            return
        self._closed = True
        try:
            connection = self._engine.raw_connection()
            try:
                # The raw connection runs in autocommit mode, so no open transaction blocks the checkpoint.
                connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        except sqlite3.Error as exc:
            logger.warning("could not checkpoint the write-ahead log of %s: %s", self.url, exc)
        finally:
            self._engine.dispose()


# Columns added after the first release: create_all() does not alter existing tables, so a database file
# from an older server gets them on open. Each entry is (table, column, SQL type).
_ADDED_COLUMNS = (("case_history", "team", "TEXT"),)


def _add_missing_columns(connection: Connection) -> None:
    for table_name, column_name, sql_type in _ADDED_COLUMNS:
        present = {row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table_name})")}
        if column_name not in present:
            connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {column_name} {sql_type}")
            logger.info("added column %s.%s to %s", table_name, column_name, connection.engine.url)


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        raise ValueError(
            f"unsupported database URL scheme in {url.split(':', 1)[0]!r}: only SQLite is implemented"
        )
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: sqlite3.Connection, connection_record: Any) -> None:
        # Let SQLAlchemy's begin event below issue BEGIN itself instead of pysqlite's implicit transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front, so a read-then-write transaction cannot fail halfway with
        # SQLITE_BUSY after another writer committed in between. In WAL mode readers and the writer do not
        # block each other.
        if connection.get_execution_options().get("write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine
