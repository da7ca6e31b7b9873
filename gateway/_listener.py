"""The exchange's TLS listener: bounded handshakes and request heads, a cap on connections.

asyncio's own TLS server (``create_server(ssl=...)``) gives no handle on a connection before its
handshake succeeds: a refused certificate is logged only in asyncio's debug mode, and nothing
can count or cap the connections still in their handshake (each holds a 256 KiB read buffer, so
2,000 idle sockets cost about 600 MB). So the listener accepts plain TCP and upgrades every
connection itself with ``loop.start_tls``: a connection counts from its accept until it closes,
one beyond ``GatewaySettings.max_connections`` is closed at once (it does not wait in the
backlog: a client sees the refusal straight away, a flood costs nothing), the handshake gets
``handshake_timeout`` seconds, and a refused handshake is one INFO line with the peer and the
reason, counted in ``ConnectionStats``. Behind the TLS layer runs aiohttp's own request handler,
whose keep-alive timer doubles as the request-head deadline (``request_head_timeout``): it is
armed at the handshake and after every answer, and only a complete request head stops it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from http import HTTPStatus
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import _ErrInfo

from gateway._identity import KnownPeer
from gateway._middleware import client_label, problem_response, user_number_of
from gateway._runtime import ConnectionStats
from gateway._settings import GatewaySettings

__all__ = ["Listener", "refusal_reason"]

log = logging.getLogger("gateway")

# What a caller's bytes can make aiohttp raise below the routes: never the exchange's fault.
CALLER_FAULTS = (HttpProcessingError, web.RequestPayloadError, ConnectionError)

# OpenSSL X509_V_ERR_* codes of a client certificate the handshake refused.
_VERIFY_REASONS = {
    2: "wrong CA",  # unable to get issuer certificate
    9: "not yet valid",
    10: "expired",
    18: "wrong CA",  # self-signed leaf
    19: "wrong CA",  # self-signed certificate in chain
    20: "wrong CA",  # unable to get local issuer certificate
    21: "wrong CA",  # unable to verify the first certificate
    23: "revoked",
}


def refusal_reason(exc: BaseException) -> str | None:
    """Why the handshake failed, in the operator's words; None when the peer just went away."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _VERIFY_REASONS.get(exc.verify_code, f"certificate: {exc.verify_message}")
    if isinstance(exc, ssl.SSLError):
        if exc.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE":
            return "no certificate"
        return f"protocol: {exc.reason or exc}"
    if isinstance(exc, ConnectionAbortedError | TimeoutError):  # asyncio's handshake timeout
        return "handshake timeout"
    return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Bad Request"


class _RequestHandler(web.RequestHandler):
    """aiohttp's handler; a caller's malformed request is one INFO line, not a traceback.

    aiohttp logs every request it cannot parse (bad request line, header, encoding) with
    ``logger.exception``; these are the caller's mistakes, so they are answered with a problem
    body and logged once at INFO. The exchange's own failures keep aiohttp's ERROR traceback.
    """

    __slots__ = ("_peer", "_ssl_object", "known_peer")
    _peer: object
    _ssl_object: ssl.SSLObject | None
    known_peer: KnownPeer  # the middleware resolves the caller once per connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._peer = transport.get_extra_info("peername")
        self._ssl_object = transport.get_extra_info("ssl_object")
        self.known_peer = KnownPeer(self._ssl_object)
        super().connection_made(transport)

    @property
    def _client(self) -> str:
        return client_label(self._peer, user_number_of(self._ssl_object))

    def data_received(self, data: bytes) -> None:
        queued = len(self._messages)
        super().data_received(data)
        if len(self._messages) > queued:
            message = self._messages[-1][0]
            if isinstance(message, _ErrInfo):  # never for an ordinary request
                self._fail_the_body_being_read(message)

    def _fail_the_body_being_read(self, message: _ErrInfo) -> None:
        """Hand a body's decoding error to the request whose body it is.

        aiohttp 3.14's C parser reports a body that does not decode (a Content-Encoding that
        lies) as a new 400 "message" when the body arrives after the head; the request it
        belongs to then waited for a body that never ended, and the client timed out. That
        body fails instead (the middleware answers 400), and the connection closes after that
        one answer, so no second answer is read as the reply to a next request.
        """
        body = self._body_being_read()
        if body is None:
            return
        self._messages.pop()
        body.set_exception(web.RequestPayloadError(message.message))
        self.close()

    def _body_being_read(self) -> StreamReader | None:
        """The unfinished body the parser was feeding: the newest queued request's (its
        handler has not started yet), else the request being handled."""
        if len(self._messages) > 1:
            body = self._messages[-2][1]
        elif self._current_request is not None:
            body = self._current_request.content
        else:
            return None
        return None if body.is_eof() else body

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            return super().handle_error(request, status, exc, message)
        title = _phrase(status)
        detail = " ".join((message or str(exc or title)).split())
        log.info("malformed request from %s: %s", self._client, detail)
        if request.writer.output_size > 0:
            raise ConnectionError("the answer had started; the connection is closed instead")
        response = problem_response(status, title, detail, instance=request.path, errors={})
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kw: Any) -> None:
        # After an answer, aiohttp reads and drops the rest of an unread body ("lingering");
        # a body that does not decode then fails there. The request was answered and logged.
        if isinstance(kw.get("exc_info"), CALLER_FAULTS):
            log.debug("connection from %s closed: %s", self._client, kw["exc_info"])
            return
        super().log_exception(*args, **kw)


