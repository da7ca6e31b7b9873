"""The load driver's I/O shell: send on schedule, collect the returns, stop cleanly.

Each account gets its own :class:`VecozoClient` (its own certificate and connections). A send
generates a fresh declaration for one of the account's providers (a bureau sends for every
provider that gave it a toestemmingsverklaring) and pushes it at its scheduled time; a collector
per account lists the mailbox, downloads the returns that answer this run's pushes, counts their
retourcodes and acknowledges them. Other messages in the mailbox are left alone.

Bounded everywhere: the schedule has at most ``LoadPlan.count()`` sends, at most
``MAX_IN_FLIGHT`` pushes run at once, the drain after the last send lasts at most
``LoadPlan.drain`` seconds, and ``stop`` (Ctrl-C in the command) ends sending at once and the
drain early, after which the summary is still made.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import vektis
from provider_client._client import VecozoClient
from provider_client._draw import GenerateError
from provider_client._errors import ClientError, ProblemDetailsError
from provider_client._generate import GenerateOptions, generate_file
from provider_client._load import LoadError, LoadPlan, Outcome, Shot, Summary, schedule, summarise
from provider_client._values import MessageInfo
from provider_client._world import account_named, load_world_of
from world import Account, HomeLayout, Service, World

__all__ = ["MAX_IN_FLIGHT", "Notify", "Submitter", "declaration", "resolve_submitters", "run_load"]

MAX_IN_FLIGHT = 32
POLL_SECONDS = 0.2
LISTING_LIMIT = 250  # the pull interface's maximum page
Notify = Callable[[str], None]  # "sent" or "returned", for a progress display


@dataclass(frozen=True, slots=True, kw_only=True)
class Submitter:
    """One account of the run and the (provider, bureau) pairs it declares for."""

    account: Account
    targets: tuple[tuple[str, str | None], ...]


def resolve_submitters(world: World, names: tuple[str, ...], day: dt.date) -> tuple[Submitter, ...]:
    """Each named account (user number, name or organisation code) with what it may send."""
    return tuple(_submitter(world, _account(world, name), day) for name in names)


def _account(world: World, name: str) -> Account:
    found = account_named(world, name)  # an organisation code: its system account
    if found is None:
        raise LoadError(f"--accounts: no account {name!r} (a user number, a name or an AGB code)")
    return found


def _submitter(world: World, account: Account, day: dt.date) -> Submitter:
    missing = {Service.DECLAREREN, Service.BERICHTEN} - account.services
    if missing:
        names = ", ".join(sorted(s.value for s in missing))
        raise LoadError(f"--accounts: {account.name} lacks the service(s) {names} a load run needs")
    if world.provider(account.organisation) is not None:
        return Submitter(account=account, targets=((account.organisation, None),))
    if world.bureau(account.organisation) is not None:
        allowed = tuple(
            (p.code, account.organisation)
            for p in world.providers
            if world.has_toestemming(bureau=account.organisation, provider=p.code, day=day)
        )
        if allowed:
            return Submitter(account=account, targets=allowed)
        raise LoadError(f"--accounts: bureau {account.organisation} has no valid toestemming")
    raise LoadError(f"--accounts: {account.name} is not a provider or a service bureau")


def declaration(
    world: World, plan: LoadPlan, submitters: tuple[Submitter, ...], shot: Shot, day: dt.date
) -> bytes:
    """The file of one send: the account's providers in turn, a seed of its own."""
    submitter = submitters[shot.account]
    provider, bureau = submitter.targets[(shot.number // len(submitters)) % len(submitter.targets)]
    options = GenerateOptions(
        provider=provider,
        lines=plan.lines,
        seed=shot_seed(plan.seed, shot.number),
        today=day,
        bureau=bureau,
    )
    try:
        return generate_file(world, options).data
    except GenerateError as exc:
        raise LoadError(f"cannot generate a file for {provider}: {exc}") from None


def shot_seed(seed: int, number: int) -> int:
    """Each send its own file, the same for the same --seed."""
    digest = hashlib.sha256(f"load|{seed}|{number}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


async def run_load(
    plan: LoadPlan,
    *,
    home: Path,
    base_url: str | None = None,
    today: dt.date | None = None,
    notify: Notify | None = None,
    stop: asyncio.Event | None = None,
    hurry: asyncio.Event | None = None,
) -> Summary:
    """Send ``plan``'s schedule from its accounts, collect the returns, summarise.

    ``stop`` ends sending (pushes under way finish, the drain still waits for returns);
    ``hurry`` ends the drain too. The command sets them on the first and second Ctrl-C.
    """
    world = load_world_of(HomeLayout(root=home))
    day = today or world.today or dt.date.today()
    submitters = resolve_submitters(world, plan.accounts, day)
    for shot in schedule(plan)[: len(submitters)]:  # a mistake shows before anything is sent
        declaration(world, plan, submitters, shot, day)
    clients = [
        VecozoClient.from_home(home, account=s.account.user_number, base_url=base_url)
        for s in submitters
    ]
    run = _Run(plan, world, day, submitters, clients, notify or (lambda _kind: None))
    run.stop, run.hurry = stop or run.stop, hurry or run.hurry
    try:
        return await run.execute()
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


class _Run:
    """The mutable state of one run; only :func:`run_load` makes one."""

    def __init__(
        self,
        plan: LoadPlan,
        world: World,
        day: dt.date,
        submitters: tuple[Submitter, ...],
        clients: list[VecozoClient],
        notify: Notify,
    ) -> None:
        self.plan, self.world, self.day = plan, world, day
        self.submitters, self.clients, self.notify = submitters, clients, notify
        self.stop, self.hurry = asyncio.Event(), asyncio.Event()
        self.started = time.monotonic()
        self.outcomes: dict[int, Outcome] = {}
        self.pending: dict[str, tuple[int, float]] = {}  # traceerId -> (shot, push start)
        self.sending = True
        self.slots = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def execute(self) -> Summary:
        shots = schedule(self.plan)
        started = self.started = time.monotonic()
        collectors = [asyncio.create_task(self._collect(i)) for i in range(len(self.clients))]
        try:
            await self._send_all(shots, started)
            self.sending = False
            await self._drain()
        finally:
            self.sending = False
            for task in collectors:
                task.cancel()
            await asyncio.gather(*collectors, return_exceptions=True)
        outcomes = [self.outcomes[n] for n in sorted(self.outcomes)]
        return summarise(
            outcomes,
            planned=len(shots),
            elapsed=time.monotonic() - started,
            interrupted=self.stop.is_set(),
        )

    async def _send_all(self, shots: tuple[Shot, ...], started: float) -> None:
        tasks: set[asyncio.Task[None]] = set()
        for shot in shots:
            delay = started + shot.at - time.monotonic()
            if delay > 0 and await _wait(self.stop, delay):
                break
            if self.stop.is_set():
                break
            await self.slots.acquire()
            task = asyncio.create_task(self._send(shot))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:  # pushes already under way finish: each is bounded by the client's timeout
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(self, shot: Shot) -> None:
        begun = time.monotonic()
        try:
            data = declaration(self.world, self.plan, self.submitters, shot, self.day)
            begun = time.monotonic()
            receipt = await self.clients[shot.account].push(data, filename=f"load{shot.number}.asc")
        except (ClientError, LoadError) as exc:
            self._record(shot, begun, refused=_reason(exc))
        else:
            self.pending[receipt.traceer_id] = (shot.number, begun)
            self._record(shot, begun, traceer_id=receipt.traceer_id)
        finally:
            self.slots.release()

    def _record(self, shot: Shot, begun: float, *, refused: str = "", traceer_id: str = "") -> None:
        self.outcomes[shot.number] = Outcome(
            account=self.submitters[shot.account].account.user_number,
            started=begun - self.started,
            push_seconds=time.monotonic() - begun,
            accepted=not refused,
            refused=refused,
            traceer_id=traceer_id,
        )
        self.notify("sent")

    async def _drain(self) -> None:
        """Until every accepted push has its return, the drain time is up, or stop is set."""
        deadline = time.monotonic() + self.plan.drain
        while self._awaited() and time.monotonic() < deadline:
            if await _wait(self.hurry, min(POLL_SECONDS, deadline - time.monotonic())):
                return

    def _awaited(self) -> int:
        return sum(1 for n, _ in self.pending.values() if self.outcomes[n].return_seconds is None)

    async def _collect(self, index: int) -> None:
        """Poll one account's mailbox while there is, or may be, something to wait for."""
        client = self.clients[index]
        while True:
            try:
                listing = await client.list_messages(limit=LISTING_LIMIT)
                for info in await self._ours(client, listing):
                    await self._take(client, info)
            except ClientError:
                pass  # a failed poll is retried; the summary counts what never came
            await asyncio.sleep(POLL_SECONDS)

    async def _ours(
        self, client: VecozoClient, listing: tuple[MessageInfo, ...]
    ) -> list[MessageInfo]:
        found = [m for m in listing if m.als_antwoord_op in self.pending]
        if len(listing) >= LISTING_LIMIT and not found:  # a full mailbox may hide ours
            for traceer_id in list(self.pending)[:10]:
                found += await client.search(als_antwoord_op=traceer_id)
        return [m for m in found if m.als_antwoord_op in self.pending]

    async def _take(self, client: VecozoClient, info: MessageInfo) -> None:
        number, begun = self.pending[info.als_antwoord_op or ""]
        outcome = self.outcomes[number]
        if outcome.return_seconds is not None:
            return
        seen = time.monotonic() - begun
        codes = _codes(await client.download(info))
        with contextlib.suppress(ClientError):
            await client.acknowledge(info.traceer_id)
        self.outcomes[number] = _with_return(outcome, seen, codes)
        self.notify("returned")


def _with_return(outcome: Outcome, seconds: float, codes: dict[str, int]) -> Outcome:
    return Outcome(
        account=outcome.account,
        started=outcome.started,
        push_seconds=outcome.push_seconds,
        accepted=True,
        traceer_id=outcome.traceer_id,
        return_seconds=seconds,
        return_codes=codes,
    )


def _codes(data: bytes) -> dict[str, int]:
    """Retourcodes of every record of a return file; an unreadable file counts as 'unreadable'."""
    try:
        parsed = vektis.parse_file(data)
    except vektis.VektisError:
        return {"unreadable": 1}
    counts: dict[str, int] = {}
    for record in (parsed.header, *parsed.details, parsed.closing):
        with contextlib.suppress(vektis.VektisError):
            found = record.get("retourcodes")
            for code in found if isinstance(found, tuple) else ():
                counts[str(code)] = counts.get(str(code), 0) + 1
    return counts


def _reason(exc: ClientError | LoadError) -> str:
    """A short key for the refusals table: the HTTP status and title, or the error's kind."""
    if isinstance(exc, ProblemDetailsError):
        return f"{exc.status} {exc.title}".strip()
    return type(exc).__name__


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``event`` is set first; True when it was set.

    ``asyncio.timeout``, not ``wait_for(event.wait())``: on Python 3.11 the latter swallows a
    cancellation that arrives in the same loop turn as the event (bpo-42130), which hung the
    gateway's stop once (gateway._runtime.wait_for_wake); a Ctrl-C must end the load run."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max(seconds, 0.0)):
            await event.wait()
    return event.is_set()
