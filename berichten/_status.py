"""Berichtstatus v3, its meldingen, and RFC 7807 problem details.

The status document (VSP-Koppeling Berichtstatus REST Pull v3) answers
``GET /berichtstatussen`` with an array of BerichtstatusGegevens. Every VECOZO document answers
a bad request with a ValidationProblemDetails body (ASP.NET Core's shape of RFC 7807).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from berichten._check import ROOT, Checker, child, load_json
from berichten._errors import SchemaError, StatusError
from berichten._metadata import (
    Berichtstroom,
    Referentiegegevens,
    read_berichtstroom,
    read_referentiegegevens,
    render_timestamp,
)

__all__ = [
    "Berichtstatus",
    "BerichtstatusGegevens",
    "Melding",
    "ProblemDetails",
    "ValidationProblemDetails",
    "parse_berichtstatussen",
    "parse_problem_details",
]

MAX_STATUSES = 250  # the 200 answer: "type": "array", "maxItems": 250
MAX_MELDINGEN = 100  # BerichtstatusGegevens.meldingen "minItems": 1, "maxItems": 100


class Berichtstatus(StrEnum):
    """The v3 ``Berichtstatus`` enum, in the document's order."""

    ONTVANGEN = "Ontvangen"
    DEELS_ONTVANGEN = "DeelsOntvangen"
    DEELBERICHT_AANLEVERING_AFGEKEURD = "DeelberichtAanleveringAfgekeurd"
    WORDT_VERWERKT = "WordtVerwerkt"
    AFGEKEURD_DOOR_DIENST = "AfgekeurdDoorDienst"
    VERWERKING_VOLTOOID = "VerwerkingVoltooid"
    WORDT_AANGEBODEN = "WordtAangeboden"
    BEZORGD = "Bezorgd"
    AANBIEDEN_MISLUKT = "AanbiedenMislukt"
    BEZORGING_AFGEBROKEN = "BezorgingAfgebroken"


@dataclass(frozen=True, slots=True, kw_only=True)
class Melding:
    """A (rejection) message: ``code`` and ``omschrijving`` required, ``toelichting`` optional."""

    code: str
    omschrijving: str
    toelichting: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"code": self.code, "omschrijving": self.omschrijving}
        if self.toelichting is not None:
            out["toelichting"] = self.toelichting
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class BerichtstatusGegevens:
    """The status of one message, as listed by the berichtstatus service."""

    referentiegegevens: Referentiegegevens
    berichtstroom: Berichtstroom
    berichtstatus: Berichtstatus
    berichtstatus_gewijzigd_op: datetime
    bericht_ontvangen_op: datetime
    meldingen: tuple[Melding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "referentiegegevens": self.referentiegegevens.to_json(),
            "berichtstroom": self.berichtstroom.to_json(),
            "berichtstatus": self.berichtstatus.value,
            "berichtstatusGewijzigdOp": render_timestamp(self.berichtstatus_gewijzigd_op),
            "berichtOntvangenOp": render_timestamp(self.bericht_ontvangen_op),
        }
        if self.meldingen:  # "minItems": 1, so no meldingen means the member is absent
            out["meldingen"] = [m.to_json() for m in self.meldingen[:MAX_MELDINGEN]]
        return out


def parse_berichtstatussen(data: bytes | str | list[object]) -> tuple[BerichtstatusGegevens, ...]:
    """Read a berichtstatussen answer (raw body or decoded array); StatusError on any problem."""
    value, problem = load_json(data) if isinstance(data, bytes | str) else (data, None)
    if problem is not None:
        raise StatusError({ROOT: [problem]})
    if not isinstance(value, list) or len(value) > MAX_STATUSES:
        raise StatusError({ROOT: [f"Expected a JSON array of at most {MAX_STATUSES} items."]})
    chk = Checker()
    items = chk.items(value, "", lambda v, p: _read_gegevens(chk, v, p))
    if chk.errors:
        raise StatusError(chk.errors)
    return tuple(items)


_GEGEVENS_REQUIRED = (
    "referentiegegevens",
    "berichtstroom",
    "berichtstatus",
    "berichtstatusGewijzigdOp",
    "berichtOntvangenOp",
)


