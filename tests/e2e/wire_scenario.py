"""A scripted exchange whose HTTP answers are byte-for-byte reproducible, for refactorings.

Every input that could vary is fixed: the identifiers, the payloads, the base URL of payload
links (``public_url``) and the clock (a source the script sets before each step and holds while
the delivery worker moves the message on). The answers of the pull listing, zoeken, the payload
and berichtstatus v3 are collected raw, with their Content-Type.

Run on one version of the code to record the answers and the store the scenario leaves; then
``tests/e2e/test_wire_answers.py`` compares another version's answers, and its answers from a
copy of that store (a store made by the older code must open and read the same)::

    .venv/bin/python tests/e2e/wire_scenario.py tests/e2e/wire_answers
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from gateway_fixtures import (
    DECLARATION,
    INSURER,
    PRACTICE,
    PULL,
    PUSH_INSURER,
    STATUS,
    Party,
    build_gateway_pki,
    build_world,
    client_context,
    declaration_metadata,
    home_from,
    return_metadata,
    settings_for,
    wait_status,
)

import vektis
from gateway import Gateway, RetrySchedule

__all__ = ["STORE_DIR", "Answer", "load_answers", "record", "run_scenario", "save_answers"]

Answer = tuple[str, bytes]  # Content-Type, body
PUBLIC_URL = "https://exchange.test:8443"
STORE_DIR = "store"  # the gateway directory the scenario leaves behind
UNREACHABLE = "https://127.0.0.1:9/in"  # discard port: nothing listens, every push fails
START = dt.datetime(2025, 11, 24, 16, 58, 44, 86_700, tzinfo=dt.UTC)  # iso() keeps .086


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


class SteppedClock:
    """The gateway's clock source: holds still until the script moves it."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> dt.datetime:
        return self.moment

    def step(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


def _declaration(n: int, **changes: Any) -> dict[str, Any]:
    meta = declaration_metadata(traceer_id=_uuid(n), **changes)
    meta["referentiegegevens"]["conversatieId"] = _uuid(1000 + n)
    return meta


def _rich_declaration(n: int) -> dict[str, Any]:
    """Every optional member: referentieId (non-ASCII), subtype, a client's verwerkingscontext."""
    meta = _declaration(n)
    meta["referentiegegevens"]["referentieId"] = "Zoë/ref-" + str(n)
    meta["routeringgegevens"]["berichtstroom"]["berichtsubtype"] = "Standaard"
    meta["verwerkingscontext"] = [
        {"sleutel": "indiener", "waarde": ["vervalst"]},  # overwritten by the exchange
        {"sleutel": "kenmerk", "waarde": ["a", "b\u00e9"]},
    ]
    return meta


async def _get(party: Party, method: str, path: str, **kw: Any) -> Answer:
    async with party.session.request(method, party.gw.url + path, **kw) as r:
        assert r.status == 200, (method, path, r.status, await r.text())
        return r.headers["Content-Type"], await r.read()


async def _scenario(clock: SteppedClock, parties: dict[str, Party]) -> dict[str, Answer]:
    provider, insurer, pusher = parties["provider"], parties["insurer"], parties["other_insurer"]
    answers: dict[str, Answer] = {}

    async def push(party: Party, meta: dict[str, Any], payload: bytes, wanted: str) -> str:
        clock.step(seconds=1, milliseconds=7)
        status, body = await party.push(meta, payload)
        assert status == 204, body
        tid = str(meta["referentiegegevens"]["traceerId"])
        await wait_status(party, tid, wanted)
        return tid

    declarations = [_rich_declaration(1), *(_declaration(n) for n in range(2, 7))]
    for meta in declarations:
        await push(provider, meta, DECLARATION, "WordtAangeboden")
    clock.moment = clock.moment.replace(microsecond=993_000)  # the next step: ".000"
    lines = DECLARATION.split(b"\r\n")
    broken = b"\r\n".join(lines[:2] + lines[3:])
    rejected = await push(provider, _declaration(20), broken, "AfgekeurdDoorDienst")
    payload = DECLARATION.replace(b"7095", PUSH_INSURER.encode())
    failed = await push(provider, _declaration(30, uzovi=PUSH_INSURER), payload, "AanbiedenMislukt")

    first = str(declarations[0]["referentiegegevens"]["traceerId"])
    answers["listing"] = await _get(insurer, "GET", PULL)
    answers["listing_limit_2_acc"] = await _get(insurer, "GET", "/acc" + PULL + "?limit=2")
    answers["listing_empty"] = await _get(pusher, "GET", PULL)
    stroom = {"zoekpadType": "ZoekpadOpBerichtstroom", "berichttype": "MZ301"}
    answers["zoeken_berichtstroom"] = await _get(insurer, "POST", PULL + "/zoeken", json=stroom)
    by_conversation = {"zoekpadType": "ZoekpadOpConversatieId", "conversatieId": _uuid(1003)}
    answers["zoeken_conversatie"] = await _get(
        insurer, "POST", "/tst" + PULL + "/zoeken", json=by_conversation
    )
    answers["payload"] = await _get(insurer, "GET", f"{PULL}/{first}/payload")
    clock.step(minutes=3, milliseconds=450)
    assert (await insurer.call("DELETE", f"{PULL}/{first}"))[0] == 202

    answer = vektis.build_return(
        vektis.parse_file(DECLARATION), {}, return_date=dt.date(2025, 11, 25)
    )
    back = return_metadata(declarations[0], uzovi=INSURER, indiener=PRACTICE)
    back["referentiegegevens"]["traceerId"] = _uuid(100)
    returned = await push(insurer, back, answer, "WordtAangeboden")
    answers["listing_return"] = await _get(provider, "GET", PULL)
    answers["payload_return"] = await _get(provider, "GET", f"{PULL}/{returned}/payload")
    answered = {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": first}
    answers["zoeken_antwoord"] = await _get(provider, "POST", PULL + "/zoeken", json=answered)

    for name, query in (
        ("status_linked", {"traceerId": first}),
        ("status_conversation", {"conversatieId": _uuid(1001)}),
        ("status_rejected", {"traceerId": rejected}),
        ("status_failed", {"traceerId": failed}),
        ("status_unknown", {"traceerId": _uuid(999)}),
        ("status_offered", {"traceerId": _uuid(2)}),
    ):
        answers[name] = await _get(provider, "GET", STATUS, params=query)
    answers["status_insurer_side"] = await _get(insurer, "GET", STATUS, params={"traceerId": first})
    return answers | await final_answers(parties)


async def final_answers(parties: dict[str, Party]) -> dict[str, Answer]:
    """What the store holds at the end, read only: also asked of a store the scenario left."""
    provider, insurer = parties["provider"], parties["insurer"]
    conversation = {"conversatieId": _uuid(1001)}
    return {
        "final_listing": await _get(insurer, "GET", PULL),
        "final_listing_return": await _get(provider, "GET", PULL),
        "final_payload": await _get(insurer, "GET", f"{PULL}/{_uuid(3)}/payload"),
        "final_status_conversation": await _get(provider, "GET", STATUS, params=conversation),
        "final_status_rejected": await _get(
            provider, "GET", STATUS, params={"traceerId": _uuid(20)}
        ),
        "final_status_failed": await _get(provider, "GET", STATUS, params={"traceerId": _uuid(30)}),
    }


async def run_scenario(workdir: Path, *, store: Path | None = None) -> dict[str, Answer]:
    """The answers of one run of the scenario on a fresh home under ``workdir``.

    With ``store``, the home starts with a copy of that gateway store and only the final answers
    are asked (nothing is written); otherwise the whole scenario runs.
    """
    pki = build_gateway_pki(workdir / "pki")
    layout = home_from(pki, workdir / "home")
    if store is not None:
        shutil.copytree(store, layout.gateway_dir)
    clock = SteppedClock()
    settings = settings_for(
        layout,
        clock=clock,
        public_url=PUBLIC_URL,
        push_endpoints={PUSH_INSURER: UNREACHABLE},
        retry=RetrySchedule(attempts=1, first_delay=0.0),
    )
    gw = Gateway(settings, world=build_world())
    await gw.start()
    sessions: list[aiohttp.ClientSession] = []
    try:

        def party(name: str) -> Party:
            connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, name))
            sessions.append(aiohttp.ClientSession(connector=connector))
            return Party(gw, sessions[-1])

        parties = {name: party(name) for name in ("provider", "insurer", "other_insurer")}
        async with asyncio.timeout(60):
            if store is not None:
                return await final_answers(parties)
            return await _scenario(clock, parties)
    finally:
        for session in sessions:
            await session.close()
        await gw.stop()


def save_answers(answers: dict[str, Answer], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, (_, body) in answers.items():
        (directory / f"{name}.body").write_bytes(body)
    types = {name: content_type for name, (content_type, _) in sorted(answers.items())}
    (directory / "content_types.json").write_text(json.dumps(types, indent=2) + "\n")


def load_answers(directory: Path) -> dict[str, Answer]:
    types = json.loads((directory / "content_types.json").read_text())
    return {name: (kind, (directory / f"{name}.body").read_bytes()) for name, kind in types.items()}


def record(directory: Path) -> None:
    """Record the answers, and the store the scenario leaves (``STORE_DIR``), in ``directory``."""
    with tempfile.TemporaryDirectory() as tmp:
        save_answers(asyncio.run(run_scenario(Path(tmp))), directory)
        left = Path(tmp) / "home" / "gateway"
        shutil.rmtree(directory / STORE_DIR, ignore_errors=True)
        shutil.copytree(left, directory / STORE_DIR, ignore=shutil.ignore_patterns("uploads"))


if __name__ == "__main__":
    record(Path(sys.argv[1]))
