"""Crash safety: SIGKILL ``vecozo-sim up`` under load at seeded random moments, restart, verify.

The promise under test (docs/CONTRIBUTING.md): anything acknowledged to a client is durable
before the acknowledgement. So after every restart each message that got its 204 must still be
known to the exchange, must end with its return file, and no return may be delivered twice,
however the kills fell (mid-push, mid-delivery, mid-judging, mid-answer).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import UpProcess, answers, declaration

from vecozo_sim.cli import main as vecozo_sim
from world import HomeLayout, World, load_world

if TYPE_CHECKING:
    from provider_client import VecozoClient

SEED = 20240229
KILLS = 5
SUBMITTERS = {"12050001": ("7095", "7119"), "98100001": ("3311", "0101")}  # push and pull
BUREAU_FOR = {"98100001": ("87050001", "90050001")}
MAX_PUSHES_PER_CYCLE = 60
TIME_BUDGET = 55.0  # the kill cycles stop early rather than run past this

pytestmark = pytest.mark.slow


def _files(world: World, rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    """(submitting organisation, EI file) pairs: a dentist itself and a bureau for two others."""
    files = []
    for i in range(count):
        submitter = rng.choice(sorted(SUBMITTERS))
        insurer = rng.choice(SUBMITTERS[submitter])
        if submitter in BUREAU_FOR:
            provider = rng.choice(BUREAU_FOR[submitter])
            data = declaration(
                world, provider=provider, insurer=insurer, bureau=submitter, seed=i, lines=2
            )
        else:
            data = declaration(world, provider=submitter, insurer=insurer, seed=i, lines=2)
        files.append((submitter, data))
    return files


def _client(layout: HomeLayout, world: World, url: str, organisation: str) -> VecozoClient:
    from provider_client import VecozoClient

    account = next(a for a in world.accounts_of(organisation) if a.kind.value == "system")
    return VecozoClient.create(
        url,
        cert=layout.account_cert(account.user_number),
        key=layout.account_key(account.user_number),
        ca=layout.ca_cert,
        timeout=5,
    )


async def _push_until_killed(
    up: UpProcess, layout: HomeLayout, world: World, files: list[tuple[str, bytes]], kill_at: float
) -> dict[str, str]:
    """Push files two at a time; SIGKILL the process at ``kill_at``; return what got a 204."""
    from provider_client import ClientError

    url = up.runtime["gateway_url"]
    clients = {o: _client(layout, world, url, o) for o in SUBMITTERS}
    accepted: dict[str, str] = {}

    async def push(submitter: str, data: bytes) -> None:
        try:
            receipt = await clients[submitter].push(data)
        except (ClientError, OSError, TimeoutError):
            return  # not acknowledged: the client may not count on it
        accepted[receipt.traceer_id] = submitter

    async def drive() -> None:
        for start in range(0, len(files), 2):
            await asyncio.gather(*(push(s, d) for s, d in files[start : start + 2]))

    driver = asyncio.create_task(drive())
    try:
        await asyncio.sleep(kill_at)
        os.kill(up.process.pid, signal.SIGKILL)
        up.process.wait(timeout=10)
        await asyncio.wait_for(driver, timeout=30)  # every push fails fast once the server is gone
    finally:
        driver.cancel()  # a no-op once it finished; else it must not outlive its clients
        await asyncio.gather(driver, return_exceptions=True)
        for client in clients.values():
            await client.close()
    return accepted


async def _verify(
    up: UpProcess, layout: HomeLayout, world: World, accepted: dict[str, str]
) -> None:
    url = up.runtime["gateway_url"]
    clients = {o: _client(layout, world, url, o) for o in SUBMITTERS}
    try:
        for traceer_id, submitter in accepted.items():
            client = clients[submitter]
            await client.wait_for_return(traceer_id, timeout=30)
            found = await answers(client, traceer_id)
            assert len(found) == 1, f"{traceer_id}: {len(found)} returns delivered"
            statuses = await client.status(traceer_id=traceer_id)
            assert [s.status for s in statuses if s.traceer_id == traceer_id][-1] == "Bezorgd"
    finally:
        for client in clients.values():
            await client.close()


async def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    layout = HomeLayout(root=tmp_path / "home")
    assert vecozo_sim(["init", "--home", str(layout.root), "--persons", "200"]) == 0
    world = load_world(layout)
    files = _files(world, rng, KILLS * MAX_PUSHES_PER_CYCLE)
    accepted: dict[str, str] = {}
    started = time.monotonic()
    kills = 0
    while kills < KILLS and time.monotonic() - started < TIME_BUDGET:
        batch = files[kills * MAX_PUSHES_PER_CYCLE : (kills + 1) * MAX_PUSHES_PER_CYCLE]
        up = run_up(layout.root)
        accepted |= await _push_until_killed(up, layout, world, batch, rng.uniform(0.2, 2.0))
        kills += 1
    assert kills >= KILLS, f"only {kills} kills fitted in {TIME_BUDGET} s"
    assert accepted, "no push was acknowledged before any kill"

    final = run_up(layout.root)
    await _verify(final, layout, world, accepted)
    assert final.stop() == 0
    print(f"{kills} SIGKILLs, {len(accepted)} acknowledged messages, all answered exactly once")
