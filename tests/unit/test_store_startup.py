"""Opening a store at start-up: the schema goes in as one transaction, and reopening keeps data.

Every test of the plugin opens nine new insurer stores and a gateway store. Created statement by
statement in autocommit mode, each CREATE was a commit of its own (with ``synchronous=FULL`` a
WAL sync each), which made opening them a large part of a test's start. The statements SQLite
runs are watched through the connection's trace callback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import gateway._store
import insurer_stub._store
from gateway import Store
from insurer_stub._store import InsurerStore


def _traced(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[str]:
    """Record every statement run on connections that ``module`` opens."""
    statements: list[str] = []
    connect = sqlite3.connect

    def tracing_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db: sqlite3.Connection = connect(*args, **kwargs)
        db.set_trace_callback(lambda sql: statements.append(" ".join(sql.split()).upper()))
        return db

    monkeypatch.setattr(module.sqlite3, "connect", tracing_connect)
    return statements


def _assert_one_transaction(statements: list[str]) -> None:
    # The guard's open token (world.StoreGuard) is its own commit, after the schema, by design.
    statements = [sql for sql in statements if "STORE_OPENED" not in sql]
    creates = [i for i, sql in enumerate(statements) if sql.startswith("CREATE")]
    assert creates, statements
    begins = [i for i, sql in enumerate(statements) if sql.startswith("BEGIN")]
    commits = [i for i, sql in enumerate(statements) if sql.startswith("COMMIT")]
    assert begins, statements
    assert begins[0] < creates[0], statements
    assert commits, statements
    assert creates[-1] < commits[0], statements
    assert not [i for i in begins + commits if creates[0] < i < creates[-1]], statements


def test_insurer_store_creates_its_schema_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _traced(monkeypatch, insurer_stub._store)
    InsurerStore(tmp_path / "7095.sqlite").close()
    _assert_one_transaction(statements)


def test_insurer_store_reopened_keeps_what_it_received(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "7095.sqlite"
    store = InsurerStore(path)
    assert store.receive("t1", "{}", b"payload", dt.date(2025, 6, 1))
    store.close()
    again = InsurerStore(path)
    try:
        item = again.item("t1")
        assert item is not None
        assert item.payload == b"payload"
        assert item.state == "new"
        assert not again.receive("t1", "{}", b"payload", dt.date(2025, 6, 1))
    finally:
        again.close()


async def test_gateway_store_creates_its_schema_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = _traced(monkeypatch, gateway._store)
    store = await Store.open(tmp_path / "gateway")
    await store.close()
    _assert_one_transaction(statements)


async def test_gateway_store_reopened_keeps_the_cov_register(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "gateway")
    await store.replace_cov("7095", ['{"a": 1}', '{"b": 2}'])
    await store.close()
    again = await Store.open(tmp_path / "gateway")
    try:
        assert await again.load_cov() == {"7095": ['{"a": 1}', '{"b": 2}']}
    finally:
        await again.close()
