"""COV over HTTP: the SOAP 1.1 service, its small JSON face, and the register insurers fill.

SOAP mistakes are answered as SOAP 1.1 faults, never as a traceback; the XML is parsed by
berichten through defusedxml, so entity tricks are refused. The SOAP 1.1 HTTP binding sends every
fault with HTTP 500, but the house rule is "never a 500 for a user's mistake": a ``Client`` or
``VersionMismatch`` fault goes out with ``GatewaySettings.soap_client_fault_status`` (400 unless
the operator asks for strict SOAP 1.1), only a ``Server`` fault with 500.
"""

from __future__ import annotations

import json

from aiohttp import web

import berichten
from gateway._errors import AuthorizationError, PayloadTooLargeError, ValidationError
from gateway._services import check_insurance
from gateway._state import CALLER, COV_REGISTER, STATE
from world import AccountKind, OrganisationKind

__all__ = ["COV_REGISTER", "cov_json", "cov_soap", "fault_status", "put_register"]

SOAP_LIMIT = 1024 * 1024
REGISTER_LIMIT = 512 * 1024 * 1024


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it passes ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"verzoek is groter dan {limit} bytes")
    first = await request.content.readany()  # what has arrived; b"" at the end
    if request.content.at_eof() and len(first) <= limit:
        return first  # the whole body came with the request, as a small one does
    data = bytearray(first)
    while len(data) <= limit and (chunk := await request.content.readany()):
        data += chunk
    if len(data) > limit:
        raise PayloadTooLargeError(f"verzoek is groter dan {limit} bytes")
    return bytes(data)


def fault_status(faultcode: str, *, client_status: int) -> int:
    """HTTP status of a fault: ``Server`` is our failure (500), anything else the sender's."""
    return 500 if faultcode == "Server" else client_status


def _fault(request: web.Request, error: berichten.SoapFaultError) -> web.Response:
    client_status = request.app[STATE].settings.soap_client_fault_status
    return web.Response(
        status=fault_status(error.faultcode, client_status=client_status),
        body=berichten.render_soap_fault(error),
        content_type="text/xml",
        charset="utf-8",
    )


async def cov_soap(request: web.Request) -> web.Response:
    """``POST /cov/vz801802/v1/soap11``, operation Controleer."""
    action = request.headers.get("SOAPAction", "").strip().strip('"')
    if action != berichten.SOAP_ACTION:
        return _fault(
            request,
            berichten.SoapFaultError(
                f"SOAPAction {action!r} onbekend; verwacht {berichten.SOAP_ACTION}"
            ),
        )
    try:
        body = await read_limited(request, SOAP_LIMIT)
        cov_request = berichten.parse_cov_request(body)
    except berichten.SoapFaultError as error:
        return _fault(request, error)
    except PayloadTooLargeError as error:
        return _fault(request, berichten.SoapFaultError(error.detail))
    answer = check_insurance(request, cov_request)
    return web.Response(
        body=berichten.render_cov_response(answer), content_type="text/xml", charset="utf-8"
    )


def _json_body(data: bytes) -> object:
    # ValueError covers bad UTF-8, bad JSON and an integer longer than Python converts (4300
    # digits); RecursionError is JSON nested deeper than the parser's stack.
    try:
        return json.loads(data)
    except RecursionError:
        raise ValidationError("geen geldige JSON", errors={"$": ["te diep genest"]}) from None
    except ValueError as exc:
        raise ValidationError("geen geldige JSON", errors={"$": [str(exc)]}) from None


async def cov_json(request: web.Request) -> web.Response:
    """``POST /cov/v1/controle``: the same decision, JSON in and out, for scripts."""
    state = request.app[STATE]
    today = state.clock.today()
    try:
        cov_request = berichten.parse_cov_json(
            _json_body(await read_limited(request, SOAP_LIMIT)), today=today
        )
    except berichten.CovJsonError as exc:
        raise ValidationError("COV-verzoek is ongeldig", errors=exc.errors) from None
    answer = check_insurance(request, cov_request)
    # The bytes and headers web.json_response would give, without building the dict per request.
    return web.Response(
        body=berichten.render_cov_json(answer), content_type="application/json", charset="utf-8"
    )


def _check_register_rights(request: web.Request, uzovi: str) -> None:
    """Only a system account of an insurer of the same group may publish this population."""
    caller = request[CALLER]
    state = request.app[STATE]
    if (
        caller.kind is not OrganisationKind.INSURER
        or caller.account.kind is not AccountKind.SYSTEM
        or uzovi not in state.world.group_of(caller.organisation)
    ):
        raise AuthorizationError(
            f"account {caller.user_number} mag het COV-register van {uzovi} niet vullen"
        )


async def put_register(request: web.Request) -> web.Response:
    """``PUT /cov-register/v1/verzekerden/{uzovi}``: replace one insurer's population."""
    uzovi = request.match_info["uzovi"]
    _check_register_rights(request, uzovi)
    state = request.app[STATE]
    try:
        entries = berichten.parse_cov_register(
            _json_body(await read_limited(request, REGISTER_LIMIT))
        )
    except berichten.CovJsonError as exc:
        raise ValidationError("register is ongeldig", errors=exc.errors) from None
    wrong = {
        f"verzekerden[{i}].policies[{j}].uzovi": [f"polis van {p.uzovi}, niet van {uzovi}"]
        for i, e in enumerate(entries)
        for j, p in enumerate(e.policies)
        if p.uzovi != uzovi
    }
    if wrong:
        raise ValidationError("polissen van een andere zorgverzekeraar", errors=wrong)
    await state.store.replace_cov(uzovi, [json.dumps(e.to_json()) for e in entries])
    request.app[COV_REGISTER].replace(uzovi, entries)
    return web.Response(status=204)
