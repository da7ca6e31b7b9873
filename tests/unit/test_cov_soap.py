"""COV VZ801/802: SOAP round trips, hostile XML, and the pure answer from a register."""

from __future__ import annotations

import json
from datetime import date

import pytest

from berichten import (
    CovIndex,
    CovJsonError,
    CovPolicy,
    CovRegisterEntry,
    CovRequest,
    CovResponse,
    Geslacht,
    Retourberichtresultaat,
    SoapFaultError,
    SoortVerzekering,
    Verzekerde,
    VerzekerdeResultaat,
    Verzekering,
    VerzekeringResultaat,
    Zoekopdracht,
    Zoekresultaat,
    ZoekresultaatType,
    Zorgaanbieder,
    answer_cov,
    cov_register_to_json,
    cov_response_to_json,
    parse_cov_json,
    parse_cov_register,
    parse_cov_request,
    parse_cov_response,
    render_cov_request,
    render_cov_response,
    render_soap_fault,
)

TODAY = date(2025, 6, 1)
BSN = "999979668"  # the VECOZO test person; passes the 11-proef


def zoek(n: int = 1, **changes: object) -> Zoekopdracht:
    values: dict[str, object] = {
        "volgnummer": n,
        "geboortedatum": date(1962, 3, 15),
        "peildatum": TODAY,
        "bsn": BSN,
    }
    return Zoekopdracht(**(values | changes))  # type: ignore[arg-type]


def person(**changes: object) -> CovRegisterEntry:
    values: dict[str, object] = {
        "bsn": BSN,
        "geboortedatum": date(1962, 3, 15),
        "naam": "Ommeren",
        "voorvoegsel": "van",
        "voorletters": "OP",
        "geslacht": Geslacht.VROUW,
        "postcode": "1234AB",
        "huisnummer": 5,
        "policies": (
            CovPolicy(
                uzovi="3000",
                verzekerdennummer="559",
                soort=SoortVerzekering.BASIS,
                begin=date(2017, 1, 1),
            ),
            CovPolicy(
                uzovi="3000",
                verzekerdennummer="559",
                soort=SoortVerzekering.AANVULLEND,
                begin=date(2017, 1, 1),
                eind=date(2024, 12, 31),
                pakket="AV1",
            ),
        ),
    }
    return CovRegisterEntry(**(values | changes))  # type: ignore[arg-type]


def test_request_round_trip() -> None:
    request = CovRequest(
        zorgaanbieder=Zorgaanbieder.from_agb("12345678"),
        zoekopdrachten=(
            zoek(1, referentie_zorgaanbieder="R&D <1>"),
            zoek(2, bsn=None, postcode="1234AB", huisnummer=5, huisnummertoevoeging="a"),
            zoek(3, bsn=None, verzekerdennummer="559"),
        ),
    )
    xml = render_cov_request(request)
    assert b"<typ:Verzekerdenummer>559</typ:Verzekerdenummer>" in xml
    assert b"R&amp;D &lt;1&gt;" in xml
    assert parse_cov_request(xml) == request
    assert request.zorgaanbieder is not None
    assert request.zorgaanbieder.agb == "12345678"


def full_response() -> CovResponse:
    verzekerde = Verzekerde(
        resultaat=VerzekerdeResultaat.ACTIEVE_VERZEKERINGEN,
        geboortedatum=date(1962, 3, 15),
        geslacht=Geslacht.VROUW,
        overleden=False,
        achternaam1="Ommeren",
        voorvoegsel1="van",
        achternaam2="Prater",
        voorvoegsel2="de",
        voorletters="OP",
        bsn=BSN,
        verzekeringen=(
            Verzekering(
                resultaat=VerzekeringResultaat.ACTIEF,
                uzovi=101,
                verzekerdennummer="559",
                soort_verzekering=SoortVerzekering.AANVULLEND,
                pakketcode="AV1",
                pakketnaam="Aanvullend 1",
                labelcode="L",
                labelnaam="Label",
                ingangsdatum=date(2017, 1, 1),
                einddatum=date(2025, 12, 31),
            ),
        ),
    )
    return CovResponse(
        resultaat=Retourberichtresultaat.VERZOEK_AKKOORD,
        zoekresultaten=(
            Zoekresultaat(
                volgnummer=1, resultaat=ZoekresultaatType.GEVONDEN, verzekerde=verzekerde
            ),
            Zoekresultaat(
                volgnummer=2,
                resultaat=ZoekresultaatType.NIET_GEVONDEN,
                referentie_zorgaanbieder="x",
            ),
        ),
    )


