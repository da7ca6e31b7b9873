"""Rehearsal: COV (SOAP VZ801/802) for every named scenario person gives the documented answer.

The expectations are the table "Named scenarios" of docs/TESTDATA.md, asked by the dentist's
system account through ``VecozoClient.cov`` over mutual TLS. ``Y`` is the current year.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
from typing import Any

import aiohttp
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


# --- the three answers that need a named person or organisation of their own (issue 10) -------
# Asked as a vendor's client would: its own TLS context (stdlib ssl, the account's PEM files)
# and its own request bodies, over the JSON face and over SOAP.

NO_CONTRACT_SYSTEM = "11205000200001"  # docs/TESTDATA.md: system account of praktijk 12050002
DENTIST_SYSTEM = "11205000100001"
COV_JSON, COV_SOAP = "/cov/v1/controle", "/cov/vz801802/v1/soap11"
SOAP_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"',
}


def _tls(vecozo: VecozoExchange, user_number: str) -> ssl.SSLContext:
    accounts = vecozo.home / "accounts"
    context = ssl.create_default_context(cafile=str(vecozo.home / "pki" / "ca.pem"))
    context.load_cert_chain(accounts / f"{user_number}.pem", accounts / f"{user_number}-key.pem")
    return context


def _soap(search: dict[str, str], born: str) -> bytes:
    fields = "".join(f"<typ:{key}>{value}</typ:{key}>" for key, value in search.items())
    return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:v1="http://schemas.vecozo.nl/VZ801802/v1"
 xmlns:mes="http://schemas.vecozo.nl/VZ801802/v1/messages"
 xmlns:typ="http://schemas.vecozo.nl/VZ801802/v1/types"><s:Body><v1:Controleer><v1:request>
<mes:Zoekopdrachten><typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer>
<typ:Geboortedatum>{born}</typ:Geboortedatum><typ:Peildatum>{TODAY.isoformat()}</typ:Peildatum>
{fields}</typ:Zoekopdracht></mes:Zoekopdrachten>
</v1:request></v1:Controleer></s:Body></s:Envelope>""".encode()


async def _both_faces(
    vecozo: VecozoExchange, account: str, search: dict[str, str], born: str
) -> tuple[str, str]:
    """(the JSON answer as text, the SOAP answer as text) for one zoekopdracht."""
    json_search = {k.lower(): (int(v) if k == "Huisnummer" else v) for k, v in search.items()}
    timeout = aiohttp.ClientTimeout(total=20)
    context = _tls(vecozo, account)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        url = vecozo.gateway_url
        body = {**json_search, "geboortedatum": born, "peildatum": TODAY.isoformat()}
        async with session.post(f"{url}{COV_JSON}", json=body, ssl=context) as response:
            assert response.status == 200, await response.text()
            as_json = json.dumps(await response.json())
        data = _soap(search, born)
        async with session.post(
            f"{url}{COV_SOAP}", data=data, headers=SOAP_HEADERS, ssl=context
        ) as response:
            assert response.status == 200, await response.text()
            as_soap = await response.text()
    return as_json, as_soap


async def test_twins_at_one_address_are_meerdere_personen(vecozo: VecozoExchange) -> None:
    twin = vecozo.persons["twin-a"]
    born = str(twin.birth_date)
    by_address = {"Postcode": "6521AB", "Huisnummer": "8"}
    for answer in await _both_faces(vecozo, DENTIST_SYSTEM, by_address, born):
        assert "MeerderePersonenGevonden" in answer
        assert "999900109" not in answer  # nobody is shown
        assert "999900110" not in answer
    for answer in await _both_faces(vecozo, DENTIST_SYSTEM, {"Bsn": str(twin.bsn)}, born):
        assert "Gevonden" in answer
        assert "Meerdere" not in answer


async def test_double_insured_is_dubbele_actieve_verzekeringen(vecozo: VecozoExchange) -> None:
    person = vecozo.persons["double-insured"]
    search = {"Bsn": str(person.bsn)}
    for answer in await _both_faces(vecozo, DENTIST_SYSTEM, search, str(person.birth_date)):
        assert "DubbeleActieveVerzekeringenGevonden" in answer
        assert "900000013" in answer
        assert "900000014" in answer


async def test_a_praktijk_menzis_does_not_authorise_sees_no_details(
    vecozo: VecozoExchange,
) -> None:
    person = vecozo.persons["aanvullend-only"]  # insured at 3332 (Menzis) only
    search, born = {"Bsn": str(person.bsn)}, str(person.birth_date)
    for answer in await _both_faces(vecozo, NO_CONTRACT_SYSTEM, search, born):
        assert "NietGeautoriseerdVoorZorgverzekeraar" in answer
        assert "900000008" not in answer  # the verzekerdennummer stays with Menzis
    for answer in await _both_faces(vecozo, DENTIST_SYSTEM, search, born):
        assert "NietGeautoriseerd" not in answer
        assert "900000008" in answer
