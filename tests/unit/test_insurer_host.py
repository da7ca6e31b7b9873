"""The insurer host's shell: the order of shutdown, and how the answer-twice fault is logged.

A host is opened on a generated world (its receiving endpoint listens on 127.0.0.1 under mutual
TLS), the exchange client is replaced by a stand-in, and each store's ``close`` is watched: by
then the endpoint must refuse connections, the pull loops must have ended, and a judgement that
was running in its worker thread must have finished writing. The stand-in refuses a repeated
return with 422, as the exchange does, which the answer-twice fault expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import socket
import threading
import uuid
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
    with the exchange's 422 naming the traceerId (every push when ``refusing``, naming another
    field)."""

    def __init__(self) -> None:
        self.pushed: list[str] = []
        self.attempts = 0
        self.refusing = False

    async def push(self, metadata: BerichtMetadata, payload: bytes) -> None:
        traceer = metadata.referentiegegevens.traceer_id
        self.attempts += 1
        if self.refusing:
            raise ExchangeError("push: 422", status=422, body=_problem("routeringgegevens"))
        if traceer in self.pushed:
            body = _problem("referentiegegevens.traceerId")
            raise ExchangeError("push: 422", status=422, body=body)
        self.pushed.append(traceer)

    async def publish_register(self, uzovi: str, entries: Sequence[Mapping[str, Any]]) -> None:
        return None

    async def pull(self, limit: int = 100) -> list[Any]:
        return []

    async def close(self) -> None:
        return None


def _problem(field_name: str) -> str:
    return json.dumps({"status": 422, "errors": {field_name: ["refused"]}})


@contextlib.asynccontextmanager
async def _running(home: Path, exchange: QuietExchange | None = None) -> AsyncIterator[InsurerHost]:
    """A host on ``home`` whose insurers talk to stand-ins (all to ``exchange`` when given)."""
    settings = InsurerSettings(
        layout=HomeLayout(root=home),
        gateway_url="https://127.0.0.1:9",
        uzovis=frozenset({VGZ, ZK, PULLER}),
        poll_interval=0.01,
    )
    running = InsurerHost(settings)
    await running.listen()
    for insurer in running.insurers.values():
        insurer.client = exchange or QuietExchange()  # type: ignore[assignment]
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def host(template_home: Path, tmp_path: Path) -> AsyncIterator[InsurerHost]:
    shutil.copytree(template_home, tmp_path / "home")
    async with _running(tmp_path / "home") as running:
        yield running


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


async def test_answer_twice_keeps_a_real_refusal_a_warning(
    host: InsurerHost, caplog: pytest.LogCaptureFixture
) -> None:
    exchange = _answer(host, caplog)
    exchange.refusing = True  # the first push is refused too: that is no rehearsed outcome
    await host.idle()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "dropped" in warnings[0].getMessage()


# -- return traceerIds: unpredictable, chosen once, stored before the first push ---------------


def _old_style_id(uzovi: str, declaration: str) -> str:
    """How return ids were made before: a uuid5 anyone could compute from the declaration."""
    namespace = uuid.UUID("7f1c7a52-5d0e-4a59-9a53-2f6f2c1b8e01")
    return str(uuid.uuid5(namespace, f"{uzovi}:{declaration}"))


@pytest.fixture
def home(template_home: Path, tmp_path: Path) -> Path:
    shutil.copytree(template_home, tmp_path / "home")
    return tmp_path / "home"


def _declaration() -> tuple[str, str]:
    """A declaration's metadata JSON and its traceerId."""
    metadata = declaration_metadata_json(VGZ)
    return metadata, json.loads(metadata)["referentiegegevens"]["traceerId"]


async def _return_id(home: Path, metadata: str) -> str:
    exchange = QuietExchange()
    async with _running(home, exchange) as host:
        host.insurers[VGZ]._delay = lambda: 0.0  # type: ignore[method-assign]
        host.insurers[VGZ].accept(metadata, vektis.sample_declaration("MZ301"))
        await host.idle()
    assert len(exchange.pushed) == 1
    return exchange.pushed[0]


async def test_two_fresh_insurers_answer_one_declaration_under_different_ids(
    template_home: Path, tmp_path: Path
) -> None:
    metadata, declaration = _declaration()
    ids = []
    for name in ("first", "second"):
        shutil.copytree(template_home, tmp_path / name)
        ids.append(await _return_id(tmp_path / name, metadata))
    assert ids[0] != ids[1]
    assert _old_style_id(VGZ, declaration) not in ids
    assert all(uuid.UUID(i).version == 4 for i in ids)


