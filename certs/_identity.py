"""Who a client certificate belongs to: the pure mapping from DER bytes to a VECOZO identity.

The gateway calls this for every request with the peer certificate the TLS layer already
verified; the result is looked up in the world by user number. Rights are never read from the
certificate itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from certs._build import USER_NUMBER
from certs._errors import IdentityError

__all__ = ["CertificateIdentity", "read_identity"]


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
