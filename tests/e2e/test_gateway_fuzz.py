"""Never a 500 for a client's mistake: malformed requests to every route over real mutual TLS.

One exchange runs for the module in its own event-loop thread; hypothesis drives a plain
synchronous HTTPS client with a valid certificate, so no function-scoped fixture is reused
between examples. Each route gets a bounded number of examples (``EXAMPLES``), built by
mutating a valid request (a value replaced or a key dropped) or from raw noise, sometimes
deeply nested or with a huge integer, and sent with or without a Content-Encoding (applied, not
applied, unsupported or unknown); after all of them the exchange must still answer good
requests (a pull, a COV question, a push). The shapes that once were a 500 are pinned as tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import http.client
import json
import threading
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import pytest
from gateway_fixtures import (
    DECLARATION,
    INSURER,
    PULL,
    PUSH,
    STATUS,
    GatewayPki,
    build_gateway_pki,
    build_world,
    client_context,
    declaration_metadata,
    home_from,
    settings_for,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import berichten
from gateway import Gateway

EXAMPLES = 40
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DROP = object()
COV_JSON = "/cov/v1/controle"
COV_SOAP = "/cov/vz801802/v1/soap11"
REGISTER = f"/cov-register/v1/verzekerden/{INSURER}"

ZOEKPADEN: list[dict[str, Any]] = [
    {"zoekpadType": "ZoekpadOpConversatieId", "conversatieId": str(uuid.uuid4())},
    {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": str(uuid.uuid4())},
    {
        "zoekpadType": "ZoekpadOpBerichtstroom",
        "berichttype": "MZ301",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Indienen",
        "geadresseerdeRol": "Zorgverzekeraar",
        "geadresseerdeCode": INSURER,
    },
]
COV_QUESTIONS: list[dict[str, Any]] = [
    {"bsn": "999979668", "geboortedatum": "1962-03-15", "peildatum": "2025-01-01"},
    {"zoekopdrachten": [{"bsn": "999979668", "geboortedatum": "1962-03-15"}]},
]
REGISTER_BODY: dict[str, Any] = {
    "verzekerden": [
        {
            "bsn": "999979668",
            "geboortedatum": "1962-03-15",
            "naam": "Ommeren",
            "postcode": "1234AB",
            "huisnummer": 1,
            "policies": [
                {"uzovi": INSURER, "verzekerdennummer": "559", "soort": "Basis", "begin": "2017"}
            ],
        }
    ]
}
SOAP_REQUEST = berichten.render_cov_request(
    berichten.CovRequest(
        zoekopdrachten=(
            berichten.Zoekopdracht(
                volgnummer=1,
                bsn="999979668",
                geboortedatum=dt.date(1962, 3, 15),
                peildatum=dt.date(2025, 1, 1),
            ),
        )
    )
)
XML_BITS = [
    b"<",
    b">",
    b"</",
    b"/>",
    b"<?xml version='1.0'?>",
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">',
    b"</s:Envelope>",
    b"<s:Body>",
    b"</s:Body>",
    b"<s:Header/>",
    b"&amp;",
    b"&",
    b"&#0;",
    b"&#xffffff;",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"&a;",
    b"<![CDATA[",
    b"]]>",
    b"\x00",
    b"\xff\xfe",
    b"xmlns:v1='urn:x'",
    b"<v1:Controleer>",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=10,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*here, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    if new is DROP:
        del holder[path[-1]]
    else:
        holder[path[-1]] = new
    return copy


def mutated(valid: Any) -> st.SearchStrategy[Any]:
    """``valid`` with one value replaced by any JSON (or dropped), or unchanged."""
    paths = list(_paths(valid))
    changes = st.tuples(st.sampled_from(paths), st.just(DROP) | json_values)
    return st.one_of(
        st.just(valid),
        changes.filter(lambda c: c[0] or c[1] is not DROP).map(lambda c: _replace(valid, *c)),
    )


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HUGE_INT = b"1" * 5000  # Python refuses to convert more than 4300 digits to an int
# Deeper than the JSON parser's stack, and just below it (parses; nothing after may recurse).
DEEP = [nested(100_000), b'{"a":' * 5000 + b"1" + b"}" * 5000, nested(900)]


def hostile(valid: Any) -> st.SearchStrategy[bytes]:
    """``valid`` with one value replaced by deeply nested JSON or a huge integer."""
    paths = [p for p in _paths(valid) if p]
    raw = st.sampled_from([*DEEP, HUGE_INT, b"-" + HUGE_INT, HUGE_INT + b".5"])
    marker = "\x00hostile"

    def splice(path: tuple[Any, ...], value: bytes) -> bytes:
        text = json.dumps(_replace(valid, path, marker)).encode()
        return text.replace(json.dumps(marker).encode(), value)

    return st.builds(splice, st.sampled_from(paths), raw) if paths else raw


def json_bytes(valid: Any) -> st.SearchStrategy[bytes]:
    as_json = (mutated(valid) | json_values).map(lambda v: json.dumps(v).encode())
    return st.one_of(as_json, as_json, st.binary(max_size=64), hostile(valid))


# Content-Encoding -> how a client would encode; None: sent as is (a lie, unsupported or unknown)
ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": None,  # aiohttp does not decode it: passed on as is
    "deflate": zlib.compress,
    "br": None,
    "zstd": None,
    "compress": None,
    "utf-8": None,
    "gzip, deflate": None,
}


Coding = tuple[str | None, bool]


def codings() -> st.SearchStrategy[Coding]:
    """No Content-Encoding, or one that is then applied (if the client could) or not at all."""
    return st.tuples(st.none() | st.sampled_from(sorted(ENCODERS)), st.booleans())


def encode(body: bytes, coding: Coding, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    name, honest = coding
    if name is None:
        return body, headers
    encoder = ENCODERS[name]
    return (encoder(body) if honest and encoder else body), {**headers, "Content-Encoding": name}


def spliced(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` with a slice replaced by noise or XML fragments."""
    noise = st.binary(max_size=24) | st.lists(st.sampled_from(XML_BITS), max_size=6).map(b"".join)
    cut = st.tuples(st.integers(0, len(valid)), st.integers(0, len(valid)), noise)
    return cut.map(lambda c: valid[: min(c[0], c[1])] + c[2] + valid[max(c[0], c[1]) :])


