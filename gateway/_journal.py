"""The journal's rows in the store: its table, an entry, a query, and the SQL that reads,
writes and prunes them.

Every request the exchange answers becomes one ``JournalEntry`` (the middleware); the batch
writer (``gateway._runtime.Journal``) hands them to ``Store.write_journal`` in groups. The
functions here take the store's connection and run under its lock, in its worker thread.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["SCHEMA", "JournalEntry", "JournalQuery", "prune", "read", "statement_sizes", "write"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    account TEXT,
    organisation TEXT,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    traceer_id TEXT
);
CREATE INDEX IF NOT EXISTS journal_at ON journal(at);
CREATE INDEX IF NOT EXISTS journal_traceer_id ON journal(traceer_id);
CREATE INDEX IF NOT EXISTS journal_account ON journal(account);
CREATE INDEX IF NOT EXISTS journal_organisation ON journal(organisation);
"""


class JournalEntry(NamedTuple):
    """One answered request. A tuple, not a frozen dataclass: one is built per request, and
    a frozen dataclass costs four times as much to build (a ``setattr`` per field). The
    fields are the table's columns, named and ordered alike: ``write`` binds them as they are."""

    at: str
    account: str | None
    organisation: str | None
    method: str
    route: str
    status: int
    outcome: str
    traceer_id: str | None = None


_JOURNAL_EQUALS = ("account", "organisation", "method", "route", "outcome", "traceer_id", "status")


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalQuery:
    """Which journal rows to read: equal columns, a time window, routes left out, the order.

    ``equals`` maps a column of ``_JOURNAL_EQUALS`` to its value; ``since``/``until`` bound
    ``at`` (ISO 8601, inclusive); ``exclude`` holds ``(method, route)`` pairs to leave out (the
    polling noise); newest first unless ``newest_first`` is False.
    """

    equals: Mapping[str, str | int] = field(default_factory=dict)
    since: str | None = None
    until: str | None = None
    exclude: frozenset[tuple[str, str]] = frozenset()
    newest_first: bool = True
    limit: int = 100

    def sql(self) -> tuple[str, list[object]]:
        unknown = set(self.equals) - set(_JOURNAL_EQUALS)
        if unknown:
            raise ValueError(f"no journal column {', '.join(sorted(unknown))}")
        where = [f"{column}=?" for column in self.equals]
        params: list[object] = list(self.equals.values())
        for bound, op in ((self.since, ">="), (self.until, "<=")):
            if bound is not None:
                where.append(f"at{op}?")
                params.append(bound)
        for method, route in sorted(self.exclude):
            where.append("NOT (method=? AND route=?)")
            params += [method, route]
        sql = "SELECT at, account, organisation, method, route, status, outcome, traceer_id"
        sql += " FROM journal" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += f" ORDER BY id {'DESC' if self.newest_first else 'ASC'} LIMIT {int(self.limit)}"
        return sql, params


_COLUMNS = ", ".join(JournalEntry._fields)  # a batch binds the entries as they are
_ROW = f"({','.join('?' * len(JournalEntry._fields))})"
_ROWS_PER_STATEMENT = 256  # at most; fewer where SQLite allows fewer parameters (999 before 3.32)


def write(db: sqlite3.Connection, entries: Sequence[JournalEntry]) -> None:
    """Commit ``entries`` in one transaction (one WAL sync for the whole batch).

    A handful of multi-row INSERTs, not one statement per row: the sqlite3 module lets go of
    the GIL around every statement it steps, and an ``executemany`` of a 100-row batch handed
    the GIL to and fro with the event loop 100 times (ab at 10 clients on berichtstatus: about
    50 µs of the server's CPU a request). Row counts are powers of two, so a few compiled
    statements serve every batch size from SQLite's statement cache.
    """
    largest = _largest_statement(db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    start = 0
    with db:
        for rows in statement_sizes(len(entries), largest):
            chunk = entries[start : start + rows]
            start += rows
            db.execute(_insert_sql(rows), tuple(itertools.chain.from_iterable(chunk)))


def statement_sizes(count: int, largest: int) -> list[int]:
    """``count`` rows as INSERTs of powers of two, none above ``largest`` (a power of two)."""
    sizes, size = [], largest
    while count:
        while size > count:
            size //= 2
        sizes.append(size)
        count -= size
    return sizes


def _largest_statement(parameters: int) -> int:
    size = _ROWS_PER_STATEMENT
    while size * len(JournalEntry._fields) > parameters:
        size //= 2
    return size


@functools.cache
def _insert_sql(rows: int) -> str:
    return f"INSERT INTO journal ({_COLUMNS}) VALUES {','.join([_ROW] * rows)}"  # noqa: S608


def read(db: sqlite3.Connection, query: JournalQuery) -> list[dict[str, Any]]:
    sql, params = query.sql()
    names = ("at", "account", "organisation", "method", "route", "status", "outcome")
    rows = db.execute(sql, params).fetchall()
    return [dict(zip((*names, "traceerId"), r, strict=True)) for r in rows]


def prune(db: sqlite3.Connection, before: str, keep_rows: int) -> int:
    """Delete rows older than ``before`` and all but the newest ``keep_rows``; how many.

    Both deletes walk an index (``at``; the id key), so a prune costs what it removes.
    Ids only grow (AUTOINCREMENT), so the newest ``keep_rows`` are those above max - keep.
    """
    with db:
        aged = db.execute("DELETE FROM journal WHERE at < ?", (before,)).rowcount
        counted = db.execute(
            "DELETE FROM journal WHERE id <= (SELECT MAX(id) FROM journal) - ?",
            (keep_rows,),
        ).rowcount
    return int(aged) + int(counted)
