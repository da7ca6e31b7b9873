"""The exchange's durable state: SQLite in WAL mode beside a directory of payload files.

Durability rule (CONTRIBUTING: anything acknowledged is durable first): a payload is written to a
temporary file and fsynced while it streams in, renamed into ``payloads/`` and the directory
fsynced, and only then is the message row committed. The database runs ``journal_mode=WAL`` with
``synchronous=FULL``: in WAL mode FULL syncs the WAL at every commit, so a commit that returned
survives a power cut (NORMAL would only protect against a process crash). A payload file without
a row (crash between rename and commit) is harmless: nobody was told it was accepted.

SQLite calls are blocking; one connection serialised by a lock runs them in a worker thread
(``asyncio.to_thread``) so the event loop keeps serving. Every write goes that way. The short
reads a request makes (a message by traceerId, its linked messages, a conversation, a mailbox
of at most ``limit``: ``LOOP_READS``, each an index search) run on the loop's own thread through
a second, query-only connection: handing them to a thread cost more than the query (the thread
wake-up and the GIL going back and forth). In WAL mode that reader sees every committed write
and never waits for the writer; should it find the database busy all the same, the read goes
to the worker thread instead of holding up the loop.

The wire metadata is one JSON column holding ``berichten.BerichtMetadata.to_json_text`` (the
zoekpad filters reach into it with ``json_extract``). A row read comes back typed: each text is
decoded once with the berichten reader and remembered (a bounded cache owned by the store), so
neither the delivery worker's scans nor an insurer's polls decode the same envelope again.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import berichten
from gateway import _journal
from gateway._errors import StoreError
from gateway._journal import JournalEntry, JournalQuery
from gateway._queries import LOOP_READS, MAILBOX, MessageFilter, zoekpad_clause
from gateway._status import FINAL_STATUSES, Status, StatusTransitionError, check_transition
from world import DeliveryMode, StoreGuard

__all__ = ["NewMessage", "Store", "StoredMessage"]

T = TypeVar("T")

# Envelopes decoded and remembered per store: more than a full mailbox listing (250) and a
# delivery backlog of this size; a message beyond it is decoded again when next read.
DECODED_ENVELOPES = 10_000
# Rows kept as typed messages: two full mailbox listings and the statuses polled beside them.
KEPT_ROWS = 1_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    traceer_id TEXT NOT NULL UNIQUE,
    conversatie_id TEXT NOT NULL,
    als_antwoord_op TEXT,
    kind TEXT NOT NULL,
    indiener TEXT NOT NULL,
    indiener_account TEXT NOT NULL,
    afzender TEXT NOT NULL,
    addressee TEXT NOT NULL,
    metadata TEXT NOT NULL,
    payload_file TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL,
    status_at TEXT NOT NULL,
    meldingen TEXT NOT NULL DEFAULT '[]',
    delivery TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    downloaded_at TEXT
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages(conversatie_id);
CREATE INDEX IF NOT EXISTS messages_answer ON messages(als_antwoord_op);
CREATE INDEX IF NOT EXISTS messages_mailbox ON messages(addressee, status, acknowledged);
CREATE TABLE IF NOT EXISTS status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    traceer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_message ON status_history(traceer_id);
CREATE TABLE IF NOT EXISTS cov_register (
    uzovi TEXT NOT NULL,
    position INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (uzovi, position)
);
"""