def query_strings() -> st.SearchStrategy[str]:
    keys = st.sampled_from(["limit", "traceerId", "conversatieId"]) | st.text(max_size=8)
    values = (
        st.text(max_size=20)
        | st.integers(-5, 300).map(str)
        | st.uuids().map(str)
        | st.sampled_from(["²", "0x10", "1e2", " 5", ""])
    )
    encoded = st.lists(st.tuples(keys, values), max_size=3).map(urlencode)
    raw = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=30)
    return encoded | raw.map(lambda s: quote(s, safe="=&%+;,"))


def ids() -> st.SearchStrategy[str]:
    return (
        st.uuids().map(str)
        | st.text(min_size=1, max_size=40).map(lambda s: quote(s, safe=""))
        | st.sampled_from(["%00", "%ff", "..", "%2F", "x" * 300])
    )


def multipart_bodies() -> st.SearchStrategy[tuple[str, bytes]]:
    """A hand-built multipart body: random part names, contents and boundaries."""
    meta = json.dumps(declaration_metadata()).encode()
    names = st.sampled_from(["berichtMetadata", "payload", "other", ""]) | st.text(max_size=8)
    contents = st.one_of(json_bytes(declaration_metadata()), spliced(DECLARATION), st.just(meta))
    part = st.tuples(names, contents, st.booleans())
    content_types = st.sampled_from(
        [
            "multipart/form-data; boundary=XyZ",
            "multipart/form-data",
            "multipart/mixed; boundary=XyZ",
            "multipart/form-data; boundary=",
            "application/json",
            "text/plain",
        ]
    )

    def body(parts: list[tuple[str, bytes, bool]], closed: bool) -> bytes:
        chunks = []
        for name, content, filename in parts:
            extra = '; filename="f"' if filename else ""
            head = f'--XyZ\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
            chunks.append(head.encode("utf-8", "surrogatepass") + content + b"\r\n")
        return b"".join(chunks) + (b"--XyZ--\r\n" if closed else b"")

    built = st.builds(body, st.lists(part, max_size=4), st.booleans())
    return st.tuples(content_types, built | st.binary(max_size=200))


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str


