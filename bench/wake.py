"""Benchmark: how soon a declaration reaches a pull-mode insurer, and its return the provider.

Runs the exchange as ``up`` composes it (``vecozo_sim.Exchange``, its default pull intervals)
in this process on a generated world (seed 1, 200 persons), and submits ``--files`` one-line
declarations one after another from a dentist's system account to the pull-mode insurer 0699.
For each it times, from the submission's 204: (a) until the insurer has stored the file
(``fetched``: what its mailbox pulls decide), (b) until the return is in the dentist's mailbox
(``returned``: adds judging and the push back; looked for every 5 ms). Between two files it
waits a varying 0.1-0.7 s, so a polling insurer is met at every phase of its interval. It also
reports the process's CPU per second while nothing is sent (``idle_cpu_ms_per_s``).

    .venv/bin/python bench/wake.py [--files 20] [--idle-seconds 5]

Run it with another install's interpreter (``/work/main/.venv/bin/python bench/wake.py``) to
measure the code before a change on the same machine, alternating. Every wait is bounded. The
last line printed is one JSON object (medians and 90th percentiles in milliseconds).
"""

from __future__ import annotations

import _support

_support.keep_off_path()  # before any other import: see bench/_support.py
# ruff: noqa: E402
import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from provider_client import GenerateOptions, VecozoClient, generate_file
from vecozo_sim import Exchange, ExchangeSettings, init_home
from world import AccountKind, HomeLayout, World

DENTIST = "12050001"  # contracted with the VGZ brands (docs/TESTDATA.md)
PULLER = "0699"  # a pull-mode insurer of the VGZ group
LIMIT = 30.0  # seconds any one file may take


def system_account(world: World, organisation: str) -> str:
    accounts = world.accounts_of(organisation)
    return next(a.user_number for a in accounts if a.kind is AccountKind.SYSTEM)


async def until(found: Any, step: float = 0.005) -> float:
    """Seconds until the awaitable-returning ``found()`` is truthy (at most ``LIMIT``)."""
    started = time.perf_counter()
    deadline = started + LIMIT
    while not await found():
        if time.perf_counter() > deadline:
            raise SystemExit(f"nothing arrived within {LIMIT} s")
        await asyncio.sleep(step)
    return time.perf_counter() - started


async def one(exchange: Exchange, client: VecozoClient, world: World, n: int) -> tuple[float, ...]:
    options = GenerateOptions(
        provider=DENTIST, insurer=PULLER, lines=1, seed=n, today=world.today or dt.date.today()
    )
    receipt = await client.push(generate_file(world, options).data)
    started = time.perf_counter()
    assert exchange.insurers is not None
    insurer = exchange.insurers.insurers[PULLER]

    async def fetched() -> bool:
        return insurer.store.item(receipt.traceer_id) is not None

    async def returned() -> bool:
        return bool(await client.search(als_antwoord_op=receipt.traceer_id))

    await until(fetched)
    first = time.perf_counter() - started
    await until(returned)
    second = time.perf_counter() - started
    [answer] = await client.search(als_antwoord_op=receipt.traceer_id)
    await client.acknowledge(answer.traceer_id)
    return first, second


async def idle(seconds: float) -> float:
    """CPU of this process per second while the exchange runs and nobody sends anything."""
    start = os.times()
    await asyncio.sleep(seconds)
    end = os.times()
    return round((end.user + end.system - start.user - start.system) / seconds * 1000, 1)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def run(root: Path, files: int, idle_seconds: float) -> dict[str, Any]:
    world = init_home(HomeLayout(root=root), seed=1, persons=200)
    settings = ExchangeSettings(layout=HomeLayout(root=root), port=0, admin_port=0)
    exchange = Exchange(settings, world=world)
    runtime = await exchange.start()
    fetched, returned = [], []
    try:
        idle_cpu = await idle(idle_seconds)
        account = system_account(world, DENTIST)
        async with VecozoClient.from_home(
            root, account=account, base_url=runtime.gateway_url
        ) as client:
            for n in range(files):
                first, second = await one(exchange, client, world, n)
                fetched.append(first)
                returned.append(second)
                await asyncio.sleep(0.1 + (n * 0.37) % 0.6)
    finally:
        await exchange.stop()
    return {
        "bench": "wake",
        "files": files,
        "fetched": summary(fetched),
        "returned": summary(returned),
        "idle_cpu_ms_per_s": idle_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-wake-") as tmp:
        result = asyncio.run(run(Path(tmp), args.files, args.idle_seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
