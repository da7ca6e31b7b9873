"""The pure builders and the CA: extensions, subjects, CRLs, identity, PKCS#12, files, state."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import stat
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs import (
    CaStoreError,
    CertificateAuthority,
    CertsError,
    IdentityError,
    IssuedCertificate,
    IssueError,
    UnknownCertificateError,
    client_ssl_context,
    is_revoked,
    load_crl,
    read_identity,
    server_ssl_context,
)
from certs._build import build_leaf, generate_key

USER = "40000000100507"
NOW = dt.datetime.now(dt.UTC)
E = TypeVar("E", bound=x509.ExtensionType)


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="session")
def alice(ca: CertificateAuthority) -> IssuedCertificate:
    return ca.issue_client(
        name="A. de Vries", organisation="Tandarts De Vries", user_number=USER, kind="person"
    )


def der(issued: IssuedCertificate) -> bytes:
    return issued.cert.public_bytes(serialization.Encoding.DER)


def ext(cert: x509.Certificate, kind: type[E]) -> x509.Extension[E]:
    return cert.extensions.get_extension_for_class(kind)


def test_the_ca_is_a_self_signed_p256_root_that_signs_certificates_and_crls(
    ca: CertificateAuthority,
) -> None:
    constraints = ext(ca.cert, x509.BasicConstraints)
    usage = ext(ca.cert, x509.KeyUsage).value

    assert constraints.critical
    assert constraints.value.ca
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert ext(ca.cert, x509.SubjectKeyIdentifier)
    assert isinstance(ca.cert.public_key(), ec.EllipticCurvePublicKey)
    ca.cert.verify_directly_issued_by(ca.cert)


def test_two_cas_of_the_same_name_have_different_subjects() -> None:
    assert CertificateAuthority.create().cert.subject != CertificateAuthority.create().cert.subject


def test_an_rsa_ca_issues_rsa_leaves() -> None:
    ca = CertificateAuthority.create(key_type="rsa2048")
    leaf = ca.issue_server()

    assert isinstance(ca.cert.public_key(), rsa.RSAPublicKey)
    assert isinstance(leaf.key, rsa.RSAPrivateKey)
    assert leaf.key.key_size == 2048
    assert ext(leaf.cert, x509.KeyUsage).value.key_encipherment


def test_an_unknown_key_type_is_refused() -> None:
    with pytest.raises(IssueError, match="key type"):
        CertificateAuthority.create(key_type="dsa")


def test_a_client_certificate_carries_the_vecozo_subject(alice: IssuedCertificate) -> None:
    subject = alice.cert.subject

    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "A. de Vries"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Tandarts De Vries"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == USER


def test_a_client_certificate_is_a_client_auth_leaf_with_aki_and_ski(
    ca: CertificateAuthority, alice: IssuedCertificate
) -> None:
    ca_ski = ext(ca.cert, x509.SubjectKeyIdentifier).value.digest
    aki = ext(alice.cert, x509.AuthorityKeyIdentifier).value

    assert aki.key_identifier == ca_ski
    assert ext(alice.cert, x509.SubjectKeyIdentifier)
    assert list(ext(alice.cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not ext(alice.cert, x509.BasicConstraints).value.ca
    alice.cert.verify_directly_issued_by(ca.cert)


def test_a_client_certificate_is_valid_now_by_default(alice: IssuedCertificate) -> None:
    # The clock at assertion time, not at import: the session fixture may issue alice minutes
    # after this module was collected in a long run.
    now = dt.datetime.now(dt.UTC)
    assert alice.cert.not_valid_before_utc <= now < alice.cert.not_valid_after_utc


def test_validity_can_be_set_in_the_past_for_an_expired_certificate(
    ca: CertificateAuthority,
) -> None:
    start, end = NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=1)
    old = ca.issue_client(
        name="Old",
        organisation="O",
        user_number=USER,
        kind="system",
        not_before=start,
        not_after=end,
    )

    assert old.cert.not_valid_after_utc == end.replace(microsecond=0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("user_number", "4000000010050", "14 digits"),
        ("user_number", "4000000010050x", "14 digits"),
        ("kind", "robot", "person"),
        ("name", "x" * 65, "subject"),
        ("organisation", " ", "non-empty"),
    ],
)
def test_bad_client_arguments_are_refused(
    ca: CertificateAuthority, field: str, value: str, message: str
) -> None:
    arguments = {"name": "N", "organisation": "O", "user_number": USER, "kind": "person"}
    arguments[field] = value

    with pytest.raises(IssueError, match=message):
        ca.issue_client(**arguments)  # type: ignore[arg-type]


def test_validity_must_not_end_before_it_starts(ca: CertificateAuthority) -> None:
    with pytest.raises(IssueError, match="not_after"):
        ca.issue_server(not_before=NOW, not_after=NOW - dt.timedelta(days=1))


def test_a_server_certificate_names_loopback_and_the_given_hosts(ca: CertificateAuthority) -> None:
    server = ca.issue_server(hosts=("gateway.test", "10.0.0.7"))
    names = ext(server.cert, x509.SubjectAlternativeName).value

    assert names.get_values_for_type(x509.DNSName) == ["gateway.test", "localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == [
        "10.0.0.7",
        "127.0.0.1",
        "::1",
    ]
    assert list(ext(server.cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_the_identity_is_read_back_from_der(alice: IssuedCertificate) -> None:
    identity = read_identity(der(alice))

    assert identity.user_number == USER
    assert (identity.name, identity.organisation) == ("A. de Vries", "Tandarts De Vries")
    assert identity.serial == alice.serial
    assert identity.not_after == alice.cert.not_valid_after_utc


def test_a_certificate_without_a_user_number_has_no_identity(ca: CertificateAuthority) -> None:
    with pytest.raises(IdentityError, match="serialNumber"):
        read_identity(der(ca.issue_server()))


def test_a_certificate_with_two_user_numbers_has_no_identity(ca: CertificateAuthority) -> None:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Twice"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "O"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, USER),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "40000000100508"),
        ]
    )
    key = generate_key("ec")
    cert = build_leaf(
        ca_cert=ca.cert,
        ca_key=generate_key("ec"),
        key=key,
        subject=subject,
        purpose=ExtendedKeyUsageOID.CLIENT_AUTH,
        not_before=NOW,
        not_after=NOW + dt.timedelta(days=1),
    )

    with pytest.raises(IdentityError):
        read_identity(cert.public_bytes(serialization.Encoding.DER))


def test_bytes_that_are_not_a_certificate_have_no_identity() -> None:
    with pytest.raises(IdentityError, match="DER"):
        read_identity(b"\x30\x03garbage")


def test_an_empty_crl_is_published_valid_for_months(ca: CertificateAuthority) -> None:
    crl = x509.load_pem_x509_crl(CertificateAuthority.create().crl_pem())
    own = x509.load_pem_x509_crl(ca.crl_pem())

    assert len(crl) == 0
    public = ca.cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert own.is_signature_valid(public)
    assert own.next_update_utc is not None
    assert own.next_update_utc > NOW + dt.timedelta(days=90)


def test_each_crl_has_a_higher_number_and_a_later_last_update_not_in_the_future() -> None:
    ca = CertificateAuthority.create()
    first, second = (x509.load_pem_x509_crl(ca.crl_pem()) for _ in range(2))

    def number(crl: x509.CertificateRevocationList) -> int:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number

    assert number(second) == number(first) + 1
    assert second.last_update_utc > first.last_update_utc
    assert second.last_update_utc <= dt.datetime.now(dt.UTC)


def test_a_revoked_serial_is_listed_and_others_are_not(tmp_path: Path) -> None:
    ca = CertificateAuthority.create()
    bad, good = (
        ca.issue_client(name="N", organisation="O", user_number=USER, kind="person")
        for _ in range(2)
    )
    ca.revoke(bad.serial)
    ca.revoke(bad.serial)  # twice is harmless
    (tmp_path / "crl.pem").write_bytes(ca.crl_pem())
    crl = load_crl(tmp_path / "crl.pem")

    assert is_revoked(crl, bad.serial)
    assert ca.is_revoked(bad.serial)
    assert not is_revoked(crl, good.serial)
    assert len(crl) == 1


def test_a_serial_this_ca_never_issued_cannot_be_revoked(ca: CertificateAuthority) -> None:
    with pytest.raises(UnknownCertificateError, match="0x2A"):
        ca.revoke(42)


def test_pkcs12_round_trip_with_the_password(
    alice: IssuedCertificate, ca: CertificateAuthority
) -> None:
    bundle = pkcs12.load_pkcs12(alice.to_pkcs12("geheim"), b"geheim")

    assert bundle.cert is not None
    assert bundle.cert.certificate == alice.cert
    assert bundle.key is not None
    assert bundle.key.public_key() == alice.key.public_key()
    assert [c.certificate for c in bundle.additional_certs] == [ca.cert]
    assert bundle.cert.friendly_name == b"A. de Vries"


def test_pkcs12_is_unreadable_without_the_password(alice: IssuedCertificate) -> None:
    with pytest.raises(ValueError, match="password"):
        pkcs12.load_pkcs12(alice.to_pkcs12("geheim"), b"fout")
    with pytest.raises(IssueError):
        alice.to_pkcs12("")


def test_written_key_files_are_owner_only_even_when_replacing_a_readable_file(
    alice: IssuedCertificate, tmp_path: Path
) -> None:
    key = tmp_path / "deep" / "key.pem"
    key.parent.mkdir()
    key.write_text("old")
    key.chmod(0o644)
    alice.write(tmp_path / "deep" / "cert.pem", key)

    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "deep" / "cert.pem").stat().st_mode) == 0o644
    assert serialization.load_pem_private_key(key.read_bytes(), None).public_key() == (
        alice.key.public_key()
    )


def test_a_saved_ca_loads_with_its_register_and_keeps_counting(tmp_path: Path) -> None:
    ca = CertificateAuthority.create()
    alice = ca.issue_client(name="A", organisation="O", user_number=USER, kind="person")
    ca.deliver(
        alice,
        cert_path=tmp_path / "accounts" / "a.pem",
        key_path=tmp_path / "accounts" / "a-key.pem",
    )
    ca.revoke(alice.serial)
    ca.save(tmp_path / "pki")
    saved = x509.load_pem_x509_crl((tmp_path / "pki" / "crl.pem").read_bytes())

    again = CertificateAuthority.load(
        tmp_path / "pki" / "ca.pem", tmp_path / "pki" / "ca-key.pem", tmp_path / "pki"
    )
    later = x509.load_pem_x509_crl(again.crl_pem())

    assert again.cert == ca.cert
    assert again.is_revoked(alice.serial)
    assert again.records == ca.records
    assert again.records[0].cert_path == str(tmp_path / "accounts" / "a.pem")
    assert later.last_update_utc > saved.last_update_utc
    assert stat.S_IMODE((tmp_path / "pki" / "ca-key.pem").stat().st_mode) == 0o600
    state = json.loads((tmp_path / "pki" / "ca-state.json").read_text())
    assert state["issued"][0]["cert_path"] == "accounts/a.pem"  # relative: the home can move


def test_loading_a_ca_with_someone_elses_key_is_refused(tmp_path: Path) -> None:
    CertificateAuthority.create().save(tmp_path / "one")
    CertificateAuthority.create().save(tmp_path / "two")

    with pytest.raises(CaStoreError, match="does not belong"):
        CertificateAuthority.load(
            tmp_path / "one" / "ca.pem", tmp_path / "two" / "ca-key.pem", tmp_path / "one"
        )


def test_loading_a_missing_or_malformed_ca_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(CaStoreError, match=r"ca\.pem"):
        CertificateAuthority.load(tmp_path / "ca.pem", tmp_path / "ca-key.pem", tmp_path)
    CertificateAuthority.create().save(tmp_path)
    (tmp_path / "ca-state.json").write_text('{"version": 1, "issued": [{}]}')

    with pytest.raises(CertsError, match=r"ca-state\.json"):
        CertificateAuthority.load(tmp_path / "ca.pem", tmp_path / "ca-key.pem", tmp_path)


def test_the_server_context_trusts_only_the_test_ca_and_demands_a_certificate(
    tmp_path: Path,
) -> None:
    ca = CertificateAuthority.create()
    ca.save(tmp_path)
    ca.issue_server().write(tmp_path / "s.pem", tmp_path / "s-key.pem")
    context = server_ssl_context(
        cert=tmp_path / "s.pem",
        key=tmp_path / "s-key.pem",
        ca=tmp_path / "ca.pem",
        crl=tmp_path / "crl.pem",
    )

    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.verify_flags & ssl.VERIFY_X509_STRICT
    assert context.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
    assert context.cert_store_stats() == {"x509": 1, "x509_ca": 1, "crl": 1}


def test_a_client_key_without_its_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="without its certificate"):
        client_ssl_context(ca=tmp_path / "ca.pem", key=tmp_path / "key.pem")
