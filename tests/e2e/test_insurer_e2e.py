"""The stub insurers end to end: a provider's file through the real exchange and back.

A generated world (seed 1) with a certificate for every account is built once per session; each
test copies it, starts a ``gateway.Gateway`` and an ``InsurerHost`` on free ports of 127.0.0.1
(or the composed ``vecozo_sim.Exchange``, which wakes a pull-mode insurer when the gateway
offers it a message) and talks to the exchange with the submitters' own certificates over
mutual TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import shutil
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gateway_fixtures import declaration_metadata

import vecozo_sim
from certs import client_ssl_context
from gateway import Gateway, GatewaySettings, RetrySchedule
from gateway._store import JournalQuery  # the admin API's journal query, without its HTTP
from insurer_stub import InsurerHost, InsurerSettings, create_admin_app
from vecozo_sim import init_home
from vektis import get_standard, parse_file, render_file
from world import AccountKind, HomeLayout, World, generate_world

PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
TODAY = dt.date.today()
DENTIST = "12050001"  # practice contracted with the VGZ brands, toestemming for bureau 98100001
OTHER_DENTIST = "87050001"
BUREAU = "98100001"
VGZ = "7095"  # push-mode insurer
ZK = "3311"  # push-mode insurer of another group
PULLER = "0699"  # pull-mode insurer: it fetches its mailbox
INSURED = {VGZ: "999900006", ZK: "999900018"}  # scenarios insured-vgz and insured-zilveren-kruis


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    root = tmp_path_factory.mktemp("insurer-world")
    return root, init_home(HomeLayout(root=root), seed=1, persons=200)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Exchange:
    layout: HomeLayout
    world: World
    gateway: Gateway
    host: InsurerHost

    def context(self, organisation: str) -> Any:
        account = next(
            a for a in self.world.accounts_of(organisation) if a.kind is AccountKind.SYSTEM
        )
        return client_ssl_context(
            ca=self.layout.ca_cert,
            cert=self.layout.account_cert(account.user_number),
            key=self.layout.account_key(account.user_number),
        )


@pytest.fixture
async def exchange(template: tuple[Path, World], tmp_path: Path) -> AsyncIterator[Exchange]:
    root, world = template
    shutil.copytree(root, tmp_path / "home")
    layout = HomeLayout(root=tmp_path / "home")
    port = _free_port()
    host = InsurerHost(
        InsurerSettings(
            layout=layout,
            gateway_url=f"https://127.0.0.1:{port}",
            world=world,
            uzovis=frozenset({VGZ, ZK, "0699"}),
            poll_interval=0.1,
        )
    )
    endpoints = await host.listen()
    gateway = Gateway(
        GatewaySettings(
            layout=layout,
            port=port,
            push_endpoints=endpoints,
            retry=RetrySchedule(attempts=5, first_delay=0.1, max_delay=1.0),
            worker_interval=0.05,
        ),
        world=world,
    )
    await gateway.start()
    await host.start()
    try:
        yield Exchange(layout=layout, world=world, gateway=gateway, host=host)
    finally:
        await host.stop()
        await gateway.stop()


@contextlib.asynccontextmanager
async def composed(
    template: tuple[Path, World], home: Path, *, poll: float, idle: float
) -> AsyncIterator[Exchange]:
    """The exchange as ``up`` composes it, with these pull intervals of the insurers."""
    root, world = template
    shutil.copytree(root, home)
    layout = HomeLayout(root=home)
    settings = vecozo_sim.ExchangeSettings(
        layout=layout, port=0, admin_port=0, poll_interval=poll, idle_interval=idle
    )
    running = vecozo_sim.Exchange(settings, world=world)
    await running.start()
    try:
        assert running.gateway is not None
        assert running.insurers is not None
        yield Exchange(layout=layout, world=world, gateway=running.gateway, host=running.insurers)
    finally:
        await running.stop()


def declaration(
    uzovi: str, practice: str, lines: list[Mapping[str, object]], *, number: str = "F1"
) -> bytes:
    provider_agb = {DENTIST: "12100001", OTHER_DENTIST: "87100001"}[practice]
    bsn = INSURED[uzovi]
    records: list[dict[str, object]] = [
        {
            "record_type": "01",
            "ei_code": 176,
            "version": 1,
            "subversion": 3,
            "soort_bericht": "P",
            "uzovi": uzovi,
            "zorgverlenerscode": provider_agb,
            "praktijkcode": practice,
            "betaling_aan": "03",
            "period_start": TODAY - dt.timedelta(days=20),
            "period_end": TODAY,
            "factuurnummer": number,
            "factuurdatum": TODAY,
            "valuta": "EUR",
        },
        {
            "record_type": "02",
            "id": 1,
            "bsn": bsn,
            "uzovi": uzovi,
            "birth_date": _person(bsn).birth_date,
            "sex": _person(bsn).sex,
            "surname": _person(bsn).surname[:25],
            "initials": "A",
            "house_number": 1,
            "overleden": "2",
            "0209": "1",
        },
    ]
    total = 0
    for number_, values in enumerate(lines, start=2):
        cents = int(values["amount"])  # type: ignore[call-overload]
        total += cents
        records.append(
            {
                "record_type": "04",
                "id": number_,
                "bsn": bsn,
                "uzovi": uzovi,
                "date_of_service": TODAY - dt.timedelta(days=10),
                "prestatiecodelijst": "010",
                "prestatiecode": values.get("code", "C11"),
                "tarief": abs(cents),
                "aantal": 1,
                "berekend_bedrag": cents,
                "declaratiebedrag": cents,
                "referentie": values["ref"],
                "referentie_voorgaand": values.get("of", ""),
                "0407": "1",
                "0409": "01",
                "0410": "N",
            }
        )
    records.append(
        {
            "record_type": "99",
            "aantal_verzekerden": 1,
            "aantal_prestaties": len(lines),
            "aantal_detail": len(lines) + 1,
            "totaal_declaratiebedrag": total,
        }
    )
    return render_file(get_standard("MZ301"), records)


_WORLD = generate_world(seed=1, persons=200)


def _insured_for_c11(uzovi: str) -> str:
    """A generated person whose current package at ``uzovi`` covers C11 and who may be paid."""
    insurer = _WORLD.insurer(uzovi)
    assert insurer is not None
    for person in _WORLD.persons_at(uzovi):
        packages = [
            c.package
            for c in person.coverages_on(TODAY - dt.timedelta(days=10))
            if c.uzovi == uzovi
        ]
        covered = any("C11" in insurer.policy.coverage.get(p, ()) for p in packages)
        if covered and not person.wlz and person.deceased is None and person.bsn[:4] != "9999":
            return person.bsn
    raise AssertionError(f"no person for C11 at {uzovi}")


INSURED[PULLER] = _insured_for_c11(PULLER)


def _person(bsn: str) -> Any:
    person = _WORLD.person(bsn)
    assert person is not None
    return person


async def submit(ex: Exchange, who: str, afzender: str, uzovi: str, payload: bytes) -> str:
    meta = declaration_metadata(afzender=afzender, uzovi=uzovi)
    form = aiohttp.FormData()
    form.add_field("berichtMetadata", json.dumps(meta), content_type="application/json")
    form.add_field("payload", payload, filename="decl.asc", content_type="text/plain")
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ex.context(who))) as session,
        session.post(ex.gateway.url + PUSH, data=form) as response,
    ):
        assert response.status == 204, await response.text()
    return str(meta["referentiegegevens"]["traceerId"])


async def mailbox(ex: Exchange, who: str) -> list[tuple[dict[str, Any], bytes]]:
    """Everything waiting for ``who``, with payloads, acknowledged (DELETE) after reading."""
    out = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ex.context(who))) as s:
        async with s.get(ex.gateway.url + PULL, params={"limit": "100"}) as response:
            assert response.status == 200, await response.text()
            items = await response.json()
        for item in items:
            traceer = item["referentiegegevens"]["traceerId"]
            async with s.get(f"{ex.gateway.url}{PULL}/{traceer}/payload") as response:
                out.append((item, await response.read()))
            async with s.delete(f"{ex.gateway.url}{PULL}/{traceer}") as response:
                assert response.status in (200, 202, 204)
    return out


async def returns_for(ex: Exchange, who: str, count: int) -> list[tuple[dict[str, Any], bytes]]:
    """Poll ``who``'s mailbox until ``count`` messages arrived (at most 20 s)."""
    found: list[tuple[dict[str, Any], bytes]] = []
    async with asyncio.timeout(20):
        while len(found) < count:
            found += await mailbox(ex, who)
            if len(found) < count:
                await asyncio.sleep(0.1)
    return found


