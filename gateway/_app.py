"""The composition of the exchange: routes, the TLS listener, the worker.

``create_app`` builds the routed application over an opened store (so tests can build one with
any world); ``Gateway`` is the runner the composition root starts and stops: it opens the store,
loads the COV register, starts the TLS listener, the journal writer, the payload retention
sweep and the delivery worker. It opens no admin listener: the composition root serves
``gateway.create_admin_app(gateway.app)`` on the one admin port it owns (issue 12: a second,
unannounced admin listener answered ``PUT /clock`` to anyone).
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable, Mapping
from types import MappingProxyType

from aiohttp import web

import berichten
import certs
from gateway._contracts import cov_wsdl, openapi_document, openapi_index
from gateway._cov import CovRegister
from gateway._cov_routes import COV_REGISTER, cov_json, cov_soap, put_register
from gateway._delivery import DeliveryWorker
from gateway._listener import Listener
from gateway._middleware import (
    IN_FLIGHT,
    PREFIXES,
    SOAP_FAULT,
    InFlight,
    gateway_middleware,
    route_facts,
)
from gateway._pull import acknowledge, get_payload, list_berichten, list_statussen, zoek_berichten
from gateway._push import push_bericht
from gateway._reset import forget_everything
from gateway._retention import RetentionSweeper
from gateway._runtime import AcceptedCrl, Journal
from gateway._settings import GatewaySettings, SimulatedClock
from gateway._state import STATE, GatewayState
from gateway._store import Store
from world import World

__all__ = ["ROUTES", "Gateway", "create_app"]

log = logging.getLogger("gateway")

PUSH = "/berichtenservice/berichten/rest-push/v1"
PULL = "/berichtenservice/berichten/rest-pull/v1"
STATUS = "/berichtenservice/berichtstatus/rest-pull/v3"

ROUTES = (
    ("POST", f"{PUSH}/berichten", push_bericht),
    ("GET", f"{PULL}/berichten", list_berichten),
    ("POST", f"{PULL}/berichten/zoeken", zoek_berichten),
    ("GET", f"{PULL}/berichten/{{traceerId}}/payload", get_payload),
    ("DELETE", f"{PULL}/berichten/{{traceerId}}", acknowledge),
    ("GET", f"{STATUS}/berichtstatussen", list_statussen),
    ("POST", "/cov/vz801802/v1/soap11", cov_soap),
    ("GET", "/cov/vz801802/v1/soap11", cov_wsdl),  # ?wsdl
    ("POST", "/cov/v1/controle", cov_json),
    ("PUT", "/cov-register/v1/verzekerden/{uzovi}", put_register),
    ("GET", "/openapi/", openapi_index),
    ("GET", "/openapi/{name}.json", openapi_document),
)

# Seconds a stopping listener waits for a request still being handled (aiohttp's default is 60,
# twice over per connection). Our handlers answer in milliseconds, and whatever was answered is
# already on disk, so a longer wait only delays a stop (and a test's teardown) on a stuck peer.
SHUTDOWN_GRACE = 5.0


def _soap_fault(code: str, text: str) -> bytes:
    return berichten.render_soap_fault(berichten.SoapFaultError(text, faultcode=code))


def create_app(
    settings: GatewaySettings,
    *,
    world: World,
    store: Store,
    clock: SimulatedClock | None = None,
    crl: AcceptedCrl | None = None,
    cov_register: CovRegister | None = None,
) -> web.Application:
    """The exchange's routes (every one also under /tst and /acc) over ``store``."""
    if clock is None:
        clock = SimulatedClock(settings.clock, start=world.today)
    state = GatewayState(
        settings=settings,
        world=world,
        store=store,
        clock=clock,
        crl=crl or AcceptedCrl(settings.layout.crl, interval=settings.crl_check_interval),
        journal=Journal(store, interval=settings.journal_flush_interval),
    )
    app = web.Application(middlewares=[gateway_middleware], client_max_size=1024 * 1024)
    app[STATE] = state
    app[IN_FLIGHT] = InFlight()
    app[COV_REGISTER] = cov_register or CovRegister()
    app[SOAP_FAULT] = _soap_fault
    for prefix in ("", *PREFIXES):
        for method, path, handler in ROUTES:
            app.router.add_route(method, prefix + path, handler)
    state.routes = route_facts(app.router)
    return app


