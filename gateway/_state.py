"""What every handler of one exchange shares, held under one typed application key."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from aiohttp import web

from gateway._cov import CovRegister
from gateway._identity import Caller
from gateway._runtime import AcceptedCrl, ConnectionStats, Faults, Journal
from gateway._settings import GatewaySettings, SimulatedClock
from gateway._store import Store
from world import OrganisationKind, Service, World

__all__ = [
    "CALLER",
    "COV_REGISTER",
    "OUTCOME",
    "PAGES",
    "STATE",
    "TRACEER_ID",
    "GatewayState",
    "RouteFacts",
    "iso",
]


def iso(moment: dt.datetime) -> str:
    """Timestamps as the status API shows them: ISO 8601 with offset, millisecond precision."""
    return moment.isoformat(timespec="milliseconds")


class RouteFacts(NamedTuple):
    """What every request of a route needs, worked out once when the app is built."""

    canonical: str  # the route as the journal names it
    services: Mapping[OrganisationKind, Service | None]  # the right a caller of a kind needs


class GatewayState:
    """The world, the store and the live parts of one exchange (not a value: it changes)."""

    def __init__(
        self,
        *,
        settings: GatewaySettings,
        world: World,
        store: Store,
        clock: SimulatedClock,
        crl: AcceptedCrl,
        journal: Journal,
    ) -> None:
        self.settings = settings
        self.world = world
        self.store = store
        self.clock = clock
        self.crl = crl
        self.journal = journal
        self.faults = Faults()
        # Organisation code -> the URL to push to; Gateway.set_push_endpoints replaces it.
        self.push_endpoints: Mapping[str, str] = settings.push_endpoints
        self.connections = ConnectionStats()  # what the TLS listener refused
        self.work_ready = asyncio.Event()  # set when the delivery worker has something to do
        # The exchange's own routes (create_app); a mounted page's route is not among them.
        self.routes: Mapping[web.AbstractRoute, RouteFacts] = {}

    def now(self) -> str:
        """The simulated now as rows and answers store it (``iso`` of ``clock.now()``)."""
        return self.clock.stamp()

    def wake_worker(self) -> None:
        self.work_ready.set()


STATE = web.AppKey("gateway_state", GatewayState)
# The COV register every COV face answers from (SOAP, JSON, the portal's form).
COV_REGISTER = web.AppKey("gateway_cov_register", CovRegister)
CALLER = web.RequestKey("gateway_caller", Caller)
TRACEER_ID = web.RequestKey("gateway_traceer_id", str)
# What the journal says of a request a mounted page answered itself (a refusal's reason).
OUTCOME = web.RequestKey("gateway_outcome", str)
# The prefix of the pages mounted into the exchange's app (``/portal/``, the only sub-app);
# they identify callers themselves, so the middleware leaves identity, rights and faults of
# the sub-app's routes to them.
PAGES = web.AppKey("gateway_pages", str)
