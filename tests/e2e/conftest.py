"""Shared e2e fixtures: ``vecozo-sim up`` as a real subprocess, and a bare gateway.

The in-process exchange comes from our own pytest plugin (the ``vecozo`` fixture, loaded
through the ``pytest11`` entry point like any user's); what the plugin cannot give is the
command itself, with its signals, its runtime file and its restarts, so this starts it.

The gateway's own tests run a ``Gateway`` alone on the small hand-built world of
``gateway_fixtures``: ``pki`` (built once per session), ``layout`` (a home of its own per
test), ``gateway_settings``, ``gateway`` and ``parties`` (a client session per account). Like
pytest-httpserver's, each is small so a module overrides just the one it needs (its own
``gateway_settings``, say).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from gateway_fixtures import (
    ACCOUNTS,
    GatewayPki,
    Party,
    build_gateway_pki,
    build_world,
    client_context,
    home_from,
    settings_for,
)

from gateway import Gateway, GatewaySettings
from world import HomeLayout, World

if TYPE_CHECKING:
    from provider_client import MessageInfo, VecozoClient

READY_TIMEOUT = 60.0  # a first start also generates the world and issues its certificates


@dataclass(frozen=True, slots=True, kw_only=True)
class UpProcess:
    """One running ``vecozo-sim up``: its process, its runtime.json and its output file."""

    process: subprocess.Popen[bytes]
    runtime: dict[str, Any]
    log: Path
    ready_seconds: float  # from spawning the process to a runtime.json naming its pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send ``signum`` and wait (bounded) for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def _read_runtime(path: Path, pid: int) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("pid") == pid else None


def start_up(home: Path, *args: str, log: Path) -> UpProcess:
    """Spawn ``vecozo-sim up --home HOME --port 0 --admin-port 0 ARGS`` and wait until ready."""
    command = [sys.executable, "-m", "vecozo_sim", "up", "--home", str(home)]
    command += ["--port", "0", "--admin-port", "0", *args]
    started = time.perf_counter()
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    deadline = started + READY_TIMEOUT
    while time.perf_counter() < deadline:
        runtime = _read_runtime(home / "runtime.json", process.pid)
        if runtime is not None:
            return UpProcess(
                process=process,
                runtime=runtime,
                log=log,
                ready_seconds=time.perf_counter() - started,
            )
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    process.wait(timeout=10)
    raise AssertionError(f"vecozo-sim up did not get ready:\n{log.read_text(errors='replace')}")


@pytest.fixture
def run_up(tmp_path: Path) -> Iterator[Callable[..., UpProcess]]:
    """A factory for ``vecozo-sim up`` processes; any still running are killed at teardown."""
    started: list[UpProcess] = []

    def run(home: Path, *args: str) -> UpProcess:
        up = start_up(home, *args, log=tmp_path / "up.log")
        started.append(up)
        return up

    yield run
    for up in started:
        if up.process.poll() is None:
            os.kill(up.process.pid, signal.SIGKILL)
            up.process.wait(timeout=10)


def declaration(
    world: World,
    *,
    provider: str,
    insurer: str,
    lines: int = 4,
    seed: int = 1,
    errors: Mapping[str, float] | None = None,
    bureau: str | None = None,
) -> bytes:
    """A generated EI file (``provider_client.generate_file``) dated by the world's clock."""
    from provider_client import GenerateOptions, generate_file

    options = GenerateOptions(
        provider=provider,
        insurer=insurer,
        lines=lines,
        seed=seed,
        today=world.today or dt.date.today(),
        errors=errors or {},
        bureau=bureau,
    )
    return generate_file(world, options).data


async def answers(client: VecozoClient, traceer_id: str) -> tuple[MessageInfo, ...]:
    """The mailbox messages answering ``traceer_id``; the search API answers 404 for none."""
    from provider_client import MessageNotFoundError

    try:
        found = await client.search(als_antwoord_op=traceer_id)
    except MessageNotFoundError:
        return ()
    return tuple(m for m in found if m.als_antwoord_op == traceer_id)


# --- a bare gateway on the hand-built world ---------------------------------------------------


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> GatewayPki:
    """The hand-built world's CA and certificates, once per session; never written to."""
    return build_gateway_pki(tmp_path_factory.mktemp("gateway-pki"))


@pytest.fixture
def layout(pki: GatewayPki, tmp_path: Path) -> HomeLayout:
    """A home of this test's own, copied from ``pki``'s template."""
    return home_from(pki, tmp_path / "home")


@pytest.fixture
def gateway_settings(layout: HomeLayout) -> GatewaySettings:
    """Fast test settings (``settings_for``); override to change one."""
    return settings_for(layout)


@pytest.fixture
async def gateway(gateway_settings: GatewaySettings) -> AsyncIterator[Gateway]:
    running = Gateway(gateway_settings, world=build_world())
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def parties(
    gateway: Gateway, pki: GatewayPki, layout: HomeLayout
) -> AsyncIterator[dict[str, Party]]:
    """A client session per account of ``ACCOUNTS``, each with that account's certificate."""
    sessions = {
        name: aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=client_context(pki, layout, name))
        )
        for name in ACCOUNTS
    }
    try:
        yield {name: Party(gateway, session) for name, session in sessions.items()}
    finally:
        for session in sessions.values():
            await session.close()
