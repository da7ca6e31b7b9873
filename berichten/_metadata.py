"""BerichtMetadata of the berichtenservice: the push body part and the pull listing item.

The push document (VSP-Koppeling REST Push v1) defines the envelope a sender posts next to the
payload; the pull document (REST Pull v1) lists the same envelope plus ``basisgegevens`` (when it
was received and where to download the payload). Both are modelled here with one reader per
schema object, so every rule sits next to the schema keyword it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from berichten._check import ROOT, Checker, child, load_json
from berichten._errors import MetadataError

__all__ = [
    "BerichtMetadata",
    "Berichtstroom",
    "Referentiegegevens",
    "Relatie",
    "Routeringgegevens",
    "SleutelWaardePaar",
    "metadata_to_json",
    "parse_metadata",
    "parse_metadata_json",
    "read_berichtstroom",
    "read_referentiegegevens",
    "read_routeringgegevens",
    "read_verwerkingscontext",
    "render_timestamp",
]

MAX_ADDRESSEES = 100  # Routeringgegevens.geadresseerden "maxItems": 100
MAX_CONTEXT = 100  # BerichtMetadata.verwerkingscontext "minItems": 1, "maxItems": 100


@dataclass(frozen=True, slots=True, kw_only=True)
class Relatie:
    """A party in the routing: ``rol`` (e.g. Praktijk, Zorgverzekeraar) and its ``code``."""

    rol: str
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _compact({"rol": self.rol, "code": self.code})


@dataclass(frozen=True, slots=True, kw_only=True)
class Berichtstroom:
    """The kind of exchange a message belongs to (type, version, action)."""

    berichttype: str
    berichtversie: int
    berichtsubversie: int
    actie: str
    berichtsubtype: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "berichttype": self.berichttype,
                "berichtsubtype": self.berichtsubtype,
                "berichtversie": self.berichtversie,
                "berichtsubversie": self.berichtsubversie,
                "actie": self.actie,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Routeringgegevens:
    """Who sends, to whom, in which berichtstroom."""

    afzender: Relatie
    geadresseerden: tuple[Relatie, ...]
    berichtstroom: Berichtstroom

    def to_json(self) -> dict[str, Any]:
        return {
            "afzender": self.afzender.to_json(),
            "geadresseerden": [g.to_json() for g in self.geadresseerden],
            "berichtstroom": self.berichtstroom.to_json(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Referentiegegevens:
    """Identifiers: the conversation, this message, the message answered, the sender's own ref.

    UUIDs are kept in lower-case canonical text form, so they compare equal however the sender
    cased them.
    """

    conversatie_id: str
    traceer_id: str
    als_antwoord_op: str | None = None
    referentie_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _compact(
            {
                "conversatieId": self.conversatie_id,
                "traceerId": self.traceer_id,
                "alsAntwoordOp": self.als_antwoord_op,
                "referentieId": self.referentie_id,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SleutelWaardePaar:
    """One verwerkingscontext entry: a key with 1..100 values."""

    sleutel: str
    waarde: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"sleutel": self.sleutel, "waarde": list(self.waarde)}


@dataclass(frozen=True, slots=True, kw_only=True)
class BerichtMetadata:
    """The ``berichtMetadata`` part of a push (and the core of a pull listing item)."""

    routeringgegevens: Routeringgegevens
    referentiegegevens: Referentiegegevens
    verwerkingscontext: tuple[SleutelWaardePaar, ...] = ()
    # to_json_text's result: the exchange lists the same envelope on every poll of a mailbox.
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    def to_json_text(self) -> str:
        """``json.dumps(metadata_to_json(self))``, rendered once per value."""
        text = self._text
        if text is None:
            text = json.dumps(metadata_to_json(self))
            object.__setattr__(self, "_text", text)
        return text

    def context_values(self, sleutel: str) -> tuple[str, ...] | None:
        """The values of verwerkingscontext entry ``sleutel``, or None when absent."""
        for pair in self.verwerkingscontext:
            if pair.sleutel == sleutel:
                return pair.waarde
        return None

    def with_context(self, sleutel: str, waarde: tuple[str, ...]) -> BerichtMetadata:
        """A copy whose entry ``sleutel`` is replaced (or appended) with ``waarde``.

        The gateway uses this to stamp the ``indiener`` on every delivered message; an entry of
        the same name sent by the client is overwritten, never trusted.
        """
        kept = tuple(p for p in self.verwerkingscontext if p.sleutel != sleutel)
        pair = SleutelWaardePaar(sleutel=sleutel, waarde=waarde)
        return replace(self, verwerkingscontext=(*kept, pair))


def metadata_to_json(meta: BerichtMetadata) -> dict[str, Any]:
    """The JSON object of a push ``berichtMetadata`` part (absent optionals are left out)."""
    out: dict[str, Any] = {
        "routeringgegevens": meta.routeringgegevens.to_json(),
        "referentiegegevens": meta.referentiegegevens.to_json(),
    }
    if meta.verwerkingscontext:
        out["verwerkingscontext"] = [p.to_json() for p in meta.verwerkingscontext]
    return out


def parse_metadata(obj: object) -> BerichtMetadata:
    """Read a decoded push ``berichtMetadata`` object; raise MetadataError with every problem."""
    chk = Checker()
    meta = read_push_metadata(chk, obj, ROOT)
    if chk.errors or meta is None:
        raise MetadataError(chk.errors or {ROOT: ["Invalid berichtMetadata."]})
    return meta


def parse_metadata_json(data: bytes | str) -> BerichtMetadata:
    """Read the raw ``berichtMetadata`` part; malformed JSON is a MetadataError on ``$``."""
    value, problem = load_json(data)
    if problem is not None:
        raise MetadataError({ROOT: [problem]})
    return parse_metadata(value)


def read_push_metadata(chk: Checker, value: object, path: str) -> BerichtMetadata | None:
    """BerichtMetadata (push): required routeringgegevens, referentiegegevens."""
    obj = chk.obj(
        value,
        path,
        required=("routeringgegevens", "referentiegegevens"),
        allowed=("routeringgegevens", "referentiegegevens", "verwerkingscontext"),
    )
    if obj is None:
        return None
    return _assemble(chk, obj, path, min_addressees=0)


def _assemble(
    chk: Checker, obj: Mapping[str, object], path: str, *, min_addressees: int
) -> BerichtMetadata | None:
    routering = None
    if "routeringgegevens" in obj:
        routering = read_routeringgegevens(
            chk, obj["routeringgegevens"], child(path, "routeringgegevens"), min_addressees
        )
    referentie = None
    if "referentiegegevens" in obj:
        where = child(path, "referentiegegevens")
        referentie = read_referentiegegevens(chk, obj["referentiegegevens"], where)
    context = read_verwerkingscontext(chk, obj, path)
    if routering is None or referentie is None:
        return None
    return BerichtMetadata(
        routeringgegevens=routering, referentiegegevens=referentie, verwerkingscontext=context
    )


def read_relatie(chk: Checker, value: object, path: str) -> Relatie | None:
    """Relatie: ``rol`` required, both 1..100 characters."""
    obj = chk.obj(value, path, required=("rol",), allowed=("rol", "code"))
    if obj is None:
        return None
    rol = chk.string(obj, path, "rol", max_length=100)
    code = chk.string(obj, path, "code", max_length=100)
    return None if rol is None else Relatie(rol=rol, code=code)


def read_berichtstroom(chk: Checker, value: object, path: str) -> Berichtstroom | None:
    """Berichtstroom: strings 1..60, versions integer 0..999, all but berichtsubtype required."""
    keys = ("berichttype", "berichtsubtype", "berichtversie", "berichtsubversie", "actie")
    obj = chk.obj(
        value, path, required=tuple(k for k in keys if k != "berichtsubtype"), allowed=keys
    )
    if obj is None:
        return None
    berichttype = chk.string(obj, path, "berichttype", max_length=60)
    subtype = chk.string(obj, path, "berichtsubtype", max_length=60)
    versie = chk.integer(obj, path, "berichtversie", minimum=0, maximum=999)
    subversie = chk.integer(obj, path, "berichtsubversie", minimum=0, maximum=999)
    actie = chk.string(obj, path, "actie", max_length=60)
    if berichttype is None or versie is None or subversie is None or actie is None:
        return None
    return Berichtstroom(
        berichttype=berichttype,
        berichtsubtype=subtype,
        berichtversie=versie,
        berichtsubversie=subversie,
        actie=actie,
    )


def read_routeringgegevens(
    chk: Checker, value: object, path: str, min_addressees: int = 0
) -> Routeringgegevens | None:
    """Routeringgegevens: afzender, geadresseerden (at most 100), berichtstroom, all required.

    The push document sets only ``"maxItems": 100`` on geadresseerden; the pull document adds
    ``"minItems": 1``. ``min_addressees`` carries that difference.
    """
    required = ("afzender", "geadresseerden", "berichtstroom")
    obj = chk.obj(value, path, required=required, allowed=required)
    if obj is None:
        return None
    afzender = (
        read_relatie(chk, obj["afzender"], child(path, "afzender")) if "afzender" in obj else None
    )
    where = child(path, "geadresseerden")
    raw = chk.array(obj, path, "geadresseerden", min_items=min_addressees, max_items=MAX_ADDRESSEES)
    geadresseerden = chk.items(raw, where, lambda v, p: read_relatie(chk, v, p))
    stroom = None
    if "berichtstroom" in obj:
        stroom = read_berichtstroom(chk, obj["berichtstroom"], child(path, "berichtstroom"))
    if afzender is None or raw is None or stroom is None or len(geadresseerden) != len(raw):
        return None
    return Routeringgegevens(
        afzender=afzender, geadresseerden=tuple(geadresseerden), berichtstroom=stroom
    )


def read_referentiegegevens(chk: Checker, value: object, path: str) -> Referentiegegevens | None:
    """Referentiegegevens: conversatieId and traceerId required; ids ``format: uuid``."""
    keys = ("conversatieId", "traceerId", "alsAntwoordOp", "referentieId")
    obj = chk.obj(value, path, required=keys[:2], allowed=keys)
    if obj is None:
        return None
    conversatie = chk.uuid(obj, path, "conversatieId")
    traceer = chk.uuid(obj, path, "traceerId")
    antwoord = chk.uuid(obj, path, "alsAntwoordOp")
    referentie = chk.string(obj, path, "referentieId", max_length=150)
    if conversatie is None or traceer is None:
        return None
    return Referentiegegevens(
        conversatie_id=conversatie,
        traceer_id=traceer,
        als_antwoord_op=antwoord,
        referentie_id=referentie,
    )


def read_verwerkingscontext(
    chk: Checker, obj: Mapping[str, object], path: str
) -> tuple[SleutelWaardePaar, ...]:
    """verwerkingscontext: 1..100 SleutelWaardePaar (optional member)."""
    raw = chk.array(obj, path, "verwerkingscontext", min_items=1, max_items=MAX_CONTEXT)
    where = child(path, "verwerkingscontext")
    return tuple(chk.items(raw, where, lambda v, p: _read_pair(chk, v, p)))


def _read_pair(chk: Checker, value: object, path: str) -> SleutelWaardePaar | None:
    """SleutelWaardePaar: sleutel 1..100 chars; waarde 1..100 strings of 1..250 chars."""
    obj = chk.obj(value, path, required=("sleutel", "waarde"), allowed=("sleutel", "waarde"))
    if obj is None:
        return None
    sleutel = chk.string(obj, path, "sleutel", max_length=100)
    raw = chk.array(obj, path, "waarde", min_items=1, max_items=100)
    where = child(path, "waarde")
    waarde = chk.items(raw, where, lambda v, p: chk.text(v, p, max_length=250))
    if sleutel is None or raw is None or len(waarde) != len(raw):
        return None
    return SleutelWaardePaar(sleutel=sleutel, waarde=tuple(waarde))


def render_timestamp(moment: datetime) -> str:
    """An OpenAPI ``date-time`` as the exchange writes it: milliseconds at least (its own
    clock has no more), microseconds only when the value has them, so nothing is lost."""
    return moment.isoformat(timespec="milliseconds" if moment.microsecond % 1000 == 0 else "auto")


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out absent optional members rather than sending null (the schemas allow no null)."""
    return {key: value for key, value in values.items() if value is not None}
