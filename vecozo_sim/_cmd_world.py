"""``vecozo-sim init`` and ``vecozo-sim world show``: make a world directory and describe it.

``init`` makes a home with :func:`vecozo_sim.init_home` (the world, a certificate for every
account, the exchange's server and client identities and the CRL); ``world show`` lists what a
test needs to point a client at it (paths, user numbers, scenario identifiers), as text or as
JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vecozo_sim._cli_errors import CliError
from vecozo_sim._environment import host_names, non_negative
from vecozo_sim._home import init_home
from world import DEFAULT_HOME, HomeLayout, World, WorldFileError, load_world

__all__ = ["register"]

_URL_KEYS = ("gateway_url", "gateway", "base_url", "url")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    init = subparsers.add_parser("init", help="generate a world directory with certificates")
    _home_option(init)
    init.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    init.add_argument(
        "--persons", type=non_negative, default=10_000, help="insured persons to make"
    )
    init.add_argument("--force", action="store_true", help="replace an existing world")
    init.add_argument(
        "--hostname",
        type=host_names,
        default=(),
        help="extra names (comma-separated) in the server certificate, besides localhost",
    )
    init.set_defaults(handler=_init)
    world = subparsers.add_parser("world", help="inspect the world directory")
    actions = world.add_subparsers(dest="world_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="accounts, organisations and test scenarios")
    _home_option(show)
    show.add_argument("--json", action="store_true", help="one JSON object for scripts")
    show.set_defaults(handler=_show)


def _home_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"world directory (default {DEFAULT_HOME})"
    )


def _init(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    started = time.perf_counter()
    try:
        world = init_home(
            layout, seed=args.seed, persons=args.persons, hosts=args.hostname, replace=args.force
        )
    except FileExistsError as exc:
        raise CliError(str(exc), 1) from None
    _report_init(world, layout, time.perf_counter() - started)
    return 0


def _report_init(world: World, layout: HomeLayout, seconds: float) -> None:
    print(f"world (seed {world.seed}): {layout.world_file}")
    print(f"population ({len(world.persons)} persons): {layout.population_file}")
    print(f"CA: {layout.ca_cert} (key {layout.ca_key}), CRL: {layout.crl}")
    print(f"server certificate: {layout.server_cert}")
    print(f"exchange client certificate: {layout.exchange_client_cert}")
    print(f"{len(world.accounts)} account certificates in {layout.accounts_dir}")
    print(f"done in {seconds:.1f} s; next: vecozo-sim world show --home {layout.root}")
    for kept in (layout.gateway_dir, layout.insurer_dir):
        if kept.exists():
            print(f"note: kept existing state in {kept}")


def _gateway_url(layout: HomeLayout) -> str | None:
    """The URL ``vecozo-sim up`` wrote into runtime.json, if it has run."""
    try:
        data = json.loads(layout.runtime_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    found = (data.get(key) for key in _URL_KEYS)
    return next((v for v in found if isinstance(v, str) and v.startswith("http")), None)


def _accounts(world: World, layout: HomeLayout) -> list[dict[str, Any]]:
    return [
        {
            "user_number": a.user_number,
            "name": a.name,
            "kind": a.kind.value,
            "organisation": a.organisation,
            "organisation_name": world.organisation_name(a.organisation),
            "organisation_kind": str(world.organisation_kind(a.organisation)),
            "services": sorted(s.value for s in a.services),
            "cert": str(layout.account_cert(a.user_number)),
            "key": str(layout.account_key(a.user_number)),
            "totp_secret": a.totp_secret,  # the portal's second factor (persons only)
        }
        for a in world.accounts
    ]


def _organisations(world: World) -> dict[str, Any]:
    return {
        "insurers": [
            {
                "uzovi": i.uzovi,
                "name": i.name,
                "group": i.group,
                "delivery": i.delivery.mode.value,
                "endpoint": i.delivery.endpoint,
            }
            for i in world.insurers
        ],
        "providers": [
            {
                "agb": p.agb,
                "practice_agb": p.practice_agb,
                "institution_agb": p.institution_agb,
                "code": p.code,
                "kind": p.kind,
                "name": p.name,
                "standard": p.standard,
                "contracted_with": sorted(p.contracted_with),
            }
            for p in world.providers
        ],
        "bureaus": [{"agb": b.agb, "name": b.name} for b in world.bureaus],
        "toestemmingen": [
            {
                "provider": t.provider,
                "bureau": t.bureau,
                "service": t.service.value,
                "valid_from": t.valid_from.isoformat(),
                "valid_to": t.valid_to.isoformat(),
            }
            for t in world.toestemmingen
        ],
    }


def _scenarios(world: World) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "triggers": s.triggers,
            "bsn": s.bsn,
            "birth_date": s.birth_date.isoformat() if s.birth_date else None,
            "uzovi": s.uzovi,
            "verzekerdennummer": s.verzekerdennummer,
            "provider": s.provider,
            "bureau": s.bureau,
        }
        for s in world.scenarios
    ]


def world_summary(world: World, layout: HomeLayout) -> dict[str, Any]:
    """What ``world show --json`` prints: everything a test needs to drive the simulator."""
    return {
        "home": str(layout.root),
        "seed": world.seed,
        "persons": len(world.persons),
        "ca": str(layout.ca_cert),
        "crl": str(layout.crl),
        "server_cert": str(layout.server_cert),
        "exchange_cert": str(layout.exchange_client_cert),
        "gateway_url": _gateway_url(layout),
        "accounts": _accounts(world, layout),
        **_organisations(world),
        "scenarios": _scenarios(world),
    }


def _show(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    if not layout.world_file.exists():
        raise CliError(f"no world in {layout.root} (run `vecozo-sim init --home {layout.root}`)")
    try:
        world = load_world(layout)
    except WorldFileError as exc:
        raise CliError(f"cannot read the world: {exc}") from None
    summary = world_summary(world, layout)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


def _print_summary(s: dict[str, Any]) -> None:
    console = Console(file=sys.stdout, width=160)
    console.print(
        f"world {s['home']} (seed {s['seed']}, {s['persons']} persons); CA {s['ca']}; "
        f"gateway {s['gateway_url'] or 'not running (vecozo-sim up)'}"
    )
    console.print(
        _table(
            "Insurers",
            ("UZOVI", "name", "group", "delivery"),
            [(i["uzovi"], i["name"], i["group"], i["delivery"]) for i in s["insurers"]],
        )
    )
    console.print(
        _table(
            "Providers",
            ("AGB", "praktijk/instelling", "soort", "name", "standard"),
            [(p["agb"], p["code"], p["kind"], p["name"], p["standard"]) for p in s["providers"]],
        )
    )
    console.print(
        _table("Service bureaus", ("AGB", "name"), [(b["agb"], b["name"]) for b in s["bureaus"]])
    )
    console.print(
        _table(
            "Toestemmingen",
            ("bureau", "provider", "from", "to"),
            [
                (t["bureau"], t["provider"], t["valid_from"], t["valid_to"])
                for t in s["toestemmingen"]
            ],
        )
    )
    console.print(
        _table(
            "Accounts",
            ("user number", "kind", "organisation", "name", "services", "TOTP secret"),
            [
                (
                    a["user_number"],
                    a["kind"],
                    a["organisation"],
                    a["name"],
                    ",".join(a["services"]),
                    a["totp_secret"] or "",
                )
                for a in s["accounts"]
            ],
        )
    )
    console.print(
        _table(
            "Scenarios",
            ("name", "identifiers", "triggers"),
            [(c["name"], _identifiers(c), c["triggers"]) for c in s["scenarios"]],
        )
    )


def _identifiers(scenario: dict[str, Any]) -> str:
    keys = ("bsn", "birth_date", "uzovi", "verzekerdennummer", "provider", "bureau")
    return " ".join(f"{k}={scenario[k]}" for k in keys if scenario[k])
