"""Opening a SQLite store of the home so that a lost or damaged one is refused, never replaced.

SQLite creates an empty database wherever the file is missing, and silently forgets a WAL that
is gone: a deleted gateway store started fresh (every message gone) and a WAL cut after a
SIGKILL lost an acknowledged push without a word. So each store of a home has a marker file
(``HOME/store-markers/NAME.json``), written when the store is first made. Every open commits a
new random token into the store (``store_opened``) and records it in the marker; the next open
compares. Refused, with the way out:

- the marker exists but the database does not (deleted);
- the database's token is not the marker's: what was committed since the last open is gone
  (the WAL was deleted or cut before that commit, or the file was replaced by an older copy);
- the file is no SQLite database, or ``PRAGMA quick_check`` finds damage.

Not detectable: a WAL cut after the open's own commit, *between* later frames: the frames
before the cut are a valid shorter WAL, exactly what a crash mid-write leaves. (A checkpoint
moves frames into the database file: only a cut in the WAL written since can lose anything.)

Files are created 0600 and directories 0700 whatever the umask: the stores hold patient-like
data. SQLite gives the ``-wal`` and ``-shm`` files the mode of the database file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "StoreGuard", "StoreStateError", "write_private"]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class StoreStateError(OSError):
    """A store of the home is missing, cut short or corrupt; starting would lose data silently.

    An ``OSError``: like an unreadable file or a port in use, it is the operator's to fix, and
    the commands already answer those with one line and a non-zero exit code.
    """


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600) through an fsynced temporary file and a rename."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreGuard:
    """The checks around one SQLite file; ``marker`` None checks the file alone (tests, tools).

    No closing step: whether a run ended cleanly does not matter, only what the store holds.
    """

    database: Path
    marker: Path | None = None

    def connect(
        self, setup: Callable[[sqlite3.Connection], None], *, autocommit: bool = False
    ) -> sqlite3.Connection:
        """Check, open (0600), run ``setup`` (pragmas, schema), check, and stamp a new token.

        ``autocommit``: ``isolation_level=None``; else sqlite3's default (``with db`` is one
        transaction).
        """
        known = self._known_tokens()
        if known is not None and not self.database.exists():
            raise self._refusal("existed but is missing")
        self.database.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.close(os.open(self.database, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
        level: Literal["DEFERRED"] | None = None if autocommit else "DEFERRED"
        db = sqlite3.connect(self.database, check_same_thread=False, isolation_level=level)
        try:
            setup(db)
            self._check(db, known)
            self._stamp(db, known)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise self._refusal(f"is not a usable SQLite database ({exc})") from None
        except BaseException:
            db.close()
            raise
        return db

    def _check(self, db: sqlite3.Connection, known: list[str] | None) -> None:
        problems = [" ".join(str(row[0]).split()) for row in db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise self._refusal(f"is corrupt (quick_check: {'; '.join(problems)})")
        row = None
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_opened'").fetchone():
            row = db.execute("SELECT token FROM store_opened").fetchone()
        if known is not None and (row is None or row[0] not in known):
            raise self._refusal(
                "lacks what was committed since it was last opened (its write-ahead log"
                f" {self.database.name}-wal was deleted or cut, or an older copy replaced it)"
            )

    def _stamp(self, db: sqlite3.Connection, known: list[str] | None) -> None:
        """Marker first (old and new token), then the store, then the marker (new only): a
        crash between any two steps leaves a token both agree on."""
        token = uuid.uuid4().hex
        self._write_marker([*(known or [])[-1:], token])
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE IF NOT EXISTS store_opened (token TEXT NOT NULL)")
        db.execute("DELETE FROM store_opened")
        db.execute("INSERT INTO store_opened VALUES (?)", (token,))
        db.execute("COMMIT")
        self._write_marker([token])

    def _known_tokens(self) -> list[str] | None:
        if self.marker is None or not self.marker.exists():
            return None
        try:
            tokens = json.loads(self.marker.read_text(encoding="utf-8"))["tokens"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreStateError(
                f"the store marker {self.marker} is unreadable: {exc!r}"
            ) from None
        return [str(t) for t in tokens]

    def _write_marker(self, tokens: list[str]) -> None:
        if self.marker is not None:
            state = {"store": str(self.database), "tokens": tokens}
            write_private(self.marker, (json.dumps(state, indent=2) + "\n").encode())

    def _refusal(self, problem: str) -> StoreStateError:
        remembered = f" (marker {self.marker})" if self.marker is not None else ""
        way_out = "restore it from a backup, or move it away to start with an empty store"
        if self.marker is not None:
            way_out = (
                f"restore it from a backup, or delete {self.marker} (and what is left of the"
                " store) to start with an empty store"
            )
        return StoreStateError(f"the store {self.database}{remembered} {problem}: {way_out}")
