"""``vecozo-sim gateway``: run the exchange alone (no insurer stubs) until Ctrl-C or SIGTERM.

For a vendor who brings their own insurer (or only needs COV and the mailbox): the world
directory made by ``vecozo-sim init`` gives the accounts and certificates; the command prints
the exchange's URL and the admin URL (the gateway's admin app, ``/admin/gateway``), one per
line, so a script can read them. Like ``up`` it holds the home's lock and records the URLs and
the admin token in ``HOME/runtime.json`` (0600).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gateway
import portal
from vecozo_sim._cli_errors import CliError, port
from vecozo_sim._lock import HomeInUseError, HomeLock
from world import DEFAULT_HOME, HomeLayout, World, WorldFileError, load_world

if TYPE_CHECKING:  # aiohttp and the runner load only when the command runs
    from vecozo_sim import Runtime
    from vecozo_sim._admin_port import AdminPort

__all__ = ["register", "serve"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("gateway", help="run the exchange alone until Ctrl-C")
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"world directory (default {DEFAULT_HOME})"
    )
    parser.add_argument("--port", type=port, default=8443, help="mutual-TLS port (0: any free)")
    parser.add_argument("--admin-port", type=port, default=8444, help="admin port (0: any free)")
    parser.add_argument(
        "--allow-person-rest",
        action="store_true",
        help="let person certificates use the REST berichtenservice and COV (as up's option)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    try:
        world = load_world(layout)
    except (WorldFileError, OSError) as exc:
        raise CliError(
            f"no usable world in {args.home}: {exc}; make one with: vecozo-sim init --home DIR"
        ) from None
    settings = gateway.GatewaySettings(
        layout=layout, port=args.port, rest_person_certificates=args.allow_person_rest
    )
    try:
        with HomeLock(layout.root):
            asyncio.run(serve(settings, world=world, admin_port=args.admin_port))
    except HomeInUseError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # port in use, unreadable certificate: the operator's to fix
        raise CliError(f"cannot start: {exc}", 1) from None
    return 0


async def serve(
    settings: gateway.GatewaySettings,
    *,
    world: World,
    admin_port: int,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set or SIGINT/SIGTERM arrives; the exchange is stopped cleanly."""
    from vecozo_sim._admin_port import AdminPort
    from vecozo_sim._runner import GATEWAY_ADMIN_PREFIX, remove_runtime_file, write_runtime_file

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = gateway.Gateway(settings, world=world, extend=portal.mount_portal)
    admin: AdminPort | None = None
    try:
        await running.start()
        if running.app is None:
            raise RuntimeError("the gateway started without an application")
        admin = AdminPort(
            {GATEWAY_ADMIN_PREFIX: gateway.create_admin_app(running.app)},
            host=settings.host,
            port=admin_port,
            runtime_file=settings.layout.runtime_file,
            readiness=lambda: None if running.app is not None else "the gateway is not running",
            shutdown_timeout=gateway.SHUTDOWN_GRACE,
        )
        admin_url = await admin.start()
        write_runtime_file(settings.layout, _runtime(running, admin))
        print(f"exchange  {running.url}", flush=True)
        print(f"admin     {admin_url}{GATEWAY_ADMIN_PREFIX}", flush=True)
        await stop.wait()
    finally:
        if admin is not None:
            await admin.stop()
        await running.stop()
        remove_runtime_file(settings.layout, os.getpid())
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    print("vecozo-sim gateway: stopped", flush=True)


def _runtime(running: gateway.Gateway, admin: AdminPort) -> Runtime:
    """What runtime.json records for a gateway alone (no insurer endpoints)."""
    from vecozo_sim import Runtime

    return Runtime(
        gateway_url=running.url,
        admin_url=admin.url,
        pid=os.getpid(),
        home=str(running.settings.layout.root),
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        admin_token=admin.token,
    )
