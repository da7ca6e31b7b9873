"""Conventions for carrying Vektis EI files over the berichtenservice.

VECOZO publishes the envelope but not the values it uses for Zvw EI declarations (those live in
its non-public "berichtuitwisselingsdocumentatie"). The simulator fixes them here, in one place,
so the gateway, the insurer stubs and the client agree; docs/COMPATIBILITY.md lists them. A
vendor whose real values differ changes these constants, nothing else.
"""

from __future__ import annotations

from berichten._metadata import Berichtstroom

__all__ = [
    "ACTIE_INDIENEN",
    "ACTIE_RETOURNEREN",
    "CONTEXT_INDIENER",
    "DECLARANT_ROLES",
    "ROL_INDIENER",
    "ROL_INSTELLING",
    "ROL_PRAKTIJK",
    "ROL_ZORGVERLENER",
    "ROL_ZORGVERZEKERAAR",
    "declaration_berichtstroom",
    "return_berichtstroom",
    "standard_of",
]

ROL_PRAKTIJK = "Praktijk"
ROL_ZORGVERLENER = "Zorgverlener"
ROL_INSTELLING = "Instelling"
ROL_ZORGVERZEKERAAR = "Zorgverzekeraar"
ROL_INDIENER = "Indiener"

# The afzender of a declaration is the provider on whose behalf it is sent.
DECLARANT_ROLES = frozenset({ROL_PRAKTIJK, ROL_ZORGVERLENER, ROL_INSTELLING})

ACTIE_INDIENEN = "Indienen"
ACTIE_RETOURNEREN = "Retourneren"

# verwerkingscontext key stamped by the exchange on every delivered message: the organisation
# code of the account that submitted it, so an insurer can address its return file.
CONTEXT_INDIENER = "indiener"


def declaration_berichtstroom(standard: str, version: int, subversion: int) -> Berichtstroom:
    """The berichtstroom of an EI declaration, e.g. MZ301 v1.3 -> MZ301 / 1 / 3 / Indienen."""
    return Berichtstroom(
        berichttype=standard.upper(),
        berichtversie=version,
        berichtsubversie=subversion,
        actie=ACTIE_INDIENEN,
    )


def return_berichtstroom(standard: str, version: int, subversion: int) -> Berichtstroom:
    """The berichtstroom of a return file, e.g. MZ302 v1.3 -> MZ302 / 1 / 3 / Retourneren."""
    return Berichtstroom(
        berichttype=standard.upper(),
        berichtversie=version,
        berichtsubversie=subversion,
        actie=ACTIE_RETOURNEREN,
    )


def standard_of(stroom: Berichtstroom) -> tuple[str, int, int]:
    """The (standard name, version, subversion) a berichtstroom claims for its payload.

    The gateway compares this with the payload's voorlooprecord (EI code, version, subversion).
    """
    return stroom.berichttype.upper(), stroom.berichtversie, stroom.berichtsubversie
