"""Every promise of docs/TESTDATA.md's "Named scenarios" tables, driven through the real rules.

The two tables are read from the Markdown; each row's answers are the tokens in backticks
(retourcodes, the 422 of the exchange, COV result names). Each row has cases below that make
the declarations or COV questions the cell describes, against the default generated world, and
the tokens that come back must be exactly the documented ones: a documented answer that does
not happen fails, and so does an answer the row does not document. Declarations go through
``vektis.validate`` (the exchange's technical check) and then ``adjudicate`` (the insurer); COV
through the exchange's register filled the way each insurer publishes its population.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import vektis
from berichten import CovRequest, Zoekopdracht
from gateway import CovRegister
from insurer_stub import InsurerView, MemoryHistory, adjudicate
from insurer_stub._cov import register_entries
from world import Person, World, generate_world

Y = 2026
TODAY = dt.date(Y, 6, 15)
WORLD = generate_world(seed=5, persons=200, today=TODAY)
TESTDATA = Path(__file__).resolve().parents[2] / "docs" / "TESTDATA.md"
DENTIST, NO_CONTRACT, HOME_CARE = "12050001", "12050002", "75750001"
_ANSWER = re.compile(r"`(\d{3,4}|[A-Z][A-Za-z]+)`")


def _table(first_column: str, second_column: str) -> dict[str, list[str]]:
    """The rows of the table whose header starts with these two columns, by name."""
    lines = TESTDATA.read_text(encoding="utf-8").splitlines()
    head = f"| {first_column} | {second_column} |"
    start = next(i for i, line in enumerate(lines) if line.startswith(head))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells
    return rows


def _documented(cells: list[str]) -> set[str]:
    return {token for cell in cells[1:] for token in _ANSWER.findall(cell)}


# --- declarations ---------------------------------------------------------------------------


def _person(name: str, world: World = WORLD) -> Person:
    bsn = next(s.bsn for s in world.scenarios if s.name == name)
    person = world.person(bsn or "")
    assert person is not None, name
    return person


def _header(standard: vektis.Standard, uzovi: str, provider: str, bureau: str) -> dict[str, object]:
    org = WORLD.provider(provider)
    assert org is not None
    return {
        "record_type": "01",
        "ei_code": standard.ei_code,
        "version": standard.version,
        "subversion": standard.subversion,
        "soort_bericht": "P",
        "uzovi": uzovi,
        "servicebureau": bureau or "0",
        "zorgverlenerscode": org.agb,
        "praktijkcode": org.practice_agb or "0",
        "instellingscode": org.institution_agb or "0",
        "betaling_aan": "04" if org.institution_agb else "03",
        "period_start": dt.date(Y - 1, 1, 1),
        "period_end": TODAY,
        "factuurnummer": "F1",
        "factuurdatum": TODAY,
        "valuta": "EUR",
    }


def _records(
    person: Person,
    uzovi: str,
    code: str,
    day: dt.date,
    end: dt.date | None,
    machtiging: str,
    behandelaar: str,
) -> list[dict[str, object]]:
    cents = WORLD.insurer(uzovi).policy.contracted_tariffs[code]  # type: ignore[union-attr]
    number = next((c.verzekerdennummer for c in person.coverages if c.uzovi == uzovi), "")
    insured: dict[str, object] = {
        "record_type": "02",
        "id": 1,
        "bsn": person.bsn,
        "uzovi": uzovi,
        "verzekerdennummer": number,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "surname": person.surname,
        "initials": person.initials.replace(".", ""),
        "house_number": person.house_number,
        "postcode": person.postcode,
        "overleden": "2",
        "0209": "1",
    }
    line: dict[str, object] = {
        "record_type": "04",
        "id": 2,
        "bsn": person.bsn,
        "uzovi": uzovi,
        "date_of_service": day,
        "prestatiecodelijst": "065" if end else "010",
        "prestatiecode": code,
        "tarief": cents,
        "aantal": 1,
        "berekend_bedrag": cents,
        "declaratiebedrag": cents,
        "referentie": "R1",
        "machtigingsnummer": machtiging,
        "0407": "1",
    }
    line |= {"end_date_of_service": end} if end else {"0409": "01", "0410": "N"}
    line["behandelaar"] = behandelaar
    closing = {
        "record_type": "99",
        "aantal_verzekerden": 1,
        "aantal_prestaties": 1,
        "aantal_detail": 2,
        "totaal_declaratiebedrag": cents,
    }
    return [insured, line, closing]


def declare(
    name: str,
    uzovi: str,
    day: dt.date,
    *,
    code: str = "C11",
    end: dt.date | None = None,
    provider: str = DENTIST,
    machtiging: str = "",
    bureau: str = "",
    world: World = WORLD,
) -> str:
    """The answer to a one-line declaration: the exchange's first melding, else the code that
    decides the line (header, verzekerdenrecord, prestatie), else the file's 8001."""
    aw319 = end is not None
    standard = vektis.get_standard("AW319" if aw319 else "MZ301")
    if aw319:
        provider, code = HOME_CARE, code if code != "C11" else "1001"
    org = world.provider(provider)
    assert org is not None
    records = _records(_person(name, world), uzovi, code, day, end, machtiging, org.agb)
    data = vektis.render_file(standard, [_header(standard, uzovi, provider, bureau), *records])
    findings = vektis.validate(data)
    if findings:
        return findings[0].code
    view = InsurerView.from_world(world, uzovi)
    result = adjudicate(vektis.parse_file(data), insurer=view, history=MemoryHistory(), today=TODAY)
    if not result.judged:
        return result.header_codes[0]
    for ident in (1, 2):
        judgement = result.judgements.get(ident)
        if judgement is not None and judgement.codes and judgement.codes[0] != "0200":
            return judgement.codes[0]
    return result.header_codes[0]


