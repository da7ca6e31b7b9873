"""The exchange's live, swappable parts: accepted CRL, journal writer, injected faults.

These are the pieces the operator changes while the exchange runs (``POST /crl/reload``,
``PUT /faults``) or that batch work behind the requests (the journal), so each lives in one
small object the app holds under a typed key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import ssl
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import certs
from gateway._journal import JournalEntry
from gateway._store import Store

__all__ = ["AcceptedCrl", "ConnectionStats", "Faults", "Journal", "wait_for_wake"]

log = logging.getLogger("gateway")


async def wait_for_wake(event: asyncio.Event, seconds: float) -> None:
    """Return once ``event`` is set or ``seconds`` have passed, whichever comes first.

    Not ``asyncio.wait_for(event.wait(), ...)``: on Python 3.11 it swallows a cancellation that
    arrives in the same loop turn as the event (bpo-42130, fixed in 3.12), so a background loop
    woken just as the exchange stops never ends and the stop waits for ever.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class AcceptedCrl:
    """The CRL in force: parsed for the middleware check and loaded into the live ssl context.

    Reloading happens on ``POST /crl/reload`` and, cheaply, whenever ``crl.pem``'s mtime changed
    (checked at most once per ``interval`` seconds). The handshake only picks up a CRL whose
    lastUpdate is newer than the one it has; the certs package moves lastUpdate on every issue.
    """

    def __init__(self, path: Path, *, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.contexts: list[ssl.SSLContext] = []
        # The revoked serials as a set: every request asks, and a set answers in one lookup
        # where the CRL object searches its list through cryptography.
        self._revoked: frozenset[int] = frozenset()
        self._mtime_ns = -1
        self._checked = 0.0
        if path.exists():
            self.reload()

    def reload(self) -> int:
        """Read the CRL file again; returns the number of revoked serials it lists."""
        crl = certs.load_crl(self.path)
        self._mtime_ns = os.stat(self.path).st_mtime_ns
        self._revoked = frozenset(entry.serial_number for entry in crl)
        for context in self.contexts:
            certs.reload_crl(context, self.path)
        log.info("crl reloaded", extra={"crl": str(self.path), "revoked": len(crl)})
        return len(crl)

    def attach(self, context: ssl.SSLContext) -> None:
        self.contexts.append(context)

    def refresh_if_changed(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.interval:
            return
        self._checked = now
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_mtime_ns != self._mtime_ns:
                self.reload()

    def is_revoked(self, serial: int) -> bool:
        self.refresh_if_changed()
        return serial in self._revoked


class ConnectionStats:
    """What the listener refused, for the admin statistics: handshakes by reason, over-cap."""

    def __init__(self) -> None:
        self.tls_refusals: Counter[str] = Counter()
        self.over_limit = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "tlsRefusals": {
                "total": sum(self.tls_refusals.values()),
                "byReason": dict(sorted(self.tls_refusals.items())),
            },
            "connectionsOverLimit": self.over_limit,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Trouble the operator injects to rehearse a client's error handling (``PUT /faults``).

    ``refuse_rate`` of the requests get ``refuse_status``; pushes to an organisation in
    ``failing_deliveries`` fail as if its endpoint were down. Random choices come from one
    seeded generator so a run can be repeated.
    """

    latency_ms: int = 0
    refuse_rate: float = 0.0
    refuse_status: int = 503
    failing_deliveries: frozenset[str] = frozenset()
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Faults:
        """Build from the admin body; ValueError naming the field that is wrong."""
        allowed = {"latencyMs", "refuseRate", "refuseStatus", "failingDeliveries", "seed"}
        extra = set(obj) - allowed
        if extra:
            raise ValueError(f"onbekende velden: {', '.join(sorted(extra))}")
        latency, rate = obj.get("latencyMs", 0), obj.get("refuseRate", 0.0)
        status, failing = obj.get("refuseStatus", 503), obj.get("failingDeliveries", [])
        seed = obj.get("seed", 0)
        if not isinstance(latency, int) or not 0 <= latency <= 60_000:
            raise ValueError("latencyMs: een geheel getal 0..60000")
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ValueError("refuseRate: een getal 0..1")
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError("refuseStatus: een HTTP-foutstatus 400..599")
        if not isinstance(failing, list) or not all(isinstance(c, str) for c in failing):
            raise ValueError("failingDeliveries: een lijst organisatiecodes")
        if not isinstance(seed, int):
            raise ValueError("seed: een geheel getal")
        return cls(
            latency_ms=latency,
            refuse_rate=float(rate),
            refuse_status=status,
            failing_deliveries=frozenset(failing),
            seed=seed,
            rng=random.Random(seed),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "latencyMs": self.latency_ms,
            "refuseRate": self.refuse_rate,
            "refuseStatus": self.refuse_status,
            "failingDeliveries": sorted(self.failing_deliveries),
            "seed": self.seed,
        }

    def should_refuse(self) -> bool:
        return self.refuse_rate > 0 and self.rng.random() < self.refuse_rate


class Journal:
    """Every request, durably: entries are queued and committed in small batches.

    One fsync per request would cap the exchange at the disk's sync rate; a group commit every
    ``interval`` seconds keeps the journal at most that far behind while requests run at full
    speed. Messages themselves never wait for this: they are durable before their 204.
    """

    def __init__(self, store: Store, *, interval: float = 0.05) -> None:
        self._store = store
        self._interval = interval
        self._pending: list[JournalEntry] = []
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # Set by the first entry of a batch: an exchange with no requests keeps no timer
        # running (a 50 ms tick was most of what an idle `vecozo-sim up` spent).
        self._arrived = asyncio.Event()

    def record(self, entry: JournalEntry) -> None:
        self._pending.append(entry)
        if len(self._pending) == 1:
            self._arrived.set()
        if len(self._pending) >= 500:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-journal")

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            await wait_for_wake(self._wake, self._interval)
            self._wake.clear()
            self._arrived.clear()  # before the batch is taken: a later entry sets it again
            await self.flush()

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            try:
                await self._store.write_journal(batch)
            except Exception:  # journal trouble must never take requests down
                log.exception("journal write failed; %d entries lost", len(batch))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
