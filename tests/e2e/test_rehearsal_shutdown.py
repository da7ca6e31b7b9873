"""Rehearsal: the end of a run. A clean stop is silent; a client that outlives its test is refused.

``vecozo-sim up`` (Ctrl-C) and the ``vecozo`` fixture (teardown) both end with
``Exchange.stop``. After real traffic to a push and a pull insurer it must log no warning: the
insurers stop while the gateway still answers, so their pull loops never meet a closed port.
The fixture closes every client it handed out; a task left running by a failed test then gets
an error instead of a fresh aiohttp session that leaks into the next test as a ResourceWarning.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import declaration

from vecozo_sim import Exchange, ExchangeSettings
from vecozo_sim.pytest_plugin import ExchangeClosedError, VecozoExchange, VecozoWorld

DENTIST = "12050001"
ZK, CZ = "3311", "7119"  # push-mode and pull-mode insurer


async def _traffic(exchange: Exchange, world: VecozoWorld) -> None:
    """One declaration to each insurer, answered: delivery, pulling and answering all ran."""
    from provider_client import VecozoClient

    layout, account = exchange.settings.layout, "11205000100001"  # the dentist's system account
    async with VecozoClient.create(
        exchange.runtime.gateway_url,
        cert=layout.account_cert(account),
        key=layout.account_key(account),
        ca=layout.ca_cert,
    ) as client:
        for insurer in (ZK, CZ):
            data = declaration(world.world, provider=DENTIST, insurer=insurer)
            receipt = await client.push(data)
            await client.fetch_return(receipt.traceer_id, timeout=30)


async def test_a_clean_stop_logs_no_warning(
    vecozo_world: VecozoWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    layout = vecozo_world.copy_to(tmp_path / "home")
    settings = ExchangeSettings(layout=layout, port=0, admin_port=0, poll_interval=0.02)
    exchange = Exchange(settings, world=vecozo_world.world)
    await exchange.start()
    try:
        await _traffic(exchange, vecozo_world)
    finally:
        caplog.clear()
        caplog.set_level(logging.INFO)
        await exchange.stop()
    loud = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == []


async def test_a_client_used_after_teardown_is_refused_not_reopened(
    vecozo: VecozoExchange,
) -> None:
    client = vecozo.client(DENTIST)
    assert await client.list_messages() == ()  # the session is open and works
    await vecozo.close()  # what the fixture's teardown does first

    with pytest.raises(ExchangeClosedError, match="torn down"):
        await client.list_messages()
    with pytest.raises(ExchangeClosedError):
        vecozo.client(DENTIST)
    with pytest.raises(ExchangeClosedError):
        await vecozo.admin("GET", "/admin/insurers/faults")
    await vecozo.close()  # the teardown closes again: idempotent