# --- COV ------------------------------------------------------------------------------------

REGISTER = CovRegister(
    {i.uzovi: register_entries(WORLD.persons_at(i.uzovi), i.uzovi) for i in WORLD.insurers}
)


def cov(name: str, *, by_address: bool = False, asker: str = DENTIST) -> set[str]:
    """The result names of one zoekopdracht (by BSN, or by postcode + huisnummer)."""
    person = _person(name)
    where = (
        {"postcode": person.postcode, "huisnummer": person.house_number}
        if by_address
        else {"bsn": person.bsn}
    )
    question = Zoekopdracht(volgnummer=1, geboortedatum=person.birth_date, peildatum=TODAY, **where)
    org = WORLD.provider(asker)
    refused = org.cov_refused_by if org else frozenset()
    answer = REGISTER.answer(
        CovRequest(zoekopdrachten=(question,)), today=TODAY, unauthorised=refused
    )
    [found] = answer.zoekresultaten
    names = {found.resultaat.value}
    if found.verzekerde is not None:
        names.add(found.verzekerde.resultaat.value)
        names |= {p.resultaat.value for p in found.verzekerde.verzekeringen} - {
            "Actief",
            "Inactief",
        }
    return names


# --- the cases of every row -----------------------------------------------------------------


def _without_max_tariffs() -> World:
    insurers = tuple(
        dataclasses.replace(i, policy=dataclasses.replace(i.policy, max_tariffs={}))
        for i in WORLD.insurers
    )
    return dataclasses.replace(WORLD, insurers=insurers)


def _exchange_refuses(bureau: str, provider: str) -> str:
    """The exchange's rule (gateway routing): a bureau sends only with a valid toestemming."""
    return "422" if not WORLD.has_toestemming(bureau=bureau, provider=provider, day=TODAY) else ""


