"""ssl contexts for both ends of mutual TLS, and CRL reading for the application-level check.

The server context trusts only the test CA (nothing from the system store can authenticate a
provider), demands a client certificate, refuses TLS below 1.2 and checks the leaf against the
CRL. ``VERIFY_X509_STRICT`` is set on both sides so Python 3.11 verifies the way 3.13's
defaults do, and a certificate that would fail there fails in our tests too.
"""

from __future__ import annotations

import os
import ssl

from cryptography import x509

from certs._errors import CaStoreError
from certs._files import StrPath, read_file

__all__ = ["client_ssl_context", "is_revoked", "load_crl", "reload_crl", "server_ssl_context"]


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
