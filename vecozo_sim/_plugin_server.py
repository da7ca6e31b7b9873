"""The pytest plugin's exchange: on its own event loop in a background thread, reset per test.

A test's own loop never runs the exchange, so a blocking client (``requests``, curl in a
subprocess, a Java client) gets its answers while the test waits, and an async test's clients
(bound to the test's loop) talk to it over sockets only: no object crosses the two loops.

One :class:`VecozoServer` serves a whole session (or one test, when a suite overrides the
``vecozo_server`` fixture as function-scoped): :meth:`VecozoServer.prepare` gives each test the
running exchange after :meth:`vecozo_sim._runner.Exchange.reset`, and starts a fresh one in a
fresh copy of the world only when the test asks for another simulated date, retry schedule or
person-certificate setting, or when the previous test changed the home's files (revoked a
certificate, edited the population): a reset cannot undo those.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import os
import shutil
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import datetime as dt

    from gateway import RetrySchedule
    from vecozo_sim import Exchange
    from world import HomeLayout, World

__all__ = ["ServerSideError", "VecozoServer", "VecozoWorld", "is_own_unexpected_error"]

T = TypeVar("T")

# A start, reset or stop takes well under a second; past this the call reports where the
# exchange is stuck instead of waiting for pytest-timeout's blind 300 s.
CALL_LIMIT = 60.0

_SERVER_LOGGERS = ("gateway", "insurer_stub", "aiohttp.server", "aiohttp.web", "vecozo_sim")


class ServerSideError(AssertionError):
    """The simulated exchange logged its own unexpected errors, or did not answer in time."""


class VecozoWorld:
    """The session's world: generated once, with every certificate, in a template directory."""

    def __init__(self, layout: HomeLayout, world: World) -> None:
        self.layout = layout
        self.world = world

    def copy_to(self, root: Path) -> HomeLayout:
        """A private home made of hard links in milliseconds.

        Links are safe because every writer of these files (``certs`` revoking or issuing,
        ``save_world``) writes a new file and renames it over the old name, which replaces the
        link in this home and leaves the template untouched.
        """
        from world import HomeLayout

        shutil.copytree(self.layout.root, root, copy_function=_link_or_copy)
        return HomeLayout(root=root)


def _link_or_copy(source: str, target: str) -> object:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy instead
        shutil.copy2(source, target)
    return target


def is_own_unexpected_error(record: logging.LogRecord) -> bool:
    """Whether a log record is the exchange's own unexpected error (a handler crashed, a task
    died), which must fail the test. A peer's fault the server answered correctly is not: a
    malformed request (aiohttp's parser raised, the answer was 400) or a client that hung up.
    Decided by the exception's type, never by the wording of a message."""
    from aiohttp.http_exceptions import HttpProcessingError

    if record.levelno < logging.ERROR or not record.name.startswith(_SERVER_LOGGERS):
        return False
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, HttpProcessingError | ConnectionResetError)


