"""Who may send what to whom: the checks between metadata, EI header and the world. Pure.

The metadata (already valid against the published schema) says who sends for whom; the EI
header inside the payload says the same thing in Vektis terms. The exchange refuses (422) when
the two disagree, when the caller may not act for the afzender, or when the addressee is not
what the header says. Everything here takes values and returns values, so each rule has a unit
test without a server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from berichten import (
    ACTIE_INDIENEN,
    ACTIE_RETOURNEREN,
    ROL_INDIENER,
    ROL_INSTELLING,
    ROL_PRAKTIJK,
    ROL_ZORGVERLENER,
    ROL_ZORGVERZEKERAAR,
    BerichtMetadata,
    Relatie,
)
from gateway._errors import RefusedError
from gateway._identity import Caller
from world import OrganisationKind, World

__all__ = [
    "DeclarationRef",
    "Envelope",
    "HeaderCodes",
    "MessageKind",
    "Party",
    "Route",
    "decide_route",
    "envelope_from_metadata",
]

# Which EI header field carries the afzender's code for each rol (voorlooprecord 0110/0111/0112).
SENDER_FIELDS: Mapping[str, str] = {
    ROL_ZORGVERLENER: "zorgverlenerscode",
    ROL_PRAKTIJK: "praktijkcode",
    ROL_INSTELLING: "instellingscode",
}


class MessageKind(StrEnum):
    DECLARATION = "declaration"
    RETURN = "return"


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    rol: str
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """The routing facts of a validated ``berichtMetadata``, in plain values."""

    traceer_id: str
    conversatie_id: str
    als_antwoord_op: str | None
    afzender: Party
    geadresseerden: tuple[Party, ...]
    berichttype: str
    berichtversie: int
    berichtsubversie: int
    actie: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderCodes:
    """The voorlooprecord codes that routing depends on; None when a code is not filled."""

    standard: str
    version: int
    subversion: int
    uzovi: str | None
    zorgverlenerscode: str | None = None
    praktijkcode: str | None = None
    instellingscode: str | None = None

    def sender_code(self, rol: str) -> str | None:
        field_name = SENDER_FIELDS.get(rol)
        return None if field_name is None else getattr(self, field_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationRef:
    """A stored declaration that a return file answers."""

    traceer_id: str
    conversatie_id: str
    indiener: str
    addressee: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    kind: MessageKind
    indiener: str  # organisation code of the submitting account
    addressee: str  # organisation code the message is delivered to


def _relatie(relatie: Relatie) -> Party:
    return Party(rol=relatie.rol, code=relatie.code or "")


def envelope_from_metadata(meta: BerichtMetadata) -> Envelope:
    """The routing facts of a validated ``berichtMetadata``."""
    routing, reference = meta.routeringgegevens, meta.referentiegegevens
    stream = routing.berichtstroom
    return Envelope(
        traceer_id=reference.traceer_id.lower(),
        conversatie_id=reference.conversatie_id.lower(),
        als_antwoord_op=reference.als_antwoord_op.lower() if reference.als_antwoord_op else None,
        afzender=_relatie(routing.afzender),
        geadresseerden=tuple(_relatie(g) for g in routing.geadresseerden),
        berichttype=stream.berichttype,
        berichtversie=stream.berichtversie,
        berichtsubversie=stream.berichtsubversie,
        actie=stream.actie,
    )


def _refuse(field_name: str, message: str) -> RefusedError:
    return RefusedError(message, errors={field_name: [message]})


def decide_route(
    caller: Caller,
    envelope: Envelope,
    *,
    world: World,
    today: dt.date,
    header: HeaderCodes | None,
    answered: DeclarationRef | None,
) -> Route:
    """Where this message goes, or a 422 naming the field that makes it impossible."""
    if caller.kind is OrganisationKind.INSURER:
        return _route_return(caller, envelope, world=world, header=header, answered=answered)
    return _route_declaration(caller, envelope, world=world, today=today, header=header)


def _route_declaration(
    caller: Caller, env: Envelope, *, world: World, today: dt.date, header: HeaderCodes | None
) -> Route:
    if env.actie != ACTIE_INDIENEN:
        raise _refuse("routeringgegevens.berichtstroom.actie", f"verwacht actie {ACTIE_INDIENEN}")
    _check_may_send_for(caller, env.afzender, world=world, today=today)
    addressee, judge = _single_insurer(env.geadresseerden, world=world)
    if header is not None:
        _check_header(env, header, addressee=addressee)
    return Route(kind=MessageKind.DECLARATION, indiener=caller.organisation, addressee=judge)


def _check_may_send_for(caller: Caller, afzender: Party, *, world: World, today: dt.date) -> None:
    """An account sends as its own organisation, or for a provider whose toestemming it holds."""
    where = "routeringgegevens.afzender"
    if afzender.rol not in SENDER_FIELDS:
        raise _refuse(f"{where}.rol", f"rol {afzender.rol!r} kan geen declaratie indienen")
    provider = world.provider(afzender.code)
    if provider is None:
        raise _refuse(f"{where}.code", f"zorgaanbieder {afzender.code} is niet bekend")
    if caller.organisation == provider.code or caller.organisation in provider.codes:
        return
    if caller.kind is OrganisationKind.BUREAU and world.has_toestemming(
        bureau=caller.organisation, provider=afzender.code, day=today
    ):
        return
    raise _refuse(
        f"{where}.code",
        f"{caller.organisation} mag niet indienen voor {afzender.code}: "
        "geen geldige toestemmingsverklaring",
    )


def _single_insurer(addressees: Sequence[Party], *, world: World) -> tuple[str, str]:
    """The addressed UZOVI and the insurer that judges it: a brand or label of the UZOVI
    register (9001 VGZ voor de zorg, 3313 Interpolis, ...) goes to its concern's insurer."""
    where = "routeringgegevens.geadresseerden"
    if len(addressees) != 1 or addressees[0].rol != ROL_ZORGVERZEKERAAR:
        raise _refuse(where, "een declaratie heeft precies één geadresseerde Zorgverzekeraar")
    code = addressees[0].code
    judge = world.judge_of(code)
    if judge is None:
        raise _refuse(f"{where}[0].code", f"zorgverzekeraar {code} is niet bekend")
    return code, judge.uzovi


