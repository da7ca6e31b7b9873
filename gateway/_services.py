"""The exchange's operations, one code path for every face: the REST handlers and the portal.

A REST push and a portal upload both end in :func:`accept_submission` (metadata and payload
in, checks, durable store, status ``Ontvangen``); listing a party's messages, a message's status
history and fetching a payload are likewise here, so the portal never copies a rule of the
berichtenservice. A face mounted with :func:`mount_pages` authenticates its own requests
(:func:`identify`) and renders its own refusals; the gateway's middleware still journals
every request, with the person :func:`identify` found.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from aiohttp import web

import berichten
from gateway._ei import findings_as_meldingen, read_header
from gateway._errors import NotFoundError, RefusedError, ValidationError
from gateway._identity import Caller
from gateway._middleware import _caller_of
from gateway._queries import MessageFilter
from gateway._retention import retention_cutoff
from gateway._routing import (
    DeclarationRef,
    Envelope,
    HeaderCodes,
    MessageKind,
    decide_route,
    envelope_from_metadata,
)
from gateway._state import (
    CALLER,
    COV_REGISTER,
    OUTCOME,
    PAGES,
    STATE,
    TRACEER_ID,
    GatewayState,
)
from gateway._status import Status
from gateway._store import NewMessage, StoredMessage

__all__ = [
    "MessageFilter",
    "Submission",
    "Upload",
    "accept_submission",
    "answers_to",
    "check_insurance",
    "exchange_state",
    "fetch_payload",
    "file_header",
    "identify",
    "messages_of",
    "mount_pages",
    "note_outcome",
    "own_message",
    "party_payload",
    "payload_kept",
    "payload_kept_until",
    "read_submission",
    "save_upload",
    "status_history",
    "technical_check",
]

HEADER_BYTES = 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    """A payload written (fsynced, 0600) to the store's upload directory, not yet accepted."""

    path: Path
    size: int
    sha256: str
    head: bytes  # the first bytes: the voorlooprecord that routing reads


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """Parsed berichtMetadata and the envelope the exchange routes by."""

    metadata: berichten.BerichtMetadata
    envelope: Envelope


def _exchange_value(request: web.Request, key: web.AppKey[T]) -> T:
    """``request.config_dict[key]`` without building the chain of applications for every
    request: the gateway's own routes find it in their application at once."""
    try:
        return request.app[key]
    except KeyError:  # a face mounted into the gateway's application (the portal)
        return request.config_dict[key]


def exchange_state(request: web.Request) -> GatewayState:
    """The exchange a request reached, also from an application mounted into the gateway's."""
    return _exchange_value(request, STATE)


def create_private(path: Path) -> int:
    """Payloads are patient-like data: 0600 whatever the umask (it becomes the payload file)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def sync_file(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


async def save_upload(state: GatewayState, data: bytes) -> Upload:
    """Write a payload received whole (a portal upload) where the push route streams its own."""
    path = state.store.new_upload_path()

    def write() -> None:
        with os.fdopen(create_private(path), "wb") as out:
            out.write(data)
            sync_file(out)

    await asyncio.to_thread(write)
    digest = hashlib.sha256(data).hexdigest()
    return Upload(path=path, size=len(data), sha256=digest, head=data[:HEADER_BYTES])


def read_submission(metadata: bytes) -> Submission:
    """berichtMetadata as JSON bytes, checked against the push document's schema (400)."""
    try:
        meta = berichten.parse_metadata_json(metadata)
    except berichten.MetadataError as exc:
        raise ValidationError(
            "berichtMetadata voldoet niet aan het schema", errors=exc.errors
        ) from None
    return Submission(metadata=meta, envelope=envelope_from_metadata(meta))


def _declaration_ref(message: StoredMessage | None) -> DeclarationRef | None:
    if message is None or message.kind != MessageKind.DECLARATION:
        return None
    return DeclarationRef(
        traceer_id=message.traceer_id,
        conversatie_id=message.conversatie_id,
        indiener=message.indiener,
        addressee=message.addressee,
    )


