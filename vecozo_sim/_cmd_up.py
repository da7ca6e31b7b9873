"""``vecozo-sim up``: the first command of the README, the simulator in one process.

It makes the world when there is none (exactly ``vecozo-sim init``), starts the embedded
exchange (:mod:`vecozo_sim._runner`), records where it listens in ``HOME/runtime.json`` so the
client commands find it, and prints what a newcomer needs: the URLs, the certificate of every
account and three commands to try. Ctrl-C or SIGTERM stops it cleanly; a message accepted with
a 204 is on disk before the answer, so even SIGKILL loses nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shlex
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vecozo_sim._cli_errors import CliError, iso_date, port
from vecozo_sim._environment import (
    UP_VARIABLES,
    apply_environment,
    host_names,
    non_negative,
    positive_seconds,
)
from world import (
    AccountKind,
    HomeLayout,
    Service,
    World,
    WorldFileError,
)

if TYPE_CHECKING:  # the runner pulls in aiohttp and every room: only `up` itself needs it
    from vecozo_sim import Exchange, ExchangeSettings, Runtime

__all__ = ["register"]

_EXAMPLE_PRACTICE = "12050001"  # the contracted dentist of docs/TESTDATA.md
_EXAMPLE_SCENARIO = "insured-vgz"
# Prints the admin token of a runtime.json (one key per line, as write_runtime_file writes it)
# with nothing but POSIX sed, so the printed admin example needs no jq and no Python.
_TOKEN_FROM_RUNTIME = r"""sed -n 's/.*"admin_token": "\([^"]*\)".*/\1/p'"""  # noqa: S105


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``up``."""
    up = subparsers.add_parser(
        "up", help="start the exchange and every stub insurer (creates the world if missing)"
    )
    # None: apply_environment fills it from its VECOZO_SIM_* variable, else the default.
    option = up.add_argument
    option("--home", type=Path, help=f"world directory ({_env('home')})")
    option("--host", help=f"address to listen on; 0.0.0.0 in a container ({_env('host')})")
    option(
        "--hostname",
        type=host_names,
        help="extra names clients use to reach it (comma-separated): in the server certificate "
        f"of a new world and accepted by the admin port ({_env('hostname')})",
    )
    option("--port", type=port, help=f"HTTPS port, 0: any free port ({_env('port')})")
    option("--admin-port", type=port, help=f"admin port, 0: any free ({_env('admin_port')})")
    option("--insurer-port", type=port, default=0, help="insurers' receiving port")
    option("--seed", type=int, help=f"seed of a new world ({_env('seed')})")
    option("--persons", type=non_negative, help=f"population of a new world ({_env('persons')})")
    option("--today", type=iso_date, help=f"simulated date, YYYY-MM-DD ({_env('today')})")
    option(
        "--allow-person-rest",
        action="store_const",
        const=True,
        help="let person certificates use the REST berichtenservice and COV, as before VECOZO's "
        f"system-certificate rule (docs/COMPATIBILITY.md; {_env('allow_person_rest')})",
    )
    option(
        "--idle-pull",
        type=positive_seconds,
        metavar="SECONDS",
        help="how often a pull-mode insurer looks at a mailbox it believes empty; the exchange "
        f"wakes it when a message arrives, so this is a safety net ({_env('idle_pull')})",
    )
    up.set_defaults(handler=_up)


def _env(dest: str) -> str:
    """The help's note on an option's variable and default."""
    [option] = [o for o in UP_VARIABLES if o.dest == dest]
    default = "none" if option.default in (None, ()) else option.default
    return f"env {option.variable}, default {default}"


def _ensure_world(layout: HomeLayout, args: argparse.Namespace) -> bool:
    """Create the world and its PKI as ``init`` does; True when it had to."""
    from vecozo_sim._runner import home_is_initialised

    if home_is_initialised(layout):
        return False
    from vecozo_sim import init_home  # deferred: init is the rare case

    if layout.world_file.exists():
        raise CliError(
            f"{layout.root} has a world but misses certificates; "
            f"run `vecozo-sim init --home {layout.root} --force`"
        )
    print(f"no world in {layout.root}: creating one (seed {args.seed}, {args.persons} persons)")
    init_home(layout, seed=args.seed, persons=args.persons, today=args.today, hosts=args.hostname)
    return True


