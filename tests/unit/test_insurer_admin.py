"""The insurer stubs' admin app on plain HTTP, without a gateway.

An ``InsurerHost`` is opened on a generated world (its receiving endpoint listens, nothing is
started), each insurer's exchange client is replaced by a recorder, and the admin app is driven
through aiohttp's test client: listings, ledgers, faults, the quarantine of a payload the
insurer cannot parse, and re-publishing the COV register after the population changed on disk.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from insurer_messages import declaration_metadata_json

from insurer_stub import InsurerHost, InsurerSettings, create_admin_app
from world import HomeLayout, World, load_world, save_world

VGZ, ZK = "7095", "3311"
DENTIST = "12050001"


class RecordingClient:
    """Stands in for ``ExchangeClient``: remembers every register it was asked to publish."""

    def __init__(self) -> None:
        self.registers: list[tuple[str, list[Mapping[str, Any]]]] = []

    async def publish_register(self, uzovi: str, entries: Sequence[Mapping[str, Any]]) -> None:
        self.registers.append((uzovi, list(entries)))

    async def close(self) -> None:
        return None


@pytest.fixture
async def host(template_home: Path, tmp_path: Path) -> AsyncIterator[InsurerHost]:
    shutil.copytree(template_home, tmp_path / "home")
    layout = HomeLayout(root=tmp_path / "home")
    settings = InsurerSettings(
        layout=layout, gateway_url="https://127.0.0.1:9", uzovis=frozenset({VGZ, ZK})
    )
    running = InsurerHost(settings)
    await running.listen()
    for insurer in running.insurers.values():
        insurer.client = RecordingClient()  # type: ignore[assignment]
    try:
        yield running
    finally:
        await running.stop()


def _client(host: InsurerHost, uzovi: str) -> RecordingClient:
    client = host.insurers[uzovi].client
    assert isinstance(client, RecordingClient)
    return client


async def test_insurers_lists_each_running_insurer(host: InsurerHost, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_admin_app(host))
    response = await client.get("/insurers")
    assert response.status == 200
    listed = {item["uzovi"]: item for item in await response.json()}
    assert set(listed) == {VGZ, ZK}
    assert listed[VGZ]["endpoint"].endswith(f"/insurers/{VGZ}")
    assert listed[VGZ]["quarantined"] == []
    assert listed[VGZ]["faults"] == {"down": False, "slowSeconds": 0.0, "answerTwice": False}


async def test_ledger_refuses_bad_requests_with_problem_details(
    host: InsurerHost, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_admin_app(host))
    empty = await client.get(f"/ledger/{VGZ}", params={"provider": DENTIST})
    assert empty.status == 200
    assert (await empty.json())["regels"] == []
    for params in ({}, {"provider": "1234"}, {"provider": "abcdefgh"}):
        bad = await client.get(f"/ledger/{VGZ}", params=params)
        assert bad.status == 400
        assert bad.content_type == "application/problem+json"
    unknown = await client.get("/ledger/9999", params={"provider": DENTIST})
    assert unknown.status == 404
    assert "9999" in (await unknown.json())["detail"]


async def test_faults_are_set_per_insurer_and_bad_bodies_refused(
    host: InsurerHost, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_admin_app(host))
    response = await client.put("/faults", json={"uzovi": VGZ, "slowSeconds": 2})
    assert response.status == 200
    faults = await (await client.get("/faults")).json()
    assert faults[VGZ]["slowSeconds"] == 2.0
    assert faults[ZK]["slowSeconds"] == 0.0  # the other insurer is untouched
    assert host.insurers[VGZ].faults.slow_seconds == 2.0
    for body in (b"not json", b'{"slowSeconds": 301}', b'{"loud": true}', b"[1]"):
        refused = await client.put("/faults", data=body)
        assert refused.status == 400, body
    assert (await client.put("/faults", json={"uzovi": "9999", "down": True})).status == 404
    assert not any(r.faults.down for r in host.insurers.values())


async def test_unparseable_payload_is_quarantined_not_dropped(
    host: InsurerHost, aiohttp_client: Any
) -> None:
    running = host.insurers[VGZ]
    metadata = declaration_metadata_json(VGZ)
    traceer = json.loads(metadata)["referentiegegevens"]["traceerId"]
    running.accept(metadata, b"this is no EI file\r\n")
    item = running.store.item(traceer)
    assert item is not None
    assert running._judge(item) is None  # the worker's step: nothing to answer with
    client = await aiohttp_client(create_admin_app(host))
    listed = {i["uzovi"]: i for i in await (await client.get("/insurers")).json()}
    [entry] = listed[VGZ]["quarantined"]
    assert entry["traceerId"] == traceer
    assert entry["bytes"] == len(b"this is no EI file\r\n")
    assert entry["reden"]  # names the codec's complaint
    assert listed[ZK]["quarantined"] == []
    kept = running.store.item(traceer)
    assert kept is not None
    assert kept.payload == b"this is no EI file\r\n"
    assert running.store.unfinished() == []  # not retried after a restart either


async def test_population_put_republishes_the_changed_world(
    host: InsurerHost, aiohttp_client: Any
) -> None:
    layout = host.settings.layout
    world = load_world(layout)
    named = {s.bsn for s in world.scenarios}
    leaving = next(p for p in world.persons_at(VGZ) if p.bsn not in named)
    save_world(_without(world, leaving.bsn), layout)
    client = await aiohttp_client(create_admin_app(host))
    response = await client.put(f"/population/{VGZ}")
    assert response.status == 200, await response.text()
    [(uzovi, entries)] = _client(host, VGZ).registers
    assert uzovi == VGZ
    assert (await response.json())["verzekerden"] == len(entries)
    assert leaving.bsn not in {e["bsn"] for e in entries}
    assert leaving.bsn not in host.insurers[VGZ].view.population.by_bsn  # judged anew, too
    assert _client(host, ZK).registers == []  # only the insurer asked for


async def test_population_put_refuses_broken_world_files(
    host: InsurerHost, aiohttp_client: Any
) -> None:
    host.settings.layout.population_file.write_text("bsn;nonsense\n1;2\n")
    client = await aiohttp_client(create_admin_app(host))
    response = await client.put(f"/population/{VGZ}")
    assert response.status == 422
    assert "population" in (await response.json())["detail"]
    assert _client(host, VGZ).registers == []
    assert (await client.put("/population/9999")).status == 404


def _without(world: World, bsn: str) -> World:
    return dataclasses.replace(world, persons=tuple(p for p in world.persons if p.bsn != bsn))
