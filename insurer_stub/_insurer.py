"""One running insurer: its inbox, its worker that judges files, and its answers to the exchange.

The shell around ``adjudicate``: a declaration arrives (pushed by the exchange, or pulled from
the mailbox), is stored durably, waits the insurer's processing delay, is judged off the event
loop, stored with its consequences, and the return file is pushed to the exchange addressed to
the indiener. Every step is bounded in count and time; nothing is lost across a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable

from berichten import (
    CONTEXT_INDIENER,
    ROL_INDIENER,
    ROL_ZORGVERZEKERAAR,
    BerichtMetadata,
    Referentiegegevens,
    Relatie,
    Routeringgegevens,
    metadata_to_json,
    parse_metadata_json,
    return_berichtstroom,
)
from insurer_stub._adjudicate import Adjudication, adjudicate
from insurer_stub._cov import register_entries
from insurer_stub._errors import ExchangeError, ExchangeUnavailableError
from insurer_stub._exchange import ExchangeClient
from insurer_stub._ledger import Ledger, build_ledger
from insurer_stub._settings import Faults, InsurerSettings
from insurer_stub._store import InboxItem, InsurerStore
from insurer_stub._values import InsurerView, LineStatus, PriorLine
from vektis import VektisError, get_standard, parse_file
from world import DeliveryMode, Insurer, World

__all__ = ["RunningInsurer"]

log = logging.getLogger("insurer_stub")

# A return's traceerId is random (uuid4) and stored with the judgement before the first push,
# so a return sent again (a retry, a restart, the answer-twice fault) is the same message for
# the exchange. It used to be a uuid5 of the declaration's: anyone who knew the declaration
# could push a message under the return's id first, and the return was refused for ever.
#
# The exchange answers 422 to a return it will never take (docs/CONTRACTS.md, push route). The
# return is then dropped, logged once; a 422 about its traceerId means an earlier push of this
# very return got through before a crash (nobody else can know the random id): it is answered.
_REFUSED_FOR_GOOD = frozenset({400, 413, 415, 422})
_DUPLICATE_FIELD = "referentiegegevens.traceerId"

PULL_FINISH = 2.0  # seconds a stopping insurer waits for its pull in progress
PULL_LIMIT = 100  # messages per pull; a full page means more may be waiting


class RunningInsurer:
    """The state and tasks of one insurer inside the host process."""

    def __init__(
        self,
        *,
        world: World,
        insurer: Insurer,
        store: InsurerStore,
        client: ExchangeClient,
        settings: InsurerSettings,
        today: Callable[[], dt.date],
    ) -> None:
        self.insurer = insurer
        self.uzovi = insurer.uzovi
        self.view = InsurerView.from_world(world, insurer.uzovi)
        self.store = store
        self.client = client
        self.settings = settings
        self.today = today
        self.faults = Faults()
        self.history = store.load_history()
        self._world = world
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._puller: asyncio.Task[None] | None = None
        self._pull_turn = asyncio.Lock()  # held by a pull in progress, taken by stop_pulling
        self._woken = asyncio.Event()  # set by ``wake``: a message waits in the mailbox
        self._judging: asyncio.Future[InboxItem | None] | None = None
        self._random = random.Random(f"{settings.seed}:{insurer.uzovi}")
        self.judged_files = 0

    @property
    def pulls(self) -> bool:
        return self.insurer.delivery.mode is DeliveryMode.PULL

    async def start(self) -> None:
        """Publish the population, pick up unfinished work, start the worker (and the puller)."""
        await self.publish_population()
        self.resume()

    def resume(self, *, pull_now: bool = True) -> None:
        """Queue the unfinished work and start the worker (and the puller) again; after a
        reset the first pull waits one interval (the mailbox was just emptied)."""
        for item in self.store.unfinished():
            self._queue.put_nowait(item.traceer_id)
        self._worker = asyncio.create_task(self._work(), name=f"insurer-{self.uzovi}")
        if self.pulls:
            first = 0.0 if pull_now else self._idle_interval
            self._puller = asyncio.create_task(self._poll(first), name=f"pull-{self.uzovi}")

    def wake(self) -> None:
        """A message was offered to this insurer's mailbox: pull now instead of after the
        idle interval. A wake-up during a pull makes the puller look once more after it."""
        self._woken.set()

    @property
    def _idle_interval(self) -> float:
        idle = self.settings.idle_interval
        return self.settings.poll_interval if idle is None else idle

    def forget(self) -> None:
        """Back to the start (after ``stop_working``): no received file, judged line, ledger,
        fault or queued work, and the delay jitter repeats as after a fresh start."""
        self.store.clear()
        self.history = self.store.load_history()
        self._queue = asyncio.Queue()
        self.faults = Faults()
        self._random = random.Random(f"{self.settings.seed}:{self.uzovi}")
        self.judged_files = 0

    async def stop(self) -> None:
        """All three shutdown steps of one insurer; the host runs them across insurers."""
        await self.stop_pulling()
        await self.stop_working()
        await self.close()

    async def stop_pulling(self) -> None:
        """Stop fetching the mailbox first: the exchange may be shutting down too, so a pull now
        would only log "pulling failed", and what it fetched would meet a closing store.

        A pull in progress is let finish (for at most ``PULL_FINISH`` seconds): cancelled, it
        would cost its keep-alive connection, and the next start or reset a TLS handshake."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PULL_FINISH):
                await self._pull_turn.acquire()
        try:
            await _cancel(self._puller)
            self._puller = None
        finally:
            if self._pull_turn.locked():
                self._pull_turn.release()

    async def stop_working(self) -> None:
        """Stop the worker, but let a judgement already running in its thread finish: that thread
        writes to the store, which must stay open until it is done. Queued work stays "new" in
        the store and is picked up again by the next ``start``."""
        await _cancel(self._worker)
        self._worker = None
        if self._judging is not None:
            await asyncio.gather(self._judging, return_exceptions=True)
            self._judging = None

    async def close(self) -> None:
        """Release the exchange session and the store; only after ``stop_working``."""
        await self.client.close()
        self.store.close()

    async def publish_population(self) -> int:
        """PUT this insurer's insured persons into the exchange's COV register (bounded retry);
        returns how many were published."""
        persons = self._world.persons_at(self.uzovi)
        entries = [e.to_json() for e in register_entries(persons, self.uzovi)]
        await self._retry(lambda: self.client.publish_register(self.uzovi, entries), "register")
        return len(entries)

    async def adopt(self, world: World) -> int:
        """Take over a changed world (population edited on disk): adjudication judges against
        it from the next file on, and COV answers from it once the register is re-published."""
        view = InsurerView.from_world(world, self.uzovi)
        self._world, self.view = world, view
        return await self.publish_population()

    def accept(self, metadata_text: str, payload: bytes) -> None:
        """Keep a pushed declaration durably and queue it; raises MetadataError when unreadable.

        Called before the receiving endpoint answers 2xx, so an acknowledged message is stored.
        """
        meta = parse_metadata_json(metadata_text)
        traceer = meta.referentiegegevens.traceer_id
        if self.store.receive(traceer, metadata_text, payload, self.today()):
            self._queue.put_nowait(traceer)

    def ledger(self, provider: str) -> Ledger:
        return build_ledger(
            self.store.settlements(provider),
            uzovi=self.uzovi,
            provider=provider,
            term_days=self.insurer.policy.payment_term_days,
        )

    def ledgers(self) -> list[Ledger]:
        """The ledger of every provider that declared to this insurer."""
        return [self.ledger(provider) for provider in self.store.declarants()]

    async def idle(self) -> None:
        """Wait until every received file is answered (tests and the bench bound this)."""
        await self._queue.join()

    async def _poll(self, first: float = 0.0) -> None:
        """Pull-mode delivery: fetch, store, then DELETE (acknowledge) each waiting message.

        After a pull that found the mailbox empty the puller rests for the idle interval or
        until ``wake``; after a failed pull, while down, or after a full page it looks again
        after ``poll_interval``, as nobody may wake it for what is still waiting."""
        await _rest(self._woken, first)
        while True:
            self._woken.clear()
            soon = await self._pull_turned()
            await _rest(self._woken, self.settings.poll_interval if soon else self._idle_interval)

    async def _pull_turned(self) -> bool:
        """One pull unless down; True when the mailbox should be looked at again soon."""
        if self.faults.down:
            return True
        async with self._pull_turn:
            try:
                return await self._pull_once() >= PULL_LIMIT
            except ExchangeError as exc:
                log.warning("insurer %s: pulling failed: %s", self.uzovi, exc)
                return True

    async def _pull_once(self) -> int:
        """Fetch, store and acknowledge one page of the mailbox; how many messages it held."""
        items = await self.client.pull(limit=PULL_LIMIT)
        for item in items:
            meta = item.to_push()
            traceer = meta.referentiegegevens.traceer_id
            if self.store.item(traceer) is None:
                payload = await self.client.payload(traceer)
                text = json.dumps(metadata_to_json(meta))
                if self.store.receive(traceer, text, payload, self.today()):
                    self._queue.put_nowait(traceer)
            await self.client.acknowledge(traceer)
        return len(items)

    async def _work(self) -> None:
        """Handle queued declarations one by one: history must see files in order."""
        while True:
            traceer = await self._queue.get()
            try:
                await self._handle(traceer)
            except Exception:  # the worker must survive one bad file and keep serving
                log.exception("insurer %s: handling %s failed", self.uzovi, traceer)
            finally:
                self._queue.task_done()

    async def _handle(self, traceer: str) -> None:
        item = self.store.item(traceer)
        if item is None or item.state in ("answered", "dropped"):
            return
        if item.state == "new":
            await asyncio.sleep(self._delay())
            # Shielded: cancelling the worker cannot stop the thread, so ``stop_working`` waits
            # for this future before the store it writes to is closed.
            self._judging = asyncio.ensure_future(asyncio.to_thread(self._judge, item))
            item = await asyncio.shield(self._judging)
            if item is None:
                return
        await self._send(item)

    def _delay(self) -> float:
        policy = self.insurer.policy
        jitter = self._random.uniform(0, policy.delay_jitter_seconds)
        return policy.processing_delay_seconds + jitter + self.faults.slow_seconds

    def _judge(self, item: InboxItem) -> InboxItem | None:
        """Parse, adjudicate and store (in a worker thread: a 100,000-line file takes a while)."""
        meta = parse_metadata_json(item.metadata)
        try:
            declaration = parse_file(item.payload)
        except VektisError as exc:
            # The exchange validated it, so this is a disagreement between exchange and insurer
            # that an operator must see: no verbatim records to answer with, so no return file;
            # the payload is kept and listed (admin GET /insurers), never silently dropped.
            log.error("insurer %s: %s quarantined: %s", self.uzovi, item.traceer_id, exc)
            self.store.quarantine(item.traceer_id, f"{type(exc).__name__}: {exc}")
            return None
        result = adjudicate(
            declaration, insurer=self.view, history=self.history, today=item.received
        )
        answer = self._return_metadata(meta, declaration.standard.return_standard or "")
        text = json.dumps(metadata_to_json(answer))
        self.store.record(
            item,
            result,
            return_traceer_id=answer.referentiegegevens.traceer_id,
            return_metadata=text,
        )
        self._remember(result)
        self.judged_files += 1
        return self.store.item(item.traceer_id)

    def _remember(self, result: Adjudication) -> None:
        for line in result.lines:
            self.history.remember(line.as_prior())
        for ref in result.credited:
            earlier = self.history.line(result.declarant, ref)
            if earlier is not None:
                self.history.remember(_credited(earlier))
        if result.judged and self.history.invoice(result.declarant, result.factuurnummer) is None:
            self.history.remember_invoice(
                result.declarant, result.factuurnummer, result.fingerprint
            )

    def _return_metadata(self, meta: BerichtMetadata, return_standard: str) -> BerichtMetadata:
        """Afzender the UZOVI the declaration was addressed to (this insurer, or a brand or
        label it judges), addressed to the indiener, alsAntwoordOp the declaration."""
        ref = meta.referentiegegevens
        addressed = [g.code for g in meta.routeringgegevens.geadresseerden]
        afzender = addressed[0] if addressed and addressed[0] in self.view.brands else self.uzovi
        indiener = meta.context_values(CONTEXT_INDIENER) or (
            meta.routeringgegevens.afzender.code or "",
        )
        standard = get_standard(return_standard)
        return BerichtMetadata(
            routeringgegevens=Routeringgegevens(
                afzender=Relatie(rol=ROL_ZORGVERZEKERAAR, code=afzender),
                geadresseerden=(Relatie(rol=ROL_INDIENER, code=indiener[0]),),
                berichtstroom=return_berichtstroom(
                    standard.name, standard.version, standard.subversion
                ),
            ),
            referentiegegevens=Referentiegegevens(
                conversatie_id=ref.conversatie_id,
                traceer_id=str(uuid.uuid4()),  # unpredictable; stored before it is sent
                als_antwoord_op=ref.traceer_id,
            ),
        )

    async def _send(self, item: InboxItem) -> None:
        if item.return_metadata is None or item.return_file is None:
            return
        meta = parse_metadata_json(item.return_metadata)
        payload = item.return_file
        try:
            await self._retry(lambda: self.client.push(meta, payload), item.traceer_id)
        except ExchangeError as exc:
            if isinstance(exc, ExchangeUnavailableError) or exc.status not in _REFUSED_FOR_GOOD:
                raise
            if not _names_duplicate(exc):
                self._drop(item, exc)
                return
            log.info("insurer %s: return to %s was accepted before", self.uzovi, item.traceer_id)
        if self.faults.answer_twice:
            await self._send_again(meta, payload, item.traceer_id)
        self.store.mark_answered(item.traceer_id)

    def _drop(self, item: InboxItem, exc: ExchangeError) -> None:
        """Give up on a return the exchange will never take: sending it again at every start
        would only repeat the refusal. One WARNING without traceback; it is the exchange's
        answer, not an error of this process."""
        self.store.mark_dropped(item.traceer_id)
        log.warning(
            "insurer %s: return to %s refused by the exchange (%s), dropped: %s",
            self.uzovi,
            item.traceer_id,
            exc.status,
            exc.body or exc,
        )

    async def _send_again(self, meta: BerichtMetadata, payload: bytes, traceer: str) -> None:
        """The answer-twice fault: the same return, same traceerId, pushed again. The exchange
        refusing it (422, a duplicate) is the outcome the fault rehearses, so it is no error;
        any other failure still propagates and is logged as one."""
        try:
            await self._retry(lambda: self.client.push(meta, payload), traceer)
        except ExchangeError as exc:
            if isinstance(exc, ExchangeUnavailableError) or exc.status != 422:
                raise
            log.info(
                "insurer %s: answer to %s sent twice (fault), duplicate refused as expected: %s",
                self.uzovi,
                traceer,
                exc,
            )

    async def _retry(self, call: Callable[[], Awaitable[None]], what: str) -> None:
        """Bounded retries with doubling back-off while the exchange is unavailable."""
        delay = self.settings.retry_delay
        for attempt in range(1, self.settings.send_attempts + 1):
            try:
                await call()
                return
            except ExchangeUnavailableError as exc:
                if attempt == self.settings.send_attempts:
                    raise
                log.info("insurer %s: %s attempt %d failed: %s", self.uzovi, what, attempt, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def _names_duplicate(exc: ExchangeError) -> bool:
    """True for a 422 whose problem body's ``errors`` names the traceerId (not unique)."""
    if exc.status != 422:
        return False
    try:
        problem = json.loads(exc.body)
    except ValueError:
        return False
    errors = problem.get("errors") if isinstance(problem, dict) else None
    return isinstance(errors, dict) and _DUPLICATE_FIELD in errors


async def _rest(woken: asyncio.Event, seconds: float) -> None:
    """Until ``woken`` is set or ``seconds`` have passed. Not ``asyncio.wait_for``: on Python
    3.11 it swallows a cancellation arriving in the same loop turn as the event (bpo-42130),
    and ``stop_pulling`` would wait for ever."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await woken.wait()


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` and wait until it has ended (its outcome is of no interest any more)."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _credited(line: PriorLine) -> PriorLine:
    return dataclasses.replace(line, status=LineStatus.CREDITED)
