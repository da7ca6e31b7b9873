"""Benchmark of the pull listing and berichtstatus over mutual TLS, against a bare TLS handler.

A gateway is filled with ``--messages`` declarations waiting in one insurer's mailbox; then, at 1
and 10 concurrent clients, it times the insurer's pull listing (every message, ``limit=250``),
``zoeken`` on the berichtstroom, and the provider's berichtstatus of one message, each against a
bare "hello" handler under the same TLS settings in the same run (``bench/gateway.py``'s
``measure``). The client only reads the bodies (it shares the process and the CPU). Every loop
is bounded in count and time. The last line printed is one JSON object.

    .venv/bin/python bench/mailbox.py [--messages 250] [--requests 300]
"""

from __future__ import annotations

import _support

_support.keep_off_path(fixtures=True)  # before any other import: see bench/_support.py
# ruff: noqa: E402
import argparse
import asyncio
import importlib.util
import json
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from gateway_fixtures import (
    DECLARATION,
    PULL,
    PUSH,
    STATUS,
    build_gateway_pki,
    build_world,
    client_context,
    declaration_metadata,
    home_from,
)

from gateway import Gateway, GatewaySettings

_spec = importlib.util.spec_from_file_location("bench_gateway", _support.HERE / "gateway.py")
assert _spec is not None
assert _spec.loader is not None
bench_gateway = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_gateway)
measure = bench_gateway.measure


async def _fill(gw: Gateway, session: aiohttp.ClientSession, messages: int) -> str:
    """Push ``messages`` declarations; the last one's traceerId once all wait in the mailbox."""
    traceer_id = ""
    for _ in range(messages):
        meta = declaration_metadata()
        traceer_id = meta["referentiegegevens"]["traceerId"]
        form = aiohttp.FormData()
        form.add_field("berichtMetadata", json.dumps(meta), content_type="application/json")
        form.add_field("payload", DECLARATION, content_type="application/octet-stream")
        async with session.post(gw.url + PUSH, data=form) as r:
            assert r.status == 204, r.status
    for _ in range(600):  # bounded: 60 s
        async with session.get(gw.url + STATUS, params={"traceerId": traceer_id}) as r:
            if (await r.json())[0]["berichtstatus"] == "WordtAangeboden":
                return traceer_id
        await asyncio.sleep(0.1)
    raise RuntimeError("the mailbox was not filled in time")


async def main(messages: int, requests: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-mailbox-"))
    pki = build_gateway_pki(root / "pki")
    layout = home_from(pki, root / "home")
    gw = Gateway(GatewaySettings(layout=layout, port=0), world=build_world())
    await gw.start()
    runner, bare = await _support.start_hello(layout, "GET")

    def conn(name: str) -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector(ssl=client_context(pki, layout, name), limit=100)

    async with aiohttp.ClientSession(connector=conn("provider")) as session:
        traceer_id = await _fill(gw, session, messages)
    async with (
        aiohttp.ClientSession(connector=conn("insurer")) as session,
        session.get(gw.url + PULL) as r,
    ):
        assert len(await r.json()) == min(messages, 250)

    def get(url: str, **kw: Any) -> Any:
        async def call(session: aiohttp.ClientSession) -> None:
            async with session.get(url, **kw) as r:
                assert r.status == 200, r.status
                await r.read()

        return call

    async def zoeken(session: aiohttp.ClientSession) -> None:
        stroom = {"zoekpadType": "ZoekpadOpBerichtstroom", "berichttype": "MZ301"}
        async with session.post(gw.url + PULL + "/zoeken", json=stroom) as r:
            assert r.status == 200
            await r.read()

    cases = {
        "listing": ("insurer", get(gw.url + PULL)),
        "zoeken": ("insurer", zoeken),
        "status": ("provider", get(gw.url + STATUS, params={"traceerId": traceer_id})),
    }
    result: dict[str, Any] = {"messages": messages, "requests_per_level": requests}
    for workers in (1, 10):
        reference = await measure(conn("provider"), get(bare), total=requests, workers=workers)
        result[f"bare_c{workers}"] = reference
        for name, (account, call) in cases.items():
            figures = await measure(conn(account), call, total=requests, workers=workers)
            result[f"{name}_c{workers}"] = figures
            result[f"{name}_ratio_c{workers}"] = round(figures["rps"] / reference["rps"], 3)
    await gw.stop()
    await runner.cleanup()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=250)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.messages, args.requests))))
