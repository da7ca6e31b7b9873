"""A small hand-built world with certificates on disk, for the gateway's mutual-TLS tests.

The PKI is built once per session (synchronous, no event loop); every test copies it into its
own home directory so a test that revokes a certificate or fills a store cannot disturb another.
The declaration files come from ``vektis.sample_declaration``, whose header names UZOVI 7095,
zorgverlener 12041054 and praktijk 12002242, so the world is built around those codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

import vektis
from certs import CertificateAuthority, client_ssl_context, read_identity, server_ssl_context
from gateway import Gateway, GatewaySettings, RetrySchedule, create_admin_app
from vecozo_sim._admin_port import AdminPort
from world import (
    Account,
    AccountKind,
    Bureau,
    HomeLayout,
    Insurer,
    InsurerPolicy,
    Provider,
    Service,
    Toestemming,
    World,
)

__all__ = [
    "ACCOUNTS",
    "DECLARATION",
    "PULL",
    "PUSH",
    "STATUS",
    "GatewayPki",
    "Operator",
    "Party",
    "build_gateway_pki",
    "build_world",
    "declaration_metadata",
    "fake_insurer",
    "home_from",
    "operator_of",
    "return_metadata",
    "settings_for",
    "wait_status",
]

TODAY = dt.date.today()
PRACTICE = "12002242"
PROVIDER_AGB = "12041054"
OTHER_PRACTICE = "12009999"
INSURER = "7095"
INSURER_SAME_GROUP = "0101"
PUSH_INSURER = "3311"
BUREAU_OK = "98000001"
BUREAU_NO = "98000002"
ALL = frozenset(Service)

# name -> (user number, organisation, services, kind)
ACCOUNTS: dict[str, tuple[str, str, frozenset[Service], AccountKind]] = {
    "provider": ("10000000000001", PRACTICE, ALL, AccountKind.SYSTEM),
    "provider_no_cov": ("10000000000002", PRACTICE, ALL - {Service.COV}, AccountKind.SYSTEM),
    "other_provider": ("10000000000003", OTHER_PRACTICE, ALL, AccountKind.SYSTEM),
    "bureau": ("20000000000001", BUREAU_OK, ALL, AccountKind.SYSTEM),
    "bureau_without": ("20000000000002", BUREAU_NO, ALL, AccountKind.SYSTEM),
    "insurer": ("30000000000001", INSURER, ALL, AccountKind.SYSTEM),
    "insurer_person": ("30000000000002", INSURER, ALL, AccountKind.PERSON),
    "other_insurer": ("30000000000003", PUSH_INSURER, ALL, AccountKind.SYSTEM),
    "revoked": ("10000000000009", PRACTICE, ALL, AccountKind.SYSTEM),
    "expired": ("10000000000008", PRACTICE, ALL, AccountKind.SYSTEM),
    "unknown": ("55555555555555", PRACTICE, ALL, AccountKind.SYSTEM),  # not in the world
}


PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
STATUS = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
DECLARATION = vektis.sample_declaration("MZ301")


def settings_for(layout: HomeLayout, **overrides: Any) -> GatewaySettings:
    base: dict[str, Any] = {
        "layout": layout,
        "port": 0,
        "max_payload_bytes": 64 * 1024,
        "retry": RetrySchedule(attempts=3, first_delay=0.05, factor=2.0),
        "worker_interval": 0.02,
        "crl_check_interval": 0.0,
    }
    return GatewaySettings(**{**base, **overrides})


@dataclass(frozen=True, slots=True, kw_only=True)
class Operator:
    """The operator's view: the gateway's admin app on an admin port, with its token."""

    url: str  # .../admin/gateway
    token: str

    async def call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        """One admin call with the token; the status and the JSON body."""
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.url + path, headers=headers, **kw) as r,
        ):
            return r.status, await r.json(content_type=None)


@contextlib.asynccontextmanager
async def operator_of(gw: Gateway) -> AsyncIterator[Operator]:
    """The admin port over a started gateway, composed as ``vecozo-sim gateway`` does."""
    if gw.app is None:
        raise RuntimeError("start the gateway first")
    port = AdminPort(
        {"/admin/gateway": create_admin_app(gw.app)},
        host="127.0.0.1",
        port=0,
        runtime_file=gw.settings.layout.runtime_file,
        readiness=lambda: None,
    )
    url = await port.start()
    try:
        yield Operator(url=url + "/admin/gateway", token=port.token)
    finally:
        await port.stop()


class Party:
    """One account's view of the exchange: a session with its client certificate."""

    def __init__(self, gw: Gateway, session: aiohttp.ClientSession) -> None:
        self.gw, self.session = gw, session

    async def push(self, meta: object, payload: bytes = DECLARATION) -> tuple[int, Any]:
        form = aiohttp.FormData()
        text = meta if isinstance(meta, str) else json.dumps(meta)
        form.add_field("berichtMetadata", text, content_type="application/json")
        form.add_field("payload", payload, content_type="application/octet-stream", filename="f")
        async with self.session.post(self.gw.url + PUSH, data=form) as r:
            return r.status, (await r.json(content_type=None) if r.status != 204 else None)

    async def call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        async with self.session.request(method, self.gw.url + path, **kw) as r:
            body = await r.read()
            if r.content_type.endswith("json") and body:
                return r.status, json.loads(body)
            return r.status, body


