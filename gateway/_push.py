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
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from gateway._errors import PayloadTooLargeError, ValidationError
from gateway._services import (
    Upload,
    accept_submission,
    create_private,
    read_submission,
    sync_file,
)
from gateway._state import CALLER, STATE, TRACEER_ID, GatewayState

__all__ = ["push_bericht"]

METADATA_PART = "berichtMetadata"
PAYLOAD_PART = "payload"
METADATA_LIMIT = 1024 * 1024
CHUNK = 256 * 1024
HEADER_BYTES = 1024


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
    with os.fdopen(create_private(path), "wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"payload is groter dan {limit} bytes")
            digest.update(chunk)
            if len(head) < HEADER_BYTES:
                head += chunk[: HEADER_BYTES - len(head)]
            out.write(chunk)
        await asyncio.to_thread(sync_file, out)
    return size, digest.hexdigest(), head


async def _read_parts(
    request: web.Request, state: GatewayState, path: Path
) -> tuple[bytes, Upload]:
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
    return metadata, Upload(path=path, size=size, sha256=sha256, head=head)


async def _receive(request: web.Request, state: GatewayState, path: Path) -> tuple[bytes, Upload]:
    limit = state.settings.max_payload_bytes
    if request.content_length is not None and request.content_length > limit + METADATA_LIMIT:
        raise PayloadTooLargeError(f"verzoek is groter dan {limit} bytes payload toestaat")
    try:
        return await _read_parts(request, state, path)
    except (ValueError, AssertionError, RuntimeError, HttpProcessingError) as exc:
        # aiohttp's multipart reader says "malformed" with these (a part's header that is not
        # a valid HTTP header is an InvalidHeader); it is the client's body.
        raise _bad("$", f"multipart-body is onleesbaar: {exc}") from None


async def push_bericht(request: web.Request) -> web.Response:
    """Accept one message; 204 once it is durable, 400/413/422 when it is not acceptable."""
    state = request.app[STATE]
    upload_path = state.store.new_upload_path()
    try:
        metadata, upload = await _receive(request, state, upload_path)
        submission = read_submission(metadata)
        request[TRACEER_ID] = submission.envelope.traceer_id
        await accept_submission(state, request[CALLER], submission, upload)
    finally:
        upload_path.unlink(missing_ok=True)
    return web.Response(status=204)
