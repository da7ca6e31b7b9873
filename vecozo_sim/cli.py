"""The ``vecozo-sim`` command: one argparse tree whose sub-commands live in their own modules.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)``, which adds its sub-commands
and sets ``handler`` (``(argparse.Namespace) -> int``, the exit code) as a parser default.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "vecozo_sim._cmd_world",
    "vecozo_sim._cmd_certs",
    "vecozo_sim._cmd_vektis",
    "vecozo_sim._cmd_up",
    "vecozo_sim._cmd_gateway",
    "vecozo_sim._cmd_insurer",
    "vecozo_sim._cmd_client",
    "vecozo_sim._cmd_load",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vecozo-sim",
        description="A simulated VECOZO exchange for integration tests of declaration traffic.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    # The home holds private keys and patient-like data: every file a command creates is 0600,
    # every directory 0700. Restored after, for a caller that runs ``main`` in its own process.
    previous = os.umask(0o077)
    try:
        return handler(args)
    finally:
        os.umask(previous)


if __name__ == "__main__":
    sys.exit(main())
