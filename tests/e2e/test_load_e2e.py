"""The load driver against a real in-process exchange with its stub insurers.

Small and bounded: 4 sends a second for 2 s from a dentist and a service bureau, 10-line files,
at most 8 sends, at most 20 s of waiting for the returns. The summary must add up and the
returns must carry the insurers' retourcodes.
"""

from __future__ import annotations

import asyncio

import pytest

from provider_client._load import LoadError, LoadPlan
from provider_client._load_run import run_load
from vecozo_sim.pytest_plugin import VecozoExchange

pytestmark = pytest.mark.asyncio


async def test_a_short_run_adds_up(vecozo: VecozoExchange) -> None:
    seen: list[str] = []
    plan = LoadPlan(
        accounts=("12050001", "98100001"),
        rate=4.0,
        duration=2.0,
        lines=10,
        max_requests=8,
        drain=20.0,
    )
    summary = await asyncio.wait_for(
        run_load(plan, home=vecozo.layout.root, notify=seen.append), timeout=60
    )
    assert summary.planned == 8
    assert summary.sent == summary.accepted + summary.refused == 8
    assert summary.accepted == 8, summary.refusals
    assert summary.returns <= summary.accepted
    assert summary.returns == 8, "every insurer answers within the drain"
    assert summary.codes, "the returns carry retourcodes"
    assert set(summary.codes) & {"8001", "0200"}  # clean lines are accepted
    assert summary.push.p50 is not None
    assert summary.returned.p99 is not None
    assert seen.count("sent") == 8
    assert seen.count("returned") == 8


async def test_stop_ends_sending_and_still_summarises(vecozo: VecozoExchange) -> None:
    stop = asyncio.Event()
    plan = LoadPlan(accounts=("12050001",), rate=2.0, duration=30.0, lines=5, drain=5.0)
    asyncio.get_running_loop().call_later(0.6, stop.set)
    summary = await asyncio.wait_for(run_load(plan, home=vecozo.layout.root, stop=stop), timeout=30)
    assert summary.interrupted
    assert 1 <= summary.sent < summary.planned == 60
    assert summary.sent == summary.accepted + summary.refused


async def test_an_account_that_cannot_send_is_refused_before_sending(
    vecozo: VecozoExchange,
) -> None:
    plan = LoadPlan(accounts=("7095",), rate=1.0, duration=1.0)
    with pytest.raises(LoadError, match="not a provider"):
        await run_load(plan, home=vecozo.layout.root)
