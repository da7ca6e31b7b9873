"""Issue 10, exchange side, the pure parts: routing, the one clock, links, the status command."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from aiohttp.test_utils import make_mocked_request
from test_client_protocol import FakeTransport, _json
from test_gateway_rules import HEADER, WORLD, meta, route

import vektis
from gateway import MessageKind, RefusedError, SimulatedClock
from gateway._pull import _ORIGINS, ORIGINS_KEPT, _origin
from provider_client import MessageNotFoundError, VecozoClient
from provider_client._commands import show_status
from world import World, generate_world

PULL_PATH = "/berichtenservice/berichten/rest-pull/v1/berichten"


@pytest.fixture(scope="module")
def default_world() -> World:
    return generate_world(seed=3, persons=20)


def test_every_register_uzovi_has_a_judge_in_the_default_world(default_world: World) -> None:
    judges = {code: default_world.judge_of(code) for code in vektis.UZOVI_REGISTER}
    assert all(judges.values()), [c for c, j in judges.items() if j is None]
    assert default_world.judge_of("9999") is None  # outside the register: not routable


@pytest.mark.parametrize(
    ("code", "judge"),
    [
        ("9001", "7095"),  # a VGZ label: the concern's first stub
        ("3334", "7095"),
        ("8401", "7095"),
        ("3313", "3311"),  # Interpolis: Zilveren Kruis
        ("7053", "7119"),  # OHRA: CZ
        ("0101", "0101"),  # a stub of its own judges itself
        ("3343", "3000"),  # ONVZ: its concern has no stub, the test insurer judges
    ],
)
def test_a_brand_is_judged_by_its_concern(default_world: World, code: str, judge: str) -> None:
    found = default_world.judge_of(code)
    assert found is not None
    assert found.uzovi == judge
    assert code in default_world.group_of(judge)  # so the stub may answer as that UZOVI


def test_a_concern_without_stub_and_without_test_insurer_is_not_routable(
    default_world: World,
) -> None:
    without_test = dataclasses.replace(
        default_world, insurers=tuple(i for i in default_world.insurers if i.group != "Test")
    )
    assert without_test.judge_of("3343") is None
    assert without_test.judge_of("9001") is not None


def test_declaration_to_a_label_goes_to_its_concerns_stub() -> None:
    header = dataclasses.replace(HEADER, uzovi="9001")
    routed = route("10000000000001", meta(to="9001"), header=header)
    assert (routed.kind, routed.addressee) == (MessageKind.DECLARATION, "7095")


def test_declaration_outside_the_register_is_refused_naming_the_code() -> None:
    header = dataclasses.replace(HEADER, uzovi="9999")
    with pytest.raises(RefusedError, match="zorgverzekeraar 9999 is niet bekend") as refused:
        route("10000000000001", meta(to="9999"), header=header)
    assert "routeringgegevens.geadresseerden[0].code" in refused.value.errors


def test_label_in_metadata_must_match_the_voorlooprecord() -> None:
    with pytest.raises(RefusedError, match="wijkt af van UZOVI 7095"):
        route("10000000000001", meta(to="9001"))  # header still says 7095


def test_the_hand_built_world_routes_only_its_own_concerns() -> None:
    assert WORLD.judge_of("9001") is not None  # VGZ is there
    assert WORLD.judge_of("7053") is None  # CZ is not, and there is no test insurer


class _Source:
    """A real clock that the test moves by hand."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.moment


def test_clock_starts_at_its_start_date_runs_on_and_resets_there() -> None:
    source = _Source()
    clock = SimulatedClock(source, start=dt.date(2025, 3, 1))
    assert clock.now() == dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.UTC)
    source.moment += dt.timedelta(hours=20)
    assert clock.today() == dt.date(2025, 3, 2)  # shifted, not frozen
    clock.set_today(dt.date(2030, 1, 1))
    assert clock.today() == dt.date(2030, 1, 1)
    clock.reset()
    assert clock.now() == dt.datetime(2025, 3, 1, 6, 30, tzinfo=dt.UTC)


def test_clock_without_start_resets_to_the_real_time() -> None:
    source = _Source()
    clock = SimulatedClock(source)
    clock.set_today(dt.date(2030, 1, 1))
    clock.reset()
    assert clock.now() == source.moment


async def test_status_command_asks_by_conversatie_after_an_empty_list_then_gives_up() -> None:
    transport = FakeTransport(_json(200, []), _json(200, []))
    client = VecozoClient(transport)
    with pytest.raises(MessageNotFoundError, match="geen berichten voor abc"):
        await show_status(client, "abc")
    asked = [dict(r.query) for r in transport.sent]
    assert asked == [{"traceerId": "abc"}, {"conversatieId": "abc"}]


class _Socket:
    """The transport of a mocked request: only the bound address matters here."""

    def __init__(self, sockname: tuple[str, int]) -> None:
        self.sockname = sockname

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.sockname if name == "sockname" else default


@pytest.mark.parametrize(
    ("host", "sockname", "origin"),
    [
        ("localhost:8443", ("127.0.0.1", 1), "http://localhost:8443"),
        ("[::1]:9443", ("::1", 1), "http://[::1]:9443"),
        ("bad host:1", ("127.0.0.1", 40001), "http://127.0.0.1:40001"),  # not echoed
        ("a:b:c", ("::1", 40002), "http://[::1]:40002"),
        ("h:99999", ("127.0.0.1", 40003), "http://127.0.0.1:40003"),  # port out of range
    ],
)
def test_payload_link_origin_is_the_host_header_or_the_bound_socket(
    host: str, sockname: tuple[str, int], origin: str
) -> None:
    request = make_mocked_request(
        "GET", PULL_PATH, headers={"Host": host}, transport=_Socket(sockname)
    )
    assert _origin(request) == origin
    assert _origin(request) == origin  # the second time from the kept origins


def test_the_kept_origins_are_bounded_whatever_hosts_clients_send() -> None:
    for i in range(ORIGINS_KEPT + 10):
        request = make_mocked_request(
            "GET", PULL_PATH, headers={"Host": f"h{i}.example:8443"}, transport=_Socket(("::1", 1))
        )
        assert _origin(request) == f"http://h{i}.example:8443"
        assert len(_ORIGINS) <= ORIGINS_KEPT
