"""``vecozo-sim insurers ledger --uzovi U [--provider AGB] [--home DIR] [--json]``.

What an insurer awarded, credited and paid out to each provider. While ``vecozo-sim up`` runs,
its admin app is asked (the URL from ``HOME/runtime.json``), so the figures are the live ones;
otherwise the insurer's SQLite file in ``HOME/insurers/`` is read read-only, with the payment
term from the world files. Exit 0 with ledgers, 2 when there is nothing to show (no such
insurer, no state, no judged file), with a message saying which.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import insurer_stub
from identifiers import is_ascii_digits
from vecozo_sim._cli_errors import CliError
from world import DEFAULT_HOME, HomeLayout, WorldFileError, load_world

__all__ = ["register"]

ADMIN_MOUNT = "/admin/insurers"
_TIMEOUT = 10.0


class NothingFound(Exception):
    """No ledger to show; the message says why (exit 2)."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``insurers ledger``."""
    insurers = subparsers.add_parser("insurers", help="inspect the stub insurers")
    actions = insurers.add_subparsers(dest="insurers_command", metavar="ACTION", required=True)
    ledger = actions.add_parser("ledger", help="awarded, credited and paid out per provider")
    ledger.add_argument("--uzovi", required=True, type=_digits(4), help="the insurer's UZOVI")
    ledger.add_argument("--provider", type=_digits(8), help="only this provider (AGB code)")
    ledger.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"world directory (default {DEFAULT_HOME})"
    )
    ledger.add_argument("--json", action="store_true", help="a JSON list of ledgers")
    ledger.set_defaults(handler=_ledger)


def _digits(count: int) -> Any:
    def check(text: str) -> str:
        if not is_ascii_digits(text, length=count):
            raise argparse.ArgumentTypeError(f"must be {count} digits: {text!r}")
        return text

    return check


def _ledger(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    try:
        ledgers = _live(layout, args.uzovi, args.provider)
        if ledgers is None:
            ledgers = _on_disk(layout, args.uzovi, args.provider)
        if not ledgers:
            who = f"provider {args.provider}" if args.provider else "any provider"
            raise NothingFound(f"insurer {args.uzovi} has judged no file of {who}")
    except NothingFound as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(ledgers, indent=2))
    else:
        for ledger in ledgers:
            _print_text(ledger)
    return 0


def _admin(layout: HomeLayout) -> tuple[str, str] | None:
    """The running simulator's admin URL and token, or None when none runs (no or unreadable
    file)."""
    try:
        runtime = json.loads(layout.runtime_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(runtime, dict):
        return None
    url, token = runtime.get("admin_url"), runtime.get("admin_token")
    if not (isinstance(url, str) and url):
        return None
    return url.rstrip("/"), token if isinstance(token, str) else ""


def _live(layout: HomeLayout, uzovi: str, provider: str | None) -> list[dict[str, Any]] | None:
    """The ledgers from the admin app; None when no simulator answers (read the disk then)."""
    admin = _admin(layout)
    if admin is None:
        return None
    base, token = admin
    if provider:
        query = urllib.parse.urlencode({"provider": provider})
        url = f"{base}{ADMIN_MOUNT}/ledger/{uzovi}?{query}"
    else:
        url = f"{base}{ADMIN_MOUNT}/ledgers/{uzovi}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310 (our URL)
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise NothingFound(f"the running simulator says: {_detail(exc)}") from exc
    except (urllib.error.URLError, OSError, ValueError):
        return None  # a stale runtime.json: the simulator is gone
    ledgers = [body] if provider else body
    return [ledger for ledger in ledgers if ledger.get("regels")]


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read())["detail"])
    except (ValueError, KeyError, TypeError, OSError):
        return f"HTTP {error.code}"


def _on_disk(layout: HomeLayout, uzovi: str, provider: str | None) -> list[dict[str, Any]]:
    """Straight from ``HOME/insurers/<uzovi>.sqlite``, read-only."""
    try:
        found = insurer_stub.read_settlements(layout.insurer_dir / f"{uzovi}.sqlite", provider)
    except insurer_stub.InsurerStoreError as exc:
        raise NothingFound(f"{exc} (is the simulator up, and is {uzovi} an insurer?)") from exc
    if not found:
        return []
    term = _payment_term(layout, uzovi)
    return [
        insurer_stub.build_ledger(items, uzovi=uzovi, provider=code, term_days=term).to_json()
        for code, items in found.items()
    ]


def _payment_term(layout: HomeLayout, uzovi: str) -> int:
    """The insurer's payment term from the world files: payment dates depend on it."""
    try:
        insurer = load_world(layout).insurer(uzovi)
    except WorldFileError as exc:
        raise NothingFound(f"cannot read the world: {exc}") from exc
    if insurer is None:
        raise NothingFound(f"no insurer with UZOVI {uzovi} in {layout.world_file}")
    return insurer.policy.payment_term_days


def _print_text(ledger: dict[str, Any]) -> None:
    print(
        f"insurer {ledger['uzovi']}  provider {ledger['provider']}  "
        f"toegekend {_euro(ledger['toegekend'])}  gecrediteerd {_euro(ledger['gecrediteerd'])}  "
        f"uitbetaald {_euro(ledger['uitbetaald'])}  saldo {_euro(ledger['saldo'])}"
    )
    for row in ledger["regels"]:
        print(
            f"  {row['ontvangen']}  {row['factuurnummer']:<12} ingediend {_euro(row['ingediend'])}"
            f"  toegekend {_euro(row['toegekend'])}  uitbetaald {_euro(row['uitbetaald'])}"
            f" op {row['betaaldatum']}"
        )


def _euro(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}€ {abs(cents) // 100},{abs(cents) % 100:02d}"
