"""The operator's API (plain HTTP, 127.0.0.1, its own port): journal, reset, clock, faults, CRL.

It is for the person running the simulator and for test suites, never for the simulated
participants, which is why it sits on a separate listener without client certificates.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from aiohttp import web

import certs
from gateway._cov_routes import COV_REGISTER
from gateway._middleware import problem_response
from gateway._reset import RESET, Reset, forget_everything
from gateway._runtime import Faults
from gateway._state import STATE, GatewayState

__all__ = ["create_admin_app"]

_JOURNAL_FILTERS = {
    "account": "account",
    "organisation": "organisation",
    "route": "route",
    "outcome": "outcome",
    "traceerId": "traceer_id",
    "status": "status",
    "since": "since",
}


def _bad(request: web.Request, message: str) -> web.Response:
    return problem_response(400, "Ongeldig verzoek", message, instance=request.path, errors={})


async def _json(request: web.Request) -> Any:
    raw = await request.read()
    return json.loads(raw) if raw.strip() else {}


async def get_journal(request: web.Request) -> web.Response:
    state = request.app[STATE]
    await state.journal.flush()
    filters = {col: request.query[q] for q, col in _JOURNAL_FILTERS.items() if q in request.query}
    limit = request.query.get("limit", "1000")
    if not (limit.isascii() and limit.isdigit()):
        return _bad(request, "limit is een geheel getal")
    return web.json_response(await state.store.read_journal(filters, limit=int(limit)))


async def post_reset(request: web.Request) -> web.Response:
    try:
        body = await _json(request)
    except json.JSONDecodeError as exc:
        return _bad(request, f"geen geldige JSON: {exc}")
    clear_cov = bool(isinstance(body, dict) and body.get("covRegister"))
    await request.app[RESET](clear_cov)
    return web.json_response({"reset": True, "covRegister": clear_cov})


def _clock_json(state: GatewayState) -> dict[str, str]:
    now = state.clock.now()
    return {"now": now.isoformat(), "today": now.date().isoformat()}


async def put_clock(request: web.Request) -> web.Response:
    """Body ``{"today": "2025-03-01"}``, ``{"now": "<ISO 8601>"}`` or ``{"reset": true}``."""
    state = request.app[STATE]
    try:
        body = await _json(request)
        if body.get("reset"):
            state.clock.reset()
        elif "now" in body:
            state.clock.set_now(dt.datetime.fromisoformat(str(body["now"])))
        elif "today" in body:
            state.clock.set_today(dt.date.fromisoformat(str(body["today"])))
        else:
            return _bad(request, "geef today, now of reset")
    except (ValueError, AttributeError, json.JSONDecodeError) as exc:
        return _bad(request, f"ongeldige tijd: {exc}")
    return web.json_response(_clock_json(state))


async def get_clock(request: web.Request) -> web.Response:
    return web.json_response(_clock_json(request.app[STATE]))


async def put_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        body = await _json(request)
        if not isinstance(body, dict):
            return _bad(request, "verwacht een JSON-object")
        state.faults = Faults.from_json(body)
    except (ValueError, json.JSONDecodeError) as exc:
        return _bad(request, str(exc))
    return web.json_response(state.faults.to_json())


async def post_crl_reload(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        revoked = state.crl.reload()
    except (certs.CertsError, OSError) as exc:
        return problem_response(500, "CRL niet geladen", str(exc), instance=request.path, errors={})
    return web.json_response({"revoked": revoked})


async def get_history(request: web.Request) -> web.Response:
    """The status history of one message (every change with its time), for tests and operators."""
    state = request.app[STATE]
    rows = await state.store.history(request.match_info["traceerId"].lower())
    if not rows:
        return problem_response(
            404, "Niet gevonden", "geen bericht", instance=request.path, errors={}
        )
    return web.json_response([{"status": s, "at": at} for s, at in rows])


def create_admin_app(
    gateway_app: web.Application, *, reset: Reset | None = None
) -> web.Application:
    """The admin API over the same state as ``gateway_app`` (mountable as a sub-app).

    ``reset(cov_register)`` is what ``POST /reset`` runs: by default the gateway forgets its
    own state; the embedded exchange passes one that resets its insurers too."""
    app = web.Application()
    app[STATE] = gateway_app[STATE]
    app[COV_REGISTER] = gateway_app[COV_REGISTER]
    app[RESET] = reset or functools.partial(forget_everything, gateway_app)
    app.router.add_get("/journal", get_journal)
    app.router.add_post("/reset", post_reset)
    app.router.add_get("/clock", get_clock)
    app.router.add_put("/clock", put_clock)
    app.router.add_put("/faults", put_faults)
    app.router.add_post("/crl/reload", post_crl_reload)
    app.router.add_get("/berichten/{traceerId}/historie", get_history)
    return app
