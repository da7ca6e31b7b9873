"""The exchange end to end over real mutual TLS on 127.0.0.1: every route, works and refused.

Each test starts its own ``Gateway`` on free ports over a copy of a session-built PKI, so the
store, the CRL and the journal of one test never leak into another.
"""

from __future__ import annotations

import datetime as dt
import json

import aiohttp
import pytest
from gateway_fixtures import (
    ACCOUNTS,
    BUREAU_OK,
    DECLARATION,
    INSURER,
    PRACTICE,
    PULL,
    PUSH,
    PUSH_INSURER,
    REGISTER,
    STATUS,
    GatewayPki,
    Party,
    build_world,
    client_context,
    declaration_metadata,
    fake_insurer,
    operator_of,
    return_metadata,
    settings_for,
    wait_status,
)

import vektis
from certs import CertificateAuthority
from gateway import Gateway
from world import HomeLayout


async def test_declaration_reaches_insurer_and_return_reaches_indiener(
    parties: dict[str, Party],
) -> None:
    provider, insurer = parties["provider"], parties["insurer"]
    meta = declaration_metadata()
    tid = meta["referentiegegevens"]["traceerId"]
    assert (await provider.push(meta))[0] == 204
    await wait_status(provider, tid, "WordtAangeboden")
    status, listing = await insurer.call("GET", PULL, params={"limit": "10"})
    assert status == 200
    assert [m["referentiegegevens"]["traceerId"] for m in listing] == [tid]
    item = listing[0]
    assert item["basisgegevens"]["payload"]["grootte"] == len(DECLARATION)
    assert {"sleutel": "indiener", "waarde": [PRACTICE]} in item["verwerkingscontext"]
    status, payload = await insurer.call("GET", f"{PULL}/{tid}/payload")
    assert status == 200
    assert payload == DECLARATION
    # another organisation sees nothing of it
    assert (await parties["other_provider"].call("GET", f"{PULL}/{tid}/payload"))[0] == 404
    assert (await parties["other_provider"].call("DELETE", f"{PULL}/{tid}"))[0] == 404
    # the v3 status document has 200 and 400 only: someone else's message is an empty list
    assert (await parties["other_provider"].call("GET", STATUS, params={"traceerId": tid})) == (
        200,
        [],
    )
    assert (await insurer.call("DELETE", f"{PULL}/{tid}"))[0] == 202
    assert (await insurer.call("GET", PULL))[1] == []
    await wait_status(provider, tid, "Bezorgd")

    answer = vektis.build_return(vektis.parse_file(DECLARATION), {}, return_date=dt.date.today())
    back = return_metadata(meta, uzovi=INSURER, indiener=PRACTICE)
    assert (await insurer.push(back, answer))[0] == 204
    await wait_status(provider, back["referentiegegevens"]["traceerId"], "WordtAangeboden")
    status, listing = await provider.call(
        "POST",
        f"{PULL}/zoeken",
        json={"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": tid},
    )
    assert [m["referentiegegevens"]["traceerId"] for m in listing] == [
        back["referentiegegevens"]["traceerId"]
    ]
    conv = meta["referentiegegevens"]["conversatieId"]
    status, statuses = await provider.call("GET", STATUS, params={"conversatieId": conv})
    assert status == 200
    assert len(statuses) == 2


