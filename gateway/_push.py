"""``POST .../rest-push/v1/berichten``: receive, check, make durable, answer 204.

The multipart body is read part by part: ``berichtMetadata`` (small, bounded) into memory and
``payload`` streamed to a file while its size is counted, so a client can never make the exchange
buffer more than the configured maximum. Only after the payload file is fsynced and the row is
committed does the client get its 204; the technical check and the delivery follow in the
worker, and the status API tells how they went.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

import berichten
from gateway._ei import read_header
from gateway._errors import PayloadTooLargeError, RefusedError, ValidationError
from gateway._routing import DeclarationRef, MessageKind, decide_route, envelope_from_metadata
from gateway._state import CALLER, STATE, TRACEER_ID, GatewayState
from gateway._status import Status
from gateway._store import NewMessage, StoredMessage

__all__ = ["push_bericht"]

METADATA_PART = "berichtMetadata"
PAYLOAD_PART = "payload"
METADATA_LIMIT = 1024 * 1024
CHUNK = 256 * 1024
HEADER_BYTES = 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    metadata: bytes
    path: Path
    size: int
    sha256: str
    head: bytes


def _bad(field_name: str, message: str) -> ValidationError:
    return ValidationError(message, errors={field_name: [message]})


async def _read_metadata(part: BodyPartReader) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > METADATA_LIMIT:
            raise _bad(METADATA_PART, f"berichtMetadata is groter dan {METADATA_LIMIT} bytes")
    return bytes(data)


async def _stream_payload(part: BodyPartReader, path: Path, limit: int) -> tuple[int, str, bytes]:
    """Write the payload to ``path``, fsynced; refuse (413) the moment it passes ``limit``."""
    digest, size, head = hashlib.sha256(), 0, b""
    with os.fdopen(_create_private(path), "wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"payload is groter dan {limit} bytes")
            digest.update(chunk)
            if len(head) < HEADER_BYTES:
                head += chunk[: HEADER_BYTES - len(head)]
            out.write(chunk)
        await asyncio.to_thread(_sync, out)
    return size, digest.hexdigest(), head


def _create_private(path: Path) -> int:
    """Payloads are patient-like data: 0600 whatever the umask (it becomes the payload file)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def _sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


async def _read_parts(request: web.Request, state: GatewayState, path: Path) -> Upload:
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError, KeyError) as exc:
        raise _bad("$", f"verwacht multipart/form-data: {exc}") from None
    metadata: bytes | None = None
    payload: tuple[int, str, bytes] | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise _bad("$", "geneste multipart wordt niet ondersteund")
        if part.name == METADATA_PART and metadata is None:
            metadata = await _read_metadata(part)
        elif part.name == PAYLOAD_PART and payload is None:
            payload = await _stream_payload(part, path, state.settings.max_payload_bytes)
        else:
            raise _bad(str(part.name or "$"), f"onverwacht of dubbel deel {part.name!r}")
    if metadata is None:
        raise _bad(METADATA_PART, "het deel berichtMetadata ontbreekt")
    if payload is None or payload[0] == 0:
        raise _bad(PAYLOAD_PART, "het deel payload ontbreekt of is leeg")
    size, sha256, head = payload
    return Upload(metadata=metadata, path=path, size=size, sha256=sha256, head=head)


async def _receive(request: web.Request, state: GatewayState, path: Path) -> Upload:
    limit = state.settings.max_payload_bytes
    if request.content_length is not None and request.content_length > limit + METADATA_LIMIT:
        raise PayloadTooLargeError(f"verzoek is groter dan {limit} bytes payload toestaat")
    try:
        return await _read_parts(request, state, path)
    except (ValueError, AssertionError, RuntimeError, HttpProcessingError) as exc:
        # aiohttp's multipart reader says "malformed" with these (a part's header that is not
        # a valid HTTP header is an InvalidHeader); it is the client's body.
        raise _bad("$", f"multipart-body is onleesbaar: {exc}") from None


def _declaration_ref(message: StoredMessage | None) -> DeclarationRef | None:
    if message is None or message.kind != MessageKind.DECLARATION:
        return None
    return DeclarationRef(
        traceer_id=message.traceer_id,
        conversatie_id=message.conversatie_id,
        indiener=message.indiener,
        addressee=message.addressee,
    )


async def push_bericht(request: web.Request) -> web.Response:
    """Accept one message; 204 once it is durable, 400/413/422 when it is not acceptable."""
    state = request.app[STATE]
    upload_path = state.store.new_upload_path()
    try:
        upload = await _receive(request, state, upload_path)
        await _accept(request, state, upload)
    finally:
        upload_path.unlink(missing_ok=True)
    return web.Response(status=204)


async def _accept(request: web.Request, state: GatewayState, upload: Upload) -> None:
    caller = request[CALLER]
    try:
        meta = berichten.parse_metadata_json(upload.metadata)
    except berichten.MetadataError as exc:
        raise ValidationError(
            "berichtMetadata voldoet niet aan het schema", errors=exc.errors
        ) from None
    envelope = envelope_from_metadata(meta)
    request[TRACEER_ID] = envelope.traceer_id
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
    stamped = meta.with_context(berichten.CONTEXT_INDIENER, (caller.organisation,))
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
