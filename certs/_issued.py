"""An issued certificate with its private key, and the ways to hand it to a client.

trustme keeps key material in memory and lets the caller choose where it goes; so does this:
PEM bytes for code, files for ``ssl.SSLContext.load_cert_chain`` (which only takes paths), and
PKCS#12 for browsers, Java key stores and Windows.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from certs._build import PrivateKey
from certs._errors import IssueError
from certs._files import StrPath, write_file

__all__ = ["IssuedCertificate"]

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
