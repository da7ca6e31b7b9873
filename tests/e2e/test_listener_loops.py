"""The exchange's TLS port on asyncio's own loop and on uvloop, which a vendor's test suite may
have made the policy (the pytest plugin's loop then is one).

The listener accepts plain TCP and starts TLS itself. uvloop reads a new connection once even
when reading was paused at once, so the ClientHello that arrives with the accept reached the
accepting protocol and was lost: the handshake waited for its timeout (ab, which sends at once,
had most of its connections refused). Here the loop is held while the client connects and
sends, so the accept and the ClientHello are read in the same turn, every time.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from gateway_fixtures import PULL, GatewayPki, build_world, client_context, settings_for

from gateway import Gateway
from world import HomeLayout

CONNECTIONS = 5


def _uvloop() -> asyncio.AbstractEventLoop:
    uvloop = pytest.importorskip("uvloop")
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.SelectorEventLoop,
    "uvloop": _uvloop,
}


@pytest.fixture(params=sorted(LOOPS))
def loop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    """A running loop of the kind named, in a thread of its own."""
    running = LOOPS[request.param]()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(timeout=10)
    running.close()


def _get_with_client_hello_waiting(
    loop: asyncio.AbstractEventLoop, port: int, context: ssl.SSLContext
) -> bytes:
    """One request whose ClientHello is in the socket before the server accepts it."""
    loop.call_soon_threadsafe(time.sleep, 0.5)  # the loop is held: nothing accepts yet
    time.sleep(0.1)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=20) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(f"GET {PULL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    return answer


def test_a_client_hello_that_comes_with_the_accept_is_answered(
    loop: asyncio.AbstractEventLoop, pki: GatewayPki, layout: HomeLayout
) -> None:
    gateway = Gateway(settings_for(layout, handshake_timeout=5.0), world=build_world())
    asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(timeout=60)
    try:
        port = int(gateway.url.rsplit(":", 1)[1])
        context = client_context(pki, layout, "insurer")
        for _ in range(CONNECTIONS):
            answer = _get_with_client_hello_waiting(loop, port, context)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        assert gateway.state.connections.tls_refusals.total() == 0
    finally:
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(timeout=60)
