"""Rehearsal: the insurer faults a vendor's client must survive (down, slow, answering twice).

The faults are switched on the way a suite would: by parametrising the plugin's
``vecozo_faults`` fixture, or through the admin port while the test runs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from conftest import answers, declaration

from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST, VGZ = "12050001", "7095"
DOWN: dict[str, Any] = {"insurers": {VGZ: {"down": True}}}
SLOW: dict[str, Any] = {"insurers": {VGZ: {"slowSeconds": 1.0}}}
TWICE: dict[str, Any] = {"insurers": {VGZ: {"answerTwice": True}}}


async def _status(vecozo: VecozoExchange, traceer_id: str) -> str:
    rows = await vecozo.admin("GET", f"/admin/gateway/berichten/{traceer_id}/historie")
    return str(rows[-1]["status"])


async def _until(check: Any, within: float = 15.0) -> None:
    """Poll an async predicate, bounded in time."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("vecozo_faults", [DOWN])
async def test_an_insurer_that_is_down_gets_the_message_later(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    await asyncio.sleep(0.5)  # several delivery attempts fail meanwhile
    assert await _status(vecozo, receipt.traceer_id) == "WordtAangeboden"
    assert await answers(client, receipt.traceer_id) == ()

    await vecozo.set_faults({"insurers": {VGZ: {"down": False}}})
    info, _ = await client.fetch_return(receipt.traceer_id, timeout=30)
    assert info.als_antwoord_op == receipt.traceer_id
    assert await _status(vecozo, receipt.traceer_id) == "Bezorgd"


@pytest.mark.parametrize("vecozo_faults", [SLOW])
async def test_a_slow_insurer_answers_late_but_answers(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    started = time.monotonic()
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    await _until(lambda: _is(vecozo, receipt.traceer_id, "Bezorgd"))
    assert await answers(client, receipt.traceer_id) == ()  # still judging
    await client.fetch_return(receipt.traceer_id, timeout=30)
    assert time.monotonic() - started >= 1.0


async def _is(vecozo: VecozoExchange, traceer_id: str, status: str) -> bool:
    return await _status(vecozo, traceer_id) == status


@pytest.mark.parametrize("vecozo_faults", [TWICE])
async def test_a_duplicate_answer_is_delivered_once(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    info, _ = await client.fetch_return(receipt.traceer_id, timeout=30)

    async def pushed_twice() -> bool:
        entries = await vecozo.admin("GET", f"/admin/gateway/journal?traceerId={info.traceer_id}")
        return sum(1 for e in entries if e["organisation"] == VGZ) >= 2

    await _until(pushed_twice)
    found = await answers(client, receipt.traceer_id)
    assert [m.traceer_id for m in found] == [info.traceer_id]
    # The stub logs the exchange's refusal of its second copy; that refusal is the point here.
    assert all("al eerder ontvangen" in e for e in vecozo.server_errors)
    vecozo.clear_server_errors()


async def test_faults_are_off_unless_asked_for(vecozo: VecozoExchange) -> None:
    faults = await vecozo.admin("GET", "/admin/insurers/faults")
    assert faults[VGZ] == {"down": False, "slowSeconds": 0.0, "answerTwice": False}
