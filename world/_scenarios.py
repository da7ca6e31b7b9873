"""Named test scenarios: fixed people and organisations that produce one known outcome each.

Like a payment provider's test card numbers, these identifiers are the same for every seed, so a
vendor's test suite can hard-code them. The BSNs lie in the 9999xxxxx test range. Dates are
relative to the world's reference year so "switches insurer on 1 January" stays true.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from world._model import Coverage, CoverageKind, Machtiging, Person, Scenario, WlzStay

__all__ = ["DOUBLE_INSURED_SCENARIO", "INVALID_BSN_SCENARIO", "scenario_persons", "scenarios"]

# The one scenario whose BSN deliberately fails the 11-proef; loading accepts only this one.
INVALID_BSN_SCENARIO = "invalid-bsn"
# The one scenario person with two basis policies at once (COV DubbeleActieveVerzekeringen).
DOUBLE_INSURED_SCENARIO = "double-insured"

_TANDARTS_PRAKTIJK = "12050001"
_NO_CONTRACT_PRAKTIJK = "12050002"
_PSYCHOLOOG_PRAKTIJK = "94050001"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Who:
    """The fixed identity of a scenario person."""

    bsn: str
    initials: str
    surname: str
    birth_date: dt.date
    sex: str
    postcode: str
    house_number: int


def _person(who: _Who, **extra: object) -> Person:
    return Person(
        bsn=who.bsn,
        initials=who.initials,
        surname=who.surname,
        prefix="",
        birth_date=who.birth_date,
        sex=who.sex,
        postcode=who.postcode,
        house_number=who.house_number,
        **extra,  # type: ignore[arg-type]
    )


def _basis(uzovi: str, number: str, start: dt.date, end: dt.date | None = None) -> Coverage:
    return Coverage(
        uzovi=uzovi,
        verzekerdennummer=number,
        kind=CoverageKind.BASIS,
        package="basis",
        start=start,
        end=end,
    )


def _extra(
    uzovi: str, number: str, package: str, start: dt.date, end: dt.date | None = None
) -> Coverage:
    return Coverage(
        uzovi=uzovi,
        verzekerdennummer=number,
        kind=CoverageKind.AANVULLEND,
        package=package,
        start=start,
        end=end,
    )


_D = dt.date
_INSURED_VGZ = _Who(
    bsn="999900006",
    initials="J.",
    surname="Testpersoon",
    birth_date=_D(1980, 5, 17),
    sex="1",
    postcode="1011AB",
    house_number=1,
)
_INSURED_ZK = _Who(
    bsn="999900018",
    initials="M.A.",
    surname="Proefverzekerde",
    birth_date=_D(1975, 2, 3),
    sex="2",
    postcode="3511AC",
    house_number=12,
)
_NOT_INSURED = _Who(
    bsn="999900031",
    initials="P.",
    surname="Onverzekerd",
    birth_date=_D(1990, 11, 30),
    sex="1",
    postcode="2511BD",
    house_number=7,
)
_DECEASED = _Who(
    bsn="999900043",
    initials="H.",
    surname="Overleden",
    birth_date=_D(1931, 8, 8),
    sex="2",
    postcode="6811AA",
    house_number=3,
)
_WLZ = _Who(
    bsn="999900055",
    initials="G.W.",
    surname="Wlzcliënt",
    birth_date=_D(1938, 4, 21),
    sex="2",
    postcode="5211CD",
    house_number=45,
)
_PARTIAL = _Who(
    bsn="999900067",
    initials="K.",
    surname="Halfjaar",
    birth_date=_D(1995, 7, 1),
    sex="1",
    postcode="9711EF",
    house_number=88,
)
_SWITCH = _Who(
    bsn="999900079",
    initials="S.",
    surname="Overstapper",
    birth_date=_D(1968, 1, 12),
    sex="2",
    postcode="7511GH",
    house_number=5,
)
_EXTRA_ONLY = _Who(
    bsn="999900080",
    initials="A.",
    surname="Alleenaanvullend",
    birth_date=_D(1985, 9, 9),
    sex="1",
    postcode="8011JK",
    house_number=21,
)
_INVALID = _Who(
    bsn="999900011",
    initials="F.",
    surname="Foutbsn",
    birth_date=_D(1970, 3, 14),
    sex="1",
    postcode="4811LM",
    house_number=9,
)
_MACHTIGING = _Who(
    bsn="999900092",
    initials="R.",
    surname="Gemachtigd",
    birth_date=_D(1960, 6, 6),
    sex="2",
    postcode="1211NP",
    house_number=30,
)

# Twins: same birth date, same address. COV by postcode + huisnummer finds both.
_TWIN_A = _Who(
    bsn="999900109",
    initials="L.",
    surname="Tweeling",
    birth_date=_D(2001, 10, 3),
    sex="1",
    postcode="6521AB",
    house_number=8,
)
_TWIN_B = _Who(
    bsn="999900110",
    initials="M.",
    surname="Tweeling",
    birth_date=_D(2001, 10, 3),
    sex="2",
    postcode="6521AB",
    house_number=8,
)
_DOUBLE = _Who(
    bsn="999900122",
    initials="D.",
    surname="Dubbelverzekerd",
    birth_date=_D(1972, 12, 24),
    sex="2",
    postcode="3011BC",
    house_number=77,
)


def scenario_persons(year: int) -> tuple[Person, ...]:
    """The scenario people for reference year ``year``, in the order of ``scenarios``."""
    since = _D(2015, 1, 1)
    return (
        _person(
            _INSURED_VGZ,
            coverages=(
                _basis("7095", "900000001", since),
                _extra("7095", "900000001", "tand-750", since),
            ),
        ),
        _person(
            _INSURED_ZK,
            coverages=(
                _basis("3311", "900000002", since),
                _extra("3311", "900000002", "compleet", since),
            ),
        ),
        _person(_NOT_INSURED),
        _person(
            _DECEASED,
            deceased=_D(year - 1, 3, 15),
            coverages=(_basis("7095", "900000003", since, _D(year - 1, 3, 15)),),
        ),
        _person(
            _WLZ,
            wlz_stays=(WlzStay(start=_D(year, 1, 1)),),
            coverages=(_basis("7095", "900000004", since),),
        ),
        _person(
            _PARTIAL,
            coverages=(_basis("7119", "900000005", _D(year - 1, 1, 1), _D(year - 1, 6, 30)),),
        ),
        _person(_SWITCH, coverages=_switch(year)),
        _person(_EXTRA_ONLY, coverages=(_extra("3332", "900000008", "compleet", since),)),
        _person(_INVALID, coverages=(_basis("7095", "900000009", since),)),
        _person(
            _MACHTIGING,
            coverages=(
                _basis("7095", "900000010", since),
                _extra("7095", "900000010", "tand-750", since),
            ),
            machtigingen=(
                Machtiging(
                    number="M7095000000001",
                    uzovi="7095",
                    prestatiecode="E13",
                    start=_D(year, 1, 1),
                    end=_D(year, 12, 31),
                ),
            ),
        ),
        _person(_TWIN_A, coverages=(_basis("7095", "900000011", since),)),
        _person(_TWIN_B, coverages=(_basis("7095", "900000012", since),)),
        _person(
            _DOUBLE,
            coverages=(_basis("7095", "900000013", since), _basis("3332", "900000014", since)),
        ),
    )


def _switch(year: int) -> tuple[Coverage, ...]:
    """Zilveren Kruis until 31 December, VGZ from 1 January of ``year``, basis and aanvullend."""
    until, start = _D(year - 1, 12, 31), _D(year, 1, 1)
    return (
        _basis("3311", "900000006", _D(2015, 1, 1), until),
        _extra("3311", "900000006", "tand-250", _D(2015, 1, 1), until),
        _basis("7095", "900000007", start),
        _extra("7095", "900000007", "tand-250", start),
    )


def _about(name: str, triggers: str, who: _Who, uzovi: str | None, number: str | None) -> Scenario:
    return Scenario(
        name=name,
        triggers=triggers,
        bsn=who.bsn,
        birth_date=who.birth_date,
        uzovi=uzovi,
        verzekerdennummer=number,
    )


def scenarios(year: int) -> tuple[Scenario, ...]:
    """Every named scenario, with what it should produce at COV and in a return file."""
    return (
        _about(
            "insured-vgz",
            "COV: basis + aanvullend tand-750 at 7095; declarations: 8001",
            _INSURED_VGZ,
            "7095",
            "900000001",
        ),
        _about(
            "insured-zilveren-kruis",
            "COV: basis + aanvullend compleet at 3311; declarations: 8001",
            _INSURED_ZK,
            "3311",
            "900000002",
        ),
        _about("not-insured", "COV: no policy found; declarations: 0320", _NOT_INSURED, None, None),
        _about(
            "deceased",
            f"COV: policy ended {year - 1}-03-15 (death); declarations for care "
            "after that date: 0328",
            _DECEASED,
            "7095",
            "900000003",
        ),
        _about(
            "wlz-client",
            f"COV: insured at 7095; in a Wlz institution from {year}-01-01: declarations to "
            "VGZ brands for care from then: 8983 (Wlz), care before: paid",
            _WLZ,
            "7095",
            "900000004",
        ),
        _about(
            "partially-insured",
            f"COV: basis at 7119 {year - 1}-01-01..{year - 1}-06-30 "
            "only; care on a day after it: 0320, an (AW319) period reaching past it: 0506",
            _PARTIAL,
            "7119",
            "900000005",
        ),
        _about(
            "insurer-switch",
            f"COV: 3311 until {year - 1}-12-31, 7095 from {year}-01-01; "
            f"care in {year} declared to 3311: 0320",
            _SWITCH,
            "7095",
            "900000007",
        ),
        _about(
            "aanvullend-only",
            "COV: aanvullend compleet at 3332, no basis; basis care (EP301, AW319): 0613",
            _EXTRA_ONLY,
            "3332",
            "900000008",
        ),
        _about(
            INVALID_BSN_SCENARIO,
            "COV: BsnVoldoetNietAanElfProef; declarations: 0435 "
            "(the BSN fails the 11-proef although a policy exists)",
            _INVALID,
            "7095",
            "900000009",
        ),
        _about(
            "with-machtiging",
            f"E13 in {year} accepted with machtiging M7095000000001; E13 for anyone else: 0551",
            _MACHTIGING,
            "7095",
            "900000010",
        ),
        _about(
            "twin-a",
            "COV by postcode 6521AB + huisnummer 8 + geboortedatum 2001-10-03: "
            "MeerderePersonenGevonden (twin-b lives there too); by BSN: Gevonden",
            _TWIN_A,
            "7095",
            "900000011",
        ),
        _about(
            "twin-b",
            "the other twin of twin-a: same address, same birth date",
            _TWIN_B,
            "7095",
            "900000012",
        ),
        _about(
            DOUBLE_INSURED_SCENARIO,
            "COV: DubbeleActieveVerzekeringenGevonden (basis at 7095 and at 3332); "
            "declarations to either: 8001",
            _DOUBLE,
            "7095",
            "900000013",
        ),
        Scenario(
            name="cov-not-authorised",
            provider=_NO_CONTRACT_PRAKTIJK,
            triggers="COV asked by this praktijk's accounts: policies at 3332 (Menzis) "
            "come back NietGeautoriseerdVoorZorgverzekeraar, without verzekerdennummer",
        ),
        Scenario(
            name="provider-without-contract",
            provider=_NO_CONTRACT_PRAKTIJK,
            triggers="declarations: paid at most the maximum tariff for non-contracted care "
            "(8059 on a line above it); 8022 at an insurer that pays nothing for "
            "non-contracted care (no max_tariffs)",
        ),
        Scenario(
            name="bureau-without-toestemming",
            provider=_TANDARTS_PRAKTIJK,
            bureau="98100002",
            triggers="the exchange refuses the submission (403); "
            "an insurer receiving it anyway: 8023",
        ),
        Scenario(
            name="toestemming-expired",
            provider=_PSYCHOLOOG_PRAKTIJK,
            bureau="98100001",
            triggers=f"toestemming ended {year - 2}-12-31: refused like "
            "bureau-without-toestemming (403 / 8023)",
        ),
    )
