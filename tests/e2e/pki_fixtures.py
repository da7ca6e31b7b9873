"""A complete test PKI on disk for the mutual-TLS tests: one CA, a server, good and bad clients.

Built once per session by a synchronous fixture (EC keys take a millisecond; no event loop is
involved, so pytest-asyncio's loop scopes cannot bite). Other e2e modules may import it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from certs import CertificateAuthority, IssuedCertificate

__all__ = ["ClientFiles", "HandshakePki", "build_test_pki"]

GOOD_USER = "40000000100507"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientFiles:
    """The files of one client certificate plus its serial and user number."""

    cert: Path
    key: Path
    serial: int
    user_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakePki:
    """Paths of everything the handshake tests load, and the CA to issue more."""

    ca: CertificateAuthority
    directory: Path
    ca_cert: Path
    crl: Path
    server_cert: Path
    server_key: Path
    good: ClientFiles
    expired: ClientFiles
    not_yet_valid: ClientFiles
    revoked: ClientFiles
    foreign: ClientFiles  # a well-formed client certificate from another CA
    foreign_ca_cert: Path
    foreign_server_cert: Path
    foreign_server_key: Path


def build_test_pki(directory: Path) -> HandshakePki:
    ca = CertificateAuthority.create()
    other = CertificateAuthority.create(name="another test CA")
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    revoked = _client(ca, directory, "revoked", "40000000100002")
    ca.revoke(revoked.serial)
    ca.save(directory / "pki")
    other.save(directory / "other")
    server = ca.issue_server()
    server.write(directory / "server.pem", directory / "server-key.pem")
    foreign_server = other.issue_server()
    foreign_server.write(directory / "other-server.pem", directory / "other-server-key.pem")
    return HandshakePki(
        ca=ca,
        directory=directory,
        ca_cert=directory / "pki" / "ca.pem",
        crl=directory / "pki" / "crl.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server-key.pem",
        good=_client(ca, directory, "good", GOOD_USER),
        expired=_client(ca, directory, "expired", "40000000100003", start=now - 30 * day, days=1),
        not_yet_valid=_client(ca, directory, "future", "40000000100004", start=now + day, days=9),
        revoked=revoked,
        foreign=_client(other, directory, "foreign", GOOD_USER),
        foreign_ca_cert=directory / "other" / "ca.pem",
        foreign_server_cert=directory / "other-server.pem",
        foreign_server_key=directory / "other-server-key.pem",
    )


def _client(
    ca: CertificateAuthority,
    directory: Path,
    label: str,
    user_number: str,
    *,
    start: dt.datetime | None = None,
    days: int | None = None,
) -> ClientFiles:
    end = None if start is None or days is None else start + dt.timedelta(days=days)
    issued: IssuedCertificate = ca.issue_client(
        name=f"Test {label}",
        organisation="Tandartspraktijk Test",
        user_number=user_number,
        kind="person",
        not_before=start,
        not_after=end,
    )
    cert, key = directory / f"{label}.pem", directory / f"{label}-key.pem"
    issued.write(cert, key)
    return ClientFiles(cert=cert, key=key, serial=issued.serial, user_number=user_number)
