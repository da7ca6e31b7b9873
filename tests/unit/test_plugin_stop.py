"""A stuck exchange call fails with the exchange's waiting tasks' stacks, in bounded time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vecozo_sim.pytest_plugin import ServerSideError, VecozoServer, VecozoWorld


async def _a_peer_that_never_lets_go() -> None:
    await asyncio.Event().wait()


def test_a_call_that_hangs_is_reported_with_task_stacks(
    vecozo_world: VecozoWorld, tmp_path: Path
) -> None:
    with VecozoServer(vecozo_world, tmp_path) as server:
        with pytest.raises(ServerSideError, match=r"did not finish within 0\.05 s") as caught:
            server.call(_a_peer_that_never_lets_go(), limit=0.05)
        assert "_a_peer_that_never_lets_go" in str(caught.value)
