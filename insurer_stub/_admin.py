"""The operator's face of the insurer stubs: ledgers, faults, a list of the running insurers.

Plain HTTP on 127.0.0.1 (``vecozo-sim up`` mounts it under ``/admin/insurers/``), like the
gateway's admin app. Answers are JSON; a wrong request gets a problem-details body naming what
is wrong, never a traceback.
"""

from __future__ import annotations

import json

from aiohttp import web

from identifiers import is_ascii_digits
from insurer_stub._errors import ExchangeError
from insurer_stub._host import HOST_KEY, InsurerHost
from insurer_stub._insurer import RunningInsurer
from insurer_stub._settings import parse_faults
from world import WorldFileError

__all__ = ["create_admin_app"]


def create_admin_app(host: InsurerHost) -> web.Application:
    """``GET /insurers``, ``GET /ledger/{uzovi}?provider=AGB``, ``GET /ledgers/{uzovi}`` (every
    provider), ``GET|PUT /faults``,
    ``PUT /population/{uzovi}`` (re-read the world files, re-publish the COV register)."""
    app = web.Application()
    app[HOST_KEY] = host
    app.router.add_get("/insurers", _insurers)
    app.router.add_get("/ledger/{uzovi}", _ledger)
    app.router.add_get("/ledgers/{uzovi}", _ledgers)
    app.router.add_get("/faults", _faults)
    app.router.add_put("/faults", _set_faults)
    app.router.add_put("/population/{uzovi}", _republish)
    return app


def _problem(status: int, detail: str) -> web.Response:
    body = {"type": "about:blank", "status": status, "detail": detail}
    return web.json_response(body, status=status, content_type="application/problem+json")


async def _insurers(request: web.Request) -> web.Response:
    """Every running insurer: UZOVI, name, delivery mode, endpoint, faults, quarantined files."""
    host = request.app[HOST_KEY]
    endpoints = host.push_endpoints()
    return web.json_response(
        [
            {
                "uzovi": uzovi,
                "name": running.insurer.name,
                "delivery": running.insurer.delivery.mode.value,
                "endpoint": endpoints.get(uzovi),
                "judgedFiles": running.judged_files,
                "faults": running.faults.to_json(),
                "quarantined": [q.to_json() for q in running.store.quarantined()],
            }
            for uzovi, running in host.insurers.items()
        ]
    )


def _insurer(request: web.Request, uzovi: str) -> RunningInsurer | web.Response:
    running = request.app[HOST_KEY].insurers.get(uzovi)
    if running is None:
        return _problem(404, f"no running insurer with UZOVI {uzovi!r}")
    return running


async def _ledger(request: web.Request) -> web.Response:
    """One provider's ledger at one insurer (?provider=AGB): awarded, credited, paid out."""
    running = _insurer(request, request.match_info["uzovi"])
    if isinstance(running, web.Response):
        return running
    provider = request.query.get("provider", "")
    if not is_ascii_digits(provider, length=8):
        return _problem(400, "query parameter provider must be an 8-digit AGB code")
    return web.json_response(running.ledger(provider).to_json())


async def _ledgers(request: web.Request) -> web.Response:
    """The ledgers of every provider at one insurer."""
    running = _insurer(request, request.match_info["uzovi"])
    if isinstance(running, web.Response):
        return running
    return web.json_response([ledger.to_json() for ledger in running.ledgers()])


async def _faults(request: web.Request) -> web.Response:
    """The faults of every insurer (down, slowSeconds, answerTwice)."""
    host = request.app[HOST_KEY]
    return web.json_response({u: r.faults.to_json() for u, r in host.insurers.items()})


async def _set_faults(request: web.Request) -> web.Response:
    """Set faults: {"uzovi"?, "down"?, "slowSeconds"?, "answerTwice"?}; no uzovi: every insurer."""
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _problem(400, "the body is not JSON")
    host = request.app[HOST_KEY]
    uzovi = body.get("uzovi") if isinstance(body, dict) else None
    targets = list(host.insurers.values()) if uzovi is None else [host.insurers.get(str(uzovi))]
    if not all(targets):
        return _problem(404, f"no running insurer with UZOVI {uzovi!r}")
    try:
        changed = {r.uzovi: parse_faults(body, r.faults) for r in targets if r is not None}
    except ValueError as exc:
        return _problem(400, str(exc))
    for running in targets:
        if running is not None:
            running.faults = changed[running.uzovi]
    return web.json_response({u: f.to_json() for u, f in changed.items()})


async def _republish(request: web.Request) -> web.Response:
    """Re-read the world files and republish this insurer's population to COV.

    After the population files changed on disk: the insurer judges and COV answers from the
    new population. The world is read again whole, so a broken edit is refused, not half-used."""
    uzovi = request.match_info["uzovi"]
    running = _insurer(request, uzovi)
    if isinstance(running, web.Response):
        return running
    try:
        published = await request.app[HOST_KEY].reload_world(frozenset({uzovi}))
    except WorldFileError as exc:
        return _problem(422, f"the world files do not load: {exc}")
    except KeyError:
        return _problem(409, f"UZOVI {uzovi} is no longer an insurer in the world files")
    except ExchangeError as exc:
        return _problem(502, f"the exchange refused the register: {exc}")
    return web.json_response({"uzovi": uzovi, "verzekerden": published[uzovi]})