_COLUMNS = (
    *("seq", "traceer_id", "conversatie_id", "als_antwoord_op", "kind", "indiener"),
    *("indiener_account", "afzender", "addressee", "metadata", "payload_file", "size"),
    *("sha256", "received_at", "status", "status_at", "meldingen", "delivery", "attempts"),
    *("next_attempt_at", "acknowledged", "downloaded_at"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMessage:
    """A message accepted by the push route, about to be made durable."""

    traceer_id: str
    conversatie_id: str
    als_antwoord_op: str | None
    kind: str
    indiener: str
    indiener_account: str
    afzender: str
    addressee: str  # the organisation it is delivered to
    metadata: berichten.BerichtMetadata
    size: int
    sha256: str
    received_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    seq: int
    traceer_id: str
    conversatie_id: str
    als_antwoord_op: str | None
    kind: str
    indiener: str
    indiener_account: str
    afzender: str
    addressee: str
    metadata: berichten.BerichtMetadata
    payload_file: str
    size: int
    sha256: str
    received_at: str
    status: Status
    status_at: str
    meldingen: tuple[berichten.Melding, ...]
    delivery: DeliveryMode | None
    attempts: int
    next_attempt_at: float
    acknowledged: bool
    downloaded_at: str | None = None  # first payload download; retention counts from here

    @property
    def payload_expired(self) -> bool:
        """True once the retention sweep removed the payload (the metadata stays)."""
        return not self.payload_file


def _read_meldingen(text: str) -> tuple[berichten.Melding, ...]:
    """The meldingen column: the JSON array ``_meldingen_text`` wrote."""
    return tuple(berichten.Melding(**melding) for melding in json.loads(text))


def _meldingen_text(meldingen: Sequence[berichten.Melding]) -> str:
    return json.dumps([melding.to_json() for melding in meldingen])


# Enum members by stored text: a dict lookup, where calling the enum costs ten times more.
_STATUSES = {status.value: status for status in Status}
_DELIVERIES = {None: None} | {mode.value: mode for mode in DeliveryMode}


class _RowReader:
    """Rows to typed messages; each metadata and meldingen text decoded once, and each row
    (all its columns: a changed row is another key) made a message once (bounded)."""

    def __init__(self) -> None:
        self.metadata = functools.lru_cache(maxsize=DECODED_ENVELOPES)(
            berichten.parse_metadata_json
        )
        self.meldingen = functools.lru_cache(maxsize=1024)(_read_meldingen)
        # A status poll or a mailbox listing reads the same rows again and again; building a
        # 22-field frozen message costs more than hashing the row.
        self.message = functools.lru_cache(maxsize=KEPT_ROWS)(self._message)

    def _message(self, row: tuple[Any, ...]) -> StoredMessage:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["metadata"] = self.metadata(values["metadata"])
        text = values["meldingen"]
        values["meldingen"] = () if text == "[]" else self.meldingen(text)
        values["status"] = _STATUSES[values["status"]]
        values["delivery"] = _DELIVERIES[values["delivery"]]
        values["acknowledged"] = bool(values["acknowledged"])
        return StoredMessage(**values)

    def clear(self) -> None:
        self.metadata.cache_clear()
        self.meldingen.cache_clear()
        self.message.cache_clear()


def _commit(db: sqlite3.Connection, sql: str, params: Sequence[object]) -> None:
    with db:
        db.execute(sql, tuple(params))


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an older store's columns up to date (CREATE IF NOT EXISTS leaves old tables as
    they were): add ``downloaded_at``; ``recipient`` is named ``addressee`` since issue 15 (its
    index follows the rename)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    with db:
        if "downloaded_at" not in columns:
            db.execute("ALTER TABLE messages ADD COLUMN downloaded_at TEXT")
        if "recipient" in columns:
            db.execute("ALTER TABLE messages RENAME COLUMN recipient TO addressee")


def _pragmas(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")


def _checked_move(db: sqlite3.Connection, traceer_id: str, status: Status) -> None:
    """Refuse a status change that is not an edge of the life cycle (``check_transition``).

    Read inside the writing transaction, under the store lock, so no two writers can both
    move the same message from the same status.
    """
    row = db.execute("SELECT status FROM messages WHERE traceer_id=?", (traceer_id,)).fetchone()
    if row is None:
        raise StatusTransitionError(f"geen bericht {traceer_id} om naar {status.value} te zetten")
    check_transition(Status(row[0]), status)


def _select_sql(where: str, limit: int | None) -> str:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM messages WHERE {where} ORDER BY seq"  # noqa: S608
    return sql if limit is None else f"{sql} LIMIT {int(limit)}"


def _reader(database: Path) -> sqlite3.Connection:
    """The query-only connection for ``LOOP_READS``: autocommit (each read sees the latest
    commit, no transaction stays open), no busy wait (``Store._read`` falls back)."""
    reader = sqlite3.connect(database, check_same_thread=False, isolation_level=None, timeout=0)
    reader.execute("PRAGMA query_only=ON")
    return reader


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """Messages, their history, the journal and the COV register of one exchange."""

    def __init__(
        self, directory: Path, connection: sqlite3.Connection, reader: sqlite3.Connection
    ) -> None:
        self.directory = directory
        self.payload_dir = directory / "payloads"
        self.upload_dir = directory / "uploads"
        self._db = connection
        self._reader = reader  # LOOP_READS only, on the event loop's thread
        self._lock = threading.Lock()
        self._rows = _RowReader()

    @classmethod
    async def open(cls, directory: Path, *, marker: Path | None = None) -> Store:
        """Open (or create) the store; ``world.StoreStateError`` when ``marker`` remembers a
        store that is now missing, or the database is damaged (``world.StoreGuard``)."""
        return await asyncio.to_thread(cls._open_sync, directory, marker)

    @classmethod
    def _open_sync(cls, directory: Path, marker: Path | None) -> Store:
        guard = StoreGuard(database=directory / "exchange.sqlite3", marker=marker)
        # The schema goes in as one transaction, so one WAL sync: with FULL, each CREATE
        # committed on its own syncs.
        db = guard.connect(_pragmas, _SCHEMA + _journal.SCHEMA, autocommit=False)
        _migrate(db)
        for sub in (directory / "payloads", directory / "uploads"):
            sub.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in (directory / "uploads").iterdir():  # half-received uploads of a dead process
            stale.unlink(missing_ok=True)
        return cls(directory, db, _reader(guard.database))

    async def close(self) -> None:
        self._reader.close()
        await asyncio.to_thread(self._call, lambda db: db.close())

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            try:
                return work(self._db)
            except sqlite3.Error as exc:
                raise StoreError(f"opslag faalde: {exc}") from exc

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self._call, work)

    def new_upload_path(self) -> Path:
        return self.upload_dir / f"{uuid.uuid4().hex}.part"

    def payload_path(self, message: StoredMessage) -> Path:
        return self.payload_dir / message.payload_file

    # -- messages -------------------------------------------------------------------------

    async def add_message(self, new: NewMessage, upload: Path, *, status: Status) -> bool:
        """Move the fsynced upload into place and commit the row; False for a duplicate."""
        return await asyncio.to_thread(self._add_sync, new, upload, status)

    def _add_sync(self, new: NewMessage, upload: Path, status: Status) -> bool:
        name = f"{new.traceer_id}.bin"
        final = self.payload_dir / name
        with self._lock:
            if self._db.execute(
                "SELECT 1 FROM messages WHERE traceer_id=?", (new.traceer_id,)
            ).fetchone():
                upload.unlink(missing_ok=True)
                return False
            os.replace(upload, final)
            _fsync_dir(self.payload_dir)
            try:
                with self._db:
                    self._insert(new, name, status)
            except sqlite3.IntegrityError:
                return False
            except sqlite3.Error as exc:
                raise StoreError(f"opslag faalde: {exc}") from exc
        return True

    def _insert(self, new: NewMessage, payload_file: str, status: Status) -> None:
        self._db.execute(
            "INSERT INTO messages (traceer_id, conversatie_id, als_antwoord_op, kind, indiener,"
            " indiener_account, afzender, addressee, metadata, payload_file, size, sha256,"
            " received_at, status, status_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                new.traceer_id,
                new.conversatie_id,
                new.als_antwoord_op,
                new.kind,
                new.indiener,
                new.indiener_account,
                new.afzender,
                new.addressee,
                new.metadata.to_json_text(),
                payload_file,
                new.size,
                new.sha256,
                new.received_at,
                status.value,
                new.received_at,
            ),
        )
        self._db.execute(
            "INSERT INTO status_history (traceer_id, status, at) VALUES (?,?,?)",
            (new.traceer_id, status.value, new.received_at),
        )

    async def get(self, traceer_id: str) -> StoredMessage | None:
        rows = await self._read("get", (traceer_id.lower(),))
        return rows[0] if rows else None

    async def _select(
        self, where: str, params: Sequence[object], *, limit: int | None = None
    ) -> list[StoredMessage]:
        sql = _select_sql(where, limit)
        rows = await self._run(lambda db: db.execute(sql, tuple(params)).fetchall())
        return [self._rows.message(r) for r in rows]

    async def _read(
        self, name: str, params: tuple[object, ...], *, limit: int | None = None
    ) -> list[StoredMessage]:
        """One of ``LOOP_READS`` on this thread (the loop's); the worker's when SQLite is busy."""
        where = LOOP_READS[name]
        try:
            rows = self._reader.execute(_select_sql(where, limit), params).fetchall()
        except sqlite3.OperationalError:  # busy or locked: never wait on the loop
            return await self._select(where, params, limit=limit)
        except sqlite3.Error as exc:
            raise StoreError(f"opslag faalde: {exc}") from exc
        return [self._rows.message(r) for r in rows]

    async def set_status(
        self,
        traceer_id: str,
        status: Status,
        *,
        at: str,
        meldingen: Sequence[berichten.Melding] = (),
    ) -> None:
        """Move a message to ``status`` (with the meldingen that say why, for a failure) and
        append the history row, in one transaction.

        Raises ``StatusTransitionError`` (nothing written) for a move the life cycle forbids.
        """
        text = _meldingen_text(meldingen) if meldingen else None
        await self._move(traceer_id, status, at, "meldingen=coalesce(?, meldingen)", (text,))

    async def offer(self, traceer_id: str, *, delivery: DeliveryMode, at: str) -> None:
        """``WordtAangeboden``: in the addressee's mailbox (pull) or due for a first push."""
        await self._move(
            traceer_id,
            Status.WORDT_AANGEBODEN,
            at,
            "delivery=?, attempts=0, next_attempt_at=0",
            (delivery.value,),
        )

    async def acknowledge(self, traceer_id: str, *, at: str) -> None:
        """``Bezorgd`` by the addressee's DELETE: the message leaves its mailbox."""
        await self._move(traceer_id, Status.BEZORGD, at, "acknowledged=1", ())

    async def _move(
        self, traceer_id: str, status: Status, at: str, sets: str, params: Sequence[object]
    ) -> None:
        """The one status change: ``sets`` (constant SQL of the caller) beside the status."""

        def work(db: sqlite3.Connection) -> None:
            with db:
                _checked_move(db, traceer_id, status)
                db.execute(
                    f"UPDATE messages SET status=?, status_at=?, {sets} WHERE traceer_id=?",  # noqa: S608
                    (status.value, at, *params, traceer_id),
                )
                db.execute(
                    "INSERT INTO status_history (traceer_id, status, at) VALUES (?,?,?)",
                    (traceer_id, status.value, at),
                )

        await self._run(work)

    async def schedule_retry(self, traceer_id: str, *, attempts: int, due: float) -> None:
        """Count a failed push and when (``time.time()``) the next one is due."""
        await self._run(
            lambda db: _commit(
                db,
                "UPDATE messages SET attempts=?, next_attempt_at=? WHERE traceer_id=?",
                (attempts, due, traceer_id),
            )
        )

    async def mark_downloaded(self, traceer_id: str, *, at: str) -> None:
        """Remember the first download only: retention runs from then, not from the latest."""
        await self._run(
            lambda db: _commit(
                db,
                "UPDATE messages SET downloaded_at=? WHERE traceer_id=? AND downloaded_at IS NULL",
                (at, traceer_id),
            )
        )

    async def expire_payloads(self, *, downloaded_before: str) -> int:
        """Delete payloads downloaded before the cut-off; rows stay. Returns how many.

        Timestamps are ISO 8601 in UTC with one format (``iso``), so text order is time order.
        """

        def work(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT payload_file FROM messages WHERE downloaded_at < ? AND payload_file != ''",
                (downloaded_before,),
            ).fetchall()
            with db:
                db.execute(
                    "UPDATE messages SET payload_file='' WHERE downloaded_at < ?"
                    " AND payload_file != ''",
                    (downloaded_before,),
                )
            return [str(r[0]) for r in rows]

        expired = await self._run(work)
        for name in expired:
            (self.payload_dir / name).unlink(missing_ok=True)
        return len(expired)

    async def unfinished(self) -> list[StoredMessage]:
        """Messages the worker still has to move: not final, and not waiting in a mailbox."""
        finals = ",".join(f"'{s.value}'" for s in FINAL_STATUSES)
        return await self._select(
            f"status NOT IN ({finals}) AND NOT (status=? AND delivery='pull')",
            (Status.WORDT_AANGEBODEN.value,),
        )

    async def mailbox(self, organisation: str, *, limit: int) -> list[StoredMessage]:
        return await self._read(
            "mailbox", (organisation, Status.WORDT_AANGEBODEN.value), limit=limit
        )

    async def search_mailbox(
        self, organisation: str, zoekpad: berichten.Zoekpad, *, limit: int
    ) -> list[StoredMessage]:
        """The oldest ``limit`` mailbox messages matching ``zoekpad``, filtered by SQLite."""
        clause, params = zoekpad_clause(zoekpad)
        return await self._select(
            f"{MAILBOX} AND {clause}",
            (organisation, Status.WORDT_AANGEBODEN.value, *params),
            limit=limit,
        )

    async def conversation(self, conversatie_id: str) -> list[StoredMessage]:
        return await self._read("conversation", (conversatie_id.lower(),))

    async def linked(self, traceer_id: str) -> list[StoredMessage]:
        tid = traceer_id.lower()
        return await self._read("linked", (tid, tid))

    async def history(self, traceer_id: str) -> list[tuple[str, str]]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT status, at FROM status_history WHERE traceer_id=? ORDER BY id",
                (traceer_id,),
            ).fetchall()
        )
        return [(str(s), str(a)) for s, a in rows]

    async def messages_of(self, organisation: str, wanted: MessageFilter) -> list[StoredMessage]:
        """An organisation's newest messages matching ``wanted``, newest first."""
        where, params = wanted.sql(organisation)
        return list(reversed(await self._select(where, params)))

    # -- journal --------------------------------------------------------------------------

    async def write_journal(self, entries: Sequence[JournalEntry]) -> None:
        await self._run(functools.partial(_journal.write, entries=entries))

    async def read_journal(self, query: JournalQuery) -> list[dict[str, Any]]:
        return await self._run(functools.partial(_journal.read, query=query))

    async def prune_journal(self, *, before: str, keep_rows: int) -> int:
        """Delete rows older than ``before`` and all but the newest ``keep_rows``; how many."""
        return await self._run(
            functools.partial(_journal.prune, before=before, keep_rows=keep_rows)
        )

    # -- operations -----------------------------------------------------------------------

    async def reset(self, *, cov_register: bool) -> None:
        """Forget messages, mailboxes and journal (and the COV register when asked)."""
        tables = ["messages", "status_history", "journal"] + (
            ["cov_register"] if cov_register else []
        )

        def work(db: sqlite3.Connection) -> None:
            with db:
                for table in tables:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608
            for payload in self.payload_dir.iterdir():
                payload.unlink(missing_ok=True)

        await self._run(work)
        self._rows.clear()

    async def replace_cov(self, uzovi: str, entries: Sequence[str]) -> None:
        def work(db: sqlite3.Connection) -> None:
            with db:
                db.execute("DELETE FROM cov_register WHERE uzovi=?", (uzovi,))
                db.executemany(
                    "INSERT INTO cov_register (uzovi, position, entry) VALUES (?,?,?)",
                    [(uzovi, i, e) for i, e in enumerate(entries)],
                )

        await self._run(work)

    async def load_cov(self) -> dict[str, list[str]]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT uzovi, entry FROM cov_register ORDER BY uzovi, position"
            ).fetchall()
        )
        register: dict[str, list[str]] = {}
        for uzovi, entry in rows:
            register.setdefault(str(uzovi), []).append(str(entry))
        return register
