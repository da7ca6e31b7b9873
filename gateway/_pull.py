"""The pull and status routes: what is ready for the caller, its payload, the acknowledgement.

Only the caller's own organisation's messages are ever listed, served or acknowledged; anything
else answers exactly as an unknown traceerId does (404 for a payload or an acknowledgement, an
empty status list), so nobody learns that a message exists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable

from aiohttp import web

import berichten
from gateway._errors import NotFoundError, ValidationError
from gateway._middleware import strip_prefix
from gateway._services import fetch_payload, is_party
from gateway._state import CALLER, STATE, TRACEER_ID, GatewayState
from gateway._status import Status, StatusTransitionError
from gateway._store import StoredMessage
from identifiers import is_ascii_digits
from world import DeliveryMode

__all__ = [
    "acknowledge",
    "get_payload",
    "list_berichten",
    "list_statussen",
    "request_base_url",
    "zoek_berichten",
]

MAX_LIMIT = 250
PULL_BASE = "/berichtenservice/berichten/rest-pull/v1"
# host name, IPv4 or [IPv6], optional port: anything else in a Host header is not echoed
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
# (scheme, Host) -> origin text, for the Host headers clients use; emptied when full.
# A uuid already in the form ``str(uuid.UUID(...))`` writes (lowercase, hyphenated): what
# clients send back, answered as is without building a ``UUID`` (2 of ~4 µs a status poll).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ORIGINS_KEPT = 256
_ORIGINS: dict[tuple[str, str], str] = {}
STATUS_TEXTS_KEPT = 1_000


class _TextsPerMessage:
    """Answer texts kept per message (and a variant, e.g. the base URL), emptied when full.

    The store hands out the same immutable message for an unchanged row, and a client polls
    far more often than a message moves. Kept by identity together with the message itself,
    so an ``id()`` reused by a later message never finds another message's text.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept: dict[tuple[int, str], tuple[StoredMessage, str]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def text(self, message: StoredMessage, variant: str, write: Callable[[], str]) -> str:
        key = (id(message), variant)
        kept = self._kept.get(key)
        if kept is not None and kept[0] is message:
            return kept[1]
        if len(self._kept) >= self._limit:
            self._kept.clear()
        text = write()
        self._kept[key] = (message, text)
        return text


_STATUS_TEXTS = _TextsPerMessage(STATUS_TEXTS_KEPT)  # berichtstatus items
_LISTING_TEXTS = _TextsPerMessage(STATUS_TEXTS_KEPT)  # listing items, per base URL


