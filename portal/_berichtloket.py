"""Berichtloket: the organisation's inbox and outbox, a message's page, its download.

VECOZO's Berichtloket shows per message the Afzender (the party it is from), the Geadresseerde
and the Indiener ("de VECOZO-code van de partij die het bericht daadwerkelijk heeft
ingediend"), its status history, the linked heen- and retourbericht, and a download, zipped or
not; "after download the payload remains available 24 h, then deleted; metadata stays". Every
rule is the gateway's: whose message it is (:func:`gateway.own_message`, 404 for another
organisation's), the retention (:func:`gateway.payload_kept`, on the exchange's clock) and the
download that starts it (:func:`gateway.party_payload`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

import gateway
import vektis
from portal._keys import PERSON, SETTINGS, NavItem
from portal._render import render
from portal._returns import read_return
from world import OrganisationKind

__all__ = ["NAVIGATION", "add_routes", "zipped"]

NAVIGATION = (NavItem(title="Berichtloket", path="berichtloket"),)
BASE = "/berichtloket"
BOXES = {"inbox": "Ontvangen berichten", "outbox": "Verzonden berichten"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """The sluitrecord's amounts: declared, and awarded in a return (cents)."""

    declared: int | None
    awarded: int | None


def box_kind(caller: gateway.Caller, box: str) -> str:
    """Which messages fill a box: an insurer receives declarations and sends returns; a
    provider or bureau sends declarations and receives the returns (they go to the indiener)."""
    receives = "declaration" if caller.kind is OrganisationKind.INSURER else "return"
    sends = "return" if receives == "declaration" else "declaration"
    return receives if box == "inbox" else sends


def file_name(message: gateway.StoredMessage) -> str:
    """``MZ302-<traceerId>.asc``: standard and message, as the Declaratieportaal names it."""
    standard = message.metadata.routeringgegevens.berichtstroom.berichttype
    return f"{standard}-{message.traceer_id}.asc"


def zipped(name: str, data: bytes, *, when: dt.datetime) -> bytes:
    """One file in a ZIP, dated ``when`` (the message's receipt), so the bytes are stable."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
    return out.getvalue()


def totals_of(data: bytes) -> Totals | None:
    """The sluitrecord's totals of an EI file; None when it is not one."""
    try:
        lines = read_return(data)
    except vektis.VektisError:
        return None
    closing = [line for line in lines if line.record_type == "99"]
    if not closing:
        return None
    return Totals(declared=closing[-1].declared, awarded=closing[-1].awarded)


def _names(state: gateway.GatewayState) -> Mapping[str, str]:
    """Organisation names by code, for the columns (world organisations and the UZOVI register)."""
    world = state.world
    names = {code: entry.name for code, entry in vektis.UZOVI_REGISTER.items()}
    names.update((i.uzovi, i.name) for i in world.insurers)
    names.update((p.code, p.name) for p in world.providers)
    names.update((b.code, b.name) for b in world.bureaus)
    return names


async def _box(request: web.Request, which: str) -> web.StreamResponse:
    state, person = gateway.exchange_state(request), request[PERSON]
    status = request.query.get("status", "")
    known = {s.value: s for s in gateway.Status}
    wanted = gateway.MessageFilter(
        kind=box_kind(person, which),
        status=known.get(status),
        limit=request.app[SETTINGS].list_limit,
    )
    found = await gateway.messages_of(state, person, wanted)
    gateway.note_outcome(request, f"{BOXES[which]}: {len(found)} berichten")
    context = {
        "box": which,
        "boxes": BOXES,
        "messages": found,
        "names": _names(state),
        "status": status if status in known else "",
        "statuses": list(known),
        "problem": f"status: '{status}' bestaat niet" if status and status not in known else "",
    }
    return render(request, "berichtloket.html", context)


async def inbox(request: web.Request) -> web.StreamResponse:
    """Ontvangen berichten: what is addressed to the organisation, newest first."""
    return await _box(request, "inbox")


async def outbox(request: web.Request) -> web.StreamResponse:
    """Verzonden berichten: what the organisation sent or submitted (or was sent for it)."""
    return await _box(request, "outbox")


async def _message(request: web.Request) -> tuple[gateway.GatewayState, gateway.StoredMessage]:
    state = gateway.exchange_state(request)
    traceer_id = request.match_info["traceer_id"].lower()
    message = await gateway.own_message(state, request[PERSON], traceer_id)
    return state, message


async def _linked(
    state: gateway.GatewayState, person: gateway.Caller, message: gateway.StoredMessage
) -> dict[str, Any]:
    """The heenbericht this message answers and the retourberichten answering it."""
    heen = None
    if message.als_antwoord_op is not None:
        try:
            heen = await gateway.own_message(state, person, message.als_antwoord_op)
        except gateway.NotFoundError:  # answered a message of another party: id only
            heen = None
    answers = await gateway.answers_to(state, person, message.traceer_id)
    return {"heen": heen, "answers": answers}


async def _totals(
    state: gateway.GatewayState, person: gateway.Caller, message: gateway.StoredMessage
) -> Totals | None:
    if not gateway.payload_kept(state, message):
        return None
    path = await gateway.party_payload(state, person, message.traceer_id, download=False)
    # a 25 MB file is parsed whole: off the event loop
    return await asyncio.to_thread(lambda: totals_of(path.read_bytes()))


async def detail(request: web.Request) -> web.StreamResponse:
    """One message: its parties, references, status history, links, download and retention."""
    state, message = await _message(request)
    person = request[PERSON]
    history = await gateway.status_history(state, person, message.traceer_id)
    gateway.note_outcome(request, "ok", traceer_id=message.traceer_id)
    context = {
        "message": message,
        "meta": message.metadata,
        "history": history,
        "names": _names(state),
        "kept": gateway.payload_kept(state, message),
        "kept_until": gateway.payload_kept_until(state, message),
        "totals": await _totals(state, person, message),
        "addressee": message.addressee == person.organisation,
        **await _linked(state, person, message),
    }
    return render(request, "berichtloket_bericht.html", context)


async def download(request: web.Request) -> web.StreamResponse:
    """The payload as sent, or in a ZIP (``?gezipt=1``); the addressee's first download starts
    the 24 hours."""
    state, message = await _message(request)
    path = await gateway.party_payload(state, request[PERSON], message.traceer_id)
    data, name = await asyncio.to_thread(path.read_bytes), file_name(message)
    as_zip = request.query.get("gezipt") == "1"
    if as_zip:
        received = dt.datetime.fromisoformat(message.received_at)
        data, name = zipped(name, data, when=received), name.removesuffix(".asc") + ".zip"
    how = "gezipt" if as_zip else "ongezipt"
    gateway.note_outcome(request, f"gedownload ({how})", traceer_id=message.traceer_id)
    return web.Response(
        body=data,
        content_type="application/zip" if as_zip else "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(BASE, inbox)
    router.add_get(BASE + "/verzonden", outbox)
    router.add_get(BASE + "/berichten/{traceer_id}", detail)
    router.add_get(BASE + "/berichten/{traceer_id}/download", download)
