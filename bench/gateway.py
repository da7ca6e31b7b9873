"""Benchmark of the exchange over mutual TLS with keep-alive, against a bare aiohttp TLS handler.

Measures COV (JSON face and SOAP) requests per second with p50/p99 latency at 1, 10 and 50
concurrent clients, and pushes of 1,000-line declarations per second; the reference is a bare
"hello" handler under the same TLS settings in the same run. Every loop is bounded in count and
time. The last line printed is one JSON object.

    .venv/bin/python bench/gateway.py [--requests 2000] [--pushes 100]
"""

from __future__ import annotations

import _support

_support.keep_off_path(fixtures=True)  # before any other import: see bench/_support.py
# ruff: noqa: E402
import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from gateway_fixtures import (
    INSURER,
    REGISTER,
    build_gateway_pki,
    build_world,
    client_context,
    declaration_metadata,
    home_from,
)

import vektis
from gateway import Gateway, GatewaySettings

Call = Callable[[aiohttp.ClientSession], Awaitable[None]]
DEADLINE = 60.0


async def measure(
    connector: aiohttp.TCPConnector, call: Call, *, total: int, workers: int
) -> dict[str, float]:
    latencies: list[float] = []
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        remaining = iter(range(total))

        async def worker() -> None:
            for _ in remaining:
                if time.perf_counter() - started > DEADLINE:
                    return
                t0 = time.perf_counter()
                await call(session)
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


async def main(requests: int, pushes: int) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    pki = build_gateway_pki(root / "pki")
    layout = home_from(pki, root / "home")
    settings = GatewaySettings(layout=layout, port=0, max_payload_bytes=64 << 20)
    gw = Gateway(settings, world=build_world())
    await gw.start()
    runner, bare = await _support.start_hello(layout, "POST")
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=client_context(pki, layout, "insurer"))
        ) as s,
        s.put(f"{gw.url}/cov-register/v1/verzekerden/{INSURER}", json=REGISTER) as r,
    ):
        assert r.status == 204
    cov_body = {"bsn": "999979668", "geboortedatum": "1962-03-15"}

    async def cov(session: aiohttp.ClientSession) -> None:
        async with session.post(gw.url + "/cov/v1/controle", json=cov_body) as r:
            assert r.status == 200
            await r.read()

    async def reference(session: aiohttp.ClientSession) -> None:
        async with session.post(bare, json=cov_body) as r:
            await r.read()

    declaration = vektis.sample_declaration("MZ301", insured=200, per_insured=4)  # 1,001 lines + 1

    async def push(session: aiohttp.ClientSession) -> None:
        form = aiohttp.FormData()
        form.add_field(
            "berichtMetadata", json.dumps(declaration_metadata()), content_type="application/json"
        )
        form.add_field(
            "payload", declaration, content_type="application/octet-stream", filename="f"
        )
        async with session.post(
            gw.url + "/berichtenservice/berichten/rest-push/v1/berichten", data=form
        ) as r:
            assert r.status == 204, r.status

    def conn() -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector(ssl=client_context(pki, layout, "provider"), limit=100)

    result: dict[str, object] = {"requests_per_level": requests}
    for workers in (1, 10, 50):
        result[f"bare_c{workers}"] = await measure(
            conn(), reference, total=requests, workers=workers
        )
        result[f"cov_c{workers}"] = await measure(conn(), cov, total=requests, workers=workers)
        ratio = result[f"cov_c{workers}"]["rps"] / result[f"bare_c{workers}"]["rps"]  # type: ignore[index]
        result[f"cov_ratio_c{workers}"] = round(ratio, 2)
    result["push_1000_lines_c10"] = await measure(conn(), push, total=pushes, workers=10)
    result["push_lines"] = declaration.count(b"\r\n")
    await gw.stop()
    await runner.cleanup()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--pushes", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.requests, args.pushes))))
