"""``vecozo-sim certs issue|revoke|list|show`` against a home made in a temporary directory."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from certs import CertificateAuthority, format_serial, load_crl, read_identity
from vecozo_sim.cli import main
from world import HomeLayout

USER = "40000000100507"
INIT_USER = "20001000001131"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home as ``vecozo-sim init`` leaves it: a CA with one system certificate already issued."""
    layout = HomeLayout(root=tmp_path / "home")
    ca = CertificateAuthority.create()
    issued = ca.issue_client(
        name="Praktijksoftware", organisation="Tandarts", user_number=INIT_USER, kind="system"
    )
    ca.deliver(
        issued, cert_path=layout.account_cert(INIT_USER), key_path=layout.account_key(INIT_USER)
    )
    ca.save(layout.pki_dir)
    return layout.root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["certs", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def issue(home: Path, *extra: str) -> list[str]:
    return [
        "issue", "--home", str(home), "--name", "Jan Jansen", "--organisation", "Tandarts",
        "--user-number", USER, *extra,
    ]  # fmt: skip


def listed(capsys: pytest.CaptureFixture[str], home: Path) -> list[dict[str, str]]:
    code, out, _ = run(capsys, "list", "--home", str(home), "--json")
    assert code == 0
    rows: list[dict[str, str]] = json.loads(out)
    return rows


def test_issue_writes_the_account_files_and_registers_them(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, _ = run(capsys, *issue(home, "--kind", "system", "--days", "10"))
    layout = HomeLayout(root=home)
    cert = x509.load_pem_x509_certificate(layout.account_cert(USER).read_bytes())

    assert code == 0
    assert format_serial(cert.serial_number) in out
    assert read_identity(cert.public_bytes(Encoding.DER)).user_number == USER
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days in (9, 10)
    assert stat.S_IMODE(layout.account_key(USER).stat().st_mode) == 0o600
    row = next(r for r in listed(capsys, home) if r["user_number"] == USER)
    assert (row["kind"], row["status"]) == ("system", "valid")
    assert row["cert_path"] == str(layout.account_cert(USER))


def test_issue_to_another_directory_with_a_pkcs12_file(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    code, _, _ = run(capsys, *issue(home, "--out", str(tmp_path / "out"), "--p12-password", "pw"))
    p12 = tmp_path / "out" / f"{USER}.p12"

    assert code == 0
    bundle = pkcs12.load_pkcs12(p12.read_bytes(), b"pw")
    assert bundle.cert is not None
    assert (
        bundle.cert.certificate.serial_number
        == x509.load_pem_x509_certificate(
            (tmp_path / "out" / f"{USER}.pem").read_bytes()
        ).serial_number
    )
    assert stat.S_IMODE(p12.stat().st_mode) == 0o600
    assert not HomeLayout(root=home).account_cert(USER).exists()


def test_revoke_by_user_number_rewrites_the_crl_for_a_certificate_from_init(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    layout = HomeLayout(root=home)
    serial = x509.load_pem_x509_certificate(layout.account_cert(INIT_USER).read_bytes())
    before = load_crl(layout.crl)

    code, out, _ = run(capsys, "revoke", "--home", str(home), "--user-number", INIT_USER)
    after = load_crl(layout.crl)

    assert code == 0
    assert format_serial(serial.serial_number) in out
    assert after.get_revoked_certificate_by_serial_number(serial.serial_number) is not None
    assert after.last_update_utc > before.last_update_utc
    assert listed(capsys, home)[0]["status"] == "revoked"


def test_revoke_by_serial_and_show_reports_it(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    run(capsys, *issue(home))
    cert_path = HomeLayout(root=home).account_cert(USER)
    serial = format_serial(x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number)
    code, out, _ = run(capsys, "show", "--home", str(home), "--user-number", USER)
    assert code == 0
    assert "revoked:   no" in out

    assert run(capsys, "revoke", "--home", str(home), "--serial", serial)[0] == 0
    code, out, _ = run(capsys, "show", "--home", str(home), str(cert_path))

    assert code == 0
    assert f"serialNumber={USER}" in out
    assert f"serial:    {serial}" in out
    assert "revoked:   yes" in out


def test_list_prints_a_table_of_every_certificate(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    run(capsys, *issue(home))
    code, out, _ = run(capsys, "list", "--home", str(home))
    lines = out.splitlines()

    assert code == 0
    assert lines[0].split() == [
        "serial", "kind", "user_number", "name", "organisation", "not_after", "status",
    ]  # fmt: skip
    assert [INIT_USER in lines[1], USER in lines[2]] == [True, True]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list"], "no CA in"),
        (["revoke", "--user-number", "99999999999999"], "no certificate was issued"),
        (["revoke", "--serial", "0x2A"], "0x2A"),
        (["show", "--user-number", "99999999999999"], "no certificate was issued"),
        (["show", "nowhere.pem"], "no certificate file"),
        (["issue", "--name", "N", "--organisation", "O", "--user-number", "123"], "14 digits"),
    ],
)
def test_mistakes_exit_2_with_one_line_and_no_traceback(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, argv: list[str], message: str
) -> None:
    target = tmp_path / "empty" if argv == ["list"] else home
    code, _, err = run(capsys, *argv, "--home", str(target))

    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_file_that_is_not_a_certificate_is_refused(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    (tmp_path / "junk.pem").write_text("hello")

    code, _, err = run(capsys, "show", str(tmp_path / "junk.pem"), "--home", str(home))

    assert code == 2
    assert "not a PEM or DER certificate" in err


def test_a_non_positive_validity_is_an_argument_error(home: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["certs", *issue(home, "--days", "0")])

    assert exit_info.value.code == 2
