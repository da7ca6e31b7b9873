"""The contracts a vendor generates its client from, fetched and used with clients of their own.

zeep builds a COV client from nothing but the served ``?wsdl`` URL and calls Controleer: if an
element name, a namespace, the order of a sequence or the SOAPAction in the WSDL differed from
what the gateway accepts and answers, the call or the reading of its answer fails. The OpenAPI
documents are fetched with requests and one request is built from the push document alone.
The blocking clients run in a thread so the in-process exchange keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import zeep
from zeep.transports import Transport

from provider_client import GenerateOptions, generate_file
from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST = "12050001"
WSDL_PATH = "/cov/vz801802/v1/soap11?wsdl"
OPENAPI = (
    "berichtuitwisseling-rest-push-v1",
    "berichtuitwisseling-rest-pull-v1",
    "berichtstatus-rest-pull-v3",
)


@pytest.fixture
def vendor(vecozo: VecozoExchange) -> Iterator[requests.Session]:
    """A vendor's HTTP session: the dentist's certificate, our CA, nothing from the environment."""
    with _session(vecozo) as session:
        yield session


def _session(vecozo: VecozoExchange) -> requests.Session:
    [system] = [a for a in vecozo.world.accounts_of(DENTIST) if a.kind.value == "system"]
    session = requests.Session()
    session.trust_env = False  # this machine's REQUESTS_CA_BUNDLE would override verify=
    session.verify = str(vecozo.layout.ca_cert)
    session.cert = (
        str(vecozo.layout.account_cert(system.user_number)),
        str(vecozo.layout.account_key(system.user_number)),
    )
    return session


def _controleer(wsdl_url: str, session: requests.Session, bsn: str, birth: dt.date) -> Any:
    client = zeep.Client(wsdl_url, transport=Transport(session=session, timeout=20))
    return client.service.Controleer(
        request={
            "Zorgaanbieder": {"AGB-zorgverlenersoort": "12", "AGB-nummer": "050001"},
            "Zoekopdrachten": {
                "Zoekopdracht": [
                    {
                        "Volgnummer": 1,
                        "Geboortedatum": birth,
                        "Peildatum": dt.date.today(),
                        "Bsn": bsn,
                        "ReferentieZorgaanbieder": "zeep-1",
                    }
                ]
            },
        }
    )


@pytest.mark.parametrize("prefix", ["", "/acc"])
async def test_a_zeep_client_from_the_served_wsdl_checks_a_named_person(
    vecozo: VecozoExchange, vendor: requests.Session, prefix: str
) -> None:
    person = vecozo.persons["insured-vgz"]
    assert person.bsn is not None
    assert person.birth_date is not None
    wsdl_url = vecozo.gateway_url + prefix + WSDL_PATH
    answer = await asyncio.to_thread(_controleer, wsdl_url, vendor, person.bsn, person.birth_date)
    assert answer.Resultaat == "VerzoekAkkoord"
    [found] = answer.Zoekresultaten.Zoekresultaat
    assert (found.Volgnummer, found.Resultaat) == (1, "Gevonden")
    assert found.ReferentieZorgaanbieder == "zeep-1"
    assert found.Verzekerde.Bsn == person.bsn
    assert found.Verzekerde.Geboortedatum == person.birth_date
    policies = found.Verzekerde.Verzekeringen.Verzekering
    assert {(p.UZOVI, p.Resultaat) for p in policies} >= {(7095, "Actief")}


async def test_the_wsdl_points_at_the_url_the_client_reached(
    vecozo: VecozoExchange, vendor: requests.Session
) -> None:
    url = vecozo.gateway_url + "/tst" + WSDL_PATH
    response = await asyncio.to_thread(vendor.get, url, timeout=20)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    expected = f'location="{vecozo.gateway_url}/tst/cov/vz801802/v1/soap11"'
    assert expected in response.text
    assert 'soapAction="http://schemas.vecozo.nl/VZ801802/v1/Controleer"' in response.text


async def test_the_wsdl_is_behind_mutual_tls_like_the_service(
    vecozo: VecozoExchange, vendor: requests.Session
) -> None:
    vendor.cert = None
    with pytest.raises(requests.exceptions.RequestException):
        await asyncio.to_thread(vendor.get, vecozo.gateway_url + WSDL_PATH, timeout=20)


async def test_get_without_wsdl_is_still_not_a_method(
    vecozo: VecozoExchange, vendor: requests.Session
) -> None:
    url = vecozo.gateway_url + WSDL_PATH.removesuffix("?wsdl")
    response = await asyncio.to_thread(vendor.get, url, timeout=20)
    assert response.status_code == 405


@pytest.mark.parametrize("name", OPENAPI)
async def test_each_openapi_document_is_served_with_this_exchange_first(
    vecozo: VecozoExchange, vendor: requests.Session, name: str
) -> None:
    index = await asyncio.to_thread(vendor.get, vecozo.gateway_url + "/openapi/", timeout=20)
    url = index.json()[name]
    response = await asyncio.to_thread(vendor.get, url, timeout=20)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]
    first = document["servers"][0]["url"]
    assert first.startswith(vecozo.gateway_url + "/berichtenservice/")
    assert any(s["url"].startswith("https://api.vecozo.nl/") for s in document["servers"])


async def test_an_unknown_openapi_document_is_a_problem_not_a_crash(
    vecozo: VecozoExchange, vendor: requests.Session
) -> None:
    url = vecozo.gateway_url + "/openapi/nothing.json"
    response = await asyncio.to_thread(vendor.get, url, timeout=20)
    assert response.status_code == 404
    assert "nothing" in response.json()["detail"]


def _status_from_document(session: requests.Session, base: str, traceer_id: str) -> Any:
    """Build a call from the served status document alone: its server, path and parameter."""
    document = session.get(f"{base}/openapi/berichtstatus-rest-pull-v3.json", timeout=20).json()
    server = document["servers"][0]["url"]
    [(path, operations)] = document["paths"].items()
    names = {p["name"] for p in operations["get"]["parameters"] if p["in"] == "query"}
    assert "traceerId" in names
    response = session.get(server + path, params={"traceerId": traceer_id}, timeout=20)
    assert response.status_code == 200, response.text
    schema = document["components"]["schemas"]["BerichtstatusGegevens"]
    return response.json(), schema


async def test_a_request_built_from_a_served_document_is_answered_as_documented(
    vecozo: VecozoExchange, vendor: requests.Session
) -> None:
    today = vecozo.world.today or dt.date.today()
    options = GenerateOptions(provider=DENTIST, insurer="7095", lines=2, seed=1, today=today)
    data = generate_file(vecozo.world, options).data
    receipt = await vecozo.client(DENTIST).push(data)
    statuses, schema = await asyncio.to_thread(
        _status_from_document, vendor, vecozo.gateway_url, receipt.traceer_id
    )
    assert statuses
    for status in statuses:
        assert set(schema["required"]) <= set(status) <= set(schema["properties"])
        assert status["referentiegegevens"]["traceerId"] == receipt.traceer_id