def _check_header(env: Envelope, header: HeaderCodes, *, addressee: str) -> None:
    """Metadata and voorlooprecord must tell the same story (0106 UZOVI, 0110-0112 codes)."""
    if header.sender_code(env.afzender.rol) != env.afzender.code:
        raise _refuse(
            "routeringgegevens.afzender.code",
            f"afzender {env.afzender.code} ({env.afzender.rol}) staat niet in de voorlooprecord",
        )
    if header.uzovi != addressee:
        raise _refuse(
            "routeringgegevens.geadresseerden[0].code",
            f"geadresseerde {addressee} wijkt af van UZOVI {header.uzovi} in de voorlooprecord",
        )
    _check_stream(env, header)


def _check_stream(env: Envelope, header: HeaderCodes) -> None:
    if (env.berichttype, env.berichtversie, env.berichtsubversie) != (
        header.standard,
        header.version,
        header.subversion,
    ):
        raise _refuse(
            "routeringgegevens.berichtstroom",
            f"berichtstroom {env.berichttype} {env.berichtversie}.{env.berichtsubversie} past "
            f"niet bij de payload ({header.standard} {header.version}.{header.subversion})",
        )


def _route_return(
    caller: Caller,
    env: Envelope,
    *,
    world: World,
    header: HeaderCodes | None,
    answered: DeclarationRef | None,
) -> Route:
    """A return file answers a declaration addressed to this insurer and goes to its indiener."""
    if env.actie != ACTIE_RETOURNEREN:
        raise _refuse(
            "routeringgegevens.berichtstroom.actie", f"verwacht actie {ACTIE_RETOURNEREN}"
        )
    group = world.group_of(caller.organisation)
    if env.afzender.rol != ROL_ZORGVERZEKERAAR or env.afzender.code not in group:
        raise _refuse(
            "routeringgegevens.afzender",
            f"{caller.organisation} mag niet verzenden als {env.afzender.rol} {env.afzender.code}",
        )
    declaration = _answered_declaration(env, answered, group=group)
    _check_return_addressee(env, declaration)
    if header is not None:
        _check_stream(env, header)
    return Route(
        kind=MessageKind.RETURN, indiener=caller.organisation, addressee=declaration.indiener
    )


def _answered_declaration(
    env: Envelope, answered: DeclarationRef | None, *, group: frozenset[str]
) -> DeclarationRef:
    where = "referentiegegevens.alsAntwoordOp"
    if env.als_antwoord_op is None:
        raise _refuse(where, "een retourbericht verwijst met alsAntwoordOp naar de declaratie")
    if answered is None or answered.addressee not in group:
        raise _refuse(where, f"geen declaratie {env.als_antwoord_op} aan deze zorgverzekeraar")
    if answered.conversatie_id != env.conversatie_id:
        raise _refuse(
            "referentiegegevens.conversatieId", "conversatieId wijkt af van die van de declaratie"
        )
    return answered


def _check_return_addressee(env: Envelope, declaration: DeclarationRef) -> None:
    expected = Party(rol=ROL_INDIENER, code=declaration.indiener)
    # The push schema allows an empty list; an unaddressed message is refused all the same.
    if env.geadresseerden != (expected,):
        raise _refuse(
            "routeringgegevens.geadresseerden",
            f"een retourbericht gaat naar de indiener {declaration.indiener}",
        )
