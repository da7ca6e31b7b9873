"""COV (Controle op Verzekeringsgegevens, VZ801/802) for one person, in typed values.

The SOAP envelope is written and read by ``berichten``; this module only chooses the question
(BSN + geboortedatum on a peildatum, with the asking provider's AGB when known) and flattens
the answer into what a practice system shows: found or not, and the policies on that date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import berichten
from provider_client._errors import UnexpectedResponseError

__all__ = ["CovPolicyLine", "CovResult", "cov_envelope", "read_cov_result"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CovPolicyLine:
    uzovi: str
    verzekerdennummer: str
    soort: str  # Basis, Aanvullend, Tand, ...
    resultaat: str  # Actief, Inactief, NietGeautoriseerdVoorZorgverzekeraar
    pakket: str | None = None
    ingangsdatum: dt.date | None = None
    einddatum: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CovResult:
    """One zoekresultaat; ``resultaat`` e.g. Gevonden, NietGevonden, BsnVoldoetNietAanElfProef."""

    bsn: str
    peildatum: dt.date
    resultaat: str
    verzekerde_resultaat: str | None = None  # ActieveVerzekeringen, InactieveVerzekeringen, ...
    name: str | None = None
    birth_date: dt.date | None = None
    deceased: bool = False
    policies: tuple[CovPolicyLine, ...] = ()

    @property
    def insured(self) -> bool:
        return any(p.resultaat == "Actief" for p in self.policies)


def cov_envelope(*, bsn: str, birth_date: dt.date, peildatum: dt.date, agb: str | None) -> bytes:
    zoekopdracht = berichten.Zoekopdracht(
        volgnummer=1, geboortedatum=birth_date, peildatum=peildatum, bsn=bsn
    )
    aanbieder = berichten.Zorgaanbieder.from_agb(agb) if agb and len(agb) == 8 else None
    request = berichten.CovRequest(zoekopdrachten=(zoekopdracht,), zorgaanbieder=aanbieder)
    return berichten.render_cov_request(request)


def read_cov_result(xml: bytes, *, bsn: str = "", peildatum: dt.date | None = None) -> CovResult:
    """The first zoekresultaat; a SOAP fault becomes UnexpectedResponseError with its text."""
    try:
        response = berichten.parse_cov_response(xml)
    except berichten.SoapFaultError as exc:
        raise UnexpectedResponseError(f"COV answered with a SOAP fault: {exc}") from None
    if not response.zoekresultaten:
        raise UnexpectedResponseError(f"COV answered {response.resultaat} without results")
    found = response.zoekresultaten[0]
    person = found.verzekerde
    return CovResult(
        bsn=(person.bsn if person and person.bsn else bsn),
        peildatum=peildatum or dt.date.today(),
        resultaat=str(found.resultaat),
        verzekerde_resultaat=str(person.resultaat) if person else None,
        name=_name(person) if person else None,
        birth_date=person.geboortedatum if person else None,
        deceased=bool(person and person.overleden),
        policies=tuple(_policy(v) for v in person.verzekeringen) if person else (),
    )


def _name(person: berichten.Verzekerde) -> str:
    parts = [person.voorletters, person.voorvoegsel1, person.achternaam1]
    return " ".join(p for p in parts if p)


def _policy(v: berichten.Verzekering) -> CovPolicyLine:
    return CovPolicyLine(
        uzovi=f"{v.uzovi:04d}",
        verzekerdennummer=v.verzekerdennummer,
        soort=str(v.soort_verzekering),
        resultaat=str(v.resultaat),
        pakket=v.pakketnaam or v.pakketcode,
        ingangsdatum=v.ingangsdatum,
        einddatum=v.einddatum,
    )
