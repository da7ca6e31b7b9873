"""The portal's one middleware: certificate, person, session, CSRF, then the page.

Every request, also inside an open session, is identified again from the certificate the
browser presents (the gateway's :func:`gateway.identify`: revocation, validity, account), so a
revoked certificate is locked out at once. Only a personal certificate may log in ("een
systeemcertificaat ... kan niet inloggen op de website"). A session is bound to the
certificate that opened it; another certificate with the same cookie is refused. Every POST
carries the session's CSRF token as its first form field.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

import gateway
from portal._keys import FORM, MULTIPART, PERSON, SESSION, SESSIONS
from portal._render import render
from portal._sessions import Session
from portal._settings import PREFIX
from world import AccountKind

__all__ = [
    "COOKIE",
    "LOGIN",
    "portal_middleware",
    "read_part",
    "redirect",
    "refuse",
    "session_cookie",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "vecozo_portal"
LOGIN = PREFIX + "inloggen"
CSRF_FIELD = "csrf"
CHUNK = 256 * 1024
# Reachable with a person's certificate before the second factor; everything else needs both.
OPEN_PATHS = frozenset({LOGIN, PREFIX + "stijl.css"})


def refuse(
    request: web.Request, status: int, title: str, detail: str, *, forget: bool = False
) -> web.Response:
    """A Dutch page saying why not (also journaled as the request's outcome); ``forget`` ends
    the session the browser presented."""
    gateway.note_outcome(request, f"refused: {detail}")
    response = render(request, "geweigerd.html", {"title": title, "detail": detail}, status=status)
    if forget:
        request.app[SESSIONS].end(request.cookies.get(COOKIE, ""))
        response.del_cookie(COOKIE, path=PREFIX)
    return response


def redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser GETs ``location`` (no resubmission)."""
    return web.Response(status=303, headers={"Location": location})


def session_cookie(response: web.StreamResponse, session: Session) -> None:
    """Secure, HttpOnly, SameSite=Strict, only for the portal's pages."""
    response.set_cookie(
        COOKIE, session.id, path=PREFIX, secure=True, httponly=True, samesite="Strict"
    )


def _identify(request: web.Request) -> gateway.Caller | web.Response:
    try:
        caller = gateway.identify(request)
    except gateway.AuthenticationError as exc:
        return refuse(request, 401, "Geen geldig certificaat", exc.detail, forget=True)
    except gateway.AuthorizationError as exc:
        return refuse(request, 403, "Toegang geweigerd", exc.detail, forget=True)
    if caller.account.kind is not AccountKind.PERSON:
        return refuse(
            request,
            403,
            "Inloggen met een systeemcertificaat is niet mogelijk",
            "Met een systeemcertificaat kunt u niet inloggen op het VECOZO-portaal; het is "
            "bedoeld voor software die de webservices aanroept. Log in met uw persoonlijk "
            "certificaat.",
            forget=True,
        )
    return caller


def _session(request: web.Request, caller: gateway.Caller) -> Session | web.Response | None:
    sessions = request.app[SESSIONS]
    session = sessions.get(request.cookies.get(COOKIE))
    if session is None:
        return None
    if session.serial != caller.serial or session.user_number != caller.user_number:
        return refuse(
            request,
            403,
            "Sessie hoort bij een ander certificaat",
            "Deze sessie is geopend met een ander certificaat; log opnieuw in met uw eigen "
            "persoonlijk certificaat.",
        )
    return session


async def read_part(part: BodyPartReader, limit: int) -> bytes:
    """A form part read whole, but never more than ``limit`` bytes (OverflowError)."""
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > limit:
            raise OverflowError(f"{part.name} is larger than {limit} bytes")
    return bytes(data)


async def _form_token(request: web.Request) -> str:
    """The CSRF field, the first of every form; an upload's reader is kept for the page."""
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        part = await reader.next()
        if not isinstance(part, BodyPartReader) or part.name != CSRF_FIELD:
            return ""
        token = (await read_part(part, 256)).decode("ascii", "replace")
        request[MULTIPART] = reader
        request[FORM] = {}
        return token
    form = await request.post()
    request[FORM] = {k: v for k, v in form.items() if isinstance(v, str)}
    return request[FORM].get(CSRF_FIELD, "")


async def _csrf_holds(request: web.Request, session: Session) -> bool:
    try:
        token = await _form_token(request)
    except (OverflowError, ValueError, AssertionError, RuntimeError, HttpProcessingError):
        return False  # a body no form of ours sends (aiohttp says "malformed" with these)
    return hmac.compare_digest(token.encode(), session.csrf.encode())


async def _gate(request: web.Request) -> web.Response | None:
    """None when the request may reach its page, else the answer that stops it."""
    found = _identify(request)
    if isinstance(found, web.Response):
        return found
    request[PERSON] = found
    session = _session(request, found)
    if isinstance(session, web.Response):
        return session
    if session is not None:
        request[SESSION] = session
    if request.path not in OPEN_PATHS and (session is None or not session.logged_in):
        return redirect(LOGIN)
    if request.method == "POST" and (session is None or not await _csrf_holds(request, session)):
        return refuse(
            request,
            403,
            "Formulier verlopen",
            "Het formulier mist een geldig CSRF-token; open de pagina opnieuw en probeer het nog "
            "eens.",
        )
    return None


@web.middleware
async def portal_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    stopped = await _gate(request)
    if stopped is not None:
        return stopped
    try:
        return await handler(request)
    except gateway.GatewayError as exc:
        return refuse(request, exc.status_hint, exc.title, exc.detail)
    except web.HTTPException as exc:  # the router's own: no such page, or not with this method
        if exc.status < 400:
            raise
        title = "Pagina niet gevonden" if exc.status == 404 else "Niet mogelijk"
        return refuse(request, exc.status, title, f"{request.method} {request.path}: {exc.reason}")
