"""Logging in (certificate, then the authenticatie-app's code), the start page, logging out."""

from __future__ import annotations

import time
from importlib import resources

from aiohttp import web

import gateway
from portal._auth import COOKIE, redirect, refuse, session_cookie
from portal._keys import FORM, PERSON, SESSION, SESSIONS, NavItem
from portal._render import render
from portal._settings import PREFIX
from portal._totp import accepted_step

__all__ = ["NAVIGATION", "add_routes"]

NAVIGATION = (NavItem(title="Start", path=""),)
STYLE = resources.files("portal").joinpath("templates/stijl.css").read_bytes()


async def login_page(request: web.Request) -> web.StreamResponse:
    """The second step: the certificate is known, the code is asked (a session starts here)."""
    session = request.get(SESSION)
    if session is not None and session.logged_in:
        return redirect(PREFIX)
    person = request[PERSON]
    if session is None:
        session = request.app[SESSIONS].start(user_number=person.user_number, serial=person.serial)
        request[SESSION] = session
    response = render(request, "inloggen.html", {"account": person.account})
    session_cookie(response, session)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Check the TOTP code; a right one logs in under a fresh session id."""
    person, session, sessions = request[PERSON], request[SESSION], request.app[SESSIONS]
    secret = person.account.totp_secret
    if secret is None:
        return refuse(
            request, 403, "Geen authenticatie-app", "Dit account heeft geen tweede factor."
        )
    last = sessions.last_steps.get(person.user_number, -1)
    step = accepted_step(secret, request[FORM].get("code", ""), now=time.time(), last_step=last)
    if step is None:
        return _wrong_code(request)
    sessions.last_steps[person.user_number] = step
    fresh = sessions.log_in(session)
    gateway.note_outcome(request, "ingelogd")
    response = redirect(PREFIX)
    session_cookie(response, fresh)
    return response


def _wrong_code(request: web.Request) -> web.Response:
    counted = request.app[SESSIONS].failed(request[SESSION])
    if counted is None:
        return refuse(
            request,
            401,
            "Te veel onjuiste codes",
            "U heeft te vaak een onjuiste code ingevuld; open de inlogpagina opnieuw.",
            forget=True,
        )
    gateway.note_outcome(request, "refused: onjuiste code")
    context = {"account": request[PERSON].account, "error": "De code is onjuist of verlopen."}
    return render(request, "inloggen.html", context, status=401)


async def logout(request: web.Request) -> web.StreamResponse:
    request.app[SESSIONS].end(request[SESSION].id)
    del request[SESSION]
    gateway.note_outcome(request, "uitgelogd")
    response = render(request, "uitgelogd.html")
    response.del_cookie(COOKIE, path=PREFIX)
    return response


async def start(request: web.Request) -> web.StreamResponse:
    return render(request, "start.html")


async def style(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=STYLE, content_type="text/css", headers={"Cache-Control": "max-age=300"}
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", start)
    router.add_get("/inloggen", login_page)
    router.add_post("/inloggen", login)
    router.add_post("/uitloggen", logout)
    router.add_get("/stijl.css", style)
