"""Who is calling, and may they use this service: pure decisions, no sockets.

The TLS layer already refused certificates that do not chain to the test CA. What is left is the
simulator's own administration: the subject's serialNumber (the 14-digit VECOZO user number)
names an account in the world; that account belongs to one organisation and is authorised per
service. Rights are never read from the certificate itself (DESIGN.md, "Identity and trust").
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from gateway._errors import AuthenticationError, AuthorizationError
from world import Account, AccountKind, OrganisationKind, Service, World

__all__ = [
    "Caller",
    "CertificateFacts",
    "KnownPeer",
    "check_certificate",
    "require_service",
    "require_system",
    "resolve_caller",
    "service_for_path",
]


class CertificateFacts(Protocol):
    """What the gateway needs from a verified client certificate (``certs.CertificateIdentity``)."""

    @property
    def user_number(self) -> str: ...
    @property
    def serial(self) -> int: ...
    @property
    def not_before(self) -> dt.datetime: ...
    @property
    def not_after(self) -> dt.datetime: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """An authenticated account and the organisation it acts for."""

    account: Account
    kind: OrganisationKind
    serial: int

    @property
    def organisation(self) -> str:
        return self.account.organisation

    @property
    def user_number(self) -> str:
        return self.account.user_number


def resolve_caller(
    facts: CertificateFacts,
    *,
    world: World,
    now: dt.datetime,
    is_revoked: Callable[[int], bool],
) -> Caller:
    """Map a verified certificate to its account, or say precisely why not.

    Revocation is checked here as well as in the handshake: a CRL reloaded at run time reaches
    this check at once, and a refusal here can be answered and journaled (a failed handshake
    leaves no trace in the application).
    """
    check_certificate(facts, now=now, is_revoked=is_revoked)
    account = world.account(facts.user_number)
    if account is None:
        raise AuthenticationError(f"gebruikersnummer {facts.user_number} is niet bekend")
    kind = world.organisation_kind(account.organisation)
    if kind is None:
        raise AuthorizationError(f"organisatie {account.organisation} is niet aangesloten")
    return Caller(account=account, kind=kind, serial=facts.serial)


def check_certificate(
    facts: CertificateFacts, *, now: dt.datetime, is_revoked: Callable[[int], bool]
) -> None:
    """Refuse a revoked certificate or one not valid at ``now``: asked on every request, also
    when the connection already knows its caller (a CRL reload or a date change in between)."""
    if is_revoked(facts.serial):
        raise AuthorizationError(f"certificaat {facts.serial:x} is ingetrokken")
    if not facts.not_before <= now <= facts.not_after:
        raise AuthenticationError(
            f"certificaat is niet geldig op {now:%Y-%m-%d} "
            f"(geldig {facts.not_before:%Y-%m-%d} t/m {facts.not_after:%Y-%m-%d})"
        )


class KnownPeer:
    """The caller a connection's certificate resolved to, kept on the connection.

    A keep-alive client sends the same certificate with every request; reading and hashing it,
    looking its account and organisation up and building a ``Caller`` each time cost more than
    the revocation and date checks that must still run per request. Kept with the certificate's
    DER (TLS 1.2 renegotiation can change the peer certificate on a live connection) and the
    world it was resolved in (a test server may get another world).
    """

    __slots__ = ("der", "resolved", "ssl_object", "world")

    def __init__(self, ssl_object: ssl.SSLObject | None = None) -> None:
        self.ssl_object = ssl_object  # the connection's TLS layer, asked for the DER per request
        self.der = b""
        self.world: World | None = None
        self.resolved: tuple[CertificateFacts, Caller] | None = None

    def caller_for(self, der: bytes, world: World) -> tuple[CertificateFacts, Caller] | None:
        """The facts and caller kept for this certificate in this world, if any."""
        if self.resolved is not None and world is self.world and der == self.der:
            return self.resolved
        return None

    def keep(self, der: bytes, world: World, facts: CertificateFacts, caller: Caller) -> None:
        self.der, self.world, self.resolved = der, world, (facts, caller)


def require_service(caller: Caller, service: Service) -> None:
    """Refuse unless the account is authorised for ``service`` (declareren, berichten, cov)."""
    if service not in caller.account.services:
        raise AuthorizationError(
            f"account {caller.user_number} is niet geautoriseerd voor dienst {service.value}"
        )


def require_system(caller: Caller, *, person_allowed: bool) -> None:
    """Refuse a person's account on a webservice unless the operator allows it.

    VECOZO's berichtenservice: "alleen mogelijk indien er een geldig VECOZO systeemcertificaat
    wordt meegestuurd"; COV via software likewise needs a systeemcertificaat (vecozo.md §1.1,
    §3.1). A personal certificate is for the portal. The kind is the account's, from the
    world's administration, never read from the certificate (DESIGN.md, "Identity and trust").
    ``person_allowed`` is ``GatewaySettings.rest_person_certificates`` (docs/COMPATIBILITY.md).
    """
    if caller.account.kind is AccountKind.PERSON and not person_allowed:
        raise AuthorizationError(
            f"account {caller.user_number} heeft een persoonlijk certificaat; deze webservice "
            "accepteert alleen een systeemcertificaat (een persoonlijk certificaat is voor het "
            "portaal)"
        )


_SERVICE_PREFIXES: tuple[tuple[str, Service], ...] = (
    ("/berichtenservice/berichten/rest-pull/", Service.BERICHTEN),
    ("/berichtenservice/berichtstatus/", Service.BERICHTEN),
    ("/cov/", Service.COV),
)


def service_for_path(path: str, *, caller_kind: OrganisationKind) -> Service | None:
    """The service a route belongs to; None for routes with their own rule (register, push).

    Pushing is ``declareren`` for a provider or bureau sending a declaration; an insurer pushing
    a return file uses its ``berichten`` right, because for it the return is message traffic.
    """
    for prefix, service in _SERVICE_PREFIXES:
        if path.startswith(prefix):
            return service
    if path.startswith("/berichtenservice/berichten/rest-push/"):
        if caller_kind is OrganisationKind.INSURER:
            return Service.BERICHTEN
        return Service.DECLAREREN
    return None
