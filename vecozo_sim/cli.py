"""The ``vecozo-sim`` command: one argparse tree whose sub-commands live in their own modules.

Each module in ``COMMANDS`` exposes ``register(subparsers)``, which adds its sub-commands and
sets ``handler`` (``(argparse.Namespace) -> int``, the exit code) as a parser default. Only the
module of the command asked for is imported: the others pull in aiohttp, cryptography, rich and
the world generator, which made ``vecozo-sim --help`` take over a second. ``--help`` and a
mistyped command get a parser of names and one-line helps only (``COMMANDS``; a unit test keeps
it equal to what the modules register).

The error policy is here, once: a command raises ``CliError`` (message, exit code) and ``main``
prints ``vecozo-sim COMMAND: error: MESSAGE`` and exits with its code; a reader that goes away
(``validate --json F | head``) ends the command quietly with 141, as SIGPIPE would.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from vecozo_sim._cli_errors import EXIT_BROKEN_PIPE, EXIT_USAGE, CliError

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]

_WORLD, _CLIENT = "vecozo_sim._cmd_world", "vecozo_sim._cmd_client"
# command -> (module that registers it, its one-line help); in the order --help lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (_WORLD, "generate a world directory with certificates"),
    "world": (_WORLD, "inspect the world directory"),
    "certs": ("vecozo_sim._cmd_certs", "issue, revoke, list and show test certificates"),
    "validate": (
        "vecozo_sim._cmd_vektis",
        "check Vektis EI files technically and list every finding with its retourcode",
    ),
    "up": (
        "vecozo_sim._cmd_up",
        "start the exchange and every stub insurer (creates the world if missing)",
    ),
    "gateway": ("vecozo_sim._cmd_gateway", "run the exchange alone until Ctrl-C"),
    "insurers": ("vecozo_sim._cmd_insurer", "inspect the stub insurers"),
    "submit": (_CLIENT, "send EI declaration files; print traceerId and status"),
    "status": (_CLIENT, "statuses of a message and of the messages linked to it"),
    "inbox": (_CLIENT, "list the messages waiting in the mailbox"),
    "fetch": (_CLIENT, "download every waiting message, verified by size + SHA256"),
    "cov": (_CLIENT, "controle op verzekeringsgegevens for one person"),
    "explain": (_CLIENT, "decode an EI declaration or return file field by field (offline)"),
    "generate": (_CLIENT, "make realistic declaration files from the world (offline)"),
    "client": (_CLIENT, "the provider's commands (same as top level)"),
    "load": (
        "vecozo_sim._cmd_load",
        "send generated declarations at a steady rate and summarise the answers",
    ),
}

Handler = Callable[[argparse.Namespace], int]


def _top_level() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[Any]]:
    parser = argparse.ArgumentParser(
        prog="vecozo-sim",
        description="A simulated VECOZO exchange for integration tests of declaration traffic.",
        epilog="Exit codes: see the README, section 'Exit codes'.",
    )
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` (its module's commands), or every command when None."""
    parser, subparsers = _top_level()
    modules = dict.fromkeys(module for module, _help in COMMANDS.values())
    if command in COMMANDS:
        modules = {COMMANDS[command][0]: None}
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def _names_only_parser() -> argparse.ArgumentParser:
    """Names and helps, no command module imported: for --help and for a mistyped command."""
    parser, subparsers = _top_level()
    for name, (_module, help_) in COMMANDS.items():
        subparsers.add_parser(name, help=help_)
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The command word: the first argument that is not an option (the top level has -h only)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _chosen(arguments)
    parser = build_parser(command) if command in COMMANDS else _names_only_parser()
    args = parser.parse_args(arguments)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    # The home holds private keys and patient-like data: every file a command creates is 0600,
    # every directory 0700. Restored after, for a caller that runs ``main`` in its own process.
    previous = os.umask(0o077)
    try:
        return handler(args)
    except CliError as error:
        print(f"vecozo-sim {_command_words(args)}: error: {error.message}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        os.umask(previous)


def _command_words(args: argparse.Namespace) -> str:
    words = [getattr(args, "command", None)]
    words += [v for k, v in vars(args).items() if k.endswith("_command") and isinstance(v, str)]
    return " ".join(w for w in words if w)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
