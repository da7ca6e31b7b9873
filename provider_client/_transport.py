"""The swappable I/O shell: carry an OutgoingRequest to the exchange, bring the answer back.

``AiohttpTransport`` keeps one ``ClientSession`` (and so its keep-alive connections) for the life
of the client, and turns aiohttp's connection errors into the client's own errors. Tests swap in
any object with the same two methods.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp

from provider_client._errors import (
    CertificateRefusedError,
    ClientError,
    ConnectionFailedError,
    ConnectionLostError,
    RequestTimeoutError,
    ServerNotTrustedError,
)
from provider_client._protocol import IncomingResponse, OutgoingRequest

__all__ = ["AiohttpTransport", "Transport"]

# How long a probing handshake may take, and how long a server that accepted our certificate
# must stay silent on it (a refusing one drops it within milliseconds of the handshake).
_PROBE_CONNECT_SECONDS = 5.0
_PROBE_SILENCE_SECONDS = 1.0


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
        except aiohttp.ClientConnectionError as exc:
            raise await _connection_failure(self.base_url, exc, self._ssl) from None
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


async def _connection_failure(
    base_url: str, exc: aiohttp.ClientConnectionError, context: ssl.SSLContext | None
) -> ClientError:
    """Tell a refused certificate from a server that went away after accepting us.

    Under TLS 1.3 the server checks our certificate after the client's side of the handshake is
    done; refusing it, it sends an alert and drops the connection, so the first request fails
    with that alert or, when the request crossed the drop, a reset. A server that stops or
    restarts closes or resets connections too, so the answer comes from a fresh handshake with
    the same certificate (``_probe``): refused again, accepted, or nobody listening.
    """
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, ssl.SSLError) and "ALERT" in str(cause).upper():
        return CertificateRefusedError(base_url, str(cause))
    verdict = await _probe(base_url, context)
    if verdict == "refused":
        return CertificateRefusedError(base_url, type(exc).__name__)
    if verdict == "down":
        return ConnectionFailedError(base_url, "it stopped while we were connected")
    return ConnectionLostError(base_url, type(exc).__name__)


async def _probe(base_url: str, context: ssl.SSLContext | None) -> str:
    """A fresh TLS connection with our certificate, no request sent: "refused" when the server
    drops it at once, "accepted" when it waits for a request, "down" when nobody listens."""
    url = urlsplit(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    tls = (context or True) if url.scheme == "https" else None
    try:
        async with asyncio.timeout(_PROBE_CONNECT_SECONDS):
            reader, writer = await asyncio.open_connection(url.hostname, port, ssl=tls)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return "refused"  # refused during the handshake (TLS 1.2)
    except (OSError, TimeoutError):
        return "down"
    try:
        async with asyncio.timeout(_PROBE_SILENCE_SECONDS):
            await reader.read(1)  # an accepting server sends nothing before a request
        return "refused"
    except TimeoutError:
        return "accepted"
    except (ssl.SSLError, OSError):
        return "refused"
    finally:
        writer.close()