MAY = dt.date(Y, 5, 4)
PERSONS: Mapping[str, Callable[[], set[str]]] = {
    "insured-vgz": lambda: cov("insured-vgz") | {declare("insured-vgz", "7095", MAY)},
    "insured-zilveren-kruis": lambda: (
        cov("insured-zilveren-kruis") | {declare("insured-zilveren-kruis", "3311", MAY)}
    ),
    "not-insured": lambda: cov("not-insured") | {declare("not-insured", "7095", MAY)},
    "deceased": lambda: cov("deceased") | {declare("deceased", "7095", dt.date(Y - 1, 7, 1))},
    "wlz-client": lambda: (
        cov("wlz-client")
        | {
            declare("wlz-client", "7095", MAY, end=MAY),
            declare("wlz-client", "7095", dt.date(Y - 1, 12, 10), end=dt.date(Y - 1, 12, 10)),
        }
    ),
    "partially-insured": lambda: (
        cov("partially-insured")
        | {
            declare("partially-insured", "7119", dt.date(Y - 1, 7, 10), end=dt.date(Y - 1, 7, 10)),
            declare("partially-insured", "7119", dt.date(Y - 1, 6, 20), end=dt.date(Y - 1, 7, 5)),
        }
    ),
    "insurer-switch": lambda: (
        cov("insurer-switch")
        | {declare("insurer-switch", "3311", MAY), declare("insurer-switch", "7095", MAY)}
    ),
    "aanvullend-only": lambda: (
        cov("aanvullend-only") | {declare("aanvullend-only", "3332", MAY, end=MAY)}
    ),
    "invalid-bsn": lambda: cov("invalid-bsn") | {declare("invalid-bsn", "7095", MAY)},
    "with-machtiging": lambda: (
        cov("with-machtiging")
        | {
            declare("with-machtiging", "7095", MAY, code="E13", machtiging="M7095000000001"),
            declare("insured-vgz", "7095", MAY, code="E13"),
        }
    ),
    "twin-a": lambda: (
        cov("twin-a") | cov("twin-a", by_address=True) | {declare("twin-a", "7095", MAY, end=MAY)}
    ),
    "twin-b": lambda: (
        cov("twin-b") | cov("twin-b", by_address=True) | {declare("twin-b", "7095", MAY, end=MAY)}
    ),
    "double-insured": lambda: (
        cov("double-insured")
        | {
            declare("double-insured", "7095", MAY, end=MAY),
            declare("double-insured", "3332", MAY, end=MAY),
        }
    ),
}
ORGANISATIONS: Mapping[str, Callable[[], set[str]]] = {
    "provider-without-contract": lambda: {
        declare("insured-vgz", "7095", MAY, provider=NO_CONTRACT),
        declare("insured-vgz", "7095", MAY, provider=NO_CONTRACT, world=_without_max_tariffs()),
    },
    "bureau-without-toestemming": lambda: {
        _exchange_refuses("98100002", DENTIST),
        declare("insured-vgz", "7095", MAY, bureau="98100002"),
    },
    "toestemming-expired": lambda: {
        _exchange_refuses("98100001", "94050001"),
        declare("insured-vgz", "7095", MAY, provider="94050001", bureau="98100001"),
    },
    "cov-not-authorised": lambda: (
        cov("aanvullend-only", asker=NO_CONTRACT) - cov("aanvullend-only")
    ),
}


def test_the_tables_name_every_scenario_of_the_world() -> None:
    documented = set(_table("name", "BSN")) | set(_table("name", "identifiers"))
    assert documented == {s.name for s in WORLD.scenarios}
    assert documented == set(PERSONS) | set(ORGANISATIONS)


@pytest.mark.parametrize("name", sorted(PERSONS))
def test_person_row(name: str) -> None:
    row = _table("name", "BSN")[name]
    person = _person(name)
    assert (row[1].split()[0], row[2]) == (person.bsn, person.birth_date.isoformat())
    assert PERSONS[name]() == _documented(row), row


@pytest.mark.parametrize("name", sorted(ORGANISATIONS))
def test_organisation_row(name: str) -> None:
    row = _table("name", "identifiers")[name]
    assert ORGANISATIONS[name]() == _documented(row), row
