"""``VECOZO_SIM_*`` environment variables: the defaults of ``up``'s options.

A container (docs/CONTAINER.md) is configured through its environment, not its command line:
Testcontainers, a compose file and a CI service all set variables. An option given on the
command line still wins; a variable only replaces the built-in default. A bad value is refused
naming the variable, since the user never typed an option.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vecozo_sim._cli_errors import CliError, iso_date, port
from world import DEFAULT_HOME

__all__ = [
    "IDLE_PULL_SECONDS",
    "UP_VARIABLES",
    "EnvOption",
    "apply_environment",
    "host_names",
    "non_negative",
    "positive_seconds",
]


# A pull-mode insurer's look at a mailbox it believes empty: a safety net only, because the
# gateway wakes an insurer when it offers it a message (``ExchangeSettings.idle_interval``).
IDLE_PULL_SECONDS = 30.0


def non_negative(text: str) -> int:
    """An argparse type for a count (persons)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def positive_seconds(text: str) -> float:
    """An argparse type for an interval in seconds (``30``, ``0.5``): finite and above zero."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0: {text}")
    return value


def host_names(text: str) -> tuple[str, ...]:
    """Comma-separated host names or IP addresses (``vz,vz.ci.local``); empty parts dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def yes_or_no(text: str) -> bool:
    """A switch's variable: 1/true/yes/on or 0/false/no/off, in any case."""
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise argparse.ArgumentTypeError(f"say {'/'.join(_YES)} or {'/'.join(_NO)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvOption:
    """One option of ``up`` whose default a variable may set."""

    dest: str  # the argparse destination (``admin_port``)
    variable: str  # VECOZO_SIM_ADMIN_PORT
    parse: Callable[[str], Any]
    default: Any  # when neither the command line nor the environment gives one


UP_VARIABLES: tuple[EnvOption, ...] = (
    EnvOption(dest="home", variable="VECOZO_SIM_HOME", parse=Path, default=DEFAULT_HOME),
    EnvOption(dest="host", variable="VECOZO_SIM_HOST", parse=str, default="127.0.0.1"),
    EnvOption(dest="hostname", variable="VECOZO_SIM_HOSTNAME", parse=host_names, default=()),
    EnvOption(dest="port", variable="VECOZO_SIM_PORT", parse=port, default=8443),
    EnvOption(dest="admin_port", variable="VECOZO_SIM_ADMIN_PORT", parse=port, default=8444),
    EnvOption(dest="seed", variable="VECOZO_SIM_SEED", parse=int, default=1),
    EnvOption(dest="persons", variable="VECOZO_SIM_PERSONS", parse=non_negative, default=10_000),
    EnvOption(dest="today", variable="VECOZO_SIM_TODAY", parse=iso_date, default=None),
    EnvOption(
        dest="allow_person_rest",
        variable="VECOZO_SIM_ALLOW_PERSON_REST",
        parse=yes_or_no,
        default=False,
    ),
    EnvOption(
        dest="idle_pull",
        variable="VECOZO_SIM_IDLE_PULL",
        parse=positive_seconds,
        default=IDLE_PULL_SECONDS,
    ),
)


def apply_environment(
    args: argparse.Namespace,
    options: tuple[EnvOption, ...] = UP_VARIABLES,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Fill every option the command line left unset (None) from its variable, else its
    default; raises :class:`CliError` naming the variable whose value does not parse."""
    environ = os.environ if environ is None else environ
    for option in options:
        if getattr(args, option.dest, None) is not None:
            continue
        text = environ.get(option.variable, "")
        if not text.strip():
            setattr(args, option.dest, option.default)
            continue
        try:
            setattr(args, option.dest, option.parse(text.strip()))
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise CliError(f"environment variable {option.variable}={text!r}: {exc}") from None
