"""A small hand-built world with certificates on disk, for the gateway's mutual-TLS tests.

The PKI is built once per session (synchronous, no event loop); every test copies it into its
own home directory so a test that revokes a certificate or fills a store cannot disturb another.
The declaration files come from ``vektis.sample_declaration``, whose header names UZOVI 7095,
zorgverlener 12041054 and praktijk 12002242, so the world is built around those codes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certs import CertificateAuthority, client_ssl_context
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
    "GatewayPki",
    "build_gateway_pki",
    "build_world",
    "declaration_metadata",
    "home_from",
    "return_metadata",
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
    "provider_no_cov": ("10000000000002", PRACTICE, ALL - {Service.COV}, AccountKind.PERSON),
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
