"""The test CA and what it hands out: client and server certificates, revocations, CRLs.

Like trustme's ``CA`` this is the one stateful object of the package; unlike trustme it
remembers what it issued (``ca-state.json`` next to the CA files) so that revocation works from
another process, and it always has a CRL to publish, because a TLS server checking CRLs
refuses everybody when there is none.

An ``IssuedCertificate`` keeps its key in memory and lets the caller choose where it goes: PEM
bytes for code, files for ``ssl.SSLContext.load_cert_chain`` (which only takes paths), and
PKCS#12 for browsers, Java key stores and Windows.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from certs import _store
from certs._build import (
    CLIENT_AUTH,
    SERVER_AUTH,
    PrivateKey,
    build_ca_certificate,
    build_crl,
    build_leaf,
    client_subject,
    generate_key,
    key_type_of,
    server_alt_names,
    server_subject,
)
from certs._errors import IssueError, UnknownCertificateError
from certs._state import CaState, IssuedRecord, format_serial
from certs._store import StrPath, write_file

__all__ = [
    "CLIENT_KINDS",
    "DEFAULT_CA_NAME",
    "DEFAULT_HOSTS",
    "CertificateAuthority",
    "IssuedCertificate",
]

DEFAULT_CA_NAME = "vecozo-sim test CA"
DEFAULT_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
CLIENT_KINDS: tuple[str, ...] = ("person", "system")

# Backdating covers clocks a little apart (the gateway and a vendor's CI box); the lifetimes are
# long because a test world lives for months and an expired CA or CRL would refuse everyone.
CLOCK_SKEW = dt.timedelta(minutes=5)
CA_LIFETIME = dt.timedelta(days=3650)
LEAF_LIFETIME = dt.timedelta(days=1095)
CRL_LIFETIME = dt.timedelta(days=365)
ONE_SECOND = dt.timedelta(seconds=1)


# PBKDF2 rounds for PKCS#12: enough to be a real password-protected file, cheap enough in tests.
PKCS12_KDF_ROUNDS = 50_000


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCertificate:
    """A leaf certificate, its private key and the CA certificate that signed it."""

    cert: x509.Certificate
    key: PrivateKey
    ca_cert: x509.Certificate

    @property
    def serial(self) -> int:
        """The certificate's serial number: what a CRL lists and what ``revoke`` takes."""
        return self.cert.serial_number

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        """The private key, PKCS#8 PEM, unencrypted: test keys, written 0600."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write(self, cert_path: StrPath, key_path: StrPath) -> None:
        """Write the certificate (0644) and the key (0600), creating parent directories."""
        write_file(cert_path, self.cert_pem())
        write_file(key_path, self.key_pem(), private=True)

    def write_pkcs12(self, path: StrPath, password: str | bytes) -> None:
        """Write ``to_pkcs12(password)`` to ``path``, 0600: it holds the private key too."""
        write_file(path, self.to_pkcs12(password), private=True)

    def to_pkcs12(self, password: str | bytes) -> bytes:
        """A password-protected PKCS#12 bundle: key, certificate and the CA certificate.

        PBES2 with AES-256 and SHA-256 (what OpenSSL 3 writes by default) rather than the legacy
        RC2/3DES, which current OpenSSL refuses to read without the legacy provider.
        """
        secret = password.encode() if isinstance(password, str) else password
        if not secret:
            raise IssueError("a PKCS#12 export needs a non-empty password")
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(PKCS12_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(secret)
        )
        return pkcs12.serialize_key_and_certificates(
            name=self._friendly_name(),
            key=self.key,
            cert=self.cert,
            cas=[self.ca_cert],
            encryption_algorithm=encryption,
        )

    def _friendly_name(self) -> bytes:
        """The name a browser shows in its certificate picker: the subject's CN."""
        names = self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value).encode() if names else b"vecozo-sim"