class Client:
    """A blocking HTTPS client with one account's certificate; a new connection per request."""

    def __init__(self, port: int, pki: GatewayPki, home: Path, account: str) -> None:
        from world import HomeLayout

        self.port = port
        self.context = client_context(pki, HomeLayout(root=home), account)

    def send(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Answer(response.status, response.read(), response.getheader("Content-Type", ""))
        finally:
            conn.close()


class Running:
    def __init__(self, pki: GatewayPki, home: Path, gateway: Gateway) -> None:
        port = int(gateway.url.rsplit(":", 1)[1])
        self.provider = Client(port, pki, home, "provider")
        self.insurer = Client(port, pki, home, "insurer")

    def still_serving(self) -> None:
        assert self.insurer.send("GET", f"{PULL}?limit=1")[0] == 200
        good = json.dumps(COV_QUESTIONS[0]).encode()
        headers = {"Content-Type": "application/json"}
        assert self.provider.send("POST", COV_JSON, good, headers)[0] == 200


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    directory = tmp_path_factory.mktemp("gateway-fuzz")
    pki = build_gateway_pki(directory / "pki")
    layout = home_from(pki, directory / "home")
    gateway = Gateway(settings_for(layout), world=build_world())
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(30)
    try:
        yield Running(pki, layout.root, gateway)
    finally:
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _client_error(answer: Answer) -> None:
    assert answer.status < 500, f"{answer.status}: {answer.body[:500]!r}"


BAD_PART_HEADER = b'--XyZ\r\nContent-Disposition: form-data; name="\x1f"\r\n\r\nx\r\n--XyZ--\r\n'


@FUZZ
@given(case=multipart_bodies(), coding=codings())
@example(case=("multipart/form-data; boundary=XyZ", BAD_PART_HEADER), coding=(None, True))  # a 500
def test_push_never_500(running: Running, case: tuple[str, bytes], coding: Coding) -> None:
    content_type, body = case
    _client_error(
        running.provider.send("POST", PUSH, *encode(body, coding, {"Content-Type": content_type}))
    )


@FUZZ
@given(query=query_strings())
def test_pull_never_500(running: Running, query: str) -> None:
    _client_error(running.insurer.send("GET", f"{PULL}?{query}"))


@FUZZ
@given(body=st.sampled_from(ZOEKPADEN).flatmap(json_bytes), coding=codings(), query=query_strings())
def test_zoeken_never_500(running: Running, body: bytes, coding: Coding, query: str) -> None:
    sent = encode(body, coding, {"Content-Type": "application/json"})
    _client_error(running.insurer.send("POST", f"{PULL}/zoeken?{query}", *sent))


@FUZZ
@given(traceer_id=ids(), method=st.sampled_from(["GET", "DELETE"]))
def test_payload_and_acknowledge_never_500(running: Running, traceer_id: str, method: str) -> None:
    path = f"{PULL}/{traceer_id}" + ("/payload" if method == "GET" else "")
    _client_error(running.insurer.send(method, path))


@FUZZ
@given(query=query_strings())
def test_status_never_500(running: Running, query: str) -> None:
    _client_error(running.provider.send("GET", f"{STATUS}?{query}"))


@FUZZ
@given(
    body=spliced(SOAP_REQUEST) | st.lists(st.sampled_from(XML_BITS), max_size=12).map(b"".join),
    coding=codings(),
    action=st.sampled_from([berichten.SOAP_ACTION, f'"{berichten.SOAP_ACTION}"', "", "x"]),
)
def test_cov_soap_never_500(running: Running, body: bytes, coding: Coding, action: str) -> None:
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action}
    _client_error(running.provider.send("POST", COV_SOAP, *encode(body, coding, headers)))


