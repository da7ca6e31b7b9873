"""pytest plugin (entry point ``pytest11``): an isolated simulated exchange per test.

Shaped after pytest-httpserver: one fixture, ``vecozo``, that a test asks for, and small
fixtures a suite overrides in its ``conftest.py`` to change the scenario:

- ``vecozo_seed`` / ``vecozo_persons`` (session): which world to generate. The world and its
  PKI (the slow part) are built once per session in synchronous fixtures, so no event loop is
  involved and pytest-asyncio's loop scopes cannot bite;
- ``vecozo_today`` (function): the simulated date, ``None`` for the world's own;
- ``vecozo_faults`` (function): rehearsal faults applied before the test runs, as the admin
  bodies: ``{"gateway": {"latencyMs": 200}, "insurers": {"7095": {"down": True}}}``;
- ``vecozo_retry`` (function): the gateway's delivery retry schedule (fast by default).

``vecozo`` starts the gateway and every stub insurer on free ports of 127.0.0.1, in a copy of
the session world (its own store, CA files and CRL), on the test's own event loop (a
session-scoped server with function-scoped test loops would hang). It hands out ready
:class:`provider_client.VecozoClient` objects per account and the world's scenario persons,
and re-raises at teardown any error the servers logged, so a 500 never passes unnoticed.
At teardown it closes every client and admin session it handed out; one used after that (by a
task that outlived its test) raises :class:`ExchangeClosedError` instead of quietly opening a
new aiohttp session that nobody closes (which surfaced as a ResourceWarning in a later test).

Everything heavy is imported inside the fixtures: the plugin is loaded in every pytest run of
an environment that has vecozo-sim installed, and must cost nothing there.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import datetime as dt

    import aiohttp

    from gateway import RetrySchedule
    from provider_client import IncomingResponse, OutgoingRequest, Transport, VecozoClient
    from vecozo_sim._runner import Exchange, Runtime
    from world import HomeLayout, Scenario, World

try:  # strict-mode projects need the explicit decorator; without pytest-asyncio nothing async runs
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - pytest-asyncio is what runs the async tests at all
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = ["ExchangeClosedError", "ServerSideError", "VecozoExchange", "VecozoWorld"]

_SERVER_LOGGERS = ("gateway", "insurer_stub", "aiohttp.server", "aiohttp.web", "vecozo_sim")


class ServerSideError(AssertionError):
    """The simulated servers logged errors during the test (a handler crashed, a task died)."""


class ExchangeClosedError(RuntimeError):
    """A client or the admin port of ``vecozo`` was used after the test's exchange stopped."""


class _ClosingTransport:
    """A client's transport that stays closed once the fixture closed it.

    aiohttp's transport reopens its session on the next request after ``close()``. A task a
    test left running (``asyncio.gather`` keeps the siblings of a failed coroutine going) would
    so open a session during teardown that nothing ever closes; here it gets an error instead.
    """

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self.closed = False

    async def send(self, request: OutgoingRequest) -> IncomingResponse:
        if self.closed:
            raise ExchangeClosedError(f"{request.method} {request.path}: {_CLOSED}")
        return await self._inner.send(request)

    async def close(self) -> None:
        self.closed = True
        await self._inner.close()


_CLOSED = "the test's vecozo exchange is torn down (a task outlived its test?)"


class VecozoWorld:
    """The session's world: generated once, with every certificate, in a template directory."""

    def __init__(self, layout: HomeLayout, world: World) -> None:
        self.layout = layout
        self.world = world

    def copy_to(self, root: Path) -> HomeLayout:
        """A private home for one test, made of hard links in milliseconds.

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


class _ErrorLog(logging.Handler):
    """Collects ERROR records of the server loggers while one exchange runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(_SERVER_LOGGERS):
            self.records.append(record)

    def __enter__(self) -> _ErrorLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


