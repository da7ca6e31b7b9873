"""``vecozo-sim certs``: one more certificate, a revocation, or a look at what the CA issued.

``vecozo-sim init`` issues a certificate for every account; these commands are for the person
who needs one more (a new colleague, a second system), wants one revoked to test refusals, or
needs to see which file belongs to which user number. They work on the CA saved in
``HOME/pki`` (``ca-state.json`` is the register), so they see what ``init`` issued.

A user's mistake (no home, unknown user number, bad serial) prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from certs import (
    CertificateAuthority,
    CertsError,
    IssuedRecord,
    ca_lock,
    format_serial,
    is_revoked,
    load_crl,
)
from vecozo_sim._cli_errors import CliError
from world import DEFAULT_HOME, HomeLayout

__all__ = ["register"]

Handler = Callable[[argparse.Namespace], int]
SUBJECT_NAMES = {NameOID.SERIAL_NUMBER: "serialNumber"}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``certs issue|revoke|list|show``."""
    parser = subparsers.add_parser("certs", help="issue, revoke, list and show test certificates")
    commands = parser.add_subparsers(dest="certs_command", metavar="ACTION", required=True)
    _add_issue(commands)
    _add_revoke(commands)
    _add_list(commands)
    _add_show(commands)


def _command(
    commands: argparse._SubParsersAction[Any], name: str, help_text: str, run: Handler
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text, description=help_text
    )
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help="world directory (default: %(default)s)"
    )
    parser.set_defaults(handler=_guarded(run))
    return parser


