"""Rehearsal: COV (SOAP VZ801/802) for every named scenario person gives the documented answer.

The expectations are the table "Named scenarios" of docs/TESTDATA.md, asked by the dentist's
system account through ``VecozoClient.cov`` over mutual TLS. ``Y`` is the current year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST = "12050001"
Y = dt.date.today().year
TODAY = dt.date.today()


def _active(result: Any) -> set[tuple[str, str]]:
    """(UZOVI, soort) of every active policy line."""
    return {(p.uzovi, p.soort) for p in result.policies if p.resultaat == "Actief"}


# name -> (peildatum, the UZOVIs with an active policy on it)
EXPECTED: dict[str, tuple[dt.date, set[str]]] = {
    "insured-vgz": (TODAY, {"7095"}),
    "insured-zilveren-kruis": (TODAY, {"3311"}),
    "not-insured": (TODAY, set()),
    "deceased": (TODAY, set()),
    "wlz-client": (TODAY, {"7095"}),
    "partially-insured": (TODAY, set()),
    "insurer-switch": (TODAY, {"7095"}),
    "aanvullend-only": (TODAY, {"3332"}),
    "with-machtiging": (TODAY, {"7095"}),
}
ON_EARLIER_DAY: dict[str, tuple[dt.date, set[str]]] = {
    "partially-insured": (dt.date(Y - 1, 3, 1), {"7119"}),
    "insurer-switch": (dt.date(Y - 1, 6, 1), {"3311"}),
}


async def _ask(vecozo: VecozoExchange, name: str, peildatum: dt.date) -> Any:
    person = vecozo.persons[name]
    assert person.bsn is not None
    assert person.birth_date is not None
    client = vecozo.client(DENTIST)
    return await client.cov(bsn=person.bsn, birth_date=person.birth_date, peildatum=peildatum)


async def test_every_named_person_has_a_documented_answer(vecozo: VecozoExchange) -> None:
    assert set(vecozo.persons) >= set(EXPECTED) | {"invalid-bsn"}
    for name, (peildatum, insurers) in EXPECTED.items():
        result = await _ask(vecozo, name, peildatum)
        assert {uzovi for uzovi, _ in _active(result)} == insurers, name
    for name, (peildatum, insurers) in ON_EARLIER_DAY.items():
        result = await _ask(vecozo, name, peildatum)
        assert {uzovi for uzovi, _ in _active(result)} == insurers, f"{name} on {peildatum}"


async def test_details_of_the_documented_answers(vecozo: VecozoExchange) -> None:
    vgz = await _ask(vecozo, "insured-vgz", TODAY)
    assert len(_active(vgz)) >= 2  # basis and the aanvullende tand-750
    deceased = await _ask(vecozo, "deceased", TODAY)
    assert deceased.deceased
    only = await _ask(vecozo, "aanvullend-only", TODAY)
    assert all(soort != "Basis" for _, soort in _active(only))


async def test_a_bsn_failing_the_eleven_test_is_named_as_such(vecozo: VecozoExchange) -> None:
    result = await _ask(vecozo, "invalid-bsn", TODAY)
    assert result.resultaat == "BsnVoldoetNietAanElfProef"
    assert _active(result) == set()  # although a policy exists for it


@pytest.mark.parametrize("account", ["19810000100001"])  # bureau system: no COV service
async def test_an_account_without_the_cov_service_is_refused(
    vecozo: VecozoExchange, account: str
) -> None:
    from provider_client import ClientError

    person = vecozo.persons["insured-vgz"]
    assert person.bsn is not None
    assert person.birth_date is not None
    with pytest.raises(ClientError) as refused:
        await vecozo.client(account).cov(bsn=person.bsn, birth_date=person.birth_date)
    assert "403" in str(refused.value)
