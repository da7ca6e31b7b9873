"""Forgetting everything the exchange holds: ``POST /admin/gateway/reset`` and ``Gateway.reset``.

Its own module because both the admin app and the runner (``_app``) use it, and ``_admin``
already imports from ``_app``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway._cov_routes import COV_REGISTER
from gateway._runtime import Faults
from gateway._state import STATE

__all__ = ["IN_FLIGHT", "RESET", "InFlight", "Reset", "count_in_flight", "forget_everything"]

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


class InFlight:
    """How many requests the exchange is handling right now, so a reset can wait for the last
    one to finish (its writes must not land in the emptied store) without closing keep-alive
    connections: each new connection of an insurer would cost a TLS handshake per reset."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __enter__(self) -> None:
        self.count += 1
        self._idle.clear()

    def __exit__(self, *exc: object) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def idle(self, limit: float) -> None:
        """Until no request is in progress; at most ``limit`` seconds (a stuck peer)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await self._idle.wait()


IN_FLIGHT = web.AppKey("gateway_in_flight", InFlight)


@web.middleware
async def count_in_flight(request: web.Request, handler: Handler) -> web.StreamResponse:
    with request.app[IN_FLIGHT]:
        return await handler(request)
