"""The exchange's HTTP interface as pure functions: request values out, response values in.

Nothing here opens a socket or imports aiohttp. Each ``*_request`` function describes one call
of the published interface (paths of the VECOZO berichtenservice OpenAPI documents, push / pull /
berichtstatus, and the COV SOAP 1.1 endpoint) and each ``read_*`` function turns an answer into a
typed value or a typed error. The aiohttp shell only carries these values over the wire, so the
whole protocol is tested without a server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from provider_client._errors import (
    MessageNotFoundError,
    NotAuthorisedError,
    PayloadIntegrityError,
    ProblemDetailsError,
    UnexpectedResponseError,
)
from provider_client._values import Melding, MessageInfo, MessageStatus, Party, Stream

__all__ = [
    "COV_PATH",
    "COV_SOAP_ACTION",
    "PULL_PATH",
    "PUSH_PATH",
    "STATUS_PATH",
    "IncomingResponse",
    "OutgoingRequest",
    "acknowledge_request",
    "cov_request",
    "list_request",
    "multipart_body",
    "payload_request",
    "push_request",
    "raise_for_problem",
    "read_acknowledged",
    "read_cov",
    "read_listing",
    "read_payload",
    "read_pushed",
    "read_statuses",
    "search_request",
    "status_request",
]

PUSH_PATH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL_PATH = "/berichtenservice/berichten/rest-pull/v1/berichten"
STATUS_PATH = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
COV_PATH = "/cov/vz801802/v1/soap11"
COV_SOAP_ACTION = "http://schemas.vecozo.nl/VZ801802/v1/Controleer"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingRequest:
    """One HTTP request, relative to the exchange's base URL (which may carry /tst or /acc)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingResponse:
    """One HTTP answer; header names are lower-cased by the transport."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


# --- requests -------------------------------------------------------------------------------


def multipart_body(
    metadata: Mapping[str, Any], payload: bytes, *, filename: str, boundary: str
) -> tuple[bytes, str]:
    """The push body: part ``berichtMetadata`` (application/json) and part ``payload``.

    The push OpenAPI document fixes the part names and their content types; the boundary is a
    parameter so the same input always gives the same bytes.
    """
    if f"--{boundary}".encode() in payload:
        raise ValueError("the multipart boundary occurs in the payload; choose another")
    meta = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode()
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="berichtMetadata"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    parts += meta + b"\r\n"
    parts += (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="payload"; filename="{safe_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    parts += payload + f"\r\n--{boundary}--\r\n".encode()
    return parts, f"multipart/form-data; boundary={boundary}"


def push_request(
    metadata: Mapping[str, Any], payload: bytes, *, filename: str, boundary: str
) -> OutgoingRequest:
    body, content_type = multipart_body(metadata, payload, filename=filename, boundary=boundary)
    return OutgoingRequest(
        method="POST", path=PUSH_PATH, headers=(("Content-Type", content_type),), body=body
    )


def list_request(*, limit: int | None = None) -> OutgoingRequest:
    query = (("limit", str(limit)),) if limit is not None else ()
    return OutgoingRequest(method="GET", path=PULL_PATH, query=query)


def search_request(zoekpad: Mapping[str, Any], *, limit: int | None = None) -> OutgoingRequest:
    """``POST .../berichten/zoeken`` with a Zoekpad (discriminated by ``zoekpadType``)."""
    if "zoekpadType" not in zoekpad:
        raise ValueError("a zoekpad needs its zoekpadType")
    query = (("limit", str(limit)),) if limit is not None else ()
    return OutgoingRequest(
        method="POST",
        path=f"{PULL_PATH}/zoeken",
        query=query,
        headers=(("Content-Type", "application/json"),),
        body=json.dumps(dict(zoekpad)).encode(),
    )


def payload_request(traceer_id: str) -> OutgoingRequest:
    return OutgoingRequest(method="GET", path=f"{PULL_PATH}/{quote(traceer_id, safe='')}/payload")


def acknowledge_request(traceer_id: str) -> OutgoingRequest:
    return OutgoingRequest(method="DELETE", path=f"{PULL_PATH}/{quote(traceer_id, safe='')}")


def status_request(
    *, traceer_id: str | None = None, conversatie_id: str | None = None
) -> OutgoingRequest:
    """The v3 berichtstatus query: exactly one of the two identifiers."""
    if (traceer_id is None) == (conversatie_id is None):
        raise ValueError("ask the status by traceerId or by conversatieId, not both or neither")
    query = (
        (("traceerId", traceer_id),)
        if traceer_id is not None
        else (("conversatieId", str(conversatie_id)),)
    )
    return OutgoingRequest(method="GET", path=STATUS_PATH, query=query)


def cov_request(envelope: bytes) -> OutgoingRequest:
    """SOAP 1.1: text/xml and a quoted SOAPAction naming the Controleer operation."""
    return OutgoingRequest(
        method="POST",
        path=COV_PATH,
        headers=(
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", f'"{COV_SOAP_ACTION}"'),
        ),
        body=envelope,
    )


# --- responses ------------------------------------------------------------------------------


def raise_for_problem(response: IncomingResponse) -> None:
    """Raise the typed error for a non-2xx answer, with the problem-details fields when given."""
    if 200 <= response.status < 300:
        return
    problem = _problem_body(response)
    kind: type[ProblemDetailsError] = ProblemDetailsError
    if response.status in (401, 403):
        kind = NotAuthorisedError
    elif response.status == 404:
        kind = MessageNotFoundError
    errors = problem.get("errors")
    raise kind(
        status=int(problem.get("status") or response.status),
        title=str(problem.get("title") or _reason(response.status)),
        detail=str(problem.get("detail") or ""),
        errors=_string_lists(errors) if isinstance(errors, dict) else None,
        type_=str(problem.get("type") or ""),
    )


def read_pushed(response: IncomingResponse) -> None:
    """Push answers 204 and no body: the exchange has stored the message durably."""
    _expect(response, 204, 200, 201, 202)


def read_acknowledged(response: IncomingResponse) -> None:
    _expect(response, 202, 200, 204)


def read_listing(response: IncomingResponse) -> tuple[MessageInfo, ...]:
    """A list of BerichtMetadata, as returned by listing and by zoeken."""
    _expect(response, 200)
    return tuple(_message_info(item) for item in _json_list(response))


def read_statuses(response: IncomingResponse) -> tuple[MessageStatus, ...]:
    _expect(response, 200)
    return tuple(_message_status(item) for item in _json_list(response))


def read_payload(response: IncomingResponse, expected: MessageInfo | None = None) -> bytes:
    """The payload bytes, checked against the size and SHA256 the listing announced."""
    _expect(response, 200)
    if expected is not None:
        verify_payload(response.body, expected)
    return response.body


def verify_payload(data: bytes, expected: MessageInfo) -> None:
    if expected.size is not None and len(data) != expected.size:
        raise PayloadIntegrityError(
            f"payload of {expected.traceer_id} is {len(data)} bytes, "
            f"the listing announced {expected.size}"
        )
    if expected.checksum and expected.checksum_algorithm.upper().replace("-", "") == "SHA256":
        actual = hashlib.sha256(data).hexdigest()
        if actual.lower() != expected.checksum.lower():
            raise PayloadIntegrityError(
                f"payload of {expected.traceer_id} has SHA256 {actual}, "
                f"the listing announced {expected.checksum}"
            )


def read_cov(response: IncomingResponse) -> bytes:
    """The SOAP envelope; a SOAP fault comes with 500 and text/xml, so it is handed on too."""
    if response.status == 500 and "xml" in response.content_type:
        return response.body
    _expect(response, 200)
    return response.body


# --- helpers --------------------------------------------------------------------------------


def _expect(response: IncomingResponse, *statuses: int) -> None:
    raise_for_problem(response)
    if response.status not in statuses:
        raise UnexpectedResponseError(
            f"the exchange answered HTTP {response.status}; expected {statuses[0]}"
        )


def _problem_body(response: IncomingResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body) if response.body else {}
    except (ValueError, UnicodeDecodeError):
        text = response.body.decode("utf-8", "replace").strip()[:200]
        return {"detail": text} if text else {}
    return body if isinstance(body, dict) else {}


def _reason(status: int) -> str:
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    names |= {413: "Payload Too Large", 422: "Unprocessable Content", 500: "Server Error"}
    return names.get(status, "HTTP error")


def _string_lists(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in errors.items()
    }


def _json_list(response: IncomingResponse) -> list[dict[str, Any]]:
    try:
        body = json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnexpectedResponseError(f"the exchange sent no JSON: {exc}") from None
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise UnexpectedResponseError("the exchange sent JSON that is not a list of objects")
    return body


def _party(obj: Any) -> Party:
    if not isinstance(obj, dict) or "rol" not in obj:
        raise UnexpectedResponseError(f"a relatie without rol: {obj!r}")
    return Party(rol=str(obj["rol"]), code=str(obj["code"]) if obj.get("code") else None)


def _stream(obj: Any) -> Stream:
    try:
        return Stream(
            berichttype=str(obj["berichttype"]),
            berichtversie=int(obj["berichtversie"]),
            berichtsubversie=int(obj["berichtsubversie"]),
            actie=str(obj["actie"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UnexpectedResponseError(f"an incomplete berichtstroom: {obj!r}") from exc


def _message_info(item: Mapping[str, Any]) -> MessageInfo:
    try:
        basis = item.get("basisgegevens") or {}
        routing = item["routeringgegevens"]
        refs = item["referentiegegevens"]
        download = basis.get("payload") or {}
        checksum = download.get("checksum") or {}
        return MessageInfo(
            traceer_id=str(refs["traceerId"]),
            conversatie_id=str(refs["conversatieId"]),
            als_antwoord_op=refs.get("alsAntwoordOp"),
            referentie_id=refs.get("referentieId"),
            afzender=_party(routing["afzender"]),
            geadresseerden=tuple(_party(p) for p in routing.get("geadresseerden", ())),
            stream=_stream(routing["berichtstroom"]),
            received_at=basis.get("ontvangenOp"),
            size=int(download["grootte"]) if "grootte" in download else None,
            checksum=str(checksum.get("waarde") or ""),
            checksum_algorithm=str(checksum.get("algoritme") or ""),
            context=_context(item.get("verwerkingscontext")),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UnexpectedResponseError(f"a mailbox entry outside the contract: {exc!r}") from exc


def _context(obj: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(obj, list):
        return ()
    return tuple(
        (str(pair.get("sleutel")), tuple(str(v) for v in pair.get("waarde", ())))
        for pair in obj
        if isinstance(pair, dict)
    )


def _message_status(item: Mapping[str, Any]) -> MessageStatus:
    try:
        refs = item["referentiegegevens"]
        return MessageStatus(
            traceer_id=str(refs["traceerId"]),
            conversatie_id=str(refs["conversatieId"]),
            als_antwoord_op=refs.get("alsAntwoordOp"),
            stream=_stream(item["berichtstroom"]),
            status=str(item["berichtstatus"]),
            changed_at=str(item.get("berichtstatusGewijzigdOp") or ""),
            received_at=str(item.get("berichtOntvangenOp") or ""),
            meldingen=tuple(
                Melding(
                    code=str(m.get("code", "")),
                    omschrijving=str(m.get("omschrijving", "")),
                    toelichting=m.get("toelichting"),
                )
                for m in item.get("meldingen") or ()
            ),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise UnexpectedResponseError(f"a berichtstatus outside the contract: {exc!r}") from exc
