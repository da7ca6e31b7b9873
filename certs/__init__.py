"""The test PKI: a CA, person / system / server certificates, CRLs and PKCS#12 export.

Modelled on trustme, with what a VECOZO test world needs in addition: the subject's
serialNumber carries the 14-digit user number, every certificate can be revoked and the CRL is
always published, and the CA's register survives between processes (``ca-state.json``)::

    ca = CertificateAuthority.create()
    alice = ca.issue_client(name="A. de Vries", organisation="Tandarts De Vries",
                            user_number="40000000100507", kind="person")
    alice.write("alice.pem", "alice-key.pem")
    ca.save("pki")                       # ca.pem, ca-key.pem (0600), crl.pem, ca-state.json

Another process may change the same CA directory; hold ``ca_lock`` across load, change, save::

    with ca_lock("pki"):
        ca = CertificateAuthority.load("pki/ca.pem", "pki/ca-key.pem", "pki")
        ca.revoke(serial)
        ca.save("pki")
"""

from certs._authority import (
    CertificateAuthority,
    IssuedCertificate,
)
from certs._errors import (
    CaStoreError,
    CertsError,
    IdentityError,
    IssueError,
    UnknownCertificateError,
)
from certs._peer import (
    CertificateIdentity,
    client_ssl_context,
    is_revoked,
    load_crl,
    read_identity,
    reload_crl,
    server_ssl_context,
)
from certs._state import IssuedRecord, format_serial
from certs._store import ca_lock

__all__ = [
    "CaStoreError",
    "CertificateAuthority",
    "CertificateIdentity",
    "CertsError",
    "IdentityError",
    "IssueError",
    "IssuedCertificate",
    "IssuedRecord",
    "UnknownCertificateError",
    "ca_lock",
    "client_ssl_context",
    "format_serial",
    "is_revoked",
    "load_crl",
    "read_identity",
    "reload_crl",
    "server_ssl_context",
]
