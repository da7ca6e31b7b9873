"""The operator's admin API end to end: reset, clock, faults, journal; payload retention; limits.

The admin listener is plain HTTP on 127.0.0.1; the participants still speak mutual TLS, so each
test shows the effect of an admin call on what a real client sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from gateway_fixtures import (
    ACCOUNTS,
    DECLARATION,
    INSURER,
    PULL,
    PUSH_INSURER,
    REGISTER,
    STATUS,
    GatewayPki,
    Operator,
    Party,
    build_world,
    client_context,
    declaration_metadata,
    fake_insurer,
    operator_of,
    settings_for,
    wait_status,
)

from gateway import Gateway, GatewaySettings
from world import HomeLayout

COV_JSON = "/cov/v1/controle"
DECLARATION_FOR_PUSH = DECLARATION.replace(INSURER.encode(), PUSH_INSURER.encode())


@pytest.fixture
def gateway_settings(layout: HomeLayout) -> GatewaySettings:
    return settings_for(layout, retention_sweep_interval=0.02)


@pytest.fixture
async def operator(gateway: Gateway) -> AsyncIterator[Operator]:
    async with operator_of(gateway) as running:
        yield running


async def admin(operator: Operator, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    return await operator.call(method, path, **kw)


async def delivered_to_mailbox(parties: dict[str, Party]) -> str:
    """Push one declaration for the pull insurer and wait until it is in the mailbox."""
    meta = declaration_metadata()
    assert (await parties["provider"].push(meta))[0] == 204
    traceer_id: str = meta["referentiegegevens"]["traceerId"]
    await wait_status(parties["insurer"], traceer_id, "WordtAangeboden")
    return traceer_id


async def test_reset_forgets_messages_journal_and_faults(
    operator: Operator, parties: dict[str, Party]
) -> None:
    traceer_id = await delivered_to_mailbox(parties)
    await admin(operator, "PUT", "/faults", json={"refuseRate": 1.0})
    assert (await parties["insurer"].call("GET", PULL))[0] == 503
    assert await admin(operator, "POST", "/reset") == (200, {"reset": True, "covRegister": False})
    assert (await parties["insurer"].call("GET", PULL)) == (200, [])  # faults gone too
    _, journal = await admin(operator, "GET", "/journal", params={"traceerId": traceer_id})
    assert journal == []
    status, body = await parties["provider"].call("GET", STATUS, params={"traceerId": traceer_id})
    assert (status, body) == (200, [])
    assert (await admin(operator, "POST", "/reset", data=b"{not json"))[0] == 400


async def test_clock_put_then_get_and_toestemming_follows_it(
    operator: Operator, parties: dict[str, Party]
) -> None:
    assert (await admin(operator, "PUT", "/clock", json={"today": "2031-02-03"}))[0] == 200
    status, clock = await admin(operator, "GET", "/clock")
    assert (status, clock["today"]) == (200, "2031-02-03")
    # the bureau's toestemming ends 300 days after the real today: in 2031 it has lapsed
    status, problem = await parties["bureau"].push(declaration_metadata())
    assert status == 422
    assert "routeringgegevens.afzender.code" in problem["errors"]
    assert (await admin(operator, "PUT", "/clock", json={"reset": True}))[0] == 200
    assert (await parties["bureau"].push(declaration_metadata()))[0] == 204
    for bad in ({"today": "gisteren"}, {"now": "2031-02-03T10:00:00"}, {}):
        assert (await admin(operator, "PUT", "/clock", json=bad))[0] == 400


async def test_clock_sets_the_cov_peildatum_default(
    operator: Operator, parties: dict[str, Party]
) -> None:
    reg = f"/cov-register/v1/verzekerden/{INSURER}"
    assert (await parties["insurer"].call("PUT", reg, json=REGISTER))[0] == 204
    person = {"bsn": "999979668", "geboortedatum": "1962-03-15"}
    status, answer = await parties["provider"].call("POST", COV_JSON, json=person)
    assert status == 200
    assert answer["zoekresultaten"][0]["verzekerde"]["resultaat"] == "ActieveVerzekeringen"
    await admin(operator, "PUT", "/clock", json={"today": "2016-06-01"})  # before the policy
    status, answer = await parties["provider"].call("POST", COV_JSON, json=person)
    assert status == 200
    assert answer["zoekresultaten"][0].get("verzekerde", {}).get("resultaat") != (
        "ActieveVerzekeringen"
    )


async def test_faults_latency_and_seeded_refusals(
    operator: Operator, parties: dict[str, Party]
) -> None:
    insurer = parties["insurer"]
    await admin(operator, "PUT", "/faults", json={"latencyMs": 300})
    started = time.monotonic()
    assert (await insurer.call("GET", PULL))[0] == 200
    assert time.monotonic() - started >= 0.3

    async def twelve_calls() -> list[int]:
        body = {"refuseRate": 0.5, "refuseStatus": 429, "seed": 7}
        assert (await admin(operator, "PUT", "/faults", json=body))[0] == 200
        return [(await insurer.call("GET", PULL))[0] for _ in range(12)]

    first = await twelve_calls()
    assert set(first) == {200, 429}
    assert await twelve_calls() == first  # same seed, same sequence
    for bad in ({"refuseStatus": 200}, {"refuseRate": 2}, {"latencyMs": -1}, {"unknown": 1}):
        status, problem = await admin(operator, "PUT", "/faults", json=bad)
        assert status == 400, bad
        assert problem["status"] == 400


async def test_faults_fail_deliveries_to_one_organisation(
    layout: HomeLayout, pki: GatewayPki
) -> None:
    runner, url, seen = await fake_insurer(layout, [])
    settings = settings_for(layout, push_endpoints={PUSH_INSURER: url})
    gw = Gateway(settings, world=build_world())
    await gw.start()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    try:
        async with (
            operator_of(gw) as operator,
            aiohttp.ClientSession(connector=connector) as session,
        ):
            provider = Party(gw, session)
            payload = DECLARATION_FOR_PUSH
            faults = {"failingDeliveries": [PUSH_INSURER]}
            assert (await admin(operator, "PUT", "/faults", json=faults))[0] == 200
            failing = declaration_metadata(uzovi=PUSH_INSURER)
            assert (await provider.push(failing, payload))[0] == 204
            await wait_status(
                provider, failing["referentiegegevens"]["traceerId"], "AanbiedenMislukt"
            )
            assert seen == []  # the endpoint was never even called
            assert (await admin(operator, "PUT", "/faults", json={}))[0] == 200
            working = declaration_metadata(uzovi=PUSH_INSURER)
            assert (await provider.push(working, payload))[0] == 204
            await wait_status(provider, working["referentiegegevens"]["traceerId"], "Bezorgd")
            assert len(seen) == 1
    finally:
        await gw.stop()
        await runner.cleanup()


async def test_journal_filters(operator: Operator, parties: dict[str, Party]) -> None:
    traceer_id = await delivered_to_mailbox(parties)
    assert (await parties["insurer"].call("GET", PULL, params={"limit": "0"}))[0] == 400
    since = (await admin(operator, "GET", "/clock"))[1]["now"]
    assert (await parties["insurer"].call("GET", PULL))[0] == 200
    journal = "/journal"
    _, by_trace = await admin(operator, "GET", journal, params={"traceerId": traceer_id})
    assert (by_trace[-1]["method"], by_trace[-1]["status"]) == ("POST", 204)  # newest first
    assert {e["traceerId"] for e in by_trace} == {traceer_id}  # after it wait_status's polls
    insurer_account = ACCOUNTS["insurer"][0]
    _, refused = await admin(
        operator, "GET", journal, params={"account": insurer_account, "status": "400"}
    )
    assert len(refused) == 1
    assert refused[0]["outcome"].startswith("refused")
    _, recent = await admin(
        operator,
        "GET",
        journal,
        params={"since": since, "route": "/berichtenservice/berichten/rest-pull/v1/berichten"},
    )
    assert [e["status"] for e in recent] == [200]
    _, by_org = await admin(
        operator, "GET", journal, params={"organisation": INSURER, "outcome": "ok"}
    )
    assert by_org
    assert all(e["organisation"] == INSURER and e["outcome"] == "ok" for e in by_org)
    _, limited = await admin(operator, "GET", journal, params={"limit": "1"})
    assert len(limited) == 1
    status, problem = await admin(operator, "GET", journal, params={"limit": "many"})
    assert status == 400
    assert "limit" in problem["detail"]
    # "²" passes str.isdigit() but not int(): a 400, not a 500
    assert (await admin(operator, "GET", journal, params={"limit": "\u00b2"}))[0] == 400


@pytest.mark.parametrize("limit", ["0", "251", "ten", "-1", "\u00b2"])
async def test_pull_limit_out_of_range_is_a_problem_naming_limit(
    parties: dict[str, Party], limit: str
) -> None:
    status, problem = await parties["insurer"].call("GET", PULL, params={"limit": limit})
    assert status == 400
    assert problem["errors"]["limit"]


async def test_pull_limit_caps_the_listing(parties: dict[str, Party]) -> None:
    await delivered_to_mailbox(parties)
    await delivered_to_mailbox(parties)
    assert len((await parties["insurer"].call("GET", PULL, params={"limit": "1"}))[1]) == 1
    assert len((await parties["insurer"].call("GET", PULL, params={"limit": "250"}))[1]) == 2


async def wait_payload_status(insurer: Party, traceer_id: str, wanted: int) -> None:
    """Poll the payload (bounded: 3 s) until the retention sweep has run."""
    for _ in range(150):
        if (await insurer.call("GET", f"{PULL}/{traceer_id}/payload"))[0] == wanted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"payload of {traceer_id} never answered {wanted}")


async def shift_clock(operator: Operator, hours: float) -> None:
    now = dt.datetime.fromisoformat((await admin(operator, "GET", "/clock"))[1]["now"])
    moved = (now + dt.timedelta(hours=hours)).isoformat()
    assert (await admin(operator, "PUT", "/clock", json={"now": moved}))[0] == 200


async def test_downloaded_payload_is_kept_24_hours_then_only_metadata(
    operator: Operator, parties: dict[str, Party]
) -> None:
    insurer = parties["insurer"]
    downloaded = await delivered_to_mailbox(parties)
    untouched = await delivered_to_mailbox(parties)
    assert (await insurer.call("GET", f"{PULL}/{downloaded}/payload"))[0] == 200
    await shift_clock(operator, 23)
    await asyncio.sleep(0.1)  # several sweeps at 0.02 s
    assert (await insurer.call("GET", f"{PULL}/{downloaded}/payload"))[0] == 200
    await shift_clock(operator, 2)  # 25 h after the first download
    await wait_payload_status(insurer, downloaded, 404)
    status, problem = await insurer.call("GET", f"{PULL}/{downloaded}/payload")
    assert "bewaartermijn" in problem["detail"]
    status, statuses = await insurer.call("GET", STATUS, params={"traceerId": downloaded})
    assert status == 200  # the metadata stays
    assert statuses[0]["referentiegegevens"]["traceerId"] == downloaded
    listed = [m["referentiegegevens"]["traceerId"] for m in (await insurer.call("GET", PULL))[1]]
    assert downloaded in listed
    assert (await insurer.call("GET", f"{PULL}/{untouched}/payload"))[0] == 200  # never downloaded
    assert (await insurer.call("DELETE", f"{PULL}/{downloaded}"))[0] == 202