async def wait_status(party: Party, traceer_id: str, wanted: str) -> dict[str, Any]:
    """Poll the status API (bounded: 5 s) until ``traceer_id`` reaches ``wanted``."""
    for _ in range(250):
        status, body = await party.call("GET", STATUS, params={"traceerId": traceer_id})
        if status == 200:
            mine = [b for b in body if b["referentiegegevens"]["traceerId"] == traceer_id]
            if mine and mine[0]["berichtstatus"] == wanted:
                return mine[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{traceer_id} never reached {wanted} (last: {status} {body})")


async def fake_insurer(
    layout: HomeLayout, answers: list[int]
) -> tuple[web.AppRunner, str, list[str]]:
    """A push endpoint under mutual TLS that answers ``answers`` in turn and records who called."""
    seen: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        der = request.get_extra_info("ssl_object").getpeercert(binary_form=True)
        seen.append(read_identity(der).user_number)
        await request.read()
        return web.Response(status=answers.pop(0) if answers else 204)

    app = web.Application()
    app.router.add_post("/in", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    context = server_ssl_context(
        cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
    )
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    return runner, f"https://127.0.0.1:{runner.addresses[0][1]}/in", seen


def build_world() -> World:
    policy = InsurerPolicy()
    insurers = (
        Insurer(uzovi=INSURER, name="VGZ", group="VGZ", policy=policy),
        Insurer(uzovi=INSURER_SAME_GROUP, name="Univé", group="VGZ", policy=policy),
        Insurer(uzovi=PUSH_INSURER, name="Zilveren Kruis", group="Achmea", policy=policy),
    )
    providers = (
        Provider(
            agb=PROVIDER_AGB, practice_agb=PRACTICE, kind="12", name="Tandarts", standard="MZ301"
        ),
        Provider(
            agb="12049999", practice_agb=OTHER_PRACTICE, kind="12", name="Ander", standard="MZ301"
        ),
    )
    bureaus = (Bureau(agb=BUREAU_OK, name="Bureau Ja"), Bureau(agb=BUREAU_NO, name="Bureau Nee"))
    accounts = tuple(
        Account(user_number=number, kind=kind, name=name, organisation=org, services=services)
        for name, (number, org, services, kind) in ACCOUNTS.items()
        if name != "unknown"
    )
    toestemming = Toestemming(
        provider=PRACTICE,
        bureau=BUREAU_OK,
        valid_from=TODAY - dt.timedelta(days=30),
        valid_to=TODAY + dt.timedelta(days=300),
    )
    return World(
        seed=1,
        insurers=insurers,
        providers=providers,
        bureaus=bureaus,
        accounts=accounts,
        toestemmingen=(toestemming,),
        persons=(),
        scenarios=(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayPki:
    """A home directory template (pki/ filled) plus client certificate files per account."""

    template: Path
    ca: CertificateAuthority
    clients: dict[str, tuple[Path, Path]]
    serials: dict[str, int]
    foreign: tuple[Path, Path]  # a client certificate of another CA


def build_gateway_pki(directory: Path) -> GatewayPki:
    layout = HomeLayout(root=directory / "template")
    ca = CertificateAuthority.create()
    now = dt.datetime.now(dt.UTC)
    clients: dict[str, tuple[Path, Path]] = {}
    serials: dict[str, int] = {}
    for name, (number, org, _services, kind) in ACCOUNTS.items():
        window: dict[str, Any] = {}
        if name == "expired":
            window = {
                "not_before": now - dt.timedelta(days=10),
                "not_after": now - dt.timedelta(days=1),
            }
        issued = ca.issue_client(
            name=name, organisation=org, user_number=number, kind=kind.value, **window
        )
        paths = (directory / f"{name}.pem", directory / f"{name}-key.pem")
        issued.write(*paths)
        clients[name], serials[name] = paths, issued.serial
    ca.revoke(serials["revoked"])
    ca.save(layout.pki_dir)
    ca.issue_server().write(layout.server_cert, layout.server_key)
    exchange = ca.issue_client(
        name="exchange", organisation="vecozo-sim", user_number="99999999999999", kind="system"
    )
    exchange.write(layout.exchange_client_cert, layout.exchange_client_key)
    other = CertificateAuthority.create(name="another CA")
    foreign = other.issue_client(
        name="x", organisation=PRACTICE, user_number=ACCOUNTS["provider"][0], kind="system"
    )
    foreign_paths = (directory / "foreign.pem", directory / "foreign-key.pem")
    foreign.write(*foreign_paths)
    return GatewayPki(
        template=layout.root, ca=ca, clients=clients, serials=serials, foreign=foreign_paths
    )


def home_from(pki: GatewayPki, directory: Path) -> HomeLayout:
    """A fresh home for one test: a copy of the template's PKI, an empty gateway directory."""
    shutil.copytree(pki.template, directory, dirs_exist_ok=True)
    return HomeLayout(root=directory)


def client_context(pki: GatewayPki, layout: HomeLayout, name: str | None) -> ssl.SSLContext:
    if name is None:
        return client_ssl_context(ca=layout.ca_cert)
    cert, key = pki.foreign if name == "foreign" else pki.clients[name]
    return client_ssl_context(ca=layout.ca_cert, cert=cert, key=key)


# One insured person as an insurer publishes it to the COV register.
REGISTER = {
    "verzekerden": [
        {
            "bsn": "999979668",
            "geboortedatum": "1962-03-15",
            "naam": "Ommeren",
            "postcode": "1234AB",
            "huisnummer": 1,
            "policies": [
                {
                    "uzovi": INSURER,
                    "verzekerdennummer": "559",
                    "soort": "Basis",
                    "begin": "2017-01-01",
                }
            ],
        }
    ]
}


def declaration_metadata(
    *,
    afzender: str = PRACTICE,
    rol: str = "Praktijk",
    uzovi: str = INSURER,
    traceer_id: str | None = None,
) -> dict[str, Any]:
    return {
        "routeringgegevens": {
            "afzender": {"rol": rol, "code": afzender},
            "geadresseerden": [{"rol": "Zorgverzekeraar", "code": uzovi}],
            "berichtstroom": {
                "berichttype": "MZ301",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Indienen",
            },
        },
        "referentiegegevens": {
            "conversatieId": str(uuid.uuid4()),
            "traceerId": traceer_id or str(uuid.uuid4()),
        },
    }


def return_metadata(declaration: dict[str, Any], *, uzovi: str, indiener: str) -> dict[str, Any]:
    ref = declaration["referentiegegevens"]
    return {
        "routeringgegevens": {
            "afzender": {"rol": "Zorgverzekeraar", "code": uzovi},
            "geadresseerden": [{"rol": "Indiener", "code": indiener}],
            "berichtstroom": {
                "berichttype": "MZ302",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Retourneren",
            },
        },
        "referentiegegevens": {
            "conversatieId": ref["conversatieId"],
            "traceerId": str(uuid.uuid4()),
            "alsAntwoordOp": ref["traceerId"],
        },
    }