def _up(args: argparse.Namespace) -> int:
    from vecozo_sim._lock import HomeInUseError, HomeLock

    apply_environment(args)
    _print_listening(args)
    try:
        with HomeLock(args.home):
            return _up_locked(args)
    except HomeInUseError as exc:
        raise CliError(str(exc)) from None


def _up_locked(args: argparse.Namespace) -> int:
    """Everything of ``up`` while this process holds the home (before the world is made: two
    first starts would both generate it)."""
    from vecozo_sim import ExchangeSettings

    layout = HomeLayout(root=args.home)
    try:
        _ensure_world(layout, args)
    except (WorldFileError, OSError) as exc:
        raise CliError(str(exc)) from None
    settings = ExchangeSettings(
        layout=layout,
        host=args.host,
        public_hosts=args.hostname,
        port=args.port,
        admin_port=args.admin_port,
        insurer_port=args.insurer_port,
        today=args.today,
        fault_seed=args.seed,
        rest_person_certificates=args.allow_person_rest,
        idle_interval=args.idle_pull,
    )
    try:
        return asyncio.run(_serve(settings))
    except (WorldFileError, OSError) as exc:  # a broken world file, a port in use
        raise CliError(str(exc)) from None


def _print_listening(args: argparse.Namespace) -> None:
    """The first line of the log: a container's log shows where to connect before the world
    (seconds at a first start) exists; ``_print_ready`` gives the real URLs once up."""
    names = ", ".join(args.hostname) or "none"
    print(
        f"vecozo-sim up: listening on {args.host} port {args.port} (exchange, mutual TLS) and "
        f"port {args.admin_port} (admin, GET /health); home {args.home}; host names {names}",
        flush=True,
    )


async def _serve(settings: ExchangeSettings) -> int:
    from vecozo_sim import Exchange
    from vecozo_sim._runner import remove_runtime_file, write_runtime_file

    started = time.perf_counter()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    exchange = Exchange(settings)
    runtime = await exchange.start(insurers_in_background=_ran_before(settings.layout))
    try:
        _print_ready(
            exchange.world,
            settings.layout,
            runtime,
            time.perf_counter() - started,
            person_rest=settings.rest_person_certificates,
        )
        write_runtime_file(settings.layout, runtime)  # after the banner: it says "ready"
        watcher = asyncio.create_task(_watch_insurers(exchange, stop, started))
        await stop.wait()
        print("stopping: in-flight deliveries stay queued on disk", flush=True)
    finally:
        await exchange.stop()
        remove_runtime_file(settings.layout, runtime.pid)
    return 0 if await watcher else 1


def _ran_before(layout: HomeLayout) -> bool:
    """The gateway's store exists, so it holds the COV register the insurers published."""
    return layout.gateway_dir.is_dir() and any(layout.gateway_dir.iterdir())


async def _watch_insurers(exchange: Exchange, stop: asyncio.Event, started: float) -> bool:
    """Report when the insurers judge; a failure to start them stops ``up`` (False)."""
    try:
        await exchange.insurers_started()
    except asyncio.CancelledError:
        return True
    except Exception as exc:  # any failure of a room must end up, not leave it half alive
        print(f"vecozo-sim up: error: the insurers did not start: {exc!r}", file=sys.stderr)
        stop.set()
        return False
    settle_heap()
    print(f"insurers published their populations and judge ({time.perf_counter() - started:.2f} s)")
    return True


def settle_heap() -> None:
    """Move what the start built (world, population, register, code) out of the collector's way.

    These objects live as long as ``up`` does, yet every full collection walked all of them:
    with a new TLS connection per request, a run in which full collections fell counted 14.10
    million instructions a connection without this and 13.69 million with it (callgrind,
    docs/PERFORMANCE.md, round 5). Collected first, so no garbage is kept; what is made later
    is collected as before.
    """
    gc.collect()
    gc.freeze()


_CERTIFICATE_RULE = {
    False: "your software presents a system certificate: the REST berichtenservice and COV "
    "refuse a person's (docs/COMPATIBILITY.md; --allow-person-rest lets it in)",
    True: "your software presents a system certificate; --allow-person-rest: a person's "
    "certificate is accepted too, unlike VECOZO (docs/COMPATIBILITY.md)",
}


