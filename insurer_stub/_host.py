"""The host process of the stub insurers: every insurer of the world, one receiving endpoint.

Push-mode insurers share one aiohttp server under mutual TLS; each has its own path
``/insurers/{uzovi}`` and the composition root gives the exchange those URLs
(:meth:`InsurerHost.push_endpoints`). Only the exchange's own client certificate may deliver:
the handshake already demands a certificate of the test CA, and the handler compares the peer
certificate with the exchange's, so a provider's valid certificate is still refused (403).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
from pathlib import Path

from aiohttp import BodyPartReader, web
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from berichten import MetadataError
from certs import client_ssl_context, server_ssl_context
from insurer_stub._errors import InsurerConfigurationError
from insurer_stub._exchange import ExchangeClient
from insurer_stub._insurer import RunningInsurer
from insurer_stub._settings import InsurerSettings
from insurer_stub._store import InsurerStore
from world import AccountKind, Insurer, World, load_world

__all__ = ["HOST_KEY", "InsurerHost"]

log = logging.getLogger("insurer_stub")
HOST_KEY: web.AppKey[InsurerHost] = web.AppKey("insurer_host")
MAX_BODY = 256 * 1024 * 1024  # a 100,000-line declaration is about 31 MB

# The same grace as gateway.SHUTDOWN_GRACE (which says why); the rooms may not import each other.
SHUTDOWN_GRACE = 5.0


class InsurerHost:
    """Runs the insurers of one world; ``start`` and ``stop`` from the composition root."""

    def __init__(self, settings: InsurerSettings) -> None:
        self.settings = settings
        self.insurers: dict[str, RunningInsurer] = {}
        self._runner: web.AppRunner | None = None
        self._port = settings.port
        self._exchange_der = b""
        self._loaded: World | None = None

    @property
    def world(self) -> World:
        world = self._loaded or self.settings.world
        if world is None:
            raise InsurerConfigurationError("the host is not started: no world loaded yet")
        return world

    def today(self) -> dt.date:
        """The simulated clock: the settings' clock, else the world's date, else the real one."""
        if self.settings.clock is not None:
            return self.settings.clock()
        return self.world.today or dt.date.today()

    async def listen(self) -> dict[str, str]:
        """Open every insurer's state and serve the receiving endpoint; returns
        :meth:`push_endpoints`. The exchange needs these URLs before it starts, and the insurers
        need the exchange before they start, hence two steps (``start`` calls this if needed)."""
        if self.insurers:
            return self.push_endpoints()
        if self.settings.world is None:
            self._loaded = load_world(self.settings.layout)
        chosen = [i for i in self.world.insurers if self._runs(i)]
        if not chosen:
            raise InsurerConfigurationError("the world has no insurer to run")
        for insurer in chosen:
            self.insurers[insurer.uzovi] = self._running(insurer)
        if any(not r.pulls for r in self.insurers.values()):
            await self._serve()
        return self.push_endpoints()

    async def start(self) -> None:
        """Publish each population to the COV register and start judging (the exchange runs)."""
        await self.listen()
        for running in self.insurers.values():
            await running.start()

    async def stop(self) -> None:
        """Shut down in an order that never lets a request meet a closed store (which answered
        500 "Cannot operate on a closed database"): the pull loops first (the exchange may be
        going away), then the receiving endpoint (new deliveries are refused at connect, ones
        already being read are finished and stored), then judgements in flight, then stores."""
        running = list(self.insurers.values())
        for insurer in running:
            await insurer.stop_pulling()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for insurer in running:
            await insurer.stop_working()
        for insurer in running:
            await insurer.close()
        self.insurers.clear()

    async def pause(self) -> None:
        """Stop pulling and judging (what is queued stays in the store), e.g. before ``reset``."""
        running = list(self.insurers.values())
        for insurer in running:
            await insurer.stop_pulling()
        for insurer in running:
            await insurer.stop_working()

    async def reset(self) -> None:
        """Every insurer back to its start on the same port: no received file, judged line,
        ledger, fault or pending work; then judging (and pulling) resumes. A delivery being read
        is finished first and then forgotten, so nothing of the previous run lands afterwards.
        The COV register is not published again: the population did not change."""
        await self.pause()
        if self._runner is not None:
            await _drain_connections(self._runner)
        for insurer in self.insurers.values():
            insurer.forget()
            insurer.resume(pull_now=False)

    def wake(self, organisation: str) -> None:
        """The exchange offered a message to ``organisation``'s mailbox: if that is a pull-mode
        insurer of this host, it pulls now (any other organisation is ignored)."""
        running = self.insurers.get(organisation)
        if running is not None and running.pulls:
            running.wake()

    def push_endpoints(self) -> dict[str, str]:
        """{uzovi: receiving URL} of the push-mode insurers, for the gateway's settings."""
        host = self.settings.host
        return {
            uzovi: f"https://{host}:{self._port}/insurers/{uzovi}"
            for uzovi, running in self.insurers.items()
            if not running.pulls
        }

    async def reload_world(self, uzovis: frozenset[str] | None = None) -> dict[str, int]:
        """Read the world files again and re-publish the population of ``uzovis`` (every running
        insurer when None) to the COV register; {uzovi: persons published}. Raises
        ``world.WorldFileError`` (naming file and entry) when the edited files do not load."""
        world = load_world(self.settings.layout)
        self._loaded = world
        chosen = [r for u, r in self.insurers.items() if uzovis is None or u in uzovis]
        return {running.uzovi: await running.adopt(world) for running in chosen}

    async def idle(self) -> None:
        """Until every insurer has answered everything it received."""
        for running in self.insurers.values():
            await running.idle()

    def _runs(self, insurer: Insurer) -> bool:
        return self.settings.uzovis is None or insurer.uzovi in self.settings.uzovis

    def _running(self, insurer: Insurer) -> RunningInsurer:
        layout = self.settings.layout
        account = next(
            (a for a in self.world.accounts_of(insurer.uzovi) if a.kind is AccountKind.SYSTEM),
            None,
        )
        if account is None:
            raise InsurerConfigurationError(f"insurer {insurer.uzovi} has no system account")
        context = client_ssl_context(
            ca=layout.ca_cert,
            cert=layout.account_cert(account.user_number),
            key=layout.account_key(account.user_number),
        )
        return RunningInsurer(
            world=self.world,
            insurer=insurer,
            store=InsurerStore(
                layout.insurer_dir / f"{insurer.uzovi}.sqlite",
                marker=layout.store_marker(f"insurer-{insurer.uzovi}"),
            ),
            client=ExchangeClient(self.settings.gateway_url, context),
            settings=self.settings,
            today=self.today,
        )

    async def _serve(self) -> None:
        layout = self.settings.layout
        self._exchange_der = _der(layout.exchange_client_cert)
        context = server_ssl_context(
            cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
        )
        app = create_receiver_app(self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self._port, ssl_context=context)
        await site.start()
        self._port = _bound_port(self._runner)

    def is_exchange(self, der: bytes | None) -> bool:
        return der is not None and der == self._exchange_der


