"""Fidelity, round 2 (issue 10), the exchange side, tried as a vendor tries it.

Through the ``vecozo`` fixture of our pytest plugin (the same runner as ``vecozo-sim up``), one
``vecozo-sim up --port 0`` process, and ``curl``, a client that shares none of our code and
follows a listed URL verbatim:

- the payload link of the pull listing and of zoeken names the port actually bound and keeps
  the request's environment prefix;
- one simulated clock drives the gateway, every insurer (termijn, the return's dagtekening,
  the ledger's dates) and COV, whether set by ``PUT /clock`` or at start (``up --today``);
- every UZOVI of the register is routable: a brand or label is judged by its concern's stub and
  answered with the UZOVI the declaration was addressed to;
- berichtstatus for an unknown or foreign traceerId is ``200 []`` (the v3 document has no 404);
- a 405 carries ``Allow`` (RFC 9110) on the gateway, the admin port and the insurers' endpoint.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import UpProcess, declaration

import vektis
from insurer_stub import payment_date
from provider_client import GenerateOptions, VecozoClient, generate_file
from vecozo_sim.pytest_plugin import VecozoExchange
from world import AccountKind, HomeLayout, World, load_world

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")

DENTIST = "12050001"  # docs/TESTDATA.md: contracted with every insurer
VGZ = "7095"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
STATUS = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
COV_JSON = "/cov/v1/controle"
# Thirteen months and a bit ahead: a treatment of three weeks ago is too late by this date
# (VGZ: twelve months after treatment) but not by the real one.
SIMULATED = dt.date.today() + dt.timedelta(days=400)


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def curl(vecozo: VecozoExchange, url: str, *args: str, org: str = DENTIST) -> Answer:
    """``curl`` with ``org``'s system certificate and the test CA; the URL is used verbatim."""
    return await curl_in(vecozo.layout, vecozo.world, url, *args, org=org)


async def curl_in(layout: HomeLayout, world: World, url: str, *args: str, org: str) -> Answer:
    user = _system_user(world, org)
    tls = ["--cert", str(layout.account_cert(user)), "--key", str(layout.account_key(user))]
    tls += ["--cacert", str(layout.ca_cert)]
    return await plain_curl(url, *tls, *args)


async def plain_curl(url: str, *args: str) -> Answer:
    """Run curl off the event loop (the exchange under test runs on it)."""
    command = ["curl", "--silent", "--show-error", "--max-time", "20", "--dump-header", "-"]
    done = await asyncio.to_thread(
        subprocess.run, [*command, *args, url], capture_output=True, timeout=30, check=True
    )
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return Answer(status=int(lines[0].split()[1]), headers=headers, body=body)


def _system_user(world: World, org: str) -> str:
    return next(a for a in world.accounts_of(org) if a.kind is AccountKind.SYSTEM).user_number


def _codes(return_file: bytes) -> set[str]:
    parsed = vektis.parse_file(return_file)
    found: set[str] = set()
    for record in (parsed.header, *parsed.details):
        found.update(c for c in record.get("retourcodes") or () if c)
    return found