async def test_a_return_judged_before_a_crash_is_sent_under_its_stored_id(home: Path) -> None:
    metadata, declaration = _declaration()
    async with _running(home) as host:
        insurer = host.insurers[VGZ]
        await insurer.stop_working()  # judged, then "crashed" before the push
        insurer.accept(metadata, vektis.sample_declaration("MZ301"))
        item = insurer.store.item(declaration)
        assert item is not None
        judged = await asyncio.to_thread(insurer._judge, item)
        assert judged is not None
        assert judged.return_traceer_id is not None
    exchange = QuietExchange()
    async with _running(home, exchange) as host:
        await host.idle()
        assert exchange.pushed == [judged.return_traceer_id]
        assert host.insurers[VGZ].store.unfinished() == []


async def test_a_push_squatting_the_old_predictable_id_no_longer_blocks_the_return(
    home: Path,
) -> None:
    metadata, declaration = _declaration()
    exchange = QuietExchange()
    exchange.pushed.append(_old_style_id(VGZ, declaration))  # someone else pushed it first
    async with _running(home, exchange) as host:
        host.insurers[VGZ]._delay = lambda: 0.0  # type: ignore[method-assign]
        host.insurers[VGZ].accept(metadata, vektis.sample_declaration("MZ301"))
        await host.idle()
        item = host.insurers[VGZ].store.item(declaration)
    assert len(exchange.pushed) == 2
    assert item is not None
    assert item.state == "answered"
    assert item.return_traceer_id == exchange.pushed[1]


# -- a return the exchange refuses for good is dropped, once -----------------------------------


async def test_a_return_refused_for_good_is_dropped_logged_once_and_not_resent(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="insurer_stub")
    metadata, declaration = _declaration()
    exchange = QuietExchange()
    exchange.refusing = True
    for _start in range(3):
        async with _running(home, exchange) as host:
            host.insurers[VGZ]._delay = lambda: 0.0  # type: ignore[method-assign]
            host.insurers[VGZ].accept(metadata, vektis.sample_declaration("MZ301"))
            await host.idle()
            item = host.insurers[VGZ].store.item(declaration)
            assert item is not None
            assert item.state == "dropped"
    assert exchange.attempts == 1
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelno, r.exc_info) for r in noted] == [(logging.WARNING, None)]
    assert declaration in noted[0].getMessage()


async def test_a_return_pushed_before_a_crash_and_refused_as_duplicate_is_answered(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="insurer_stub")
    exchange = QuietExchange()
    async with _running(home, exchange) as host:
        insurer = host.insurers[VGZ]
        insurer._delay = lambda: 0.0  # type: ignore[method-assign]
        insurer.store.mark_answered = lambda traceer_id: None  # type: ignore[method-assign]
        insurer.accept(declaration_metadata_json(VGZ), vektis.sample_declaration("MZ301"))
        await host.idle()  # pushed, but "crashed" before it was marked answered
    async with _running(home, exchange) as host:
        await host.idle()
        assert host.insurers[VGZ].store.unfinished() == []
    assert exchange.attempts == 2
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


class HeldPulls(QuietExchange):
    """An empty mailbox whose listing waits for ``release`` (set: answers at once)."""

    def __init__(self) -> None:
        super().__init__()
        self.pulls = 0
        self.pulled = asyncio.Event()
        self.release = asyncio.Event()

    async def pull(self, limit: int = 100) -> list[Any]:
        self.pulls += 1
        self.pulled.set()
        await self.release.wait()
        return []


async def test_a_wake_up_during_a_pull_brings_one_more_pull(
    template_home: Path, tmp_path: Path
) -> None:
    """Both intervals an hour: after its first pull the insurer pulls again only when woken,
    and a wake-up that arrives while a pull is under way is not lost."""
    shutil.copytree(template_home, tmp_path / "home")
    settings = InsurerSettings(
        layout=HomeLayout(root=tmp_path / "home"),
        gateway_url="https://127.0.0.1:9",
        uzovis=frozenset({PULLER}),
        poll_interval=3600.0,
        idle_interval=3600.0,
    )
    exchange = HeldPulls()
    host = InsurerHost(settings)
    await host.listen()
    host.insurers[PULLER].client = exchange  # type: ignore[assignment]
    await host.start()
    try:
        async with asyncio.timeout(20):
            await exchange.pulled.wait()  # the first pull, at the start, is held
            host.wake("12050001")  # not an insurer of this host: ignored
            host.wake(PULLER)
            exchange.pulled.clear()
            exchange.release.set()
            await exchange.pulled.wait()
        assert exchange.pulls == 2
    finally:
        await host.stop()
