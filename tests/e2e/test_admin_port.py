"""The operator's admin port under attack and in use (issues 11 and 12), with plain clients.

Raw requests go through ``http.client`` (stdlib, none of our code) in a worker thread, so a
test can send exactly the headers a browser or an attacker's page would: no token, a wrong
token, ``text/plain``, a foreign ``Host`` or ``Origin``. ``curl`` plays the container's
readiness probe.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import os
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from conftest import declaration

import insurer_stub
from vecozo_sim import Exchange, ExchangeSettings
from vecozo_sim.pytest_plugin import VecozoExchange, VecozoWorld

DENTIST, VGZ = "12050001", "7095"
PULL_LIST = "/berichtenservice/berichten/rest-pull/v1/berichten"


def _raw(
    base: str, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, Any]:
    """One request exactly as given (a ``Host`` in ``headers`` replaces the real one)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    return response.status, json.loads(raw) if raw else None


async def call(
    vecozo: VecozoExchange,
    method: str,
    path: str,
    *,
    token: str | None = "",
    body: bytes | None = None,
    **headers: str,
) -> tuple[int, Any]:
    """``token=""`` sends the right token, ``None`` none, anything else that string."""
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    if token is not None:
        sent["Authorization"] = f"Bearer {token or vecozo.admin_token}"
    return await asyncio.to_thread(_raw, vecozo.admin_url, method, path, sent, body)


async def _message(vecozo: VecozoExchange) -> str:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    return receipt.traceer_id


async def _still_known(vecozo: VecozoExchange, traceer_id: str) -> bool:
    status, _ = await call(vecozo, "GET", f"/admin/gateway/berichten/{traceer_id}/historie")
    return status == 200


# -- authentication and the browser's cross-site requests (issue 12) ----------------------


async def test_every_admin_route_wants_the_token(vecozo: VecozoExchange) -> None:
    status, index = await call(vecozo, "GET", "/admin/")
    assert status == 200
    routes = [(e["method"], e["path"].translate({123: "", 125: ""})) for e in index["endpoints"]]
    assert len(routes) >= 14  # both rooms' routes and the index pages
    for method, path in routes:
        if path == "/health":
            continue
        for token in (None, "wrong-token", vecozo.admin_token + "x"):
            status, problem = await call(vecozo, method, path, token=token)
            assert status == 401, (method, path, token)
            assert "admin_token" in problem["detail"]
            assert str(vecozo.home / "runtime.json") in problem["detail"]
    basic = {"Authorization": "Basic eDp4"}
    assert (await call(vecozo, "GET", "/admin/gateway/clock", token=None, **basic))[0] == 401


async def test_a_web_page_cannot_wipe_the_exchange(vecozo: VecozoExchange) -> None:
    """Issue 12's attack: a text/plain POST (no CORS preflight) to the reset route."""
    traceer_id = await _message(vecozo)
    page = {"Content_Type": "text/plain", "Origin": "http://evil.example"}
    status, _ = await call(vecozo, "POST", "/admin/gateway/reset", token=None, body=b"{}", **page)
    assert status == 403
    del page["Origin"]  # a form post from a page that hides its origin gets the 401
    status, _ = await call(vecozo, "POST", "/admin/gateway/reset", token=None, body=b"{}", **page)
    assert status == 401
    assert await _still_known(vecozo, traceer_id)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x"],
)  # fmt: skip
async def test_simple_request_content_types_are_refused_even_with_the_token(
    vecozo: VecozoExchange, content_type: str
) -> None:
    traceer_id = await _message(vecozo)
    for method, path in (("POST", "/admin/gateway/reset"), ("PUT", "/admin/gateway/clock")):
        status, problem = await call(vecozo, method, path, body=b"{}", Content_Type=content_type)
        assert status == 415, (method, path)
        assert "application/json" in problem["detail"]
    assert await _still_known(vecozo, traceer_id)
    json_body = {"Content_Type": "application/json"}
    assert (await call(vecozo, "PUT", "/admin/gateway/faults", body=b"{}", **json_body))[0] == 200


