"""The ``vecozo`` fixture: one exchange per session, yet every test starts from an empty one.

The first test leaves everything a test can leave behind (a declaration judged and answered, a
mailbox message, statuses, journal rows, a ledger, faults in gateway and insurer, a moved
clock); the next test, a plain ``def`` using blocking clients only, must see none of it. The
module runs in file order, so the second test always follows the first.
"""

from __future__ import annotations

import datetime as dt
import ssl
import subprocess
from typing import Any

import pytest
import requests
from conftest import declaration

from vecozo_sim.pytest_plugin import ServerSideError, VecozoExchange, VecozoServer

DENTIST, ZK = "12050001", "3311"  # a dentist and a push-mode insurer
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
STATUS = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
LEFT: dict[str, Any] = {}  # what the first test left behind, for the second to look for
RETURN_FILES: list[bytes] = []


def _session(vecozo: VecozoExchange, account: str) -> requests.Session:
    """A vendor's requests session: the account's certificate, the test CA, no environment."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
    session.cert = tuple(str(p) for p in vecozo.cert_and_key(account))  # type: ignore[assignment]
    session.verify = str(vecozo.ca_cert)
    return session


async def test_a_test_leaves_traffic_faults_and_a_moved_clock(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=ZK))
    info, answer = await client.fetch_return(receipt.traceer_id, timeout=30)
    assert await vecozo.admin("GET", f"/admin/insurers/ledgers/{ZK}") != []
    await vecozo.set_faults(
        {"gateway": {"latencyMs": 5, "failingDeliveries": [ZK]}, "insurers": {ZK: {"down": True}}}
    )
    await vecozo.admin("PUT", "/admin/gateway/clock", {"today": "2031-02-03"})
    LEFT.update(traceer_id=receipt.traceer_id, answer=info.traceer_id)
    RETURN_FILES.append(answer)


def test_the_next_test_sees_none_of_it(vecozo: VecozoExchange, vecozo_server: VecozoServer) -> None:
    assert LEFT, "runs after the test above"
    for traceer_id in LEFT.values():
        assert vecozo.admin_sync("GET", f"/admin/gateway/journal?traceerId={traceer_id}") == []
        with pytest.raises(AssertionError, match="404"):
            vecozo.admin_sync("GET", f"/admin/gateway/berichten/{traceer_id}/historie")
    assert vecozo.admin_sync("GET", f"/admin/insurers/ledgers/{ZK}") == []
    insurers = vecozo.admin_sync("GET", "/admin/insurers/insurers")
    assert {i["judgedFiles"] for i in insurers} == {0}
    assert all(not i["faults"]["down"] for i in insurers)
    gateway = vecozo_server.exchange.gateway
    assert gateway is not None
    assert gateway.state.faults.to_json()["failingDeliveries"] == []
    today = vecozo.admin_sync("GET", "/admin/gateway/clock")["today"]
    assert today == (vecozo.world.today or dt.date.today()).isoformat()
    # the gateway's own view, through a blocking client (asked last: it is journaled too)
    with _session(vecozo, DENTIST) as dentist:
        mailbox = dentist.get(vecozo.gateway_url + PULL, timeout=10)
        status = dentist.get(
            vecozo.gateway_url + STATUS, params={"traceerId": LEFT["traceer_id"]}, timeout=10
        )
    assert (mailbox.status_code, mailbox.json()) == (200, [])
    assert status.status_code == 404 or status.json() == []


async def test_the_same_declaration_is_judged_alike_after_the_reset(
    vecozo: VecozoExchange,
) -> None:
    """The insurer's judged lines are gone too: with them, the same lines sent again would be
    judged as declared twice and the return file would differ from the first test's."""
    assert RETURN_FILES, "runs after the first test"
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=ZK))
    _, answer = await client.fetch_return(receipt.traceer_id, timeout=30)
    assert answer == RETURN_FILES[0]


