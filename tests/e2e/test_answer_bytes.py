"""The exchange's answers, byte for byte, as recorded before the speed work of issue 13.

Fixed requests (COV SOAP and JSON, good and hostile, berichtstatus, the pull listing, a wrong
route and method) go over mutual TLS from a raw socket client; each whole answer (status line,
headers but ``Date`` and ``Server``, body) must equal the one in ``answers/request_path.json``,
recorded from the code before the request path was tuned. Tuning may change how an answer is
made, never a byte of it. After a deliberate change of an answer, record again with
``VECOZO_RECORD_ANSWERS=1 pytest tests/e2e/test_answer_bytes.py`` and review the diff.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import re
import ssl
from pathlib import Path

import pytest
from gateway_fixtures import (
    INSURER,
    PULL,
    REGISTER,
    STATUS,
    GatewayPki,
    build_gateway_pki,
    build_world,
    client_context,
    home_from,
    settings_for,
)

from gateway import Gateway

RECORDED = Path(__file__).resolve().parent / "answers" / "request_path.json"
TODAY = dt.date(2025, 6, 1)
SOAP = "/cov/vz801802/v1/soap11"
ACTION = '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"'
NS = "http://schemas.vecozo.nl/VZ801802/v1"
ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    f'<v1:Controleer xmlns:v1="{NS}" xmlns:mes="{NS}/messages" xmlns:typ="{NS}/types">'
    "<v1:request>{zorgaanbieder}<mes:Zoekopdrachten>{zoek}</mes:Zoekopdrachten></v1:request>"
    "</v1:Controleer></s:Body></s:Envelope>"
)
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def zoek(n: int, paths: str, born: str = "1962-03-15", peil: str = "2025-05-01") -> str:
    return (
        f"<typ:Zoekopdracht><typ:Volgnummer>{n}</typ:Volgnummer>"
        f"<typ:Geboortedatum>{born}</typ:Geboortedatum><typ:Peildatum>{peil}</typ:Peildatum>"
        f"{paths}</typ:Zoekopdracht>"
    )


def envelope(*zoekopdrachten: str, zorgaanbieder: str = "") -> str:
    return ENVELOPE.format(zorgaanbieder=zorgaanbieder, zoek="".join(zoekopdrachten))


FOUND = zoek(1, "<typ:Bsn>999979668</typ:Bsn>")
MANY = (
    FOUND,
    zoek(2, "<typ:Bsn>999990019</typ:Bsn>"),  # passes the 11-proef, nobody has it
    zoek(3, "<typ:Bsn>123456789</typ:Bsn>"),  # fails the 11-proef
    zoek(4, "<typ:Postcode>1234AB</typ:Postcode><typ:Huisnummer>1</typ:Huisnummer>"),
    zoek(5, "<typ:Verzekerdenummer>559</typ:Verzekerdenummer>", peil="2030-01-01"),
    zoek(6, "<typ:Bsn>999979668</typ:Bsn><typ:Postcode>1234AB</typ:Postcode>"),
    zoek(7, "<typ:Bsn>999979668</typ:Bsn>", peil="2020-01-01"),
    zoek(8, "<typ:Bsn>999979668</typ:Bsn>", born="1962-03-16"),
    zoek(
        9,
        "<typ:Bsn>999979668</typ:Bsn><typ:ReferentieZorgaanbieder>a&amp;b&lt;c"
        "</typ:ReferentieZorgaanbieder>",
    ),
)
ZORGAANBIEDER = (
    "<mes:Zorgaanbieder><typ:AGB-zorgverlenersoort>12</typ:AGB-zorgverlenersoort>"
    "<typ:AGB-nummer>12002242</typ:AGB-nummer></mes:Zorgaanbieder>"
)
LATIN1 = envelope(
    zoek(
        1,
        "<typ:Bsn>999979668</typ:Bsn><typ:ReferentieZorgaanbieder>café"
        "</typ:ReferentieZorgaanbieder>",
    )
)

# name -> (account, method, path, headers, body)
Case = tuple[str, str, str, dict[str, str], bytes]
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ACTION}
JSON_HEADERS = {"Content-Type": "application/json"}


def soap(body: str | bytes, account: str = "provider", **headers: str) -> Case:
    data = body if isinstance(body, bytes) else (DECLARATION + body).encode()
    return (account, "POST", SOAP, SOAP_HEADERS | headers, data)


def cov_json(body: object, account: str = "provider") -> Case:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (account, "POST", "/cov/v1/controle", JSON_HEADERS, data)


def get(path: str, account: str = "provider") -> Case:
    return (account, "GET", path, {}, b"")


CASES: dict[str, Case] = {
    "soap_found": soap(envelope(FOUND)),
    "soap_many": soap(envelope(*MANY, zorgaanbieder=ZORGAANBIEDER)),
    "soap_none": soap(envelope()),
    "soap_over_20": soap(envelope(*[zoek(i, "<typ:Bsn>999979668</typ:Bsn>") for i in range(21)])),
    "soap_no_declaration": ("provider", "POST", SOAP, SOAP_HEADERS, envelope(FOUND).encode()),
    "soap_comment": soap(envelope(FOUND).replace("<s:Body>", "<s:Body><!-- c -->")),
    "soap_cdata": soap(envelope(zoek(1, "<typ:Bsn><![CDATA[999979668]]></typ:Bsn>"))),
    "soap_latin1": soap(b'<?xml version="1.0" encoding="ISO-8859-1"?>' + LATIN1.encode("latin-1")),
    "soap_utf16": soap(
        ('<?xml version="1.0" encoding="utf-16"?>' + envelope(FOUND)).encode("utf-16")
    ),
    "soap_unknown_encoding": soap(
        b'<?xml version="1.0" encoding="x-nope"?>' + envelope(FOUND).encode()
    ),
    "soap_dtd": soap('<!DOCTYPE x [<!ENTITY a "b">]>' + envelope(FOUND)),
    "soap_malformed": soap(envelope(FOUND)[:-10]),
    "soap_trailing_junk": soap(envelope(FOUND) + "<x/>"),
    "soap_empty": soap(b""),
    "soap_not_envelope": soap("<Envelope/>"),
    "soap_12": soap(
        envelope(FOUND).replace(
            "schemas.xmlsoap.org/soap/envelope/", "www.w3.org/2003/05/soap-envelope"
        )
    ),
    "soap_empty_body": soap(
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>'
    ),
    "soap_other_operation": soap(
        envelope(FOUND).replace("Controleer ", "Zoek ").replace("</v1:Controleer>", "</v1:Zoek>")
    ),
    "soap_missing_volgnummer": soap(
        envelope(FOUND.replace("<typ:Volgnummer>1</typ:Volgnummer>", ""))
    ),
    "soap_bad_date": soap(envelope(zoek(1, "<typ:Bsn>999979668</typ:Bsn>", born="15-03-1962"))),
    "soap_short_overflow": soap(
        envelope(FOUND.replace(">1</typ:Volgnummer>", ">40000</typ:Volgnummer>"))
    ),
    "soap_foreign_zoekopdracht": soap(
        envelope(FOUND.replace("typ:Zoekopdracht", "mes:Zoekopdracht"))
    ),
    "soap_wrong_action": soap(envelope(FOUND), SOAPAction='"urn:other"'),
    "soap_no_action": ("provider", "POST", SOAP, JSON_HEADERS, envelope(FOUND).encode()),
    "soap_unknown_account": soap(envelope(FOUND), account="unknown"),
    "soap_other_provider": soap(envelope(FOUND), account="other_provider"),
    "wsdl": get(SOAP + "?wsdl"),
    "json_found": cov_json(
        {"bsn": "999979668", "geboortedatum": "1962-03-15", "peildatum": "2025-05-01"}
    ),
    "json_today": cov_json({"bsn": "999979668", "geboortedatum": "1962-03-15"}),
    "json_list": cov_json(
        {
            "zoekopdrachten": [
                {"bsn": "999979668", "geboortedatum": "1962-03-15", "referentie": "r1"},
                {
                    "postcode": "1234AB",
                    "huisnummer": 1,
                    "geboortedatum": "1962-03-15",
                    "volgnummer": 7,
                },
                {"bsn": "123456789", "geboortedatum": "1962-03-15"},
            ]
        }
    ),
    "json_invalid": cov_json(b"{not json"),
    "json_errors": cov_json({"bsn": 5, "geboortedatum": "gisteren", "extra": True}),
    "json_deep": cov_json(b"[" * 100_000),
    "json_unknown_account": cov_json(
        {"bsn": "999979668", "geboortedatum": "1962-03-15"}, account="unknown"
    ),
    "status_unknown": get(f"{STATUS}?traceerId=00000000-0000-0000-0000-00000000000d"),
    "status_tst_prefix": get(f"/tst{STATUS}?traceerId=00000000-0000-0000-0000-00000000000d"),
    "status_bad_uuid": get(f"{STATUS}?traceerId=nope"),
    "status_no_query": get(STATUS),
    "listing": get(PULL),
    "listing_limit": get(PULL + "?limit=0"),
    "no_route": get("/nope"),
    "wrong_method": ("provider", "DELETE", "/cov/v1/controle", {}, b""),
}

# What is not the exchange's own: the moment, and the Python and aiohttp versions.
_NOT_OURS = re.compile(rb"^(?:Date|Server): .*\r\n", re.M | re.I)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> GatewayPki:
    return build_gateway_pki(tmp_path_factory.mktemp("answer-bytes-pki"))


async def exchange(context: ssl.SSLContext, port: int, case: Case) -> bytes:
    """One request on its own connection; the whole answer but Date and Server, the port
    (the WSDL names it) written as PORT."""
    _account, method, path, headers, body = case
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    writer.write(head.encode() + b"\r\n" + body)
    async with asyncio.timeout(20):
        answer = await reader.read()
    writer.close()
    return _NOT_OURS.sub(b"", answer).replace(f":{port}/".encode(), b":PORT/")


async def answers(pki: GatewayPki, home: Path) -> dict[str, str]:
    layout = home_from(pki, home)
    world = dataclasses.replace(build_world(), today=TODAY)
    gateway = Gateway(settings_for(layout), world=world, run_worker=False)
    await gateway.start()
    port = int(gateway.url.rsplit(":", 1)[1])
    try:
        publish = (
            "insurer",
            "PUT",
            f"/cov-register/v1/verzekerden/{INSURER}",
            JSON_HEADERS,
            json.dumps(REGISTER).encode(),
        )
        found = {"register": await exchange(client_context(pki, layout, "insurer"), port, publish)}
        for name, case in CASES.items():
            found[name] = await exchange(client_context(pki, layout, case[0]), port, case)
    finally:
        await gateway.stop()
    return {name: answer.decode("latin-1") for name, answer in found.items()}


async def test_every_answer_is_the_recorded_one_byte_for_byte(
    pki: GatewayPki, tmp_path: Path
) -> None:
    found = await answers(pki, tmp_path / "home")
    if os.environ.get("VECOZO_RECORD_ANSWERS") == "1":
        RECORDED.parent.mkdir(exist_ok=True)
        RECORDED.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", "utf-8")
    recorded = json.loads(RECORDED.read_text("utf-8"))
    assert found.keys() == recorded.keys()
    for name, answer in found.items():
        assert answer == recorded[name], name


async def test_the_recording_covers_found_refused_and_faulted_answers() -> None:
    """The recording is not of a broken exchange: the cases answer what their names say."""
    recorded = json.loads(RECORDED.read_text("utf-8"))
    assert recorded["register"].startswith("HTTP/1.1 204")
    assert "<typ:Resultaat>Gevonden</typ:Resultaat>" in recorded["soap_found"]
    assert "<typ:Resultaat>Gevonden</typ:Resultaat>" in recorded["soap_comment"]
    assert "café".encode().decode("latin-1") in recorded["soap_latin1"]
    assert "DTDs and entity declarations are not allowed" in recorded["soap_dtd"]
    assert "VersionMismatch" in recorded["soap_12"]
    assert recorded["soap_unknown_account"].startswith("HTTP/1.1 401")
    assert '"resultaat": "Gevonden"' in recorded["json_found"]
    assert recorded["status_unknown"].endswith("\r\n\r\n[]")
    assert recorded["listing"].endswith("\r\n\r\n[]")
    assert recorded["status_bad_uuid"].startswith("HTTP/1.1 400")
