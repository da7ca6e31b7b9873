"""Pure X.509 builders: keys, the CA certificate, client and server leaves, and CRLs.

Nothing here touches files or sockets; every function takes values and returns cryptography
objects, so the unit tests can check each extension without a handshake. The shape follows
trustme (one CA, thin leaves, SKI on every certificate) with what VECOZO needs on top: a subject
serialNumber carrying the 14-digit user number, separate client and server profiles, and CRLs.

Every leaf gets an AuthorityKeyIdentifier: OpenSSL's strict verification (``VERIFY_X509_STRICT``,
the default for ``ssl.create_default_context()`` from Python 3.13) rejects a non-root certificate
without one, and a real client on 3.13 would refuse our server otherwise.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable, Mapping

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs._errors import IssueError

__all__ = [
    "CLIENT_AUTH",
    "KEY_TYPES",
    "SERVER_AUTH",
    "USER_NUMBER",
    "PrivateKey",
    "build_ca_certificate",
    "build_crl",
    "build_leaf",
    "client_subject",
    "generate_key",
    "key_type_of",
    "server_alt_names",
    "server_subject",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# "ec" is P-256: fast enough that `vecozo-sim init` issues dozens of certificates in well under
# a second. RSA is there for clients whose TLS stack or key store only handles RSA.
KEY_TYPES: tuple[str, ...] = ("ec", "rsa2048", "rsa3072")

USER_NUMBER = re.compile(r"[0-9]{14}")
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH


def generate_key(key_type: str) -> PrivateKey:
    """A fresh private key of one of ``KEY_TYPES``."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type in ("rsa2048", "rsa3072"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    raise IssueError(f"unknown key type {key_type!r}; choose one of {', '.join(KEY_TYPES)}")


def key_type_of(key: PrivateKey) -> str:
    """The ``KEY_TYPES`` name of an existing key, so leaves follow their CA's algorithm."""
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa3072" if key.key_size >= 3072 else "rsa2048"
    return "ec"


def _name(attributes: Iterable[tuple[x509.ObjectIdentifier, str]]) -> x509.Name:
    """An x509 Name, turning cryptography's length complaints into an ``IssueError``."""
    try:
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    except ValueError as exc:
        raise IssueError(f"certificate subject: {exc}") from exc


def client_subject(*, name: str, organisation: str, user_number: str) -> x509.Name:
    """CN = name, O = organisation, serialNumber = the 14-digit VECOZO user number.

    The gateway looks rights up by user number; nothing else about an account is encoded here.
    """
    if not USER_NUMBER.fullmatch(user_number):
        raise IssueError(f"user number must be 14 digits, got {user_number!r}")
    if not name.strip() or not organisation.strip():
        raise IssueError("a client certificate needs a non-empty name and organisation")
    return _name(
        [
            (NameOID.COUNTRY_NAME, "NL"),
            (NameOID.ORGANIZATION_NAME, organisation),
            (NameOID.COMMON_NAME, name),
            (NameOID.SERIAL_NUMBER, user_number),
        ]
    )


def server_subject(host: str) -> x509.Name:
    """A server subject; clients match the SAN, the CN is only for people reading it."""
    return _name([(NameOID.ORGANIZATION_NAME, "vecozo-sim"), (NameOID.COMMON_NAME, host)])


def server_alt_names(hosts: Iterable[str]) -> tuple[x509.GeneralName, ...]:
    """DNS names and IP addresses, each host once, IP literals recognised as such."""
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        if not host:
            raise IssueError("an empty host name cannot go into a server certificate")
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return tuple(names)


def build_ca_certificate(
    *, key: PrivateKey, subject: x509.Name, not_before: dt.datetime, not_after: dt.datetime
) -> x509.Certificate:
    """A self-signed root that may sign leaves and CRLs and nothing below another CA."""
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    usage = _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(ski, critical=False)
    )
    return builder.sign(key, hashes.SHA256())


def build_leaf(
    *,
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    key: PrivateKey,
    subject: x509.Name,
    purpose: x509.ObjectIdentifier,
    alt_names: tuple[x509.GeneralName, ...] = (),
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    """A leaf for one purpose (``CLIENT_AUTH`` or ``SERVER_AUTH``), signed by the CA.

    Validity is taken as given, also in the past or the future: tests need expired and
    not-yet-valid certificates, and refusing them here would make those tests impossible.
    """
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_usage(key), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def build_crl(
    *,
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    revoked: Mapping[int, dt.datetime],
    number: int,
    last_update: dt.datetime,
    next_update: dt.datetime,
) -> x509.CertificateRevocationList:
    """A CRL listing ``revoked`` (serial -> revocation time); may be empty, and should be.

    OpenSSL fails closed when CRL checking is on and no CRL exists for the issuer, so an empty
    list is published from the start. The caller picks ``last_update``: a live ssl context only
    prefers a newly loaded CRL when its lastUpdate is strictly later than the one it holds.
    """
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(last_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
    )
    for serial, when in sorted(revoked.items()):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca_key, hashes.SHA256())


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _leaf_usage(key: PrivateKey) -> x509.KeyUsage:
    # keyEncipherment only means something for RSA key transport; EC leaves sign only.
    return _key_usage(digital_signature=True, key_encipherment=isinstance(key, rsa.RSAPrivateKey))


def _key_usage(
    *,
    digital_signature: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
