"""``vecozo-sim gateway``: run the exchange alone (no insurer stubs) until Ctrl-C or SIGTERM.

For a vendor who brings their own insurer (or only needs COV and the mailbox): the world
directory made by ``vecozo-sim init`` gives the accounts and certificates; the command prints
the exchange's URL and the admin URL, one per line, so a script can read them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import Any

import gateway
from vecozo_sim._cli_errors import CliError, port
from world import DEFAULT_HOME, HomeLayout, World, WorldFileError, load_world

__all__ = ["register", "serve"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("gateway", help="run the exchange alone until Ctrl-C")
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"world directory (default {DEFAULT_HOME})"
    )
    parser.add_argument("--port", type=port, default=8443, help="mutual-TLS port (0: any free)")
    parser.add_argument("--admin-port", type=port, default=8444, help="admin port (0: any free)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    layout = HomeLayout(root=args.home)
    try:
        world = load_world(layout)
    except (WorldFileError, OSError) as exc:
        raise CliError(
            f"no usable world in {args.home}: {exc}; make one with: vecozo-sim init --home DIR"
        ) from None
    settings = gateway.GatewaySettings(layout=layout, port=args.port, admin_port=args.admin_port)
    try:
        asyncio.run(serve(settings, world=world))
    except OSError as exc:  # port in use, unreadable certificate: the operator's to fix
        raise CliError(f"cannot start: {exc}", 1) from None
    return 0


async def serve(
    settings: gateway.GatewaySettings, *, world: World, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set or SIGINT/SIGTERM arrives; the exchange is stopped cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = gateway.Gateway(settings, world=world)
    try:
        await running.start()
        print(f"exchange  {running.url}", flush=True)
        print(f"admin     {running.admin_url}", flush=True)
        await stop.wait()
    finally:
        await running.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    print("vecozo-sim gateway: stopped", flush=True)
