"""Real mutual-TLS handshakes on 127.0.0.1 with contexts built from the files ``certs`` writes.

Every accepted case has refused partners. Under TLS 1.3 a server that refuses the client's
certificate does so after the client thinks the handshake is done, so the client sees a closed
connection rather than an SSL error: refusals are asserted as ``ClientConnectionError`` and, to
prove it was the server's verdict, the server's handler must never have run.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pki_fixtures import ClientFiles, HandshakePki, build_test_pki

from certs import client_ssl_context, read_identity, reload_crl, server_ssl_context

ServerFactory = Callable[..., Awaitable[TestServer]]
CALLS = web.AppKey("calls", list[str])


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> HandshakePki:
    return build_test_pki(tmp_path_factory.mktemp("handshake-pki"))


async def whoami(request: web.Request) -> web.Response:
    """Answer with the user number read from the verified peer certificate."""
    ssl_object = request.get_extra_info("ssl_object")
    identity = read_identity(ssl_object.getpeercert(binary_form=True))
    request.app[CALLS].append(identity.user_number)
    return web.Response(text=identity.user_number)


def make_app() -> web.Application:
    app = web.Application()
    app[CALLS] = []
    app.router.add_get("/whoami", whoami)
    return app


def server_context(pki: HandshakePki, *, tls12: bool = False) -> ssl.SSLContext:
    context = server_ssl_context(
        cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert, crl=pki.crl
    )
    if tls12:  # under TLS 1.2 the refusal comes during the handshake; both must hold
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


async def start(aiohttp_server: ServerFactory, context: ssl.SSLContext) -> TestServer:
    return await aiohttp_server(make_app(), host="127.0.0.1", ssl=context)


async def fetch(server: TestServer, context: ssl.SSLContext) -> str:
    """One request on a fresh session, so no pooled connection hides a refusal."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(server.make_url("/whoami"), ssl=context) as response,
    ):
        assert response.status == 200
        return await response.text()


def client(pki: HandshakePki, files: ClientFiles | None) -> ssl.SSLContext:
    if files is None:
        return client_ssl_context(ca=pki.ca_cert)
    return client_ssl_context(ca=pki.ca_cert, cert=files.cert, key=files.key)


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
async def test_a_valid_client_certificate_is_accepted_and_identified(
    aiohttp_server: ServerFactory, pki: HandshakePki, tls12: bool
) -> None:
    server = await start(aiohttp_server, server_context(pki, tls12=tls12))

    assert await fetch(server, client(pki, pki.good)) == pki.good.user_number
    assert server.app[CALLS] == [pki.good.user_number]


@pytest.mark.parametrize("tls12", [False, True], ids=["tls13", "tls12"])
@pytest.mark.parametrize("case", ["foreign", "expired", "not_yet_valid", "revoked", "none"])
async def test_a_bad_client_certificate_is_refused(
    aiohttp_server: ServerFactory, pki: HandshakePki, case: str, tls12: bool
) -> None:
    server = await start(aiohttp_server, server_context(pki, tls12=tls12))
    files = None if case == "none" else getattr(pki, case)

    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(server, client(pki, files))
    assert server.app[CALLS] == []


async def test_the_client_refuses_a_server_from_another_ca(
    aiohttp_server: ServerFactory, pki: HandshakePki
) -> None:
    context = server_ssl_context(
        cert=pki.foreign_server_cert, key=pki.foreign_server_key, ca=pki.ca_cert, crl=pki.crl
    )
    server = await start(aiohttp_server, context)

    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await fetch(server, client(pki, pki.good))


async def test_the_server_certificate_names_localhost_too(
    aiohttp_server: ServerFactory, pki: HandshakePki
) -> None:
    server = await aiohttp_server(make_app(), host="localhost", ssl=server_context(pki))

    assert await fetch(server, client(pki, pki.good)) == pki.good.user_number


async def test_a_revocation_reloaded_into_the_live_context_refuses_new_connections(
    aiohttp_server: ServerFactory, pki: HandshakePki, tmp_path: Path
) -> None:
    issued = pki.ca.issue_client(
        name="Soon Revoked", organisation="Praktijk", user_number="40000000100099", kind="system"
    )
    issued.write(tmp_path / "c.pem", tmp_path / "c-key.pem")
    mine = ClientFiles(
        cert=tmp_path / "c.pem",
        key=tmp_path / "c-key.pem",
        serial=issued.serial,
        user_number="40000000100099",
    )
    crl = tmp_path / "crl.pem"
    crl.write_bytes(pki.ca.crl_pem())
    context = server_ssl_context(cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert, crl=crl)
    server = await start(aiohttp_server, context)
    assert await fetch(server, client(pki, mine)) == mine.user_number

    pki.ca.revoke(issued.serial)
    crl.write_bytes(pki.ca.crl_pem())
    reload_crl(context, crl)

    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(server, client(pki, mine))
    assert await fetch(server, client(pki, pki.good)) == pki.good.user_number
