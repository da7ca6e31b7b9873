"""The one middleware in front of every route: in-flight count, identity, rights, faults,
errors, journal.

Order matters and is written once here: the request is counted in flight (a reset waits for it),
the peer certificate becomes a ``Caller`` (401/403 when it cannot; resolved once per connection,
revocation and validity checked on every request), the route's service right is checked,
injected faults apply, the handler runs, and whatever came out - a response or a
``GatewayError`` - is journaled. Client mistakes become problem-details bodies (SOAP faults on
the SOAP route); an unexpected exception becomes a generic 500 without a traceback, and the
process keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import ssl
from collections.abc import Awaitable, Callable

from aiohttp import web

import certs
from gateway._errors import (
    AuthenticationError,
    GatewayError,
    InjectedFaultError,
    ValidationError,
)
from gateway._identity import (
    Caller,
    KnownPeer,
    check_certificate,
    require_service,
    require_system,
    resolve_caller,
    service_for_path,
)
from gateway._journal import JournalEntry
from gateway._state import CALLER, OUTCOME, PAGES, STATE, TRACEER_ID, GatewayState, RouteFacts
from world import OrganisationKind

__all__ = [
    "IN_FLIGHT",
    "PREFIXES",
    "InFlight",
    "client_label",
    "gateway_middleware",
    "problem_response",
    "route_facts",
    "strip_prefix",
    "unreadable_body",
    "user_number_of",
]

log = logging.getLogger("gateway")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIXES = ("/tst", "/acc")
SOAP_SUFFIX = "/soap11"

_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    422: "https://tools.ietf.org/html/rfc9110#section-15.5.21",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
}


class InFlight:
    """How many requests the exchange is handling right now, so a reset can wait for the last
    one to finish (its writes must not land in the emptied store) without closing keep-alive
    connections: each new connection of an insurer would cost a TLS handshake per reset."""

    def __init__(self) -> None:
        self.count = 0
        # Made only when a reset waits: an Event set and cleared per request cost two calls.
        self._idle: asyncio.Event | None = None

    def __enter__(self) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        self.count -= 1
        if self.count == 0 and self._idle is not None:
            self._idle.set()
            self._idle = None

    async def idle(self, limit: float) -> None:
        """Until no request is in progress; at most ``limit`` seconds (a stuck peer)."""
        if self.count == 0:
            return
        if self._idle is None:
            self._idle = asyncio.Event()
        idle = self._idle  # every waiter shares it, so one last request wakes them all
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                await idle.wait()


IN_FLIGHT = web.AppKey("gateway_in_flight", InFlight)


SoapFaultRenderer = Callable[[str, str], bytes]
SOAP_FAULT: web.AppKey[SoapFaultRenderer] = web.AppKey("gateway_soap_fault")


def strip_prefix(path: str) -> str:
    """The route path without the optional environment prefix (/tst, /acc)."""
    for prefix in PREFIXES:
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def route_facts(router: web.UrlDispatcher) -> dict[web.AbstractRoute, RouteFacts]:
    """Each route's journal name and the service right it asks of a caller of each kind."""
    facts = {}
    for route in router.routes():
        if route.resource is None:
            continue
        canonical = route.resource.canonical
        path = strip_prefix(canonical)  # a route's prefix and service are in its fixed part
        services = {kind: service_for_path(path, caller_kind=kind) for kind in OrganisationKind}
        facts[route] = RouteFacts(canonical=canonical, services=services)
    return facts


def problem_response(
    status: int, title: str, detail: str, *, instance: str, errors: dict[str, list[str]]
) -> web.Response:
    body: dict[str, object] = {
        "type": _TYPES.get(status, _TYPES[500]),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/problem+json"
    )


def client_label(peer: object, user_number: str | None = None) -> str:
    """``127.0.0.1:50312`` or ``127.0.0.1:50312 (account 10000000000001)`` for a log line."""
    where = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer)
    return f"{where} (account {user_number})" if user_number else where


@functools.lru_cache(maxsize=4096)
def _identity(der: bytes) -> certs.CertificateIdentity:
    """Parsing X.509 per request costs more than the COV answer; a peer's DER does not change."""
    return certs.read_identity(der)


def user_number_of(ssl_object: ssl.SSLObject | None) -> str | None:
    """The account number in a peer's certificate, if it has a readable one (for log lines)."""
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    try:
        return _identity(der).user_number if der else None
    except certs.IdentityError:
        return None


def _peer_der(request: web.Request, known: KnownPeer | None) -> bytes | None:
    """The client certificate's DER, from the TLS layer the listener's connection keeps
    (asking the transport for it cost three calls a request); plain aiohttp handlers in tests
    have no kept layer."""
    ssl_object = known.ssl_object if known is not None else None
    if ssl_object is None:
        ssl_object = request.get_extra_info("ssl_object")
    return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None


def _caller_of(request: web.Request, state: GatewayState) -> Caller:
    known: KnownPeer | None = getattr(request.protocol, "known_peer", None)
    der = _peer_der(request, known)
    if not der:
        raise AuthenticationError("geen clientcertificaat aangeboden")
    now, is_revoked = dt.datetime.now(dt.UTC), state.crl.is_revoked
    kept = known.caller_for(der, state.world) if known is not None else None
    if kept is not None:
        check_certificate(kept[0], now=now, is_revoked=is_revoked)
        return kept[1]
    try:
        facts = _identity(der)
    except certs.IdentityError as exc:
        raise AuthenticationError(f"certificaat zonder VECOZO-identiteit: {exc}") from None
    caller = resolve_caller(facts, world=state.world, now=now, is_revoked=is_revoked)
    if known is not None:
        known.keep(der, state.world, facts, caller)
    return caller


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def unreadable_body(exc: web.RequestPayloadError) -> ValidationError:
    """The body could not be read as sent (a Content-Encoding that does not decode, a broken
    chunked transfer): the caller's mistake, named down to the decoder's own complaint."""
    reasons, cause = [], exc.__cause__
    while cause is not None:
        reasons.append(str(getattr(cause, "message", "") or cause))
        cause = cause.__cause__ or cause.__context__
    detail = f"de body is onleesbaar: {'; '.join(reasons) or exc}"
    return ValidationError(detail, errors={"$": [detail]})