class _Connection(asyncio.Protocol):
    """aiohttp's handler behind the TLS layer; leaves the count when the connection closes.

    The TLS layer may pass data on before ``start_tls`` has returned the transport the handler
    needs, so data waits here until the handler is connected.
    """

    def __init__(self, handler: _RequestHandler, listener: Listener) -> None:
        self._handler = handler
        self._listener = listener
        self._early: list[bytes] = []
        self._connected = False
        self._counted = True

    def leave(self) -> None:
        """Out of the count (once: a failed handshake may also end in ``connection_lost``)."""
        if self._counted:
            self._counted = False
            self._listener.release()

    def connect(self, transport: asyncio.BaseTransport) -> None:
        if not self._counted:  # lost between the handshake and this call: nothing to serve
            return
        self._connected = True
        self._handler.connection_made(transport)
        for data in self._early:
            self._handler.data_received(data)
        self._early.clear()
        # From now on the TLS layer hands data straight to the handler: one call less a chunk.
        self.data_received = self._handler.data_received  # type: ignore[method-assign]

    def data_received(self, data: bytes) -> None:
        if self._connected:
            self._handler.data_received(data)
        else:
            self._early.append(data)

    def eof_received(self) -> None:  # falsy: the TLS layer closes, as aiohttp expects
        if self._connected:
            self._handler.eof_received()

    def pause_writing(self) -> None:
        self._handler.pause_writing()

    def resume_writing(self) -> None:
        self._handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.leave()
        if self._connected:
            self._handler.connection_lost(exc)


class _Accepted(asyncio.Protocol):
    """A TCP connection just accepted: admitted (and upgraded to TLS) or closed at once.

    ``Listener.admit`` pauses reading before the TLS layer is in place. asyncio's own loop reads
    nothing then; uvloop reads once all the same, and those bytes are the client's ClientHello
    (lost, every such handshake waited for its timeout). What arrives here is kept, reading
    stays paused, and the listener hands the bytes to the TLS layer (``_hand_over``).
    """

    def __init__(self, listener: Listener) -> None:
        self._listener = listener
        self._transport: asyncio.Transport | None = None
        self.early = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # create_server makes sockets
        self._listener.admit(self._transport, self)

    def data_received(self, data: bytes) -> None:
        self.early += data
        if self._transport is not None:
            self._transport.pause_reading()


