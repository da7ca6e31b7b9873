"""The operator's API: journal, reset, clock, faults, CRL, a message's history.

It is for the person running the simulator and for test suites, never for the simulated
participants. The gateway serves it on no listener of its own: the composition root mounts it
on its one admin port, which requires the admin token (``vecozo_sim._admin_port``).
docs/ADMIN.md documents every route with its body.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

import certs
from gateway._app import PULL, STATUS
from gateway._cov_routes import COV_REGISTER
from gateway._journal import JournalQuery
from gateway._middleware import PREFIXES, problem_response
from gateway._reset import RESET, Reset, forget_everything
from gateway._runtime import Faults
from gateway._state import STATE, GatewayState
from identifiers import is_ascii_digits

__all__ = ["CLOCK_RANGE", "JOURNAL_LIMIT_MAX", "POLLING_ROUTES", "check_clock", "create_admin_app"]

# query parameter -> journal column compared for equality
_JOURNAL_FILTERS = {
    "account": "account",
    "organisation": "organisation",
    "method": "method",
    "route": "route",
    "outcome": "outcome",
    "traceerId": "traceer_id",
    "status": "status",
}
_JOURNAL_OTHER = ("since", "until", "polling", "order", "limit")
JOURNAL_LIMIT_DEFAULT = 100
# An answer of this many rows is a few hundred kB; the store lock is held for milliseconds.
JOURNAL_LIMIT_MAX = 1000
# What a participant sends over and over while it waits (an insurer's pull loop, a client's
# status polls): ``polling=false`` leaves these out, so the journal shows what happened.
POLLING_ROUTES = frozenset(
    (method, prefix + path)
    for prefix in ("", *PREFIXES)
    for method, path in (
        ("GET", f"{PULL}/berichten"),
        ("POST", f"{PULL}/berichten/zoeken"),
        ("GET", f"{STATUS}/berichtstatussen"),
    )
)
# The simulated clock accepts moments in this range: far enough either way for any test of
# dates (Wlz stays, payment terms, expired certificates), near enough that no arithmetic on
# dates overflows (9999-12-31 made every later request a 500, issue 12).
CLOCK_RANGE = (
    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
)


def _bad(request: web.Request, message: str) -> web.Response:
    return problem_response(400, "Ongeldig verzoek", message, instance=request.path, errors={})


async def _json(request: web.Request) -> Any:
    raw = await request.read()
    return json.loads(raw) if raw.strip() else {}


def journal_query(query: Mapping[str, str]) -> JournalQuery:
    """The :class:`JournalQuery` of ``GET /journal``'s parameters; ValueError naming the one
    that is wrong (an unknown parameter too: a misspelt filter must not silently match all)."""
    unknown = set(query) - set(_JOURNAL_FILTERS) - set(_JOURNAL_OTHER)
    if unknown:
        known = ", ".join([*_JOURNAL_FILTERS, *_JOURNAL_OTHER])
        raise ValueError(f"onbekende parameter {', '.join(sorted(unknown))}; bekend: {known}")
    limit = query.get("limit", str(JOURNAL_LIMIT_DEFAULT))
    if not (is_ascii_digits(limit) and 1 <= int(limit) <= JOURNAL_LIMIT_MAX):
        raise ValueError(f"limit is een geheel getal 1..{JOURNAL_LIMIT_MAX} (het maximum)")
    order = query.get("order", "newest")
    if order not in ("newest", "oldest"):
        raise ValueError("order is newest (standaard) of oldest")
    polling = query.get("polling", "true")
    if polling not in ("true", "false"):
        raise ValueError("polling is true (standaard) of false")
    return JournalQuery(
        equals={col: query[q] for q, col in _JOURNAL_FILTERS.items() if q in query},
        since=query.get("since"),
        until=query.get("until"),
        exclude=POLLING_ROUTES if polling == "false" else frozenset(),
        newest_first=order == "newest",
        limit=int(limit),
    )


async def get_journal(request: web.Request) -> web.Response:
    """Every request the exchange answered, newest first; filters in docs/ADMIN.md."""
    state = request.app[STATE]
    try:
        query = journal_query(request.query)
    except ValueError as exc:
        return _bad(request, str(exc))
    await state.journal.flush()
    return web.json_response(await state.store.read_journal(query))


async def post_reset(request: web.Request) -> web.Response:
    """Forget messages, mailboxes, journal, faults (the embedded exchange: the insurers' state
    and the clock too); body {"covRegister": true} clears COV too."""
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


def check_clock(moment: dt.datetime) -> dt.datetime:
    """``moment`` if it lies in :data:`CLOCK_RANGE`, else ValueError saying the range."""
    low, high = CLOCK_RANGE
    if moment.tzinfo is None:
        raise ValueError("de tijd heeft een tijdzone nodig (bijv. +01:00 of Z)")
    if not low <= moment <= high:
        raise ValueError(
            f"{moment.isoformat()} valt buiten het bereik {low.isoformat()} .. {high.isoformat()}"
        )
    return moment


async def put_clock(request: web.Request) -> web.Response:
    """Move the simulated clock: {"today": "YYYY-MM-DD"}, {"now": "<ISO 8601>"}, {"reset": true}."""
    state = request.app[STATE]
    try:
        body = await _json(request)
        if body.get("reset"):
            state.clock.reset()
        elif "now" in body:
            state.clock.set_now(check_clock(dt.datetime.fromisoformat(str(body["now"]))))
        elif "today" in body:
            day = dt.date.fromisoformat(str(body["today"]))
            check_clock(dt.datetime.combine(day, state.clock.now().timetz()))
            state.clock.set_today(day)
        else:
            return _bad(request, "geef today, now of reset")
    except (ValueError, AttributeError, json.JSONDecodeError) as exc:
        return _bad(request, f"ongeldige tijd: {exc}")
    return web.json_response(_clock_json(state))


async def get_clock(request: web.Request) -> web.Response:
    """The simulated now and today."""
    return web.json_response(_clock_json(request.app[STATE]))


async def put_faults(request: web.Request) -> web.Response:
    """Rehearsal faults: latencyMs, refuseRate, refuseStatus, failingDeliveries, seed; {} clears."""
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
    """Read pki/crl.pem again now (the gateway also notices a changed file by itself)."""
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


async def get_stats(request: web.Request) -> web.Response:
    """Counts the journal cannot hold: what the TLS port refused before any request."""
    return web.json_response(request.app[STATE].connections.to_json())


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
    app.router.add_get("/stats", get_stats)
    return app
