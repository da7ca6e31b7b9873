"""The embedded all-in-one exchange: the gateway and every stub insurer in one process.

``vecozo-sim up`` and the pytest plugin both start the simulator through :class:`Exchange`, so
a vendor's CI and our own tests run exactly the same composition:

1. the gateway (mutual TLS, SQLite under ``HOME/gateway``) starts first, because the insurers
   publish their populations to its COV register when they start;
2. the insurer host (``HOME/insurers``) starts against the gateway's real URL;
3. the insurers' real receiving URLs go to ``Gateway.set_push_endpoints`` (the world file
   only names placeholder URLs, since ports are chosen at start-up);
4. the one admin listener (:class:`vecozo_sim._admin_port.AdminPort`, plain HTTP, token
   required) mounts both rooms' admin apps under ``/admin/gateway/`` and ``/admin/insurers/``;
   neither room opens an admin listener of its own;
5. :class:`Runtime` (URLs, pid, admin token) is what ``HOME/runtime.json`` records for the
   client commands, in a file only its owner can read.

One :class:`gateway.SimulatedClock` (``Exchange.clock``, started at ``World.today`` or ``up
--today``) is given to the gateway and, as its ``today``, to every insurer: ``PUT
/admin/gateway/clock`` moves routing, COV, termijnen, the return's dagtekening and the ledgers.

Stopping, so that a clean stop logs nothing and loses nothing: the admin port first (no operator
call meets a closing store); then the insurers while the gateway still answers (their pull loops
stop before they could fail to connect, their endpoint finishes the deliveries it is reading
and then refuses new ones, a judgement in progress finishes, an unsent answer stays in their
store for the next start); the gateway last (a delivery it could not hand over stays queued on
disk and is retried on the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

import gateway
import insurer_stub
import portal
from vecozo_sim._admin_port import WILDCARD_HOSTS, AdminPort
from vecozo_sim._environment import IDLE_PULL_SECONDS
from world import HomeLayout, World, load_world, write_private

__all__ = ["Exchange", "ExchangeSettings", "Runtime", "write_runtime_file"]

GATEWAY_ADMIN_PREFIX = "/admin/gateway"
INSURERS_ADMIN_PREFIX = "/admin/insurers"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeSettings:
    """How to run one embedded exchange; port 0 picks a free port (the plugin's choice)."""

    layout: HomeLayout
    host: str = "127.0.0.1"  # 0.0.0.0 in a container (docs/CONTAINER.md)
    public_hosts: tuple[str, ...] = ()  # names clients use to reach it, for the admin port
    port: int = 8443
    admin_port: int = 8444
    insurer_port: int = 0
    today: dt.date | None = None  # overrides the world's simulated date
    retry: gateway.RetrySchedule = field(default_factory=gateway.RetrySchedule)
    worker_interval: float = 0.2
    poll_interval: float = 0.5  # mailbox pulls of the pull-mode insurers while busy
    # Their pulls while the mailbox is empty: the gateway wakes an insurer when it offers it a
    # message (``Gateway(on_offer=)``), so this is only a safety net and an idle exchange
    # costs next to no CPU (docs/PERFORMANCE.md, "Issue 13, round 2: idle insurers").
    idle_interval: float = IDLE_PULL_SECONDS
    fault_seed: int = 0
    rest_person_certificates: bool = False  # gateway.GatewaySettings' (docs/COMPATIBILITY.md)
    portal: portal.PortalSettings = field(default_factory=portal.PortalSettings)


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """Where a running exchange listens; ``HOME/runtime.json`` holds exactly this."""

    gateway_url: str
    admin_url: str
    insurer_endpoints: Mapping[str, str] = field(default_factory=dict)
    pid: int
    home: str
    started_at: str
    admin_token: str = field(repr=False)  # the admin port's secret (docs/SECURITY.md)

    def to_json(self) -> dict[str, Any]:
        return {
            "gateway_url": self.gateway_url,
            "admin_url": self.admin_url,
            "gateway_admin_url": self.admin_url + GATEWAY_ADMIN_PREFIX + "/",
            "insurers_admin_url": self.admin_url + INSURERS_ADMIN_PREFIX + "/",
            "insurer_endpoints": dict(sorted(self.insurer_endpoints.items())),
            "pid": self.pid,
            "home": self.home,
            "started_at": self.started_at,
            "admin_token": self.admin_token,
        }


def reachable(url: str) -> str:
    """``url`` with a wildcard address (0.0.0.0, ::) replaced by 127.0.0.1: one can listen on
    "every address" but not connect to it, and the server certificate names 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in WILDCARD_HOSTS:
        return url
    return parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()


def write_runtime_file(layout: HomeLayout, runtime: Runtime) -> None:
    """Atomically and 0600 (``world.write_private``): it holds the admin token. Not synced:
    a power cut ends the process it describes too."""
    data = (json.dumps(runtime.to_json(), indent=2) + "\n").encode()
    write_private(layout.runtime_file, data, sync=False)


def remove_runtime_file(layout: HomeLayout, pid: int) -> None:
    """Remove runtime.json only if it is still ours: a newer process may have replaced it."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(layout.runtime_file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("pid") == pid:
            layout.runtime_file.unlink()


class Exchange:
    """One running simulator: ``await start()`` returns its :class:`Runtime`; ``await stop()``.

    ``world`` may be given already loaded (the plugin loads it once per session); otherwise it
    is read from ``settings.layout``.
    """

    def __init__(self, settings: ExchangeSettings, *, world: World | None = None) -> None:
        self.settings = settings
        self._world = world
        self._push_endpoints: dict[str, str] = {}
        self.gateway: gateway.Gateway | None = None
        self.insurers: insurer_stub.InsurerHost | None = None
        self._admin: AdminPort | None = None
        self._insurers_task: asyncio.Task[None] | None = None
        self._runtime: Runtime | None = None
        # The one simulated clock of this exchange (set at start): gateway, insurers, COV.
        self.clock: gateway.SimulatedClock | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the exchange is not started")
        return self._runtime

    @property
    def admin_token(self) -> str:
        """The secret every admin call sends as ``Authorization: Bearer <token>``."""
        return self.runtime.admin_token

    def readiness(self) -> str | None:
        """None once the gateway and every insurer answer, else why not (``GET /health``)."""
        if self.gateway is None or self.gateway.app is None or self.insurers is None:
            return "the gateway is not running"
        task = self._insurers_task
        if task is None or not task.done():
            return "the insurers are still publishing their populations"
        if task.cancelled():
            return "the insurers' start was cancelled"
        failure = task.exception()
        return None if failure is None else f"the insurers did not start: {failure!r}"

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("the exchange is not started")
        return self._world

    async def start(self, *, insurers_in_background: bool = False) -> Runtime:
        """Start everything; on any failure, stop what already started and re-raise.

        With ``insurers_in_background`` the call returns once the gateway and the insurers'
        receiving endpoint answer; the insurers then republish their populations and start
        judging in a task (:meth:`insurers_started`). ``up`` uses it for a world that ran
        before, whose COV register the gateway already loaded from its store: republishing a
        10,000-person population takes seconds and changes nothing. A message delivered
        meanwhile is stored by the endpoint and judged as soon as its insurer starts.
        """
        try:
            return await self._start(insurers_in_background)
        except BaseException:
            await self.stop()
            raise

    async def _start(self, insurers_in_background: bool) -> Runtime:
        world = self._world_for_run()
        self._world = world
        self.clock = clock = gateway.SimulatedClock(start=world.today)
        self.gateway = gateway.Gateway(
            self._gateway_settings(),
            world=world,
            clock=clock,
            extend=self._mount_portal,
            on_offer=self._offered,
        )
        await self.gateway.start()
        self.insurers = insurer_stub.InsurerHost(
            self._insurer_settings(world, reachable(self.gateway.url), clock)
        )
        endpoints = await self.insurers.listen()
        self._push_endpoints = {u: reachable(url) for u, url in endpoints.items()}
        self.gateway.set_push_endpoints(self._push_endpoints)
        self._admin = self._admin_port(self.gateway, self.insurers)
        admin_url = await self._admin.start()
        self._insurers_task = asyncio.create_task(self.insurers.start(), name="insurers-start")
        if not insurers_in_background:
            await self.insurers_started()
        self._runtime = Runtime(
            gateway_url=reachable(self.gateway.url),
            admin_url=reachable(admin_url),
            insurer_endpoints=dict(self._push_endpoints),
            pid=os.getpid(),
            home=str(self.settings.layout.root),
            started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            admin_token=self._admin.token,
        )
        return self._runtime

    def _offered(self, organisation: str) -> None:
        """The gateway put a message in ``organisation``'s mailbox: wake its puller."""
        if self.insurers is not None:
            self.insurers.wake(organisation)

    def _mount_portal(self, app: web.Application) -> None:
        portal.mount_portal(app, self.settings.portal)

    async def insurers_started(self) -> None:
        """Until every insurer published its population and judges; re-raises its failure."""
        if self._insurers_task is not None:
            await asyncio.shield(self._insurers_task)

    def _world_for_run(self) -> World:
        world = self._world or load_world(self.settings.layout)
        if self.settings.today is not None and world.today != self.settings.today:
            world = dataclasses.replace(world, today=self.settings.today)
        return world

    def _gateway_settings(self) -> gateway.GatewaySettings:
        s = self.settings
        return gateway.GatewaySettings(
            layout=s.layout,
            host=s.host,
            port=s.port,
            retry=s.retry,
            worker_interval=s.worker_interval,
            fault_seed=s.fault_seed,
            rest_person_certificates=s.rest_person_certificates,
        )

    def _insurer_settings(
        self, world: World, gateway_url: str, clock: gateway.SimulatedClock
    ) -> insurer_stub.InsurerSettings:
        s = self.settings
        return insurer_stub.InsurerSettings(
            layout=s.layout,
            gateway_url=gateway_url,
            host=s.host,
            port=s.insurer_port,
            world=world,
            clock=clock.today,  # the gateway's clock: PUT /clock moves the insurers too
            poll_interval=s.poll_interval,
            idle_interval=s.idle_interval,
            seed=s.fault_seed,
        )

    def _admin_port(
        self, running: gateway.Gateway, insurers: insurer_stub.InsurerHost
    ) -> AdminPort:
        if running.app is None:
            raise RuntimeError("the gateway has no application")
        mounts = {
            GATEWAY_ADMIN_PREFIX: gateway.create_admin_app(
                running.app, reset=self._reset_from_admin
            ),
            INSURERS_ADMIN_PREFIX: insurer_stub.create_admin_app(insurers),
        }
        return AdminPort(
            mounts,
            host=self.settings.host,
            public_hosts=self.settings.public_hosts,
            port=self.settings.admin_port,
            runtime_file=self.settings.layout.runtime_file,
            readiness=self.readiness,
            shutdown_timeout=gateway.SHUTDOWN_GRACE,
        )

    async def reset(self, *, cov_register: bool = False) -> None:
        """Back to the state just after start, on the same ports and in bounded milliseconds:
        no message, mailbox, status, journal row, received or judged file, ledger, fault or
        pending work anywhere, and the clock at its start. ``POST /admin/gateway/reset`` and
        the pytest plugin's per-test reset both run this.

        Both rooms stop their own traffic first (insurers pulling and answering, the gateway
        delivering), so no message of before the reset arrives after it; the COV register is
        kept (the insurers published it at start) unless ``cov_register``.
        """
        await self.pause()
        if self.gateway is None or self.insurers is None:
            raise RuntimeError("the exchange is not started")
        await self.gateway.reset(cov_register=cov_register)
        await self.insurers.reset()

    async def pause(self) -> None:
        """Stop the exchange's own traffic (insurers pulling and answering, the gateway
        delivering) until the next :meth:`reset`; clients are still answered. The pytest
        plugin pauses between tests, so an idle session exchange costs no CPU."""
        if self.gateway is not None and self.insurers is not None:
            await self.insurers_started()
            await self.insurers.pause()
            await self.gateway.pause()

    async def _reset_from_admin(self, cov_register: bool) -> None:
        await self.reset(cov_register=cov_register)

    async def stop(self) -> None:
        """Idempotent; admin port, insurers, gateway, in that order (the module docstring says
        why): the insurers' pull loops and answers need the gateway, never the reverse."""
        if self._insurers_task is not None:
            self._insurers_task.cancel()
            await asyncio.gather(self._insurers_task, return_exceptions=True)
            self._insurers_task = None
        if self._admin is not None:
            await self._admin.stop()
            self._admin = None
        if self.insurers is not None:
            await self.insurers.stop()
            self.insurers = None
        if self.gateway is not None:
            await self.gateway.stop()
            self.gateway = None


def home_is_initialised(layout: HomeLayout) -> bool:
    """A world file and the PKI the exchange needs to listen; anything less gets ``init``."""
    needed: tuple[Path, ...] = (
        layout.world_file,
        layout.population_file,
        layout.ca_cert,
        layout.crl,
        layout.server_cert,
        layout.server_key,
        layout.exchange_client_cert,
        layout.exchange_client_key,
    )
    return all(path.is_file() for path in needed)
