"""BerichtMetadata (push and pull): round trips and every schema rule, all errors at once."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from berichten import (
    Basisgegevens,
    BerichtMetadata,
    Berichtstroom,
    Checksum,
    HTTPSDownload,
    MetadataError,
    PullBerichtMetadata,
    Referentiegegevens,
    Relatie,
    Routeringgegevens,
    SleutelWaardePaar,
    declaration_berichtstroom,
    metadata_to_json,
    parse_metadata,
    parse_metadata_json,
    parse_pull_metadata,
    parse_pull_metadata_list,
    pull_metadata_to_json,
    render_pull_listing,
    return_berichtstroom,
    standard_of,
)

TRACE = "e1efb57c-9e95-478f-976a-3a80cf797129"
CONV = "0b9a8f9e-5d4c-4b3a-9f8e-7d6c5b4a3f2e"


def sample() -> dict[str, Any]:
    return {
        "routeringgegevens": {
            "afzender": {"rol": "Praktijk", "code": "10000001"},
            "geadresseerden": [{"rol": "Zorgverzekeraar", "code": "3311"}],
            "berichtstroom": {
                "berichttype": "MZ301",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Indienen",
            },
        },
        "referentiegegevens": {"conversatieId": CONV, "traceerId": TRACE},
        "verwerkingscontext": [{"sleutel": "indiener", "waarde": ["12345678"]}],
    }


def errors_of(obj: object) -> dict[str, list[str]]:
    with pytest.raises(MetadataError) as info:
        parse_metadata(obj)
    return info.value.errors


def test_round_trip_keeps_every_field() -> None:
    obj = sample()
    obj["routeringgegevens"]["berichtstroom"]["berichtsubtype"] = "Declaratie"
    obj["referentiegegevens"] |= {"alsAntwoordOp": CONV, "referentieId": "mijn-ref"}
    meta = parse_metadata(obj)
    assert meta.routeringgegevens.afzender == Relatie(rol="Praktijk", code="10000001")
    assert meta.referentiegegevens.referentie_id == "mijn-ref"
    assert meta.context_values("indiener") == ("12345678",)
    assert metadata_to_json(meta) == obj


def test_optional_members_are_left_out_not_null() -> None:
    obj = sample()
    del obj["verwerkingscontext"]
    del obj["routeringgegevens"]["afzender"]["code"]
    out = metadata_to_json(parse_metadata(obj))
    assert out == obj
    assert "null" not in json.dumps(out)


def test_uuids_are_normalised_to_lower_case() -> None:
    obj = sample()
    obj["referentiegegevens"]["traceerId"] = TRACE.upper()
    assert parse_metadata(obj).referentiegegevens.traceer_id == TRACE


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ((), "routeringgegevens"),
        ((), "referentiegegevens"),
        (("routeringgegevens",), "afzender"),
        (("routeringgegevens",), "geadresseerden"),
        (("routeringgegevens",), "berichtstroom"),
        (("routeringgegevens", "afzender"), "rol"),
        (("routeringgegevens", "berichtstroom"), "berichttype"),
        (("routeringgegevens", "berichtstroom"), "berichtversie"),
        (("routeringgegevens", "berichtstroom"), "berichtsubversie"),
        (("routeringgegevens", "berichtstroom"), "actie"),
        (("referentiegegevens",), "conversatieId"),
        (("referentiegegevens",), "traceerId"),
    ],
)
def test_missing_required_member_is_named(path: tuple[str, ...], key: str) -> None:
    obj = sample()
    node = obj
    for part in path:
        node = node[part]
    del node[key]
    assert list(errors_of(obj)) == [".".join((*path, key))]


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("referentiegegevens", "traceerId"),
        ("referentiegegevens", "conversatieId"),
        ("referentiegegevens", "alsAntwoordOp"),
    ],
)
@pytest.mark.parametrize("bad", ["not-a-uuid", "e1efb57c9e95478f976a3a80cf797129", ""])
def test_bad_uuid_is_refused(where: str, field: str, bad: str) -> None:
    obj = sample()
    obj[where][field] = bad
    assert f"{where}.{field}" in errors_of(obj)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        (("routeringgegevens", "afzender", "rol"), 100),
        (("routeringgegevens", "afzender", "code"), 100),
        (("routeringgegevens", "berichtstroom", "berichttype"), 60),
        (("routeringgegevens", "berichtstroom", "actie"), 60),
        (("referentiegegevens", "referentieId"), 150),
    ],
)
def test_string_limits(path: tuple[str, ...], limit: int) -> None:
    obj = sample()
    parent = obj
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = "x" * limit
    parse_metadata(obj)
    parent[path[-1]] = "x" * (limit + 1)
    assert list(errors_of(obj)) == [".".join(path)]
    parent[path[-1]] = ""
    assert list(errors_of(obj)) == [".".join(path)]


@pytest.mark.parametrize("value", [-1, 1000, 1.5, "1", True, None])
def test_berichtversie_must_be_integer_0_to_999(value: object) -> None:
    obj = sample()
    obj["routeringgegevens"]["berichtstroom"]["berichtversie"] = value
    assert list(errors_of(obj)) == ["routeringgegevens.berichtstroom.berichtversie"]


def test_berichtversie_bounds_are_inclusive() -> None:
    obj = sample()
    for value in (0, 999):
        obj["routeringgegevens"]["berichtstroom"]["berichtversie"] = value
        assert parse_metadata(obj).routeringgegevens.berichtstroom.berichtversie == value


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("routeringgegevens",),
        ("routeringgegevens", "afzender"),
        ("routeringgegevens", "berichtstroom"),
        ("referentiegegevens",),
    ],
)
def test_extra_property_is_refused_everywhere(path: tuple[str, ...]) -> None:
    obj = sample()
    node = obj
    for part in path:
        node = node[part]
    node["extra"] = 1
    assert list(errors_of(obj)) == [".".join((*path, "extra"))]


def test_extra_property_in_array_items_is_named_by_index() -> None:
    obj = sample()
    obj["routeringgegevens"]["geadresseerden"].append({"rol": "Zorgverzekeraar", "x": 1})
    obj["verwerkingscontext"][0]["y"] = 2
    assert set(errors_of(obj)) == {
        "routeringgegevens.geadresseerden[1].x",
        "verwerkingscontext[0].y",
    }


def test_geadresseerden_at_most_100() -> None:
    obj = sample()
    obj["routeringgegevens"]["geadresseerden"] = [{"rol": "Zorgverzekeraar"}] * 100
    assert len(parse_metadata(obj).routeringgegevens.geadresseerden) == 100
    obj["routeringgegevens"]["geadresseerden"] = [{"rol": "Zorgverzekeraar"}] * 101
    assert list(errors_of(obj)) == ["routeringgegevens.geadresseerden"]


def test_push_allows_empty_geadresseerden_but_pull_does_not() -> None:
    """The push document has only maxItems on geadresseerden; the pull document adds minItems 1."""
    obj = sample()
    obj["routeringgegevens"]["geadresseerden"] = []
    meta = parse_metadata(obj)
    listed = pull_metadata_to_json(PullBerichtMetadata.from_push(meta, basis()))
    with pytest.raises(MetadataError) as info:
        parse_pull_metadata(listed)
    assert list(info.value.errors) == ["routeringgegevens.geadresseerden"]


def test_verwerkingscontext_limits() -> None:
    obj = sample()
    obj["verwerkingscontext"] = []
    assert list(errors_of(obj)) == ["verwerkingscontext"]
    obj["verwerkingscontext"] = [{"sleutel": "k", "waarde": ["v"]}] * 101
    assert list(errors_of(obj)) == ["verwerkingscontext"]
    obj["verwerkingscontext"] = [{"sleutel": "k" * 101, "waarde": []}]
    assert set(errors_of(obj)) == {"verwerkingscontext[0].sleutel", "verwerkingscontext[0].waarde"}
    obj["verwerkingscontext"] = [{"sleutel": "k", "waarde": ["v" * 250, "v" * 251, 3]}]
    assert set(errors_of(obj)) == {
        "verwerkingscontext[0].waarde[1]",
        "verwerkingscontext[0].waarde[2]",
    }
    obj["verwerkingscontext"] = [{"sleutel": "k", "waarde": ["v"] * 101}]
    assert list(errors_of(obj)) == ["verwerkingscontext[0].waarde"]


def test_wrong_types_are_named() -> None:
    obj = sample()
    obj["routeringgegevens"]["afzender"] = "Praktijk"
    obj["routeringgegevens"]["geadresseerden"] = {"rol": "Zorgverzekeraar"}
    obj["referentiegegevens"]["referentieId"] = 12
    assert set(errors_of(obj)) == {
        "routeringgegevens.afzender",
        "routeringgegevens.geadresseerden",
        "referentiegegevens.referentieId",
    }


def test_all_errors_are_collected_at_once() -> None:
    obj = sample()
    del obj["routeringgegevens"]["afzender"]["rol"]
    obj["routeringgegevens"]["berichtstroom"]["berichtversie"] = 1000
    obj["referentiegegevens"]["traceerId"] = "nope"
    obj["onbekend"] = True
    errors = errors_of(obj)
    assert set(errors) == {
        "routeringgegevens.afzender.rol",
        "routeringgegevens.berichtstroom.berichtversie",
        "referentiegegevens.traceerId",
        "onbekend",
    }
    assert all(msgs and all(isinstance(m, str) and m for m in msgs) for msgs in errors.values())


@pytest.mark.parametrize("body", [None, [], "x", 3])
def test_root_must_be_an_object(body: object) -> None:
    assert list(errors_of(body)) == ["$"]


@pytest.mark.parametrize(
    "raw", [b"{", b"\xff\xfe", b"", b'{"a": NaN}', b"[1,]", "{\u00e9".encode()]
)
def test_malformed_json_is_a_clear_metadata_error(raw: bytes) -> None:
    with pytest.raises(MetadataError) as info:
        parse_metadata_json(raw)
    assert list(info.value.errors) == ["$"]
    assert info.value.errors["$"][0].startswith(("Malformed JSON", "The body is not UTF-8"))


def test_parse_metadata_json_accepts_bytes_with_bom() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(sample()).encode()
    assert metadata_to_json(parse_metadata_json(raw)) == sample()


def test_with_context_replaces_a_client_supplied_indiener() -> None:
    meta = parse_metadata(sample()).with_context("indiener", ("99999999",))
    assert meta.context_values("indiener") == ("99999999",)
    assert len(meta.verwerkingscontext) == 1
    assert meta.context_values("anders") is None


def basis() -> Basisgegevens:
    return Basisgegevens(
        ontvangen_op=datetime(2025, 11, 24, 16, 58, 44, tzinfo=UTC),
        payload=HTTPSDownload(
            url=f"https://127.0.0.1:8443/berichtenservice/berichten/rest-pull/v1/berichten/{TRACE}/payload",
            grootte=620,
            checksum=Checksum(algoritme="SHA256", waarde="ab" * 32),
        ),
    )


def test_pull_item_round_trip() -> None:
    item = PullBerichtMetadata.from_push(parse_metadata(sample()), basis())
    obj = pull_metadata_to_json(item)
    assert obj["basisgegevens"]["ontvangenOp"] == "2025-11-24T16:58:44.000+00:00"
    assert obj["basisgegevens"]["payload"]["checksum"] == {
        "algoritme": "SHA256",
        "waarde": "ab" * 32,
    }
    assert parse_pull_metadata(obj) == item
    assert parse_pull_metadata_list(json.dumps([obj, obj]).encode()) == (item, item)
    assert item.to_push() == parse_metadata(sample())


@pytest.mark.parametrize(
    ("microsecond", "text"),
    [(0, "44.000"), (86_000, "44.086"), (86_700, "44.086700")],
)
def test_ontvangen_op_has_milliseconds_and_keeps_microseconds(microsecond: int, text: str) -> None:
    moment = datetime(2025, 11, 24, 16, 58, 44, microsecond, tzinfo=UTC)
    item = PullBerichtMetadata.from_push(
        parse_metadata(sample()), Basisgegevens(ontvangen_op=moment, payload=basis().payload)
    )
    obj = pull_metadata_to_json(item)
    assert obj["basisgegevens"]["ontvangenOp"] == f"2025-11-24T16:58:{text}+00:00"
    assert parse_pull_metadata(obj) == item


def test_listing_text_is_what_json_dumps_writes_of_the_items() -> None:
    rich = sample()
    rich["referentiegegevens"] |= {"alsAntwoordOp": CONV, "referentieId": 'Zoë "ref"'}
    rich["routeringgegevens"]["berichtstroom"]["berichtsubtype"] = "Declaratie"
    metas = [parse_metadata(sample()), parse_metadata(rich)]
    items = [(meta, basis()) for meta in metas]
    expected = json.dumps([pull_metadata_to_json(PullBerichtMetadata.from_push(*i)) for i in items])
    assert render_pull_listing(items) == expected
    assert render_pull_listing(items) == expected  # the envelopes' second, remembered text
    assert render_pull_listing([]) == "[]"
    assert parse_pull_metadata_list(expected)[1].to_push() == metas[1]


def test_envelope_text_follows_the_value() -> None:
    meta = parse_metadata(sample())
    assert meta.to_json_text() == json.dumps(metadata_to_json(meta))
    stamped = meta.with_context("indiener", ("99999999",))
    assert json.loads(stamped.to_json_text())["verwerkingscontext"] == [
        {"sleutel": "indiener", "waarde": ["99999999"]}
    ]
    assert stamped != meta
    assert parse_metadata_json(meta.to_json_text()) == meta  # the remembered text is no field


def test_pull_item_rules() -> None:
    obj = pull_metadata_to_json(PullBerichtMetadata.from_push(parse_metadata(sample()), basis()))
    bad = copy.deepcopy(obj)
    bad["basisgegevens"]["ontvangenOp"] = "2025-11-24 16:58"
    bad["basisgegevens"]["payload"]["grootte"] = 0
    bad["basisgegevens"]["payload"]["checksum"]["algoritme"] = "SHA256-LONG!"
    del bad["basisgegevens"]["payload"]["url"]
    with pytest.raises(MetadataError) as info:
        parse_pull_metadata(bad)
    assert set(info.value.errors) == {
        "basisgegevens.ontvangenOp",
        "basisgegevens.payload.grootte",
        "basisgegevens.payload.checksum.algoritme",
        "basisgegevens.payload.url",
    }
    del obj["basisgegevens"]
    with pytest.raises(MetadataError) as info:
        parse_pull_metadata_list([obj])
    assert list(info.value.errors) == ["[0].basisgegevens"]


def test_conventions() -> None:
    stroom = declaration_berichtstroom("MZ301", 1, 3)
    assert stroom == Berichtstroom(
        berichttype="MZ301", berichtversie=1, berichtsubversie=3, actie="Indienen"
    )
    assert return_berichtstroom("mz302", 1, 3).to_json() == {
        "berichttype": "MZ302",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Retourneren",
    }
    assert standard_of(stroom) == ("MZ301", 1, 3)


_text = st.text(min_size=1, max_size=20)
_uuid = st.uuids().map(str)
_relatie = st.builds(Relatie, rol=_text, code=st.none() | _text)
_stroom = st.builds(
    Berichtstroom,
    berichttype=_text,
    berichtsubtype=st.none() | _text,
    berichtversie=st.integers(0, 999),
    berichtsubversie=st.integers(0, 999),
    actie=_text,
)
_metadata = st.builds(
    BerichtMetadata,
    routeringgegevens=st.builds(
        Routeringgegevens,
        afzender=_relatie,
        geadresseerden=st.lists(_relatie, max_size=5).map(tuple),
        berichtstroom=_stroom,
    ),
    referentiegegevens=st.builds(
        Referentiegegevens,
        conversatie_id=_uuid,
        traceer_id=_uuid,
        als_antwoord_op=st.none() | _uuid,
        referentie_id=st.none() | st.text(min_size=1, max_size=150),
    ),
    verwerkingscontext=st.lists(
        st.builds(
            SleutelWaardePaar,
            sleutel=_text,
            waarde=st.lists(_text, min_size=1, max_size=3).map(tuple),
        ),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(_metadata)
def test_hypothesis_round_trip_through_json_text(meta: BerichtMetadata) -> None:
    raw = json.dumps(metadata_to_json(meta)).encode()
    assert parse_metadata_json(raw) == meta