async def accept_submission(
    state: GatewayState, caller: Caller, submission: Submission, upload: Upload
) -> None:
    """Route, make durable, status ``Ontvangen``: the one way a message enters the exchange.

    Raises ``RefusedError`` (422) when the caller may not send it or the traceerId was seen
    before; the technical check and delivery follow in the worker.
    """
    envelope = submission.envelope
    answered = None
    if envelope.als_antwoord_op is not None:
        answered = _declaration_ref(await state.store.get(envelope.als_antwoord_op))
    route = decide_route(
        caller,
        envelope,
        world=state.world,
        today=state.clock.today(),
        header=read_header(upload.head),
        answered=answered,
    )
    stamped = submission.metadata.with_context(berichten.CONTEXT_INDIENER, (caller.organisation,))
    new = NewMessage(
        traceer_id=envelope.traceer_id,
        conversatie_id=envelope.conversatie_id,
        als_antwoord_op=envelope.als_antwoord_op,
        kind=route.kind.value,
        indiener=route.indiener,
        indiener_account=caller.user_number,
        afzender=envelope.afzender.code,
        addressee=route.addressee,
        metadata=stamped,
        size=upload.size,
        sha256=upload.sha256,
        received_at=state.now(),
    )
    if not await state.store.add_message(new, upload.path, status=Status.ONTVANGEN):
        raise RefusedError(
            f"traceerId {envelope.traceer_id} is al eerder ontvangen",
            errors={"referentiegegevens.traceerId": ["traceerId is niet uniek"]},
        )
    state.wake_worker()


def file_header(data: bytes) -> HeaderCodes | None:
    """The routing codes of an EI file's voorlooprecord; None when it cannot be read."""
    return read_header(data[:HEADER_BYTES])


def technical_check(data: bytes) -> list[Mapping[str, str]]:
    """The worker's technical check, at once: meldingen naming record, field and retourcode."""
    return findings_as_meldingen(data)


def is_party(caller: Caller, message: StoredMessage) -> bool:
    return caller.organisation in (message.indiener, message.afzender, message.addressee)


async def own_message(state: GatewayState, caller: Caller, traceer_id: str) -> StoredMessage:
    """A message the caller's organisation sent, submitted or receives; else 404 (no leak)."""
    message = await state.store.get(traceer_id)
    if message is None or not is_party(caller, message):
        raise NotFoundError(f"bericht {traceer_id} niet gevonden")
    return message


async def answers_to(state: GatewayState, caller: Caller, traceer_id: str) -> list[StoredMessage]:
    """The messages answering one (its return file), as far as they are the caller's."""
    linked = await state.store.linked(traceer_id)
    return [m for m in linked if m.als_antwoord_op == traceer_id and is_party(caller, m)]


async def messages_of(
    state: GatewayState, caller: Caller, wanted: MessageFilter
) -> list[StoredMessage]:
    """The caller's organisation's messages (as indiener, afzender or addressee), newest first."""
    return await state.store.messages_of(caller.organisation, wanted)


async def status_history(
    state: GatewayState, caller: Caller, traceer_id: str
) -> list[tuple[Status, str]]:
    """Every status the message had, oldest first, with when (for its parties only)."""
    message = await own_message(state, caller, traceer_id)
    return [(Status(s), at) for s, at in await state.store.history(message.traceer_id)]


async def fetch_payload(state: GatewayState, caller: Caller, traceer_id: str) -> Path:
    """The payload of a message in the caller's mailbox; the 24-hour retention starts now.

    "The payload, while it is kept: 24 h after the first download only the metadata remains."
    """
    message = await state.store.get(traceer_id)
    if message is None or message.addressee != caller.organisation or message.delivery != "pull":
        raise NotFoundError(f"bericht {traceer_id} niet gevonden")
    return await _kept_payload(state, caller, message)