def _now() -> dt.datetime:
    # X.509 times have whole seconds; dropping microseconds keeps stored and signed times equal.
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class CertificateAuthority:
    """A root CA with its key and register; create with ``create`` or ``load``."""

    def __init__(self, *, cert: x509.Certificate, key: PrivateKey, state: CaState) -> None:
        self.cert = cert
        self._key = key
        self._state = state

    @classmethod
    def create(cls, *, name: str = DEFAULT_CA_NAME, key_type: str = "ec") -> CertificateAuthority:
        """A fresh CA; ``key_type`` is ``"ec"`` (P-256), ``"rsa2048"`` or ``"rsa3072"``.

        The random OU keeps two CAs with the same name apart, so a certificate from another
        test world is refused as unknown rather than as a bad signature under a known name.
        """
        key = generate_key(key_type)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vecozo-sim"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"CA {secrets.token_hex(4)}"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        now = _now()
        cert = build_ca_certificate(
            key=key, subject=subject, not_before=now - CLOCK_SKEW, not_after=now + CA_LIFETIME
        )
        return cls(cert=cert, key=key, state=CaState())

    @classmethod
    def load(
        cls, cert_path: StrPath, key_path: StrPath, state_dir: StrPath
    ) -> CertificateAuthority:
        """The CA saved by ``save``; a missing ``ca-state.json`` means nothing issued yet."""
        cert, key, state = _store.load_ca(cert_path, key_path, state_dir)
        return cls(cert=cert, key=key, state=state)

    def save(self, directory: StrPath) -> None:
        """Write ``ca.pem``, ``ca-key.pem`` (0600), a fresh ``crl.pem`` and ``ca-state.json``."""
        crl = self.crl_pem()
        _store.save_ca(directory, cert=self.cert_pem(), key=self._key_pem(), crl=crl)
        self.save_state(directory)

    def save_state(self, directory: StrPath) -> None:
        """Write only ``ca-state.json``: after issuing, nothing else on disk changed."""
        _store.save_state(directory, self._state)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_type(self) -> str:
        return key_type_of(self._key)

    @property
    def records(self) -> tuple[IssuedRecord, ...]:
        """Everything issued, oldest first."""
        return tuple(self._state.issued.values())

    def issue_client(
        self,
        *,
        name: str,
        organisation: str,
        user_number: str,
        kind: str,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> IssuedCertificate:
        """A persoonlijk (``"person"``) or systeem (``"system"``) certificate for one account.

        Defaults: valid from a few minutes ago for three years. Pass dates in the past or
        future for expired or not-yet-valid certificates.
        """
        if kind not in CLIENT_KINDS:
            raise IssueError(f"certificate kind must be 'person' or 'system', got {kind!r}")
        subject = client_subject(name=name, organisation=organisation, user_number=user_number)
        issued = self._issue(subject, CLIENT_AUTH, (), not_before, not_after)
        self._remember(
            issued, kind=str(kind), name=name, organisation=organisation, user_number=user_number
        )
        return issued

    def issue_server(
        self,
        *,
        hosts: Iterable[str] = DEFAULT_HOSTS,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> IssuedCertificate:
        """A server certificate for ``hosts`` plus localhost, 127.0.0.1 and ::1.

        The loopback names are always added: the simulator only listens on loopback, and a
        certificate missing one of them fails a client's hostname check in a confusing way.
        """
        names = server_alt_names([*hosts, *DEFAULT_HOSTS])
        first = names[0].value
        subject = server_subject(str(first))
        issued = self._issue(subject, SERVER_AUTH, names, not_before, not_after)
        self._remember(issued, kind="server", name=str(first), organisation="vecozo-sim")
        return issued

    def deliver(self, issued: IssuedCertificate, *, cert_path: StrPath, key_path: StrPath) -> None:
        """Write an issued certificate and note its files in the register (for list / show)."""
        issued.write(cert_path, key_path)
        record = self._state.issued.get(issued.serial)
        if record is not None:
            self._state.issued[issued.serial] = _store.with_paths(record, cert_path, key_path)

    def revoke(self, serial: int) -> None:
        """Put ``serial`` on the next CRL; revoking twice keeps the first revocation time."""
        if serial not in self._state.issued:
            raise UnknownCertificateError(f"this CA issued no certificate {format_serial(serial)}")
        self._state.revoked.setdefault(serial, _now())

    def is_revoked(self, serial: int) -> bool:
        return serial in self._state.revoked

    def crl_pem(self) -> bytes:
        """A freshly signed CRL (PEM) with a higher CRLNumber and a strictly later lastUpdate.

        A live ``ssl.SSLContext`` that is given a new CRL keeps using the old one unless the new
        lastUpdate is later, so each call moves lastUpdate on by at least a second. It starts a
        few minutes in the past (clock skew) and only reaches "now" after hundreds of calls in
        the same minutes; it never goes past "now", which would make OpenSSL refuse the CRL.
        """
        now = _now()
        previous = self._state.crl_last_update
        last_update = now - CLOCK_SKEW
        if previous is not None:
            last_update = min(max(last_update, previous + ONE_SECOND), now)
        self._state.crl_number += 1
        self._state.crl_last_update = last_update
        crl = build_crl(
            ca_cert=self.cert,
            ca_key=self._key,
            revoked=self._state.revoked,
            number=self._state.crl_number,
            last_update=last_update,
            next_update=now + CRL_LIFETIME,
        )
        return crl.public_bytes(serialization.Encoding.PEM)

    def _issue(
        self,
        subject: x509.Name,
        purpose: x509.ObjectIdentifier,
        alt_names: tuple[x509.GeneralName, ...],
        not_before: dt.datetime | None,
        not_after: dt.datetime | None,
    ) -> IssuedCertificate:
        now = _now()
        start = now - CLOCK_SKEW if not_before is None else not_before
        end = start + LEAF_LIFETIME if not_after is None else not_after
        if end <= start:
            raise IssueError(f"not_after ({end.isoformat()}) must be after not_before")
        key = generate_key(self.key_type)
        cert = build_leaf(
            ca_cert=self.cert,
            ca_key=self._key,
            key=key,
            subject=subject,
            purpose=purpose,
            alt_names=alt_names,
            not_before=start,
            not_after=end,
        )
        return IssuedCertificate(cert=cert, key=key, ca_cert=self.cert)

    def _remember(
        self,
        issued: IssuedCertificate,
        *,
        kind: str,
        name: str,
        organisation: str,
        user_number: str | None = None,
    ) -> None:
        self._state.issued[issued.serial] = IssuedRecord(
            serial=issued.serial,
            kind=kind,
            name=name,
            organisation=organisation,
            user_number=user_number,
            not_before=issued.cert.not_valid_before_utc,
            not_after=issued.cert.not_valid_after_utc,
        )

    def _key_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
