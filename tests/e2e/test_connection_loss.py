"""Connection loss is not a refused certificate: what the client library and the load driver say.

A restarted exchange used to be reported as ``CertificateRefusedError``. Three servers on the
session world's PKI, each demanding a client certificate like the gateway: one that accepts the
handshake and then drops the connection without answering (a stop or restart mid-request), one
that is stopped, and the real refusal (no certificate, a certificate of another CA).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from certs import client_ssl_context, server_ssl_context
from provider_client import (
    AiohttpTransport,
    CertificateRefusedError,
    ConnectionFailedError,
    ConnectionLostError,
)
from provider_client._load import LoadPlan
from provider_client._load_run import run_load
from provider_client._protocol import OutgoingRequest
from vecozo_sim.pytest_plugin import VecozoWorld
from world import HomeLayout

DENTIST_SYSTEM = "11205000100001"
LIST = OutgoingRequest(method="GET", path="/berichtenservice/berichten/rest-pull/v1/berichten")


@contextlib.asynccontextmanager
async def dropping_server(layout: HomeLayout) -> AsyncIterator[str]:
    """Mutual TLS like the gateway; every connection that gets a request is closed unanswered."""

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()

    context = server_ssl_context(
        cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
    )
    server = await asyncio.start_server(drop, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def transport(layout: HomeLayout, url: str, *, cert_home: HomeLayout | None = None) -> Any:
    """A transport presenting the dentist's certificate of ``cert_home`` (None: no certificate)."""
    cert = key = None
    if cert_home is not None:
        cert = cert_home.account_cert(DENTIST_SYSTEM)
        key = cert_home.account_key(DENTIST_SYSTEM)
    context = client_ssl_context(ca=layout.ca_cert, cert=cert, key=key)
    return AiohttpTransport(url, ssl_context=context, timeout=20)


async def test_a_server_dropping_the_connection_is_connection_loss(
    vecozo_world: VecozoWorld,
) -> None:
    layout = vecozo_world.layout
    async with dropping_server(layout) as url:
        client = transport(layout, url, cert_home=layout)
        with pytest.raises(ConnectionLostError) as caught:
            await client.send(LIST)
        await client.close()
    assert not isinstance(caught.value, CertificateRefusedError)
    assert "closed the connection without answering" in str(caught.value)
    assert caught.value.exit_code == 3


async def test_a_stopped_server_is_not_a_refused_certificate(vecozo_world: VecozoWorld) -> None:
    layout = vecozo_world.layout
    async with dropping_server(layout) as url:
        pass  # stopped: nobody listens on its port any more
    client = transport(layout, url, cert_home=layout)
    with pytest.raises(ConnectionFailedError) as caught:
        await client.send(LIST)
    await client.close()
    assert not isinstance(caught.value, CertificateRefusedError)


@pytest.mark.parametrize("certificate", ["none", "another CA"])
async def test_a_refused_certificate_still_says_refused(
    vecozo_world: VecozoWorld, tmp_path: Path, certificate: str
) -> None:
    layout = vecozo_world.layout
    foreign = None
    if certificate == "another CA":
        foreign = _foreign_home(tmp_path)
    async with dropping_server(layout) as url:
        client = transport(layout, url, cert_home=foreign)
        with pytest.raises(CertificateRefusedError) as caught:
            await client.send(LIST)
        await client.close()
    assert "refused your client certificate" in str(caught.value)


def _foreign_home(tmp_path: Path) -> HomeLayout:
    """Another world with its own CA, so its dentist's certificate is not ours."""
    from vecozo_sim import init_home

    other = HomeLayout(root=tmp_path / "other")
    init_home(other, seed=99, persons=5)
    return other


async def test_the_load_driver_reports_connection_loss(
    vecozo_world: VecozoWorld, tmp_path: Path
) -> None:
    home = vecozo_world.copy_to(tmp_path / "home")
    plan = LoadPlan(
        accounts=("12050001",), rate=10.0, duration=0.2, lines=2, max_requests=2, drain=0.0
    )
    async with dropping_server(home) as url:
        summary = await asyncio.wait_for(run_load(plan, home=home.root, base_url=url), 60)
    assert summary.sent == summary.refused == 2
    assert dict(summary.refusals) == {"ConnectionLostError": 2}