def test_curl_in_a_subprocess_gets_its_answer(vecozo: VecozoExchange) -> None:
    cert, key = vecozo.cert_and_key(DENTIST)
    command = ["curl", "--silent", "--show-error", "--max-time", "20", "--noproxy", "*"]
    command += ["--cert", str(cert), "--key", str(key), "--cacert", str(vecozo.ca_cert)]
    command += ["--write-out", "\n%{http_code}", vecozo.gateway_url + PULL]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "200"]


def test_a_blocking_push_gets_its_answer_and_the_return(vecozo: VecozoExchange) -> None:
    """requests in a plain test: push (multipart, as the OpenAPI document says), then poll."""
    data = declaration(vecozo.world, provider=DENTIST, insurer=ZK)
    with _session(vecozo, DENTIST) as dentist:
        pushed = dentist.post(
            vecozo.gateway_url + "/berichtenservice/berichten/rest-push/v1/berichten",
            files={"berichtMetadata": (None, "{}", "application/json"), "payload": data},
            timeout=10,
        )
    # The metadata is incomplete on purpose: a blocking client must get the 400, not hang.
    assert pushed.status_code == 400
    assert pushed.headers["Content-Type"].startswith("application/problem+json")


async def test_admin_reset_resets_the_insurers_too(vecozo: VecozoExchange) -> None:
    """issue 12: the insurers kept their judged files after an admin reset and sent an answer
    again at each start. Now their inbox, lines and ledgers go with the gateway's store."""
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=ZK))
    await client.fetch_return(receipt.traceer_id, timeout=30)
    await vecozo.admin("PUT", "/admin/insurers/faults", {"uzovi": ZK, "slowSeconds": 1})
    started = await vecozo.admin("GET", "/admin/gateway/clock")
    await vecozo.admin("PUT", "/admin/gateway/clock", {"today": "2031-02-03"})

    assert await vecozo.admin("POST", "/admin/gateway/reset") == {
        "reset": True,
        "covRegister": False,
    }
    assert await vecozo.admin("GET", f"/admin/insurers/ledgers/{ZK}") == []
    insurers = await vecozo.admin("GET", "/admin/insurers/insurers")
    assert {i["judgedFiles"] for i in insurers} == {0}
    assert {i["faults"]["slowSeconds"] for i in insurers} == {0}
    assert await client.list_messages() == ()
    assert (await vecozo.admin("GET", "/admin/gateway/clock"))["today"] == started["today"]
    # and the exchange still works after it, with the same ports
    again = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=ZK, seed=2))
    info, _ = await client.fetch_return(again.traceer_id, timeout=30)
    assert info.als_antwoord_op == again.traceer_id


def test_a_malformed_request_sent_on_purpose_does_not_fail_the_test(
    vecozo: VecozoExchange,
) -> None:
    """A request line aiohttp's parser refuses: the exchange answers 400 and, since that is
    the peer's fault, the teardown (which checks the exchange's own errors) passes."""
    context = ssl.create_default_context(cafile=vecozo.ca_cert)
    context.load_cert_chain(*vecozo.cert_and_key(DENTIST))
    host, port = vecozo.gateway_url.removeprefix("https://").split(":")
    import socket

    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(b"GET /\x00bad HTTP/1.1\r\nHost: x\r\nContent-Length: nan\r\n\r\n")
        answer = tls.recv(4096)
    assert answer.split(b" ")[1] == b"400"  # aiohttp answers a request it cannot parse as 1.0
    assert vecozo.server_errors == []


def test_an_internal_error_of_the_exchange_is_reported(
    vecozo: VecozoExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side: the exchange's own crash (here a journal read that raises) is kept for
    the teardown, which would fail this test; it is cleared once this test has looked."""
    from gateway import Store

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the store broke")

    monkeypatch.setattr(Store, "read_journal", broken)
    with pytest.raises(AssertionError, match="500"):
        vecozo.admin_sync("GET", "/admin/gateway/journal")
    assert any("the store broke" in line for line in vecozo.server_errors)
    with pytest.raises(ServerSideError, match="the store broke"):
        vecozo.check()
    vecozo.clear_server_errors()