async def load_cov_register(store: Store) -> CovRegister:
    """The register as the insurers last published it (it survives restarts)."""
    stored = await store.load_cov()
    return CovRegister(
        {
            uzovi: [berichten.CovRegisterEntry.from_own_json(json.loads(e)) for e in entries]
            for uzovi, entries in stored.items()
        }
    )


class Gateway:
    """One running exchange: ``await start()``, then ``url`` and ``app``; ``await stop()``."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        world: World,
        ssl_context: ssl.SSLContext | None = None,
        run_worker: bool = True,
        clock: SimulatedClock | None = None,
        extend: Callable[[web.Application], None] | None = None,
        on_offer: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.world = world
        self._clock = clock  # shared with the insurers when the runner gives one
        self._ssl = ssl_context
        self._run_worker = run_worker
        self._extend = extend  # mounts more routes (the portal) before the app is frozen
        # Told the organisation code whenever a message lands in its pull mailbox (once it
        # stored it), so the runner can wake that insurer; must return at once, never raise.
        self._on_offer = on_offer
        self.app: web.Application | None = None
        self._runners: list[web.AppRunner] = []
        self._listeners: list[Listener] = []
        self._worker: DeliveryWorker | None = None
        self._sweeper: RetentionSweeper | None = None
        self.url = ""

    @property
    def state(self) -> GatewayState:
        if self.app is None:
            raise RuntimeError("the gateway is not started")
        return self.app[STATE]

    def _server_context(self) -> ssl.SSLContext:
        layout = self.settings.layout
        return self._ssl or certs.server_ssl_context(
            cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
        )

    async def start(self) -> None:
        layout = self.settings.layout
        store = await Store.open(layout.gateway_dir, marker=layout.store_marker("gateway"))
        register = await load_cov_register(store)
        self.app = create_app(
            self.settings, world=self.world, store=store, clock=self._clock, cov_register=register
        )
        if self._extend is not None:
            self._extend(self.app)
        context = self._server_context()
        self.state.crl.attach(context)
        port = await self._listen(self.app, self.settings.port, context)
        self.url = f"https://{self.settings.host}:{port}"
        self.state.journal.start()
        self._sweeper = RetentionSweeper(self.state)
        self._sweeper.start()
        if self._run_worker:
            self._worker = DeliveryWorker(self.state, on_offer=self._on_offer)
            self._worker.start()
        log.info("gateway listening", extra={"url": self.url})

    def set_push_endpoints(self, endpoints: Mapping[str, str]) -> None:
        """From now on push to these URLs (organisation code -> URL) instead of the settings'.

        For endpoints that exist only once the exchange runs: the stub insurers need the
        exchange's URL before they listen. A message already offered is pushed to the new URL
        at its next attempt.
        """
        self.state.push_endpoints = MappingProxyType(dict(endpoints))
        self.state.wake_worker()

    async def _listen(self, app: web.Application, port: int, context: ssl.SSLContext) -> int:
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await runner.setup()
        self._runners.append(runner)
        listener = Listener(
            runner, context=context, settings=self.settings, stats=self.state.connections
        )
        self._listeners.append(listener)
        return await listener.start(self.settings.host, port)

    async def pause(self) -> None:
        """Stop moving messages on (the delivery worker), so nothing leaves the exchange."""
        if self._worker is not None:
            await self._worker.stop()
            self._worker = None

    async def reset(self, *, cov_register: bool = False) -> None:
        """Back to an empty exchange on the same ports (the pytest plugin's per-test reset).

        Delivery stops first, then a request still in progress is let finish (what it writes
        must not land in the emptied store); then the store, journal, faults and clock are
        reset and delivery resumes. The COV register stays unless asked: the insurers
        published it at start.
        """
        await self.pause()
        if self.app is not None:
            await self.app[IN_FLIGHT].idle(SHUTDOWN_GRACE)
            await forget_everything(self.app, cov_register)
        if self._run_worker and self.app is not None:
            self._worker = DeliveryWorker(self.state, on_offer=self._on_offer)
            self._worker.start()

    async def stop(self) -> None:
        await self.pause()
        if self._sweeper is not None:
            await self._sweeper.stop()
            self._sweeper = None
        for listener in self._listeners:
            await listener.stop()
        self._listeners.clear()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.app is not None:
            await self.state.journal.stop()
            await self.state.store.close()
            self.app = None