class VecozoExchange:
    """What a test gets from ``vecozo``: URLs, the world, clients per account, admin calls."""

    def __init__(self, exchange: Exchange, layout: HomeLayout, errors: _ErrorLog) -> None:
        self._exchange = exchange
        self.layout = layout
        self.world: World = exchange.world
        self.runtime: Runtime = exchange.runtime
        self._errors = errors
        self._clients: list[VecozoClient] = []
        self._admin: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def gateway_url(self) -> str:
        return self.runtime.gateway_url

    @property
    def admin_url(self) -> str:
        return self.runtime.admin_url

    @property
    def admin_token(self) -> str:
        """Send it as ``Authorization: Bearer <token>`` to call the admin port yourself."""
        return self.runtime.admin_token

    @property
    def home(self) -> Path:
        return self.layout.root

    @property
    def persons(self) -> Mapping[str, Scenario]:
        """The named scenarios of docs/TESTDATA.md that are persons, by name."""
        return {s.name: s for s in self.world.scenarios if s.bsn is not None}

    def client(self, account: str, *, timeout: float = 30.0) -> VecozoClient:
        """A client presenting ``account``'s certificate: a user number, an account name, or an
        organisation code (then its system account). Closed at teardown, and unusable after."""
        from provider_client import AiohttpTransport, ClientConfig, VecozoClient

        if self._closed:
            raise ExchangeClosedError(f"client({account!r}): {_CLOSED}")
        user_number = self._user_number(account)
        found = self.world.account(user_number)
        organisation = found.organisation if found else None
        provider = self.world.provider(organisation) if organisation else None
        config = ClientConfig(
            base_url=self.gateway_url,
            cert=self.layout.account_cert(user_number),
            key=self.layout.account_key(user_number),
            ca=self.layout.ca_cert,
            user_number=user_number,
            organisation=organisation,
            agb=provider.agb if provider else None,  # COV's Zorgaanbieder
        )
        transport = AiohttpTransport(
            config.base_url, ssl_context=config.ssl_context(), timeout=timeout
        )
        client = VecozoClient(_ClosingTransport(transport), agb=config.agb)
        self._clients.append(client)
        return client

    def _user_number(self, account: str) -> str:
        wanted = account.strip()
        for candidate in self.world.accounts:
            if wanted in (candidate.user_number, candidate.name):
                return candidate.user_number
        systems = [a for a in self.world.accounts_of(wanted) if a.kind.value == "system"]
        if systems:
            return systems[0].user_number
        raise LookupError(f"no account, account name or organisation {account!r} in the world")

    async def admin(self, method: str, path: str, body: object = None) -> Any:
        """Call the admin port (``/admin/gateway/...``, ``/admin/insurers/...``); JSON back.

        An answer of 400 or more raises ``AssertionError`` with its body: in a test, a refused
        admin call is a mistake in the test."""
        import aiohttp

        if self._closed:
            raise ExchangeClosedError(f"admin {method} {path}: {_CLOSED}")
        if self._admin is None:
            self._admin = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        url = self.admin_url + path
        async with self._admin.request(method, url, json=body, headers=headers) as response:
            text = await response.text()
            if response.status >= 400:
                raise AssertionError(f"{method} {path} -> {response.status}: {text}")
            return await response.json(content_type=None) if text else None

    async def set_faults(self, faults: Mapping[str, Any]) -> None:
        """``{"gateway": <PUT /faults body>, "insurers": {uzovi: <PUT /faults body>}}``."""
        if "gateway" in faults:
            await self.admin("PUT", "/admin/gateway/faults", faults["gateway"])
        for uzovi, body in faults.get("insurers", {}).items():
            await self.admin("PUT", "/admin/insurers/faults", {"uzovi": uzovi, **body})

    @property
    def server_errors(self) -> list[str]:
        return [self._format(r) for r in self._errors.records]

    def clear_server_errors(self) -> None:
        """For a test that provokes server errors on purpose, after it has looked at them."""
        self._errors.records.clear()

    def check(self) -> None:
        """Raise :class:`ServerSideError` if the servers logged errors (also done at teardown)."""
        if self._errors.records:
            raise ServerSideError("the simulated servers logged:\n" + "\n".join(self.server_errors))

    @staticmethod
    def _format(record: logging.LogRecord) -> str:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({record.exc_info[1]!r})"
        return text

    async def close(self) -> None:
        """Close every client and the admin session, each even if another fails; idempotent.
        From then on the clients, ``client()`` and ``admin()`` raise ExchangeClosedError."""
        import asyncio

        self._closed = True
        clients, self._clients = self._clients, []
        admin, self._admin = self._admin, None
        closing = [client.close() for client in clients]
        if admin is not None:
            closing.append(admin.close())
        failures = await asyncio.gather(*closing, return_exceptions=True)
        for failure in failures:
            if isinstance(failure, BaseException):
                raise failure


