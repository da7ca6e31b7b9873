"""Declaratieportaal: upload declaration files, follow their status, read the return.

The upload goes through the gateway's one acceptance path (:func:`gateway.accept_submission`)
with the metadata a REST push would carry; the technical check's meldingen are shown at once
(the worker reaches the same verdict and sets the status). The overview lists the
organisation's declarations with filters; a declaration's page shows its full status history
and, once the insurer answered, its return file: to download, or to read line by line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

import gateway
import vektis
from portal._auth import read_part
from portal._errors import UploadError
from portal._keys import MULTIPART, PERSON, SETTINGS, NavItem
from portal._render import render
from portal._returns import read_return
from portal._settings import MAX_REFERENCE
from portal._toestemmingen import afzender_for, bureau_providers
from portal._upload import UploadedFile, declaration_metadata, files_of, reference_for
from world import Service

__all__ = ["NAVIGATION", "add_routes"]

NAVIGATION = (NavItem(title="Declaratieportaal", path="declaraties"),)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What became of one uploaded file."""

    name: str
    reference: str = ""
    traceer_id: str | None = None
    error: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    meldingen: tuple[dict[str, str], ...] = ()


def _may_declare(request: web.Request) -> bool:
    return Service.DECLAREREN in request[PERSON].account.services


def _day(raw: str, name: str, problems: list[str]) -> str | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        problems.append(f"{name}: '{raw}' is geen datum (JJJJ-MM-DD)")
        return None


def _filter(query: Any, problems: list[str], limit: int) -> gateway.MessageFilter:
    status = query.get("status", "")
    known = {s.value: s for s in gateway.Status}
    if status and status not in known:
        problems.append(f"status: '{status}' bestaat niet")
    insurer = query.get("verzekeraar", "")
    if insurer and not (len(insurer) == 4 and insurer.isascii() and insurer.isdigit()):
        problems.append(f"verzekeraar: '{insurer}' is geen UZOVI-nummer")
        insurer = ""
    return gateway.MessageFilter(
        kind="declaration",
        status=known.get(status),
        addressee=insurer or None,
        since=_day(query.get("van", ""), "van", problems),
        until=_day(query.get("tot", ""), "tot en met", problems),
        limit=limit,
    )


async def overview(request: web.Request) -> web.StreamResponse:
    """The organisation's declarations, newest first, filtered; the upload form on top."""
    state, problems = gateway.exchange_state(request), list[str]()
    wanted = _filter(request.query, problems, request.app[SETTINGS].list_limit)
    found = await gateway.messages_of(state, request[PERSON], wanted)
    context = {
        "declarations": found,
        "query": request.query,
        "problems": problems,
        "statuses": [s.value for s in gateway.Status],
        "insurers": sorted(state.world.insurers, key=lambda i: i.uzovi),
        "may_declare": _may_declare(request),
        "max_reference": MAX_REFERENCE,
        "settings": request.app[SETTINGS],
        "providers": bureau_providers(state, request[PERSON]),
    }
    return render(request, "declaraties.html", context)


async def _read_form(request: web.Request) -> tuple[str, str, bytes, str]:
    """Eigen referentie, file name, file and the chosen provider (a bureau's) of the upload
    form (CSRF already read)."""
    reader, limit = request.get(MULTIPART), request.app[SETTINGS].max_upload_bytes
    if reader is None:
        raise UploadError("Het formulier is onleesbaar: verwacht multipart/form-data.")
    reference, name, data, provider = "", "", b"", ""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise UploadError("Het formulier is onleesbaar.")
        if part.name == "referentie":
            text = await _read_file(part, MAX_REFERENCE * 4)  # UTF-8: at most 4 bytes a char
            reference = text.decode("utf-8", "replace")
        elif part.name == "bestand":
            name, data = part.filename or "bestand", await _read_file(part, limit)
        elif part.name == "zorgaanbieder":
            provider = (await _read_file(part, 20)).decode("ascii", "replace").strip()
    if not data:
        raise UploadError("Kies een bestand om te uploaden.")
    return reference, name, data, provider


async def _read_file(part: BodyPartReader, limit: int) -> bytes:
    try:
        return await read_part(part, limit)
    except OverflowError:
        raise UploadError(f"{part.name} is groter dan {_size(limit)}.") from None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


async def upload(request: web.Request) -> web.StreamResponse:
    """Submit one EI file or each file of a ZIP; show each one's technical check at once."""
    if not _may_declare(request):
        raise gateway.AuthorizationError("uw account is niet geautoriseerd voor declareren")
    settings = request.app[SETTINGS]
    try:
        reference, name, data, provider = await _read_form(request)
        files = files_of(name, data, settings=settings)
    except UploadError as exc:
        gateway.note_outcome(request, f"refused: {exc.detail}")
        return render(request, "upload.html", {"error": exc.detail, "outcomes": []}, status=400)
    outcomes = [await _submit(request, f, reference, provider) for f in files]
    accepted = [o.traceer_id for o in outcomes if o.traceer_id]
    gateway.note_outcome(
        request,
        f"{len(accepted)} van {len(outcomes)} bestanden ingediend: {', '.join(accepted)}",
        traceer_id=accepted[0] if len(accepted) == 1 else None,
    )
    status = 200 if accepted else 422
    return render(request, "upload.html", {"error": None, "outcomes": outcomes}, status=status)


