"""COV over the wire after the register keeps its decisions, and the body limit read in chunks.

The register keeps what it decided per question until its populations change: an insurer's
``PUT`` of its population and the operator's reset with ``covRegister`` must change the very
next answer, on both faces. The SOAP body is read as it arrives; a body sent in pieces is
answered, one past the limit without a Content-Length still gets the fault.
"""

from __future__ import annotations

import asyncio
import copy
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gateway_fixtures import INSURER, REGISTER, Operator, Party, operator_of

from gateway import Gateway
from gateway._cov_routes import SOAP_LIMIT

COV_JSON = "/cov/v1/controle"
SOAP = "/cov/vz801802/v1/soap11"
SOAP_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"',
}
PERSON = {"bsn": "999979668", "geboortedatum": "1962-03-15", "peildatum": "2025-05-01"}
NS = "http://schemas.vecozo.nl/VZ801802/v1"
QUESTION = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    f'<v1:Controleer xmlns:v1="{NS}" xmlns:mes="{NS}/messages" xmlns:typ="{NS}/types">'
    "<v1:request><mes:Zoekopdrachten><typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer>"
    "<typ:Geboortedatum>1962-03-15</typ:Geboortedatum><typ:Peildatum>2025-05-01</typ:Peildatum>"
    "<typ:Bsn>999979668</typ:Bsn></typ:Zoekopdracht></mes:Zoekopdrachten></v1:request>"
    "</v1:Controleer></s:Body></s:Envelope>"
).encode()
REGISTER_PATH = f"/cov-register/v1/verzekerden/{INSURER}"


@pytest.fixture
async def operator(gateway: Gateway) -> AsyncIterator[Operator]:
    async with operator_of(gateway) as running:
        yield running


def _renamed(naam: str) -> dict[str, Any]:
    register = copy.deepcopy(REGISTER)
    register["verzekerden"][0]["naam"] = naam
    return register


async def _naam(provider: Party) -> str | None:
    status, answer = await provider.call("POST", COV_JSON, json=PERSON)
    assert status == 200
    verzekerde = answer["zoekresultaten"][0].get("verzekerde")
    return None if verzekerde is None else str(verzekerde["naam"])


async def test_a_new_population_and_a_reset_change_the_next_answer(
    operator: Operator, parties: dict[str, Party]
) -> None:
    insurer, provider = parties["insurer"], parties["provider"]
    assert (await insurer.call("PUT", REGISTER_PATH, json=_renamed("Ommeren")))[0] == 204
    assert await _naam(provider) == "Ommeren"
    assert await _naam(provider) == "Ommeren"  # asked again: the kept decision
    assert (await insurer.call("PUT", REGISTER_PATH, json=_renamed("Anders")))[0] == 204
    assert await _naam(provider) == "Anders"
    status, body = await provider.call("POST", SOAP, data=QUESTION, headers=SOAP_HEADERS)
    assert status == 200
    assert b"<typ:Achternaam1>Anders</typ:Achternaam1>" in body
    assert (await operator.call("POST", "/reset", json={"covRegister": True}))[0] == 200
    assert await _naam(provider) is None
    status, body = await provider.call("POST", SOAP, data=QUESTION, headers=SOAP_HEADERS)
    assert b"<typ:Resultaat>BsnOnbekend</typ:Resultaat>" in body


async def _pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
        await asyncio.sleep(0)  # let the server see each piece on its own


async def test_a_body_sent_in_pieces_is_answered(parties: dict[str, Party]) -> None:
    insurer, provider = parties["insurer"], parties["provider"]
    assert (await insurer.call("PUT", REGISTER_PATH, json=REGISTER))[0] == 204
    status, body = await provider.call(
        "POST", SOAP, data=_pieces(QUESTION, 100), headers=SOAP_HEADERS
    )
    assert status == 200
    assert b"<typ:Resultaat>Gevonden</typ:Resultaat>" in body


async def test_a_body_past_the_limit_is_a_fault_with_or_without_its_length(
    parties: dict[str, Party],
) -> None:
    provider = parties["provider"]
    padding = b" " * (SOAP_LIMIT + 1)
    for data in (_pieces(QUESTION + padding, 64 * 1024), io.BytesIO(QUESTION + padding)):
        status, body = await provider.call("POST", SOAP, data=data, headers=SOAP_HEADERS)
        assert status == 400
        assert f"verzoek is groter dan {SOAP_LIMIT} bytes".encode() in body
