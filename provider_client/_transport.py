"""The swappable I/O shell: carry an OutgoingRequest to the exchange, bring the answer back.

``AiohttpTransport`` keeps one ``ClientSession`` (and so its keep-alive connections) for the life
of the client, and turns aiohttp's connection errors into the client's own errors. Tests swap in
any object with the same two methods.
"""

from __future__ import annotations

import ssl
from typing import Protocol

import aiohttp

from provider_client._errors import (
    CertificateRefusedError,
    ConnectionFailedError,
    RequestTimeoutError,
    ServerNotTrustedError,
)
from provider_client._protocol import IncomingResponse, OutgoingRequest

__all__ = ["AiohttpTransport", "Transport"]


class Transport(Protocol):
    """Anything that can send one request and return its answer."""

    async def send(self, request: OutgoingRequest) -> IncomingResponse: ...

    async def close(self) -> None: ...


class AiohttpTransport:
    """HTTPS with a client certificate over one aiohttp session (created lazily, on our loop)."""

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        timeout: float = 30.0,
        connections: int = 10,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use so the session binds to the loop that really runs the requests.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl if self._ssl is not None else True, limit=self._connections
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=False
            )
        return self._session

    async def send(self, request: OutgoingRequest) -> IncomingResponse:
        url = self.base_url + request.path
        session = self._open()
        try:
            async with session.request(
                request.method,
                url,
                params=list(request.query) or None,
                headers=dict(request.headers),
                data=request.body or None,
            ) as reply:
                body = await reply.read()
                headers = {k.lower(): v for k, v in reply.headers.items()}
                return IncomingResponse(status=reply.status, headers=headers, body=body)
        except aiohttp.ClientConnectorCertificateError as exc:
            raise ServerNotTrustedError(
                f"{self.base_url}: the exchange's certificate is not trusted "
                f"({exc.certificate_error})"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise _connector_failure(self.base_url, exc) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientConnectionError) as exc:
            raise CertificateRefusedError(self.base_url, type(exc).__name__) from None
        except TimeoutError:
            raise RequestTimeoutError(
                f"{request.method} {request.path}: no answer within {self._timeout.total:g}s"
            ) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _connector_failure(base_url: str, exc: aiohttp.ClientConnectorError) -> Exception:
    """Refused or unreachable means nobody listens; a reset during TLS means we were refused.

    Under TLS 1.2 a server that rejects the client certificate resets the connection while
    connecting, so aiohttp reports a connector error caused by ConnectionResetError.
    """
    if isinstance(exc.os_error, ConnectionResetError | BrokenPipeError):
        return CertificateRefusedError(base_url, "connection reset during the TLS handshake")
    if isinstance(exc, aiohttp.ClientSSLError):
        return ServerNotTrustedError(f"{base_url}: TLS failed ({exc})")
    return ConnectionFailedError(base_url, exc.os_error.strerror or str(exc.os_error))