def _soap_status(request: web.Request, error: GatewayError) -> int | None:
    """The status of the SOAP fault that answers ``error`` on the SOAP route, if it is one."""
    if not request.path.endswith(SOAP_SUFFIX):
        return None
    if error.status_hint in (401, 403):
        return error.status_hint
    if isinstance(error, ValidationError):
        return request.app[STATE].settings.soap_client_fault_status
    return None


def _error_response(request: web.Request, error: GatewayError) -> web.Response:
    soap_status = _soap_status(request, error)
    if soap_status is not None:
        render = request.app[SOAP_FAULT]
        return web.Response(
            status=soap_status,
            body=render("Client", f"{error.title}: {error.detail}"),
            content_type="text/xml",
            charset="utf-8",
        )
    return problem_response(
        error.status_hint,
        error.title,
        error.detail,
        instance=request.path,
        errors=error.errors,
    )


def _http_error_response(request: web.Request, error: web.HTTPException) -> web.StreamResponse:
    if error.status < 400:
        return error
    response = problem_response(
        error.status, error.reason, error.text or error.reason, instance=request.path, errors={}
    )
    # RFC 9110 15.5.6: "The origin server MUST generate an Allow header field in a 405
    # response containing a list of the target resource's currently supported methods."
    if "Allow" in error.headers:
        response.headers["Allow"] = error.headers["Allow"]
    return response


async def _authorised_call(
    request: web.Request, handler: Handler, state: GatewayState, facts: RouteFacts | None
) -> web.StreamResponse:
    # Not one of the exchange's own routes: a mounted page identifies the person itself and
    # refuses in HTML (the apps test before `PAGES in app`, which raises and catches KeyError).
    if facts is None and len(request.match_info.apps) > 1 and PAGES in request.app:
        return await handler(request)
    caller = _caller_of(request, state)
    request[CALLER] = caller
    if facts is None:
        service = service_for_path(strip_prefix(request.path), caller_kind=caller.kind)
    else:
        service = facts.services[caller.kind]
    if service is not None:
        require_system(caller, person_allowed=state.settings.rest_person_certificates)
        require_service(caller, service)
    faults = state.faults
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.should_refuse():
        raise InjectedFaultError(faults.refuse_status, "geïnjecteerde storing")
    try:
        return await handler(request)
    except web.RequestPayloadError as exc:  # wherever a handler read the body
        raise unreadable_body(exc) from None


@web.middleware
async def gateway_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # One middleware, not a counting one around this: each layer costs a coroutine per request.
    app = request.app
    with app[IN_FLIGHT]:
        return await _answered(request, handler, app[STATE])


async def _answered(
    request: web.Request, handler: Handler, state: GatewayState
) -> web.StreamResponse:
    facts = state.routes.get(request.match_info.route)
    outcome = "ok"
    try:
        response = await _authorised_call(request, handler, state, facts)
        outcome = request.get(OUTCOME, outcome)
    except GatewayError as error:
        outcome = f"refused: {error.detail}"
        response = _error_response(request, error)
    except web.HTTPException as error:
        outcome = f"refused: {error.reason}"
        response = _http_error_response(request, error)
    except ConnectionResetError:
        # The peer went away mid-request (its upload cut off, or it was stopped while sending):
        # nothing was accepted and nobody is left to answer, so it is not our fault to log.
        log.info("client left during %s %s", request.method, request.path)
        outcome = "client disconnected"
        response = problem_response(
            400,
            "Verbinding verbroken",
            "de verbinding werd verbroken voordat het verzoek gelezen was",
            instance=request.path,
            errors={},
        )
    except Exception:
        log.exception("unexpected error in %s %s", request.method, request.path)
        outcome = "error"
        response = problem_response(
            500,
            "Interne fout",
            "de uitwisseling kon dit verzoek niet verwerken",
            instance=request.path,
            errors={},
        )
    _journal(request, state, response.status, outcome, facts)
    return response


def _journal(
    request: web.Request,
    state: GatewayState,
    status: int,
    outcome: str,
    facts: RouteFacts | None,
) -> None:
    caller = request.get(CALLER)
    entry = JournalEntry(
        at=state.now(),
        account=caller.user_number if caller else None,
        organisation=caller.organisation if caller else None,
        method=request.method,
        route=facts.canonical if facts is not None else _route_name(request),
        status=status,
        outcome=outcome[:500],
        traceer_id=request.get(TRACEER_ID),
    )
    state.journal.record(entry)
    # One line per request; a caller's mistake (4xx) is INFO: only our own failures warn.
    level = logging.INFO if status < 500 else logging.WARNING
    if not log.isEnabledFor(level):  # `up` logs warnings only: skip building the line's parts
        return
    client = client_label(request.get_extra_info("peername"), entry.account)
    log.log(
        level,
        "%s %s -> %s from %s: %s",
        entry.method,
        entry.route,
        status,
        client,
        entry.outcome,
        extra={
            "client": client,
            "organisation": entry.organisation,
            "traceer_id": entry.traceer_id,
        },
    )