def _hand_over(transport: asyncio.Transport, accepted: _Accepted) -> None:
    """Give the bytes read before ``start_tls`` to the TLS layer it put in place.

    Runs after ``start_tls`` has set its protocol (no byte reaches ``accepted`` after that) and
    before that protocol's ``connection_made`` starts the handshake: asyncio's and uvloop's TLS
    layers keep bytes received before then in their incoming buffer, where the handshake reads
    them first. Reading is still paused, so nothing newer can overtake them.
    """
    data, accepted.early = bytes(accepted.early), bytearray()
    tls_layer: Any = transport.get_protocol()  # asyncio's or uvloop's SSLProtocol: buffered
    if not data or transport.is_closing() or tls_layer is accepted:  # start_tls gave up early
        return
    view = memoryview(data)
    while view:
        buffer = memoryview(tls_layer.get_buffer(len(view)))
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        tls_layer.buffer_updated(size)
        view = view[size:]


class Listener:
    """The exchange's mutual-TLS port: ``await start(host, port)`` (returns the port), ``stop()``.

    ``runner`` is set up (its ``server`` answers the requests); ``stats`` receives the refusals.
    It does not stop ``runner``: stop the listener first, then clean the runner up.
    """

    def __init__(
        self,
        runner: web.AppRunner,
        *,
        context: ssl.SSLContext,
        settings: GatewaySettings,
        stats: ConnectionStats,
    ) -> None:
        if runner.server is None:
            raise RuntimeError("set the runner up before listening")
        self._server_handler = runner.server
        self._context = context
        self._settings = settings
        self._stats = stats
        self._server: asyncio.Server | None = None
        self._handshakes: set[asyncio.Task[None]] = set()
        self._open = 0
        self._full = False

    @property
    def open_connections(self) -> int:
        return self._open

    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Accepted(self), host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting and drop the handshakes in progress; the runner closes the rest."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._handshakes):
            task.cancel()
        await asyncio.gather(*self._handshakes, return_exceptions=True)

    def admit(self, transport: asyncio.Transport, accepted: _Accepted) -> None:
        limit = self._settings.max_connections
        if self._open >= limit:
            self._stats.over_limit += 1
            if not self._full:  # once per burst: a flood must not flood the log as well
                log.warning("connection limit reached (%d open): new connections are closed", limit)
            self._full = True
            transport.abort()
            return
        self._open += 1
        transport.pause_reading()  # the TLS layer resumes it (uvloop reads once anyway)
        task = asyncio.get_running_loop().create_task(self._handshake(transport, accepted))
        self._handshakes.add(task)
        task.add_done_callback(self._handshakes.discard)

    def release(self) -> None:
        self._open -= 1
        if self._open < self._settings.max_connections:
            self._full = False

    async def _handshake(self, transport: asyncio.Transport, accepted: _Accepted) -> None:
        options: dict[str, Any] = {
            "access_log": None,  # the journal is the access log
            "keepalive_timeout": self._settings.request_head_timeout,
        }
        loop = asyncio.get_running_loop()
        handler = _RequestHandler(self._server_handler, loop=loop, **options)
        connection = _Connection(handler, self)
        peer = transport.get_extra_info("peername")
        # Queued now, it runs after start_tls has put its TLS layer in place (before its first
        # await) and before the connection_made that start_tls queues for that layer.
        loop.call_soon(_hand_over, transport, accepted)
        try:
            tls = await loop.start_tls(
                transport,
                connection,
                self._context,
                server_side=True,
                ssl_handshake_timeout=self._settings.handshake_timeout,
            )
        except BaseException as exc:
            connection.leave()
            transport.abort()
            if isinstance(exc, Exception):
                self._refused(peer, exc)
                # The traceback holds start_tls's frame, whose waiter holds the exception: a
                # cycle that keeps the TLS layer (and its 256 KiB buffer) until a full gc.
                exc.__traceback__ = None
                return
            raise
        if tls is None:  # the peer closed during the handshake: asyncio gives no transport
            connection.leave()
            transport.abort()
            return
        connection.connect(tls)

    def _refused(self, peer: object, exc: Exception) -> None:
        reason = refusal_reason(exc)
        if reason is None:
            log.debug("connection from %s closed before the TLS handshake: %r", peer, exc)
            return
        self._stats.tls_refusals[reason] += 1
        log.info(
            "TLS handshake refused from %s: %s",
            client_label(peer),
            reason,
            extra={"peer": client_label(peer), "reason": reason, "error": str(exc)},
        )
