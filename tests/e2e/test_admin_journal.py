"""The journal as an operator reads it (issues 11 and 12): newest first, polling noise left out
on request, a capped limit, indexed filters, and retention by age and count in the background.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import declaration
from gateway_fixtures import (
    PULL,
    GatewayPki,
    Operator,
    Party,
    build_world,
    client_context,
    operator_of,
    settings_for,
)

from gateway import Gateway, Store
from gateway._journal import JournalEntry, JournalQuery
from vecozo_sim.pytest_plugin import VecozoExchange
from world import HomeLayout

DENTIST, VGZ = "12050001", "7095"
PULL_LIST = "/berichtenservice/berichten/rest-pull/v1/berichten"


async def _until(check: Any, within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while not (found := await check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)
    return found


async def test_newest_first_and_the_polling_noise_left_out(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    await client.list_messages()  # polling noise (the idle insurers no longer poll)

    async def polled_since_the_push() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await vecozo.admin("GET", "/admin/gateway/journal?limit=1000")
        pushed = [i for i, r in enumerate(rows) if r["traceerId"] == receipt.traceer_id]
        return rows if pushed and any(r["route"] == PULL_LIST for r in rows[: pushed[-1]]) else []

    rows = await _until(polled_since_the_push)
    moments = [r["at"] for r in rows]
    assert moments == sorted(moments, reverse=True)
    oldest = await vecozo.admin("GET", "/admin/gateway/journal?order=oldest&limit=3")
    assert [r["at"] for r in oldest] == sorted(r["at"] for r in oldest)
    assert oldest[0]["at"] <= moments[-1]
    quiet = await vecozo.admin("GET", "/admin/gateway/journal?polling=false")
    assert all(r["route"] != PULL_LIST or r["method"] != "GET" for r in quiet)
    assert any(r["method"] == "POST" and r["traceerId"] == receipt.traceer_id for r in quiet)


async def test_limit_is_capped_and_unknown_filters_are_refused(vecozo: VecozoExchange) -> None:
    for query, named in (
        ("limit=1001", "1000"),
        ("limit=0", "limit"),
        ("traceerid=x", "traceerid"),  # misspelt: must not silently match everything
        ("order=random", "order"),
        ("polling=no", "polling"),
    ):
        with pytest.raises(AssertionError, match=r"-> 400") as refused:
            await vecozo.admin("GET", f"/admin/gateway/journal?{query}")
        assert named in str(refused.value), query
    assert len(await vecozo.admin("GET", "/admin/gateway/journal?limit=1000")) <= 1000


# -- retention and indexes, on a bare gateway -----------------------------------------------


@pytest.fixture
async def running(layout: HomeLayout, pki: GatewayPki) -> AsyncIterator[tuple[Party, Operator]]:
    settings = settings_for(
        layout,
        retention_sweep_interval=0.05,
        journal_max_rows=5,
        journal_retention=dt.timedelta(hours=1),
    )
    gw = Gateway(settings, world=build_world())
    await gw.start()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "insurer"))
    try:
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            operator_of(gw) as operator,
        ):
            yield Party(gw, session), operator
    finally:
        await gw.stop()


async def test_the_sweep_keeps_the_newest_rows_up_to_the_count(
    running: tuple[Party, Operator],
) -> None:
    insurer, operator = running
    for _ in range(12):
        assert (await insurer.call("GET", PULL))[0] == 200
    marker = (await insurer.call("GET", PULL, params={"limit": "0"}))[0]  # the newest: a 400

    async def pruned() -> list[dict[str, Any]]:
        rows = (await operator.call("GET", "/journal", params={"order": "oldest"}))[1]
        return rows if len(rows) <= 5 else []

    rows = await _until(pruned)
    assert rows[-1]["status"] == marker == 400  # the newest row survived the prune


async def test_the_sweep_drops_rows_older_than_the_retention(
    running: tuple[Party, Operator],
) -> None:
    insurer, operator = running
    assert (await insurer.call("GET", PULL, params={"limit": "0"}))[0] == 400
    _, clock = await operator.call("GET", "/clock")
    later = dt.datetime.fromisoformat(clock["now"]) + dt.timedelta(hours=2)
    assert (await operator.call("PUT", "/clock", json={"now": later.isoformat()}))[0] == 200
    assert (await insurer.call("GET", PULL))[0] == 200

    async def aged_out() -> list[dict[str, Any]]:
        rows = (await operator.call("GET", "/journal"))[1]
        return rows if all(r["status"] != 400 for r in rows) else []

    rows = await _until(aged_out)
    assert [r["status"] for r in rows] == [200]  # the row after the clock moved stays


def _entry(at: str, traceer_id: str | None = None) -> JournalEntry:
    return JournalEntry(
        at=at, account="a", organisation="o", method="GET", route="/r", status=200, outcome="ok",
        traceer_id=traceer_id,
    )  # fmt: skip


async def test_prune_by_age_and_count_and_the_filters_use_indexes(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "gateway")
    try:
        day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        moments = [
            (day + dt.timedelta(minutes=i)).isoformat(timespec="milliseconds") for i in range(50)
        ]
        await store.write_journal([_entry(m, f"t{i}") for i, m in enumerate(moments)])
        pruned = await store.prune_journal(before=moments[10], keep_rows=30)
        assert pruned == 20  # 10 by age, then 10 more by count
        left = await store.read_journal(JournalQuery(limit=1000, newest_first=False))
        assert [r["at"] for r in left] == moments[20:]
    finally:
        await store.close()
    db = sqlite3.connect(tmp_path / "gateway" / "exchange.sqlite3")
    plans: dict[str, tuple[str, list[object]]] = {
        column: JournalQuery(equals={column: "x"}).sql()
        for column in ("traceer_id", "account", "organisation")
    }
    plans["at"] = ("DELETE FROM journal WHERE at < ?", ["x"])  # the age prune
    try:
        for column, (sql, params) in plans.items():
            plan = " ".join(str(row) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert f"journal_{column}" in plan, (column, plan)
    finally:
        db.close()