def _limit(request: web.Request) -> int:
    """``limit``: 1..250, default 250 (pull v1 document)."""
    raw = request.query.get("limit")
    if raw is None:
        return MAX_LIMIT
    if not is_ascii_digits(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationError("limit is ongeldig", errors={"limit": ["limit ligt in 1..250"]})
    return int(raw)


def _uuid(value: str, name: str) -> str:
    if _CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValidationError(
            f"{name} is geen uuid", errors={name: [f"'{value}' is geen geldige uuid"]}
        ) from None


def _listing(messages: list[StoredMessage], *, base: str) -> web.Response:
    """The pull listing of ``messages``, their payload links under ``base``."""
    body = ", ".join(_listing_text(m, base) for m in messages)
    return web.Response(text=f"[{body}]", content_type="application/json")


def _listing_text(message: StoredMessage, base: str) -> str:
    """One listing item's text: the renderer's one-item listing without its brackets (the
    listing is JSON's list of them), kept per message and base URL."""

    def write() -> str:
        item = (message.metadata, _basisgegevens(message, base=base))
        return berichten.render_pull_listing([item])[1:-1]

    return _LISTING_TEXTS.text(message, base, write)


def _basisgegevens(message: StoredMessage, *, base: str) -> berichten.Basisgegevens:
    url = f"{base}{PULL_BASE}/berichten/{message.traceer_id}/payload"
    checksum = berichten.Checksum(algoritme="SHA256", waarde=message.sha256)
    return berichten.Basisgegevens(
        ontvangen_op=dt.datetime.fromisoformat(message.received_at),
        payload=berichten.HTTPSDownload(url=url, grootte=message.size, checksum=checksum),
    )


def request_base_url(request: web.Request) -> str:
    """Where the caller reached us, plus its environment prefix (/tst, /acc).

    A configured ``public_url`` wins (a proxy in front); otherwise the link is built from the
    request itself, so it names the port actually bound (``--port 0``) and whatever host name
    the client used, and a client that follows it verbatim reaches the same exchange.
    """
    prefix = request.path[: len(request.path) - len(strip_prefix(request.path))]
    return (request.app[STATE].settings.public_url or _origin(request)).rstrip("/") + prefix


def _origin(request: web.Request) -> str:
    """``scheme://host[:port]`` from the Host header; the bound socket when it is unusable.

    yarl builds it in ~60 µs (the request's URL, then its origin), the same text for every
    request with that scheme and Host: kept per pair, bounded (the Host header is the client's).
    """
    key = (request.scheme, request.host)
    origin = _ORIGINS.get(key)
    if origin is not None:
        return origin
    if _AUTHORITY.fullmatch(request.host):
        with contextlib.suppress(ValueError):  # e.g. a port above 65535
            if len(_ORIGINS) >= ORIGINS_KEPT:
                _ORIGINS.clear()
            origin = _ORIGINS[key] = str(request.url.origin())
            return origin
    host, port = (request.get_extra_info("sockname") or ("127.0.0.1", 0))[:2]
    return f"{request.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


async def list_berichten(request: web.Request) -> web.Response:
    """The oldest messages ready for the caller (at most ``limit``), unacknowledged only."""
    state, caller = request.app[STATE], request[CALLER]
    ready = await state.store.mailbox(caller.organisation, limit=_limit(request))
    return _listing(ready, base=request_base_url(request))


async def zoek_berichten(request: web.Request) -> web.Response:
    """``POST .../berichten/zoeken``: the ready messages matching one Zoekpad."""
    state, caller = request.app[STATE], request[CALLER]
    limit = _limit(request)
    try:
        zoekpad = berichten.parse_zoekpad_json(await request.read())
    except berichten.ZoekpadError as exc:
        raise ValidationError("Zoekpad is ongeldig", errors=exc.errors) from None
    found = await state.store.search_mailbox(caller.organisation, zoekpad, limit=limit)
    return _listing(found, base=request_base_url(request))


async def _own_message(request: web.Request) -> tuple[GatewayState, StoredMessage]:
    state, caller = request.app[STATE], request[CALLER]
    traceer_id = _uuid(request.match_info["traceerId"], "traceerId")
    request[TRACEER_ID] = traceer_id
    message = await state.store.get(traceer_id)
    if (
        message is None
        or message.addressee != caller.organisation
        or message.delivery is not DeliveryMode.PULL
    ):
        raise NotFoundError(f"bericht {traceer_id} niet gevonden")
    return state, message


async def get_payload(request: web.Request) -> web.StreamResponse:
    """The payload, while it is kept: 24 h after the first download only the metadata remains."""
    traceer_id = _uuid(request.match_info["traceerId"], "traceerId")
    request[TRACEER_ID] = traceer_id
    path = await fetch_payload(request.app[STATE], request[CALLER], traceer_id)
    return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"})


async def acknowledge(request: web.Request) -> web.Response:
    """``DELETE``: the caller confirms receipt; the message is Bezorgd and leaves the list."""
    state, message = await _own_message(request)
    if message.acknowledged or message.status is not Status.WORDT_AANGEBODEN:
        raise NotFoundError(f"bericht {message.traceer_id} staat niet (meer) klaar")
    try:
        await state.store.acknowledge(message.traceer_id, at=state.now())
    except StatusTransitionError:  # a concurrent DELETE won the race: already Bezorgd
        raise NotFoundError(f"bericht {message.traceer_id} staat niet (meer) klaar") from None
    return web.Response(status=202)


def _status_item(message: StoredMessage) -> berichten.BerichtstatusGegevens:
    meta = message.metadata
    return berichten.BerichtstatusGegevens(
        referentiegegevens=meta.referentiegegevens,
        berichtstroom=meta.routeringgegevens.berichtstroom,
        berichtstatus=message.status,
        berichtstatus_gewijzigd_op=dt.datetime.fromisoformat(message.status_at),
        bericht_ontvangen_op=dt.datetime.fromisoformat(message.received_at),
        meldingen=message.meldingen,
    )


async def _status_messages(request: web.Request, state: GatewayState) -> list[StoredMessage]:
    traceer, conversatie = request.query.get("traceerId"), request.query.get("conversatieId")
    if (traceer is None) == (conversatie is None):
        message = "geef precies één van traceerId en conversatieId"
        raise ValidationError(message, errors={"traceerId": [message], "conversatieId": [message]})
    if traceer is not None:
        request[TRACEER_ID] = _uuid(traceer, "traceerId")
        return await state.store.linked(request[TRACEER_ID])
    return await state.store.conversation(_uuid(conversatie or "", "conversatieId"))


async def list_statussen(request: web.Request) -> web.Response:
    """Status of a message and the messages linked to it, for the parties of each only.

    The v3 document answers a query with 200 (an array) or 400, nothing else: a traceerId
    nobody knows and another organisation's message both get ``[]``, so neither leaks.
    """
    state, caller = request.app[STATE], request[CALLER]
    messages = [m for m in await _status_messages(request, state) if is_party(caller, m)]
    # json.dumps of the list of items, spliced from each item's own dumps (same separators)
    body = ", ".join(_status_text(m) for m in messages[:MAX_LIMIT])
    return web.Response(text=f"[{body}]", content_type="application/json")


def _status_text(message: StoredMessage) -> str:
    """One item's JSON text, kept per message."""
    return _STATUS_TEXTS.text(message, "", lambda: json.dumps(_status_item(message).to_json()))
