"""A stuck exchange stop fails the teardown with the waiting tasks' stacks, in bounded time."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from vecozo_sim import pytest_plugin
from vecozo_sim.pytest_plugin import ServerSideError


class _StuckExchange:
    async def stop(self) -> None:
        await asyncio.Event().wait()  # a peer that never lets go


async def test_a_stop_that_hangs_is_reported_with_task_stacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pytest_plugin, "STOP_LIMIT", 0.05)
    with pytest.raises(ServerSideError, match="did not stop") as caught:
        await pytest_plugin._stop_or_explain(cast(Any, _StuckExchange()))
    assert "test_a_stop_that_hangs_is_reported_with_task_stacks" in str(caught.value)