async def test_bureau_sends_with_toestemming_and_gets_the_return(parties: dict[str, Party]) -> None:
    bureau, insurer = parties["bureau"], parties["insurer"]
    meta = declaration_metadata()
    assert (await bureau.push(meta))[0] == 204
    tid = meta["referentiegegevens"]["traceerId"]
    await wait_status(bureau, tid, "WordtAangeboden")
    item = (await insurer.call("GET", PULL))[1][0]
    assert {"sleutel": "indiener", "waarde": [BUREAU_OK]} in item["verwerkingscontext"]
    answer = vektis.build_return(vektis.parse_file(DECLARATION), {}, return_date=dt.date.today())
    wrong = return_metadata(meta, uzovi=INSURER, indiener=PRACTICE)
    status, problem = await insurer.push(wrong, answer)
    assert status == 422
    assert "routeringgegevens.geadresseerden" in problem["errors"]
    back = return_metadata(meta, uzovi=INSURER, indiener=BUREAU_OK)
    assert (await insurer.push(back, answer))[0] == 204
    await wait_status(bureau, back["referentiegegevens"]["traceerId"], "WordtAangeboden")
    assert len((await bureau.call("GET", PULL))[1]) == 1
    assert (await parties["provider"].call("GET", PULL))[1] == []


@pytest.mark.parametrize("name", [None, "foreign", "revoked", "expired"])
async def test_handshake_refuses_bad_certificates(
    gateway: Gateway, pki: GatewayPki, layout: HomeLayout, name: str | None
) -> None:
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, name))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.get(gateway.url + PULL) as response:
                await response.read()


async def test_unknown_account_and_missing_right_are_refused_and_journaled(
    parties: dict[str, Party], gateway: Gateway
) -> None:
    status, problem = await parties["unknown"].call("GET", PULL)
    assert status == 401
    assert problem["status"] == 401
    status, problem = await parties["provider_no_cov"].call("POST", "/cov/v1/controle", json={})
    assert status == 403
    assert "cov" in problem["detail"]
    async with operator_of(gateway) as operator:
        _, journal = await operator.call("GET", "/journal", params={"status": "403"})
    assert [e["account"] for e in journal] == [ACCOUNTS["provider_no_cov"][0]]


