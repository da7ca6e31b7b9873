"""What the locustfile needs that does not need locust: settings from the environment, the
requests a locust user sends, and reading the answers with the client's own protocol layer.

Locust runs its users as gevent greenlets; an asyncio client would block every other user of
the worker while it waits, so the locustfile sends the pure layer's ``OutgoingRequest`` objects
with locust's (requests-based) HTTP client instead, presenting the account's certificate. This
module is importable and tested without locust installed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from identifiers import is_ascii_digits
from provider_client import _protocol as proto
from provider_client._envelope import declaration_envelope
from provider_client._home import ClientConfig, resolve_config
from provider_client._load import LoadError, LoadPlan, Shot, parse_accounts
from provider_client._load_run import Submitter, declaration, resolve_submitters
from provider_client._world import load_world_of
from world import DEFAULT_HOME, HomeLayout, World

__all__ = [
    "LocustAccount",
    "LocustSettings",
    "account_for",
    "next_declaration",
    "push_request",
    "read_reply",
    "settings_from",
]

_NUMBERS = itertools.count()  # per process: each locust worker numbers its own sends


@dataclass(frozen=True, slots=True, kw_only=True)
class LocustSettings:
    """From ``VECOZO_HOME``, ``VECOZO_ACCOUNTS``, ``VECOZO_LINES``, ``VECOZO_SEED``."""

    home: Path
    accounts: tuple[str, ...]
    lines: int
    seed: int


def settings_from(environ: Mapping[str, str]) -> LocustSettings:
    """The settings, or a LoadError naming the bad variable."""
    lines = environ.get("VECOZO_LINES", "100")
    seed = environ.get("VECOZO_SEED", str(os.getpid()))
    if not is_ascii_digits(lines) or int(lines) < 1:
        raise LoadError(f"VECOZO_LINES={lines!r} is not a positive number of lines")
    if not is_ascii_digits(seed):
        raise LoadError(f"VECOZO_SEED={seed!r} is not a number")
    return LocustSettings(
        home=Path(environ.get("VECOZO_HOME", str(DEFAULT_HOME))),
        accounts=parse_accounts(environ.get("VECOZO_ACCOUNTS", "12050001")),
        lines=int(lines),
        seed=int(seed),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LocustAccount:
    """One locust user's identity: its certificate files and what it declares for."""

    config: ClientConfig
    submitter: Submitter
    world: World
    plan: LoadPlan


def account_for(settings: LocustSettings, user_index: int) -> LocustAccount:
    """Users take the accounts in turn, so N users spread over the listed accounts."""
    world = load_world_of(HomeLayout(root=settings.home))
    name = settings.accounts[user_index % len(settings.accounts)]
    day = world.today or dt.date.today()
    submitter = resolve_submitters(world, (name,), day)[0]
    plan = LoadPlan(
        accounts=(name,), rate=1.0, duration=1.0, lines=settings.lines, seed=settings.seed
    )
    config = resolve_config(settings.home, submitter.account.user_number)
    return LocustAccount(config=config, submitter=submitter, world=world, plan=plan)


def next_declaration(account: LocustAccount) -> bytes:
    """A fresh file: the account's providers in turn, a seed per send of this process."""
    shot = Shot(number=next(_NUMBERS), at=0.0, account=0)
    day = account.world.today or dt.date.today()
    return declaration(account.world, account.plan, (account.submitter,), shot, day)


def push_request(payload: bytes) -> proto.OutgoingRequest:
    """The multipart push of ``payload`` with metadata from its voorlooprecord."""
    envelope = declaration_envelope(
        payload, traceer_id=str(uuid.uuid4()), conversatie_id=str(uuid.uuid4())
    )
    return proto.push_request(
        envelope.to_metadata(),
        payload,
        filename="declaratie.asc",
        boundary=f"vecozo-sim-{uuid.uuid4().hex}",
    )


def read_reply(
    status: int, headers: Mapping[str, str], body: bytes | None
) -> proto.IncomingResponse:
    """Locust's reply as the pure layer's response (status 0 means no connection at all)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return proto.IncomingResponse(status=status, headers=lowered, body=body or b"")