def codes_of(payload: bytes) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    parsed = parse_file(payload)
    header = parsed.header.get("retourcodes")
    assert isinstance(header, tuple)
    details = {
        str(r.get("referentie")): r.get("retourcodes")
        for r in parsed.details
        if r.record_type == "04"
    }
    return header, details  # type: ignore[return-value]


async def test_dentist_gets_a_clean_file_back_as_two_records(exchange: Exchange) -> None:
    traceer = await submit(
        exchange, DENTIST, DENTIST, VGZ, declaration(VGZ, DENTIST, [{"ref": "R1", "amount": 2458}])
    )
    [(meta, payload)] = await returns_for(exchange, DENTIST, 1)
    lines = payload.split(b"\r\n")
    assert [line[:2] for line in lines if line] == [b"01", b"99"]
    assert codes_of(payload)[0] == ("8001",)
    assert meta["referentiegegevens"]["alsAntwoordOp"] == traceer
    assert meta["routeringgegevens"]["afzender"] == {"rol": "Zorgverzekeraar", "code": VGZ}
    assert meta["routeringgegevens"]["berichtstroom"]["berichttype"] == "MZ302"


async def test_bureau_gets_both_returns_and_the_providers_nothing(exchange: Exchange) -> None:
    await submit(
        exchange, BUREAU, DENTIST, VGZ, declaration(VGZ, DENTIST, [{"ref": "B1", "amount": 2458}])
    )
    await submit(
        exchange,
        BUREAU,
        OTHER_DENTIST,
        ZK,
        declaration(ZK, OTHER_DENTIST, [{"ref": "B2", "amount": 2458}]),
    )
    found = await returns_for(exchange, BUREAU, 2)
    senders = sorted(m["routeringgegevens"]["afzender"]["code"] for m, _ in found)
    assert senders == sorted([VGZ, ZK])
    await asyncio.sleep(0.3)
    assert await mailbox(exchange, DENTIST) == []
    assert await mailbox(exchange, OTHER_DENTIST) == []


