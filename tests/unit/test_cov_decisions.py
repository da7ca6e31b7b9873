"""The COV decisions a register keeps: reused for the same question, dropped when it changes.

``CovRegister`` keeps what ``answer_cov`` decided per zoekopdracht (keyed by the search fields,
today and the insurers that refuse the asker); a replaced population or a reset must change the
very next answer, and what a zoekopdracht carries back (volgnummer, referentie) is never reused.
"""

from __future__ import annotations

import datetime as dt

import pytest

import gateway._cov
from berichten import (
    CovIndex,
    CovPolicy,
    CovRegisterEntry,
    CovRequest,
    SoortVerzekering,
    VerzekeringResultaat,
    Zoekopdracht,
    ZoekresultaatType,
    answer_cov,
)
from gateway import CovRegister

TODAY = dt.date(2025, 6, 1)
BORN = dt.date(1962, 3, 15)
BSN = "999979668"


def _entry(uzovi: str, pakket: str, *, naam: str = "Ommeren") -> CovRegisterEntry:
    policy = CovPolicy(
        uzovi=uzovi,
        verzekerdennummer="559",
        soort=SoortVerzekering.BASIS,
        begin=dt.date(2017, 1, 1),
        pakket=pakket,
    )
    return CovRegisterEntry(
        bsn=BSN, geboortedatum=BORN, naam=naam, postcode="1234AB", huisnummer=1, policies=(policy,)
    )


def _ask(volgnummer: int = 1, referentie: str | None = None, **search: object) -> CovRequest:
    fields: dict[str, object] = {"bsn": BSN, "peildatum": TODAY} | search
    question = Zoekopdracht(
        volgnummer=volgnummer,
        geboortedatum=BORN,
        referentie_zorgaanbieder=referentie,
        **fields,  # type: ignore[arg-type]
    )
    return CovRequest(zoekopdrachten=(question,))


def test_a_replaced_population_changes_the_next_answer() -> None:
    register = CovRegister({"7095": [_entry("7095", "basis")]})
    first = register.answer(_ask(), today=TODAY).zoekresultaten[0]
    assert first.verzekerde is not None
    assert first.verzekerde.verzekeringen[0].pakketcode == "basis"
    assert register.answer(_ask(), today=TODAY) == register.answer(_ask(), today=TODAY)
    register.replace("7095", [_entry("7095", "plus", naam="Anders")])
    again = register.answer(_ask(), today=TODAY).zoekresultaten[0]
    assert again.verzekerde is not None
    assert again.verzekerde.achternaam1 == "Anders"
    assert again.verzekerde.verzekeringen[0].pakketcode == "plus"


def test_a_cleared_register_forgets_the_person_at_once() -> None:
    register = CovRegister({"7095": [_entry("7095", "basis")]})
    assert register.answer(_ask(), today=TODAY).zoekresultaten[0].resultaat is (
        ZoekresultaatType.GEVONDEN
    )
    register.clear()
    gone = register.answer(_ask(), today=TODAY).zoekresultaten[0]
    assert gone.resultaat is ZoekresultaatType.BSN_ONBEKEND
    assert gone.verzekerde is None


def test_what_a_zoekopdracht_carries_back_is_its_own() -> None:
    register = CovRegister({"7095": [_entry("7095", "basis")]})
    register.answer(_ask(1, "eerste"), today=TODAY)
    second = register.answer(_ask(7, "tweede"), today=TODAY).zoekresultaten[0]
    assert (second.volgnummer, second.referentie_zorgaanbieder) == (7, "tweede")
    third = register.answer(_ask(8), today=TODAY).zoekresultaten[0]
    assert (third.volgnummer, third.referentie_zorgaanbieder) == (8, None)


def test_refusals_today_and_search_fields_are_part_of_the_key() -> None:
    register = CovRegister({"7095": [_entry("7095", "basis")]})
    shown = register.answer(_ask(), today=TODAY).zoekresultaten[0]
    hidden = register.answer(_ask(), today=TODAY, unauthorised=frozenset({"7095"}))
    assert shown.verzekerde is not None
    policy = hidden.zoekresultaten[0].verzekerde.verzekeringen[0]  # type: ignore[union-attr]
    assert policy.resultaat is VerzekeringResultaat.NIET_GEAUTORISEERD_VOOR_ZORGVERZEKERAAR
    earlier = register.answer(_ask(), today=dt.date(2025, 5, 1)).zoekresultaten[0]
    assert earlier.resultaat is ZoekresultaatType.GEVONDEN_PEILDATUM_IN_TOEKOMST
    by_number = register.answer(_ask(bsn=None, verzekerdennummer="559"), today=TODAY)
    assert by_number.zoekresultaten[0].resultaat is ZoekresultaatType.GEVONDEN
    wrong_number = register.answer(_ask(bsn=None, verzekerdennummer="560"), today=TODAY)
    assert wrong_number.zoekresultaten[0].resultaat is ZoekresultaatType.NIET_GEVONDEN


def test_answer_cov_reads_and_fills_the_decisions_it_is_given() -> None:
    index = CovIndex([_entry("7095", "basis")])
    known: dict[object, object] = {}
    found = answer_cov(_ask(), index, TODAY, known=known)  # type: ignore[arg-type]
    assert len(known) == 1
    planted = (ZoekresultaatType.BSN_ONBEKEND, None)
    known[next(iter(known))] = planted
    reused = answer_cov(_ask(3), index, TODAY, known=known)  # type: ignore[arg-type]
    assert reused.zoekresultaten[0].resultaat is ZoekresultaatType.BSN_ONBEKEND
    assert found.zoekresultaten[0].resultaat is ZoekresultaatType.GEVONDEN
    assert answer_cov(_ask(), index, TODAY) == found


def test_the_decisions_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway._cov, "DECISIONS_KEPT", 3)
    register = CovRegister({"7095": [_entry("7095", "basis")]})
    for day in range(1, 11):
        register.answer(_ask(), today=dt.date(2025, 6, day))
        assert len(register._known) <= 3  # the bound is the point of this test