@pytest.fixture(scope="session")
def vecozo_seed() -> int:
    """The seed of the session's world (override in a conftest.py)."""
    return 1


@pytest.fixture(scope="session")
def vecozo_persons() -> int:
    """Population size of the session's world; the named scenario persons are always there."""
    return 300


@pytest.fixture(scope="session")
def vecozo_world(
    tmp_path_factory: pytest.TempPathFactory, vecozo_seed: int, vecozo_persons: int
) -> VecozoWorld:
    """The world and its PKI, built once per session (synchronous: no event loop needed)."""
    from vecozo_sim._cmd_world import issue_certificates
    from world import HomeLayout, generate_world, save_world

    layout = HomeLayout(root=tmp_path_factory.mktemp("vecozo-world") / "home")
    world = generate_world(seed=vecozo_seed, persons=vecozo_persons)
    save_world(world, layout)
    issue_certificates(world, layout)
    return VecozoWorld(layout, world)


@pytest.fixture
def vecozo_today() -> dt.date | None:
    """The simulated date of the exchange and the insurers; None keeps the world's."""
    return None


@pytest.fixture
def vecozo_faults() -> Mapping[str, Any]:
    """Faults switched on before the test: ``{"gateway": {...}, "insurers": {uzovi: {...}}}``."""
    return {}


@pytest.fixture
def vecozo_retry() -> RetrySchedule:
    """Delivery retries: fast, so a test of an insurer that is down waits milliseconds."""
    from gateway import RetrySchedule

    return RetrySchedule(attempts=12, first_delay=0.05, factor=2.0, max_delay=0.5)


@_async_fixture
async def vecozo(
    vecozo_world: VecozoWorld,
    vecozo_today: dt.date | None,
    vecozo_faults: Mapping[str, Any],
    vecozo_retry: RetrySchedule,
    tmp_path: Path,
) -> AsyncIterator[VecozoExchange]:
    """A running exchange with every stub insurer, private to this test."""
    from vecozo_sim._runner import Exchange, ExchangeSettings, write_runtime_file

    layout = vecozo_world.copy_to(tmp_path / "vecozo-home")
    settings = ExchangeSettings(
        layout=layout,
        port=0,
        admin_port=0,
        today=vecozo_today,
        retry=vecozo_retry,
        poll_interval=0.05,
    )
    exchange = Exchange(settings, world=vecozo_world.world)
    with _ErrorLog() as errors:
        await exchange.start()
        write_runtime_file(layout, exchange.runtime)  # so `vecozo-sim client --home` finds it
        handle = VecozoExchange(exchange, layout, errors)
        try:
            await handle.set_faults(vecozo_faults)
            yield handle
        finally:
            await handle.close()
            await _stop_or_explain(exchange)
    handle.check()


# A clean stop takes well under a second; past this the teardown reports where it is stuck
# instead of waiting for pytest-timeout's blind 300 s.
STOP_LIMIT = 60.0


async def _stop_or_explain(exchange: Exchange) -> None:
    try:
        async with asyncio.timeout(STOP_LIMIT):
            await exchange.stop()
    except TimeoutError:
        raise ServerSideError(
            f"the exchange did not stop within {STOP_LIMIT:.0f} s; tasks still waiting:\n"
            + _task_stacks()
        ) from None


def _task_stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=out)
    return out.getvalue()