async def test_credit_of_paid_line_accepted_of_rejected_line_refused(exchange: Exchange) -> None:
    first = declaration(
        VGZ, DENTIST, [{"ref": "D1", "amount": 2458}, {"ref": "D2", "amount": 99999, "code": "C13"}]
    )
    await submit(exchange, DENTIST, DENTIST, VGZ, first)
    [(_, payload)] = await returns_for(exchange, DENTIST, 1)
    assert codes_of(payload)[1] == {"D2": ("0611",)}
    credits = declaration(
        VGZ,
        DENTIST,
        [
            {"ref": "K1", "amount": -2458, "of": "D1"},
            {"ref": "K2", "amount": -99999, "of": "D2", "code": "C13"},
        ],
        number="F2",
    )
    await submit(exchange, DENTIST, DENTIST, VGZ, credits)
    [(_, payload)] = await returns_for(exchange, DENTIST, 1)
    header, details = codes_of(payload)
    assert header == ("0200",)
    assert details == {"K2": ("8017",)}
    assert parse_file(payload).closing.get("totaal_toegekend") == -2458
    ledger = exchange.host.insurers[VGZ].ledger(DENTIST).to_json()
    assert [row["toegekend"] for row in ledger["regels"]] == [2458, -2458]
    # the credit is owed back: offset against the dentist's next payment
    assert ledger["saldo"] == -2458
    assert [row["uitbetaald"] for row in ledger["regels"]] == [2458, 0]


async def test_admin_app_serves_the_ledger_and_faults(
    exchange: Exchange, aiohttp_client: Any
) -> None:
    await submit(
        exchange, DENTIST, DENTIST, VGZ, declaration(VGZ, DENTIST, [{"ref": "A1", "amount": 2458}])
    )
    await returns_for(exchange, DENTIST, 1)
    client = await aiohttp_client(create_admin_app(exchange.host))
    response = await client.get(f"/ledger/{VGZ}", params={"provider": DENTIST})
    assert response.status == 200
    assert (await response.json())["toegekend"] == 2458
    response = await client.get(f"/ledger/{VGZ}", params={"provider": "x"})
    assert response.status == 400
    assert (await client.get("/ledger/9999", params={"provider": DENTIST})).status == 404
    response = await client.put("/faults", json={"uzovi": VGZ, "down": "yes"})
    assert response.status == 400


async def test_insurer_down_then_up_answers_once(exchange: Exchange) -> None:
    """Down: the endpoint answers 503 and the exchange retries; answer-twice: one delivery."""
    running = exchange.host.insurers[VGZ]
    running.faults = dataclasses.replace(running.faults, down=True, answer_twice=True)
    await submit(
        exchange, DENTIST, DENTIST, VGZ, declaration(VGZ, DENTIST, [{"ref": "U1", "amount": 2458}])
    )
    await asyncio.sleep(0.5)
    assert running.judged_files == 0
    running.faults = dataclasses.replace(running.faults, down=False)
    found = await returns_for(exchange, DENTIST, 1)
    await asyncio.sleep(0.5)
    assert len(found) + len(await mailbox(exchange, DENTIST)) == 1


