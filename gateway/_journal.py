"""The journal's rows in the store: its table, an entry, a query, and the SQL that reads,
writes and prunes them.

Every request the exchange answers becomes one ``JournalEntry`` (the middleware); the batch
writer (``gateway._runtime.Journal``) hands them to ``Store.write_journal`` in groups. The
functions here take the store's connection and run under its lock, in its worker thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = ["SCHEMA", "JournalEntry", "JournalQuery", "prune", "read", "write"]

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
    a frozen dataclass costs four times as much to build (a ``setattr`` per field)."""

    at: str
    account: str | None
    organisation: str | None
    method: str
    route: str
    status: int
    outcome: str
    traceer_id: str | None = None
    extra: Mapping[str, Any] = MappingProxyType({})


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


def write(db: sqlite3.Connection, entries: Sequence[JournalEntry]) -> None:
    """Commit ``entries`` in one transaction (one WAL sync for the whole batch)."""
    rows = [
        (e.at, e.account, e.organisation, e.method, e.route, e.status, e.outcome, e.traceer_id)
        for e in entries
    ]
    with db:
        db.executemany(
            "INSERT INTO journal (at, account, organisation, method, route, status,"
            " outcome, traceer_id) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )


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
