"""The journal's batch write: every entry lands, in order, in a few multi-row statements."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway import _journal
from gateway._journal import SCHEMA, JournalEntry, JournalQuery, statement_sizes


def _entries(count: int) -> list[JournalEntry]:
    return [
        JournalEntry(
            at=f"2026-06-01T10:00:{i % 60:02d}.{i % 1000:03d}+00:00",
            account=f"1000000000{i:04d}" if i % 3 else None,
            organisation="01234567" if i % 2 else None,
            method=("GET", "POST", "DELETE")[i % 3],
            route=f"/route/{i}",
            status=200 + i % 300,
            outcome="ok" if i % 5 else f"refused: reden {i}",
            traceer_id=f"t{i}" if i % 4 else None,
        )
        for i in range(count)
    ]


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    return db


@pytest.mark.parametrize("count", [0, 1, 2, 3, 255, 256, 257, 700])
def test_every_entry_is_written_in_order_with_each_field(count: int) -> None:
    db, entries = _database(), _entries(count)
    _journal.write(db, entries)
    rows = _journal.read(db, JournalQuery(limit=10_000, newest_first=False))
    assert [tuple(row.values()) for row in rows] == [tuple(e) for e in entries]


def test_a_batch_is_a_handful_of_statements_not_one_per_row() -> None:
    """The sqlite3 module releases the GIL per statement step: one per row was the cost."""
    db, inserts = _database(), []
    db.set_trace_callback(lambda sql: inserts.append(sql) if sql.startswith("INSERT") else None)
    _journal.write(db, _entries(300))  # 256 + 32 + 8 + 4
    assert len(inserts) == 4
    assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (300,)


def test_a_low_parameter_limit_gives_smaller_statements() -> None:
    db = _database()
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # SQLite's default before 3.32
    _journal.write(db, _entries(300))
    assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (300,)


@given(st.integers(min_value=0, max_value=5000), st.sampled_from([1, 2, 64, 256]))
def test_statement_sizes_are_powers_of_two_adding_up(count: int, largest: int) -> None:
    sizes = statement_sizes(count, largest)
    assert sum(sizes) == count
    assert all(size <= largest and size & (size - 1) == 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)
