"""The insurer host's shell: the order of shutdown, and how the answer-twice fault is logged.

A host is opened on a generated world (its receiving endpoint listens on 127.0.0.1 under mutual
TLS), the exchange client is replaced by a stand-in, and each store's ``close`` is watched: by
then the endpoint must refuse connections, the pull loops must have ended, and a judgement that
was running in its worker thread must have finished writing. The stand-in refuses a repeated
return with 422, as the exchange does, which the answer-twice fault expects.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from insurer_messages import declaration_metadata_json

import vektis
from berichten import BerichtMetadata
from insurer_stub import ExchangeError, Faults, InsurerHost, InsurerSettings
from insurer_stub._store import InboxItem
from world import HomeLayout

VGZ, ZK, PULLER = "7095", "3311", "0699"  # PULLER fetches its mailbox instead of being pushed to


class QuietExchange:
    """Stands in for ``ExchangeClient``: an empty mailbox; a traceerId pushed again is refused
    with 422 (so is every push when ``refusing``)."""

    def __init__(self) -> None:
        self.pushed: list[str] = []
        self.refusing = False

    async def push(self, metadata: BerichtMetadata, payload: bytes) -> None:
        traceer = metadata.referentiegegevens.traceer_id
        if self.refusing or traceer in self.pushed:
            raise ExchangeError("push: 422 refused", status=422, body="refused")
        self.pushed.append(traceer)

    async def publish_register(self, uzovi: str, entries: Sequence[Mapping[str, Any]]) -> None:
        return None

    async def pull(self, limit: int = 100) -> list[Any]:
        return []

    async def close(self) -> None:
        return None


@pytest.fixture
async def host(template_home: Path, tmp_path: Path) -> AsyncIterator[InsurerHost]:
    shutil.copytree(template_home, tmp_path / "home")
    settings = InsurerSettings(
        layout=HomeLayout(root=tmp_path / "home"),
        gateway_url="https://127.0.0.1:9",
        uzovis=frozenset({VGZ, ZK, PULLER}),
        poll_interval=0.01,
    )
    running = InsurerHost(settings)
    await running.listen()
    for insurer in running.insurers.values():
        insurer.client = QuietExchange()  # type: ignore[assignment]
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def _refuses(port: int) -> bool:
    """True when nothing accepts a TCP connection on 127.0.0.1:``port`` any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def _pulling() -> set[str]:
    return {t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("pull-")}


async def test_endpoint_and_pull_loops_end_before_any_store_closes(
    host: InsurerHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = urlsplit(host.push_endpoints()[VGZ]).port
    assert port is not None
    assert not _refuses(port)
    assert _pulling() == {f"pull-{PULLER}"}
    seen: list[tuple[str, bool, set[str]]] = []
    for uzovi, insurer in host.insurers.items():
        close = insurer.store.close

        def watched(uzovi: str = uzovi, close: Any = close) -> None:
            seen.append((uzovi, _refuses(port), _pulling()))
            close()

        monkeypatch.setattr(insurer.store, "close", watched)
    await host.stop()
    assert sorted(seen) == [(u, True, set()) for u in sorted((PULLER, ZK, VGZ))]


async def test_stop_lets_a_judgement_in_its_thread_finish_before_the_store_closes(
    host: InsurerHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    insurer = host.insurers[VGZ]
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []
    judge = insurer._judge

    def held(item: InboxItem) -> InboxItem | None:
        entered.set()
        release.wait(30)
        try:
            return judge(item)  # the payload is no EI file: it is quarantined, in the store
        except BaseException as exc:
            failures.append(exc)
            raise
        finally:
            finished.set()

    monkeypatch.setattr(insurer, "_judge", held)
    monkeypatch.setattr(insurer, "_delay", lambda: 0.0)
    insurer.accept(declaration_metadata_json(VGZ), b"not an EI file")
    assert await asyncio.to_thread(entered.wait, 30)
    stopping = asyncio.create_task(host.stop())
    await asyncio.wait({stopping}, timeout=0.2)  # the old order closed the store meanwhile
    release.set()
    await stopping
    assert await asyncio.to_thread(finished.wait, 30)
    assert failures == []


def _answer(host: InsurerHost, caplog: pytest.LogCaptureFixture) -> QuietExchange:
    """Let VGZ judge one clean-enough declaration under the answer-twice fault."""
    insurer = host.insurers[VGZ]
    insurer.faults = Faults(answer_twice=True)
    insurer._delay = lambda: 0.0  # type: ignore[method-assign]
    caplog.set_level(logging.DEBUG, logger="insurer_stub")
    insurer.accept(declaration_metadata_json(VGZ), vektis.sample_declaration("MZ301"))
    assert isinstance(insurer.client, QuietExchange)
    return insurer.client


async def test_answer_twice_duplicate_refusal_is_expected_not_an_error(
    host: InsurerHost, caplog: pytest.LogCaptureFixture
) -> None:
    exchange = _answer(host, caplog)
    await host.idle()
    assert len(exchange.pushed) == 1
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("refused as expected" in r.getMessage() for r in caplog.records)
    assert host.insurers[VGZ].store.unfinished() == []


async def test_answer_twice_keeps_a_real_refusal_an_error(
    host: InsurerHost, caplog: pytest.LogCaptureFixture
) -> None:
    exchange = _answer(host, caplog)
    exchange.refusing = True  # the first push is refused too: that is no rehearsed outcome
    await host.idle()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "failed" in errors[0].getMessage()
