"""Both ends of mutual TLS: ssl contexts, CRL reading, and who the verified peer is.

The server context trusts only the test CA (nothing from the system store can authenticate a
provider), demands a client certificate, refuses TLS below 1.2 and checks the leaf against the
CRL. ``VERIFY_X509_STRICT`` is set on both sides so Python 3.11 verifies the way 3.13's
defaults do, and a certificate that would fail there fails in our tests too.

``read_identity`` is the pure mapping from the peer's DER certificate to a VECOZO identity. The
gateway calls it for every request with the certificate the TLS layer already verified and
looks the user number up in the world; rights are never read from the certificate itself.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from certs._build import USER_NUMBER
from certs._errors import CaStoreError, IdentityError
from certs._store import StrPath, read_file

__all__ = [
    "CertificateIdentity",
    "client_ssl_context",
    "is_revoked",
    "load_crl",
    "read_identity",
    "reload_crl",
    "server_ssl_context",
]


def server_ssl_context(*, cert: StrPath, key: StrPath, ca: StrPath, crl: StrPath) -> ssl.SSLContext:
    """The exchange's (or a stub's) listening context; load paths, as ``ssl`` needs files.

    A handshake refused here never reaches the application, and under TLS 1.3 the client only
    notices as a closed connection, so the gateway repeats the revocation check in middleware.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_STRICT | ssl.VERIFY_CRL_CHECK_LEAF
    context.load_cert_chain(certfile=os.fspath(cert), keyfile=os.fspath(key))
    context.load_verify_locations(cafile=os.fspath(ca))
    reload_crl(context, crl)
    return context


def reload_crl(context: ssl.SSLContext, crl: StrPath) -> None:
    """Add a newer CRL to a live context; new handshakes use it, open connections do not.

    OpenSSL keeps every CRL it was given and picks the one with the latest lastUpdate, which is
    why ``CertificateAuthority.crl_pem`` always moves lastUpdate on. CRLs load only from a file:
    ``cadata`` accepts certificates alone.
    """
    context.load_verify_locations(cafile=os.fspath(crl))


def client_ssl_context(
    *, ca: StrPath, cert: StrPath | None = None, key: StrPath | None = None
) -> ssl.SSLContext:
    """A client context trusting only the test CA, presenting ``cert`` (and ``key``) if given.

    ``cert`` may hold the key too, in which case ``key`` can be left out.
    """
    if key is not None and cert is None:
        raise ValueError("a client key without its certificate cannot be presented")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # hostname check and CERT_REQUIRED on
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_verify_locations(cafile=os.fspath(ca))
    if cert is not None:
        keyfile = None if key is None else os.fspath(key)
        context.load_cert_chain(certfile=os.fspath(cert), keyfile=keyfile)
    return context


def load_crl(path: StrPath) -> x509.CertificateRevocationList:
    """The CRL in a PEM file, for checks outside the handshake (the gateway's middleware)."""
    try:
        return x509.load_pem_x509_crl(read_file(path, "CRL"))
    except ValueError as exc:
        raise CaStoreError(f"CRL {path} is not a PEM CRL: {exc}") from None


def is_revoked(crl: x509.CertificateRevocationList, serial: int) -> bool:
    """Whether ``serial`` is listed; the caller has checked the CRL's issuer and signature."""
    return crl.get_revoked_certificate_by_serial_number(serial) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateIdentity:
    """The subject of a VECOZO certificate: user number, name and organisation, plus validity."""

    user_number: str  # the 14-digit gebruikersnummer from the subject's serialNumber
    name: str  # CN
    organisation: str  # O
    serial: int  # the certificate's serial number, what a CRL lists
    not_before: dt.datetime
    not_after: dt.datetime


def read_identity(der: bytes) -> CertificateIdentity:
    """The identity in a DER certificate; ``IdentityError`` if it is not a VECOZO certificate.

    Exactly one serialNumber of 14 digits is required: two would let a certificate claim to be
    either account, and a shorter number is somebody else's numbering scheme.
    """
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise IdentityError(f"not a DER certificate: {exc}") from None
    numbers = _values(cert, NameOID.SERIAL_NUMBER)
    if len(numbers) != 1 or not USER_NUMBER.fullmatch(numbers[0]):
        raise IdentityError(
            f"certificate subject {cert.subject.rfc4514_string()!r} has no single 14-digit "
            "serialNumber (the VECOZO user number)"
        )
    return CertificateIdentity(
        user_number=numbers[0],
        name=_single(cert, NameOID.COMMON_NAME, "CN"),
        organisation=_single(cert, NameOID.ORGANIZATION_NAME, "O"),
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _values(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attribute.value) for attribute in cert.subject.get_attributes_for_oid(oid)]


def _single(cert: x509.Certificate, oid: x509.ObjectIdentifier, label: str) -> str:
    values = _values(cert, oid)
    if len(values) != 1 or not values[0].strip():
        raise IdentityError(f"certificate subject needs exactly one non-empty {label}")
    return values[0]