async def test_foreign_host_and_origin_are_refused(vecozo: VecozoExchange) -> None:
    port = urllib.parse.urlsplit(vecozo.admin_url).port
    path = "/admin/gateway/clock"
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1", f"127.0.0.2:{port}"):
        status, problem = await call(vecozo, "GET", path, Host=host)
        assert status == 403, host
        assert f"127.0.0.1:{port}" in problem["detail"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert (await call(vecozo, "GET", path, Host=host))[0] == 200, host
    for origin in ("http://evil.example", "null", f"http://localhost:{port + 1}"):
        assert (await call(vecozo, "GET", path, Origin=origin))[0] == 403, origin
    assert (await call(vecozo, "GET", path, Origin=f"http://127.0.0.1:{port}"))[0] == 200


# -- one admin listener (issue 12) ---------------------------------------------------------


def _listening_ports() -> set[int]:
    """The TCP ports this process listens on: /proc/net/tcp{,6} rows in state LISTEN (0A)
    whose socket inode is one of this process's open file descriptors."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


async def test_the_process_listens_on_the_gateway_insurers_and_one_admin_port(
    vecozo: VecozoExchange,
) -> None:
    def port(url: str) -> int:
        return urllib.parse.urlsplit(url).port or 0

    expected = {port(vecozo.gateway_url), port(vecozo.admin_url)}
    expected |= {port(url) for url in vecozo.runtime.insurer_endpoints.values()}
    assert _listening_ports() == expected


# -- the clock's range (issue 12) ----------------------------------------------------------


async def test_put_clock_refuses_moments_outside_the_range(vecozo: VecozoExchange) -> None:
    json_body = {"Content_Type": "application/json"}
    for body in (
        {"now": "9999-12-31T23:59:59+00:00"},
        {"now": "1999-12-31T23:59:59+00:00"},
        {"today": "9999-12-31"},
        {"today": "0001-01-01"},
    ):
        status, problem = await call(
            vecozo, "PUT", "/admin/gateway/clock", body=json.dumps(body).encode(), **json_body
        )
        assert status == 400, body
        assert "2000-01-01" in problem["detail"]
        assert "2100-12-31" in problem["detail"]
    status, clock = await call(vecozo, "GET", "/admin/gateway/clock")
    assert dt.date.fromisoformat(clock["today"]).year < 2100
    edge = json.dumps({"today": "2100-12-30"}).encode()
    assert (await call(vecozo, "PUT", "/admin/gateway/clock", body=edge, **json_body))[0] == 200
    await _message(vecozo)  # the exchange still answers at the edge of the range


# -- the index pages and /health (issue 11) ------------------------------------------------


async def test_every_printed_admin_url_answers_an_index(vecozo: VecozoExchange) -> None:
    runtime = vecozo.runtime.to_json()
    for url in (runtime["gateway_admin_url"], runtime["insurers_admin_url"]):
        status, index = await call(vecozo, "GET", urllib.parse.urlsplit(url).path)
        assert status == 200, url
        paths = {e["path"] for e in index["endpoints"]}
        prefix = urllib.parse.urlsplit(url).path
        assert all(p.startswith(prefix) for p in paths)
        assert all(e["method"] and e["description"] for e in index["endpoints"])
    status, root = await call(vecozo, "GET", "/admin/")
    listed = {(e["method"], e["path"]) for e in root["endpoints"]}
    assert {
        ("GET", "/health"),
        ("GET", "/admin/gateway/journal"),
        ("POST", "/admin/gateway/reset"),
        ("PUT", "/admin/gateway/clock"),
        ("PUT", "/admin/insurers/faults"),
    } <= listed


def _curl_health(admin_url: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", f"{admin_url}/health"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, code = done.stdout.rsplit("\n", 1)
    return int(code), json.loads(body)


async def test_health_is_503_with_a_reason_until_the_insurers_judge(
    vecozo_world: VecozoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started as ``up`` does for a world that ran before: insurers in the background."""
    held = asyncio.Event()
    start = insurer_stub.InsurerHost.start

    async def held_start(self: insurer_stub.InsurerHost) -> None:
        await held.wait()
        await start(self)

    monkeypatch.setattr(insurer_stub.InsurerHost, "start", held_start)
    layout = vecozo_world.copy_to(tmp_path / "home")
    settings = ExchangeSettings(layout=layout, port=0, admin_port=0, poll_interval=0.05)
    exchange = Exchange(settings, world=vecozo_world.world)
    runtime = await exchange.start(insurers_in_background=True)
    try:
        status, body = await asyncio.to_thread(_curl_health, runtime.admin_url)
        assert (status, body["status"]) == (503, "starting")
        assert "insurers" in body["reason"]
        held.set()
        await exchange.insurers_started()
        assert await asyncio.to_thread(_curl_health, runtime.admin_url) == (200, {"status": "ok"})
    finally:
        held.set()
        await exchange.stop()