def test_response_round_trip() -> None:
    xml = render_cov_response(full_response())
    assert b"<typ:CodeGeslacht>2</typ:CodeGeslacht>" in xml
    assert b"<typ:UZOVI>101</typ:UZOVI>" in xml  # xs:short on the wire
    assert parse_cov_response(xml) == full_response()


def test_fault_round_trip() -> None:
    xml = render_soap_fault(SoapFaultError("Element Peildatum is missing <here>."))
    assert b"<faultcode>s:Client</faultcode>" in xml
    with pytest.raises(SoapFaultError) as info:
        parse_cov_response(xml)
    assert (info.value.faultcode, info.value.faultstring) == (
        "Client",
        "Element Peildatum is missing <here>.",
    )


def request_xml(
    zoekopdracht: str = "", *, envelope: str = "http://schemas.xmlsoap.org/soap/envelope/"
) -> bytes:
    body = zoekopdracht or (
        "<typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer><typ:Geboortedatum>1962-03-15</typ:Geboortedatum>"
        "<typ:Peildatum>2025-06-01</typ:Peildatum><typ:Bsn>999979668</typ:Bsn></typ:Zoekopdracht>"
    )
    return (
        f'<soapenv:Envelope xmlns:soapenv="{envelope}" '
        'xmlns:v1="http://schemas.vecozo.nl/VZ801802/v1" '
        'xmlns:mes="http://schemas.vecozo.nl/VZ801802/v1/messages" '
        'xmlns:typ="http://schemas.vecozo.nl/VZ801802/v1/types"><soapenv:Header/><soapenv:Body>'
        f"<v1:Controleer><v1:request><mes:Zoekopdrachten>{body}</mes:Zoekopdrachten>"
        "</v1:request></v1:Controleer></soapenv:Body></soapenv:Envelope>"
    ).encode()


def test_hand_written_request_with_other_prefixes_is_read() -> None:
    request = parse_cov_request(request_xml())
    assert request.zoekopdrachten == (zoek(1),)
    assert request.zorgaanbieder is None


def fault_of(xml: bytes) -> SoapFaultError:
    with pytest.raises(SoapFaultError) as info:
        parse_cov_request(xml)
    return info.value


@pytest.mark.parametrize(
    ("xml", "needle"),
    [
        (b"<not xml", "well-formed"),
        (b"", "well-formed"),
        (b"<Envelope/>", "SOAP 1.1"),
        (b"<a/>", "SOAP Envelope"),
        (b'<?xml version="1.0" encoding="ut-8"?><a/>', "unknown encoding"),  # found by the fuzz
        (
            request_xml()
            .replace(b"<v1:Controleer>", b"<v1:Anders>")
            .replace(b"</v1:Controleer>", b"</v1:Anders>"),
            "Controleer",
        ),
        (request_xml().replace(b"VZ801802/v1/types", b"VZ801802/v2/types"), "Zoekopdracht"),
        (request_xml().replace(b"<typ:Peildatum>2025-06-01</typ:Peildatum>", b""), "Peildatum"),
        (request_xml().replace(b"2025-06-01", b"01-06-2025"), "xs:date"),
        (request_xml().replace(b"<typ:Volgnummer>1<", b"<typ:Volgnummer>99999<"), "Volgnummer"),
    ],
)
def test_bad_requests_are_client_faults(xml: bytes, needle: str) -> None:
    fault = fault_of(xml)
    assert fault.faultcode in ("Client", "VersionMismatch")
    assert needle in fault.faultstring


def test_soap12_envelope_is_a_version_mismatch() -> None:
    fault = fault_of(request_xml(envelope="http://www.w3.org/2003/05/soap-envelope"))
    assert fault.faultcode == "VersionMismatch"


def test_billion_laughs_is_refused_without_expanding() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]><lolz>&lol9;</lolz>"
    )
    fault = fault_of(bomb)
    assert fault.faultcode == "Client"
    assert "DTD" in fault.faultstring


def test_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + request_xml().replace(b"<typ:Bsn>999979668", b"<typ:Bsn>&e;")
    )
    fault = fault_of(xxe)
    assert "DTD" in fault.faultstring


def answer(
    *zoekopdrachten: Zoekopdracht, entries: tuple[CovRegisterEntry, ...] | None = None
) -> CovResponse:
    index = CovIndex(entries if entries is not None else (person(),))
    return answer_cov(CovRequest(zoekopdrachten=zoekopdrachten), index, TODAY)