def _guarded(run: Handler) -> Handler:
    """Turn every refusal into a ``CliError`` (exit status 2), never a traceback."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (CertsError, OSError) as exc:
            raise CliError(str(exc)) from None

    return handler


def _add_issue(commands: argparse._SubParsersAction[Any]) -> None:
    parser = _command(commands, "issue", "issue a client certificate for one account", _issue)
    parser.add_argument("--name", required=True, help="CN: the person's or system's name")
    parser.add_argument("--organisation", required=True, help="O: the organisation's name")
    parser.add_argument("--user-number", required=True, help="the 14-digit VECOZO user number")
    parser.add_argument("--kind", choices=("person", "system"), default="person")
    parser.add_argument("--days", type=_positive, help="validity in days (default: 3 years)")
    parser.add_argument("--p12-password", help="also write a PKCS#12 file with this password")
    parser.add_argument("--out", type=Path, help="directory for the files (default: HOME/accounts)")


def _add_revoke(commands: argparse._SubParsersAction[Any]) -> None:
    parser = _command(commands, "revoke", "revoke certificates and rewrite crl.pem", _revoke)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--serial", type=_serial, help="certificate serial (0x… hex or decimal)")
    which.add_argument("--user-number", help="revoke every certificate of this user number")


def _add_list(commands: argparse._SubParsersAction[Any]) -> None:
    parser = _command(commands, "list", "list every certificate the CA issued", _list)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_show(commands: argparse._SubParsersAction[Any]) -> None:
    parser = _command(commands, "show", "show one certificate", _show)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("path", nargs="?", type=Path, help="a PEM or DER certificate file")
    which.add_argument("--user-number", help="the newest certificate of this user number")


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of days, got {text}")
    return value


def _serial(text: str) -> int:
    try:
        return int(text.replace(":", ""), 16) if ":" in text else int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a serial number: {text!r}") from None


def _layout_with_ca(home: Path) -> HomeLayout:
    layout = HomeLayout(root=home)
    if not layout.ca_cert.exists():
        raise CliError(f"no CA in {layout.pki_dir} (run `vecozo-sim init --home {home}` first)")
    return layout


def _load_ca(home: Path) -> tuple[HomeLayout, CertificateAuthority]:
    layout = _layout_with_ca(home)
    return layout, CertificateAuthority.load(layout.ca_cert, layout.ca_key, layout.pki_dir)


@contextlib.contextmanager
def _edited_ca(home: Path) -> Iterator[tuple[HomeLayout, CertificateAuthority]]:
    """The CA loaded under its lock, held until the caller has saved what it changed: another
    ``certs`` command running at the same time would otherwise overwrite the change."""
    with ca_lock(_layout_with_ca(home).pki_dir):
        yield _load_ca(home)


def _issue(args: argparse.Namespace) -> int:
    with _edited_ca(args.home) as (layout, ca):
        return _issue_with(args, layout, ca)


def _issue_with(args: argparse.Namespace, layout: HomeLayout, ca: CertificateAuthority) -> int:
    not_after = None
    if args.days is not None:
        not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=args.days)
    issued = ca.issue_client(
        name=args.name,
        organisation=args.organisation,
        user_number=args.user_number,
        kind=args.kind,
        not_after=not_after,
    )
    cert_path, key_path = _destination(layout, args.out, args.user_number)
    ca.deliver(issued, cert_path=cert_path, key_path=key_path)
    ca.save_state(layout.pki_dir)
    print(f"issued {format_serial(issued.serial)} to {args.name} ({args.user_number})")
    print(f"  certificate: {cert_path}\n  key:         {key_path}")
    if args.p12_password:
        p12 = cert_path.with_suffix(".p12")
        issued.write_pkcs12(p12, args.p12_password)
        print(f"  PKCS#12:     {p12}")
    return 0


def _destination(layout: HomeLayout, out: Path | None, user_number: str) -> tuple[Path, Path]:
    if out is None:
        return layout.account_cert(user_number), layout.account_key(user_number)
    return out / f"{user_number}.pem", out / f"{user_number}-key.pem"


def _revoke(args: argparse.Namespace) -> int:
    with _edited_ca(args.home) as (layout, ca):
        serials = [args.serial] if args.serial is not None else _serials_of(ca, args.user_number)
        for serial in serials:
            ca.revoke(serial)
        ca.save(layout.pki_dir)
    for serial in serials:
        print(f"revoked {format_serial(serial)}")  # only once it is on disk
    print(f"wrote {layout.crl} (reload it into a running gateway: POST /admin/gateway/crl/reload)")
    return 0


def _serials_of(ca: CertificateAuthority, user_number: str) -> list[int]:
    serials = [r.serial for r in ca.records if r.user_number == user_number]
    if not serials:
        raise CliError(f"no certificate was issued to user number {user_number!r}")
    return serials


def _list(args: argparse.Namespace) -> int:
    _, ca = _load_ca(args.home)
    now = dt.datetime.now(dt.UTC)
    rows = [{**r.to_json(), "status": _status(ca, r, now)} for r in ca.records]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    columns = ("serial", "kind", "user_number", "name", "organisation", "not_after", "status")
    cells = [[str(row[c] if row[c] is not None else "-") for c in columns] for row in rows]
    _print_table(columns, cells)
    return 0


def _status(ca: CertificateAuthority, record: IssuedRecord, now: dt.datetime) -> str:
    if ca.is_revoked(record.serial):
        return "revoked"
    if now < record.not_before:
        return "not yet valid"
    return "expired" if now >= record.not_after else "valid"


def _print_table(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    for row in [list(columns), *cells]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _show(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    path = args.path if args.path is not None else _path_of(args.home, args.user_number)
    cert = _read_certificate(path)
    now = dt.datetime.now(dt.UTC)
    print(f"file:      {path}")
    print(f"subject:   {cert.subject.rfc4514_string(SUBJECT_NAMES)}")
    print(f"issuer:    {cert.issuer.rfc4514_string(SUBJECT_NAMES)}")
    print(f"serial:    {format_serial(cert.serial_number)}")
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    print(f"valid:     {start.isoformat()} .. {end.isoformat()}")
    print(f"status:    {_validity(cert, now)}")
    print(f"revoked:   {_revocation(layout, cert)}")
    return 0


def _path_of(home: Path, user_number: str) -> Path:
    layout, ca = _load_ca(home)
    records = [r for r in ca.records if r.user_number == user_number]
    if not records:
        raise CliError(f"no certificate was issued to user number {user_number!r}")
    newest = max(records, key=lambda r: r.not_before)
    return Path(newest.cert_path) if newest.cert_path else layout.account_cert(user_number)


def _read_certificate(path: Path) -> x509.Certificate:
    if not path.is_file():
        raise CliError(f"no certificate file at {path}")
    data = path.read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CliError(f"{path} is not a PEM or DER certificate") from None


def _validity(cert: x509.Certificate, now: dt.datetime) -> str:
    if now < cert.not_valid_before_utc:
        return "not yet valid"
    return "expired" if now >= cert.not_valid_after_utc else "valid"


def _revocation(layout: HomeLayout, cert: x509.Certificate) -> str:
    if not layout.crl.is_file():
        return f"unknown (no CRL at {layout.crl})"
    crl = load_crl(layout.crl)
    if crl.issuer != cert.issuer:
        return f"unknown (not issued by the CA of {layout.root})"
    return "yes" if is_revoked(crl, cert.serial_number) else "no"