def identify(request: web.Request) -> Caller:
    """The account behind the request's certificate (revocation checked now), for the journal.

    Raises ``AuthenticationError`` / ``AuthorizationError`` exactly as the REST routes refuse.
    """
    caller = _caller_of(request, exchange_state(request))
    request[CALLER] = caller
    return caller


def note_outcome(request: web.Request, outcome: str, *, traceer_id: str | None = None) -> None:
    """What the journal says of this request (a refusal's reason, the message it touched)."""
    request[OUTCOME] = outcome
    if traceer_id is not None:
        request[TRACEER_ID] = traceer_id


async def _to_pages(request: web.Request) -> web.StreamResponse:
    """``GET /``: a browser goes to the pages; any other client keeps the API's 404."""
    prefix = request.app[PAGES]
    if "text/html" in request.headers.get("Accept", ""):
        return web.Response(status=302, headers={"Location": prefix})
    raise web.HTTPNotFound()


def mount_pages(app: web.Application, prefix: str, pages: web.Application) -> None:
    """Serve ``pages`` under ``prefix`` (``/portal/``): it authenticates its own requests.

    The gateway's middleware leaves identity, rights and faults of these routes to the pages
    (they answer a browser with HTML, not problem details) and journals them as any other.
    """
    app[PAGES] = prefix
    app.add_subapp(prefix.rstrip("/"), pages)
    app.router.add_get("/", _to_pages)


def payload_kept_until(state: GatewayState, message: StoredMessage) -> dt.datetime | None:
    """When the payload goes: its first download plus the retention (None: not downloaded)."""
    if message.downloaded_at is None:
        return None
    return dt.datetime.fromisoformat(message.downloaded_at) + state.settings.payload_retention


def payload_kept(state: GatewayState, message: StoredMessage) -> bool:
    """Whether the payload is still there on the exchange's clock, also before the sweep ran.

    "after download the payload remains available 24 h, then deleted" (VECOZO's Berichtloket).
    """
    if message.payload_expired:
        return False
    if message.downloaded_at is None:
        return True
    keep = state.settings.payload_retention
    return message.downloaded_at >= retention_cutoff(state.clock.now(), keep)


async def _kept_payload(
    state: GatewayState, caller: Caller, message: StoredMessage, *, download: bool = True
) -> Path:
    """The payload file; the addressee's first download starts the retention."""
    if not payload_kept(state, message):
        raise NotFoundError(
            f"de payload van {message.traceer_id} is na de bewaartermijn verwijderd"
        )
    if download and message.addressee == caller.organisation:
        await state.store.mark_downloaded(message.traceer_id, at=state.now())
    return state.store.payload_path(message)


async def party_payload(
    state: GatewayState, caller: Caller, traceer_id: str, *, download: bool = True
) -> Path:
    """The payload of any message of the caller's organisation (the Berichtloket's download):
    what it sent or submitted, or what it receives, however it was delivered. ``download``
    False: the exchange reads it for a page (amounts), which starts no retention."""
    message = await own_message(state, caller, traceer_id)
    return await _kept_payload(state, caller, message, download=download)


def _cov_refused_by(state: GatewayState, caller: Caller | None) -> frozenset[str]:
    """The insurers that do not authorise the caller's organisation for COV (world.toml's
    ``cov_refused_by`` of a provider); their policies are answered without details."""
    provider = None if caller is None else state.world.provider(caller.organisation)
    return frozenset() if provider is None else provider.cov_refused_by


def check_insurance(request: web.Request, question: berichten.CovRequest) -> berichten.CovResponse:
    """The COV answer (VZ802) for the request's caller on the exchange's today: the SOAP
    service, its JSON face and the portal's form all answer here."""
    state = exchange_state(request)
    return _exchange_value(request, COV_REGISTER).answer(
        question,
        today=state.clock.today(),
        unauthorised=_cov_refused_by(state, request.get(CALLER)),
    )
