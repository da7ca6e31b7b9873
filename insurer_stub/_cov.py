"""The insurer's entries for the exchange's COV register, from its part of the world population.

Pure. Each insurer publishes the persons with any policy at one of its UZOVI codes, with only
those policies: COV must not tell one insurer's data through another's entry. Basis and
aanvullend coverages map onto the COV soort; the package travels as ``pakket``.
"""

from __future__ import annotations

from collections.abc import Iterable

from berichten import CovPolicy, CovRegisterEntry, Geslacht, SoortVerzekering
from world import Coverage, CoverageKind, Person

__all__ = ["register_entries"]

_SEX = {"1": Geslacht.MAN, "2": Geslacht.VROUW}


def register_entries(persons: Iterable[Person], uzovi: str) -> list[CovRegisterEntry]:
    """One entry per person insured (at any time) at ``uzovi``, with that insurer's policies."""
    entries = []
    for person in persons:
        policies = tuple(_policy(c) for c in person.coverages if c.uzovi == uzovi)
        if policies:
            entries.append(_entry(person, policies))
    return entries


def _entry(person: Person, policies: tuple[CovPolicy, ...]) -> CovRegisterEntry:
    return CovRegisterEntry(
        bsn=person.bsn,
        geboortedatum=person.birth_date,
        naam=person.surname,
        voorletters=person.initials or None,
        voorvoegsel=person.prefix or None,
        geslacht=_SEX.get(person.sex, Geslacht.ONBEKEND),
        overleden=person.deceased is not None,
        postcode=person.postcode,
        huisnummer=person.house_number,
        policies=policies,
    )


def _policy(coverage: Coverage) -> CovPolicy:
    soort = SoortVerzekering.BASIS
    if coverage.kind is CoverageKind.AANVULLEND:
        soort = SoortVerzekering.TAND if "tand" in coverage.package else SoortVerzekering.AANVULLEND
    return CovPolicy(
        uzovi=coverage.uzovi,
        verzekerdennummer=coverage.verzekerdennummer,
        soort=soort,
        begin=coverage.start,
        eind=coverage.end,
        pakket=coverage.package,
    )