async def test_pull_mode_insurer_fetches_its_mailbox_and_answers(exchange: Exchange) -> None:
    assert not exchange.host.push_endpoints().get(PULLER)
    await submit(
        exchange,
        DENTIST,
        DENTIST,
        PULLER,
        declaration(PULLER, DENTIST, [{"ref": "P1", "amount": 2458}]),
    )
    [(meta, payload)] = await returns_for(exchange, DENTIST, 1)
    assert meta["routeringgegevens"]["afzender"]["code"] == PULLER
    assert codes_of(payload)[0] == ("8001",)


def _delivery_form(uzovi: str, payload: bytes) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(
        "berichtMetadata",
        json.dumps(declaration_metadata(afzender=DENTIST, uzovi=uzovi)),
        content_type="application/json",
    )
    form.add_field("payload", payload, filename="decl.asc", content_type="text/plain")
    return form


async def test_receiving_endpoint_refuses_a_providers_certificate(exchange: Exchange) -> None:
    """Only the exchange delivers: a provider's valid certificate of the same CA gets 403, the
    exchange's own certificate gets 204 for the very same delivery."""
    url = exchange.host.push_endpoints()[VGZ]
    payload = declaration(VGZ, DENTIST, [{"ref": "D1", "amount": 2458}])
    connector = aiohttp.TCPConnector(ssl=exchange.context(DENTIST))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.post(url, data=_delivery_form(VGZ, payload)) as response,
    ):
        assert response.status == 403
        assert "exchange" in (await response.json())["detail"]
    assert exchange.host.insurers[VGZ].store.unfinished() == []  # nothing was accepted
    layout = exchange.layout
    own = client_ssl_context(
        ca=layout.ca_cert, cert=layout.exchange_client_cert, key=layout.exchange_client_key
    )
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=own)) as session,
        session.post(url, data=_delivery_form(VGZ, payload)) as response,
    ):
        assert response.status == 204, await response.text()


async def test_slow_fault_alone_delays_the_answer_but_answers(exchange: Exchange) -> None:
    running = exchange.host.insurers[VGZ]
    running.faults = dataclasses.replace(running.faults, slow_seconds=2.0)
    await submit(
        exchange, DENTIST, DENTIST, VGZ, declaration(VGZ, DENTIST, [{"ref": "S1", "amount": 2458}])
    )
    await asyncio.sleep(1.0)
    assert running.judged_files == 0  # still waiting out the extra processing time
    assert await mailbox(exchange, DENTIST) == []
    [(meta, payload)] = await returns_for(exchange, DENTIST, 1)
    assert meta["routeringgegevens"]["afzender"]["code"] == VGZ
    assert codes_of(payload)[0] == ("8001",)
    assert running.judged_files == 1


HOUR = 3600.0


async def test_a_woken_insurer_fetches_at_once_though_it_pulls_hourly(
    template: tuple[Path, World], tmp_path: Path
) -> None:
    """Both intervals an hour: after its first pull at the start the insurer would not look
    at its mailbox again within the test, so only the gateway's wake-up can bring it the file."""
    async with composed(template, tmp_path / "home", poll=HOUR, idle=HOUR) as ex:
        await _requests_of(ex, PULLER, at_least=1)  # the first pull, at the start
        payload = declaration(PULLER, DENTIST, [{"ref": "W1", "amount": 2458}])
        traceer = await submit(ex, DENTIST, DENTIST, PULLER, payload)
        [(meta, _)] = await returns_for(ex, DENTIST, 1)
        assert meta["referentiegegevens"]["alsAntwoordOp"] == traceer
        assert meta["routeringgegevens"]["afzender"]["code"] == PULLER


async def test_an_idle_insurer_sends_no_pulls(template: tuple[Path, World], tmp_path: Path) -> None:
    """Busy pulls 20 a second, idle ones hourly: a second with nothing offered adds no request
    of the pull-mode insurer to the journal (each of its pulls is journaled)."""
    async with composed(template, tmp_path / "home", poll=0.05, idle=HOUR) as ex:
        before = await _requests_of(ex, PULLER, at_least=1)
        await asyncio.sleep(1.0)
        assert await _requests_of(ex, PULLER, at_least=0) == before


async def _requests_of(ex: Exchange, organisation: str, *, at_least: int) -> int:
    """How many requests of ``organisation`` the journal holds, waiting (at most 20 s) until
    there are ``at_least``."""
    async with asyncio.timeout(20):
        while True:
            await ex.gateway.state.journal.flush()
            query = JournalQuery(equals={"organisation": organisation}, limit=1000)
            rows = await ex.gateway.state.store.read_journal(query)
            if len(rows) >= at_least:
                return len(rows)
            await asyncio.sleep(0.05)
