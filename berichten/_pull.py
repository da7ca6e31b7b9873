"""The pull listing item: BerichtMetadata with ``basisgegevens`` (REST Pull v1).

``GET /berichten`` and ``POST /berichten/zoeken`` answer with an array of these. Compared with
the push envelope the pull schema adds ``basisgegevens`` (required) and requires at least one
geadresseerde. The gateway renders them, the client reads them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from berichten._check import ROOT, Checker, child, load_json
from berichten._errors import MetadataError
from berichten._metadata import (
    BerichtMetadata,
    Referentiegegevens,
    Routeringgegevens,
    SleutelWaardePaar,
    metadata_to_json,
    read_referentiegegevens,
    read_routeringgegevens,
    read_verwerkingscontext,
    render_timestamp,
)

__all__ = [
    "Basisgegevens",
    "Checksum",
    "HTTPSDownload",
    "PullBerichtMetadata",
    "parse_pull_metadata",
    "parse_pull_metadata_list",
    "pull_metadata_to_json",
    "render_pull_listing",
]

SHA256 = "SHA256"  # the algoritme named by the schema's example


@dataclass(frozen=True, slots=True, kw_only=True)
class Checksum:
    """Checksum of the payload: ``algoritme`` (1..10 chars) and ``waarde`` (1..250 chars)."""

    algoritme: str
    waarde: str

    def to_json(self) -> dict[str, Any]:
        return {"algoritme": self.algoritme, "waarde": self.waarde}


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPSDownload:
    """Where and how big the payload is: ``url``, ``grootte`` (bytes, >= 1), ``checksum``."""

    url: str
    grootte: int
    checksum: Checksum

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "grootte": self.grootte, "checksum": self.checksum.to_json()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Basisgegevens:
    """When the exchange received the message and where to download it."""

    ontvangen_op: datetime
    payload: HTTPSDownload

    def to_json(self) -> dict[str, Any]:
        return {
            "ontvangenOp": render_timestamp(self.ontvangen_op),
            "payload": self.payload.to_json(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PullBerichtMetadata:
    """One item of a pull listing."""

    basisgegevens: Basisgegevens
    routeringgegevens: Routeringgegevens
    referentiegegevens: Referentiegegevens
    verwerkingscontext: tuple[SleutelWaardePaar, ...] = ()

    @classmethod
    def from_push(cls, meta: BerichtMetadata, basisgegevens: Basisgegevens) -> PullBerichtMetadata:
        """The listing item of a message that was pushed with ``meta``."""
        return cls(
            basisgegevens=basisgegevens,
            routeringgegevens=meta.routeringgegevens,
            referentiegegevens=meta.referentiegegevens,
            verwerkingscontext=meta.verwerkingscontext,
        )

    def to_push(self) -> BerichtMetadata:
        """The envelope without basisgegevens (e.g. for a client that forwards it)."""
        return BerichtMetadata(
            routeringgegevens=self.routeringgegevens,
            referentiegegevens=self.referentiegegevens,
            verwerkingscontext=self.verwerkingscontext,
        )


def pull_metadata_to_json(meta: PullBerichtMetadata) -> dict[str, Any]:
    """The JSON object of one pull listing item: ``basisgegevens``, then the push envelope."""
    return {"basisgegevens": meta.basisgegevens.to_json(), **metadata_to_json(meta.to_push())}


def render_pull_listing(items: Iterable[tuple[BerichtMetadata, Basisgegevens]]) -> str:
    """The JSON text of a pull listing, each item a pushed envelope with its basisgegevens.

    The same text as ``json.dumps([pull_metadata_to_json(...), ...])``, made faster by
    splicing each envelope's ``to_json_text`` (rendered once per value) after its
    basisgegevens: an insurer polls the same mailbox all day.
    """
    parts = (
        f'{{"basisgegevens": {json.dumps(basis.to_json())}, {meta.to_json_text()[1:]}'
        for meta, basis in items
    )
    return f"[{', '.join(parts)}]"


def parse_pull_metadata(obj: object) -> PullBerichtMetadata:
    """Read one decoded pull listing item; MetadataError lists every problem."""
    chk = Checker()
    item = _read_item(chk, obj, ROOT)
    if chk.errors or item is None:
        raise MetadataError(chk.errors or {ROOT: ["Invalid BerichtMetadata."]})
    return item


def parse_pull_metadata_list(data: bytes | str | list[object]) -> tuple[PullBerichtMetadata, ...]:
    """Read a whole listing (raw body or decoded array); paths start at ``[i]``."""
    value, problem = load_json(data) if isinstance(data, bytes | str) else (data, None)
    if problem is not None:
        raise MetadataError({ROOT: [problem]})
    if not isinstance(value, list):
        raise MetadataError({ROOT: ["Expected a JSON array of BerichtMetadata."]})
    chk = Checker()
    items = chk.items(value, "", lambda v, p: _read_item(chk, v, p))
    if chk.errors:
        raise MetadataError(chk.errors)
    return tuple(items)


def _read_item(chk: Checker, value: object, path: str) -> PullBerichtMetadata | None:
    keys = ("basisgegevens", "routeringgegevens", "referentiegegevens", "verwerkingscontext")
    obj = chk.obj(value, path, required=keys[:3], allowed=keys)
    if obj is None:
        return None
    basis = (
        _read_basis(chk, obj["basisgegevens"], child(path, "basisgegevens"))
        if ("basisgegevens" in obj)
        else None
    )
    routering = None
    if "routeringgegevens" in obj:
        where = child(path, "routeringgegevens")
        # Pull Routeringgegevens.geadresseerden: "minItems": 1, "maxItems": 100.
        routering = read_routeringgegevens(chk, obj["routeringgegevens"], where, 1)
    referentie = None
    if "referentiegegevens" in obj:
        where = child(path, "referentiegegevens")
        referentie = read_referentiegegevens(chk, obj["referentiegegevens"], where)
    context = read_verwerkingscontext(chk, obj, path)
    if basis is None or routering is None or referentie is None:
        return None
    return PullBerichtMetadata(
        basisgegevens=basis,
        routeringgegevens=routering,
        referentiegegevens=referentie,
        verwerkingscontext=context,
    )


def _read_basis(chk: Checker, value: object, path: str) -> Basisgegevens | None:
    """Basisgegevens: ontvangenOp (date-time) and payload (HTTPSDownload), both required."""
    obj = chk.obj(
        value, path, required=("ontvangenOp", "payload"), allowed=("ontvangenOp", "payload")
    )
    if obj is None:
        return None
    ontvangen = chk.date_time(obj, path, "ontvangenOp")
    payload = (
        _read_download(chk, obj["payload"], child(path, "payload")) if "payload" in obj else None
    )
    if ontvangen is None or payload is None:
        return None
    return Basisgegevens(ontvangen_op=ontvangen, payload=payload)


def _read_download(chk: Checker, value: object, path: str) -> HTTPSDownload | None:
    """HTTPSDownload: url (format uri), grootte (int64, minimum 1), checksum; all required."""
    keys = ("url", "grootte", "checksum")
    obj = chk.obj(value, path, required=keys, allowed=keys)
    if obj is None:
        return None
    url = chk.string(obj, path, "url")
    if url is not None and not url.lower().startswith(("https://", "http://")):
        chk.add(child(path, "url"), f"Must be an absolute http(s) URI, got {url!r}.")
        url = None
    grootte = chk.integer(obj, path, "grootte", minimum=1, maximum=2**63 - 1)
    checksum = (
        _read_checksum(chk, obj["checksum"], child(path, "checksum"))
        if ("checksum" in obj)
        else None
    )
    if url is None or grootte is None or checksum is None:
        return None
    return HTTPSDownload(url=url, grootte=grootte, checksum=checksum)


def _read_checksum(chk: Checker, value: object, path: str) -> Checksum | None:
    """Checksum: algoritme 1..10 chars, waarde 1..250 chars; both required."""
    keys = ("algoritme", "waarde")
    obj = chk.obj(value, path, required=keys, allowed=keys)
    if obj is None:
        return None
    algoritme = chk.string(obj, path, "algoritme", max_length=10)
    waarde = chk.string(obj, path, "waarde", max_length=250)
    if algoritme is None or waarde is None:
        return None
    return Checksum(algoritme=algoritme, waarde=waarde)
