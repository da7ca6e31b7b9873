"""The worker that moves accepted messages on: technical check, then delivery, with retries.

Everything it needs is in the store, so it simply asks the store for unfinished messages on
start and after every wake-up; a message accepted before a crash is picked up again. A push
to a participant's endpoint uses the exchange's own client certificate (mutual TLS, the test CA)
and the same multipart contract as the push API; any 2xx is ``Bezorgd``. Failed attempts wait
``RetrySchedule.delay_after`` before the next try, and after the last one the message ends as
``AanbiedenMislukt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable

import aiohttp

import berichten
import certs
from gateway._ei import findings_as_meldingen
from gateway._runtime import wait_for_wake
from gateway._state import GatewayState
from gateway._status import Status
from gateway._store import StoredMessage
from world import DeliveryMode

__all__ = ["DeliveryWorker", "delivery_target"]

log = logging.getLogger("gateway.delivery")


def delivery_target(state: GatewayState, organisation: str) -> str | None:
    """The https endpoint to push to, or None for the pull mailbox.

    The exchange's push endpoints (``GatewaySettings.push_endpoints``, then
    ``Gateway.set_push_endpoints``) win over the world: the runner knows the real ports.
    """
    override = state.push_endpoints.get(organisation)
    if override:
        return override
    world = state.world
    party = (
        world.insurer(organisation) or world.provider(organisation) or world.bureau(organisation)
    )
    if party is not None and party.delivery.mode is DeliveryMode.PUSH:
        return party.delivery.endpoint
    return None


class DeliveryWorker:
    """One background task per exchange; ``start``/``stop`` from the runner."""

    def __init__(
        self, state: GatewayState, *, on_offer: Callable[[str], None] | None = None
    ) -> None:
        self._state = state
        self._on_offer = on_offer  # told the addressee of each message put in a mailbox
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._in_flight: set[str] = set()
        self._pushes: set[asyncio.Task[None]] = set()

    def _client_context(self) -> ssl.SSLContext:
        layout = self._state.settings.layout
        return certs.client_ssl_context(
            ca=layout.ca_cert, cert=layout.exchange_client_cert, key=layout.exchange_client_key
        )

    def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._state.settings.delivery_timeout)
        connector = aiohttp.TCPConnector(ssl=self._client_context(), limit=20)
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        self._task = asyncio.create_task(self._run(), name="gateway-delivery")
        self._state.wake_worker()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for push in list(self._pushes):
            push.cancel()
        await asyncio.gather(*self._pushes, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        state = self._state
        while True:
            state.work_ready.clear()
            try:
                wait = await self.run_once()
            except Exception:  # one bad row must not stop delivery of the rest
                log.exception("delivery round failed")
                wait = 1.0
            await wait_for_wake(state.work_ready, wait)

    async def run_once(self) -> float:
        """Advance every unfinished message one or more steps; seconds until next due push."""
        wait = self._state.settings.worker_interval * 10
        for message in await self._state.store.unfinished():
            if message.traceer_id in self._in_flight:
                continue
            wait = min(wait, await self._advance(message))
        return max(wait, 0.01)

    async def _advance(self, message: StoredMessage) -> float:
        status = message.status
        if status is Status.ONTVANGEN:
            await self._move(message, Status.WORDT_VERWERKT)
            status = Status.WORDT_VERWERKT
        if status is Status.WORDT_VERWERKT:
            if not await self._check(message):
                return 10.0
            status = Status.VERWERKING_VOLTOOID
        if status is Status.VERWERKING_VOLTOOID:
            await self._offer(message)
            status = Status.WORDT_AANGEBODEN
            message = await self._state.store.get(message.traceer_id) or message
        if status is Status.WORDT_AANGEBODEN and message.delivery is DeliveryMode.PUSH:
            return self._maybe_push(message)
        return 10.0

    async def _move(
        self, message: StoredMessage, status: Status, *meldingen: berichten.Melding
    ) -> None:
        await self._state.store.set_status(
            message.traceer_id, status, at=self._state.now(), meldingen=meldingen
        )

    async def _check(self, message: StoredMessage) -> bool:
        """The technical check (N1-N5 at VECOZO); False when the file was rejected."""
        path = self._state.store.payload_path(message)
        findings = await asyncio.to_thread(lambda: findings_as_meldingen(path.read_bytes()))
        if findings:
            meldingen = (berichten.Melding(**finding) for finding in findings)
            await self._move(message, Status.AFGEKEURD_DOOR_DIENST, *meldingen)
            return False
        await self._move(message, Status.VERWERKING_VOLTOOID)
        return True

    async def _offer(self, message: StoredMessage) -> None:
        target = delivery_target(self._state, message.addressee)
        mode = DeliveryMode.PULL if target is None else DeliveryMode.PUSH
        await self._state.store.offer(message.traceer_id, delivery=mode, at=self._state.now())
        if mode is DeliveryMode.PULL and self._on_offer is not None:
            self._on_offer(message.addressee)

    def _maybe_push(self, message: StoredMessage) -> float:
        due_in = message.next_attempt_at - time.time()
        if due_in > 0:
            return due_in
        self._in_flight.add(message.traceer_id)
        task = asyncio.create_task(self._push(message))
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)
        return self._state.settings.worker_interval

    async def _push(self, message: StoredMessage) -> None:
        try:
            failure = await self._attempt(message)
            if failure is None:
                await self._move(message, Status.BEZORGD)
            else:
                await self._failed(message, failure)
        finally:
            self._in_flight.discard(message.traceer_id)
            self._state.wake_worker()

    async def _attempt(self, message: StoredMessage) -> str | None:
        """One POST to the participant; None on any 2xx, else why it failed."""
        state = self._state
        target = delivery_target(state, message.addressee)
        if target is None:
            return "geen endpoint bekend"
        if message.addressee in state.faults.failing_deliveries:
            return "geïnjecteerde storing"
        if self._session is None:
            return "bezorging is gestopt"
        form = _multipart(message.metadata, state.store.payload_path(message).read_bytes())
        try:
            async with self._session.post(target, data=form) as response:
                await response.read()
                ok = 200 <= response.status < 300
                return None if ok else f"endpoint antwoordde {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"endpoint onbereikbaar: {type(exc).__name__}"

    async def _failed(self, message: StoredMessage, reason: str) -> None:
        attempts = message.attempts + 1
        schedule = self._state.settings.retry
        log.warning("delivery of %s failed (%d): %s", message.traceer_id, attempts, reason)
        if attempts >= schedule.attempts:
            melding = berichten.Melding(
                code="AanbiedenMislukt",
                omschrijving=f"bezorging mislukt na {attempts} pogingen",
                toelichting=reason,
            )
            await self._move(message, Status.AANBIEDEN_MISLUKT, melding)
            return
        await self._state.store.schedule_retry(
            message.traceer_id,
            attempts=attempts,
            due=time.time() + schedule.delay_after(attempts),
        )


def _multipart(metadata: berichten.BerichtMetadata, payload: bytes) -> aiohttp.FormData:
    form = aiohttp.FormData()
    text = metadata.to_json_text()
    form.add_field("berichtMetadata", text, content_type="application/json")
    form.add_field("payload", payload, content_type="application/octet-stream", filename="payload")
    return form