async def _drain_connections(runner: web.AppRunner) -> None:
    """Close every connection once its request is answered; the listener stays open. Only the
    exchange's deliveries come here, and their worker has stopped, so nothing is lost."""
    connections = list(runner.server.connections) if runner.server is not None else []
    for connection in connections:
        connection.close()  # an idle keep-alive connection ends now, a busy one after answering
    await asyncio.gather(*(c.shutdown(SHUTDOWN_GRACE) for c in connections))


def _der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise InsurerConfigurationError(  # pragma: no cover
        "the receiving endpoint did not bind a port"
    )


def create_receiver_app(host: InsurerHost) -> web.Application:
    """The push-mode insurers' receiving endpoint: the exchange's multipart delivery."""
    app = web.Application(client_max_size=MAX_BODY)
    app[HOST_KEY] = host
    app.router.add_post("/insurers/{uzovi}", _deliver)
    return app


def _problem(status: int, title: str, detail: str) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.json_response(body, status=status, content_type="application/problem+json")


async def _deliver(request: web.Request) -> web.Response:
    host = request.app[HOST_KEY]
    running = host.insurers.get(request.match_info["uzovi"])
    if running is None or running.pulls:
        return _problem(404, "Not Found", "no push-mode insurer with this UZOVI here")
    if not host.is_exchange(_peer_der(request)):
        return _problem(403, "Forbidden", "only the exchange delivers to this endpoint")
    if running.faults.down:
        return _problem(503, "Service Unavailable", "the insurer is down (rehearsal fault)")
    parts = await _read_parts(request)
    if isinstance(parts, web.Response):
        return parts
    try:
        running.accept(*parts)
    except MetadataError as exc:
        return _problem(400, "Bad Request", f"berichtMetadata: {exc.errors}")
    return web.Response(status=204)


def _peer_der(request: web.Request) -> bytes | None:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    if not isinstance(ssl_object, ssl.SSLObject):
        return None
    return ssl_object.getpeercert(binary_form=True)


async def _read_parts(request: web.Request) -> tuple[str, bytes] | web.Response:
    """The two parts of the push contract, ``berichtMetadata`` (JSON) and ``payload``."""
    if not request.content_type.startswith("multipart/"):
        return _problem(400, "Bad Request", "the body must be multipart/form-data")
    found: dict[str, bytes] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name in ("berichtMetadata", "payload"):
            found[part.name] = bytes(await part.read())
    missing = [name for name in ("berichtMetadata", "payload") if name not in found]
    if missing:
        return _problem(400, "Bad Request", f"missing part {missing[0]}")
    return found["berichtMetadata"].decode("utf-8", "replace"), found["payload"]
