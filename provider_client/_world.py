"""Loading the world of a home directory once per process, as the client commands need it.

Commands resolve accounts by name and the generator draws from the population, so both read
the world; a load run asks many times, and the file does not change under a running exchange.
A world of 10,000 persons is tens of megabytes: only the last few loaded are kept (a process
uses one home; a test session a few), and an edited world file is read again.
"""

from __future__ import annotations

import functools
from pathlib import Path

import world
from provider_client._errors import ConfigurationError
from world import Account, AccountKind, HomeLayout, World

__all__ = ["account_named", "load_world_of"]

_WORLDS_KEPT = 4


def load_world_of(layout: HomeLayout) -> World:
    """The world in ``layout``; ConfigurationError (not a traceback) when it is absent or bad."""
    path = layout.world_file
    if not path.is_file():
        raise ConfigurationError(
            f"no world in {layout.root} (missing {path.name}); create one with `vecozo-sim init`"
        )
    try:
        return _load(layout, path.resolve(), path.stat().st_mtime_ns)
    except world.WorldFileError as exc:
        raise ConfigurationError(str(exc)) from None


@functools.lru_cache(maxsize=_WORLDS_KEPT)
def _load(layout: HomeLayout, world_file: Path, mtime_ns: int) -> World:
    """Keyed by the world file's resolved path and modification time, so an edit reloads."""
    return world.load_world(layout)


def account_named(found_in: World, name: str) -> Account | None:
    """The account a user means by ``name``: a user number, an account name (any case), or an
    organisation code, which means the organisation's system account: software presents a
    system certificate, the only kind the berichtenservice and COV take."""
    wanted = name.strip()
    for account in found_in.accounts:
        if wanted == account.user_number or wanted.casefold() == account.name.casefold():
            return account
    systems = [a for a in found_in.accounts_of(wanted) if a.kind is AccountKind.SYSTEM]
    return systems[0] if systems else None