def only(response: CovResponse) -> Zoekresultaat:
    assert response.resultaat is Retourberichtresultaat.VERZOEK_AKKOORD
    (result,) = response.zoekresultaten
    return result


def test_found_lists_only_policies_active_on_peildatum() -> None:
    result = only(answer(zoek(7, referentie_zorgaanbieder="r1")))
    assert (result.volgnummer, result.resultaat, result.referentie_zorgaanbieder) == (
        7,
        ZoekresultaatType.GEVONDEN,
        "r1",
    )
    assert result.verzekerde is not None
    assert result.verzekerde.resultaat is VerzekerdeResultaat.ACTIEVE_VERZEKERINGEN
    assert [
        (p.uzovi, p.soort_verzekering, p.resultaat) for p in result.verzekerde.verzekeringen
    ] == [(3000, SoortVerzekering.BASIS, VerzekeringResultaat.ACTIEF)]


def test_one_to_twenty_zoekopdrachten_bounds() -> None:
    assert answer().resultaat is Retourberichtresultaat.GEEN_ZOEKOPDRACHTEN
    assert len(answer(*(zoek(i) for i in range(20))).zoekresultaten) == 20
    over = answer(*(zoek(i) for i in range(21)))
    assert (over.resultaat, over.zoekresultaten) == (
        Retourberichtresultaat.MEER_DAN_20_ZOEKOPDRACHTEN,
        (),
    )


@pytest.mark.parametrize(
    ("zoekopdracht", "expected"),
    [
        (zoek(bsn="999979669"), ZoekresultaatType.BSN_VOLDOET_NIET_AAN_ELF_PROEF),
        # a superscript is isdigit() but not int(): refused, not a traceback
        (zoek(bsn="99997966\u00b2"), ZoekresultaatType.BSN_VOLDOET_NIET_AAN_ELF_PROEF),
        (zoek(bsn="999900006"), ZoekresultaatType.BSN_ONBEKEND),
        (
            zoek(geboortedatum=date(1962, 3, 16)),
            ZoekresultaatType.COMBINATIE_BSN_GEBOORTEDATUM_ONBEKEND,
        ),
        (zoek(verzekerdennummer="559"), ZoekresultaatType.MEERDERE_ZOEKPADEN_OPGEGEVEN),
        (zoek(bsn=None), ZoekresultaatType.GEEN_GELDIG_ZOEKPAD),
        (zoek(bsn=None, postcode="1234AB"), ZoekresultaatType.GEEN_GELDIG_ZOEKPAD),
        (zoek(peildatum=date(2023, 6, 1)), ZoekresultaatType.PEILDATUM_2_JAAR_OF_OUDER),
        (zoek(peildatum=date(2023, 6, 2)), ZoekresultaatType.GEVONDEN),
        (zoek(peildatum=date(2025, 6, 2)), ZoekresultaatType.GEVONDEN_PEILDATUM_IN_TOEKOMST),
        (zoek(bsn=None, verzekerdennummer="559"), ZoekresultaatType.GEVONDEN),
        (zoek(bsn=None, verzekerdennummer="560"), ZoekresultaatType.NIET_GEVONDEN),
        (zoek(bsn=None, postcode="1234 ab", huisnummer=5), ZoekresultaatType.GEVONDEN),
        (
            zoek(bsn=None, postcode="1234AB", huisnummer=5, huisnummertoevoeging="B"),
            ZoekresultaatType.NIET_GEVONDEN,
        ),
    ],
)
def test_result_codes(zoekopdracht: Zoekopdracht, expected: ZoekresultaatType) -> None:
    result = only(answer(zoekopdracht))
    assert result.resultaat is expected
    found = expected in (
        ZoekresultaatType.GEVONDEN,
        ZoekresultaatType.GEVONDEN_PEILDATUM_IN_TOEKOMST,
    )
    assert (result.verzekerde is not None) == found


def test_two_people_at_one_address_with_one_birth_date() -> None:
    twin = person(bsn="999900006")
    result = only(answer(zoek(bsn=None, postcode="1234AB", huisnummer=5), entries=(person(), twin)))
    assert result.resultaat is ZoekresultaatType.MEERDERE_PERSONEN_GEVONDEN