async def test_push_refusals_name_what_is_wrong(parties: dict[str, Party]) -> None:
    provider = parties["provider"]
    status, problem = await provider.call(
        "POST", PUSH, data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert "$" in problem["errors"]
    assert (await provider.push("{not json"))[0] == 400
    broken = declaration_metadata()
    del broken["referentiegegevens"]["traceerId"]
    broken["extra"] = 1
    status, problem = await provider.push(broken)
    assert status == 400
    assert "referentiegegevens.traceerId" in problem["errors"]
    assert (await provider.push(declaration_metadata(), b"x" * (65 * 1024)))[0] == 413
    status, problem = await provider.push(declaration_metadata(uzovi="0101"))
    assert status == 422
    assert "routeringgegevens.geadresseerden[0].code" in problem["errors"]
    assert (await provider.push(declaration_metadata(uzovi="9999")))[0] == 422
    meta = declaration_metadata()
    assert (await provider.push(meta))[0] == 204
    status, problem = await provider.push(meta)
    assert status == 422
    assert "referentiegegevens.traceerId" in problem["errors"]
    assert (await parties["other_provider"].push(declaration_metadata()))[0] == 422
    assert (await parties["bureau_without"].push(declaration_metadata()))[0] == 422


async def test_technically_wrong_file_is_afgekeurd_and_not_delivered(
    parties: dict[str, Party],
) -> None:
    lines = DECLARATION.split(b"\r\n")
    broken = b"\r\n".join(lines[:2] + lines[3:])  # one prestatie gone: counts no longer add up
    meta = declaration_metadata()
    assert (await parties["provider"].push(meta, broken))[0] == 204
    tid = meta["referentiegegevens"]["traceerId"]
    item = await wait_status(parties["provider"], tid, "AfgekeurdDoorDienst")
    codes = {m["code"] for m in item["meldingen"]}
    assert {"0158", "0156"} <= codes
    assert all(m["toelichting"].startswith("record ") for m in item["meldingen"])
    assert (await parties["insurer"].call("GET", PULL))[1] == []


def soap(bsn: str, born: str) -> bytes:
    today = dt.date.today().isoformat()
    return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:v1="http://schemas.vecozo.nl/VZ801802/v1"
 xmlns:mes="http://schemas.vecozo.nl/VZ801802/v1/messages"
 xmlns:typ="http://schemas.vecozo.nl/VZ801802/v1/types"><s:Body><v1:Controleer><v1:request>
<mes:Zoekopdrachten><typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer>
<typ:Geboortedatum>{born}</typ:Geboortedatum><typ:Peildatum>{today}</typ:Peildatum>
<typ:Bsn>{bsn}</typ:Bsn></typ:Zoekopdracht></mes:Zoekopdrachten>
</v1:request></v1:Controleer></s:Body></s:Envelope>""".encode()


SOAP_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"',
}
BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol2;</s:Body></s:Envelope>"""


async def test_cov_register_and_controleer(parties: dict[str, Party]) -> None:
    reg = f"/cov-register/v1/verzekerden/{INSURER}"
    assert (await parties["insurer_person"].call("PUT", reg, json=REGISTER))[0] == 403
    assert (await parties["other_insurer"].call("PUT", reg, json=REGISTER))[0] == 403
    assert (await parties["insurer"].call("PUT", reg, json={"verzekerden": [{}]}))[0] == 400
    assert (await parties["insurer"].call("PUT", reg, json=REGISTER))[0] == 204
    provider = parties["provider"]
    cov = "/cov/vz801802/v1/soap11"
    status, body = await provider.call(
        "POST", cov, data=soap("999979668", "1962-03-15"), headers=SOAP_HEADERS
    )
    assert status == 200
    assert b"Gevonden" in body
    assert b"559" in body
    status, body = await provider.call(
        "POST", cov, data=soap("999979668", "1962-03-16"), headers=SOAP_HEADERS
    )
    assert b"CombinatieBsnGeboortedatumOnbekend" in body
    # a client's mistake is a Client fault with HTTP 400 (house rule), not SOAP 1.1's 500
    status, body = await provider.call("POST", cov, data=BOMB, headers=SOAP_HEADERS)
    assert status == 400
    assert b"<faultcode>s:Client</faultcode>" in body
    status, body = await provider.call("POST", cov, data=b"<not xml", headers=SOAP_HEADERS)
    assert status == 400
    assert b"Fault" in body
    wrong_action = {**SOAP_HEADERS, "SOAPAction": "urn:other"}
    status, body = await provider.call(
        "POST", cov, data=soap("999979668", "1962-03-15"), headers=wrong_action
    )
    assert status == 400
    assert b"SOAPAction" in body
    soap12 = soap("999979668", "1962-03-15").replace(
        b"http://schemas.xmlsoap.org/soap/envelope/", b"http://www.w3.org/2003/05/soap-envelope"
    )
    status, body = await provider.call("POST", cov, data=soap12, headers=SOAP_HEADERS)
    assert status == 400
    assert b"VersionMismatch" in body
    status, body = await provider.call(
        "POST", "/tst/cov/v1/controle", json={"bsn": "999979668", "geboortedatum": "1962-03-15"}
    )
    assert status == 200
    assert "Gevonden" in json.dumps(body)
    assert (await provider.call("POST", "/cov/v1/controle", data=b"{"))[0] == 400


async def test_strict_soap_operator_gets_500_for_client_faults(
    layout: HomeLayout, pki: GatewayPki
) -> None:
    gw = Gateway(settings_for(layout, soap_client_fault_status=500), world=build_world())
    await gw.start()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            provider = Party(gw, session)
            cov = "/cov/vz801802/v1/soap11"
            status, body = await provider.call("POST", cov, data=BOMB, headers=SOAP_HEADERS)
            assert status == 500
            assert b"<faultcode>s:Client</faultcode>" in body
            good = soap("999979668", "1962-03-15")
            assert (await provider.call("POST", cov, data=good, headers=SOAP_HEADERS))[0] == 200
    finally:
        await gw.stop()


async def test_crl_reload_refuses_a_newly_revoked_certificate(
    parties: dict[str, Party], pki: GatewayPki, layout: HomeLayout, gateway: Gateway
) -> None:
    provider = parties["provider"]
    assert (await provider.call("GET", PULL))[0] == 200
    # the CA of this test's home, not the session's: the revocation stays in this test
    ca = CertificateAuthority.load(layout.ca_cert, layout.ca_key, layout.pki_dir)
    ca.revoke(pki.serials["provider"])
    layout.crl.write_bytes(ca.crl_pem())
    async with operator_of(gateway) as operator:
        assert (await operator.call("POST", "/crl/reload"))[0] == 200
    status, problem = await provider.call("GET", PULL)  # the kept-alive connection
    assert status == 403
    assert "ingetrokken" in problem["detail"]
    fresh = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    async with aiohttp.ClientSession(connector=fresh) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.get(gateway.url + PULL) as response:
                await response.read()


@pytest.mark.parametrize(
    ("answers", "final"), [([503, 503], "Bezorgd"), ([503] * 5, "AanbiedenMislukt")]
)
async def test_push_delivery_retries_with_the_exchange_certificate(
    layout: HomeLayout, pki: GatewayPki, answers: list[int], final: str
) -> None:
    runner, url, seen = await fake_insurer(layout, list(answers))
    gw = Gateway(settings_for(layout, push_endpoints={PUSH_INSURER: url}), world=build_world())
    await gw.start()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            provider = Party(gw, session)
            meta = declaration_metadata(uzovi=PUSH_INSURER)
            payload = DECLARATION.replace(b"7095", PUSH_INSURER.encode())
            assert (await provider.push(meta, payload))[0] == 204
            await wait_status(provider, meta["referentiegegevens"]["traceerId"], final)
    finally:
        await gw.stop()
        await runner.cleanup()
    assert seen == ["99999999999999"] * 3


async def test_push_endpoints_set_on_a_running_gateway_are_used(
    layout: HomeLayout, pki: GatewayPki
) -> None:
    runner, url, seen = await fake_insurer(layout, [])
    gw = Gateway(settings_for(layout), world=build_world())  # the world: PUSH_INSURER pulls
    await gw.start()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            provider = Party(gw, session)
            payload = DECLARATION.replace(b"7095", PUSH_INSURER.encode())
            pulled = declaration_metadata(uzovi=PUSH_INSURER)
            assert (await provider.push(pulled, payload))[0] == 204
            await wait_status(
                provider, pulled["referentiegegevens"]["traceerId"], "WordtAangeboden"
            )
            gw.set_push_endpoints({PUSH_INSURER: url})
            pushed = declaration_metadata(uzovi=PUSH_INSURER)
            assert (await provider.push(pushed, payload))[0] == 204
            await wait_status(provider, pushed["referentiegegevens"]["traceerId"], "Bezorgd")
    finally:
        await gw.stop()
        await runner.cleanup()
    assert seen == ["99999999999999"]  # only the second: the first waits in the mailbox


async def test_restart_delivers_what_was_accepted(layout: HomeLayout, pki: GatewayPki) -> None:
    cold = Gateway(settings_for(layout), world=build_world(), run_worker=False)
    await cold.start()
    meta = declaration_metadata()
    connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"))
    async with aiohttp.ClientSession(connector=connector) as session:
        assert (await Party(cold, session).push(meta))[0] == 204
    await cold.stop()
    warm = Gateway(settings_for(layout), world=build_world())
    await warm.start()
    try:
        connector = aiohttp.TCPConnector(ssl=client_context(pki, layout, "insurer"))
        async with aiohttp.ClientSession(connector=connector) as session:
            insurer = Party(warm, session)
            await wait_status(insurer, meta["referentiegegevens"]["traceerId"], "WordtAangeboden")
            listing = (await insurer.call("GET", "/acc" + PULL))[1]
            assert [m["referentiegegevens"]["traceerId"] for m in listing] == [
                meta["referentiegegevens"]["traceerId"]
            ]
    finally:
        await warm.stop()
