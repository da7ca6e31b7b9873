"""Opening a SQLite store of the home so that a lost or damaged one is refused, never replaced.

SQLite creates an empty database wherever the file is missing, and silently forgets a WAL that
is gone: a deleted gateway store started fresh (every message gone) and a WAL cut after a
SIGKILL lost an acknowledged push without a word. So each store of a home has a marker file
(``HOME/store-markers/NAME.json``), written when the store is first made. Every open commits a
new random token into the store (``store_opened``: this open's and the one before) in the same
transaction as the schema, and then writes it into the marker; the next open compares.
Refused, with the way out:

- the marker exists but the database does not (deleted);
- the store holds neither the marker's token nor its successor: what was committed since the
  last open is gone (the WAL was deleted or cut before that commit, or an older copy of the
  file replaced it). A crash between the commit and the marker's rewrite leaves the marker
  one token behind, which the store's "previous" token still matches;
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

__all__ = ["StoreGuard", "StoreStateError", "write_private"]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_OPENED_TABLE = "CREATE TABLE IF NOT EXISTS store_opened (current TEXT NOT NULL, previous TEXT);"


def _hex(value: object) -> str | None:
    """A token as stored, or None for anything else (it is put back into SQL text)."""
    text = str(value) if value is not None else ""
    return text if len(text) == 32 and all(c in "0123456789abcdef" for c in text) else None


class StoreStateError(OSError):
    """A store of the home is missing, cut short or corrupt; starting would lose data silently.

    An ``OSError``: like an unreadable file or a port in use, it is the operator's to fix, and
    the commands already answer those with one line and a non-zero exit code.
    """


def write_private(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` (mode 0600) through a temporary file and a rename; ``sync``
    fsyncs it first (a store marker must survive a power cut; a file rewritten at every start,
    like runtime.json, need not pay ~10 ms for it).

    A reader never sees half a file, a crash leaves the old one whole, and a file holding a
    secret (runtime.json's admin token) is never readable by others, not even briefly: the
    temporary file is made new (``O_EXCL``, after removing one a crash left), so neither an
    old file's mode nor a planted symlink is taken over. The directory is not synced: a marker
    rename lost in a power cut leaves the old marker, which the store's "previous" token still
    matches.
    """
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(temporary, path)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreGuard:
    """The checks around one SQLite file; ``marker`` None checks the file alone (tests, tools).

    No closing step: whether a run ended cleanly does not matter, only what the store holds.
    """

    database: Path
    marker: Path | None = None

    def connect(
        self, pragmas: Callable[[sqlite3.Connection], None], schema: str, *, autocommit: bool
    ) -> sqlite3.Connection:
        """Check, open (0600), run ``pragmas``, check, then ``schema`` and the new token in one
        transaction (one WAL sync), and record the token in the marker.

        ``autocommit``: ``isolation_level=None``; else sqlite3's default (``with db`` is one
        transaction).
        """
        known = self._known_token()
        if known is not None and not self.database.exists():
            raise self._refusal("existed but is missing")
        self.database.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.close(os.open(self.database, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
        level: Literal["DEFERRED"] | None = None if autocommit else "DEFERRED"
        db = sqlite3.connect(self.database, check_same_thread=False, isolation_level=level)
        try:
            pragmas(db)
            current = self._check(db, known)
            token = uuid.uuid4().hex
            previous = "NULL" if current is None else f"'{current}'"
            # Both tokens are 32 hex digits (uuid4().hex, or checked by _hex in _check).
            db.executescript(
                f"BEGIN IMMEDIATE;{schema}{_OPENED_TABLE} DELETE FROM store_opened;"  # noqa: S608
                f" INSERT INTO store_opened VALUES ('{token}', {previous}); COMMIT;"
            )
        except sqlite3.OperationalError as exc:  # locked, read-only, disk full: not damage
            db.close()
            raise StoreStateError(f"the store {self.database} cannot be opened: {exc}") from None
        except sqlite3.DatabaseError as exc:  # SQLITE_NOTADB, SQLITE_CORRUPT
            db.close()
            raise self._refusal(f"is not a usable SQLite database ({exc})") from None
        except BaseException:
            db.close()
            raise
        self._write_marker(token)
        return db

    def _check(self, db: sqlite3.Connection, known: str | None) -> str | None:
        """Refuse damage or a store behind its marker; return the store's current token."""
        problems = [" ".join(str(row[0]).split()) for row in db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise self._refusal(f"is corrupt (quick_check: {'; '.join(problems)})")
        tokens: tuple[str | None, str | None] = (None, None)
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_opened'").fetchone():
            row = db.execute("SELECT current, previous FROM store_opened").fetchone()
            tokens = (None, None) if row is None else (_hex(row[0]), _hex(row[1]))
        if known is not None and known not in tokens:
            raise self._refusal(
                "lacks what was committed since it was last opened (its write-ahead log"
                f" {self.database.name}-wal was deleted or cut, or an older copy replaced it)"
            )
        return tokens[0]

    def _known_token(self) -> str | None:
        if self.marker is None or not self.marker.exists():
            return None
        try:
            token = json.loads(self.marker.read_text(encoding="utf-8"))["token"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreStateError(
                f"the store marker {self.marker} is unreadable ({exc!r}): restore it, or delete"
                f" it if {self.database} is intact (the store is then taken as it is)"
            ) from None
        return str(token)

    def _write_marker(self, token: str) -> None:
        if self.marker is not None:
            state = {"store": str(self.database), "token": token}
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
