"""The durable state of one insurer: received messages, judged lines, settled files. SQLite.

A declaration is written to the inbox before the insurer acknowledges it (push: before the 2xx;
pull: before the DELETE), so a crash never loses one. Judging a file writes its lines, the
credits it made, its settlement and its return file in one transaction; the return's random
traceerId is chosen then, before the first push, so sending it again after a restart is the
same message, not a new one. ``synchronous=FULL``: a commit that returned survives a power cut
too (NORMAL only a process crash), or a rolled-back judgement would be judged again under a
new traceerId after its return was already sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from insurer_stub._adjudicate import Adjudication
from insurer_stub._errors import InsurerStoreError
from insurer_stub._ledger import Settlement
from insurer_stub._values import LineStatus, MemoryHistory, PriorLine
from world import StoreGuard

__all__ = ["InboxItem", "InsurerStore", "Quarantined", "read_settlements"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    traceer_id TEXT PRIMARY KEY,
    metadata TEXT NOT NULL,
    payload BLOB NOT NULL,
    received TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',       -- new, judged, answered, quarantined, dropped
    return_traceer_id TEXT,
    return_metadata TEXT,
    return_file BLOB
);
CREATE TABLE IF NOT EXISTS lines (
    declarant TEXT NOT NULL,
    referentie TEXT NOT NULL,
    referentie_voorgaand TEXT NOT NULL,
    bsn TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    prestatiecode TEXT NOT NULL,
    ingediend INTEGER NOT NULL,
    toegekend INTEGER NOT NULL,
    status TEXT NOT NULL,
    codes TEXT NOT NULL,
    traceer_id TEXT NOT NULL,
    PRIMARY KEY (declarant, referentie)
);
CREATE TABLE IF NOT EXISTS invoices (
    traceer_id TEXT PRIMARY KEY,
    declarant TEXT NOT NULL,
    factuurnummer TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    judged INTEGER NOT NULL,
    received TEXT NOT NULL,
    ingediend INTEGER NOT NULL,
    toegekend INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    traceer_id TEXT PRIMARY KEY,               -- the payload stays in inbox (state quarantined)
    received TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_by_declarant ON invoices (declarant, received);
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxItem:
    """A received declaration and, once judged, its return message."""

    traceer_id: str
    metadata: str  # the berichtMetadata JSON as delivered
    payload: bytes
    received: dt.date
    state: str
    return_traceer_id: str | None = None
    return_metadata: str | None = None
    return_file: bytes | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Quarantined:
    """A received declaration the insurer could not parse; its payload stays in the inbox."""

    traceer_id: str
    received: dt.date
    reason: str
    size: int  # bytes of the payload kept

    def to_json(self) -> dict[str, object]:
        return {
            "traceerId": self.traceer_id,
            "ontvangen": self.received.isoformat(),
            "reden": self.reason,
            "bytes": self.size,
        }


class InsurerStore:
    """One SQLite file per insurer; thread-safe so judging can run off the event loop."""

    def __init__(self, path: Path, *, marker: Path | None = None) -> None:
        """Open (or create) the store; ``world.StoreStateError`` when ``marker`` remembers a
        store that is now missing, or the file is damaged (``world.StoreGuard``)."""
        guard = StoreGuard(database=path, marker=marker)
        try:
            # The schema in one transaction: in autocommit each CREATE is its own commit, and a
            # new store then cost ~16 ms (nine of them at every test's start) instead of ~2 ms.
            self._db = guard.connect(_pragmas, _SCHEMA, autocommit=True)
        except sqlite3.Error as exc:
            raise InsurerStoreError(f"cannot open insurer state {path}: {exc}") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def clear(self) -> None:
        """Forget everything received and judged (a reset); the file and schema stay."""
        with self._lock, _transaction(self._db) as db:
            for table in ("quarantine", "invoices", "lines", "inbox"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names, no input

    def receive(self, traceer_id: str, metadata: str, payload: bytes, received: dt.date) -> bool:
        """Keep a delivered declaration; False when this traceerId was received before."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO inbox (traceer_id, metadata, payload, received)"
                " VALUES (?, ?, ?, ?)",
                (traceer_id, metadata, payload, received.isoformat()),
            )
            return cur.rowcount == 1

    def unfinished(self) -> list[InboxItem]:
        """Everything received but not yet answered, oldest first (re-done after a restart)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT traceer_id, metadata, payload, received, state, return_traceer_id,"
                " return_metadata, return_file FROM inbox"
                " WHERE state NOT IN ('answered', 'dropped', 'quarantined') ORDER BY rowid"
            ).fetchall()
        return [_item(row) for row in rows]

    def item(self, traceer_id: str) -> InboxItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT traceer_id, metadata, payload, received, state, return_traceer_id,"
                " return_metadata, return_file FROM inbox WHERE traceer_id = ?",
                (traceer_id,),
            ).fetchone()
        return None if row is None else _item(row)

    def load_history(self) -> MemoryHistory:
        """The working set of earlier lines and invoices, read once at start-up."""
        history = MemoryHistory()
        with self._lock:
            for row in self._db.execute(
                "SELECT declarant, referentie, bsn, date_of_service, prestatiecode, ingediend,"
                " toegekend, status FROM lines"
            ):
                history.remember(_prior(row))
            for declarant, number, fingerprint in self._db.execute(
                "SELECT declarant, factuurnummer, fingerprint FROM invoices WHERE judged = 1"
                " ORDER BY rowid DESC"
            ):
                history.remember_invoice(declarant, number, fingerprint)
        return history

    def record(
        self,
        item: InboxItem,
        result: Adjudication,
        *,
        return_traceer_id: str,
        return_metadata: str,
    ) -> None:
        """Store a judged file with everything that follows from it, all or nothing."""
        with self._lock, _transaction(self._db) as db:
            db.executemany(
                "INSERT OR REPLACE INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        line.declarant,
                        line.referentie,
                        line.referentie_voorgaand,
                        line.bsn,
                        line.date_of_service.isoformat(),
                        line.prestatiecode,
                        line.ingediend,
                        line.toegekend,
                        line.status.value,
                        " ".join(line.codes),
                        item.traceer_id,
                    )
                    for line in result.lines
                ],
            )
            db.executemany(
                "UPDATE lines SET status = 'credited' WHERE declarant = ? AND referentie = ?",
                [(result.declarant, ref) for ref in result.credited],
            )
            db.execute(
                "INSERT OR REPLACE INTO invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.traceer_id,
                    result.declarant,
                    result.factuurnummer,
                    result.fingerprint,
                    int(result.judged),
                    item.received.isoformat(),
                    result.ingediend,
                    result.toegekend,
                ),
            )
            db.execute(
                "UPDATE inbox SET state = 'judged', return_traceer_id = ?, return_metadata = ?,"
                " return_file = ? WHERE traceer_id = ?",
                (return_traceer_id, return_metadata, result.return_file, item.traceer_id),
            )

    def mark_answered(self, traceer_id: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE inbox SET state = 'answered' WHERE traceer_id = ?", (traceer_id,)
            )

    def mark_dropped(self, traceer_id: str) -> None:
        """The exchange refused the return for good: kept on disk, never sent again."""
        with self._lock:
            self._db.execute(
                "UPDATE inbox SET state = 'dropped' WHERE traceer_id = ?", (traceer_id,)
            )

    def quarantine(self, traceer_id: str, reason: str) -> None:
        """Set aside a declaration that cannot be judged: kept on disk, never retried."""
        with self._lock, _transaction(self._db) as db:
            db.execute(
                "INSERT OR REPLACE INTO quarantine (traceer_id, received, reason)"
                " SELECT traceer_id, received, ? FROM inbox WHERE traceer_id = ?",
                (reason, traceer_id),
            )
            db.execute("UPDATE inbox SET state = 'quarantined' WHERE traceer_id = ?", (traceer_id,))

    def quarantined(self) -> list[Quarantined]:
        """The declarations set aside, oldest first, for the operator (admin ``/insurers``)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT q.traceer_id, q.received, q.reason, length(i.payload) FROM quarantine q"
                " JOIN inbox i USING (traceer_id) ORDER BY q.rowid"
            ).fetchall()
        return [
            Quarantined(traceer_id=t, received=dt.date.fromisoformat(r), reason=why, size=n)
            for t, r, why, n in rows
        ]

    def declarants(self) -> list[str]:
        """Every declarant with a judged file, in code order (for the ledgers of all)."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT declarant FROM invoices ORDER BY 1")
            return [str(d) for (d,) in rows.fetchall()]

    def settlements(self, declarant: str) -> list[Settlement]:
        """The judged files of one declarant in the order they were received."""
        with self._lock:
            rows = self._db.execute(
                "SELECT traceer_id, factuurnummer, received, ingediend, toegekend FROM invoices"
                " WHERE declarant = ? ORDER BY received, rowid",
                (declarant,),
            ).fetchall()
        return [_settlement(row) for row in rows]


def _pragmas(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")


def read_settlements(path: Path, declarant: str | None = None) -> dict[str, list[Settlement]]:
    """{declarant: judged files in order} straight from an insurer's SQLite file, read-only,
    for when no simulator runs (``vecozo-sim insurers ledger``). Raises InsurerStoreError when
    the file is missing or is no insurer state."""
    if not path.is_file():
        raise InsurerStoreError(f"no insurer state at {path}")
    query = (
        "SELECT declarant, traceer_id, factuurnummer, received, ingediend, toegekend"
        " FROM invoices WHERE ? IS NULL OR declarant = ? ORDER BY declarant, received, rowid"
    )
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            rows = db.execute(query, (declarant, declarant)).fetchall()
    except sqlite3.Error as exc:
        raise InsurerStoreError(f"cannot read insurer state {path}: {exc}") from exc
    found: dict[str, list[Settlement]] = {}
    for row in rows:
        found.setdefault(str(row[0]), []).append(_settlement(row[1:]))
    return found


def _settlement(row: tuple[object, ...]) -> Settlement:
    traceer, number, received, ingediend, toegekend = row
    return Settlement(
        traceer_id=str(traceer),
        factuurnummer=str(number),
        received=dt.date.fromisoformat(str(received)),
        ingediend=int(ingediend),  # type: ignore[call-overload]
        toegekend=int(toegekend),  # type: ignore[call-overload]
    )


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (autocommit mode otherwise)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _item(row: tuple[object, ...]) -> InboxItem:
    traceer, metadata, payload, received, state, ret_id, ret_meta, ret_file = row
    return InboxItem(
        traceer_id=str(traceer),
        metadata=str(metadata),
        payload=bytes(payload),  # type: ignore[call-overload]
        received=dt.date.fromisoformat(str(received)),
        state=str(state),
        return_traceer_id=None if ret_id is None else str(ret_id),
        return_metadata=None if ret_meta is None else str(ret_meta),
        return_file=None if ret_file is None else bytes(ret_file),  # type: ignore[call-overload]
    )


def _prior(row: tuple[object, ...]) -> PriorLine:
    declarant, referentie, bsn, day, code, ingediend, toegekend, status = row
    return PriorLine(
        declarant=str(declarant),
        referentie=str(referentie),
        bsn=str(bsn),
        date_of_service=dt.date.fromisoformat(str(day)),
        prestatiecode=str(code),
        ingediend=int(ingediend),  # type: ignore[call-overload]
        toegekend=int(toegekend),  # type: ignore[call-overload]
        status=LineStatus(str(status)),
    )