def test_only_ended_policies_give_inactive_with_the_last_closed() -> None:
    ended = person(
        policies=(
            CovPolicy(
                uzovi="0101",
                verzekerdennummer="1",
                soort=SoortVerzekering.BASIS,
                begin=date(2020, 1, 1),
                eind=date(2023, 12, 31),
            ),
            CovPolicy(
                uzovi="3000",
                verzekerdennummer="2",
                soort=SoortVerzekering.BASIS,
                begin=date(2024, 1, 1),
                eind=date(2024, 12, 31),
            ),
        )
    )
    verzekerde = only(answer(zoek(), entries=(ended,))).verzekerde
    assert verzekerde is not None
    assert verzekerde.resultaat is VerzekerdeResultaat.INACTIEVE_VERZEKERINGEN
    assert [(p.verzekerdennummer, p.resultaat) for p in verzekerde.verzekeringen] == [
        ("2", VerzekeringResultaat.INACTIEF)
    ]


def test_two_active_basis_policies_are_flagged_double() -> None:
    double = person(
        policies=(
            CovPolicy(
                uzovi="0101",
                verzekerdennummer="1",
                soort=SoortVerzekering.BASIS,
                begin=date(2020, 1, 1),
            ),
            CovPolicy(
                uzovi="3000",
                verzekerdennummer="2",
                soort=SoortVerzekering.BASIS,
                begin=date(2024, 1, 1),
            ),
        )
    )
    verzekerde = only(answer(zoek(), entries=(double,))).verzekerde
    assert verzekerde is not None
    assert verzekerde.resultaat is VerzekerdeResultaat.DUBBELE_ACTIEVE_VERZEKERINGEN_GEVONDEN


def test_register_entry_json_round_trip() -> None:
    entry = person()
    body = cov_register_to_json([entry])
    assert body["verzekerden"][0]["policies"][1] == {
        "uzovi": "3000",
        "verzekerdennummer": "559",
        "soort": "Aanvullend",
        "pakket": "AV1",
        "begin": "2017-01-01",
        "eind": "2024-12-31",
    }
    assert parse_cov_register(body) == (entry,)
    assert CovRegisterEntry.from_json(entry.to_json()) == entry


def test_register_entry_reads_back_its_own_json_unchecked_but_equal() -> None:
    entry = person()
    minimal = CovRegisterEntry(
        bsn="999900006",
        geboortedatum=entry.geboortedatum,
        naam="Jansen",
        postcode="1234AB",
        huisnummer=1,
        policies=(),
    )
    for item in (entry, minimal):
        stored = json.loads(json.dumps(item.to_json()))
        assert CovRegisterEntry.from_own_json(stored) == item


def test_register_entry_errors_are_all_collected() -> None:
    obj = person().to_json()
    obj["bsn"] = "12345"
    obj["geboortedatum"] = "15-03-1962"
    obj["policies"][0]["soort"] = "Luxe"
    obj["policies"][1]["eind"] = "2016-01-01"
    del obj["naam"]
    with pytest.raises(CovJsonError) as info:
        parse_cov_register({"verzekerden": [obj]})
    assert set(info.value.errors) == {
        "verzekerden[0].bsn",
        "verzekerden[0].geboortedatum",
        "verzekerden[0].naam",
        "verzekerden[0].policies[0].soort",
        "verzekerden[0].policies[1].eind",
    }


def test_json_face_single_and_list() -> None:
    single = parse_cov_json({"bsn": BSN, "geboortedatum": "1962-03-15"}, today=TODAY)
    assert single.zoekopdrachten == (zoek(1),)
    many = parse_cov_json(
        {
            "zoekopdrachten": [
                {"bsn": BSN, "geboortedatum": "1962-03-15", "peildatum": "2025-01-01"},
                {"volgnummer": 9, "verzekerdennummer": "559", "geboortedatum": "1962-03-15"},
            ]
        },
        today=TODAY,
    )
    assert [z.volgnummer for z in many.zoekopdrachten] == [1, 9]
    assert many.zoekopdrachten[0].peildatum == date(2025, 1, 1)
    out = cov_response_to_json(answer_cov(many, CovIndex((person(),)), TODAY))
    assert out["resultaat"] == "VerzoekAkkoord"
    assert out["zoekresultaten"][0]["verzekerde"]["verzekeringen"][0]["uzovi"] == "3000"


def test_json_face_errors() -> None:
    with pytest.raises(CovJsonError) as info:
        parse_cov_json(
            {"zoekopdrachten": [{"bsn": BSN}, {"geboortedatum": "x", "extra": 1}]}, today=TODAY
        )
    assert set(info.value.errors) == {
        "zoekopdrachten[0].geboortedatum",
        "zoekopdrachten[1].geboortedatum",
        "zoekopdrachten[1].extra",
    }
