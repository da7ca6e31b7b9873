"""pytest plugin (entry point ``pytest11``): a simulated exchange for every test, reset between.

Install with ``pip install 'vecozo-sim[pytest]'`` (pytest and pytest-asyncio). Shaped after
pytest-httpserver: a session fixture that runs the server and a function fixture a test asks
for, plus small fixtures a suite overrides in its ``conftest.py``:

- ``vecozo`` (function): the exchange, emptied for this test (:class:`VecozoExchange`);
- ``vecozo_server`` (session): the running exchange behind it (:class:`VecozoServer`); override
  it as function-scoped for a fresh exchange per test;
- ``vecozo_seed`` / ``vecozo_persons`` (session): which world to generate. The world and its
  PKI (the slow part) are built once per session;
- ``vecozo_today`` (function): the simulated date, ``None`` for the world's own;
- ``vecozo_faults`` (function): rehearsal faults applied before the test runs, as the admin
  bodies: ``{"gateway": {"latencyMs": 200}, "insurers": {"7095": {"down": True}}}``;
- ``vecozo_retry`` (function): the gateway's delivery retry schedule (fast by default);
- ``vecozo_allow_person_rest`` (function): ``True`` lets a person's certificate use the REST
  berichtenservice and COV, as before VECOZO's system-certificate rule (docs/COMPATIBILITY.md).
  By default only a system certificate is accepted there: ``client(organisation_code)`` and
  ``cert_and_key(organisation_code)`` give the organisation's system account.

The exchange (the gateway and every stub insurer on free ports of 127.0.0.1) runs on its own
event loop in a background thread, so a plain ``def test_...(vecozo)`` may use any blocking
client (``requests``, curl, a Java client), and an ``async def`` test (``@pytest.mark.asyncio``
in pytest-asyncio's strict mode) uses :meth:`VecozoExchange.client`. Every fixture is
synchronous, so no ini setting or loop scope is needed. Before each test the exchange is reset:
no message, mailbox, status, journal row, judged line, ledger, fault or clock setting of an
earlier test is left. A test that changes the world's files (revokes a certificate, edits the
population) gets a fresh exchange after it. Under pytest-xdist every worker has its own.

At the end of a test the clients it was handed are closed (on the test's own loop, which still
runs then); one used after that raises :class:`ExchangeClosedError`. The teardown fails with
:class:`ServerSideError` when the exchange logged its own unexpected errors during the test (a
500, a task that died); a malformed request the test sent on purpose, answered 400, does not.

Everything heavy is imported inside the fixtures: the plugin is loaded in every pytest run of
an environment that has vecozo-sim installed, and must cost nothing there.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vecozo_sim._plugin_server import ServerSideError, VecozoServer, VecozoWorld

if TYPE_CHECKING:
    import datetime as dt

    from gateway import RetrySchedule
    from provider_client import IncomingResponse, OutgoingRequest, Transport, VecozoClient
    from vecozo_sim import Exchange, Runtime
    from world import HomeLayout, Scenario, World

__all__ = [
    "ExchangeClosedError",
    "ServerSideError",
    "VecozoExchange",
    "VecozoServer",
    "VecozoWorld",
]

_CLOSED = "the test's vecozo exchange is torn down (a task outlived its test?)"


class ExchangeClosedError(RuntimeError):
    """A client or the admin port of ``vecozo`` was used after the test ended."""


class _ClosingTransport:
    """A client's transport that stays closed once the fixture closed it, and knows its loop.

    aiohttp's transport reopens its session on the next request after ``close()``. A task a
    test left running (``asyncio.gather`` keeps the siblings of a failed coroutine going) would
    so open a session during teardown that nothing ever closes; here it gets an error instead.
    The loop is remembered because the session belongs to it and can only be closed there.
    """

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self.closed = False
        self.loop: asyncio.AbstractEventLoop | None = None

    async def send(self, request: OutgoingRequest) -> IncomingResponse:
        if self.closed:
            raise ExchangeClosedError(f"{request.method} {request.path}: {_CLOSED}")
        self.loop = asyncio.get_running_loop()
        return await self._inner.send(request)

    async def close(self) -> None:
        self.closed = True
        await self._inner.close()

    def close_on_its_loop(self) -> None:
        """From outside any loop: close the session on the loop that opened it, if it can."""
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(self.close())
        self.closed = True


class VecozoExchange:
    """What a test gets from ``vecozo``: URLs, the world, clients per account, admin calls."""

    def __init__(self, server: VecozoServer, exchange: Exchange) -> None:
        self._server = server
        self.layout: HomeLayout = exchange.settings.layout
        self.world: World = exchange.world
        self.runtime: Runtime = exchange.runtime
        self._transports: list[_ClosingTransport] = []
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
    def ca_cert(self) -> Path:
        """The test CA: what a client trusts for the exchange's server certificate."""
        return self.layout.ca_cert

    def cert_and_key(self, account: str) -> tuple[Path, Path]:
        """PEM files of ``account``'s client certificate and key (for requests, curl, Java):
        a user number, an account name, or an organisation code (then its system account,
        the one the REST berichtenservice and COV accept)."""
        user_number = self._user_number(account)
        return self.layout.account_cert(user_number), self.layout.account_key(user_number)

    @property
    def persons(self) -> Mapping[str, Scenario]:
        """The named scenarios of docs/TESTDATA.md that are persons, by name."""
        return {s.name: s for s in self.world.scenarios if s.bsn is not None}

    def client(self, account: str, *, timeout: float = 30.0) -> VecozoClient:
        """An async client presenting ``account``'s certificate: a user number, an account name,
        or an organisation code (then its system account). Closed when the test ends."""
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
        inner = AiohttpTransport(config.base_url, ssl_context=config.ssl_context(), timeout=timeout)
        transport = _ClosingTransport(inner)
        self._transports.append(transport)
        return VecozoClient(transport, agb=config.agb)

    def _user_number(self, account: str) -> str:
        from provider_client.commands import account_named

        found = account_named(self.world, account)  # an organisation: its system account
        if found is None:
            raise LookupError(f"no account, account name or organisation {account!r} in the world")
        return found.user_number

    def admin_sync(self, method: str, path: str, body: object = None) -> Any:
        """Call the admin port (``/admin/gateway/...``, ``/admin/insurers/...``); JSON back.

        An answer of 400 or more raises ``AssertionError`` with its body: in a test, a refused
        admin call is a mistake in the test. Blocking; :meth:`admin` is the awaitable form."""
        if self._closed:
            raise ExchangeClosedError(f"admin {method} {path}: {_CLOSED}")
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 admin URL
            self.admin_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=self._admin_headers(body),
        )
        try:
            with _NO_PROXY.open(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as refused:
            detail = refused.read().decode(errors="replace")
            raise AssertionError(f"{method} {path} -> {refused.code}: {detail}") from None
        return json.loads(text) if text else None

    def _admin_headers(self, body: object) -> dict[str, str]:
        headers = {} if body is None else {"Content-Type": "application/json"}
        headers["Authorization"] = f"Bearer {self.admin_token}"
        return headers

    async def admin(self, method: str, path: str, body: object = None) -> Any:
        """:meth:`admin_sync` for async tests (in a worker thread: the test's loop stays free)."""
        return await asyncio.to_thread(self.admin_sync, method, path, body)

    def set_faults_sync(self, faults: Mapping[str, Any]) -> None:
        """``{"gateway": <PUT /faults body>, "insurers": {uzovi: <PUT /faults body>}}``."""
        if "gateway" in faults:
            self.admin_sync("PUT", "/admin/gateway/faults", faults["gateway"])
        for uzovi, body in faults.get("insurers", {}).items():
            self.admin_sync("PUT", "/admin/insurers/faults", {"uzovi": uzovi, **body})

    async def set_faults(self, faults: Mapping[str, Any]) -> None:
        """:meth:`set_faults_sync` for async tests."""
        await asyncio.to_thread(self.set_faults_sync, faults)

    @property
    def server_errors(self) -> list[str]:
        """The exchange's own unexpected errors logged during this test so far."""
        return self._server.errors.lines()

    def clear_server_errors(self) -> None:
        """For a test that provokes server errors on purpose, after it has looked at them."""
        self._server.errors.records.clear()

    def check(self) -> None:
        """Raise :class:`ServerSideError` if the exchange logged its own unexpected errors
        (also done at teardown)."""
        if self._server.errors.records:
            raise ServerSideError("the simulated servers logged:\n" + "\n".join(self.server_errors))

    async def close(self) -> None:
        """Close every client this test was handed (on this loop); idempotent. From then on
        the clients, ``client()`` and ``admin()`` raise ExchangeClosedError."""
        self._closed = True
        transports, self._transports = self._transports, []
        failures = await asyncio.gather(*(t.close() for t in transports), return_exceptions=True)
        for failure in failures:
            if isinstance(failure, BaseException):
                raise failure

    def close_clients(self) -> None:
        """:meth:`close` from outside any loop: each client on the loop it used."""
        self._closed = True
        transports, self._transports = self._transports, []
        failures = []
        for transport in transports:
            try:
                transport.close_on_its_loop()
            except Exception as exc:  # close the others all the same
                failures.append(exc)
        if failures:
            raise failures[0]


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_HANDLE = pytest.StashKey[VecozoExchange]()


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
    """The world and its PKI, built once per session (and per xdist worker)."""
    from vecozo_sim import init_home
    from world import HomeLayout

    layout = HomeLayout(root=tmp_path_factory.mktemp("vecozo-world") / "home")
    world = init_home(layout, seed=vecozo_seed, persons=vecozo_persons)
    return VecozoWorld(layout, world)


@pytest.fixture(scope="session")
def vecozo_server(
    vecozo_world: VecozoWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VecozoServer]:
    """The exchange of the session, on its own loop and thread; started by the first test."""
    with VecozoServer(vecozo_world, tmp_path_factory.mktemp("vecozo-exchange")) as server:
        yield server


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


@pytest.fixture
def vecozo_allow_person_rest() -> bool:
    """Whether a person's certificate may use the REST berichtenservice and COV: False, as at
    VECOZO; True for a client built on the old behaviour (docs/COMPATIBILITY.md)."""
    return False


@pytest.fixture
def vecozo(
    request: pytest.FixtureRequest,
    vecozo_server: VecozoServer,
    vecozo_today: dt.date | None,
    vecozo_faults: Mapping[str, Any],
    vecozo_retry: RetrySchedule,
    vecozo_allow_person_rest: bool,
) -> Iterator[VecozoExchange]:
    """The running exchange with every stub insurer, as if started for this test."""
    exchange = vecozo_server.prepare(
        today=vecozo_today, retry=vecozo_retry, person_rest=vecozo_allow_person_rest
    )
    handle = VecozoExchange(vecozo_server, exchange)
    request.node.stash[_HANDLE] = handle
    handle.set_faults_sync(vecozo_faults)
    yield handle
    try:
        handle.close_clients()
        vecozo_server.pause()
        handle.check()
    finally:
        handle.clear_server_errors()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Close the test's clients before any fixture is torn down: an async test's loop (which
    their sessions belong to) still exists then, and is closed before ``vecozo``'s teardown."""
    handle = item.stash.get(_HANDLE, None)
    failure: Exception | None = None
    if handle is not None:
        try:
            handle.close_clients()
        except Exception as exc:  # reported after the fixtures are torn down all the same
            failure = exc
    yield
    if failure is not None:
        raise failure