@FUZZ
@given(body=st.sampled_from(COV_QUESTIONS).flatmap(json_bytes), coding=codings())
def test_cov_json_never_500(running: Running, body: bytes, coding: Coding) -> None:
    sent = encode(body, coding, {"Content-Type": "application/json"})
    _client_error(running.provider.send("POST", COV_JSON, *sent))


@FUZZ
@given(
    body=json_bytes(REGISTER_BODY),
    coding=codings(),
    uzovi=st.sampled_from([INSURER, "0101", "3311"]) | ids(),
)
def test_register_never_500(running: Running, body: bytes, coding: Coding, uzovi: str) -> None:
    path = REGISTER.rsplit("/", 1)[0] + f"/{uzovi}"
    sent = encode(body, coding, {"Content-Type": "application/json"})
    _client_error(running.insurer.send("PUT", path, *sent))


def test_the_exchange_still_serves_after_the_fuzzing(running: Running) -> None:
    running.still_serving()
    meta = json.dumps(declaration_metadata()).encode()
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="berichtMetadata"\r\n\r\n'
        + meta
        + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="payload"; filename="f"\r\n\r\n'
        + DECLARATION
        + b"\r\n--XyZ--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    assert running.provider.send("POST", PUSH, body, headers)[0] == 204


# (account, method, path, content type) of every route that reads a body
BODY_ROUTES = {
    "push": ("provider", "POST", PUSH, "multipart/form-data; boundary=XyZ"),
    "cov-json": ("provider", "POST", COV_JSON, "application/json"),
    "cov-soap": ("provider", "POST", COV_SOAP, "text/xml; charset=utf-8"),
    "zoeken": ("insurer", "POST", f"{PULL}/zoeken", "application/json"),
    "cov-register": ("insurer", "PUT", REGISTER, "application/json"),
}


def _send(running: Running, route: str, body: bytes, headers: dict[str, str]) -> Answer:
    account, method, path, content_type = BODY_ROUTES[route]
    headers = {"Content-Type": content_type, "SOAPAction": berichten.SOAP_ACTION, **headers}
    client = running.provider if account == "provider" else running.insurer
    return client.send(method, path, body, headers)


def _problem(answer: Answer) -> str:
    """The text a caller reads: a problem's detail and errors, or a SOAP fault's string."""
    if answer.content_type.startswith("text/xml"):
        assert b"<faultcode>s:Client</faultcode>" in answer.body
        return answer.body.decode()
    assert answer.content_type.startswith("application/problem+json")
    return json.dumps(json.loads(answer.body))


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("route", sorted(BODY_ROUTES))
def test_a_body_that_does_not_decode_is_a_400_naming_the_coding(
    running: Running, route: str, coding: str
) -> None:
    answer = _send(running, route, b"not compressed at all", {"Content-Encoding": coding})
    assert answer.status == 400, answer
    assert "content-encoding" in _problem(answer).lower()
    assert answer.content_type.startswith("text/xml") == (route == "cov-soap")


@pytest.mark.parametrize("route", sorted(BODY_ROUTES))
def test_an_unsupported_coding_is_a_400_naming_it(running: Running, route: str) -> None:
    answer = _send(running, route, b"\x1b\x00", {"Content-Encoding": "br"})  # no brotli here
    assert answer.status == 400, answer
    assert "content-encoding: brotli" in json.loads(answer.body)["detail"].lower()


@pytest.mark.parametrize(
    "value", [nested(100_000), nested(900), HUGE_INT], ids=["deep", "900", "int"]
)
@pytest.mark.parametrize(
    ("route", "valid", "field"),
    [
        ("cov-json", COV_QUESTIONS[0], "bsn"),
        ("zoeken", ZOEKPADEN[0], "conversatieId"),
        ("cov-register", REGISTER_BODY, "verzekerden"),
    ],
)
def test_deep_nesting_and_huge_integers_are_a_400(
    running: Running, route: str, valid: dict[str, Any], field: str, value: bytes
) -> None:
    marker = "\x00here"
    body = json.dumps({**valid, field: marker}).encode().replace(json.dumps(marker).encode(), value)
    for sent in (body, value):
        answer = _send(running, route, sent, {})
        assert answer.status == 400, answer
        _problem(answer)