async def _submit(request: web.Request, file: UploadedFile, given: str, provider: str) -> Outcome:
    """The same acceptance as a REST push: metadata, checks, durable store, status."""
    reference = reference_for(given, file.name)
    meldingen = tuple(dict(m) for m in await asyncio.to_thread(gateway.technical_check, file.data))
    header = gateway.file_header(file.data)
    base = Outcome(name=file.name, reference=reference, meldingen=meldingen)
    if header is None:
        return _failed(
            base,
            "Dit is geen leesbaar EI-declaratiebestand: "
            "de voorlooprecord ontbreekt of is onleesbaar.",
        )
    state = gateway.exchange_state(request)
    try:
        afzender = afzender_for(header, provider, state.world)
        metadata = declaration_metadata(header, reference=reference, afzender=afzender)
        submission = gateway.read_submission(metadata)
        saved = await gateway.save_upload(state, file.data)
        try:
            await gateway.accept_submission(state, request[PERSON], submission, saved)
        finally:
            saved.path.unlink(missing_ok=True)
    except UploadError as exc:
        return _failed(base, exc.detail)
    except gateway.GatewayError as exc:
        return _failed(base, exc.detail, exc.errors)
    return Outcome(
        name=file.name,
        reference=reference,
        traceer_id=submission.envelope.traceer_id,
        meldingen=meldingen,
    )


def _failed(base: Outcome, error: str, errors: dict[str, list[str]] | None = None) -> Outcome:
    return Outcome(
        name=base.name,
        reference=base.reference,
        error=error,
        errors=errors or {},
        meldingen=base.meldingen,
    )


async def _declaration(request: web.Request) -> tuple[gateway.GatewayState, gateway.StoredMessage]:
    state = gateway.exchange_state(request)
    traceer_id = request.match_info["traceer_id"].lower()
    message = await gateway.own_message(state, request[PERSON], traceer_id)
    if message.kind != "declaration":
        raise gateway.NotFoundError(f"declaratie {traceer_id} niet gevonden")
    gateway.note_outcome(request, "ok", traceer_id=message.traceer_id)
    return state, message


async def _return_of(
    state: gateway.GatewayState, request: web.Request, declaration: gateway.StoredMessage
) -> gateway.StoredMessage | None:
    answers = await gateway.answers_to(state, request[PERSON], declaration.traceer_id)
    return answers[0] if answers else None


async def detail(request: web.Request) -> web.StreamResponse:
    """One declaration: who, to whom, its status history, meldingen, its return."""
    state, message = await _declaration(request)
    history = await gateway.status_history(state, request[PERSON], message.traceer_id)
    answer = await _return_of(state, request, message)
    # The download's own rule (gateway.payload_kept), not the sweep's flag, which lags up to a
    # sweep interval behind it: the page never offers a link the download then refuses.
    kept = answer is not None and gateway.payload_kept(state, answer)
    context = {
        "message": message,
        "history": history,
        "answer": answer,
        "answer_kept": kept,
        "meta": message.metadata,
    }
    return render(request, "declaratie.html", context)


async def _return_payload(
    request: web.Request,
) -> tuple[gateway.StoredMessage, bytes, gateway.StoredMessage]:
    state, message = await _declaration(request)
    answer = await _return_of(state, request, message)
    if answer is None:
        raise gateway.NotFoundError("er is (nog) geen retourbericht voor deze declaratie")
    path = await gateway.fetch_payload(state, request[PERSON], answer.traceer_id)
    return message, await asyncio.to_thread(path.read_bytes), answer


async def return_page(request: web.Request) -> web.StreamResponse:
    """The return file line by line: record, person, prestatie, amounts, retourcodes."""
    message, data, answer = await _return_payload(request)
    try:
        lines = read_return(data)
    except vektis.VektisError as exc:
        raise gateway.ValidationError(f"het retourbericht is onleesbaar: {exc}") from None
    context = {"message": message, "answer": answer, "lines": lines}
    return render(request, "retour.html", context)


async def return_download(request: web.Request) -> web.StreamResponse:
    message, data, answer = await _return_payload(request)
    standard = answer.metadata.routeringgegevens.berichtstroom.berichttype
    name = f"{standard}-{message.traceer_id}.asc"
    return web.Response(
        body=data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/declaraties", overview)
    router.add_post("/declaraties", upload)
    router.add_get("/declaraties/{traceer_id}", detail)
    router.add_get("/declaraties/{traceer_id}/retour", return_page)
    router.add_get("/declaraties/{traceer_id}/retour/download", return_download)
