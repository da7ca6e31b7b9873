"""Berichtstatus v3, meldingen, problem details and the Zoekpad variants."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from berichten import (
    Berichtstatus,
    BerichtstatusGegevens,
    Melding,
    MetadataError,
    ProblemDetails,
    StatusError,
    ValidationProblemDetails,
    ZoekpadError,
    ZoekpadOpAlsAntwoordOp,
    ZoekpadOpBerichtstroom,
    ZoekpadOpConversatieId,
    declaration_berichtstroom,
    parse_berichtstatussen,
    parse_metadata,
    parse_problem_details,
    parse_zoekpad,
    parse_zoekpad_json,
    zoekpad_to_json,
)
from berichten._metadata import Referentiegegevens

TRACE = "e1efb57c-9e95-478f-976a-3a80cf797129"
CONV = "0b9a8f9e-5d4c-4b3a-9f8e-7d6c5b4a3f2e"


def gegevens(**changes: Any) -> BerichtstatusGegevens:
    values: dict[str, Any] = {
        "referentiegegevens": Referentiegegevens(conversatie_id=CONV, traceer_id=TRACE),
        "berichtstroom": declaration_berichtstroom("MZ301", 1, 3),
        "berichtstatus": Berichtstatus.AFGEKEURD_DOOR_DIENST,
        "berichtstatus_gewijzigd_op": datetime(2025, 11, 24, 16, 58, 44, 86700, tzinfo=UTC),
        "bericht_ontvangen_op": datetime(2025, 11, 24, 16, 58, 40, tzinfo=UTC),
        "meldingen": (
            Melding(
                code="0001", omschrijving="Bestand technisch afgekeurd", toelichting="record 2"
            ),
        ),
    }
    return BerichtstatusGegevens(**(values | changes))


def test_status_enum_is_the_v3_enum_in_order() -> None:
    assert [s.value for s in Berichtstatus] == [
        "Ontvangen",
        "DeelsOntvangen",
        "DeelberichtAanleveringAfgekeurd",
        "WordtVerwerkt",
        "AfgekeurdDoorDienst",
        "VerwerkingVoltooid",
        "WordtAangeboden",
        "Bezorgd",
        "AanbiedenMislukt",
        "BezorgingAfgebroken",
    ]


def test_statusgegevens_round_trip() -> None:
    item = gegevens()
    obj = item.to_json()
    assert obj["berichtstatus"] == "AfgekeurdDoorDienst"
    assert obj["berichtstatusGewijzigdOp"] == "2025-11-24T16:58:44.086700+00:00"
    assert obj["meldingen"] == [
        {"code": "0001", "omschrijving": "Bestand technisch afgekeurd", "toelichting": "record 2"}
    ]
    assert parse_berichtstatussen(json.dumps([obj]).encode()) == (item,)


def test_statusgegevens_members_in_the_exchange_s_order() -> None:
    assert list(gegevens().to_json()) == [
        "referentiegegevens",
        "berichtstroom",
        "berichtstatus",
        "berichtstatusGewijzigdOp",
        "berichtOntvangenOp",
        "meldingen",
    ]
    moment = datetime(2025, 11, 24, 16, 58, 44, tzinfo=UTC)
    obj = gegevens(berichtstatus_gewijzigd_op=moment).to_json()
    assert obj["berichtstatusGewijzigdOp"] == "2025-11-24T16:58:44.000+00:00"
    assert obj["berichtOntvangenOp"] == "2025-11-24T16:58:40.000+00:00"


def test_statusgegevens_without_meldingen_leaves_the_member_out() -> None:
    obj = gegevens(meldingen=(), berichtstatus=Berichtstatus.BEZORGD).to_json()
    assert "meldingen" not in obj
    obj["meldingen"] = []
    with pytest.raises(StatusError) as info:
        parse_berichtstatussen([obj])
    assert list(info.value.errors) == ["[0].meldingen"]


def test_statusgegevens_rules_are_all_reported() -> None:
    obj = gegevens().to_json()
    obj["berichtstatus"] = "Aangeboden"  # a v2 value, gone in v3
    obj["meldingen"][0]["code"] = ""
    del obj["berichtOntvangenOp"]
    obj["extra"] = 1
    with pytest.raises(StatusError) as info:
        parse_berichtstatussen([obj])
    assert set(info.value.errors) == {
        "[0].berichtstatus",
        "[0].meldingen[0].code",
        "[0].berichtOntvangenOp",
        "[0].extra",
    }


def test_validation_problem_details_from_metadata_error() -> None:
    with pytest.raises(MetadataError) as info:
        parse_metadata({"routeringgegevens": {}})
    body = ValidationProblemDetails.from_error(info.value, instance="/x").to_json()
    assert body["status"] == 400
    assert body["title"] == "One or more validation errors occurred."
    assert body["instance"] == "/x"
    assert "referentiegegevens" in body["errors"]
    assert "routeringgegevens.afzender" in body["errors"]
    assert parse_problem_details(body).errors == body["errors"]


def test_problem_details_leaves_out_absent_members() -> None:
    body = ProblemDetails(status=403, title="Forbidden").to_json()
    assert body == {"type": "about:blank", "title": "Forbidden", "status": 403}
    assert parse_problem_details(body).status == 403
    assert parse_problem_details("oops").status == 0


@pytest.mark.parametrize(
    "zoekpad",
    [
        ZoekpadOpConversatieId(conversatie_id=CONV),
        ZoekpadOpAlsAntwoordOp(als_antwoord_op=TRACE),
        ZoekpadOpBerichtstroom(berichttype="MZ302"),
        ZoekpadOpBerichtstroom(
            berichttype="MZ302",
            berichtsubtype="x",
            berichtversie=1,
            berichtsubversie=3,
            actie="Retourneren",
            geadresseerde_rol="Indiener",
            geadresseerde_code="12345678",
        ),
    ],
)
def test_zoekpad_round_trip(zoekpad: object) -> None:
    obj = zoekpad_to_json(zoekpad)  # type: ignore[arg-type]
    assert obj["zoekpadType"] == type(zoekpad).__name__
    assert parse_zoekpad(obj) == zoekpad
    assert parse_zoekpad_json(json.dumps(obj)) == zoekpad


def test_zoekpad_stroom_member_names_on_the_wire() -> None:
    obj = zoekpad_to_json(ZoekpadOpBerichtstroom(berichttype="MZ302", geadresseerde_code="1"))
    assert obj == {
        "zoekpadType": "ZoekpadOpBerichtstroom",
        "berichttype": "MZ302",
        "geadresseerdeCode": "1",
    }


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"conversatieId": CONV}, {"zoekpadType"}),
        ({"zoekpadType": "ZoekpadOpTraceerId"}, {"zoekpadType"}),
        ({"zoekpadType": "ZoekpadOpConversatieId"}, {"conversatieId"}),
        ({"zoekpadType": "ZoekpadOpConversatieId", "conversatieId": "x"}, {"conversatieId"}),
        (
            {
                "zoekpadType": "ZoekpadOpAlsAntwoordOp",
                "alsAntwoordOp": TRACE,
                "conversatieId": CONV,
            },
            {"conversatieId"},
        ),
        (
            {
                "zoekpadType": "ZoekpadOpBerichtstroom",
                "berichtversie": 1000,
                "geadresseerdeRol": "r" * 101,
            },
            {"berichttype", "berichtversie", "geadresseerdeRol"},
        ),
        ([], {"$"}),
    ],
)
def test_zoekpad_refusals(body: object, paths: set[str]) -> None:
    with pytest.raises(ZoekpadError) as info:
        parse_zoekpad(body)
    assert set(info.value.errors) == paths


def test_zoekpad_malformed_json() -> None:
    with pytest.raises(ZoekpadError) as info:
        parse_zoekpad_json(b"{zoekpadType:")
    assert list(info.value.errors) == ["$"]
