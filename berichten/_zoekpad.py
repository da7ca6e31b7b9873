"""The Zoekpad body of ``POST /berichten/zoeken`` (REST Pull v1).

The schema is polymorphic: the base ``Zoekpad`` has one required member ``zoekpadType`` and a
``discriminator`` on it whose mapping names the three concrete schemas. So the body must carry
``"zoekpadType": "ZoekpadOpConversatieId"`` (etc.) next to that variant's own members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from berichten._check import ROOT, Checker, child, load_json
from berichten._errors import ZoekpadError

__all__ = [
    "ZOEKPAD_TYPES",
    "Zoekpad",
    "ZoekpadOpAlsAntwoordOp",
    "ZoekpadOpBerichtstroom",
    "ZoekpadOpConversatieId",
    "parse_zoekpad",
    "parse_zoekpad_json",
    "zoekpad_to_json",
]

DISCRIMINATOR = "zoekpadType"


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoekpadOpBerichtstroom:
    """Messages of one berichtstroom (berichttype required), optionally for one geadresseerde."""

    berichttype: str
    berichtsubtype: str | None = None
    berichtversie: int | None = None
    berichtsubversie: int | None = None
    actie: str | None = None
    geadresseerde_rol: str | None = None
    geadresseerde_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoekpadOpConversatieId:
    """Messages of one conversation."""

    conversatie_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoekpadOpAlsAntwoordOp:
    """Messages answering one message: pass a declaration's traceerId to find its return file."""

    als_antwoord_op: str


Zoekpad = ZoekpadOpBerichtstroom | ZoekpadOpConversatieId | ZoekpadOpAlsAntwoordOp

ZOEKPAD_TYPES: tuple[str, ...] = (
    "ZoekpadOpBerichtstroom",
    "ZoekpadOpConversatieId",
    "ZoekpadOpAlsAntwoordOp",
)

_STROOM_KEYS = (
    "berichttype",
    "berichtsubtype",
    "berichtversie",
    "berichtsubversie",
    "actie",
    "geadresseerdeRol",
    "geadresseerdeCode",
)


def zoekpad_to_json(zoekpad: Zoekpad) -> dict[str, Any]:
    """The JSON body for ``POST /berichten/zoeken``, discriminator first."""
    if isinstance(zoekpad, ZoekpadOpConversatieId):
        return {DISCRIMINATOR: ZOEKPAD_TYPES[1], "conversatieId": zoekpad.conversatie_id}
    if isinstance(zoekpad, ZoekpadOpAlsAntwoordOp):
        return {DISCRIMINATOR: ZOEKPAD_TYPES[2], "alsAntwoordOp": zoekpad.als_antwoord_op}
    values = (
        zoekpad.berichttype,
        zoekpad.berichtsubtype,
        zoekpad.berichtversie,
        zoekpad.berichtsubversie,
        zoekpad.actie,
        zoekpad.geadresseerde_rol,
        zoekpad.geadresseerde_code,
    )
    members = {k: v for k, v in zip(_STROOM_KEYS, values, strict=True) if v is not None}
    return {DISCRIMINATOR: ZOEKPAD_TYPES[0], **members}


def parse_zoekpad_json(data: bytes | str) -> Zoekpad:
    """Read the raw body; malformed JSON is a ZoekpadError on ``$``."""
    value, problem = load_json(data)
    if problem is not None:
        raise ZoekpadError({ROOT: [problem]})
    return parse_zoekpad(value)


def parse_zoekpad(obj: object) -> Zoekpad:
    """Read a decoded Zoekpad; ZoekpadError lists every problem."""
    chk = Checker()
    zoekpad = _read(chk, obj)
    if chk.errors or zoekpad is None:
        raise ZoekpadError(chk.errors or {ROOT: ["Invalid Zoekpad."]})
    return zoekpad


def _read(chk: Checker, value: object) -> Zoekpad | None:
    if not isinstance(value, dict):
        chk.add(ROOT, "Expected a JSON object.")
        return None
    kind = value.get(DISCRIMINATOR)
    if kind == ZOEKPAD_TYPES[0]:
        return _read_stroom(chk, value)
    if kind == ZOEKPAD_TYPES[1]:
        obj = chk.obj(
            value, ROOT, required=("conversatieId",), allowed=(DISCRIMINATOR, "conversatieId")
        )
        uuid = chk.uuid(obj or {}, ROOT, "conversatieId")
        return None if uuid is None else ZoekpadOpConversatieId(conversatie_id=uuid)
    if kind == ZOEKPAD_TYPES[2]:
        obj = chk.obj(
            value, ROOT, required=("alsAntwoordOp",), allowed=(DISCRIMINATOR, "alsAntwoordOp")
        )
        uuid = chk.uuid(obj or {}, ROOT, "alsAntwoordOp")
        return None if uuid is None else ZoekpadOpAlsAntwoordOp(als_antwoord_op=uuid)
    where = child(ROOT, DISCRIMINATOR)
    if kind is None:
        chk.add(where, f"The {DISCRIMINATOR} field is required.")
    else:
        chk.add(where, f"Unknown {DISCRIMINATOR} {kind!r}; one of {', '.join(ZOEKPAD_TYPES)}.")
    return None


def _read_stroom(chk: Checker, value: Mapping[str, object]) -> ZoekpadOpBerichtstroom | None:
    """ZoekpadOpBerichtstroom: berichttype required; same limits as Berichtstroom/Relatie."""
    obj = chk.obj(value, ROOT, required=("berichttype",), allowed=(DISCRIMINATOR, *_STROOM_KEYS))
    if obj is None:
        return None
    berichttype = chk.string(obj, ROOT, "berichttype", max_length=60)
    zoekpad = ZoekpadOpBerichtstroom(
        berichttype=berichttype or "",
        berichtsubtype=chk.string(obj, ROOT, "berichtsubtype", max_length=60),
        berichtversie=chk.integer(obj, ROOT, "berichtversie", minimum=0, maximum=999),
        berichtsubversie=chk.integer(obj, ROOT, "berichtsubversie", minimum=0, maximum=999),
        actie=chk.string(obj, ROOT, "actie", max_length=60),
        geadresseerde_rol=chk.string(obj, ROOT, "geadresseerdeRol", max_length=100),
        geadresseerde_code=chk.string(obj, ROOT, "geadresseerdeCode", max_length=100),
    )
    return None if berichttype is None else zoekpad