def _read_gegevens(chk: Checker, value: object, path: str) -> BerichtstatusGegevens | None:
    obj = chk.obj(
        value, path, required=_GEGEVENS_REQUIRED, allowed=(*_GEGEVENS_REQUIRED, "meldingen")
    )
    if obj is None:
        return None
    ref = stroom = None
    if "referentiegegevens" in obj:
        where = child(path, "referentiegegevens")
        ref = read_referentiegegevens(chk, obj["referentiegegevens"], where)
    if "berichtstroom" in obj:
        stroom = read_berichtstroom(chk, obj["berichtstroom"], child(path, "berichtstroom"))
    status = _read_status(chk, obj, path)
    gewijzigd = chk.date_time(obj, path, "berichtstatusGewijzigdOp")
    ontvangen = chk.date_time(obj, path, "berichtOntvangenOp")
    raw = chk.array(obj, path, "meldingen", min_items=1, max_items=MAX_MELDINGEN)
    meldingen = chk.items(raw, child(path, "meldingen"), lambda v, p: _read_melding(chk, v, p))
    if ref is None or stroom is None or status is None or gewijzigd is None or ontvangen is None:
        return None
    return BerichtstatusGegevens(
        referentiegegevens=ref,
        berichtstroom=stroom,
        berichtstatus=status,
        berichtstatus_gewijzigd_op=gewijzigd,
        bericht_ontvangen_op=ontvangen,
        meldingen=tuple(meldingen),
    )


def _read_status(chk: Checker, obj: Mapping[str, object], path: str) -> Berichtstatus | None:
    value = chk.string(obj, path, "berichtstatus")
    if value is None:
        return None
    try:
        return Berichtstatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Berichtstatus)
        chk.add(child(path, "berichtstatus"), f"Unknown berichtstatus {value!r}; one of {allowed}.")
        return None


def _read_melding(chk: Checker, value: object, path: str) -> Melding | None:
    """Melding: code and omschrijving required; every string "minLength": 1."""
    keys = ("code", "omschrijving", "toelichting")
    obj = chk.obj(value, path, required=keys[:2], allowed=keys)
    if obj is None:
        return None
    code = chk.string(obj, path, "code")
    omschrijving = chk.string(obj, path, "omschrijving")
    toelichting = chk.string(obj, path, "toelichting")
    if code is None or omschrijving is None:
        return None
    return Melding(code=code, omschrijving=omschrijving, toelichting=toelichting)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemDetails:
    """An RFC 7807 problem body (``application/problem+json``)."""

    status: int
    title: str
    type: str = "about:blank"
    detail: str | None = None
    instance: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            out["detail"] = self.detail
        if self.instance is not None:
            out["instance"] = self.instance
        return out


# ASP.NET Core's defaults for a model-validation failure, which the VECOZO services return.
_VALIDATION_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
_VALIDATION_TITLE = "One or more validation errors occurred."


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationProblemDetails:
    """ProblemDetails plus ``errors``: field path -> messages (every schema violation)."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 400
    title: str = _VALIDATION_TITLE
    type: str = _VALIDATION_TYPE
    detail: str | None = None
    instance: str | None = None

    @classmethod
    def from_error(
        cls, error: SchemaError, *, status: int = 400, instance: str | None = None
    ) -> ValidationProblemDetails:
        """The body answering a request whose JSON raised ``error``."""
        return cls(errors=error.errors, status=status, instance=instance)

    def to_json(self) -> dict[str, Any]:
        base = ProblemDetails(
            status=self.status,
            title=self.title,
            type=self.type,
            detail=self.detail,
            instance=self.instance,
        )
        return {**base.to_json(), "errors": {k: list(v) for k, v in self.errors.items()}}


def parse_problem_details(obj: object) -> ValidationProblemDetails:
    """Read a (Validation)ProblemDetails body leniently: the schema allows any extra member.

    A client uses this to show what the exchange refused; missing members get neutral defaults.
    """
    if not isinstance(obj, dict):
        return ValidationProblemDetails(status=0, title="Not a problem-details body", errors={})
    raw = obj.get("errors")
    errors = {
        str(k): [str(m) for m in v]
        for k, v in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(v, list)
    }
    status = obj.get("status")
    return ValidationProblemDetails(
        errors=errors,
        status=status if isinstance(status, int) and not isinstance(status, bool) else 0,
        title=str(obj.get("title", "")),
        type=str(obj.get("type", "about:blank")),
        detail=obj["detail"] if isinstance(obj.get("detail"), str) else None,
        instance=obj["instance"] if isinstance(obj.get("instance"), str) else None,
    )