def _print_ready(
    world: World, layout: HomeLayout, runtime: Runtime, seconds: float, *, person_rest: bool
) -> None:
    print(f"vecozo-sim is up in {seconds:.2f} s (pid {runtime.pid}, world {layout.root})")
    print(f"  exchange (mutual TLS): {runtime.gateway_url}")
    print(f"  portal (persons):      {runtime.gateway_url}/portal/   docs/PORTAL.md")
    print(f"  admin (operator):      {runtime.admin_url}/admin/gateway/  /admin/insurers/")
    print(f'    token: "admin_token" in {layout.runtime_file}; docs/ADMIN.md lists the endpoints')
    for uzovi, url in sorted(runtime.insurer_endpoints.items()):
        print(f"  insurer {uzovi} receives at {url}")
    print(f"  CA: {layout.ca_cert}   CRL: {layout.crl}   runtime: {layout.runtime_file}")
    print("\nAccounts (certificate; the key is next to it as <user number>-key.pem):")
    print(f"  {_CERTIFICATE_RULE[person_rest]}")
    for account in world.accounts:
        services = ",".join(sorted(s.value for s in account.services))
        print(
            f"  {account.user_number}  {account.kind.value:<6} {account.organisation:<8} "
            f"{services:<26} {layout.account_cert(account.user_number)}  {account.name}"
        )
    print("\nTry:")
    for line in example_commands(world, layout, runtime):
        print(f"  {line}")
    print("\nCtrl-C stops it.", flush=True)


def example_commands(world: World, layout: HomeLayout, runtime: Runtime) -> list[str]:
    """Submit a generated file, fetch its return, check COV as plain curl, read the journal.

    The admin line reads the token from runtime.json in the shell rather than printing it:
    the banner ends up in terminals and CI logs others may read (docs/SECURITY.md)."""
    account = _example_account(world)
    home = shlex.quote(str(layout.root))
    bsn, birth = _example_person(world)
    body = shlex.quote(f'{{"bsn": "{bsn}", "geboortedatum": "{birth}"}}')
    cert, key = shlex.quote(str(layout.account_cert(account))), layout.account_key(account)
    curl = (
        f"curl --cert {cert} --key {shlex.quote(str(key))} "
        f"--cacert {shlex.quote(str(layout.ca_cert))} -H 'Content-Type: application/json' "
        f"-d {body} {runtime.gateway_url}/cov/v1/controle"
    )
    token = f"$({_TOKEN_FROM_RUNTIME} {shlex.quote(str(layout.runtime_file))})"
    admin = (
        f'curl -H "Authorization: Bearer {token}" '
        f"{shlex.quote(runtime.admin_url + '/admin/gateway/journal?polling=false&limit=5')}"
    )
    me = command_prefix()
    return [
        f"{me} client generate --home {home} --provider {_EXAMPLE_PRACTICE} "
        f"--lines 5 --out decl.asc",
        f"{me} client submit --home {home} --account {account} decl.asc",
        f"{me} client fetch --home {home} --account {account} --wait <traceerId>",
        f"{me} client cov --home {home} --account {account} --bsn {bsn} --birth-date {birth}",
        curl,
        admin,
    ]


def command_prefix() -> str:
    """How to run ``vecozo-sim`` from the user's shell: after ``make up`` the venv is not on
    PATH, so the script next to this interpreter by its absolute path, unless PATH finds that
    very script; without a script (``python -m vecozo_sim``), this interpreter with ``-m``."""
    script = Path(sys.executable).with_name("vecozo-sim")
    if not script.is_file():
        return f"{shlex.quote(sys.executable)} -m vecozo_sim"
    found = shutil.which("vecozo-sim")
    if found is not None and Path(found).resolve() == script.resolve():
        return "vecozo-sim"
    return shlex.quote(str(script.absolute()))


def _example_account(world: World) -> str:
    """The dentist's system account (all services), or any system account that may declare:
    the webservices take a system certificate only."""
    systems = [a for a in world.accounts if a.kind is AccountKind.SYSTEM] or list(world.accounts)
    everything = {Service.DECLAREREN, Service.COV, Service.BERICHTEN}
    dentist = [
        a for a in systems if a.organisation == _EXAMPLE_PRACTICE and everything <= a.services
    ]
    declaring = [a for a in systems if Service.DECLAREREN in a.services]
    return (dentist or declaring or systems)[0].user_number


def _example_person(world: World) -> tuple[str, str]:
    for scenario in world.scenarios:
        if scenario.name == _EXAMPLE_SCENARIO and scenario.bsn and scenario.birth_date:
            return scenario.bsn, scenario.birth_date.isoformat()
    person = world.persons[0]
    return person.bsn, person.birth_date.isoformat()
