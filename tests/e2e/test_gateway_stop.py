"""Stopping the exchange does not wait on a peer that stalls mid-request.

aiohttp's default grace for a request still being handled is 60 s, twice per connection; a test
teardown once hung on such a peer. With ``gateway.SHUTDOWN_GRACE`` the stop is bounded.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from gateway_fixtures import (
    PUSH,
    GatewayPki,
    build_gateway_pki,
    build_world,
    client_context,
    home_from,
    settings_for,
)

import gateway
from gateway import Gateway


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> GatewayPki:
    return build_gateway_pki(tmp_path_factory.mktemp("gateway-stop-pki"))


async def test_a_push_stalled_mid_body_does_not_hold_the_stop(
    pki: GatewayPki, tmp_path: Path
) -> None:
    layout = home_from(pki, tmp_path / "home")
    running = Gateway(settings_for(layout), world=build_world())
    await running.start()
    url = urlsplit(running.url)
    _reader, writer = await asyncio.open_connection(
        url.hostname, url.port, ssl=client_context(pki, layout, "provider")
    )
    head = (
        f"POST {PUSH} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    await asyncio.sleep(0.2)  # the handler is now reading a body that never comes
    started = time.monotonic()
    async with asyncio.timeout(gateway.SHUTDOWN_GRACE * 2 + 10):
        await running.stop()
    assert time.monotonic() - started < gateway.SHUTDOWN_GRACE * 2 + 5
    writer.close()
