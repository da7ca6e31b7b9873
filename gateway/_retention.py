"""Retention: a downloaded payload is kept 24 h, then deleted; the journal is kept bounded.

VECOZO's berichtloket: "after download the payload remains available 24 h, then deleted;
metadata stays until the retention period ends". The sweep is one indexed UPDATE every
``retention_sweep_interval`` seconds, measured against the *simulated* clock, so an operator who
moves the clock a day forward (``PUT /clock``) sees payloads expire at the next sweep.

The journal is our own (VECOZO shows none), and insurer polling alone writes about 864,000 rows
a day, so the same sweep prunes it in the background, never in a request: rows older than
``journal_retention`` (simulated clock, like ``at``) and all but the newest
``journal_max_rows``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from gateway._state import GatewayState, iso

__all__ = ["RetentionSweeper", "retention_cutoff"]

log = logging.getLogger("gateway.retention")


def retention_cutoff(now: dt.datetime, keep: dt.timedelta) -> str:
    """Payloads first downloaded before this moment (same ISO form as the store) have expired."""
    return iso((now - keep).astimezone(dt.UTC))


class RetentionSweeper:
    """One background task per exchange; ``start``/``stop`` from the runner."""

    def __init__(self, state: GatewayState) -> None:
        self._state = state
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        """Delete the payloads whose retention ended; returns how many."""
        state = self._state
        cutoff = retention_cutoff(state.clock.now(), state.settings.payload_retention)
        return await state.store.expire_payloads(downloaded_before=cutoff)

    async def prune_journal(self) -> int:
        """Delete the journal rows past their age or count; returns how many."""
        state = self._state
        await state.journal.flush()
        return await state.store.prune_journal(
            before=retention_cutoff(state.clock.now(), state.settings.journal_retention),
            keep_rows=state.settings.journal_max_rows,
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-retention")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._state.settings.retention_sweep_interval)
            try:
                expired = await self.sweep()
                pruned = await self.prune_journal()
            except Exception:  # a failed sweep only delays deletion; never stop the exchange
                log.exception("retention sweep failed")
                continue
            if expired:
                log.info("payload retention: %d payloads deleted", expired)
            if pruned:
                log.info("journal retention: %d rows deleted", pruned)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