# --- payload.url -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/tst", "/acc"])
async def test_listed_payload_url_is_followed_verbatim(vecozo: VecozoExchange, prefix: str) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    await client.wait_for_return(receipt.traceer_id)
    base = vecozo.gateway_url + prefix
    search = {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": receipt.traceer_id}
    listed = await curl(vecozo, base + PULL)
    found = await curl(
        vecozo,
        base + PULL + "/zoeken",
        "-H",
        "Content-Type: application/json",
        "--data",
        json.dumps(search),
    )
    assert (listed.status, found.status) == (200, 200)
    urls = {item["basisgegevens"]["payload"]["url"] for item in listed.json() + found.json()}
    assert len(urls) == 1
    (url,) = urls
    assert urlsplit(url).port == urlsplit(vecozo.gateway_url).port != 0
    assert url.startswith(base + PULL + "/")
    fetched = await curl(vecozo, url)
    assert fetched.status == 200
    assert vektis.parse_file(fetched.body).standard.name == "MZ302"


async def test_payload_url_names_the_host_the_client_used(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    await client.wait_for_return(receipt.traceer_id)
    port = urlsplit(vecozo.gateway_url).port
    # "localhost" is what the server certificate names too; curl resolves it to 127.0.0.1
    via_name = f"https://localhost:{port}"
    listed = await curl(vecozo, via_name + PULL, "--resolve", f"localhost:{port}:127.0.0.1")
    (item,) = listed.json()
    url = item["basisgegevens"]["payload"]["url"]
    assert url.startswith(f"{via_name}{PULL}/")
    fetched = await curl(vecozo, url, "--resolve", f"localhost:{port}:127.0.0.1")
    assert fetched.status == 200


async def test_up_port_0_lists_the_bound_port(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    """``vecozo-sim up --port 0`` as a vendor runs it; the listed link is followed by curl."""
    home = tmp_path / "home"
    up = run_up(home, "--persons", "50", "--seed", "3")
    layout = HomeLayout(root=home)
    world = load_world(layout)
    client = VecozoClient.from_home(home, account=_system_user(world, DENTIST))
    async with client:
        receipt = await client.push(declaration(world, provider=DENTIST, insurer=VGZ))
        await client.wait_for_return(receipt.traceer_id)
    gateway_url = up.runtime["gateway_url"]
    listed = await curl_in(layout, world, gateway_url + "/acc" + PULL, org=DENTIST)
    (item,) = listed.json()
    url = item["basisgegevens"]["payload"]["url"]
    assert url.startswith(f"{gateway_url}/acc{PULL}/")
    assert urlsplit(url).port == urlsplit(gateway_url).port != 0
    fetched = await curl_in(layout, world, url, org=DENTIST)
    assert fetched.status == 200
    assert vektis.parse_file(fetched.body).standard.name == "MZ302"
    assert up.stop() == 0


# --- one clock -------------------------------------------------------------------------------


def _three_weeks_old(world: World) -> bytes:
    """A VGZ declaration of care given 21 days before the real date."""
    today = dt.date.today()
    treated = today - dt.timedelta(days=21)
    options = GenerateOptions(
        provider=DENTIST, insurer=VGZ, lines=3, seed=7, today=today, period=(treated, treated)
    )
    return generate_file(world, options).data


async def _simulated_today(vecozo: VecozoExchange) -> dt.date:
    """The exchange's date at the moment of asking (the clock runs on from the date set)."""
    return dt.date.fromisoformat((await vecozo.admin("GET", "/admin/gateway/clock"))["today"])


@pytest.mark.parametrize("vecozo_today", [None, SIMULATED], ids=["put-clock", "start-today"])
async def test_one_clock_drives_termijn_return_date_and_ledger(
    vecozo: VecozoExchange, vecozo_today: dt.date | None
) -> None:
    if vecozo_today is None:
        moved = await vecozo.admin("PUT", "/admin/gateway/clock", {"today": SIMULATED.isoformat()})
        assert moved["today"] == SIMULATED.isoformat()
    client = vecozo.client(DENTIST)
    simulated = await _simulated_today(vecozo)
    receipt = await client.push(_three_weeks_old(vecozo.world))
    _, returned = await client.fetch_return(receipt.traceer_id)

    assert "0586" in _codes(returned)  # "Declaratie is te laat ingediend." by the simulated date
    assert vektis.parse_file(returned).header.get("return_date") == simulated
    ledger = await vecozo.admin("GET", f"/admin/insurers/ledger/{VGZ}?provider={DENTIST}")
    (row,) = [r for r in ledger["regels"] if r["traceerId"] == receipt.traceer_id]
    insurer = vecozo.world.insurer(VGZ)
    assert insurer is not None
    expected = payment_date(simulated, insurer.policy.payment_term_days)
    assert (row["ontvangen"], row["betaaldatum"]) == (simulated.isoformat(), expected.isoformat())


async def test_the_real_date_pays_the_same_treatment(vecozo: VecozoExchange) -> None:
    """The partner of the test above: by the real date that treatment is in time."""
    client = vecozo.client(DENTIST)
    receipt = await client.push(_three_weeks_old(vecozo.world))
    _, returned = await client.fetch_return(receipt.traceer_id)
    assert "0586" not in _codes(returned)
    # the exchange's clock, and so every insurer's date, is a UTC date
    assert vektis.parse_file(returned).header.get("return_date") == dt.datetime.now(dt.UTC).date()


async def test_cov_peildatum_default_follows_the_clock(vecozo: VecozoExchange) -> None:
    """insurer-switch: Zilveren Kruis until 31 December last year, VGZ since 1 January."""
    person = vecozo.persons["insurer-switch"]
    assert person.birth_date is not None
    last_year = dt.date((vecozo.world.today or dt.date.today()).year - 1, 7, 1)
    body = json.dumps({"bsn": person.bsn, "geboortedatum": person.birth_date.isoformat()})
    ask = ("-H", "Content-Type: application/json", "--data", body)
    now = await curl(vecozo, vecozo.gateway_url + COV_JSON, *ask)
    await vecozo.admin("PUT", "/admin/gateway/clock", {"today": last_year.isoformat()})
    then = await curl(vecozo, vecozo.gateway_url + COV_JSON, *ask)
    assert (now.status, then.status) == (200, 200)
    assert _active_uzovis(now.json()) == {VGZ}
    assert _active_uzovis(then.json()) == {"3311"}


def _active_uzovis(answer: dict[str, Any]) -> set[str]:
    (result,) = answer["zoekresultaten"]
    policies = result["verzekerde"]["verzekeringen"]
    return {p["uzovi"] for p in policies if p["resultaat"] == "Actief"}


# --- sibling UZOVI codes ---------------------------------------------------------------------


def _readdressed(data: bytes, uzovi: str) -> bytes:
    """The UZOVI of an MZ301 file changed in the header (0108) and every 02/04 record."""
    at = {b"01": 26, b"02": 23, b"04": 23}  # 0-based offsets of the UZOVI-NUMMER fields
    lines = data.splitlines(keepends=True)
    out = []
    for line in lines:
        start = at.get(line[:2])
        if start is not None:
            line = line[:start] + uzovi.encode() + line[start + 4 :]
        out.append(line)
    return b"".join(out)


@pytest.mark.parametrize(
    ("addressed", "drawn_for", "judge"),
    [
        ("9001", VGZ, VGZ),  # VGZ voor de zorg
        ("3334", VGZ, VGZ),  # IZA-VNG
        ("8401", VGZ, VGZ),  # Aevitae
        ("3313", "3311", "3311"),  # Interpolis: Zilveren Kruis (Achmea)
        ("7053", "7119", "7119"),  # OHRA: CZ, a pull-mode stub
        ("3343", VGZ, "3000"),  # ONVZ: no stub of its own, the test insurer judges
    ],
)
async def test_a_sibling_uzovi_is_judged_by_its_concern_and_answered_as_itself(
    vecozo: VecozoExchange, addressed: str, drawn_for: str, judge: str
) -> None:
    client = vecozo.client(DENTIST)
    data = declaration(vecozo.world, provider=DENTIST, insurer=drawn_for, lines=2)
    receipt = await client.push(_readdressed(data, addressed))
    info, returned = await client.fetch_return(receipt.traceer_id)

    assert receipt.uzovi == addressed
    assert (info.afzender.rol, info.afzender.code) == ("Zorgverzekeraar", addressed)
    assert vektis.parse_file(returned).header.get_str("uzovi") == addressed
    ledger = await vecozo.admin("GET", f"/admin/insurers/ledger/{judge}?provider={DENTIST}")
    assert receipt.traceer_id in {r["traceerId"] for r in ledger["regels"]}


async def test_a_uzovi_outside_the_register_is_still_refused(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    data = declaration(vecozo.world, provider=DENTIST, insurer=VGZ, lines=1)
    with pytest.raises(Exception, match="9999 is niet bekend"):
        await client.push(_readdressed(data, "9999"))


# --- berichtstatus ---------------------------------------------------------------------------


async def test_status_of_unknown_and_foreign_traceer_ids_is_an_empty_list(
    vecozo: VecozoExchange,
) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    own = await curl(vecozo, f"{vecozo.gateway_url}{STATUS}?traceerId={receipt.traceer_id}")
    foreign = await curl(
        vecozo, f"{vecozo.gateway_url}{STATUS}?traceerId={receipt.traceer_id}", org="87050001"
    )
    unknown = await curl(vecozo, f"{vecozo.gateway_url}{STATUS}?traceerId={uuid.uuid4()}")
    assert own.status == 200
    assert own.json()
    assert (foreign.status, foreign.json()) == (200, [])
    assert (unknown.status, unknown.json()) == (200, [])
    assert foreign.body == unknown.body  # nothing tells a foreign message from none
    bad = await curl(vecozo, f"{vecozo.gateway_url}{STATUS}?traceerId=not-a-uuid")
    assert bad.status == 400


# --- 405 Allow -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", PUSH, {"POST"}),
        ("PUT", PULL, {"GET"}),
        ("DELETE", "/tst" + STATUS, {"GET"}),
        ("GET", "/acc/cov/vz801802/v1/soap11", {"POST"}),
        ("PATCH", f"{PULL}/{uuid.UUID(int=1)}", {"DELETE"}),
    ],
)
async def test_gateway_405_names_the_allowed_methods(
    vecozo: VecozoExchange, method: str, path: str, allowed: set[str]
) -> None:
    answer = await curl(vecozo, vecozo.gateway_url + path, "--request", method)
    assert answer.status == 405
    assert _allow(answer) >= allowed
    assert answer.headers["content-type"].startswith("application/problem+json")


def _allow(answer: Answer) -> set[str]:
    return {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}


def admin_auth(vecozo: VecozoExchange) -> list[str]:
    """curl arguments that authenticate at the admin port, once it asks for a token (the one
    place to change should the fixture's way of giving the token change)."""
    token = getattr(vecozo, "admin_token", None)
    return ["-H", f"Authorization: Bearer {token}"] if token else []


async def test_admin_and_insurer_405_name_the_allowed_methods(vecozo: VecozoExchange) -> None:
    clock = vecozo.admin_url + "/admin/gateway/clock"
    admin = await plain_curl(clock, "--request", "DELETE", *admin_auth(vecozo))
    assert admin.status == 405
    assert _allow(admin) >= {"GET", "PUT"}
    endpoint = vecozo.runtime.insurer_endpoints[VGZ]
    insurer = await curl(vecozo, endpoint, "--request", "GET")
    assert insurer.status == 405
    assert _allow(insurer) >= {"POST"}
