"""The client's pure protocol and the client over a fake transport: no server, no sockets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from provider_client import (
    DeclarationRejectedError,
    GenerateOptions,
    IncomingResponse,
    NotAuthorisedError,
    OutgoingRequest,
    PayloadIntegrityError,
    ProblemDetailsError,
    ReturnTimeoutError,
    UnexpectedResponseError,
    VecozoClient,
    generate_file,
)
from provider_client import _protocol as proto
from world import generate_world

TODAY = dt.date(2025, 6, 15)


class FakeTransport:
    """Answers from a queue and records what was sent."""

    def __init__(self, *answers: IncomingResponse) -> None:
        self.answers = list(answers)
        self.sent: list[OutgoingRequest] = []

    async def send(self, request: OutgoingRequest) -> IncomingResponse:
        self.sent.append(request)
        return self.answers.pop(0)

    async def close(self) -> None:
        self.answers.clear()


def _json(status: int, body: object) -> IncomingResponse:
    return IncomingResponse(
        status=status, headers={"content-type": "application/json"}, body=json.dumps(body).encode()
    )


def _entry(
    traceer: str, *, answer_to: str | None = None, payload: bytes = b"x"
) -> dict[str, object]:
    refs = {"traceerId": traceer, "conversatieId": "c-1"}
    if answer_to:
        refs["alsAntwoordOp"] = answer_to
    return {
        "basisgegevens": {
            "ontvangenOp": "2025-06-15T10:00:00+02:00",
            "payload": {
                "url": f"https://x/berichten/{traceer}/payload",
                "grootte": len(payload),
                "checksum": {"algoritme": "SHA256", "waarde": hashlib.sha256(payload).hexdigest()},
            },
        },
        "routeringgegevens": {
            "afzender": {"rol": "Zorgverzekeraar", "code": "7095"},
            "geadresseerden": [{"rol": "Indiener", "code": "12050001"}],
            "berichtstroom": {
                "berichttype": "MZ302",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Retourneren",
            },
        },
        "referentiegegevens": refs,
    }


@pytest.fixture(scope="module")
def declaration() -> bytes:
    world = generate_world(seed=3, persons=1500, today=TODAY)
    options = GenerateOptions(provider="12050001", lines=5, seed=1, today=TODAY, insurer="7095")
    return generate_file(world, options).data


def test_multipart_body_names_both_parts_with_their_types() -> None:
    body, content_type = proto.multipart_body({"a": 1}, b"PAYLOAD", filename="f.asc", boundary="b0")
    assert content_type == "multipart/form-data; boundary=b0"
    assert b'name="berichtMetadata"\r\nContent-Type: application/json\r\n\r\n{"a":1}' in body
    assert b'name="payload"; filename="f.asc"\r\nContent-Type: application/octet-stream' in body
    assert body.endswith(b"PAYLOAD\r\n--b0--\r\n")


def test_status_request_needs_exactly_one_identifier() -> None:
    assert proto.status_request(traceer_id="t").query == (("traceerId", "t"),)
    with pytest.raises(ValueError, match="not both"):
        proto.status_request(traceer_id="t", conversatie_id="c")


def test_problem_details_keep_status_title_and_errors() -> None:
    body = {"status": 400, "title": "Bad", "errors": {"berichtMetadata": ["missing traceerId"]}}
    with pytest.raises(ProblemDetailsError) as caught:
        proto.read_pushed(_json(400, body))
    assert caught.value.status == 400
    assert caught.value.title == "Bad"
    assert caught.value.errors == {"berichtMetadata": ["missing traceerId"]}


def test_forbidden_is_not_authorised() -> None:
    with pytest.raises(NotAuthorisedError):
        proto.read_listing(_json(403, {"title": "Forbidden"}))


def test_listing_outside_the_contract_is_unexpected() -> None:
    with pytest.raises(UnexpectedResponseError):
        proto.read_listing(_json(200, {"not": "a list"}))


def test_payload_is_checked_against_size_and_sha256() -> None:
    info = proto.read_listing(_json(200, [_entry("t1", payload=b"abc")]))[0]
    assert proto.read_payload(IncomingResponse(status=200, body=b"abc"), info) == b"abc"
    with pytest.raises(PayloadIntegrityError, match="SHA256"):
        proto.read_payload(IncomingResponse(status=200, body=b"abd"), info)
    with pytest.raises(PayloadIntegrityError, match="bytes"):
        proto.read_payload(IncomingResponse(status=200, body=b"abcd"), info)


async def test_push_builds_metadata_from_the_voorlooprecord(declaration: bytes) -> None:
    ids = iter(["trace-1", "conv-1"])
    fake = FakeTransport(IncomingResponse(status=204))
    client = VecozoClient(fake, new_id=lambda: next(ids))
    receipt = await client.push(declaration, referentie_id="ref-9")
    sent = fake.sent[0]
    assert (sent.method, sent.path) == ("POST", proto.PUSH_PATH)
    meta_part = sent.body.split(b"\r\n\r\n", 1)[1].split(b"\r\n--", 1)[0]
    meta = json.loads(meta_part)
    routing = meta["routeringgegevens"]
    assert routing["afzender"] == {"rol": "Praktijk", "code": "12050001"}
    assert routing["geadresseerden"] == [{"rol": "Zorgverzekeraar", "code": "7095"}]
    assert routing["berichtstroom"] == {
        "berichttype": "MZ301",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Indienen",
    }
    assert meta["referentiegegevens"] == {
        "conversatieId": "conv-1",
        "traceerId": "trace-1",
        "referentieId": "ref-9",
    }
    assert receipt.traceer_id == "trace-1"
    assert declaration in sent.body


async def test_wait_for_return_polls_until_the_answer_arrives() -> None:
    fake = FakeTransport(
        _json(200, []),
        _json(200, []),
        _json(200, [_entry("r1", answer_to="t1")]),
    )
    client = VecozoClient(fake)
    found = await client.wait_for_return("t1", timeout=5, poll=0)
    assert found.traceer_id == "r1"
    assert json.loads(fake.sent[0].body) == {
        "zoekpadType": "ZoekpadOpAlsAntwoordOp",
        "alsAntwoordOp": "t1",
    }


async def test_wait_for_return_stops_at_a_refusal() -> None:
    status = {
        "referentiegegevens": {"traceerId": "t1", "conversatieId": "c"},
        "berichtstroom": {
            "berichttype": "MZ301",
            "berichtversie": 1,
            "berichtsubversie": 3,
            "actie": "Indienen",
        },
        "berichtstatus": "AfgekeurdDoorDienst",
        "meldingen": [{"code": "0804", "omschrijving": "record length"}],
    }
    client = VecozoClient(FakeTransport(_json(200, []), _json(200, [status])))
    with pytest.raises(DeclarationRejectedError, match="0804"):
        await client.wait_for_return("t1", timeout=5, poll=0)


async def test_wait_for_return_times_out() -> None:
    answers = [_json(200, [])] * 4
    client = VecozoClient(FakeTransport(*answers))
    with pytest.raises(ReturnTimeoutError):
        await client.wait_for_return("t1", timeout=0, poll=0)


async def test_download_verifies_against_the_remembered_listing() -> None:
    fake = FakeTransport(
        _json(200, [_entry("r1", payload=b"good")]), IncomingResponse(status=200, body=b"evil")
    )
    client = VecozoClient(fake)
    await client.list_messages()
    with pytest.raises(PayloadIntegrityError):
        await client.download("r1")