class _ErrorLog(logging.Handler):
    """Collects the exchange's own unexpected errors until cleared.

    Only records from other threads than the test's: the plugin's exchange runs on its own
    loop thread (and that loop's executor threads), while a test that starts a gateway of its
    own on its own loop (and makes it fail on purpose) logs on the main thread; such a record
    must not fail the next test that uses the plugin."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != threading.main_thread().ident and is_own_unexpected_error(record):
            self.records.append(record)

    def lines(self) -> list[str]:
        return [_format(record) for record in list(self.records)]


def _format(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        text += f" ({record.exc_info[1]!r})"
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class _Start:
    """What a running exchange was started with; a test asking for other values restarts it."""

    today: dt.date | None
    retry: RetrySchedule
    person_rest: bool = False


class VecozoServer:
    """An exchange on its own event loop in a daemon thread; ``close()`` stops both."""

    def __init__(self, world: VecozoWorld, root: Path) -> None:
        self.world = world
        self._root = root
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="vecozo-exchange", daemon=True
        )
        self._thread.start()
        self.errors = _ErrorLog()
        logging.getLogger().addHandler(self.errors)
        self._exchange: Exchange | None = None
        self._started: _Start | None = None
        self._homes = 0
        self._home_files: dict[str, tuple[int, int, int]] = {}

    def __enter__(self) -> VecozoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def exchange(self) -> Exchange:
        if self._exchange is None:
            raise RuntimeError("the exchange is not started: call prepare() first")
        return self._exchange

    def call(self, work: Coroutine[Any, Any, T], *, limit: float | None = None) -> T:
        """Run ``work`` on the exchange's loop and wait for its result (from any other thread).

        Raises :class:`ServerSideError` with the exchange's waiting tasks when it takes longer
        than ``limit`` seconds (default :data:`CALL_LIMIT`)."""
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        wait = CALL_LIMIT if limit is None else limit
        try:
            return future.result(wait)
        except concurrent.futures.TimeoutError:
            stacks = self._task_stacks()
            future.cancel()
            raise ServerSideError(
                f"the exchange did not finish within {wait:g} s; tasks still waiting:\n{stacks}"
            ) from None

    def _task_stacks(self) -> str:
        out = io.StringIO()
        for task in asyncio.all_tasks(self._loop):
            task.print_stack(limit=8, file=out)
        return out.getvalue()

    def prepare(
        self, *, today: dt.date | None, retry: RetrySchedule, person_rest: bool = False
    ) -> Exchange:
        """The exchange for the next test, as if just started: reset when it runs with these
        values on an unchanged home, else a fresh one. Raises :class:`ServerSideError` if the
        exchange logged its own errors meanwhile (after the previous test's check)."""
        wanted = _Start(today=today, retry=retry, person_rest=person_rest)
        if self._exchange is not None and self._started == wanted and not self._home_changed():
            self.call(self._exchange.reset())
        else:
            self._restart(wanted)
        if self.errors.records:
            lines = self.errors.lines()
            self.errors.records.clear()
            raise ServerSideError(
                "the simulated exchange logged between two tests:\n" + "\n".join(lines)
            )
        return self.exchange

    def pause(self) -> None:
        """After a test: the exchange's own traffic stops until the next test's reset (the
        pull-mode insurers would otherwise poll all through the rest of the session)."""
        if self._exchange is not None:
            self.call(self._exchange.pause())

    def _restart(self, wanted: _Start) -> None:
        from vecozo_sim import Exchange, ExchangeSettings
        from vecozo_sim._runner import write_runtime_file

        self._stop_exchange()
        self._homes += 1
        layout = self.world.copy_to(self._root / f"home-{self._homes}")
        self._home_files = dict(_files_of(layout.root))
        settings = ExchangeSettings(
            layout=layout,
            port=0,
            admin_port=0,
            today=wanted.today,
            retry=wanted.retry,
            poll_interval=0.05,
            rest_person_certificates=wanted.person_rest,
        )
        exchange = Exchange(settings, world=self.world.world)
        self._started = wanted
        self._exchange = exchange
        self.call(exchange.start())
        write_runtime_file(layout, exchange.runtime)  # so `vecozo-sim client --home` finds it

    def _home_changed(self) -> bool:
        """Whether a file of the world (world, population, PKI) was replaced, edited or removed
        since the start: a rename gives a new inode, an edit a new mtime or size."""
        root = self.exchange.settings.layout.root
        for relative, seen in self._home_files.items():
            try:
                now = os.stat(root / relative)
            except OSError:
                return True
            if (now.st_ino, now.st_mtime_ns, now.st_size) != seen:
                return True
        return False

    def _stop_exchange(self) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            self.call(exchange.stop())
            shutil.rmtree(exchange.settings.layout.root, ignore_errors=True)

    def close(self) -> None:
        """Stop the exchange, then its loop and thread; idempotent."""
        if self._loop.is_closed():
            return
        try:
            self._stop_exchange()
            self.call(_finish_loop())
        finally:
            logging.getLogger().removeHandler(self.errors)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(CALL_LIMIT)
            if not self._thread.is_alive():
                self._loop.close()


async def _finish_loop() -> None:
    """What ``asyncio.run`` does at the end: no task, generator or executor thread left."""
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


def _files_of(root: Path) -> Iterator[tuple[str, tuple[int, int, int]]]:
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            status = path.stat()
            yield str(path.relative_to(root)), (status.st_ino, status.st_mtime_ns, status.st_size)
