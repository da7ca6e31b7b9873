"""Forgetting everything the exchange holds: ``POST /admin/gateway/reset`` and ``Gateway.reset``.

Its own module because both the admin app and the runner (``_app``) use it, and ``_admin``
already imports from ``_app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway._cov_routes import COV_REGISTER
from gateway._runtime import Faults
from gateway._state import STATE

__all__ = ["RESET", "Reset", "forget_everything"]

# What ``POST /reset`` runs, given whether to clear the COV register too.
Reset = Callable[[bool], Awaitable[None]]
RESET: web.AppKey[Reset] = web.AppKey("gateway_reset")


async def forget_everything(app: web.Application, cov_register: bool) -> None:
    """Messages, mailboxes, statuses, journal and faults gone, the clock back at its start
    (the COV register too when asked)."""
    state = app[STATE]
    await state.journal.flush()
    await state.store.reset(cov_register=cov_register)
    if cov_register:
        app[COV_REGISTER].clear()
    state.faults = Faults()
    state.clock.reset()  # to its start date (the world's, or --today), where the run began
